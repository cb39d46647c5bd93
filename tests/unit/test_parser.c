/*
** test_parser.c: the grammar, through tl_parse: every item kind with its
** fields, operator precedence, tier tables with exact decimals, test blocks,
** and the exact text of syntax errors (with source line and caret) in the
** three diagnostic formats, including recovery from several broken items.
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

static const char *diag_as(tl_diag_format fmt) {
  size_t len;
  free(printed);
  printed = NULL;
  FILE *f = open_memstream(&printed, &len);
  tl_diag_print(diags, f, fmt);
  fclose(f);
  return printed;
}

static tl_plan *parse_ok(const char *src) {
  parse(src);
  assert_string_equal(diag_as(TL_DIAG_TEXT), "");
  return plan;
}

static const char *parse_errors(const char *src) {
  parse(src);
  assert_true(tl_diag_errors(diags) > 0);
  return diag_as(TL_DIAG_TEXT);
}

static int count_items(void) {
  int n = 0;
  for (tl_item *it = plan->items; it; it = it->next) n++;
  return n;
}

static tl_item *nth_item(int n) {
  tl_item *it = plan->items;
  while (it && n-- > 0) it = it->next;
  assert_non_null(it);
  return it;
}

static tl_expr *expr_of(const char *text) {
  char src[512];
  snprintf(src, sizeof src, "measure x = %s\n", text);
  parse_ok(src);
  return nth_item(0)->x;
}

static const char *dec(tl_dec v) {
  static char buf[4][64];
  static int k;
  char *b = buf[k++ % 4];
  tl_dec_format(v, -1, false, b, sizeof buf[0]);
  return b;
}

/* The tree as one line of prefix text, so a test states the whole shape of
** an expression at once: (+ a (* b c)). */
static void sexp(const tl_expr *e, char *buf, size_t cap) {
  size_t n = strlen(buf);
  char *p = buf + n;
  size_t room = cap - n;
  switch (e->kind) {
    case TL_E_NUM: snprintf(p, room, "%s%s", dec(e->u.num.v), e->u.num.lit ? "" : "n"); break;
    case TL_E_STR: snprintf(p, room, "\"%s\"", e->u.str); break;
    case TL_E_DATE: {
      char d[11];
      tl_date_format(e->u.date, d);
      snprintf(p, room, "%s", d);
      break;
    }
    case TL_E_BOOL: snprintf(p, room, "%s", e->u.b ? "true" : "false"); break;
    case TL_E_NAME: snprintf(p, room, "%s", e->u.name.name); break;
    case TL_E_FIELD: {
      static const char *const obj[] = { "payee", "deal", "credit" };
      snprintf(p, room, "%s.%s", obj[e->u.field.obj], e->u.field.name);
      break;
    }
    case TL_E_CREDIT: snprintf(p, room, "credit"); break;
    case TL_E_CALL:
      snprintf(p, room, "(%s", e->u.call.name);
      for (const tl_expr *a = e->u.call.args; a; a = a->next) {
        strncat(buf, " ", cap - strlen(buf) - 1);
        sexp(a, buf, cap);
      }
      if (e->u.call.where) {
        strncat(buf, " where ", cap - strlen(buf) - 1);
        sexp(e->u.call.where, buf, cap);
      }
      strncat(buf, ")", cap - strlen(buf) - 1);
      break;
    case TL_E_UNARY:
      snprintf(p, room, "(%s ", e->u.unary.op == TL_AOP_NOT ? "not" : "neg");
      sexp(e->u.unary.x, buf, cap);
      strncat(buf, ")", cap - strlen(buf) - 1);
      break;
    case TL_E_BINARY:
      snprintf(p, room, "(%s ", tl_op_text(e->u.binary.op));
      sexp(e->u.binary.l, buf, cap);
      strncat(buf, " ", cap - strlen(buf) - 1);
      sexp(e->u.binary.r, buf, cap);
      strncat(buf, ")", cap - strlen(buf) - 1);
      break;
    case TL_E_IF:
      snprintf(p, room, "(if ");
      sexp(e->u.cond.c, buf, cap);
      strncat(buf, " ", cap - strlen(buf) - 1);
      sexp(e->u.cond.a, buf, cap);
      strncat(buf, " ", cap - strlen(buf) - 1);
      sexp(e->u.cond.b, buf, cap);
      strncat(buf, ")", cap - strlen(buf) - 1);
      break;
    case TL_E_RANGE:
      snprintf(p, room, "(range ");
      sexp(e->u.range.x, buf, cap);
      strncat(buf, " ", cap - strlen(buf) - 1);
      sexp(e->u.range.lo, buf, cap);
      strncat(buf, " ", cap - strlen(buf) - 1);
      sexp(e->u.range.hi, buf, cap);
      strncat(buf, ")", cap - strlen(buf) - 1);
      break;
    case TL_E_INPERIOD:
      snprintf(p, room, "(in ");
      sexp(e->u.inperiod.x, buf, cap);
      n = strlen(buf);
      snprintf(buf + n, cap - n, " %s)", e->u.inperiod.period);
      break;
    case TL_E_INLIST:
      snprintf(p, room, "(in ");
      sexp(e->u.inlist.x, buf, cap);
      strncat(buf, " [", cap - strlen(buf) - 1);
      for (const tl_expr *i = e->u.inlist.items; i; i = i->next) {
        if (i != e->u.inlist.items) strncat(buf, " ", cap - strlen(buf) - 1);
        sexp(i, buf, cap);
      }
      strncat(buf, "])", cap - strlen(buf) - 1);
      break;
    case TL_E_TIER:
      snprintf(p, room, "(tier)");
      break;
  }
}

