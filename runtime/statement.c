/*
** statement.c: per-payee statements, text and HTML, and the folder that holds
** them (statement.h).
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#include "runtime/arena.h"
#include "runtime/chart.h"
#include "runtime/explain.h"
#include "runtime/statement.h"

/* ---- names and escaping -------------------------------------------------- */

size_t tl_stmt_file_name(const char *s, size_t n, char *buf) {
  static const char hex[] = "0123456789ABCDEF";
  size_t k = 0;
  if (n == 0) {
    buf[k++] = '%';
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || (c == '.' && i > 0);
    if (k + (keep ? 1 : 3) > TL_STMT_NAME_MAX) return 0;
    if (keep) {
      buf[k++] = (char)c;
    } else {
      buf[k++] = '%';
      buf[k++] = hex[c >> 4];
      buf[k++] = hex[c & 15];
    }
  }
  buf[k] = 0;
  return k;
}

void tl_stmt_html_text(const char *s, FILE *out) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '&': fputs("&amp;", out); break;
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&#39;", out); break;
    default:
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) fputs("\xEF\xBF\xBD", out);
      else fputc(c, out);
    }
  }
}

/* ---- the parts of a statement -------------------------------------------- */

static const char *percent(tl_dec v, char *buf) {
  tl_dec p;
  if (tl_dec_mul_int(v, 100, &p) != TL_DEC_OK) p = v;
  size_t n = tl_dec_format(p, -1, false, buf, 60);
  buf[n] = '%';
  buf[n + 1] = 0;
  return buf;
}

static const char *money(tl_dec v, int places, char *buf) {
  tl_dec_format(v, places, true, buf, 64);
  return buf;
}

/* Tier inputs and quotas hold money and ratios alike: cents when that is
** exact, else every digit (as explain.c prints them). */
static const char *number(tl_dec v, char *buf) {
  bool cents = v.raw % (TL_DEC_ONE_RAW / 100) == 0;
  tl_dec_format(v, cents ? 2 : -1, true, buf, 64);
  return buf;
}

/* One line of text, raw or as an HTML element. */
static void say(FILE *out, tl_stmt_format f, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(FILE *out, tl_stmt_format f, const char *tag, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (f == TL_STMT_TEXT) {
    fprintf(out, "%s\n", buf);
    return;
  }
  fprintf(out, "<%s>", tag);
  tl_stmt_html_text(buf, out);
  fprintf(out, "</%s>\n", tag);
}

static const char *payee_id(const tl_ledger *l, int32_t row) {
  return tl_ldg_id(l, TL_TB_PAYEES, (uint32_t)row);
}

/* The payees' "name" column, when the plan declares one as text. */
static const char *payee_name(const tl_ledger *l, int32_t row) {
  const tl_table *pt = &l->t[TL_TB_PAYEES];
  int c = tl_ldg_col(pt, "name");
  if (c < 0 || pt->cols[c].type != TL_COL_TEXT || tl_col_null(&pt->cols[c], (uint32_t)row)) return NULL;
  const char *s = tl_str_get(l->strs, pt->cols[c].v.str[row], NULL);
  return *s ? s : NULL;
}

static void header(const tl_program *p, const tl_ledger *l, const tl_trace *t, tl_stmt_format f,
                   FILE *out) {
  const char *id = payee_id(l, t->payee), *name = payee_name(l, t->payee);
  char unit[64];
  tl_dec_format(p->unit, -1, false, unit, sizeof unit);
  if (f == TL_STMT_HTML) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Statement for ", out);
    tl_stmt_html_text(id, out);
    fputs(": ", out);
    tl_stmt_html_text(p->title, out);
    fputs("</title>\n<style>\n"
          "body { font-family: sans-serif; color: #222; margin: 2em; max-width: 64em; }\n"
          "table { border-collapse: collapse; margin: .5em 0; }\n"
          "th, td { padding: .25em .8em; border-bottom: 1px solid #ddd; text-align: left; }\n"
          ".num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\n"
          "tfoot th, tfoot td { border-top: 2px solid #444; }\n"
          "pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }\n"
          "</style>\n</head>\n<body>\n", out);
  }
  if (name) say(out, f, "h1", "Statement for %s (%s)", name, id);
  else say(out, f, "h1", "Statement for %s", id);
  say(out, f, "p", "Plan: %s", p->title);
  say(out, f, "p", "Periods %s to %s, amounts in %s, rounded %s to %s", p->cal.name[0],
      p->cal.name[p->cal.n - 1], p->currency, p->rounding == TL_ROUND_HALF_EVEN ? "half_even" : "half_up",
      unit);
}

