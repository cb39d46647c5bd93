/*
** engine.c: the evaluation model of language.md, exactly.
**
** Crediting runs once per deal.  Each credit line is pushed through every
** aggregate's filter and value chunk once, and its value lands in one of two
** places: base[payee][aggregate][period] when the line counts for good, or a
** short list of removals when a clawback takes it back as of a later period.
** Recalculating as of period P then needs only the removals that became known
** in P: the aggregates move by those deltas, and a period component's earlier
** periods are evaluated again only when something was removed.  So the cost
** is O(credit lines) plus O(periods) evaluations per payee, whatever the
** number of as-of recalculations.
**
** Per payee and as-of period P, each component gives E(P) (rounded); the
** payable is E(P) - E(P-1); earned, draws and balances follow rule 8.
*/
#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/arena.h"
#include "runtime/engine.h"
#include "runtime/prefault.h"
#include "runtime/thread.h"
#include "runtime/vm.h"

typedef struct removal {       /* a credit line's value leaving an aggregate as of period r */
  int32_t payee;               /* eligible index */
  int32_t deal;
  uint16_t slot;
  uint8_t k, r;
  tl_dec v;
} removal;

typedef struct engine {
  const tl_program *p;
  const tl_ledger *l;
  tl_diags *d;
  tl_vm vm;
  int n;                        /* periods */
  uint32_t npay;
  int32_t *elig;                /* payee row -> eligible index, or -1 */
  int32_t *rows_of;             /* eligible index -> payee row */
  uint32_t nelig;
  /* [elig][agg][period]: a sum's raw value while it fits 64 bits, else
  ** WIDE_SUM and the sum in wide_sum (allocated at the first such; calloc'd,
  ** so only the pages of wide sums are ever faulted in) */
  int64_t *base;
  tl_dec *wide_sum;
  tl_dec *qtab;                 /* [payee row][period] from quotas.csv, or NULL */
  TL_VEC(removal) rem;          /* recalculating clawbacks: lines taken out as of r */
  TL_VEC(removal) rev;          /* reversing clawbacks: lines whose payouts are taken back */
  bool failed;
  tl_trace *trace;              /* recording one payee, or NULL */
  uint32_t cur_comp;            /* the component being evaluated (for the trace) */
  tl_vm_value *values;          /* each aggregate's value of a credit line (plan_values) */
  /* each aggregate's filter, then each rule's, as tests (tl_vm_tests_of),
  ** or n = 0 to run it in the loop */
  tl_vm_tests *tests;
  int32_t *units;               /* the result's amounts, while payees are evaluated */
  int64_t unit_raw;             /* raw value of one unit of them */
  TL_VEC(tl_wide) wide_rows;    /* amounts that do not fit units, by row */
  /* A worker does a range of deals or payees on its own thread and reports
  ** nothing: it fails at the first thing it would report (see in_ranges). */
  bool worker;
  uint32_t upto;                /* payees: the first of the range not done */
} engine;

/* An evaluation's error, for payee and period (-1: none), as a message.  Out
** of line and cold: errors are rare, and inlined into its callers it set off
** gcc's may-be-uninitialized warnings in them. */
static __attribute__((cold, noinline)) void vm_error(const tl_program *p, const tl_ledger *l,
                                                     tl_diags *d, const tl_vm_error *err,
                                                     int32_t payee, int period) {
  tl_loc loc = { p->source_name, err->span.line, err->span.col, err->span.end_line,
                 err->span.end_col };
  char who[160] = "";
  if (payee >= 0) {
    const char *id = tl_ldg_id(l, TL_TB_PAYEES, (uint32_t)payee);
    if (period >= 0) snprintf(who, sizeof who, " for payee %s in %s", id, p->cal.name[period]);
    else snprintf(who, sizeof who, " for payee %s", id);
  }
  tl_diag(d, TL_SEV_ERROR, loc, "run", "%s%s (in %s)%s%s", err->message, who, err->what,
          err->hint ? ": " : "", err->hint ? err->hint : "");
}

static void run_error(engine *e, int32_t payee, int period) {
  e->failed = true;
  if (e->worker) return;        /* its range is done again, on the caller's thread */
  vm_error(e->p, e->l, e->d, &e->vm.err, payee, period);
}

void tl_trace_measure_error(const tl_program *p, const tl_ledger *l, const tl_trace *t, int P,
                            uint32_t m, tl_diags *d) {
  vm_error(p, l, d, t->periods[P].measure_errors[m], t->payee, P);
}

static bool eval(engine *e, int32_t chunk, tl_value *out, int32_t payee, int period) {
  if (tl_vm_run(&e->vm, chunk, out) == TL_VM_OK) return true;
  run_error(e, payee, period);
  return false;
}

static bool all_in_vm;          /* tl_eng_all_in_vm */

void tl_eng_all_in_vm(bool on) { all_in_vm = on; }

/* Whether filter chunk (tests t, tl_vm_tests_of) holds for the context set
** in the VM; false with e->failed set when it failed. */
static inline bool holds(engine *e, int32_t chunk, const tl_vm_tests *t, int32_t payee, int k) {
  if (t->n) return tl_vm_run_tests(&e->vm, t);
  tl_value v;
  return eval(e, chunk, &v, payee, k) && v.kind == TL_V_BOOL && v.u.i;
}

static void plan_tests(engine *e) {
  const tl_program *p = e->p;
  e->tests = tl_calloc((size_t)p->naggs + p->nrules + 1, sizeof *e->tests);
  for (uint32_t i = 0; i < p->naggs + p->nrules; i++) {
    int32_t f = i < p->naggs ? p->aggs[i].filter : p->rules[i - p->naggs].filter;
    if (f >= 0 && !all_in_vm) (void)tl_vm_tests_of(&e->vm, f, &e->tests[i]);
  }
}

/* Each aggregate's value of a credit line, planned by the VM where it can
** be had without the loop (tl_vm_value_of), as filters are (plan_tests). */
static void plan_values(engine *e) {
  const tl_program *p = e->p;
  e->values = tl_calloc((size_t)p->naggs + 1, sizeof *e->values);
  for (uint32_t s = 0; s < p->naggs; s++) {
    int32_t v = p->aggs[s].value;
    if (v >= 0 && !all_in_vm) (void)tl_vm_value_of(&e->vm, v, &e->values[s]);
  }
}

/* Aggregate s's value of the credit line in the VM's context; false with
** e->failed set when it failed. */
static inline bool line_value_of(engine *e, uint32_t s, const tl_credit_line *line, int k,
                                 tl_value *v) {
  tl_dec d;
  if (e->values[s].how != TL_VM_VALUE_CHUNK && tl_vm_run_value(&e->vm, &e->values[s], &d)) {
    *v = tl_v_dec(d);
    return true;
  }
  return eval(e, e->p->aggs[s].value, v, line->payee, k);
}

