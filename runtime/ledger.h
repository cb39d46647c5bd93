/*
** ledger.h: the input tables of a run, schema-checked and columnar.
**
** A ledger holds the five tables of language.md (payees, deals, splits, fx,
** quotas).  The plan supplies the schemas of payees and deals; splits, fx and
** quotas have fixed schemas (tl_ldg_fixed_spec).  Every source (CSV files,
** SQLite tables, inline rows in a plan's test block) feeds rows of text cells
** through the same builder, so every source gets the same checks and the same
** messages.
**
** Ownership: the ledger owns every array and string in it.  Text is interned
** in ledger->strs; a text cell is its string id; a deal id is a key of
** ledger->strs (TL_STR_KEY | row, see tl_str_key).  A payee cell is the row index
** of that payee in the payees table (-1 when empty); the deal column of splits
** is a deal row index.
**
** Invariants once tl_ldg_finish returned true:
**   - every required column exists and every non-optional cell is present;
**   - key columns hold no duplicates; every payee and deal reference resolves;
**   - fx rates are positive; split shares of each deal sum to exactly 1;
**   - tl_ldg_amount(l, i) is deals.amount of row i in the plan currency,
**     converted at the fx rate in force on its close date, for every deal
**     closed in the plan year (other deals: the unconverted amount): the
**     deals' amount column itself, converted in place as rows are read (the
**     amount as written is not kept: only error messages, which quote the
**     cell, need it);
**   - splits are ordered by (deal row, payee id), so the splits of one deal
**     are adjacent (tl_ldg_splits_of finds them); other tables keep their
**     source row order.
** On any error the builder reports through tl_diags and finish returns false;
** callers must then produce no output.
*/
#ifndef TL_RUNTIME_LEDGER_H
#define TL_RUNTIME_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../lang/diag.h"
#include "date.h"
#include "decimal.h"

/* ---- interned strings ---------------------------------------------------- */

/* memcmp for the short ids and codes a ledger is made of: inlined, as the
** library call costs more than comparing ten bytes, and eight bytes at a
** time (the first that differ, in byte order, decide). */
static inline int tl_bytes_cmp(const char *a, const char *b, size_t n) {
  size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  }
#endif
  for (; i < n; i++)
    if (a[i] != b[i]) return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
  return 0;
}

/* The n bytes at s (n <= 8) as a little-endian word, zero above them: at
** most two loads, as ids and codes are short. */
static inline uint64_t tl_bytes_word(const char *s, size_t n) {
  uint64_t w = 0;
  if (n >= 4) {                 /* two loads, overlapping when n < 8 */
    uint32_t a, b;
    memcpy(&a, s, 4);
    memcpy(&b, s + n - 4, 4);
    return (uint64_t)a | (uint64_t)b << (8 * (n - 4));
  }
  for (size_t i = 0; i < n; i++) w |= (uint64_t)(unsigned char)s[i] << (8 * i);
  return w;
}

typedef struct tl_strtab tl_strtab;
tl_strtab *tl_strtab_new(void);
void tl_strtab_free(tl_strtab *t);
uint32_t tl_str_intern(tl_strtab *t, const char *s, size_t n);
/* Id of s if already interned, else UINT32_MAX. */
uint32_t tl_str_find(const tl_strtab *t, const char *s, size_t n);
const char *tl_str_get(const tl_strtab *t, uint32_t id, size_t *len);   /* NUL-terminated */
/* The hash the table uses, for callers keeping their own index of some ids. */
uint32_t tl_str_hash(const char *s, size_t n);
/* Interning given h == tl_str_hash(s, n), for a caller that has it; and
** starting to load the slot of hash h, ahead of interning or finding it. */
uint32_t tl_str_intern_h(tl_strtab *t, const char *s, size_t n, uint32_t h);
void tl_str_prefetch_h(const tl_strtab *t, uint32_t h);

