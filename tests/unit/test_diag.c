/*
** test_diag.c: the diagnostics collector and its text, JSON and GitHub output.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang/diag.h"
#include "runtime/arena.h"

static char *printed(const tl_diags *d, tl_diag_format fmt) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  tl_diag_print(d, f, fmt);
  fclose(f);
  return buf;
}

static void expect_print(const tl_diags *d, tl_diag_format fmt, const char *want) {
  char *got = printed(d, fmt);
  assert_string_equal(got, want);
  free(got);
}

static tl_loc at(const char *file, int line, int col, int end_line, int end_col) {
  tl_loc l = { file, line, col, end_line, end_col };
  return l;
}

static const char plan[] =
  "plan \"x\"\n"
  "  measure x = sum(credit.amount))\n"
  "\tcap\t2 * target\n"
  "last line without newline";

static void test_text_caret(void **state) {
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "plan.tally", plan, strlen(plan));
  tl_diag(d, TL_SEV_ERROR, at("plan.tally", 2, 33, 0, 0), "syntax",
          "unexpected '%c', expected expression", ')');
  expect_print(d, TL_DIAG_TEXT,
    "plan.tally:2:33: error: unexpected ')', expected expression\n"
    "    2 |   measure x = sum(credit.amount))\n"
    "      |                                 ^\n");
  assert_int_equal(tl_diag_errors(d), 1);
  assert_int_equal(tl_diag_count(d), 1);
  const struct tl_diag *g = tl_diag_at(d, 0);
  assert_int_equal(g->end_line, 2);
  assert_int_equal(g->end_col, 33);
  assert_string_equal(g->code, "syntax");
  assert_null(tl_diag_at(d, 1));
  tl_diags_free(d);
}

static void test_text_range(void **state) {
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "plan.tally", plan, strlen(plan));
  tl_diag(d, TL_SEV_WARNING, at("plan.tally", 2, 19, 2, 31), "type", "money added to a number");
  tl_diag(d, TL_SEV_NOTE, at("plan.tally", 2, 3, 3, 2), NULL, "spans two lines");
  expect_print(d, TL_DIAG_TEXT,
    "plan.tally:2:19: warning: money added to a number\n"
    "    2 |   measure x = sum(credit.amount))\n"
    "      |                   ^~~~~~~~~~~~~\n"
    "plan.tally:2:3: note: spans two lines\n"
    "    2 |   measure x = sum(credit.amount))\n"
    "      |   ^\n");
  assert_int_equal(tl_diag_errors(d), 0);
  assert_int_equal(tl_diag_warnings(d), 1);
  tl_diags_free(d);
}

/* Tabs are expanded to 8-column stops in both lines, so the caret stays under
** "2" and the range under "cap" whatever the terminal does with tabs. */
static void test_text_tabs(void **state) {
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "plan.tally", plan, strlen(plan));
  tl_diag(d, TL_SEV_ERROR, at("plan.tally", 3, 6, 0, 0), "e", "at the two");
  tl_diag(d, TL_SEV_ERROR, at("plan.tally", 3, 1, 3, 4), "e", "tab and cap");
  expect_print(d, TL_DIAG_TEXT,
    "plan.tally:3:6: error: at the two\n"
    "    3 |         cap     2 * target\n"
    "      |                 ^\n"
    "plan.tally:3:1: error: tab and cap\n"
    "    3 |         cap     2 * target\n"
    "      | ^~~~~~~~~~~\n");
  tl_diags_free(d);
}

static void test_text_utf8_and_crlf(void **state) {
  static const char src[] = "a\r\nname = \"K\xC3\xA4se\" + x\r\n";
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "u.tally", src, strlen(src));
  tl_diag(d, TL_SEV_ERROR, at("u.tally", 2, 18, 0, 0), "e", "after the accent");
  expect_print(d, TL_DIAG_TEXT,
    "u.tally:2:18: error: after the accent\n"
    "    2 | name = \"K\xC3\xA4se\" + x\n"
    "      |                 ^\n");
  tl_diags_free(d);
}