static bool dec_ok(engine *e, tl_dec_status rc, const char *what, int32_t payee, int period) {
  if (rc == TL_DEC_OK) return true;
  snprintf(e->vm.err.message, sizeof e->vm.err.message, "%s while computing %s",
           rc == TL_DEC_OVERFLOW ? "arithmetic overflow" : tl_dec_status_str(rc), what);
  memset(&e->vm.err.span, 0, sizeof e->vm.err.span);
  e->vm.err.what = "the payout";
  run_error(e, payee, period);
  return false;
}

/* ---- sums ---------------------------------------------------------------
**
** Each eligible payee has a sum per aggregate and period (base).  Nearly
** every sum fits in 64 bits (up to 9.2 billion at 9 places), and half the
** memory is half the fresh pages of a run, so a sum is kept in 64 bits
** until it does not fit; then it is kept whole in wide_sum.  Results are those
** of 128-bit sums throughout. */
#define WIDE_SUM INT64_MIN

static size_t sum_cells(const engine *e);

static tl_dec sum_get(const engine *e, size_t i) {
  return e->base[i] != WIDE_SUM ? tl_dec_from_raw(e->base[i]) : e->wide_sum[i];
}

/* a + b in 64 bits, when neither is wide and the sum neither overflows nor
** is the mark itself */
static inline bool add64(int64_t a, int64_t b, int64_t *r) {
  return a != WIDE_SUM && b != WIDE_SUM && !__builtin_add_overflow(a, b, r) && *r != WIDE_SUM;
}

static void sum_set_wide(engine *e, size_t i, tl_dec v) {
  if (!e->wide_sum) e->wide_sum = tl_calloc(sum_cells(e) + 1, sizeof *e->wide_sum);
  e->base[i] = WIDE_SUM;
  e->wide_sum[i] = v;
}

/* base[i] += v, in 128 bits when 64 will not do; false (reported) on overflow. */
static inline bool sum_add(engine *e, size_t i, tl_dec v, int32_t payee, int k) {
  int64_t x = (int64_t)v.raw, r;
  if (x == v.raw && add64(e->base[i], x, &r)) {
    e->base[i] = r;
    return true;
  }
  tl_dec cur = sum_get(e, i);
  if (!dec_ok(e, tl_dec_add(cur, v, &cur), "a sum", payee, k)) return false;
  sum_set_wide(e, i, cur);
  return true;
}

/* ---- payees -------------------------------------------------------------- */

typedef struct named_row { const char *id; int32_t row; } named_row;

static int cmp_named(const void *a, const void *b) {
  return strcmp(((const named_row *)a)->id, ((const named_row *)b)->id);
}

static bool eligibility(engine *e) {
  const tl_program *p = e->p;
  e->elig = tl_alloc(e->npay * sizeof *e->elig + 1);
  e->rows_of = tl_alloc(e->npay * sizeof *e->rows_of + 1);
  e->nelig = 0;
  for (uint32_t i = 0; i < e->npay; i++) {
    bool ok = true;
    if (p->eligible >= 0) {
      tl_value v;
      e->vm.payee = (int32_t)i;
      if (!eval(e, p->eligible, &v, (int32_t)i, -1)) return false;
      ok = v.kind == TL_V_BOOL && v.u.i;
    }
    e->elig[i] = -1;
    if (ok) e->rows_of[e->nelig++] = (int32_t)i;
  }
  /* output is ordered by payee id, whatever the roster's row order */
  const uint32_t *ids = e->l->t[TL_TB_PAYEES].cols[0].v.str;
  named_row *byid = tl_alloc(e->nelig * sizeof *byid + 1);
  for (uint32_t j = 0; j < e->nelig; j++)
    byid[j] = (named_row){ tl_str_get(e->l->strs, ids[e->rows_of[j]], NULL), e->rows_of[j] };
  /* a roster is usually kept in id order already: then the sort, which
  ** for 10k payees was a millisecond on one core, is not needed */
  uint32_t inorder = 1;
  while (inorder < e->nelig && cmp_named(&byid[inorder - 1], &byid[inorder]) < 0) inorder++;
  if (inorder < e->nelig) qsort(byid, e->nelig, sizeof *byid, cmp_named);
  for (uint32_t j = 0; j < e->nelig; j++) e->rows_of[j] = byid[j].row;
  tl_free(byid);
  for (uint32_t j = 0; j < e->nelig; j++) e->elig[e->rows_of[j]] = (int32_t)j;
  return true;
}

/* A manager chain longer than the roster has a cycle. */
static bool check_rollup(engine *e) {
  const tl_table *t = &e->l->t[TL_TB_PAYEES];
  if (e->p->rollup < 0) return true;
  const int32_t *mgr = t->cols[e->p->rollup].v.ref;
  for (uint32_t i = 0; i < e->npay; i++) {
    int32_t m = mgr[i];
    for (uint32_t steps = 0; m >= 0; steps++, m = mgr[m]) {
      if (m == (int32_t)i || steps > e->npay) {
        tl_loc loc = { t->file, (int)tl_ldg_line(t, i), 0, 0, 0 };
        tl_diag(e->d, TL_SEV_ERROR, loc, "rollup", "payee %s is their own manager through "
                "the %s column (a cycle)", tl_str_get(e->l->strs, t->cols[0].v.str[i], NULL),
                t->cols[e->p->rollup].name);
        e->failed = true;
        return false;
      }
    }
  }
  return true;
}

static int active_days(const engine *e, int32_t row, int k) {
  const tl_table *t = &e->l->t[TL_TB_PAYEES];
  tl_date s = TL_DATE_NONE, f = TL_DATE_NONE;
  if (e->p->payee_start >= 0 && !tl_col_null(&t->cols[e->p->payee_start], (uint32_t)row))
    s = tl_col_date(&t->cols[e->p->payee_start], (uint32_t)row);
  if (e->p->payee_end >= 0 && !tl_col_null(&t->cols[e->p->payee_end], (uint32_t)row))
    f = tl_col_date(&t->cols[e->p->payee_end], (uint32_t)row);
  return tl_cal_overlap_days(&e->p->cal, k, s, f);
}

/* ---- crediting ----------------------------------------------------------- */

