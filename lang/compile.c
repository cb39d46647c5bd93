/*
** compile.c: checked AST -> tl_program.
**
** Every expression becomes a chunk of straight-line code with forward jumps
** only.  Aggregates (sum, count, per-credit components) are lifted out of the
** expressions that use them: their filter and value become credit-context
** chunks that the engine runs once per credit line, and the expression itself
** reads the finished total with AGG.  That is what lets the engine cost
** O(credit lines) however many periods are recalculated.
*/
#include <string.h>

#include "lang/front.h"
#include "stdlib/builtins.h"

typedef struct compiler {
  const tl_checked *c;
  tl_program *p;
  TL_VEC(tl_chunk) chunks;
  TL_VEC(tl_const) consts;
  TL_VEC(tl_tier_table) tiers;
  TL_VEC(tl_aggregate) aggs;
} compiler;

typedef struct builder {
  TL_VEC(tl_instr) code;
  TL_VEC(tl_span32) spans;
  int depth, max;
  tl_ctx ctx;
} builder;

static uint32_t emit(builder *b, tl_opcode op, uint32_t a, int pops, int pushes, tl_span s) {
  tl_vec_push(b->code, TL_INSTR(op, a));
  tl_span32 sp = { s.line, s.col, s.end_line, s.end_col };
  tl_vec_push(b->spans, sp);
  b->depth += pushes - pops;
  if (b->depth > b->max) b->max = b->depth;
  return (uint32_t)(b->code.n - 1);
}

/* Point the forward jump at index at to the next instruction. */
static void patch(builder *b, uint32_t at) {
  uint32_t off = (uint32_t)b->code.n - at - 1;
  b->code.v[at] = TL_INSTR(TL_INSTR_OP(b->code.v[at]), off);
}

static uint32_t add_const(compiler *C, tl_value v, const char *text) {
  tl_const k = { v, text ? tl_strdup(text) : NULL };
  tl_vec_push(C->consts, k);
  return (uint32_t)(C->consts.n - 1);
}

static int measure_index(const tl_checked *c, const char *name) {
  for (size_t i = 0; i < c->measures.n; i++)
    if (strcmp(c->measures.v[i]->name, name) == 0) return (int)i;
  return -1;
}

static void expr(compiler *C, builder *b, tl_expr *e);
static int32_t chunk(compiler *C, tl_expr *e, tl_ctx ctx, const char *what);

static int32_t finish_chunk(compiler *C, builder *b, const char *what) {
  tl_span end = { 0, 0, 0, 0 };
  emit(b, TL_OP_RET, 0, 1, 0, end);
  tl_chunk ch = { b->code.v, b->spans.v, (uint32_t)b->code.n, (uint32_t)b->max, b->ctx,
                  tl_strdup(what) };
  tl_vec_push(C->chunks, ch);
  return (int32_t)(C->chunks.n - 1);
}

static int32_t chunk(compiler *C, tl_expr *e, tl_ctx ctx, const char *what) {
  builder b = { { 0 }, { 0 }, 0, 0, ctx };
  expr(C, &b, e);
  return finish_chunk(C, &b, what);
}

static int32_t const_chunk(compiler *C, tl_dec v, tl_ctx ctx, const char *what) {
  builder b = { { 0 }, { 0 }, 0, 0, ctx };
  tl_span s = { 0, 0, 0, 0 };
  emit(&b, TL_OP_CONST, add_const(C, tl_v_dec(v), NULL), 0, 1, s);
  return finish_chunk(C, &b, what);
}

static uint32_t add_agg(compiler *C, int32_t filter, int32_t value) {
  tl_aggregate a = { filter, value };
  tl_vec_push(C->aggs, a);
  return (uint32_t)(C->aggs.n - 1);
}