/* Keys: the deal ids, which are distinct by definition and not interned (see
** strtab.c).  The key of deals row r has id TL_STR_KEY | r; tl_str_get reads
** it like any other id, but a key and an interned string with the same text
** have different ids, so equality of text values must compare the text when
** either id is a key.  Rows are added in increasing order (rows without a
** key may be skipped).  tl_str_key returns the key's id, or UINT32_MAX when
** an earlier row has the same key, and then sets *first to that row (the
** row's id still reads as its text, but lookups find the first row).  A key
** row not added yet reads as "". */
#define TL_STR_KEY 0x40000000u
static inline bool tl_str_is_key(uint32_t id) { return (id & 0xC0000000u) == TL_STR_KEY; }
uint32_t tl_str_key(tl_strtab *t, uint32_t row, const char *s, size_t n, uint32_t *first);
/* tl_str_key, except that a duplicate leaves the set as it was, so the row
** can be given to tl_str_key next (which then reports it). */
uint32_t tl_str_key_try(tl_strtab *t, uint32_t row, const char *s, size_t n, uint32_t *first);
/* Room for n more keys of bytes bytes in all (each with its NUL), ahead of
** adding them: a loader that estimated them from the file.  The first hot
** bytes of the room are faulted in ahead (prefault.h), the rest as written:
** a reader that may hand part of its way over uses less than its room. */
void tl_str_reserve_keys(tl_strtab *t, uint32_t n, size_t bytes, size_t hot);
/* The row whose key is s, or UINT32_MAX.  hint (may be NULL) is where the
** caller's last lookup ended: lookups in key order then stay cheap. */
uint32_t tl_str_find_key(const tl_strtab *t, const char *s, size_t n, uint32_t *hint);

/* Loading on several threads: a copy of t's interned strings, without its
** keys.  A thread interns into its copy while t goes on growing; the strings
** the thread added are the copy's ids from tl_str_count(t) at copy time on. */
tl_strtab *tl_strtab_copy(const tl_strtab *t);
uint32_t tl_str_count(const tl_strtab *t);
/* Make the keys of from (its rows 0, 1, ...) t's keys of rows row, row + 1,
** ..., when t has keys for exactly its first row rows and all of them, across
** both sets, are ascending in one order (which proves them distinct); else
** false, and both are unchanged.  The keys move, not copied: from has none
** left. */
bool tl_str_keys_append(tl_strtab *t, uint32_t row, tl_strtab *from);

/* ---- schemas ------------------------------------------------------------- */
typedef enum tl_coltype {
  TL_COL_TEXT, TL_COL_MONEY, TL_COL_NUMBER, TL_COL_PERCENT, TL_COL_DATE, TL_COL_BOOL,
  TL_COL_PAYEE, TL_COL_DEAL
} tl_coltype;

const char *tl_coltype_name(tl_coltype t);   /* "text", "money", ... */

typedef struct tl_colspec {
  const char *name;
  tl_coltype type;
  bool optional;
  bool key;
} tl_colspec;

typedef struct tl_tablespec {
  const char *name;     /* "payees", "deals", ... */
  int ncols;
  const tl_colspec *cols;
} tl_tablespec;

typedef enum tl_tableid { TL_TB_PAYEES, TL_TB_DEALS, TL_TB_SPLITS, TL_TB_FX, TL_TB_QUOTAS, TL_TB_COUNT } tl_tableid;

extern const char *const tl_table_names[TL_TB_COUNT];   /* "payees", ... */
/* The order a builder is fed its tables in, whatever the source: payees
** before the references to them, rates before the deals they convert, deals
** before their splits.  Payees and deals are required; the rest may be
** missing. */
extern const tl_tableid tl_ldg_order[TL_TB_COUNT];
static inline bool tl_ldg_required(tl_tableid t) { return t == TL_TB_PAYEES || t == TL_TB_DEALS; }
/* Fixed schemas for splits, fx and quotas (NULL for payees and deals). */
const tl_tablespec *tl_ldg_fixed_spec(tl_tableid t);

/* ---- tables -------------------------------------------------------------- */
typedef struct tl_column {
  char *name;
  tl_coltype type;
  bool optional;
  union {
    int64_t *d64;       /* money, number, percent (12.5% stored as 0.125): raw */
    tl_dec *dec;        /* the same, once the column is wide */
    uint16_t *d16;      /* date: days since 1970-01-01, TL_D16_NONE when empty */
    tl_date *date;      /* the same, once the column is wide; TL_DATE_NONE when empty */
    uint16_t *s16;      /* text: string id, while every id is below 2^16 - 1 */
    uint32_t *str;      /* the same, once the column is wide */
    int32_t *ref;       /* payee, deal: row index, -1 when empty */
    uint8_t *b;         /* bool: 0/1 */
  } v;
  /* Empty cells, a bit a row (row r: bit r % 8 of byte r / 8; read with
  ** tl_col_null), NULL when no cell of the column is empty.  Bits, not a
  ** byte a row: 10M deals with an optional column or two gave 20 MB. */
  uint8_t *isnull;
  /* Not kept (tl_ldg_opts.deals_read): every cell is read and checked as
  ** always, but none is stored; v and isnull stay NULL, and nothing may
  ** read the column.  A run never reads such a column, and 10M deals'
  ** currency codes, needed only to convert the amounts as they are read,
  ** were 40 MB. */
  bool unread;
  /* A decimal column keeps its values' raw tl_dec in 64 bits (d64) while
  ** every one fits, as money, rates and shares nearly always do (up to 9.2
  ** billion at 9 places): eight bytes a deal less than 128 bits.  The first
  ** value that does not fit makes the column wide (dec), all of it.  Read
  ** either way with tl_col_dec.  A date column likewise keeps 16 bits a
  ** day (d16) while every date falls in 1970-01-01 to 2149-06-05, as a
  ** ledger's close dates do: two bytes a deal and a date column less.  Read
  ** it with tl_col_date.  A deals text column keeps its string ids in 16
  ** bits (s16) while they fit: the string table of a ledger holds its payees
  ** and its codes, not its deal ids, and a product or currency code is then
  ** two bytes a deal.  Read it with tl_col_str; other tables' text columns
  ** are wide from the start. */
  bool wide;
} tl_column;

