/*
** explain.c: rendering engine traces as why-trees (explain.h).
*/
#include <string.h>

#include "runtime/explain.h"

static const char *money(tl_dec v, int places, char *buf) {
  tl_dec_format(v, places, true, buf, 64);
  return buf;
}

/* Measures hold money and ratios alike: cents when that is exact. */
static const char *number(tl_dec v, char *buf) {
  bool cents = v.raw % (TL_DEC_ONE_RAW / 100) == 0;
  tl_dec_format(v, cents ? 2 : -1, true, buf, 64);
  return buf;
}

static const char *percent(tl_dec v, char *buf) {
  tl_dec p;
  if (tl_dec_mul_int(v, 100, &p) != TL_DEC_OK) p = v;
  size_t n = tl_dec_format(p, -1, false, buf, 60);
  buf[n] = '%';
  buf[n + 1] = 0;
  return buf;
}

int tl_explain_bands(const tl_tier_table *t, tl_dec x, tl_dec q, tl_dec unit, tl_round_mode mode,
                     tl_dec *lo, tl_dec *hi, tl_dec *part, tl_dec *pay) {
  int reached = -1;
  for (uint32_t i = 0; i < t->n; i++) {
    lo[i] = t->bound[i];
    if (t->over && tl_dec_mul(t->bound[i], q, &lo[i]) == TL_DEC_OK)
      tl_dec_round(lo[i], unit, mode, &lo[i]);
  }
  for (uint32_t i = 0; i < t->n; i++) {
    hi[i] = i + 1 < t->n ? lo[i + 1] : tl_dec_max(x, lo[i]);
    int c = tl_dec_cmp(x, lo[i]);
    if (c > 0 || (c == 0 && !t->exclusive)) reached = (int)i;
  }
  for (uint32_t i = 0; i < t->n; i++) {
    part[i] = pay[i] = tl_dec_zero();
    if (t->kind == 0) {
      if (tl_dec_cmp(x, lo[i]) > 0) tl_dec_sub(tl_dec_min(x, hi[i]), lo[i], &part[i]);
    } else if ((int)i == reached) {
      part[i] = x;
    }
    tl_dec_mul(part[i], t->rate[i], &pay[i]);
  }
  return reached;
}

static const char *deal_id(const tl_ledger *l, int32_t row) {
  return tl_ldg_id(l, TL_TB_DEALS, (uint32_t)row);
}

static tl_date cancel_date(const tl_program *p, const tl_ledger *l, int32_t row) {
  if (p->clawback_col < 0) return TL_DATE_NONE;
  const tl_column *c = &l->t[TL_TB_DEALS].cols[p->clawback_col];
  return tl_col_null(c, (uint32_t)row) ? TL_DATE_NONE : tl_col_date(c, (uint32_t)row);
}

/* ---- text ---------------------------------------------------------------- */

static void text_tier(const tl_program *p, const tl_trace_line *tr, int places, FILE *out) {
  const tl_tier_table *t = &p->tiers[tr->tier_table];
  char a[64], b[64], c[64], d[64], e[64];
  static const char *const kinds[] = { "marginal", "retro", "curve" };
  if (t->kind == 2) {
    fprintf(out, "      curve at %s:", number(tr->tier_x, a));
    uint32_t i = 0;
    while (i + 1 < t->n && tl_dec_cmp(tr->tier_x, t->bound[i + 1]) >= 0) i++;
    if (tl_dec_cmp(tr->tier_x, t->bound[0]) < 0)
      fprintf(out, " below the first point %s, so 0\n", percent(t->bound[0], b));
    else if (i + 1 == t->n)
      fprintf(out, " at or past the last point %s, so %s\n", percent(t->bound[i], b),
              percent(t->rate[i], c));
    else {
      tl_dec dx, df, dn, f = t->rate[i];
      if (!tl_dec_sub(tr->tier_x, t->bound[i], &dx) && !tl_dec_sub(t->rate[i + 1], t->rate[i], &df) &&
          !tl_dec_sub(t->bound[i + 1], t->bound[i], &dn) && !tl_dec_muldiv(dx, df, dn, &dx))
        tl_dec_add(t->rate[i], dx, &f);
      fprintf(out, " between %s (%s) and %s (%s), interpolated: %s\n", percent(t->bound[i], b),
              percent(t->rate[i], c), percent(t->bound[i + 1], d), percent(t->rate[i + 1], e),
              percent(f, a));
    }
    return;
  }
  tl_dec lo[64], hi[64], part[64], pay[64];
  if (t->n > 64) return;
  int reached = tl_explain_bands(t, tr->tier_x, tr->tier_q, p->unit, p->rounding, lo, hi, part, pay);
  fprintf(out, "      %s%s on %s", kinds[t->kind], t->exclusive ? " (exclusive)" : "",
          number(tr->tier_x, a));
  if (t->over) fprintf(out, " over quota %s", number(tr->tier_q, b));
  fputc('\n', out);
  for (uint32_t i = 0; i < t->n; i++) {
    fprintf(out, "        band %s", t->over ? percent(t->bound[i], a) : money(lo[i], places, a));
    if (i + 1 < t->n) fprintf(out, " to %s", t->over ? percent(t->bound[i + 1], b) : money(lo[i + 1], places, b));
    else fputs(" and up", out);
    if (t->over) {
      if (i + 1 < t->n)
        fprintf(out, " (%s to %s)", money(lo[i], places, c), money(lo[i + 1], places, d));
      else
        fprintf(out, " (from %s)", money(lo[i], places, c));
    }
    if (t->kind == 0)
      fprintf(out, ": %s at %s = %s\n", money(part[i], places, c), percent(t->rate[i], d),
              money(pay[i], places, e));
    else
      fprintf(out, ": %s%s\n", percent(t->rate[i], c),
              (int)i == reached ? "  <- reached: applies to all of it" : "");
  }
}

