/*
** explain_check.h: what the fuzz targets that run plans do after a run: the
** first payees are traced and explained (text and JSON) and their statements
** written (text, and HTML with the tier charts), as `tally explain` and
** `--statements` do, and each trace's rows must be the run's rows for that
** payee, as the explanations claim.  Shared by the plantest and run targets.
*/
#ifndef TL_TESTS_EXPLAIN_CHECK_H
#define TL_TESTS_EXPLAIN_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "runtime/engine.h"
#include "runtime/explain.h"
#include "runtime/statement.h"

enum { EXPLAINED = 4 };         /* payees a run: enough for a fuzzer's rows */

/* The trace of payee row must give exactly the rows the run gave it, and
** exist exactly when the run has rows for it. */
static void same_rows(const tl_result *r, int32_t row, const tl_trace *t) {
  tl_result v;
  bool has = tl_result_payee(r, row, &v);
  if (has != (t != NULL) || (t && t->nrows != v.nrows)) {
    fprintf(stderr, "payee row %d: the run has %zu rows, the trace %zu\n", row,
            has ? v.nrows : 0, t ? t->nrows : 0);
    abort();
  }
  for (size_t i = 0; t && i < v.nrows; i++) {
    tl_row a = tl_result_row(&v, i), b = t->rows[i];
    if (a.period != b.period || a.line != b.line || tl_dec_cmp(a.amount, b.amount) != 0) {
      fprintf(stderr, "payee row %d: row %zu of the trace differs from the run's\n", row, i);
      abort();
    }
  }
}

/* Explain the first EXPLAINED payees of a run into out (/dev/null). */
static void explain_payees(const tl_program *p, const tl_ledger *l, const tl_result *r, FILE *out) {
  uint32_t n = l->t[TL_TB_PAYEES].nrows;
  for (uint32_t row = 0; row < n && row < EXPLAINED; row++) {
    tl_diags *d = tl_diags_new();
    tl_trace *t = tl_eng_trace(p, l, d, (int32_t)row);
    same_rows(r, (int32_t)row, t);
    if (t) {
      tl_explain_write(p, l, t, -1, TL_EXPLAIN_TEXT, out);
      tl_explain_write(p, l, t, 0, TL_EXPLAIN_JSON, out);
      (void)tl_stmt_write(p, l, t, TL_STMT_TEXT, out);
      (void)tl_stmt_write(p, l, t, TL_STMT_HTML, out);
      tl_trace_free(t);
    }
    tl_diag_print(d, out, TL_DIAG_TEXT);
    tl_diags_free(d);
  }
}

#endif