static void add_line(engine *e, const tl_credit_line *line, int k, int r) {
  int32_t ei = e->elig[line->payee];
  if (ei < 0) return;
  const tl_program *p = e->p;
  if (e->trace && line->payee == e->trace->payee) {
    tl_trace_credit tc = { line->deal, line->date, line->share, line->amount, (int16_t)k,
                           (int16_t)r, line->direct };
    tl_vec_push(e->trace->credits, tc);
  }
  e->vm.credit = line;
  for (uint32_t s = 0; s < p->naggs && !e->failed; s++) {
    tl_value v;
    if (p->aggs[s].filter >= 0 && !holds(e, p->aggs[s].filter, &e->tests[s], line->payee, k)) {
      if (e->failed) break;
      continue;
    }
    if (!line_value_of(e, s, line, k, &v)) break;
    if (v.kind != TL_V_DEC || tl_dec_is_zero(v.u.d)) continue;
    removal rm = { ei, line->deal, (uint16_t)s, (uint8_t)k, (uint8_t)r, v.u.d };
    if (r < e->n && !p->clawback_reversing) {
      tl_vec_push(e->rem, rm);
      continue;
    }
    if (r < e->n) tl_vec_push(e->rev, rm);
    if (!sum_add(e, ((size_t)ei * p->naggs + s) * (size_t)e->n + (size_t)k, v.u.d, line->payee, k))
      break;
  }
  e->vm.credit = NULL;
}

/* The period as of which a deal closed on `closed` and cancelled on the
** date in row `row` of column c (NULL: no clawback) takes its credit back,
** or n. */
static inline int removal_period(const engine *e, const tl_column *c, uint32_t row,
                                 tl_date closed, int k) {
  const tl_program *p = e->p;
  if (!c) return e->n;
  tl_date cancel = tl_col_date(c, row);
  if (cancel == TL_DATE_NONE) return e->n;   /* as every empty date cell is */
  if (cancel - closed > p->clawback_days || cancel > p->cal.end) return e->n;
  int r = tl_cal_period_of(&p->cal, cancel);
  return r < k ? k : r;
}

/* Credit deals rows [row0, row1). */
static bool credit_rows(engine *e, uint32_t row0, uint32_t row1) {
  const tl_program *p = e->p;
  const tl_ledger *l = e->l;
  const tl_table *deals = &l->t[TL_TB_DEALS], *splits = &l->t[TL_TB_SPLITS];
  const int32_t *mgr = p->rollup >= 0 ? l->t[TL_TB_PAYEES].cols[p->rollup].v.ref : NULL;
  /* splits are ordered by deal row: walk them beside the deals */
  const int32_t *sdeal = splits->loaded && splits->nrows ? splits->cols[0].v.ref : NULL;
  uint32_t scur = 0;
  if (sdeal && row0) (void)tl_ldg_splits_of(l, row0, &scur);
  /* The sums of the owner a few deals ahead are asked for now: deals come in
  ** file order, so each one adds into a random payee's sums, a cache miss. */
  enum { AHEAD = 8 };
  const int32_t *owner = p->nrules ? deals->cols[p->rules[0].target].v.ref : NULL;
  /* the date columns read on every deal, as locals: their width (wide) is
  ** then known not to change as the sums are written */
  const tl_column closed_col = deals->cols[2];
  const tl_column cancel_col = p->clawback_col >= 0 ? deals->cols[p->clawback_col] : closed_col;
  const tl_column *cancel = p->clawback_col >= 0 ? &cancel_col : NULL;
  for (uint32_t row = row0; row < row1 && !e->failed; row++) {
    if (owner && row + AHEAD < row1) {
      int32_t o = owner[row + AHEAD];
      int ka = tl_cal_period_of(&p->cal, tl_col_date(&closed_col, row + AHEAD));
      if (o >= 0 && ka >= 0 && e->elig[o] >= 0)
        for (uint32_t s = 0; s < p->naggs; s++)
          __builtin_prefetch(&e->base[((size_t)e->elig[o] * p->naggs + s) * (size_t)e->n + (size_t)ka], 1);
    }
    tl_date closed = tl_col_date(&closed_col, row);
    int k = tl_cal_period_of(&p->cal, closed);
    if (k < 0) continue;
    int r = removal_period(e, cancel, row, closed, k);
    for (uint32_t ri = 0; ri < p->nrules && !e->failed; ri++) {
      const tl_credit_rule *rule = &p->rules[ri];
      e->vm.deal = (int32_t)row;
      e->vm.payee = -1;
      if (rule->filter >= 0 && !holds(e, rule->filter, &e->tests[p->naggs + ri], -1, k)) {
        if (e->failed) return false;
        continue;
      }
      /* splits.csv shares out the owner's credit; rules crediting another
      ** column (an SDR, an overlay) are not split */
      uint32_t nsplit = 0;
      if (sdeal && rule->target == 1) {
        while (scur < splits->nrows && (uint32_t)sdeal[scur] < row) scur++;
        while (scur + nsplit < splits->nrows && (uint32_t)sdeal[scur + nsplit] == row) nsplit++;
      }
      uint32_t nlines = nsplit ? nsplit : 1;
      for (uint32_t si = 0; si < nlines && !e->failed; si++) {
        tl_credit_line line = { (int32_t)row, -1, tl_dec_from_raw(TL_DEC_ONE_RAW), tl_dec_zero(),
                                closed, true };
        if (nsplit) {
          uint32_t s = scur + si;
          line.payee = splits->cols[1].v.ref[s];
          line.share = tl_col_dec(&splits->cols[2], s);
        } else {
          line.payee = deals->cols[rule->target].v.ref[row];
        }
        if (line.payee < 0) continue;
        if (!nsplit) line.amount = tl_ldg_amount(l, row);   /* the whole amount: exact as it is */
        else if (!dec_ok(e, tl_dec_mul(tl_ldg_amount(l, row), line.share, &line.amount), "a credit",
                         line.payee, k))
          return false;
        add_line(e, &line, k, r);
        for (int32_t m = mgr ? mgr[line.payee] : -1; m >= 0 && !e->failed; m = mgr[m]) {
          tl_credit_line up = line;
          up.payee = m;
          up.direct = false;
          add_line(e, &up, k, r);
        }
      }
    }
  }
  return !e->failed;
}

/* Removals in the order run_payee takes them: by payee, then the period
** they are known in, then deal.  Crediting made them in deal order, and the
** lines of one deal share its periods, so a stable counting sort on (payee,
** period known) is enough (and a comparison sort of a million took 3% of a
** big run). */
static void sort_removals(engine *e, removal **v, size_t n) {
  if (n < 2) return;
  size_t nb = (size_t)e->nelig * (size_t)(e->n + 1) + 1;
  uint32_t *at = tl_calloc(nb + 1, sizeof *at);
  removal *out = tl_alloc(n * sizeof *out);
  for (size_t i = 0; i < n; i++) at[(size_t)(*v)[i].payee * (size_t)(e->n + 1) + (*v)[i].r + 1]++;
  for (size_t b = 1; b <= nb; b++) at[b] += at[b - 1];
  for (size_t i = 0; i < n; i++)
    out[at[(size_t)(*v)[i].payee * (size_t)(e->n + 1) + (*v)[i].r]++] = (*v)[i];
  tl_free(*v);
  *v = out;
  tl_free(at);
}

