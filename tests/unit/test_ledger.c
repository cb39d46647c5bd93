/*
** test_ledger.c: interned strings, the ledger builder fed from in-memory CSV,
** and the directory loader.  Diagnostics are compared as printed text.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/arena.h"
#include "runtime/ledger.h"
#include "tests/unit/ledger_dump.h"

static const tl_colspec payee_cols[] = {
  { "id", TL_COL_TEXT, false, true },
  { "name", TL_COL_TEXT, true, false },
  { "role", TL_COL_TEXT, false, false },
  { "manager", TL_COL_PAYEE, true, false },
  { "start", TL_COL_DATE, true, false },
  { "end", TL_COL_DATE, true, false },
  { "quota", TL_COL_MONEY, true, false },
};
static const tl_colspec deal_cols[] = {
  { "id", TL_COL_TEXT, false, true },
  { "owner", TL_COL_PAYEE, false, false },
  { "closed", TL_COL_DATE, false, false },
  { "amount", TL_COL_MONEY, false, false },
  { "currency", TL_COL_TEXT, true, false },
  { "product", TL_COL_TEXT, true, false },
  { "cancelled", TL_COL_DATE, true, false },
};
/* Deals with a column of each remaining type. */
static const tl_colspec typed_cols[] = {
  { "id", TL_COL_TEXT, false, true },
  { "owner", TL_COL_PAYEE, false, false },
  { "closed", TL_COL_DATE, false, false },
  { "amount", TL_COL_MONEY, false, false },
  { "won", TL_COL_BOOL, true, false },
  { "rate", TL_COL_PERCENT, true, false },
  { "units", TL_COL_NUMBER, false, false },
};
static const tl_tablespec payees_spec = { "payees", 7, payee_cols };
static const tl_tablespec deals_spec = { "deals", 7, deal_cols };
static const tl_tablespec typed_spec = { "deals", 7, typed_cols };

static const char roster[] =
  "id,role,name\n"
  "ann,AE,Ann\n"
  "bob,AE,Bob\n"
  "cy,AE,Cy\n"
  "Zed,AE,Zed\n";

typedef struct input {
  const char *payees, *fx, *deals, *splits, *quotas;
  const tl_tablespec *deals_spec;
  int periods;                 /* per year: 12, 4 (when 0) or 1 */
  int max_errors;
} input;

static tl_cal cal;
static char *out;
/* The builder's threads for CSV: every test runs twice, once on one thread
** and once cut into parts of a few bytes, and must give the same. */
static int threads = 1;
static size_t part_min;
/* and once more with every row read through the general path */
static bool general;
/* when parts are handed over as the readers go (hand_over) */
static tl_ldg_hand hand;
/* the deals columns kept (NULL: all; test_unread_columns) */
static const bool *deals_read;

static tl_ledger *build(const input *in, tl_diags *d) {
  tl_period_kind kind = in->periods == 12 ? TL_PERIOD_MONTH
                      : in->periods == 1 ? TL_PERIOD_YEAR : TL_PERIOD_QUARTER;
  tl_cal_init(&cal, tl_date_from_ymd(2026, 1, 1), tl_date_from_ymd(2026, 12, 31), kind);
  tl_ldg_opts o = {
    &payees_spec, in->deals_spec ? in->deals_spec : &deals_spec, "USD", &cal, in->max_errors,
    threads, part_min, general, hand, deals_read
  };
  tl_ldg_builder *b = tl_ldg_begin(&o, d);
  const char *src[] = { in->payees, in->fx, in->deals, in->splits, in->quotas };
  const tl_tableid ids[] = { TL_TB_PAYEES, TL_TB_FX, TL_TB_DEALS, TL_TB_SPLITS, TL_TB_QUOTAS };
  for (int i = 0; i < 5; i++) {
    char file[32];
    snprintf(file, sizeof file, "%s.csv", tl_table_names[ids[i]]);
    if (src[i]) tl_ldg_feed_csv(b, ids[i], file, src[i], strlen(src[i]));
  }
  return tl_ldg_finish(b);
}

/* Build and return the printed diagnostics (kept in out, freed by teardown). */
static const char *errors_of(const input *in) {
  free(out);
  tl_diags *d = tl_diags_new();
  tl_ledger *l = build(in, d);
  size_t len;
  FILE *f = open_memstream(&out, &len);
  tl_diag_print(d, f, TL_DIAG_TEXT);
  fclose(f);
  assert_null(l);
  tl_diags_free(d);
  return out;
}

static int teardown(void **state) {
  free(out);
  out = NULL;
  deals_read = NULL;            /* after a failed test_unread_columns too */
  return 0;
}

static tl_ledger *build_ok(const input *in) {
  tl_diags *d = tl_diags_new();
  tl_ledger *l = build(in, d);
  if (tl_diag_count(d)) tl_diag_print(d, stderr, TL_DIAG_TEXT);
  assert_int_equal(tl_diag_count(d), 0);
  assert_non_null(l);
  tl_diags_free(d);
  return l;
}

static void assert_dec(tl_dec v, const char *want) {
  char buf[64];
  tl_dec_format(v, -1, false, buf, sizeof buf);
  assert_string_equal(buf, want);
}

static const char *text(const tl_ledger *l, const tl_table *t, const char *col, uint32_t row) {
  int c = tl_ldg_col(t, col);
  assert_true(c >= 0);
  return tl_str_get(l->strs, tl_col_str(&t->cols[c], row), NULL);
}

static tl_date ymd(int y, int m, int d) { return tl_date_from_ymd(y, m, d); }

/* ---- strings and schemas ------------------------------------------------- */

static void test_strtab(void **state) {
  tl_strtab *t = tl_strtab_new();
  size_t len;
  assert_int_equal(tl_str_find(t, "", 0), 0);
  assert_int_equal(tl_str_intern(t, "ann", 3), 1);
  assert_int_equal(tl_str_intern(t, "bob", 3), 2);
  assert_int_equal(tl_str_intern(t, "annex", 3), 1);
  assert_int_equal(tl_str_intern(t, "a\0b", 3), 3);
  assert_int_equal(tl_str_find(t, "cy", 2), UINT32_MAX);
  assert_memory_equal(tl_str_get(t, 3, &len), "a\0b", 4);
  assert_int_equal(len, 3);
  assert_string_equal(tl_str_get(t, 1, NULL), "ann");
  char buf[16];
  for (int i = 0; i < 20000; i++) {
    int n = snprintf(buf, sizeof buf, "s%d", i);
    assert_int_equal(tl_str_intern(t, buf, (size_t)n), (uint32_t)i + 4);
  }
  for (int i = 0; i < 20000; i += 997) {
    int n = snprintf(buf, sizeof buf, "s%d", i);
    assert_int_equal(tl_str_find(t, buf, (size_t)n), (uint32_t)i + 4);
    assert_string_equal(tl_str_get(t, (uint32_t)i + 4, NULL), buf);
  }
  assert_string_equal(tl_str_get(t, 2, NULL), "bob");
  tl_strtab_free(t);
}

/* Keys arriving in order: sorted by bytes, by length then bytes, or neither
** (hash fallback from the first key out of order); every key is found from
** any hint, duplicates are refused with the first row, and unknown keys miss. */
static void check_keys(const char *const *keys, int n, int dup_at, int dup_first) {
  tl_strtab *t = tl_strtab_new();
  uint32_t first = 77;
  for (int i = 0; i < n; i++) {
    uint32_t id = tl_str_key(t, (uint32_t)i, keys[i], strlen(keys[i]), &first);
    if (i == dup_at) {
      assert_int_equal(id, UINT32_MAX);
      assert_int_equal(first, (uint32_t)dup_first);
    } else {
      assert_int_equal(id, TL_STR_KEY | (uint32_t)i);
      assert_true(tl_str_is_key(id));
      assert_string_equal(tl_str_get(t, id, NULL), keys[i]);
    }
  }
  for (uint32_t h = 0; h <= (uint32_t)n; h++)
    for (int i = 0; i < n; i++) {
      uint32_t hint = h, want = i == dup_at ? (uint32_t)dup_first : (uint32_t)i;
      assert_int_equal(tl_str_find_key(t, keys[i], strlen(keys[i]), &hint), want);
      assert_int_equal(tl_str_find_key(t, keys[i], strlen(keys[i]), NULL), want);
    }
  uint32_t hint = 0;
  assert_int_equal(tl_str_find_key(t, "D5a", 3, &hint), UINT32_MAX);
  assert_int_equal(tl_str_find_key(t, "", 0, &hint), UINT32_MAX);
  assert_int_equal(tl_str_find_key(t, "Z", 1, &hint), UINT32_MAX);
  assert_int_equal(tl_str_find_key(t, "A", 1, &hint), UINT32_MAX);
  /* a key and an interned string with the same text are different ids */
  uint32_t s = tl_str_intern(t, keys[0], strlen(keys[0]));
  assert_false(tl_str_is_key(s));
  assert_int_equal(tl_str_find(t, keys[0], strlen(keys[0])), s);
  tl_strtab_free(t);
}

static void test_keys(void **state) {
  static const char *const bytes[] = { "D1", "D10", "D11", "D2", "D3", "D30", "D4", "D9" };
  static const char *const shortlex[] = { "D1", "D2", "D3", "D4", "D9", "D10", "D11", "D30" };
  static const char *const shuffled[] = { "D3", "D1", "D30", "D10", "D2", "D9", "D11", "D4" };
  static const char *const dup_sorted[] = { "D1", "D2", "D3", "D3", "D4" };
  static const char *const dup_late[] = { "D4", "D2", "D9", "D1", "D2", "D7" };
  check_keys(bytes, 8, -1, 0);
  check_keys(shortlex, 8, -1, 0);
  check_keys(shuffled, 8, -1, 0);
  check_keys(dup_sorted, 5, 3, 2);
  check_keys(dup_late, 6, 4, 1);
  /* many keys, each order, and rows skipped (no key) */
  tl_strtab *t[3] = { tl_strtab_new(), tl_strtab_new(), tl_strtab_new() };
  /* room reserved ahead: too little for the first (it grows on), more than
  ** enough for the second; the keys read the same either way */
  tl_str_reserve_keys(t[0], 1000, 4000, 4000);
  tl_str_reserve_keys(t[1], 60000, 600000, 0);
  char buf[16];
  uint32_t first, hint = 0;
  for (uint32_t i = 0; i < 50000; i++) {
    int n = snprintf(buf, sizeof buf, "K%06u", i);
    assert_int_equal(tl_str_key(t[0], i, buf, (size_t)n, &first), TL_STR_KEY | i);
    n = snprintf(buf, sizeof buf, "K%u", (i * 7919u) % 50000u);
    assert_int_equal(tl_str_key(t[1], i, buf, (size_t)n, &first), TL_STR_KEY | i);
    if (i % 3 == 0) {
      n = snprintf(buf, sizeof buf, "K%u", i);
      assert_int_equal(tl_str_key(t[2], i, buf, (size_t)n, &first), TL_STR_KEY | i);
    }
  }
  for (uint32_t i = 0; i < 50000; i += 7) {
    int n = snprintf(buf, sizeof buf, "K%06u", i);
    assert_int_equal(tl_str_find_key(t[0], buf, (size_t)n, &hint), i);
    n = snprintf(buf, sizeof buf, "K%u", (i * 7919u) % 50000u);
    assert_int_equal(tl_str_find_key(t[1], buf, (size_t)n, NULL), i);
    n = snprintf(buf, sizeof buf, "K%u", i);
    assert_int_equal(tl_str_find_key(t[2], buf, (size_t)n, NULL), i % 3 ? UINT32_MAX : i);
    assert_string_equal(tl_str_get(t[2], TL_STR_KEY | i, NULL), i % 3 ? "" : buf);
  }
  assert_int_equal(tl_str_key(t[0], 50000, "K000123", 7, &first), UINT32_MAX);
  assert_int_equal(first, 123);
  for (int i = 0; i < 3; i++) tl_strtab_free(t[i]);
}

