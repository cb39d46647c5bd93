/*
** parse_fixture.h: the one-parse-per-test fixture the lexer and parser unit
** tests share.  Include after cmocka.h; the teardown releases whatever the
** test left, so a failing assertion leaks nothing.
*/
#ifndef TL_TESTS_PARSE_FIXTURE_H
#define TL_TESTS_PARSE_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "lang/ast.h"
#include "lang/diag.h"

#define FILE_NAME "p.tally"

static tl_diags *diags;
static tl_plan *plan;
static char *printed;

static int teardown(void **state) {
  (void)state;
  tl_plan_free(plan);
  tl_diags_free(diags);
  free(printed);
  plan = NULL;
  diags = NULL;
  printed = NULL;
  return 0;
}

static tl_plan *parse(const char *src) {
  teardown(NULL);
  diags = tl_diags_new();
  tl_diag_source(diags, FILE_NAME, src, strlen(src));
  plan = tl_parse(FILE_NAME, src, strlen(src), diags);
  assert_non_null(plan);
  return plan;
}

#endif