/* ---- per payee ----------------------------------------------------------- */

typedef struct payee_run {
  int32_t row, ei;
  tl_dec quota[TL_CAL_MAX_PERIODS];
  tl_dec *cur;                  /* [agg][period] as of the current as-of period */
  tl_dec *pv;                   /* [component][period]: rounded period values */
  tl_dec *E;                    /* [component][period]: as computed, before reversals */
  tl_dec *Eadj;                 /* [component][period]: after reversals */
  tl_row *rows;                 /* [period][line]: the payee's rows, before packing */
} payee_run;

static bool round_to_unit(engine *e, tl_dec v, tl_dec *out, int32_t payee, int k) {
  return dec_ok(e, tl_dec_round(v, e->p->unit, e->p->rounding, out), "rounding", payee, k);
}

static bool quotas(engine *e, payee_run *pr) {
  const tl_program *p = e->p;
  for (int k = 0; k < e->n; k++) {
    tl_dec q = tl_dec_zero();
    if (p->quota >= 0) {
      tl_value v;
      e->vm.period = k;
      if (!eval(e, p->quota, &v, pr->row, k)) return false;
      q = v.u.d;
    } else if (e->qtab) {
      q = e->qtab[(size_t)pr->row * (size_t)e->n + (size_t)k];
    }
    if (p->quota_prorated &&
        !dec_ok(e, tl_dec_muldiv_int(q, active_days(e, pr->row, k), tl_cal_days(&p->cal, k), &q),
                "the prorated quota", pr->row, k))
      return false;
    pr->quota[k] = q;
  }
  return true;
}

/* The value of component c for period k as of the VM's as-of period, with
** the period clamps applied and rounded. */
static bool period_value(engine *e, payee_run *pr, uint32_t c, int k, tl_dec *out) {
  const tl_component *cp = &e->p->components[c];
  tl_value v, lim;
  e->vm.period = k;
  if (!eval(e, cp->body, &v, pr->row, k)) return false;
  tl_dec x = v.u.d;
  tl_trace_line *tr = e->trace && k == e->vm.asof ? &e->trace->periods[k].lines[c] : NULL;
  if (tr) tr->value = x;
  if (cp->floor_period >= 0) {
    if (!eval(e, cp->floor_period, &lim, pr->row, k)) return false;
    x = tl_dec_max(x, lim.u.d);
    if (tr) { tr->has_floor = true; tr->floor = lim.u.d; }
  }
  if (cp->cap_period >= 0) {
    if (!eval(e, cp->cap_period, &lim, pr->row, k)) return false;
    x = tl_dec_min(x, lim.u.d);
    if (tr) { tr->has_cap_period = true; tr->cap_period = lim.u.d; }
  }
  if (!round_to_unit(e, x, out, pr->row, k)) return false;
  if (tr) tr->period_value = *out;
  return true;
}

/* E(P) of component c as of P (the VM must be set to as-of P).  all: period
** components evaluate every earlier period again (something was removed). */
static bool earned_to_date(engine *e, payee_run *pr, uint32_t c, int P, bool all, tl_dec *out) {
  const tl_component *cp = &e->p->components[c];
  tl_dec E = tl_dec_zero();
  tl_value lim;
  tl_dec *pv = &pr->pv[(size_t)c * (size_t)e->n];
  tl_trace_line *tr = e->trace && P == e->vm.asof ? &e->trace->periods[P].lines[c] : NULL;
  if (cp->cumulative) {
    tl_value v;
    e->vm.period = P;
    if (!eval(e, cp->body, &v, pr->row, P)) return false;
    E = v.u.d;
    if (tr) tr->value = E;
  } else {
    for (int k = 0; k <= P; k++) {
      if ((all || k == P) && !period_value(e, pr, c, k, &pv[k])) return false;
      if (!dec_ok(e, tl_dec_add(E, pv[k], &E), "earned to date", pr->row, P)) return false;
    }
  }
  if (cp->cap_year >= 0) {
    e->vm.period = P;
    if (!eval(e, cp->cap_year, &lim, pr->row, P)) return false;
    E = tl_dec_min(E, lim.u.d);
    if (tr) { tr->has_cap_year = true; tr->cap_year = lim.u.d; }
  }
  return round_to_unit(e, E, out, pr->row, P);
}

/* The VM keeps each measure's value per period (its memo) until the sums
** under it change: a payee's start, removals taking effect as of P, and a
** reversal's recalculation without its deal.  A later as-of period or
** another component reads the same values, so they are not worked out again
** (ytd(bookings) as of December adds twelve memo entries). */
static void set_asof(engine *e, payee_run *pr, int P) {
  e->vm.asof = P;
  e->vm.agg = pr->cur;
  e->vm.quota = pr->quota;
}

/* What a reversed deal added to component c in the period of its close:
** E with the deal minus E without it, both as of that period. */
static bool reversal_delta(engine *e, payee_run *pr, const removal *first, size_t count,
                           uint32_t c, tl_dec *delta) {
  int k = first->k;
  size_t na = e->p->naggs;
  tl_dec without, saved_pv[TL_CAL_MAX_PERIODS];
  tl_dec *pv = &pr->pv[(size_t)c * (size_t)e->n];
  memcpy(saved_pv, pv, sizeof saved_pv[0] * (size_t)e->n);
  for (size_t i = 0; i < count; i++) {
    tl_dec *cell = &pr->cur[(size_t)first[i].slot * (size_t)e->n + (size_t)k];
    if (!dec_ok(e, tl_dec_sub(*cell, first[i].v, cell), "a reversal", pr->row, k)) return false;
  }
  set_asof(e, pr, k);
  tl_vm_forget(&e->vm);
  bool ok = earned_to_date(e, pr, c, k, true, &without);
  for (size_t i = 0; i < count; i++) {
    tl_dec *cell = &pr->cur[(size_t)first[i].slot * (size_t)e->n + (size_t)k];
    tl_dec_add(*cell, first[i].v, cell);
  }
  tl_vm_forget(&e->vm);
  memcpy(pv, saved_pv, sizeof saved_pv[0] * (size_t)e->n);
  (void)na;
  if (!ok) return false;
  tl_dec with = pr->E[(size_t)c * (size_t)e->n + (size_t)k];
  return dec_ok(e, tl_dec_sub(with, without, delta), "a reversal", pr->row, k);
}

