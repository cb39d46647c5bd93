/*
** plantest.c: test blocks -> ledgers -> runs -> compared expectations.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lang/plantest.h"
#include "runtime/engine.h"

/* How a test row kind maps onto a ledger table. */
static const struct { const char *word; tl_tableid table; } row_kinds[] = {
  { "payee", TL_TB_PAYEES }, { "fx", TL_TB_FX }, { "deal", TL_TB_DEALS },
  { "split", TL_TB_SPLITS }, { "quota", TL_TB_QUOTAS },
};
#define NKINDS (sizeof row_kinds / sizeof *row_kinds)

static tl_ldg_cell cell(const char *text, tl_span s) {
  tl_ldg_cell c = { text, strlen(text), (uint32_t)s.line, (uint32_t)s.col, false };
  return c;
}

static int kind_of(const char *word) {
  for (size_t i = 0; i < NKINDS; i++)
    if (strcmp(row_kinds[i].word, word) == 0) return (int)i;
  return -1;
}

/* payee and deal rows: the header is the table's declared schema, so a
** column a row leaves out is an empty cell (fine when optional, an error at
** the row when required) and a key the schema lacks is reported here. */
static void feed_records(tl_ldg_builder *b, tl_titem *items, const char *word, tl_tableid t,
                         const tl_tablespec *spec, const char *file, tl_diags *run) {
  size_t n = (size_t)spec->ncols;
  bool any = false;
  for (tl_titem *it = items; it; it = it->next) {
    if (it->kind != TL_T_ROW || strcmp(it->table, word) != 0) continue;
    any = true;
    for (tl_tfield *f = it->fields; f; f = f->next) {
      int i;
      for (i = 1; i < spec->ncols && strcmp(spec->cols[i].name, f->key) != 0; i++) {}
      if (i == spec->ncols)
        tl_diag(run, TL_SEV_ERROR, tl_span_loc(file, f->key_span), "test",
                "%s has no column %s (declare it in input %s)", spec->name, f->key, spec->name);
    }
  }
  if (!any) return;
  tl_ldg_cell *hdr = tl_calloc(n, sizeof *hdr), *row = tl_calloc(n, sizeof *row);
  tl_span top = { 0, 0, 0, 0 };
  for (size_t i = 0; i < n; i++) hdr[i] = cell(spec->cols[i].name, top);
  tl_ldg_table(b, t, file, hdr, n);
  for (tl_titem *it = items; it; it = it->next) {
    if (it->kind != TL_T_ROW || strcmp(it->table, word) != 0) continue;
    row[0] = cell(it->id, it->span);
    for (size_t i = 1; i < n; i++) row[i] = cell("", it->span);
    for (tl_tfield *f = it->fields; f; f = f->next)
      for (size_t i = 1; i < n; i++)
        if (strcmp(spec->cols[i].name, f->key) == 0) row[i] = cell(f->text, f->span);
    tl_ldg_row(b, (uint32_t)it->span.line, row, n);
  }
  tl_free(hdr);
  tl_free(row);
}

/* split, fx and quota rows: `kind ID { key: value, ... }` is one row per
** field: (ID, key, value). */
static void feed_pairs(tl_ldg_builder *b, tl_titem *items, const char *word, tl_tableid t,
                       const char *file) {
  const tl_tablespec *spec = tl_ldg_fixed_spec(t);
  tl_ldg_cell hdr[3], row[3];
  tl_span top = { 0, 0, 0, 0 };
  bool started = false;
  for (tl_titem *it = items; it; it = it->next) {
    if (it->kind != TL_T_ROW || strcmp(it->table, word) != 0) continue;
    if (!started) {
      for (int i = 0; i < 3; i++) hdr[i] = cell(spec->cols[i].name, top);
      tl_ldg_table(b, t, file, hdr, 3);
      started = true;
    }
    for (tl_tfield *f = it->fields; f; f = f->next) {
      row[0] = cell(it->id, it->span);
      row[1] = cell(f->key, f->key_span);
      row[2] = cell(f->text, f->span);
      tl_ldg_row(b, (uint32_t)f->span.line, row, 3);
    }
  }
}

