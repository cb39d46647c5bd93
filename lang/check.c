/*
** check.c: names, types, units and tier tables.
**
** One walk over the items collects the declarations; a second checks every
** expression in the context it runs in (a payee row, a deal row, a credit
** line, or a payee's period), resolving names and assigning types.  Every
** problem is reported and checking goes on, so one run shows them all; an
** expression that already failed gets TL_TY_ERROR, which is compatible with
** everything, so one mistake is reported once.
**
** Units: money and numbers are different types.  A bare numeric literal
** (TL_TY_LIT) takes the type its use needs, so `bookings + 1000` is money and
** `2 * payee.target` is money, while `bookings + 5%` is an error.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lang/front.h"
#include "stdlib/builtins.h"

typedef struct checker {
  tl_plan *plan;
  tl_diags *d;
  tl_checked *c;
  int errors;
  TL_VEC(tl_item *) used;     /* measures referenced from anywhere */
} checker;

static void err(checker *k, tl_span s, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err(checker *k, tl_span s, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tl_diagv(k->d, TL_SEV_ERROR, tl_span_loc(k->plan->file, s), code, fmt, ap);
  va_end(ap);
  k->errors++;
}

/* Whether the plan's year is declared and valid, so that its periods are
** known.  A wrong year is reported once, where it is declared; the checks
** that need its periods (a period named in a plan, a date window, a draw's
** length) then stay silent rather than read an empty calendar. */
static bool year_known(const checker *k) { return k->c->year && k->c->cal.n > 0; }

static void warn(checker *k, tl_span s, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void warn(checker *k, tl_span s, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tl_diagv(k->d, TL_SEV_WARNING, tl_span_loc(k->plan->file, s), code, fmt, ap);
  va_end(ap);
}

/* ---- declarations -------------------------------------------------------- */

static bool single(checker *k, tl_item **slot, tl_item *it, const char *what) {
  if (*slot) {
    err(k, it->span, "duplicate", "duplicate %s declaration (the first is on line %d)", what,
        (*slot)->span.line);
    return false;
  }
  *slot = it;
  return true;
}

static bool coltype_of(const char *s, tl_coltype *t) {
  static const struct { const char *name; tl_coltype t; } types[] = {
    { "text", TL_COL_TEXT }, { "money", TL_COL_MONEY }, { "number", TL_COL_NUMBER },
    { "percent", TL_COL_PERCENT }, { "date", TL_COL_DATE }, { "bool", TL_COL_BOOL },
    { "payee", TL_COL_PAYEE },
  };
  for (size_t i = 0; i < sizeof types / sizeof *types; i++)
    if (strcmp(s, types[i].name) == 0) { *t = types[i].t; return true; }
  return false;
}

typedef struct required_col { const char *name; tl_coltype type; bool key; } required_col;
static const required_col payee_required[] = { { "id", TL_COL_TEXT, true } };
static const required_col deal_required[] = {
  { "id", TL_COL_TEXT, true }, { "owner", TL_COL_PAYEE, false },
  { "closed", TL_COL_DATE, false }, { "amount", TL_COL_MONEY, false },
};

/* Build a table's schema from its input declaration: the required columns
** first (declared or not: the loader needs them anyway), then the rest in
** declaration order. */
static void build_schema(checker *k, tl_item *input, const required_col *req, size_t nreq,
                         void *vec_) {
  TL_VEC(tl_colspec) *vec = vec_;
  for (size_t i = 0; i < nreq; i++) {
    tl_colspec cs = { req[i].name, req[i].type, false, req[i].key };
    tl_vec_push(*vec, cs);
  }
  if (!input) return;
  for (tl_coldecl *cd = input->cols; cd; cd = cd->next) {
    tl_coltype t;
    if (!coltype_of(cd->type, &t)) {
      err(k, cd->type_span, "type", "unknown column type %s (use text, money, number, percent, "
          "date, bool or payee)", cd->type);
      continue;
    }
    size_t i;
    for (i = 0; i < vec->n; i++)
      if (strcmp(vec->v[i].name, cd->name) == 0) break;
    if (i < nreq) {
      if (t != req[i].type || cd->optional)
        err(k, cd->span, "schema", "column %s of %s must be %s%s", cd->name, input->name,
            tl_coltype_name(req[i].type), cd->optional ? " and not optional" : "");
      continue;
    }
    if (i < vec->n) {
      err(k, cd->span, "duplicate", "column %s is declared twice", cd->name);
      continue;
    }
    if (cd->key)
      err(k, cd->span, "schema", "only the id column is a key (column %s cannot be)", cd->name);
    tl_colspec cs = { cd->name, t, cd->optional, false };
    tl_vec_push(*vec, cs);
  }
}

static int find_col(const tl_colspec *cols, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(cols[i].name, name) == 0) return (int)i;
  return -1;
}

static tl_type type_of_col(tl_coltype t) {
  switch (t) {
    case TL_COL_MONEY: return TL_TY_MONEY;
    case TL_COL_NUMBER: case TL_COL_PERCENT: return TL_TY_NUMBER;
    case TL_COL_DATE: return TL_TY_DATE;
    case TL_COL_BOOL: return TL_TY_BOOL;
    case TL_COL_PAYEE: return TL_TY_PAYEE;
    case TL_COL_DEAL: return TL_TY_DEAL;
    case TL_COL_TEXT: break;
  }
  return TL_TY_TEXT;
}

static tl_item *find_named(void *vec_, const char *name) {
  TL_VEC(tl_item *) *vec = vec_;
  for (size_t i = 0; i < vec->n; i++)
    if (strcmp(vec->v[i]->name, name) == 0) return vec->v[i];
  return NULL;
}

/* ---- expressions --------------------------------------------------------- */

typedef enum ectx { X_PAYEE_ROW, X_DEAL_ROW, X_CREDIT, X_PERIOD, X_QUOTA, X_PAYEE } ectx;

static const char *ctx_where(ectx x) {
  switch (x) {
    case X_PAYEE_ROW: return "an eligibility filter";
    case X_DEAL_ROW: return "a credit filter";
    case X_CREDIT: return "a per-credit expression";
    case X_PERIOD: return "a measure or component";
    case X_QUOTA: return "the quota";
    case X_PAYEE: return "a draw amount";
  }
  return "";
}

static tl_type check_expr(checker *k, tl_expr *e, ectx x);

static bool is_num(tl_type t) { return t == TL_TY_MONEY || t == TL_TY_NUMBER || t == TL_TY_LIT; }
static bool is_err(tl_type t) { return t == TL_TY_ERROR; }

/* The type two numeric operands share for + - and comparisons, or ERROR. */
static tl_type unify(tl_type a, tl_type b) {
  if (is_err(a) || is_err(b)) return TL_TY_ERROR;
  if (a == b) return a;
  if (a == TL_TY_LIT && is_num(b)) return b;
  if (b == TL_TY_LIT && is_num(a)) return a;
  return TL_TY_ERROR;
}

static const char *tyname(tl_type t) {
  switch (t) {
    case TL_TY_MONEY: return "money";
    case TL_TY_NUMBER: case TL_TY_LIT: return "a number";
    case TL_TY_DATE: return "a date";
    case TL_TY_TEXT: return "text";
    case TL_TY_BOOL: return "a bool";
    case TL_TY_PAYEE: return "a payee";
    case TL_TY_DEAL: return "a deal";
    case TL_TY_CREDIT: return "a credit line";
    case TL_TY_ERROR: break;
  }
  return "an invalid value";
}

/* Require type want (money/number accept a literal). */
static bool expect_type(checker *k, tl_expr *e, tl_type want, const char *what) {
  tl_type t = e->type;
  if (is_err(t) || t == want || (t == TL_TY_LIT && (want == TL_TY_MONEY || want == TL_TY_NUMBER)))
    return true;
  err(k, e->span, "type", "%s must be %s, not %s", what, tyname(want), tyname(t));
  return false;
}

static tl_type check_binary(checker *k, tl_expr *e, ectx x) {
  tl_op op = e->u.binary.op;
  tl_type a = check_expr(k, e->u.binary.l, x), b = check_expr(k, e->u.binary.r, x);
  if (is_err(a) || is_err(b)) return TL_TY_ERROR;
  switch (op) {
    case TL_AOP_AND: case TL_AOP_OR:
      if (a != TL_TY_BOOL || b != TL_TY_BOOL) {
        err(k, e->span, "type", "'%s' needs two bools, not %s and %s", tl_op_text(op), tyname(a),
            tyname(b));
        return TL_TY_ERROR;
      }
      return TL_TY_BOOL;
    case TL_AOP_EQ: case TL_AOP_NE: case TL_AOP_LT: case TL_AOP_LE: case TL_AOP_GT: case TL_AOP_GE: {
      bool ok = unify(a, b) != TL_TY_ERROR ||
                (a == b && a != TL_TY_CREDIT) ||
                (a == TL_TY_PAYEE && b == TL_TY_TEXT) || (a == TL_TY_TEXT && b == TL_TY_PAYEE);
      if (ok && (op != TL_AOP_EQ && op != TL_AOP_NE) && (a == TL_TY_BOOL || a == TL_TY_PAYEE ||
                                                      a == TL_TY_DEAL || b == TL_TY_PAYEE))
        ok = false;
      if (!ok) {
        err(k, e->span, "type", "cannot compare %s with %s", tyname(a), tyname(b));
        return TL_TY_ERROR;
      }
      return TL_TY_BOOL;
    }
    case TL_AOP_ADD: case TL_AOP_SUB:
      if (a == TL_TY_DATE && (b == TL_TY_LIT || b == TL_TY_NUMBER)) return TL_TY_DATE;
      if (op == TL_AOP_SUB && a == TL_TY_DATE && b == TL_TY_DATE) return TL_TY_NUMBER;
      if (unify(a, b) == TL_TY_ERROR) {
        err(k, e->span, "unit", "cannot %s %s and %s", op == TL_AOP_ADD ? "add" : "subtract",
            tyname(a), tyname(b));
        return TL_TY_ERROR;
      }
      return unify(a, b);
    case TL_AOP_MUL:
      if (!is_num(a) || !is_num(b) || (a == TL_TY_MONEY && b == TL_TY_MONEY)) {
        err(k, e->span, "unit", "cannot multiply %s by %s", tyname(a), tyname(b));
        return TL_TY_ERROR;
      }
      if (a == TL_TY_MONEY || b == TL_TY_MONEY) return TL_TY_MONEY;
      if (a == TL_TY_NUMBER || b == TL_TY_NUMBER) return TL_TY_NUMBER;
      return TL_TY_LIT;
    case TL_AOP_DIV:
      if (!is_num(a) || !is_num(b) || (a != TL_TY_MONEY && b == TL_TY_MONEY)) {
        err(k, e->span, "unit", "cannot divide %s by %s", tyname(a), tyname(b));
        return TL_TY_ERROR;
      }
      if (a == TL_TY_MONEY) return b == TL_TY_MONEY ? TL_TY_NUMBER : TL_TY_MONEY;
      if (a == TL_TY_NUMBER || b == TL_TY_NUMBER) return TL_TY_NUMBER;
      return TL_TY_LIT;
    default:
      break;
  }
  return TL_TY_ERROR;
}

static tl_type check_measure_ref(checker *k, tl_expr *e, tl_item *m);

static tl_type check_name(checker *k, tl_expr *e, ectx x) {
  const char *n = e->u.name.name;
  if (strcmp(n, "payee") == 0) {
    if (x == X_DEAL_ROW) {
      err(k, e->span, "name", "payee is not known in a credit filter (the deal is credited to "
          "payees later)");
      return TL_TY_ERROR;
    }
    e->u.name.ref = TL_REF_PARAM;
    return TL_TY_PAYEE;
  }
  if (x == X_PAYEE_ROW || x == X_DEAL_ROW) {
    tl_checked *c = k->c;
    const tl_colspec *cols = x == X_PAYEE_ROW ? c->payee_cols.v : c->deal_cols.v;
    size_t ncols = x == X_PAYEE_ROW ? c->payee_cols.n : c->deal_cols.n;
    int col = find_col(cols, ncols, n);
    if (col < 0) {
      err(k, e->span, "name", "%s has no column %s", x == X_PAYEE_ROW ? "payees" : "deals", n);
      return TL_TY_ERROR;
    }
    e->u.name.ref = TL_REF_COLUMN;
    e->u.name.slot = col;
    return type_of_col(cols[col].type);
  }
  if (x == X_PERIOD) {
    if (strcmp(n, "quota") == 0) {
      if (!k->c->quota) {
        err(k, e->span, "name", "quota is used but the plan declares no quota");
        return TL_TY_ERROR;
      }
      e->u.name.ref = TL_REF_QUOTA;
      return TL_TY_MONEY;
    }
    tl_item *m = find_named(&k->c->measures, n);
    if (m) return check_measure_ref(k, e, m);
    if (find_named(&k->c->components, n)) {
      err(k, e->span, "name", "component %s cannot be used in an expression (components are "
          "paid, not measured: define a measure)", n);
      return TL_TY_ERROR;
    }
  }
  if (x == X_CREDIT)
    err(k, e->span, "name", "unknown name %s (in %s, use credit.%s, deal.%s or payee.%s)", n,
        ctx_where(x), n, n, n);
  else
    err(k, e->span, "name", "unknown name %s", n);
  return TL_TY_ERROR;
}

/* Measures are checked on first use, so a measure's type is known wherever it
** is referenced; slot -2 marks "being checked" to find cycles. */
static tl_type check_item_expr(checker *k, tl_item *it);

static tl_type check_measure_ref(checker *k, tl_expr *e, tl_item *m) {
  e->u.name.ref = TL_REF_MEASURE;
  tl_vec_push(k->used, m);
  if (m->slot == -2) {
    err(k, e->span, "cycle", "measure %s depends on itself", m->name);
    return TL_TY_ERROR;
  }
  if (m->slot == -1) check_item_expr(k, m);
  return m->x ? m->x->type : TL_TY_ERROR;
}

static tl_type check_field(checker *k, tl_expr *e, ectx x) {
  const char *n = e->u.field.name;
  tl_checked *c = k->c;
  switch (e->u.field.obj) {
    case TL_OBJ_PAYEE: {
      if (x == X_DEAL_ROW) {
        err(k, e->span, "name", "payee.%s is not known in a credit filter (use deal.%s for the "
            "deal's columns)", n, n);
        return TL_TY_ERROR;
      }
      int col = find_col(c->payee_cols.v, c->payee_cols.n, n);
      if (col < 0) {
        err(k, e->span, "name", "payees has no column %s (declare it in input payees)", n);
        return TL_TY_ERROR;
      }
      e->u.field.col = col;
      return type_of_col(c->payee_cols.v[col].type);
    }
    case TL_OBJ_DEAL: {
      if (x != X_DEAL_ROW && x != X_CREDIT) {
        err(k, e->span, "name", "deal.%s is only known where one deal is at hand (credit filters, "
            "sum/count filters, per-credit amounts)", n);
        return TL_TY_ERROR;
      }
      int col = find_col(c->deal_cols.v, c->deal_cols.n, n);
      if (col < 0) {
        err(k, e->span, "name", "deals has no column %s (declare it in input deals)", n);
        return TL_TY_ERROR;
      }
      e->u.field.col = col;
      return type_of_col(c->deal_cols.v[col].type);
    }
    case TL_OBJ_CREDIT: {
      static const struct { const char *name; tl_credit_field f; tl_type t; } fields[] = {
        { "amount", TL_CF_AMOUNT, TL_TY_MONEY }, { "share", TL_CF_SHARE, TL_TY_NUMBER },
        { "date", TL_CF_DATE, TL_TY_DATE }, { "payee", TL_CF_PAYEE, TL_TY_PAYEE },
        { "deal", TL_CF_DEAL, TL_TY_DEAL }, { "direct", TL_CF_DIRECT, TL_TY_BOOL },
      };
      if (x != X_CREDIT) {
        err(k, e->span, "name", "credit.%s is only known inside sum(...), count(...) and "
            "per-credit components", n);
        return TL_TY_ERROR;
      }
      for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (strcmp(n, fields[i].name) == 0) {
          e->u.field.col = fields[i].f;
          return fields[i].t;
        }
      err(k, e->span, "name", "a credit line has no field %s (amount, share, date, payee, deal, "
          "direct)", n);
      return TL_TY_ERROR;
    }
  }
  return TL_TY_ERROR;
}

static int count_args(tl_expr *a) {
  int n = 0;
  for (; a; a = a->next) n++;
  return n;
}

static tl_type check_call(checker *k, tl_expr *e, ectx x) {
  const char *n = e->u.call.name;
  tl_expr *args = e->u.call.args;
  int nargs = count_args(args);
  e->u.call.nargs = nargs;
  bool agg = strcmp(n, "sum") == 0 || strcmp(n, "count") == 0;
  if (e->u.call.where && !agg) {
    err(k, e->span, "syntax", "only sum(...) and count(...) take a where filter");
    return TL_TY_ERROR;
  }
  if (agg || strcmp(n, "ytd") == 0) {
    if (x != X_PERIOD) {
      err(k, e->span, "context", "%s(...) is not allowed in %s", n, ctx_where(x));
      return TL_TY_ERROR;
    }
    if (nargs != 1) {
      err(k, e->span, "arity", "%s takes one argument, not %d", n, nargs);
      return TL_TY_ERROR;
    }
    e->u.call.slot = -1;
    if (strcmp(n, "ytd") == 0) {
      tl_type t = check_expr(k, args, X_PERIOD);
      if (!is_err(t) && !is_num(t)) {
        err(k, args->span, "type", "ytd needs money or a number, not %s", tyname(t));
        return TL_TY_ERROR;
      }
      return t;
    }
    tl_type t = check_expr(k, args, X_CREDIT);
    if (e->u.call.where) {
      tl_type w = check_expr(k, e->u.call.where, X_CREDIT);
      expect_type(k, e->u.call.where, TL_TY_BOOL, "a filter");
      (void)w;
    }
    if (n[0] == 'c') {
      if (!is_err(t) && t != TL_TY_CREDIT) {
        err(k, args->span, "type", "count counts credit lines: write count(credit) or "
            "count(credit where ...)");
        return TL_TY_ERROR;
      }
      return TL_TY_NUMBER;
    }
    if (!is_err(t) && !is_num(t)) {
      err(k, args->span, "type", "sum needs money or a number, not %s", tyname(t));
      return TL_TY_ERROR;
    }
    return t;
  }
  int id = tl_builtin_find(n);
  if (id < 0) {
    err(k, e->span, "name", "unknown function %s", n);
    return TL_TY_ERROR;
  }
  e->u.call.slot = id;
  const tl_builtin_info *bi = &tl_builtins[id];
  if (nargs < bi->min_args || nargs > bi->max_args) {
    err(k, e->span, "arity", "%s takes %s%d argument%s, not %d", n,
        bi->max_args > bi->min_args ? "at least " : "", bi->min_args, bi->min_args == 1 ? "" : "s",
        nargs);
    return TL_TY_ERROR;
  }
  tl_type t[256];
  int i = 0;
  bool bad = false;
  for (tl_expr *a = args; a; a = a->next, i++) {
    t[i] = check_expr(k, a, x);
    if (is_err(t[i])) bad = true;
  }
  if (bad) return TL_TY_ERROR;
  switch ((tl_builtin)id) {
    case TL_BI_ratio: {
      if (!is_num(t[0]) || !is_num(t[1]) || (t[0] != TL_TY_MONEY && t[1] == TL_TY_MONEY)) {
        err(k, e->span, "unit", "cannot divide %s by %s", tyname(t[0]), tyname(t[1]));
        return TL_TY_ERROR;
      }
      if (t[0] == TL_TY_MONEY) return t[1] == TL_TY_MONEY ? TL_TY_NUMBER : TL_TY_MONEY;
      return TL_TY_NUMBER;
    }
    case TL_BI_min: case TL_BI_max: {
      tl_type u = t[0];
      for (int j = 1; j < nargs; j++) {
        tl_type v = (u == TL_TY_DATE && t[j] == TL_TY_DATE) ? u : unify(u, t[j]);
        if (is_err(v)) {
          err(k, e->span, "unit", "%s needs arguments of one type, not %s and %s", n, tyname(u),
              tyname(t[j]));
          return TL_TY_ERROR;
        }
        u = v;
      }
      return u;
    }
    case TL_BI_round: {
      if (!is_num(t[0]) || (t[1] != TL_TY_LIT && t[1] != t[0])) {
        err(k, e->span, "unit", "round needs a value and a unit of the same kind");
        return TL_TY_ERROR;
      }
      tl_expr *unit = args->next;
      if (unit->kind == TL_E_NUM && tl_dec_cmp(unit->u.num.v, tl_dec_zero()) <= 0) {
        err(k, unit->span, "unit", "round needs a positive unit");
        return TL_TY_ERROR;
      }
      return t[0];
    }
    case TL_BI_abs:
      if (!is_num(t[0])) {
        err(k, e->span, "type", "abs needs money or a number, not %s", tyname(t[0]));
        return TL_TY_ERROR;
      }
      return t[0];
    case TL_BI_default: {
      tl_type u = t[0] == t[1] ? t[0] : unify(t[0], t[1]);
      if (is_err(u)) {
        err(k, e->span, "type", "default needs two values of one type, not %s and %s",
            tyname(t[0]), tyname(t[1]));
        return TL_TY_ERROR;
      }
      return u;
    }
    case TL_BI_days:
      if (t[0] != TL_TY_DATE || t[1] != TL_TY_DATE) {
        err(k, e->span, "type", "days needs two dates");
        return TL_TY_ERROR;
      }
      return TL_TY_NUMBER;
    case TL_BI__COUNT:
      break;
  }
  return TL_TY_ERROR;
}

static bool check_tier_rows(checker *k, tl_expr *e) {
  tl_tier_row *prev = NULL;
  bool ok = true, falling = false;
  int n = 0;
  for (tl_tier_row *r = e->u.tier.rows; r; r = r->next, n++) {
    if (prev && tl_dec_cmp(r->bound, prev->bound) <= 0) {
      err(k, r->span, "tiers", "tier bounds must increase: this bound is not above the one on "
          "line %d", prev->span.line);
      ok = false;
    }
    if (prev && tl_dec_cmp(r->rate, prev->rate) < 0) falling = true;
    prev = r;
  }
  e->u.tier.nrows = n;
  if (n == 0) {
    err(k, e->span, "tiers", "empty tier table");
    return false;
  }
  if (e->u.tier.kind == TL_TIER_CURVE && n < 1) ok = false;
  if (ok && falling)
    warn(k, e->span, "tiers-falling", "rates fall as bounds rise in this %s table",
         e->u.tier.kind == TL_TIER_CURVE ? "curve" : "tier");
  return ok;
}

static tl_type check_tier(checker *k, tl_expr *e, ectx x) {
  if (x != X_PERIOD) {
    err(k, e->span, "context", "tier tables are not allowed in %s", ctx_where(x));
    return TL_TY_ERROR;
  }
  tl_type t = check_expr(k, e->u.tier.x, x);
  tl_type q = e->u.tier.over ? check_expr(k, e->u.tier.over, x) : TL_TY_LIT;
  bool ok = check_tier_rows(k, e);
  if (e->u.tier.kind == TL_TIER_CURVE) {
    if (!expect_type(k, e->u.tier.x, TL_TY_NUMBER, "a curve's input (attainment)")) return TL_TY_ERROR;
    return ok ? TL_TY_NUMBER : TL_TY_ERROR;
  }
  if (!expect_type(k, e->u.tier.x, TL_TY_MONEY, "a tier table's input")) return TL_TY_ERROR;
  if (e->u.tier.over && !expect_type(k, e->u.tier.over, TL_TY_MONEY, "the quota after over"))
    return TL_TY_ERROR;
  (void)t; (void)q;
  return ok ? TL_TY_MONEY : TL_TY_ERROR;
}

static tl_type check_expr(checker *k, tl_expr *e, ectx x) {
  tl_type t = TL_TY_ERROR;
  switch (e->kind) {
    case TL_E_NUM: t = e->u.num.lit ? TL_TY_LIT : TL_TY_NUMBER; break;
    case TL_E_STR: t = TL_TY_TEXT; break;
    case TL_E_DATE: t = TL_TY_DATE; break;
    case TL_E_BOOL: t = TL_TY_BOOL; break;
    case TL_E_NAME: t = check_name(k, e, x); break;
    case TL_E_FIELD: t = check_field(k, e, x); break;
    case TL_E_CREDIT:
      if (x != X_CREDIT) err(k, e->span, "name", "credit is only known inside count(...)");
      else t = TL_TY_CREDIT;
      break;
    case TL_E_CALL: t = check_call(k, e, x); break;
    case TL_E_UNARY: {
      tl_type a = check_expr(k, e->u.unary.x, x);
      if (is_err(a)) break;
      if (e->u.unary.op == TL_AOP_NOT) {
        if (a != TL_TY_BOOL) err(k, e->span, "type", "not needs a bool, not %s", tyname(a));
        else t = TL_TY_BOOL;
      } else if (!is_num(a)) {
        err(k, e->span, "type", "cannot negate %s", tyname(a));
      } else {
        t = a;
      }
      break;
    }
    case TL_E_BINARY: t = check_binary(k, e, x); break;
    case TL_E_IF: {
      check_expr(k, e->u.cond.c, x);
      expect_type(k, e->u.cond.c, TL_TY_BOOL, "the condition of if");
      tl_type a = check_expr(k, e->u.cond.a, x), b = check_expr(k, e->u.cond.b, x);
      if (is_err(a) || is_err(b)) break;
      t = a == b ? a : unify(a, b);
      if (is_err(t)) err(k, e->span, "type", "the branches of if are %s and %s", tyname(a), tyname(b));
      break;
    }
    case TL_E_RANGE: {
      tl_type a = check_expr(k, e->u.range.x, x), lo = check_expr(k, e->u.range.lo, x),
              hi = check_expr(k, e->u.range.hi, x);
      if (is_err(a) || is_err(lo) || is_err(hi)) break;
      bool ok = (a == TL_TY_DATE && lo == TL_TY_DATE && hi == TL_TY_DATE) ||
                (!is_err(unify(a, lo)) && !is_err(unify(a, hi)));
      if (!ok) err(k, e->span, "type", "a range must bound %s with values of the same kind", tyname(a));
      else t = TL_TY_BOOL;
      break;
    }
    case TL_E_INPERIOD: {
      tl_type a = check_expr(k, e->u.inperiod.x, x);
      tl_date lo, hi;
      if (year_known(k) && !tl_period_span(&k->c->cal, e->u.inperiod.period, &lo, &hi)) {
        err(k, e->span, "period", "%s is not a month or quarter of this plan's year (%s to %s)",
            e->u.inperiod.period, k->c->cal.name[0], k->c->cal.name[k->c->cal.n - 1]);
        break;
      }
      if (!is_err(a) && a != TL_TY_DATE) {
        err(k, e->span, "type", "only a date can be in a period, not %s", tyname(a));
        break;
      }
      t = TL_TY_BOOL;
      break;
    }
    case TL_E_INLIST: {
      tl_type a = check_expr(k, e->u.inlist.x, x);
      bool ok = true;
      for (tl_expr *i = e->u.inlist.items; i; i = i->next) {
        tl_type b = check_expr(k, i, x);
        if (is_err(a) || is_err(b)) { ok = false; continue; }
        bool same = a == b || !is_err(unify(a, b)) || (a == TL_TY_PAYEE && b == TL_TY_TEXT);
        if (!same) {
          err(k, i->span, "type", "cannot compare %s with %s", tyname(a), tyname(b));
          ok = false;
        }
      }
      if (ok) t = TL_TY_BOOL;
      break;
    }
    case TL_E_TIER: t = check_tier(k, e, x); break;
  }
  e->type = t;
  return t;
}

/* A measure's or component's own expression, in the period context. */
static tl_type check_item_expr(checker *k, tl_item *it) {
  it->slot = -2;
  tl_type t = check_expr(k, it->x, X_PERIOD);
  it->slot = 0;
  return t;
}

/* ---- items --------------------------------------------------------------- */

static const char *const reserved_names[] = { "quota", "earned", "net", "balance", "payee",
                                              "credit", "deal" };

static void declare(checker *k, tl_item *it, void *vec, const char *what) {
  /* a reserved name is still declared, so its uses do not cascade */
  for (size_t i = 0; i < sizeof reserved_names / sizeof *reserved_names; i++)
    if (strcmp(it->name, reserved_names[i]) == 0)
      err(k, it->name_span, "name", "%s is a reserved name; choose another name for this %s",
          it->name, what);
  tl_item *prev = find_named(&k->c->measures, it->name);
  if (!prev) prev = find_named(&k->c->components, it->name);
  if (prev) {
    err(k, it->name_span, "duplicate", "%s is already defined on line %d", it->name,
        prev->span.line);
    return;
  }
  tl_vec_push(*(TL_VEC(tl_item *) *)vec, it);
}

static void check_header(checker *k) {
  tl_checked *c = k->c;
  tl_span top = { 0, 0, 0, 0 };
  if (!c->currency) err(k, top, "missing", "the plan declares no currency (add: currency USD)");
  if (!c->year) err(k, top, "missing", "the plan declares no year (add: year 2026-01-01 to 2026-12-31)");
  if (!c->period) err(k, top, "missing", "the plan declares no period (add: period month, quarter or year)");
  tl_period_kind kind = TL_PERIOD_MONTH;
  if (c->period) {
    const char *w = c->period->word;
    if (strcmp(w, "month") == 0) kind = TL_PERIOD_MONTH;
    else if (strcmp(w, "quarter") == 0) kind = TL_PERIOD_QUARTER;
    else if (strcmp(w, "year") == 0) kind = TL_PERIOD_YEAR;
    else err(k, c->period->name_span, "header", "unknown period %s (use month, quarter or year)", w);
  }
  if (c->year) {
    const char *msg = tl_cal_init(&c->cal, c->year->d1, c->year->d2, kind);
    if (msg) err(k, c->year->span, "header", "%s", msg);
  }
  if (c->rounding) {
    const char *w = c->rounding->word;
    if (strcmp(w, "half_up") != 0 && strcmp(w, "half_even") != 0)
      err(k, c->rounding->name_span, "header", "unknown rounding %s (use half_up or half_even)", w);
    if (!c->rounding->flag) c->rounding->num = tl_dec_from_raw(TL_DEC_ONE_RAW / 100);
    else if (tl_dec_cmp(c->rounding->num, tl_dec_zero()) <= 0)
      err(k, c->rounding->span, "header", "the rounding unit must be positive");
  }
  if (c->currency) {
    const char *cur = c->currency->name;
    size_t n = strlen(cur);
    bool ok = n == 3;
    for (size_t i = 0; i < n; i++)
      if (cur[i] < 'A' || cur[i] > 'Z') ok = false;
    if (!ok) err(k, c->currency->name_span, "header", "currency must be a three-letter code such as USD, not %s", cur);
  }
}

static int payee_col_of(checker *k, tl_span s, const char *name, bool in_deals) {
  tl_checked *c = k->c;
  const tl_colspec *cols = in_deals ? c->deal_cols.v : c->payee_cols.v;
  size_t n = in_deals ? c->deal_cols.n : c->payee_cols.n;
  int col = find_col(cols, n, name);
  if (col < 0) {
    err(k, s, "name", "%s has no column %s", in_deals ? "deals" : "payees", name);
    return -1;
  }
  if (cols[col].type != TL_COL_PAYEE) {
    err(k, s, "type", "column %s of %s must be a payee column, not %s", name,
        in_deals ? "deals" : "payees", tl_coltype_name(cols[col].type));
    return -1;
  }
  return col;
}

static void check_component(checker *k, tl_item *it) {
  it->slot = -2;
  if (it->flag) {
    if (it->mode == TL_MODE_CUMULATIVE)
      err(k, it->span, "mode", "a per-credit component pays in the period of each credit; "
          "remove cumulative");
    tl_type t = check_expr(k, it->x, X_CREDIT);
    if (!is_err(t)) expect_type(k, it->x, TL_TY_MONEY, "the amount per credit");
    if (it->where) {
      check_expr(k, it->where, X_CREDIT);
      expect_type(k, it->where, TL_TY_BOOL, "a filter");
    }
  } else {
    check_expr(k, it->x, X_PERIOD);
    expect_type(k, it->x, TL_TY_MONEY, "a component's value");
  }
  for (tl_clause *cl = it->clauses; cl; cl = cl->next) {
    for (tl_clause *prev = it->clauses; prev != cl; prev = prev->next)
      if (prev->kind == cl->kind) {
        static const char *const what[] = { "cap per period", "cap per year", "floor per period" };
        err(k, cl->span, "duplicate", "a second %s (the first is on line %d); keep one",
            what[cl->kind], prev->span.line);
        break;
      }
    check_expr(k, cl->x, X_PERIOD);
    expect_type(k, cl->x, TL_TY_MONEY, cl->kind == TL_FLOOR_PERIOD ? "a floor" : "a cap");
    if (cl->kind == TL_CAP_PERIOD && it->mode == TL_MODE_CUMULATIVE)
      err(k, cl->span, "mode", "cap per period needs a period component (a cumulative "
          "component's value is year-to-date: use cap ... per year)");
    if (cl->kind == TL_FLOOR_PERIOD && it->mode == TL_MODE_CUMULATIVE)
      err(k, cl->span, "mode", "floor per period needs a period component");
  }
  it->slot = 0;
}

static bool is_integer(tl_dec d) { return d.raw % TL_DEC_ONE_RAW == 0; }

/* ---- warnings: legal plans that are probably not what was meant ---------- */

static bool literal_dec(const tl_expr *e, tl_dec *v) {
  if (e->kind != TL_E_NUM) return false;
  *v = e->u.num.v;
  return true;
}

/* A SPIF or filter window on the credit date that leaves the plan year. */
static void lint_windows(checker *k, const tl_expr *e) {
  if (!e) return;
  switch (e->kind) {
    case TL_E_RANGE: {
      const tl_expr *lo = e->u.range.lo, *hi = e->u.range.hi;
      if (lo->kind == TL_E_DATE && hi->kind == TL_E_DATE && year_known(k)) {
        if (hi->u.date < k->c->cal.start || lo->u.date > k->c->cal.end)
          warn(k, e->span, "window-outside-year", "this date window lies outside the plan year, "
               "so it never matches");
        else if (lo->u.date < k->c->cal.start || hi->u.date > k->c->cal.end)
          warn(k, e->span, "window-outside-year", "this date window reaches outside the plan "
               "year; deals closed outside the year credit nothing");
        if (lo->u.date > hi->u.date)
          warn(k, e->span, "window-empty", "this date window ends before it starts, so it never "
               "matches");
      }
      break;
    }
    case TL_E_BINARY: lint_windows(k, e->u.binary.l); lint_windows(k, e->u.binary.r); break;
    case TL_E_UNARY: lint_windows(k, e->u.unary.x); break;
    case TL_E_IF: lint_windows(k, e->u.cond.c); lint_windows(k, e->u.cond.a); lint_windows(k, e->u.cond.b); break;
    default: break;
  }
}

/* Tiers above the point where a literal cap is already reached never pay. */
static void lint_tiers(checker *k, const tl_expr *e, const tl_item *comp) {
  if (!e) return;
  if (e->kind == TL_E_BINARY) {
    lint_tiers(k, e->u.binary.l, comp);
    lint_tiers(k, e->u.binary.r, comp);
    return;
  }
  if (e->kind != TL_E_TIER || e->u.tier.over || e->u.tier.kind == TL_TIER_CURVE) return;
  tl_dec cap;
  bool have_cap = false;
  for (const tl_clause *cl = comp->clauses; cl; cl = cl->next)
    if (cl->kind != TL_FLOOR_PERIOD && literal_dec(cl->x, &cap)) {
      have_cap = true;
      break;
    }
  if (!have_cap) return;
  tl_dec paid = tl_dec_zero();
  for (const tl_tier_row *r = e->u.tier.rows; r && r->next; r = r->next) {
    tl_dec width, part, at;
    const tl_tier_row *nx = r->next;
    if (e->u.tier.kind == TL_TIER_MARGINAL) {
      if (tl_dec_sub(nx->bound, r->bound, &width) || tl_dec_mul(width, r->rate, &part) ||
          tl_dec_add(paid, part, &paid))
        return;
      at = paid;
    } else if (tl_dec_mul(nx->bound, nx->rate, &at)) {
      return;
    }
    /* marginal: the band starting at nx adds nothing; retro: the next rate
    ** multiplies a value that is capped already */
    const tl_tier_row *dead = e->u.tier.kind == TL_TIER_MARGINAL ? nx : nx->next;
    if (tl_dec_cmp(at, cap) >= 0 && dead) {
      char b[64], cb[64];
      tl_dec_format(dead->bound, -1, true, b, sizeof b);
      tl_dec_format(cap, -1, true, cb, sizeof cb);
      warn(k, dead->span, "tier-unreachable", "the tier at %s never pays: the cap of %s is "
           "reached by then", b, cb);
      return;
    }
  }
}

static void lint(checker *k) {
  tl_checked *c = k->c;
  for (size_t i = 0; i < c->measures.n; i++) {
    tl_item *m = c->measures.v[i];
    bool used = false;
    for (size_t j = 0; j < k->used.n; j++)
      if (k->used.v[j] == m) used = true;
    if (!used)
      warn(k, m->name_span, "unused", "measure %s is never used", m->name);
  }
  for (size_t i = 0; i < c->measures.n + c->components.n; i++) {
    tl_item *it = i < c->measures.n ? c->measures.v[i] : c->components.v[i - c->measures.n];
    const char *kind = i < c->measures.n ? "measure" : "component";
    if (find_col(c->payee_cols.v, c->payee_cols.n, it->name) >= 0)
      warn(k, it->name_span, "shadow", "%s %s has the name of a payees column; write payee.%s "
           "for the column", kind, it->name, it->name);
    if (tl_builtin_find(it->name) >= 0 || strcmp(it->name, "sum") == 0 ||
        strcmp(it->name, "count") == 0 || strcmp(it->name, "ytd") == 0)
      warn(k, it->name_span, "shadow", "%s %s has the name of a built-in function", kind, it->name);
  }
  for (size_t i = 0; i < c->components.n; i++) {
    tl_item *it = c->components.v[i];
    lint_windows(k, it->where);
    if (!it->flag) lint_tiers(k, it->x, it);
  }
  for (size_t i = 0; i < c->credits.n; i++) lint_windows(k, c->credits.v[i]->where);
}

int tl_check(tl_plan *plan, tl_diags *d, tl_checked *c) {
  memset(c, 0, sizeof *c);
  c->plan = plan;
  checker k = { plan, d, c, 0, { 0 } };
  for (tl_item *it = plan->items; it; it = it->next) {
    switch (it->kind) {
      case TL_I_PLAN: single(&k, &c->title, it, "plan"); break;
      case TL_I_CURRENCY: single(&k, &c->currency, it, "currency"); break;
      case TL_I_YEAR: single(&k, &c->year, it, "year"); break;
      case TL_I_PERIOD: single(&k, &c->period, it, "period"); break;
      case TL_I_ROUNDING: single(&k, &c->rounding, it, "rounding"); break;
      case TL_I_INPUT:
        if (strcmp(it->name, "payees") == 0) single(&k, &c->payees_input, it, "input payees");
        else if (strcmp(it->name, "deals") == 0) single(&k, &c->deals_input, it, "input deals");
        else err(&k, it->name_span, "schema", "unknown input %s (the plan declares payees and "
                 "deals; splits, fx and quotas have fixed columns)", it->name);
        break;
      case TL_I_ELIGIBLE: single(&k, &c->eligible, it, "eligible"); break;
      case TL_I_QUOTA: single(&k, &c->quota, it, "quota"); break;
      case TL_I_CREDIT: tl_vec_push(c->credits, it); break;
      case TL_I_ROLLUP: single(&k, &c->rollup, it, "rollup"); break;
      case TL_I_CLAWBACK: single(&k, &c->clawback, it, "clawback"); break;
      case TL_I_MEASURE: declare(&k, it, &c->measures, "measure"); break;
      case TL_I_COMPONENT: declare(&k, it, &c->components, "component"); break;
      case TL_I_DRAW: single(&k, &c->draw, it, "draw"); break;
      case TL_I_TEST: tl_vec_push(c->tests, it); break;
    }
  }
  check_header(&k);
  build_schema(&k, c->payees_input, payee_required, 1, &c->payee_cols);
  build_schema(&k, c->deals_input, deal_required, 4, &c->deal_cols);

  int cc = find_col(c->deal_cols.v, c->deal_cols.n, "currency");
  if (cc >= 0 && c->deal_cols.v[cc].type != TL_COL_TEXT)
    err(&k, c->deals_input->span, "schema", "column currency of deals must be text (a currency "
        "code such as EUR)");
  int sc = find_col(c->payee_cols.v, c->payee_cols.n, "start");
  int ec = find_col(c->payee_cols.v, c->payee_cols.n, "end");
  if (sc >= 0 && c->payee_cols.v[sc].type != TL_COL_DATE)
    err(&k, c->payees_input->span, "schema", "column start of payees must be a date (it is when the payee becomes active)");
  if (ec >= 0 && c->payee_cols.v[ec].type != TL_COL_DATE)
    err(&k, c->payees_input->span, "schema", "column end of payees must be a date (it is when the payee stops being active)");

  if (c->eligible) {
    check_expr(&k, c->eligible->x, X_PAYEE_ROW);
    expect_type(&k, c->eligible->x, TL_TY_BOOL, "an eligibility filter");
  }
  if (c->credits.n == 0) {
    tl_span top = { 0, 0, 0, 0 };
    err(&k, top, "missing", "the plan credits no deals (add: credit deals where ... to owner)");
  }
  for (size_t i = 0; i < c->credits.n; i++) {
    tl_item *it = c->credits.v[i];
    if (it->where) {
      check_expr(&k, it->where, X_DEAL_ROW);
      expect_type(&k, it->where, TL_TY_BOOL, "a credit filter");
    }
    it->slot = payee_col_of(&k, it->name_span, it->word, true);
  }
  if (c->rollup) c->rollup->slot = payee_col_of(&k, c->rollup->name_span, c->rollup->word, false);
  if (c->clawback) {
    tl_item *it = c->clawback;
    int col = find_col(c->deal_cols.v, c->deal_cols.n, it->word);
    if (col < 0) err(&k, it->name_span, "name", "deals has no column %s (declare it: %s date?)", it->word, it->word);
    else if (c->deal_cols.v[col].type != TL_COL_DATE)
      err(&k, it->name_span, "type", "column %s of deals must be a date to be a cancellation date", it->word);
    it->slot = col;
    if (!is_integer(it->num)) err(&k, it->span, "clawback", "the clawback window must be a whole number of days");
  }
  if (c->quota) {
    tl_item *it = c->quota;
    if (it->from_table) {
      if (strcmp(it->name, "quotas") != 0)
        err(&k, it->name_span, "name", "quota can be read from the quotas table only, not %s", it->name);
    } else {
      check_expr(&k, it->x, X_QUOTA);
      expect_type(&k, it->x, TL_TY_MONEY, "the quota");
    }
  }
  for (size_t i = 0; i < c->measures.n; i++)
    if (c->measures.v[i]->slot == -1) check_item_expr(&k, c->measures.v[i]);
  for (size_t i = 0; i < c->components.n; i++) check_component(&k, c->components.v[i]);
  if (c->draw) {
    tl_item *it = c->draw;
    check_expr(&k, it->x, X_PAYEE);
    expect_type(&k, it->x, TL_TY_MONEY, "a draw amount");
    int64_t n = 0;
    if (!is_integer(it->num) || !tl_dec_to_int(it->num, &n) || n < 1 ||
        (year_known(&k) && c->period && n > c->cal.n))
      err(&k, it->span, "draw", "a draw lasts a whole number of periods, from 1 to the periods "
          "in the plan year");
  }
  if (c->components.n == 0) {
    tl_span top = { 0, 0, 0, 0 };
    err(&k, top, "missing", "the plan has no component, so it pays nothing (add: component ...)");
  }
  if (k.errors == 0) lint(&k);
  tl_vec_free(k.used);
  return k.errors;
}

void tl_checked_free(tl_checked *c) {
  tl_vec_free(c->measures);
  tl_vec_free(c->components);
  tl_vec_free(c->credits);
  tl_vec_free(c->tests);
  tl_vec_free(c->payee_cols);
  tl_vec_free(c->deal_cols);
}
