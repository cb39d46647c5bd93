/*
** strtab.c: interned strings (see ledger.h).
**
** Ids are dense and given in order of first appearance, so callers can index
** arrays by them.  A ledger interns every deal id, so the table must stay
** small and fast at ten million strings:
**   - the text is packed, NUL-terminated, into one buffer, and an id is just
**     its offset there (its length is the distance to the next one); so at
**     most 4 GiB of distinct text, past which interning runs out of memory;
**   - the open-addressed table (linear probing, at most 3/4 full) keeps the
**     hash beside the id in each slot, so a probe that misses never touches
**     the string: inserting a new key costs one cache miss, and callers can
**     prefetch that one (tl_str_prefetch_h).
** The buffer moves when it grows, so a pointer from tl_str_get is good until
** the next tl_str_intern.  The empty string is always id 0, so an empty text
** cell has a readable id too.
**
** Deal ids are not interned: they are keys, distinct by definition, one per
** deals row, and ten million of them would cost a hash probe at a random
** place each (a third of a large run).  They live in a key set of their own,
** id TL_STR_KEY | row, stored in row order.  While the keys arrive in
** ascending order (byte order, or length then byte order: "D9" before "D10"),
** as exports sorted by id do, each is only compared with the one before it,
** which proves it new, and a lookup is a search of the sorted rows starting
** from where the last one ended.  At the first key out of order the set
** builds a hash index of the keys so far and hashes from then on.
**
** A loader reading a big deals file on several threads collects each part's
** keys in a set of its own; joining them (tl_str_keys_append) hands that
** set's buffer over whole, as the next segment of rows, instead of copying
** it: the copy was the file's ids a second time at the load's peak (44 MB of
** ten million deals) and a pass over them on the main reader.  Keys are
** always added to the last segment; a lookup by row finds its segment among
** a few.
*/
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "ledger.h"
#include "prefault.h"

/* Packed NUL-terminated strings; string i is text[off[i] .. off[i + 1] - 1).
** The key set starts without offsets: while every key has the same length,
** as ids of a fixed width ("D0000001") do, key i starts at i * width, and
** ten million keys save forty megabytes.  The first key of another length
** gives it its offsets (buf_vary). */
typedef struct strbuf {
  char *text;
  size_t used, cap;
  uint32_t *off;                /* off[n] == used; NULL: width bytes per string */
  uint32_t n, ncap;             /* strings, room in off (ncap + 1 entries) */
  uint32_t width;               /* without off: each string's length + 1 (0 before the first) */
} strbuf;

enum { ORDER_BYTES = 1, ORDER_SHORTLEX = 2 };

/* Keys of rows [row0, row0 + b.n), handed over by tl_str_keys_append. */
typedef struct keyseg { strbuf b; uint32_t row0; } keyseg;

struct tl_strtab {
  strbuf s;                     /* interned strings, by id */
  uint64_t *slot;               /* hash << 32 | (id + 1), or 0 when free */
  uint32_t mask;
  /* The key set: the key of row r (empty: no key on that row) is string
  ** r - k0 of k when r >= k0, else in one of the earlier segments. */
  strbuf k;
  uint32_t k0;
  keyseg *seg;                  /* earlier segments, by row */
  uint32_t nseg;
  int korder;                   /* ORDER_* the keys are still strictly ascending in */
  uint64_t *kslot;              /* hash index once korder is 0: hash << 32 | (row + 1) */
  uint32_t kmask, kcount;
};

/* Grow an array of *cap bytes to at least want bytes, doubling. */
static void *grow_to(void *p, size_t *cap, size_t want) {
  size_t c = *cap ? *cap : 4096;
  while (c < want) c *= 2;
  if (c == *cap) return p;
  p = tl_realloc(p, c);
  *cap = c;
  return p;
}

