/*
** vm.h: the bytecode interpreter.
**
** A tl_vm runs chunks of one program against one ledger.  It holds the value
** stack (shared by nested runs: a measure evaluated inside a ytd inside a
** component), the run-time constants (text literals interned into the
** ledger's string table) and the evaluation context the engine sets before
** each run: which payee, deal, credit line, period and as-of period.
**
** Period state: the engine supplies, per payee and as-of period, the
** aggregate totals and quotas; the VM computes measures on demand and
** remembers them until the engine moves to another payee or as-of period
** (tl_vm_forget).  The VM stops at its first error and records it in vm->err
** with the source span of the failing instruction.
*/
#ifndef TL_RUNTIME_VM_H
#define TL_RUNTIME_VM_H

#include "runtime/chunk.h"
#include "runtime/ledger.h"
#include "runtime/value.h"

typedef struct tl_credit_line {
  int32_t deal, payee;
  tl_dec share, amount;     /* amount: plan currency, times share */
  tl_date date;
  bool direct;              /* false for a manager's rollup line */
} tl_credit_line;

/* Text literals that no ledger cell holds have string ids with this bit. */
#define TL_LITERAL_ID 0x80000000u

typedef enum tl_vm_status { TL_VM_OK = 0, TL_VM_ERROR } tl_vm_status;

typedef struct tl_vm_error {
  char message[256];
  tl_span32 span;
  const char *what;         /* the chunk's description */
  const char *hint;         /* how to fix it, or NULL */
} tl_vm_error;

typedef struct tl_vm {
  const tl_program *prog;
  const tl_ledger *ldg;
  tl_value *consts;
  tl_value *stack, *sp_limit;
  tl_value *sp;
  uint64_t steps, step_limit;   /* per top-level run */

  /* context */
  int32_t payee, deal;
  const tl_credit_line *credit;
  int period, asof;
  const tl_dec *agg;        /* [slot * cal.n + period] for the current as-of */
  const tl_dec *quota;      /* [period] */
  tl_value *memo;           /* [measure * cal.n + period] */
  uint8_t *memo_ok;
  tl_dec *ytd;              /* [(measure, or nmeasures: quota) * cal.n + period]: ytd sums */
  uint8_t *ytd_ok;
  int depth;

  /* Called for every tier table evaluated (explanations); NULL: none. */
  void (*on_tier)(void *ctx, uint32_t table, tl_dec x, tl_dec q);
  void *on_tier_ctx;

  tl_vm_error err;
} tl_vm;

void tl_vm_init(tl_vm *vm, const tl_program *prog, const tl_ledger *ldg);
void tl_vm_free(tl_vm *vm);
/* Forget remembered measures and their ytd sums (the sums under them, the
** payee or its quotas changed). */
void tl_vm_forget(tl_vm *vm);
tl_vm_status tl_vm_run(tl_vm *vm, int32_t chunk, tl_value *out);

/* Filters without the loop.  Nearly every filter is an `and` of tests of a
** column or a credit field against literals (deal.product == "Widget" and
** credit.date in 2026-04-01 to 2026-09-30), run once per credit line, where
** the loop's entry, dispatch and stack were most of its cost.
** tl_vm_tests_of plans such a chunk as its tests, or returns false for any
** other; tl_vm_run_tests then gives whether tl_vm_run would return true,
** reading the same context.  Such a chunk cannot fail: its tests never do,
** and it is planned only when the step budget covers every instruction. */
enum { TL_VM_TESTS = 4 };

typedef struct tl_vm_test {
  uint8_t src;              /* TL_OP_PCOL, TL_OP_DCOL, TL_OP_CREDIT */
  uint8_t op;               /* TL_OP_EQK ... TL_OP_GEK, TL_OP_RANGEK */
  uint8_t how;              /* vm.c: the general test, or a typed one */
  uint32_t a, k;            /* the source's operand, the constant */
} tl_vm_test;

typedef struct tl_vm_tests {
  uint32_t n;               /* 0: not planned, run the chunk */
  tl_vm_test t[TL_VM_TESTS];
} tl_vm_tests;

bool tl_vm_tests_of(const tl_vm *vm, int32_t chunk, tl_vm_tests *out);
bool tl_vm_run_tests(const tl_vm *vm, const tl_vm_tests *t);

/* Values without the loop.  A credit line's value in a sum is nearly always
** the line's amount or share, or a number times either ("250 per credit" is
** 250 times credit.share).  tl_vm_value_of plans such a chunk, or returns
** false (how TL_VM_VALUE_CHUNK) for any other; tl_vm_run_value then gives
** the value tl_vm_run would, for the credit line in the context, or false
** when the product overflows, which tl_vm_run then reports. */
enum { TL_VM_VALUE_CHUNK, TL_VM_VALUE_FIELD, TL_VM_VALUE_K_TIMES, TL_VM_VALUE_TIMES_K };

typedef struct tl_vm_value {
  uint8_t how;              /* TL_VM_VALUE_*: CHUNK, not planned, runs the chunk */
  uint8_t field;            /* TL_CF_AMOUNT or TL_CF_SHARE */
  tl_dec k;                 /* the number, K_TIMES and TIMES_K */
} tl_vm_value;

bool tl_vm_value_of(const tl_vm *vm, int32_t chunk, tl_vm_value *out);

/* Inline, as it runs for every credit line and sum (a call was 2% of a
** run): the field as CREDIT pushes it, times the number as MUL multiplies,
** the value pushed first on the left. */
static inline bool tl_vm_run_value(const tl_vm *vm, const tl_vm_value *v, tl_dec *out) {
  tl_dec f = v->field == TL_CF_AMOUNT ? vm->credit->amount : vm->credit->share;
  switch (v->how) {
    case TL_VM_VALUE_FIELD: *out = f; return true;
    case TL_VM_VALUE_K_TIMES: return tl_dec_mul(v->k, f, out) == TL_DEC_OK;
    case TL_VM_VALUE_TIMES_K: return tl_dec_mul(f, v->k, out) == TL_DEC_OK;
  }
  return false;
}

#endif
