/*
** engine.h: evaluation of a compiled plan over a ledger (language.md,
** "Evaluation model"): crediting, measures and components as of each period,
** rounding, clawbacks, draws and balances.
**
** tl_eng_run returns every output row, ordered by payee id then period, lines
** in plan order then earned, net, balance; or NULL after reporting the first
** run-time error (division by zero, overflow, a cycle in the manager column).
** The result owns its rows, kept compactly (tl_result) and read through
** tl_result_row.
*/
#ifndef TL_RUNTIME_ENGINE_H
#define TL_RUNTIME_ENGINE_H

#include "lang/diag.h"
#include "runtime/chunk.h"
#include "runtime/arena.h"
#include "runtime/ledger.h"
#include "runtime/value.h"
#include "runtime/vm.h"

#include <stdint.h>

/* Line numbers >= 0 are components; the fixed lines follow them. */
#define TL_LINE_EARNED (-1)
#define TL_LINE_NET (-2)
#define TL_LINE_BALANCE (-3)

/* A decimal kept on 8-byte alignment: a row (a trace's, or one read back
** from a result) and a result's wide amount are then 24 bytes, not 32.  It
** is read and passed by value like a tl_dec; never take its address as a
** tl_dec *. */
typedef tl_dec tl_dec_a8 __attribute__((aligned(8)));

typedef struct tl_row {
  int32_t payee;          /* payees row */
  int16_t period;
  int16_t line;
  tl_dec_a8 amount;
} tl_row;
_Static_assert(sizeof(tl_row) == 24, "a payout row is 24 bytes");

/* The rows of a run, held compactly: a year of 10k payees is 545k rows, and
** a row written out (payee, period, line, 16-byte amount) was most of a
** 100k-deal run's memory.  Every eligible payee has the same rows, periods
** in order and lines_per_period lines in each, so only the payee of each
** block and the amounts are kept.  An amount is a count of the plan's
** units (10^-places, the places of its rounding): payouts are rounded to
** it, so nearly all fit in 32 bits.  One that does not (not a whole number
** of units, or too large) is TL_RESULT_WIDE in units and kept whole in
** wide, sorted by row.  Read rows with tl_result_row. */
#define TL_RESULT_WIDE INT32_MIN

typedef struct tl_wide {
  size_t i;                     /* row */
  tl_dec_a8 amount;
} tl_wide;

typedef struct tl_result {
  size_t nrows;
  int lines_per_period;         /* components + 3 */
  int nperiods;
  size_t per_payee;             /* nperiods * lines_per_period */
  int places;                   /* amounts count units of 10^-places */
  int32_t *payees;              /* [nrows / per_payee] payees row of each block */
  int32_t *units;               /* [nrows] */
  tl_wide *wide;
  size_t nwide;
  size_t base;                  /* row 0's index in wide (a view's offset) */
} tl_result;

/* The amount of row i, 0 <= i < r->nrows. */
static inline tl_dec tl_result_amount(const tl_result *r, size_t i) {
  int32_t u = r->units[i];
  if (u != TL_RESULT_WIDE) return tl_dec_from_raw((int64_t)u * tl_dec_raw_unit(r->places));  /* < 2^61 */
  size_t lo = 0, hi = r->nwide, at = r->base + i;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->wide[mid].i < at) lo = mid + 1;
    else hi = mid;
  }
  return r->wide[lo].amount;
}

/* The line number (a component, or TL_LINE_*) of line j of a period's rows,
** for a plan of nc components: the components in order, then earned, net
** and balance. */
static inline int tl_eng_line_at(int nc, int j) { return j < nc ? j : nc - j - 1; }

static inline int tl_result_line(const tl_result *r, int j) {
  return tl_eng_line_at(r->lines_per_period - 3, j);
}

/* Row i, 0 <= i < r->nrows. */
static inline tl_row tl_result_row(const tl_result *r, size_t i) {
  size_t in = i % r->per_payee;
  tl_row row;
  row.payee = r->payees[i / r->per_payee];
  row.period = (int16_t)(in / (size_t)r->lines_per_period);
  row.line = (int16_t)tl_result_line(r, (int)(in % (size_t)r->lines_per_period));
  row.amount = tl_result_amount(r, i);
  return row;
}