/* Room for exactly want bytes when that is more than *cap: for a caller that
** knows what is coming (doubling would leave up to half the block unused, and
** big blocks are faulted in whole, see prefault.h). */
static void *grow_exact(void *p, size_t *cap, size_t want) {
  if (want <= *cap) return p;
  p = tl_realloc(p, want);
  *cap = want;
  return p;
}

/* A multiply-xorshift hash over 8-byte words: ids and codes are short, and
** this reads them a word at a time.  Any good mix will do; ids do not depend
** on it. */
uint32_t tl_str_hash(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9u;
    h ^= h >> 31;
    s += 8;
    n -= 8;
  }
  if (n) h = (h ^ tl_bytes_word(s, n)) * 0x94D049BB133111EBu;   /* the last 1 to 7 bytes */
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9u;
  h ^= h >> 32;
  return (uint32_t)h;
}

static void buf_init(strbuf *b) {
  size_t bytes = 0;
  b->off = grow_to(NULL, &bytes, 64 * sizeof *b->off);
  b->ncap = (uint32_t)(bytes / sizeof *b->off);
  b->off[0] = 0;
}

/* Where string i starts. */
static size_t buf_off(const strbuf *b, uint32_t i) {
  return b->off ? b->off[i] : (size_t)i * b->width;
}

/* Give a buffer of one width its offsets, room for at least want strings. */
static void buf_vary(strbuf *b, uint32_t want) {
  size_t bytes = 0;
  b->off = grow_to(NULL, &bytes, ((size_t)(want > b->n ? want : b->n) + 2) * sizeof *b->off);
  b->ncap = (uint32_t)(bytes / sizeof *b->off);
  for (uint32_t i = 0; i <= b->n; i++) b->off[i] = (uint32_t)((size_t)i * b->width);
}

static void buf_free(strbuf *b) {
  tl_free(b->text);
  tl_free(b->off);
}

/* Append s as string b->n; ids past 2^30 (or 4 GiB of text) run out of memory. */
static uint32_t buf_add(strbuf *b, const char *s, size_t n) {
  uint32_t id = b->n;
  if (b->used + n + 1 > UINT32_MAX || id >= TL_STR_KEY - 1) tl_realloc(b->text, SIZE_MAX);
  if (b->used + n + 1 > b->cap) b->text = grow_to(b->text, &b->cap, b->used + n + 1);
  if (!b->off) {
    if (id == 0) b->width = (uint32_t)n + 1;
    if (n + 1 != b->width) buf_vary(b, id + 1);
  }
  if (b->off && id + 1 >= b->ncap) {
    size_t bytes = (size_t)b->ncap * sizeof *b->off;
    b->off = grow_to(b->off, &bytes, ((size_t)id + 2) * sizeof *b->off);
    b->ncap = (uint32_t)(bytes / sizeof *b->off);
  }
  if (n) memcpy(b->text + b->used, s, n);
  b->text[b->used + n] = 0;
  b->used += n + 1;
  if (b->off) b->off[id + 1] = (uint32_t)b->used;
  b->n = id + 1;
  return id;
}

static size_t buf_len(const strbuf *b, uint32_t i) {
  return b->off ? b->off[i + 1] - b->off[i] - 1 : b->width - 1;
}
static const char *buf_str(const strbuf *b, uint32_t i) { return b->text + buf_off(b, i); }

tl_strtab *tl_strtab_new(void) {
  tl_strtab *t = tl_calloc(1, sizeof *t);
  buf_init(&t->s);
  t->korder = ORDER_BYTES | ORDER_SHORTLEX;
  t->mask = 63;
  t->slot = tl_calloc(t->mask + 1, sizeof *t->slot);
  tl_str_intern(t, "", 0);
  return t;
}

void tl_strtab_free(tl_strtab *t) {
  if (!t) return;
  buf_free(&t->s);
  buf_free(&t->k);
  for (uint32_t i = 0; i < t->nseg; i++) buf_free(&t->seg[i].b);
  tl_free(t->seg);
  tl_free(t->slot);
  tl_free(t->kslot);
  tl_free(t);
}

