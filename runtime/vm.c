/*
** vm.c: the interpreter loop.
**
** Instructions are documented in opcodes.def and implemented here, each under
** its own label.  Under GCC and clang dispatch is a computed goto (one
** indirect jump per instruction, predicted per opcode); elsewhere a switch.
** Nothing here allocates per instruction: the stack is allocated once per VM.
** Errors leave through one exit (fail), which records the message and the
** span of the failing instruction.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/arena.h"
#include "runtime/vm.h"
#include "stdlib/builtins.h"

#define STACK_SIZE 4096
#define DEFAULT_STEP_LIMIT 100000000ULL
#define MAX_DEPTH 64

void tl_vm_init(tl_vm *vm, const tl_program *prog, const tl_ledger *ldg) {
  memset(vm, 0, sizeof *vm);
  vm->prog = prog;
  vm->ldg = ldg;
  vm->stack = tl_calloc(STACK_SIZE, sizeof *vm->stack);
  vm->sp = vm->stack;
  vm->sp_limit = vm->stack + STACK_SIZE;
  vm->step_limit = DEFAULT_STEP_LIMIT;
  vm->consts = tl_calloc(prog->nconsts ? prog->nconsts : 1, sizeof *vm->consts);
  for (uint32_t i = 0; i < prog->nconsts; i++) {
    vm->consts[i] = prog->consts[i].v;
    if (prog->consts[i].text) {
      /* A literal no cell holds gets an id of its own (the first constant
      ** with its text, high bit set): it equals equal literals and nothing
      ** in the ledger, and still orders by its text. */
      const char *text = prog->consts[i].text;
      uint32_t id = ldg ? tl_str_find(ldg->strs, text, strlen(text)) : UINT32_MAX;
      if (id == UINT32_MAX) {
        uint32_t first = i;
        for (uint32_t j = 0; j < i; j++)
          if (prog->consts[j].text && strcmp(prog->consts[j].text, text) == 0) { first = j; break; }
        id = TL_LITERAL_ID | first;
      }
      vm->consts[i] = tl_v_word(TL_V_STR, id);
    }
  }
  uint32_t nm = prog->nmeasures * (uint32_t)prog->cal.n;
  vm->memo = tl_calloc(nm ? nm : 1, sizeof *vm->memo);
  vm->memo_ok = tl_calloc(nm ? nm : 1, 1);
  size_t ny = ((size_t)prog->nmeasures + 1) * (size_t)prog->cal.n;
  vm->ytd = tl_calloc(ny, sizeof *vm->ytd);
  vm->ytd_ok = tl_calloc(ny, 1);
  vm->payee = vm->deal = -1;
}

void tl_vm_free(tl_vm *vm) {
  tl_free(vm->stack);
  tl_free(vm->consts);
  tl_free(vm->memo);
  tl_free(vm->memo_ok);
  tl_free(vm->ytd);
  tl_free(vm->ytd_ok);
}

void tl_vm_forget(tl_vm *vm) {
  memset(vm->memo_ok, 0, vm->prog->nmeasures * (size_t)vm->prog->cal.n);
  memset(vm->ytd_ok, 0, (vm->prog->nmeasures + 1) * (size_t)vm->prog->cal.n);
}

/* ---- helpers ------------------------------------------------------------- */

/* column, compare and equal are inlined into the loop: a credit line's
** filter (deal.product == "Widget") is mostly these, a million times. */
#define HOT static inline __attribute__((always_inline))

HOT tl_value column(const tl_vm *vm, const tl_table *t, int col, int32_t row) {
  if (row < 0) return tl_v_null();
  const tl_column *c = &t->cols[col];
  if (tl_col_null(c, (uint32_t)row)) return tl_v_null();
  switch (c->type) {
    case TL_COL_MONEY: case TL_COL_NUMBER: case TL_COL_PERCENT: return tl_v_dec(tl_col_dec(c, row));
    case TL_COL_DATE: {
      tl_date d = tl_col_date(c, (uint32_t)row);
      return d == TL_DATE_NONE ? tl_v_null() : tl_v_int(TL_V_DATE, d);
    }
    case TL_COL_BOOL: return tl_v_bool(c->v.b[row]);
    case TL_COL_PAYEE: return c->v.ref[row] < 0 ? tl_v_null() : tl_v_int(TL_V_PAYEE, c->v.ref[row]);
    case TL_COL_DEAL: return c->v.ref[row] < 0 ? tl_v_null() : tl_v_int(TL_V_DEAL, c->v.ref[row]);
    case TL_COL_TEXT: return tl_v_word(TL_V_STR, tl_col_str(c, (uint32_t)row));
  }
  (void)vm;
  return tl_v_null();
}