static void call(compiler *C, builder *b, tl_expr *e) {
  const char *n = e->u.call.name;
  if (strcmp(n, "ytd") == 0) {
    int32_t sub = chunk(C, e->u.call.args, TL_CTX_PERIOD, "ytd(...)");
    emit(b, TL_OP_YTD, (uint32_t)sub, 0, 1, e->span);
    return;
  }
  if (strcmp(n, "sum") == 0 || strcmp(n, "count") == 0) {
    int32_t filter = e->u.call.where ? chunk(C, e->u.call.where, TL_CTX_CREDIT, "a sum/count filter") : -1;
    int32_t value = n[0] == 'c' ? const_chunk(C, tl_dec_from_int(1), TL_CTX_CREDIT, "count")
                                : chunk(C, e->u.call.args, TL_CTX_CREDIT, "a sum");
    emit(b, TL_OP_AGG, add_agg(C, filter, value), 0, 1, e->span);
    return;
  }
  for (tl_expr *a = e->u.call.args; a; a = a->next) expr(C, b, a);
  int nargs = e->u.call.nargs;
  emit(b, TL_OP_CALL, (uint32_t)e->u.call.slot | (uint32_t)nargs << 8, nargs, 1, e->span);
}

static void tier(compiler *C, builder *b, tl_expr *e) {
  tl_tier_table t = { (uint8_t)e->u.tier.kind, e->u.tier.over != NULL, e->u.tier.exclusive,
                      (uint32_t)e->u.tier.nrows, NULL, NULL };
  t.bound = tl_calloc(t.n, sizeof *t.bound);
  t.rate = tl_calloc(t.n, sizeof *t.rate);
  uint32_t i = 0;
  for (tl_tier_row *r = e->u.tier.rows; r; r = r->next, i++) {
    t.bound[i] = r->bound;
    t.rate[i] = r->rate;
  }
  tl_vec_push(C->tiers, t);
  expr(C, b, e->u.tier.x);
  if (e->u.tier.over) expr(C, b, e->u.tier.over);
  emit(b, TL_OP_TIER, (uint32_t)(C->tiers.n - 1), t.over ? 2 : 1, 1, e->span);
}

static tl_opcode binop(tl_op op) {
  switch (op) {
    case TL_AOP_ADD: return TL_OP_ADD;
    case TL_AOP_SUB: return TL_OP_SUB;
    case TL_AOP_MUL: return TL_OP_MUL;
    case TL_AOP_DIV: return TL_OP_DIV;
    case TL_AOP_EQ: return TL_OP_EQ;
    case TL_AOP_NE: return TL_OP_NE;
    case TL_AOP_LT: return TL_OP_LT;
    case TL_AOP_LE: return TL_OP_LE;
    case TL_AOP_GT: return TL_OP_GT;
    default: break;
  }
  return TL_OP_GE;
}

static bool is_literal(const tl_expr *e) {
  return e->kind == TL_E_NUM || e->kind == TL_E_STR || e->kind == TL_E_DATE || e->kind == TL_E_BOOL;
}

/* The constant of a literal (is_literal). */
static uint32_t literal(compiler *C, const tl_expr *e) {
  switch (e->kind) {
    case TL_E_NUM: return add_const(C, tl_v_dec(e->u.num.v), NULL);
    case TL_E_STR: return add_const(C, tl_v_int(TL_V_STR, 0), e->u.str);
    case TL_E_DATE: return add_const(C, tl_v_int(TL_V_DATE, e->u.date), NULL);
    default: return add_const(C, tl_v_bool(e->u.b), NULL);
  }
}

/* A comparison's test of its left side against a literal on its right
** (EQK ... GEK), or -1.  Filters are mostly such tests, run once per credit
** line: reading the constant in place saves an instruction and a push, as
** Lua's EQK and LTI do. */
static int literal_test(tl_op op) {
  switch (op) {
    case TL_AOP_EQ: return TL_OP_EQK;
    case TL_AOP_NE: return TL_OP_NEK;
    case TL_AOP_LT: return TL_OP_LTK;
    case TL_AOP_LE: return TL_OP_LEK;
    case TL_AOP_GT: return TL_OP_GTK;
    case TL_AOP_GE: return TL_OP_GEK;
    default: return -1;
  }
}