/* Keys so far: rows [0, nkeys). */
static uint32_t nkeys(const tl_strtab *t) { return t->k0 + t->k.n; }

/* The segment holding row's key, and the row's index in it. */
static inline const strbuf *key_buf(const tl_strtab *t, uint32_t row, uint32_t *i) {
  if (row >= t->k0) {
    *i = row - t->k0;
    return &t->k;
  }
  uint32_t j = t->nseg - 1;
  while (row < t->seg[j].row0) j--;
  *i = row - t->seg[j].row0;
  return &t->seg[j].b;
}

static inline size_t key_len(const tl_strtab *t, uint32_t row) {
  uint32_t i;
  const strbuf *b = key_buf(t, row, &i);
  return buf_len(b, i);
}

static inline const char *key_str(const tl_strtab *t, uint32_t row) {
  uint32_t i;
  const strbuf *b = key_buf(t, row, &i);
  return buf_str(b, i);
}

/* The slot of s in an open-addressed table over the interned strings or
** (keys) the key set: the one holding it (hash << 32 | id or row + 1), or
** the free one where it would go. */
static inline uint64_t *probe(const tl_strtab *t, bool keys, const char *s, size_t n, uint32_t h) {
  uint64_t *slot = keys ? t->kslot : t->slot;
  uint32_t mask = keys ? t->kmask : t->mask;
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    uint64_t v = slot[i];
    if (v == 0) return &slot[i];
    if ((uint32_t)(v >> 32) != h) continue;
    uint32_t id = (uint32_t)v - 1;
    if ((keys ? key_len(t, id) : buf_len(&t->s, id)) == n &&
        tl_bytes_cmp(keys ? key_str(t, id) : buf_str(&t->s, id), s, n) == 0)
      return &slot[i];
  }
}

static uint64_t *lookup(const tl_strtab *t, const char *s, size_t n, uint32_t h) {
  return probe(t, false, s, n, h);
}

/* Double an open-addressed table of (hash << 32 | value) slots. */
static uint64_t *rehash(uint64_t *old, uint32_t *maskp) {
  uint32_t omask = *maskp, mask = omask * 2 + 1;
  size_t bytes = ((size_t)mask + 1) * sizeof(uint64_t);
  uint64_t *slot = tl_calloc(1, bytes);
  for (uint32_t i = 0; old && i <= omask; i++) {
    uint64_t v = old[i];
    if (!v) continue;
    uint32_t j = (uint32_t)(v >> 32) & mask;
    while (slot[j]) j = (j + 1) & mask;
    slot[j] = v;
  }
  tl_free(old);
  *maskp = mask;
  return slot;
}

uint32_t tl_str_intern(tl_strtab *t, const char *s, size_t n) {
  return tl_str_intern_h(t, s, n, tl_str_hash(s, n));
}

uint32_t tl_str_intern_h(tl_strtab *t, const char *s, size_t n, uint32_t h) {
  uint64_t *sl = lookup(t, s, n, h);
  if (*sl) return (uint32_t)*sl - 1;
  uint32_t id = buf_add(&t->s, s, n);
  *sl = (uint64_t)h << 32 | (uint64_t)(id + 1);
  if ((uint64_t)t->s.n * 4 > (uint64_t)t->mask * 3) t->slot = rehash(t->slot, &t->mask);
  return id;
}

void tl_str_prefetch_h(const tl_strtab *t, uint32_t h) {
  __builtin_prefetch(&t->slot[h & t->mask]);
}

uint32_t tl_str_find(const tl_strtab *t, const char *s, size_t n) {
  uint64_t *sl = lookup(t, s, n, tl_str_hash(s, n));
  return *sl ? (uint32_t)*sl - 1 : UINT32_MAX;
}