/* String id of a value that names something: text, or a payee's/deal's id. */
static uint32_t name_id(const tl_vm *vm, const tl_value *v) {
  if (v->kind == TL_V_STR) return v->u.s;
  const tl_table *t = &vm->ldg->t[v->kind == TL_V_PAYEE ? TL_TB_PAYEES : TL_TB_DEALS];
  return tl_col_str(&t->cols[0], (uint32_t)v->u.i);
}

static const char *text_of(const tl_vm *vm, uint32_t id) {
  if (id & TL_LITERAL_ID) return vm->prog->consts[id & ~TL_LITERAL_ID].text;
  return tl_str_get(vm->ldg->strs, id, NULL);
}

/* Three-way comparison of two non-empty values of compatible kinds. */
HOT int compare(const tl_vm *vm, const tl_value *a, const tl_value *b) {
  if (a->kind == TL_V_DEC) return tl_dec_cmp(a->u.d, b->u.d);
  if (a->kind == b->kind && a->kind != TL_V_STR) return (a->u.i > b->u.i) - (a->u.i < b->u.i);
  uint32_t x = name_id(vm, a), y = name_id(vm, b);
  return x == y ? 0 : strcmp(text_of(vm, x), text_of(vm, y));
}

HOT bool equal(const tl_vm *vm, const tl_value *a, const tl_value *b) {
  if (a->kind == TL_V_NULL || b->kind == TL_V_NULL) return false;
  if (a->kind == TL_V_DEC) return tl_dec_cmp(a->u.d, b->u.d) == 0;
  if (a->kind == b->kind && a->kind != TL_V_STR) return a->u.i == b->u.i;
  uint32_t x = name_id(vm, a), y = name_id(vm, b);
  if (x == y) return true;
  /* a deal id is a key, not interned: the same text may have another id */
  return (tl_str_is_key(x) || tl_str_is_key(y)) && strcmp(text_of(vm, x), text_of(vm, y)) == 0;
}

/* The table PCOL or DCOL (op) reads, and its row: the payee's or the
** deal's, or the credit line's in a filter. */
HOT const tl_table *source_table(const tl_vm *vm, tl_opcode op) {
  return &vm->ldg->t[op == TL_OP_PCOL ? TL_TB_PAYEES : TL_TB_DEALS];
}

HOT int32_t source_row(const tl_vm *vm, tl_opcode op) {
  if (op == TL_OP_PCOL) return vm->credit ? vm->credit->payee : vm->payee;
  return vm->credit ? vm->credit->deal : vm->deal;
}

/* The value PCOL, DCOL or CREDIT (op) with operand a pushes: a column of
** the current payee's or deal's row (the credit line's, in a filter), or a
** field of the credit line. */
HOT tl_value source(const tl_vm *vm, tl_opcode op, uint32_t a) {
  if (op == TL_OP_PCOL || op == TL_OP_DCOL) {
    int32_t row = source_row(vm, op);
    if (op == TL_OP_PCOL && a == TL_OPERAND_MAX) return tl_v_int(TL_V_PAYEE, row);
    if (op == TL_OP_DCOL && a == TL_DEALS_AMOUNT) return tl_v_dec(tl_ldg_amount(vm->ldg, row));
    return column(vm, source_table(vm, op), (int)a, row);
  }
  const tl_credit_line *c = vm->credit;
  switch ((tl_credit_field)a) {
    case TL_CF_AMOUNT: return tl_v_dec(c->amount);
    case TL_CF_SHARE: return tl_v_dec(c->share);
    case TL_CF_DATE: return tl_v_int(TL_V_DATE, c->date);
    case TL_CF_PAYEE: return tl_v_int(TL_V_PAYEE, c->payee);
    case TL_CF_DEAL: return tl_v_int(TL_V_DEAL, c->deal);
    case TL_CF_DIRECT: return tl_v_bool(c->direct);
  }
  return tl_v_null();
}