/* The payee's lines: one row per period, one column per line, and the year's
** totals (the balance is a running figure, so it has none). */
static void lines_table(const tl_program *p, const tl_trace *t, tl_stmt_format f, FILE *out) {
  int places = tl_dec_places(p->unit);
  size_t L = p->ncomponents + 3, nper = L ? t->nrows / L : 0;
  size_t *w = tl_calloc(L + 1, sizeof *w);
  tl_dec *total = tl_calloc(L, sizeof *total);
  bool *overflow = tl_calloc(L, sizeof *overflow);
  char a[64];
  w[L] = strlen("period");
  for (size_t i = 0; i < nper; i++)
    if (strlen(p->cal.name[t->rows[i * L].period]) > w[L]) w[L] = strlen(p->cal.name[t->rows[i * L].period]);
  for (size_t j = 0; j < L; j++) {
    w[j] = strlen(tl_eng_line_name(p, t->rows[j].line));
    for (size_t i = 0; i < nper; i++) {
      const tl_row *row = &t->rows[i * L + j];
      size_t n = tl_dec_format(row->amount, places, true, a, sizeof a);
      if (n > w[j]) w[j] = n;
      if (!overflow[j] && tl_dec_add(total[j], row->amount, &total[j]) != TL_DEC_OK) overflow[j] = true;
    }
    if (j + 1 < L && tl_dec_format(total[j], places, true, a, sizeof a) > w[j])
      w[j] = strlen(a);
  }
  if (f == TL_STMT_TEXT) {
    fputs("\nPayouts\n", out);
    fprintf(out, "%-*s", (int)w[L], "period");
    for (size_t j = 0; j < L; j++) fprintf(out, "  %*s", (int)w[j], tl_eng_line_name(p, t->rows[j].line));
    fputc('\n', out);
    for (size_t i = 0; i < nper; i++) {
      fprintf(out, "%-*s", (int)w[L], p->cal.name[t->rows[i * L].period]);
      for (size_t j = 0; j < L; j++) fprintf(out, "  %*s", (int)w[j], money(t->rows[i * L + j].amount, places, a));
      fputc('\n', out);
    }
    fprintf(out, "%-*s", (int)w[L], "total");
    for (size_t j = 0; j + 1 < L; j++)
      fprintf(out, "  %*s", (int)w[j], overflow[j] ? "overflow" : money(total[j], places, a));
    fputc('\n', out);
  } else {
    fputs("<h2>Payouts</h2>\n<table class=\"lines\">\n<thead><tr><th>period</th>", out);
    for (size_t j = 0; j < L; j++) fprintf(out, "<th class=\"num\">%s</th>", tl_eng_line_name(p, t->rows[j].line));
    fputs("</tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < nper; i++) {
      fprintf(out, "<tr><td>%s</td>", p->cal.name[t->rows[i * L].period]);
      for (size_t j = 0; j < L; j++)
        fprintf(out, "<td class=\"num\">%s</td>", money(t->rows[i * L + j].amount, places, a));
      fputs("</tr>\n", out);
    }
    fputs("</tbody>\n<tfoot><tr><th>total</th>", out);
    for (size_t j = 0; j + 1 < L; j++)
      fprintf(out, "<td class=\"num\">%s</td>", overflow[j] ? "overflow" : money(total[j], places, a));
    fputs("<td></td></tr></tfoot>\n</table>\n", out);
  }
  if (nper)
    say(out, f, "p", "Balance owed at the end of %s: %s", p->cal.name[t->rows[(nper - 1) * L].period],
        money(t->rows[nper * L - 1].amount, places, a));
  tl_free(overflow);
  tl_free(total);
  tl_free(w);
}