typedef struct tl_table {
  char *name;
  char *file;           /* as given to the builder, for messages */
  bool loaded;          /* false: table absent (optional tables) */
  uint32_t nrows;
  int ncols;            /* the spec's columns, in spec order */
  tl_column *cols;
  /* The source line (CSV) or rowid (SQLite) of each row: read it with
  ** tl_ldg_line.  NULL while every row r is on line line0 + r, as in most
  ** big files: four bytes a row that need not be kept. */
  uint32_t *line;
  uint32_t line0;
} tl_table;

static inline uint32_t tl_ldg_line(const tl_table *t, uint32_t row) {
  return t->line ? t->line[row] : t->line0 + row;
}

typedef struct tl_ledger {
  tl_strtab *strs;
  tl_table t[TL_TB_COUNT];
  int amount_col;             /* the deals' amount column (tl_ldg_amount), or -1 */
  uint32_t worker_rows;       /* deals and splits rows read by extra loader threads:
                              ** a figure for tests and benchmarks, no part of any result */
} tl_ledger;

/* The split rows of deal row `row`: returns how many (0: not split) and sets
** *first to the index of the first of them in the splits table.  A binary
** search of the splits' deal column (no per-deal index is kept: most deals
** are not split); a caller walking the deals in order can keep a cursor
** instead. */
uint32_t tl_ldg_splits_of(const tl_ledger *l, uint32_t row, uint32_t *first);

/* The row of the payee or deal with id `id`, or -1. */
int32_t tl_ldg_find(const tl_ledger *l, tl_tableid t, const char *id);

/* Column index in a table by name, or -1. */
int tl_ldg_col(const tl_table *t, const char *name);
static inline size_t tl_null_bytes(uint32_t rows) { return ((size_t)rows + 7) / 8; }
static inline bool tl_col_null(const tl_column *c, uint32_t row) {
  return c->isnull && (c->isnull[row >> 3] >> (row & 7) & 1);
}
/* A date in a narrow date column (tl_column.wide): the days since
** 1970-01-01 up to TL_D16_MAX, TL_D16_NONE for an empty cell. */
#define TL_D16_NONE UINT16_MAX
#define TL_D16_MAX (UINT16_MAX - 1)
static inline bool tl_d16_fits(tl_date d) { return d >= 0 && d <= TL_D16_MAX; }
static inline tl_date tl_date_from_d16(uint16_t d) {
  return d == TL_D16_NONE ? TL_DATE_NONE : (tl_date)d;
}
/* Row `row` of a date column (TL_DATE_NONE when empty). */
static inline tl_date tl_col_date(const tl_column *c, uint32_t row) {
  return c->wide ? c->v.date[row] : tl_date_from_d16(c->v.d16[row]);
}
/* Row `row` of a decimal column (money, number, percent). */
static inline tl_dec tl_col_dec(const tl_column *c, uint32_t row) {
  return c->wide ? c->v.dec[row] : tl_dec_from_raw(c->v.d64[row]);
}
/* The amount of deals row `row` in the plan currency (see the invariants). */
static inline tl_dec tl_ldg_amount(const tl_ledger *l, uint32_t row) {
  return tl_col_dec(&l->t[TL_TB_DEALS].cols[l->amount_col], row);
}
/* The string id in row `row` of a text column.  The deals' id column keeps
** no array (v.str is NULL): the id of deals row r is the key TL_STR_KEY | r,
** four bytes a deal that need not be stored. */
static inline uint32_t tl_col_str(const tl_column *c, uint32_t row) {
  if (!c->v.str) return TL_STR_KEY | row;
  return c->wide ? c->v.str[row] : c->v.s16[row];
}
/* The id of row `row` of the payees or deals table (their column 0). */
static inline const char *tl_ldg_id(const tl_ledger *l, tl_tableid t, uint32_t row) {
  return tl_str_get(l->strs, tl_col_str(&l->t[t].cols[0], row), NULL);
}

