/*
** chart.h: inline SVG pictures of a tier table or payout curve, for HTML
** statements (statement.h).
**
** A chart draws one table of a plan: a step line of the rate for each band
** (marginal, retro) or the piecewise-linear payout fraction (curve), with the
** bounds and rates labelled exactly as the plan writes them, and one payee's
** positions marked.  The SVG is self-contained (no fonts, styles or scripts
** from outside) and deterministic: the same table and mark give the same bytes.
**
** Coordinates are computed with double: they only place lines on a screen
** and are never read back or fed into money, so money paths stay exact; every
** number printed as text in a chart is formatted from the exact decimals.
*/
#ifndef TL_RUNTIME_CHART_H
#define TL_RUNTIME_CHART_H

#include <stdio.h>

#include "runtime/chunk.h"

typedef struct tl_chart_mark {
  tl_dec x;                 /* in the x axis's units (a fraction when x_percent) */
  int band;                 /* tiers: the band x reaches (-1 none) */
  const char *label;        /* "A 2026-Q4: 103.75%" */
} tl_chart_mark;

typedef struct tl_chart {
  const tl_tier_table *t;
  const char *title;        /* the component's name, for the picture's label */
  bool x_percent;           /* bounds are fractions (attainment): axis in % */
  int places;               /* decimals of amounts on the x axis otherwise */
  size_t nmarks;             /* the payee's positions, one per period; the */
  const tl_chart_mark *marks;   /* last is drawn large and labelled */
} tl_chart;

/* Write one <svg> element. */
void tl_chart_svg(const tl_chart *c, FILE *out);

#endif
