/*
** chunk.h: compiled plans.  This is the contract between lang/ and runtime/:
** the runtime knows nothing of syntax, only what is here.
**
** A tl_program owns everything in it (one allocation per array, freed by
** tl_prog_free).  Each expression of a plan becomes a chunk: straight-line
** code with forward jumps only, ending in RET, so every chunk terminates.
** Chunks run in one of four contexts (tl_ctx); the compiler guarantees that a
** chunk uses only the instructions its context allows.
*/
#ifndef TL_RUNTIME_CHUNK_H
#define TL_RUNTIME_CHUNK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "date.h"
#include "decimal.h"
#include "ledger.h"
#include "value.h"

typedef enum tl_opcode {
#define OP(name, operand, pops, pushes, doc) TL_OP_##name,
#include "opcodes.def"
#undef OP
  TL_OP__COUNT
} tl_opcode;

extern const char *const tl_op_names[TL_OP__COUNT];
extern const char *const tl_op_operands[TL_OP__COUNT];

/* An instruction: opcode in the low 8 bits, operand A in the high 24. */
typedef uint32_t tl_instr;
#define TL_INSTR(op, a) ((tl_instr)(op) | ((tl_instr)(a) << 8))
#define TL_INSTR_OP(i) ((tl_opcode)((i) & 0xff))
#define TL_INSTR_A(i) ((i) >> 8)
#define TL_OPERAND_MAX 0xffffff

/* Credit line fields for OP_CREDIT. */
typedef enum tl_credit_field {
  TL_CF_AMOUNT, TL_CF_SHARE, TL_CF_DATE, TL_CF_PAYEE, TL_CF_DEAL, TL_CF_DIRECT
} tl_credit_field;

/* The deals schema starts with id, owner, closed, amount (lang/check.c);
** deal.amount always reads the amount converted to the plan currency. */
#define TL_DEALS_AMOUNT 3

typedef enum tl_ctx {
  TL_CTX_PAYEE,    /* one payee: PCOL (eligibility, draw amounts) */
  TL_CTX_DEAL,     /* one deal: DCOL (credit filters) */
  TL_CTX_CREDIT,   /* one credit line: CREDIT, DCOL, PCOL */
  TL_CTX_PERIOD    /* one payee, period, as-of period: AGG, MEASURE, QUOTA, YTD, PCOL */
} tl_ctx;

typedef struct tl_span32 { int32_t line, col, end_line, end_col; } tl_span32;

typedef struct tl_chunk {
  tl_instr *code;
  tl_span32 *spans;        /* source span of each instruction */
  uint32_t n;
  uint32_t max_stack;
  tl_ctx ctx;
  const char *what;        /* "measure attainment", for messages */
} tl_chunk;

/* A constant: decimals, dates and bools as values; text as a string. */
typedef struct tl_const {
  tl_value v;
  const char *text;        /* text constants (interned into the ledger at run time) */
} tl_const;

typedef struct tl_tier_table {
  uint8_t kind;            /* 0 marginal, 1 retro, 2 curve */
  bool over;               /* bounds are fractions of a quota popped from the stack */
  bool exclusive;
  uint32_t n;
  tl_dec *bound, *rate;
} tl_tier_table;

typedef struct tl_aggregate {
  int32_t filter;          /* chunk (credit context) -> bool, or -1 */
  int32_t value;           /* chunk (credit context) -> money/number */
} tl_aggregate;

typedef struct tl_credit_rule {
  int32_t filter;          /* chunk (deal context) -> bool, or -1 */
  int32_t target;          /* payee column of deals */
} tl_credit_rule;

typedef enum tl_clamp { TL_CLAMP_CAP_PERIOD, TL_CLAMP_CAP_YEAR, TL_CLAMP_FLOOR_PERIOD } tl_clamp;

typedef struct tl_component {
  const char *name;
  bool cumulative;
  int32_t body;            /* chunk (period context) -> money */
  int32_t cap_period, cap_year, floor_period;   /* chunks, or -1 */
} tl_component;

typedef struct tl_measure {
  const char *name;
  int32_t body;            /* chunk (period context) */
} tl_measure;

typedef struct tl_program {
  char *source_name;       /* plan file */
  char *title;
  char *currency;
  tl_cal cal;
  tl_round_mode rounding;
  tl_dec unit;

  tl_tablespec payees, deals;          /* declared schemas (own their columns) */
  int payee_start, payee_end;          /* payees columns "start"/"end", or -1 */

  int32_t eligible;                    /* chunk (payee context), or -1: everyone */
  tl_credit_rule *rules; uint32_t nrules;
  int32_t rollup;                      /* payee column of payees, or -1 */
  int32_t clawback_col;                /* date column of deals, or -1 */
  int32_t clawback_days;
  bool clawback_reversing;

  int32_t quota;                       /* chunk (period context), or -1 */
  bool quota_from_table, quota_prorated;

  tl_measure *measures; uint32_t nmeasures;
  tl_component *components; uint32_t ncomponents;
  tl_aggregate *aggs; uint32_t naggs;

  bool has_draw, draw_recoverable;
  int32_t draw_amount;                 /* chunk (payee context) */
  int32_t draw_periods;

  tl_chunk *chunks; uint32_t nchunks;
  tl_const *consts; uint32_t nconsts;
  tl_tier_table *tiers; uint32_t ntiers;
} tl_program;

void tl_prog_free(tl_program *p);
/* Which of the deals columns a run of p reads: read[c] for each of
** p->deals' columns (tl_ldg_opts.deals_read).  The id, owner, close date
** and amount, the crediting rules' targets, the clawback's date and every
** column a chunk reads (DCOL); a column declared and never read is only
** checked as the ledger loads. */
void tl_prog_deals_read(const tl_program *p, bool *read);
/* Human-readable listing of every chunk with source lines (tally disasm). */
void tl_prog_disasm(const tl_program *p, const char *source, size_t len, FILE *out);

#endif
