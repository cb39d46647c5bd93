/*
** fuzz_run.c: libFuzzer target for `tally run`, `explain` and `diff` over CSV
** files: a plan and its ledger fuzzed together.  The input is the plan, then
** each file of the ledger after a line of its own that names it:
**
**   --payees.csv--  --fx.csv--  --deals.csv--  --splits.csv--  --quotas.csv--
**
** (payees.csv and deals.csv are read empty when they are not there).  So the
** loader reads whatever columns the plan declares, and the engine runs over
** rows that neither the CSV target (one fixed schema) nor the plantest
** target (test blocks: no bad cells, no quotas.csv) can make.  When the plan
** compiles, each input is checked four ways, over ledgers that keep only
** the deals columns the plan reads, as `tally run` loads them
** (tl_prog_deals_read):
**
** - the ledger read on one thread and cut into parts of a few bytes on three
**   gives the same messages and the same rows;
** - the run on one thread and on three, cut into ranges of one deal and one
**   payee (tl_eng_grain), gives the same messages and the same payouts, byte
**   for byte (what `--threads` promises); the run on three also runs every
**   filter and credit line's value in the VM's loop (tl_eng_all_in_vm),
**   which must give what the one's, planned as tests and fields, give;
** - `diff` of those two runs finds no differing row;
** - the first payees' traces give the run's rows (explain_check.h), and
**   their explanations and statements are written, as are the payouts in
**   every format.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/front.h"
#include "runtime/diff.h"
#include "runtime/output.h"
#include "tests/fuzz/explain_check.h"
#include "tests/fuzz/ledger_input.h"
#include "tests/unit/ledger_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The payouts in CSV, as a string to free. */
static char *payouts(const tl_program *p, const tl_ledger *l, const tl_result *r) {
  char *s = NULL;
  size_t len;
  FILE *f = open_memstream(&s, &len);
  if (!f || tl_out_write(p, l, r, TL_OUT_CSV, f) != 0) abort();
  fclose(f);
  return s;
}

typedef struct one_run {
  tl_diags *d;
  tl_ledger *l;
  tl_result *r;
  char *text;                   /* messages and the ledger's rows */
  char *payouts;                /* or NULL */
} one_run;

static void run_on(const tl_program *p, const file f[NFILES], int threads, one_run *o) {
  bool *read = malloc((size_t)p->deals.ncols + 1);
  if (!read) abort();
  tl_prog_deals_read(p, read);
  tl_ldg_opts lo = { &p->payees, &p->deals, p->currency, &p->cal, 20, threads,
                     threads > 1 ? 8 : 0, false, TL_HAND_WHEN_DONE, read };
  o->d = tl_diags_new();
  tl_ldg_builder *b = tl_ldg_begin(&lo, o->d);
  feed_files(b, f);
  o->l = tl_ldg_finish(b);
  free(read);
  tl_eng_grain(threads > 1 ? 1 : 0, threads > 1 ? 1 : 0);
  tl_eng_all_in_vm(threads > 1);
  o->r = o->l ? tl_eng_run_threads(p, o->l, o->d, 0, threads) : NULL;
  tl_eng_grain(0, 0);
  tl_eng_all_in_vm(false);
  o->text = ledger_text(o->d, o->l);
  o->payouts = o->r ? payouts(p, o->l, o->r) : NULL;
}

static void free_run(one_run *o) {
  free(o->text);
  free(o->payouts);
  tl_result_free(o->r);
  tl_ldg_free(o->l);
  tl_diags_free(o->d);
}

static void check_runs(const tl_program *p, const file f[NFILES], FILE *null) {
  one_run one, three;
  run_on(p, f, 1, &one);
  run_on(p, f, 3, &three);
  if (strcmp(one.text, three.text) != 0 || !one.payouts != !three.payouts ||
      (one.payouts && strcmp(one.payouts, three.payouts) != 0)) {
    fprintf(stderr, "one thread:\n%s\n%s\nthree:\n%s\n%s\n", one.text,
            one.payouts ? one.payouts : "", three.text, three.payouts ? three.payouts : "");
    abort();          /* --threads changes which core does the work, nothing else, and
                      ** a planned filter or value gives what its chunk does */
  }
  if (one.r && three.r) {
    tl_diff_side a = { p, one.l, one.r, "one" }, b = { p, three.l, three.r, "three" };
    long n = tl_diff_write(&a, &b, 4, one.d, null);
    if (n != 0) {
      fprintf(stderr, "diff of equal runs: %ld rows differ\n", n);
      abort();
    }
    (void)tl_out_write(p, one.l, one.r, TL_OUT_JSON, null);
    (void)tl_out_write(p, one.l, one.r, TL_OUT_TABLE, null);
    explain_payees(p, one.l, one.r, null);
  }
  free_run(&one);
  free_run(&three);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  file f[NFILES];
  size_t plan_len = split_input(text, size, f);
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "fuzz.tally", text, plan_len);
  tl_program *p = tl_front("fuzz.tally", text, plan_len, d, NULL);   /* as `tally run` */
  FILE *null = fopen("/dev/null", "w");
  if (p && null) check_runs(p, f, null);
  if (null) {
    tl_diag_print(d, null, TL_DIAG_TEXT);
    fclose(null);
  }
  tl_prog_free(p);
  tl_diags_free(d);
  return 0;
}
