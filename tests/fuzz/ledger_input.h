/*
** ledger_input.h: the input of the fuzz targets that take a plan and its
** ledger (run, db): the plan, then each table as CSV after a line of its
** own that names it,
**
**   --payees.csv--  --fx.csv--  --deals.csv--  --splits.csv--  --quotas.csv--
**
** cut into the plan and the files, kept in the order the loader reads
** them (tl_ldg_order), and fed to a ledger builder.
*/
#ifndef TL_TESTS_FUZZ_LEDGER_INPUT_H
#define TL_TESTS_FUZZ_LEDGER_INPUT_H

#include <stdio.h>
#include <string.h>

#include "runtime/ledger.h"

enum { NFILES = TL_TB_COUNT };

typedef struct file { const char *p; size_t n; } file;   /* p: NULL when not there */

/* Which table a line "--NAME.csv--" names, or -1. */
static int file_named(const char *s, size_t n) {
  for (int i = 0; i < NFILES; i++) {
    char want[32];
    int w = snprintf(want, sizeof want, "--%s.csv--", tl_table_names[tl_ldg_order[i]]);
    if ((size_t)w == n && memcmp(s, want, n) == 0) return i;
  }
  return -1;
}

/* Cut the input into the plan, whose length is returned, and the files; a
** file named twice is the last. */
static size_t split_input(const char *text, size_t size, file f[NFILES]) {
  memset(f, 0, NFILES * sizeof *f);
  size_t plan = size;
  int cur = -1;
  for (size_t at = 0; at < size;) {
    const char *nl = memchr(text + at, '\n', size - at);
    size_t end = nl ? (size_t)(nl - text) : size, next = nl ? end + 1 : size;
    int named = file_named(text + at, end - at);
    if (named >= 0) {
      if (cur < 0) plan = at;
      else f[cur].n = at - (size_t)(f[cur].p - text);
      cur = named;
      f[cur].p = text + next;
    }
    at = next;
  }
  if (cur >= 0) f[cur].n = size - (size_t)(f[cur].p - text);
  return plan;
}

/* Feed the files to b, each as NAME.csv, in the loader's order; a required
** table that is not there is read empty, as the loader would find it. */
static void feed_files(tl_ldg_builder *b, const file f[NFILES]) {
  for (int i = 0; i < NFILES; i++) {
    tl_tableid t = tl_ldg_order[i];
    char name[32];
    snprintf(name, sizeof name, "%s.csv", tl_table_names[t]);
    if (f[i].p || tl_ldg_required(t)) tl_ldg_feed_csv(b, t, name, f[i].p ? f[i].p : "", f[i].n);
  }
}

#endif