/* The payout fraction of a curve at x, exactly as explain.c states it. */
static tl_dec curve_at(const tl_tier_table *t, tl_dec x) {
  if (tl_dec_cmp(x, t->bound[0]) < 0) return tl_dec_zero();
  uint32_t i = 0;
  while (i + 1 < t->n && tl_dec_cmp(x, t->bound[i + 1]) >= 0) i++;
  tl_dec dx, df, dn, f = t->rate[i];
  if (i + 1 < t->n && !tl_dec_sub(x, t->bound[i], &dx) && !tl_dec_sub(t->rate[i + 1], t->rate[i], &df) &&
      !tl_dec_sub(t->bound[i + 1], t->bound[i], &dn) && !tl_dec_muldiv(dx, df, dn, &dx))
    tl_dec_add(t->rate[i], dx, &f);
  return f;
}

/* Where the payee stands on table tt as of period P: a sentence, and the
** chart's mark (false when there is no position: a quota of 0). */
static bool position(const tl_program *p, const tl_ledger *l, const tl_trace *t, const tl_trace_line *tr,
                     int P, char *where, size_t wcap, tl_chart_mark *m, char *label, size_t lcap) {
  const tl_tier_table *tt = &p->tiers[tr->tier_table];
  const char *id = payee_id(l, t->payee), *per = p->cal.name[P];
  int places = tl_dec_places(p->unit);
  char a[80], b[80], c[80], d[200];
  m->label = label;
  m->band = -1;
  m->x = tr->tier_x;
  if (tt->kind == 2) {
    snprintf(label, lcap, "%s %s: %s", id, per, percent(tr->tier_x, a));
    snprintf(where, wcap, "%s: curve input %s, payout fraction %s", per, percent(tr->tier_x, a),
             percent(curve_at(tt, tr->tier_x), b));
    return true;
  }
  tl_dec *bands = tl_alloc(4 * tt->n * sizeof *bands);
  m->band = tl_explain_bands(tt, tr->tier_x, tr->tier_q, p->unit, p->rounding, bands, bands + tt->n,
                             bands + 2 * tt->n, bands + 3 * tt->n);
  tl_free(bands);
  const char *band = "below the first bound, so no rate";
  if (m->band >= 0) {
    snprintf(d, sizeof d, "in the band from %s: %s",
             tt->over ? percent(tt->bound[m->band], b) : money(tt->bound[m->band], places, b),
             percent(tt->rate[m->band], c));
    band = d;
  }
  if (!tt->over) {
    snprintf(label, lcap, "%s %s: %s", id, per, number(tr->tier_x, a));
    snprintf(where, wcap, "%s: %s, %s", per, a, band);
    return true;
  }
  if (tl_dec_div(tr->tier_x, tr->tier_q, &m->x) != TL_DEC_OK) {
    snprintf(where, wcap, "%s: %s with a quota of 0, so no attainment", per, number(tr->tier_x, b));
    return false;
  }
  /* shown to a hundredth of a percent, cut rather than rounded so that a
  ** value just under a bound never reads as reaching it; the mark sits at
  ** the exact value */
  __int128 step = TL_DEC_ONE_RAW / 10000;
  percent(tl_dec_from_raw(m->x.raw / step * step), a);
  snprintf(label, lcap, "%s %s: %s", id, per, a);
  snprintf(where, wcap, "%s: %s over quota %s = %s of quota, %s", per, number(tr->tier_x, b),
           number(tr->tier_q, c), a, band);
  return true;
}