static void assert_tree(const char *text, const char *want) {
  char buf[1024] = "";
  sexp(expr_of(text), buf, sizeof buf);
  assert_string_equal(buf, want);
}

/* ---- items --------------------------------------------------------------- */

static const char full_plan[] =
  "plan \"Enterprise AE FY2026\"\n"                                         /* 1 */
  "currency USD\n"
  "year 2026-01-01 to 2026-12-31\n"
  "period quarter                      # month | quarter | year\n"
  "rounding half_even to 0.01\n"                                            /* 5 */
  "\n"
  "input payees { id text key, role text, manager payee?, start date, end date?,\n"
  "               quota money, target money, }\n"
  "input deals  { id text key, owner payee, closed date, amount money, cancelled date? }\n"
  "\n"                                                                      /* 10 */
  "eligible payees where role == \"AE\"\n"
  "quota = payee.quota / 4 prorated by days\n"
  "credit deals where stage == \"won\" to owner\n"
  "rollup to manager\n"
  "clawback deals cancelled within 90 days reversing\n"                      /* 15 */
  "measure bookings   = sum(credit.amount)\n"
  "measure attainment = ytd(bookings) / ytd(quota)\n"
  "component commission cumulative =\n"
  "  marginal ytd(bookings) over ytd(quota) {\n"
  "      0% : 8%\n"                                                         /* 20 */
  "    100% : 12%\n"
  "    150% : 15%\n"
  "  }\n"
  "  cap 2 * payee.target per year\n"
  "component spif period = 500 per credit where deal.amount > 1_000 floor 0 per period\n"
  "draw nonrecoverable 5_000 per period for 2 periods\n"
  "test \"accelerator\" {\n"
  "  payee A { role: \"AE\", start: 2026-01-01, quota: 400_000, target: -60_000.50 }\n"
  "  deal D1 { owner: A, closed: 2026-02-01, amount: 120_000, rate: 12.5% }\n"
  "  expect A 2026-Q1 commission == 10_400.00\n"                            /* 30 */
  "  expect error \"division by zero\"\n"
  "}\n";

