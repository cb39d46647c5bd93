/*
** value.h: the values the VM computes with.
**
** Types are checked before anything runs, so a value carries its kind only to
** tell an empty (optional) cell apart and to print itself.  Ownership rule:
** values own nothing.  Text is a string id interned in the ledger's table and
** payees/deals are row indexes, so values are copied freely and never freed.
*/
#ifndef TL_RUNTIME_VALUE_H
#define TL_RUNTIME_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "decimal.h"

typedef enum tl_vkind {
  TL_V_NULL,       /* an empty optional cell */
  TL_V_DEC,        /* money or number */
  TL_V_DATE,
  TL_V_STR,        /* interned string id */
  TL_V_BOOL,
  TL_V_PAYEE,      /* payees row index */
  TL_V_DEAL        /* deals row index */
} tl_vkind;

typedef struct tl_value {
  union {
    tl_dec d;
    int32_t i;     /* date, bool, row index */
    uint32_t s;    /* string id */
  } u;
  tl_vkind kind;
} tl_value;

static inline tl_value tl_v_dec(tl_dec d) { tl_value v; v.u.d = d; v.kind = TL_V_DEC; return v; }
static inline tl_value tl_v_bool(bool b) { tl_value v; v.u.d.raw = 0; v.u.i = b; v.kind = TL_V_BOOL; return v; }
static inline tl_value tl_v_null(void) { tl_value v; v.u.d.raw = 0; v.kind = TL_V_NULL; return v; }
static inline tl_value tl_v_int(tl_vkind k, int32_t i) { tl_value v; v.u.d.raw = 0; v.u.i = i; v.kind = k; return v; }

#endif
