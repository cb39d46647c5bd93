/*
** ledger.c: the ledger builder (see ledger.h): schema checks on every cell
** from any source, keys and references, fx conversion of deals, and the split
** index.  Every data error of the input tables is reported here.
**
** A row whose cells fail their checks is still kept (the bad cells null), so
** later rows and tables can refer to it without a cascade of follow-on errors;
** the ledger is never returned once anything failed.
*/
#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"
#include "csv.h"
#include "prefault.h"
#include "thread.h"
#include "ledger.h"

/* The cell readers of plain rows: inlined into plain_block whatever gcc
** makes of their size (out of line, a call each cost more than some of
** them do). */
#define INLINE static inline __attribute__((always_inline))

const char *const tl_table_names[TL_TB_COUNT] = { "payees", "deals", "splits", "fx", "quotas" };
const tl_tableid tl_ldg_order[TL_TB_COUNT] = {
  TL_TB_PAYEES, TL_TB_FX, TL_TB_DEALS, TL_TB_SPLITS, TL_TB_QUOTAS
};

static const tl_colspec splits_cols[] = {
  { "deal", TL_COL_DEAL, false, false },
  { "payee", TL_COL_PAYEE, false, false },
  { "share", TL_COL_PERCENT, false, false },
};
static const tl_colspec fx_cols[] = {
  { "currency", TL_COL_TEXT, false, false },
  { "from", TL_COL_DATE, false, false },
  { "rate", TL_COL_NUMBER, false, false },
};
static const tl_colspec quotas_cols[] = {
  { "payee", TL_COL_PAYEE, false, false },
  { "period", TL_COL_TEXT, false, false },
  { "amount", TL_COL_MONEY, false, false },
};
static const tl_tablespec fixed_specs[TL_TB_COUNT] = {
  [TL_TB_SPLITS] = { "splits", 3, splits_cols },
  [TL_TB_FX] = { "fx", 3, fx_cols },
  [TL_TB_QUOTAS] = { "quotas", 3, quotas_cols },
};
enum { SP_DEAL, SP_PAYEE, SP_SHARE };
enum { FX_CURRENCY, FX_FROM, FX_RATE };
enum { QU_PAYEE, QU_PERIOD, QU_AMOUNT };

/* The order tables must be fed in: fx comes before deals so that each deal is
** converted, and a missing rate reported at its cell, while the row is read. */
static const int feed_rank[TL_TB_COUNT] = {
  [TL_TB_PAYEES] = 0, [TL_TB_FX] = 1, [TL_TB_DEALS] = 2, [TL_TB_SPLITS] = 3, [TL_TB_QUOTAS] = 4,
};

const tl_tablespec *tl_ldg_fixed_spec(tl_tableid t) {
  return fixed_specs[t].name ? &fixed_specs[t] : NULL;
}

const char *tl_coltype_name(tl_coltype t) {
  static const char *const names[] = {
    "text", "money", "number", "percent", "date", "bool", "payee", "deal"
  };
  return names[t];
}

int tl_ldg_col(const tl_table *t, const char *name) {
  for (int i = 0; i < t->ncols; i++)
    if (strcmp(t->cols[i].name, name) == 0) return i;
  return -1;
}

/* ---- the builder --------------------------------------------------------- */

typedef enum cellstate { CELL_NULL, CELL_OK, CELL_BAD } cellstate;

/* Plain rows are read up to BLOCK at a time (plain_block). */
enum { BLOCK = 32 };

typedef struct pos { uint32_t line, col; } pos;

/* A payee reference inside payees, resolved once the whole roster is read. */
typedef struct fwdref { uint32_t row, str; int col; pos at; } fwdref;

/* A rate whose own cell was bad stays findable, so its deals are not also
** reported as having no rate. */
typedef struct fxkey { uint32_t cur; tl_date from; uint32_t row; bool bad; } fxkey;

/* A check failed on a later row that names an earlier one; reported in row
** order.  A split message's place, line and payee are taken when it is
** found: the splits' rows, and their lines, may have moved in the table by
** the time it is reported (the split checks themselves never move). */
typedef struct later {
  uint32_t row, first;
  int kind;
  tl_dec sum;
  uint32_t line;
  int32_t payee;
  pos at;
} later;

/* Where a splits row's deal and payee cells are, for splits_end's messages,
** in 8 bytes a row (a tenth of a big run's splits memory went to 20): the
** cells' columns on the row's own line (tl_ldg_line), the deal's with
** SPLIT_OK set when every cell of the row is good (only such rows are
** checked).  A row with a cell on another line (after a quoted line break)
** or past SPLIT_COL is also in split_far, by row, with both places whole;
** its splitrow still says whether it is good. */
typedef struct splitrow { uint32_t deal, payee; } splitrow;
typedef struct splitfar { uint32_t row; pos deal, payee; } splitfar;
enum { SPLIT_OK = 1u << 31, SPLIT_COL = SPLIT_OK - 1 };

/* A payee id in the builder's index: row + 1 (0: a free slot), and an id
** of at most 7 bytes held in the slot itself (short_id), so that finding it
** reads this one slot; a longer id's text is read from the string table. */
typedef struct pslot { uint32_t hash, row; uint64_t text; } pslot;

struct tl_ldg_builder {
  tl_ldg_opts o;
  bool db_rows;                 /* tl_ldg_rows_are_db */
  tl_diags *d;
  tl_ledger *l;
  int errors_before;
  const tl_tablespec *spec[TL_TB_COUNT];
  int keycol[TL_TB_COUNT];               /* the key column, or -1 */
  TL_VEC(int32_t) key[TL_TB_COUNT];      /* payees: string id -> row, or -1 (deal ids: tl_str_key) */
  /* Payee ids by hash, built once the roster is complete: deals name a
  ** payee on every row, and this small table stays in cache where the
  ** ledger's string table (every deal id) does not. */
  pslot *pidx;
  uint32_t pmask;
  uint32_t cap[TL_TB_COUNT];             /* rows allocated */
  bool broken[TL_TB_COUNT];              /* unusable: references into it are not checked */
  int cur, last_rank;
  /* The current table's header. */
  bool skip_rows;
  size_t nhdr;
  int *chdr;                             /* spec column -> header cell, or -1 */
  cellstate *state;                      /* per spec column, for the current row */
  const tl_ldg_cell *cells;              /* the current row's cells */
  TL_VEC(tl_ldg_cell) csvcells;
  /* Hashes of the text, payee and deal cells (by spec column) of the row
  ** being checked (hcur, when hcur_ok) and of the row read ahead (hnext),
  ** computed once by prefetch_row for both the prefetch and the lookup. */
  uint32_t *hcur, *hnext;
  bool hcur_ok, hnext_ok;
  /* Per table. */
  TL_VEC(fwdref) fwd;
  TL_VEC(fxkey) fx;
  TL_VEC(pos) fxpos;                     /* currency cell of each fx row */
  int d_closed, d_amount, d_currency;
  uint32_t plan_cur;
  uint32_t row_cur;                      /* the currency of the deals row being read (convert) */
  /* Where a block's cells of a column not kept (tl_column.unread) are read
  ** to (plain_block). */
  int64_t sink[BLOCK];
  TL_VEC(splitrow) split;
  TL_VEC(splitfar) split_far;             /* by row */
  uint32_t *quota_line;                  /* [payee * periods + period]: first line, 0 none */
  uint32_t deal_hint;                    /* where the last deal lookup ended */
  /* A worker reads a part of a big table on its own thread and reports
  ** nothing: it fails at the first thing it would report (see "parts"). */
  bool worker, failed;
  bool narrow;                           /* put_dec may not widen a column (plain_block) */
  const bool *cancel;                    /* read atomically */
  struct parts *ps;                      /* the main reader's workers on this table, or NULL */
  double key_bytes;                      /* deal id bytes per row in a sample, or 0 */
  tl_csv_span *plain;                    /* fields of a plain row (nhdr), when read that way */
  struct pplan *pplan;                   /* how plain rows are read (plain_plan) */
  uint32_t pwant;                        /* rows the next block looks for (plain_block) */
  /* Short text of plain rows (codes, products) of up to 15 bytes, by its
  ** words (intern_short): most text columns hold a few values, found here
  ** without hashing or probing. */
  struct { uint64_t text, tail; uint32_t id; } shorts[64];
  /* Dates of plain rows by their text: a ledger's dates fall on a few
  ** hundred days, and a date found here is not parsed again.  A slot per
  ** month and day (plain_date), so a year's days never push each other out;
  ** tail holds the last two bytes and DAY_SET. */
  struct { uint64_t text; uint32_t tail; tl_date day; } days[2048];
};

enum { DAY_SET = 1u << 16 };

static void err(tl_ldg_builder *b, int t, pos at, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void err(tl_ldg_builder *b, int t, pos at, const char *code, const char *fmt, ...) {
  if (b->worker) {              /* it has its part read again instead (see "parts") */
    b->failed = true;
    return;
  }
  tl_loc loc = { b->l->t[t].file, (int)at.line, (int)at.col, 0, 0 };
  va_list ap;
  va_start(ap, fmt);
  tl_diagv(b->d, TL_SEV_ERROR, loc, code, fmt, ap);
  va_end(ap);
}

/* A cell value quoted for a message: quotes, backslashes and control bytes
** escaped so the message stays on one line, long values cut at a character
** boundary. */
#define QUOTE_MAX 48
typedef struct qbuf { char s[QUOTE_MAX * 4 + 4]; } qbuf;

static const char *quote(qbuf *q, const char *p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t cut = n;
  if (n > QUOTE_MAX) {
    cut = QUOTE_MAX;
    while (cut > 0 && ((unsigned char)p[cut] & 0xC0) == 0x80) cut--;
  }
  char *o = q->s;
  for (size_t i = 0; i < cut; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
    } else if (c == '\n') {
      *o++ = '\\', *o++ = 'n';
    } else if (c == '\r') {
      *o++ = '\\', *o++ = 'r';
    } else if (c == '\t') {
      *o++ = '\\', *o++ = 't';
    } else if (c < 0x20 || c == 0x7F) {
      *o++ = '\\', *o++ = 'x', *o++ = hex[c >> 4], *o++ = hex[c & 15];
    } else {
      *o++ = (char)c;
    }
  }
  if (cut < n) {
    memcpy(o, "...", 3);
    o += 3;
  }
  *o = 0;
  return q->s;
}

static const char *qcell(qbuf *q, const tl_ldg_cell *x) { return quote(q, x->p, x->len); }

/* How a message names the position of an earlier row: a file's line, or a
** database's row (its rowid, or its position, sqlite.h). */
static const char *first_at(const tl_ldg_builder *b) { return b->db_rows ? "in row" : "on line"; }

static const char *qstr(qbuf *q, const tl_ledger *l, uint32_t id) {
  size_t n;
  const char *s = tl_str_get(l->strs, id, &n);
  return quote(q, s, n);
}

static pos at_cell(const tl_ldg_cell *x) { pos p = { x->line, x->col }; return p; }

/* Where column c of the current row is, or the row's start when the column is
** absent from the source. */
static pos at_col(const tl_ldg_builder *b, int c, uint32_t line) {
  if (b->chdr[c] >= 0) return at_cell(&b->cells[b->chdr[c]]);
  pos p = { line, 1 };
  return p;
}

/* ---- columns ------------------------------------------------------------- */

static size_t elem_size(const tl_column *c) {
  switch (c->type) {
  case TL_COL_MONEY: case TL_COL_NUMBER: case TL_COL_PERCENT:
    return c->wide ? sizeof(tl_dec) : sizeof(int64_t);
  case TL_COL_DATE: return c->wide ? sizeof(tl_date) : sizeof(uint16_t);
  case TL_COL_TEXT: return c->wide ? sizeof(uint32_t) : sizeof(uint16_t);
  case TL_COL_PAYEE: case TL_COL_DEAL: return sizeof(int32_t);
  case TL_COL_BOOL: return sizeof(uint8_t);
  }
  return 0;
}

static void *col_data(const tl_column *c) {
  switch (c->type) {
  case TL_COL_MONEY: case TL_COL_NUMBER: case TL_COL_PERCENT: return c->v.dec;
  case TL_COL_DATE: return c->v.date;
  case TL_COL_TEXT: return c->v.str;
  case TL_COL_PAYEE: case TL_COL_DEAL: return c->v.ref;
  case TL_COL_BOOL: return c->v.b;
  }
  return NULL;
}

static void set_col_data(tl_column *c, void *p) {
  switch (c->type) {
  case TL_COL_MONEY: case TL_COL_NUMBER: case TL_COL_PERCENT: c->v.dec = p; break;
  case TL_COL_DATE: c->v.date = p; break;
  case TL_COL_TEXT: c->v.str = p; break;
  case TL_COL_PAYEE: case TL_COL_DEAL: c->v.ref = p; break;
  case TL_COL_BOOL: c->v.b = p; break;
  }
}

/* Room for at least want rows in table t (doubling when want is just one
** more row than there is room for). */
static void grow_table(tl_ldg_builder *b, int t, uint32_t want) {
  tl_table *tb = &b->l->t[t];
  uint32_t old = b->cap[t], cap = old ? old * 2 : 256;
  if (cap < want) cap = want;
  for (int c = 0; c < tb->ncols; c++) {
    tl_column *col = &tb->cols[c];
    size_t n = (size_t)cap * elem_size(col);
    /* deal ids need no array (tl_col_str), nor a column not kept */
    if ((t != TL_TB_DEALS || c != b->keycol[t]) && !col->unread)
      set_col_data(col, tl_realloc(col_data(col), n));
    if (col->isnull) {
      col->isnull = tl_realloc(col->isnull, tl_null_bytes(cap));
      memset(col->isnull + tl_null_bytes(old), 0, tl_null_bytes(cap) - tl_null_bytes(old));
    }
  }
  if (tb->line) tb->line = tl_realloc(tb->line, cap * sizeof *tb->line);
  b->cap[t] = cap;
}

static void keep_clear(tl_ldg_builder *b);
static uint32_t parts_room(const tl_ldg_builder *b, uint32_t r, uint32_t max);

/* Room for one more row in the current table; false for a worker, which
** fails instead: the columns are the main reader's, only it may move them. */
static bool room_grow(tl_ldg_builder *b) {
  int t = b->cur;
  if (b->ps) keep_clear(b);
  if (b->l->t[t].nrows < b->cap[t]) return true;
  if (b->worker) {
    b->failed = true;
    return false;
  }
  grow_table(b, t, b->l->t[t].nrows + 1);
  return true;
}

/* room, its usual case inline: no workers, and room to spare. */
static inline bool room(tl_ldg_builder *b) {
  return (!b->ps && b->l->t[b->cur].nrows < b->cap[b->cur]) || room_grow(b);
}

/* Give table t a line array: its first n rows are on lines line0 on. */
static void list_lines(tl_ldg_builder *b, int t, uint32_t n) {
  tl_table *tb = &b->l->t[t];
  tb->line = tl_alloc(((size_t)b->cap[t] + 1) * sizeof *tb->line);
  for (uint32_t i = 0; i < n; i++) tb->line[i] = tb->line0 + i;
}

/* Row r of the current table is on line `line`.  False for a worker whose
** rows stop being on consecutive lines: it has no line array to write to
** (the main reader's is not its to allocate), so it gives up. */
static bool set_line(tl_ldg_builder *b, uint32_t r, uint32_t line) {
  tl_table *tb = &b->l->t[b->cur];
  if (!tb->line) {
    if (r == 0 && !b->worker) tb->line0 = line;   /* a worker's is where its part starts */
    if (line == tb->line0 + r) return true;
    if (b->worker) {
      b->failed = true;
      return false;
    }
    list_lines(b, b->cur, r);
  }
  tb->line[r] = line;
  return true;
}