static void expr(compiler *C, builder *b, tl_expr *e) {
  switch (e->kind) {
    case TL_E_NUM: case TL_E_STR: case TL_E_DATE: case TL_E_BOOL:
      emit(b, TL_OP_CONST, literal(C, e), 0, 1, e->span);
      break;
    case TL_E_NAME:
      switch (e->u.name.ref) {
        case TL_REF_MEASURE:
          emit(b, TL_OP_MEASURE, (uint32_t)measure_index(C->c, e->u.name.name), 0, 1, e->span);
          break;
        case TL_REF_QUOTA: emit(b, TL_OP_QUOTA, 0, 0, 1, e->span); break;
        case TL_REF_COLUMN:
          emit(b, b->ctx == TL_CTX_DEAL ? TL_OP_DCOL : TL_OP_PCOL, (uint32_t)e->u.name.slot, 0, 1,
               e->span);
          break;
        case TL_REF_PARAM:
          if (b->ctx == TL_CTX_CREDIT) emit(b, TL_OP_CREDIT, TL_CF_PAYEE, 0, 1, e->span);
          else emit(b, TL_OP_PCOL, TL_OPERAND_MAX, 0, 1, e->span);
          break;
        default: break;
      }
      break;
    case TL_E_FIELD:
      switch (e->u.field.obj) {
        case TL_OBJ_PAYEE: emit(b, TL_OP_PCOL, (uint32_t)e->u.field.col, 0, 1, e->span); break;
        case TL_OBJ_DEAL: emit(b, TL_OP_DCOL, (uint32_t)e->u.field.col, 0, 1, e->span); break;
        case TL_OBJ_CREDIT: emit(b, TL_OP_CREDIT, (uint32_t)e->u.field.col, 0, 1, e->span); break;
      }
      break;
    case TL_E_CREDIT:
      emit(b, TL_OP_CONST, add_const(C, tl_v_bool(true), NULL), 0, 1, e->span);
      break;
    case TL_E_CALL: call(C, b, e); break;
    case TL_E_UNARY:
      expr(C, b, e->u.unary.x);
      emit(b, e->u.unary.op == TL_AOP_NOT ? TL_OP_NOT : TL_OP_NEG, 0, 1, 1, e->span);
      break;
    case TL_E_BINARY: {
      tl_op op = e->u.binary.op;
      expr(C, b, e->u.binary.l);
      if (op == TL_AOP_AND || op == TL_AOP_OR) {
        uint32_t j = emit(b, op == TL_AOP_AND ? TL_OP_JUMPFK : TL_OP_JUMPTK, 0, 1, 0, e->span);
        expr(C, b, e->u.binary.r);
        patch(b, j);
        break;
      }
      if (literal_test(op) >= 0 && is_literal(e->u.binary.r)) {
        emit(b, (tl_opcode)literal_test(op), literal(C, e->u.binary.r), 1, 1, e->span);
        break;
      }
      expr(C, b, e->u.binary.r);
      tl_type lt = e->u.binary.l->type, rt = e->u.binary.r->type;
      tl_opcode o = binop(op);
      if (lt == TL_TY_DATE && rt != TL_TY_DATE && (op == TL_AOP_ADD || op == TL_AOP_SUB)) {
        if (op == TL_AOP_SUB) emit(b, TL_OP_NEG, 0, 1, 1, e->span);
        o = TL_OP_DATEADD;
      } else if (lt == TL_TY_DATE && rt == TL_TY_DATE && op == TL_AOP_SUB) {
        o = TL_OP_DATESUB;
      }
      emit(b, o, 0, 2, 1, e->span);
      break;
    }
    case TL_E_IF: {
      expr(C, b, e->u.cond.c);
      uint32_t jf = emit(b, TL_OP_JUMPF, 0, 1, 0, e->span);
      expr(C, b, e->u.cond.a);
      uint32_t je = emit(b, TL_OP_JUMP, 0, 0, 0, e->span);
      b->depth--;   /* the else branch starts from the same depth as the then branch */
      patch(b, jf);
      expr(C, b, e->u.cond.b);
      patch(b, je);
      break;
    }
    case TL_E_RANGE:
      if (is_literal(e->u.range.lo) && is_literal(e->u.range.hi)) {
        expr(C, b, e->u.range.x);
        uint32_t k = literal(C, e->u.range.lo);   /* and k + 1, the bounds in place */
        (void)literal(C, e->u.range.hi);
        emit(b, TL_OP_RANGEK, k, 1, 1, e->span);
        break;
      }
      expr(C, b, e->u.range.x);
      expr(C, b, e->u.range.lo);
      expr(C, b, e->u.range.hi);
      emit(b, TL_OP_RANGE, 0, 3, 1, e->span);
      break;
    case TL_E_INPERIOD: {
      /* `d in 2026-Q3` is `d in 2026-07-01 to 2026-09-30` */
      tl_date lo = 0, hi = 0;
      tl_period_span(&C->c->cal, e->u.inperiod.period, &lo, &hi);
      expr(C, b, e->u.inperiod.x);
      uint32_t k = add_const(C, tl_v_int(TL_V_DATE, lo), NULL);
      (void)add_const(C, tl_v_int(TL_V_DATE, hi), NULL);
      emit(b, TL_OP_RANGEK, k, 1, 1, e->span);
      break;
    }
    case TL_E_INLIST: {
      expr(C, b, e->u.inlist.x);
      int n = 0;
      for (tl_expr *i = e->u.inlist.items; i; i = i->next, n++) expr(C, b, i);
      emit(b, TL_OP_INLIST, (uint32_t)n, n + 1, 1, e->span);
      break;
    }
    case TL_E_TIER: tier(C, b, e); break;
  }
}

