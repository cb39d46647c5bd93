/*
** sqlite.c: SQLite as a ledger source and as a results store (sqlite.h).
*/
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/arena.h"
#include "runtime/sqlite.h"

static void db_error(tl_diags *d, const char *file, sqlite3 *db, const char *what) {
  tl_loc loc = { file, 0, 0, 0, 0 };
  tl_diag(d, TL_SEV_ERROR, loc, "db", "%s: %s", what, db ? sqlite3_errmsg(db) : "cannot open");
}

/* What name is in db: no table, a table or a view.  SQLite's names are not
** case-sensitive, so neither is this. */
typedef enum { NO_TABLE, TABLE, VIEW } table_kind;

static table_kind kind_of(sqlite3 *db, const char *name) {
  sqlite3_stmt *st;
  table_kind k = NO_TABLE;
  if (sqlite3_prepare_v2(db, "SELECT type = 'view' FROM sqlite_master "
                             "WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE",
                         -1, &st, NULL) != SQLITE_OK)
    return NO_TABLE;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) k = sqlite3_column_int(st, 0) ? VIEW : TABLE;
  sqlite3_finalize(st);
  return k;
}

/* The statement reading table name with each row's rowid first, in rowid
** order.  A column may be called rowid (or _rowid_, or oid), and then that
** name is the column, so the first of the three that is not one is asked
** for; a table without rowids (a view, a WITHOUT ROWID table, or all three
** names taken) is read in its own order with NULL first: a view's rowids
** are NULL, and sorting on them would leave its order to the sorter. */
static sqlite3_stmt *table_query(sqlite3 *db, const char *name, bool view) {
  static const char *const alias[] = { "rowid", "_rowid_", "oid" };
  char sql[128];
  sqlite3_stmt *st;
  snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", name);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
  const char *free_alias = NULL;
  for (int a = 0; a < 3 && !free_alias && !view; a++) {
    free_alias = alias[a];
    for (int i = 0; i < sqlite3_column_count(st); i++)
      if (sqlite3_stricmp(sqlite3_column_name(st, i), alias[a]) == 0) free_alias = NULL;
  }
  sqlite3_finalize(st);
  if (free_alias) {
    snprintf(sql, sizeof sql, "SELECT %s, * FROM \"%s\" ORDER BY 1", free_alias, name);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) return st;
  }
  snprintf(sql, sizeof sql, "SELECT NULL, * FROM \"%s\"", name);
  return sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK ? st : NULL;
}

/* Feed one table; false on an SQLite error (reported).  Messages name a
** row by its rowid, which users can query; a row without one, or with one
** no line number can be (0, negative, above 4294967295), by its position. */
static bool feed_table(tl_ldg_builder *b, sqlite3 *db, const char *path, tl_tableid t, bool view,
                       tl_diags *d) {
  const char *name = tl_table_names[t];
  char file[4096];
  snprintf(file, sizeof file, "%s:%s", path, name);
  sqlite3_stmt *st = table_query(db, name, view);
  if (!st) {
    db_error(d, path, db, "cannot read table");
    return false;
  }
  int n = sqlite3_column_count(st) - 1;
  tl_ldg_cell *cells = tl_calloc((size_t)(n > 0 ? n : 1), sizeof *cells);
  for (int i = 0; i < n; i++) {
    const char *h = sqlite3_column_name(st, i + 1);
    cells[i] = (tl_ldg_cell){ h, strlen(h), 0, (uint32_t)i + 1, false };
  }
  tl_ldg_table(b, t, file, cells, (size_t)n);
  int rc;
  uint32_t pos = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 id = sqlite3_column_int64(st, 0);
    pos++;
    uint32_t line = sqlite3_column_type(st, 0) == SQLITE_INTEGER && id > 0 && id <= UINT32_MAX
                    ? (uint32_t)id : pos;
    for (int i = 0; i < n; i++) {
      bool null = sqlite3_column_type(st, i + 1) == SQLITE_NULL;
      const char *v = null ? "" : (const char *)sqlite3_column_text(st, i + 1);
      size_t len = null ? 0 : (size_t)sqlite3_column_bytes(st, i + 1);
      cells[i] = (tl_ldg_cell){ v ? v : "", len, line, (uint32_t)i + 1, null };
    }
    tl_ldg_row(b, line, cells, (size_t)n);
  }
  tl_free(cells);
  bool ok = rc == SQLITE_DONE;
  if (!ok) db_error(d, path, db, "cannot read table");
  sqlite3_finalize(st);
  return ok;
}

