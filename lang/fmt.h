/*
** fmt.h: the canonical formatter behind `tally fmt`.
**
** tl_fmt_plan prints a plan in the one layout described at the top of fmt.c,
** keeping every comment with its text unchanged.  The output parses to an
** equivalent tree (spans aside) and formats to itself byte for byte.
**
** The plan must have parsed without syntax errors: a partial plan has lost
** items, and the comments inside them would have nothing to attach to.  The
** checker need not have run; the formatter reads only what the parser built.
*/
#ifndef TL_LANG_FMT_H
#define TL_LANG_FMT_H

#include <stdio.h>

#include "lang/ast.h"

/* Returns 0, or -1 when writing to out failed. */
int tl_fmt_plan(const tl_plan *plan, FILE *out);

#endif
