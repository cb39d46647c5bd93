/*
** test_fmt.c: the canonical formatter, with exact output for every item
** kind, expression form, tier table, test block and comment position; and,
** for every plan under tests/ and examples/ that parses, the formatter's
** three promises: the output parses to the same tree (compared through a
** dump written here), keeps the same comments (as a multiset of texts), and
** formats to itself.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/fmt.h"
#include "runtime/date.h"
#include "runtime/decimal.h"

/* Strings a test made, freed by the teardown even when an assertion fails. */
static char *pool[256];
static int npool;

static char *keep(char *s) {
  assert_true(npool < (int)(sizeof pool / sizeof *pool));
  pool[npool++] = s;
  return s;
}

static int teardown(void **state) {
  (void)state;
  while (npool > 0) free(pool[--npool]);
  return 0;
}

/* Parse src; NULL (and no plan) when it has syntax errors. */
static tl_plan *parse(const char *src, size_t len) {
  tl_diags *d = tl_diags_new();
  tl_plan *p = tl_parse("p.tally", src, len, d);
  int errors = tl_diag_errors(d);
  tl_diags_free(d);
  if (errors == 0) return p;
  tl_plan_free(p);
  return NULL;
}

static tl_plan *parse_ok(const char *src) {
  tl_plan *p = parse(src, strlen(src));
  if (!p) fail_msg("syntax errors in:\n%s", src);
  return p;
}

static char *fmt(const char *src) {
  char *out = NULL;
  size_t len;
  FILE *f = open_memstream(&out, &len);
  tl_plan *p = parse_ok(src);
  int rc = tl_fmt_plan(p, f);
  fclose(f);
  tl_plan_free(p);
  keep(out);
  assert_int_equal(rc, 0);
  return out;
}

/*
** A dump of everything the parser records, spans aside
*/

static void dump_num(FILE *f, tl_dec v) {
  char buf[80];
  tl_dec_format(v, -1, false, buf, sizeof buf);
  fputs(buf, f);
}

static void dump_expr(FILE *f, const tl_expr *e);

static void dump_list(FILE *f, const tl_expr *e) {
  fputc('[', f);
  for (; e; e = e->next) {
    dump_expr(f, e);
    if (e->next) fputc(' ', f);
  }
  fputc(']', f);
}

static void dump_expr(FILE *f, const tl_expr *e) {
  char d[11];
  if (!e) {
    fputs("-", f);
    return;
  }
  fprintf(f, "(%s ", tl_expr_kind_name(e->kind));
  switch (e->kind) {
    case TL_E_NUM: dump_num(f, e->u.num.v); fputs(e->u.num.lit ? "" : "%", f); break;
    case TL_E_STR: fprintf(f, "\"%s\"", e->u.str); break;
    case TL_E_DATE: tl_date_format(e->u.date, d); fputs(d, f); break;
    case TL_E_BOOL: fputs(e->u.b ? "true" : "false", f); break;
    case TL_E_NAME: fputs(e->u.name.name, f); break;
    case TL_E_FIELD: fprintf(f, "%d.%s", (int)e->u.field.obj, e->u.field.name); break;
    case TL_E_CREDIT: break;
    case TL_E_CALL:
      fprintf(f, "%s ", e->u.call.name);
      dump_list(f, e->u.call.args);
      fputc(' ', f);
      dump_expr(f, e->u.call.where);
      break;
    case TL_E_UNARY:
      fprintf(f, "%s ", tl_op_text(e->u.unary.op));
      dump_expr(f, e->u.unary.x);
      break;
    case TL_E_BINARY:
      fprintf(f, "%s ", tl_op_text(e->u.binary.op));
      dump_expr(f, e->u.binary.l);
      fputc(' ', f);
      dump_expr(f, e->u.binary.r);
      break;
    case TL_E_IF:
      dump_expr(f, e->u.cond.c);
      dump_expr(f, e->u.cond.a);
      dump_expr(f, e->u.cond.b);
      break;
    case TL_E_RANGE:
      dump_expr(f, e->u.range.x);
      dump_expr(f, e->u.range.lo);
      dump_expr(f, e->u.range.hi);
      break;
    case TL_E_INPERIOD:
      dump_expr(f, e->u.inperiod.x);
      fprintf(f, " %s", e->u.inperiod.period);
      break;
    case TL_E_INLIST: dump_expr(f, e->u.inlist.x); dump_list(f, e->u.inlist.items); break;
    case TL_E_TIER:
      fprintf(f, "%d %d ", (int)e->u.tier.kind, e->u.tier.exclusive);
      dump_expr(f, e->u.tier.x);
      dump_expr(f, e->u.tier.over);
      for (const tl_tier_row *r = e->u.tier.rows; r; r = r->next) {
        fputs(" {", f);
        dump_num(f, r->bound);
        fprintf(f, "%s:", r->bound_pct ? "%" : "");
        dump_num(f, r->rate);
        fprintf(f, "%s}", r->rate_pct ? "%" : "");
      }
      break;
  }
  fputc(')', f);
}