static void test_full_plan(void **state) {
  parse_ok(full_plan);
  static const tl_item_kind kinds[] = {
    TL_I_PLAN, TL_I_CURRENCY, TL_I_YEAR, TL_I_PERIOD, TL_I_ROUNDING, TL_I_INPUT, TL_I_INPUT,
    TL_I_ELIGIBLE, TL_I_QUOTA, TL_I_CREDIT, TL_I_ROLLUP, TL_I_CLAWBACK, TL_I_MEASURE,
    TL_I_MEASURE, TL_I_COMPONENT, TL_I_COMPONENT, TL_I_DRAW, TL_I_TEST,
  };
  int n = (int)(sizeof kinds / sizeof *kinds);
  assert_int_equal(count_items(), n);
  for (int i = 0; i < n; i++) assert_int_equal(nth_item(i)->kind, kinds[i]);

  assert_string_equal(nth_item(0)->name, "Enterprise AE FY2026");
  assert_string_equal(nth_item(1)->name, "USD");
  assert_int_equal(nth_item(2)->d1, tl_date_from_ymd(2026, 1, 1));
  assert_int_equal(nth_item(2)->d2, tl_date_from_ymd(2026, 12, 31));
  assert_string_equal(nth_item(3)->word, "quarter");
  assert_string_equal(nth_item(4)->word, "half_even");
  assert_string_equal(dec(nth_item(4)->num), "0.01");

  /* the only comment in the plan */
  assert_non_null(plan->comments);
  assert_string_equal(plan->comments->text, "# month | quarter | year");
  assert_int_equal(plan->comments->line, 4);
  assert_int_equal(plan->comments->col, 37);
  assert_null(plan->comments->next);
}

static void test_inputs(void **state) {
  parse_ok(full_plan);
  tl_item *it = nth_item(5);
  assert_string_equal(it->name, "payees");
  static const struct { const char *name, *type; bool opt, key; } want[] = {
    { "id", "text", false, true }, { "role", "text", false, false },
    { "manager", "payee", true, false }, { "start", "date", false, false },
    { "end", "date", true, false }, { "quota", "money", false, false },
    { "target", "money", false, false },
  };
  int i = 0;
  for (tl_coldecl *c = it->cols; c; c = c->next, i++) {
    assert_true(i < 7);
    assert_string_equal(c->name, want[i].name);
    assert_string_equal(c->type, want[i].type);
    assert_int_equal(c->optional, want[i].opt);
    assert_int_equal(c->key, want[i].key);
  }
  assert_int_equal(i, 7);   /* the trailing comma adds no column */
  tl_coldecl *c = it->cols->next->next;
  assert_int_equal(c->span.line, 7);
  assert_int_equal(c->span.col, 40);
  assert_int_equal(c->type_span.col, 48);
  assert_string_equal(nth_item(6)->name, "deals");
  assert_string_equal(nth_item(6)->cols->next->next->next->next->name, "cancelled");
}

static void test_rules(void **state) {
  parse_ok(full_plan);
  tl_item *it = nth_item(7);
  assert_int_equal(it->x->kind, TL_E_BINARY);

  it = nth_item(8);                 /* quota = payee.quota / 4 prorated by days */
  assert_true(it->flag);
  assert_false(it->from_table);
  assert_int_equal(it->x->u.binary.op, TL_AOP_DIV);

  it = nth_item(9);                 /* credit deals where ... to owner */
  assert_string_equal(it->word, "owner");
  assert_non_null(it->where);
  assert_int_equal(it->name_span.line, 13);
  assert_int_equal(it->name_span.col, 38);

  assert_string_equal(nth_item(10)->word, "manager");

  it = nth_item(11);                /* clawback deals cancelled within 90 days reversing */
  assert_string_equal(it->word, "cancelled");
  assert_string_equal(dec(it->num), "90");
  assert_true(it->flag);

  parse_ok("quota from quotas\ncredit deals to owner\nclawback deals cancelled within 30 days\n");
  assert_true(nth_item(0)->from_table);
  assert_false(nth_item(0)->flag);
  assert_string_equal(nth_item(0)->name, "quotas");
  assert_null(nth_item(1)->where);
  assert_false(nth_item(2)->flag);

  parse_ok("rounding half_up\n");
  assert_string_equal(nth_item(0)->word, "half_up");
  assert_true(tl_dec_is_zero(nth_item(0)->num));   /* no unit: the checker's default */
}

