/*
** test_lexer.c: the scanner, seen through tl_parse: numbers (underscores,
** percents held divided by 100, exact to 1e-9), dates, month and quarter
** literals, strings and escapes, comments, keywords that double as names,
** source positions, and the exact text of every lexical error.
**
** The scanner has no entry point of its own (it lives behind the parser), so
** each token is checked where the grammar puts it in the tree.
*/
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
#include "runtime/date.h"
#include "runtime/decimal.h"

#include "tests/unit/parse_fixture.h"

static const char *diag_text(void) {
  size_t len;
  free(printed);
  printed = NULL;
  FILE *f = open_memstream(&printed, &len);
  tl_diag_print(diags, f, TL_DIAG_TEXT);
  fclose(f);
  return printed;
}

/* Parse text that must have no diagnostics at all. */
static tl_plan *parse_ok(const char *src) {
  parse(src);
  assert_string_equal(diag_text(), "");
  return plan;
}

/* Parse text that must fail; returns everything printed. */
static const char *parse_errors(const char *src) {
  parse(src);
  assert_true(tl_diag_errors(diags) > 0);
  return diag_text();
}

static tl_item *nth_item(int n) {
  tl_item *it = plan->items;
  while (it && n-- > 0) it = it->next;
  assert_non_null(it);
  return it;
}

/* The expression of `measure x = <text>`, which must parse cleanly. */
static tl_expr *expr_of(const char *text) {
  char src[512];
  snprintf(src, sizeof src, "measure x = %s\n", text);
  parse_ok(src);
  tl_item *it = nth_item(0);
  assert_int_equal(it->kind, TL_I_MEASURE);
  return it->x;
}

/* Shortest exact text of a decimal; a few rotating buffers so that one
** assertion can format two values. */
static const char *dec(tl_dec v) {
  static char buf[4][64];
  static int k;
  char *b = buf[k++ % 4];
  tl_dec_format(v, -1, false, b, sizeof buf[0]);
  return b;
}

static void assert_span(tl_span s, int line, int col, int end_line, int end_col) {
  assert_int_equal(s.line, line);
  assert_int_equal(s.col, col);
  assert_int_equal(s.end_line, end_line);
  assert_int_equal(s.end_col, end_col);
}

static void assert_num(const char *text, const char *want, bool lit) {
  tl_expr *e = expr_of(text);
  assert_int_equal(e->kind, TL_E_NUM);
  assert_string_equal(dec(e->u.num.v), want);
  assert_int_equal(e->u.num.lit, lit);
}

/* ---- numbers ------------------------------------------------------------- */

static void test_numbers(void **state) {
  assert_num("0", "0", true);
  assert_num("42", "42", true);
  assert_num("007", "7", true);
  assert_num("1.50", "1.5", true);
  assert_num("0.000000001", "0.000000001", true);
  assert_num("123456789012.123456789", "123456789012.123456789", true);
}

static void test_underscores(void **state) {
  assert_num("5_000", "5000", true);
  assert_num("1_000_000.25", "1000000.25", true);
  assert_num("1_0_0", "100", true);
  assert_num("100_000.000_1", "100000.0001", true);
  tl_expr *e = expr_of("5_000");
  assert_span(e->span, 1, 13, 1, 17);
}

/* A percent is a number (not a literal that could become money), held
** divided by 100, exactly. */
static void test_percents(void **state) {
  assert_num("12.5%", "0.125", false);
  assert_num("100%", "1", false);
  assert_num("0.5%", "0.005", false);
  assert_num("150%", "1.5", false);
  assert_num("1_000%", "10", false);
  assert_num("12.3456789%", "0.123456789", false);
  tl_expr *e = expr_of("12.5%");
  assert_span(e->span, 1, 13, 1, 17);
  e = expr_of("-5%");
  assert_int_equal(e->kind, TL_E_UNARY);
  assert_int_equal(e->u.unary.op, TL_AOP_NEG);
  assert_string_equal(dec(e->u.unary.x->u.num.v), "0.05");
}

/* ---- dates and periods --------------------------------------------------- */

