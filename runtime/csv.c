/*
** csv.c: the RFC 4180 reader (see csv.h).
**
** The reader makes one pass over the buffer and stops only at bytes that
** matter: a table lookup per byte finds the end of an unquoted field, and
** nothing is allocated per field or per row once the field array and the
** scratch space have grown to the widest row.  A lone CR that is not part of
** CRLF is ordinary data, except at the very end of the buffer, where it can
** only be a line end cut short.
*/
#include "csv.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "arena.h"

/* Bytes that end a run of plain field text. */
static const unsigned char plain_stop[256] = {
  [0] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1, [','] = 1,
};

/* The end of a run of plain field text from p: sixteen or eight bytes at a
** time, as fields are short and a byte at a time was most of the reader's
** time.  Without vectors: in each word, a byte equal to a stop byte becomes
** a zero byte of x ^ stop; the usual zero-byte test can also flag bytes
** above a real zero byte, never below one, so the lowest flagged byte of all
** five tests is exact. */
#if defined(__SSE2__)
/* Of the sixteen bytes at p, where the machine compares bytes in vectors:
** the commas, as bits, and (stops) every other byte plain text stops at. */
static inline unsigned commas16(const char *p, unsigned *stops) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
  __m128i a = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                           _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
  __m128i b = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                           _mm_cmpeq_epi8(v, _mm_setzero_si128()));
  *stops = (unsigned)_mm_movemask_epi8(_mm_or_si128(a, b));
  return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
}

/* Of the sixteen bytes at p: the commas, as bits, and (low) the bytes up to
** '"', which hold every byte but the comma that a plain row stops at. */
static inline unsigned commas_low16(const char *p, unsigned *low) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
  *low = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8('"')), v));
  return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
}
#endif

static const char *plain_end(const char *p, const char *end) {
#if defined(__SSE2__)
  for (; end - p >= 16; p += 16) {
    unsigned stops, bits = commas16(p, &stops) | stops;
    if (bits) return p + __builtin_ctz(bits);
  }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
#define ZEROS(x) (((x) - ones) & ~(x) & high)
  for (; end - p >= 8; p += 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t c = w ^ (ones * ','), n = w ^ (ones * '\n'), r = w ^ (ones * '\r'),
             q = w ^ (ones * '"');
    uint64_t m = ZEROS(c) | ZEROS(n) | ZEROS(r) | ZEROS(q) | ZEROS(w);
    if (m) return p + (__builtin_ctzll(m) >> 3);
  }
#undef ZEROS
#endif
  while (p < end && !plain_stop[(unsigned char)*p]) p++;
  return p;
}

/* Bytes that interrupt a run of quoted field text. */
static const unsigned char quoted_stop[256] = { [0] = 1, ['\n'] = 1, ['"'] = 1 };

typedef struct unescaped { uint32_t field; size_t off; } unescaped;

struct tl_csv {
  const char *p, *end;
  const char *bol;                /* first byte of the current line */
  uint32_t line;
  TL_VEC(tl_csv_field) f;
  TL_VEC(unescaped) moved;        /* fields of this row living in scratch */
  char *scratch;
  size_t scratch_cap, scratch_used;
  const char *err;
  uint32_t err_line, err_col;
};

tl_csv *tl_csv_new(const char *data, size_t len) {
  tl_csv *c = tl_calloc(1, sizeof *c);
  c->p = data;
  c->end = data + len;
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) c->p += 3;
  c->bol = c->p;                  /* so the mark takes no column */
  c->line = 1;
  return c;
}

tl_csv *tl_csv_new_at(const char *data, size_t len, uint32_t line) {
  tl_csv *c = tl_calloc(1, sizeof *c);
  c->p = c->bol = data;
  c->end = data + len;
  c->line = line;
  return c;
}

const char *tl_csv_at(const tl_csv *c, uint32_t *line) {
  *line = c->line;
  return c->p;
}

void tl_csv_seek(tl_csv *c, const char *p, uint32_t line) {
  c->p = c->bol = p;
  c->line = line;
}

void tl_csv_free(tl_csv *c) {
  if (!c) return;
  tl_vec_free(c->f);
  tl_vec_free(c->moved);
  tl_free(c->scratch);
  tl_free(c);
}

const char *tl_csv_error(const tl_csv *c, uint32_t *line, uint32_t *col) {
  if (line) *line = c->err_line;
  if (col) *col = c->err_col;
  return c->err;
}

static uint32_t col_of(const tl_csv *c, const char *p) { return (uint32_t)(p - c->bol) + 1; }