static void dump_item(FILE *f, const tl_item *it) {
  char d1[11], d2[11];
  tl_date_format(it->d1, d1);
  tl_date_format(it->d2, d2);
  fprintf(f, "%s name=%s word=%s d=%s..%s num=", tl_item_kind_name(it->kind),
          it->name ? it->name : "-", it->word ? it->word : "-", d1, d2);
  dump_num(f, it->num);
  fprintf(f, " mode=%d flag=%d from=%d\n  x=", (int)it->mode, it->flag, it->from_table);
  dump_expr(f, it->x);
  fputs("\n  where=", f);
  dump_expr(f, it->where);
  fputc('\n', f);
  for (const tl_clause *c = it->clauses; c; c = c->next) {
    fprintf(f, "  clause %d ", (int)c->kind);
    dump_expr(f, c->x);
    fputc('\n', f);
  }
  for (const tl_coldecl *c = it->cols; c; c = c->next)
    fprintf(f, "  col %s %s%s%s\n", c->name, c->type, c->optional ? "?" : "", c->key ? " key" : "");
  for (const tl_titem *t = it->tests; t; t = t->next) {
    fprintf(f, "  entry %d table=%s id=%s period=%s line=%s pct=%d message=%s value=", (int)t->kind,
            t->table ? t->table : "-", t->id ? t->id : "-", t->period ? t->period : "-",
            t->line ? t->line : "-", t->pct, t->message ? t->message : "-");
    dump_num(f, t->value);
    fputc('\n', f);
    for (const tl_tfield *v = t->fields; v; v = v->next)
      fprintf(f, "    %s: [%s] quoted=%d pct=%d\n", v->key, v->text, v->quoted, v->pct);
  }
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The tree, then every comment's text in sorted order (a multiset). */
static char *dump(const char *src, size_t len) {
  char *out = NULL;
  size_t n = 0, ntexts = 0;
  FILE *f = open_memstream(&out, &n);
  tl_plan *p = parse(src, len);
  if (!p) {
    fclose(f);
    keep(out);
    fail_msg("the output has syntax errors:\n%.*s", (int)len, src);
  }
  for (const tl_item *it = p->items; it; it = it->next) dump_item(f, it);
  for (const tl_comment *c = p->comments; c; c = c->next) ntexts++;
  const char **texts = calloc(ntexts + 1, sizeof *texts);
  ntexts = 0;
  for (const tl_comment *c = p->comments; c; c = c->next) texts[ntexts++] = c->text;
  qsort(texts, ntexts, sizeof *texts, cmp_str);
  for (size_t i = 0; i < ntexts; i++) fprintf(f, "comment [%s]\n", texts[i]);
  free(texts);
  tl_plan_free(p);
  fclose(f);
  return keep(out);
}

static void same(const char *got, const char *want, const char *what, const char *name) {
  if (strcmp(got, want) != 0) print_message("%s: %s\n", name, what);
  assert_string_equal(got, want);
}

/* The promises, for src (which must parse): returns fmt(src). */
static const char *check_named(const char *src, const char *name) {
  const char *out = fmt(src);
  same(dump(out, strlen(out)), dump(src, strlen(src)), "the tree or the comments changed", name);
  same(fmt(out), out, "formatting twice differs from once", name);
  return out;
}

static const char *check(const char *src) { return check_named(src, "plan"); }

/* src formats to exactly want, and want is left as it is. */
static void expect_fmt(const char *src, const char *want) {
  assert_string_equal(check(src), want);
  assert_string_equal(fmt(want), want);
}

#define HEAD "plan \"P\"\n"

/*
** Items
*/

static void test_header(void **state) {
  (void)state;
  expect_fmt("plan   \"Flat \\\"rate\\\"\"   currency USD year 2026-01-01 to 2026-12-31\n"
             "period month rounding half_up to 0.010 rounding half_even rounding x to 0\n",
             "plan \"Flat \\\"rate\\\"\"\n"
             "currency USD\n"
             "year 2026-01-01 to 2026-12-31\n"
             "period month\n"
             "rounding half_up to 0.01\n"
             "rounding half_even\n"
             "rounding x to 0\n");
}

static void test_groups(void **state) {
  (void)state;
  expect_fmt("plan \"P\"\ncurrency USD\n\n\n"
             "input payees { id text key }\ninput deals { id text key }\n"
             "eligible payees where role == \"AE\"\n\nquota = 1\ncredit deals to owner\n"
             "rollup to manager\nclawback deals cancelled within 90 days reversing\n"
             "measure a = 1\n\nmeasure b = 2\ncomponent c = a\n"
             "draw nonrecoverable 500 per period for 3 periods\n"
             "test \"t\" { }\ntest \"u\" { expect error \"x\" }\n",
             "plan \"P\"\n"
             "currency USD\n"
             "\n"
             "input payees { id text key }\n"
             "input deals { id text key }\n"
             "\n"
             "eligible payees where role == \"AE\"\n"
             "quota = 1\n"
             "credit deals to owner\n"
             "rollup to manager\n"
             "clawback deals cancelled within 90 days reversing\n"
             "\n"
             "measure a = 1\n"
             "measure b = 2\n"
             "component c = a\n"
             "\n"
             "draw nonrecoverable 500 per period for 3 periods\n"
             "\n"
             "test \"t\" {\n"
             "}\n"
             "\n"
             "test \"u\" {\n"
             "  expect error \"x\"\n"
             "}\n");
}

static void test_set_up_items(void **state) {
  (void)state;
  expect_fmt(HEAD "quota from quotas prorated by days\n"
             "quota=payee.quota/4 prorated by days\n"
             "credit deals where stage==\"won\" to owner\n"
             "clawback deals cancelled within 120 days\n"
             "draw recoverable payee.draw per period for 4 periods\n",
             HEAD "\n"
             "quota from quotas prorated by days\n"
             "quota = payee.quota / 4 prorated by days\n"
             "credit deals where stage == \"won\" to owner\n"
             "clawback deals cancelled within 120 days\n"
             "\n"
             "draw recoverable payee.draw per period for 4 periods\n");
}

static void test_input(void **state) {
  (void)state;
  expect_fmt(HEAD "input payees {id text key,role text,\n  manager payee?, start date?,}\n",
             HEAD "\ninput payees { id text key, role text, manager payee?, start date? }\n");
  /* 101 columns on one line: one column per line, no trailing comma */
  expect_fmt(HEAD "input deals { id text key, owner payee, closed date, amount money, "
             "product text, stage text, k text }\n",
             HEAD "\n"
             "input deals {\n"
             "  id text key,\n"
             "  owner payee,\n"
             "  closed date,\n"
             "  amount money,\n"
             "  product text,\n"
             "  stage text,\n"
             "  k text\n"
             "}\n");
  /* 100 columns fit */
  expect_fmt(HEAD "input deals { id text key, owner payee, closed date, amount money, "
             "product text, stag text, k text }\n",
             HEAD "\ninput deals { id text key, owner payee, closed date, amount money, "
             "product text, stag text, k text }\n");
}

static void test_measure_and_component(void **state) {
  (void)state;
  expect_fmt(HEAD "measure bookings =\n  sum(credit.amount)\n"
             "component commission period = bookings*10%\n"
             "component c cumulative = bookings * 5% cap 1_000 per period floor 10 per period "
             "cap 2 * payee.target per year\n"
             "component spif = 400 per credit\n"
             "component spif2 = 400 per credit where deal.product == \"Widget\"\n",
             HEAD "\n"
             "measure bookings = sum(credit.amount)\n"
             "component commission = bookings * 10%\n"
             "\n"
             "component c cumulative = bookings * 5%\n"
             "  cap 1_000 per period\n"
             "  floor 10 per period\n"
             "  cap 2 * payee.target per year\n"
             "\n"
             "component spif = 400 per credit\n"
             "component spif2 = 400 per credit where deal.product == \"Widget\"\n");
}

static void test_long_body(void **state) {
  (void)state;
  /* too long for the first line: the body goes on the next */
  expect_fmt(HEAD "component widget_spif = 400 per credit where deal.product == \"Widget\" and "
             "credit.date in 2026-03-01 to 2026-03-31\n",
             HEAD "\n"
             "component widget_spif =\n"
             "  400 per credit where deal.product == \"Widget\" and credit.date in 2026-03-01 to "
             "2026-03-31\n");
  /* too long even there: `per credit` goes on a line of its own */
  expect_fmt(HEAD "component spif = if deal.amount >= 100_000 then 2_500 else if deal.amount >= "
             "25_000 then 1_000 else 250 per credit where deal.product == \"Atlas\"\n"
             "  and credit.date in 2026-04-01 to 2026-06-30 cap 5000 per period\n",
             HEAD "\n"
             "component spif =\n"
             "  (if deal.amount >= 100_000 then 2_500 else if deal.amount >= 25_000 then 1_000 "
             "else 250)\n"
             "  per credit where deal.product == \"Atlas\" and credit.date in 2026-04-01 to "
             "2026-06-30\n"
             "  cap 5_000 per period\n");
}

/*
** Expressions
*/

/* The expression e after a measure, formatted. */
static const char *fmt_expr(const char *e) {
  char src[512];
  snprintf(src, sizeof src, "measure m = %s\n", e);
  const char *out = check(src);
  assert_memory_equal(out, "measure m = ", 12);
  char *s = keep(strdup(out + 12));
  s[strlen(s) - 1] = 0;
  return s;
}

static void test_spacing(void **state) {
  (void)state;
  assert_string_equal(fmt_expr("a+b*c-d/e"), "a + b * c - d / e");
  assert_string_equal(fmt_expr("max( a ,b,  c )"), "max(a, b, c)");
  assert_string_equal(fmt_expr("today()"), "today()");
  assert_string_equal(fmt_expr("sum( credit.amount where deal.x==1 )"),
                      "sum(credit.amount where deal.x == 1)");
  assert_string_equal(fmt_expr("- x"), "-x");
  assert_string_equal(fmt_expr("not  x"), "not x");
  assert_string_equal(fmt_expr("a!=b and c<=d or e>=f and g<h and i>j"),
                      "a != b and c <= d or e >= f and g < h and i > j");
  assert_string_equal(fmt_expr("credit.date in 2026-01-01 to 2026-03-31"),
                      "credit.date in 2026-01-01 to 2026-03-31");
  assert_string_equal(fmt_expr("credit.date in 2026-Q3"), "credit.date in 2026-Q3");
  assert_string_equal(fmt_expr("deal.product in [ \"A\",\"B\" ]"),
                      "deal.product in [\"A\", \"B\"]");
  assert_string_equal(fmt_expr("if a then b else c"), "if a then b else c");
  assert_string_equal(fmt_expr("payee.quota+deal.amount+credit.share+credit+quota"),
                      "payee.quota + deal.amount + credit.share + credit + quota");
  assert_string_equal(fmt_expr("true or false"), "true or false");
}

static void test_parentheses(void **state) {
  (void)state;
  /* redundant ones go */
  assert_string_equal(fmt_expr("((a)) + (b * c)"), "a + b * c");
  assert_string_equal(fmt_expr("(a + b) + c"), "a + b + c");
  assert_string_equal(fmt_expr("(a * b) / c"), "a * b / c");
  assert_string_equal(fmt_expr("(a and b) or c"), "a and b or c");
  assert_string_equal(fmt_expr("(not a) and b"), "not a and b");
  assert_string_equal(fmt_expr("not (a == b)"), "not a == b");
  assert_string_equal(fmt_expr("(-a) * b"), "-a * b");
  assert_string_equal(fmt_expr("a - (-b)"), "a - -b");
  assert_string_equal(fmt_expr("(a + b) in 1 to (c + 1)"), "a + b in 1 to c + 1");
  assert_string_equal(fmt_expr("if a then b else (if c then d else e)"),
                      "if a then b else if c then d else e");
  assert_string_equal(fmt_expr("f((a or b), (c))"), "f(a or b, c)");
  /* the ones that change the meaning stay */
  assert_string_equal(fmt_expr("(a + b) * c"), "(a + b) * c");
  assert_string_equal(fmt_expr("a - (b - c)"), "a - (b - c)");
  assert_string_equal(fmt_expr("a / (b * c)"), "a / (b * c)");
  assert_string_equal(fmt_expr("a and (b or c)"), "a and (b or c)");
  assert_string_equal(fmt_expr("not (a and b)"), "not (a and b)");
  assert_string_equal(fmt_expr("-(a + b)"), "-(a + b)");
  assert_string_equal(fmt_expr("(a == b) == c"), "(a == b) == c");
  assert_string_equal(fmt_expr("a == (b == c)"), "a == (b == c)");
  assert_string_equal(fmt_expr("(a in 2026-Q1) == b"), "(a in 2026-Q1) == b");
  assert_string_equal(fmt_expr("a in (b or c) to (d and e)"), "a in (b or c) to (d and e)");
  /* an `if` that something could follow is always bracketed */
  assert_string_equal(fmt_expr("(if a then b else c) + 1"), "(if a then b else c) + 1");
  assert_string_equal(fmt_expr("1 + (if a then b else c)"), "1 + (if a then b else c)");
  assert_string_equal(fmt_expr("if (if a then b else c) then d else e"),
                      "if (if a then b else c) then d else e");
  assert_string_equal(fmt_expr("a == (not b)"), "a == (not b)");
}

static void test_literals(void **state) {
  (void)state;
  assert_string_equal(fmt_expr("120000 + 1_20_000 + 9999 + 4_000 + 10000 + 0"),
                      "120_000 + 120_000 + 9_999 + 4_000 + 10_000 + 0");
  assert_string_equal(fmt_expr("1234567.50 + 0.010 + 10_400.00 + 3.000_001"),
                      "1_234_567.5 + 0.01 + 10_400 + 3.000001");
  assert_string_equal(fmt_expr("12.50% + 100% + 0.5% + 25_000% + 0%"),
                      "12.5% + 100% + 0.5% + 25_000% + 0%");
  assert_string_equal(fmt_expr("\"tab\\there \\\"q\\\" back\\\\slash\\nline\""),
                      "\"tab\\there \\\"q\\\" back\\\\slash\\nline\"");
  assert_string_equal(fmt_expr("\"caf\xc3\xa9\" + 2026-02-28"), "\"caf\xc3\xa9\" + 2026-02-28");
}

/*
** Tier tables
*/

static void test_tiers(void **state) {
  (void)state;
  expect_fmt(HEAD "component commission cumulative = marginal ytd(bookings) over ytd(quota) "
             "{ 0%: 8%, 100%: 12%, 150%: 15% }\n",
             HEAD "\n"
             "component commission cumulative =\n"
             "  marginal ytd(bookings) over ytd(quota) {\n"
             "      0% : 8%\n"
             "    100% : 12%\n"
             "    150% : 15%\n"
             "  }\n");
  expect_fmt(HEAD "component c = retro bookings exclusive { -10%: 0% 0 : 0.5% 1_000_000: 1 }"
             " cap 30_000 per period\n",
             HEAD "\n"
             "component c =\n"
             "  retro bookings exclusive {\n"
             "         -10% : 0%\n"
             "            0 : 0.5%\n"
             "    1_000_000 : 1\n"
             "  }\n"
             "  cap 30_000 per period\n");
  /* a curve inside a larger expression */
  expect_fmt(HEAD "component bonus = curve attainment {50%:25% 100%:100%} * payee.target / 4\n",
             HEAD "\n"
             "component bonus =\n"
             "  curve attainment {\n"
             "     50% : 25%\n"
             "    100% : 100%\n"
             "  } * payee.target / 4\n");
  /* in an item that stays on its first line, rows are indented from it */
  expect_fmt(HEAD "quota = curve payee.level { 1: 100_000, 2: 150_000 } prorated by days\n",
             HEAD "\n"
             "quota = curve payee.level {\n"
             "  1 : 100_000\n"
             "  2 : 150_000\n"
             "} prorated by days\n");
}

/*
** Test blocks
*/

static void test_test_block(void **state) {
  (void)state;
  expect_fmt(HEAD "test \"accelerator\" {\n"
             "payee A { role: \"AE\", quota: 400000, start: 2026-01-01 }\n"
             "deal D1 { owner: A, amount: 120_000.00 , share: 60% , adj: -5, back: -2.5%,\n"
             "  ok: true }\n"
             "deal \"D 2\" {} payee 1001 { \"first name\": \"Ann\", 2026-03: 5, 2026-Q1: x, "
             "2026-01-31: y, \"if\": z }\n"
             "expect A 2026-Q1 commission == 10_400.00 expect A 2026-03 rate == 12.5%\n"
             "expect \"D 2\" 2026 net == -800 expect error \"sum to 90%\" }\n",
             HEAD "\n"
             "test \"accelerator\" {\n"
             "  payee A { role: \"AE\", quota: 400_000, start: 2026-01-01 }\n"
             "  deal D1 { owner: A, amount: 120_000, share: 60%, adj: -5, back: -2.5%, ok: true }\n"
             "  deal \"D 2\" {}\n"
             "  payee 1001 { \"first name\": \"Ann\", 2026-03: 5, 2026-Q1: x, 2026-01-31: y, "
             "\"if\": z }\n"
             "  expect A 2026-Q1 commission == 10_400.00\n"
             "  expect A 2026-03 rate == 12.5%\n"
             "  expect \"D 2\" 2026 net == -800.00\n"
             "  expect error \"sum to 90%\"\n"
             "}\n");
  /* quoted values stay quoted, bare ones bare */
  expect_fmt(HEAD "test \"q\" {\n"
             "payee \"A\" { role: AE, name: \"5\", key: \"true\", d: \"2026-01-01\" } }\n",
             HEAD "\n"
             "test \"q\" {\n"
             "  payee A { role: AE, name: \"5\", key: \"true\", d: \"2026-01-01\" }\n"
             "}\n");
}

/*
** Comments
*/

static void test_comments_own_line(void **state) {
  (void)state;
  expect_fmt("# the title\nplan \"P\"\n  # the currency\ncurrency USD\n"
             "measure a = 1\n    # about b\n  # more about b\nmeasure b = 2\n",
             "# the title\n"
             "plan \"P\"\n"
             "# the currency\n"
             "currency USD\n"
             "\n"
             "measure a = 1\n"
             "# about b\n"
             "# more about b\n"
             "measure b = 2\n");
}

static void test_comments_trailing(void **state) {
  (void)state;
  expect_fmt("plan \"P\"     # title\ncurrency USD#no space\n"
             "input payees { id text key, role text }   # the roster\n"
             "component c = a * 5%   # flat\n  cap 10 per period # a cap\n",
             "plan \"P\"  # title\n"
             "currency USD  #no space\n"
             "\n"
             "input payees { id text key, role text }  # the roster\n"
             "\n"
             "component c = a * 5%  # flat\n"
             "  cap 10 per period  # a cap\n");
}

static void test_comments_joined_lines(void **state) {
  (void)state;
  /* comments inside code that ends up on one line: all but the last trailing
  ** one go above it */
  expect_fmt("measure m = a +   # first\n"
             "  # between\n"
             "  b *            # second\n"
             "  c              # third\n"
             "measure n = sum(credit.amount\n # inside\n)\n",
             "# first\n"
             "# between\n"
             "# second\n"
             "measure m = a + b * c  # third\n"
             "# inside\n"
             "measure n = sum(credit.amount)\n");
  /* a comment on the line of a closing brace of an item */
  expect_fmt("measure m = a +\n  # last\n  b\n", "# last\nmeasure m = a + b\n");
}

static void test_comments_in_tables(void **state) {
  (void)state;
  expect_fmt(HEAD "component c cumulative =  # the main line\n"
             "  # on ytd values\n"
             "  marginal ytd(b) over ytd(q) {   # bands\n"
             "    # below quota\n"
             "      0% : 8%   # base\n"
             "    100% : 12%, # accelerator\n"
             "    # beyond\n"
             "    150% :\n      15%\n"
             "    # no more rows\n"
             "  }  # end of table\n"
             "  # the cap\n"
             "  cap 1 per period\n",
             HEAD "\n"
             "component c cumulative =  # the main line\n"
             "  # on ytd values\n"
             "  marginal ytd(b) over ytd(q) {  # bands\n"
             "    # below quota\n"
             "      0% : 8%  # base\n"
             "    100% : 12%  # accelerator\n"
             "    # beyond\n"
             "    150% : 15%\n"
             "    # no more rows\n"
             "  }  # end of table\n"
             "  # the cap\n"
             "  cap 1 per period\n");
}

static void test_comments_in_input(void **state) {
  (void)state;
  /* a comment among the columns keeps one column per line */
  expect_fmt(HEAD "input deals { id text key,  # CRM id\n  amount money }\n",
             HEAD "\n"
             "input deals {\n"
             "  id text key,  # CRM id\n"
             "  amount money\n"
             "}\n");
  expect_fmt(HEAD "input deals {\n  id text key,\n  # in deal currency\n  amount money\n"
             "  # nothing else\n}\n",
             HEAD "\n"
             "input deals {\n"
             "  id text key,\n"
             "  # in deal currency\n"
             "  amount money\n"
             "  # nothing else\n"
             "}\n");
}

static void test_comments_in_test_block(void **state) {
  (void)state;
  expect_fmt(HEAD "test \"t\" {  # worked example\n"
             "  # a rep\n"
             "  payee A { role: \"AE\",   # the role\n"
             "            quota: 1 }\n"
             "  expect A 2026-Q1 c == 1   # checks\n"
             "  # done\n"
             "}  # end\n",
             HEAD "\n"
             "test \"t\" {  # worked example\n"
             "  # a rep\n"
             "  payee A { role: \"AE\", quota: 1 }  # the role\n"
             "  expect A 2026-Q1 c == 1.00  # checks\n"
             "  # done\n"
             "}  # end\n");
}

static void test_comments_end_of_file(void **state) {
  (void)state;
  expect_fmt(HEAD "measure a = 1 # one\n# trailing words\n\n\n# after a gap\n#last",
             HEAD "\n"
             "measure a = 1  # one\n"
             "# trailing words\n"
             "\n"
             "# after a gap\n"
             "#last\n");
  expect_fmt("# only\n\n  # comments\n", "# only\n\n# comments\n");
  expect_fmt("", "");
}

static void test_comments_blank_lines(void **state) {
  (void)state;
  /* at top level, a blank line next to a comment stays (one at most) */
  expect_fmt("# Plan header.\n\n\nplan \"P\"\ncurrency USD\n\n# ---- setup ----\n\n"
             "credit deals to owner\n\n# rounding below\nmeasure a = 1\n"
             "measure b = 2\n# c\n\nmeasure c = 3\n",
             "# Plan header.\n"
             "\n"
             "plan \"P\"\n"
             "currency USD\n"
             "\n"
             "# ---- setup ----\n"
             "\n"
             "credit deals to owner\n"
             "\n"
             "# rounding below\n"
             "measure a = 1\n"
             "measure b = 2\n"
             "# c\n"
             "\n"
             "measure c = 3\n");
}

/*
** Whole plans
*/

static const char canonical[] =
  "# A canonical plan comes out byte for byte.\n"
  "plan \"Enterprise AE FY2026\"\n"
  "currency USD\n"
  "year 2026-01-01 to 2026-12-31\n"
  "period quarter  # pay quarterly\n"
  "rounding half_up to 0.01\n"
  "\n"
  "input payees { id text key, role text, start date?, quota money, target money }\n"
  "\n"
  "input deals {\n"
  "  id text key,\n"
  "  owner payee,\n"
  "  closed date,\n"
  "  amount money,\n"
  "  product text,\n"
  "  type text,\n"
  "  stage text,\n"
  "  cancelled date?  # empty unless cancelled\n"
  "}\n"
  "\n"
  "eligible payees where role == \"AE\"\n"
  "quota = payee.quota / 4 prorated by days\n"
  "credit deals where stage == \"won\" and type != \"renewal\" to owner\n"
  "clawback deals cancelled within 90 days\n"
  "\n"
  "measure bookings = sum(credit.amount)\n"
  "measure attainment = ratio(bookings, quota)\n"
  "\n"
  "# Accelerated commission.\n"
  "component commission cumulative =\n"
  "  marginal ytd(bookings) over ytd(quota) {\n"
  "      0% : 8%\n"
  "    100% : 12%  # accelerator\n"
  "    150% : 15%\n"
  "  }\n"
  "  cap 2 * payee.target per year\n"
  "\n"
  "component widget_spif =\n"
  "  500 per credit where deal.product == \"Widget\" and credit.date in 2026-07-01 to 2026-09-30\n"
  "\n"
  "component bonus =\n"
  "  curve attainment {\n"
  "     50% : 25%\n"
  "    100% : 100%\n"
  "  } * payee.target / 4\n"
  "\n"
  "draw recoverable 5_000 per period for 2 periods\n"
  "\n"
  "test \"accelerator above quota\" {\n"
  "  payee A { role: \"AE\", start: 2026-01-01, quota: 400_000, target: 60_000 }\n"
  "  deal D1 { owner: A, closed: 2026-02-01, amount: 120_000, product: \"Core\" }\n"
  "  expect A 2026-Q1 commission == 10_400.00\n"
  "}\n"
  "# end of plan\n";

static void test_canonical_unchanged(void **state) {
  (void)state;
  assert_string_equal(check(canonical), canonical);
}

/* A plan laid out every which way, with comments in awkward places. */
static const char messy[] =
  "plan \"M\" currency USD # money\n"
  "input deals {id text key, # the id\n amount\n money, # amount\n}\n"
  "measure m = (a +   # a\n b) *\n (c  # c\n - d)\n"
  "component spif = (if deal.amount >= 100_000 then 2_500  # big\n"
  "   else if deal.amount >= 25_000 then 1_000\n   else 250)  # small\n"
  "  per credit where deal.product == \"Atlas\"   # the product\n"
  "               and credit.date in 2026-04-01 to 2026-06-30 # the window\n"
  "component c = curve m { 0: 1, # one\n 10%: 2 # two\n } # curve\n"
  "  * 2 cap 5 # five\n per period # period\n"
  "test \"t\" { payee A { role: \"AE\", # role\n quota: 1 } # A\n"
  "  expect A 2026-Q1 c == 1 } # t\n";

/* Insert a comment at each place the grammar allows one: it is kept, once,
** and formatting stays stable. */
static int comment_everywhere(const char *plan) {
  static char src[sizeof canonical + sizeof messy + 4];
  size_t n = strlen(plan);
  int tried = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i > 0 && plan[i - 1] != ' ' && plan[i - 1] != '\n') continue;
    memcpy(src, plan, i);
    memcpy(src + i, "# x\n", 4);
    memcpy(src + i + 4, plan + i, n - i + 1);
    tl_plan *p = parse(src, strlen(src));
    if (!p) continue;   /* inside a string, or cut a comment */
    tl_plan_free(p);
    check(src);
    teardown(NULL);
    tried++;
  }
  return tried;
}