/* a test of a against b; empty values are in order with nothing */
#define ORDERED(a, b, test) ((a)->kind != TL_V_NULL && (b)->kind != TL_V_NULL && \
                             compare(vm, a, b) test 0)

/* The test op (EQK ... GEK, RANGEK) of x against the constant k (and k + 1,
** RANGEK's upper bound). */
HOT bool literal_test(const tl_vm *vm, tl_opcode op, const tl_value *x, uint32_t k) {
  const tl_value *c = &vm->consts[k];
  switch (op) {
    case TL_OP_EQK: return equal(vm, x, c);
    case TL_OP_NEK: return !equal(vm, x, c);
    case TL_OP_LTK: return ORDERED(x, c, <);
    case TL_OP_LEK: return ORDERED(x, c, <=);
    case TL_OP_GTK: return ORDERED(x, c, >);
    case TL_OP_GEK: return ORDERED(x, c, >=);
    default: return ORDERED(x, c, >=) && ORDERED(x, c + 1, <=);   /* RANGEK */
  }
}

/* Bound i in amounts: a fraction of the quota q becomes money, held to the
** plan's unit like all money, so a value exactly on a bound reaches it even
** when the quota itself is a repeating decimal (500,000 / 12 * 3). */
static tl_dec_status bound_at(const tl_program *p, const tl_tier_table *t, uint32_t i, tl_dec q,
                              tl_dec *out) {
  tl_dec_status rc;
  if (!t->over) {
    *out = t->bound[i];
    return TL_DEC_OK;
  }
  if ((rc = tl_dec_mul(t->bound[i], q, out))) return rc;
  return tl_dec_round(*out, p->unit, p->rounding, out);
}

/* Payout of a tier table for x (and quota q when the bounds are fractions). */
static tl_dec_status tier(const tl_program *p, const tl_tier_table *t, tl_dec x, tl_dec q,
                          tl_dec *out) {
  tl_dec_status rc = TL_DEC_OK;
  tl_dec acc = tl_dec_zero();
  tl_dec b[2];
  if (t->kind == 2) {   /* curve: piecewise linear, 0 below the first point, flat after */
    if (tl_dec_cmp(x, t->bound[0]) < 0) { *out = acc; return rc; }
    for (uint32_t i = 0; i + 1 < t->n; i++) {
      if (tl_dec_cmp(x, t->bound[i + 1]) >= 0) continue;
      tl_dec dx, df, dn, part;
      if ((rc = tl_dec_sub(x, t->bound[i], &dx)) || (rc = tl_dec_sub(t->rate[i + 1], t->rate[i], &df)) ||
          (rc = tl_dec_sub(t->bound[i + 1], t->bound[i], &dn)) || (rc = tl_dec_muldiv(dx, df, dn, &part)))
        return rc;
      return tl_dec_add(t->rate[i], part, out);
    }
    *out = t->rate[t->n - 1];
    return rc;
  }
  if (t->kind == 1) {   /* retro: the whole of x at the highest tier reached */
    tl_dec rate = tl_dec_zero();
    for (uint32_t i = 0; i < t->n; i++) {
      if ((rc = bound_at(p, t, i, q, &b[0]))) return rc;
      int c = tl_dec_cmp(x, b[0]);
      if (c > 0 || (c == 0 && !t->exclusive)) rate = t->rate[i];
      else break;
    }
    return tl_dec_mul(x, rate, out);
  }
  /* marginal: each band [b_i, b_i+1) of x at its own rate (a band's top is
  ** the next one's bottom: each bound is worked out once, and only when x
  ** is past the one below it) */
  if (t->n && (rc = bound_at(p, t, 0, q, &b[0]))) return rc;
  for (uint32_t i = 0; i < t->n; i++) {
    if (tl_dec_cmp(x, b[0]) <= 0) break;
    if (i + 1 < t->n && (rc = bound_at(p, t, i + 1, q, &b[1]))) return rc;
    tl_dec top = (i + 1 < t->n) ? tl_dec_min(x, b[1]) : x, width, part;
    if ((rc = tl_dec_sub(top, b[0], &width)) || (rc = tl_dec_mul(width, t->rate[i], &part)) ||
        (rc = tl_dec_add(acc, part, &acc)))
      return rc;
    b[0] = b[1];
  }
  *out = acc;
  return rc;
}