/* One tiered component: its table in words, where the payee stood as of each
** period, and in HTML the chart of both.  last is the last period in which
** the component evaluated a table; periods that evaluated another one (a
** body with two tables) are left out. */
static void tier_part(const tl_program *p, const tl_ledger *l, const tl_trace *t, uint32_t ci, int last,
                      tl_stmt_format f, FILE *out) {
  const tl_trace_line *tl_last = &t->periods[last].lines[ci];
  const tl_tier_table *tt = &p->tiers[tl_last->tier_table];
  int places = tl_dec_places(p->unit);
  static const char *const kinds[] = { "marginal tiers", "retro tiers", "payout curve" };
  enum { LABEL = 200, WHERE = 1024 };
  tl_chart_mark *marks = tl_calloc((size_t)t->n, sizeof *marks);
  char *labels = tl_alloc((size_t)t->n * LABEL), *where = tl_alloc((size_t)t->n * WHERE);
  bool *shown = tl_calloc((size_t)t->n, sizeof *shown);
  size_t nmarks = 0;
  for (int P = 0; P <= last; P++) {
    const tl_trace_line *tr = &t->periods[P].lines[ci];
    if (!tr->tier || tr->tier_table != tl_last->tier_table) continue;
    shown[P] = true;
    if (position(p, l, t, tr, P, where + (size_t)P * WHERE, WHERE, &marks[nmarks],
                 labels + (size_t)P * LABEL, LABEL))
      nmarks++;
  }
  const char *title = p->components[ci].name;
  const char *over = tt->over ? " over quota" : "";
  const char *excl = tt->exclusive ? " (exclusive bounds)" : "";
  const char *ind = f == TL_STMT_TEXT ? "  " : "";
  if (f == TL_STMT_TEXT) {
    fprintf(out, "%s: %s%s%s\n", title, kinds[tt->kind], over, excl);
  } else {
    fputs("<section class=\"tier\">\n", out);
    say(out, f, "h3", "%s: %s%s%s", title, kinds[tt->kind], over, excl);
    tl_chart ch = { tt, title, tt->over || tt->kind == 2, places, nmarks, marks };
    tl_chart_svg(&ch, out);
    fputs("<ul>\n", out);
  }
  char a[80], b[80];
  for (uint32_t i = 0; i < tt->n; i++) {
    if (tt->kind == 2)
      say(out, f, "li", "%sat %s: %s", ind, percent(tt->bound[i], a), percent(tt->rate[i], b));
    else
      say(out, f, "li", "%sfrom %s%s: %s", ind, tt->over ? percent(tt->bound[i], a) : money(tt->bound[i], places, a),
          tt->over ? " of quota" : "", percent(tt->rate[i], b));
  }
  if (f == TL_STMT_HTML) fputs("</ul>\n", out);
  say(out, f, "p", "%s%s, as of each period:", ind, payee_id(l, t->payee));
  if (f == TL_STMT_HTML) fputs("<ul>\n", out);
  for (int P = 0; P <= last; P++)
    if (shown[P]) say(out, f, "li", "%s%s%s", ind, ind, where + (size_t)P * WHERE);
  if (f == TL_STMT_HTML) fputs("</ul>\n</section>\n", out);
  tl_free(shown);
  tl_free(where);
  tl_free(labels);
  tl_free(marks);
}

static void tiers(const tl_program *p, const tl_ledger *l, const tl_trace *t, tl_stmt_format f,
                  FILE *out) {
  bool any = false;
  for (uint32_t ci = 0; ci < p->ncomponents; ci++) {
    int P = t->n - 1;
    while (P >= 0 && !t->periods[P].lines[ci].tier) P--;
    if (P < 0) continue;
    if (!any) fputs(f == TL_STMT_TEXT ? "\nTier tables and curves\n" : "<h2>Tier tables and curves</h2>\n", out);
    any = true;
    tier_part(p, l, t, ci, P, f, out);
  }
}

static int explanation(const tl_program *p, const tl_ledger *l, const tl_trace *t, tl_stmt_format f,
                       FILE *out) {
  if (f == TL_STMT_TEXT) {
    fputs("\nWhy each line is what it is\n", out);
    tl_explain_write(p, l, t, -1, TL_EXPLAIN_TEXT, out);
    return 0;
  }
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m) return -1;
  tl_explain_write(p, l, t, -1, TL_EXPLAIN_TEXT, m);
  if (fclose(m) != 0) {
    free(buf);
    return -1;
  }
  fputs("<h2>Why each line is what it is</h2>\n<pre class=\"explain\">", out);
  tl_stmt_html_text(buf, out);
  fputs("</pre>\n", out);
  free(buf);
  return 0;
}

int tl_stmt_write(const tl_program *p, const tl_ledger *l, const tl_trace *t, tl_stmt_format f,
                  FILE *out) {
  header(p, l, t, f, out);
  lines_table(p, t, f, out);
  tiers(p, l, t, f, out);
  if (explanation(p, l, t, f, out) != 0) return -1;
  if (f == TL_STMT_HTML) fputs("</body>\n</html>\n", out);
  return ferror(out) ? -1 : 0;
}

/* ---- the folder ---------------------------------------------------------- */