/* The measures and quota of period P as of P, for the trace. */
static bool trace_period(engine *e, payee_run *pr, int P) {
  tl_trace_period *tp = &e->trace->periods[P];
  tp->quota = pr->quota[P];
  e->cur_comp = UINT32_MAX;
  set_asof(e, pr, P);
  e->vm.period = P;
  for (uint32_t m = 0; m < e->p->nmeasures; m++) {   /* a failure is kept (measure_errors) */
    bool ok = tl_vm_run(&e->vm, e->p->measures[m].body, &tp->measures[m]) == TL_VM_OK;
    tl_free(tp->measure_errors[m]);
    tp->measure_errors[m] = NULL;
    if (ok) continue;
    tp->measures[m] = tl_v_null();
    tp->measure_errors[m] = tl_alloc(sizeof(tl_vm_error));
    *tp->measure_errors[m] = e->vm.err;
  }
  return true;
}

static void trace_tier(void *ctx, uint32_t table, tl_dec x, tl_dec q) {
  engine *e = ctx;
  if (e->vm.period != e->vm.asof || e->cur_comp >= e->p->ncomponents) return;
  tl_trace_line *tr = &e->trace->periods[e->vm.asof].lines[e->cur_comp];
  tr->tier = true;
  tr->tier_table = (int32_t)table;
  tr->tier_x = x;
  tr->tier_q = q;
}

static bool run_payee(engine *e, payee_run *pr, const removal *rm, size_t nrm, const removal *rv,
                      size_t nrv, tl_row *rows) {
  const tl_program *p = e->p;
  int n = e->n;
  uint32_t nc = p->ncomponents;
  size_t na = p->naggs;
  e->vm.payee = pr->row;
  e->vm.credit = NULL;
  size_t b0 = (size_t)pr->ei * na * (size_t)n;
  for (size_t i = 0; i < na * (size_t)n; i++) pr->cur[i] = sum_get(e, b0 + i);
  for (size_t i = 0; i < nrm; i++) {
    tl_dec *cell = &pr->cur[(size_t)rm[i].slot * (size_t)n + rm[i].k];
    if (!dec_ok(e, tl_dec_add(*cell, rm[i].v, cell), "a sum", pr->row, rm[i].k)) return false;
  }
  if (!quotas(e, pr)) return false;
  tl_vm_forget(&e->vm);

  tl_dec balance = tl_dec_zero(), draw_amount = tl_dec_zero();
  int draws_left = p->has_draw ? p->draw_periods : 0;
  if (p->has_draw) {
    tl_value v;
    if (!eval(e, p->draw_amount, &v, pr->row, -1)) return false;
    draw_amount = v.u.d;
  }
  size_t ri = 0;
  tl_row *out = rows;
  for (int P = 0; P < n; P++) {
    bool changed = P == 0;
    for (; ri < nrm && rm[ri].r == P; ri++) {
      tl_dec *cell = &pr->cur[(size_t)rm[ri].slot * (size_t)n + rm[ri].k];
      if (!dec_ok(e, tl_dec_sub(*cell, rm[ri].v, cell), "a clawback", pr->row, P)) return false;
      changed = true;
    }
    if (changed) tl_vm_forget(&e->vm);
    tl_dec earned = tl_dec_zero();
    for (uint32_t c = 0; c < nc; c++) {
      set_asof(e, pr, P);
      e->cur_comp = c;
      tl_dec *E = &pr->E[(size_t)c * (size_t)n];
      tl_dec *Ea = &pr->Eadj[(size_t)c * (size_t)n];
      if (!earned_to_date(e, pr, c, P, changed, &E[P])) return false;
      tl_dec adj = tl_dec_zero();
      if (P > 0 && !dec_ok(e, tl_dec_sub(Ea[P - 1], E[P - 1], &adj), "a reversal", pr->row, P))
        return false;
      /* reversals known by P: take back what each deal added when it closed */
      for (size_t i = 0; i < nrv;) {
        size_t j = i;
        while (j < nrv && rv[j].deal == rv[i].deal && rv[j].r == rv[i].r) j++;
        if (rv[i].r == P) {
          tl_dec delta;
          if (!reversal_delta(e, pr, &rv[i], j - i, c, &delta)) return false;
          if (!dec_ok(e, tl_dec_sub(adj, delta, &adj), "a reversal", pr->row, P)) return false;
        }
        i = j;
      }
      if (!dec_ok(e, tl_dec_add(E[P], adj, &Ea[P]), "a reversal", pr->row, P)) return false;
      tl_dec payable;
      if (!dec_ok(e, tl_dec_sub(Ea[P], P > 0 ? Ea[P - 1] : tl_dec_zero(), &payable), "a payable",
                  pr->row, P) ||
          !dec_ok(e, tl_dec_add(earned, payable, &earned), "earned", pr->row, P))
        return false;
      *out++ = (tl_row){ pr->row, (int16_t)P, (int16_t)c, payable };
      if (e->trace) {
        tl_trace_line *tr = &e->trace->periods[P].lines[c];
        tr->E = Ea[P];
        tr->Eprev = P > 0 ? Ea[P - 1] : tl_dec_zero();
        tl_dec_sub(Ea[P], E[P], &tr->reversal);
        tr->payable = payable;
      }
    }
    if (e->trace && !trace_period(e, pr, P)) return false;
    /* rule 8: guarantee, net, balance */
    tl_dec g = tl_dec_zero(), net, owed;
    int days = active_days(e, pr->row, P);
    if (draws_left > 0 && days > 0) {
      draws_left--;
      if (!dec_ok(e, tl_dec_muldiv_int(draw_amount, days, tl_cal_days(&p->cal, P), &g), "the draw",
                  pr->row, P) ||
          !round_to_unit(e, g, &g, pr->row, P))
        return false;
    }
    if (!dec_ok(e, tl_dec_sub(earned, balance, &owed), "the balance", pr->row, P)) return false;
    if (e->trace) {
      tl_trace_period *tp = &e->trace->periods[P];
      tp->earned = earned;
      tp->guarantee = g;
      tp->balance_before = balance;
      tp->active_days = days;
    }
    net = tl_dec_max(g, owed);
    if (p->has_draw && !p->draw_recoverable) {
      tl_dec b;
      if (!dec_ok(e, tl_dec_sub(balance, earned, &b), "the balance", pr->row, P)) return false;
      balance = tl_dec_max(tl_dec_zero(), b);
    } else if (!dec_ok(e, tl_dec_sub(net, owed, &balance), "the balance", pr->row, P)) {
      return false;
    }
    if (e->trace) {
      e->trace->periods[P].net = net;
      e->trace->periods[P].balance = balance;
    }
    *out++ = (tl_row){ pr->row, (int16_t)P, TL_LINE_EARNED, earned };
    *out++ = (tl_row){ pr->row, (int16_t)P, TL_LINE_NET, net };
    *out++ = (tl_row){ pr->row, (int16_t)P, TL_LINE_BALANCE, balance };
  }
  return true;
}