/* Keys of one width keep no offsets until a key of another length comes,
** directly or with a part's keys appended; every key reads and is found the
** same across each change. */
static tl_strtab *keys_of(const char *fmt, uint32_t from, uint32_t to) {
  tl_strtab *t = tl_strtab_new();
  char buf[16];
  uint32_t first;
  for (uint32_t i = from; i < to; i++) {
    int n = snprintf(buf, sizeof buf, fmt, i);
    assert_int_equal(tl_str_key(t, i - from, buf, (size_t)n, &first), TL_STR_KEY | (i - from));
  }
  return t;
}

static void keys_are(const tl_strtab *t, const char *const *fmt, const uint32_t *upto, int nf) {
  char buf[16];
  uint32_t row = 0, hint = 0;
  for (int f = 0; f < nf; f++)
    for (uint32_t i = f ? upto[f - 1] : 0; i < upto[f]; i++, row++) {
      int n = snprintf(buf, sizeof buf, fmt[f], i);
      size_t len;
      assert_string_equal(tl_str_get(t, TL_STR_KEY | row, &len), buf);
      assert_int_equal(len, (size_t)n);
      assert_int_equal(tl_str_find_key(t, buf, (size_t)n, &hint), row);
    }
}

/* Keys of one width are looked up near the hint by comparing rows in place,
** a word or two at a time for 8 to 16 bytes: from every hint, every key is
** found, and every text between two keys, before the first or after the
** last misses, as do texts a byte shorter or longer.  Widths on both sides
** of the word sizes, keys that share their first 8 bytes, and a first byte
** above 0x7f, which orders after every digit. */
static void test_key_scan(void **state) {
  static const int widths[] = { 4, 7, 8, 9, 12, 15, 16, 17 };   /* key lengths */
  static const char *const prefix[] = { "K", "\xe9" };
  for (size_t w = 0; w < sizeof widths / sizeof *widths; w++)
    for (int p = 0; p < 2; p++) {
      int digits = widths[w] - 1;
      tl_strtab *t = tl_strtab_new();
      char buf[40];
      uint32_t first;
      for (uint32_t i = 0; i < 40; i++) {     /* keys 3, 6, ..., 120 */
        int n = snprintf(buf, sizeof buf, "%s%0*u", prefix[p], digits, 3 * (i + 1));
        assert_int_equal(tl_str_key(t, i, buf, (size_t)n, &first), TL_STR_KEY | i);
      }
      for (uint32_t h = 0; h <= 40; h++)
        for (uint32_t v = 0; v <= 125; v++) {
          uint32_t hint = h, want = v % 3 == 0 && v >= 3 && v <= 120 ? v / 3 - 1 : UINT32_MAX;
          int n = snprintf(buf, sizeof buf, "%s%0*u", prefix[p], digits, v);
          assert_int_equal(tl_str_find_key(t, buf, (size_t)n, &hint), want);
          if (want != UINT32_MAX) assert_int_equal(hint, want);
          hint = h;
          assert_int_equal(tl_str_find_key(t, buf, (size_t)n - 1, &hint), UINT32_MAX);
          hint = h;
          n = snprintf(buf, sizeof buf, "%s%0*u", prefix[p], digits + 1, v);
          assert_int_equal(tl_str_find_key(t, buf, (size_t)n, &hint), UINT32_MAX);
        }
      tl_strtab_free(t);
    }
  (void)state;
}

static void test_key_widths(void **state) {
  static const char *const one[] = { "K%03u", "K%03u" }, *const two[] = { "K%03u", "K%05u" };
  uint32_t first;
  /* one width, then a longer key on the next row */
  tl_strtab *t = keys_of("K%03u", 0, 300);
  keys_are(t, one, (const uint32_t[]){ 300 }, 1);
  assert_int_equal(tl_str_key(t, 300, "K00300", 6, &first), TL_STR_KEY | 300u);
  keys_are(t, two, (const uint32_t[]){ 300, 301 }, 1);
  assert_string_equal(tl_str_get(t, TL_STR_KEY | 300u, NULL), "K00300");
  assert_int_equal(tl_str_find_key(t, "K00300", 6, NULL), 300);
  assert_int_equal(tl_str_key(t, 301, "K005", 4, &first), UINT32_MAX);
  assert_int_equal(first, 5);
  tl_strtab_free(t);
  /* a part's keys of the same width, then of another, appended */
  t = keys_of("K%03u", 0, 100);
  tl_strtab *p1 = keys_of("K%03u", 100, 200), *p2 = keys_of("K%05u", 200, 300);
  assert_true(tl_str_keys_append(t, 100, p1));
  keys_are(t, one, (const uint32_t[]){ 200 }, 1);
  assert_true(tl_str_keys_append(t, 200, p2));
  keys_are(t, two, (const uint32_t[]){ 200, 300 }, 2);
  /* the keys moved (p1 has none left); three segments read as one, and a
  ** key out of order indexes all of them by hash */
  assert_string_equal(tl_str_get(p1, TL_STR_KEY | 0u, NULL), "");
  assert_int_equal(tl_str_find_key(t, "K150", 4, NULL), 150);
  assert_int_equal(tl_str_key(t, 300, "K00001", 6, &first), TL_STR_KEY | 300u);
  assert_int_equal(tl_str_find_key(t, "K00250", 6, NULL), 250);
  assert_int_equal(tl_str_find_key(t, "K099", 4, NULL), 99);
  assert_int_equal(tl_str_find_key(t, "K00001", 6, NULL), 300);
  assert_int_equal(tl_str_key(t, 301, "K150", 4, &first), UINT32_MAX);
  assert_int_equal(first, 150);
  assert_string_equal(tl_str_get(t, TL_STR_KEY | 199u, NULL), "K199");
  tl_strtab_free(p1);
  tl_strtab_free(p2);
  tl_strtab_free(t);
  /* keys of several widths appended to one width, and to none yet */
  t = keys_of("K%02u", 0, 10);
  tl_strtab *mixed = keys_of("K%u", 10, 2000), *empty = tl_strtab_new();
  assert_true(tl_str_keys_append(t, 10, mixed));
  static const char *const three[] = { "K%02u", "K%u" };
  keys_are(t, three, (const uint32_t[]){ 10, 2000 }, 2);
  tl_strtab_free(mixed);
  mixed = keys_of("K%u", 10, 2000);
  assert_true(tl_str_keys_append(empty, 0, mixed));
  for (uint32_t i = 10; i < 2000; i += 37) {
    char buf[16];
    int n = snprintf(buf, sizeof buf, "K%u", i);
    assert_string_equal(tl_str_get(empty, TL_STR_KEY | (i - 10), NULL), buf);
    assert_int_equal(tl_str_find_key(empty, buf, (size_t)n, NULL), i - 10);
  }
  tl_strtab_free(mixed);
  tl_strtab_free(empty);
  tl_strtab_free(t);
}

static void test_specs(void **state) {
  assert_null(tl_ldg_fixed_spec(TL_TB_PAYEES));
  assert_null(tl_ldg_fixed_spec(TL_TB_DEALS));
  const tl_tablespec *s = tl_ldg_fixed_spec(TL_TB_SPLITS);
  assert_string_equal(s->name, "splits");
  assert_int_equal(s->ncols, 3);
  assert_string_equal(s->cols[2].name, "share");
  assert_int_equal(s->cols[2].type, TL_COL_PERCENT);
  s = tl_ldg_fixed_spec(TL_TB_FX);
  assert_string_equal(s->cols[1].name, "from");
  assert_int_equal(s->cols[1].type, TL_COL_DATE);
  s = tl_ldg_fixed_spec(TL_TB_QUOTAS);
  assert_string_equal(s->cols[1].name, "period");
  assert_int_equal(s->cols[0].type, TL_COL_PAYEE);
  assert_string_equal(tl_coltype_name(TL_COL_MONEY), "money");
  assert_string_equal(tl_coltype_name(TL_COL_DEAL), "deal");
  assert_string_equal(tl_table_names[TL_TB_QUOTAS], "quotas");
}

/* ---- good ledgers -------------------------------------------------------- */

static void test_good_ledger(void **state) {
  input in = {
    .payees = "\xEF\xBB\xBFid,extra,name,role,manager,start,quota\r\n"
              "ann,x,Ann,AE,bo,2026-01-01,400000\r\n"
              "bob,,\"Bob, Jr.\",AE,bo,,\r\n"
              "bo,,Bo,Manager,,2025-06-30,0.5\r\n",
    .deals = "id,owner,closed,amount,product,currency,cancelled\n"
             "D1,ann,2026-02-01,120000,Core,,\n"
             "D2,bob,2026-03-31,-50.25,,USD,2026-04-02\n",
  };
  tl_ledger *l = build_ok(&in);
  const tl_table *p = &l->t[TL_TB_PAYEES], *d = &l->t[TL_TB_DEALS];
  assert_true(p->loaded);
  assert_string_equal(p->name, "payees");
  assert_string_equal(p->file, "payees.csv");
  assert_int_equal(p->nrows, 3);
  assert_int_equal(p->ncols, 7);
  assert_int_equal(tl_ldg_line(p, 2), 4);
  assert_string_equal(text(l, p, "id", 2), "bo");
  assert_string_equal(text(l, p, "name", 1), "Bob, Jr.");
  const tl_column *mgr = &p->cols[tl_ldg_col(p, "manager")];
  assert_int_equal(mgr->type, TL_COL_PAYEE);
  assert_int_equal(mgr->v.ref[0], 2);
  assert_int_equal(mgr->v.ref[1], 2);
  assert_int_equal(mgr->v.ref[2], -1);
  assert_false(tl_col_null(mgr, 0));
  assert_true(tl_col_null(mgr, 2));
  const tl_column *start = &p->cols[tl_ldg_col(p, "start")];
  assert_int_equal(tl_col_date(start, 0), ymd(2026, 1, 1));
  assert_int_equal(tl_col_date(start, 1), TL_DATE_NONE);
  assert_true(tl_col_null(start, 1));
  assert_int_equal(tl_col_date(start, 2), ymd(2025, 6, 30));
  const tl_column *end = &p->cols[tl_ldg_col(p, "end")];       /* absent from the file */
  for (uint32_t i = 0; i < 3; i++) {
    assert_true(tl_col_null(end, i));
    assert_int_equal(tl_col_date(end, i), TL_DATE_NONE);
  }
  const tl_column *quota = &p->cols[tl_ldg_col(p, "quota")];
  assert_dec(tl_col_dec(quota, 0), "400000");
  assert_true(tl_col_null(quota, 1));
  assert_dec(tl_col_dec(quota, 2), "0.5");
  assert_int_equal(tl_ldg_col(p, "extra"), -1);
  assert_null(p->cols[tl_ldg_col(p, "id")].isnull);

  assert_int_equal(d->nrows, 2);
  assert_int_equal(d->cols[1].v.ref[0], 0);
  assert_int_equal(d->cols[1].v.ref[1], 1);
  assert_int_equal(tl_col_date(&d->cols[2], 1), ymd(2026, 3, 31));
  assert_dec(tl_col_dec(&d->cols[3], 1), "-50.25");
  assert_dec(tl_ldg_amount(l, 0), "120000");
  assert_dec(tl_ldg_amount(l, 1), "-50.25");
  assert_string_equal(text(l, d, "currency", 1), "USD");
  assert_true(tl_col_null(&d->cols[4], 0));
  assert_string_equal(text(l, d, "currency", 0), "");
  assert_int_equal(tl_col_date(&d->cols[6], 1), ymd(2026, 4, 2));
  for (int t = TL_TB_SPLITS; t < TL_TB_COUNT; t++) {
    assert_false(l->t[t].loaded);
    assert_int_equal(l->t[t].nrows, 0);
    assert_null(l->t[t].file);
    assert_int_equal(l->t[t].ncols, 3);
  }
  uint32_t first;
  assert_int_equal(tl_ldg_splits_of(l, 0, &first), 0);
  assert_int_equal(tl_ldg_splits_of(l, 1, &first), 0);
  tl_ldg_free(l);
}