static void test_comment_everywhere(void **state) {
  (void)state;
  int tried = comment_everywhere(canonical) + comment_everywhere(messy);
  print_message("%d places tried\n", tried);
  assert_true(tried > 300);
}

/* Several comments at random places at once. */
static void test_random_comments(void **state) {
  (void)state;
  static const char *const plans[] = { canonical, messy };
  static const char *const texts[] = { "# x\n", "\n# y\n", " # z\n\n" };
  int tried = 0;
  for (int trial = 0; trial < 1000; trial++) {
    const char *plan = plans[trial % 2];
    char *src = keep(strdup(plan));
    for (int k = 0; k < 4; k++) {
      size_t n = strlen(src), i = (size_t)rand() % (n + 1);
      const char *t = texts[rand() % 3];
      while (i > 0 && src[i - 1] != ' ' && src[i - 1] != '\n') i--;
      char *next = keep(malloc(n + strlen(t) + 1));
      memcpy(next, src, i);
      strcpy(next + i, t);
      strcat(next, src + i);
      src = next;
    }
    tl_plan *p = parse(src, strlen(src));
    if (p) {
      tl_plan_free(p);
      check(src);
      tried++;
    }
    teardown(NULL);
  }
  print_message("%d plans with random comments\n", tried);
  assert_true(tried > 300);
}

