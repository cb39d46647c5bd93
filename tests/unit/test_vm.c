/*
** test_vm.c: compiled plans running in the VM and the engine.
**
** Expressions are compiled as a plan's only measure and run straight through
** tl_vm_run, so each result is the exact decimal the VM computed (no rounding
** to the plan's unit).  Tier tables, rounding and run-time errors that need
** payees and deals go through tl_eng_run over a ledger built in memory, and
** its rows are compared to the cent.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang/diag.h"
#include "lang/front.h"
#include "runtime/engine.h"
#include "runtime/ledger.h"
#include "runtime/vm.h"

#define FILE_NAME "p.tally"

/* Five lines in front of every expression: `measure m = ...` is line 6. */
static const char expr_header[] =
  "currency USD\n"
  "year 2026-01-01 to 2026-12-31\n"
  "period quarter\n"
  "credit deals to owner\n"
  "component zero = 0\n";

static tl_diags *diags;
static tl_program *prog;
static tl_ledger *ldg;
static tl_result *res;
static tl_vm vm;
static bool have_vm;
static char *printed;

static int teardown(void **state) {
  (void)state;
  if (have_vm) tl_vm_free(&vm);
  have_vm = false;
  tl_result_free(res);
  tl_ldg_free(ldg);
  tl_prog_free(prog);
  tl_diags_free(diags);
  free(printed);
  res = NULL;
  ldg = NULL;
  prog = NULL;
  diags = NULL;
  printed = NULL;
  return 0;
}

static const char *diag_text(void) {
  size_t len;
  free(printed);
  printed = NULL;
  FILE *f = open_memstream(&printed, &len);
  tl_diag_print(diags, f, TL_DIAG_TEXT);
  fclose(f);
  return printed;
}

/* Compile a whole plan; it must have no errors. */
static tl_program *compile(const char *src) {
  teardown(NULL);
  diags = tl_diags_new();
  tl_diag_source(diags, FILE_NAME, src, strlen(src));
  prog = tl_front(FILE_NAME, src, strlen(src), diags, NULL);
  if (!prog) fail_msg("%s", diag_text());
  return prog;
}

/* Compile `measure m = text` and run it for the first period, with no
** ledger: the expression may use literals only. */
static tl_vm_status run_expr(const char *text, tl_value *out) {
  char src[1024];
  snprintf(src, sizeof src, "%smeasure m = %s\n", expr_header, text);
  compile(src);
  assert_int_equal(prog->nmeasures, 1);
  tl_vm_init(&vm, prog, NULL);
  have_vm = true;
  vm.period = vm.asof = 0;
  return tl_vm_run(&vm, prog->measures[0].body, out);
}

static const char *value_text(tl_value v) {
  static char buf[4][64];
  static int k;
  char *b = buf[k++ % 4];
  switch (v.kind) {
    case TL_V_DEC: tl_dec_format(v.u.d, -1, false, b, sizeof buf[0]); break;
    case TL_V_BOOL: strcpy(b, v.u.i ? "true" : "false"); break;
    case TL_V_DATE: tl_date_format(v.u.i, b); break;
    case TL_V_NULL: strcpy(b, "empty"); break;
    default: snprintf(b, sizeof buf[0], "kind %d", (int)v.kind); break;
  }
  return b;
}

/* The value of an expression as text: "0.333333333", "true", "2026-02-01". */
static const char *eval(const char *text) {
  tl_value v;
  if (run_expr(text, &v) != TL_VM_OK) fail_msg("%s: %s", text, vm.err.message);
  return value_text(v);
}

#define assert_eval(text, want) assert_string_equal(eval(text), want)

/* ---- arithmetic ---------------------------------------------------------- */

/* Products and quotients are exact to 1e-9, ties to even; sums are exact. */
static void test_arithmetic(void **state) {
  assert_eval("1 + 2 * 3", "7");
  assert_eval("(1 + 2) * 3", "9");
  assert_eval("10 - 4 - 3", "3");
  assert_eval("-2.5 * 4", "-10");
  assert_eval("1 / 3", "0.333333333");
  assert_eval("2 / 3", "0.666666667");
  assert_eval("-2 / 3", "-0.666666667");
  assert_eval("1 / 3 * 3", "0.999999999");
  assert_eval("0.000000001 / 2", "0");             /* 0.5e-9: the even neighbour is 0 */
  assert_eval("0.000000003 / 2", "0.000000002");   /* 1.5e-9: the even neighbour is 2 */
  assert_eval("0.000000001 * 0.5", "0");
  assert_eval("0.000000005 * 0.3", "0.000000002");   /* 1.5e-9 */
  assert_eval("0.123456789 * 10", "1.23456789");
  assert_eval("12.5% * 80_000", "10000");
  assert_eval("123456789012.5 + 0.000000001", "123456789012.500000001");
  assert_eval("100_000 / 7 * 7", "99999.999999998");
}

static void test_dates(void **state) {
  assert_eval("2026-01-31 + 1", "2026-02-01");
  assert_eval("2026-03-01 - 1", "2026-02-28");
  assert_eval("2028-03-01 - 2028-02-01", "29");
  assert_eval("2026-01-01 - 2026-12-31", "-364");
  assert_eval("2026-05-01 > 2026-04-30", "true");
}

/* ---- built-in functions -------------------------------------------------- */

