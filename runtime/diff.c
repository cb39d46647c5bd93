/*
** diff.c: two runs, joined on (payee, period, line), deltas largest first.
*/
#include <stdlib.h>
#include <string.h>

#include "runtime/diff.h"

typedef struct key_row {
  const char *payee, *period, *line;
  tl_dec amount;
  int32_t payee_row;
  int period_index;
} key_row;

typedef struct delta {
  const char *payee, *period, *line;
  tl_dec a, b, d, mag;
  bool in_a, in_b;
  int32_t row_a, row_b;
  int per_a, per_b;
} delta;

static int cmp_key(const void *x, const void *y) {
  const key_row *a = x, *b = y;
  int c = strcmp(a->payee, b->payee);
  if (!c) c = strcmp(a->period, b->period);
  if (!c) c = strcmp(a->line, b->line);
  return c;
}

static int cmp_delta(const void *x, const void *y) {
  const delta *a = x, *b = y;
  int c = tl_dec_cmp(b->mag, a->mag);
  if (!c) c = strcmp(a->payee, b->payee);
  if (!c) c = strcmp(a->period, b->period);
  if (!c) c = strcmp(a->line, b->line);
  return c;
}

static key_row *keys_of(const tl_diff_side *s) {
  key_row *k = tl_calloc(s->r->nrows + 1, sizeof *k);
  const uint32_t *ids = s->l->t[TL_TB_PAYEES].cols[0].v.str;
  for (size_t i = 0; i < s->r->nrows; i++) {
    tl_row row = tl_result_row(s->r, i);
    k[i] = (key_row){ tl_str_get(s->l->strs, ids[row.payee], NULL), s->p->cal.name[row.period],
                      tl_eng_line_name(s->p, row.line), row.amount, row.payee, row.period };
  }
  if (s->r->nrows) qsort(k, s->r->nrows, sizeof *k, cmp_key);
  return k;
}

static const char *fmt(tl_dec v, int places, char *buf) {
  tl_dec_format(v, places, true, buf, 64);
  return buf;
}

static const char *fnum(tl_dec v, char *buf) {
  bool cents = v.raw % (TL_DEC_ONE_RAW / 100) == 0;
  tl_dec_format(v, cents ? 2 : -1, true, buf, 64);
  return buf;
}

static const tl_trace_credit *find_credit(const tl_trace *t, const tl_ledger *l, const char *deal,
                                          bool direct) {
  for (size_t i = 0; i < t->credits.n; i++) {
    const tl_trace_credit *c = &t->credits.v[i];
    if (c->direct == direct &&
        strcmp(tl_ldg_id(l, TL_TB_DEALS, (uint32_t)c->deal), deal) == 0)
      return c;
  }
  return NULL;
}

/* Credit lines of side x (named `name`) missing on side y or, with both,
** different there, as of the periods compared. */
static void credit_changes(const tl_diff_side *x, const tl_trace *tx, int px, const tl_diff_side *y,
                           const tl_trace *ty, int py, const char *name, bool both, FILE *out) {
  char a[64], b[64], day[11];
  for (size_t i = 0; i < tx->credits.n; i++) {
    const tl_trace_credit *c = &tx->credits.v[i];
    if (c->k > px) continue;
    const char *deal = tl_ldg_id(x->l, TL_TB_DEALS, (uint32_t)c->deal);
    const tl_trace_credit *o = ty ? find_credit(ty, y->l, deal, c->direct) : NULL;
    bool gone = c->r <= px;
    tl_date_format(c->date, day);
    if (!o || o->k > py) {
      fprintf(out, "    deal %s (%s, %s) credited only in %s%s\n", deal, day, fnum(c->amount, a),
              name, gone ? ", taken back there" : "");
    } else if (both && (tl_dec_cmp(o->amount, c->amount) != 0 || (o->r <= py) != gone)) {
      fprintf(out, "    deal %s: %s in A%s, %s in B%s\n", deal, fnum(c->amount, a),
              gone ? " (taken back)" : "", fnum(o->amount, b), o->r <= py ? " (taken back)" : "");
    }
  }
}