const char *tl_str_get(const tl_strtab *t, uint32_t id, size_t *len) {
  if (id & TL_STR_KEY) {
    id &= ~TL_STR_KEY;
    if (id >= nkeys(t)) {       /* a deals row whose key was refused, the last so far */
      if (len) *len = 0;
      return "";
    }
    if (len) *len = key_len(t, id);
    return key_str(t, id);
  }
  if (len) *len = buf_len(&t->s, id);
  return buf_str(&t->s, id);
}

static void buf_copy(strbuf *to, const strbuf *from) {
  size_t bytes = ((size_t)from->n + 1) * sizeof *from->off;
  to->cap = 0;
  to->text = from->used ? grow_exact(NULL, &to->cap, from->used) : NULL;
  if (from->used) memcpy(to->text, from->text, from->used);
  to->used = from->used;
  size_t obytes = 0;
  to->off = grow_exact(NULL, &obytes, bytes);
  memcpy(to->off, from->off, bytes);
  to->ncap = (uint32_t)(obytes / sizeof *to->off);
  to->n = from->n;
}

tl_strtab *tl_strtab_copy(const tl_strtab *t) {
  tl_strtab *c = tl_calloc(1, sizeof *c);
  buf_copy(&c->s, &t->s);
  c->korder = ORDER_BYTES | ORDER_SHORTLEX;
  c->mask = t->mask;
  c->slot = tl_alloc(((size_t)t->mask + 1) * sizeof *c->slot);
  memcpy(c->slot, t->slot, ((size_t)t->mask + 1) * sizeof *c->slot);
  return c;
}

uint32_t tl_str_count(const tl_strtab *t) { return t->s.n; }

/* ---- keys ----------------------------------------------------------------- */

/* The 8 bytes at p as a number that orders as they do. */
static inline uint64_t be_word(const char *p) {
  uint64_t w;
  memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  w = __builtin_bswap64(w);
#endif
  return w;
}

/* Three-way comparison of s with key row i in order o. */
static inline int key_cmp(const tl_strtab *t, int o, const char *s, size_t n, uint32_t i) {
  size_t m = key_len(t, i);
  if (o == ORDER_SHORTLEX && n != m) return n < m ? -1 : 1;
  int c = tl_bytes_cmp(s, key_str(t, i), n < m ? n : m);
  if (c || n == m) return c;
  return n < m ? -1 : 1;
}

/* The orders (ORDER_*) in which s comes strictly after key row i: one
** comparison of the bytes serves both. */
static int orders_after(const tl_strtab *t, uint32_t i, const char *s, size_t n) {
  size_t m = key_len(t, i);
  int c = tl_bytes_cmp(s, key_str(t, i), n < m ? n : m), o = ORDER_BYTES | ORDER_SHORTLEX;
  if (c < 0 || (c == 0 && n <= m)) o &= ~ORDER_BYTES;
  if (n < m || (n == m && c <= 0)) o &= ~ORDER_SHORTLEX;
  return o;
}

/* The hash slot of key s: its own (value row + 1) or the free one to take. */
static uint64_t *key_slot(const tl_strtab *t, const char *s, size_t n, uint32_t h) {
  return probe(t, true, s, n, h);
}

/* Fill the free slot sl (from key_slot, with hash h) with row. */
static void key_put(tl_strtab *t, uint64_t *sl, uint32_t h, uint32_t row) {
  *sl = (uint64_t)h << 32 | (uint64_t)(row + 1);
  if ((uint64_t)++t->kcount * 4 > (uint64_t)t->kmask * 3) t->kslot = rehash(t->kslot, &t->kmask);
}

/* Keys stopped arriving in order: index every key so far by hash. */
static void key_unsort(tl_strtab *t) {
  uint32_t n = nkeys(t), mask = 63;
  while ((uint64_t)n * 4 > (uint64_t)mask * 3) mask = mask * 2 + 1;
  t->korder = 0;
  t->kmask = mask / 2;
  t->kslot = rehash(NULL, &t->kmask);
  for (uint32_t row = 0; row < n; row++) {
    size_t len = key_len(t, row);
    if (!len) continue;
    const char *s = key_str(t, row);
    uint32_t h = tl_str_hash(s, len);
    key_put(t, key_slot(t, s, len, h), h, row);
  }
}