static void test_dates(void **state) {
  parse_ok("year 2026-01-01 to 2026-12-31\n");
  tl_item *it = nth_item(0);
  assert_int_equal(it->kind, TL_I_YEAR);
  assert_int_equal(it->d1, tl_date_from_ymd(2026, 1, 1));
  assert_int_equal(it->d2, tl_date_from_ymd(2026, 12, 31));
  assert_span(it->name_span, 1, 6, 1, 15);
  assert_span(it->span, 1, 1, 1, 29);

  tl_expr *e = expr_of("2028-02-29");
  assert_int_equal(e->kind, TL_E_DATE);
  assert_int_equal(e->u.date, tl_date_from_ymd(2028, 2, 29));
  e = expr_of("credit.date in 2026-07-01 to 2026-09-30");
  assert_int_equal(e->kind, TL_E_RANGE);
  assert_int_equal(e->u.range.lo->u.date, tl_date_from_ymd(2026, 7, 1));
  assert_int_equal(e->u.range.hi->u.date, tl_date_from_ymd(2026, 9, 30));
}

static void test_period_literals(void **state) {
  tl_expr *e = expr_of("sum(credit.amount where credit.date in 2026-Q3)");
  assert_int_equal(e->kind, TL_E_CALL);
  tl_expr *w = e->u.call.where;
  assert_int_equal(w->kind, TL_E_INPERIOD);
  assert_string_equal(w->u.inperiod.period, "2026-Q3");
  assert_int_equal(w->u.inperiod.x->kind, TL_E_FIELD);
  assert_int_equal(w->u.inperiod.x->u.field.obj, TL_OBJ_CREDIT);
  assert_string_equal(w->u.inperiod.x->u.field.name, "date");
  assert_span(w->span, 1, 37, 1, 58);

  e = expr_of("credit.date in 2026-07");
  assert_int_equal(e->kind, TL_E_INPERIOD);
  assert_string_equal(e->u.inperiod.period, "2026-07");
  e = expr_of("credit.date in 2026-12");
  assert_string_equal(e->u.inperiod.period, "2026-12");
}

/* Something that is not quite a date is arithmetic, not a date: the checker,
** not the scanner, then reports it where it is used. */
static void test_near_dates(void **state) {
  tl_expr *e = expr_of("2026-1-01");
  assert_int_equal(e->kind, TL_E_BINARY);
  assert_int_equal(e->u.binary.op, TL_AOP_SUB);
  e = expr_of("2026-13");
  assert_int_equal(e->kind, TL_E_BINARY);
  assert_string_equal(dec(e->u.binary.r->u.num.v), "13");
}

/* ---- strings, names, keywords ------------------------------------------- */

static void test_strings(void **state) {
  parse_ok("plan \"Q1 \\\"EMEA\\\" back\\\\slash\\ttab\\nline\"\n");
  tl_item *it = nth_item(0);
  assert_int_equal(it->kind, TL_I_PLAN);
  assert_string_equal(it->name, "Q1 \"EMEA\" back\\slash\ttab\nline");
  assert_span(it->name_span, 1, 6, 1, 41);

  parse_ok("plan \"\"\n");
  assert_string_equal(nth_item(0)->name, "");
  /* '#' inside a string starts no comment */
  parse_ok("plan \"#1 plan\" # the comment\n");
  assert_string_equal(nth_item(0)->name, "#1 plan");
  assert_non_null(plan->comments);
  assert_string_equal(plan->comments->text, "# the comment");
  assert_null(plan->comments->next);
  /* UTF-8 in strings passes through untouched */
  parse_ok("plan \"K\xC3\xA4se\"\n");
  assert_string_equal(nth_item(0)->name, "K\xC3\xA4se");
}

/* Keywords that are also common column names work as names wherever a name
** is expected; keywords are case-sensitive. */
static void test_soft_keywords(void **state) {
  tl_expr *e = expr_of("payee.quota / 4");
  tl_expr *l = e->u.binary.l;
  assert_int_equal(l->kind, TL_E_FIELD);
  assert_int_equal(l->u.field.obj, TL_OBJ_PAYEE);
  assert_string_equal(l->u.field.name, "quota");

  e = expr_of("currency == \"EUR\" and period > 1");
  assert_int_equal(e->u.binary.l->u.binary.l->kind, TL_E_NAME);
  assert_string_equal(e->u.binary.l->u.binary.l->u.name.name, "currency");
  assert_string_equal(e->u.binary.r->u.binary.l->u.name.name, "period");
  e = expr_of("deal.currency");
  assert_int_equal(e->kind, TL_E_FIELD);
  assert_string_equal(e->u.field.name, "currency");
}