/* ---- all payees ----------------------------------------------------------- */

static void pr_alloc(const engine *e, payee_run *pr) {
  size_t na = e->p->naggs, nc = e->p->ncomponents, n = (size_t)e->n;
  pr->cur = tl_calloc(na * n + 1, sizeof *pr->cur);
  pr->pv = tl_calloc(nc * n + 1, sizeof *pr->pv);
  pr->E = tl_calloc(nc * n + 1, sizeof *pr->E);
  pr->Eadj = tl_calloc(nc * n + 1, sizeof *pr->Eadj);
  pr->rows = tl_calloc((nc + 3) * n, sizeof *pr->rows);
}

static void pr_free(payee_run *pr) {
  tl_free(pr->cur);
  tl_free(pr->pv);
  tl_free(pr->E);
  tl_free(pr->Eadj);
  tl_free(pr->rows);
}

/* The first removal of eligible payee ei or after (removals are by payee). */
static size_t removals_from(const removal *v, size_t n, uint32_t ei) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid].payee < (int32_t)ei) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Put a payee's rows into the result from row i on (see tl_result). */
static void pack(engine *e, const tl_row *rows, size_t n, size_t i) {
  int32_t *u = e->units + i;
  int64_t unit = e->unit_raw;
  for (size_t j = 0; j < n; j++) {
    __int128 raw = rows[j].amount.raw;
    int64_t r = (int64_t)raw, q = 0;
    /* cents, the usual unit, divide by a constant: a multiplication */
    bool fits = r == raw && (unit == 10000000 ? (q = r / 10000000) * 10000000 == r
                                              : (q = r / unit) * unit == r);
    if (fits && q >= -INT32_MAX && q <= INT32_MAX) {
      u[j] = (int32_t)q;
    } else {
      u[j] = TL_RESULT_WIDE;
      tl_vec_push(e->wide_rows, ((tl_wide){ i + j, rows[j].amount }));
    }
  }
}

/* A payee's sums are read once, when its turn comes (run_payee), so the
** pages of sums behind the payees done are handed back as a range goes on:
** the result fills as the sums empty, and the peak holds about one of the
** two (the sums of 10k payees are 1.75 MB of a 100k-deal run's 13 MB).
** Only pages wholly inside the range's own sums: a page it shares with the
** range before or after is also another thread's.  Nothing reads them
** again: no payee is evaluated twice (in_ranges, partial). */
static void release_sums(const engine *e, uint32_t from, uint32_t upto, size_t page,
                         uintptr_t *released) {
  size_t per = e->p->naggs * (size_t)e->n;
  uintptr_t lo = (uintptr_t)(e->base + (size_t)from * per);
  uintptr_t hi = (uintptr_t)(e->base + (size_t)upto * per) / page * page;
  if (*released == 0) *released = (lo + page - 1) / page * page;
  if (hi < *released + ((size_t)64 << 10)) return;     /* 64 KB at a time */
  tl_prefault_forget((const void *)*released, hi - *released);
  (void)madvise((void *)*released, hi - *released, MADV_DONTNEED);
  *released = hi;
}

/* Evaluate eligible payees [from, to) into their rows of the result. */
static bool payees_range(engine *e, payee_run *pr, uint32_t from, uint32_t to) {
  size_t per = (size_t)e->n * ((size_t)e->p->ncomponents + 3);   /* rows a payee */
  size_t ri = removals_from(e->rem.v, e->rem.n, from), vi = removals_from(e->rev.v, e->rev.n, from);
  tl_trace *trace = e->trace;
  uintptr_t released = 0;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  for (uint32_t ei = from; ei < to; ei++) {
    e->upto = ei;
    if (!trace) release_sums(e, from, ei, page, &released);
    size_t r0 = ri, v0 = vi;
    while (ri < e->rem.n && e->rem.v[ri].payee == (int32_t)ei) ri++;
    while (vi < e->rev.n && e->rev.v[vi].payee == (int32_t)ei) vi++;
    pr->row = e->rows_of[ei];
    pr->ei = (int32_t)ei;
    if (trace && pr->row != trace->payee) continue;
    /* no removals at all: the vectors are NULL, and NULL + 0 is undefined */
    const removal *rm = e->rem.v ? e->rem.v + r0 : NULL, *rv = e->rev.v ? e->rev.v + v0 : NULL;
    if (!run_payee(e, pr, rm, ri - r0, rv, vi - v0, pr->rows)) return false;
    pack(e, pr->rows, per, (size_t)ei * per);
    if (trace) {
      trace->nrows = per;
      trace->rows = tl_calloc(trace->nrows, sizeof *trace->rows);
      memcpy(trace->rows, pr->rows, trace->nrows * sizeof *pr->rows);
    }
  }
  e->upto = to;
  return true;
}

/* ---- work in ranges on several threads -----------------------------------
**
** Crediting and the payees' evaluation both go through items in order, each
** into state of its own: deals into sums and removal lists, payees into
** their own output rows.  So each can be cut into ranges: a worker takes
** each range after the first with a copy of the engine (fork_engine) and a
** VM of its own, while the caller's thread does the first; the ranges are
** then joined in order.  A worker reports nothing: where it met an error,
** its range and every later one are done again on the caller's thread,
** which reports the first error in item order, as one thread would.  A job
** says what a worker owns (start, end) and how its results join the
** caller's (take); take may refuse, and then the whole job starts again on
** the caller's thread.  A job whose items each finish whole or not at all
** and must not be done twice (partial: payees) never starts again: a
** worker's items up to its failure (upto) are taken, the caller does the
** rest of that worker's range, or all of it when the worker did not start,
** and goes on taking the workers after it; its take must not refuse. */
typedef struct ranges ranges;

typedef struct worker {
  engine e;                     /* fork_engine's copy of the caller's */
  payee_run pr;                 /* its buffers, for payees */
  const ranges *job;
  uint32_t from, to;
  pthread_t thread;
  bool started;
} worker;

struct ranges {
  uint32_t n, min;              /* items, and the fewest worth a thread */
  bool partial;                 /* a failed worker's items before e.upto count */
  bool (*run)(engine *e, payee_run *pr, uint32_t from, uint32_t to);
  void (*start)(const engine *e, worker *w);
  bool (*take)(engine *e, worker *w);
  void (*end)(worker *w);
};