/*
** Random expressions: every subexpression bracketed or not at random, so
** the formatter's parentheses meet every pairing of operators.
*/

static unsigned long seed = 12345;

static unsigned rnd(unsigned n) {
  seed = seed * 6364136223846793005UL + 1442695040888963407UL;
  return (unsigned)(seed >> 33) % n;
}

static void gen(FILE *f, int depth) {
  static const char *const atoms[] = { "a", "b", "1", "25%", "\"s\"", "2026-01-01", "payee.x",
                                       "true", "quota" };
  static const char *const ops[] = { "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=",
                                     "and", "or" };
  bool paren = rnd(2);
  if (depth == 0) {
    fputs(atoms[rnd(sizeof atoms / sizeof *atoms)], f);
    return;
  }
  if (paren) fputc('(', f);
  switch (rnd(9)) {
    case 0: case 1: case 2:
      gen(f, depth - 1);
      fprintf(f, " %s ", ops[rnd(sizeof ops / sizeof *ops)]);
      gen(f, depth - 1);
      break;
    case 3: fputs(rnd(2) ? "-" : "not ", f); gen(f, depth - 1); break;
    case 4:
      fputs("if ", f); gen(f, depth - 1);
      fputs(" then ", f); gen(f, depth - 1);
      fputs(" else ", f); gen(f, depth - 1);
      break;
    case 5:
      gen(f, depth - 1); fputs(" in ", f); gen(f, depth - 1); fputs(" to ", f); gen(f, depth - 1);
      break;
    case 6: gen(f, depth - 1); fputs(rnd(2) ? " in 2026-Q2" : " in [1, b]", f); break;
    case 7:
      fputs("f(", f); gen(f, depth - 1);
      fputs(", ", f); gen(f, depth - 1);
      fputs(")", f);
      break;
    default:
      fputs("curve ", f); gen(f, depth - 1); fputs(" { 0: 1, 10%: 2 }", f);
      break;
  }
  if (paren) fputc(')', f);
}