static tl_vm_status fail(tl_vm *vm, const tl_chunk *ch, const tl_instr *ip, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static tl_vm_status fail(tl_vm *vm, const tl_chunk *ch, const tl_instr *ip, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(vm->err.message, sizeof vm->err.message, fmt, ap);
  va_end(ap);
  if (strncmp(vm->err.message, "an empty value", 14) != 0) vm->err.hint = NULL;
  /* a RET has no place in the source of its own: the instruction before
  ** it computed what it returns */
  const tl_instr *at = ip;
  while (at > ch->code && ch->spans[at - ch->code].line == 0) at--;
  vm->err.span = ch->spans[at - ch->code];
  vm->err.what = ch->what;
  return TL_VM_ERROR;
}

static const char *dec_error(tl_dec_status rc) {
  return rc == TL_DEC_DIVZERO ? "division by zero" : rc == TL_DEC_OVERFLOW ? "arithmetic overflow"
                                                                           : tl_dec_status_str(rc);
}

/* ---- the loop ------------------------------------------------------------ */

static tl_vm_status run(tl_vm *vm, int32_t ci, tl_value *out);

static tl_vm_status run_measure(tl_vm *vm, uint32_t m, tl_value *out) {
  size_t at = (size_t)m * (size_t)vm->prog->cal.n + (size_t)vm->period;
  if (vm->memo_ok[at]) { *out = vm->memo[at]; return TL_VM_OK; }
  tl_vm_status st = run(vm, vm->prog->measures[m].body, out);
  if (st == TL_VM_OK) { vm->memo[at] = *out; vm->memo_ok[at] = 1; }
  return st;
}

static tl_vm_status run(tl_vm *vm, int32_t ci, tl_value *out) {
  const tl_chunk *ch = &vm->prog->chunks[ci];
  const tl_instr *ip = ch->code;
  tl_value *base = vm->sp, *sp = vm->sp;
  tl_dec_status rc;
  tl_instr in;
  if (sp + ch->max_stack + 1 > vm->sp_limit || vm->depth >= MAX_DEPTH)
    return fail(vm, ch, ip, "expression nested too deeply");
  vm->depth++;

#if defined(__GNUC__)
  static void *const labels[] = {
#define OP(name, operand, pops, pushes, doc) &&L_##name,
#include "opcodes.def"
#undef OP
  };
#define CASE(name) L_##name:
#define NEXT() do { \
    if (++vm->steps > vm->step_limit) { goto budget; } \
    in = *ip++; \
    goto *labels[TL_INSTR_OP(in)]; \
  } while (0)
  NEXT();
#else
#define CASE(name) case TL_OP_##name:
#define NEXT() goto next
next:
  if (++vm->steps > vm->step_limit) goto budget;
  in = *ip++;
  switch (TL_INSTR_OP(in)) {
#endif
#define A TL_INSTR_A(in)
#define ARITH(fn) do { \
    if (sp[-1].kind == TL_V_NULL || sp[-2].kind == TL_V_NULL) { goto null; } \
    if ((rc = fn(sp[-2].u.d, sp[-1].u.d, &sp[-2].u.d))) { goto arith; } \
    sp--; \
    NEXT(); \
  } while (0)

  CASE(CONST) *sp++ = vm->consts[A]; NEXT();
  CASE(PCOL) *sp++ = source(vm, TL_OP_PCOL, A); NEXT();
  CASE(DCOL) *sp++ = source(vm, TL_OP_DCOL, A); NEXT();
  CASE(CREDIT) *sp++ = source(vm, TL_OP_CREDIT, A); NEXT();
  CASE(AGG) *sp++ = tl_v_dec(vm->agg[A * (uint32_t)vm->prog->cal.n + (uint32_t)vm->period]); NEXT();
  CASE(MEASURE) {
    vm->sp = sp;
    if (run_measure(vm, A, sp) != TL_VM_OK) goto nested;
    sp++;
    NEXT();
  }
  CASE(QUOTA) *sp++ = tl_v_dec(vm->quota[vm->period]); NEXT();
  CASE(YTD) {
    int saved = vm->period;
    tl_dec acc = tl_dec_zero();
    /* ytd(a measure) and ytd(quota), the usual ones, read each period's
    ** value without a nested run, when that run could not have failed on
    ** depth, stack or steps (its two steps are counted all the same) */
    const tl_chunk *ych = &vm->prog->chunks[A];
    int op = ych->n == 2 && TL_INSTR_OP(ych->code[1]) == TL_OP_RET ? (int)TL_INSTR_OP(ych->code[0]) : -1;
    bool direct = (op == TL_OP_MEASURE || op == TL_OP_QUOTA) && vm->depth + 1 < MAX_DEPTH
                  && sp + ych->max_stack + 1 <= vm->sp_limit;
    vm->sp = sp;
    /* and a sum up to an earlier period stays known with the values under
    ** it (tl_vm_forget): it is taken whole, its steps counted all the same */
    uint32_t ys = op == TL_OP_QUOTA ? vm->prog->nmeasures
                  : direct ? TL_INSTR_A(ych->code[0]) : 0;
    size_t y0 = (size_t)ys * (size_t)vm->prog->cal.n;
    int j = 0;
    if (direct) {
      int k = saved;
      while (k >= 0 && !vm->ytd_ok[y0 + (size_t)k]) k--;
      if (k >= 0 && vm->steps + 2 * (uint64_t)(k + 1) <= vm->step_limit) {
        vm->steps += 2 * (uint64_t)(k + 1);
        acc = vm->ytd[y0 + (size_t)k];
        j = k + 1;
      }
    }
    for (; j <= saved; j++) {
      tl_value v;
      vm->period = j;
      if (direct && vm->steps + 2 <= vm->step_limit) {
        vm->steps += 2;
        if (op == TL_OP_QUOTA) v = tl_v_dec(vm->quota[j]);
        else if (run_measure(vm, TL_INSTR_A(ych->code[0]), &v) != TL_VM_OK) {
          vm->period = saved;
          goto nested;
        }
      } else if (run(vm, (int32_t)A, &v) != TL_VM_OK) {
        vm->period = saved;
        goto nested;
      }
      if ((rc = tl_dec_add(acc, v.u.d, &acc))) { vm->period = saved; goto arith; }
      if (direct) {
        vm->ytd[y0 + (size_t)j] = acc;
        vm->ytd_ok[y0 + (size_t)j] = 1;
      }
    }
    vm->period = saved;
    *sp++ = tl_v_dec(acc);
    NEXT();
  }
  CASE(ADD) ARITH(tl_dec_add);
  CASE(SUB) ARITH(tl_dec_sub);
  CASE(MUL) ARITH(tl_dec_mul);
  CASE(DIV) ARITH(tl_dec_div);
  CASE(RATIO) {
    if (tl_dec_is_zero(sp[-1].u.d)) { sp--; sp[-1] = tl_v_dec(tl_dec_zero()); NEXT(); }
    ARITH(tl_dec_div);
  }
  CASE(NEG) {
    if (sp[-1].kind == TL_V_NULL) goto null;
    if ((rc = tl_dec_neg(sp[-1].u.d, &sp[-1].u.d))) goto arith;
    NEXT();
  }
  CASE(DATEADD) {
    int64_t n;
    if (sp[-1].kind == TL_V_NULL || sp[-2].kind == TL_V_NULL) goto null;
    if (!tl_dec_to_int(sp[-1].u.d, &n) || n > 3650000 || n < -3650000) { rc = TL_DEC_OVERFLOW; goto arith; }
    sp[-2].u.i += (int32_t)n;
    sp--;
    NEXT();
  }
  CASE(DATESUB) {
    if (sp[-1].kind == TL_V_NULL || sp[-2].kind == TL_V_NULL) goto null;
    sp[-2] = tl_v_dec(tl_dec_from_int((int64_t)sp[-2].u.i - sp[-1].u.i));
    sp--;
    NEXT();
  }
  CASE(EQ) sp[-2] = tl_v_bool(equal(vm, &sp[-2], &sp[-1])); sp--; NEXT();
  CASE(NE) sp[-2] = tl_v_bool(!equal(vm, &sp[-2], &sp[-1])); sp--; NEXT();
#define ORDER(test) do { sp[-2] = tl_v_bool(ORDERED(&sp[-2], &sp[-1], test)); sp--; NEXT(); } while (0)
  CASE(LT) ORDER(<);
  CASE(LE) ORDER(<=);
  CASE(GT) ORDER(>);
  CASE(GE) ORDER(>=);
  /* the same tests with a literal on the right, read in place */
#define TESTK(op) do { sp[-1] = tl_v_bool(literal_test(vm, op, &sp[-1], A)); NEXT(); } while (0)
  CASE(EQK) TESTK(TL_OP_EQK);
  CASE(NEK) TESTK(TL_OP_NEK);
  CASE(LTK) TESTK(TL_OP_LTK);
  CASE(LEK) TESTK(TL_OP_LEK);
  CASE(GTK) TESTK(TL_OP_GTK);
  CASE(GEK) TESTK(TL_OP_GEK);
  CASE(NOT) sp[-1] = tl_v_bool(!sp[-1].u.i); NEXT();
  CASE(JUMPF) {
    sp--;
    if (!sp->u.i) ip += A;
    NEXT();
  }
  CASE(JUMPFK) {
    if (!sp[-1].u.i) ip += A;
    else sp--;
    NEXT();
  }
  CASE(JUMPTK) {
    if (sp[-1].u.i) ip += A;
    else sp--;
    NEXT();
  }
  CASE(JUMP) ip += A; NEXT();
  CASE(RANGE) {
    bool r = ORDERED(&sp[-3], &sp[-2], >=) && ORDERED(&sp[-3], &sp[-1], <=);
    sp -= 2;
    sp[-1] = tl_v_bool(r);
    NEXT();
  }
  CASE(RANGEK) TESTK(TL_OP_RANGEK);
  CASE(INLIST) {
    bool r = false;
    tl_value *x = sp - A - 1;
    for (uint32_t i = 0; i < A; i++)
      if (equal(vm, x, &x[1 + i])) r = true;
    sp = x + 1;
    *x = tl_v_bool(r);
    NEXT();
  }
  CASE(TIER) {
    const tl_tier_table *t = &vm->prog->tiers[A];
    tl_dec q = tl_dec_zero();
    if (sp[-1].kind == TL_V_NULL || (t->over && sp[-2].kind == TL_V_NULL)) goto null;
    if (t->over) q = (--sp)->u.d;
    if (vm->on_tier) vm->on_tier(vm->on_tier_ctx, A, sp[-1].u.d, q);
    if ((rc = tier(vm->prog, t, sp[-1].u.d, q, &sp[-1].u.d))) goto arith;
    NEXT();
  }
  CASE(CALL) {
    int n = (int)(A >> 8), id = (int)(A & 0xff);
    tl_value r;
    if (id != TL_BI_default)
      for (int i = 1; i <= n; i++)
        if (sp[-i].kind == TL_V_NULL) goto null;
    if (id == TL_BI_round && tl_dec_cmp(sp[-1].u.d, tl_dec_zero()) <= 0) {
      vm->sp = base;
      vm->depth--;
      return fail(vm, ch, ip - 1, "round needs a positive unit");
    }
    if ((rc = tl_builtin_call(id, sp - n, n, &r))) goto arith;
    sp -= n;
    *sp++ = r;
    NEXT();
  }
  CASE(ISSET) sp[-1] = tl_v_bool(sp[-1].kind != TL_V_NULL); NEXT();
  CASE(RET) {
    /* in halves: the value was just stored 8 bytes at a time, and one
    ** 16-byte load of it (what a plain copy compiles to) waits for both
    ** stores to retire; the volatile keeps the compiler from merging */
    const volatile uint64_t *half = (const volatile uint64_t *)&sp[-1].u.d;
    uint64_t lo = half[0], hi = half[1];
    memcpy(&out->u.d, &lo, 8);
    memcpy((char *)&out->u.d + 8, &hi, 8);
    out->kind = sp[-1].kind;
    vm->sp = base;
    vm->depth--;
    return TL_VM_OK;
  }
#if !defined(__GNUC__)
    case TL_OP__COUNT: break;
  }