/* Row r of a column's empty-cell bits (tl_col_null) set. */
static inline void mark_null(uint8_t *bits, uint32_t r) {
  bits[r >> 3] |= (uint8_t)(1u << (r & 7));
}

static void set_null(tl_ldg_builder *b, tl_table *tb, int c, uint32_t r) {
  tl_column *col = &tb->cols[c];
  if (col->unread) return;
  if (!col->isnull) col->isnull = tl_calloc(tl_null_bytes(b->cap[b->cur]), 1);
  mark_null(col->isnull, r);
  switch (col->type) {
  case TL_COL_MONEY: case TL_COL_NUMBER: case TL_COL_PERCENT:
    if (col->wide) col->v.dec[r] = tl_dec_zero();
    else col->v.d64[r] = 0;
    break;
  case TL_COL_DATE:
    if (col->wide) col->v.date[r] = TL_DATE_NONE;
    else col->v.d16[r] = TL_D16_NONE;
    break;
  case TL_COL_TEXT:
    if (!col->v.str) break;     /* deal ids */
    if (col->wide) col->v.str[r] = 0;
    else col->v.s16[r] = 0;
    break;
  case TL_COL_PAYEE: case TL_COL_DEAL: col->v.ref[r] = -1; break;
  case TL_COL_BOOL: col->v.b[r] = 0; break;
  }
}

typedef struct parts parts;
static void drop_parts(tl_ldg_builder *b, parts *ps);

/* Decimal column col of the current table in 128 bits from now on, or a
** date or text column in 32 (ledger.h, tl_column.wide).  Its arrays are the main
** reader's, and workers write into them: they are stopped first, and the
** reader reads their parts itself. */
static void widen(tl_ldg_builder *b, tl_column *col) {
  drop_parts(b, b->ps);
  tl_table *tb = &b->l->t[b->cur];
  size_t cap = (size_t)b->cap[b->cur] + 1;
  if (col->type == TL_COL_TEXT || col->type == TL_COL_DATE) {   /* 16 bits to 32 (put_narrow) */
    uint16_t *v16 = col->v.s16;
    uint32_t *v = tl_realloc(v16, cap * sizeof *v);
    v16 = (uint16_t *)(void *)v;
    /* back to front, in place; UINT16_MAX is an empty date, never a text id */
    for (uint32_t i = tb->nrows; i-- > 0;)
      v[i] = v16[i] == TL_D16_NONE ? (uint32_t)TL_DATE_NONE : v16[i];
    col->v.str = v;
  } else {
    int64_t *v64 = col->v.d64;
    tl_dec *v = tl_realloc(v64, cap * sizeof *v);
    v64 = (int64_t *)(void *)v;
    for (uint32_t i = tb->nrows; i-- > 0;) v[i] = tl_dec_from_raw(v64[i]);   /* in place */
    col->v.dec = v;
  }
  col->wide = true;
}

/* Widen col (widen) for a value that does not fit it, when the current row
** may: not a block's row (plain_block: the row is read again on its own)
** nor a worker's, which gives up its part instead. */
static bool widen_for(tl_ldg_builder *b, tl_column *col) {
  if (b->narrow) return false;
  if (b->worker) {
    b->failed = true;
    return false;
  }
  widen(b, col);
  return true;
}

/* Row r of decimal column col of the current table is v; false when it
** cannot be (widen_for). */
static bool put_dec(tl_ldg_builder *b, tl_column *col, uint32_t r, tl_dec v) {
  if (!col->wide) {
    int64_t x = (int64_t)v.raw;
    if (x == v.raw) {
      col->v.d64[r] = x;
      return true;
    }
    if (!widen_for(b, col)) return false;
  }
  col->v.dec[r] = v;
  return true;
}

/* Row r of text or date column col of the current table is v (a string id,
** or a tl_date as 32 bits), as put_dec: both keep 16 bits while v is below
** 2^16 - 1 (tl_column.wide; a date before 1970 is not).  Out of line:
** inlined into plain_block's loop it cost more than the call. */
static __attribute__((noinline)) bool put_narrow(tl_ldg_builder *b, tl_column *col, uint32_t r,
                                                 uint32_t v) {
  if (!col->wide) {
    if (v < UINT16_MAX) {
      col->v.s16[r] = (uint16_t)v;   /* v.d16 for a date: the same array */
      return true;
    }
    if (!widen_for(b, col)) return false;
  }
  col->v.str[r] = v;             /* v.date for a date */
  return true;
}

/* ---- cells --------------------------------------------------------------- */

static bool all_digits(const char *p, const char *e) {
  if (p == e) return false;
  for (; p < e; p++)
    if (!isdigit((unsigned char)*p)) return false;
  return true;
}

/* [-]d{1,3}(,ddd)+[.d+]: a number written with thousands separators. */
static bool grouped(const char *p, size_t n) {
  const char *e = p + n, *dot = memchr(p, '.', n), *q;
  if (p < e && (*p == '-' || *p == '+')) p++;
  if (dot) {
    if (!all_digits(dot + 1, e)) return false;
    e = dot;
  }
  q = memchr(p, ',', (size_t)(e - p));
  if (!q || q - p > 3 || !all_digits(p, q)) return false;
  for (p = q; p < e; p += 4)
    if (e - p < 4 || p[0] != ',' || !all_digits(p + 1, p + 4)) return false;
  return true;
}

static bool has(const char *p, size_t n, const char *s) {
  size_t k = strlen(s);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(p + i, s, k) == 0) return true;
  return false;
}

/* Why s is not a plain decimal, when the mistake is a common one. */
static const char *dec_hint(const char *p, size_t n) {
  if (has(p, n, "$") || has(p, n, "\xE2\x82\xAC") || has(p, n, "\xC2\xA3") || has(p, n, "\xC2\xA5"))
    return "remove the currency symbol";
  if (n >= 4 && (isupper((unsigned char)p[0]) || isupper((unsigned char)p[n - 1]))) {
    size_t a = 0, z = n;
    while (a < n && isupper((unsigned char)p[a])) a++;
    while (z > 0 && isupper((unsigned char)p[z - 1])) z--;
    if (a == 3 || n - z == 3) return "remove the currency code";
  }
  if (isspace((unsigned char)p[0]) || isspace((unsigned char)p[n - 1])) return "remove the spaces";
  const char *comma = memchr(p, ',', n);
  if (comma) {
    if (grouped(p, n)) return "remove the thousands separator";
    if (!memchr(p, '.', n) && !memchr(comma + 1, ',', n - (size_t)(comma + 1 - p)))
      return "use a point as the decimal separator";
    return NULL;
  }
  if (memchr(p, '_', n)) return "remove the underscores";
  if (p[0] == '(' && p[n - 1] == ')') return "write a negative amount with a minus sign";
  if (p[n - 1] == '%') return "only percent columns take a percent sign";
  return NULL;
}

/* Report why cell x did not parse as a number; syntax says what it should be. */
static void bad_number(tl_ldg_builder *b, const char *name, const tl_ldg_cell *x,
                       tl_dec_status st, int places, const char *syntax) {
  qbuf q;
  const char *v = qcell(&q, x);
  if (st == TL_DEC_PRECISION)
    err(b, b->cur, at_cell(x), "data-value",
        "column \"%s\": \"%s\" has more than %d decimal places", name, v, places);
  else if (st == TL_DEC_OVERFLOW)
    err(b, b->cur, at_cell(x), "data-value", "column \"%s\": \"%s\" is too large", name, v);
  else
    err(b, b->cur, at_cell(x), "data-value", "column \"%s\": \"%s\" is not %s", name, v, syntax);
}

static bool parse_dec(tl_ldg_builder *b, const char *name, const tl_ldg_cell *x, tl_dec *out) {
  tl_dec_status st = tl_dec_parse(x->p, x->len, 0, out);
  if (st == TL_DEC_OK) return true;
  const char *hint = dec_hint(x->p, x->len);
  char what[96];
  snprintf(what, sizeof what, "a plain decimal%s%s", hint ? ": " : "", hint ? hint : "");
  bad_number(b, name, x, st, TL_DEC_SCALE, what);
  return false;
}

/* "12.5%" is 12.5 / 100, held exactly, so at most 7 places may precede the
** sign.  n > 0. */
static tl_dec_status percent(const char *p, size_t n, tl_dec *out) {
  bool pct = p[n - 1] == '%';
  tl_dec v;
  tl_dec_status st = tl_dec_parse(p, n - pct, 0, &v);
  if (st == TL_DEC_OK && pct && v.raw % 100 != 0) st = TL_DEC_PRECISION;
  if (st == TL_DEC_OK) *out = pct ? tl_dec_from_raw(v.raw / 100) : v;
  return st;
}

static bool parse_percent(tl_ldg_builder *b, const char *name, const tl_ldg_cell *x, tl_dec *out) {
  tl_dec_status st = percent(x->p, x->len, out);
  if (st == TL_DEC_OK) return true;
  bool pct = x->p[x->len - 1] == '%';
  bad_number(b, name, x, st, pct ? TL_DEC_SCALE - 2 : TL_DEC_SCALE, "a percent (12.5% or 0.125)");
  return false;
}

static bool parse_bool(const char *p, size_t n, uint8_t *out) {
  static const char *const words[] = { "false", "true", "no", "yes", "0", "1" };
  for (int i = 0; i < 6; i++)
    if (strlen(words[i]) == n && strncasecmp(words[i], p, n) == 0) {
      *out = (uint8_t)(i & 1);
      return true;
    }
  return false;
}

static int32_t key_row(const tl_ldg_builder *b, int t, uint32_t id) {
  return id < b->key[t].n ? b->key[t].v[id] : -1;
}

static bool add_key(tl_ldg_builder *b, int c, uint32_t id, uint32_t r, const tl_ldg_cell *x) {
  int t = b->cur;
  int32_t first = key_row(b, t, id);
  if (first >= 0) {
    qbuf q;
    err(b, t, at_cell(x), "data-key", "duplicate %s \"%s\" (first %s %u)",
        b->spec[t]->cols[c].name, qcell(&q, x), first_at(b), tl_ldg_line(&b->l->t[t], (uint32_t)first));
    return false;
  }
  while (b->key[t].n <= id) tl_vec_push(b->key[t], -1);
  b->key[t].v[id] = (int32_t)r;
  return true;
}

static const char *const ref_noun[TL_TB_COUNT] = {
  [TL_TB_PAYEES] = "payee", [TL_TB_DEALS] = "deal"
};

/* An id of at most 7 bytes as a word, its length in the top byte; a longer
** one as a word no short id can be.  Inlined always: it is a few
** instructions on every text and payee cell of a big load, and the call was
** more than that. */
INLINE uint64_t short_id(const char *s, size_t n) {
  return n > 7 ? UINT64_MAX : tl_bytes_word(s, n) | (uint64_t)n << 56;
}

/* The hash of payee id s, of short id w, in the payee index: a short id's
** word mixed, which is a few instructions, where tl_str_hash is a few dozen. */
static inline uint32_t payee_hash_w(const char *s, size_t n, uint64_t w) {
  if (w == UINT64_MAX) return tl_str_hash(s, n);
  w = (w ^ w >> 29) * 0x9E3779B97F4A7C15u;
  return (uint32_t)(w >> 32);
}

static uint32_t payee_hash(const char *s, size_t n) { return payee_hash_w(s, n, short_id(s, n)); }

/* The hash a lookup of column c's cell s uses: the payee index's for a
** reference to a payee, the string table's for text (a manager, on the
** payees table, is interned, to be resolved once the roster is complete). */
static uint32_t cell_hash(const tl_ldg_builder *b, int c, const char *s, size_t n) {
  return b->spec[b->cur]->cols[c].type == TL_COL_PAYEE && b->cur != TL_TB_PAYEES
         ? payee_hash(s, n) : tl_str_hash(s, n);
}

static void index_payees(tl_ldg_builder *b) {
  uint32_t n = 0, mask = 15;
  for (size_t id = 0; id < b->key[TL_TB_PAYEES].n; id++) n += b->key[TL_TB_PAYEES].v[id] >= 0;
  while ((uint64_t)n * 4 > (uint64_t)mask * 3) mask = mask * 2 + 1;
  b->pidx = tl_calloc((size_t)mask + 1, sizeof *b->pidx);
  b->pmask = mask;
  for (size_t id = 0; id < b->key[TL_TB_PAYEES].n; id++) {
    int32_t row = b->key[TL_TB_PAYEES].v[id];
    if (row < 0) continue;
    size_t len;
    const char *s = tl_str_get(b->l->strs, (uint32_t)id, &len);
    uint32_t h = payee_hash(s, len), i = h & mask;
    while (b->pidx[i].row) i = (i + 1) & mask;
    b->pidx[i] = (pslot){ h, (uint32_t)row + 1, short_id(s, len) };
  }
}

/* Ask for the slot where payee_row will start looking for hash h: a deal's
** owner is a random payee, and its slot is rarely in the nearest cache. */
static void payee_prefetch(tl_ldg_builder *b, uint32_t h) {
  if (!b->pidx) index_payees(b);
  __builtin_prefetch(&b->pidx[h & b->pmask]);
}

/* The payees row whose id is s, of short id w (short_id) and hash h
** (payee_hash), or -1.  Inlined: a plain deals row looks up its owner, and
** a short id is found by its slot alone. */
static inline int32_t payee_find(tl_ldg_builder *b, const char *s, size_t n, uint64_t w,
                                 uint32_t h) {
  if (!b->pidx) index_payees(b);
  const pslot *idx = b->pidx;
  uint32_t mask = b->pmask;
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    const pslot *e = &idx[i];
    if (!e->row) return -1;
    if (e->hash != h || e->text != w) continue;
    int32_t row = (int32_t)(e->row - 1);
    if (w != UINT64_MAX) return row;
    size_t len;
    const uint32_t *ids = b->l->t[TL_TB_PAYEES].cols[b->keycol[TL_TB_PAYEES]].v.str;
    const char *t = tl_str_get(b->l->strs, ids[row], &len);
    if (len == n && tl_bytes_cmp(t, s, n) == 0) return row;
  }
}

static int32_t payee_row(tl_ldg_builder *b, const char *s, size_t n, uint32_t h) {
  return payee_find(b, s, n, short_id(s, n), h);
}

static bool resolve(tl_ldg_builder *b, int target, const char *name, const tl_ldg_cell *x,
                    uint32_t h, int32_t *out) {
  if (target == TL_TB_PAYEES) {
    *out = payee_row(b, x->p, x->len, h);
  } else {
    uint32_t row = tl_str_find_key(b->l->strs, x->p, x->len, &b->deal_hint);
    *out = row == UINT32_MAX ? -1 : (int32_t)row;
  }
  if (*out >= 0) return true;
  if (!b->broken[target]) {
    qbuf q;
    err(b, b->cur, at_cell(x), "data-ref", "column \"%s\": unknown %s \"%s\"", name,
        ref_noun[target], qcell(&q, x));
  }
  return false;
}

/* A deal id: a key of the string table, not interned (ledger.h). */
static cellstate deal_key(tl_ldg_builder *b, int c, uint32_t r, const tl_ldg_cell *x) {
  tl_table *tb = &b->l->t[TL_TB_DEALS];
  qbuf q;
  uint32_t first;
  if (r >= TL_STR_KEY) {
    err(b, TL_TB_DEALS, at_cell(x), "data-value", "too many deals (at most %u)", TL_STR_KEY);
    set_null(b, tb, c, r);
    return CELL_BAD;
  }
  if (tl_str_key(b->l->strs, r, x->p, x->len, &first) != UINT32_MAX) return CELL_OK;
  /* the row still reads as its id in later messages (tl_str_key keeps it) */
  err(b, TL_TB_DEALS, at_cell(x), "data-key", "duplicate %s \"%s\" (first %s %u)",
      b->spec[TL_TB_DEALS]->cols[c].name, qcell(&q, x), first_at(b), tl_ldg_line(tb, first));
  return CELL_BAD;
}