static void test_types(void **state) {
  input in = {
    .payees = roster,
    .deals = "id,owner,closed,amount,won,rate,units\n"
             "T1,ann,2026-01-01,1,TRUE,12.5%,3\n"
             "T2,ann,2026-01-01,1,no,0.125,-0.5\n"
             "T3,ann,2026-01-01,1,Yes,-3%,0\n"
             "T4,ann,2026-01-01,1,0,100%,1.000000001\n"
             "T5,ann,2026-01-01,1,1,0.0000001%,7\n"
             "T6,ann,2026-01-01,1,,,8\n",
    .deals_spec = &typed_spec,
  };
  tl_ledger *l = build_ok(&in);
  const tl_table *d = &l->t[TL_TB_DEALS];
  const tl_column *won = &d->cols[4], *rate = &d->cols[5], *units = &d->cols[6];
  static const uint8_t want_won[] = { 1, 0, 1, 0, 1, 0 };
  static const char *const want_rate[] = { "0.125", "0.125", "-0.03", "1", "0.000000001", "0" };
  static const char *const want_units[] = { "3", "-0.5", "0", "1.000000001", "7", "8" };
  for (uint32_t i = 0; i < 6; i++) {
    assert_int_equal(won->v.b[i], want_won[i]);
    assert_dec(tl_col_dec(rate, i), want_rate[i]);
    assert_dec(tl_col_dec(units, i), want_units[i]);
  }
  assert_true(tl_col_null(won, 5));
  assert_true(tl_col_null(rate, 5));
  assert_false(tl_col_null(won, 4));
  tl_ldg_free(l);
}

/* Decimal cells as a plain row reads them a word at a time (up to 8 digits
** either side of the point, with 16 bytes of the file after the cell) and as
** tl_dec_parse does, past that: both must give what tl_dec_parse gives. */
static void test_plain_decimals(void **state) {
  (void)state;
  static const char *const cells[][2] = {
    { "1", "1" }, { "12345678", "12345678" }, { "123456789", "123456789" },
    { "99999999.99999999", "99999999.99999999" }, { "0.00000001", "0.00000001" },
    { "1.123456789", "1.123456789" }, { "-0", "0" }, { "-0.5", "-0.5" }, { "+3.25", "3.25" },
    { "00000007.10000000", "7.1" }, { "12345678.9", "12345678.9" }, { "9.87654321", "9.87654321" },
    { "-12345678.12345678", "-12345678.12345678" }, { "1234567890.5", "1234567890.5" },
  };
  static const char *const rates[][2] = {
    { "50%", "0.5" }, { "12.5%", "0.125" }, { "0.3334", "0.3334" }, { "-3%", "-0.03" },
    { "99999999.99%", "999999.9999" }, { "100%", "1" }, { "1", "1" },
  };
  enum { N = sizeof cells / sizeof cells[0], R = sizeof rates / sizeof rates[0] };
  char deals[4096] = "id,owner,closed,amount,won,rate,units\n";
  for (int i = 0; i < N; i++)
    sprintf(deals + strlen(deals), "T%02d,ann,2026-01-01,%s,,%s,%s\n", i, cells[i][0],
            rates[i % R][0], cells[N - 1 - i][0]);
  strcat(deals, "T99,ann,2026-01-01,1,,,1\n");   /* bytes after the last cells */
  input in = { .payees = roster, .deals = deals, .deals_spec = &typed_spec };
  tl_ledger *l = build_ok(&in);
  const tl_table *d = &l->t[TL_TB_DEALS];
  for (uint32_t i = 0; i < N; i++) {
    assert_dec(tl_col_dec(&d->cols[3], i), cells[i][1]);
    assert_dec(tl_col_dec(&d->cols[5], i), rates[i % R][1]);
    assert_dec(tl_col_dec(&d->cols[6], i), cells[N - 1 - i][1]);
  }
  tl_ldg_free(l);
  /* what looks like a number to a word at a time but is not one */
  in.deals = "id,owner,closed,amount,won,rate,units\n"
             "B1,ann,2026-01-01,1.2.3,,,1\n"
             "B2,ann,2026-01-01,1..2,,,1\n"
             "B3,ann,2026-01-01,5.,,,1\n"
             "B4,ann,2026-01-01,.5,,,1\n"
             "B5,ann,2026-01-01,1:2,,,1\n"
             "B6,ann,2026-01-01,12/4,,,1\n"
             "B7,ann,2026-01-01,1.5:,,,1\n"
             "B8,ann,2026-01-01,-+1,,,1\n"
             "B9,ann,2026-01-01,1,,5%%,1\n"
             "C1,ann,2026-01-01,1,,,1.0000000001\n"
             "C2,ann,2026-01-01,1,,,1\n";
  assert_string_equal(errors_of(&in),
    "deals.csv:2:19: error: column \"amount\": \"1.2.3\" is not a plain decimal\n"
    "deals.csv:3:19: error: column \"amount\": \"1..2\" is not a plain decimal\n"
    "deals.csv:4:19: error: column \"amount\": \"5.\" is not a plain decimal\n"
    "deals.csv:5:19: error: column \"amount\": \".5\" is not a plain decimal\n"
    "deals.csv:6:19: error: column \"amount\": \"1:2\" is not a plain decimal\n"
    "deals.csv:7:19: error: column \"amount\": \"12/4\" is not a plain decimal\n"
    "deals.csv:8:19: error: column \"amount\": \"1.5:\" is not a plain decimal\n"
    "deals.csv:9:19: error: column \"amount\": \"-+1\" is not a plain decimal\n"
    "deals.csv:10:22: error: column \"rate\": \"5%%\" is not a percent (12.5% or 0.125)\n"
    "deals.csv:11:23: error: column \"units\": \"1.0000000001\" has more than 9 decimal places\n");
}

static void test_type_errors(void **state) {
  input in = {
    .payees = roster,
    .deals = "id,owner,closed,amount,won,rate,units\n"
             "T1,ann,2026-01-01,1,maybe,1%,1\n"
             "T2,ann,2026-01-01,1,true,12.12345678%,1\n"
             "T3,ann,2026-01-01,1,true,0.1234567891,1\n"
             "T4,ann,2026-01-01,1,true,12.5 %,1\n"
             "T5,ann,2026-01-01,1,true,abc,1\n"
             "T6,ann,2026-01-01,1,true,1%,\n"
             "T7,ann,2026-01-01,1,true,1%,12%\n",
    .deals_spec = &typed_spec,
  };
  assert_string_equal(errors_of(&in),
    "deals.csv:2:21: error: column \"won\": \"maybe\" is not a bool (true/false, yes/no, 1/0)\n"
    "deals.csv:3:26: error: column \"rate\": \"12.12345678%\" has more than 7 decimal places\n"
    "deals.csv:4:26: error: column \"rate\": \"0.1234567891\" has more than 9 decimal places\n"
    "deals.csv:5:26: error: column \"rate\": \"12.5 %\" is not a percent (12.5% or 0.125)\n"
    "deals.csv:6:26: error: column \"rate\": \"abc\" is not a percent (12.5% or 0.125)\n"
    "deals.csv:7:29: error: column \"units\" is empty\n"
    "deals.csv:8:29: error: column \"units\": \"12%\" is not a plain decimal: "
    "only percent columns take a percent sign\n");
}

/* ---- cell errors --------------------------------------------------------- */

static void test_value_errors(void **state) {
  input in = {
    .payees = roster,
    .deals = "id,owner,closed,amount\n"
             "D1,ann,2026-13-01,1\n"
             "D2,ann,1/5/2026,1\n"
             "D3,ann,2026-01-01,\"1,200.00\"\n"
             "D4,ann,2026-01-01,$1200\n"
             "D5,ann,2026-01-01,\xE2\x82\xAC" "12\n"
             "D6,ann,2026-01-01, 12\n"
             "D7,ann,2026-01-01,\"12,5\"\n"
             "D8,ann,2026-01-01,5_000\n"
             "D9,ann,2026-01-01,(100)\n"
             "D10,ann,2026-01-01,1.0000000001\n"
             "D11,ann,2026-01-01,1e5\n"
             "D12,ann,2026-01-01,EUR 100\n"
             "D13,ann,2026-01-01,100USD\n"
             "D14,ann,2026-01-01,999999999999999999999999999999\n"
             "D15,ann,2026-01-01,\n"
             "D16,bobby,2026-01-01,1\n"
             "D17,,2026-01-01,1\n"
             "D18,ann,2026-01-01,\"1,2,3\"\n",
  };
  assert_string_equal(errors_of(&in),
    "deals.csv:2:8: error: column \"closed\": \"2026-13-01\" is not a date (YYYY-MM-DD)\n"
    "deals.csv:3:8: error: column \"closed\": \"1/5/2026\" is not a date (YYYY-MM-DD)\n"
    "deals.csv:4:19: error: column \"amount\": \"1,200.00\" is not a plain decimal: "
    "remove the thousands separator\n"
    "deals.csv:5:19: error: column \"amount\": \"$1200\" is not a plain decimal: "
    "remove the currency symbol\n"
    "deals.csv:6:19: error: column \"amount\": \"\xE2\x82\xAC" "12\" is not a plain decimal: "
    "remove the currency symbol\n"
    "deals.csv:7:19: error: column \"amount\": \" 12\" is not a plain decimal: remove the spaces\n"
    "deals.csv:8:19: error: column \"amount\": \"12,5\" is not a plain decimal: "
    "use a point as the decimal separator\n"
    "deals.csv:9:19: error: column \"amount\": \"5_000\" is not a plain decimal: "
    "remove the underscores\n"
    "deals.csv:10:19: error: column \"amount\": \"(100)\" is not a plain decimal: "
    "write a negative amount with a minus sign\n"
    "deals.csv:11:20: error: column \"amount\": \"1.0000000001\" has more than 9 decimal places\n"
    "deals.csv:12:20: error: column \"amount\": \"1e5\" is not a plain decimal\n"
    "deals.csv:13:20: error: column \"amount\": \"EUR 100\" is not a plain decimal: "
    "remove the currency code\n"
    "deals.csv:14:20: error: column \"amount\": \"100USD\" is not a plain decimal: "
    "remove the currency code\n"
    "deals.csv:15:20: error: column \"amount\": \"999999999999999999999999999999\" is too large\n"
    "deals.csv:16:20: error: column \"amount\" is empty\n"
    "deals.csv:17:5: error: column \"owner\": unknown payee \"bobby\"\n"
    "deals.csv:18:5: error: column \"owner\" is empty\n"
    "deals.csv:19:20: error: column \"amount\": \"1,2,3\" is not a plain decimal\n");
}

/* Values are quoted with escapes and cut when long, so a message is one line. */
static void test_value_quoting(void **state) {
  input in = {
    .payees = roster,
    .deals = "id,owner,closed,amount\n"
             "D1,ann,\"a\tb\"\"c\\d\ne\",1\n"
             "D2,ann,2026-01-01,12345678901234567890123456789012345678901234567890xyz\n"
             "D3,ann,2026-01-01,1234567890123456789012345678901234567890123456\xC3\xA4\xC3\xA4\n",
  };
  assert_string_equal(errors_of(&in),
    "deals.csv:2:8: error: column \"closed\": \"a\\tb\\\"c\\\\d\\ne\" is not a date (YYYY-MM-DD)\n"
    "deals.csv:4:19: error: column \"amount\": "
    "\"123456789012345678901234567890123456789012345678...\" is not a plain decimal\n"
    "deals.csv:5:19: error: column \"amount\": "
    "\"1234567890123456789012345678901234567890123456\xC3\xA4...\" is not a plain decimal\n");
}

/* ---- table shape --------------------------------------------------------- */

static void test_schema_errors(void **state) {
  input in = {
    .payees = "id,role,Name,role\nann,AE,Ann,AE\nbob,AE\nbo,AE,Bo,x,extra\n",
    .deals = "id,owner,Amount,currency\nD1,ann,1,\n",
  };
  assert_string_equal(errors_of(&in),
    "payees.csv:1:14: error: duplicate column \"role\"\n"
    "payees.csv:3:1: error: row has 2 fields, the header has 4\n"
    "payees.csv:4:1: error: row has 5 fields, the header has 4\n"
    "deals.csv:1:1: error: missing required column \"closed\"\n"
    "deals.csv:1:1: error: missing required column \"amount\" "
    "(found \"Amount\": column names are case-sensitive)\n");
  in.payees = roster;
  in.deals = "id,owner,closed,amount\n\"D1\",\"ann\"\nD2,ann,2026-01-01,1\n";
  assert_string_equal(errors_of(&in), "deals.csv:2:1: error: row has 2 fields, the header has 4\n");
  in.deals = "id,owner,closed,amount\nD1\n";
  assert_string_equal(errors_of(&in), "deals.csv:2:1: error: row has 1 field, the header has 4\n");
}

