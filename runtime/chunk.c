/*
** chunk.c: the opcode tables, freeing programs, and the disassembler.
*/
#include <stdio.h>
#include <string.h>

#include "runtime/arena.h"
#include "runtime/chunk.h"

const char *const tl_op_names[TL_OP__COUNT] = {
#define OP(name, operand, pops, pushes, doc) #name,
#include "opcodes.def"
#undef OP
};

const char *const tl_op_operands[TL_OP__COUNT] = {
#define OP(name, operand, pops, pushes, doc) operand,
#include "opcodes.def"
#undef OP
};

void tl_prog_free(tl_program *p) {
  if (!p) return;
  for (uint32_t i = 0; i < p->nchunks; i++) {
    tl_free(p->chunks[i].code);
    tl_free(p->chunks[i].spans);
    tl_free((char *)p->chunks[i].what);
  }
  for (uint32_t i = 0; i < p->nconsts; i++) tl_free((char *)p->consts[i].text);
  for (uint32_t i = 0; i < p->ntiers; i++) {
    tl_free(p->tiers[i].bound);
    tl_free(p->tiers[i].rate);
  }
  for (uint32_t i = 0; i < p->nmeasures; i++) tl_free((char *)p->measures[i].name);
  for (uint32_t i = 0; i < p->ncomponents; i++) tl_free((char *)p->components[i].name);
  for (int i = 0; i < p->payees.ncols; i++) tl_free((char *)p->payees.cols[i].name);
  for (int i = 0; i < p->deals.ncols; i++) tl_free((char *)p->deals.cols[i].name);
  tl_free((void *)p->payees.cols);
  tl_free((void *)p->deals.cols);
  tl_free(p->chunks);
  tl_free(p->consts);
  tl_free(p->tiers);
  tl_free(p->aggs);
  tl_free(p->rules);
  tl_free(p->measures);
  tl_free(p->components);
  tl_free(p->source_name);
  tl_free(p->title);
  tl_free(p->currency);
  tl_free(p);
}

void tl_prog_deals_read(const tl_program *p, bool *read) {
  for (int c = 0; c < p->deals.ncols; c++) read[c] = c <= TL_DEALS_AMOUNT;
  for (uint32_t i = 0; i < p->nrules; i++) read[p->rules[i].target] = true;
  if (p->clawback_col >= 0) read[p->clawback_col] = true;
  for (uint32_t i = 0; i < p->nchunks; i++)
    for (uint32_t k = 0; k < p->chunks[i].n; k++)
      if (TL_INSTR_OP(p->chunks[i].code[k]) == TL_OP_DCOL) {
        uint32_t a = TL_INSTR_A(p->chunks[i].code[k]);
        if (a < (uint32_t)p->deals.ncols) read[a] = true;   /* TL_DEALS_AMOUNT, or a column */
      }
}

/* The text of 1-based line n of source, and its length. */
static const char *source_line(const char *src, size_t len, int n, int *out_len) {
  const char *p = src, *end = src + len;
  for (int i = 1; i < n && p < end; i++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return NULL;
    p = nl + 1;
  }
  if (p >= end) return NULL;
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  *out_len = (int)((nl ? nl : end) - p);
  return p;
}

static void print_const(const tl_program *p, uint32_t k, FILE *out) {
  const tl_const *c = &p->consts[k];
  char buf[80];
  if (c->text) { fprintf(out, "\"%s\"", c->text); return; }
  switch (c->v.kind) {
    case TL_V_DEC: tl_dec_format(c->v.u.d, -1, false, buf, sizeof buf); fputs(buf, out); break;
    case TL_V_DATE: tl_date_format(c->v.u.i, buf); fputs(buf, out); break;
    case TL_V_BOOL: fputs(c->v.u.i ? "true" : "false", out); break;
    default: fputs("?", out); break;
  }
}

void tl_prog_disasm(const tl_program *p, const char *src, size_t len, FILE *out) {
  static const char *const ctx_names[] = { "payee", "deal", "credit", "period" };
  for (uint32_t ci = 0; ci < p->nchunks; ci++) {
    const tl_chunk *ch = &p->chunks[ci];
    fprintf(out, "chunk %u: %s (%s context, stack %u)\n", ci, ch->what, ctx_names[ch->ctx],
            ch->max_stack);
    int last_line = -1;
    for (uint32_t i = 0; i < ch->n; i++) {
      tl_opcode op = TL_INSTR_OP(ch->code[i]);
      uint32_t a = TL_INSTR_A(ch->code[i]);
      int line = ch->spans[i].line;
      if (line > 0 && line != last_line && src) {
        int n = 0;
        const char *t = source_line(src, len, line, &n);
        if (t) fprintf(out, "  %4d | %.*s\n", line, n, t);
        last_line = line;
      }
      fprintf(out, "  %04u  %-9s", i, tl_op_names[op]);
      if (strcmp(tl_op_operands[op], "-") != 0) {
        fprintf(out, " %u", op == TL_OP_CALL ? (a & 0xff) : a);
        if (strcmp(tl_op_operands[op], "const") == 0) { fputs("  ; ", out); print_const(p, a, out); }
        if (op == TL_OP_RANGEK) { fputs(" to ", out); print_const(p, a + 1, out); }
        if (op == TL_OP_JUMP || op == TL_OP_JUMPF || op == TL_OP_JUMPFK || op == TL_OP_JUMPTK)
          fprintf(out, "  ; to %04u", i + 1 + a);
        if (op == TL_OP_MEASURE && a < p->nmeasures) fprintf(out, "  ; %s", p->measures[a].name);
        if (op == TL_OP_CALL) fprintf(out, "  ; %u args", a >> 8);
        if (op == TL_OP_YTD) fprintf(out, "  ; chunk %u", a);
      }
      fputc('\n', out);
    }
  }
}