static cellstate cell(tl_ldg_builder *b, int c, uint32_t r, const tl_ldg_cell *x) {
  int t = b->cur;
  tl_table *tb = &b->l->t[t];
  tl_column *col = &tb->cols[c];
  const tl_colspec *cs = &b->spec[t]->cols[c];
  qbuf q;
  if (x->null || x->len == 0) {
    set_null(b, tb, c, r);
    if (cs->optional) return CELL_NULL;
    err(b, t, at_cell(x), "data-value", "column \"%s\" is empty", cs->name);
    return CELL_BAD;
  }
  if (cs->key && t == TL_TB_DEALS) return deal_key(b, c, r, x);
  uint32_t h = 0;
  if (col->type == TL_COL_TEXT || col->type == TL_COL_PAYEE)
    h = b->hcur_ok ? b->hcur[c] : cell_hash(b, c, x->p, x->len);
  /* Each cell is read and checked, then stored unless the column is not
  ** kept (then never widened either).  Text not kept is not interned, as
  ** in plain rows, so string ids are the same; but the currency, which
  ** converts the amount (row_cur). */
  if (col->unread && col->type == TL_COL_TEXT && c != b->d_currency) return CELL_OK;
  switch (col->type) {
  case TL_COL_TEXT: {
    uint32_t id = tl_str_intern_h(b->l->strs, x->p, x->len, h);
    if (c == b->d_currency && t == TL_TB_DEALS) b->row_cur = id;
    if (col->unread) return CELL_OK;
    if (!put_narrow(b, col, r, id)) return CELL_BAD;
    return !cs->key || add_key(b, c, id, r, x) ? CELL_OK : CELL_BAD;
  }
  case TL_COL_MONEY: case TL_COL_NUMBER: case TL_COL_PERCENT: {
    tl_dec v;
    if (col->type == TL_COL_PERCENT ? parse_percent(b, cs->name, x, &v)
                                    : parse_dec(b, cs->name, x, &v))
      return col->unread || put_dec(b, col, r, v) ? CELL_OK : CELL_BAD;
    break;
  }
  case TL_COL_DATE: {
    tl_date day;
    if (tl_date_parse(x->p, x->len, &day))
      return col->unread || put_narrow(b, col, r, (uint32_t)day) ? CELL_OK : CELL_BAD;
    err(b, t, at_cell(x), "data-value", "column \"%s\": \"%s\" is not a date (YYYY-MM-DD)",
        cs->name, qcell(&q, x));
    break;
  }
  case TL_COL_BOOL: {
    uint8_t v;
    if (parse_bool(x->p, x->len, &v)) {
      if (!col->unread) col->v.b[r] = v;
      return CELL_OK;
    }
    err(b, t, at_cell(x), "data-value",
        "column \"%s\": \"%s\" is not a bool (true/false, yes/no, 1/0)", cs->name, qcell(&q, x));
    break;
  }
  case TL_COL_PAYEE:
    if (t == TL_TB_PAYEES) {
      /* A manager may be listed below the payees who report to them. */
      fwdref f = { r, tl_str_intern_h(b->l->strs, x->p, x->len, h), c, at_cell(x) };
      tl_vec_push(b->fwd, f);
      col->v.ref[r] = -1;
      return CELL_OK;
    }
    /* a deal's owner: resolved as a deal reference is */
    __attribute__((fallthrough));
  case TL_COL_DEAL: {
    int32_t ref;
    bool payee = col->type == TL_COL_PAYEE;
    if (resolve(b, payee ? TL_TB_PAYEES : TL_TB_DEALS, cs->name, x, payee ? h : 0, &ref)) {
      if (!col->unread) col->v.ref[r] = ref;
      return CELL_OK;
    }
    break;
  }
  }
  set_null(b, tb, c, r);
  return CELL_BAD;
}

/* ---- per-table checks ---------------------------------------------------- */

static void fx_row(tl_ldg_builder *b, uint32_t r) {
  const tl_table *tb = &b->l->t[TL_TB_FX];
  pos cur = at_col(b, FX_CURRENCY, tl_ldg_line(tb, r));
  tl_vec_push(b->fxpos, cur);
  if (b->state[FX_RATE] == CELL_OK && tl_col_dec(&tb->cols[FX_RATE], r).raw <= 0) {
    qbuf q;
    err(b, TL_TB_FX, at_col(b, FX_RATE, tl_ldg_line(tb, r)), "data-value",
        "column \"rate\": rate must be positive, not \"%s\"",
        qcell(&q, &b->cells[b->chdr[FX_RATE]]));
    b->state[FX_RATE] = CELL_BAD;
  }
  if (b->state[FX_CURRENCY] == CELL_OK && b->state[FX_FROM] == CELL_OK) {
    fxkey k = {
      tb->cols[FX_CURRENCY].v.str[r], tl_col_date(&tb->cols[FX_FROM], r), r,
      b->state[FX_RATE] != CELL_OK
    };
    tl_vec_push(b->fx, k);
  }
}

static int cmp_fxkey(const void *x, const void *y) {
  const fxkey *a = x, *b = y;
  if (a->cur != b->cur) return a->cur < b->cur ? -1 : 1;
  if (a->from != b->from) return a->from < b->from ? -1 : 1;
  return (a->row > b->row) - (a->row < b->row);
}

static int cmp_later(const void *x, const void *y) {
  const later *a = x, *b = y;
  if (a->row != b->row) return a->row < b->row ? -1 : 1;
  return a->kind - b->kind;
}

/* Sort the rates for lookup; two rates for one currency from one day are an
** error, reported at the later row. */
static void fx_end(tl_ldg_builder *b) {
  const tl_table *tb = &b->l->t[TL_TB_FX];
  TL_VEC(later) dup = { 0 };
  size_t n = 0;
  if (b->fx.n) qsort(b->fx.v, b->fx.n, sizeof *b->fx.v, cmp_fxkey);
  for (size_t i = 0; i < b->fx.n; i++) {
    fxkey *k = &b->fx.v[i];
    if (n > 0 && b->fx.v[n - 1].cur == k->cur && b->fx.v[n - 1].from == k->from) {
      later x = { k->row, b->fx.v[n - 1].row, 0, { 0 }, 0, -1, { 0, 0 } };
      tl_vec_push(dup, x);
      continue;
    }
    b->fx.v[n++] = *k;
  }
  b->fx.n = n;
  if (dup.n) qsort(dup.v, dup.n, sizeof *dup.v, cmp_later);
  for (size_t i = 0; i < dup.n; i++) {
    qbuf q;
    char day[11];
    tl_date_format(tl_col_date(&tb->cols[FX_FROM], dup.v[i].row), day);
    err(b, TL_TB_FX, b->fxpos.v[dup.v[i].row], "data-key",
        "duplicate rate for %s from %s (first %s %u)",
        qstr(&q, b->l, tb->cols[FX_CURRENCY].v.str[dup.v[i].row]), day, first_at(b),
        tl_ldg_line(tb, dup.v[i].first));
  }
  tl_vec_free(dup);
}

/* The rate for currency cur in force on day, or NULL. */
/* (currency, day) as one word, in the order of the pair */
static uint64_t fx_order(uint32_t cur, tl_date day) {
  return (uint64_t)cur << 32 | ((uint32_t)day ^ 0x80000000u);
}

static const fxkey *fx_rate(const tl_ldg_builder *b, uint32_t cur, tl_date day) {
  /* the keys up to (cur, day), without a branch to mispredict: a converted
  ** deal's currency and day are random, and a few rates are four steps */
  const fxkey *k = b->fx.v;
  size_t len = b->fx.n;
  if (len == 0) return NULL;
  uint64_t t = fx_order(cur, day);
  while (len > 1) {
    size_t half = len / 2;
    k = fx_order(k[half].cur, k[half].from) <= t ? k + half : k;
    len -= half;
  }
  size_t lo = (size_t)(k - b->fx.v) + (fx_order(k->cur, k->from) <= t);
  return lo > 0 && b->fx.v[lo - 1].cur == cur ? &b->fx.v[lo - 1] : NULL;
}

/* FX_GAVE_UP: a worker would have had to widen the amount column */
typedef enum fxstate { FX_DONE, FX_NO_RATE, FX_TOO_LARGE, FX_GAVE_UP } fxstate;

/* Convert the amount of deals row r, whose currency, amount and close date
** are all there, to the plan currency in place (the amount column is
** tl_ldg_amount's, ledger.h). */
static fxstate convert_rate(tl_ldg_builder *b, uint32_t r) {
  tl_ledger *l = b->l;
  const tl_column *cols = l->t[TL_TB_DEALS].cols;
  uint32_t cur = b->row_cur;
  tl_date closed = tl_col_date(&cols[b->d_closed], r);
  if (cur == b->plan_cur || closed < b->o.cal->start || closed > b->o.cal->end) return FX_DONE;
  const fxkey *rate = fx_rate(b, cur, closed);
  if (!rate) return FX_NO_RATE;
  tl_dec amount;
  if (rate->bad) return FX_DONE;
  if (tl_dec_mul(tl_col_dec(&cols[b->d_amount], r),
                 tl_col_dec(&l->t[TL_TB_FX].cols[FX_RATE], rate->row), &amount) != TL_DEC_OK)
    return FX_TOO_LARGE;
  return put_dec(b, &l->t[TL_TB_DEALS].cols[b->d_amount], r, amount) ? FX_DONE : FX_GAVE_UP;
}

/* convert, its usual case inline: a deal in the plan's currency.  The
** currency is the row's as read (row_cur), kept in the table or not. */
static inline fxstate convert(tl_ldg_builder *b, uint32_t r) {
  return b->row_cur == b->plan_cur ? FX_DONE : convert_rate(b, r);
}

static void deal_row(tl_ldg_builder *b, uint32_t r) {
  tl_ledger *l = b->l;
  const tl_table *tb = &l->t[TL_TB_DEALS];
  const tl_column *cols = tb->cols;
  if (b->d_currency < 0 || b->state[b->d_currency] != CELL_OK) return;
  if (b->state[b->d_amount] != CELL_OK || b->state[b->d_closed] != CELL_OK) return;
  fxstate st = convert(b, r);
  uint32_t cur = b->row_cur;
  qbuf q, q2;
  if (st == FX_NO_RATE && !b->broken[TL_TB_FX]) {
    char day[11];
    tl_date_format(tl_col_date(&cols[b->d_closed], r), day);
    err(b, TL_TB_DEALS, at_col(b, b->d_currency, tl_ldg_line(tb, r)), "data-fx",
        "no fx rate for %s in force on %s (deal \"%s\")", qstr(&q, l, cur), day,
        qstr(&q2, l, tl_col_str(&cols[b->keycol[TL_TB_DEALS]], r)));
  } else if (st == FX_TOO_LARGE) {
    err(b, TL_TB_DEALS, at_col(b, b->d_amount, tl_ldg_line(tb, r)), "data-value",
        "column \"amount\": \"%s\" converted to %s is too large",
        qcell(&q, &b->cells[b->chdr[b->d_amount]]), b->o.currency);
  }
}

/* Splits row r's places whole, in split_far (splitrow): rare, out of line. */
static __attribute__((noinline)) void split_far_at(tl_ldg_builder *b, uint32_t r, pos deal,
                                                   pos payee) {
  assert(r == b->split.n && (!b->split_far.n || b->split_far.v[b->split_far.n - 1].row < r));
  splitfar f = { r, deal, payee };
  tl_vec_push(b->split_far, f);
}

/* Keep where splits row r, on line `line`, has its deal and payee cells
** (splitrow). */
INLINE void split_at(tl_ldg_builder *b, uint32_t r, uint32_t line, pos deal, pos payee, bool ok) {
  if (deal.line != line || payee.line != line || deal.col > SPLIT_COL || payee.col > SPLIT_COL)
    split_far_at(b, r, deal, payee);
  splitrow s = { (deal.col & SPLIT_COL) | (ok ? SPLIT_OK : 0), payee.col & SPLIT_COL };
  tl_vec_push(b->split, s);
}

/* Where splits row r's deal cell (or, payee, its payee cell) is. */
static pos split_pos(const tl_ldg_builder *b, uint32_t r, bool payee) {
  const splitfar *f = b->split_far.v;
  size_t lo = 0, hi = b->split_far.n;
  while (lo < hi) {             /* the rows in split_far are ascending */
    size_t mid = lo + (hi - lo) / 2;
    if (f[mid].row < r) lo = mid + 1;
    else hi = mid;
  }
  if (lo < b->split_far.n && f[lo].row == r) return payee ? f[lo].payee : f[lo].deal;
  pos p = { tl_ldg_line(&b->l->t[TL_TB_SPLITS], r),
            payee ? b->split.v[r].payee : b->split.v[r].deal & SPLIT_COL };
  return p;
}

/* A split share is more than 0% and at most 100%. */
static bool share_ok(tl_dec share) { return share.raw > 0 && share.raw <= TL_DEC_ONE_RAW; }

static void split_row(tl_ldg_builder *b, uint32_t r) {
  const tl_table *tb = &b->l->t[TL_TB_SPLITS];
  uint32_t line = tl_ldg_line(tb, r);
  pos deal = at_col(b, SP_DEAL, line), payee = at_col(b, SP_PAYEE, line);
  tl_dec share = tl_col_dec(&tb->cols[SP_SHARE], r);
  if (b->state[SP_SHARE] == CELL_OK && !share_ok(share)) {
    qbuf q;
    err(b, TL_TB_SPLITS, at_col(b, SP_SHARE, tl_ldg_line(tb, r)), "data-value",
        "column \"share\": share must be more than 0%% and at most 100%%, not \"%s\"",
        qcell(&q, &b->cells[b->chdr[SP_SHARE]]));
    b->state[SP_SHARE] = CELL_BAD;
  }
  bool ok = b->state[SP_DEAL] == CELL_OK && b->state[SP_PAYEE] == CELL_OK
            && b->state[SP_SHARE] == CELL_OK;
  split_at(b, r, line, deal, payee, ok);
}

static void quota_row(tl_ldg_builder *b, uint32_t r) {
  const tl_table *tb = &b->l->t[TL_TB_QUOTAS];
  const tl_cal *cal = b->o.cal;
  qbuf q, q2;
  if (b->state[QU_PERIOD] != CELL_OK) return;
  const tl_ldg_cell *x = &b->cells[b->chdr[QU_PERIOD]];
  int i = tl_cal_find(cal, x->p, x->len);
  if (i < 0) {
    if (cal->n == 1)
      err(b, TL_TB_QUOTAS, at_cell(x), "data-value",
          "column \"period\": \"%s\" is not a period of the plan year (%s)", qcell(&q, x),
          cal->name[0]);
    else
      err(b, TL_TB_QUOTAS, at_cell(x), "data-value",
          "column \"period\": \"%s\" is not a period of the plan year (%s \xE2\x80\xA6 %s)",
          qcell(&q, x), cal->name[0], cal->name[cal->n - 1]);
    return;
  }
  if (b->state[QU_PAYEE] != CELL_OK) return;
  if (!b->quota_line) {
    size_t cells = (size_t)b->l->t[TL_TB_PAYEES].nrows * (size_t)cal->n;
    b->quota_line = tl_calloc(cells, sizeof(uint32_t));
  }
  int32_t payee = tb->cols[QU_PAYEE].v.ref[r];
  uint32_t *first = &b->quota_line[(size_t)payee * (size_t)cal->n + (size_t)i];
  if (*first) {
    const tl_table *pt = &b->l->t[TL_TB_PAYEES];
    err(b, TL_TB_QUOTAS, at_col(b, QU_PAYEE, tl_ldg_line(tb, r)), "data-key",
        "quota of \"%s\" for %s is given twice (first %s %u)",
        qstr(&q2, b->l, pt->cols[b->keycol[TL_TB_PAYEES]].v.str[payee]), cal->name[i],
        first_at(b), *first);
    return;
  }
  *first = tl_ldg_line(tb, r);
}

