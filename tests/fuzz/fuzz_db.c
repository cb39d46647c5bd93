/*
** fuzz_db.c: libFuzzer target for the SQLite ledger loader (`tally run
** --db`).  The input is what the run target takes: a plan, then each table
** as CSV after a line naming it ("--deals.csv--", ledger_input.h).  Each table
** becomes a table of an in-memory database: the CSV header its columns, and
** each record a row whose rowid is the record's line, every cell TEXT.  A
** cell starting with byte 1 and a letter is stored as another of SQLite's
** types instead, so the loader meets them all:
**
**   \1n  NULL      \1i12  INTEGER 12      \1r1.5  REAL 1.5      \1bxy  BLOB "xy"
**
** The database is then read by tl_ldg_load_sqlite, as `--db` does.  When
** every table went in as its CSV text reads (no typed cell, each record as
** wide as its header, the header a valid list of SQLite columns), the load
** must give what the CSV loader gives for the same files: the same rows,
** and the same messages (severity, code and sentence: the positions differ,
** a rowid and a column number against a line and a byte).
*/
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/front.h"
#include "runtime/csv.h"
#include "runtime/sqlite.h"
#include "tests/fuzz/ledger_input.h"
#include "tests/unit/ledger_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s as an SQL identifier, in double quotes, appended to the stream. */
static void ident(FILE *f, const char *s, size_t n) {
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') fputc('"', f);
    fputc(s[i], f);
  }
  fputc('"', f);
}

/* Bind cell x as parameter i: TEXT, or the type its \1 prefix asks for.
** Returns whether it went in as its text. */
static bool bind_cell(sqlite3_stmt *st, int i, const char *p, size_t n) {
  if (n >= 2 && p[0] == 1) {
    char buf[64];
    size_t m = n - 2 < sizeof buf - 1 ? n - 2 : sizeof buf - 1;
    memcpy(buf, p + 2, m);
    buf[m] = 0;
    switch (p[1]) {
    case 'n': sqlite3_bind_null(st, i); return false;
    case 'i': sqlite3_bind_int64(st, i, strtoll(buf, NULL, 10)); return false;
    case 'r': sqlite3_bind_double(st, i, strtod(buf, NULL)); return false;
    case 'b': sqlite3_bind_blob(st, i, p + 2, (int)(n - 2), SQLITE_TRANSIENT); return false;
    default: break;
    }
  }
  sqlite3_bind_text(st, i, p, (int)n, SQLITE_TRANSIENT);
  return true;
}

/* Make table name of db from the CSV text; false when it did not go in as
** that text reads (the loads are then not compared). */
static bool make_table(sqlite3 *db, const char *name, const char *text, size_t n) {
  tl_csv *c = tl_csv_new(text, n);
  tl_csv_row row;
  bool same = true;
  if (tl_csv_next(c, &row) != TL_CSV_ROW || row.n == 0) {
    tl_csv_free(c);
    return false;
  }
  size_t ncols = row.n;
  char *cols = NULL, *sql = NULL, *ins = NULL;
  size_t len;
  FILE *f = open_memstream(&cols, &len);   /* the header as SQL: "a", "b" */
  if (!f) abort();
  for (size_t i = 0; i < ncols; i++) {
    if (memchr(row.f[i].p, 0, row.f[i].len)) same = false;   /* no NUL in SQL text */
    if (i) fputs(", ", f);
    ident(f, row.f[i].p, row.f[i].len);
  }
  fclose(f);
  f = open_memstream(&sql, &len);
  if (!f) abort();
  fputs("CREATE TABLE ", f);
  ident(f, name, strlen(name));
  fprintf(f, " (%s)", cols);
  fclose(f);
  f = open_memstream(&ins, &len);
  if (!f) abort();
  fputs("INSERT INTO ", f);
  ident(f, name, strlen(name));
  fprintf(f, " (rowid, %s) VALUES (?", cols);
  for (size_t i = 0; i < ncols; i++) fputs(", ?", f);
  fputs(")", f);
  fclose(f);
  sqlite3_stmt *st = NULL;
  if (!same || sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, ins, -1, &st, NULL) != SQLITE_OK) {
    same = false;
    goto done;
  }
  tl_csv_status rc;
  while ((rc = tl_csv_next(c, &row)) != TL_CSV_END) {
    if (rc == TL_CSV_ERROR) {
      same = false;
      continue;
    }
    if (row.n != ncols) same = false;   /* the loader sees whole rows only */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, row.line);
    for (size_t i = 0; i < ncols && i < row.n; i++)
      if (!bind_cell(st, (int)i + 2, row.f[i].p, row.f[i].len)) same = false;
    if (sqlite3_step(st) != SQLITE_DONE) same = false;
  }
