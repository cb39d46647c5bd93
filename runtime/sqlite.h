/*
** sqlite.h: ledgers read from, and results written to, SQLite databases.
**
** Reading: the tables of language.md, by name, through the same builder and
** checks as CSV files.  A message about a cell names the database, the table,
** the row's rowid (its position, for a row without one) and the column's
** position: "ledger.db:deals:12:3: ...".
** Values are read as SQLite's text of each cell: store money as TEXT or
** INTEGER to keep every digit (a REAL column reaches Tally as SQLite's
** 15-significant-digit text of the binary value).
**
** Writing: the payout rows and one row in a runs table describing the run,
** in one transaction, so a database never holds half a run.
*/
#ifndef TL_RUNTIME_SQLITE_H
#define TL_RUNTIME_SQLITE_H

#include "runtime/engine.h"
#include "runtime/ledger.h"

tl_ledger *tl_ldg_load_sqlite(const char *path, const tl_ldg_opts *opts, tl_diags *diags);

typedef struct tl_run_meta {
  const char *plan_file;
  const char *plan_sha256;      /* 64 hex digits */
  const char *inputs_sha256;
  const char *started;          /* ISO 8601 UTC */
  const char *version;
} tl_run_meta;

/* Append the run to the database at path (created if missing).  Returns 0,
** or -1 after reporting to diags; on failure the database is unchanged. */
int tl_db_write_run(const char *path, const tl_program *p, const tl_ledger *l, const tl_result *r,
                    const tl_run_meta *meta, tl_diags *diags);

#endif