static void test_builtins(void **state) {
  assert_eval("ratio(1, 3)", "0.333333333");
  assert_eval("ratio(5, 0)", "0");
  assert_eval("ratio(0, 0)", "0");
  assert_eval("min(3, 1.5, 2)", "1.5");
  assert_eval("max(3, 1.5, 20%)", "3");
  assert_eval("max(-1, -2)", "-1");
  assert_eval("min(2026-03-01, 2026-02-01)", "2026-02-01");
  assert_eval("round(2.345, 0.01)", "2.35");
  assert_eval("round(-2.345, 0.01)", "-2.35");       /* half up: ties away from zero */
  assert_eval("round(2.344999999, 0.01)", "2.34");
  assert_eval("round(1234, 100)", "1200");
  assert_eval("round(1250, 100)", "1300");
  assert_eval("round(7, 0.25)", "7");
  assert_eval("round(7.125, 0.25)", "7.25");
  assert_eval("abs(-5.25)", "5.25");
  assert_eval("abs(0)", "0");
  assert_eval("default(5, 0)", "5");
}

/* ---- logic --------------------------------------------------------------- */

/* The right operand of and/or is not evaluated when the left decides, so a
** guard protects a division. */
static void test_short_circuit(void **state) {
  assert_eval("false and 1 / 0 > 0", "false");
  assert_eval("true or 1 / 0 > 0", "true");
  assert_eval("true and 2 > 1", "true");
  assert_eval("false or 2 < 1", "false");
  assert_eval("1 > 2 or 2 > 1 and 3 > 2", "true");
  assert_eval("not (1 > 2) and not false", "true");
  tl_value v;
  assert_int_equal(run_expr("true and 1 / 0 > 0", &v), TL_VM_ERROR);
  assert_string_equal(vm.err.message, "division by zero");
  assert_int_equal(run_expr("false or 1 / 0 > 0", &v), TL_VM_ERROR);
}

static void test_if(void **state) {
  assert_eval("if 1 > 2 then 10 else 20", "20");
  assert_eval("if 2 > 1 then 10 else 20", "10");
  assert_eval("if 1 > 2 then 1 else if 2 > 3 then 2 else 3", "3");
  assert_eval("(if 2 > 1 then 10 else 20) * 2 + 1", "21");
  /* the branch not taken is not run */
  assert_eval("if 1 > 0 then 5 else 1 / 0", "5");
  assert_eval("if 1 < 0 then 1 / 0 else 6", "6");
}

static void test_in(void **state) {
  assert_eval("5 in 1 to 5", "true");                 /* ranges are inclusive */
  assert_eval("1 in 1 to 5", "true");
  assert_eval("0.999999999 in 1 to 5", "false");
  assert_eval("5.000000001 in 1 to 5", "false");
  assert_eval("2026-03-31 in 2026-01-01 to 2026-03-31", "true");
  assert_eval("2026-04-01 in 2026-01-01 to 2026-03-31", "false");
  assert_eval("3 in [1, 2, 3]", "true");
  assert_eval("4 in [1, 2, 3]", "false");
  assert_eval("50% in [0.5]", "true");
  assert_eval("2026-08-15 in 2026-Q3", "true");
  assert_eval("2026-10-01 in 2026-Q3", "false");
  assert_eval("2026-09-30 in 2026-Q3 and 2026-07-01 in 2026-Q3", "true");
  assert_eval("2025-08-15 in 2026-Q3", "false");
}

/* ---- run-time errors ----------------------------------------------------- */

static void test_division_by_zero(void **state) {
  tl_value v;
  assert_int_equal(run_expr("100 + 10 / (2 - 2)", &v), TL_VM_ERROR);
  assert_string_equal(vm.err.message, "division by zero");
  assert_string_equal(vm.err.what, "measure m");
  /* the span of the division, parentheses included */
  assert_int_equal(vm.err.span.line, 6);
  assert_int_equal(vm.err.span.col, 19);
  assert_int_equal(vm.err.span.end_line, 6);
  assert_int_equal(vm.err.span.end_col, 30);

  /* a multi-line expression keeps its lines */
  compile("currency USD\nyear 2026-01-01 to 2026-12-31\nperiod month\n"
          "credit deals to owner\ncomponent zero = 0\n"
          "measure m =\n"
          "  1 +\n"
          "  ratio(1, 0) +\n"
          "  2 / 0\n");
  tl_vm_init(&vm, prog, NULL);
  have_vm = true;
  assert_int_equal(tl_vm_run(&vm, prog->measures[0].body, &v), TL_VM_ERROR);
  assert_int_equal(vm.err.span.line, 9);
  assert_int_equal(vm.err.span.col, 3);
  assert_int_equal(vm.err.span.end_col, 7);
}

static void test_overflow(void **state) {
  tl_value v;
  assert_int_equal(run_expr("100_000_000_000_000_000 * 100_000_000_000_000_000", &v),
                   TL_VM_ERROR);
  assert_string_equal(vm.err.message, "arithmetic overflow");
  assert_int_equal(vm.err.span.col, 13);
}

/* ---- the engine over a ledger built in memory ----------------------------- */

typedef struct tables { const char *payees, *fx, *deals, *splits, *quotas; } tables;

/* Feed the tables in the builder's order, keeping the deals columns read
** (NULL: all); the ledger must load cleanly. */
static void load_read(const tables *t, const bool *read) {
  tl_result_free(res);          /* a test may load twice */
  tl_ldg_free(ldg);
  res = NULL;
  tl_ldg_opts o = { &prog->payees, &prog->deals, prog->currency, &prog->cal, 0, 1, 0, false,
                    TL_HAND_WHEN_DONE, read };
  tl_ldg_builder *b = tl_ldg_begin(&o, diags);
  const char *src[] = { t->payees, t->fx, t->deals, t->splits, t->quotas };
  const tl_tableid ids[] = { TL_TB_PAYEES, TL_TB_FX, TL_TB_DEALS, TL_TB_SPLITS, TL_TB_QUOTAS };
  for (int i = 0; i < 5; i++) {
    char file[32];
    snprintf(file, sizeof file, "%s.csv", tl_table_names[ids[i]]);
    if (src[i]) tl_ldg_feed_csv(b, ids[i], file, src[i], strlen(src[i]));
  }
  ldg = tl_ldg_finish(b);
  if (!ldg) fail_msg("%s", diag_text());
}