static void test_measures_and_components(void **state) {
  parse_ok(full_plan);
  tl_item *m = nth_item(12);
  assert_string_equal(m->name, "bookings");
  assert_int_equal(m->name_span.col, 9);
  assert_int_equal(m->name_span.end_col, 16);

  tl_item *c = nth_item(14);
  assert_string_equal(c->name, "commission");
  assert_int_equal(c->mode, TL_MODE_CUMULATIVE);
  assert_false(c->flag);
  assert_int_equal(c->x->kind, TL_E_TIER);
  assert_non_null(c->clauses);
  assert_int_equal(c->clauses->kind, TL_CAP_YEAR);
  assert_null(c->clauses->next);
  assert_int_equal(c->span.line, 18);
  assert_int_equal(c->span.end_line, 24);

  c = nth_item(15);                 /* 500 per credit where ... floor 0 per period */
  assert_string_equal(c->name, "spif");
  assert_int_equal(c->mode, TL_MODE_PERIOD);
  assert_true(c->flag);
  assert_string_equal(dec(c->x->u.num.v), "500");
  assert_non_null(c->where);
  assert_int_equal(c->clauses->kind, TL_FLOOR_PERIOD);

  parse_ok("component c = x cap 10 per period cap 100 per year floor 1 per period\n");
  tl_clause *cl = nth_item(0)->clauses;
  assert_int_equal(cl->kind, TL_CAP_PERIOD);
  assert_int_equal(cl->next->kind, TL_CAP_YEAR);
  assert_int_equal(cl->next->next->kind, TL_FLOOR_PERIOD);
  assert_string_equal(dec(cl->next->x->u.num.v), "100");
  assert_int_equal(cl->span.col, 17);
  assert_int_equal(cl->span.end_col, 33);
}

static void test_draw(void **state) {
  parse_ok(full_plan);
  tl_item *d = nth_item(16);
  assert_string_equal(d->word, "nonrecoverable");
  assert_string_equal(dec(d->x->u.num.v), "5000");
  assert_string_equal(dec(d->num), "2");
  parse_ok("draw recoverable payee.target / 12 per period for 3 periods\n");
  assert_string_equal(nth_item(0)->word, "recoverable");
  assert_int_equal(nth_item(0)->x->kind, TL_E_BINARY);
}

static void test_test_block(void **state) {
  parse_ok(full_plan);
  tl_item *t = nth_item(17);
  assert_string_equal(t->name, "accelerator");
  tl_titem *ti = t->tests;

  assert_int_equal(ti->kind, TL_T_ROW);
  assert_string_equal(ti->table, "payee");
  assert_string_equal(ti->id, "A");
  static const char *const pf[][2] = {
    { "role", "AE" }, { "start", "2026-01-01" }, { "quota", "400000" }, { "target", "-60000.5" },
  };
  int i = 0;
  for (tl_tfield *f = ti->fields; f; f = f->next, i++) {
    assert_true(i < 4);
    assert_string_equal(f->key, pf[i][0]);
    assert_string_equal(f->text, pf[i][1]);
  }
  assert_int_equal(i, 4);
  assert_int_equal(ti->fields->key_span.col, 13);
  assert_int_equal(ti->fields->span.col, 19);

  ti = ti->next;
  assert_string_equal(ti->table, "deal");
  assert_string_equal(ti->id, "D1");
  assert_string_equal(ti->fields->text, "A");
  assert_string_equal(ti->fields->next->text, "2026-02-01");
  assert_string_equal(ti->fields->next->next->next->text, "0.125");

  ti = ti->next;
  assert_int_equal(ti->kind, TL_T_EXPECT);
  assert_string_equal(ti->id, "A");
  assert_string_equal(ti->period, "2026-Q1");
  assert_string_equal(ti->line, "commission");
  assert_string_equal(dec(ti->value), "10400");
  assert_int_equal(ti->span.line, 30);

  ti = ti->next;
  assert_int_equal(ti->kind, TL_T_EXPECT_ERROR);
  assert_string_equal(ti->message, "division by zero");
  assert_null(ti->next);

  /* month and year periods, numeric ids, an empty block */
  parse_ok("test \"t\" {\n"
           "  quota Q1 { payee: \"7\", period: \"2026-03\", amount: 5 }\n"
           "  expect 7 2026-03 earned == -1.5\n"
           "  expect \"A B\" 2026 net == 0\n"
           "}\n"
           "test \"empty\" { }\n");
  ti = nth_item(0)->tests;
  assert_string_equal(ti->table, "quota");
  assert_string_equal(ti->fields->next->text, "2026-03");
  ti = ti->next;
  assert_string_equal(ti->id, "7");
  assert_string_equal(ti->period, "2026-03");
  assert_string_equal(dec(ti->value), "-1.5");
  ti = ti->next;
  assert_string_equal(ti->id, "A B");
  assert_string_equal(ti->period, "2026");
  assert_null(nth_item(1)->tests);
}

