/*
** parse.c: runs the scanner and parser over a plan's text, and owns the
** keyword table and the hooks the scanner reports through.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lang/parse_state.h"
#define YYSTYPE TL_YYSTYPE
#define YYLTYPE TL_YYLTYPE
#include "lexer.h"

int tl_yyparse(yyscan_t scanner, struct tl_lexstate *st);

static const struct { const char *text; int token; } keywords[] = {
  { "and", AND }, { "by", BY }, { "cap", CAP }, { "clawback", CLAWBACK },
  { "component", COMPONENT }, { "credit", CREDIT }, { "cumulative", CUMULATIVE },
  { "currency", CURRENCY }, { "curve", CURVE }, { "days", DAYS }, { "deal", DEAL },
  { "deals", DEALS }, { "draw", DRAW }, { "eligible", ELIGIBLE }, { "else", ELSE },
  { "error", KW_ERROR }, { "exclusive", EXCLUSIVE }, { "expect", EXPECT }, { "false", FALSE },
  { "floor", FLOOR }, { "for", FOR }, { "from", FROM }, { "if", IF }, { "in", IN },
  { "input", INPUT }, { "key", KEY }, { "marginal", MARGINAL }, { "measure", MEASURE },
  { "nonrecoverable", NONRECOVERABLE }, { "not", NOT }, { "or", OR }, { "over", OVER },
  { "payee", PAYEE }, { "payees", PAYEES }, { "per", PER }, { "period", PERIOD },
  { "periods", PERIODS }, { "plan", PLAN }, { "prorated", PRORATED }, { "quota", QUOTA },
  { "recoverable", RECOVERABLE }, { "retro", RETRO }, { "reversing", REVERSING },
  { "rollup", ROLLUP }, { "rounding", ROUNDING }, { "test", TEST }, { "then", THEN },
  { "to", TO }, { "true", TRUE }, { "where", WHERE }, { "within", WITHIN }, { "year", YEAR },
};

int tl_lex_keyword(const char *s, size_t n) {
  size_t lo = 0, hi = sizeof keywords / sizeof *keywords;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strncmp(s, keywords[mid].text, n);
    if (c == 0 && keywords[mid].text[n] != 0) c = -1;
    if (c == 0) return keywords[mid].token;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return 0;
}

const char *tl_lex_keyword_text(int token) {
  for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
    if (keywords[i].token == token) return keywords[i].text;
  return NULL;
}

void tl_lex_comment(struct tl_lexstate *st, const char *s, size_t n, int line, int col) {
  tl_comment *c = tl_arena_alloc(&st->plan->arena, sizeof *c);
  c->text = tl_arena_strndup(&st->plan->arena, s, n);
  c->line = line;
  c->col = col;
  *st->comment_tail = c;
  st->comment_tail = &c->next;
}

void tl_lex_error(struct tl_lexstate *st, const TL_YYLTYPE *l, const char *fmt, ...) {
  tl_loc loc = { st->file, l->first_line, l->first_column, l->last_line, l->last_column };
  va_list ap;
  va_start(ap, fmt);
  tl_diagv(st->diags, TL_SEV_ERROR, loc, "syntax", fmt, ap);
  va_end(ap);
}

tl_plan *tl_parse(const char *file, const char *text, size_t len, tl_diags *diags) {
  tl_plan *p = tl_calloc(1, sizeof *p);
  tl_arena_init(&p->arena);
  p->file = tl_arena_strndup(&p->arena, file, strlen(file));
  struct tl_lexstate st = { p, diags, p->file, 1, 1, &p->comments, &p->items, false, NULL, true, false };
  yyscan_t scanner;
  if (tl_yylex_init_extra(&st, &scanner) != 0) {
    tl_loc loc = { file, 0, 0, 0, 0 };
    tl_diag(diags, TL_SEV_ERROR, loc, "internal", "cannot start the scanner");
    return p;
  }
  YY_BUFFER_STATE buf = tl_yy_scan_bytes(text, (int)len, scanner);
  tl_yyparse(scanner, &st);
  tl_yy_delete_buffer(buf, scanner);
  tl_yylex_destroy(scanner);
  return p;
}