static void test_text_edges(void **state) {
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "plan.tally", plan, strlen(plan));
  /* one past the end of the line, a range running off the line, a line past
  ** the end of the file, a file that was never registered */
  tl_diag(d, TL_SEV_ERROR, at("plan.tally", 1, 9, 0, 0), "e", "end of line");
  tl_diag(d, TL_SEV_ERROR, at("plan.tally", 4, 20, 4, 99), "e", "to the end");
  tl_diag(d, TL_SEV_ERROR, at("plan.tally", 1, 1000000, 0, 0), "e", "far past the end");
  tl_diag(d, TL_SEV_ERROR, at("plan.tally", 9, 1, 0, 0), "e", "no such line");
  tl_diag(d, TL_SEV_ERROR, at("other.tally", 1, 1, 0, 0), "e", "no source");
  expect_print(d, TL_DIAG_TEXT,
    "plan.tally:1:9: error: end of line\n"
    "    1 | plan \"x\"\n"
    "      |         ^\n"
    "plan.tally:4:20: error: to the end\n"
    "    4 | last line without newline\n"
    "      |                    ^~~~~~\n"
    "plan.tally:1:1000000: error: far past the end\n"
    "    1 | plan \"x\"\n"
    "      |         ^\n"
    "plan.tally:9:1: error: no such line\n"
    "other.tally:1:1: error: no source\n");
  tl_diags_free(d);
}

static void test_text_wide_line_numbers(void **state) {
  size_t n = 123456;
  char *src = malloc(n * 2 + 8);
  for (size_t i = 0; i < n; i++) memcpy(src + 2 * i, "x\n", 2);
  memcpy(src + 2 * n, "bad", 4);
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "big", src, strlen(src));
  tl_diag(d, TL_SEV_ERROR, at("big", 123457, 2, 123457, 3), "e", "deep");
  expect_print(d, TL_DIAG_TEXT,
    "big:123457:2: error: deep\n"
    "123457 | bad\n"
    "       |  ^~\n");
  tl_diags_free(d);
  free(src);
}

static void test_text_positions(void **state) {
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "deals.csv", "id\n", 3);
  tl_diag(d, TL_SEV_ERROR, at("payees.csv", 0, 0, 0, 0), "io",
          "cannot open file: No such file or directory");
  tl_diag(d, TL_SEV_ERROR, at("deals.csv", 1, 0, 0, 0), "e", "whole line");
  tl_diag(d, TL_SEV_NOTE, at(NULL, 0, 0, 0, 0), NULL, "no file at all");
  expect_print(d, TL_DIAG_TEXT,
    "payees.csv: error: cannot open file: No such file or directory\n"
    "deals.csv:1: error: whole line\n"
    "note: no file at all\n");
  assert_int_equal(tl_diag_at(d, 1)->col, 0);
  assert_int_equal(tl_diag_at(d, 1)->end_line, 1);
  assert_int_equal(tl_diag_at(d, 1)->end_col, 0);
  tl_diags_free(d);
}

static void test_source_replaced(void **state) {
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "p", "old text\n", 9);
  tl_diag_source(d, "p", "new\n", 4);
  tl_diag(d, TL_SEV_ERROR, at("p", 1, 1, 1, 3), "e", "m");
  expect_print(d, TL_DIAG_TEXT, "p:1:1: error: m\n    1 | new\n      | ^~~\n");
  tl_diags_free(d);
}

static void test_limit(void **state) {
  tl_diags *d = tl_diags_new();
  tl_diag_limit(d, 2);
  for (int i = 1; i <= 5; i++) {
    tl_diag(d, TL_SEV_ERROR, at("f", i, 1, 0, 0), "e", "error %d", i);
    tl_diag(d, TL_SEV_NOTE, at("f", i, 2, 0, 0), NULL, "note %d", i);
  }
  tl_diag(d, TL_SEV_WARNING, at("f", 9, 1, 0, 0), "w", "still kept");
  assert_int_equal(tl_diag_errors(d), 5);
  assert_int_equal(tl_diag_count(d), 5);
  expect_print(d, TL_DIAG_TEXT,
    "f:1:1: error: error 1\n"
    "f:1:2: note: note 1\n"
    "f:2:1: error: error 2\n"
    "f:2:2: note: note 2\n"
    "f:9:1: warning: still kept\n"
    "3 more errors not shown\n");
  expect_print(d, TL_DIAG_JSON,
    "{\"file\":\"f\",\"line\":1,\"column\":1,\"end_line\":1,\"end_column\":1,"
    "\"severity\":\"error\",\"code\":\"e\",\"message\":\"error 1\"}\n"
    "{\"file\":\"f\",\"line\":1,\"column\":2,\"end_line\":1,\"end_column\":2,"
    "\"severity\":\"note\",\"code\":null,\"message\":\"note 1\"}\n"
    "{\"file\":\"f\",\"line\":2,\"column\":1,\"end_line\":2,\"end_column\":1,"
    "\"severity\":\"error\",\"code\":\"e\",\"message\":\"error 2\"}\n"
    "{\"file\":\"f\",\"line\":2,\"column\":2,\"end_line\":2,\"end_column\":2,"
    "\"severity\":\"note\",\"code\":null,\"message\":\"note 2\"}\n"
    "{\"file\":\"f\",\"line\":9,\"column\":1,\"end_line\":9,\"end_column\":1,"
    "\"severity\":\"warning\",\"code\":\"w\",\"message\":\"still kept\"}\n");
  tl_diag_clear(d);
  assert_int_equal(tl_diag_errors(d), 0);
  assert_int_equal(tl_diag_warnings(d), 0);
  assert_int_equal(tl_diag_count(d), 0);
  for (int i = 1; i <= 3; i++) tl_diag(d, TL_SEV_ERROR, at("g", i, 0, 0, 0), "e", "e%d", i);
  expect_print(d, TL_DIAG_TEXT, "g:1: error: e1\ng:2: error: e2\n1 more error not shown\n");
  tl_diag_limit(d, 0);
  tl_diag(d, TL_SEV_ERROR, at("g", 4, 0, 0, 0), "e", "e4");
  assert_int_equal(tl_diag_count(d), 3);
  assert_int_equal(tl_diag_errors(d), 4);
  tl_diags_free(d);
}