/* Record an error at line:col and skip to the line after the one holding at,
** so the next call starts on a fresh line. */
static tl_csv_status fail(tl_csv *c, const char *msg, uint32_t line, uint32_t col,
                          const char *at) {
  c->err = msg;
  c->err_line = line;
  c->err_col = col;
  const char *nl = memchr(at, '\n', (size_t)(c->end - at));
  if (nl) {
    c->p = c->bol = nl + 1;
    c->line = line + 1;
  } else {
    c->p = c->end;
  }
  return TL_CSV_ERROR;
}

/* Copy the quoted text s[0..n), which holds doubled quotes, into scratch
** without them; returns its length there. */
static uint32_t unescape(tl_csv *c, const char *s, size_t n, uint32_t field) {
  if (c->scratch_used + n > c->scratch_cap) {
    c->scratch_cap = (c->scratch_used + n) * 2;
    c->scratch = tl_realloc(c->scratch, c->scratch_cap);
  }
  char *out = c->scratch + c->scratch_used, *o = out;
  for (const char *e = s + n; s < e; s++) {
    *o++ = *s;
    if (*s == '"') s++;
  }
  unescaped u = { field, c->scratch_used };
  tl_vec_push(c->moved, u);
  c->scratch_used += (size_t)(o - out);
  return (uint32_t)(o - out);
}

/* Whether p is at a line end: LF, CRLF, or a CR that ends the buffer. */
static bool at_eol(const tl_csv *c, const char *p) {
  return *p == '\n' || (*p == '\r' && (p + 1 == c->end || p[1] == '\n'));
}

/* Step over the line end at p and start the next line. */
static const char *next_line(tl_csv *c, const char *p) {
  p += *p == '\r' && p + 1 < c->end ? 2 : 1;
  c->bol = p;
  c->line++;
  return p;
}

tl_csv_status tl_csv_next(tl_csv *c, tl_csv_row *row) {
  const char *p = c->p, *end = c->end;
  while (p < end && at_eol(c, p)) p = next_line(c, p);
  if (p == end) {
    c->p = p;
    return TL_CSV_END;
  }
  c->f.n = 0;
  c->moved.n = 0;
  c->scratch_used = 0;
  row->start = p;
  row->line = c->line;
  row->quoted = false;
  for (;;) {
    tl_csv_field fl = { .p = p, .line = c->line, .col = col_of(c, p), .quoted = false };
    if (p < end && *p == '"') {
      const char *s = ++p;
      bool doubled = false;
      for (;;) {
        while (p < end && !quoted_stop[(unsigned char)*p]) p++;
        if (p == end) return fail(c, "unterminated quoted field", fl.line, fl.col, s);
        if (*p == '\n') {
          c->bol = ++p;
          c->line++;
        } else if (*p == '\0') {
          return fail(c, "NUL byte in file", c->line, col_of(c, p), p);
        } else if (p + 1 < end && p[1] == '"') {
          doubled = true;
          p += 2;
        } else {
          break;
        }
      }
      fl.quoted = row->quoted = true;
      fl.p = s;
      fl.len = (uint32_t)(p - s);
      if (doubled) fl.len = unescape(c, s, (size_t)(p - s), (uint32_t)c->f.n);
      p++;
      if (p < end && *p == '\0') return fail(c, "NUL byte in file", c->line, col_of(c, p), p);
      if (p < end && *p != ',' && !at_eol(c, p))
        return fail(c, "unexpected character after closing quote", c->line, col_of(c, p), p);
    } else {
      for (;;) {
        p = plain_end(p, end);
        if (p == end || *p == ',' || at_eol(c, p)) break;
        if (*p == '"')
          return fail(c, "quote in the middle of an unquoted field", c->line, col_of(c, p), p);
        if (*p == '\0') return fail(c, "NUL byte in file", c->line, col_of(c, p), p);
        p++;                      /* a lone CR */
      }
      fl.len = (uint32_t)(p - fl.p);
    }
    tl_vec_push(c->f, fl);
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    if (p < end) p = next_line(c, p);
    break;
  }
  /* Scratch may have moved while the row grew; point into it only now. */
  for (size_t i = 0; i < c->moved.n; i++)
    c->f.v[c->moved.v[i].field].p = c->scratch + c->moved.v[i].off;
  c->p = p;
  row->n = (uint32_t)c->f.n;
  row->unescaped = c->moved.n > 0;
  row->f = c->f.v;
  return TL_CSV_ROW;
}

/* Finish a plain row at e, where its field i, which starts at s, stops: that
** must be its last field (n - 1), and e the end of its line. */
static const char *plain_last(const char *s, const char *e, const char *end, tl_csv_span *f,
                              uint32_t i, uint32_t n) {
  if (i + 1 != n) return NULL;
  f[i] = (tl_csv_span){ s, (uint32_t)(e - s) };
  if (e == end) return end;
  if (*e == '\n') return e + 1;
  if (*e == '\r' && e + 1 < end && e[1] == '\n') return e + 2;
  return NULL;                  /* a quote, a NUL or a lone CR */
}