/* Managers and other payee columns of the roster, now that it is complete. */
static void payees_end(tl_ldg_builder *b) {
  tl_table *tb = &b->l->t[TL_TB_PAYEES];
  for (size_t i = 0; i < b->fwd.n; i++) {
    const fwdref *f = &b->fwd.v[i];
    int32_t row = key_row(b, TL_TB_PAYEES, f->str);
    tb->cols[f->col].v.ref[f->row] = row;
    if (row >= 0 || b->broken[TL_TB_PAYEES]) continue;
    if (!tb->cols[f->col].isnull)
      tb->cols[f->col].isnull = tl_calloc(tl_null_bytes(b->cap[TL_TB_PAYEES]), 1);
    mark_null(tb->cols[f->col].isnull, f->row);
    qbuf q;
    err(b, TL_TB_PAYEES, f->at, "data-ref", "column \"%s\": unknown payee \"%s\"",
        tb->cols[f->col].name, qstr(&q, b->l, f->str));
  }
  tl_vec_free(b->fwd);
}

typedef struct splitkey { uint64_t key; uint32_t row; } splitkey;

/* Split row r's place in the order splits are checked and kept in: by deal
** row, then payee id (rank). */
static inline uint64_t split_key(const int32_t *deal, const int32_t *payee, const uint32_t *rank,
                                 uint32_t r) {
  return (uint64_t)deal[r] << 32 | (payee[r] >= 0 ? rank[payee[r]] : UINT32_MAX);
}

static int cmp_splitkey(const void *x, const void *y) {
  const splitkey *a = x, *b = y;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return (a->row > b->row) - (a->row < b->row);
}

typedef struct idkey { const char *s; size_t len; uint32_t row; } idkey;

static int cmp_idkey(const void *x, const void *y) {
  const idkey *a = x, *b = y;
  int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
  if (c) return c;
  return (a->len > b->len) - (a->len < b->len);
}

/* Rank of each payee's id in byte order, so splits sort by integers. */
static uint32_t *payee_ranks(const tl_ledger *l, int keycol) {
  const tl_table *pt = &l->t[TL_TB_PAYEES];
  idkey *k = tl_alloc(((size_t)pt->nrows + 1) * sizeof *k);
  uint32_t *rank = tl_alloc(((size_t)pt->nrows + 1) * sizeof *rank);
  for (uint32_t i = 0; i < pt->nrows; i++) {
    k[i].s = tl_str_get(l->strs, pt->cols[keycol].v.str[i], &k[i].len);
    k[i].row = i;
  }
  /* a roster in id order, as most are, needs no sort (a millisecond and a
  ** half of 10k payees, on one core) */
  uint32_t inorder = 1;
  while (inorder < pt->nrows && cmp_idkey(&k[inorder - 1], &k[inorder]) < 0) inorder++;
  if (inorder < pt->nrows) qsort(k, pt->nrows, sizeof *k, cmp_idkey);
  for (uint32_t i = 0; i < pt->nrows; i++) rank[k[i].row] = i;
  tl_free(k);
  return rank;
}

/* Row i of the table becomes old row order[i].row, in place, one cycle of
** the permutation at a time: no second copy of the columns (the rows of a
** deal usually only swap among themselves). */
/* The array of column c of tb (-1: the line numbers), and its elements' size. */
static char *row_array(tl_table *tb, int c, size_t *w) {
  *w = c < 0 ? sizeof *tb->line : elem_size(&tb->cols[c]);
  return c < 0 ? (char *)tb->line : col_data(&tb->cols[c]);
}

static void permute(tl_table *tb, const splitkey *order, bool identity) {
  for (int c = 0; c < tb->ncols; c++) {
    tl_free(tb->cols[c].isnull);
    tb->cols[c].isnull = NULL;   /* no split cell is empty once the checks passed */
  }
  if (identity) return;
  uint32_t n = tb->nrows;
  uint8_t *done = tl_calloc((size_t)n / 8 + 1, 1);
  for (uint32_t i = 0; i < n; i++) {
    if (done[i / 8] >> (i % 8) & 1 || order[i].row == i) continue;
    for (int c = -1; c < tb->ncols; c++) {   /* -1: the line numbers */
      size_t w;
      char *a = row_array(tb, c, &w), keep[16];
      memcpy(keep, a + (size_t)i * w, w);
      uint32_t j = i;
      for (uint32_t k = order[j].row; k != i; j = k, k = order[j].row)
        memcpy(a + (size_t)j * w, a + (size_t)k * w, w);
      memcpy(a + (size_t)j * w, keep, w);
    }
    for (uint32_t j = i; !(done[j / 8] >> (j % 8) & 1); j = order[j].row)
      done[j / 8] |= (uint8_t)(1 << (j % 8));
  }
  tl_free(done);
}

enum { LATER_SUM, LATER_DUP };

/* Shares of each deal must sum to exactly 1 and name each payee once; then
** order the rows by (deal, payee id) and index them by deal. */
typedef TL_VEC(later) laters;

/* The rows of one deal's splits o[0, n), in (deal, payee) order: a payee
** named twice, and shares that do not sum to 100%. */
static void check_deal_splits(const tl_ldg_builder *b, const tl_table *st, const splitkey *o,
                              size_t n, laters *bad) {
  bool ok = true;
  uint32_t first = o[0].row;
  tl_dec sum = tl_dec_zero();
  for (size_t j = 0; j < n; j++) {
    uint32_t r = o[j].row;
    if (r < first) first = r;
    if (!(b->split.v[r].deal & SPLIT_OK)
        || tl_dec_add(sum, tl_col_dec(&st->cols[SP_SHARE], r), &sum) != TL_DEC_OK) {
      ok = false;
    } else if (j > 0 && o[j].key == o[j - 1].key) {
      later x = { r, o[j - 1].row, LATER_DUP, { 0 }, tl_ldg_line(st, o[j - 1].row),
                  st->cols[SP_PAYEE].v.ref[r], split_pos(b, r, true) };
      tl_vec_push(*bad, x);
    }
  }
  if (ok && sum.raw != TL_DEC_ONE_RAW) {
    later x = { first, first, LATER_SUM, sum, 0, -1, split_pos(b, first, false) };
    tl_vec_push(*bad, x);
  }
}

/* The split rows [i, end) of deal row deal[i], in (deal, payee) order, in
** *buf (grown as needed); the end of the deal's rows. */
static uint32_t deal_group(const int32_t *deal, const int32_t *payee, const uint32_t *rank,
                           uint32_t i, uint32_t end, splitkey **buf, size_t *cap) {
  uint32_t j = i;
  while (j < end && deal[j] == deal[i]) j++;
  if (j - i > *cap) {
    *cap = (size_t)(j - i) * 2;
    *buf = tl_realloc(*buf, *cap * sizeof **buf);
  }
  splitkey *o = *buf;
  if (j - i > 16) {             /* a deal split many ways */
    for (uint32_t r = i; r < j; r++) o[r - i] = (splitkey){ split_key(deal, payee, rank, r), r };
    qsort(o, j - i, sizeof *o, cmp_splitkey);
    return j;
  }
  for (uint32_t r = i; r < j; r++) {   /* a few rows: insertion sort */
    splitkey x = { split_key(deal, payee, rank, r), r };
    size_t m = r - i;
    for (; m > 0 && cmp_splitkey(&o[m - 1], &x) > 0; m--) o[m] = o[m - 1];
    o[m] = x;
  }
  return j;
}

/* Put the rows [i, i + n) of one deal in the order o (their rows, from
** deal_group), where they are; *tmp is scratch, grown as needed. */
static void permute_group(tl_table *tb, const splitkey *o, uint32_t i, uint32_t n, char **tmp,
                          size_t *tcap) {
  bool moved = false;
  for (uint32_t k = 0; k < n; k++) moved |= o[k].row != i + k;
  if (!moved) return;
  if ((size_t)n * 16 > *tcap) {
    *tcap = (size_t)n * 32;
    *tmp = tl_realloc(*tmp, *tcap);
  }
  for (int c = -1; c < tb->ncols; c++) {   /* -1: the line numbers */
    size_t w;
    char *a = row_array(tb, c, &w), *t = *tmp;
    if (w == 4) {               /* the usual widths without a call per cell */
      for (uint32_t k = 0; k < n; k++) ((uint32_t *)(void *)t)[k] = ((uint32_t *)(void *)a)[o[k].row];
    } else if (w == 8) {
      for (uint32_t k = 0; k < n; k++) ((uint64_t *)(void *)t)[k] = ((uint64_t *)(void *)a)[o[k].row];
    } else {
      for (uint32_t k = 0; k < n; k++) memcpy(t + (size_t)k * w, a + (size_t)o[k].row * w, w);
    }
    memcpy(a + (size_t)i * w, t, (size_t)n * w);
  }
}

/* One thread's share of the split checks of a table whose rows of a deal
** are together: the deals whose rows are in [from, to), each checked and
** put in payee order where it is.  Groups share nothing, so the
** table is cut in two at a deal for a second thread; each share's messages
** go to its own list, sorted into row order with the other's after. */
typedef struct splitjob {
  const tl_ldg_builder *b;
  tl_table *st;
  const uint32_t *rank;
  uint32_t from, to;
  laters bad;
} splitjob;

static void *split_groups(void *arg) {
  splitjob *j = arg;
  const int32_t *deal = j->st->cols[SP_DEAL].v.ref, *payee = j->st->cols[SP_PAYEE].v.ref;
  splitkey *o = NULL;
  size_t cap = 0, tcap = 0;
  char *tmp = NULL;
  for (uint32_t i = j->from, k; i < j->to; i = k) {
    k = deal_group(deal, payee, j->rank, i, j->to, &o, &cap);
    check_deal_splits(j->b, j->st, o, k - i, &j->bad);
    permute_group(j->st, o, i, k - i, &tmp, &tcap);
  }
  tl_free(o);
  tl_free(tmp);
  return NULL;
}

/* Fewer split rows than this are checked on one thread. */
enum { SPLIT_THREAD_ROWS = 1 << 16 };

static void splits_end(tl_ldg_builder *b) {
  tl_ledger *l = b->l;
  tl_table *st = &l->t[TL_TB_SPLITS];
  const int32_t *deal = st->cols[SP_DEAL].v.ref, *payee = st->cols[SP_PAYEE].v.ref;
  uint32_t *rank = payee_ranks(l, b->keycol[TL_TB_PAYEES]);
  laters bad = { 0 };
  /* Exports list a deal's splits together, usually in deal order: then each
  ** deal's rows are checked and put in payee order where they are, with no
  ** array of the whole table's order (16 bytes a split row: at the load's
  ** end, the largest thing in memory for a moment). */
  bool sorted = true, by_deal = true;
  size_t n = 0;
  uint64_t prev = 0;
  for (uint32_t r = 0; r < st->nrows; r++) {
    if (deal[r] < 0) continue;
    uint64_t k = split_key(deal, payee, rank, r);
    if (n++) {
      sorted = sorted && prev < k;
      by_deal = by_deal && prev >> 32 <= k >> 32;
    }
    prev = k;
  }
  bool identity = sorted && n == st->nrows, grouped = by_deal && n == st->nrows;
  splitkey *order = NULL;
  if (!identity && !st->line) list_lines(b, TL_TB_SPLITS, st->nrows);   /* they move */
  if (grouped) {
    /* Checked and put in order in one pass: a message keeps what it
    ** needs of rows that move (later), and on any error the ledger is
    ** dropped, moved rows and all. */
    uint32_t cut = st->nrows;
    if (b->o.threads > 1 && st->nrows >= SPLIT_THREAD_ROWS) {
      cut = st->nrows / 2;
      while (cut < st->nrows && deal[cut] == deal[cut - 1]) cut++;
    }
    splitjob jobs[2] = { { b, st, rank, 0, cut, { 0 } }, { b, st, rank, cut, st->nrows, { 0 } } };
    pthread_t helper;
    bool two = cut < st->nrows && tl_thread_start(&helper, split_groups, &jobs[1]) == 0;
    split_groups(&jobs[0]);
    if (two) pthread_join(helper, NULL);
    else split_groups(&jobs[1]);
    bad = jobs[0].bad;
    tl_vec_append(bad, jobs[1].bad);
    tl_vec_free(jobs[1].bad);
  } else {
    order = tl_alloc(((size_t)st->nrows + 1) * sizeof *order);
    n = 0;
    for (uint32_t r = 0; r < st->nrows; r++)
      if (deal[r] >= 0) order[n++] = (splitkey){ split_key(deal, payee, rank, r), r };
    qsort(order, n, sizeof *order, cmp_splitkey);
    for (size_t i = 0, j; i < n; i = j) {
      for (j = i + 1; j < n && order[j].key >> 32 == order[i].key >> 32; j++) continue;
      check_deal_splits(b, st, order + i, j - i, &bad);
    }
  }
  if (bad.n) qsort(bad.v, bad.n, sizeof *bad.v, cmp_later);
  const tl_column *ids = &l->t[TL_TB_DEALS].cols[b->keycol[TL_TB_DEALS]];
  const tl_column *pids = &l->t[TL_TB_PAYEES].cols[b->keycol[TL_TB_PAYEES]];
  for (size_t i = 0; i < bad.n; i++) {
    const later *x = &bad.v[i];
    qbuf q, q2;
    if (x->kind == LATER_SUM) {
      char pct[80];
      tl_dec p;
      if (tl_dec_mul_int(x->sum, 100, &p) != TL_DEC_OK) p = x->sum;
      tl_dec_format(p, -1, false, pct, sizeof pct);
      err(b, TL_TB_SPLITS, x->at, "data-split",
          "split shares of deal \"%s\" sum to %s%%, not 100%%",
          qstr(&q, l, tl_col_str(ids, (uint32_t)deal[x->row])), pct);
    } else {
      err(b, TL_TB_SPLITS, x->at, "data-key",
          "deal \"%s\" is split to \"%s\" twice (first %s %u)",
          qstr(&q, l, tl_col_str(ids, (uint32_t)deal[x->row])),
          qstr(&q2, l, pids->v.str[x->payee]), first_at(b), x->line);
    }
  }
  tl_vec_free(b->split);
  tl_vec_free(b->split_far);
  if (tl_diag_errors(b->d) == b->errors_before) {
    permute(st, order, identity || grouped);
  }
  tl_vec_free(bad);
  tl_free(order);
  tl_free(rank);
}

static void end_table(tl_ldg_builder *b) {
  switch (b->cur) {
  case TL_TB_PAYEES: payees_end(b); break;
  case TL_TB_FX: fx_end(b); break;
  case TL_TB_SPLITS: splits_end(b); break;
  default: break;
  }
  b->cur = -1;
}

/* ---- feeding ------------------------------------------------------------- */

static int find_col(const tl_tablespec *s, const char *name) {
  for (int c = 0; c < s->ncols; c++)
    if (strcmp(s->cols[c].name, name) == 0) return c;
  return -1;
}

/* The builder relies on these columns; the checker makes every plan declare them. */
static int need_col(const tl_tablespec *s, const char *name, tl_coltype type) {
  int c = find_col(s, name);
  assert(c >= 0 && s->cols[c].type == type && !s->cols[c].optional);
  return c;
}

