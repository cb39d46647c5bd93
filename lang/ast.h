/*
** ast.h: the syntax tree of a plan.
**
** The parser builds it; the checker annotates it in place (resolving names,
** assigning types and slots); the compiler reads it.  Every node lives in the
** plan's arena and is freed with it, so no pass ever frees a node and no
** error path can leak.  Strings in nodes are arena copies, NUL-terminated.
**
** A plan is a list of items in source order; lists are singly linked through
** `next` (items, expressions in argument lists, tier rows, columns, test
** entries) because they are built left to right by the parser and walked in
** order by every later pass.
*/
#ifndef TL_LANG_AST_H
#define TL_LANG_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "../runtime/arena.h"
#include "../runtime/decimal.h"
#include "diag.h"

typedef struct tl_span { int line, col, end_line, end_col; } tl_span;

/* Static types of expressions (the checker's view). */
typedef enum tl_type {
  TL_TY_ERROR,      /* already reported: silences follow-on errors */
  TL_TY_MONEY,
  TL_TY_NUMBER,
  TL_TY_LIT,        /* untyped numeric literal: becomes money or number by use */
  TL_TY_DATE,
  TL_TY_TEXT,
  TL_TY_BOOL,
  TL_TY_PAYEE,
  TL_TY_DEAL,
  TL_TY_CREDIT      /* the credit line itself, only inside count(credit ...) */
} tl_type;

const char *tl_type_name(tl_type t);

#define TL_EXPR_KINDS(X) \
  X(NUM)      /* numeric literal (dec; lit: no % sign) */ \
  X(STR)      /* text literal */ \
  X(DATE)     /* date literal */ \
  X(BOOL)     /* true/false */ \
  X(NAME)     /* a bare name: measure, component, quota, or a column in row context */ \
  X(FIELD)    /* obj.name: payee.x, deal.x, credit.x */ \
  X(CREDIT)   /* bare `credit` */ \
  X(CALL)     /* name(args [where filter]) */ \
  X(UNARY)    /* -x, not x */ \
  X(BINARY)   /* x op y */ \
  X(IF)       /* if c then a else b */ \
  X(RANGE)    /* x in lo to hi (dates or numbers, inclusive) */ \
  X(INPERIOD) /* x in 2026-Q3 */ \
  X(INLIST)   /* x in [a, b, c] */ \
  X(TIER)     /* marginal/retro/curve table */

typedef enum tl_expr_kind {
#define X(k) TL_E_##k,
  TL_EXPR_KINDS(X)
#undef X
} tl_expr_kind;

typedef enum tl_op {
  TL_AOP_ADD, TL_AOP_SUB, TL_AOP_MUL, TL_AOP_DIV, TL_AOP_NEG,
  TL_AOP_EQ, TL_AOP_NE, TL_AOP_LT, TL_AOP_LE, TL_AOP_GT, TL_AOP_GE,
  TL_AOP_AND, TL_AOP_OR, TL_AOP_NOT
} tl_op;

typedef enum tl_obj { TL_OBJ_PAYEE, TL_OBJ_DEAL, TL_OBJ_CREDIT } tl_obj;
typedef enum tl_tier_kind { TL_TIER_MARGINAL, TL_TIER_RETRO, TL_TIER_CURVE } tl_tier_kind;

typedef struct tl_tier_row {
  struct tl_tier_row *next;
  tl_dec bound, rate;
  bool bound_pct, rate_pct;    /* written with % (for fmt and messages) */
  tl_span span;
} tl_tier_row;

/* What a bare name resolved to (filled by the checker). */
typedef enum tl_ref_kind {
  TL_REF_NONE, TL_REF_MEASURE, TL_REF_COMPONENT, TL_REF_QUOTA, TL_REF_COLUMN, TL_REF_PARAM
} tl_ref_kind;

typedef struct tl_expr {
  tl_expr_kind kind;
  tl_span span;
  tl_type type;                /* set by the checker */
  int depth;                   /* nesting, 1 for a leaf (parser; see TL_MAX_DEPTH) */
  struct tl_expr *next;        /* argument and list chains */
  union {
    struct { tl_dec v; bool lit; } num;
    const char *str;
    int32_t date;
    bool b;
    struct { const char *name; tl_ref_kind ref; int slot; } name;
    struct { tl_obj obj; const char *name; int col; } field;
    struct { const char *name; struct tl_expr *args; struct tl_expr *where; int nargs; int slot; } call;
    struct { tl_op op; struct tl_expr *x; } unary;
    struct { tl_op op; struct tl_expr *l, *r; } binary;
    struct { struct tl_expr *c, *a, *b; } cond;
    struct { struct tl_expr *x, *lo, *hi; } range;
    struct { struct tl_expr *x; const char *period; int index; } inperiod;
    struct { struct tl_expr *x, *items; } inlist;
    struct {
      tl_tier_kind kind;
      struct tl_expr *x, *over;
      bool exclusive;
      tl_tier_row *rows;
      int nrows;
    } tier;
  } u;
} tl_expr;

