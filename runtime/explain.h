/*
** explain.h: why-trees.  Every number on a payee's statement, decomposed
** into the rule, the measure values, the tier bands, the clamps, the draw
** and balance arithmetic and the credit lines (deals) behind it.
**
** The tree is built from an engine trace (engine.h), so an explanation is
** computed by the same code as the payout it explains and cannot drift from
** it.  Rendering is plain text for people or JSON for tools.
*/
#ifndef TL_RUNTIME_EXPLAIN_H
#define TL_RUNTIME_EXPLAIN_H

#include <stdio.h>

#include "runtime/engine.h"

typedef enum tl_explain_format { TL_EXPLAIN_TEXT, TL_EXPLAIN_JSON } tl_explain_format;

/* Write the explanation of trace t; period < 0 means every period. */
void tl_explain_write(const tl_program *p, const tl_ledger *l, const tl_trace *t, int period,
                      tl_explain_format f, FILE *out);

/* The amounts in each band of a tier table for input x (and quota q when the
** bounds are fractions, made money with the plan's unit and rounding mode as
** the engine does): lo[i]..hi[i] is band i in amounts (hi of the last
** band is x when open), part[i] the amount of x in it, pay[i] its payout
** (marginal) or, for retro, the rate that applies to all of x.  Returns the
** band x reaches (-1: none). */
int tl_explain_bands(const tl_tier_table *t, tl_dec x, tl_dec q, tl_dec unit, tl_round_mode mode,
                     tl_dec *lo, tl_dec *hi, tl_dec *part, tl_dec *pay);

#endif