/* ---- expressions --------------------------------------------------------- */

static void test_precedence(void **state) {
  assert_tree("a + b * c", "(+ a (* b c))");
  assert_tree("a * b + c", "(+ (* a b) c)");
  assert_tree("a - b - c", "(- (- a b) c)");
  assert_tree("a / b / c", "(/ (/ a b) c)");
  assert_tree("(a + b) * c", "(* (+ a b) c)");
  assert_tree("-a * b", "(* (neg a) b)");
  assert_tree("- -a", "(neg (neg a))");
  assert_tree("a < b + 1", "(< a (+ b 1))");
  assert_tree("a or b and c", "(or a (and b c))");
  assert_tree("a and b or c", "(or (and a b) c)");
  assert_tree("not a and b", "(and (not a) b)");
  assert_tree("not a == b", "(not (== a b))");
  assert_tree("a == 1 and b != 2", "(and (== a 1) (!= b 2))");
  assert_tree("a >= 1 or b <= 2", "(or (>= a 1) (<= b 2))");
  assert_tree("a > b", "(> a b)");
}

static void test_conditionals_and_membership(void **state) {
  assert_tree("if a > 1 then b else c + 1", "(if (> a 1) b (+ c 1))");
  assert_tree("if a then if b then 1 else 2 else 3", "(if a (if b 1 2) 3)");
  assert_tree("x in 1 to 5", "(range x 1 5)");
  assert_tree("x in 1 + 1 to 5 * 2", "(range x (+ 1 1) (* 5 2))");
  assert_tree("credit.date in 2026-07-01 to 2026-09-30 and deal.product == \"W\"",
              "(and (range credit.date 2026-07-01 2026-09-30) (== deal.product \"W\"))");
  assert_tree("deal.product in [\"A\", \"B\", \"C\"]", "(in deal.product [\"A\" \"B\" \"C\"])");
  assert_tree("credit.date in 2026-Q2 or credit.date in 2026-11",
              "(or (in credit.date 2026-Q2) (in credit.date 2026-11))");
  assert_tree("true and not false", "(and true (not false))");
}

static void test_calls_and_fields(void **state) {
  assert_tree("ratio(bookings, quota)", "(ratio bookings quota)");
  assert_tree("f()", "(f)");
  assert_tree("max(a, b, 3%)", "(max a b 0.03n)");
  assert_tree("sum(credit.amount where deal.type != \"renewal\")",
              "(sum credit.amount where (!= deal.type \"renewal\"))");
  assert_tree("count(credit where credit.direct)", "(count credit where credit.direct)");
  assert_tree("payee.target * 2 + payee", "(+ (* payee.target 2) payee)");
  tl_expr *e = expr_of("min(a, b)");
  assert_int_equal(e->span.col, 13);
  assert_int_equal(e->span.end_col, 21);
  assert_string_equal(e->u.call.args->next->u.name.name, "b");
  assert_null(e->u.call.args->next->next);
}

static void assert_rows(const tl_expr *t, const char *const (*want)[2], int n) {
  int i = 0;
  for (const tl_tier_row *r = t->u.tier.rows; r; r = r->next, i++) {
    assert_true(i < n);
    assert_string_equal(dec(r->bound), want[i][0]);
    assert_string_equal(dec(r->rate), want[i][1]);
  }
  assert_int_equal(i, n);
}