static void test_random_expressions(void **state) {
  (void)state;
  int parsed = 0;
  for (int i = 0; i < 3000; i++) {
    char *src = NULL;
    size_t len;
    FILE *f = open_memstream(&src, &len);
    fputs("component c = ", f);
    gen(f, 1 + (int)rnd(4));
    fputs("\n", f);
    fclose(f);
    keep(src);
    tl_plan *p = parse(src, strlen(src));
    if (p) {
      tl_plan_free(p);
      check(src);
      parsed++;
    }
    teardown(NULL);
  }
  print_message("%d expressions parsed\n", parsed);
  assert_true(parsed > 1000);
}

/*
** Every plan in the tree
*/

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t cap = 0, n = 0, k;
  if (!f) return NULL;
  do {
    if (n == cap) buf = realloc(buf, cap = cap ? cap * 2 : 4096);
    k = fread(buf + n, 1, cap - n, f);
    n += k;
  } while (k > 0);
  fclose(f);
  buf = realloc(buf, n + 1);
  buf[n] = 0;
  *len = n;
  return buf;
}

static int walk(const char *dir, int *skipped) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (!d) return 0;
  while ((e = readdir(d)) != NULL) {
    char path[4096];
    struct stat st;
    size_t len;
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      n += walk(path, skipped);
      continue;
    }
    len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 6, ".tally") != 0) continue;
    char *src = keep(read_file(path, &len));
    /* A NUL byte would cut a comment's text short: such files are not plans. */
    tl_plan *p = strlen(src) == len ? parse(src, len) : NULL;
    if (!p) {
      ++*skipped;
    } else {
      tl_plan_free(p);
      check_named(src, path);
      n++;
    }
    teardown(NULL);
  }
  closedir(d);
  return n;
}