static void add_case(tl_pt_report *rep, const char *test, tl_titem *ex, const char *what,
                     char *failure) {
  tl_pt_case c = { tl_strdup(test), tl_strdup(what), ex->span.line, ex->span.col, failure == NULL,
                   failure };
  tl_vec_push(rep->cases, c);
  if (failure) rep->failed++;
  else rep->passed++;
}

static char *fmt_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_alloc(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return tl_strdup(buf);
}

static const char *expect_text(tl_plan *plan, tl_titem *ex, int places) {
  char buf[300], amt[80];
  if (ex->kind == TL_T_EXPECT_ERROR) {
    snprintf(buf, sizeof buf, "error \"%s\"", ex->message);
  } else {
    tl_dec_format(ex->value, places, false, amt, sizeof amt);
    snprintf(buf, sizeof buf, "%s %s %s == %s", ex->id, ex->period, ex->line, amt);
  }
  return tl_ast_str(plan, buf, strlen(buf));
}

/* The amount of one output line, or false when the run has no such row. */
static bool find_amount(const tl_program *p, const tl_ledger *l, const tl_result *r,
                        const tl_titem *ex, tl_dec *out) {
  const uint32_t *ids = l->t[TL_TB_PAYEES].cols[0].v.str;
  for (size_t i = 0; i < r->nrows; i++) {
    tl_row row = tl_result_row(r, i);
    if (strcmp(tl_str_get(l->strs, ids[row.payee], NULL), ex->id) == 0 &&
        strcmp(p->cal.name[row.period], ex->period) == 0 &&
        strcmp(tl_eng_line_name(p, row.line), ex->line) == 0) {
      *out = row.amount;
      return true;
    }
  }
  return false;
}

static void run_block(const tl_checked *c, const tl_program *p, tl_diags *d, tl_pt_report *rep,
                      tl_item *t, tl_pt_hook *hook, void *ctx) {
  const char *file = c->plan->file;
  int places = tl_dec_places(p->unit);
  tl_diags *run = tl_diags_new();
  for (tl_titem *it = t->tests; it; it = it->next)
    if (it->kind == TL_T_ROW && kind_of(it->table) < 0) {
      tl_loc loc = tl_span_loc(file, it->span);
      tl_diag(run, TL_SEV_ERROR, loc, "test", "unknown row kind %s in a test (use payee, deal, "
              "split, fx or quota)", it->table);
    }
  tl_ldg_opts lo = { &p->payees, &p->deals, p->currency, &p->cal, 20, 1, 0, false,
                     TL_HAND_WHEN_DONE, NULL };
  tl_ldg_builder *b = tl_ldg_begin(&lo, run);
  feed_records(b, t->tests, "payee", TL_TB_PAYEES, &p->payees, file, run);
  feed_pairs(b, t->tests, "fx", TL_TB_FX, file);
  feed_records(b, t->tests, "deal", TL_TB_DEALS, &p->deals, file, run);
  feed_pairs(b, t->tests, "split", TL_TB_SPLITS, file);
  feed_pairs(b, t->tests, "quota", TL_TB_QUOTAS, file);
  tl_ledger *l = tl_ldg_finish(b);
  tl_result *r = (l && tl_diag_errors(run) == 0) ? tl_eng_run(p, l, run) : NULL;

  bool failed_run = r == NULL;
  const char *first_error = NULL;
  for (size_t i = 0; i < tl_diag_count(run) && !first_error; i++)
    if (tl_diag_at(run, i)->sev == TL_SEV_ERROR) first_error = tl_diag_at(run, i)->message;
  bool reported = false;
  for (tl_titem *ex = t->tests; ex; ex = ex->next) {
    if (ex->kind == TL_T_ROW) continue;
    const char *what = expect_text(c->plan, ex, places);
    char *why = NULL;
    if (ex->kind == TL_T_EXPECT_ERROR) {
      bool seen = false;
      for (size_t i = 0; i < tl_diag_count(run); i++)
        if (strstr(tl_diag_at(run, i)->message, ex->message)) seen = true;
      if (!seen)
        why = first_error ? fmt_alloc("expected an error containing \"%s\", got: %s", ex->message, first_error)
                          : fmt_alloc("expected an error containing \"%s\", but the run succeeded", ex->message);
    } else if (failed_run) {
      if (!reported) {
        /* the test's data or run failed: show why, once, where it happened */
        for (size_t i = 0; i < tl_diag_count(run); i++) {
          const struct tl_diag *g = tl_diag_at(run, i);
          tl_loc loc = { g->file, g->line, g->col, g->end_line, g->end_col };
          tl_diag(d, g->sev, loc, g->code, "%s", g->message);
        }
        reported = true;
      }
      why = fmt_alloc("the test's run failed%s%s", first_error ? ": " : "", first_error ? first_error : "");
    } else {
      tl_dec got;
      char a[80], w[80];
      if (!find_amount(p, l, r, ex, &got)) {
        why = fmt_alloc("no row for payee %s, period %s, line %s (is the payee eligible, the "
                        "period in the plan year, the line a component?)", ex->id, ex->period, ex->line);
      } else if (tl_dec_cmp(got, ex->value) != 0) {
        tl_dec_format(ex->value, places, false, w, sizeof w);
        tl_dec_format(got, places, false, a, sizeof a);
        why = fmt_alloc("expected %s, got %s", w, a);
      }
    }
    if (why) {
      tl_loc loc = tl_span_loc(file, ex->span);
      tl_diag(d, TL_SEV_ERROR, loc, "test", "test \"%s\": %s: %s", t->name, what, why);
    }
    add_case(rep, t->name, ex, what, why);
  }
  if (hook) hook(ctx, p, l, r);
  tl_result_free(r);
  tl_ldg_free(l);
  tl_diags_free(run);
}