/* A worker's copy of engine e: it reads e's program, ledger and sums, runs a
** VM of its own, and reports nothing (run_error). */
static void fork_engine(engine *w, const engine *e) {
  *w = *e;
  w->worker = true;
  w->d = NULL;
  tl_vm_init(&w->vm, e->p, e->l);
  w->vm.step_limit = e->vm.step_limit;
}

static void *range_main(void *arg) {
  worker *w = arg;
  (void)w->job->run(&w->e, &w->pr, w->from, w->to);
  return NULL;
}

static int fail_start;          /* tl_eng_fail_start: starts to go before one fails */

void tl_eng_fail_start(int k) { fail_start = k; }

static uint32_t deal_grain, payee_grain;   /* tl_eng_grain: 0, the defaults below */

void tl_eng_grain(uint32_t deals, uint32_t payees) {
  deal_grain = deals;
  payee_grain = payees;
}

static bool in_ranges(engine *e, payee_run *pr, const ranges *job, int threads) {
  uint32_t n = job->n;
  if (threads > (int)(n / job->min)) threads = (int)(n / job->min);
  if (threads < 2 || e->trace) return job->run(e, pr, 0, n);
  worker *w = tl_calloc((size_t)threads - 1, sizeof *w);
  for (int k = 1; k < threads; k++) {
    worker *c = &w[k - 1];
    fork_engine(&c->e, e);
    c->job = job;
    c->from = (uint32_t)((uint64_t)n * (uint64_t)k / (uint64_t)threads);
    c->to = (uint32_t)((uint64_t)n * (uint64_t)(k + 1) / (uint64_t)threads);
    job->start(e, c);
    c->started = !(fail_start && --fail_start == 0) &&
                 tl_thread_start(&c->thread, range_main, c) == 0;
  }
  bool ok = job->run(e, pr, 0, w[0].from);
  uint32_t done = w[0].from;            /* items done into e so far */
  for (int k = 0; k < threads - 1; k++) {
    worker *c = &w[k];
    if (c->started) pthread_join(c->thread, NULL);
    if (!ok || done != c->from) {
      /* an item before it is not done: the caller does the rest below */
    } else if (job->partial) {
      /* each item once (its inputs may be gone once it is done, see
      ** release_sums): a worker's items up to its failure are taken, and
      ** what it did not do, or could not start, the caller does now, in
      ** order, before taking the next worker's */
      if (c->started) {
        bool took = job->take(e, c);
        assert(took);           /* a partial job's take never refuses */
        (void)took;
        done = c->e.failed ? c->e.upto : c->to;
      }
      if (done < c->to) {
        ok = job->run(e, pr, done, c->to);
        done = c->to;
      }
    } else if (c->started && !c->e.failed) {
      done = job->take(e, c) ? c->to : 0;
    }
    job->end(c);
    tl_vm_free(&c->e.vm);
  }
  tl_free(w);
  return ok && job->run(e, pr, done, n);
}

/* Crediting: a worker's sums are added to the caller's (exact), its removal
** lists appended (so they stay in deal order).  An overflow in adding means
** one thread may have overflowed elsewhere: all of crediting starts again.
** Worth it only for many deals, and only while the sums are small. */
static size_t sum_cells(const engine *e) {
  return (size_t)e->nelig * e->p->naggs * (size_t)e->n;
}

static bool credit_run(engine *e, payee_run *pr, uint32_t from, uint32_t to) {
  (void)pr;
  /* every deal reads the sum it adds to: fresh sums read first cost a
  ** flush of the other cores' TLBs a page (tl_prefault_now) */
  tl_prefault_now(e->base, sum_cells(e) * sizeof *e->base);
  return credit_rows(e, from, to);
}

static void credit_start(const engine *e, worker *w) {
  memset(&w->e.rem, 0, sizeof w->e.rem);
  memset(&w->e.rev, 0, sizeof w->e.rev);
  w->e.base = tl_calloc(sum_cells(e) + 1, sizeof *w->e.base);
  w->e.wide_sum = NULL;
}

static bool credit_take(engine *e, worker *w) {
  size_t cells = sum_cells(e);
  for (size_t i = 0; i < cells; i++) {
    int64_t r;
    if (add64(e->base[i], w->e.base[i], &r)) {
      e->base[i] = r;
      continue;
    }
    tl_dec sum;
    if (tl_dec_add(sum_get(e, i), sum_get(&w->e, i), &sum) != TL_DEC_OK) {
      memset(e->base, 0, (cells + 1) * sizeof *e->base);
      tl_free(e->wide_sum);
      e->wide_sum = NULL;
      e->rem.n = e->rev.n = 0;
      return false;
    }
    sum_set_wide(e, i, sum);
  }
  tl_vec_append(e->rem, w->e.rem);
  tl_vec_append(e->rev, w->e.rev);
  return true;
}

static void credit_end(worker *w) {
  tl_free(w->e.base);
  tl_free(w->e.wide_sum);
  tl_vec_free(w->e.rem);
  tl_vec_free(w->e.rev);
}

/* A worker's own sums are a second copy of them all (1.2 MB of 10k payees'
** year): from 65,536 deals a thread, two threads were faster at 100k but
** took its peak memory past twice the input's (thirteenth pass). */
static bool credit(engine *e, int threads) {
  const ranges job = { e->l->t[TL_TB_DEALS].nrows, deal_grain ? deal_grain : 1 << 17, false,
                       credit_run, credit_start, credit_take, credit_end };
  return in_ranges(e, NULL, &job, sum_cells(e) > ((size_t)8 << 20) ? 1 : threads);
}

/* Payees: each writes only its own rows of the result, so a worker's rows
** are in place already; its wide amounts follow the caller's, in row order
** as the ranges are. */
static void payees_start(const engine *e, worker *w) {
  pr_alloc(e, &w->pr);
  memset(&w->e.wide_rows, 0, sizeof w->e.wide_rows);
}

static bool payees_take(engine *e, worker *w) {
  tl_vec_append(e->wide_rows, w->e.wide_rows);
  return true;
}

static void payees_end(worker *w) {
  pr_free(&w->pr);
  tl_vec_free(w->e.wide_rows);
}

static bool run_payees(engine *e, payee_run *pr, int threads) {
  const ranges job = { e->nelig, payee_grain ? payee_grain : 1024, true, payees_range,
                       payees_start, payees_take, payees_end };
  return in_ranges(e, pr, &job, threads);
}

tl_result *tl_eng_run(const tl_program *p, const tl_ledger *l, tl_diags *d) {
  return tl_eng_run_threads(p, l, d, 0, 1);
}