/* tl_str_key_try for any key but the usual one. */
static __attribute__((noinline)) uint32_t key_try(tl_strtab *t, uint32_t row, const char *s,
                                                  size_t n, uint32_t *first) {
  assert(row >= nkeys(t) && row < TL_STR_KEY && n > 0);
  if (t->korder && row != nkeys(t)) key_unsort(t);   /* rows without a key: no order */
  while (nkeys(t) < row) buf_add(&t->k, "", 0);
  if (t->korder && row > 0) {
    t->korder &= orders_after(t, row - 1, s, n);
    if (!t->korder) key_unsort(t);
  }
  if (!t->korder) {
    uint32_t h = tl_str_hash(s, n);
    uint64_t *sl = key_slot(t, s, n, h);
    if (*sl) {
      *first = (uint32_t)*sl - 1;
      return UINT32_MAX;
    }
    key_put(t, sl, h, row);
  }
  buf_add(&t->k, s, n);
  return TL_STR_KEY | row;
}

uint32_t tl_str_key_try(tl_strtab *t, uint32_t row, const char *s, size_t n, uint32_t *first) {
  strbuf *k = &t->k;
  /* The usual key, the next row's, as wide as the one before it in the same
  ** buffer and with room reserved: being after that one in byte order, it is
  ** after it in both orders, and it is only copied in.  buf_add's checks,
  ** the general comparison and the call's frame were most of a big load's
  ** key cost, so the rest is a call of its own. */
  if (t->korder && row == nkeys(t) && k->n > 0 && !k->off && n + 1 == k->width && n > 0
      && k->used + n + 1 <= k->cap && k->used + n + 1 <= UINT32_MAX && k->n < TL_STR_KEY - 2
      && tl_bytes_cmp(s, k->text + k->used - k->width, n) > 0) {
    char *to = k->text + k->used;
    if (n >= 8 && n <= 16) {     /* two words, overlapping: ids are about that long */
      memcpy(to, s, 8);
      memcpy(to + n - 8, s + n - 8, 8);
    } else {
      memcpy(to, s, n);
    }
    to[n] = 0;
    k->used += n + 1;
    k->n++;
    return TL_STR_KEY | row;
  }
  return key_try(t, row, s, n, first);
}

uint32_t tl_str_key(tl_strtab *t, uint32_t row, const char *s, size_t n, uint32_t *first) {
  uint32_t id = tl_str_key_try(t, row, s, n, first);
  /* The row keeps its text for messages, though not as a key: lookups find
  ** the first row.  A duplicate always ends the keys' order (it is not after
  ** the one before it), so they are looked up by hash, which holds only the
  ** first. */
  if (id == UINT32_MAX) buf_add(&t->k, s, n);
  return id;
}

void tl_str_reserve_keys(tl_strtab *t, uint32_t n, size_t bytes, size_t hot) {
  strbuf *k = &t->k;
  if ((uint64_t)nkeys(t) + n + 1 > TL_STR_KEY || k->used + bytes > UINT32_MAX) return;
  if (k->used + bytes > k->cap) {
    k->text = tl_realloc_lazy(k->text, k->used + bytes);
    k->cap = k->used + bytes;
    if (hot > bytes) hot = bytes;
    if (hot >= TL_PREFAULT_MIN) tl_prefault(k->text + k->used, hot, false);
  }
  if (!k->off) return;          /* keys of one width need no offsets */
  size_t obytes = (size_t)k->ncap * sizeof *k->off;
  k->off = grow_exact(k->off, &obytes, ((size_t)k->n + n + 2) * sizeof *k->off);
  k->ncap = (uint32_t)(obytes / sizeof *k->off);
}