static bool is_statement_name(const char *s) {
  size_t n = strlen(s);
  return (n > 4 && strcmp(s + n - 4, ".txt") == 0) || (n > 5 && strcmp(s + n - 5, ".html") == 0);
}

/* Remove a folder of statement files; false if anything else was in it. */
static bool remove_statements(const char *dir) {
  DIR *dh = opendir(dir);
  if (!dh) return false;
  size_t n = strlen(dir);
  struct dirent *e;
  while ((e = readdir(dh)) != NULL) {
    if (!is_statement_name(e->d_name)) continue;
    char *path = tl_alloc(n + strlen(e->d_name) + 2);
    sprintf(path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) unlink(path);
    tl_free(path);
  }
  closedir(dh);
  return rmdir(dir) == 0;
}

/* An existing folder may be replaced only when it holds statements alone. */
static bool only_statements(const char *dir) {
  DIR *dh = opendir(dir);
  if (!dh) return false;
  size_t n = strlen(dir);
  bool ok = true;
  struct dirent *e;
  while (ok && (e = readdir(dh)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char *path = tl_alloc(n + strlen(e->d_name) + 2);
    sprintf(path, "%s/%s", dir, e->d_name);
    struct stat st;
    ok = is_statement_name(e->d_name) && lstat(path, &st) == 0 && S_ISREG(st.st_mode);
    tl_free(path);
  }
  closedir(dh);
  return ok;
}

/* Swap two paths in one step where the kernel can (Linux renameat2). */
static int exchange(const char *a, const char *b) {
#if defined(__linux__) && defined(SYS_renameat2)
  return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
#else
  errno = ENOSYS;
  return -1;
#endif
}

static void sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

typedef struct folder {
  const char *dir;          /* as given, for messages */
  char *path;               /* dir without trailing slashes */
  char *tmp;                /* the fresh folder being filled */
  tl_diags *d;
} folder;

static int fail(folder *fo, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(folder *fo, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  tl_loc loc = { fo->dir, 0, 0, 0, 0 };
  tl_diag(fo->d, TL_SEV_ERROR, loc, "io", "cannot write statements: %s", msg);
  return -1;
}

/* Write one file of the fresh folder; O_EXCL so that two payees whose names a
** case-insensitive file system confuses are an error, not a lost statement. */
static int write_one(folder *fo, const tl_program *p, const tl_ledger *l, const tl_trace *t,
                     const char *name, tl_stmt_format f) {
  const char *ext = f == TL_STMT_TEXT ? ".txt" : ".html";
  char *path = tl_alloc(strlen(fo->tmp) + strlen(name) + 8);
  sprintf(path, "%s/%s%s", fo->tmp, name, ext);
  int rc = -1;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
  FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!out) {
    if (errno == EEXIST)
      fail(fo, "the statement of payee %s would overwrite another one whose id differs only in case",
           payee_id(l, t->payee));
    else
      fail(fo, "%s%s: %s", name, ext, strerror(errno));
    if (fd >= 0) close(fd);
  } else {
    errno = 0;
    rc = tl_stmt_write(p, l, t, f, out);
    if (rc == 0 && (fflush(out) != 0 || fsync(fd) != 0)) rc = -1;
    if (fclose(out) != 0) rc = -1;
    if (rc != 0) fail(fo, "%s%s: %s", name, ext, errno ? strerror(errno) : "write failed");
  }
  tl_free(path);
  return rc;
}

/* The statement rows must be the run's rows: a statement that disagreed with
** the payouts file would be worse than none. */
static bool same_rows(const tl_trace *t, const tl_result *r) {
  if (t->nrows != r->nrows) return false;
  for (size_t i = 0; i < r->nrows; i++) {
    tl_row row = tl_result_row(r, i);
    if (t->rows[i].period != row.period || t->rows[i].line != row.line ||
        tl_dec_cmp(t->rows[i].amount, row.amount) != 0)
      return false;
  }
  return true;
}

static int fill(folder *fo, const tl_program *p, const tl_ledger *l, const tl_result *r) {
  char name[TL_STMT_NAME_MAX + 1];
  for (size_t b = 0; b < tl_result_payees(r); b++) {
    int32_t payee = r->payees[b];
    tl_result one;
    tl_result_block(r, b, &one);
    size_t len;
    const char *id = tl_str_get(l->strs, l->t[TL_TB_PAYEES].cols[0].v.str[payee], &len);
    if (tl_stmt_file_name(id, len, name) == 0)
      return fail(fo, "payee id %.40s... is too long for a file name", id);
    tl_trace *t = tl_eng_trace(p, l, fo->d, payee);
    if (!t) return -1;
    int rc = 0;
    if (!same_rows(t, &one))
      rc = fail(fo, "the explanation of payee %s does not match its payouts (internal error)", id);
    if (rc == 0) rc = write_one(fo, p, l, t, name, TL_STMT_TEXT);
    if (rc == 0) rc = write_one(fo, p, l, t, name, TL_STMT_HTML);
    tl_trace_free(t);
    if (rc != 0) return -1;
  }
  return 0;
}

/* Put the filled folder in place of fo->path, which may exist (mode: its
** mode when it does). */
static int commit(folder *fo, bool existed) {
  if (!existed) {
    if (rename(fo->tmp, fo->path) != 0) return fail(fo, "%s", strerror(errno));
    return 0;
  }
  if (exchange(fo->tmp, fo->path) == 0) {
    /* fo->tmp now names the previous statements */
    remove_statements(fo->tmp);
    return 0;
  }
  /* no atomic swap here: move the old folder aside, then the new one in */
  size_t n = strlen(fo->path);
  char *old = tl_alloc(n + 16);
  snprintf(old, n + 16, "%s.old-XXXXXX", fo->path);
  int rc = 0;
  if (!mkdtemp(old) || rename(fo->path, old) != 0) {
    rc = fail(fo, "%s", strerror(errno));
    rmdir(old);
  } else if (rename(fo->tmp, fo->path) != 0) {
    rc = fail(fo, "%s", strerror(errno));
    rename(old, fo->path);
  } else {
    remove_statements(old);
  }
  tl_free(old);
  return rc;
}

int tl_stmt_write_dir(const tl_program *p, const tl_ledger *l, const tl_result *r, const char *dir,
                      tl_diags *d) {
  folder fo = { dir, NULL, NULL, d };
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  fo.path = tl_strndup(dir, n);
  const char *base = strrchr(fo.path, '/');
  base = base ? base + 1 : fo.path;
  int rc = -1;
  struct stat st;
  bool existed = lstat(fo.path, &st) == 0;
  mode_t mode;
  if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
    fail(&fo, "%s cannot be replaced as a whole; name a folder for the statements", dir);
    goto done;
  } else if (existed && !S_ISDIR(st.st_mode)) {
    fail(&fo, "%s exists and is not a folder", dir);
    goto done;
  } else if (existed && !only_statements(fo.path)) {
    fail(&fo, "%s holds files that are not statements; it is replaced only when it holds "
              "nothing but .txt and .html files", dir);
    goto done;
  } else if (!existed && errno != ENOENT) {
    fail(&fo, "%s: %s", dir, strerror(errno));
    goto done;
  }
  if (existed) {
    mode = st.st_mode & 07777;
  } else {
    mode_t mask = umask(0);
    umask(mask);
    mode = 0777 & ~mask;
  }
  fo.tmp = tl_alloc(n + 16);
  snprintf(fo.tmp, n + 16, "%s.tmp-XXXXXX", fo.path);
  if (!mkdtemp(fo.tmp)) {
    fail(&fo, "cannot create a folder beside %s: %s", dir, strerror(errno));
    tl_free(fo.tmp);
    fo.tmp = NULL;
    goto done;
  }
  if (fill(&fo, p, l, r) != 0) goto done;
  /* mkdtemp's 0700 is for the folder while it is being filled */
  if (chmod(fo.tmp, mode) != 0) {
    fail(&fo, "%s", strerror(errno));
    goto done;
  }
  sync_dir(fo.tmp);
  if (commit(&fo, existed) != 0) goto done;
  const char *slash = strrchr(fo.path, '/');
  if (slash) {
    fo.path[slash == fo.path ? 1 : slash - fo.path] = 0;
    sync_dir(fo.path);
  } else {
    sync_dir(".");
  }
  tl_free(fo.tmp);
  fo.tmp = NULL;
  rc = 0;
done:
  if (fo.tmp) remove_statements(fo.tmp);
  tl_free(fo.tmp);
  tl_free(fo.path);
  return rc;
}
