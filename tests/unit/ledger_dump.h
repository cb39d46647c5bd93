/*
** ledger_dump.h: everything a ledger holds of its deals and splits, as text
** (string ids, lines, nulls, values), so that two loads can be compared
** byte for byte.  Shared by the ledger unit tests and the CSV and run fuzz
** targets, which all load a file on one thread and in parts on several.
*/
#ifndef TL_TESTS_LEDGER_DUMP_H
#define TL_TESTS_LEDGER_DUMP_H

#include <stdio.h>
#include <stdlib.h>

#include "runtime/ledger.h"

static void ledger_dump(FILE *f, const tl_ledger *l) {
  const tl_table *t = &l->t[TL_TB_DEALS], *st = &l->t[TL_TB_SPLITS];
  fprintf(f, "%u rows, %u strings\n", t->nrows, tl_str_count(l->strs));
  for (uint32_t r = 0; r < t->nrows; r++) {
    fprintf(f, "%u:", tl_ldg_line(t, r));
    for (int c = 0; c < t->ncols; c++) {
      const tl_column *col = &t->cols[c];
      char buf[64];
      if (col->unread) {        /* not kept */
        fputs(" -", f);
        continue;
      }
      if (tl_col_null(col, r)) {
        fputs(" null", f);
        continue;
      }
      switch (col->type) {
      case TL_COL_TEXT:
        fprintf(f, " %x=%s", tl_col_str(col, r), tl_str_get(l->strs, tl_col_str(col, r), NULL));
        break;
      case TL_COL_MONEY: case TL_COL_NUMBER: case TL_COL_PERCENT:
        tl_dec_format(tl_col_dec(col, r), -1, false, buf, sizeof buf);
        fprintf(f, " %s", buf);
        break;
      case TL_COL_DATE:
        tl_date_format(tl_col_date(col, r), buf);
        fprintf(f, " %s", buf);
        break;
      case TL_COL_BOOL:
        fprintf(f, " %d", col->v.b[r]);
        break;
      default:
        fprintf(f, " %d", col->v.ref[r]);
        break;
      }
    }
    fputc('\n', f);
  }
  for (uint32_t r = 0; r < st->nrows; r++) {
    char buf[64];
    tl_dec_format(tl_col_dec(&st->cols[2], r), -1, false, buf, sizeof buf);
    fprintf(f, "split %u: %d %d %s\n", tl_ldg_line(st, r), st->cols[0].v.ref[r], st->cols[1].v.ref[r],
            buf);
  }
}

/* The messages of d, then what l holds (when there is a ledger), as one
** string to free. */
static inline char *ledger_text(tl_diags *d, const tl_ledger *l) {
  char *s = NULL;
  size_t len;
  FILE *f = open_memstream(&s, &len);
  if (!f) abort();
  tl_diag_print(d, f, TL_DIAG_TEXT);
  if (l) ledger_dump(f, l);
  fclose(f);
  return s;
}

#endif
