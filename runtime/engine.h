/*
** engine.h: evaluation of a compiled plan over a ledger (language.md,
** "Evaluation model"): crediting, measures and components as of each period,
** rounding, clawbacks, draws and balances.
**
** tl_eng_run returns every output row, ordered by payee id then period, lines
** in plan order then earned, net, balance; or NULL after reporting the first
** run-time error (division by zero, overflow, a cycle in the manager column).
** The result owns its rows.
*/
#ifndef TL_RUNTIME_ENGINE_H
#define TL_RUNTIME_ENGINE_H

#include "lang/diag.h"
#include "runtime/chunk.h"
#include "runtime/ledger.h"

/* Line numbers >= 0 are components; the fixed lines follow them. */
#define TL_LINE_EARNED (-1)
#define TL_LINE_NET (-2)
#define TL_LINE_BALANCE (-3)

typedef struct tl_row {
  int32_t payee;          /* payees row */
  int16_t period;
  int16_t line;
  tl_dec amount;
} tl_row;

typedef struct tl_result {
  tl_row *rows;
  size_t nrows;
  int lines_per_period;   /* components + 3 */
} tl_result;

tl_result *tl_eng_run(const tl_program *p, const tl_ledger *l, tl_diags *d);
/* The same with a step budget for each evaluation (0: the VM's default). */
tl_result *tl_eng_run_limited(const tl_program *p, const tl_ledger *l, tl_diags *d,
                              uint64_t max_steps);
void tl_result_free(tl_result *r);
/* The name of a line ("commission", "earned", ...). */
const char *tl_eng_line_name(const tl_program *p, int line);

#endif
