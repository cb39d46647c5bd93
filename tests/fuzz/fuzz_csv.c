/*
** fuzz_csv.c: libFuzzer target for the CSV reader and the ledger builder.
** The input is split at the first NUL-free line "--deals--" into a payees
** file and a deals file, so both tables and the references between them are
** exercised; every message the loader can produce is rendered.  Each input
** is loaded three times: on one thread, with the deals cut into parts on
** three, and with every row read through the general path (no plain rows);
** all three must give the same messages and the same ledger.  Then three
** times more with the currency and rate columns not kept (tl_column.unread):
** the same messages as with them kept, and one ledger for the three.
*/
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ledger.h"
#include "tests/unit/ledger_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const tl_colspec payee_cols[] = {
  { "id", TL_COL_TEXT, false, true }, { "role", TL_COL_TEXT, true, false },
  { "manager", TL_COL_PAYEE, true, false }, { "start", TL_COL_DATE, true, false },
  { "quota", TL_COL_MONEY, true, false }, { "active", TL_COL_BOOL, true, false },
};
static const tl_colspec deal_cols[] = {
  { "id", TL_COL_TEXT, false, true }, { "owner", TL_COL_PAYEE, false, false },
  { "closed", TL_COL_DATE, false, false }, { "amount", TL_COL_MONEY, false, false },
  { "currency", TL_COL_TEXT, true, false }, { "rate", TL_COL_PERCENT, true, false },
};

/* Load with the deals file read on one thread, or cut into parts of a few
** bytes on three, handed over between any two blocks of rows where they fit
** (hand_over: in files this small the workers are rarely done first);
** returns the messages and what the ledger holds, as text. */
static char *load(const char *text, size_t np, const char *deals, size_t nd, int threads,
                  bool general, const bool *read, char **msgs) {
  tl_cal cal;
  tl_cal_init(&cal, tl_date_from_ymd(2026, 1, 1), tl_date_from_ymd(2026, 12, 31), TL_PERIOD_QUARTER);
  tl_tablespec ps = { "payees", 6, payee_cols }, ds = { "deals", 6, deal_cols };
  tl_ldg_opts o = { &ps, &ds, "USD", &cal, 50, threads, 8, general,
                    threads > 1 ? TL_HAND_ALWAYS : TL_HAND_WHEN_DONE, read };
  tl_diags *d = tl_diags_new();
  tl_ldg_builder *b = tl_ldg_begin(&o, d);
  tl_ldg_feed_csv(b, TL_TB_PAYEES, "payees.csv", text, np);
  if (deals) tl_ldg_feed_csv(b, TL_TB_DEALS, "deals.csv", deals, nd);
  tl_ledger *l = tl_ldg_finish(b);
  char *s = ledger_text(d, l);
  *msgs = ledger_text(d, NULL);
  tl_ldg_free(l);
  tl_diags_free(d);
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char sep[] = "--deals--\n";
  const char *text = (const char *)data, *cut = NULL;
  for (size_t i = 0; i + sizeof sep - 1 <= size && !cut; i++)
    if (memcmp(text + i, sep, sizeof sep - 1) == 0) cut = text + i;
  size_t np = cut ? (size_t)(cut - text) : size;
  const char *deals = cut ? cut + sizeof sep - 1 : NULL;
  size_t nd = cut ? size - (size_t)(deals - text) : 0;
  static const bool read[6] = { true, true, true, true, false, false };
  char *m[6];
  char *one = load(text, np, deals, nd, 1, false, NULL, &m[0]);
  char *three = load(text, np, deals, nd, 3, false, NULL, &m[1]);
  char *slow = load(text, np, deals, nd, 1, true, NULL, &m[2]);
  char *u[3] = { load(text, np, deals, nd, 1, false, read, &m[3]),
                 load(text, np, deals, nd, 3, false, read, &m[4]),
                 load(text, np, deals, nd, 1, true, read, &m[5]) };
  if (strcmp(one, three) != 0) {
    fprintf(stderr, "one thread:\n%s\nthree:\n%s\n", one, three);
    abort();     /* the parts must read exactly as one thread does */
  }
  if (strcmp(one, slow) != 0) {
    fprintf(stderr, "plain rows:\n%s\ngeneral path only:\n%s\n", one, slow);
    abort();     /* and plain rows exactly as the general path does */
  }
  for (int i = 0; i < 3; i++) {
    if (strcmp(m[3 + i], m[0]) != 0) {
      fprintf(stderr, "every column kept:\n%s\nnot all (load %d):\n%s\n", m[0], i, m[3 + i]);
      abort();   /* columns not kept are checked all the same */
    }
    if (strcmp(u[i], u[0]) != 0) {
      fprintf(stderr, "not all kept, one thread:\n%s\nload %d:\n%s\n", u[0], i, u[i]);
      abort();
    }
  }
  for (int i = 0; i < 6; i++) free(m[i]);
  for (int i = 0; i < 3; i++) free(u[i]);
  free(one);
  free(three);
  free(slow);
  return 0;
}