/* The number of payees with rows (blocks of r->per_payee rows). */
static inline size_t tl_result_payees(const tl_result *r) {
  return r->per_payee ? r->nrows / r->per_payee : 0;
}

/* The rows of block b, or of one payee (a payees row; false when it has no
** rows), as a result of their own that shares r's memory (not to be freed). */
void tl_result_block(const tl_result *r, size_t b, tl_result *view);
bool tl_result_payee(const tl_result *r, int32_t payee, tl_result *view);

/* ---- tracing: everything behind one payee's numbers (for explanations) -- */

typedef struct tl_trace_credit {
  int32_t deal;
  tl_date date;
  tl_dec share, amount;
  int16_t k, r;                /* close period; period its clawback is known (n: never) */
  bool direct;
} tl_trace_credit;

typedef struct tl_trace_line {   /* one component in one as-of period P */
  tl_dec value;                  /* the body's value: for P (period mode) or year to date */
  bool has_floor, has_cap_period, has_cap_year;
  tl_dec floor, cap_period, cap_year;
  tl_dec period_value;           /* period mode: P's value after clamps, rounded */
  tl_dec E, Eprev;               /* earned to date as of P and P-1, after reversals */
  tl_dec reversal;               /* change to E from reversals known by P */
  tl_dec payable;
  bool tier;                     /* the last tier table the body evaluated for P */
  int32_t tier_table;
  tl_dec tier_x, tier_q;
} tl_trace_line;

typedef struct tl_trace_period {
  tl_dec quota;
  int active_days;
  tl_value *measures;            /* [nmeasures] for P as of P */
  /* [nmeasures]: why a measure failed, or NULL.  The run computes a measure
  ** only when a line needs it, so one that fails here is one the payouts
  ** did without (a measure no component uses, say, dividing by a zero
  ** quota): the trace holds its error, and tl_trace_measure_error reports
  ** it, rather than failing where the run did not. */
  tl_vm_error **measure_errors;
  tl_trace_line *lines;          /* [ncomponents] */
  tl_dec earned, guarantee, balance_before, net, balance;
} tl_trace_period;

typedef struct tl_trace {
  int32_t payee;                 /* payees row */
  TL_VEC(tl_trace_credit) credits;
  int n;
  uint32_t nmeasures;
  tl_trace_period *periods;      /* [n] */
  tl_row *rows;                  /* the payee's output rows, as tl_eng_run gives them */
  size_t nrows;
} tl_trace;

tl_result *tl_eng_run(const tl_program *p, const tl_ledger *l, tl_diags *d);
/* The same with a step budget for each evaluation (0: the VM's default), and
** deals credited and payees evaluated on up to `threads` threads (results
** and messages are the same: see engine.c, "work in ranges"). */
tl_result *tl_eng_run_threads(const tl_program *p, const tl_ledger *l, tl_diags *d,
                              uint64_t max_steps, int threads);
/* Tests: the k-th worker thread the engine starts from now on (1: the next)
** fails to start, as pthread_create may; 0: none. */
void tl_eng_fail_start(int k);
/* Tests: the fewest deals and payees a thread is given (0: the defaults,
** 2^17 and 1024), so that small ledgers are cut into ranges too. */
void tl_eng_grain(uint32_t deals, uint32_t payees);
/* Tests: true runs every filter and every credit line's value in the VM's
** loop, none planned without it (tl_vm_tests_of, tl_vm_value_of), to
** compare the two; false, the default, plans them. */
void tl_eng_all_in_vm(bool on);
void tl_result_free(tl_result *r);
/* Run the plan for one payee (a payees row) and record why each number is
** what it is.  NULL after reporting when the run fails or the payee is not
** eligible. */
tl_trace *tl_eng_trace(const tl_program *p, const tl_ledger *l, tl_diags *d, int32_t payee);
/* Report measure m's failure in period P of trace t (measure_errors) into
** d, as a run that needed the measure would have. */
void tl_trace_measure_error(const tl_program *p, const tl_ledger *l, const tl_trace *t, int P,
                            uint32_t m, tl_diags *d);
void tl_trace_free(tl_trace *t);
/* The name of a line ("commission", "earned", ...). */
const char *tl_eng_line_name(const tl_program *p, int line);

#endif
