/*
** chart.c: tier tables and curves as inline SVG (chart.h).
*/
#include <string.h>

#include "runtime/chart.h"
#include "runtime/statement.h"

/* The picture's frame in SVG user units: plot area inside the margins. */
enum { W = 560, H = 300, ML = 64, MR = 24, MT = 28, MB = 56 };

typedef struct frame { double x0, x1, y0, y1; } frame;

/* Display only: a decimal as a double to place a point on the screen.  The
** value printed next to the point is always formatted from the decimal. */
static double disp(tl_dec v) {
  return (double)v.raw / (double)TL_DEC_ONE_RAW;
}

static double px(const frame *f, double x) {
  return ML + (x - f->x0) / (f->x1 - f->x0) * (W - ML - MR);
}

static double py(const frame *f, double y) {
  return H - MB - (y - f->y0) / (f->y1 - f->y0) * (H - MT - MB);
}

static const char *percent(tl_dec v, char *buf) {
  tl_dec p;
  if (tl_dec_mul_int(v, 100, &p) != TL_DEC_OK) p = v;
  size_t n = tl_dec_format(p, -1, false, buf, 60);
  buf[n] = '%';
  buf[n + 1] = 0;
  return buf;
}

static const char *x_text(const tl_chart *c, tl_dec v, char *buf) {
  if (c->x_percent) return percent(v, buf);
  tl_dec_format(v, c->places, true, buf, 64);
  return buf;
}

/* The payout fraction of a curve at x, for placing the mark. */
static double curve_at(const tl_tier_table *t, double x) {
  if (x < disp(t->bound[0])) return 0;
  for (uint32_t i = 0; i + 1 < t->n; i++) {
    double a = disp(t->bound[i]), b = disp(t->bound[i + 1]);
    if (x < b) return disp(t->rate[i]) + (x - a) / (b - a) * (disp(t->rate[i + 1]) - disp(t->rate[i]));
  }
  return disp(t->rate[t->n - 1]);
}

static frame frame_for(const tl_chart *c) {
  const tl_tier_table *t = c->t;
  frame f = { 0, disp(t->bound[t->n - 1]), 0, 0 };
  if (disp(t->bound[0]) < f.x0) f.x0 = disp(t->bound[0]);
  for (size_t i = 0; i < c->nmarks; i++) {
    double x = disp(c->marks[i].x);
    if (x < f.x0) f.x0 = x;
    if (x > f.x1) f.x1 = x;
  }
  if (f.x1 - f.x0 <= 0) f.x1 = f.x0 + 1;
  /* room after the last bound, so the last band shows as open-ended */
  f.x1 += (f.x1 - f.x0) * 0.2;
  for (uint32_t i = 0; i < t->n; i++) {
    double r = disp(t->rate[i]);
    if (r < f.y0) f.y0 = r;
    if (r > f.y1) f.y1 = r;
  }
  if (f.y1 - f.y0 <= 0) f.y1 = f.y0 + 1;
  f.y1 = f.y0 + (f.y1 - f.y0) * 1.15;
  return f;
}

static void point(FILE *out, char cmd, const frame *f, double x, double y) {
  fprintf(out, "%c%.1f %.1f ", cmd, px(f, x), py(f, y));
}

/* The outline: flat at 0 before the first bound, then one step per band, or
** straight segments between the points of a curve; flat after the last. */
static void outline(const tl_tier_table *t, const frame *f, FILE *out) {
  double b0 = disp(t->bound[0]);
  point(out, 'M', f, f->x0, 0);
  point(out, 'L', f, b0, 0);
  for (uint32_t i = 0; i < t->n; i++) {
    double b = disp(t->bound[i]), r = disp(t->rate[i]);
    if (t->kind != 2 && i > 0) point(out, 'L', f, b, disp(t->rate[i - 1]));
    point(out, 'L', f, b, r);
  }
  point(out, 'L', f, f->x1, disp(t->rate[t->n - 1]));
}