static void load(const tables *t) { load_read(t, NULL); }

/* Run the plan; the rows as "payee period line amount" lines, amounts with
** the decimals of the plan's rounding unit. */
static const char *rows(void) {
  tl_result_free(res);
  res = tl_eng_run(prog, ldg, diags);
  if (!res) fail_msg("%s", diag_text());
  size_t len;
  free(printed);
  printed = NULL;
  FILE *f = open_memstream(&printed, &len);
  int places = tl_dec_places(prog->unit);
  for (size_t i = 0; i < res->nrows; i++) {
    tl_row r = tl_result_row(res, i);
    char amt[64];
    tl_dec_format(r.amount, places, false, amt, sizeof amt);
    fprintf(f, "%s %s %s %s\n",
            tl_str_get(ldg->strs, ldg->t[TL_TB_PAYEES].cols[0].v.str[r.payee], NULL),
            prog->cal.name[r.period], tl_eng_line_name(prog, r.line), amt);
  }
  fclose(f);
  return printed;
}

/* Only the lines named line, one per period: "10400.00 -800.00 ...". */
static const char *line_amounts(const char *payee, const char *line) {
  static char buf[512];
  const char *all = rows();
  char key[64];
  size_t n = 0;
  snprintf(key, sizeof key, " %s ", line);
  buf[0] = 0;
  for (const char *p = all; *p; ) {
    const char *eol = strchr(p, '\n');
    size_t plen = strlen(payee);
    const char *k = strstr(p, key);
    if (strncmp(p, payee, plen) == 0 && p[plen] == ' ' && k && k < eol) {
      const char *amt = k + strlen(key);
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%.*s", n ? " " : "", (int)(eol - amt), amt);
    }
    p = eol + 1;
  }
  return buf;
}

/* Eight lines, with the rounding mode to fill in; the body starts on line 9. */
static const char quarterly[] =
  "currency USD\n"
  "year 2026-01-01 to 2026-12-31\n"
  "period quarter\n"
  "rounding %s to 0.01\n"
  "input payees { id text key, quota money, target money }\n"
  "quota = payee.quota / 4\n"
  "credit deals to owner\n"
  "measure bookings = sum(credit.amount)\n"
  "%s";

static void run_plan_rounding(const char *mode, const char *body, const char *payees,
                              const char *deals) {
  char src[2048];
  snprintf(src, sizeof src, quarterly, mode, body);
  compile(src);
  tables t = { payees, NULL, deals, NULL, NULL };
  load(&t);
}

static void run_plan(const char *body, const char *payees, const char *deals) {
  run_plan_rounding("half_up", body, payees, deals);
}

static const char one_payee[] = "id,quota,target\nA,400000,40000\n";

/* The deals columns a run reads (tl_prog_deals_read): the four required,
** a rule's target and filter, the clawback's date and what a chunk reads;
** not the others, even the currency (the loader converts with it as it
** reads).  A run over a ledger without them pays exactly the same. */
static void test_deals_read(void **state) {
  compile("currency USD\n"
          "year 2026-01-01 to 2026-12-31\n"
          "period quarter\n"
          "input payees { id text key, quota money }\n"
          "input deals { id text key, owner payee, closed date, amount money, sdr payee?,\n"
          "              region text, stage text?, units number?, cancelled date?,\n"
          "              currency text?, note text? }\n"
          "quota = payee.quota / 4\n"
          "credit deals to owner\n"
          "credit deals where deal.region == \"EMEA\" to sdr\n"
          "clawback deals cancelled within 90 days\n"
          "measure bookings = sum(credit.amount)\n"
          "measure units = sum(deal.units)\n"
          "component commission = bookings * 10% + units * payee.quota / 10000\n");
  bool read[11];
  memset(read, 0x55, sizeof read);
  tl_prog_deals_read(prog, read);
  static const bool want[11] = { true, true, true, true, true, true, false, true, true, false,
                                 false };
  for (int c = 0; c < 11; c++) {
    if (read[c] != want[c]) fail_msg("column %s: read %d", prog->deals.cols[c].name, read[c]);
  }
  tables t = {
    "id,quota\nA,100000\nS,100000\n",
    "currency,from,rate\nEUR,2026-01-01,1.5\n",
    "id,owner,closed,amount,sdr,region,stage,units,cancelled,currency,note\n"
    "D1,A,2026-01-10,1000,S,EMEA,won,2,,EUR,x\n"
    "D2,A,2026-02-10,2000,S,AMER,,3,2026-04-01,,y\n"
    "D3,A,2026-05-10,500,,EMEA,won,1,,USD,\n",
    NULL, NULL
  };
  load_read(&t, NULL);
  char *all = strdup(rows());
  load_read(&t, read);
  for (int c = 0; c < 11; c++) assert_int_equal(ldg->t[TL_TB_DEALS].cols[c].unread, !want[c]);
  assert_string_equal(rows(), all);
  /* D1 is 1,500 in USD, for A and for S (EMEA): A's Q1 is 10% of 3,500 and
  ** 5 units at 10, S's 10% of 1,500 and 2 units; D2, cancelled after 50
  ** days, leaves A's Q1 as of Q2 (150 + 20), and D3 adds 50 + 10 */
  assert_non_null(strstr(all, "A 2026-Q1 commission 400.00\n"));
  assert_non_null(strstr(all, "S 2026-Q1 commission 170.00\n"));
  assert_non_null(strstr(all, "A 2026-Q2 commission -170.00\n"));
  free(all);
}

