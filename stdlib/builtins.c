/*
** builtins.c: implementations of the built-in functions (builtins.def).
** Every one is exact: decimals in, decimals out, no floating point.
*/
#include <string.h>

#include "lang/front.h"
#include "stdlib/builtins.h"

const tl_builtin_info tl_builtins[TL_BI__COUNT] = {
#define B(name, lo, hi, doc) { #name, lo, hi, doc },
#include "builtins.def"
#undef B
};

int tl_builtin_find(const char *name) {
  for (int i = 0; i < TL_BI__COUNT; i++)
    if (strcmp(tl_builtins[i].name, name) == 0) return i;
  return -1;
}

static int vcmp(const tl_value *a, const tl_value *b) {
  if (a->kind == TL_V_DEC) return tl_dec_cmp(a->u.d, b->u.d);
  return (a->u.i > b->u.i) - (a->u.i < b->u.i);
}

tl_dec_status tl_builtin_call(int id, const tl_value *a, int n, tl_value *out) {
  switch ((tl_builtin)id) {
    case TL_BI_ratio:
      if (tl_dec_is_zero(a[1].u.d)) { *out = tl_v_dec(tl_dec_zero()); return TL_DEC_OK; }
      out->kind = TL_V_DEC;
      return tl_dec_div(a[0].u.d, a[1].u.d, &out->u.d);
    case TL_BI_min:
    case TL_BI_max: {
      int best = 0;
      for (int i = 1; i < n; i++) {
        int c = vcmp(&a[i], &a[best]);
        if (id == TL_BI_min ? c < 0 : c > 0) best = i;
      }
      *out = a[best];
      return TL_DEC_OK;
    }
    case TL_BI_round:
      out->kind = TL_V_DEC;
      if (tl_dec_cmp(a[1].u.d, tl_dec_zero()) <= 0) return TL_DEC_SYNTAX;
      return tl_dec_round(a[0].u.d, a[1].u.d, TL_ROUND_HALF_UP, &out->u.d);
    case TL_BI_abs:
      out->kind = TL_V_DEC;
      return tl_dec_abs(a[0].u.d, &out->u.d);
    case TL_BI_default:
      *out = a[0].kind == TL_V_NULL ? a[1] : a[0];
      return TL_DEC_OK;
    case TL_BI_days:
      *out = tl_v_dec(tl_dec_from_int((int64_t)a[1].u.i - a[0].u.i));
      return TL_DEC_OK;
    case TL_BI__COUNT:
      break;
  }
  return TL_DEC_SYNTAX;
}