static void axes(const tl_chart *c, const frame *f, FILE *out) {
  const tl_tier_table *t = c->t;
  char a[80];
  fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\"/>\n", ML,
          py(f, 0), W - MR, py(f, 0));
  fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", ML, MT, ML, H - MB);
  for (uint32_t i = 0; i < t->n; i++) {
    double x = px(f, disp(t->bound[i]));
    fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>\n", x, H - MB,
            x, H - MB + 5);
    fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x, H - MB + 18);
    tl_stmt_html_text(x_text(c, t->bound[i], a), out);
    fputs("</text>\n", out);
  }
  /* one gridline per distinct rate; 0 is the axis itself */
  for (uint32_t i = 0; i < t->n; i++) {
    bool seen = tl_dec_is_zero(t->rate[i]);
    for (uint32_t j = 0; j < i && !seen; j++) seen = tl_dec_cmp(t->rate[j], t->rate[i]) == 0;
    if (seen) continue;
    double y = py(f, disp(t->rate[i]));
    fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", ML, y,
            W - MR, y);
    fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", ML - 6, y + 4,
            percent(t->rate[i], a));
  }
  fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0%%</text>\n", ML - 6, py(f, 0) + 4);
  static const char *const y_titles[] = {
    "rate on each band", "rate on the whole amount", "payout fraction"
  };
  fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", ML + (W - ML - MR) / 2,
          H - 12, c->x_percent ? (t->kind == 2 ? "curve input (%)" : "attainment (% of quota)")
                               : "input amount");
  fprintf(out, "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>\n",
          MT + (H - MT - MB) / 2, MT + (H - MT - MB) / 2, y_titles[t->kind]);
}

static double mark_y(const tl_tier_table *t, const tl_chart_mark *m) {
  if (t->kind == 2) return curve_at(t, disp(m->x));
  return m->band >= 0 ? disp(t->rate[m->band]) : 0;
}

/* Earlier positions as small dots (their values in a tooltip), the last one
** as a labelled line and dot. */
static void marks(const tl_chart *c, const frame *f, FILE *out) {
  const tl_tier_table *t = c->t;
  fputs("<g class=\"mark\" fill=\"#c0392b\" stroke=\"#c0392b\">\n", out);
  for (size_t i = 0; i + 1 < c->nmarks; i++) {
    const tl_chart_mark *m = &c->marks[i];
    fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill-opacity=\"0.6\" stroke=\"none\"><title>",
            px(f, disp(m->x)), py(f, mark_y(t, m)));
    tl_stmt_html_text(m->label, out);
    fputs("</title></circle>\n", out);
  }
  const tl_chart_mark *m = &c->marks[c->nmarks - 1];
  double mx = px(f, disp(m->x));
  bool right = mx > ML + (W - ML - MR) * 0.6;
  fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke-dasharray=\"4 3\"/>\n", mx,
          MT, mx, H - MB);
  fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\"/>\n", mx, py(f, mark_y(t, m)));
  fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" stroke=\"none\">", mx + (right ? -6 : 6),
          MT + 10, right ? "end" : "start");
  tl_stmt_html_text(m->label, out);
  fputs("</text>\n</g>\n", out);
}

void tl_chart_svg(const tl_chart *c, FILE *out) {
  if (c->t->n == 0) return;
  frame f = frame_for(c);
  fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
          "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" "
          "aria-label=\"", W, H, W, H);
  static const char *const kinds[] = { "marginal tiers", "retro tiers", "payout curve" };
  fprintf(out, "%s of ", kinds[c->t->kind]);
  tl_stmt_html_text(c->title, out);
  fputs("\">\n", out);
  fputs("<path class=\"area\" fill=\"#dce9f5\" stroke=\"none\" d=\"", out);
  outline(c->t, &f, out);
  fprintf(out, "L%.1f %.1f Z\"/>\n", px(&f, f.x1), py(&f, 0));
  axes(c, &f, out);
  fputs("<path class=\"table\" fill=\"none\" stroke=\"#1f5f99\" stroke-width=\"2\" d=\"", out);
  outline(c->t, &f, out);
  fputs("\"/>\n", out);
  if (c->nmarks) marks(c, &f, out);
  fputs("</svg>\n", out);
}