static void test_every_plan(void **state) {
  (void)state;
  static const char *const dirs[] = { "tests/acceptance", "tests/plantest", "tests/lang",
                                      "examples" };
  int skipped = 0, n = 0;
  for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) n += walk(dirs[i], &skipped);
  print_message("%d plans formatted, %d with syntax errors (or NUL bytes) skipped\n", n, skipped);
  assert_true(n >= 8);   /* the acceptance plans at least: run from the top of the tree */
}

static void test_write_error(void **state) {
  (void)state;
  FILE *f = fopen("/dev/full", "w");
  if (!f) skip();
  tl_plan *p = parse_ok(canonical);
  int rc = tl_fmt_plan(p, f);
  tl_plan_free(p);
  fclose(f);
  assert_int_equal(rc, -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(test_header, teardown),
    cmocka_unit_test_teardown(test_groups, teardown),
    cmocka_unit_test_teardown(test_set_up_items, teardown),
    cmocka_unit_test_teardown(test_input, teardown),
    cmocka_unit_test_teardown(test_measure_and_component, teardown),
    cmocka_unit_test_teardown(test_long_body, teardown),
    cmocka_unit_test_teardown(test_spacing, teardown),
    cmocka_unit_test_teardown(test_parentheses, teardown),
    cmocka_unit_test_teardown(test_literals, teardown),
    cmocka_unit_test_teardown(test_tiers, teardown),
    cmocka_unit_test_teardown(test_test_block, teardown),
    cmocka_unit_test_teardown(test_comments_own_line, teardown),
    cmocka_unit_test_teardown(test_comments_trailing, teardown),
    cmocka_unit_test_teardown(test_comments_joined_lines, teardown),
    cmocka_unit_test_teardown(test_comments_in_tables, teardown),
    cmocka_unit_test_teardown(test_comments_in_input, teardown),
    cmocka_unit_test_teardown(test_comments_in_test_block, teardown),
    cmocka_unit_test_teardown(test_comments_end_of_file, teardown),
    cmocka_unit_test_teardown(test_comments_blank_lines, teardown),
    cmocka_unit_test_teardown(test_canonical_unchanged, teardown),
    cmocka_unit_test_teardown(test_comment_everywhere, teardown),
    cmocka_unit_test_teardown(test_random_comments, teardown),
    cmocka_unit_test_teardown(test_random_expressions, teardown),
    cmocka_unit_test_teardown(test_every_plan, teardown),
    cmocka_unit_test_teardown(test_write_error, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