/* The example of language.md: a slow second quarter gives accelerator money
** back, the third earns it again. */
static void test_marginal_cumulative(void **state) {
  run_plan("component commission cumulative =\n"
           "  marginal ytd(bookings) over ytd(quota) {\n"
           "      0% : 8%\n"
           "    100% : 12%\n"
           "    150% : 15%\n"
           "  }\n",
           one_payee,
           "id,owner,closed,amount\n"
           "D1,A,2026-02-01,120000\n"
           "D2,A,2026-08-20,95000\n");
  assert_string_equal(rows(),
    "A 2026-Q1 commission 10400.00\n"
    "A 2026-Q1 earned 10400.00\n"
    "A 2026-Q1 net 10400.00\n"
    "A 2026-Q1 balance 0.00\n"
    "A 2026-Q2 commission -800.00\n"
    "A 2026-Q2 earned -800.00\n"
    "A 2026-Q2 net 0.00\n"
    "A 2026-Q2 balance 800.00\n"
    "A 2026-Q3 commission 7600.00\n"
    "A 2026-Q3 earned 7600.00\n"
    "A 2026-Q3 net 6800.00\n"
    "A 2026-Q3 balance 0.00\n"
    "A 2026-Q4 commission 0.00\n"
    "A 2026-Q4 earned 0.00\n"
    "A 2026-Q4 net 0.00\n"
    "A 2026-Q4 balance 0.00\n");
}

/* Bookings of exactly the quota: an inclusive table reaches the 100% tier,
** an exclusive one keeps the lower rate.  Marginal tables pay the same
** either way at a bound, since the band above it is empty. */
static void test_tier_bounds(void **state) {
  static const char deals[] = "id,owner,closed,amount\nD1,A,2026-02-01,100000\n";
  run_plan("component c = retro bookings over quota { 0%: 5%, 100%: 10% }\n",
           "id,quota,target\nA,400000,0\n", deals);
  assert_string_equal(line_amounts("A", "c"), "10000.00 0.00 0.00 0.00");
  run_plan("component c = retro bookings over quota exclusive { 0%: 5%, 100%: 10% }\n",
           "id,quota,target\nA,400000,0\n", deals);
  assert_string_equal(line_amounts("A", "c"), "5000.00 0.00 0.00 0.00");
  run_plan("component c = marginal bookings over quota exclusive { 0%: 5%, 100%: 10% }\n",
           "id,quota,target\nA,400000,0\n", deals);
  assert_string_equal(line_amounts("A", "c"), "5000.00 0.00 0.00 0.00");
  /* one cent above the bound */
  run_plan("component c = retro bookings over quota exclusive { 0%: 5%, 100%: 10% }\n",
           "id,quota,target\nA,400000,0\n", "id,owner,closed,amount\nD1,A,2026-02-01,100000.01\n");
  assert_string_equal(line_amounts("A", "c"), "10000.00 0.00 0.00 0.00");
  /* amounts as bounds, below the first bound, marginal across three bands */
  run_plan("component c = marginal bookings { 10_000: 1%, 50_000: 2%, 80_000: 4% }\n",
           "id,quota,target\nA,0,0\n",
           "id,owner,closed,amount\nD1,A,2026-02-01,5000\nD2,A,2026-05-01,100000\n"
           "D3,A,2026-08-01,60000\n");
  assert_string_equal(line_amounts("A", "c"), "0.00 1800.00 600.00 0.00");
}

/* A curve pays 0 below its first point, interpolates between points and is
** flat after the last. */
static void test_curve(void **state) {
  run_plan("measure att = ratio(bookings, quota)\n"
           "component bonus = curve att { 50%: 25%, 100%: 100%, 150%: 200% } * payee.target / 4\n",
           one_payee,
           "id,owner,closed,amount\n"
           "D1,A,2026-02-01,49999.99\n"     /* Q1: just under 50% */
           "D2,A,2026-05-01,75000\n"        /* Q2: 75% */
           "D3,A,2026-08-01,125000\n"       /* Q3: 125% */
           "D4,A,2026-11-01,400000\n");     /* Q4: 400%, past the last point */
  assert_string_equal(line_amounts("A", "bonus"), "0.00 6250.00 15000.00 20000.00");
  /* exactly on the first point, and between points to the 1e-9 */
  run_plan("measure att = ratio(bookings, quota)\n"
           "component bonus = curve att { 50%: 25%, 100%: 100% } * payee.target / 4\n",
           "id,quota,target\nA,300000,30000\n",
           "id,owner,closed,amount\nD1,A,2026-02-01,37500\nD2,A,2026-05-01,50000\n");
  /* Q2: att = 0.666666667, fraction 0.25 + 0.166666667 * 1.5 = 0.5, so 3750.00 */
  assert_string_equal(line_amounts("A", "bonus"), "1875.00 3750.00 0.00 0.00");
}

/* Period values are rounded to the unit with the plan's mode, and a year's
** payables add up to the rounded year total. */
static void test_rounding(void **state) {
  static const char deals[] =
    "id,owner,closed,amount\nD1,A,2026-02-01,1234.45\nD2,A,2026-05-01,0.05\n";
  run_plan("component c = bookings * 10%\n", one_payee, deals);
  assert_string_equal(line_amounts("A", "c"), "123.45 0.01 0.00 0.00");

  run_plan_rounding("half_even", "component c = bookings * 10%\n", one_payee, deals);
  assert_string_equal(line_amounts("A", "c"), "123.44 0.00 0.00 0.00");

  /* cumulative: E is rounded, the payables are differences of rounded E */
  run_plan("component c cumulative = ytd(bookings) * 1 / 3\n", one_payee,
           "id,owner,closed,amount\nD1,A,2026-02-01,100\nD2,A,2026-05-01,100\n"
           "D3,A,2026-08-01,100\n");
  assert_string_equal(line_amounts("A", "c"), "33.33 33.34 33.33 0.00");
}

