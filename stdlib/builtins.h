/*
** builtins.h: the built-in functions of the language (builtins.def).
*/
#ifndef TL_STDLIB_BUILTINS_H
#define TL_STDLIB_BUILTINS_H

#include "runtime/decimal.h"
#include "runtime/value.h"

typedef enum tl_builtin {
#define B(name, lo, hi, doc) TL_BI_##name,
#include "builtins.def"
#undef B
  TL_BI__COUNT
} tl_builtin;

typedef struct tl_builtin_info { const char *name; int min_args, max_args; const char *doc; } tl_builtin_info;
extern const tl_builtin_info tl_builtins[TL_BI__COUNT];

/* Run built-in id over args; TL_DEC_OK or the arithmetic failure. */
tl_dec_status tl_builtin_call(int id, const tl_value *args, int n, tl_value *out);

#endif
