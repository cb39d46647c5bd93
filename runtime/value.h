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
/* A word value over a zeroed u.d.  On a little-endian machine that is the
** whole 128 bits written at once: a zeroing store, an overlapping 4-byte one
** and then a wider load of the value stall the store buffer, and values are
** pushed for every credit line. */
static inline tl_value tl_v_word(tl_vkind k, uint32_t w) {
  tl_value v;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  v.u.d.raw = (__int128)w;
#else
  v.u.d.raw = 0;
  v.u.s = w;
#endif
  v.kind = k;
  return v;
}
static inline tl_value tl_v_bool(bool b) { return tl_v_word(TL_V_BOOL, b); }
static inline tl_value tl_v_null(void) { tl_value v; v.u.d.raw = 0; v.kind = TL_V_NULL; return v; }
static inline tl_value tl_v_int(tl_vkind k, int32_t i) { return tl_v_word(k, (uint32_t)i); }

#endif
