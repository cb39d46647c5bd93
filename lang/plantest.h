/*
** plantest.h: running the `test` blocks of a plan (tally test).
**
** Each test block's rows become a ledger through the same builder and checks
** as CSV files (so a bad value in a test row gets the same message, at the
** row's position in the plan), the compiled plan runs over it, and every
** `expect` line is compared exactly.  Failures are reported as diagnostics at
** the expect line; the outcome of every expectation is kept for reports
** (JUnit XML).
*/
#ifndef TL_LANG_PLANTEST_H
#define TL_LANG_PLANTEST_H

#include <stdio.h>

#include "lang/front.h"
#include "runtime/engine.h"

typedef struct tl_pt_case {
  const char *test;        /* the test block's name (owned) */
  const char *what;        /* "A 2026-Q1 commission == 10400.00" or "error \"...\"" */
  int line, col;
  bool passed;
  char *failure;           /* why it failed (owned), NULL when passed */
} tl_pt_case;

typedef struct tl_pt_report {
  const char *file;        /* owned */
  TL_VEC(tl_pt_case) cases;
  int passed, failed;
} tl_pt_report;

/* Run every test block of plan (parsed and checked into c, compiled into p),
** appending to rep.  Failures and data errors go to d. */
void tl_pt_run(const tl_checked *c, const tl_program *p, tl_diags *d, tl_pt_report *rep);
/* The same, calling hook after each block's run with its ledger and result
** (either NULL when the block's data or run failed), before they are freed:
** for a caller that wants more of each block than its expectations (the
** evaluation fuzz target explains every payee). */
typedef void tl_pt_hook(void *ctx, const tl_program *p, const tl_ledger *l, const tl_result *r);
void tl_pt_run_hook(const tl_checked *c, const tl_program *p, tl_diags *d, tl_pt_report *rep,
                    tl_pt_hook *hook, void *ctx);
void tl_pt_report_free(tl_pt_report *rep);
/* JUnit XML for CI systems: one testsuite per plan file, one testcase per
** expectation. */
void tl_pt_junit(const tl_pt_report *reps, size_t n, FILE *out);

#endif