static void text_period(const tl_program *p, const tl_ledger *l, const tl_trace *t, int P,
                        FILE *out) {
  const tl_trace_period *tp = &t->periods[P];
  int places = tl_dec_places(p->unit);
  char a[64], b[64], c[64], d[64];
  const char *prev = P > 0 ? p->cal.name[P - 1] : NULL;
  fprintf(out, "%s\n", p->cal.name[P]);
  for (uint32_t ci = 0; ci < p->ncomponents; ci++) {
    const tl_component *cp = &p->components[ci];
    const tl_trace_line *tr = &tp->lines[ci];
    fprintf(out, "  %s %s = E(%s) %s", cp->name, money(tr->payable, places, a), p->cal.name[P],
            money(tr->E, places, b));
    if (prev) fprintf(out, " - E(%s) %s", prev, money(tr->Eprev, places, c));
    fputc('\n', out);
    if (cp->cumulative) {
      fprintf(out, "    E(%s): year to date %s", p->cal.name[P], number(tr->value, a));
      if (tr->has_cap_year)
        fprintf(out, ", cap per year %s%s", money(tr->cap_year, places, b),
                tl_dec_cmp(tr->value, tr->cap_year) > 0 ? " (applied)" : " (not reached)");
    } else {
      fprintf(out, "    %s on its own: %s", p->cal.name[P], number(tr->value, a));
      if (tr->has_floor)
        fprintf(out, ", floor %s%s", money(tr->floor, places, b),
                tl_dec_cmp(tr->value, tr->floor) < 0 ? " (applied)" : " (not needed)");
      if (tr->has_cap_period)
        fprintf(out, ", cap per period %s%s", money(tr->cap_period, places, b),
                tl_dec_cmp(tr->value, tr->cap_period) > 0 ? " (applied)" : " (not reached)");
      fprintf(out, ", rounded %s; E adds the rounded values of every period so far",
              money(tr->period_value, places, c));
      if (tr->has_cap_year) fprintf(out, ", capped per year at %s", money(tr->cap_year, places, b));
    }
    fputc('\n', out);
    if (tr->tier) text_tier(p, tr, places, out);
    if (!tl_dec_is_zero(tr->reversal))
      fprintf(out, "    reversed clawbacks take %s off E\n", money(tr->reversal, places, a));
  }
  fprintf(out, "  earned %s = the sum of the lines above\n", money(tp->earned, places, a));
  fprintf(out, "  net %s = max(guarantee %s, earned %s - balance owed %s)\n",
          money(tp->net, places, a), money(tp->guarantee, places, b), money(tp->earned, places, c),
          money(tp->balance_before, places, d));
  if (p->has_draw && !p->draw_recoverable)
    fprintf(out, "  balance %s = max(0, balance %s - earned %s): the draw is not recovered\n",
            money(tp->balance, places, a), money(tp->balance_before, places, b),
            money(tp->earned, places, c));
  else
    fprintf(out, "  balance %s = balance %s + net %s - earned %s\n", money(tp->balance, places, a),
            money(tp->balance_before, places, b), money(tp->net, places, c),
            money(tp->earned, places, d));
  if (p->quota >= 0 || p->quota_from_table)
    fprintf(out, "  quota %s, active %d of %d days\n", number(tp->quota, a), tp->active_days,
            tl_cal_days(&p->cal, P));
  else
    fprintf(out, "  active %d of %d days\n", tp->active_days, tl_cal_days(&p->cal, P));
  if (p->nmeasures) {
    fputs("  measures:", out);
    for (uint32_t m = 0; m < p->nmeasures; m++)
      if (tp->measure_errors[m])
        fprintf(out, "%s %s not computed (%s; no line needs it)", m ? "," : "",
                p->measures[m].name, tp->measure_errors[m]->message);
      else
        fprintf(out, "%s %s = %s", m ? "," : "", p->measures[m].name,
                tp->measures[m].kind == TL_V_DEC ? number(tp->measures[m].u.d, a) : "(empty)");
    fputc('\n', out);
  }
  bool any = false;
  for (size_t i = 0; i < t->credits.n; i++) {
    const tl_trace_credit *cr = &t->credits.v[i];
    if (cr->k > P) continue;
    if (!any) fprintf(out, "  credit lines up to %s:\n", p->cal.name[P]);
    any = true;
    char day[11];
    tl_date_format(cr->date, day);
    fprintf(out, "    %-10s %s (%s) share %s %s%s", deal_id(l, cr->deal), day, p->cal.name[cr->k],
            percent(cr->share, a), number(cr->amount, b), cr->direct ? "" : " (rollup)");
    if (cr->r <= P) {
      tl_date cd = cancel_date(p, l, cr->deal);
      tl_date_format(cd, day);
      fprintf(out, "  taken back: cancelled %s, within %d days", day, p->clawback_days);
      if (p->clawback_reversing) fputs(" (reversing)", out);
    }
    fputc('\n', out);
  }
  if (!any) fprintf(out, "  no credit lines up to %s\n", p->cal.name[P]);
}