/* The run stops at the first error and names payee, period and the place. */
static void test_division_by_zero_in_run(void **state) {
  run_plan("measure att = bookings / quota\ncomponent c = bookings * att\n",
           "id,quota,target\nA,400000,0\nB,0,0\n",
           "id,owner,closed,amount\nD1,A,2026-02-01,10\n");
  assert_null(tl_eng_run(prog, ldg, diags));
  assert_string_equal(diag_text(),
    "p.tally:9:15: error: division by zero for payee B in 2026-Q1 (in measure att)\n"
    "    9 | measure att = bookings / quota\n"
    "      |               ^~~~~~~~~~~~~~~~\n");
}

/* A payee's sums are 64-bit until one does not fit, then kept whole
** (engine.c, "sums"): a single amount past 64 bits, two that overflow 64
** bits when added, the most negative 64-bit amount (the mark of a wide sum),
** and two threads' sums that fit apart and not together. */
static void test_wide_sums(void **state) {
  run_plan("component c = bookings * 10%\n", one_payee,
           "id,owner,closed,amount\n"
           "D1,A,2026-02-01,5000000000\n"
           "D2,A,2026-03-01,5000000000\n"
           "D3,A,2026-05-01,10000000000.5\n"
           "D4,A,2026-08-01,-9223372036.854775808\n"
           "D5,A,2026-11-01,9223372036.854775807\n");
  assert_string_equal(line_amounts("A", "c"),
                      "1000000000.00 1000000000.05 -922337203.69 922337203.69");
  char *deals = NULL;
  size_t len;
  FILE *f = open_memstream(&deals, &len);
  fputs("id,owner,closed,amount\n", f);
  for (int i = 0; i < 270000; i++) fprintf(f, "D%06d,A,2026-02-01,36000\n", i);
  fclose(f);
  run_plan("component c = bookings * 10%\n", one_payee, deals);
  tl_result *one = tl_eng_run_threads(prog, ldg, diags, 0, 1);
  tl_result *two = tl_eng_run_threads(prog, ldg, diags, 0, 2);
  assert_non_null(one);
  assert_non_null(two);
  for (size_t i = 0; i < one->nrows; i++)
    assert_true(tl_dec_cmp(tl_result_amount(one, i), tl_result_amount(two, i)) == 0);
  assert_string_equal(line_amounts("A", "c"), "972000000.00 0.00 0.00 0.00");
  tl_result_free(one);
  tl_result_free(two);
  free(deals);
}

/* ---- the result's compact rows ------------------------------------------- */

/* Amounts are held as 32-bit counts of the unit where they fit, others whole
** in a side list by row (engine.h, tl_result).  3,000 payees, so two threads
** each evaluate a range of them and each has wide amounts to join in row
** order; every seventh payee's commission is 30 million (3e9 cents: wide),
** every eleventh one's clawback makes it -30 million the quarter after. */
static char *many_payees(int n, char **deals) {
  char *p = NULL, *d = NULL;
  size_t np, nd;
  FILE *fp = open_memstream(&p, &np), *fd = open_memstream(&d, &nd);
  fputs("id,quota,target\n", fp);
  fputs("id,owner,closed,amount,cancelled\n", fd);
  for (int i = 0; i < n; i++) {
    fprintf(fp, "P%04d,400000,0\n", i);
    fprintf(fd, "D%04d,P%04d,2026-02-01,%s,%s\n", i, i, i % 7 ? "1234.50" : "300000000",
            i % 11 ? "" : "2026-05-01");
  }
  fclose(fp);
  fclose(fd);
  *deals = d;
  return p;
}

static void check_wide(const char *src) {
  char *deals, *payees = many_payees(3000, &deals);
  compile(src);
  tables t = { payees, NULL, deals, NULL, NULL };
  load(&t);
  tl_result *one = tl_eng_run_threads(prog, ldg, diags, 0, 1);
  tl_result *two = tl_eng_run_threads(prog, ldg, diags, 0, 2);
  assert_non_null(one);
  assert_non_null(two);
  assert_int_equal(one->nrows, 3000 * 4 * 4);
  assert_int_equal(two->nrows, one->nrows);
  assert_true(one->nwide > 0);
  assert_int_equal(two->nwide, one->nwide);
  for (size_t i = 1; i < two->nwide; i++) assert_true(two->wide[i - 1].i < two->wide[i].i);
  size_t wide = 0;
  for (size_t i = 0; i < one->nrows; i++) {
    tl_row a = tl_result_row(one, i), b = tl_result_row(two, i);
    assert_int_equal(a.payee, b.payee);
    assert_int_equal(a.period, b.period);
    assert_int_equal(a.line, b.line);
    assert_true(tl_dec_cmp(a.amount, b.amount) == 0);
    wide += two->units[i] == TL_RESULT_WIDE;
  }
  assert_int_equal(wide, two->nwide);
  /* P0077: the 30 million in Q1, taken back in Q2; earned, net and balance */
  const char *ids[] = { "P0077", "P0076" };
  const char *want[] = { "30000000.00 -30000000.00 0.00 0.00", "123.45 0.00 0.00 0.00" };
  for (int k = 0; k < 2; k++) {
    tl_result v;
    assert_true(tl_result_payee(two, tl_ldg_find(ldg, TL_TB_PAYEES, ids[k]), &v));
    char got[256];
    size_t n = 0;
    for (size_t i = 0; i < v.nrows; i++) {
      tl_row r = tl_result_row(&v, i);
      if (r.line != 0) continue;
      char amt[64];
      tl_dec_format(r.amount, 2, false, amt, sizeof amt);
      n += (size_t)snprintf(got + n, sizeof got - n, "%s%s", n ? " " : "", amt);
    }
    assert_string_equal(got, want[k]);
  }
  tl_result_free(one);
  tl_result_free(two);
  free(payees);
  free(deals);
}

