/*
** test_check.c: the checker (tl_check): names, types, units, contexts, tier
** tables, cycles, duplicates, the plan header, and what it writes into the
** tree for the compiler.  Messages are compared as printed, with the source
** line and caret, because their wording and place are the user interface.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/front.h"

#define FILE_NAME "p.tally"

/* Eight lines every test builds on; a test's own text starts on line 9. */
static const char header[] =
  "plan \"t\"\n"
  "currency USD\n"
  "year 2026-01-01 to 2026-12-31\n"
  "period quarter\n"
  "input payees { id text key, role text, quota money, target money, start date }\n"
  "input deals { id text key, owner payee, closed date, amount money, product text, "
  "cancelled date? }\n"
  "credit deals to owner\n"
  "measure bookings = sum(credit.amount)\n";

static tl_diags *diags;
static tl_plan *plan;
static tl_checked checked;
static bool have_checked;
static char *printed;
static char *source;

static int teardown(void **state) {
  (void)state;
  if (have_checked) tl_checked_free(&checked);
  have_checked = false;
  tl_plan_free(plan);
  tl_diags_free(diags);
  free(printed);
  free(source);
  plan = NULL;
  diags = NULL;
  printed = NULL;
  source = NULL;
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

/* Parse text, which must have no syntax errors. */
static void parse_text(const char *text) {
  teardown(NULL);
  source = strdup(text);
  diags = tl_diags_new();
  tl_diag_source(diags, FILE_NAME, source, strlen(source));
  plan = tl_parse(FILE_NAME, source, strlen(source), diags);
  if (tl_diag_errors(diags)) fail_msg("%s", diag_text());
}

/* Parse and check text; returns the checker's error count. */
static int check_text(const char *text) {
  parse_text(text);
  have_checked = true;
  return tl_check(plan, diags, &checked);
}

/* The header plus body: the printed diagnostics. */
static const char *check(const char *body) {
  char *src = malloc(strlen(header) + strlen(body) + 1);
  strcpy(src, header);
  strcat(src, body);
  check_text(src);
  free(src);
  return diag_text();
}

static void check_clean(const char *body) {
  assert_string_equal(check(body), "");
  assert_int_equal(tl_diag_errors(diags), 0);
}

/* ---- units --------------------------------------------------------------- */

static void test_units(void **state) {
  assert_string_equal(check("component c = bookings + 5%\n"),
    "p.tally:9:15: error: cannot add money and a number\n"
    "    9 | component c = bookings + 5%\n"
    "      |               ^~~~~~~~~~~~~\n");
  assert_string_equal(check("component c = bookings * bookings\n"),
    "p.tally:9:15: error: cannot multiply money by money\n"
    "    9 | component c = bookings * bookings\n"
    "      |               ^~~~~~~~~~~~~~~~~~~\n");
  assert_string_equal(check("measure r = 1 / bookings\ncomponent c = bookings * r\n"),
    "p.tally:9:13: error: cannot divide a number by money\n"
    "    9 | measure r = 1 / bookings\n"
    "      |             ^~~~~~~~~~~~\n");
  assert_string_equal(check("component c = bookings - 10% * payee.target + 1%\n"),
    "p.tally:9:15: error: cannot add money and a number\n"
    "    9 | component c = bookings - 10% * payee.target + 1%\n"
    "      |               ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
  assert_string_equal(check("component c = if bookings > 5% then bookings else 0\n"),
    "p.tally:9:18: error: cannot compare money with a number\n"
    "    9 | component c = if bookings > 5% then bookings else 0\n"
    "      |                  ^~~~~~~~~~~~~\n");
  /* one mistake, one message: the error type silences what contains it */
  check("component c = (bookings + 5%) * 2 + bookings\n");
  assert_int_equal(tl_diag_errors(diags), 1);
}

/* A bare literal takes the unit its use needs; money / money is a number. */
static void test_units_that_work(void **state) {
  check_clean("measure att = bookings / payee.quota\n"
              "component c = bookings * 10% * att + 1_000 - payee.target / 4\n"
              "  cap 2 * payee.target per year\n");
  tl_item *att = checked.measures.v[1];
  assert_string_equal(att->name, "att");
  assert_int_equal(att->x->type, TL_TY_NUMBER);
  assert_int_equal(checked.measures.v[0]->x->type, TL_TY_MONEY);
  assert_int_equal(checked.components.v[0]->x->type, TL_TY_MONEY);
  check_clean("component c = if credit_days > 30 then bookings else 0\n"
              "measure credit_days = days_left * 1\n"
              "measure days_left = 2026-12-31 - 2026-01-01\n");
}

/* ---- names and contexts -------------------------------------------------- */

static void test_unknown_names(void **state) {
  assert_string_equal(check("component c = bookingz * 10%\n"),
    "p.tally:9:15: error: unknown name bookingz\n"
    "    9 | component c = bookingz * 10%\n"
    "      |               ^~~~~~~~\n");
  assert_string_equal(check("component c = bookings * 10% cap payee.ceiling per year\n"),
    "p.tally:9:34: error: payees has no column ceiling (declare it in input payees)\n"
    "    9 | component c = bookings * 10% cap payee.ceiling per year\n"
    "      |                                  ^~~~~~~~~~~~~\n");
  assert_string_equal(check("measure eu = sum(credit.amount where deal.region == \"EU\")\n"
                            "component c = eu * 10%\n"),
    "p.tally:9:38: error: deals has no column region (declare it in input deals)\n"
    "    9 | measure eu = sum(credit.amount where deal.region == \"EU\")\n"
    "      |                                      ^~~~~~~~~~~\n");
  assert_string_equal(check("measure n = sum(credit.amt)\ncomponent c = n\n"),
    "p.tally:9:17: error: a credit line has no field amt (amount, share, date, payee, deal, "
    "direct)\n"
    "    9 | measure n = sum(credit.amt)\n"
    "      |                 ^~~~~~~~~~\n");
  assert_string_equal(check("eligible payees where title == \"AE\"\ncomponent c = bookings\n"),
    "p.tally:9:23: error: payees has no column title\n"
    "    9 | eligible payees where title == \"AE\"\n"
    "      |                       ^~~~~\n");
  assert_string_equal(check("component c = avg(bookings)\n"),
    "p.tally:9:15: error: unknown function avg\n"
    "    9 | component c = avg(bookings)\n"
    "      |               ^~~~~~~~~~~~~\n");
  assert_string_equal(check("component c = ratio(bookings) * 1\n"),
    "p.tally:9:15: error: ratio takes 2 arguments, not 1\n"
    "    9 | component c = ratio(bookings) * 1\n"
    "      |               ^~~~~~~~~~~~~~~\n");
  assert_string_equal(check("component c = sum(credit.amount, 2)\n"),
    "p.tally:9:15: error: sum takes one argument, not 2\n"
    "    9 | component c = sum(credit.amount, 2)\n"
    "      |               ^~~~~~~~~~~~~~~~~~~~~\n");
}

static void test_wrong_context(void **state) {
  assert_string_equal(check("component c = bookings * 10% + deal.amount\n"),
    "p.tally:9:32: error: deal.amount is only known where one deal is at hand (credit filters, "
    "sum/count filters, per-credit amounts)\n"
    "    9 | component c = bookings * 10% + deal.amount\n"
    "      |                                ^~~~~~~~~~~\n");
  assert_string_equal(check("measure last = credit.amount\ncomponent c = last\n"),
    "p.tally:9:16: error: credit.amount is only known inside sum(...), count(...) and "
    "per-credit components\n"
    "    9 | measure last = credit.amount\n"
    "      |                ^~~~~~~~~~~~~\n");
  assert_string_equal(check("credit deals where payee.role == \"AE\" to owner\n"
                            "component c = bookings\n"),
    "p.tally:9:20: error: payee.role is not known in a credit filter (use deal.role for the "
    "deal's columns)\n"
    "    9 | credit deals where payee.role == \"AE\" to owner\n"
    "      |                    ^~~~~~~~~~\n");
  assert_string_equal(check("eligible payees where sum(credit.amount) > 0\n"
                            "component c = bookings\n"),
    "p.tally:9:23: error: sum(...) is not allowed in an eligibility filter\n"
    "    9 | eligible payees where sum(credit.amount) > 0\n"
    "      |                       ^~~~~~~~~~~~~~~~~~\n");
  assert_string_equal(check("component c = 100 per credit where product == \"W\"\n"),
    "p.tally:9:36: error: unknown name product (in a per-credit expression, use "
    "credit.product, deal.product or payee.product)\n"
    "    9 | component c = 100 per credit where product == \"W\"\n"
    "      |                                    ^~~~~~~\n");
  assert_string_equal(check("quota = ytd(bookings)\ncomponent c = bookings\n"),
    "p.tally:9:9: error: ytd(...) is not allowed in the quota\n"
    "    9 | quota = ytd(bookings)\n"
    "      |         ^~~~~~~~~~~~~\n");
  assert_string_equal(check("component c = bookings * 10%\ncomponent d = c * 2\n"),
    "p.tally:10:15: error: component c cannot be used in an expression (components are paid, "
    "not measured: define a measure)\n"
    "   10 | component d = c * 2\n"
    "      |               ^\n");
}

/* ---- tier tables --------------------------------------------------------- */

static void test_tier_bounds(void **state) {
  assert_string_equal(check("component c =\n"
                            "  marginal bookings over payee.quota {\n"
                            "      0% : 8%\n"
                            "    100% : 12%\n"
                            "     90% : 15%\n"
                            "  }\n"),
    "p.tally:13:6: error: tier bounds must increase: this bound is not above the one on line 12\n"
    "   13 |      90% : 15%\n"
    "      |      ^~~~~~~~~\n");
  /* an equal bound is not above either, and each bad row is reported */
  check("component c = retro bookings {\n"
        "  0 : 1%\n"
        "  0 : 2%\n"
        "  5_000 : 3%\n"
        "  4_000 : 4%\n"
        "}\n");
  assert_int_equal(tl_diag_errors(diags), 2);
  assert_int_equal(tl_diag_at(diags, 0)->line, 11);
  assert_int_equal(tl_diag_at(diags, 1)->line, 13);
}

/* The grammar needs a row in every table, so an empty table can only reach
** the checker from a tree built or changed by a program (a formatter, a
** REPL): the checker must still refuse it. */
static void test_empty_tier_table(void **state) {
  char *src = malloc(strlen(header) + 64);
  strcpy(src, header);
  strcat(src, "component c = marginal bookings { 0: 5% }\n");
  parse_text(src);
  free(src);
  tl_item *it = plan->items;
  while (it->next) it = it->next;
  assert_int_equal(it->x->kind, TL_E_TIER);
  it->x->u.tier.rows = NULL;
  have_checked = true;
  assert_int_equal(tl_check(plan, diags, &checked), 1);
  assert_string_equal(diag_text(),
    "p.tally:9:15: error: empty tier table\n"
    "    9 | component c = marginal bookings { 0: 5% }\n"
    "      |               ^~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

static void test_tier_types(void **state) {
  assert_string_equal(check("measure att = bookings / payee.quota\n"
                            "component c = marginal att { 0: 5% }\n"),
    "p.tally:10:24: error: a tier table's input must be money, not a number\n"
    "   10 | component c = marginal att { 0: 5% }\n"
    "      |                        ^~~\n");
  assert_string_equal(check("component c = curve bookings { 0: 5% } * payee.target\n"),
    "p.tally:9:21: error: a curve's input (attainment) must be a number, not money\n"
    "    9 | component c = curve bookings { 0: 5% } * payee.target\n"
    "      |                     ^~~~~~~~\n");
  assert_string_equal(check("component c = 100 per credit where marginal bookings { 0: 1% } > 0\n"),
    "p.tally:9:36: error: tier tables are not allowed in a per-credit expression\n"
    "    9 | component c = 100 per credit where marginal bookings { 0: 1% } > 0\n"
    "      |                                    ^~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

/* ---- declarations -------------------------------------------------------- */

static void test_cycles(void **state) {
  assert_string_equal(check("measure a = b + bookings\n"
                            "measure b = a * 2\n"
                            "component c = a\n"),
    "p.tally:10:13: error: measure a depends on itself\n"
    "   10 | measure b = a * 2\n"
    "      |             ^\n");
  assert_string_equal(check("measure s = s + bookings\ncomponent c = s\n"),
    "p.tally:9:13: error: measure s depends on itself\n"
    "    9 | measure s = s + bookings\n"
    "      |             ^\n");
}

static void test_duplicates(void **state) {
  assert_string_equal(check("measure bookings = sum(credit.amount)\ncomponent c = bookings\n"),
    "p.tally:9:9: error: bookings is already defined on line 8\n"
    "    9 | measure bookings = sum(credit.amount)\n"
    "      |         ^~~~~~~~\n");
  assert_string_equal(check("component bookings = 1\ncomponent c = bookings\n"),
    "p.tally:9:11: error: bookings is already defined on line 8\n"
    "    9 | component bookings = 1\n"
    "      |           ^~~~~~~~\n");
  assert_string_equal(check("currency EUR\ncomponent c = bookings\n"),
    "p.tally:9:1: error: duplicate currency declaration (the first is on line 2)\n"
    "    9 | currency EUR\n"
    "      | ^~~~~~~~~~~~\n");
  assert_string_equal(check("quota = payee.quota\nquota from quotas\ncomponent c = bookings\n"),
    "p.tally:10:1: error: duplicate quota declaration (the first is on line 9)\n"
    "   10 | quota from quotas\n"
    "      | ^~~~~~~~~~~~~~~~~\n");
  check_text("currency USD\nyear 2026-01-01 to 2026-12-31\nperiod month\n"
             "input payees { id text key, role text, role text }\n"
             "credit deals to owner\ncomponent c = 1\n");
  assert_string_equal(diag_text(),
    "p.tally:4:40: error: column role is declared twice\n"
    "    4 | input payees { id text key, role text, role text }\n"
    "      |                                        ^~~~\n");
}

static void test_reserved_names(void **state) {
  assert_string_equal(check("measure earned = bookings\ncomponent c = bookings\n"),
    "p.tally:9:9: error: earned is a reserved name; choose another name for this measure\n"
    "    9 | measure earned = bookings\n"
    "      |         ^~~~~~\n");
  check("component balance = bookings\ncomponent c = bookings\n");
  assert_int_equal(tl_diag_errors(diags), 1);
  assert_string_equal(tl_diag_at(diags, 0)->message,
                      "balance is a reserved name; choose another name for this component");
  check("measure quota = bookings\ncomponent c = bookings\n");
  assert_string_equal(tl_diag_at(diags, 0)->message,
                      "quota is a reserved name; choose another name for this measure");
}

/* ---- the header ---------------------------------------------------------- */

/* A missing declaration has no place of its own in the file; only the
** messages are fixed here (where they point is a reported problem). */
static void test_missing_header(void **state) {
  check_text("# no header at all\n"
             "credit deals to owner\n"
             "component c = sum(credit.amount)\n");
  assert_int_equal(tl_diag_errors(diags), 3);
  assert_string_equal(tl_diag_at(diags, 0)->message,
                      "the plan declares no currency (add: currency USD)");
  assert_string_equal(tl_diag_at(diags, 1)->message,
                      "the plan declares no year (add: year 2026-01-01 to 2026-12-31)");
  assert_string_equal(tl_diag_at(diags, 2)->message,
                      "the plan declares no period (add: period month, quarter or year)");
  check_text("currency USD\nyear 2026-01-01 to 2026-12-31\nperiod month\n");
  assert_int_equal(tl_diag_errors(diags), 2);
  assert_string_equal(tl_diag_at(diags, 0)->message,
                      "the plan credits no deals (add: credit deals where ... to owner)");
  assert_string_equal(tl_diag_at(diags, 1)->message,
                      "the plan has no component, so it pays nothing (add: component ...)");
}

static void test_bad_header(void **state) {
  check_text("currency usd\n"
             "year 2026-02-15 to 2027-02-14\n"
             "period quarterly\n"
             "rounding half_down to 0.01\n"
             "credit deals to owner\ncomponent c = 1\n");
  assert_string_equal(diag_text(),
    "p.tally:3:8: error: unknown period quarterly (use month, quarter or year)\n"
    "    3 | period quarterly\n"
    "      |        ^~~~~~~~~\n"
    "p.tally:2:1: error: the plan year must start on the first day of a month\n"
    "    2 | year 2026-02-15 to 2027-02-14\n"
    "      | ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
    "p.tally:4:10: error: unknown rounding half_down (use half_up or half_even)\n"
    "    4 | rounding half_down to 0.01\n"
    "      |          ^~~~~~~~~\n"
    "p.tally:1:10: error: currency must be a three-letter code such as USD, not usd\n"
    "    1 | currency usd\n"
    "      |          ^~~\n");
  check_text("currency USD\nyear 2026-01-01 to 2026-12-30\nperiod month\n"
             "credit deals to owner\ncomponent c = 1\n");
  assert_string_equal(tl_diag_at(diags, 0)->message,
                      "the plan year must last exactly 12 months (2026-01-01 to 2026-12-31)");
}

static void test_period_literal_outside_year(void **state) {
  assert_string_equal(check("measure q3 = sum(credit.amount where credit.date in 2025-Q3)\n"
                            "component c = q3 * 5%\n"),
    "p.tally:9:38: error: 2025-Q3 is not a month or quarter of this plan's year (2026-Q1 to 2026-Q4)\n"
    "    9 | measure q3 = sum(credit.amount where credit.date in 2025-Q3)\n"
    "      |                                      ^~~~~~~~~~~~~~~~~~~~~~\n");
  /* a month of the plan year is a window in a quarterly plan too */
  check_clean("measure m = sum(credit.amount where credit.date in 2026-07)\n"
              "component c = m + bookings * 0\n");
  check("measure m = sum(credit.amount where credit.date in 2027-01)\ncomponent c = m\n");
  assert_string_equal(tl_diag_at(diags, 0)->message,
                      "2027-01 is not a month or quarter of this plan's year (2026-Q1 to 2026-Q4)");
  check_clean("measure q3 = sum(credit.amount where credit.date in 2026-Q3)\n"
              "component c = q3 * 5% + bookings * 0\n");
  tl_expr *w = checked.measures.v[1]->x->u.call.where;
  assert_int_equal(w->kind, TL_E_INPERIOD);
}

/* ---- components, rules, draws -------------------------------------------- */

static void test_components(void **state) {
  assert_string_equal(check("component c = bookings > 0\n"),
    "p.tally:9:15: error: a component's value must be money, not a bool\n"
    "    9 | component c = bookings > 0\n"
    "      |               ^~~~~~~~~~~~\n");
  assert_string_equal(check("component c = ratio(bookings, payee.quota)\n"),
    "p.tally:9:15: error: a component's value must be money, not a number\n"
    "    9 | component c = ratio(bookings, payee.quota)\n"
    "      |               ^~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
  assert_string_equal(check("component c cumulative = ytd(bookings) * 10%\n"
                            "  cap 10_000 per period\n"),
    "p.tally:10:3: error: cap per period needs a period component (a cumulative component's "
    "value is year-to-date: use cap ... per year)\n"
    "   10 |   cap 10_000 per period\n"
    "      |   ^~~~~~~~~~~~~~~~~~~~~\n");
  assert_string_equal(check("component c cumulative = 100 per credit\n"),
    "p.tally:9:1: error: a per-credit component pays in the period of each credit; remove "
    "cumulative\n"
    "    9 | component c cumulative = 100 per credit\n"
    "      | ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
  assert_string_equal(check("component c = bookings * 10% cap 5% per year\n"),
    "p.tally:9:34: error: a cap must be money, not a number\n"
    "    9 | component c = bookings * 10% cap 5% per year\n"
    "      |                                  ^~\n");
}

static void test_rules(void **state) {
  assert_string_equal(check("credit deals to product\ncomponent c = bookings\n"),
    "p.tally:9:17: error: column product of deals must be a payee column, not text\n"
    "    9 | credit deals to product\n"
    "      |                 ^~~~~~~\n");
  assert_string_equal(check("clawback deals product within 90 days\ncomponent c = bookings\n"),
    "p.tally:9:16: error: column product of deals must be a date to be a cancellation date\n"
    "    9 | clawback deals product within 90 days\n"
    "      |                ^~~~~~~\n");
  assert_string_equal(check("clawback deals canceled within 90 days\ncomponent c = bookings\n"),
    "p.tally:9:16: error: deals has no column canceled (declare it: canceled date?)\n"
    "    9 | clawback deals canceled within 90 days\n"
    "      |                ^~~~~~~~\n");
  assert_string_equal(check("quota = 5%\ncomponent c = bookings\n"),
    "p.tally:9:9: error: the quota must be money, not a number\n"
    "    9 | quota = 5%\n"
    "      |         ^~\n");
  assert_string_equal(check("eligible payees where role\ncomponent c = bookings\n"),
    "p.tally:9:23: error: an eligibility filter must be a bool, not text\n"
    "    9 | eligible payees where role\n"
    "      |                       ^~~~\n");
}

static void test_draws(void **state) {
  static const char *const bad[] = { "0", "5", "1.5" };
  for (int i = 0; i < 3; i++) {
    char body[160];
    snprintf(body, sizeof body, "component c = bookings\n"
             "draw recoverable 1_000 per period for %s periods\n", bad[i]);
    check(body);
    assert_int_equal(tl_diag_errors(diags), 1);
    const struct tl_diag *g = tl_diag_at(diags, 0);
    assert_int_equal(g->line, 10);
    assert_int_equal(g->col, 1);
    assert_string_equal(g->message, "a draw lasts a whole number of periods, from 1 to the "
                        "periods in the plan year");
  }
  check_clean("component c = bookings\ndraw recoverable 1_000 per period for 4 periods\n");
  assert_string_equal(check("component c = bookings\n"
                            "draw nonrecoverable 10% per period for 1 periods\n"),
    "p.tally:10:21: error: a draw amount must be money, not a number\n"
    "   10 | draw nonrecoverable 10% per period for 1 periods\n"
    "      |                     ^~~\n");
}

/* ---- what the checker leaves for the compiler ----------------------------- */

static void test_annotations(void **state) {
  check_clean("quota = payee.quota / 4\n"
              "measure att = ratio(ytd(bookings), ytd(quota))\n"
              "component c = curve att { 50%: 25%, 100%: 100% } * payee.target\n"
              "component spif = 50 per credit where deal.product == \"W\"\n");
  assert_int_equal(checked.cal.n, 4);
  assert_int_equal(checked.measures.n, 2);
  assert_int_equal(checked.components.n, 2);
  assert_int_equal(checked.credits.n, 1);
  assert_int_equal(checked.credits.v[0]->slot, 1);      /* deals.owner */
  /* the required columns come first, then the declared ones in order */
  assert_int_equal(checked.payee_cols.n, 5);
  assert_string_equal(checked.payee_cols.v[4].name, "start");
  assert_int_equal(checked.deal_cols.n, 6);
  assert_string_equal(checked.deal_cols.v[5].name, "cancelled");
  assert_true(checked.deal_cols.v[5].optional);

  tl_expr *att = checked.measures.v[1]->x;
  assert_int_equal(att->type, TL_TY_NUMBER);
  tl_expr *ytd = att->u.call.args;
  assert_int_equal(ytd->u.call.args->kind, TL_E_NAME);
  assert_int_equal(ytd->u.call.args->u.name.ref, TL_REF_MEASURE);
  assert_int_equal(ytd->next->u.call.args->u.name.ref, TL_REF_QUOTA);

  tl_item *c = checked.components.v[0];
  assert_false(c->flag);
  assert_int_equal(c->x->type, TL_TY_MONEY);
  assert_int_equal(c->x->u.binary.l->type, TL_TY_NUMBER);       /* the curve */
  assert_int_equal(c->x->u.binary.r->u.field.col, 3);           /* payees.target */
  c = checked.components.v[1];
  assert_true(c->flag);
  assert_int_equal(c->where->u.binary.l->kind, TL_E_FIELD);
  assert_int_equal(c->where->u.binary.l->u.field.col, 4);       /* deals.product */
}

/* Every plan the project ships must check without an error or a warning. */
static void check_files_in(const char *dir, int *count) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[512];
    snprintf(path, sizeof path, "%s/%s/plan.tally", dir, e->d_name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, m);
    fclose(m);
    fclose(f);
    check_text(text);
    free(text);
    if (tl_diag_count(diags) != 0) fail_msg("%s:\n%s", path, diag_text());
    (*count)++;
  }
  closedir(d);
}

static void test_shipped_plans_check(void **state) {
  int n = 0;
  check_files_in("tests/acceptance", &n);
  check_files_in("tests/cases", &n);
  check_files_in("examples", &n);
  /* the suite runs from the top of the tree, which holds eight acceptance plans */
  assert_true(n >= 8);
}

/* ---- fixed bugs (each test failed before its fix) ----------------------- */

/* `rounding half_up to 0` is read as "no unit given" and becomes 0.01
** without a word; a unit of 0 cannot round anything and must be refused. */
static void test_bug_rounding_unit_zero(void **state) {
  check_text("currency USD\nyear 2026-01-01 to 2026-12-31\nperiod month\n"
             "rounding half_up to 0\n"
             "credit deals to owner\ncomponent c = 1\n");
  assert_int_equal(tl_diag_errors(diags), 1);
  const struct tl_diag *g = tl_diag_at(diags, 0);
  assert_non_null(g);
  assert_int_equal(g->line, 4);
}

/* A declaration refused for its reserved name is one mistake; it must not
** also make its uses unknown or the plan componentless. */
static void test_bug_reserved_name_cascade(void **state) {
  check("component net = bookings * 5%\n");
  assert_int_equal(tl_diag_errors(diags), 1);
  check("measure earned = bookings\ncomponent c = earned * 5%\n");
  assert_int_equal(tl_diag_errors(diags), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(test_units, teardown),
    cmocka_unit_test_teardown(test_units_that_work, teardown),
    cmocka_unit_test_teardown(test_unknown_names, teardown),
    cmocka_unit_test_teardown(test_wrong_context, teardown),
    cmocka_unit_test_teardown(test_tier_bounds, teardown),
    cmocka_unit_test_teardown(test_empty_tier_table, teardown),
    cmocka_unit_test_teardown(test_tier_types, teardown),
    cmocka_unit_test_teardown(test_cycles, teardown),
    cmocka_unit_test_teardown(test_duplicates, teardown),
    cmocka_unit_test_teardown(test_reserved_names, teardown),
    cmocka_unit_test_teardown(test_missing_header, teardown),
    cmocka_unit_test_teardown(test_bad_header, teardown),
    cmocka_unit_test_teardown(test_period_literal_outside_year, teardown),
    cmocka_unit_test_teardown(test_components, teardown),
    cmocka_unit_test_teardown(test_rules, teardown),
    cmocka_unit_test_teardown(test_draws, teardown),
    cmocka_unit_test_teardown(test_annotations, teardown),
    cmocka_unit_test_teardown(test_shipped_plans_check, teardown),
    cmocka_unit_test_teardown(test_bug_rounding_unit_zero, teardown),
    cmocka_unit_test_teardown(test_bug_reserved_name_cascade, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
