/*
** statement.h: per-payee statements (`tally run --statements DIR`): for each
** eligible payee a text file and a self-contained HTML page with the payee's
** lines for every period, the tier tables and curves behind them (as a chart
** with the payee's position marked, chart.h), and the explanation of every
** line (explain.h), all from the same engine trace as `tally explain`.
**
** File names.  A payee id becomes a file name by keeping the bytes A-Z, a-z,
** 0-9, '-', '_' and '.' (but not a leading '.') and writing every other byte
** as '%' and two upper-case hex digits, so "eu/ana" is "eu%2Fana", ".x" is
** "%2Ex" and "a b" is "a%20b"; the empty id is "%".  The mapping is one to one
** (a '%' in an id is escaped too), never yields "." or ".." or a path, and
** uses only characters every file system accepts.  A name longer than
** TL_STMT_NAME_MAX is an error, as is a clash between names that a
** case-insensitive file system would confuse ("A" and "a").
**
** The folder is written whole or not at all: statements go into a fresh
** folder next to DIR, which then replaces DIR in one rename.  An existing DIR
** is replaced only when it holds nothing but .txt and .html files (earlier
** statements), so a mistyped path never deletes anything else.
*/
#ifndef TL_RUNTIME_STATEMENT_H
#define TL_RUNTIME_STATEMENT_H

#include <stdio.h>

#include "runtime/engine.h"

/* Longest file name without its extension (".html" must still fit in 255). */
#define TL_STMT_NAME_MAX 240

typedef enum tl_stmt_format { TL_STMT_TEXT, TL_STMT_HTML } tl_stmt_format;

/* The file name (no extension) for payee id s[0..n) into buf, NUL-terminated.
** Returns its length, or 0 when it is longer than TL_STMT_NAME_MAX (buf must
** hold TL_STMT_NAME_MAX + 1 bytes). */
size_t tl_stmt_file_name(const char *s, size_t n, char *buf);

/* Write s as HTML text: & < > " ' as entities, control characters other than
** tab and line ends as U+FFFD (HTML allows no others). */
void tl_stmt_html_text(const char *s, FILE *out);

/* One payee's statement from its trace (engine.h).  Returns 0, or -1 when the
** stream reported an error. */
int tl_stmt_write(const tl_program *p, const tl_ledger *l, const tl_trace *t, tl_stmt_format f,
                  FILE *out);

/* Statements for every payee in r into folder dir (see above).  Returns 0, or
** -1 after reporting into d; on failure dir is as it was. */
int tl_stmt_write_dir(const tl_program *p, const tl_ledger *l, const tl_result *r, const char *dir,
                      tl_diags *d);

#endif