#endif

arith:
  vm->sp = base;
  vm->depth--;
  return fail(vm, ch, ip - 1, "%s", dec_error(rc));
null:
  vm->sp = base;
  vm->depth--;
  vm->err.hint = "use default(x, 0) for optional columns";
  return fail(vm, ch, ip - 1, "an empty value in arithmetic");
budget:
  vm->sp = base;
  vm->depth--;
  return fail(vm, ch, ip, "the step budget of %llu instructions is exhausted",
              (unsigned long long)vm->step_limit);
nested:
  vm->sp = base;
  vm->depth--;
  return TL_VM_ERROR;
}

tl_vm_status tl_vm_run(tl_vm *vm, int32_t chunk, tl_value *out) {
  vm->steps = 0;
  vm->sp = vm->stack;
  vm->depth = 0;
  return run(vm, chunk, out);
}

/* ---- filters and values without the loop (vm.h) -------------------------- */

/* Whether a run of ch could not stop for the step budget or the stack: what
** run checks on entry, for every instruction of it. */
static bool runs_whole(const tl_vm *vm, const tl_chunk *ch) {
  return ch->n <= vm->step_limit && vm->stack + ch->max_stack + 1 <= vm->sp_limit;
}

enum { HOW_ANY, HOW_TEXT_EQ, HOW_CREDIT_DATE_IN };

