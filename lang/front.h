/*
** front.h: the front end's entry points: plan text -> checked AST -> program.
**
** tl_check annotates a parsed plan in place (names resolved, types set,
** slots assigned) and reports every problem it finds; tl_compile turns a plan
** that checked without errors into a tl_program.  tl_front does all three
** steps and returns NULL when any step reported an error.
*/
#ifndef TL_LANG_FRONT_H
#define TL_LANG_FRONT_H

#include <stdio.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "runtime/chunk.h"

/* Everything the checker learned that the compiler needs. */
typedef struct tl_checked {
  tl_plan *plan;
  tl_item *title, *currency, *year, *period, *rounding, *quota, *rollup, *clawback, *draw,
      *eligible;
  tl_item *payees_input, *deals_input;
  TL_VEC(tl_item *) measures;
  TL_VEC(tl_item *) components;
  TL_VEC(tl_item *) credits;
  TL_VEC(tl_item *) tests;
  TL_VEC(tl_colspec) payee_cols, deal_cols;
  tl_cal cal;
} tl_checked;

/* Returns the number of errors reported; *out must be released with
** tl_checked_free even on errors. */
int tl_check(tl_plan *plan, tl_diags *d, tl_checked *out);
void tl_checked_free(tl_checked *c);
tl_program *tl_compile(const tl_checked *c, tl_diags *d);
/* Parse, check and compile.  *plan_out (if not NULL) receives the plan, which
** the caller frees; NULL result when any error was reported. */
tl_program *tl_front(const char *file, const char *text, size_t len, tl_diags *d,
                     tl_plan **plan_out);

/* Built-in functions (stdlib/builtins.def), by name: id or -1. */
int tl_builtin_find(const char *name);

#endif
