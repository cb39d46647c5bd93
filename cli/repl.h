/*
** repl.h: `tally repl`, an interactive session over one plan and one ledger.
**
** The session evaluates expressions of the language for a payee and period in
** context, explains statements, says what one deal contributed, and tries
** what-ifs (overrides of measures, component bodies, the quota and single
** rates of tier tables; cancelled and added deals) against the plan and
** ledger as loaded.  It lives in cli/
** because it talks to a terminal; everything it computes comes from libtally.
**
** Output, results and errors alike, goes to `out`: a session's transcript is
** one stream.  With interactive false the session reads lines from `in` with
** no prompt and no banner, so a script of commands gives exactly its results.
*/
#ifndef TL_CLI_REPL_H
#define TL_CLI_REPL_H

#include <stdbool.h>
#include <stdio.h>

/* Run a session.  plan and data (a folder of CSV files) may be NULL; they
** are loaded as :load and :data would.  interactive: read with libedit
** (prompt, completion, history in $TALLY_HISTORY or ~/.tally_history).
** Returns 0, or 1 when a non-interactive session had a command fail (so
** scripts can tell); errors never end the session.  threads: as --threads
** (the engine credits deals on up to that many). */
int tl_repl_main(const char *plan, const char *data, FILE *in, FILE *out, bool interactive,
                 int threads);

#endif