bool tl_str_keys_append(tl_strtab *t, uint32_t row, tl_strtab *from) {
  strbuf *f = &from->k;
  if (f->n == 0) return nkeys(t) == row;
  int o = t->korder & from->korder;
  if (!o || nkeys(t) != row || from->nseg || from->k0 || (uint64_t)row + f->n >= TL_STR_KEY)
    return false;
  if (row > 0 && !(o &= orders_after(t, row - 1, buf_str(f, 0), buf_len(f, 0)))) return false;
  if (t->k.n) {                 /* the keys so far become a segment */
    t->seg = tl_realloc(t->seg, ((size_t)t->nseg + 1) * sizeof *t->seg);
    t->seg[t->nseg++] = (keyseg){ t->k, t->k0 };
  } else {
    buf_free(&t->k);
  }
  t->k = *f;
  t->k0 = row;
  memset(f, 0, sizeof *f);
  t->korder = o;
  return true;
}

uint32_t tl_str_find_key(const tl_strtab *t, const char *s, size_t n, uint32_t *hint) {
  uint32_t count = nkeys(t);
  if (n == 0 || count == 0) return UINT32_MAX;
  if (!t->korder) {
    uint64_t v = *key_slot(t, s, n, tl_str_hash(s, n));
    return v ? (uint32_t)v - 1 : UINT32_MAX;
  }
  int o = t->korder & ORDER_BYTES ? ORDER_BYTES : ORDER_SHORTLEX;
  /* Gallop from the hint: lookups in the keys' own order (splits sorted by
  ** deal) then cost a few comparisons of neighbouring rows. */
  uint32_t at = hint && *hint < count ? *hint : count / 2, lo, hi, i;
  /* Those mostly land on the hint or a few rows after it.  With keys of one
  ** width, as ids nearly always are, and s as wide, both orders are the
  ** bytes' and those rows are compared in place, a few instructions each:
  ** the gallop's comparisons cost several times that. */
  const strbuf *b = key_buf(t, at, &i);
  if (!b->off && n + 1 == b->width) {
    const char *k = buf_str(b, i);
    uint32_t stop = b->n - i < 16 ? b->n : i + 16, j;
    uint64_t s0 = 0, s1 = 0;
    bool words = n >= 8 && n <= 16;   /* two words, overlapping: ids are about that long */
    if (words) {
      s0 = be_word(s);
      s1 = be_word(s + n - 8);
    }
    for (j = i; j < stop; j++, k += b->width) {
      int c;
      if (words) {
        uint64_t k0 = be_word(k), k1 = k0 == s0 ? be_word(k + n - 8) : 0;
        c = s0 != k0 ? (s0 < k0 ? -1 : 1) : (s1 > k1) - (s1 < k1);
      } else {
        c = tl_bytes_cmp(s, k, n);
      }
      if (c == 0) {
        if (hint) *hint = at + (j - i);
        return at + (j - i);
      }
      if (c < 0) break;
    }
    if (j > i && j < stop) return UINT32_MAX;   /* between rows j - 1 and j */
    at += j > i ? j - i - 1 : 0;
  }
  int c = key_cmp(t, o, s, n, at);
  if (c == 0) return at;
  if (c > 0) {
    uint32_t step = 1;
    lo = at + 1;
    while (lo + step - 1 < count && key_cmp(t, o, s, n, lo + step - 1) > 0) {
      lo += step;
      step *= 2;
    }
    hi = lo + step - 1 < count ? lo + step : count;
  } else {
    uint32_t step = 1;
    hi = at;
    while (hi >= step && key_cmp(t, o, s, n, hi - step) < 0) {
      hi -= step;
      step *= 2;
    }
    lo = hi >= step ? hi - step : 0;
  }
  while (lo < hi) {   /* the key, if present, is in [lo, hi) */
    uint32_t mid = lo + (hi - lo) / 2;
    c = key_cmp(t, o, s, n, mid);
    if (c == 0) {
      if (hint) *hint = mid;
      return mid;
    }
    if (c > 0) lo = mid + 1;
    else hi = mid;
  }
  return UINT32_MAX;
}