/* Everything of a run; with a trace, only the traced payee is evaluated and
** its rows are copied into the trace. */
static tl_result *evaluate(const tl_program *p, const tl_ledger *l, tl_diags *d,
                           uint64_t max_steps, int threads, tl_trace *trace) {
  engine e;
  memset(&e, 0, sizeof e);
  e.p = p;
  e.l = l;
  e.d = d;
  e.n = p->cal.n;
  e.npay = l->t[TL_TB_PAYEES].nrows;
  e.trace = trace;
  tl_vm_init(&e.vm, p, l);
  if (max_steps) e.vm.step_limit = max_steps;
  if (trace) {
    e.vm.on_tier = trace_tier;
    e.vm.on_tier_ctx = &e;
  }
  tl_result *res = NULL;
  payee_run pr;
  memset(&pr, 0, sizeof pr);
  if (!eligibility(&e) || !check_rollup(&e)) goto done;
  if (trace && e.elig[trace->payee] < 0) {
    const tl_table *t = &l->t[TL_TB_PAYEES];
    tl_loc loc = { t->file, (int)tl_ldg_line(t, (uint32_t)trace->payee), 0, 0, 0 };
    tl_diag(d, TL_SEV_ERROR, loc, "explain", "payee %s is not eligible under this plan, so it has "
            "no payouts to explain", tl_str_get(l->strs, t->cols[0].v.str[trace->payee], NULL));
    goto done;
  }
  size_t na = p->naggs, nc = p->ncomponents;
  e.base = tl_calloc((size_t)e.nelig * na * (size_t)e.n + 1, sizeof *e.base);
  plan_values(&e);
  plan_tests(&e);
  if (!credit(&e, threads)) goto done;
  if (p->quota_from_table && l->t[TL_TB_QUOTAS].loaded) {
    /* one pass over quotas.csv; a missing (payee, period) row is a quota of 0 */
    const tl_table *t = &l->t[TL_TB_QUOTAS];
    e.qtab = tl_calloc((size_t)e.npay * (size_t)e.n + 1, sizeof *e.qtab);
    for (uint32_t i = 0; i < t->nrows; i++) {
      size_t len;
      const char *name = tl_str_get(l->strs, t->cols[1].v.str[i], &len);
      int k = tl_cal_find(&p->cal, name, len);
      if (k >= 0) e.qtab[(size_t)t->cols[0].v.ref[i] * (size_t)e.n + (size_t)k] = tl_col_dec(&t->cols[2], i);
    }
  }
  sort_removals(&e, &e.rem.v, e.rem.n);
  sort_removals(&e, &e.rev.v, e.rev.n);
  e.rem.cap = e.rem.n;
  e.rev.cap = e.rev.n;

  res = tl_calloc(1, sizeof *res);
  res->lines_per_period = (int)nc + 3;
  res->nperiods = e.n;
  res->per_payee = (size_t)e.n * (nc + 3);
  res->nrows = (size_t)e.nelig * res->per_payee;
  res->places = tl_dec_places(p->unit);
  res->payees = tl_alloc(((size_t)e.nelig + 1) * sizeof *res->payees);
  memcpy(res->payees, e.rows_of, (size_t)e.nelig * sizeof *res->payees);
  /* written as the payees' sums are handed back (release_sums) */
  res->units = tl_calloc_lazy(res->nrows + 1, sizeof *res->units);
  pr_alloc(&e, &pr);
  e.units = res->units;
  e.unit_raw = tl_dec_raw_unit(res->places);
  if (!run_payees(&e, &pr, threads)) {
    tl_result_free(res);
    res = NULL;
  } else {
    res->wide = e.wide_rows.v;
    res->nwide = e.wide_rows.n;
    e.wide_rows.v = NULL;
  }
done:
  tl_vec_free(e.wide_rows);
  pr_free(&pr);
  tl_free(e.base);
  tl_free(e.wide_sum);
  tl_free(e.qtab);
  tl_free(e.elig);
  tl_free(e.rows_of);
  tl_free(e.tests);
  tl_free(e.values);
  tl_vec_free(e.rem);
  tl_vec_free(e.rev);
  tl_vm_free(&e.vm);
  return res;
}

tl_result *tl_eng_run_threads(const tl_program *p, const tl_ledger *l, tl_diags *d,
                              uint64_t max_steps, int threads) {
  return evaluate(p, l, d, max_steps, threads, NULL);
}

tl_trace *tl_eng_trace(const tl_program *p, const tl_ledger *l, tl_diags *d, int32_t payee) {
  tl_trace *t = tl_calloc(1, sizeof *t);
  t->payee = payee;
  t->n = p->cal.n;
  t->nmeasures = p->nmeasures;
  t->periods = tl_calloc((size_t)t->n, sizeof *t->periods);
  for (int i = 0; i < t->n; i++) {
    t->periods[i].measures = tl_calloc(p->nmeasures + 1, sizeof(tl_value));
    t->periods[i].measure_errors = tl_calloc(p->nmeasures + 1, sizeof(tl_vm_error *));
    t->periods[i].lines = tl_calloc(p->ncomponents + 1, sizeof(tl_trace_line));
  }
  tl_result *r = evaluate(p, l, d, 0, 1, t);
  if (!r || !t->rows) {
    tl_result_free(r);
    tl_trace_free(t);
    return NULL;
  }
  tl_result_free(r);
  return t;
}

void tl_trace_free(tl_trace *t) {
  if (!t) return;
  for (int i = 0; i < t->n; i++) {
    for (uint32_t m = 0; m < t->nmeasures; m++) tl_free(t->periods[i].measure_errors[m]);
    tl_free(t->periods[i].measure_errors);
    tl_free(t->periods[i].measures);
    tl_free(t->periods[i].lines);
  }
  tl_free(t->periods);
  tl_free(t->rows);
  tl_vec_free(t->credits);
  tl_free(t);
}

void tl_result_free(tl_result *r) {
  if (!r) return;
  tl_free(r->payees);
  tl_free(r->units);
  tl_free(r->wide);
  tl_free(r);
}

void tl_result_block(const tl_result *r, size_t b, tl_result *view) {
  *view = *r;
  view->payees = r->payees + b;
  view->units = r->units + b * r->per_payee;
  view->nrows = r->per_payee;
  view->base = r->base + b * r->per_payee;
}

bool tl_result_payee(const tl_result *r, int32_t payee, tl_result *view) {
  for (size_t b = 0; b < tl_result_payees(r); b++)
    if (r->payees[b] == payee) {
      tl_result_block(r, b, view);
      return true;
    }
  return false;
}

const char *tl_eng_line_name(const tl_program *p, int line) {
  switch (line) {
    case TL_LINE_EARNED: return "earned";
    case TL_LINE_NET: return "net";
    case TL_LINE_BALANCE: return "balance";
    default: return p->components[line].name;
  }
}