tl_ldg_builder *tl_ldg_begin(const tl_ldg_opts *opts, tl_diags *diags) {
  assert(opts->payees && opts->deals && opts->currency && opts->cal);
  tl_ldg_builder *b = tl_calloc(1, sizeof *b);
  tl_ledger *l = tl_calloc(1, sizeof *l);
  b->o = *opts;
  b->d = diags;
  b->l = l;
  b->errors_before = tl_diag_errors(diags);
  b->cur = b->last_rank = -1;
  tl_diag_limit(diags, opts->max_errors > 0 ? opts->max_errors : 100);
  l->strs = tl_strtab_new();
  for (int t = 0; t < TL_TB_COUNT; t++) {
    const tl_tablespec *s = t == TL_TB_PAYEES ? opts->payees : t == TL_TB_DEALS ? opts->deals
                          : &fixed_specs[t];
    tl_table *tb = &l->t[t];
    b->spec[t] = s;
    b->keycol[t] = -1;
    tb->name = tl_strdup(tl_table_names[t]);
    tb->ncols = s->ncols;
    tb->cols = tl_calloc((size_t)s->ncols, sizeof *tb->cols);
    for (int c = 0; c < s->ncols; c++) {
      tb->cols[c].name = tl_strdup(s->cols[c].name);
      tb->cols[c].type = s->cols[c].type;
      tb->cols[c].optional = s->cols[c].optional;
      /* text in 16 bits in deals only (tl_column.wide), but its key's */
      tb->cols[c].wide = s->cols[c].type == TL_COL_TEXT && (t != TL_TB_DEALS || s->cols[c].key);
      if (s->cols[c].key) {
        assert(b->keycol[t] < 0 && s->cols[c].type == TL_COL_TEXT);
        b->keycol[t] = c;
      }
    }
  }
  assert(b->keycol[TL_TB_PAYEES] == need_col(opts->payees, "id", TL_COL_TEXT));
  assert(b->keycol[TL_TB_DEALS] == need_col(opts->deals, "id", TL_COL_TEXT));
  assert(need_col(opts->deals, "owner", TL_COL_PAYEE) >= 0);
  b->d_closed = need_col(opts->deals, "closed", TL_COL_DATE);
  b->d_amount = need_col(opts->deals, "amount", TL_COL_MONEY);
  b->d_currency = find_col(opts->deals, "currency");
  assert(b->d_currency < 0 || opts->deals->cols[b->d_currency].type == TL_COL_TEXT);
  for (int c = 0; opts->deals_read && c < opts->deals->ncols; c++)
    l->t[TL_TB_DEALS].cols[c].unread = !opts->deals_read[c] && c != b->keycol[TL_TB_DEALS]
                                       && c != b->d_closed && c != b->d_amount;
  b->plan_cur = tl_str_intern(l->strs, opts->currency, strlen(opts->currency));
  return b;
}

static void open_table(tl_ldg_builder *b, tl_tableid t, const char *file) {
  /* Each table at most once, in the order payees, fx, deals, splits, quotas. */
  assert(t < TL_TB_COUNT && feed_rank[t] > b->last_rank);
  end_table(b);
  b->cur = (int)t;
  b->last_rank = feed_rank[t];
  b->l->t[t].file = tl_strdup(file);
  b->l->t[t].loaded = true;
  b->skip_rows = false;
  b->nhdr = 0;
  int n = b->spec[t]->ncols;
  b->chdr = tl_realloc(b->chdr, (size_t)n * sizeof *b->chdr);
  b->state = tl_realloc(b->state, (size_t)n * sizeof *b->state);
  for (int c = 0; c < n; c++) b->chdr[c] = -1;
}

static void no_header(tl_ldg_builder *b) {
  tl_loc loc = { b->l->t[b->cur].file, 0, 0, 0, 0 };
  tl_diag(b->d, TL_SEV_ERROR, loc, "data-schema", "no header row");
  b->skip_rows = true;
  b->broken[b->cur] = true;
}

static void read_header(tl_ldg_builder *b, const tl_ldg_cell *hdr, size_t n) {
  int t = b->cur;
  const tl_tablespec *s = b->spec[t];
  b->nhdr = n;
  for (size_t i = 0; i < n; i++) {
    int c = -1;
    for (int k = 0; k < s->ncols && c < 0 && !hdr[i].null; k++)
      if (strlen(s->cols[k].name) == hdr[i].len
          && memcmp(s->cols[k].name, hdr[i].p, hdr[i].len) == 0)
        c = k;
    if (c >= 0 && b->chdr[c] >= 0) {
      err(b, t, at_cell(&hdr[i]), "data-schema", "duplicate column \"%s\"", s->cols[c].name);
      c = -1;
    } else if (c >= 0) {
      b->chdr[c] = (int)i;
    }
  }
  pos start = { n ? hdr[0].line : 1, 1 };
  for (int c = 0; c < s->ncols; c++) {
    if (b->chdr[c] >= 0 || s->cols[c].optional) continue;
    b->broken[t] = true;
    size_t i = 0, len = strlen(s->cols[c].name);
    while (i < n && !(hdr[i].len == len && strncasecmp(hdr[i].p, s->cols[c].name, len) == 0)) i++;
    if (i < n) {
      qbuf q;
      err(b, t, start, "data-schema",
          "missing required column \"%s\" (found \"%s\": column names are case-sensitive)",
          s->cols[c].name, qcell(&q, &hdr[i]));
    } else {
      err(b, t, start, "data-schema", "missing required column \"%s\"", s->cols[c].name);
    }
  }
}

void tl_ldg_rows_are_db(tl_ldg_builder *b) { b->db_rows = true; }

void tl_ldg_table(tl_ldg_builder *b, tl_tableid t, const char *file, const tl_ldg_cell *hdr,
                  size_t n) {
  open_table(b, t, file);
  if (n == 0) no_header(b);
  else read_header(b, hdr, n);
}

void tl_ldg_row(tl_ldg_builder *b, uint32_t line, const tl_ldg_cell *cells, size_t n) {
  assert(b->cur >= 0);
  if (b->skip_rows) return;
  int t = b->cur;
  tl_table *tb = &b->l->t[t];
  if (n != b->nhdr) {
    pos at = { line, 1 };
    err(b, t, at, "data-schema", "row has %zu field%s, the header has %zu", n, n == 1 ? "" : "s",
        b->nhdr);
    return;
  }
  if (!room(b)) return;
  if (!set_line(b, tb->nrows, line)) return;
  uint32_t r = tb->nrows++;
  b->cells = cells;
  for (int c = 0; c < tb->ncols; c++) {
    if (b->chdr[c] >= 0) {
      b->state[c] = cell(b, c, r, &cells[b->chdr[c]]);
    } else {
      set_null(b, tb, c, r);
      b->state[c] = tb->cols[c].optional ? CELL_NULL : CELL_BAD;
    }
  }
  switch (t) {
  case TL_TB_FX: fx_row(b, r); break;
  case TL_TB_DEALS: deal_row(b, r); break;
  case TL_TB_SPLITS: split_row(b, r); break;
  case TL_TB_QUOTAS: quota_row(b, r); break;
  default: break;
  }
  b->cells = NULL;
}

/* The line ends in [p, e): eight bytes at a time, as a worker counts those
** up to its part on its critical path. */
static size_t count_lines(const char *p, const char *e) {
  const uint64_t ones = 0x0101010101010101u, low7 = 0x7F7F7F7F7F7F7F7Fu;
  size_t n = 0;
  for (; e - p >= 8; p += 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    w ^= ones * '\n';           /* a line end is now a zero byte: find those, exactly */
    uint64_t z = ~(((w & low7) + low7) | w | low7) >> 7;   /* 1 in each zero byte */
    n += (size_t)((z * ones) >> 56);
  }
  for (; p < e; p++) n += *p == '\n';
  return n;
}

/* Room for the rows in [s, e): counted when that is quick, else estimated
** from the row length at both ends (exports drift: older deals carry more
** cells, ids grow longer), with a fiftieth and 64 rows to spare. */
static double rows_room(const char *s, const char *e) {
  enum { SPAN = 64 << 10 };
  if (e - s <= 2 * SPAN) return (double)count_lines(s, e) + 1;
  size_t lines = count_lines(s, s + SPAN) + count_lines(e - SPAN, e);
  /* no line end in either span: rows longer than it, so fewer than this */
  double rows = lines ? (double)(e - s) * (double)lines / (2.0 * SPAN) : (double)(e - s) / SPAN;
  return rows * 1.02 + 64;
}

/* The rows of the rest of a file (rows_room), and the length of its deal
** ids in a sample (b->key_bytes). */
static size_t sample_rows(tl_ldg_builder *b, const char *p, const char *end) {
  enum { SAMPLE = 256 << 10 };
  size_t rest = (size_t)(end - p), span = rest < SAMPLE ? rest : SAMPLE;
  double want = rows_room(p, end);
  /* Deal ids too: their length, from the ids in the sample (reserve_keys) */
  int key = b->keycol[TL_TB_DEALS];
  int kc = b->cur == TL_TB_DEALS && key >= 0 ? b->chdr[key] : -1;   /* its header cell */
  size_t ids = 0, bytes = 0;
  for (const char *q = p, *e = p + span; kc >= 0 && q < e;) {
    const char *nl = memchr(q, '\n', (size_t)(e - q));
    if (!nl || memchr(q, '"', (size_t)(nl - q))) break;   /* quoted: no estimate */
    const char *f = q;
    for (int i = 0; i < kc && f; i++) {
      f = memchr(f, ',', (size_t)(nl - f));
      if (f) f++;
    }
    if (!f) break;
    const char *fe = memchr(f, ',', (size_t)(nl - f));
    bytes += (size_t)((fe ? fe : nl) - f) + 1;
    ids++;
    q = nl + 1;
  }
  b->key_bytes = ids ? (double)bytes / (double)ids : 0;
  return want < (double)UINT32_MAX ? (size_t)want : UINT32_MAX;
}

/* Room for `want` more rows, so the columns are allocated once instead of
** doubling (each doubling copies, and touches pages the final array needs
** anyway). */
static void reserve_rows(tl_ldg_builder *b, size_t want) {
  tl_table *tb = &b->l->t[b->cur];
  if (want > UINT32_MAX - tb->nrows) want = UINT32_MAX - tb->nrows;
  if (tb->nrows + want > b->cap[b->cur])
    grow_table(b, b->cur, tb->nrows + (uint32_t)want);
}

/* Room for the deal ids of the rows in [p, upto) of a file [p, end) of
** about `rows` rows (reserve_rows), so the key set is allocated once instead
** of doubling (and faulted in half unused).  upto: where the first worker's
** part begins; each worker collects its part's ids apart and hands them
** over (tl_str_keys_append). */
static void reserve_keys(tl_ldg_builder *b, size_t rows, const char *p, const char *upto,
                         const char *end) {
  if (b->key_bytes <= 0 || end == p) return;
  double want = upto == end ? (double)rows
                            : (double)rows * (double)(upto - p) / (double)(end - p) + 64;
  /* with n readers, the main reader's part is f = 2/(n + 1) of the file
  ** and what it ends up reading about 1/n = f/(2 - f) (hand_over): only
  ** that is faulted in ahead */
  double f = (double)(upto - p) / (double)(end - p), hot = (double)rows * f / (2 - f) + 64;
  tl_str_reserve_keys(b->l->strs, (uint32_t)want, (size_t)(b->key_bytes * want),
                      (size_t)(b->key_bytes * hot));
}

/* Ask for the hash slots a row will look up, while the row before it is
** being checked: the ledger's string table is far bigger than the cache, and
** every deal id probes it at a random place. */
static void prefetch_row(tl_ldg_builder *b, const tl_csv_row *row) {
  const tl_tablespec *s = b->spec[b->cur];
  if (row->n != b->nhdr) return;
  for (int c = 0; c < s->ncols; c++) {
    int i = b->chdr[c];
    if (i < 0 || row->f[i].len == 0) continue;
    tl_coltype ty = s->cols[c].type;
    if ((ty != TL_COL_TEXT && ty != TL_COL_PAYEE) || (s->cols[c].key && b->cur == TL_TB_DEALS))
      continue;
    uint32_t h = b->hnext[c] = cell_hash(b, c, row->f[i].p, row->f[i].len);
    if (ty != TL_COL_PAYEE) tl_str_prefetch_h(b->l->strs, h);
    else if (b->pidx) __builtin_prefetch(&b->pidx[h & b->pmask]);
  }
  b->hnext_ok = true;
}

/* Copy a row's fields into cells. */
static void take(tl_ldg_builder *b, const tl_csv_row *row) {
  if (b->csvcells.cap < row->n) {
    b->csvcells.cap = row->n;
    b->csvcells.v = tl_realloc(b->csvcells.v, row->n * sizeof *b->csvcells.v);
  }
  b->csvcells.n = row->n;
  for (uint32_t i = 0; i < row->n; i++) {
    const tl_csv_field *f = &row->f[i];
    b->csvcells.v[i] = (tl_ldg_cell){ f->p, f->len, f->line, f->col, false };
  }
}

/* ---- plain rows -----------------------------------------------------------
**
** Nearly every row of a big deals or splits file is plain: no quote, every
** cell well formed, nothing to report.  Such a row goes straight into the
** columns, a block of rows at a time (plain_block, below): their fields are
** found at once, and each cell is parsed by its column's type, with none of
** the general path's per-cell bookkeeping (cells, states, hashes read
** ahead).  At the first thing out of the ordinary (not a plain row, an
** empty required cell, a bad value, an unknown payee or deal, a missing
** rate, a share out of range, a duplicate id) the row goes to the general
** path from its start, which reads and reports it as always.  What the plain path wrote by then is all written
** again, except the strings it interned, which the general path interns in
** the same order anyway: so ids, messages and ledger are the same either
** way.
*/

/* The string id of text s[0 .. n), through the builder's cache when it is
** at most 15 bytes: up to 7 as their short_id and no tail, more as their
** first 8 bytes and a tail of the rest and the length, which no shorter text
** has.  A free slot (0, 0) is the empty text's, which is id 0. */
INLINE uint32_t intern_short(tl_ldg_builder *b, const char *s, size_t n) {
  uint64_t w, tail = 0;
  if (n <= 7) {
    w = short_id(s, n);
  } else if (n <= 15) {
    memcpy(&w, s, 8);
    tail = tl_bytes_word(s + 8, n - 8) | (uint64_t)n << 56;
  } else {
    return tl_str_intern(b->l->strs, s, n);
  }
  __typeof__(b->shorts[0]) *e =
      &b->shorts[((w ^ tail * 0xBF58476D1CE4E5B9u) * 0x9E3779B97F4A7C15u) >> 58];
  if (e->text != w || e->tail != tail) {
    e->id = tl_str_intern(b->l->strs, s, n);
    e->text = w;
    e->tail = tail;
  }
  return e->id;
}

/* tl_date_parse of a plain row's cell, through the builder's cache. */
INLINE bool plain_date(tl_ldg_builder *b, const char *s, size_t n, tl_date *out) {
  if (n != 10) return false;
  uint64_t w;
  uint16_t t2;
  memcpy(&w, s, 8);
  memcpy(&t2, s + 8, 2);
  uint32_t tail = t2 | DAY_SET;
  /* the low bits of the month's and the day's digits, YYYY-MM-DD */
  size_t slot = (w >> 48 & 0xF) | (w >> 40 & 1) << 4 | (size_t)(t2 >> 8 & 0xF) << 5
                | (size_t)(t2 & 3) << 9;
  __typeof__(b->days[0]) *e = &b->days[slot];
  if (e->text == w && e->tail == tail) {
    *out = e->day;
    return true;
  }
  if (!tl_date_parse(s, n, out)) return false;
  e->text = w;
  e->tail = tail;
  e->day = *out;
  return true;
}

/* How plain rows of the current table are read: for each column its header
** cell and what to do with a cell, worked out once per table from the
** header, the spec and the columns, which a loop over the cells read for
** every cell before (a fifth of a big load); and the columns whose cells
** are done row by row, in order (plain_block). */
typedef enum pop {
  P_TEXT, P_CURRENCY, P_KEY, P_DEC, P_PERCENT, P_DATE, P_BOOL, P_PAYEE, P_DEAL,
  P_GENERAL                     /* a cell only the general path reads */
} pop;

