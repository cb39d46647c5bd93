/*
** parse_state.h: what the scanner and the parser share during one parse.
**
** The state lives in flex's `extra` slot, so a parse needs no globals and
** several parses can run at once.  Only lexer.l, parser.y and parse.c include
** this header.
*/
#ifndef TL_LANG_PARSE_STATE_H
#define TL_LANG_PARSE_STATE_H

#include "lang/ast.h"
#include "runtime/date.h"
#include "parser.h"

struct tl_lexstate {
  tl_plan *plan;
  tl_diags *diags;
  const char *file;
  int line, col;               /* position of the next character */
  tl_comment **comment_tail;
  tl_item **item_tail;
  bool too_deep;               /* reported the nesting limit already */
  const char *last_name;       /* text of the last name token, for messages */
  bool newline;                /* a line break since the last token */
  bool bol;                    /* the last token is the first on its line */
};

int tl_lex_keyword(const char *s, size_t n);          /* token, or 0 */
const char *tl_lex_keyword_text(int token);           /* NULL if not a keyword */
void tl_lex_comment(struct tl_lexstate *st, const char *s, size_t n, int line, int col);
void tl_lex_error(struct tl_lexstate *st, const TL_YYLTYPE *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline tl_span tl_span_of(const TL_YYLTYPE *l) {
  tl_span s = { l->first_line, l->first_column, l->last_line, l->last_column };
  return s;
}

#endif