static bool reads_line_share(const tl_expr *e);

static bool any_reads_line_share(const tl_expr *list) {
  for (; list; list = list->next)
    if (reads_line_share(list)) return true;
  return false;
}

static bool reads_line_share(const tl_expr *e) {
  switch (e->kind) {
    case TL_E_FIELD:
      return e->u.field.obj == TL_OBJ_CREDIT &&
             (e->u.field.col == TL_CF_AMOUNT || e->u.field.col == TL_CF_SHARE);
    case TL_E_CALL: return any_reads_line_share(e->u.call.args);
    case TL_E_UNARY: return reads_line_share(e->u.unary.x);
    case TL_E_BINARY: return reads_line_share(e->u.binary.l) || reads_line_share(e->u.binary.r);
    case TL_E_IF:
      return reads_line_share(e->u.cond.c) || reads_line_share(e->u.cond.a) ||
             reads_line_share(e->u.cond.b);
    default: return false;
  }
}

static void copy_schema(tl_tablespec *dst, const char *name, const tl_colspec *cols, size_t n) {
  tl_colspec *c = tl_calloc(n ? n : 1, sizeof *c);
  for (size_t i = 0; i < n; i++) {
    c[i] = cols[i];
    c[i].name = tl_strdup(cols[i].name);
  }
  dst->name = name;
  dst->ncols = (int)n;
  dst->cols = c;
}

static int find_col(const tl_tablespec *t, const char *name, tl_coltype type) {
  for (int i = 0; i < t->ncols; i++)
    if (strcmp(t->cols[i].name, name) == 0 && t->cols[i].type == type) return i;
  return -1;
}

static char *describe(const char *what, const char *name) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s %s", what, name);
  return tl_strdup(buf);
}

