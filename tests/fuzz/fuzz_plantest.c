/*
** fuzz_plantest.c: libFuzzer target for evaluation.  Any bytes as a plan go
** through the front end, and when it compiles, its `test` blocks run: each
** block's rows become a ledger through the builder, the engine credits and
** evaluates it in the VM, and every expectation is compared.  Then the first
** payees of each block are traced and explained (text and JSON) and their
** statements written (text and HTML, with the tier charts), as `tally
** explain` and `--statements` do; a trace's rows must be the run's rows for
** that payee, as the explanations claim (explain_check.h).  So the engine,
** the VM, the built-ins, the arithmetic and the renderers see whatever plans
** and rows the fuzzer makes, not only the checked ones of the suite; none
** may crash, leak or overflow silently.  Messages and the JUnit report are
** rendered too.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/front.h"
#include "lang/plantest.h"
#include "tests/fuzz/explain_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void explain(void *ctx, const tl_program *p, const tl_ledger *l, const tl_result *r) {
  if (l && r && ctx) explain_payees(p, l, r, ctx);
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
