/*
** diag.h: the one place every user-facing error and warning goes through.
**
** Every layer (lexer, parser, checker, loader, engine) reports into a
** tl_diags collector; nothing below cli/ prints.  The collector owns copies of
** all strings it is given, keeps diagnostics in the order reported, and counts
** errors so callers can refuse to produce output when any occurred.
**
** Text format is gcc's, so editors and CI parse it:
**   plan.tally:14:22: error: unexpected ')', expected expression
**      14 |   measure x = sum(credit.amount))
**         |                      ^
** Messages are lowercase without a final period.  A source line and caret are
** shown when the file's text was registered with tl_diag_source.
*/
#ifndef TL_LANG_DIAG_H
#define TL_LANG_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum tl_severity { TL_SEV_ERROR, TL_SEV_WARNING, TL_SEV_NOTE } tl_severity;
typedef enum tl_diag_format { TL_DIAG_TEXT, TL_DIAG_JSON, TL_DIAG_GITHUB } tl_diag_format;

/* A span in a file: 1-based line and column, end inclusive.  line 0 means
** "the whole file" (no position); col 0 means "the whole line". */
typedef struct tl_loc {
  const char *file;   /* not owned; the collector copies it when reporting */
  int line, col, end_line, end_col;
} tl_loc;

/* One stored diagnostic.  Only the struct tag names it: the plain name
** tl_diag is the reporting function, and C gives both one namespace. */
struct tl_diag {
  tl_severity sev;
  char *file;
  int line, col, end_line, end_col;
  char *code;      /* short stable id, e.g. "syntax", "type", "csv-value" */
  char *message;
};

typedef struct tl_diags tl_diags;

tl_diags *tl_diags_new(void);
void tl_diags_free(tl_diags *d);
/* Register a file's text so diagnostics in it can show the line; copied. */
void tl_diag_source(tl_diags *d, const char *file, const char *text, size_t len);
void tl_diag(tl_diags *d, tl_severity sev, tl_loc loc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void tl_diagv(tl_diags *d, tl_severity sev, tl_loc loc, const char *code, const char *fmt, va_list ap);
/* After max_errors errors, further errors are only counted (0 = no limit). */
void tl_diag_limit(tl_diags *d, int max_errors);
int tl_diag_errors(const tl_diags *d);      /* all errors, including suppressed */
int tl_diag_warnings(const tl_diags *d);
size_t tl_diag_count(const tl_diags *d);    /* stored diagnostics */
const struct tl_diag *tl_diag_at(const tl_diags *d, size_t i);
/* Drop everything (keeps registered sources). */
void tl_diag_clear(tl_diags *d);
/* Write all stored diagnostics to f; with TL_DIAG_TEXT, a final line
** "N more errors not shown" when the limit suppressed some. */
void tl_diag_print(const tl_diags *d, FILE *f, tl_diag_format fmt);

#endif