static void test_no_header(void **state) {
  input in = { .payees = roster, .deals = "\n\r\n" };
  assert_string_equal(errors_of(&in), "deals.csv: error: no header row\n");
  in.deals = "";
  assert_string_equal(errors_of(&in), "deals.csv: error: no header row\n");
}

static void test_duplicate_ids(void **state) {
  input in = {
    .payees = "id,role\nann,AE\nbob,AE\nann,AE\n",
    .deals = "id,owner,closed,amount\nD-7,ann,2026-01-01,1\nD-8,bob,2026-01-01,1\n"
             "D-7,ann,2026-01-02,2\n",
    .splits = "deal,payee,share\nD-7,ann,100%\n",
  };
  assert_string_equal(errors_of(&in),
    "payees.csv:4:1: error: duplicate id \"ann\" (first on line 2)\n"
    "deals.csv:4:1: error: duplicate id \"D-7\" (first on line 2)\n");
}

static void test_unknown_manager(void **state) {
  input in = {
    .payees = "id,role,manager\nann,AE,boss\nbob,AE,ann\nboss,VP,nobody\n",
    .deals = "id,owner,closed,amount\n",
  };
  assert_string_equal(errors_of(&in),
    "payees.csv:4:9: error: column \"manager\": unknown payee \"nobody\"\n");
}

static void test_csv_syntax_errors(void **state) {
  input in = {
    .payees = roster,
    .deals = "id,owner,closed,amount\n"
             "D1,ann,2026-01-01,\"1\"x\n"
             "D2,ann,2026-01-01,1\n"
             "D3,\"ann,2026-01-01,1\n",
  };
  assert_string_equal(errors_of(&in),
    "deals.csv:2:22: error: unexpected character after closing quote\n"
    "deals.csv:4:4: error: unterminated quoted field\n");
  /* A broken header: no row can be read, but later syntax errors still show. */
  in.deals = "id,owner\"x,closed,amount\nD1,ann,2026-13-01,1\nD2,a\"b,x,y\n";
  assert_string_equal(errors_of(&in),
    "deals.csv:1:9: error: quote in the middle of an unquoted field\n"
    "deals.csv:3:5: error: quote in the middle of an unquoted field\n");
}

/* Missing or broken key columns stop references into the table from being
** checked, so one mistake gives one message. */
static void test_no_cascade(void **state) {
  input in = {
    .payees = "ID,role\nann,AE\n",
    .deals = "id,owner,closed,amount\nD1,ann,2026-01-01,1\n",
    .splits = "deal,payee,share\nD1,ann,100%\n",
    .quotas = "payee,period,amount\nann,2026-Q1,1\n",
  };
  assert_string_equal(errors_of(&in),
    "payees.csv:1:1: error: missing required column \"id\" "
    "(found \"ID\": column names are case-sensitive)\n");
  in.payees = roster;
  in.deals = "id,owner,closed,amount,currency\nD1,ann,2026-01-01,1,EUR\n";
  in.fx = "currency,from\nEUR,2026-01-01\n";
  assert_string_equal(errors_of(&in), "fx.csv:1:1: error: missing required column \"rate\"\n");
}

/* Each table may be skipped; references into a skipped table are errors. */
static void test_skipped_tables(void **state) {
  input in = { .deals = "id,owner,closed,amount\nD1,ann,2026-01-01,1\n" };
  assert_string_equal(errors_of(&in),
    "deals.csv:2:4: error: column \"owner\": unknown payee \"ann\"\n");
  input none = { 0 };
  tl_ledger *l = build_ok(&none);
  assert_false(l->t[TL_TB_PAYEES].loaded);
  assert_int_equal(l->t[TL_TB_DEALS].nrows, 0);
  assert_int_equal(l->t[TL_TB_DEALS].ncols, 7);
  tl_ldg_free(l);
}

static void test_error_limit(void **state) {
  input in = {
    .payees = roster,
    .deals = "id,owner,closed,amount\n"
             "D1,ann,x,1\nD2,ann,x,1\nD3,ann,x,1\nD4,ann,x,1\nD5,ann,x,1\n",
    .max_errors = 3,
  };
  assert_string_equal(errors_of(&in),
    "deals.csv:2:8: error: column \"closed\": \"x\" is not a date (YYYY-MM-DD)\n"
    "deals.csv:3:8: error: column \"closed\": \"x\" is not a date (YYYY-MM-DD)\n"
    "deals.csv:4:8: error: column \"closed\": \"x\" is not a date (YYYY-MM-DD)\n"
    "2 more errors not shown\n");
}

/* Sources other than CSV feed cells directly; a SQL NULL is an empty cell and
** a column of 0 gives a message naming just the row. */
static void test_direct_cells(void **state) {
  tl_cal_init(&cal, ymd(2026, 1, 1), ymd(2026, 12, 31), TL_PERIOD_QUARTER);
  tl_ldg_opts o = { &payees_spec, &deals_spec, "USD", &cal, 0, 1, 0, false, TL_HAND_WHEN_DONE, NULL };
  tl_diags *d = tl_diags_new();
  tl_ldg_builder *b = tl_ldg_begin(&o, d);
  tl_ldg_cell ph[] = { { "id", 2, 0, 0, false }, { "role", 4, 0, 0, false } };
  tl_ldg_cell p1[] = { { "ann", 3, 1, 0, false }, { NULL, 0, 1, 0, true } };
  tl_ldg_table(b, TL_TB_PAYEES, "ledger.db", ph, 2);
  tl_ldg_row(b, 1, p1, 2);
  tl_ldg_cell dh[] = {
    { "id", 2, 0, 0, false }, { "owner", 5, 0, 0, false }, { "closed", 6, 0, 0, false },
    { "amount", 6, 0, 0, false }, { "product", 7, 0, 0, false },
  };
  tl_ldg_cell d1[] = {
    { "D1", 2, 7, 0, false }, { "ann", 3, 7, 0, false }, { "2026-05-01", 10, 7, 0, false },
    { "10", 2, 7, 0, false }, { NULL, 0, 7, 0, true },
  };
  tl_ldg_table(b, TL_TB_DEALS, "ledger.db", dh, 5);
  tl_ldg_row(b, 7, d1, 5);
  tl_ledger *l = tl_ldg_finish(b);
  assert_null(l);
  size_t len;
  FILE *f = open_memstream(&out, &len);
  tl_diag_print(d, f, TL_DIAG_TEXT);
  fclose(f);
  assert_string_equal(out, "ledger.db:1: error: column \"role\" is empty\n");
  tl_diags_free(d);
}

/* ---- fx ------------------------------------------------------------------ */

/* Decimal columns are 64-bit until a value does not fit: then the whole
** column is 128-bit (ledger.h, tl_column.wide), the values before it kept.
** 9,223,372,036.854775807 is the largest 64-bit amount; EUR 9e9 at 1.1 is
** wide only once converted. */
static void test_wide_amounts(void **state) {
  input in = {
    .payees = roster,
    .fx = "currency,from,rate\nEUR,2026-01-01,1.1\n",
    .deals = "id,owner,closed,amount,currency\n"
             "D1,ann,2026-02-15,1.5,\n"
             "D2,ann,2026-02-15,-9223372036.854775807,\n"
             "D3,ann,2026-02-15,0.000000001,\n",
  };
  tl_ledger *l = build_ok(&in);
  assert_false(l->t[TL_TB_DEALS].cols[3].wide);
  assert_false(l->t[TL_TB_PAYEES].cols[tl_ldg_col(&l->t[TL_TB_PAYEES], "quota")].wide);
  assert_dec(tl_ldg_amount(l, 1), "-9223372036.854775807");
  tl_ldg_free(l);
  in.deals = "id,owner,closed,amount,currency\n"
             "D1,ann,2026-02-15,1.5,\n"
             "D2,bob,2026-02-15,-7.25,USD\n"
             "D3,ann,2026-02-15,12345678901234.123456789,\n"
             "D4,ann,2026-02-15,0.000000001,\n";
  l = build_ok(&in);
  assert_true(l->t[TL_TB_DEALS].cols[3].wide);
  static const char *const want[] = { "1.5", "-7.25", "12345678901234.123456789", "0.000000001" };
  for (int i = 0; i < 4; i++) assert_dec(tl_ldg_amount(l, (uint32_t)i), want[i]);
  tl_ldg_free(l);
  in.deals = "id,owner,closed,amount,currency\n"
             "D1,ann,2026-02-15,3.25,EUR\n"
             "D2,ann,2026-02-15,9000000000,EUR\n"
             "D3,ann,2026-02-15,9000000000,USD\n";
  l = build_ok(&in);
  assert_true(l->t[TL_TB_DEALS].cols[3].wide);
  static const char *const conv[] = { "3.575", "9900000000", "9000000000" };
  for (int i = 0; i < 3; i++) assert_dec(tl_ldg_amount(l, (uint32_t)i), conv[i]);
  tl_ldg_free(l);
}

/* Dates are kept in 16 bits while they fall in 1970-01-01 to 2149-06-05
** (ledger.h, tl_column.wide); the first outside makes the column 32-bit,
** the dates before it kept, empty cells still empty. */
static void test_wide_dates(void **state) {
  input in = {
    .payees = "id,role,start\nann,AE,1970-01-01\nbob,AE,2149-06-05\ncy,AE,\nZed,AE,2026-01-01\n",
    .deals = "id,owner,closed,amount,cancelled\n"
             "D1,ann,2026-02-15,1,\n"
             "D2,ann,2026-03-15,1,2149-06-05\n",
  };
  tl_ledger *l = build_ok(&in);
  const tl_table *p = &l->t[TL_TB_PAYEES], *d = &l->t[TL_TB_DEALS];
  const tl_column *start = &p->cols[tl_ldg_col(p, "start")];
  assert_false(start->wide);
  assert_int_equal(tl_col_date(start, 0), 0);
  assert_int_equal(tl_col_date(start, 1), ymd(2149, 6, 5));
  assert_int_equal(tl_col_date(start, 2), TL_DATE_NONE);
  assert_false(d->cols[6].wide);
  assert_int_equal(tl_col_date(&d->cols[6], 0), TL_DATE_NONE);
  assert_int_equal(tl_col_date(&d->cols[6], 1), ymd(2149, 6, 5));
  tl_ldg_free(l);
  in.payees = "id,role,start\nann,AE,1970-01-01\nbob,AE,\ncy,AE,1969-12-31\nZed,AE,2026-01-01\n";
  in.deals = "id,owner,closed,amount,cancelled\n"
             "D1,ann,2026-02-15,1,\n"
             "D2,ann,2026-03-15,1,2149-06-06\n"
             "D3,ann,0001-01-01,1,\n"
             "D4,ann,9999-12-31,1,2026-04-01\n";
  l = build_ok(&in);
  p = &l->t[TL_TB_PAYEES];
  d = &l->t[TL_TB_DEALS];
  start = &p->cols[tl_ldg_col(p, "start")];
  assert_true(start->wide && d->cols[2].wide && d->cols[6].wide);
  static const int want_start[4][3] = { { 1970, 1, 1 }, { 0 }, { 1969, 12, 31 }, { 2026, 1, 1 } };
  for (uint32_t i = 0; i < 4; i++)
    assert_int_equal(tl_col_date(start, i), want_start[i][0] ? ymd(want_start[i][0],
                     want_start[i][1], want_start[i][2]) : TL_DATE_NONE);
  static const int want_closed[4][3] = {
    { 2026, 2, 15 }, { 2026, 3, 15 }, { 1, 1, 1 }, { 9999, 12, 31 }
  };
  for (uint32_t i = 0; i < 4; i++)
    assert_int_equal(tl_col_date(&d->cols[2], i),
                     ymd(want_closed[i][0], want_closed[i][1], want_closed[i][2]));
  assert_int_equal(tl_col_date(&d->cols[6], 0), TL_DATE_NONE);
  assert_int_equal(tl_col_date(&d->cols[6], 1), ymd(2149, 6, 6));
  assert_int_equal(tl_col_date(&d->cols[6], 2), TL_DATE_NONE);
  assert_int_equal(tl_col_date(&d->cols[6], 3), ymd(2026, 4, 1));
  tl_ldg_free(l);
}

