/*
** test_statement.c: payee ids as file names, HTML escaping, and the chart's
** labels (escaped, exact) for statements.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/chart.h"
#include "runtime/statement.h"

static void expect_name(const char *id, size_t n, const char *want) {
  char buf[TL_STMT_NAME_MAX + 1];
  size_t len = tl_stmt_file_name(id, n, buf);
  assert_string_equal(buf, want);
  assert_int_equal(len, strlen(want));
}

static void test_names_kept(void **state) {
  expect_name("ana", 3, "ana");
  expect_name("A-1_b.2", 7, "A-1_b.2");
  expect_name("x.", 2, "x.");
}

static void test_names_escaped(void **state) {
  expect_name("eu/ana", 6, "eu%2Fana");
  expect_name(".hidden", 7, "%2Ehidden");
  expect_name(".", 1, "%2E");
  expect_name("..", 2, "%2E.");
  expect_name("a b", 3, "a%20b");
  expect_name("100%", 4, "100%25");
  expect_name("a\\b:c*?", 7, "a%5Cb%3Ac%2A%3F");
  expect_name("tab\there\n", 9, "tab%09here%0A");
  expect_name("\x7f", 1, "%7F");
  expect_name("Jos\xc3\xa9", 5, "Jos%C3%A9");
  expect_name("", 0, "%");
  /* an id with a NUL byte inside still maps one to one */
  expect_name("a\0b", 3, "a%00b");
}

static void test_names_distinct(void **state) {
  /* '%' is escaped too, so an escaped-looking id cannot collide */
  char a[TL_STMT_NAME_MAX + 1], b[TL_STMT_NAME_MAX + 1];
  tl_stmt_file_name("a/b", 3, a);
  tl_stmt_file_name("a%2Fb", 5, b);
  assert_string_not_equal(a, b);
}

static void test_names_too_long(void **state) {
  char id[TL_STMT_NAME_MAX + 2], buf[TL_STMT_NAME_MAX + 1];
  memset(id, 'x', sizeof id);
  assert_int_equal(tl_stmt_file_name(id, TL_STMT_NAME_MAX, buf), TL_STMT_NAME_MAX);
  assert_int_equal(tl_stmt_file_name(id, TL_STMT_NAME_MAX + 1, buf), 0);
  /* escapes count three bytes each */
  memset(id, '/', sizeof id);
  assert_int_equal(tl_stmt_file_name(id, TL_STMT_NAME_MAX / 3, buf), TL_STMT_NAME_MAX);
  assert_int_equal(tl_stmt_file_name(id, TL_STMT_NAME_MAX / 3 + 1, buf), 0);
}

static char *html(const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  tl_stmt_html_text(s, f);
  fclose(f);
  return buf;
}

static void expect_html(const char *s, const char *want) {
  char *got = html(s);
  assert_string_equal(got, want);
  free(got);
}

static void test_html_escaping(void **state) {
  expect_html("plain text 1,234.50", "plain text 1,234.50");
  expect_html("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  expect_html("a & b \"c\"", "a &amp; b &quot;c&quot;");
  expect_html("&amp;", "&amp;amp;");
  expect_html("tab\tline\nend\r", "tab\tline\nend\r");
  expect_html("bell\a esc\x1b del\x7f", "bell\xEF\xBF\xBD esc\xEF\xBF\xBD del\xEF\xBF\xBD");
  expect_html("Jos\xc3\xa9", "Jos\xc3\xa9");
  expect_html("", "");
}

static char *chart(const tl_chart *c) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  tl_chart_svg(c, f);
  fclose(f);
  return buf;
}

static tl_dec dec(int64_t thousandths) {
  return tl_dec_from_raw((__int128)thousandths * (TL_DEC_ONE_RAW / 1000));
}

static void test_chart(void **state) {
  tl_dec bound[] = { dec(0), dec(1000), dec(1500) };
  tl_dec rate[] = { dec(80), dec(120), dec(150) };
  tl_tier_table t = { 0, true, false, 3, bound, rate };
  tl_chart_mark marks[] = {
    { dec(300), 0, "Q1" },
    { dec(1250), 1, "<A> 2026-Q4: 125%" },
  };
  tl_chart c = { &t, "a&b", true, 2, 2, marks };
  char *svg = chart(&c);
  assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
  assert_non_null(strstr(svg, "aria-label=\"marginal tiers of a&amp;b\""));
  /* bounds and rates are labelled from the exact decimals */
  assert_non_null(strstr(svg, ">100%</text>"));
  assert_non_null(strstr(svg, ">150%</text>"));
  assert_non_null(strstr(svg, ">12%</text>"));
  assert_non_null(strstr(svg, "<g class=\"mark\""));
  assert_non_null(strstr(svg, "<title>Q1</title>"));
  assert_non_null(strstr(svg, ">&lt;A&gt; 2026-Q4: 125%</text>"));
  assert_null(strstr(svg, "<A>"));
  assert_non_null(strstr(svg, "</svg>\n"));
  /* the same input gives the same bytes */
  char *again = chart(&c);
  assert_string_equal(svg, again);
  free(again);
  free(svg);
}

static void test_chart_degenerate(void **state) {
  /* one bound at 0 and a rate of 0: no division by a zero range */
  tl_dec bound[] = { dec(0) }, rate[] = { dec(0) };
  tl_tier_table t = { 1, false, false, 1, bound, rate };
  tl_chart c = { &t, "x", false, 2, 0, NULL };
  char *svg = chart(&c);
  assert_non_null(strstr(svg, ">0.00</text>"));
  assert_null(strstr(svg, "nan"));
  assert_null(strstr(svg, "inf"));
  assert_null(strstr(svg, "class=\"mark\""));
  free(svg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_names_kept),
    cmocka_unit_test(test_names_escaped),
    cmocka_unit_test(test_names_distinct),
    cmocka_unit_test(test_names_too_long),
    cmocka_unit_test(test_html_escaping),
    cmocka_unit_test(test_chart),
    cmocka_unit_test(test_chart_degenerate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