/* ---- JSON ---------------------------------------------------------------- */

static void jstr(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') fprintf(out, "\\%c", ch);
    else if (ch < 0x20) fprintf(out, "\\u%04x", ch);
    else fputc(ch, out);
  }
  fputc('"', out);
}

static void jdec(FILE *out, const char *key, tl_dec v, int places) {
  char b[64];
  tl_dec_format(v, places, false, b, sizeof b);
  fprintf(out, "\"%s\":\"%s\"", key, b);
}

static void json_period(const tl_program *p, const tl_ledger *l, const tl_trace *t, int P,
                        FILE *out) {
  const tl_trace_period *tp = &t->periods[P];
  int pl = tl_dec_places(p->unit);
  fprintf(out, "{\"period\":\"%s\",\"lines\":[", p->cal.name[P]);
  for (uint32_t ci = 0; ci < p->ncomponents; ci++) {
    const tl_trace_line *tr = &tp->lines[ci];
    const tl_component *cp = &p->components[ci];
    fputs(ci ? ",{\"line\":" : "{\"line\":", out);
    jstr(out, cp->name);
    fprintf(out, ",\"mode\":\"%s\",", cp->cumulative ? "cumulative" : "period");
    jdec(out, "amount", tr->payable, pl); fputc(',', out);
    jdec(out, "E", tr->E, pl); fputc(',', out);
    jdec(out, "E_previous", tr->Eprev, pl); fputc(',', out);
    jdec(out, "value", tr->value, -1);
    if (!cp->cumulative) { fputc(',', out); jdec(out, "period_value", tr->period_value, pl); }
    if (tr->has_floor) { fputc(',', out); jdec(out, "floor_per_period", tr->floor, -1); }
    if (tr->has_cap_period) { fputc(',', out); jdec(out, "cap_per_period", tr->cap_period, -1); }
    if (tr->has_cap_year) { fputc(',', out); jdec(out, "cap_per_year", tr->cap_year, -1); }
    if (!tl_dec_is_zero(tr->reversal)) { fputc(',', out); jdec(out, "reversals", tr->reversal, pl); }
    if (tr->tier) {
      const tl_tier_table *tt = &p->tiers[tr->tier_table];
      static const char *const kinds[] = { "marginal", "retro", "curve" };
      fprintf(out, ",\"tier\":{\"kind\":\"%s\",\"exclusive\":%s,", kinds[tt->kind],
              tt->exclusive ? "true" : "false");
      jdec(out, "input", tr->tier_x, -1);
      if (tt->over) { fputc(',', out); jdec(out, "over", tr->tier_q, -1); }
      fputs(",\"rows\":[", out);
      tl_dec lo[64], hi[64], part[64], pay[64];
      bool bands = tt->kind != 2 && tt->n <= 64;
      if (bands) tl_explain_bands(tt, tr->tier_x, tr->tier_q, p->unit, p->rounding, lo, hi, part, pay);
      for (uint32_t i = 0; i < tt->n; i++) {
        fputs(i ? ",{" : "{", out);
        jdec(out, "bound", tt->bound[i], -1); fputc(',', out);
        jdec(out, "rate", tt->rate[i], -1);
        if (bands) {
          fputc(',', out); jdec(out, "from", lo[i], -1);
          fputc(',', out); jdec(out, "in_band", part[i], -1);
          fputc(',', out); jdec(out, "pays", pay[i], -1);
        }
        fputc('}', out);
      }
      fputs("]}", out);
    }
    fputc('}', out);
  }
  fputs("],", out);
  jdec(out, "earned", tp->earned, pl); fputc(',', out);
  jdec(out, "guarantee", tp->guarantee, pl); fputc(',', out);
  jdec(out, "balance_before", tp->balance_before, pl); fputc(',', out);
  jdec(out, "net", tp->net, pl); fputc(',', out);
  jdec(out, "balance", tp->balance, pl); fputc(',', out);
  jdec(out, "quota", tp->quota, -1);
  fprintf(out, ",\"active_days\":%d,\"measures\":{", tp->active_days);
  bool failed = false;
  for (uint32_t m = 0; m < p->nmeasures; m++) {
    if (m) fputc(',', out);
    if (tp->measures[m].kind == TL_V_DEC) jdec(out, p->measures[m].name, tp->measures[m].u.d, -1);
    else fprintf(out, "\"%s\":null", p->measures[m].name);
    failed |= tp->measure_errors[m] != NULL;
  }
  if (failed) {      /* why a measure is null when it is not empty */
    fputs("},\"measures_not_computed\":{", out);
    bool first = true;
    for (uint32_t m = 0; m < p->nmeasures; m++) {
      if (!tp->measure_errors[m]) continue;
      if (!first) fputc(',', out);
      first = false;
      jstr(out, p->measures[m].name);
      fputc(':', out);
      jstr(out, tp->measure_errors[m]->message);
    }
  }
  fputs("},\"credits\":[", out);
  bool first = true;
  for (size_t i = 0; i < t->credits.n; i++) {
    const tl_trace_credit *cr = &t->credits.v[i];
    if (cr->k > P) continue;
    char day[11];
    tl_date_format(cr->date, day);
    fputs(first ? "{\"deal\":" : ",{\"deal\":", out);
    first = false;
    jstr(out, deal_id(l, cr->deal));
    fprintf(out, ",\"date\":\"%s\",\"period\":\"%s\",", day, p->cal.name[cr->k]);
    jdec(out, "share", cr->share, -1); fputc(',', out);
    jdec(out, "amount", cr->amount, -1);
    fprintf(out, ",\"direct\":%s,\"taken_back\":%s}", cr->direct ? "true" : "false",
            cr->r <= P ? "true" : "false");
  }
  fputs("]}", out);
}

void tl_explain_write(const tl_program *p, const tl_ledger *l, const tl_trace *t, int period,
                      tl_explain_format f, FILE *out) {
  const char *id = tl_ldg_id(l, TL_TB_PAYEES, (uint32_t)t->payee);
  if (f == TL_EXPLAIN_JSON) {
    fputs("{\"payee\":", out);
    jstr(out, id);
    fputs(",\"periods\":[", out);
    bool first = true;
    for (int P = 0; P < t->n; P++) {
      if (period >= 0 && P != period) continue;
      if (!first) fputs(",\n", out);
      first = false;
      json_period(p, l, t, P, out);
    }
    fputs("]}\n", out);
    return;
  }
  fprintf(out, "payee %s, plan %s\n", id, p->title);
  for (int P = 0; P < t->n; P++) {
    if (period >= 0 && P != period) continue;
    fputc('\n', out);
    text_period(p, l, t, P, out);
  }
}