static void test_result_wide(void **state) {
  static const char plan[] =
    "currency USD\n"
    "year 2026-01-01 to 2026-12-31\n"
    "period quarter\n"
    "rounding half_up to %s\n"
    "input payees { id text key, quota money, target money }\n"
    "input deals { id text key, owner payee, closed date, amount money, cancelled date? }\n"
    "credit deals to owner\n"
    "clawback deals cancelled within 120 days\n"
    "component c = sum(credit.amount) * 10%%\n";
  char src[1024];
  /* cents: 3e9 of them is wide */
  snprintf(src, sizeof src, plan, "0.01");
  check_wide(src);
  /* a tenth of a cent: the general division, and 123.45 is 123450 units */
  snprintf(src, sizeof src, plan, "0.001");
  check_wide(src);
}

/* A payees worker that cannot start: the caller evaluates its range itself,
** in order, and still takes the worker after it, whose payees' sums are
** handed back by then (release_sums); evaluating that range again would read
** zeros.  12,000 payees, monthly: each range's sums pass the 64 KB a release
** takes. */
static void test_worker_not_started(void **state) {
  static const char src[] =
    "currency USD\n"
    "year 2026-01-01 to 2026-12-31\n"
    "period month\n"
    "input payees { id text key, quota money, target money }\n"
    "input deals { id text key, owner payee, closed date, amount money, cancelled date? }\n"
    "credit deals to owner\n"
    "component c = sum(credit.amount) * 10%\n";
  char *deals, *payees = many_payees(12000, &deals);
  compile(src);
  tables t = { payees, NULL, deals, NULL, NULL };
  load(&t);
  tl_result *one = tl_eng_run_threads(prog, ldg, diags, 0, 1);
  assert_non_null(one);
  for (int k = 1; k <= 2; k++) {
    tl_eng_fail_start(k);     /* the first, then the second of three threads' workers */
    tl_result *three = tl_eng_run_threads(prog, ldg, diags, 0, 3);
    tl_eng_fail_start(0);
    assert_non_null(three);
    assert_int_equal(three->nrows, one->nrows);
    assert_int_equal(three->nwide, one->nwide);
    for (size_t i = 0; i < one->nrows; i++)
      assert_true(tl_dec_cmp(tl_result_amount(one, i), tl_result_amount(three, i)) == 0);
    tl_result_free(three);
  }
  tl_result v;   /* P7001 closed 1,234.50 in February: 123.45 */
  assert_true(tl_result_payee(one, tl_ldg_find(ldg, TL_TB_PAYEES, "P7001"), &v));
  char amt[64];
  tl_dec_format(tl_result_amount(&v, 1 * 4), 2, false, amt, sizeof amt);
  assert_string_equal(amt, "123.45");
  tl_result_free(one);
  free(payees);
  free(deals);
}

/* ---- the disassembler ---------------------------------------------------- */

static void test_disasm(void **state) {
  static const char src[] =
    "currency USD\n"
    "year 2026-01-01 to 2026-12-31\n"
    "period year\n"
    "credit deals to owner\n"
    "measure big = sum(credit.amount where credit.share > 50%)\n"
    "component c = if big > 100 and true then big * 10% else max(big, 1)\n";
  compile(src);
  size_t len;
  free(printed);
  printed = NULL;
  FILE *f = open_memstream(&printed, &len);
  tl_prog_disasm(prog, src, strlen(src), f);
  fclose(f);
  assert_string_equal(printed,
    "chunk 0: a sum/count filter (credit context, stack 1)\n"
    "     5 | measure big = sum(credit.amount where credit.share > 50%)\n"
    "  0000  CREDIT    1\n"
    "  0001  GTK       0  ; 0.5\n"
    "  0002  RET      \n"
    "chunk 1: a sum (credit context, stack 1)\n"
    "     5 | measure big = sum(credit.amount where credit.share > 50%)\n"
    "  0000  CREDIT    0\n"
    "  0001  RET      \n"
    "chunk 2: measure big (period context, stack 1)\n"
    "     5 | measure big = sum(credit.amount where credit.share > 50%)\n"
    "  0000  AGG       0\n"
    "  0001  RET      \n"
    "chunk 3: component c (period context, stack 2)\n"
    "     6 | component c = if big > 100 and true then big * 10% else max(big, 1)\n"
    "  0000  MEASURE   0  ; big\n"
    "  0001  GTK       1  ; 100\n"
    "  0002  JUMPFK    1  ; to 0004\n"
    "  0003  CONST     2  ; true\n"
    "  0004  JUMPF     4  ; to 0009\n"
    "  0005  MEASURE   0  ; big\n"
    "  0006  CONST     3  ; 0.1\n"
    "  0007  MUL      \n"
    "  0008  JUMP      3  ; to 0012\n"
    "  0009  MEASURE   0  ; big\n"
    "  0010  CONST     4  ; 1\n"
    "  0011  CALL      2  ; 2 args\n"
    "  0012  RET      \n");
}

/* ---- filters without the loop -------------------------------------------- */

/* rows() with every filter and value planned without the VM's loop, which
** must be what they are with all of them in it (tl_eng_all_in_vm). */
static const char *rows_as_in_vm(void) {
  tl_eng_all_in_vm(true);
  char *in_vm = strdup(rows());
  tl_eng_all_in_vm(false);
  assert_string_equal(rows(), in_vm);
  free(in_vm);
  return printed;
}