/* A text column whose cells are interned (a key column's are not, and its
** equality compares text), against a text literal that is not a key: equal
** exactly when the ids are. */
static bool text_column(const tl_vm *vm, uint8_t src, uint32_t a) {
  if (src == TL_OP_CREDIT || a == TL_OPERAND_MAX || (src == TL_OP_DCOL && a == TL_DEALS_AMOUNT))
    return false;
  const tl_table *t = source_table(vm, src);
  return a < (uint32_t)t->ncols && t->cols[a].type == TL_COL_TEXT && t->cols[a].v.str;
}

static uint8_t how_of(const tl_vm *vm, const tl_vm_test *t) {
  if (!vm->ldg) return HOW_ANY;
  const tl_value *k = &vm->consts[t->k];
  if ((t->op == TL_OP_EQK || t->op == TL_OP_NEK) && k->kind == TL_V_STR && !tl_str_is_key(k->u.s)
      && text_column(vm, t->src, t->a))
    return HOW_TEXT_EQ;
  /* a credit line's date is never empty */
  if (t->op == TL_OP_RANGEK && k[0].kind == TL_V_DATE && k[1].kind == TL_V_DATE
      && t->src == TL_OP_CREDIT && t->a == TL_CF_DATE)
    return HOW_CREDIT_DATE_IN;
  return HOW_ANY;
}