void tl_pt_run_hook(const tl_checked *c, const tl_program *p, tl_diags *d, tl_pt_report *rep,
                    tl_pt_hook *hook, void *ctx) {
  rep->file = tl_strdup(c->plan->file);
  for (size_t i = 0; i < c->tests.n; i++) run_block(c, p, d, rep, c->tests.v[i], hook, ctx);
}

void tl_pt_run(const tl_checked *c, const tl_program *p, tl_diags *d, tl_pt_report *rep) {
  tl_pt_run_hook(c, p, d, rep, NULL, NULL);
}

void tl_pt_report_free(tl_pt_report *rep) {
  for (size_t i = 0; i < rep->cases.n; i++) {
    tl_free((char *)rep->cases.v[i].test);
    tl_free((char *)rep->cases.v[i].what);
    tl_free(rep->cases.v[i].failure);
  }
  tl_free((char *)rep->file);
  tl_vec_free(rep->cases);
}

static void xml_text(FILE *out, const char *s) {
  for (; *s; s++) {
    switch (*s) {
      case '<': fputs("&lt;", out); break;
      case '>': fputs("&gt;", out); break;
      case '&': fputs("&amp;", out); break;
      case '"': fputs("&quot;", out); break;
      default: fputc(*s, out); break;
    }
  }
}

void tl_pt_junit(const tl_pt_report *reps, size_t n, FILE *out) {
  int tests = 0, failures = 0;
  for (size_t i = 0; i < n; i++) {
    tests += reps[i].passed + reps[i].failed;
    failures += reps[i].failed;
  }
  fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(out, "<testsuites name=\"tally\" tests=\"%d\" failures=\"%d\">\n", tests, failures);
  for (size_t i = 0; i < n; i++) {
    const tl_pt_report *r = &reps[i];
    fputs("  <testsuite name=\"", out);
    xml_text(out, r->file);
    fprintf(out, "\" tests=\"%d\" failures=\"%d\">\n", r->passed + r->failed, r->failed);
    for (size_t j = 0; j < r->cases.n; j++) {
      const tl_pt_case *c = &r->cases.v[j];
      fputs("    <testcase classname=\"", out);
      xml_text(out, c->test);
      fputs("\" name=\"", out);
      xml_text(out, c->what);
      fputs("\" file=\"", out);
      xml_text(out, r->file);
      fprintf(out, "\" line=\"%d\"", c->line);
      if (c->passed) {
        fputs("/>\n", out);
        continue;
      }
      fputs(">\n      <failure message=\"", out);
      xml_text(out, c->failure);
      fputs("\"/>\n    </testcase>\n", out);
    }
    fputs("  </testsuite>\n", out);
  }
  fputs("</testsuites>\n", out);
}