static void test_fx_conversion(void **state) {
  input in = {
    .payees = roster,
    .fx = "currency,from,rate\n"
          "EUR,2026-03-01,1.2\n"
          "GBP,2026-01-01,1.25\n"
          "EUR,2025-12-01,1.0857\n"
          "EUR,2027-01-01,9\n",
    .deals = "id,owner,closed,amount,currency\n"
             "E1,ann,2026-02-15,100.00,EUR\n"
             "E2,ann,2026-03-01,100.00,EUR\n"
             "E3,ann,2026-12-31,-10,EUR\n"
             "E4,ann,2025-12-31,100,EUR\n"
             "G1,bob,2026-06-30,0.333333333,GBP\n"
             "U1,bob,2026-06-30,55.5,USD\n"
             "N1,bob,2026-06-30,7,\n"
             "J1,bob,2027-01-01,1000,JPY\n",
  };
  tl_ledger *l = build_ok(&in);
  static const char *const want[] = {
    "108.57", "120", "-12", "100", "0.416666666", "55.5", "7", "1000"
  };
  for (int i = 0; i < 8; i++) assert_dec(tl_ldg_amount(l, i), want[i]);
  assert_int_equal(l->amount_col, 3);   /* converted in place */
  const tl_table *fx = &l->t[TL_TB_FX];
  assert_int_equal(fx->nrows, 4);
  assert_string_equal(text(l, fx, "currency", 2), "EUR");
  assert_int_equal(tl_col_date(&fx->cols[1], 2), ymd(2025, 12, 1));
  assert_dec(tl_col_dec(&fx->cols[2], 2), "1.0857");
  tl_ldg_free(l);
}

static void test_fx_errors(void **state) {
  input in = {
    .payees = roster,
    .fx = "currency,from,rate\n"
          "EUR,2026-02-01,1.1\n"
          "CHF,2026-01-01,0\n"
          "SEK,2026-01-01,-0.1\n"
          "EUR,2026-02-01,1.2\n"
          "NOK,2026-01-01,abc\n",
    .deals = "id,owner,closed,amount,currency\n"
             "E1,ann,2026-01-05,1,EUR\n"
             "E2,ann,2026-02-05,1,EUR\n"
             "C1,ann,2026-03-01,1,CHF\n"
             "Y1,ann,2026-03-01,1,usd\n",
  };
  assert_string_equal(errors_of(&in),
    "fx.csv:3:16: error: column \"rate\": rate must be positive, not \"0\"\n"
    "fx.csv:4:16: error: column \"rate\": rate must be positive, not \"-0.1\"\n"
    "fx.csv:6:16: error: column \"rate\": \"abc\" is not a plain decimal\n"
    "fx.csv:5:1: error: duplicate rate for EUR from 2026-02-01 (first on line 2)\n"
    "deals.csv:2:21: error: no fx rate for EUR in force on 2026-01-05 (deal \"E1\")\n"
    "deals.csv:5:21: error: no fx rate for usd in force on 2026-03-01 (deal \"Y1\")\n");
  /* a later message about a row whose id was refused still names it */
  in.fx = "currency,from,rate\nEUR,2026-02-01,1.1\n";
  in.deals = "id,owner,closed,amount,currency\n"
             "E1,ann,2026-02-05,1,EUR\n"
             "E1,ann,2026-01-05,1,EUR\n"
             ",ann,2026-01-05,1,EUR\n";
  assert_string_equal(errors_of(&in),
    "deals.csv:3:1: error: duplicate id \"E1\" (first on line 2)\n"
    "deals.csv:3:21: error: no fx rate for EUR in force on 2026-01-05 (deal \"E1\")\n"
    "deals.csv:4:1: error: column \"id\" is empty\n"
    "deals.csv:4:19: error: no fx rate for EUR in force on 2026-01-05 (deal \"\")\n");
  in.fx = NULL;
  in.deals = "id,owner,closed,amount,currency\nE1,ann,2026-01-05,1,EUR\n";
  assert_string_equal(errors_of(&in),
    "deals.csv:2:21: error: no fx rate for EUR in force on 2026-01-05 (deal \"E1\")\n");
  in.fx = "currency,from,rate\nEUR,2026-01-01,1000000000000000000000\n";
  in.deals = "id,owner,closed,amount,currency\nE1,ann,2026-01-05,1000000000000,EUR\n";
  assert_string_equal(errors_of(&in),
    "deals.csv:2:19: error: column \"amount\": \"1000000000000\" converted to USD is too large\n");
}

/* ---- splits -------------------------------------------------------------- */

static const char three_deals[] = "id,owner,closed,amount\n"
                                  "D1,ann,2026-01-01,100\n"
                                  "D2,ann,2026-01-01,100\n"
                                  "D3,ann,2026-01-01,100\n";

/* A split row as the finished ledger holds it. */
typedef struct split_row { int32_t deal, payee; uint32_t line; const char *share; } split_row;

static void splits_are(const tl_ledger *l, const split_row *rows, uint32_t n) {
  const tl_table *s = &l->t[TL_TB_SPLITS];
  assert_int_equal(s->nrows, n);
  for (uint32_t i = 0; i < n; i++) {
    assert_int_equal(s->cols[0].v.ref[i], rows[i].deal);
    assert_int_equal(s->cols[1].v.ref[i], rows[i].payee);
    assert_int_equal(tl_ldg_line(s, i), rows[i].line);
    assert_dec(tl_col_dec(&s->cols[2], i), rows[i].share);
    assert_false(tl_col_null(&s->cols[0], i));
  }
}

static void test_splits(void **state) {
  input in = {
    .payees = roster,
    .deals = three_deals,
    .splits = "deal,payee,share\n"
              "D2,cy,25%\n"
              "D3,bob,100%\n"
              "D2,ann,0.5\n"
              "D2,Zed,12.5%\n"
              "D2,bob,12.5%\n",
  };
  tl_ledger *l = build_ok(&in);
  static const split_row rows[] = {   /* Zed, ann, bob, cy: byte order */
    { 1, 3, 5, "0.125" }, { 1, 0, 4, "0.5" }, { 1, 1, 6, "0.125" }, { 1, 2, 2, "0.25" },
    { 2, 1, 3, "1" },
  };
  splits_are(l, rows, 5);
  uint32_t first;
  assert_int_equal(tl_ldg_splits_of(l, 0, &first), 0);
  assert_int_equal(tl_ldg_splits_of(l, 1, &first), 4);
  assert_int_equal(first, 0);
  assert_int_equal(tl_ldg_splits_of(l, 2, &first), 1);
  assert_int_equal(first, 4);
  tl_ldg_free(l);
}

/* Splits grouped by deal, in deal order, but not by payee within a deal
** (how exports list them): each deal's rows are checked and put in payee
** order where they are. */
static void test_splits_grouped(void **state) {
  input in = {
    .payees = roster,
    .deals = three_deals,
    .splits = "deal,payee,share\n"
              "D1,cy,25%\n"
              "D1,ann,75%\n"
              "D2,bob,100%\n"
              "D3,cy,50%\n"
              "D3,Zed,25%\n"
              "D3,ann,25%\n",
  };
  tl_ledger *l = build_ok(&in);
  static const split_row rows[] = {   /* ann, cy; bob; Zed, ann, cy */
    { 0, 0, 3, "0.75" }, { 0, 2, 2, "0.25" }, { 1, 1, 4, "1" }, { 2, 3, 6, "0.25" },
    { 2, 0, 7, "0.25" }, { 2, 2, 5, "0.5" },
  };
  splits_are(l, rows, 6);
  tl_ldg_free(l);
  /* and their errors, a payee twice apart from each other */
  input bad = {
    .payees = roster,
    .deals = in.deals,
    .splits = "deal,payee,share\n"
              "D1,ann,50%\n"
              "D1,bob,40%\n"
              "D2,bob,50%\n"
              "D2,ann,25%\n"
              "D2,bob,25%\n"
              "D3,cy,100%\n",
  };
  assert_string_equal(errors_of(&bad),
    "splits.csv:2:1: error: split shares of deal \"D1\" sum to 90%, not 100%\n"
    "splits.csv:6:4: error: deal \"D2\" is split to \"bob\" twice (first on line 4)\n");
  /* rows that move before they are reported: each message names the payee
  ** and the first line as read, not what is in those rows by then */
  input moved = {
    .payees = roster,
    .deals = in.deals,
    .splits = "deal,payee,share\n"
              "D1,ann,100%\n"
              "D2,bob,25%\n"
              "D2,bob,25%\n"
              "D2,ann,25%\n"
              "D2,ann,25%\n"
              "D3,cy,100%\n",
  };
  assert_string_equal(errors_of(&moved),
    "splits.csv:4:4: error: deal \"D2\" is split to \"bob\" twice (first on line 3)\n"
    "splits.csv:6:4: error: deal \"D2\" is split to \"ann\" twice (first on line 5)\n");
  /* cells after a quoted line break, on a later line than their row's
  ** first: their places are kept whole (splitfar; a worker's part gives
  ** such rows back to the main reader) */
  input far = {
    .payees = roster,
    .deals = in.deals,
    .splits = "note,deal,payee,share\n"
              "\"two\nlines\",D1,ann,50%\n"
              "x,D1,bob,40%\n"
              "y,D2,bob,50%\n"
              "\"a\nb\",D2,ann,25%\n"
              "\"c\nd\",D2,bob,25%\n"
              "z,D3,cy,100%\n",
  };
  assert_string_equal(errors_of(&far),
    "splits.csv:3:8: error: split shares of deal \"D1\" sum to 90%, not 100%\n"
    "splits.csv:9:7: error: deal \"D2\" is split to \"bob\" twice (first on line 5)\n");
}

static void test_split_errors(void **state) {
  input in = {
    .payees = roster,
    .deals = "id,owner,closed,amount\n"
             "W1,ann,2026-01-01,100\n"
             "W2,ann,2026-01-01,100\n"
             "W3,ann,2026-01-01,100\n"
             "W4,ann,2026-01-01,100\n"
             "W5,ann,2026-01-01,100\n"
             "W6,ann,2026-01-01,100\n",
    .splits = "deal,payee,share\n"
              "W3,bob,50%\n"
              "W1,ann,0.5\n"
              "W3,ann,49.99%\n"
              "W1,bob,0.4999\n"
              "W2,ann,100%\n"
              "W2,bob,50%\n"
              "W4,ann,60%\n"
              "W4,ann,40%\n"
              "W5,ann,0%\n"
              "W5,bob,150%\n"
              "W6,cy,50%\n"
              "W6,dan,50%\n"
              "W9,ann,100%\n",
  };
  assert_string_equal(errors_of(&in),
    "splits.csv:10:8: error: column \"share\": share must be more than 0% and at most 100%, "
    "not \"0%\"\n"
    "splits.csv:11:8: error: column \"share\": share must be more than 0% and at most 100%, "
    "not \"150%\"\n"
    "splits.csv:13:4: error: column \"payee\": unknown payee \"dan\"\n"
    "splits.csv:14:1: error: column \"deal\": unknown deal \"W9\"\n"
    "splits.csv:2:1: error: split shares of deal \"W3\" sum to 99.99%, not 100%\n"
    "splits.csv:3:1: error: split shares of deal \"W1\" sum to 99.99%, not 100%\n"
    "splits.csv:6:1: error: split shares of deal \"W2\" sum to 150%, not 100%\n"
    "splits.csv:9:4: error: deal \"W4\" is split to \"ann\" twice (first on line 8)\n");
}

/* ---- quotas -------------------------------------------------------------- */

static void test_quotas(void **state) {
  input in = {
    .payees = roster,
    .deals = "id,owner,closed,amount\n",
    .quotas = "payee,period,amount\nbob,2026-Q2,50000\nann,2026-Q1,100000.5\nann,2026-Q2,0\n",
  };
  tl_ledger *l = build_ok(&in);
  const tl_table *q = &l->t[TL_TB_QUOTAS];
  assert_int_equal(q->nrows, 3);
  assert_int_equal(q->cols[0].v.ref[0], 1);
  assert_string_equal(text(l, q, "period", 1), "2026-Q1");
  assert_dec(tl_col_dec(&q->cols[2], 1), "100000.5");
  assert_int_equal(tl_ldg_line(q, 2), 4);
  tl_ldg_free(l);
}