typedef struct tl_coldecl {
  struct tl_coldecl *next;
  const char *name;
  const char *type;            /* as written; the checker maps it */
  bool optional, key;
  tl_span span, type_span;
} tl_coldecl;

/* A literal value in a test block row (`role: "AE"`). */
typedef struct tl_tfield {
  struct tl_tfield *next;
  const char *key;             /* column name, or a date/period/payee written as key */
  const char *text;            /* the value as text the loader would read */
  bool quoted, pct;            /* written as a string / with % (for fmt) */
  tl_span span, key_span;
} tl_tfield;

typedef enum tl_titem_kind { TL_T_ROW, TL_T_EXPECT, TL_T_EXPECT_ERROR } tl_titem_kind;

typedef struct tl_titem {
  struct tl_titem *next;
  tl_titem_kind kind;
  tl_span span;
  const char *table;           /* row: "payee", "deal", "split", "fx", "quota" */
  const char *id;              /* row id / expect payee */
  tl_tfield *fields;
  const char *period;          /* expect */
  const char *line;            /* expect: line name */
  tl_dec value;                /* expect */
  bool pct;                    /* expect: value written with % (for fmt) */
  const char *message;         /* expect error */
} tl_titem;

/* Deepest expression nesting a plan may have. */
#define TL_MAX_DEPTH 200

typedef enum tl_mode { TL_MODE_PERIOD, TL_MODE_CUMULATIVE } tl_mode;

typedef enum tl_clause_kind { TL_CAP_PERIOD, TL_CAP_YEAR, TL_FLOOR_PERIOD } tl_clause_kind;

typedef struct tl_clause {
  struct tl_clause *next;
  tl_clause_kind kind;
  tl_expr *x;
  tl_span span;
} tl_clause;

#define TL_ITEM_KINDS(X) \
  X(PLAN) X(CURRENCY) X(YEAR) X(PERIOD) X(ROUNDING) X(INPUT) X(ELIGIBLE) X(QUOTA) \
  X(CREDIT) X(ROLLUP) X(CLAWBACK) X(MEASURE) X(COMPONENT) X(DRAW) X(TEST)

typedef enum tl_item_kind {
#define X(k) TL_I_##k,
  TL_ITEM_KINDS(X)
#undef X
} tl_item_kind;

typedef struct tl_item {
  struct tl_item *next;
  tl_item_kind kind;
  tl_span span;                /* the whole item */
  tl_span name_span;           /* the declared name, or the key word */
  const char *name;            /* plan title, currency, measure/component name, table, ... */
  const char *word;            /* period kind, rounding mode, draw kind, target column */
  int32_t d1, d2;              /* year: start and end dates */
  tl_dec num;                  /* rounding unit, clawback days, draw periods */
  tl_expr *x;                  /* main expression */
  tl_expr *where;              /* filter */
  tl_mode mode;                /* component */
  bool flag;                   /* quota: prorated; clawback: reversing; component: per credit */
  bool from_table;             /* quota from quotas */
  tl_clause *clauses;          /* component caps and floors */
  tl_coldecl *cols;            /* input */
  tl_titem *tests;             /* test */
  int slot;                    /* checker: measure/component index */
} tl_item;

typedef struct tl_comment {
  struct tl_comment *next;
  const char *text;            /* from '#' to the end of line */
  int line, col;
} tl_comment;

typedef struct tl_plan {
  tl_arena arena;
  const char *file;
  tl_item *items;
  tl_comment *comments;
} tl_plan;

/* Parse text (len bytes, need not be NUL-terminated) from file.  Always
** returns a plan (possibly partial); syntax errors go to diags. */
tl_plan *tl_parse(const char *file, const char *text, size_t len, tl_diags *diags);
void tl_plan_free(tl_plan *p);

/* Constructors used by the parser. */
tl_expr *tl_ast_expr(tl_plan *p, tl_expr_kind k, tl_span s);
tl_item *tl_ast_item(tl_plan *p, tl_item_kind k, tl_span s);
const char *tl_ast_str(tl_plan *p, const char *s, size_t n);

const char *tl_expr_kind_name(tl_expr_kind k);
const char *tl_item_kind_name(tl_item_kind k);
const char *tl_op_text(tl_op op);

static inline tl_loc tl_span_loc(const char *file, tl_span s) {
  tl_loc l = { file, s.line, s.col, s.end_line, s.end_col };
  return l;
}

#endif