done:
  sqlite3_finalize(st);
  free(cols);
  free(sql);
  free(ins);
  tl_csv_free(c);
  return same;
}

/* The messages, without their positions, then the ledger's rows.  A
** database's messages name an earlier row "in row N" where a file's say "on
** line N": the same N here, as each rowid is its record's line. */
static char *load_text(tl_diags *d, const tl_ledger *l) {
  static const char row[] = " (first in row ";
  char *s = NULL;
  size_t len;
  FILE *f = open_memstream(&s, &len);
  if (!f) abort();
  for (size_t i = 0; i < tl_diag_count(d); i++) {
    const struct tl_diag *x = tl_diag_at(d, i);
    const char *m = x->message, *at = strstr(m, row);
    if (at) fprintf(f, "%d %s: %.*s (first on line %s\n", (int)x->sev, x->code, (int)(at - m), m,
                    at + sizeof row - 1);
    else fprintf(f, "%d %s: %s\n", (int)x->sev, x->code, m);
  }
  fprintf(f, "%d errors\n", tl_diag_errors(d));
  if (l) ledger_dump(f, l);
  fclose(f);
  return s;
}

static char *load_csv(const tl_ldg_opts *lo, const file fs[NFILES]) {
  tl_diags *d = tl_diags_new();
  tl_ldg_builder *b = tl_ldg_begin(lo, d);
  feed_files(b, fs);
  tl_ledger *l = tl_ldg_finish(b);
  char *s = load_text(d, l);
  tl_ldg_free(l);
  tl_diags_free(d);
  return s;
}

static void check_db(const tl_program *p, const file fs[NFILES]) {
  static const char uri[] = "file:fuzzdb?mode=memory&cache=shared";
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                      NULL) != SQLITE_OK)
    abort();
  /* a database without a required table is an error of its own, not the
  ** CSV loader's empty file, so the two are compared only when all exist */
  bool same = true;
  for (int i = 0; i < NFILES; i++)
    if (fs[i].p ? !make_table(db, tl_table_names[tl_ldg_order[i]], fs[i].p, fs[i].n)
                : tl_ldg_required(tl_ldg_order[i]))
      same = false;
  tl_ldg_opts lo = { &p->payees, &p->deals, p->currency, &p->cal, 20, 1, 0, false,
                     TL_HAND_WHEN_DONE, NULL };
  tl_diags *d = tl_diags_new();
  tl_ledger *l = tl_ldg_load_sqlite(uri, &lo, d);   /* the memory database, held open by db */
  char *got = load_text(d, l);
  tl_ldg_free(l);
  tl_diags_free(d);
  if (same) {
    char *want = load_csv(&lo, fs);
    if (strcmp(got, want) != 0) {
      fprintf(stderr, "from the database:\n%s\nfrom the CSV files:\n%s\n", got, want);
      abort();     /* a table in a database reads as the same table in a file */
    }
    free(want);
  }
  free(got);
  sqlite3_close(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool configured;
  if (!configured) {   /* before SQLite starts: the loader then opens the memory database by its URI */
    sqlite3_config(SQLITE_CONFIG_URI, 1);
    configured = true;
  }
  const char *text = (const char *)data;
  file f[NFILES];
  size_t plan_len = split_input(text, size, f);
  tl_diags *d = tl_diags_new();
  tl_program *p = tl_front("fuzz.tally", text, plan_len, d, NULL);
  if (p) check_db(p, f);
  tl_prog_free(p);
  tl_diags_free(d);
  return 0;
}