/* The chunk must be tests joined by JUMPFK (an `and`, whichever way it
** nests: each JUMPFK goes to a later JUMPFK, or to the closing RET, so the
** first false test is the value), and run whole. */
bool tl_vm_tests_of(const tl_vm *vm, int32_t chunk, tl_vm_tests *out) {
  const tl_chunk *ch = &vm->prog->chunks[chunk];
  out->n = 0;
  if (ch->n < 3 || !runs_whole(vm, ch)) return false;
  uint32_t n = 0;
  for (uint32_t i = 0;;) {
    tl_opcode src = TL_INSTR_OP(ch->code[i]), op = TL_INSTR_OP(ch->code[i + 1]);
    if ((src != TL_OP_PCOL && src != TL_OP_DCOL && src != TL_OP_CREDIT)
        || (op != TL_OP_RANGEK && (op < TL_OP_EQK || op > TL_OP_GEK)) || n == TL_VM_TESTS)
      return false;
    tl_vm_test *t = &out->t[n++];
    *t = (tl_vm_test){ (uint8_t)src, (uint8_t)op, HOW_ANY, TL_INSTR_A(ch->code[i]),
                       TL_INSTR_A(ch->code[i + 1]) };
    t->how = how_of(vm, t);
    i += 2;
    if (i >= ch->n) return false;
    if (TL_INSTR_OP(ch->code[i]) == TL_OP_RET) {
      if (i + 1 != ch->n) return false;
      break;
    }
    if (TL_INSTR_OP(ch->code[i]) != TL_OP_JUMPFK) return false;
    uint32_t to = i + 1 + TL_INSTR_A(ch->code[i]);
    if (to >= ch->n || to <= i
        || (TL_INSTR_OP(ch->code[to]) != TL_OP_JUMPFK
            && !(TL_INSTR_OP(ch->code[to]) == TL_OP_RET && to + 1 == ch->n)))
      return false;
    if (++i + 2 > ch->n) return false;
  }
  out->n = n;
  return true;
}