static void test_case_sensitive_keywords(void **state) {
  /* the wording of this error is a reported problem; only its place is fixed */
  parse_errors("Measure x = 1\n");
  const struct tl_diag *g = tl_diag_at(diags, 0);
  assert_int_equal(g->line, 1);
  assert_int_equal(g->col, 1);
  assert_int_equal(g->end_col, 7);
  assert_string_equal(g->code, "syntax");
  parse_ok("measure days = 1\n");
  assert_string_equal(nth_item(0)->name, "days");
  tl_expr *e = expr_of("Measure_1 + _x");
  assert_string_equal(e->u.binary.l->u.name.name, "Measure_1");
  assert_string_equal(e->u.binary.r->u.name.name, "_x");
}

/* ---- comments and positions ---------------------------------------------- */

static void test_comments(void **state) {
  parse_ok("# header comment\n"
           "measure x =   # after the operator\n"
           "  1 +\t# tab before\n"
           "  2\n"
           "#last line, no newline");
  tl_comment *c = plan->comments;
  assert_non_null(c);
  assert_string_equal(c->text, "# header comment");
  assert_int_equal(c->line, 1);
  assert_int_equal(c->col, 1);
  c = c->next;
  assert_string_equal(c->text, "# after the operator");
  assert_int_equal(c->line, 2);
  assert_int_equal(c->col, 15);
  c = c->next;
  assert_string_equal(c->text, "# tab before");
  assert_int_equal(c->line, 3);
  assert_int_equal(c->col, 7);
  c = c->next;
  assert_string_equal(c->text, "#last line, no newline");
  assert_int_equal(c->line, 5);
  assert_null(c->next);
  /* the comments did not disturb the expression they sit in */
  tl_item *it = nth_item(0);
  assert_int_equal(it->x->kind, TL_E_BINARY);
  assert_span(it->x->span, 3, 3, 4, 3);
  assert_span(it->span, 2, 1, 4, 3);
}

/* Columns count bytes from 1; CR before LF is whitespace, so a file saved
** with CRLF has the same positions as one with LF. */
static void test_positions(void **state) {
  parse_ok("measure a = 1\r\n"
           "measure bb =\r\n"
           "  a *\r\n"
           "  2\r\n");
  tl_item *b = nth_item(1);
  assert_span(b->name_span, 2, 9, 2, 10);
  assert_span(b->x->span, 3, 3, 4, 3);
  assert_span(b->x->u.binary.l->span, 3, 3, 3, 3);
  assert_span(b->x->u.binary.r->span, 4, 3, 4, 3);

  tl_expr *e = expr_of("\"ab\" == deal.product");
  assert_span(e->u.binary.l->span, 1, 13, 1, 16);
  assert_span(e->u.binary.r->span, 1, 21, 1, 32);
}

/* ---- lexical errors ------------------------------------------------------ */

static void test_stray_character(void **state) {
  assert_string_equal(parse_errors("measure x = 1 @ 2\n"),
    "p.tally:1:15: error: stray '@' in plan\n"
    "    1 | measure x = 1 @ 2\n"
    "      |               ^\n");
  assert_string_equal(parse_errors("measure x = 12.5 %\n"),
    "p.tally:1:18: error: stray '%' in plan\n"
    "    1 | measure x = 12.5 %\n"
    "      |                  ^\n");
  assert_string_equal(parse_errors("measure x = \x01\n"),
    "p.tally:1:13: error: stray byte 0x01 in plan\n"
    "    1 | measure x = \x01\n"
    "      |             ^\n");
  /* one message per stray character, not a second one from the parser */
  parse_errors("measure x = $100\n");
  assert_int_equal(tl_diag_errors(diags), 1);
}

static void test_unterminated_string(void **state) {
  assert_string_equal(parse_errors("plan \"Enterprise AE\n"
                                   "currency USD\n"),
    "p.tally:1:6: error: unterminated string\n"
    "    1 | plan \"Enterprise AE\n"
    "      |      ^~~~~~~~~~~~~~\n");
  /* the string ends at the end of its line, so the next item still parses */
  tl_item *it = plan->items;
  assert_non_null(it);
  assert_int_equal(it->kind, TL_I_CURRENCY);
  assert_string_equal(it->name, "USD");
}

static void test_bad_escape(void **state) {
  assert_string_equal(parse_errors("plan \"C:\\plans\"\n"),
    "p.tally:1:6: error: unknown escape \\p in string (use \\\" \\\\ \\n or \\t)\n"
    "    1 | plan \"C:\\plans\"\n"
    "      |      ^~~~~~~~~~\n");
}