static void test_tier_tables(void **state) {
  parse_ok(full_plan);
  tl_expr *t = nth_item(14)->x;
  assert_int_equal(t->u.tier.kind, TL_TIER_MARGINAL);
  assert_false(t->u.tier.exclusive);
  assert_int_equal(t->u.tier.x->kind, TL_E_CALL);
  assert_string_equal(t->u.tier.over->u.call.name, "ytd");
  static const char *const rows[][2] = { { "0", "0.08" }, { "1", "0.12" }, { "1.5", "0.15" } };
  assert_rows(t, rows, 3);
  assert_true(t->u.tier.rows->bound_pct);
  assert_true(t->u.tier.rows->rate_pct);
  assert_int_equal(t->u.tier.rows->next->span.line, 21);
  assert_int_equal(t->u.tier.rows->next->span.col, 5);
  assert_int_equal(t->u.tier.rows->next->span.end_col, 14);
  assert_int_equal(t->span.line, 19);
  assert_int_equal(t->span.end_line, 23);

  /* amounts as bounds, commas, a negative bound, no `over` */
  t = expr_of("retro ytd(bookings) exclusive { -1_000: 0, 0: 3%, 300_000: 5.25%, 500_000.5: 7% }");
  assert_int_equal(t->u.tier.kind, TL_TIER_RETRO);
  assert_true(t->u.tier.exclusive);
  assert_null(t->u.tier.over);
  static const char *const rows2[][2] = {
    { "-1000", "0" }, { "0", "0.03" }, { "300000", "0.0525" }, { "500000.5", "0.07" },
  };
  assert_rows(t, rows2, 4);
  assert_false(t->u.tier.rows->bound_pct);
  assert_false(t->u.tier.rows->rate_pct);

  t = expr_of("marginal bookings over quota exclusive { 0%: 1% 100%: 2% }");
  assert_true(t->u.tier.exclusive);
  assert_non_null(t->u.tier.over);

  /* a curve is a number, so it multiplies like one */
  tl_expr *e = expr_of("curve attainment { 50%: 25%, 100%: 100%, 150%: 200% } * payee.target / 4");
  assert_int_equal(e->kind, TL_E_BINARY);
  assert_int_equal(e->u.binary.op, TL_AOP_DIV);
  t = e->u.binary.l->u.binary.l;
  assert_int_equal(t->kind, TL_E_TIER);
  assert_int_equal(t->u.tier.kind, TL_TIER_CURVE);
  static const char *const rows3[][2] = { { "0.5", "0.25" }, { "1", "1" }, { "1.5", "2" } };
  assert_rows(t, rows3, 3);
}

/* ---- syntax errors ------------------------------------------------------- */

static void test_unexpected_with_expected_list(void **state) {
  assert_string_equal(parse_errors("measure bookings sum(credit.amount)\n"),
    "p.tally:1:18: error: unexpected name sum, expected '='\n"
    "    1 | measure bookings sum(credit.amount)\n"
    "      |                  ^~~\n");
  assert_string_equal(parse_errors("year 2026-01-01 - 2026-12-31\n"),
    "p.tally:1:17: error: unexpected '-', expected 'to'\n"
    "    1 | year 2026-01-01 - 2026-12-31\n"
    "      |                 ^\n");
  assert_string_equal(parse_errors("quota payee.quota / 4\n"),
    "p.tally:1:7: error: unexpected 'payee', expected 'from' or '='\n"
    "    1 | quota payee.quota / 4\n"
    "      |       ^~~~~\n");
  assert_string_equal(parse_errors("draw 5_000 per period for 2 periods\n"),
    "p.tally:1:6: error: unexpected number, expected 'recoverable' or 'nonrecoverable'\n"
    "    1 | draw 5_000 per period for 2 periods\n"
    "      |      ^~~~~\n");
  assert_string_equal(parse_errors("input payees { id text key role text }\n"),
    "p.tally:1:28: error: unexpected name role, expected '}' or ','\n"
    "    1 | input payees { id text key role text }\n"
    "      |                            ^~~~\n");
  assert_string_equal(parse_errors("component c cumulative = 5 per period\n"),
    "p.tally:1:32: error: unexpected 'period', expected 'credit'\n"
    "    1 | component c cumulative = 5 per period\n"
    "      |                                ^~~~~~\n");
  assert_string_equal(parse_errors("clawback deals cancelled within 90\n"),
    "p.tally:1:35: error: unexpected end of file, expected 'days'\n"
    "    1 | clawback deals cancelled within 90\n"
    "      |                                   ^\n");
  assert_string_equal(parse_errors("test \"t\" {\n  expect A 2026-Q1 commission = 5\n}\n"),
    "p.tally:2:31: error: unexpected '=' (use == to compare)\n"
    "    2 |   expect A 2026-Q1 commission = 5\n"
    "      |                               ^\n");
}