/* Any test, as the loop runs it; out of line, so the typed cases below need
** none of the registers it does. */
static __attribute__((noinline)) bool any_test(const tl_vm *vm, const tl_vm_test *t) {
  tl_value v = source(vm, t->src, t->a);
  return literal_test(vm, t->op, &v, t->k);
}

bool tl_vm_run_tests(const tl_vm *vm, const tl_vm_tests *ts) {
  for (uint32_t i = 0; i < ts->n; i++) {
    const tl_vm_test *t = &ts->t[i];
    bool r;
    if (t->how == HOW_TEXT_EQ) {
      /* column's and equal's cases for such a column and literal */
      int32_t row = source_row(vm, t->src);
      const tl_column *c = &source_table(vm, t->src)->cols[t->a];
      uint32_t x;
      if (row < 0 || tl_col_null(c, (uint32_t)row)) r = false;
      else if ((x = tl_col_str(c, (uint32_t)row)) == vm->consts[t->k].u.s) r = true;
      else if (tl_str_is_key(x)) r = any_test(vm, t) != (t->op == TL_OP_NEK);
      else r = false;
      if (t->op == TL_OP_NEK) r = !r;
    } else if (t->how == HOW_CREDIT_DATE_IN) {
      tl_date d = vm->credit->date;
      r = vm->consts[t->k].u.i <= d && d <= vm->consts[t->k + 1].u.i;
    } else {
      r = any_test(vm, t);
    }
    if (!r) return false;
  }
  return true;
}

static bool line_field(tl_instr in) {
  return TL_INSTR_OP(in) == TL_OP_CREDIT
         && (TL_INSTR_A(in) == TL_CF_AMOUNT || TL_INSTR_A(in) == TL_CF_SHARE);
}

/* CREDIT f, RET, or CONST k, CREDIT f, MUL, RET, or CREDIT f, CONST k, MUL,
** RET, f the amount or the share, k a number, run whole. */
bool tl_vm_value_of(const tl_vm *vm, int32_t chunk, tl_vm_value *out) {
  const tl_chunk *ch = &vm->prog->chunks[chunk];
  const tl_instr *c = ch->code;
  out->how = TL_VM_VALUE_CHUNK;
  if (!runs_whole(vm, ch)) return false;
  if (ch->n == 2 && line_field(c[0]) && TL_INSTR_OP(c[1]) == TL_OP_RET) {
    out->how = TL_VM_VALUE_FIELD;
    out->field = (uint8_t)TL_INSTR_A(c[0]);
    return true;
  }
  if (ch->n != 4 || TL_INSTR_OP(c[2]) != TL_OP_MUL || TL_INSTR_OP(c[3]) != TL_OP_RET) return false;
  int kc = TL_INSTR_OP(c[0]) == TL_OP_CONST ? 0 : 1;
  if (TL_INSTR_OP(c[kc]) != TL_OP_CONST || !line_field(c[1 - kc])) return false;
  const tl_value *k = &vm->consts[TL_INSTR_A(c[kc])];
  if (k->kind != TL_V_DEC) return false;
  out->how = kc == 0 ? TL_VM_VALUE_K_TIMES : TL_VM_VALUE_TIMES_K;
  out->field = (uint8_t)TL_INSTR_A(c[1 - kc]);
  out->k = k->u.d;
  return true;
}
