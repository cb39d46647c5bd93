/*
** diff.h: what changes between two runs (two plans over one ledger, or one
** plan over two ledgers): every payee, period and line whose amount differs,
** largest change first, each with what changed underneath it (measures,
** quota, tier inputs, credit lines), from the engine's traces.
*/
#ifndef TL_RUNTIME_DIFF_H
#define TL_RUNTIME_DIFF_H

#include <stdio.h>

#include "runtime/engine.h"

typedef struct tl_diff_side {
  const tl_program *p;
  const tl_ledger *l;
  const tl_result *r;
  const char *label;          /* "A", "B", or a file name */
} tl_diff_side;

/* Write the differences; explain at most `explain` of them in depth.
** Returns the number of differing rows, or -1 after reporting an error. */
long tl_diff_write(const tl_diff_side *a, const tl_diff_side *b, size_t explain, tl_diags *d,
                   FILE *out);

#endif