/* tl_csv_plain_row's rules, row after row, over one stream of 64-byte
** masks: each byte is looked at once, where the row-at-a-time scan read the
** 64 bytes from each row's start, most of them again for the next row. */
uint32_t tl_csv_plain_rows(const char *p, const char *end, const char *stop, tl_csv_span *f,
                           uint32_t n, size_t stride, uint32_t max, const char **starts) {
  uint32_t rows = 0;
  starts[0] = p;
#if defined(__SSE2__)
  /* the row being read: where it and its next field start, the slot of
  ** that field and of the row's last (stop is never after end) */
  const char *row = p, *s = p;
  if (n == 0 || max == 0 || row >= stop || *row == '\n' || *row == '\r') return 0;
  tl_csv_span *fp = f, *last = f + n - 1;
  for (const char *c = p; end - c >= 64; c += 64) {
    uint64_t commas, low;
    unsigned l0, l1, l2, l3;
    commas = (uint64_t)commas_low16(c, &l0) | (uint64_t)commas_low16(c + 16, &l1) << 16
             | (uint64_t)commas_low16(c + 32, &l2) << 32
             | (uint64_t)commas_low16(c + 48, &l3) << 48;
    low = (uint64_t)l0 | (uint64_t)l1 << 16 | (uint64_t)l2 << 32 | (uint64_t)l3 << 48;
    __builtin_prefetch(c + 2048);
    for (uint64_t bits = commas | low; bits; bits &= bits - 1) {
      unsigned at = (unsigned)__builtin_ctzll(bits);
      const char *e = c + at;
      if (commas >> at & 1) {
        if (fp == last) return rows;   /* a field too many */
        fp->p = s;
        fp->len = (uint32_t)(e - s);
        fp++;
        s = e + 1;
        continue;
      }
      unsigned char ch = (unsigned char)*e;
      if (!plain_stop[ch] || e < row) continue;   /* data (a space, say), or a CRLF's LF */
      const char *next = ch == '\n' ? e + 1
                         : ch == '\r' && e + 1 < end && e[1] == '\n' ? e + 2 : NULL;
      if (!next || fp != last) return rows;   /* a quote, a NUL, a lone CR; too few fields */
      fp->p = s;
      fp->len = (uint32_t)(e - s);
      starts[++rows] = next;
      if (rows == max) return rows;
      row = s = next;
      if (row >= stop || *row == '\n' || *row == '\r') return rows;
      fp = f + rows * stride;
      last = fp + n - 1;
    }
  }
#else
  (void)end; (void)stop; (void)f; (void)n; (void)stride; (void)max;
#endif
  return rows;
}

const char *tl_csv_plain_row(const char *p, const char *end, tl_csv_span *f, uint32_t n) {
  if (n == 0 || p >= end || *p == '\n' || *p == '\r') return NULL;
  const char *s = p;            /* where field i starts */
  uint32_t i = 0;
#if defined(__SSE2__)
  /* Sixty-four bytes at a time, a row or more: one mask of its commas and
  ** one of the bytes up to '"', which holds every other byte that matters
  ** (NUL, LF, CR and the quote) and a few that do not (a space, say), told
  ** apart one at a time from the first: a row's first is nearly always its
  ** line end, and this is half the comparisons of testing for all four. */
  for (; end - p >= 64; p += 64) {
    uint64_t commas, low;
    unsigned l0, l1, l2, l3;     /* written out: a loop of four was not unrolled */
    commas = (uint64_t)commas_low16(p, &l0) | (uint64_t)commas_low16(p + 16, &l1) << 16
             | (uint64_t)commas_low16(p + 32, &l2) << 32 | (uint64_t)commas_low16(p + 48, &l3) << 48;
    low = (uint64_t)l0 | (uint64_t)l1 << 16 | (uint64_t)l2 << 32 | (uint64_t)l3 << 48;
    for (; low; low &= low - 1) {
      unsigned char c = (unsigned char)p[__builtin_ctzll(low)];
      if (plain_stop[c]) break;   /* below ',', so NUL, LF, CR or the quote */
    }
    if (low) commas &= (low & -low) - 1;   /* the commas before the first stop */
    for (; commas; commas &= commas - 1) {
      const char *e = p + __builtin_ctzll(commas);
      if (i + 1 >= n) return NULL;
      f[i++] = (tl_csv_span){ s, (uint32_t)(e - s) };
      s = e + 1;
    }
    if (low) return plain_last(s, p + __builtin_ctzll(low), end, f, i, n);
  }
#endif
  for (;;) {
    const char *e = plain_end(s, end);
    if (e == end || *e != ',') return plain_last(s, e, end, f, i, n);
    if (i + 1 >= n) return NULL;
    f[i++] = (tl_csv_span){ s, (uint32_t)(e - s) };
    s = e + 1;
  }
}
