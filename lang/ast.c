/*
** ast.c: node constructors and names for the syntax tree (see ast.h).
*/
#include <string.h>

#include "lang/ast.h"

tl_expr *tl_ast_expr(tl_plan *p, tl_expr_kind k, tl_span s) {
  tl_expr *e = tl_arena_alloc(&p->arena, sizeof *e);
  e->kind = k;
  e->span = s;
  e->type = TL_TY_ERROR;
  e->depth = 1;
  return e;
}

tl_item *tl_ast_item(tl_plan *p, tl_item_kind k, tl_span s) {
  tl_item *it = tl_arena_alloc(&p->arena, sizeof *it);
  it->kind = k;
  it->span = s;
  it->slot = -1;
  return it;
}

const char *tl_ast_str(tl_plan *p, const char *s, size_t n) { return tl_arena_strndup(&p->arena, s, n); }

void tl_plan_free(tl_plan *p) {
  if (!p) return;
  tl_arena_free(&p->arena);
  tl_free(p);
}

const char *tl_type_name(tl_type t) {
  static const char *const names[] = { "error", "money", "number", "number", "date", "text",
                                       "bool", "payee", "deal", "credit" };
  return names[t];
}

const char *tl_expr_kind_name(tl_expr_kind k) {
  static const char *const names[] = {
#define X(k) #k,
    TL_EXPR_KINDS(X)
#undef X
  };
  return names[k];
}

const char *tl_item_kind_name(tl_item_kind k) {
  static const char *const names[] = {
#define X(k) #k,
    TL_ITEM_KINDS(X)
#undef X
  };
  return names[k];
}

const char *tl_op_text(tl_op op) {
  static const char *const text[] = { "+", "-", "*", "/", "-", "==", "!=", "<", "<=", ">", ">=",
                                      "and", "or", "not" };
  return text[op];
}
