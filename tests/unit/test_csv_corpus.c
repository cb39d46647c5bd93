/*
** test_csv_corpus.c: golden diagnostics for malformed ledgers.
**
** Each folder tests/data/csv-bad/NN-name/ holds a small ledger with exactly
** one problem and expected.txt, the text the loader prints for it.  Run this
** test from the repository root: the file names in the messages are the paths
** it passes to the loader ("tests/data/csv-bad/01-bad-date/deals.csv").
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#include "runtime/arena.h"
#include "runtime/ledger.h"

#define CORPUS "tests/data/csv-bad"

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
static const tl_tablespec payees_spec = { "payees", 7, payee_cols };
static const tl_tablespec deals_spec = { "deals", 7, deal_cols };

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  int c;
  while ((c = fgetc(f)) != EOF) fputc(c, m);
  fclose(m);
  fclose(f);
  return buf;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether case dir prints its expected.txt and reports exactly one error. */
static bool run_case(const char *dir, const tl_ldg_opts *opts) {
  char path[320];
  snprintf(path, sizeof path, "%s/expected.txt", dir);
  char *want = slurp(path);
  if (!want) {
    print_error("%s: no expected.txt\n", dir);
    return false;
  }
  tl_diags *d = tl_diags_new();
  tl_ledger *l = tl_ldg_load_csv_dir(dir, opts, d);
  char *got = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&got, &len);
  tl_diag_print(d, f, TL_DIAG_TEXT);
  fclose(f);
  bool ok = l == NULL && tl_diag_errors(d) == 1 && strcmp(got, want) == 0;
  if (!ok)
    print_error("%s: %d errors, ledger %s\n--- expected\n%s--- printed\n%s", dir,
                tl_diag_errors(d), l ? "returned" : "NULL", want, got);
  tl_ldg_free(l);
  tl_diags_free(d);
  free(got);
  free(want);
  return ok;
}

static void test_corpus(void **state) {
  tl_cal cal;
  assert_null(tl_cal_init(&cal, tl_date_from_ymd(2026, 1, 1), tl_date_from_ymd(2026, 12, 31),
                          TL_PERIOD_QUARTER));
  tl_ldg_opts opts = { &payees_spec, &deals_spec, "USD", &cal, 0, 1, 0, false, TL_HAND_WHEN_DONE, NULL };
  DIR *dir = opendir(CORPUS);
  if (!dir) fail_msg("cannot open %s: run the test from the repository root", CORPUS);
  char *names[256];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL && n < 256)
    if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
  closedir(dir);
  qsort(names, n, sizeof *names, cmp_name);
  int failed = 0;
  for (size_t i = 0; i < n; i++) {
    char path[300];     /* the corpus path and a 255-byte name fit */
    snprintf(path, sizeof path, "%s/%s", CORPUS, names[i]);
    failed += !run_case(path, &opts);
    free(names[i]);
  }
  assert_true(n >= 30);
  assert_int_equal(failed, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_corpus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