static void test_invalid_dates(void **state) {
  assert_string_equal(parse_errors("year 2026-13-01 to 2026-12-31\n"),
    "p.tally:1:6: error: invalid date 2026-13-01\n"
    "    1 | year 2026-13-01 to 2026-12-31\n"
    "      |      ^~~~~~~~~~\n");
  assert_string_equal(parse_errors("measure x = credit.date in 2026-07-01 to 2026-09-31\n"),
    "p.tally:1:42: error: invalid date 2026-09-31\n"
    "    1 | measure x = credit.date in 2026-07-01 to 2026-09-31\n"
    "      |                                          ^~~~~~~~~~\n");
  assert_string_equal(parse_errors("measure x = 2026-02-29\n"),
    "p.tally:1:13: error: invalid date 2026-02-29\n"
    "    1 | measure x = 2026-02-29\n"
    "      |             ^~~~~~~~~~\n");
}

static void test_bad_numbers(void **state) {
  assert_string_equal(parse_errors("measure x = 1.0000000001\n"),
    "p.tally:1:13: error: 1.0000000001 has too many decimal places (at most 9)\n"
    "    1 | measure x = 1.0000000001\n"
    "      |             ^~~~~~~~~~~~\n");
  /* a percent must stay exact after the division by 100 */
  assert_string_equal(parse_errors("measure x = 12.34567891%\n"),
    "p.tally:1:13: error: 12.34567891% has too many decimal places (at most 7)\n"
    "    1 | measure x = 12.34567891%\n"
    "      |             ^~~~~~~~~~~~\n");
  assert_string_equal(parse_errors("measure x = 999999999999999999999999999999\n"),
    "p.tally:1:13: error: number 999999999999999999999999999999 is too large\n"
    "    1 | measure x = 999999999999999999999999999999\n"
    "      |             ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
  assert_string_equal(parse_errors("measure x = 5__000\n"),
    "p.tally:1:13: error: malformed number 5__000\n"
    "    1 | measure x = 5__000\n"
    "      |             ^~~~~~\n");
}

/* A lexical error loses only its own item: later lines are still read, and
** a second bad token further on is reported too. */
static void test_lexical_recovery(void **state) {
  assert_string_equal(parse_errors("measure a = 1.0000000001\n"
                                   "measure b = 2\n"
                                   "measure c = 3 ! 4\n"
                                   "measure d = 4\n"),
    "p.tally:1:13: error: 1.0000000001 has too many decimal places (at most 9)\n"
    "    1 | measure a = 1.0000000001\n"
    "      |             ^~~~~~~~~~~~\n"
    "p.tally:3:15: error: stray '!' in plan\n"
    "    3 | measure c = 3 ! 4\n"
    "      |               ^\n");
  assert_int_equal(tl_diag_errors(diags), 2);
  int n = 0;
  for (tl_item *it = plan->items; it; it = it->next, n++) assert_int_equal(it->kind, TL_I_MEASURE);
  assert_string_equal(nth_item(0)->name, "b");
  assert_string_equal(nth_item(1)->name, "d");
  assert_int_equal(n, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(test_numbers, teardown),
    cmocka_unit_test_teardown(test_underscores, teardown),
    cmocka_unit_test_teardown(test_percents, teardown),
    cmocka_unit_test_teardown(test_dates, teardown),
    cmocka_unit_test_teardown(test_period_literals, teardown),
    cmocka_unit_test_teardown(test_near_dates, teardown),
    cmocka_unit_test_teardown(test_strings, teardown),
    cmocka_unit_test_teardown(test_soft_keywords, teardown),
    cmocka_unit_test_teardown(test_case_sensitive_keywords, teardown),
    cmocka_unit_test_teardown(test_comments, teardown),
    cmocka_unit_test_teardown(test_positions, teardown),
    cmocka_unit_test_teardown(test_stray_character, teardown),
    cmocka_unit_test_teardown(test_unterminated_string, teardown),
    cmocka_unit_test_teardown(test_bad_escape, teardown),
    cmocka_unit_test_teardown(test_invalid_dates, teardown),
    cmocka_unit_test_teardown(test_bad_numbers, teardown),
    cmocka_unit_test_teardown(test_lexical_recovery, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