/* ---- building ------------------------------------------------------------ */

/* When the main reader of a big CSV file on several threads hands the second
** half of its way over to a new worker (ledger.c, hand_over): when a worker
** is done, which is what runs want; never, so that tests see the parts as
** planned; or between any two blocks of rows, so that tests and fuzzing
** meet many hand-overs in small files. */
typedef enum tl_ldg_hand { TL_HAND_WHEN_DONE, TL_HAND_NEVER, TL_HAND_ALWAYS } tl_ldg_hand;
typedef struct tl_ldg_opts {
  const tl_tablespec *payees;   /* the plan's declared schemas */
  const tl_tablespec *deals;
  const char *currency;         /* plan currency, e.g. "USD" */
  const tl_cal *cal;            /* plan year: fx checks, quota period names */
  int max_errors;               /* stop storing after this many (0: 100) */
  int threads;                  /* CSV: threads reading big deals and splits files (0, 1: one) */
  size_t part_min;              /* CSV: bytes of rows each of them reads at least (0: 1 MiB) */
  bool general;                 /* CSV: no plain rows (tests: to compare the two paths) */
  tl_ldg_hand hand;             /* CSV: when the main reader hands parts over (0: as
                                ** workers are done) */
  /* By deals column: false for one nothing will read (tl_prog_deals_read),
  ** checked but not kept (tl_column.unread); NULL: every column kept.  The
  ** id, close date and amount are always kept. */
  const bool *deals_read;
} tl_ldg_opts;

/* One cell as read from a source: text plus where it came from. */
typedef struct tl_ldg_cell {
  const char *p;
  size_t len;
  uint32_t line, col;
  bool null;                    /* SQL NULL; an empty CSV field is len 0, not null */
} tl_ldg_cell;

/* The builder takes tables in the order payees, fx, deals, splits, quotas:
** payees first so references resolve as rows are read, and fx before deals so
** each deal is converted, and a missing rate reported at its cell, while the
** deal row is read.  Any table may be skipped; feeding one out of order, or
** twice, is a programming error (assert).  The plan's schemas must declare
** payees.id (text key) and deals.id (text key), owner (payee), closed (date)
** and amount (money); deals.currency, when declared, is text. */
typedef struct tl_ldg_builder tl_ldg_builder;

tl_ldg_builder *tl_ldg_begin(const tl_ldg_opts *opts, tl_diags *diags);
/* Start table t from source file (name used in messages), with its header
** cells.  Checks required columns; unknown columns are ignored. */
void tl_ldg_table(tl_ldg_builder *b, tl_tableid t, const char *file, const tl_ldg_cell *hdr, size_t n);
/* The lines rows are given at are a database's rows (sqlite.h), which
** messages then call rows. */
void tl_ldg_rows_are_db(tl_ldg_builder *b);
/* One data row of the current table; cell i belongs to header column i.
** A row with the wrong number of cells is an error. */
void tl_ldg_row(tl_ldg_builder *b, uint32_t line, const tl_ldg_cell *cells, size_t n);
/* Cross-table checks and derived arrays.  Returns the ledger, or NULL (after
** reporting) when any error occurred; the builder is freed either way. */
tl_ledger *tl_ldg_finish(tl_ldg_builder *b);

/* Load every table present in directory dir: payees.csv and deals.csv are
** required; splits.csv, fx.csv, quotas.csv are optional.  NULL on any error. */
tl_ledger *tl_ldg_load_csv_dir(const char *dir, const tl_ldg_opts *opts, tl_diags *diags);
/* Feed one CSV buffer as table t (used by the above and by fuzzing). */
void tl_ldg_feed_csv(tl_ldg_builder *b, tl_tableid t, const char *file, const char *data, size_t len);
/* The same over a read-only private mapping of a whole file (data must be
** page-aligned): the pages of rows already read are dropped as it goes. */
void tl_ldg_feed_csv_mapped(tl_ldg_builder *b, tl_tableid t, const char *file, const char *data,
                            size_t len);

void tl_ldg_free(tl_ledger *l);

#endif