static void test_expected_expression(void **state) {
  assert_string_equal(parse_errors("measure x = (1 + )\n"),
    "p.tally:1:18: error: unexpected ')', expected an expression\n"
    "    1 | measure x = (1 + )\n"
    "      |                  ^\n");
  assert_string_equal(parse_errors("measure x = sum(credit.amount where)\n"),
    "p.tally:1:36: error: unexpected ')', expected an expression\n"
    "    1 | measure x = sum(credit.amount where)\n"
    "      |                                    ^\n");
  assert_string_equal(parse_errors("component c = bookings * * 2\n"),
    "p.tally:1:26: error: unexpected '*', expected an expression\n"
    "    1 | component c = bookings * * 2\n"
    "      |                          ^\n");
  /* the end of the file is shown just after the last token */
  assert_string_equal(parse_errors("measure x = 1 +\n"),
    "p.tally:1:16: error: unexpected end of file, expected an expression\n"
    "    1 | measure x = 1 +\n"
    "      |                ^\n");
  assert_string_equal(parse_errors("measure x = f(1,)\n"),
    "p.tally:1:17: error: unexpected ')', expected an expression\n"
    "    1 | measure x = f(1,)\n"
    "      |                 ^\n");
}

/* Each broken item is reported once and the good items between them are
** kept.  (An item missing its last operand is reported at the next item's
** first token, which is where the parser learns of it.) */
static void test_recovery(void **state) {
  assert_string_equal(parse_errors("plan \"Several errors\"\n"
                                   "measure a = 1 +\n"
                                   "measure b = 2\n"
                                   "component c = 3 * * 4\n"
                                   "measure d = 4\n"
                                   "year 2026-01-01 - 2026-12-31\n"
                                   "currency USD\n"),
    "p.tally:3:1: error: unexpected 'measure', expected an expression\n"
    "    3 | measure b = 2\n"
    "      | ^~~~~~~\n"
    "p.tally:4:19: error: unexpected '*', expected an expression\n"
    "    4 | component c = 3 * * 4\n"
    "      |                   ^\n"
    "p.tally:6:17: error: unexpected '-', expected 'to'\n"
    "    6 | year 2026-01-01 - 2026-12-31\n"
    "      |                 ^\n");
  assert_int_equal(tl_diag_errors(diags), 3);
  assert_int_equal(count_items(), 4);
  assert_int_equal(nth_item(0)->kind, TL_I_PLAN);
  assert_string_equal(nth_item(1)->name, "b");
  assert_string_equal(nth_item(2)->name, "d");
  assert_int_equal(nth_item(3)->kind, TL_I_CURRENCY);
}

static void test_nonassoc_comparison(void **state) {
  parse_errors("measure a = b == c == d\n");
  const struct tl_diag *g = tl_diag_at(diags, 0);
  assert_int_equal(tl_diag_errors(diags), 1);
  assert_int_equal(g->line, 1);
  assert_int_equal(g->col, 20);
  assert_int_equal(g->end_col, 21);
}