/* Every filter of a plan, run as tests (tl_vm_tests_of) and in the loop,
** gives the same payouts; and the filters that should be planned as tests
** are.  The ledger has what each typed case must still get right: a literal
** that is also a deal id, one no cell holds, the empty text against empty
** optional cells (never equal), a split deal and a manager's rollup lines. */
static void test_filter_tests(void **state) {
  static const char plan[] =
    "currency USD\n"
    "year 2026-01-01 to 2026-12-31\n"
    "period quarter\n"
    "input payees { id text key, region text?, manager payee? }\n"
    "input deals { id text key, owner payee, closed date, amount money, product text?,\n"
    "              cancelled date? }\n"
    "credit deals where product != \"Gift\" to owner\n"
    "rollup to manager\n"
    "measure w = sum(credit.amount where deal.product == \"Widget\")\n"
    "measure nw = sum(credit.amount where deal.product != \"Widget\")\n"
    "measure key = sum(credit.amount where deal.product == \"D2\")\n"
    "measure none = sum(credit.amount where deal.product == \"Nothing\")\n"
    "measure idk = sum(credit.amount where deal.id == \"D3\")\n"
    "measure q3 = sum(credit.amount where credit.date in 2026-07-01 to 2026-09-30)\n"
    "measure both = sum(credit.amount where (deal.product == \"Widget\" and credit.date in\n"
    "                   2026-01-01 to 2026-06-30) and payee.region == \"West\")\n"
    "measure right = sum(credit.amount where deal.product == \"Widget\" and (deal.amount > 100 and\n"
    "                      deal.cancelled in 2026-01-01 to 2026-12-31))\n"
    "measure nocancel = sum(credit.amount where deal.cancelled <= 2026-06-30)\n"
    "measure direct = sum(credit.amount where credit.direct == false)\n"
    "measure big = sum(credit.amount where credit.amount >= 150 and deal.closed > 2026-02-01)\n"
    "measure either = sum(credit.amount where deal.product == \"Widget\" or deal.amount < 50)\n"
    "measure five = sum(credit.amount where deal.amount > 1 and deal.amount > 2 and deal.amount > 3\n"
    "                     and deal.amount > 4 and deal.amount > 5)\n"
    "measure empty = sum(credit.amount where deal.product == \"\")\n"
    "component c = empty * 41 + w + nw * 2 + key * 3 + none * 5 + idk * 7 + q3 * 11 + both * 13\n"
    "              + right * 17 + nocancel * 19 + direct * 23 + big * 29 + either * 31 + five * 37\n";
  static const char payees[] =
    "id,region,manager\nA,West,M\nB,,M\nM,East,\nD2,West,\n";
  static const char deals[] =
    "id,owner,closed,amount,product,cancelled\n"
    "D1,A,2026-01-15,100,Widget,\n"
    "D2,B,2026-03-01,200,D2,2026-05-01\n"
    "D3,A,2026-07-04,50,Widget,2026-08-01\n"
    "D4,B,2026-08-31,300,,\n"
    "D5,D2,2026-09-30,175.5,Widget,2026-12-31\n"
    "D6,A,2026-12-31,1000,Gift,\n"
    "D7,A,2026-04-01,20,Core,\n";
  static const char splits[] = "deal,payee,share\nD5,A,0.25\nD5,B,0.75\n";
  compile(plan);
  tables t = { payees, NULL, deals, splits, NULL };
  load(&t);
  rows_as_in_vm();
  /* the payouts are not all zero: the filters select something */
  assert_non_null(strstr(printed, " c "));
  assert_null(strstr(printed, "A 2026-Q1 c 0.00"));

  /* planned: each `and` of tests; not: `or`, and more than four tests */
  tl_vm_init(&vm, prog, ldg);
  have_vm = true;
  static const int planned[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1 };
  const char *names[] = { "w", "nw", "key", "none", "idk", "q3", "both", "right", "nocancel",
                          "direct", "big", "either", "five", "empty" };
  assert_int_equal(prog->naggs, 14);
  for (uint32_t i = 0; i < prog->naggs; i++) {
    tl_vm_tests ts;
    bool got = tl_vm_tests_of(&vm, prog->aggs[i].filter, &ts);
    if (got != planned[i]) fail_msg("measure %s: planned %d", names[i], got);
  }
  tl_vm_tests ts;
  assert_true(tl_vm_tests_of(&vm, prog->rules[0].filter, &ts));
  assert_int_equal(ts.n, 1);
  /* and not when the step budget would not cover the chunk */
  vm.step_limit = 4;
  assert_false(tl_vm_tests_of(&vm, prog->aggs[6].filter, &ts));
}