typedef struct pcol {
  int field;                    /* header cell, or -1 */
  uint8_t op;                   /* pop */
  bool optional;
  bool unread;                  /* read into the sink (tl_column.unread) */
} pcol;

typedef struct pplan {
  int key, cur;                 /* the P_KEY and P_CURRENCY columns in the header, or -1 */
  int ntext, *text;             /* the text columns in the header (P_TEXT, P_CURRENCY),
                                ** but those not kept: the currency is, for row_cur */
  pcol col[];                   /* by spec column */
} pplan;

/* The plan of the current table, or NULL when no row of it can be plain: a
** column only the general path reads, or a required one the header lacks. */
static pplan *plain_plan(const tl_ldg_builder *b) {
  int t = b->cur;
  const tl_tablespec *sp = b->spec[t];
  size_t nc = (size_t)sp->ncols;
  pplan *pp = tl_alloc(sizeof *pp + nc * sizeof pp->col[0] + (nc + 1) * sizeof *pp->text);
  pp->text = (int *)(void *)(pp->col + nc);
  pp->key = pp->cur = -1;
  pp->ntext = 0;
  for (int c = 0; c < sp->ncols; c++) {
    const tl_colspec *cs = &sp->cols[c];
    pop op = P_GENERAL;
    switch (cs->type) {
    case TL_COL_TEXT:
      op = !cs->key ? (t == TL_TB_DEALS && c == b->d_currency ? P_CURRENCY : P_TEXT)
           : t == TL_TB_DEALS ? P_KEY : P_GENERAL;
      break;
    case TL_COL_MONEY: case TL_COL_NUMBER: op = P_DEC; break;
    case TL_COL_PERCENT: op = P_PERCENT; break;
    case TL_COL_DATE: op = P_DATE; break;
    case TL_COL_BOOL: op = P_BOOL; break;
    case TL_COL_PAYEE: op = t == TL_TB_PAYEES ? P_GENERAL : P_PAYEE; break;
    case TL_COL_DEAL: op = P_DEAL; break;
    }
    int fi = b->chdr[c];
    if (op == P_GENERAL || (fi < 0 && !cs->optional)) {
      tl_free(pp);
      return NULL;
    }
    bool unread = b->l->t[t].cols[c].unread;
    pp->col[c] = (pcol){ fi, (uint8_t)op, cs->optional, unread };
    if (fi < 0) continue;
    if (op == P_KEY) pp->key = c;
    if (op == P_CURRENCY) pp->cur = c;
    if ((op == P_TEXT && !unread) || op == P_CURRENCY) pp->text[pp->ntext++] = c;
  }
  return pp;
}

/* The k digits (1 to 8) at the start of the little-endian word w as a
** number, eight at a time (three multiplications); false when one of them is
** not a digit. */
INLINE bool swar_digits(uint64_t w, size_t k, uint64_t *out) {
  unsigned sh = 8 * (unsigned)(8 - k);
  /* the digits in the top k bytes, zero bytes (leading zeros) below them */
  uint64_t d = (w << sh) - (0x3030303030303030u << sh);
  /* a byte below '0' wraps to 0x80 and more, one above '9' gets there adding 0x76 */
  if (((d + 0x7676767676767676u) | d) & 0x8080808080808080u) return false;
  d = (d * 2561) >> 8;
  d = ((d & 0x00FF00FF00FF00FFu) * 6553601) >> 16;
  *out = ((d & 0x0000FFFF0000FFFFu) * 42949672960001u) >> 32;
  return true;
}

/* The raw units (10^-9) of a decimal cell [-|+]D[.F], D of 1 to 8 digits
** and F of 1 to 8, which always fit 64 bits: the cells of a big ledger's
** amounts and shares, read a word at a time (a digit at a time, in
** tl_dec_parse, was most of their cost).  It reads up to 16 bytes from s,
** which must be before end.  False for anything else, which tl_dec_parse
** reads, and judges, as always. */
INLINE bool plain_raw(const char *s, size_t n, const char *end, int64_t *out) {
  static const uint32_t scale[9] = {
    1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10
  };
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
  return false;
#endif
  bool neg = n > 0 && *s == '-';
  size_t sign = n > 0 && (*s == '-' || *s == '+');
  s += sign;
  n -= sign;
  if (n == 0 || n > 17 || end - s < 16) return false;
  uint64_t w, v, frac = 0;
  memcpy(&w, s, 8);
  const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
  uint64_t x = w ^ (ones * '.'), dots = (x - ones) & ~x & high;
  size_t dot = dots ? (size_t)__builtin_ctzll(dots) >> 3 : 8;   /* the lowest is exact */
  if (dot >= n) dot = n;        /* no point: the cell is all digits */
  if (dot == 0 || (dot == 8 && n > 8) || !swar_digits(w, dot, &v)) return false;
  if (dot < n) {
    size_t k = n - dot - 1;
    if (k == 0 || k > 8) return false;
    memcpy(&w, s + dot + 1, 8);
    if (!swar_digits(w, k, &frac)) return false;
    frac *= scale[k];
  }
  uint64_t raw = v * 1000000000u + frac;
  *out = neg ? -(int64_t)raw : (int64_t)raw;
  return true;
}

/* A plain number cell of a P_DEC or P_PERCENT column (op) as raw units,
** read as plain_raw reads it (and a percent as percent() does); false for
** anything else, which tl_dec_parse or percent() reads. */
INLINE bool plain_number(pop op, const char *x, size_t n, const char *end, int64_t *raw) {
  bool pct = op == P_PERCENT && x[n - 1] == '%';
  if (!plain_raw(x, n - pct, end, raw) || (pct && *raw % 100 != 0)) return false;
  if (pct) *raw /= 100;
  return true;
}

/* Row r's cell of column c empty (the cell is, or the header has no such
** column). */
INLINE void plain_empty(tl_ldg_builder *b, tl_table *tb, int c, uint32_t r) {
  tl_column *col = &tb->cols[c];
  if (col->type == TL_COL_DATE && col->isnull && !col->wide) {   /* set_null's usual case */
    mark_null(col->isnull, r);
    col->v.d16[r] = TL_D16_NONE;
  } else {
    set_null(b, tb, c, r);
  }
}

/* What ends plain deals row r once its cells are read: its amount
** converted, when it has a currency, and its key added (key: the key's
** cell, or NULL); false when either is the general path's to report. */
INLINE bool plain_deal_end(tl_ldg_builder *b, uint32_t r, bool currency, const tl_csv_span *key) {
  fxstate st = currency ? convert(b, r) : FX_DONE;
  if (st == FX_TOO_LARGE || st == FX_GAVE_UP || (st == FX_NO_RATE && !b->broken[TL_TB_FX]))
    return false;
  uint32_t first;
  return !key || (r < TL_STR_KEY && tl_str_key_try(b->l->strs, r, key->p, key->len, &first)
                                        != UINT32_MAX);
}

/* What ends plain splits row r, on line `line` from p, once its cells are
** read: its share checked, and its deal's and payee's places kept for the
** split checks (splits_end). */
INLINE bool plain_split_end(tl_ldg_builder *b, uint32_t r, uint32_t line, const char *p,
                            const tl_csv_span *deal, const tl_csv_span *payee) {
  if (!share_ok(tl_col_dec(&b->l->t[TL_TB_SPLITS].cols[SP_SHARE], r))) return false;
  pos d = { line, (uint32_t)(deal->p - p) + 1 }, y = { line, (uint32_t)(payee->p - p) + 1 };
  split_at(b, r, line, d, y, true);   /* the row's line, as the table will have it */
  return true;
}

/* ---- plain rows in blocks --------------------------------------------------
**
** A run of plain rows is read up to BLOCK rows at a time, a column at a
** time: the loop over a row's columns, its switch and the work of each row
** before and after them are then paid once per block, the rows' fields are
** found in one pass over their bytes (tl_csv_plain_rows), and the owners'
** slots are all asked for before the first is looked up (at 1M deals, a
** sixth fewer instructions for the whole load than a row at a time).  At
** the first cell a column cannot take as plain, the block ends before that
** row, which the general path reads next.  What has an order is done row by
** row, for the block's good rows only: the texts interned, the amount
** converted (never widening the column: such a row is the general path's),
** the key added, the split recorded; then the empty cells are written.  So
** the ledger, the string ids and the messages are those of the general
** path.
*/

/* Read plain rows at p (line `line`, each before stop) into the current
** table, up to BLOCK of them, and set *next to the line after the last;
** how many, 0 when the row at p is the general path's. */
static uint32_t plain_block(tl_ldg_builder *b, const char *p, const char *stop, const char *end,
                            uint32_t line, const char **next) {
  int t = b->cur;
  tl_table *tb = &b->l->t[t];
  uint32_t r0 = tb->nrows;
  size_t nh = b->nhdr;          /* in size_t, so j * nh steps a pointer */
  /* rows that follow the rows before (set_line's cases), in the room there
  ** is: room() makes room for one, and clears the way past a worker's rows
  ** the main reader has come to */
  if (r0 == 0 || (!tb->line && line != tb->line0 + r0) || !room(b)) return 0;
  uint32_t most = parts_room(b, r0, b->cap[t] - r0 < b->pwant ? b->cap[t] - r0 : b->pwant);
  tl_csv_span *f = b->plain;    /* row j's field i: f[j * nh + i] */
  const char *start[BLOCK + 1];
  uint32_t n = tl_csv_plain_rows(p, end, stop, f, (uint32_t)nh, nh, most, start);
  for (const char *q = start[n]; n < most && q < stop; n++) {   /* near the end, say */
    const char *e = tl_csv_plain_row(q, end, f + n * nh, (uint32_t)nh);
    if (!e) break;
    start[n + 1] = e;
    q = e;
  }
  const pplan *pp = b->pplan;
  tl_column *cols = tb->cols;
  int ncols = tb->ncols;
  for (int c = 0; c < ncols && n > 0; c++) {
    tl_column *col = &cols[c];
    int fi = pp->col[c].field;
    pop op = (pop)pp->col[c].op;
    if (fi < 0) continue;       /* absent: written empty with the rows */
    const tl_csv_span *fc = f + fi;   /* the column's cell of row j: fc[j * nh] */
    uint32_t j;
    if (!pp->col[c].optional)   /* an empty required cell ends the block */
      for (j = 0; j < n; j++)
        if (fc[j * nh].len == 0) {
          n = j;
          break;
        }
    /* each non-empty cell of the column in the good rows, as x and len of
    ** row j; a cell the body cannot read ends the block (break) */
#define EACH_CELL(...) \
    for (j = 0; j < n; j++) { \
      const char *x = fc[j * nh].p; \
      size_t len = fc[j * nh].len; \
      if (len) { __VA_ARGS__ } \
    } \
    n = j
    /* the column's place for row j: dst(T)[j], in the sink when not kept */
#define dst(T) (pp->col[c].unread ? (T *)(void *)b->sink : (T *)col_data(col) + r0)
    switch (op) {
    case P_KEY: case P_TEXT: case P_CURRENCY:   /* done with the rows, in order */
      break;
    case P_DEC: case P_PERCENT: {
      int64_t *d64 = col->wide ? NULL : dst(int64_t), raw;
      EACH_CELL(
        if (!plain_number(op, x, len, end, &raw)) break;
        if (d64) d64[j] = raw;
        else col->v.dec[r0 + j] = tl_dec_from_raw(raw);   /* what put_dec writes */
      );
      break;
    }
    case P_DATE: {              /* a date that would widen the column is the general path's */
      tl_date day;
      if (col->wide) {
        tl_date *v = dst(tl_date);
        EACH_CELL(if (!plain_date(b, x, len, &v[j])) break;);
      } else {
        uint16_t *v = dst(uint16_t);
        EACH_CELL(if (!plain_date(b, x, len, &day) || !tl_d16_fits(day)) break; v[j] = (uint16_t)day;);
      }
      break;
    }
    case P_BOOL: {
      uint8_t *v = dst(uint8_t);
      EACH_CELL(if (!parse_bool(x, len, &v[j])) break;);
      break;
    }
    case P_PAYEE: {
      uint64_t w[BLOCK];
      uint32_t h[BLOCK];
      int32_t *v = dst(int32_t);
      for (j = 0; j < n; j++) { /* every owner's slot asked for first */
        w[j] = short_id(fc[j * nh].p, fc[j * nh].len);
        h[j] = payee_hash_w(fc[j * nh].p, fc[j * nh].len, w[j]);
        payee_prefetch(b, h[j]);
      }
      EACH_CELL(if ((v[j] = payee_find(b, x, len, w[j], h[j])) < 0) break;);
      break;
    }
    case P_DEAL: {
      int32_t *v = dst(int32_t);
      EACH_CELL(
        uint32_t found = tl_str_find_key(b->l->strs, x, len, &b->deal_hint);
        if (found == UINT32_MAX) break;
        v[j] = (int32_t)found;
      );
      break;
    }
    case P_GENERAL:             /* not in a plan (plain_plan) */
      return 0;
    }
#undef dst
#undef EACH_CELL
  }
  /* then row by row: what has an order, for the good rows only */
  uint32_t j;
  b->narrow = true;
  for (j = 0; j < n; j++) {
    uint32_t r = r0 + j;
    const tl_csv_span *fr = f + j * nh;
    int k;
    for (k = 0; k < pp->ntext; k++) {   /* an id too big for a narrow column: general path's */
      int c = pp->text[k];
      const tl_csv_span *x = &fr[pp->col[c].field];
      if (!x->len) continue;
      uint32_t id = intern_short(b, x->p, x->len);
      if (c == pp->cur) b->row_cur = id;
      if (cols[c].v.str && !put_narrow(b, &cols[c], r, id)) break;
    }
    if (k < pp->ntext) break;
    if (t == TL_TB_DEALS
        && !plain_deal_end(b, r, pp->cur >= 0 && fr[pp->col[pp->cur].field].len,
                           pp->key >= 0 ? &fr[pp->col[pp->key].field] : NULL))
      break;
    if (t == TL_TB_SPLITS && !plain_split_end(b, r, line + j, start[j], &fr[pp->col[SP_DEAL].field],
                                              &fr[pp->col[SP_PAYEE].field]))
      break;
  }
  b->narrow = false;
  n = j;
  /* the empty cells of the rows read, a column at a time */
  for (int c = 0; c < ncols; c++) {
    if (!pp->col[c].optional || pp->col[c].unread) continue;
    int fi = pp->col[c].field;
    for (j = 0; j < n; j++)
      if (fi < 0 || f[j * nh + (size_t)fi].len == 0) plain_empty(b, tb, c, r0 + j);
  }
  if (tb->line)
    for (j = 0; j < n; j++) tb->line[r0 + j] = line + j;
  tb->nrows = r0 + n;
  *next = start[n];
  /* After a block that could not take its first row, the next looks for
  ** one row, then twice as many each time: in a file of rows that are
  ** plain as CSV but not as cells (amounts of 18 digits, say) a block
  ** would find the fields of 32 rows to take none. */
  b->pwant = n == 0 ? 1 : n < b->pwant || b->pwant == BLOCK ? b->pwant : 2 * b->pwant;
  return n;
}