static void test_json_escaping(void **state) {
  tl_diags *d = tl_diags_new();
  tl_diag(d, TL_SEV_ERROR, at("dir \"q\"\\deals.csv", 3, 4, 3, 9), "data-value",
          "column \"x\": \"a\tb\nc\x01\x7f\" K\xC3\xA4se \xFF\xC3 \xE2\x82\xAC \xED\xA0\x80");
  tl_diag(d, TL_SEV_WARNING, at(NULL, 0, 5, 0, 0), NULL, "\b\f\r");
  expect_print(d, TL_DIAG_JSON,
    "{\"file\":\"dir \\\"q\\\"\\\\deals.csv\",\"line\":3,\"column\":4,\"end_line\":3,"
    "\"end_column\":9,\"severity\":\"error\",\"code\":\"data-value\","
    "\"message\":\"column \\\"x\\\": \\\"a\\tb\\nc\\u0001\\u007f\\\" K\xC3\xA4se "
    "\\ufffd\\ufffd \xE2\x82\xAC \\ufffd\\ufffd\\ufffd\"}\n"
    "{\"file\":null,\"line\":0,\"column\":0,\"end_line\":0,\"end_column\":0,"
    "\"severity\":\"warning\",\"code\":null,\"message\":\"\\b\\f\\r\"}\n");
  tl_diags_free(d);
}

static void test_github(void **state) {
  tl_diags *d = tl_diags_new();
  tl_diag(d, TL_SEV_ERROR, at("plans/a,b:c.tally", 14, 22, 14, 24), "syntax",
          "100%% wrong: a, b\r\nnext");
  tl_diag(d, TL_SEV_WARNING, at("w.tally", 3, 0, 0, 0), "w", "line only");
  tl_diag(d, TL_SEV_NOTE, at("payees.csv", 0, 0, 0, 0), NULL, "whole file");
  tl_diag(d, TL_SEV_NOTE, at(NULL, 2, 1, 0, 0), NULL, "no file");
  tl_diag(d, TL_SEV_ERROR, at(NULL, 0, 0, 0, 0), NULL, "nothing");
  expect_print(d, TL_DIAG_GITHUB,
    "::error file=plans/a%2Cb%3Ac.tally,line=14,col=22,endLine=14,endColumn=24::"
    "100%25 wrong: a, b%0D%0Anext\n"
    "::warning file=w.tally,line=3,endLine=3::line only\n"
    "::notice file=payees.csv::whole file\n"
    "::notice line=2,col=1,endLine=2,endColumn=1::no file\n"
    "::error::nothing\n");
  tl_diags_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_text_caret),
    cmocka_unit_test(test_text_range),
    cmocka_unit_test(test_text_tabs),
    cmocka_unit_test(test_text_utf8_and_crlf),
    cmocka_unit_test(test_text_edges),
    cmocka_unit_test(test_text_wide_line_numbers),
    cmocka_unit_test(test_text_positions),
    cmocka_unit_test(test_source_replaced),
    cmocka_unit_test(test_limit),
    cmocka_unit_test(test_json_escaping),
    cmocka_unit_test(test_github),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