static void test_quota_errors(void **state) {
  input in = {
    .payees = roster,
    .deals = "id,owner,closed,amount\n",
    .quotas = "payee,period,amount\n"
              "ann,2026-Q5,1\n"
              "ann,2026-03,1\n"
              "ann,2026-Q1,1\n"
              "bob,2026-Q1,1\n"
              "ann,2026-Q1,2\n"
              "eve,2026-Q1,1\n"
              "bob,2026-Q2,1k\n",
  };
  assert_string_equal(errors_of(&in),
    "quotas.csv:2:5: error: column \"period\": \"2026-Q5\" is not a period of the plan year "
    "(2026-Q1 \xE2\x80\xA6 2026-Q4)\n"
    "quotas.csv:3:5: error: column \"period\": \"2026-03\" is not a period of the plan year "
    "(2026-Q1 \xE2\x80\xA6 2026-Q4)\n"
    "quotas.csv:6:1: error: quota of \"ann\" for 2026-Q1 is given twice (first on line 4)\n"
    "quotas.csv:7:1: error: column \"payee\": unknown payee \"eve\"\n"
    "quotas.csv:8:13: error: column \"amount\": \"1k\" is not a plain decimal\n");
  in.periods = 1;
  in.quotas = "payee,period,amount\nann,2026,1\nann,2026-Q1,1\n";
  assert_string_equal(errors_of(&in),
    "quotas.csv:3:5: error: column \"period\": \"2026-Q1\" is not a period of the plan year "
    "(2026)\n");
  in.periods = 12;
  in.quotas = "payee,period,amount\nann,2026-12,1\nann,2027-01,1\n";
  assert_string_equal(errors_of(&in),
    "quotas.csv:3:5: error: column \"period\": \"2027-01\" is not a period of the plan year "
    "(2026-01 \xE2\x80\xA6 2026-12)\n");
}

/* ---- the directory loader ------------------------------------------------ */

static void write_file(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_load_dir(void **state) {
  char dir[] = "/tmp/tally-ledger-XXXXXX";
  assert_non_null(mkdtemp(dir));
  tl_cal_init(&cal, ymd(2026, 1, 1), ymd(2026, 12, 31), TL_PERIOD_QUARTER);
  tl_ldg_opts o = { &payees_spec, &deals_spec, "USD", &cal, 0, threads, part_min, general, hand, deals_read };
  tl_diags *d = tl_diags_new();
  char want[1024];
  size_t len;

  /* both required files missing; an optional one unreadable (a directory) */
  char sub[600];
  snprintf(sub, sizeof sub, "%s/splits.csv", dir);
  assert_int_equal(mkdir(sub, 0700), 0);
  assert_null(tl_ldg_load_csv_dir(dir, &o, d));
  FILE *f = open_memstream(&out, &len);
  tl_diag_print(d, f, TL_DIAG_TEXT);
  fclose(f);
  snprintf(want, sizeof want,
           "%s/payees.csv: error: cannot open file: No such file or directory\n"
           "%s/deals.csv: error: cannot open file: No such file or directory\n"
           "%s/splits.csv: error: cannot open file: Is a directory\n", dir, dir, dir);
  assert_string_equal(out, want);
  free(out);
  out = NULL;
  rmdir(sub);

  /* a good directory, named "." so the messages would carry bare names */
  tl_diag_clear(d);
  write_file(dir, "payees.csv", roster);
  write_file(dir, "deals.csv", "id,owner,closed,amount,currency\nD1,ann,2026-03-01,10,EUR\n");
  write_file(dir, "fx.csv", "currency,from,rate\nEUR,2026-01-01,1.5\n");
  char cwd[512];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(dir), 0);
  tl_ledger *l = tl_ldg_load_csv_dir(".", &o, d);
  assert_int_equal(tl_diag_count(d), 0);
  assert_non_null(l);
  assert_string_equal(l->t[TL_TB_DEALS].file, "deals.csv");
  assert_dec(tl_ldg_amount(l, 0), "15");
  assert_true(l->t[TL_TB_FX].loaded);
  assert_false(l->t[TL_TB_SPLITS].loaded);
  tl_ldg_free(l);

  write_file(dir, "quotas.csv", "payee,period,amount\nann,Q1,1\n");
  assert_null(tl_ldg_load_csv_dir(".", &o, d));
  f = open_memstream(&out, &len);
  tl_diag_print(d, f, TL_DIAG_TEXT);
  fclose(f);
  assert_string_equal(out,
    "quotas.csv:2:5: error: column \"period\": \"Q1\" is not a period of the plan year "
    "(2026-Q1 \xE2\x80\xA6 2026-Q4)\n");
  assert_int_equal(chdir(cwd), 0);

  static const char *const names[] = { "payees.csv", "deals.csv", "fx.csv", "quotas.csv" };
  for (int i = 0; i < 4; i++) {
    snprintf(sub, sizeof sub, "%s/%s", dir, names[i]);
    unlink(sub);
  }
  rmdir(dir);
  tl_diags_free(d);
}

/* ---- a big deals file on several threads --------------------------------- */

/* Everything a ledger holds of its deals, string ids included, and the
** messages, and the rows workers read. */
static char *print_load(const input *in, uint32_t *worker_rows) {
  tl_diags *d = tl_diags_new();
  tl_ledger *l = build(in, d);
  char *s;
  size_t len;
  FILE *f = open_memstream(&s, &len);
  tl_diag_print(d, f, TL_DIAG_TEXT);
  *worker_rows = l ? l->worker_rows : 0;
  if (l) {
    ledger_dump(f, l);
    const tl_table *t = &l->t[TL_TB_DEALS];
    for (uint32_t r = 0; r < t->nrows; r++)   /* every id is found again */
      if (tl_ldg_find(l, TL_TB_DEALS, tl_str_get(l->strs, tl_col_str(&t->cols[0], r), NULL))
          != (int32_t)r)
        fprintf(f, "row %u not found by its id\n", r);
  }
  fclose(f);
  tl_ldg_free(l);
  tl_diags_free(d);
  return s;
}

/* The load's messages and ledger as text, and the rows workers read: with
** the parts as planned (so that the tests can tell which were taken), and
** with parts handed over as workers are done and between any two blocks,
** which must give the same text. */
static char *fingerprint(const input *in, int nthreads, size_t min, uint32_t *worker_rows) {
  int t0 = threads;
  size_t m0 = part_min;
  bool g0 = general;
  threads = nthreads < 0 ? 1 : nthreads;   /* -1: one thread, the general path only */
  part_min = min;
  general = general || nthreads < 0;   /* set by the caller: the general path on threads too */
  hand = TL_HAND_NEVER;
  char *s = print_load(in, worker_rows);
  static const tl_ldg_hand modes[] = { TL_HAND_WHEN_DONE, TL_HAND_ALWAYS };
  for (size_t i = 0; threads > 1 && i < sizeof modes / sizeof *modes; i++) {
    uint32_t rows;
    hand = modes[i];
    char *handed = print_load(in, &rows);
    assert_string_equal(handed, s);
    free(handed);
  }
  threads = t0;
  part_min = m0;
  general = g0;
  hand = TL_HAND_WHEN_DONE;
  return s;
}

/* n deal rows; every 7th in EUR, products named by row so parts meet new
** strings, ids sorted (unless shuffled); then edit applied at row at. */
static char *deals_csv(int n, bool shuffled, int at, const char *edit) {
  static const char *const owners[] = { "ann", "bob", "cy", "Zed" };
  char *s;
  size_t len;
  FILE *f = open_memstream(&s, &len);
  fputs("id,owner,closed,amount,currency,product,cancelled\n", f);
  for (int i = 0; i < n; i++) {
    if (i == at) {
      fputs(edit, f);
      continue;
    }
    int k = shuffled ? (i * 7919) % n : i;
    fprintf(f, "D%05d,%s,2026-%02d-%02d,%d.%02d,%s,P%d,%s\n", k, owners[i % 4], 1 + i % 12,
            1 + i % 28, i * 37 % 5000, i % 100, i % 7 ? "" : "EUR", (n - i) / 50,
            i % 11 ? "" : "2026-12-31");
  }
  fclose(f);
  return s;
}

/* n deals split in two (every third in three), then edit applied at line
** at and edit2 at line at2. */
static char *splits_csv2(int n, int at, const char *edit, int at2, const char *edit2) {
  static const char *const payees[] = { "Zed", "ann", "bob", "cy" };
  char *s;
  size_t len;
  FILE *f = open_memstream(&s, &len);
  fputs("deal,payee,share\n", f);
  for (int i = 0, line = 2; i < n; i++) {
    const char *a = payees[i % 4], *b = payees[(i + 1) % 4], *c = payees[(i + 2) % 4];
    int k = i % 3 ? 2 : 3;
    for (int j = 0; j < k; j++, line++) {
      if (line == at) fputs(edit, f);
      else if (line == at2) fputs(edit2, f);
      else if (k == 2) fprintf(f, "D%05d,%s,%s\n", i, j ? a : b, j ? "40%" : "60%");
      else fprintf(f, "D%05d,%s,%s\n", i, j == 0 ? c : j == 1 ? a : b, j ? "0.25" : "0.5");
    }
  }
  fclose(f);
  return s;
}

static char *splits_csv(int n, int at, const char *edit) {
  return splits_csv2(n, at, edit, -1, "");
}

/* taken: rows the workers' parts gave at least (1 or more), none (0), or any
** number (-1). */
static void same_in_parts_split(const char *deals, const char *splits, int taken) {
  input in = { .payees = roster, .fx = "currency,from,rate\nEUR,2026-01-01,1.1\n",
               .deals = deals, .splits = splits };
  uint32_t w1, w3, wg;
  char *one = fingerprint(&in, 1, 0, &w1), *three = fingerprint(&in, 3, 256, &w3);
  char *slow = fingerprint(&in, -1, 0, &wg);
  assert_string_equal(one, three);
  assert_string_equal(one, slow);
  assert_int_equal(w1, 0);
  if (taken == 0) assert_int_equal(w3, 0);
  else if (taken > 0) assert_true(w3 >= (uint32_t)taken);
  free(one);
  free(three);
  free(slow);
}

static void same_in_parts(const char *deals, int taken) {
  same_in_parts_split(deals, NULL, taken);
}

/* A deals text column keeps string ids in 16 bits while they fit
** (tl_column.wide); past 65,534 strings in the table it is 32-bit, the
** cells before kept.  Here products are all distinct from row 10,000 on;
** on four threads the parts that would take the table past the limit are
** read again; every way gives the same ledger. */
static void test_wide_text(void **state) {
  enum { N = 80000 };
  char *d = malloc((size_t)N * 48 + 64), *o = d;
  o += sprintf(o, "id,owner,closed,amount,currency,product,cancelled\n");
  for (int i = 0; i < N; i++)
    o += sprintf(o, "D%06d,ann,2026-%02d-01,%d,%s,%s%d,\n", i, 1 + i % 12, i, i % 3 ? "" : "USD",
                 i < 10000 ? "Core" : "X", i < 10000 ? i % 2 : i);
  input in = { .payees = roster, .deals = d };
  tl_ledger *l = build_ok(&in);
  const tl_table *t = &l->t[TL_TB_DEALS];
  assert_true(t->cols[5].wide);
  assert_false(t->cols[4].wide);      /* the currency stays narrow */
  char want[16];
  for (uint32_t r = 0; r < N; r++) {
    snprintf(want, sizeof want, "%s%u", r < 10000 ? "Core" : "X", r < 10000 ? r % 2 : r);
    assert_string_equal(text(l, t, "product", r), want);
    assert_string_equal(text(l, t, "currency", r), r % 3 ? "" : "USD");
  }
  tl_ldg_free(l);
  same_in_parts(d, -1);
  free(d);
  /* below the limit it stays narrow */
  in.deals = "id,owner,closed,amount,product\nD1,ann,2026-01-01,1,Core\n";
  l = build_ok(&in);
  assert_false(l->t[TL_TB_DEALS].cols[5].wide);
  assert_string_equal(text(l, &l->t[TL_TB_DEALS], "product", 0), "Core");
  tl_ldg_free(l);
}