/* ---- a big table on several threads --------------------------------------
**
** A big deals or splits file is cut at line starts into parts, one per
** thread.  The main reader reads the file as always; each part after the
** first is read meanwhile by a worker: a copy of the builder that writes the
** part's rows straight into the table's columns, from a row estimated from
** the bytes before the part, with some to spare (counting the lines before it
** instead read all of them a second time, and a blank line or a quoted line
** break before the part made the count differ from the rows), and interns
** text in a copy of the string table (splits have no text: their workers
** only read it).  The main reader may not
** write a row a worker could have written: should it come to the next
** worker's first row, it drops every worker's rows and reads on itself.
** When the main reader arrives at a part, it takes the worker's rows only if
** they are exactly those it would have read itself: the worker met nothing it
** would report and no quote (a cut inside a quoted field reads wrong, and any
** quote might be one), and the part's deal ids continue the ascending order
** of those before (which proves none a duplicate).  It moves them down to
** follow its own, and gives them their lines, which the worker counted from
** the part's start.  Taking them adds the worker's new strings to the
** string table in the order the worker met them, which gives each the id the
** main reader would have given it, and renumbers the text cells.  Otherwise
** the main reader drops every worker's rows and reads on itself, reporting
** what there is to report, in order.  Either way the ledger and the messages
** are those of one thread.
**
** The main reader's part is the biggest, so that the workers are done
** first; a worker done while the main reader still has far to go makes the
** main reader hand the second half of its way over, as a part of its own,
** on a new thread (hand_over), and so on while the way is long enough.
*/
typedef struct part {
  tl_ldg_builder w;             /* the worker (start_part) */
  tl_ledger view;               /* the ledger as the worker sees it */
  tl_column *cols;              /* the table's columns, from the part's first row */
  const char *p, *end;          /* the part's bytes */
  uint32_t first, cap;          /* the row it writes first (estimated), and rows it has room for */
  uint32_t end_line;            /* the line after the part, counted from its first, PART_LINE */
  uint32_t nstr;                /* strings in the string table when copied */
  splitrow *split;              /* splits: the main reader's split checks, by row */
  bool mapped, started, own_strs;
  bool cancel;                  /* read atomically: the worker stops early */
  int *idle;                    /* parts' count of workers done, added to atomically */
  pthread_t thread;
  void *block, *hot;            /* allocations of part and of the worker's arrays */
} part;

typedef struct parts {
  part **v;
  int n, next;                  /* next: the first not yet joined */
  int cap;                      /* room in v */
  int idle;                     /* workers done and not replaced (hand_over), atomic */
  bool no_hand;                 /* the main reader's way is too short to hand half over */
} parts;

/* n zeroed bytes on cache lines of their own (free *block): a line shared
** with the main reader's data bounces between the cores on every row, and
** that once doubled the time of both threads. */
static void *cache_aligned(size_t n, void **block) {
  char *p = tl_calloc(1, n + 128);
  *block = p;
  return (void *)(((uintptr_t)p + 64) & ~(uintptr_t)63);
}

static void feed_rows(tl_ldg_builder *b, tl_csv *c, const char *data, size_t len, bool mapped,
                      parts *ps);

/* The reader's last error, in the current table's file. */
static void csv_error(tl_ldg_builder *b, const tl_csv *c) {
  uint32_t line, col;
  const char *msg = tl_csv_error(c, &line, &col);
  tl_loc loc = { b->l->t[b->cur].file, (int)line, (int)col, 0, 0 };
  tl_diag(b->d, TL_SEV_ERROR, loc, "csv-syntax", "%s", msg);
}

/* The line a worker's part starts on, as the worker counts: the real one is
** known once the main reader arrives there. */
enum { PART_LINE = 1 };