tl_ledger *tl_ldg_load_sqlite(const char *path, const tl_ldg_opts *opts, tl_diags *diags) {
  sqlite3 *db = NULL;
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {   /* SQLite would say "disk I/O error" */
    tl_loc loc = { path, 0, 0, 0, 0 };
    tl_diag(diags, TL_SEV_ERROR, loc, "db",
            "cannot open database: it is a folder (--data reads a folder of CSV files)");
    return NULL;
  }
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    db_error(diags, path, db, "cannot open database");
    sqlite3_close(db);
    return NULL;
  }
  bool ok = true;
  table_kind kind[TL_TB_COUNT];     /* by position in tl_ldg_order */
  for (size_t i = 0; i < TL_TB_COUNT; i++) {
    tl_tableid t = tl_ldg_order[i];
    kind[i] = kind_of(db, tl_table_names[t]);
    if (kind[i] == NO_TABLE && tl_ldg_required(t)) {
      tl_loc loc = { path, 0, 0, 0, 0 };
      tl_diag(diags, TL_SEV_ERROR, loc, "db", "the database has no table %s", tl_table_names[t]);
      ok = false;
    }
  }
  tl_ledger *l = NULL;
  if (ok) {
    tl_ldg_builder *b = tl_ldg_begin(opts, diags);
    tl_ldg_rows_are_db(b);
    for (size_t i = 0; i < TL_TB_COUNT && ok; i++)
      if (kind[i] != NO_TABLE)
        ok = feed_table(b, db, path, tl_ldg_order[i], kind[i] == VIEW, diags);
    l = tl_ldg_finish(b);
    if (!ok) {
      tl_ldg_free(l);
      l = NULL;
    }
  }
  sqlite3_close(db);
  return l;
}

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS runs ("
  "  id INTEGER PRIMARY KEY, plan TEXT NOT NULL, plan_sha256 TEXT NOT NULL,"
  "  inputs_sha256 TEXT NOT NULL, started TEXT NOT NULL, tally_version TEXT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS payouts ("
  "  run INTEGER NOT NULL REFERENCES runs(id), payee TEXT NOT NULL, period TEXT NOT NULL,"
  "  line TEXT NOT NULL, amount TEXT NOT NULL);";

int tl_db_write_run(const char *path, const tl_program *p, const tl_ledger *l, const tl_result *r,
                    const tl_run_meta *meta, tl_diags *diags) {
  sqlite3 *db = NULL;
  sqlite3_stmt *run = NULL, *row = NULL;
  int rc = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    db_error(diags, path, db, "cannot open database");
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO runs (plan, plan_sha256, inputs_sha256, started, "
                             "tally_version) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &run, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO payouts (run, payee, period, line, amount) "
                             "VALUES (?1, ?2, ?3, ?4, ?5)", -1, &row, NULL) != SQLITE_OK)
    goto fail;
  sqlite3_bind_text(run, 1, meta->plan_file, -1, SQLITE_STATIC);
  sqlite3_bind_text(run, 2, meta->plan_sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text(run, 3, meta->inputs_sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text(run, 4, meta->started, -1, SQLITE_STATIC);
  sqlite3_bind_text(run, 5, meta->version, -1, SQLITE_STATIC);
  if (sqlite3_step(run) != SQLITE_DONE) goto fail;
  sqlite3_int64 id = sqlite3_last_insert_rowid(db);
  int places = tl_dec_places(p->unit);
  const uint32_t *ids = l->t[TL_TB_PAYEES].cols[0].v.str;
  for (size_t i = 0; i < r->nrows; i++) {
    char amt[80];
    tl_row x = tl_result_row(r, i);
    tl_dec_format(x.amount, places, false, amt, sizeof amt);
    sqlite3_reset(row);
    sqlite3_bind_int64(row, 1, id);
    sqlite3_bind_text(row, 2, tl_str_get(l->strs, ids[x.payee], NULL), -1, SQLITE_STATIC);
    sqlite3_bind_text(row, 3, p->cal.name[x.period], -1, SQLITE_STATIC);
    sqlite3_bind_text(row, 4, tl_eng_line_name(p, x.line), -1, SQLITE_STATIC);
    sqlite3_bind_text(row, 5, amt, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(row) != SQLITE_DONE) goto fail;
  }
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto fail;
  rc = 0;
  goto done;
fail:
  db_error(diags, path, db, "cannot write results");
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
done:
  sqlite3_finalize(run);
  sqlite3_finalize(row);
  sqlite3_close(db);
  return rc;
}