tl_program *tl_compile(const tl_checked *c, tl_diags *d) {
  (void)d;
  tl_program *p = tl_calloc(1, sizeof *p);
  compiler C = { c, p, { 0 }, { 0 }, { 0 }, { 0 } };
  p->source_name = tl_strdup(c->plan->file);
  p->title = tl_strdup(c->title ? c->title->name : "");
  p->currency = tl_strdup(c->currency->name);
  p->cal = c->cal;
  p->rounding = c->rounding && strcmp(c->rounding->word, "half_even") == 0 ? TL_ROUND_HALF_EVEN
                                                                          : TL_ROUND_HALF_UP;
  p->unit = c->rounding ? c->rounding->num : tl_dec_from_raw(TL_DEC_ONE_RAW / 100);
  copy_schema(&p->payees, "payees", c->payee_cols.v, c->payee_cols.n);
  copy_schema(&p->deals, "deals", c->deal_cols.v, c->deal_cols.n);
  p->payee_start = find_col(&p->payees, "start", TL_COL_DATE);
  p->payee_end = find_col(&p->payees, "end", TL_COL_DATE);

  p->eligible = c->eligible ? chunk(&C, c->eligible->x, TL_CTX_PAYEE, "eligible payees") : -1;
  p->nrules = (uint32_t)c->credits.n;
  p->rules = tl_calloc(p->nrules ? p->nrules : 1, sizeof *p->rules);
  for (size_t i = 0; i < c->credits.n; i++) {
    tl_item *it = c->credits.v[i];
    p->rules[i].filter = it->where ? chunk(&C, it->where, TL_CTX_DEAL, "credit filter") : -1;
    p->rules[i].target = it->slot;
  }
  p->rollup = c->rollup ? c->rollup->slot : -1;
  p->clawback_col = c->clawback ? c->clawback->slot : -1;
  if (c->clawback) {
    int64_t days = 0;
    tl_dec_to_int(c->clawback->num, &days);
    p->clawback_days = (int32_t)days;
    p->clawback_reversing = c->clawback->flag;
  }
  p->quota = -1;
  if (c->quota) {
    p->quota_from_table = c->quota->from_table;
    p->quota_prorated = c->quota->flag;
    if (!p->quota_from_table) p->quota = chunk(&C, c->quota->x, TL_CTX_PERIOD, "quota");
  }
  p->nmeasures = (uint32_t)c->measures.n;
  p->measures = tl_calloc(p->nmeasures ? p->nmeasures : 1, sizeof *p->measures);
  for (size_t i = 0; i < c->measures.n; i++) {
    tl_item *m = c->measures.v[i];
    p->measures[i].name = tl_strdup(m->name);
    char *what = describe("measure", m->name);
    p->measures[i].body = chunk(&C, m->x, TL_CTX_PERIOD, what);
    tl_free(what);
  }
  p->ncomponents = (uint32_t)c->components.n;
  p->components = tl_calloc(p->ncomponents ? p->ncomponents : 1, sizeof *p->components);
  for (size_t i = 0; i < c->components.n; i++) {
    tl_item *it = c->components.v[i];
    tl_component *cp = &p->components[i];
    char *what = describe("component", it->name);
    cp->name = tl_strdup(it->name);
    cp->cumulative = it->mode == TL_MODE_CUMULATIVE;
    if (it->flag) {
      /* N per credit where f  ==  sum(N * credit.share where f), unless N is
      ** already the line's own (it reads credit.amount or credit.share) */
      builder vb = { { 0 }, { 0 }, 0, 0, TL_CTX_CREDIT };
      expr(&C, &vb, it->x);
      if (!reads_line_share(it->x)) {
        emit(&vb, TL_OP_CREDIT, TL_CF_SHARE, 0, 1, it->x->span);
        emit(&vb, TL_OP_MUL, 0, 2, 1, it->x->span);
      }
      int32_t value = finish_chunk(&C, &vb, what);
      int32_t filter = it->where ? chunk(&C, it->where, TL_CTX_CREDIT, what) : -1;
      builder bb = { { 0 }, { 0 }, 0, 0, TL_CTX_PERIOD };
      emit(&bb, TL_OP_AGG, add_agg(&C, filter, value), 0, 1, it->x->span);
      cp->body = finish_chunk(&C, &bb, what);
    } else {
      cp->body = chunk(&C, it->x, TL_CTX_PERIOD, what);
    }
    cp->cap_period = cp->cap_year = cp->floor_period = -1;
    for (tl_clause *cl = it->clauses; cl; cl = cl->next) {
      int32_t ch = chunk(&C, cl->x, TL_CTX_PERIOD, what);
      if (cl->kind == TL_CAP_PERIOD) cp->cap_period = ch;
      else if (cl->kind == TL_CAP_YEAR) cp->cap_year = ch;
      else cp->floor_period = ch;
    }
    tl_free(what);
  }
  if (c->draw) {
    int64_t n = 0;
    tl_dec_to_int(c->draw->num, &n);
    p->has_draw = true;
    p->draw_recoverable = strcmp(c->draw->word, "recoverable") == 0;
    p->draw_amount = chunk(&C, c->draw->x, TL_CTX_PAYEE, "draw");
    p->draw_periods = (int32_t)n;
  }
  p->chunks = C.chunks.v; p->nchunks = (uint32_t)C.chunks.n;
  p->consts = C.consts.v; p->nconsts = (uint32_t)C.consts.n;
  p->tiers = C.tiers.v; p->ntiers = (uint32_t)C.tiers.n;
  p->aggs = C.aggs.v; p->naggs = (uint32_t)C.aggs.n;
  return p;
}

tl_program *tl_front(const char *file, const char *text, size_t len, tl_diags *d,
                     tl_plan **plan_out) {
  tl_plan *plan = tl_parse(file, text, len, d);
  tl_program *prog = NULL;
  if (tl_diag_errors(d) == 0) {
    tl_checked c;
    int errors = tl_check(plan, d, &c);
    if (errors == 0 && tl_diag_errors(d) == 0) prog = tl_compile(&c, d);
    tl_checked_free(&c);
  }
  if (plan_out) *plan_out = plan;
  else tl_plan_free(plan);
  return prog;
}