static void test_parts(void **state) {
  (void)state;
  tl_cal_init(&cal, ymd(2026, 1, 1), ymd(2026, 12, 31), TL_PERIOD_QUARTER);
  char *d;
  same_in_parts(d = deals_csv(600, false, -1, ""), 1);
  free(d);
  /* Windows line ends throughout */
  d = deals_csv(600, false, -1, "");
  char *crlf = malloc(strlen(d) * 2 + 1), *o = crlf;
  for (const char *q = d; *q; q++) {
    if (*q == '\n') *o++ = '\r';
    *o++ = *q;
  }
  *o = 0;
  same_in_parts(crlf, 1);
  /* and a byte-order mark before the header */
  char *bom = malloc(strlen(crlf) + 4);
  strcpy(bom, "\xEF\xBB\xBF");
  strcat(bom, crlf);
  same_in_parts(bom, 1);
  free(bom);
  free(crlf);
  free(d);
  /* unsorted ids: the parts' rows are dropped, read again, and found by hash */
  same_in_parts(d = deals_csv(600, true, -1, ""), 0);
  free(d);
  /* In the first part: a blank line or a quoted line break (each moves the
  ** lines after it: the parts are taken, on their lines); a short row, a
  ** duplicate id, a plain row given up (every part is read again). */
  static const int first_taken[] = { 1, 1, 0, 0, 0, 0, 0 };
  static const char *const first[] = {
    "\r\n\r\n", "D00030,ann,2026-01-01,1,,\"P\n\nx\",\n", "D00030,ann\n",
    "D00010,ann,2026-01-01,1,,P,\n",
    /* a plain row given up after interning new strings: the general path
    ** gives them the same ids */
    "D00030,ann,2026-01-01,1,USD,Pnew,2026-13-01\n", "D00010,ann,2026-01-01,1,USD,Pnew2,\n",
    "D00030,ann,2026-01-01,1,NEW,Pnew3,\n",
  };
  for (int i = 0; i < 7; i++) {
    same_in_parts(d = deals_csv(600, false, 30, first[i]), first_taken[i]);
    free(d);
  }
  /* An amount too large for 64 bits in the first part (the main reader's:
  ** it stops the workers and reads on itself) or the last (its worker gives
  ** up, and that part is read again): the same ledger as one thread's. */
  same_in_parts(d = deals_csv(600, false, 30, "D00030,ann,2026-01-01,90000000000000,,P,\n"), 0);
  free(d);
  same_in_parts(d = deals_csv(600, false, 500, "D00500,ann,2026-01-01,-90000000000000,EUR,P,\n"),
                -1);
  free(d);
  /* So does a date outside 16 bits' days (1970 to 2149), a close date in
  ** the first part and a cancellation in the last. */
  same_in_parts(d = deals_csv(600, false, 30, "D00030,ann,1969-12-31,1,,P,\n"), 0);
  free(d);
  same_in_parts(d = deals_csv(600, false, 500, "D00500,ann,2026-01-01,1,,P,2150-01-01\n"), -1);
  free(d);
  /* A bad cell or a missing rate in the first part: reported (the later
  ** parts are taken, but there is no ledger to show it). */
  same_in_parts(d = deals_csv(600, false, 3, "D00003,ann,2026-01-01,x,,P,\n"), -1);
  free(d);
  same_in_parts(d = deals_csv(600, false, 3, "D00003,ann,2026-01-01,1,GBP,P,\n"), -1);
  free(d);
  /* In the last part: a quote, a quoted line break, a bad date, a short row,
  ** a duplicate id, no rate; that part is read again, reported as from one
  ** thread. */
  static const char *const last[] = {
    "\"D00500\",ann,2026-01-01,1,,P,\n", "D00500,ann,2026-01-01,1,,\"P\n\n\n\nx\",\n",
    "D00500,ann,2026-13-01,1,,P,\n", "D00500,ann\n", "D00100,ann,2026-01-01,1,,P,\n",
    "D00500,ann,2026-01-01,1,GBP,P,\n", "\n\n",
  };
  for (int i = 0; i < 7; i++) {
    same_in_parts(d = deals_csv(600, false, 500, last[i]), -1);
    free(d);
  }
  /* splits: in parts, and with a bad share, an unknown deal, a payee twice, a
  ** quote or a short row in the first or the last part */
  d = deals_csv(600, false, -1, "");
  char *sp;
  same_in_parts_split(d, sp = splits_csv(600, -1, ""), 601);   /* more than deals */
  free(sp);
  static const char *const bad[] = {
    "D00001,ann,0.7\n", "D99999,ann,0.4\n", "D00001,bob,0.4\n", "\"D00001\",ann,0.4\n",
    "D00001,ann\n",
  };
  for (int i = 0; i < 5; i++) {
    same_in_parts_split(d, sp = splits_csv(600, 4, bad[i]), -1);
    free(sp);
    same_in_parts_split(d, sp = splits_csv(600, 1300, bad[i]), -1);
    free(sp);
  }
  free(d);
  /* 70,000 split rows, checked and put in order on two threads: the same
  ** ledger, and with a payee twice in each half, the same messages */
  d = deals_csv(30000, false, -1, "");
  same_in_parts_split(d, sp = splits_csv(30000, -1, ""), 1);
  free(sp);
  same_in_parts_split(d, sp = splits_csv2(30000, 4, "D00001,bob,0.4\n", 60000, "D25713,cy,0.4\n"),
                      -1);
  input big = { .payees = roster, .fx = "currency,from,rate\nEUR,2026-01-01,1.1\n", .deals = d,
                .splits = sp };
  assert_string_equal(errors_of(&big),
    "splits.csv:2:1: error: split shares of deal \"D00000\" sum to 75%, not 100%\n"
    "splits.csv:4:1: error: split shares of deal \"D00001\" sum to 140%, not 100%\n"
    "splits.csv:5:8: error: deal \"D00001\" is split to \"bob\" twice (first on line 4)\n"
    "splits.csv:59999:1: error: split shares of deal \"D25713\" sum to 115%, not 100%\n"
    "splits.csv:60000:8: error: deal \"D25713\" is split to \"cy\" twice (first on line 59999)\n");
  free(sp);
  free(d);
}

/* n deal rows whose product names are `in` bytes long in rows [lo, hi) and
** `out` bytes elsewhere. */
static char *deals_stripe(int n, int lo, int hi, int in, int out) {
  static char product[201];
  memset(product, 'P', 200);
  char *s;
  size_t len;
  FILE *f = open_memstream(&s, &len);
  fputs("id,owner,closed,amount,currency,product,cancelled\n", f);
  for (int i = 0; i < n; i++)
    fprintf(f, "D%05d,ann,2026-01-01,%d,,%.*s,\n", i, i, i >= lo && i < hi ? in : out, product);
  fclose(f);
  return s;
}

/* A worker writes its part's rows from a row estimated from the row length
** at both ends of each part before it; where rows in the middle are far from
** that, the parts are read again, and the ledger is still one thread's.
** Returns the rows the workers gave. */
static uint32_t stripe_parts(int lo, int hi, int in, int out) {
  input in_ = { .payees = roster };
  uint32_t w1, w2;
  char *d = deals_stripe(12000, lo, hi, in, out);
  in_.deals = d;
  char *one = fingerprint(&in_, 1, 0, &w1), *two = fingerprint(&in_, 2, 256, &w2);
  assert_string_equal(one, two);
  free(one);
  free(two);
  free(d);
  return w2;
}

static void test_parts_estimates(void **state) {
  (void)state;
  tl_cal_init(&cal, ymd(2026, 1, 1), ymd(2026, 12, 31), TL_PERIOD_QUARTER);
  /* rows of one length: the worker's part (a third of the file) is taken */
  assert_true(stripe_parts(0, 0, 0, 150) > 3900);
  /* short rows inside the main reader's part, long at both its ends: it
  ** reaches the worker's first row before its part ends, and drops it */
  assert_int_equal(stripe_parts(2000, 4000, 1, 150), 0);
  /* rows a little shorter in the second half, as when older deals carry
  ** more cells: the worker's part is estimated from its own rows, and taken */
  assert_true(stripe_parts(6000, 12000, 140, 150) > 4000);
  /* short rows inside the worker's part: it runs out of room, and its part
  ** is read again */
  assert_int_equal(stripe_parts(9000, 11000, 1, 150), 0);
  /* The general path, where each row is written once the next is read:
  ** the main reader's rows go past the worker's first row by one, then by
  ** two, ... as the stripe grows, row by row, over where its part stops
  ** being taken; at one of them the row written just before the part is
  ** the one that drops it. */
  bool g0 = general;
  general = true;
  uint32_t taken = 0, dropped = 0;
  for (int hi = 2270; hi <= 2320; hi++) {
    uint32_t w = stripe_parts(2000, hi, 1, 150);
    if (w) taken++;
    else dropped++;
  }
  assert_true(taken > 0 && dropped > 0);
  general = g0;
}

/* Payee ids of every length about the 7 bytes the payee index holds in
** its slots: each found, and ids one byte off are not. */
/* Text cells of plain rows go through a cache by their words (up to 15
** bytes): texts that share their first words must stay apart. */
static void test_text_lengths(void **state) {
  (void)state;
  static const char *const products[] = {
    "S", "Se", "Services", "ServicesX", "Services1", "ServicesXY", "ServicesXYZ12345",
    "ServicesXYZ1234", "ServicesXYZ1235", "Service", "Servicez", "Core", "Core ",
    "abcdefghijklmno", "abcdefghijklmnp", "Services", "S",
  };
  enum { N = sizeof products / sizeof products[0] };
  char deals[4096] = "id,owner,closed,amount,currency,product\n";
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < N; i++)
      sprintf(deals + strlen(deals), "D%d%02d,ann,2026-01-01,1,USD,%s\n", round, i, products[i]);
  input in = { .payees = roster, .deals = deals };
  tl_ledger *l = build_ok(&in);
  const tl_table *d = &l->t[TL_TB_DEALS];
  for (uint32_t r = 0; r < 3 * N; r++) assert_string_equal(text(l, d, "product", r), products[r % N]);
  tl_ldg_free(l);
}

/* ---- plain rows in blocks ------------------------------------------------ */

/* The text (messages, then every row, string ids included) of a load of in,
** through the plain rows and through the general path only; each to free. */
static void both_ways(const input *in, char **plain, char **general_text) {
  bool was = general;
  for (int k = 0; k < 2; k++) {
    general = k == 1;
    tl_diags *d = tl_diags_new();
    tl_ledger *l = build(in, d);
    *(k ? general_text : plain) = ledger_text(d, l);
    tl_ldg_free(l);
    tl_diags_free(d);
  }
  general = was;
}

