/*
** fuzz_plantest.c: libFuzzer target for evaluation.  Any bytes as a plan go
** through the front end, and when it compiles, its `test` blocks run: each
** block's rows become a ledger through the builder, the engine credits and
** evaluates it in the VM, and every expectation is compared.  Then the first
** payees of each block are traced and explained (text and JSON) and their
** statements written (text and HTML, with the tier charts), as `tally
** explain` and `--statements` do; a trace's rows must be the run's rows for
** that payee, as the explanations claim.  So the engine, the VM, the built-ins, the
** arithmetic and the renderers see whatever plans and rows the fuzzer makes,
** not only the checked ones of the suite; none may crash, leak or overflow
** silently.  Messages and the JUnit report are rendered too.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/front.h"
#include "lang/plantest.h"
#include "runtime/explain.h"
#include "runtime/statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { EXPLAINED = 4 };         /* payees a block: enough for a fuzzer's rows */

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

static void explain(void *ctx, const tl_program *p, const tl_ledger *l, const tl_result *r) {
  FILE *null = ctx;
  if (!l || !r || !null) return;
  uint32_t n = l->t[TL_TB_PAYEES].nrows;
  for (uint32_t row = 0; row < n && row < EXPLAINED; row++) {
    tl_diags *d = tl_diags_new();
    tl_trace *t = tl_eng_trace(p, l, d, (int32_t)row);
    same_rows(r, (int32_t)row, t);
    if (t) {
      tl_explain_write(p, l, t, -1, TL_EXPLAIN_TEXT, null);
      tl_explain_write(p, l, t, 0, TL_EXPLAIN_JSON, null);
      (void)tl_stmt_write(p, l, t, TL_STMT_TEXT, null);
      (void)tl_stmt_write(p, l, t, TL_STMT_HTML, null);
      tl_trace_free(t);
    }
    tl_diag_print(d, null, TL_DIAG_TEXT);
    tl_diags_free(d);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "fuzz.tally", text, size);
  tl_plan *plan = tl_parse("fuzz.tally", text, size, d);
  tl_checked c;
  memset(&c, 0, sizeof c);
  tl_program *p = NULL;
  if (plan && tl_diag_errors(d) == 0 && tl_check(plan, d, &c) == 0) p = tl_compile(&c, d);
  FILE *null = fopen("/dev/null", "w");
  if (p) {
    tl_pt_report rep;
    memset(&rep, 0, sizeof rep);
    tl_pt_run_hook(&c, p, d, &rep, explain, null);
    if (null) tl_pt_junit(&rep, 1, null);
    tl_pt_report_free(&rep);
  }
  if (null) {
    tl_diag_print(d, null, TL_DIAG_TEXT);
    fclose(null);
  }
  tl_prog_free(p);
  tl_checked_free(&c);
  tl_plan_free(plan);
  tl_diags_free(d);
  return 0;
}