/* A credit line's value of the usual forms (the line's amount or share, a
** constant times either, either times a constant) is had without the VM
** (engine.c, plan_values), and must be what the VM gives: the same payouts,
** and, where the product overflows, the same message. */
static void test_line_values(void **state) {
  static const char head[] =
    "currency USD\n"
    "year 2026-01-01 to 2026-12-31\n"
    "period quarter\n"
    "input deals { id text key, owner payee, closed date, amount money, product text? }\n"
    "credit deals to owner\n";
  static const char body[] =
    "measure a = sum(credit.amount)\n"
    "measure s = sum(credit.share where deal.product == \"Widget\")\n"
    "measure t = sum(credit.amount * 3)\n"
    "measure u = sum(2.5 * credit.amount)\n"
    "measure v = sum(credit.amount * 0.3333)\n"
    "measure w = sum(0.0007 * credit.share)\n"
    "measure x = sum(credit.amount + 1)\n"
    "component spif = 250 per credit where deal.product == \"Widget\"\n"
    "component c = a + t * 11 + u * 13 + v * 17 + x * 19 + a * s + a * w * 1_000\n";
  static const char payees[] = "id\nA\nB\n";
  static const char deals[] =
    "id,owner,closed,amount,product\n"
    "D1,A,2026-01-15,100.01,Widget\n"
    "D2,B,2026-03-01,200.5,Core\n"
    "D3,A,2026-07-04,0.03,Widget\n"
    "D4,B,2026-08-31,-12.34,Widget\n"
    "D5,A,2026-09-30,175.55,Widget\n";
  static const char splits[] = "deal,payee,share\nD5,A,0.3334\nD5,B,0.6666\n";
  char src[2048];
  snprintf(src, sizeof src, "%s%s", head, body);
  compile(src);
  tables t = { payees, NULL, deals, splits, NULL };
  load(&t);
  rows_as_in_vm();
  assert_non_null(strstr(printed, "A 2026-Q3 spif 333.35\n"));   /* 250 + 250 * 0.3334 */
  assert_non_null(strstr(printed, "B 2026-Q3 spif 416.65\n"));   /* 250 * (1 + 0.6666) */
  /* a product past the range: the message is the VM's, both ways */
  const char *const big[] = {
    "measure o = sum(credit.amount * 10_000_000_000_000_000_000_000_000_000)\n",
    "measure o = sum(10_000_000_000_000_000_000_000_000_000 * credit.amount)\n",
  };
  for (int i = 0; i < 2; i++) {
    snprintf(src, sizeof src, "%s%scomponent c = o\n", head, big[i]);
    char *msg[2];
    for (int k = 0; k < 2; k++) {
      compile(src);
      load(&t);
      tl_eng_all_in_vm(k == 1);
      tl_result_free(res);
      res = tl_eng_run(prog, ldg, diags);
      assert_null(res);
      msg[k] = strdup(diag_text());
    }
    tl_eng_all_in_vm(false);
    assert_string_equal(msg[0], msg[1]);
    assert_non_null(strstr(msg[0], "arithmetic overflow"));
    free(msg[0]);
    free(msg[1]);
  }
}

/* ---- fixed bugs (each test failed before its fix) ----------------------- */

/* Text literals are looked up in the ledger's strings, and one that no cell
** holds gets the id "absent", which never equals anything: not even the same
** literal. */
static void test_bug_text_literals_equal(void **state) {
  assert_eval("\"AE\" == \"AE\"", "true");
  assert_eval("\"AE\" in [\"SE\", \"AE\"]", "true");
  assert_eval("\"a\" < \"b\"", "true");
}

/* A test with a literal on its right reads the constant in place (EQK ...
** GEK, RANGEK): each gives what the two-operand test gives, both ways. */
static void test_literal_tests(void **state) {
  assert_eval("2 >= 2", "true");
  assert_eval("1 >= 2", "false");
  assert_eval("2 <= 1", "false");
  assert_eval("2 <= 2.0", "true");
  assert_eval("3 < 2.5", "false");
  assert_eval("2.5 < 3", "true");
  assert_eval("2 > 2", "false");
  assert_eval("1 == 1.000", "true");
  assert_eval("1 != 1", "false");
  assert_eval("1 != 2", "true");
  assert_eval("\"b\" > \"a\"", "true");
  assert_eval("\"AE\" != \"SE\"", "true");
  assert_eval("\"AE\" != \"AE\"", "false");
  assert_eval("\"b\" <= \"a\"", "false");
  assert_eval("(1 > 2) == false", "true");
  assert_eval("2026-01-01 in 2026-01-01 to 2026-01-01", "true");
  assert_eval("2025-12-31 in 2026-01-01 to 2026-01-01", "false");
  assert_eval("5 in 1 to 10", "true");
  assert_eval("11 in 1 to 10", "false");
  /* and with the literal on the left, still two operands */
  assert_eval("2 < 2026-01-02 - 2026-01-01 + 2", "true");
  assert_eval("\"a\" < \"b\" and \"b\" >= \"b\"", "true");
}

/* days() cannot be called: `days` is a keyword (see test_parser.c). */
static void test_bug_days(void **state) {
  assert_eval("days(2026-01-01, 2026-03-01)", "59");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(test_arithmetic, teardown),
    cmocka_unit_test_teardown(test_dates, teardown),
    cmocka_unit_test_teardown(test_builtins, teardown),
    cmocka_unit_test_teardown(test_short_circuit, teardown),
    cmocka_unit_test_teardown(test_if, teardown),
    cmocka_unit_test_teardown(test_in, teardown),
    cmocka_unit_test_teardown(test_division_by_zero, teardown),
    cmocka_unit_test_teardown(test_overflow, teardown),
    cmocka_unit_test_teardown(test_marginal_cumulative, teardown),
    cmocka_unit_test_teardown(test_tier_bounds, teardown),
    cmocka_unit_test_teardown(test_curve, teardown),
    cmocka_unit_test_teardown(test_rounding, teardown),
    cmocka_unit_test_teardown(test_division_by_zero_in_run, teardown),
    cmocka_unit_test_teardown(test_wide_sums, teardown),
    cmocka_unit_test_teardown(test_result_wide, teardown),
    cmocka_unit_test_teardown(test_worker_not_started, teardown),
    cmocka_unit_test_teardown(test_disasm, teardown),
    cmocka_unit_test_teardown(test_literal_tests, teardown),
    cmocka_unit_test_teardown(test_filter_tests, teardown),
    cmocka_unit_test_teardown(test_line_values, teardown),
    cmocka_unit_test_teardown(test_bug_text_literals_equal, teardown),
    cmocka_unit_test_teardown(test_bug_days, teardown),
    cmocka_unit_test_teardown(test_deals_read, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