static void test_json_and_github(void **state) {
  parse_errors("measure x = (1 + )\n");
  assert_string_equal(diag_as(TL_DIAG_JSON),
    "{\"file\":\"p.tally\",\"line\":1,\"column\":18,\"end_line\":1,\"end_column\":18,"
    "\"severity\":\"error\",\"code\":\"syntax\","
    "\"message\":\"unexpected ')', expected an expression\"}\n");
  assert_string_equal(diag_as(TL_DIAG_GITHUB),
    "::error file=p.tally,line=1,col=18,endLine=1,endColumn=18::"
    "unexpected ')', expected an expression\n");

  parse_errors("plan \"100% done\n");
  assert_string_equal(diag_as(TL_DIAG_GITHUB),
    "::error file=p.tally,line=1,col=6,endLine=1,endColumn=15::unterminated string\n");
  parse_errors("year 2026-01-01 to 2026-12-32\n");
  assert_string_equal(diag_as(TL_DIAG_JSON),
    "{\"file\":\"p.tally\",\"line\":1,\"column\":20,\"end_line\":1,\"end_column\":29,"
    "\"severity\":\"error\",\"code\":\"syntax\",\"message\":\"invalid date 2026-12-32\"}\n");
}

static void test_empty_input(void **state) {
  parse_ok("");
  assert_null(plan->items);
  parse_ok("\n\n   # only a comment\n");
  assert_null(plan->items);
  assert_non_null(plan->comments);
}

/* ---- fixed bugs (each test failed before its fix) ----------------------- */

/* days() is a built-in, but `days` is a keyword and only a plain name can be
** called, so no plan can use it. */
static void test_bug_days_is_callable(void **state) {
  assert_tree("days(payee.start, 2026-12-31)", "(days payee.start 2026-12-31)");
}

/* A quota row in a test block needs a period value, which is a month or
** quarter literal; value_text does not accept one. */
static void test_bug_period_value_in_test_row(void **state) {
  parse_ok("test \"t\" {\n"
           "  quota Q1 { payee: A, period: 2026-03, amount: 5 }\n"
           "  quota Q2 { payee: A, period: 2026-Q2, amount: 5 }\n"
           "}\n");
  assert_string_equal(nth_item(0)->tests->fields->next->text, "2026-03");
  assert_string_equal(nth_item(0)->tests->next->fields->next->text, "2026-Q2");
}

/* An item that breaks within three tokens of the previous error is dropped
** without a word, because bison waits for three shifted tokens before it
** reports again. */
static void test_bug_error_right_after_recovery(void **state) {
  parse_errors("component c = 3 * * 4\n"
               "period = month\n"
               "currency USD\n");
  assert_int_equal(tl_diag_errors(diags), 2);
  const struct tl_diag *g = tl_diag_at(diags, 1);
  assert_non_null(g);
  assert_int_equal(g->line, 2);
  assert_int_equal(g->col, 8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(test_full_plan, teardown),
    cmocka_unit_test_teardown(test_inputs, teardown),
    cmocka_unit_test_teardown(test_rules, teardown),
    cmocka_unit_test_teardown(test_measures_and_components, teardown),
    cmocka_unit_test_teardown(test_draw, teardown),
    cmocka_unit_test_teardown(test_test_block, teardown),
    cmocka_unit_test_teardown(test_precedence, teardown),
    cmocka_unit_test_teardown(test_conditionals_and_membership, teardown),
    cmocka_unit_test_teardown(test_calls_and_fields, teardown),
    cmocka_unit_test_teardown(test_tier_tables, teardown),
    cmocka_unit_test_teardown(test_unexpected_with_expected_list, teardown),
    cmocka_unit_test_teardown(test_expected_expression, teardown),
    cmocka_unit_test_teardown(test_recovery, teardown),
    cmocka_unit_test_teardown(test_nonassoc_comparison, teardown),
    cmocka_unit_test_teardown(test_json_and_github, teardown),
    cmocka_unit_test_teardown(test_empty_input, teardown),
    cmocka_unit_test_teardown(test_bug_days_is_callable, teardown),
    cmocka_unit_test_teardown(test_bug_period_value_in_test_row, teardown),
    cmocka_unit_test_teardown(test_bug_error_right_after_recovery, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