static void explain_delta(const tl_diff_side *A, const tl_diff_side *B, const delta *dl,
                          tl_diags *d, FILE *out) {
  tl_trace *ta = dl->in_a ? tl_eng_trace(A->p, A->l, d, dl->row_a) : NULL;
  tl_trace *tb = dl->in_b ? tl_eng_trace(B->p, B->l, d, dl->row_b) : NULL;
  char a[64], b[64], c[64], e[64];
  if (!ta || !tb) {
    fprintf(out, "    the payee has rows only in %s\n", ta ? "A" : "B");
  } else {
    const tl_trace_period *pa = &ta->periods[dl->per_a], *pb = &tb->periods[dl->per_b];
    for (uint32_t i = 0; i < A->p->ncomponents; i++) {
      if (strcmp(A->p->components[i].name, dl->line) != 0) continue;
      for (uint32_t j = 0; j < B->p->ncomponents; j++) {
        if (strcmp(B->p->components[j].name, dl->line) != 0) continue;
        const tl_trace_line *la = &pa->lines[i], *lb = &pb->lines[j];
        fprintf(out, "    E(%s) %s -> %s, E(previous) %s -> %s\n", dl->period, fnum(la->E, a),
                fnum(lb->E, b), fnum(la->Eprev, c), fnum(lb->Eprev, e));
        if (la->tier && lb->tier && (tl_dec_cmp(la->tier_x, lb->tier_x) || tl_dec_cmp(la->tier_q, lb->tier_q)))
          fprintf(out, "    tier input %s over %s -> %s over %s\n", fnum(la->tier_x, a),
                  fnum(la->tier_q, c), fnum(lb->tier_x, b), fnum(lb->tier_q, e));
      }
    }
    if (tl_dec_cmp(pa->quota, pb->quota))
      fprintf(out, "    quota %s -> %s\n", fnum(pa->quota, a), fnum(pb->quota, b));
    for (uint32_t i = 0; i < A->p->nmeasures; i++)
      for (uint32_t j = 0; j < B->p->nmeasures; j++) {
        if (strcmp(A->p->measures[i].name, B->p->measures[j].name) != 0) continue;
        const tl_value *va = &pa->measures[i], *vb = &pb->measures[j];
        if (va->kind == TL_V_DEC && vb->kind == TL_V_DEC && tl_dec_cmp(va->u.d, vb->u.d))
          fprintf(out, "    measure %s %s -> %s\n", A->p->measures[i].name, fnum(va->u.d, a),
                  fnum(vb->u.d, b));
      }
    if (tl_dec_cmp(pa->balance_before, pb->balance_before))
      fprintf(out, "    balance owed before %s -> %s\n", fnum(pa->balance_before, a),
              fnum(pb->balance_before, b));
    credit_changes(A, ta, dl->per_a, B, tb, dl->per_b, "A", true, out);
    credit_changes(B, tb, dl->per_b, A, ta, dl->per_a, "B", false, out);
  }
  tl_trace_free(ta);
  tl_trace_free(tb);
}

long tl_diff_write(const tl_diff_side *A, const tl_diff_side *B, size_t explain, tl_diags *d,
                   FILE *out) {
  key_row *ka = keys_of(A), *kb = keys_of(B);
  size_t na = A->r->nrows, nb = B->r->nrows, i = 0, j = 0;
  TL_VEC(delta) ds = { 0 };
  while (i < na || j < nb) {
    int c = i == na ? 1 : j == nb ? -1 : cmp_key(&ka[i], &kb[j]);
    delta dl = { 0 };
    const key_row *k = c <= 0 ? &ka[i] : &kb[j];
    dl.payee = k->payee;
    dl.period = k->period;
    dl.line = k->line;
    if (c <= 0) { dl.in_a = true; dl.a = ka[i].amount; dl.row_a = ka[i].payee_row; dl.per_a = ka[i].period_index; i++; }
    if (c >= 0) { dl.in_b = true; dl.b = kb[j].amount; dl.row_b = kb[j].payee_row; dl.per_b = kb[j].period_index; j++; }
    if (tl_dec_sub(dl.b, dl.a, &dl.d) != TL_DEC_OK) continue;
    tl_dec_abs(dl.d, &dl.mag);
    if (!tl_dec_is_zero(dl.d) || dl.in_a != dl.in_b) tl_vec_push(ds, dl);
  }
  if (ds.n) qsort(ds.v, ds.n, sizeof *ds.v, cmp_delta);
  int places = tl_dec_places(A->p->unit);
  char x[64], y[64], z[64];
  fprintf(out, "A: %s\nB: %s\n", A->label, B->label);
  if (ds.n == 0) fputs("no differences\n", out);
  for (size_t n = 0; n < ds.n; n++) {
    const delta *dl = &ds.v[n];
    fprintf(out, "%s %s %s: %s -> %s (%s%s)\n", dl->payee, dl->period, dl->line,
            dl->in_a ? fmt(dl->a, places, x) : "(no row)", dl->in_b ? fmt(dl->b, places, y) : "(no row)",
            tl_dec_is_neg(dl->d) ? "" : "+", fmt(dl->d, places, z));
    /* explain the component lines; earned/net/balance follow from them */
    bool fixed = !strcmp(dl->line, "earned") || !strcmp(dl->line, "net") || !strcmp(dl->line, "balance");
    if (n < explain && !fixed) explain_delta(A, B, dl, d, out);
  }
  long count = (long)ds.n;
  tl_vec_free(ds);
  tl_free(ka);
  tl_free(kb);
  return tl_diag_errors(d) ? -1 : count;
}