static void *part_main(void *arg) {
  part *pt = arg;
  tl_ldg_builder *w = &pt->w;
  int t = w->cur;
  tl_table *tb = &pt->view.t[t];
  for (int c = 0; c < tb->ncols; c++)
    if (col_data(&pt->cols[c]))
      set_col_data(&pt->cols[c],
                   (char *)col_data(&pt->cols[c]) + pt->first * elem_size(&pt->cols[c]));
  tb->line = NULL;              /* its rows on consecutive lines, or it gives up */
  tb->line0 = PART_LINE;
  w->cap[t] = pt->cap;
  if (pt->split) {              /* its split checks go in place too: no row more than cap */
    w->split.v = pt->split + pt->first;
    w->split.cap = w->cap[t];
  }
  if (w->key_bytes > 0 && pt->own_strs)   /* its deal ids, as the main reader's */
    tl_str_reserve_keys(pt->view.strs, pt->cap, (size_t)(w->key_bytes * pt->cap),
                        (size_t)(w->key_bytes * pt->cap));
  tl_csv *c = tl_csv_new_at(pt->p, (size_t)(pt->end - pt->p), PART_LINE);
  feed_rows(w, c, pt->p, (size_t)(pt->end - pt->p), pt->mapped, NULL);
  (void)tl_csv_at(c, &pt->end_line);
  tl_csv_free(c);
  __atomic_add_fetch(pt->idle, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void start_part(tl_ldg_builder *b, part *pt) {
  int t = b->cur, n = b->spec[t]->ncols;
  pt->w = *b;                   /* shares what it only reads: specs, header, fx, payees */
  pt->view = *b->l;
  /* Text is interned in a copy of the string table; a table without text
  ** (splits) only reads the ledger's, which nothing changes meanwhile. */
  for (int c = 0; c < n; c++) pt->own_strs |= b->spec[t]->cols[c].type == TL_COL_TEXT;
  if (pt->own_strs) pt->view.strs = tl_strtab_copy(b->l->strs);
  pt->nstr = tl_str_count(b->l->strs);
  pt->cols = tl_alloc((size_t)n * sizeof *pt->cols);
  memcpy(pt->cols, b->l->t[t].cols, (size_t)n * sizeof *pt->cols);
  for (int c = 0; c < n; c++) pt->cols[c].isnull = NULL;
  pt->view.t[t].cols = pt->cols;
  pt->view.t[t].nrows = 0;
  tl_ldg_builder *w = &pt->w;
  w->l = &pt->view;
  w->d = NULL;
  w->worker = true;
  w->ps = NULL;
  w->failed = false;
  w->cancel = &pt->cancel;
  /* its own copies of the small arrays it uses on every row */
  size_t nn = (size_t)n + 1, np = b->plain ? (size_t)BLOCK * b->nhdr : 0;
  char *hot = cache_aligned(np * sizeof *w->plain
                        + nn * (sizeof *w->state + sizeof *w->chdr + 2 * sizeof *w->hcur), &pt->hot);
  w->plain = b->plain ? (tl_csv_span *)(void *)hot : NULL;
  hot += np * sizeof *w->plain;
  w->hcur = (uint32_t *)hot;
  w->hnext = w->hcur + nn;
  w->chdr = (int *)(w->hnext + nn);
  w->state = (cellstate *)(w->chdr + nn);
  memcpy(w->chdr, b->chdr, (size_t)n * sizeof *w->chdr);
  w->hcur_ok = w->hnext_ok = false;
  memset(&w->csvcells, 0, sizeof w->csvcells);
  memset(&w->split, 0, sizeof w->split);
  memset(&w->split_far, 0, sizeof w->split_far);
  w->cells = NULL;
  pt->started = tl_thread_start(&pt->thread, part_main, pt) == 0;
}

/* Bits [at, at + n) of bits set to the first n bits of from: a worker's
** empty cells, at their rows' place.  A byte at a time, each written
** whole or under a mask, never past the byte of bit at + n - 1. */
static void copy_bits(uint8_t *bits, uint32_t at, const uint8_t *from, uint32_t n) {
  uint8_t *d = bits + at / 8;
  unsigned s = at % 8;
  for (size_t i = 0; i < tl_null_bytes(n); i++) {
    unsigned m = i + 1 == tl_null_bytes(n) && n % 8 ? (1u << (n % 8)) - 1 : 0xFFu;
    unsigned x = from[i] & m;
    d[i] = (uint8_t)((d[i] & ~(m << s)) | x << s);
    if (s && m >> (8 - s)) d[i + 1] = (uint8_t)((d[i + 1] & ~(m >> (8 - s))) | x >> (8 - s));
  }
}

/* Move the n rows of the current table at row `from` to row `to` (at most
** from): a worker's, from where it wrote them to where they belong. */
static void move_rows(tl_ldg_builder *b, uint32_t from, uint32_t to, uint32_t n) {
  tl_table *tb = &b->l->t[b->cur];
  if (from == to || n == 0) return;
  for (int c = 0; c < tb->ncols; c++) {
    char *v = col_data(&tb->cols[c]);
    size_t es = elem_size(&tb->cols[c]);
    if (v) memmove(v + to * es, v + from * es, n * es);
  }
  if (b->cur == TL_TB_SPLITS) memmove(b->split.v + to, b->split.v + from, n * sizeof *b->split.v);
}

/* Whether the ids of the strings a worker added, once the table's, fit its
** narrow text columns (tl_column.wide): at most that many new ids follow
** the table's.  When not, its rows are read again, and the column widened. */
static bool ids_fit(const tl_ldg_builder *b, const part *pt) {
  const tl_table *tb = &b->l->t[b->cur];
  if (!pt->own_strs
      || (uint64_t)tl_str_count(b->l->strs) + (tl_str_count(pt->view.strs) - pt->nstr) <= UINT16_MAX)
    return true;
  for (int c = 0; c < tb->ncols; c++)
    if (tb->cols[c].type == TL_COL_TEXT && tb->cols[c].v.str && !tb->cols[c].wide) return false;
  return true;
}

/* Wait for the worker of pt and free both; its rows become the table's when
** they are the rows the main reader, at row start `at` on `line`, would read,
** and then the reader goes on at *next, the start of line *next_line. */
static bool join_part(tl_ldg_builder *b, part *pt, const char *at, uint32_t line,
                      const char **next, uint32_t *next_line) {
  int t = b->cur;
  tl_table *tb = &b->l->t[t];
  const tl_table *wt = &pt->view.t[t];
  if (pt->started) pthread_join(pt->thread, NULL);
  uint32_t at_row = tb->nrows;  /* at most pt->first: room() sees to it */
  bool ok = pt->started && !pt->w.failed && at == pt->p && ids_fit(b, pt)
            && (!pt->own_strs || tl_str_keys_append(b->l->strs, at_row, pt->view.strs));
  if (ok) {
    uint32_t n = wt->nrows, added = tl_str_count(pt->view.strs) - pt->nstr;
    move_rows(b, pt->first, at_row, n);
    uint32_t *id = tl_alloc(((size_t)added + 1) * sizeof *id);
    for (uint32_t i = 0; i < added; i++) {
      size_t len;
      const char *s = tl_str_get(pt->view.strs, pt->nstr + i, &len);
      id[i] = tl_str_intern(b->l->strs, s, len);
    }
    for (int c = 0; c < tb->ncols; c++) {
      tl_column *col = &tb->cols[c];
      if (col->type == TL_COL_TEXT && col->v.str && col->wide) {
        uint32_t *v = col->v.str + at_row;
        for (uint32_t r = 0; r < n; r++)
          if (v[r] >= pt->nstr) v[r] = id[v[r] - pt->nstr];
      } else if (col->type == TL_COL_TEXT && col->v.str) {   /* every id fits (ids_fit) */
        uint16_t *v = col->v.s16 + at_row;
        for (uint32_t r = 0; r < n; r++)
          if (v[r] >= pt->nstr) v[r] = (uint16_t)id[v[r] - pt->nstr];
      }
      if (pt->cols[c].isnull) {
        if (!col->isnull) col->isnull = tl_calloc(tl_null_bytes(b->cap[t]), 1);
        copy_bits(col->isnull, at_row, pt->cols[c].isnull, n);
      }
    }
    tl_free(id);
    /* the worker's rows are on consecutive lines from `line` (else it gave up) */
    if (!tb->line && at_row == 0) tb->line0 = line;
    else if (!tb->line && line != tb->line0 + at_row) list_lines(b, t, at_row);
    for (uint32_t r = 0; tb->line && r < n; r++) tb->line[at_row + r] = line + r;
    if (pt->split) {             /* written in place (part_main); only its far places have lines */
      for (size_t i = 0; i < pt->w.split_far.n; i++) {
        splitfar f = pt->w.split_far.v[i];
        f.row += at_row;
        assert(!b->split_far.n || b->split_far.v[b->split_far.n - 1].row < f.row);
        f.deal.line += line - PART_LINE;
        f.payee.line += line - PART_LINE;
        tl_vec_push(b->split_far, f);
      }
      b->split.n += pt->w.split.n;
    }
    tb->nrows += n;
    b->l->worker_rows += n;
    *next_line = line + (pt->end_line - PART_LINE);
  }
  for (int c = 0; c < tb->ncols; c++) tl_free(pt->cols[c].isnull);
  tl_free(pt->cols);
  if (pt->own_strs) tl_strtab_free(pt->view.strs);
  tl_free(pt->hot);
  tl_vec_free(pt->w.csvcells);
  tl_vec_free(pt->w.split_far);
  *next = pt->end;
  tl_free(pt->block);
  return ok;
}

/* The main reader's next row is one a worker may have written (its part's
** first, estimated, was too few rows on): every worker's rows are dropped. */
static void keep_clear(tl_ldg_builder *b) {
  parts *ps = b->ps;
  if (ps->next < ps->n && b->l->t[b->cur].nrows >= ps->v[ps->next]->first) drop_parts(b, ps);
}

/* How many rows, at most max, the main reader may write from row r (which
** it may) without keep_clear dropping the workers' rows. */
static uint32_t parts_room(const tl_ldg_builder *b, uint32_t r, uint32_t max) {
  const parts *ps = b->ps;
  if (!ps || ps->next >= ps->n || ps->v[ps->next]->first - r >= max) return max;
  return ps->v[ps->next]->first - r;
}

/* Stop and drop the workers not joined yet. */
static void drop_parts(tl_ldg_builder *b, parts *ps) {
  if (!ps) return;
  for (int k = ps->next; k < ps->n; k++) __atomic_store_n(&ps->v[k]->cancel, true, __ATOMIC_RELAXED);
  const char *p;
  uint32_t line;
  while (ps->next < ps->n) (void)join_part(b, ps->v[ps->next++], NULL, 0, &p, &line);
  tl_free(ps->v);
  ps->v = NULL;
  ps->cap = 0;
  ps->no_hand = true;           /* the main reader reads on alone */
}

/* The start of the first row after the line end at or after p, before end,
** or NULL: where a part may begin. */
static const char *row_after(const char *p, const char *end) {
  p = memchr(p, '\n', (size_t)(end - p));
  if (!p) return NULL;
  p++;
  while (p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')))
    p += *p == '\r' ? 2 : 1;   /* a blank line is no row: the reader skips it */
  return p < end ? p : NULL;
}

/* Cut the rows of the current table, [rows, end), into parts for the
** workers, when the table is big enough to gain from them; the rows the
** table needs room for then (start_parts), or 0. */
static size_t plan_parts(tl_ldg_builder *b, parts *ps, const char *rows, const char *end,
                         bool mapped) {
  int t = b->cur;
  size_t min = b->o.part_min ? b->o.part_min : (size_t)1 << 20, size = (size_t)(end - rows);
  int n = b->o.threads < 2 || (t != TL_TB_DEALS && t != TL_TB_SPLITS) || b->skip_rows
          || b->broken[t] ? 1
          : size / min < (size_t)b->o.threads ? (int)(size / min) : b->o.threads;
  ps->n = ps->next = ps->idle = 0;
  ps->no_hand = false;
  if (n < 2) return 0;
  ps->cap = n - 1;
  ps->v = tl_calloc((size_t)ps->cap, sizeof *ps->v);
  const char *prev = rows;
  for (int k = 1; k < n; k++) {
    /* The main reader's part is twice a worker's: a worker done before the
    ** main reader arrives at its part has half of what is left of the main
    ** reader's way handed over (hand_over), while a worker still reading
    ** when it arrives is waited for. */
    const char *p = rows + size / (size_t)(n + 1) * (size_t)(k + 1);
    if (p < prev) p = prev;
    if (!(p = row_after(p, end))) break;
    if (ps->n > 0) ps->v[ps->n - 1]->end = p;
    void *block;
    part *pt = ps->v[ps->n++] = cache_aligned(sizeof *pt, &block);
    *pt = (part){ .p = p, .end = end, .mapped = mapped, .block = block };
    prev = p;
  }
  /* Each worker writes from after the rows estimated for the main reader's
  ** part and the parts before its own, each with some to spare in case its
  ** rows are shorter (rows_room).  Those to spare are memory faulted in for
  ** nothing.  A part running short is read again by the main reader,
  ** with those after it; the main reader running short drops every part
  ** (keep_clear). */
  double need = (double)b->l->t[t].nrows;
  for (int k = 0; k <= ps->n; k++) {
    const char *s = k == 0 ? rows : ps->v[k - 1]->p, *e = k < ps->n ? ps->v[k]->p : end;
    need += rows_room(s, e);
    if (k < ps->n) ps->v[k]->first = need < (double)UINT32_MAX ? (uint32_t)need : UINT32_MAX;
  }
  if (ps->n == 0 || need >= (double)UINT32_MAX) {   /* no line end to cut at, or too many rows */
    for (int k = 0; k < ps->n; k++) tl_free(ps->v[k]->block);
    tl_free(ps->v);
    ps->v = NULL;
    ps->n = 0;
    return 0;
  }
  return (size_t)need - b->l->t[t].nrows;
}

/* Start the workers of the parts planned, once the table has room for them. */
static void start_parts(tl_ldg_builder *b, parts *ps) {
  int t = b->cur;
  if (ps->n == 0) return;
  for (int k = 0; k < ps->n; k++)
    ps->v[k]->cap = (k + 1 < ps->n ? ps->v[k + 1]->first : b->cap[t]) - ps->v[k]->first;
  if (t == TL_TB_SPLITS && b->split.cap < b->cap[t]) {
    /* room for every row's split check, which the workers write in place */
    b->split.v = tl_realloc(b->split.v, (size_t)b->cap[t] * sizeof *b->split.v);
    b->split.cap = b->cap[t];
  }
  for (int k = 0; k < ps->n; k++) {
    ps->v[k]->split = t == TL_TB_SPLITS ? b->split.v : NULL;
    ps->v[k]->idle = &ps->idle;
  }
  if (!b->pidx) index_payees(b);   /* the workers read it: build it before them */
  for (int k = 0; k < ps->n; k++) start_part(b, ps->v[k]);
}

/* A worker is done while the main reader, at p, still has far to go to the
** next part (stop): the second half of that way becomes a part of its own,
** on a thread of its own, so that the two cores end their parts together
** (with one part each, the first done waited 60 ms in a median 10M-deal
** load).  Its rows go after the room the main reader needs for the first
** half, so no part's rows move but at the join, as ever.  True when it
** started; false, and no more asking (no_hand), when the way is too short,
** the rows may not fit, or the table has an error already. */
static bool hand_over(tl_ldg_builder *b, parts *ps, const char *p, const char *stop,
                      bool mapped) {
  enum { MAX_PARTS = 64 };
  int t = b->cur;
  size_t min = b->o.part_min ? b->o.part_min : (size_t)1 << 20;
  tl_table *tb = &b->l->t[t];
  if (b->o.hand == TL_HAND_NEVER || (size_t)(stop - p) < 2 * min || ps->n >= MAX_PARTS
      || b->broken[t] || tl_diag_errors(b->d) != b->errors_before) {
    ps->no_hand = true;
    return false;
  }
  const char *x = row_after(p + (stop - p) / 2, stop);
  double first = x ? (double)tb->nrows + rows_room(p, x) : 0;
  uint32_t limit = ps->next < ps->n ? ps->v[ps->next]->first : b->cap[t];
  if (!x || first + rows_room(x, stop) > (double)limit) {
    ps->no_hand = true;
    return false;
  }
  if (ps->n == ps->cap) {
    ps->cap = ps->cap ? 2 * ps->cap : 4;
    ps->v = tl_realloc(ps->v, (size_t)ps->cap * sizeof *ps->v);
  }
  void *block;
  part *pt = cache_aligned(sizeof *pt, &block);
  *pt = (part){ .p = x, .end = stop, .mapped = mapped, .block = block, .first = (uint32_t)first,
                .cap = limit - (uint32_t)first, .idle = &ps->idle,
                .split = t == TL_TB_SPLITS ? b->split.v : NULL };
  memmove(ps->v + ps->next + 1, ps->v + ps->next, (size_t)(ps->n - ps->next) * sizeof *ps->v);
  ps->v[ps->next] = pt;
  ps->n++;
  start_part(b, pt);
  __atomic_sub_fetch(&ps->idle, 1, __ATOMIC_RELAXED);
  return true;
}

/* What of a mapped file is in memory: a window ahead of the reader is mapped
** in one call, not a fault per page, and the pages of rows already checked
** are handed back, so the file never sits in memory whole.  Each reader
** holds up to two windows and a half of it: with two readers and 8 MB
** windows that was 35 MB of a 1M-deal run's 89 MB peak; with 2 MB windows,
** most of a 100k-deal file (the load's peak there: 13.0 MB, and 10.6 MB with
** 512 KB windows, which cost no time that a run shows). */
typedef struct window {
  const char *base;             /* the file's first page */
  size_t page, total, released, populated;
  size_t next;                  /* the first offset at which there is something to do */
} window;

enum { WINDOW = 512 << 10 };

/* Where slide next has something to do: map the window ahead, or hand back
** the one behind.  Rows are short, so most rows have nothing to do. */
static void window_next(window *w) {
  size_t ahead = w->populated < w->total
                 ? (w->populated > WINDOW / 2 ? w->populated - WINDOW / 2 : 0) : SIZE_MAX;
  w->next = ahead < w->released + WINDOW ? ahead : w->released + WINDOW;
}

/* The reader goes on from offset at, having had other bytes read for it. */
static void window_jump(window *w, size_t at) {
  w->released = w->populated = at / w->page * w->page;
  window_next(w);
}

static void slide_at(window *w, const char *row) {
  size_t at = (size_t)(row - w->base);
  if (at + WINDOW / 2 >= w->populated && w->populated < w->total) {
    size_t n = w->total - w->populated < WINDOW ? w->total - w->populated : WINDOW;
    size_t span = (n + w->page - 1) / w->page * w->page;
#ifdef MADV_POPULATE_READ
    if (!tl_prefault(w->base + w->populated, span, true))
      (void)madvise((char *)w->base + w->populated, span, MADV_POPULATE_READ);
#endif
    w->populated += n;
  }
  size_t done = at / w->page * w->page;
  if (done - w->released >= WINDOW) {
    tl_prefault_forget(w->base + w->released, done - w->released);
    (void)madvise((char *)w->base + w->released, done - w->released, MADV_DONTNEED);
    w->released = done;
  }
  window_next(w);
}

static inline void slide(window *w, const char *row) {
  if ((size_t)(row - w->base) >= w->next) slide_at(w, row);
}

/* The rows of reader c into the current table, checked one behind the reader
** so that the next row's lookups can be prefetched meanwhile (a row is always
** checked before anything about the rows after it is reported, so messages
** keep their order), or as plain rows where they are (see "plain rows").
** ps: parts being read by workers (main reader only). */
static void feed_rows(tl_ldg_builder *b, tl_csv *c, const char *data, size_t len, bool mapped,
                      parts *ps) {
  tl_csv_row row;
  bool pending = false;
  uint32_t pending_line = 0;
  window w = { .page = mapped ? (size_t)sysconf(_SC_PAGESIZE) : 1 };
  w.base = (const char *)((uintptr_t)data & ~(uintptr_t)(w.page - 1));
  w.total = (size_t)(data + len - w.base);
  window_next(&w);
  b->ps = ps;                   /* for widen */
  for (;;) {
    if (b->plain && !pending) {
      /* the plain rows from here, up to the next part */
      uint32_t line;
      const char *p = tl_csv_at(c, &line), *next;
      const char *stop = ps && ps->next < ps->n ? ps->v[ps->next]->p : data + len;
      uint32_t k;
      while (p < stop && (k = plain_block(b, p, stop, data + len, line, &next)) > 0) {
        if (mapped) slide(&w, p);
        p = next;
        line += k;
        if (ps && !ps->no_hand
            && (__atomic_load_n(&ps->idle, __ATOMIC_ACQUIRE) > 0 || b->o.hand == TL_HAND_ALWAYS)
            && hand_over(b, ps, p, stop, mapped))
          stop = ps->v[ps->next]->p;
        if (b->worker && __atomic_load_n(b->cancel, __ATOMIC_RELAXED)) {
          b->failed = true;
          return;
        }
      }
      tl_csv_seek(c, p, line);
    }
    tl_csv_status st = tl_csv_next(c, &row);
    while (ps && st == TL_CSV_ROW && ps->next < ps->n && row.start >= ps->v[ps->next]->p) {
      if (pending) {
        tl_ldg_row(b, pending_line, b->csvcells.v, b->csvcells.n);
        pending = false;
        if (ps->next >= ps->n) break;   /* that row dropped the parts (keep_clear, widen) */
      }
      const char *next;
      uint32_t next_line;
      if (!join_part(b, ps->v[ps->next++], row.start, row.line, &next, &next_line)) {
        drop_parts(b, ps);
        break;
      }
      tl_csv_seek(c, next, next_line);
      window_jump(&w, (size_t)(next - w.base));
      st = tl_csv_next(c, &row);
    }
    if (b->worker && (st == TL_CSV_ERROR || (st == TL_CSV_ROW && row.quoted) || b->failed
                      || __atomic_load_n(b->cancel, __ATOMIC_RELAXED))) {
      b->failed = true;
      return;
    }
    /* a row can wait to be checked while the reader goes on when every
    ** field points into the file (the scratch space is the next row's);
    ** not when plain rows are read, which need no lookups prefetched */
    bool ok = st == TL_CSV_ROW && !row.unescaped, defer = ok && !b->plain;
    b->hnext_ok = false;
    if (defer && pending) prefetch_row(b, &row);
    if (pending) {
      tl_ldg_row(b, pending_line, b->csvcells.v, b->csvcells.n);
      pending = false;
    }
    if (mapped && ok && row.n) slide(&w, row.start);
    if (st == TL_CSV_END) break;
    if (st == TL_CSV_ERROR) {
      csv_error(b, c);
      continue;
    }
    take(b, &row);
    if (defer) {
      pending = true;
      pending_line = row.line;
      /* the hashes just computed are this row's: they serve when it is checked */
      uint32_t *tmp = b->hcur;
      b->hcur = b->hnext;
      b->hnext = tmp;
      b->hcur_ok = b->hnext_ok;
    } else {
      b->hcur_ok = false;
      tl_ldg_row(b, row.line, b->csvcells.v, b->csvcells.n);
    }
  }
  drop_parts(b, ps);
  b->ps = NULL;
  b->hcur_ok = b->hnext_ok = false;
}

static void feed_csv(tl_ldg_builder *b, tl_tableid t, const char *file, const char *data,
                     size_t len, bool mapped) {
  tl_csv *c = tl_csv_new(data, len);
  tl_csv_row row;
  open_table(b, t, file);
  size_t nh = (size_t)b->spec[t]->ncols + 1;
  b->hcur = tl_realloc(b->hcur, nh * sizeof *b->hcur);
  b->hnext = tl_realloc(b->hnext, nh * sizeof *b->hnext);
  tl_csv_status st = tl_csv_next(c, &row);
  if (st == TL_CSV_END) {
    no_header(b);
    tl_csv_free(c);
    return;
  }
  if (st == TL_CSV_ERROR) {
    csv_error(b, c);
    /* Without its header no row of the file can be read. */
    b->skip_rows = b->broken[t] = true;
  } else {
    take(b, &row);
    read_header(b, b->csvcells.v, b->csvcells.n);
  }
  uint32_t line;
  const char *rows = tl_csv_at(c, &line);
  parts ps = { 0 };
  if (!b->skip_rows) {
    size_t nrows = sample_rows(b, rows, data + len);
    if ((t == TL_TB_DEALS || t == TL_TB_SPLITS) && !b->o.general) {
      if ((b->pplan = plain_plan(b)))
        b->plain = tl_alloc((size_t)BLOCK * b->nhdr * sizeof *b->plain);
      b->pwant = BLOCK;
    }
    size_t need = plan_parts(b, &ps, rows, data + len, mapped);
    tl_prefault_hold(true);     /* the columns are mapped first, then faulted in */
    reserve_rows(b, need > nrows ? need : nrows);
    start_parts(b, &ps);
    reserve_keys(b, nrows, rows, ps.n ? ps.v[0]->p : data + len, data + len);
    tl_prefault_hold(false);
  }
  feed_rows(b, c, data, len, mapped, ps.n ? &ps : NULL);
  tl_free(b->plain);
  tl_free(b->pplan);
  b->plain = NULL;
  b->pplan = NULL;
  tl_csv_free(c);
}

void tl_ldg_feed_csv(tl_ldg_builder *b, tl_tableid t, const char *file, const char *data,
                     size_t len) {
  feed_csv(b, t, file, data, len, false);
}

void tl_ldg_feed_csv_mapped(tl_ldg_builder *b, tl_tableid t, const char *file, const char *data,
                            size_t len) {
  feed_csv(b, t, file, data, len, true);
}

/* ---- finishing ----------------------------------------------------------- */

static void free_builder(tl_ldg_builder *b) {
  for (int t = 0; t < TL_TB_COUNT; t++) tl_vec_free(b->key[t]);
  tl_free(b->pidx);
  tl_vec_free(b->csvcells);
  tl_vec_free(b->fwd);
  tl_vec_free(b->fx);
  tl_vec_free(b->fxpos);
  tl_vec_free(b->split);
  tl_vec_free(b->split_far);
  tl_free(b->chdr);
  tl_free(b->hcur);
  tl_free(b->hnext);
  tl_free(b->state);
  tl_free(b->quota_line);
  tl_free(b);
}

tl_ledger *tl_ldg_finish(tl_ldg_builder *b) {
  tl_ledger *l = b->l;
  end_table(b);
  l->amount_col = b->d_amount;   /* the amount column itself (ledger.h) */
  bool ok = tl_diag_errors(b->d) == b->errors_before;
  free_builder(b);
  if (ok) return l;
  tl_ldg_free(l);
  return NULL;
}

void tl_ldg_free(tl_ledger *l) {
  if (!l) return;
  for (int t = 0; t < TL_TB_COUNT; t++) {
    tl_table *tb = &l->t[t];
    for (int c = 0; c < tb->ncols; c++) {
      tl_free(tb->cols[c].name);
      tl_free(col_data(&tb->cols[c]));
      tl_free(tb->cols[c].isnull);
    }
    tl_free(tb->cols);
    tl_free(tb->name);
    tl_free(tb->file);
    tl_free(tb->line);
  }
  tl_strtab_free(l->strs);
  tl_free(l);
}

int32_t tl_ldg_find(const tl_ledger *l, tl_tableid t, const char *id) {
  const tl_table *tb = &l->t[t];
  if (t == TL_TB_DEALS) {
    uint32_t row = tl_str_find_key(l->strs, id, strlen(id), NULL);
    return row == UINT32_MAX ? -1 : (int32_t)row;
  }
  uint32_t sid = tl_str_find(l->strs, id, strlen(id));
  int c = tl_ldg_col(tb, "id");
  for (uint32_t i = 0; i < tb->nrows && sid != UINT32_MAX && c >= 0; i++)
    if (tl_col_str(&tb->cols[c], i) == sid) return (int32_t)i;
  return -1;
}

uint32_t tl_ldg_splits_of(const tl_ledger *l, uint32_t row, uint32_t *first) {
  const tl_table *st = &l->t[TL_TB_SPLITS];
  *first = 0;
  if (!st->loaded || st->nrows == 0) return 0;
  const int32_t *deal = st->cols[SP_DEAL].v.ref;
  uint32_t lo = 0, hi = st->nrows;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if ((uint32_t)deal[mid] < row) lo = mid + 1;
    else hi = mid;
  }
  uint32_t end = lo;
  while (end < st->nrows && (uint32_t)deal[end] == row) end++;
  *first = lo;
  return end - lo;
}