/* Deals and splits with a row the plain path cannot take every few rows,
** of every kind it hands on, and in odd rounds rows with errors; in rounds
** 2 and 3 with 12 more columns than the ledger reads (more than the 16
** fields a block once had room for).  Each to free. */
static void blocks_csv(int round, char **deals_out, char **splits_out) {
  static const char *const odd[] = {
    "Q%d,bob,2026-02-03,\"1000\",USD,\"Wid,get\",",      /* quoted cells */
    "Q%d,cy,2026-03-04,9000000000,EUR,Core,",            /* widened by its conversion */
    "Q%d,ann,2026-04-05,1.123456789,,,2026-05-01",       /* nine decimals */
    "",                                                  /* a blank line */
    "Q%d,ann,2026-05-06,7,GBP,New product %d,",          /* a text never seen */
    "A%d,bob,2026-06-07,8,,,",                           /* ids out of order */
    "Q%d,ann,2026-07-08,9,USD,,",                        /* empty optional cells */
  };
  static const char *const bad[] = {
    "Q%d,nobody,2026-02-03,1,USD,Core,",                 /* an unknown owner */
    "Q%d,ann,2026-02-03,1.2.3,USD,Core,",                /* not a number */
    "Q%d,ann,,1,USD,Core,",                              /* a required cell empty */
    "D0005,ann,2026-02-03,1,USD,Core,",                  /* a duplicate id */
    "Q%d,ann,2026-02-03,1,JPY,Core,",                    /* no fx rate */
    "Q%d,ann,2026-02-03,1,USD,Core,2026-13-01",          /* not a date */
    "Q%d,ann,2026-02-03,1,USD,Core,,extra",              /* a cell too many */
  };
  const char *const more[] = { "", ",n1,n2,n3,n4,n5,n6,n7,n8,n9,n10,n11,n12" };
  int with_errors = round & 1;
  const char *extra = more[round >> 1];
  enum { ROWS = 400 };
  char *deals = malloc(ROWS * 112 + 128), *splits = malloc(ROWS * 40 + 64);
  char *d = deals + sprintf(deals, "id,owner,closed,amount,currency,product,cancelled%s\n",
                            extra);
  char *sp = splits + sprintf(splits, "deal,payee,share\n");
  const char *const cur[] = { "USD", "EUR", "GBP", "" };
  const char *const owner[] = { "ann", "bob", "cy", "Zed" };
  for (int i = 0; i < ROWS; i++) {
    if (i % 9 == 4 || (i % 23 == 11 && with_errors)) {
      const char *row = i % 9 == 4 ? odd[(i / 9) % 7] : bad[(i / 23) % 7];
      d += sprintf(d, row, 10000 + i, i);
      if (*row) d += sprintf(d, "%s", extra);
      *d++ = '\n';
      continue;
    }
    /* a run of amounts of 19 digits, too long for a block: the blocks
    ** after it look for one row, then two, four, ... (pwant) */
    bool wide = i >= 200 && i < 240;
    d += sprintf(d, "D%04d,%s,2026-%02d-%02d,%d%s.%02d%s,%s,%s,%s%s\n", i, owner[i % 4],
                 1 + i % 12, 1 + i % 28, 100 + i, wide ? "000000" : "", i % 100,
                 wide ? "0000007" : "", cur[i % 4], i % 3 ? "Core" : "Widget",
                 i % 10 == 0 ? "2026-12-01" : "", extra);
    if (i % 5 == 0) {           /* split two ways; one share out of range with errors */
      sp += sprintf(sp, "D%04d,ann,0.4\nD%04d,bob,%s\n", i, i,
                    with_errors && i % 35 == 0 ? "1.5" : "0.6");
    }
  }
  *d = 0;
  *sp = 0;
  *deals_out = deals;
  *splits_out = splits;
}

static const char blocks_fx[] = "currency,from,rate\nEUR,2025-01-01,1.1\nGBP,2025-01-01,1.25\n";

/* A run of plain rows is read in blocks, a column at a time (ledger.c,
** "plain rows in blocks"); the rows a block cannot take (here one in every
** few, of every kind the plain path hands on) end it, and must come out as
** the general path reads them: the same rows, string ids, nulls and lines,
** and the same messages in the same order. */
static void test_plain_blocks(void **state) {
  for (int round = 0; round < 4; round++) {
    int with_errors = round & 1;
    char *deals, *splits;
    blocks_csv(round, &deals, &splits);
    input in = { .payees = roster, .fx = blocks_fx, .deals = deals, .splits = splits };
    char *plain, *gen;
    both_ways(&in, &plain, &gen);
    assert_string_equal(plain, gen);
    if (getenv("SHOW")) fputs(plain, stderr);
    /* the load says what it read: rows without errors, messages with them */
    assert_non_null(strstr(plain, with_errors ? "error:" : "rows,"));
    if (!with_errors) assert_null(strstr(plain, "error:"));
    free(plain);
    free(gen);
    free(deals);
    free(splits);
  }
}

/* The load's messages as text, to free. */
static char *messages_of(tl_diags *d) {
  char *s;
  size_t len;
  FILE *f = open_memstream(&s, &len);
  tl_diag_print(d, f, TL_DIAG_TEXT);
  fclose(f);
  return s;
}

/* Deals columns a run never reads are checked but not kept (ledger.h,
** tl_column.unread): here the currency (which still converts each amount
** as it is read), the product and the cancellation date.  The load must
** say the same as with every column kept, message for message, and keep
** the same ids, owners, dates, amounts (converted) and splits; and its
** plain and general paths (on one thread and in parts: the test groups)
** must give the same ledger, string ids included. */
static void test_unread_columns(void **state) {
  static const bool read[7] = { true, true, true, true, false, false, false };
  for (int round = 0; round < 4; round++) {
    char *deals, *splits;
    blocks_csv(round, &deals, &splits);
    input in = { .payees = roster, .fx = blocks_fx, .deals = deals, .splits = splits };
    tl_diags *d0 = tl_diags_new(), *d1 = tl_diags_new();
    tl_ledger *all = build(&in, d0);
    deals_read = read;
    tl_ledger *some = build(&in, d1);
    char *m0 = messages_of(d0), *m1 = messages_of(d1);
    assert_string_equal(m1, m0);
    assert_true(!all == !some);
    assert_true((round & 1) == !some);   /* the rounds with errors load nothing */
    if (some) {
      const tl_table *a = &all->t[TL_TB_DEALS], *b = &some->t[TL_TB_DEALS];
      assert_int_equal(b->nrows, a->nrows);
      for (int c = 4; c < 7; c++) {
        assert_true(b->cols[c].unread && !a->cols[c].unread);
        assert_null(b->cols[c].v.str);
        assert_null(b->cols[c].isnull);
      }
      int widget = 0;
      for (uint32_t r = 0; r < a->nrows; r++) {
        assert_int_equal(tl_ldg_line(b, r), tl_ldg_line(a, r));
        assert_string_equal(tl_ldg_id(some, TL_TB_DEALS, r), tl_ldg_id(all, TL_TB_DEALS, r));
        assert_int_equal(b->cols[1].v.ref[r], a->cols[1].v.ref[r]);
        assert_int_equal(tl_col_date(&b->cols[2], r), tl_col_date(&a->cols[2], r));
        assert_true(tl_dec_cmp(tl_ldg_amount(some, r), tl_ldg_amount(all, r)) == 0);
        widget += strcmp(text(all, a, "product", r), "Widget") == 0;
      }
      assert_true(widget > 100);   /* the columns not kept were there to read */
      assert_dec(tl_ldg_amount(some, 1), "111.111");   /* D0001 in EUR: 101.01 at 1.1 */
      const tl_table *sa = &all->t[TL_TB_SPLITS], *sb = &some->t[TL_TB_SPLITS];
      assert_int_equal(sb->nrows, sa->nrows);
      for (uint32_t r = 0; r < sa->nrows; r++) {
        assert_int_equal(sb->cols[0].v.ref[r], sa->cols[0].v.ref[r]);
        assert_int_equal(sb->cols[1].v.ref[r], sa->cols[1].v.ref[r]);
      }
      /* the text the product would have added is not interned */
      assert_true(tl_str_count(some->strs) < tl_str_count(all->strs));
    }
    char *plain, *gen;
    both_ways(&in, &plain, &gen);
    assert_string_equal(plain, gen);
    deals_read = NULL;
    free(plain);
    free(gen);
    free(m0);
    free(m1);
    tl_ldg_free(all);
    tl_ldg_free(some);
    tl_diags_free(d0);
    tl_diags_free(d1);
    free(deals);
    free(splits);
  }
}

static void test_payee_id_lengths(void **state) {
  (void)state;
  static const char *const ids[] = {
    "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi",
    "abcdefghijklmnop", "abcdefgX", "Xbcdefg", "abcdefghX", "a\xC3\xA9", "1234567",
  };
  enum { N = sizeof ids / sizeof ids[0] };
  char payees[1024] = "id,role\n", deals[2048] = "id,owner,closed,amount\n";
  for (int i = 0; i < N; i++) sprintf(payees + strlen(payees), "%s,AE\n", ids[i]);
  for (int i = 0; i < N; i++)
    sprintf(deals + strlen(deals), "D%02d,%s,2026-01-01,1\n", i, ids[N - 1 - i]);
  input in = { .payees = payees, .deals = deals };
  tl_ledger *l = build_ok(&in);
  const tl_column *owner = &l->t[TL_TB_DEALS].cols[tl_ldg_col(&l->t[TL_TB_DEALS], "owner")];
  for (int i = 0; i < N; i++) assert_int_equal(owner->v.ref[i], N - 1 - i);
  tl_ldg_free(l);
  in.deals = "id,owner,closed,amount\n"
             "D1,abcdefh,2026-01-01,1\nD2,abcdefgha,2026-01-01,1\nD3,bcdefg,2026-01-01,1\n"
             "D4,abcdefg\xC3,2026-01-01,1\nD5,A,2026-01-01,1\nD6,abcdefghijklmnoq,2026-01-01,1\n";
  assert_string_equal(errors_of(&in),
    "deals.csv:2:4: error: column \"owner\": unknown payee \"abcdefh\"\n"
    "deals.csv:3:4: error: column \"owner\": unknown payee \"abcdefgha\"\n"
    "deals.csv:4:4: error: column \"owner\": unknown payee \"bcdefg\"\n"
    "deals.csv:5:4: error: column \"owner\": unknown payee \"abcdefg\xC3\"\n"
    "deals.csv:6:4: error: column \"owner\": unknown payee \"A\"\n"
    "deals.csv:7:4: error: column \"owner\": unknown payee \"abcdefghijklmnoq\"\n");
}

/* The second run of every test above: any deals file of more than a few
** bytes is cut into parts (messages and ledgers must not change). */
static int in_parts(void **state) {
  (void)state;
  threads = 4;
  part_min = 1;
  return 0;
}

/* The third: no plain rows (the messages must not change either). */
static int general_only(void **state) {
  (void)state;
  threads = 1;
  part_min = 0;
  general = true;
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(test_strtab, teardown),
    cmocka_unit_test_teardown(test_keys, teardown),
    cmocka_unit_test_teardown(test_key_scan, teardown),
    cmocka_unit_test_teardown(test_key_widths, teardown),
    cmocka_unit_test_teardown(test_specs, teardown),
    cmocka_unit_test_teardown(test_good_ledger, teardown),
    cmocka_unit_test_teardown(test_types, teardown),
    cmocka_unit_test_teardown(test_plain_decimals, teardown),
    cmocka_unit_test_teardown(test_type_errors, teardown),
    cmocka_unit_test_teardown(test_value_errors, teardown),
    cmocka_unit_test_teardown(test_value_quoting, teardown),
    cmocka_unit_test_teardown(test_schema_errors, teardown),
    cmocka_unit_test_teardown(test_no_header, teardown),
    cmocka_unit_test_teardown(test_duplicate_ids, teardown),
    cmocka_unit_test_teardown(test_unknown_manager, teardown),
    cmocka_unit_test_teardown(test_csv_syntax_errors, teardown),
    cmocka_unit_test_teardown(test_no_cascade, teardown),
    cmocka_unit_test_teardown(test_skipped_tables, teardown),
    cmocka_unit_test_teardown(test_error_limit, teardown),
    cmocka_unit_test_teardown(test_direct_cells, teardown),
    cmocka_unit_test_teardown(test_wide_amounts, teardown),
    cmocka_unit_test_teardown(test_wide_dates, teardown),
    cmocka_unit_test_teardown(test_wide_text, teardown),
    cmocka_unit_test_teardown(test_fx_conversion, teardown),
    cmocka_unit_test_teardown(test_fx_errors, teardown),
    cmocka_unit_test_teardown(test_splits, teardown),
    cmocka_unit_test_teardown(test_splits_grouped, teardown),
    cmocka_unit_test_teardown(test_split_errors, teardown),
    cmocka_unit_test_teardown(test_quotas, teardown),
    cmocka_unit_test_teardown(test_quota_errors, teardown),
    cmocka_unit_test_teardown(test_load_dir, teardown),
    cmocka_unit_test_teardown(test_parts, teardown),
    cmocka_unit_test_teardown(test_parts_estimates, teardown),
    cmocka_unit_test_teardown(test_text_lengths, teardown),
    cmocka_unit_test_teardown(test_payee_id_lengths, teardown),
    cmocka_unit_test_teardown(test_plain_blocks, teardown),
    cmocka_unit_test_teardown(test_unread_columns, teardown),
  };
  int failed = cmocka_run_group_tests_name("ledger, one thread", tests, NULL, NULL);
  failed += cmocka_run_group_tests_name("ledger, deals cut into parts on four threads", tests,
                                        in_parts, NULL);
  failed += cmocka_run_group_tests_name("ledger, every row through the general path", tests,
                                        general_only, NULL);
  return failed;
}
