/*
** repl.c: `tally repl` (see repl.h).
**
** Everything goes through the library's own paths, so what the session says
** cannot drift from `tally run`:
**   - an expression is compiled as one more measure of the plan
**     (`measure __repl = EXPR`) and the payee traced; its value is what the
**     engine recorded for that measure, period by period;
**   - an override (:set) is spliced into the plan text at the item's span
**     (or, for NAME[BOUND], at the rate of that tier row) and the whole plan
**     checked and compiled again;
**   - every ledger edit (:cancel, :add) rebuilds the ledger through the
**     builder from the rows as read, so an edited or added row gets the same
**     checks and messages as a row of a CSV file.
** A command whose result does not compile or load is undone, so the session
** always holds a plan and ledger that load.  Errors in what the user typed
** are shown against the line typed (`<input>:COL: error: ...`), however the
** text was wrapped before the front end saw it.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cli/repl.h"
#include "lang/front.h"
#include "runtime/csv.h"
#include "runtime/diff.h"
#include "runtime/engine.h"
#include "runtime/explain.h"
#include "runtime/ledger.h"
#include "runtime/output.h"
#include "runtime/vm.h"

/* The measure an expression is compiled as. */
#define EVAL_NAME "__repl"
#define EVAL_PREFIX "measure " EVAL_NAME " = "

/* ---- session state ------------------------------------------------------- */

/* Where generated text came from in a line the user typed: columns
** [col, col + len) of `line` in `file` hold input[off...].  last: later lines
** (the end of file after it) also belong to the input. */
typedef struct origin {
  const char *file;
  const char *input;
  int line, col, len, off;
  bool last;
  const char *hint;             /* said after a syntax error in this text, or NULL */
} origin;

/* One CSV table as read: cells copied, positions kept for messages. */
typedef struct rawrow {
  uint32_t line, n;
  tl_ldg_cell *c;
} rawrow;

typedef struct rawtab {
  char *file;                   /* path as messages name it; NULL: no such file */
  bool has_header;
  rawrow hdr;
  TL_VEC(rawrow) rows;
} rawtab;

typedef struct dataset {
  tl_arena a;                   /* paths and cells */
  char *dir;
  rawtab t[TL_TB_COUNT];
} dataset;

typedef enum okind { OV_MEASURE, OV_COMPONENT, OV_QUOTA, OV_RATE, OV_NEW } okind;

typedef struct override {
  char *name, *text, *input;    /* the expression, and the line it was typed on */
  okind kind;
  char *item;                   /* OV_RATE: the measure or component with the table */
  tl_dec bound;                 /* OV_RATE: the bound of the row whose rate it replaces */
  bool gone;                    /* :reload: the plan no longer has the item */
  origin at;                    /* where the text sits in the current plan text */
} override;

typedef struct field { char *key, *text; int col; } field;

typedef struct added {          /* :add deal { ... } */
  char *id, *input;
  int col;                      /* where `deal` was typed: cells left out point here */
  TL_VEC(field) f;
} added;

typedef struct cancel { char *deal, *date; } cancel;   /* date NULL: not cancelled */

typedef struct session {
  FILE *out;
  int threads;                  /* --threads: the engine credits deals on this many */
  bool failed;                  /* a command failed (the exit status of a script) */
  /* what the user asked for */
  char *plan_path, *base_text;
  size_t base_len;
  TL_VEC(override) ovr;
  dataset *data;
  TL_VEC(cancel) cancels;
  TL_VEC(added) adds;
  /* derived from it by derive() */
  tl_plan *base_plan;           /* AST of base_text: the spans overrides replace */
  tl_program *base_prog, *prog;
  char *text;                   /* base_text with the overrides */
  size_t len;
  tl_ledger *base_ldg, *ldg;
  uint32_t added_line;          /* ledger line of the first added deal */
  /* context */
  char *payee;
  int period;                   /* -1: every period */
} session;

/* ---- small helpers ------------------------------------------------------- */

static void say(session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(session *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(s->out, fmt, ap);
  va_end(ap);
}

/* A one-line error: the command did nothing. */
static void fail(session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(session *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("error: ", s->out);
  vfprintf(s->out, fmt, ap);
  fputc('\n', s->out);
  va_end(ap);
  s->failed = true;
}

static const char *skip_space(const char *p) {
  while (*p == ' ' || *p == '\t') p++;
  return p;
}

/* The next space-separated word of *p into buf; false at the end. */
static bool next_word(const char **p, char *buf, size_t cap) {
  const char *a = skip_space(*p), *b = a;
  while (*b && *b != ' ' && *b != '\t') b++;
  if (a == b) return false;
  size_t n = (size_t)(b - a) < cap - 1 ? (size_t)(b - a) : cap - 1;
  memcpy(buf, a, n);
  buf[n] = 0;
  *p = b;
  return true;
}

static bool is_ident(const char *a, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = a[i];
    bool letter = c == '_' || ((c | 32) >= 'a' && (c | 32) <= 'z');
    if (!letter && (i == 0 || c < '0' || c > '9')) return false;
  }
  return n > 0;
}

typedef TL_VEC(char) strbuf;

static void sb_add(strbuf *b, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) tl_vec_push(*b, p[i]);
}

static void sb_str(strbuf *b, const char *p) { sb_add(b, p, strlen(p)); }

/* Text of a plan span with every run of blanks, line ends and comments made
** one space, so a multi-line tier table reads on one line of a message. */
static void sb_collapse(strbuf *b, const char *p, size_t n) {
  bool gap = false, quoted = false;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (!quoted && c == '#') {
      while (i + 1 < n && p[i + 1] != '\n') i++;
      gap = true;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      gap = true;
      continue;
    }
    if (gap && b->n) tl_vec_push(*b, ' ');
    gap = false;
    if (c == '"' && (i == 0 || p[i - 1] != '\\')) quoted = !quoted;
    tl_vec_push(*b, c);
  }
}

static char *sb_take(strbuf *b) {
  tl_vec_push(*b, 0);
  return b->v;
}

/* Byte offset of 1-based (line, col) in text. */
static size_t offset_of(const char *text, size_t len, int line, int col) {
  size_t i = 0;
  for (int l = 1; l < line && i < len; i++)
    if (text[i] == '\n') l++;
  i += (size_t)(col > 0 ? col - 1 : 0);
  return i < len ? i : len;
}

/* Line and column of byte offset off in text. */
static void position_of(const char *text, size_t off, int *line, int *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++) {
    if (text[i] == '\n') (*line)++, *col = 1;
    else (*col)++;
  }
}

/* Read a whole file, NUL-terminated; NULL with errno set. */
static char *read_fd(int fd, size_t *len) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  if (S_ISDIR(st.st_mode)) {
    errno = EISDIR;
    return NULL;
  }
  size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, n = 0;
  char *buf = tl_alloc(cap);
  for (;;) {
    if (n + 1 >= cap) buf = tl_realloc(buf, cap *= 2);
    ssize_t k = read(fd, buf + n, cap - n - 1);
    if (k == 0) break;
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      int e = errno;
      tl_free(buf);
      errno = e;
      return NULL;
    }
    n += (size_t)k;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

static char *read_path(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  char *buf = read_fd(fd, len);
  int e = errno;
  close(fd);
  errno = e;
  return buf;
}

/* ---- money and values ---------------------------------------------------- */

/* Money as statements show it: the plan's decimals, grouped; more digits only
** when the value has them (a measure is not rounded). */
static const char *fmt_money(const tl_program *p, tl_dec v, char *buf) {
  int places = tl_dec_places(p->unit);
  __int128 step = 1;
  for (int i = places; i < TL_DEC_SCALE; i++) step *= 10;
  tl_dec_format(v, v.raw % step == 0 ? places : -1, true, buf, 64);
  return buf;
}

static const char *fmt_number(tl_dec v, char *buf) {
  tl_dec_format(v, -1, true, buf, 64);
  return buf;
}

static const char *id_of(const tl_ledger *l, tl_tableid t, int32_t row) {
  return tl_ldg_id(l, t, (uint32_t)row);
}


/* A value of static type ty as the user reads it. */
static const char *fmt_value(const tl_program *p, const tl_ledger *l, tl_type ty,
                             const tl_value *v, char *buf, size_t cap) {
  switch (v->kind) {
    case TL_V_NULL: snprintf(buf, cap, "(empty)"); break;
    case TL_V_DEC:
      if (ty == TL_TY_MONEY) fmt_money(p, v->u.d, buf);
      else fmt_number(v->u.d, buf);
      break;
    case TL_V_DATE:
      if (v->u.i == TL_DATE_NONE) snprintf(buf, cap, "(empty)");
      else tl_date_format(v->u.i, buf);
      break;
    case TL_V_BOOL: snprintf(buf, cap, "%s", v->u.i ? "true" : "false"); break;
    case TL_V_STR:
      /* a literal no ledger cell holds has an id of its own (vm.h) */
      snprintf(buf, cap, "\"%s\"", v->u.s & TL_LITERAL_ID
                                      ? p->consts[v->u.s & ~TL_LITERAL_ID].text
                                      : tl_str_get(l->strs, v->u.s, NULL));
      break;
    case TL_V_PAYEE: snprintf(buf, cap, "%s", id_of(l, TL_TB_PAYEES, v->u.i)); break;
    case TL_V_DEAL: snprintf(buf, cap, "%s", id_of(l, TL_TB_DEALS, v->u.i)); break;
  }
  return buf;
}

/* ---- diagnostics --------------------------------------------------------- */

static const origin *find_origin(const struct tl_diag *g, const origin *o) {
  if (!o || !o->file || !g->file || strcmp(g->file, o->file) != 0) return NULL;
  if (g->line == o->line && g->col >= o->col && g->col <= o->col + o->len) return o;
  if (o->last && g->line >= o->line) return o;
  return NULL;
}

/* A diagnostic shown against the line the user typed. */
static void show_input(session *s, const struct tl_diag *g, const origin *o) {
  static const char *const sev[] = { "error", "warning", "note" };
  int n = (int)strlen(o->input);
  int from = g->line == o->line && g->col >= o->col ? o->off + g->col - o->col : n;
  if (g->line == o->line && g->col < o->col) from = o->off;
  if (from > n) from = n;
  int to = from + 1;
  if (g->end_line == g->line && g->end_col >= g->col) to = from + g->end_col - g->col + 1;
  if (to > n) to = from < n ? n : from + 1;
  /* the parser, given the typed text wrapped in a plan, expects what a plan
  ** could have next; what was typed can have nothing more */
  const char *msg = g->message, *decl = strstr(msg, ", expected a declaration");
  int mlen = decl ? (int)(decl - msg) : (int)strlen(msg);
  say(s, "<input>:%d: %s: %.*s\n      | %s\n      | ", from + 1, sev[g->sev], mlen, msg, o->input);
  for (int i = 0; i < from; i++) fputc(o->input[i] == '\t' ? '\t' : ' ', s->out);
  for (int i = from; i < to || i == from; i++) fputc(i == from ? '^' : '~', s->out);
  fputc('\n', s->out);
  if (o->hint && strncmp(msg, "unexpected ", 11) == 0) say(s, "      = %s\n", o->hint);
}

/* Print d: diagnostics in what the user typed against the line typed (extra,
** the overrides, added deals), the rest as the library prints them, with the
** plan text that was checked. */
static void report(session *s, const tl_diags *d, const char *text, size_t len, const origin *extra,
                   size_t nextra, bool warnings) {
  tl_diags *one = tl_diags_new();
  if (text && s->plan_path) tl_diag_source(one, s->plan_path, text, len);
  const char *deals = s->data ? s->data->t[TL_TB_DEALS].file : NULL;
  int shown = 0;
  for (size_t i = 0; i < tl_diag_count(d); i++) {
    struct tl_diag g = *tl_diag_at(d, i);
    if (g.sev != TL_SEV_ERROR && !warnings) continue;
    if (g.sev == TL_SEV_ERROR) shown++;
    const origin *o = NULL;
    for (size_t k = 0; k < nextra && !o; k++) o = find_origin(&g, &extra[k]);
    for (size_t k = 0; k < s->ovr.n && !o; k++) o = find_origin(&g, &s->ovr.v[k].at);
    origin add;
    if (!o && deals && g.file && strcmp(g.file, deals) == 0 && g.line >= (int)s->added_line &&
        g.line < (int)(s->added_line + s->adds.n)) {
      /* an added deal's cells carry the columns they were typed at */
      const added *a = &s->adds.v[g.line - (int)s->added_line];
      add = (origin){ g.file, a->input, g.line, 1, INT_MAX / 2, 0, false, NULL };
      if (g.col == 0) g.col = g.end_col = a->col;
      o = &add;
    }
    if (o) {
      show_input(s, &g, o);
      continue;
    }
    tl_diag_clear(one);
    tl_loc loc = { g.file, g.line, g.col, g.end_line, g.end_col };
    tl_diag(one, g.sev, loc, g.code, "%s", g.message);
    tl_diag_print(one, s->out, TL_DIAG_TEXT);
  }
  int hidden = tl_diag_errors(d) - shown;
  if (hidden > 0) say(s, "%d more error%s not shown\n", hidden, hidden == 1 ? "" : "s");
  tl_diags_free(one);
  if (tl_diag_errors(d)) s->failed = true;
}

/* ---- reading a data folder ----------------------------------------------- */

/* The order the builder requires. */
static const tl_tableid load_order[] = {
  TL_TB_PAYEES, TL_TB_FX, TL_TB_DEALS, TL_TB_SPLITS, TL_TB_QUOTAS
};
#define NLOAD (sizeof load_order / sizeof *load_order)

/* The path as `tally run` names it in messages. */
static char *join(tl_arena *a, const char *dir, const char *name) {
  if (strcmp(dir, ".") == 0) return tl_arena_strndup(a, name, strlen(name));
  size_t n = strlen(dir), m = strlen(name);
  char *p = tl_arena_alloc(a, n + m + 2);
  memcpy(p, dir, n);
  if (n > 0 && dir[n - 1] != '/') p[n++] = '/';
  memcpy(p + n, name, m + 1);
  return p;
}

static void free_data(dataset *ds) {
  if (!ds) return;
  for (int t = 0; t < TL_TB_COUNT; t++) tl_vec_free(ds->t[t].rows);
  tl_arena_free(&ds->a);
  tl_free(ds);
}

/* Read every table of dir as rows of cells; NULL after reporting. */
static dataset *read_data(const char *dir, tl_diags *d) {
  dataset *ds = tl_calloc(1, sizeof *ds);
  tl_arena_init(&ds->a);
  ds->dir = tl_arena_strndup(&ds->a, dir, strlen(dir));
  bool ok = true;
  for (size_t i = 0; i < NLOAD; i++) {
    tl_tableid t = load_order[i];
    char name[32];
    snprintf(name, sizeof name, "%s.csv", tl_table_names[t]);
    char *path = join(&ds->a, dir, name);
    bool required = t == TL_TB_PAYEES || t == TL_TB_DEALS;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    char *buf = fd >= 0 ? read_fd(fd, &len) : NULL;
    int e = errno;
    if (fd >= 0) close(fd);
    if (!buf) {
      if (fd >= 0 || required || e != ENOENT) {
        tl_loc loc = { path, 0, 0, 0, 0 };
        tl_diag(d, TL_SEV_ERROR, loc, "io", "cannot %s file: %s",
                fd >= 0 && e != EISDIR ? "read" : "open", strerror(e));
        ok = false;
      }
      continue;
    }
    rawtab *rt = &ds->t[t];
    rt->file = path;
    tl_csv *c = tl_csv_new(buf, len);
    tl_csv_row row;
    tl_csv_status st;
    while ((st = tl_csv_next(c, &row)) != TL_CSV_END) {
      if (st == TL_CSV_ERROR) {
        uint32_t line, col;
        const char *msg = tl_csv_error(c, &line, &col);
        tl_loc loc = { path, (int)line, (int)col, 0, 0 };
        tl_diag(d, TL_SEV_ERROR, loc, "csv-syntax", "%s", msg);
        ok = false;
        continue;
      }
      rawrow r = { row.line, row.n, tl_arena_alloc(&ds->a, (row.n + 1) * sizeof(tl_ldg_cell)) };
      for (uint32_t k = 0; k < row.n; k++) {
        const tl_csv_field *f = &row.f[k];
        r.c[k] = (tl_ldg_cell){ tl_arena_strndup(&ds->a, f->p, f->len), f->len, f->line, f->col,
                                false };
      }
      if (rt->has_header) {
        tl_vec_push(rt->rows, r);
      } else {
        rt->hdr = r;
        rt->has_header = true;
      }
    }
    tl_csv_free(c);
    tl_free(buf);
  }
  if (!ok) {
    free_data(ds);
    return NULL;
  }
  return ds;
}

static int hdr_col(const rawtab *rt, const char *name) {
  for (uint32_t i = 0; i < rt->hdr.n; i++)
    if (strcmp(rt->hdr.c[i].p, name) == 0) return (int)i;
  return -1;
}

static const char *cell_text(const rawrow *r, int col) {
  return col >= 0 && (uint32_t)col < r->n ? r->c[col].p : "";
}

/* ---- building ledgers ---------------------------------------------------- */

static const cancel *find_cancel(const session *s, const char *deal) {
  for (size_t i = 0; i < s->cancels.n; i++)
    if (strcmp(s->cancels.v[i].deal, deal) == 0) return &s->cancels.v[i];
  return NULL;
}

static tl_ldg_cell mkcell(const char *text, uint32_t line, uint32_t col) {
  tl_ldg_cell c = { text, strlen(text), line, col, false };
  return c;
}

/* deals: the rows as read, each cancellation written into the plan's clawback
** column and the added deals after them, with any column they need that the
** file lacks; skip (a deal id, or NULL) is left out. */
static void feed_deals(session *s, tl_ldg_builder *b, const tl_program *p, bool edits,
                       const char *skip) {
  const rawtab *rt = &s->data->t[TL_TB_DEALS];
  TL_VEC(const char *) extra = { 0 };
  const char *cb = p->clawback_col >= 0 ? p->deals.cols[p->clawback_col].name : NULL;
  if (edits) {
    if (cb && s->cancels.n && hdr_col(rt, cb) < 0) tl_vec_push(extra, cb);
    for (size_t i = 0; i < s->adds.n; i++)
      for (size_t k = 0; k < s->adds.v[i].f.n; k++) {
        const char *key = s->adds.v[i].f.v[k].key;
        bool have = hdr_col(rt, key) >= 0;
        for (size_t j = 0; j < extra.n && !have; j++) have = strcmp(extra.v[j], key) == 0;
        if (!have) tl_vec_push(extra, key);
      }
  }
  size_t nh = rt->hdr.n, width = nh + extra.n;
  uint32_t maxn = 0;
  for (size_t i = 0; i < rt->rows.n; i++)
    if (rt->rows.v[i].n > maxn) maxn = rt->rows.v[i].n;
  tl_ldg_cell *cells = tl_calloc((maxn > width ? maxn : width) + 1, sizeof *cells);
  memcpy(cells, rt->hdr.c, nh * sizeof *cells);
  for (size_t j = 0; j < extra.n; j++) cells[nh + j] = mkcell(extra.v[j], rt->hdr.line, 0);
  tl_ldg_table(b, TL_TB_DEALS, rt->file, cells, width);
  int idc = hdr_col(rt, "id"), cbc = cb ? hdr_col(rt, cb) : -1;
  for (size_t j = 0; j < extra.n && cb; j++)
    if (strcmp(extra.v[j], cb) == 0) cbc = (int)(nh + j);
  for (size_t i = 0; i < rt->rows.n; i++) {
    const rawrow *r = &rt->rows.v[i];
    const char *id = cell_text(r, idc);
    if (skip && strcmp(id, skip) == 0) continue;
    memcpy(cells, r->c, r->n * sizeof *cells);
    size_t n = r->n;
    if (n == nh) {   /* a row of the wrong width stays as read, for the builder to report */
      for (size_t j = 0; j < extra.n; j++) cells[n++] = mkcell("", r->line, 0);
      const cancel *c = edits && cbc >= 0 ? find_cancel(s, id) : NULL;
      if (c) cells[cbc] = mkcell(c->date ? c->date : "", r->line, cells[cbc].col);
    }
    tl_ldg_row(b, r->line, cells, n);
  }
  for (size_t i = 0; edits && i < s->adds.n; i++) {
    const added *a = &s->adds.v[i];
    if (skip && strcmp(a->id, skip) == 0) continue;
    uint32_t line = s->added_line + (uint32_t)i;
    for (size_t k = 0; k < width; k++) {
      const char *name = k < nh ? rt->hdr.c[k].p : extra.v[k - nh];
      cells[k] = mkcell(strcmp(name, "id") == 0 ? a->id : "", line, (uint32_t)a->col);
      for (size_t j = 0; j < a->f.n; j++)
        if (strcmp(a->f.v[j].key, name) == 0)
          cells[k] = mkcell(a->f.v[j].text, line, (uint32_t)a->f.v[j].col);
    }
    const cancel *c = cbc >= 0 ? find_cancel(s, a->id) : NULL;
    if (c) cells[cbc] = mkcell(c->date ? c->date : "", line, (uint32_t)a->col);
    tl_ldg_row(b, line, cells, width);
  }
  tl_free(cells);
  tl_vec_free(extra);
}

/* The ledger of the session's rows for plan p: as read, or with the edits;
** skip (a deal id, or NULL) leaves out one deal and its splits. */
static tl_ledger *build_ledger(session *s, const tl_program *p, bool edits, const char *skip,
                               tl_diags *d) {
  /* every column kept: an expression typed later may read any of them */
  tl_ldg_opts lo = { &p->payees, &p->deals, p->currency, &p->cal, 20, 1, 0, false,
                     TL_HAND_WHEN_DONE, NULL };
  tl_ldg_builder *b = tl_ldg_begin(&lo, d);
  for (size_t i = 0; i < NLOAD; i++) {
    tl_tableid t = load_order[i];
    const rawtab *rt = &s->data->t[t];
    if (!rt->file) continue;
    if (!rt->has_header) {
      tl_ldg_table(b, t, rt->file, NULL, 0);
      continue;
    }
    if (t == TL_TB_DEALS) {
      feed_deals(s, b, p, edits, skip);
      continue;
    }
    tl_ldg_table(b, t, rt->file, rt->hdr.c, rt->hdr.n);
    int dc = t == TL_TB_SPLITS && skip ? hdr_col(rt, "deal") : -1;
    for (size_t k = 0; k < rt->rows.n; k++) {
      const rawrow *r = &rt->rows.v[k];
      if (dc >= 0 && strcmp(cell_text(r, dc), skip) == 0) continue;
      tl_ldg_row(b, r->line, r->c, r->n);
    }
  }
  return tl_ldg_finish(b);
}

/* ---- compiling ----------------------------------------------------------- */

/* Parse, check and compile; the plan (AST) goes to *plan_out when asked for.
** NULL when anything was reported as an error. */
static tl_program *compile(const char *file, const char *text, size_t len, tl_diags *d,
                           tl_plan **plan_out) {
  int before = tl_diag_errors(d);
  tl_plan *plan = tl_parse(file, text, len, d);
  tl_checked c;
  memset(&c, 0, sizeof c);
  tl_program *p = NULL;
  if (tl_diag_errors(d) == before && tl_check(plan, d, &c) == 0) p = tl_compile(&c, d);
  tl_checked_free(&c);
  if (p && tl_diag_errors(d) != before) {
    tl_prog_free(p);
    p = NULL;
  }
  if (plan_out) *plan_out = plan;
  else tl_plan_free(plan);
  return p;
}

static tl_item *find_item(tl_plan *plan, tl_item_kind k, const char *name) {
  for (tl_item *it = plan->items; it; it = it->next)
    if (it->kind == k && (!name || (it->name && strcmp(it->name, name) == 0))) return it;
  return NULL;
}

/* The first row with this bound in a tier table of e (depth-first); chain:
** e heads an argument or list chain, whose members follow through next. */
static const tl_tier_row *find_row_in(const tl_expr *e, tl_dec bound, bool chain) {
  for (; e; e = chain ? e->next : NULL) {
    const tl_expr *kids[3] = { 0 };
    bool chains[3] = { false };
    switch (e->kind) {
      case TL_E_TIER:
        for (const tl_tier_row *r = e->u.tier.rows; r; r = r->next)
          if (tl_dec_cmp(r->bound, bound) == 0) return r;
        kids[0] = e->u.tier.x, kids[1] = e->u.tier.over;
        break;
      case TL_E_CALL:
        kids[0] = e->u.call.args, chains[0] = true, kids[1] = e->u.call.where;
        break;
      case TL_E_UNARY: kids[0] = e->u.unary.x; break;
      case TL_E_BINARY: kids[0] = e->u.binary.l, kids[1] = e->u.binary.r; break;
      case TL_E_IF: kids[0] = e->u.cond.c, kids[1] = e->u.cond.a, kids[2] = e->u.cond.b; break;
      case TL_E_RANGE:
        kids[0] = e->u.range.x, kids[1] = e->u.range.lo, kids[2] = e->u.range.hi;
        break;
      case TL_E_INPERIOD: kids[0] = e->u.inperiod.x; break;
      case TL_E_INLIST: kids[0] = e->u.inlist.x, kids[1] = e->u.inlist.items, chains[1] = true; break;
      default: break;
    }
    for (int i = 0; i < 3; i++) {
      const tl_tier_row *r = find_row_in(kids[i], bound, chains[i]);
      if (r) return r;
    }
  }
  return NULL;
}

/* The tier row of measure or component `item` with this bound, or NULL. */
static const tl_tier_row *find_rate_row(tl_plan *plan, const char *item, tl_dec bound) {
  tl_item *it = find_item(plan, TL_I_COMPONENT, item);
  if (!it) it = find_item(plan, TL_I_MEASURE, item);
  return it && it->x ? find_row_in(it->x, bound, false) : NULL;
}

/* The rate of a tier row: [*from, *to) of text, after the row's colon. */
static void rate_span(const char *text, size_t len, const tl_tier_row *r, size_t *from,
                      size_t *to) {
  size_t a = offset_of(text, len, r->span.line, r->span.col);
  size_t b = offset_of(text, len, r->span.end_line, r->span.end_col) + 1;
  if (b > len) b = len;
  while (a < b && text[a] != ':') a++;
  if (a < b) a++;
  while (a < b && (text[a] == ' ' || text[a] == '\t' || text[a] == '\n')) a++;
  *from = a;
  *to = b;
}

/* The span of an item an override replaces: [*from, *to) of the base text,
** with what goes around the new text.  False when the plan lacks the item
** (the override then appends). */
static bool override_span(const session *s, const override *o, size_t *from, size_t *to,
                          const char **pre, const char **post) {
  tl_item *it = NULL;
  *pre = *post = "";
  switch (o->kind) {
    case OV_MEASURE: it = find_item(s->base_plan, TL_I_MEASURE, o->name); break;
    case OV_COMPONENT: it = find_item(s->base_plan, TL_I_COMPONENT, o->name); break;
    case OV_QUOTA: it = find_item(s->base_plan, TL_I_QUOTA, NULL); break;
    case OV_RATE: {
      const tl_tier_row *r = find_rate_row(s->base_plan, o->item, o->bound);
      if (r) rate_span(s->base_text, s->base_len, r, from, to);
      return r != NULL;
    }
    case OV_NEW: return false;
  }
  if (!it) return false;
  tl_span sp = it->x ? it->x->span : it->span;
  if (o->kind == OV_QUOTA && it->from_table) {
    /* `quota from quotas [prorated by days]` becomes an expression */
    sp = it->span;
    *pre = "quota = ";
    *post = it->flag ? " prorated by days" : "";
  }
  *from = offset_of(s->base_text, s->base_len, sp.line, sp.col);
  *to = offset_of(s->base_text, s->base_len, sp.end_line, sp.end_col) + 1;
  if (*to > s->base_len) *to = s->base_len;
  return true;
}

typedef struct splice { size_t from, to; override *o; const char *pre, *post; } splice;

static int cmp_splice(const void *a, const void *b) {
  const splice *x = a, *y = b;
  return (x->from > y->from) - (x->from < y->from);
}

/* The base text with every override in place; records where each one's text
** landed, so errors in it are shown against the line it was typed on. */
static char *apply_overrides(session *s, size_t *len) {
  strbuf out = { 0 };
  splice *sp = tl_calloc(s->ovr.n + 1, sizeof *sp);
  size_t n = 0;
  for (size_t i = 0; i < s->ovr.n; i++) {
    splice x = { 0, 0, &s->ovr.v[i], "", "" };
    x.o->at.line = -1;    /* placed below, if at all */
    if (!x.o->gone && override_span(s, x.o, &x.from, &x.to, &x.pre, &x.post)) sp[n++] = x;
  }
  if (n) qsort(sp, n, sizeof *sp, cmp_splice);
  size_t at = 0;
  for (size_t i = 0; i <= n; i++) {
    /* cmd_set keeps overrides from nesting; should two overlap all the
    ** same, the later one is left out rather than splice text out of order */
    if (i < n && sp[i].from < at) continue;
    size_t upto = i < n ? sp[i].from : s->base_len;
    sb_add(&out, s->base_text + at, upto - at);
    if (i == n) break;
    sb_str(&out, sp[i].pre);
    override *o = sp[i].o;
    position_of(out.v, out.n, &o->at.line, &o->at.col);
    sb_str(&out, o->text);
    sb_str(&out, sp[i].post);
    at = sp[i].to;
  }
  for (size_t i = 0; i < s->ovr.n; i++) {
    override *o = &s->ovr.v[i];
    size_t a, b;
    const char *pre, *post;
    if (o->gone || o->kind == OV_RATE || override_span(s, o, &a, &b, &pre, &post)) continue;
    if (out.n && out.v[out.n - 1] != '\n') tl_vec_push(out, '\n');
    if (o->kind == OV_QUOTA) sb_str(&out, "quota = ");
    else sb_str(&out, "measure "), sb_str(&out, o->name), sb_str(&out, " = ");
    position_of(out.v, out.n, &o->at.line, &o->at.col);
    sb_str(&out, o->text);
    tl_vec_push(out, '\n');
  }
  tl_free(sp);
  *len = out.n;
  return sb_take(&out);
}

static void free_derived(session *s) {
  tl_ldg_free(s->ldg);
  tl_ldg_free(s->base_ldg);
  tl_prog_free(s->prog);
  tl_prog_free(s->base_prog);
  tl_plan_free(s->base_plan);
  tl_free(s->text);
  s->ldg = s->base_ldg = NULL;
  s->prog = s->base_prog = NULL;
  s->base_plan = NULL;
  s->text = NULL;
  s->len = 0;
}

/* How derive() reports: warnings too (loading a plan), or nothing at all
** (a first attempt that has a fallback). */
enum { D_ERRORS = 0, D_WARNINGS = 1, D_QUIET = 2 };

/* Compile the plan (as loaded, and with the overrides) and build the ledger
** (as read, and with the edits).  On failure report and leave the derived
** state as it was; the caller undoes what it changed. */
static bool derive(session *s, int how) {
  session old = *s;
  s->base_plan = NULL;
  s->base_prog = s->prog = NULL;
  s->base_ldg = s->ldg = NULL;
  s->text = NULL;
  s->len = 0;
  /* the plan as loaded reports into d; the plan with the overrides (whose
  ** warnings would repeat the plan's) into d2, which shows only errors */
  tl_diags *d = tl_diags_new(), *d2 = tl_diags_new();
  bool ok = true;
  if (s->base_text) {
    s->base_prog = compile(s->plan_path, s->base_text, s->base_len, d, &s->base_plan);
    if (s->base_prog) {
      s->text = apply_overrides(s, &s->len);
      for (size_t i = 0; i < s->ovr.n; i++) {
        s->ovr.v[i].at.file = s->plan_path;
        s->ovr.v[i].at.len = (int)strlen(s->ovr.v[i].text);
      }
      s->prog = compile(s->plan_path, s->text, s->len, d2, NULL);
    }
    ok = s->prog != NULL;
  }
  if (ok && s->data) {
    /* added deals are numbered on from the file's last line */
    const rawtab *rt = &s->data->t[TL_TB_DEALS];
    uint32_t last = rt->hdr.line;
    for (size_t i = 0; i < rt->rows.n; i++)
      if (rt->rows.v[i].line > last) last = rt->rows.v[i].line;
    s->added_line = last + 1;
  }
  if (ok && s->data && s->prog) {
    s->base_ldg = build_ledger(s, s->base_prog, false, NULL, d);
    if (s->base_ldg) s->ldg = build_ledger(s, s->prog, true, NULL, d2);
    ok = s->ldg != NULL;
  }
  if (!(how & D_QUIET) && (!ok || (how & D_WARNINGS))) {
    report(s, d, s->base_text, s->base_len, NULL, 0, how & D_WARNINGS);
    report(s, d2, s->text, s->len, NULL, 0, false);
  }
  tl_diags_free(d);
  tl_diags_free(d2);
  if (!ok) {
    free_derived(s);
    s->base_plan = old.base_plan;
    s->base_prog = old.base_prog;
    s->prog = old.prog;
    s->base_ldg = old.base_ldg;
    s->ldg = old.ldg;
    s->text = old.text;
    s->len = old.len;
    s->added_line = old.added_line;
    return false;
  }
  free_derived(&old);
  return true;
}

/* ---- the context --------------------------------------------------------- */

static bool need_plan(session *s) {
  if (s->prog) return true;
  fail(s, "no plan loaded (use :load PLAN)");
  return false;
}

static bool need_ledger(session *s) {
  if (!need_plan(s)) return false;
  if (s->ldg) return true;
  fail(s, "no data loaded (use :data DIR)");
  return false;
}

/* The payees row of id, or -1 after saying so. */
static int32_t payee_row(session *s, const char *id) {
  int32_t row = tl_ldg_find(s->ldg, TL_TB_PAYEES, id);
  if (row >= 0) return row;
  const tl_table *t = &s->ldg->t[TL_TB_PAYEES];
  strbuf ids = { 0 };
  for (uint32_t i = 0; i < t->nrows && i < 12; i++) {
    if (i) sb_str(&ids, ", ");
    sb_str(&ids, id_of(s->ldg, TL_TB_PAYEES, (int32_t)i));
  }
  if (t->nrows > 12) sb_str(&ids, ", ...");
  fail(s, "no payee %s (payees: %s)", id, sb_take(&ids));
  tl_vec_free(ids);
  return -1;
}

static int32_t context_payee(session *s) {
  if (!need_ledger(s)) return -1;
  if (!s->payee) {
    fail(s, "no payee in context (use :payee ID)");
    return -1;
  }
  return payee_row(s, s->payee);
}

static int find_period(session *s, const char *name) {
  int k = tl_cal_find(&s->prog->cal, name, strlen(name));
  if (k < 0)
    fail(s, "%s is not a period of this plan (%s to %s)", name, s->prog->cal.name[0],
         s->prog->cal.name[s->prog->cal.n - 1]);
  return k;
}

static void show_context(session *s) {
  say(s, "context: %s%s, %s%s\n", s->payee ? "payee " : "no payee", s->payee ? s->payee : "",
      s->period >= 0 && s->prog ? "period " : "every period",
      s->period >= 0 && s->prog ? s->prog->cal.name[s->period] : "");
}

static void plan_summary(session *s) {
  const tl_program *p = s->prog;
  say(s, "plan \"%s\" (%s): %u measure%s, %u component%s, periods %s to %s\n",
      p->title ? p->title : "", s->plan_path, p->nmeasures, p->nmeasures == 1 ? "" : "s",
      p->ncomponents, p->ncomponents == 1 ? "" : "s", p->cal.name[0], p->cal.name[p->cal.n - 1]);
}

static void data_summary(session *s) {
  say(s, "data %s:", s->data->dir);
  for (size_t i = 0, k = 0; i < NLOAD; i++) {
    const rawtab *rt = &s->data->t[load_order[i]];
    if (!rt->file) continue;
    const char *name = tl_table_names[load_order[i]];
    int len = (int)strlen(name);
    if (rt->rows.n == 1 && name[len - 1] == 's') len--;   /* 1 payee, 4 deals */
    say(s, "%s %zu %.*s", k++ ? "," : "", rt->rows.n, len, name);
  }
  say(s, "\n");
}

/* ---- evaluating expressions ---------------------------------------------- */

/* Parse EXPR (input[off...]) on its own, so a syntax error is reported at the
** column typed and nothing after the expression can start a plan item. */
static bool parse_alone(session *s, const char *input, int off) {
  const char *expr = input + off;
  size_t n = strlen(EVAL_PREFIX) + strlen(expr);
  char *text = tl_alloc(n + 2);
  snprintf(text, n + 2, "%s%s\n", EVAL_PREFIX, expr);
  tl_diags *d = tl_diags_new();
  tl_plan *plan = tl_parse("<input>", text, n + 1, d);
  tl_item *it = plan->items;
  if (!tl_diag_errors(d) && it && it->next) {
    tl_loc loc = tl_span_loc("<input>", it->next->span);
    tl_diag(d, TL_SEV_ERROR, loc, "repl", "unexpected text after the expression");
  } else if (!tl_diag_errors(d) && (!it || it->kind != TL_I_MEASURE)) {
    tl_loc loc = { "<input>", 1, (int)strlen(EVAL_PREFIX) + 1, 0, 0 };
    tl_diag(d, TL_SEV_ERROR, loc, "repl", "expected an expression");
  }
  bool ok = tl_diag_errors(d) == 0;
  origin o = { "<input>", input, 1, (int)strlen(EVAL_PREFIX) + 1, (int)strlen(expr), off, true,
               NULL };
  if (!ok) report(s, d, NULL, 0, &o, 1, false);
  tl_plan_free(plan);
  tl_diags_free(d);
  tl_free(text);
  return ok;
}

/* Evaluate input[off...] for the payee in context: every period, or the one
** in context. */
static void eval_expr(session *s, const char *input, int off) {
  int32_t row = context_payee(s);
  if (row < 0 || !parse_alone(s, input, off)) return;
  const char *expr = input + off;
  strbuf b = { 0 };
  sb_add(&b, s->text, s->len);
  if (s->len && s->text[s->len - 1] != '\n') tl_vec_push(b, '\n');
  origin o = { s->plan_path, input, 0, 0, (int)strlen(expr), off, true, NULL };
  position_of(b.v, b.n, &o.line, &o.col);
  o.col += (int)strlen(EVAL_PREFIX);
  sb_str(&b, EVAL_PREFIX);
  sb_str(&b, expr);
  tl_vec_push(b, '\n');
  size_t len = b.n;
  char *text = sb_take(&b);
  tl_diags *d = tl_diags_new();
  tl_plan *plan = NULL;
  tl_program *p = compile(s->plan_path, text, len, d, &plan);
  tl_trace *t = p ? tl_eng_trace(p, s->ldg, d, row) : NULL;
  uint32_t m = 0;
  while (t && strcmp(p->measures[m].name, EVAL_NAME) != 0) m++;
  /* the expression's own error, in the period asked for or the first */
  for (int k = 0; t && k < t->n; k++)
    if ((s->period < 0 || k == s->period) && t->periods[k].measure_errors[m]) {
      tl_vm_error *err = t->periods[k].measure_errors[m];
      if (strcmp(err->what, "measure " EVAL_NAME) == 0) err->what = "the expression";
      tl_trace_measure_error(p, s->ldg, t, k, m, d);
      tl_trace_free(t);
      t = NULL;
    }
  if (!t) {
    report(s, d, text, len, &o, 1, false);
  } else {
    tl_type ty = find_item(plan, TL_I_MEASURE, EVAL_NAME)->x->type;
    char buf[256];
    if (s->period >= 0) {
      const tl_value *v = &t->periods[s->period].measures[m];
      say(s, "%s\n", fmt_value(p, s->ldg, ty, v, buf, sizeof buf));
    } else {
      /* one line per period, values lined up on the right */
      int w = 0;
      for (int k = 0; k < t->n; k++) {
        fmt_value(p, s->ldg, ty, &t->periods[k].measures[m], buf, sizeof buf);
        if ((int)strlen(buf) > w) w = (int)strlen(buf);
      }
      for (int k = 0; k < t->n; k++)
        say(s, "%s  %*s\n", p->cal.name[k], w,
            fmt_value(p, s->ldg, ty, &t->periods[k].measures[m], buf, sizeof buf));
    }
  }
  tl_trace_free(t);
  tl_prog_free(p);
  tl_plan_free(plan);
  tl_diags_free(d);
  tl_free(text);
}

/* ---- commands: loading --------------------------------------------------- */

static void free_override(override *o) {
  tl_free(o->name);
  tl_free(o->item);
  tl_free(o->text);
  tl_free(o->input);
}

static void free_added(added *a) {
  for (size_t k = 0; k < a->f.n; k++) {
    tl_free(a->f.v[k].key);
    tl_free(a->f.v[k].text);
  }
  tl_vec_free(a->f);
  tl_free(a->id);
  tl_free(a->input);
}

static void drop_overrides(session *s) {
  for (size_t i = 0; i < s->ovr.n; i++) free_override(&s->ovr.v[i]);
  s->ovr.n = 0;
}

static void drop_edits(session *s) {
  for (size_t i = 0; i < s->cancels.n; i++) {
    tl_free(s->cancels.v[i].deal);
    tl_free(s->cancels.v[i].date);
  }
  s->cancels.n = 0;
  for (size_t i = 0; i < s->adds.n; i++) free_added(&s->adds.v[i]);
  s->adds.n = 0;
}

/* Keep the context payee only while the ledger has it. */
static void check_context(session *s) {
  if (s->payee && s->ldg && tl_ldg_find(s->ldg, TL_TB_PAYEES, s->payee) < 0) {
    say(s, "payee %s is not in the new ledger; no payee in context\n", s->payee);
    tl_free(s->payee);
    s->payee = NULL;
  }
}

typedef struct whatifs {
  TL_VEC(override) ovr;
  TL_VEC(cancel) cancels;
  TL_VEC(added) adds;
} whatifs;

/* Move the session's what-ifs out (leaving none), or back in. */
static whatifs take_whatifs(session *s) {
  whatifs w = { { s->ovr.v, s->ovr.n, s->ovr.cap },
                { s->cancels.v, s->cancels.n, s->cancels.cap },
                { s->adds.v, s->adds.n, s->adds.cap } };
  memset(&s->ovr, 0, sizeof s->ovr);
  memset(&s->cancels, 0, sizeof s->cancels);
  memset(&s->adds, 0, sizeof s->adds);
  return w;
}

static void put_whatifs(session *s, whatifs w) {
  s->ovr.v = w.ovr.v, s->ovr.n = w.ovr.n, s->ovr.cap = w.ovr.cap;
  s->cancels.v = w.cancels.v, s->cancels.n = w.cancels.n, s->cancels.cap = w.cancels.cap;
  s->adds.v = w.adds.v, s->adds.n = w.adds.n, s->adds.cap = w.adds.cap;
}

static void free_whatifs(session *s) {
  drop_overrides(s);
  drop_edits(s);
  tl_vec_free(s->ovr);
  tl_vec_free(s->cancels);
  tl_vec_free(s->adds);
}

/* Mark the overrides of measures and components the (new) base text no
** longer has, so they are left out rather than turned into new measures. */
static void mark_gone(session *s) {
  tl_diags *d = tl_diags_new();
  tl_plan *plan = tl_parse(s->plan_path, s->base_text, s->base_len, d);
  for (size_t i = 0; i < s->ovr.n; i++) {
    override *o = &s->ovr.v[i];
    o->gone = (o->kind == OV_MEASURE && !find_item(plan, TL_I_MEASURE, o->name)) ||
              (o->kind == OV_COMPONENT && !find_item(plan, TL_I_COMPONENT, o->name)) ||
              (o->kind == OV_RATE && !find_rate_row(plan, o->item, o->bound));
  }
  tl_plan_free(plan);
  tl_diags_free(d);
}

/* Read a plan file as the session's baseline plan.  keep: the what-ifs stay
** when they still apply (:reload); otherwise they are dropped (:load). */
static bool load_plan(session *s, const char *path, bool keep) {
  size_t len;
  char *text = read_path(path, &len);
  if (!text) {
    fail(s, "cannot read plan %s: %s", path, strerror(errno));
    return false;
  }
  char *old_path = s->plan_path, *old_text = s->base_text;
  size_t old_len = s->base_len;
  char *period = s->period >= 0 && s->prog ? tl_strdup(s->prog->cal.name[s->period]) : NULL;
  bool had = s->ovr.n || s->cancels.n || s->adds.n;
  s->plan_path = tl_strdup(path);
  s->base_text = text;
  s->base_len = len;
  if (keep) mark_gone(s);
  /* the what-ifs are tried on the edited plan first, quietly, since the
  ** plan alone may still load */
  bool ok = keep && had && derive(s, D_QUIET);
  whatifs old = { 0 };
  if (!ok) {
    old = take_whatifs(s);
    ok = derive(s, D_WARNINGS);
  }
  if (!ok) {
    tl_free(s->plan_path);
    tl_free(s->base_text);
    s->plan_path = old_path;
    s->base_text = old_text;
    s->base_len = old_len;
    put_whatifs(s, old);
    for (size_t i = 0; i < s->ovr.n; i++) s->ovr.v[i].gone = false;
    tl_free(period);
    if (old_text) say(s, "kept the plan loaded before\n");
    return false;
  }
  tl_free(old_path);
  tl_free(old_text);
  session gone = { 0 };
  put_whatifs(&gone, old);
  free_whatifs(&gone);
  s->period = period ? tl_cal_find(&s->prog->cal, period, strlen(period)) : -1;
  tl_free(period);
  plan_summary(s);
  for (size_t i = 0; i < s->ovr.n;) {
    if (!s->ovr.v[i].gone) {
      i++;
      continue;
    }
    okind k = s->ovr.v[i].kind;
    say(s, "the plan has no %s %s any more: its override is dropped\n",
        k == OV_MEASURE ? "measure" : k == OV_COMPONENT ? "component" : "tier row",
        s->ovr.v[i].name);
    free_override(&s->ovr.v[i]);
    memmove(&s->ovr.v[i], &s->ovr.v[i + 1], (s->ovr.n - i - 1) * sizeof *s->ovr.v);
    s->ovr.n--;
  }
  if (keep && had && !s->ovr.n && !s->cancels.n && !s->adds.n)
    say(s, "the overrides and ledger edits no longer apply to this plan and were dropped\n");
  check_context(s);
  return true;
}

static bool load_data(session *s, const char *dir) {
  tl_diags *d = tl_diags_new();
  dataset *ds = read_data(dir, d);
  if (!ds) {
    report(s, d, NULL, 0, NULL, 0, false);
    tl_diags_free(d);
    return false;
  }
  tl_diags_free(d);
  /* the ledger edits were made to the old rows; the overrides stay */
  dataset *old = s->data;
  whatifs w = take_whatifs(s);
  s->ovr.v = w.ovr.v, s->ovr.n = w.ovr.n, s->ovr.cap = w.ovr.cap;
  memset(&w.ovr, 0, sizeof w.ovr);
  s->data = ds;
  if (!derive(s, D_ERRORS)) {
    free_data(ds);
    s->data = old;
    s->cancels.v = w.cancels.v, s->cancels.n = w.cancels.n, s->cancels.cap = w.cancels.cap;
    s->adds.v = w.adds.v, s->adds.n = w.adds.n, s->adds.cap = w.adds.cap;
    return false;
  }
  free_data(old);
  session gone = { 0 };
  put_whatifs(&gone, w);
  free_whatifs(&gone);
  data_summary(s);
  check_context(s);
  return true;
}

/* Whether name can be declared as a measure: not a key word, not reserved. */
static bool measure_name(const char *name) {
  static const char *const reserved[] = { "earned", "net", "balance", "payee", "credit", "deal" };
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
    if (strcmp(name, reserved[i]) == 0) return false;
  strbuf b = { 0 };
  sb_str(&b, "measure ");
  sb_str(&b, name);
  sb_str(&b, " = 0\n");
  size_t n = b.n;
  char *text = sb_take(&b);
  tl_diags *d = tl_diags_new();
  tl_plan *plan = tl_parse("<input>", text, n, d);
  bool ok = !tl_diag_errors(d) && plan->items && strcmp(plan->items->name, name) == 0;
  tl_plan_free(plan);
  tl_diags_free(d);
  tl_free(text);
  return ok;
}

/* ---- commands: context and explanations ---------------------------------- */

static void cmd_payee(session *s, const char *args) {
  char id[256];
  if (!next_word(&args, id, sizeof id)) {
    show_context(s);
    return;
  }
  if (!need_ledger(s) || payee_row(s, id) < 0) return;
  tl_free(s->payee);
  s->payee = tl_strdup(id);
  /* the roster row as read, and whether the plan pays this payee at all */
  const rawtab *rt = &s->data->t[TL_TB_PAYEES];
  int idc = hdr_col(rt, "id");
  say(s, "payee %s", id);
  for (size_t i = 0; i < rt->rows.n; i++) {
    const rawrow *r = &rt->rows.v[i];
    if (strcmp(cell_text(r, idc), id) != 0) continue;
    for (uint32_t k = 0, n = 0; k < r->n && k < rt->hdr.n; k++)
      if ((int)k != idc && r->c[k].len)
        say(s, "%s %s %s", n++ ? "," : ":", rt->hdr.c[k].p, r->c[k].p);
    break;
  }
  tl_diags *d = tl_diags_new();
  tl_result *res = tl_eng_run_threads(s->prog, s->ldg, d, 0, s->threads);
  int32_t row = tl_ldg_find(s->ldg, TL_TB_PAYEES, id);
  tl_result one;
  if (res && !tl_result_payee(res, row, &one)) say(s, " (not eligible under this plan)");
  say(s, "\n");
  tl_result_free(res);
  tl_diags_free(d);
}

static void cmd_period(session *s, const char *args) {
  char name[64];
  if (!next_word(&args, name, sizeof name)) {
    show_context(s);
    return;
  }
  if (strcmp(name, "all") == 0) {
    s->period = -1;
    say(s, "period: every period\n");
    return;
  }
  if (!need_plan(s)) return;
  int k = find_period(s, name);
  if (k < 0) return;
  s->period = k;
  char a[11], b[11];
  tl_date_format(s->prog->cal.pstart[k], a);
  tl_date_format(s->prog->cal.pend[k], b);
  say(s, "period %s: %s to %s\n", name, a, b);
}

static void cmd_explain(session *s, const char *args) {
  if (!need_ledger(s)) return;
  char w[256];
  const char *payee = s->payee;
  int period = s->period;
  while (next_word(&args, w, sizeof w)) {
    int k = tl_cal_find(&s->prog->cal, w, strlen(w));
    if (k >= 0) {
      period = k;
    } else if ((k = tl_ldg_find(s->ldg, TL_TB_PAYEES, w)) >= 0) {
      payee = id_of(s->ldg, TL_TB_PAYEES, k);
    } else {
      fail(s, "%s is neither a payee nor a period of this plan", w);
      return;
    }
  }
  if (!payee) {
    fail(s, "no payee in context (use :payee ID or :explain PAYEE [PERIOD])");
    return;
  }
  int32_t row = payee_row(s, payee);
  if (row < 0) return;
  tl_diags *d = tl_diags_new();
  tl_trace *t = tl_eng_trace(s->prog, s->ldg, d, row);
  if (t) tl_explain_write(s->prog, s->ldg, t, period, TL_EXPLAIN_TEXT, s->out);
  else report(s, d, s->text, s->len, NULL, 0, false);
  tl_trace_free(t);
  tl_diags_free(d);
}

/* What one deal contributed: its credit lines, then the run with it against
** the run without it. */
static void cmd_why(session *s, const char *args) {
  char id[256];
  if (!next_word(&args, id, sizeof id)) {
    fail(s, ":why needs a deal id");
    return;
  }
  if (!need_ledger(s)) return;
  const tl_program *p = s->prog;
  const tl_ledger *l = s->ldg;
  int32_t deal = tl_ldg_find(l, TL_TB_DEALS, id);
  if (deal < 0) {
    fail(s, "no deal %s", id);
    return;
  }
  tl_diags *d = tl_diags_new();
  tl_ledger *without = build_ledger(s, p, true, id, d);
  tl_result *rw = tl_eng_run_threads(p, l, d, 0, s->threads);
  tl_result *ro = without && rw ? tl_eng_run_threads(p, without, d, 0, s->threads) : NULL;
  if (!ro) {
    report(s, d, s->text, s->len, NULL, 0, false);
    goto done;
  }
  char a[64], day[11];
  const tl_table *dt = &l->t[TL_TB_DEALS];
  tl_date closed = tl_col_date(&dt->cols[2], (uint32_t)deal);
  int k = tl_cal_period_of(&p->cal, closed);
  tl_date_format(closed, day);
  say(s, "deal %s: closed %s (%s), amount %s\n", id, day,
      k >= 0 ? p->cal.name[k] : "outside the plan year", fmt_money(p, tl_ldg_amount(l, (uint32_t)deal), a));
  /* every eligible payee's trace holds its credit lines from this deal */
  int lines = 0;
  for (size_t b = 0; b < tl_result_payees(rw); b++) {
    tl_trace *t = tl_eng_trace(p, l, d, rw->payees[b]);
    for (size_t c = 0; t && c < t->credits.n; c++) {
      const tl_trace_credit *cr = &t->credits.v[c];
      if (cr->deal != deal) continue;
      char sh[64];
      tl_dec pct;
      if (tl_dec_mul_int(cr->share, 100, &pct) != TL_DEC_OK) pct = cr->share;
      say(s, "  credited to %s: %s (share %s%%%s)", id_of(l, TL_TB_PAYEES, t->payee),
          fmt_money(p, cr->amount, a), fmt_number(pct, sh), cr->direct ? "" : ", through rollup");
      if (cr->r < p->cal.n) say(s, ", taken back as of %s", p->cal.name[cr->r]);
      say(s, "\n");
      lines++;
    }
    tl_trace_free(t);
  }
  if (!lines)
    say(s, "  credited to no eligible payee (no credit rule takes it, or it closed outside the "
        "plan year)\n");
  char la[300], lb[300];
  snprintf(la, sizeof la, "without deal %s", id);
  snprintf(lb, sizeof lb, "with deal %s", id);
  tl_diff_side sa = { p, without, ro, la }, sb = { p, l, rw, lb };
  if (tl_diff_write(&sa, &sb, 50, d, s->out) < 0) report(s, d, s->text, s->len, NULL, 0, false);
done:
  tl_result_free(rw);
  tl_result_free(ro);
  tl_ldg_free(without);
  tl_diags_free(d);
}

static void cmd_run(session *s, const char *args) {
  char w[16];
  bool all = next_word(&args, w, sizeof w) && strcmp(w, "all") == 0;
  int32_t row = -1;
  if (!need_ledger(s)) return;
  if (!all && s->payee && (row = payee_row(s, s->payee)) < 0) return;
  tl_diags *d = tl_diags_new();
  tl_result *r = tl_eng_run_threads(s->prog, s->ldg, d, 0, s->threads);
  if (!r) {
    report(s, d, s->text, s->len, NULL, 0, false);
  } else {
    tl_result sub = *r;
    if (row >= 0 && !tl_result_payee(r, row, &sub))
      say(s, "payee %s is not eligible under this plan, so it has no payouts\n", s->payee);
    else
      tl_out_write(s->prog, s->ldg, &sub, TL_OUT_TABLE, s->out);
  }
  tl_result_free(r);
  tl_diags_free(d);
}

/* ---- commands: what-ifs -------------------------------------------------- */

static void edits_label(session *s, strbuf *b) {
  sb_str(b, "this session (");
  size_t n = 0;
  for (size_t i = 0; i < s->ovr.n; i++, n++) {
    if (n) sb_str(b, "; ");
    sb_str(b, ":set ");
    sb_str(b, s->ovr.v[i].name);
  }
  for (size_t i = 0; i < s->cancels.n; i++, n++) {
    if (n) sb_str(b, "; ");
    sb_str(b, ":cancel ");
    sb_str(b, s->cancels.v[i].deal);
    sb_str(b, " ");
    sb_str(b, s->cancels.v[i].date ? s->cancels.v[i].date : "none");
  }
  for (size_t i = 0; i < s->adds.n; i++, n++) {
    if (n) sb_str(b, "; ");
    sb_str(b, ":add deal ");
    sb_str(b, s->adds.v[i].id);
  }
  if (!n) sb_str(b, "no changes");
  sb_str(b, ")");
}

static void cmd_diff(session *s) {
  if (!need_ledger(s)) return;
  tl_diags *d = tl_diags_new();
  tl_result *ra = tl_eng_run_threads(s->base_prog, s->base_ldg, d, 0, s->threads);
  tl_result *rb = ra ? tl_eng_run_threads(s->prog, s->ldg, d, 0, s->threads) : NULL;
  if (rb) {
    strbuf la = { 0 }, lb = { 0 };
    sb_str(&la, "baseline (");
    sb_str(&la, s->plan_path);
    sb_str(&la, " over ");
    sb_str(&la, s->data->dir);
    sb_str(&la, ")");
    edits_label(s, &lb);
    tl_diff_side a = { s->base_prog, s->base_ldg, ra, sb_take(&la) };
    tl_diff_side b = { s->prog, s->ldg, rb, sb_take(&lb) };
    if (tl_diff_write(&a, &b, 50, d, s->out) < 0) report(s, d, s->text, s->len, NULL, 0, false);
    tl_vec_free(la);
    tl_vec_free(lb);
  } else {
    report(s, d, ra ? s->text : s->base_text, ra ? s->len : s->base_len, NULL, 0, false);
  }
  tl_result_free(ra);
  tl_result_free(rb);
  tl_diags_free(d);
}

/* NAME[BOUND], a row of a tier table: the measure or component and the
** bound as the table writes it (100%, 250_000).  False after saying why. */
static bool parse_row_name(session *s, const char *p, size_t n, char **item, tl_dec *bound) {
  const char *lb = memchr(p, '[', n);
  size_t in = (size_t)(lb - p);
  if (p[n - 1] != ']' || !is_ident(p, in)) {
    fail(s, "%.*s is not a name, nor NAME[BOUND] for a row of a tier table", (int)n, p);
    return false;
  }
  const char *b = lb + 1;
  size_t bn = n - in - 2;
  bool pct = bn > 0 && b[bn - 1] == '%';
  tl_dec v;
  if (bn == (size_t)pct || tl_dec_parse(b, bn - pct, TL_DEC_ALLOW_UNDERSCORE, &v) != TL_DEC_OK ||
      (pct && tl_dec_muldiv_int(v, 1, 100, &v) != TL_DEC_OK)) {
    fail(s, "%.*s is not a tier bound (like 100%% or 250_000)", (int)bn, b);
    return false;
  }
  *item = tl_strndup(p, in);
  *bound = v;
  return true;
}

/* A tier table's rate is a literal, not an expression: 14%, 0.14, -5%. */
static bool is_rate(const char *t) {
  t = skip_space(t);
  if (*t == '-') t = skip_space(t + 1);
  bool digit = false;
  int dots = 0;
  for (; (*t >= '0' && *t <= '9') || *t == '_' || *t == '.'; t++) {
    digit |= *t >= '0' && *t <= '9';
    dots += *t == '.';
  }
  if (dots > 1) return false;
  if (*t == '%') t++;
  return digit && !*skip_space(t);
}

static void cmd_set(session *s, const char *input, const char *args) {
  const char *p = skip_space(args), *q = p;
  while (*q && *q != ' ' && *q != '\t' && *q != '=') q++;
  const char *eq = skip_space(q);
  if (p == q || *eq != '=' || !*skip_space(eq + 1)) {
    fail(s, ":set needs NAME = EXPR (or NAME[BOUND] = RATE)");
    return;
  }
  if (!need_plan(s)) return;
  size_t nlen = (size_t)(q - p);
  char *item = NULL;
  tl_dec bound = tl_dec_zero();
  bool row = memchr(p, '[', nlen) != NULL;
  if (row && !parse_row_name(s, p, nlen, &item, &bound)) return;
  if (!row && !is_ident(p, nlen)) {
    fail(s, "%.*s is not a name", (int)nlen, p);
    return;
  }
  const tl_tier_row *tr = row ? find_rate_row(s->base_plan, item, bound) : NULL;
  if (row && !tr) {
    if (!find_item(s->base_plan, TL_I_COMPONENT, item) && !find_item(s->base_plan, TL_I_MEASURE, item))
      fail(s, "the plan has no measure or component %s", item);
    else
      fail(s, "%s has no tier table with a row at %.*s", item, (int)(nlen - strlen(item) - 2),
           p + strlen(item) + 1);
    tl_free(item);
    return;
  }
  int off = (int)(skip_space(eq + 1) - input);
  if (row && !is_rate(input + off)) {
    fail(s, "a tier rate is a number or a percent (like 14%%), not %s", input + off);
    tl_free(item);
    return;
  }
  if (!parse_alone(s, input, off)) {
    tl_free(item);
    return;
  }
  char *name = tl_strndup(p, nlen);
  /* what the name is now: an override again, an item of the plan, or new */
  size_t idx = 0;
  while (idx < s->ovr.n &&
         (row ? s->ovr.v[idx].kind != OV_RATE || strcmp(s->ovr.v[idx].item, item) != 0 ||
                    tl_dec_cmp(s->ovr.v[idx].bound, bound) != 0
              : s->ovr.v[idx].kind == OV_RATE || strcmp(s->ovr.v[idx].name, name) != 0))
    idx++;
  okind kind = OV_NEW;
  tl_item *it = NULL;
  if (idx < s->ovr.n) kind = s->ovr.v[idx].kind;
  else if (row) kind = OV_RATE;
  else if ((it = find_item(s->base_plan, TL_I_MEASURE, name))) kind = OV_MEASURE;
  else if ((it = find_item(s->base_plan, TL_I_COMPONENT, name))) kind = OV_COMPONENT;
  else if (strcmp(name, "quota") == 0) kind = OV_QUOTA, it = find_item(s->base_plan, TL_I_QUOTA, 0);
  if (kind == OV_NEW && !measure_name(name)) {
    fail(s, "%s cannot name a measure (it is a key word or reserved)", name);
    tl_free(name);
    return;
  }
  /* a rate override lives inside the body of its measure or component: a
  ** new body replaces the rows (those overrides are dropped below), and a
  ** rate cannot be set in a body this session has replaced */
  for (size_t i = 0; i < s->ovr.n; i++) {
    override *v = &s->ovr.v[i];
    if (kind == OV_RATE && v->kind != OV_RATE && strcmp(v->name, item) == 0) {
      fail(s, "the body of %s is replaced in this session (:set %s): set it again with the "
           "rate you want, or :reset", item, item);
      tl_free(name);
      tl_free(item);
      return;
    }
    v->gone = (kind == OV_MEASURE || kind == OV_COMPONENT) && v->kind == OV_RATE &&
              strcmp(v->item, name) == 0;
  }
  strbuf was = { 0 }, kept = { 0 };
  bool from_table = it && it->from_table;
  if (idx < s->ovr.n) {
    sb_str(&was, s->ovr.v[idx].text);
  } else if (tr) {
    size_t a, b;
    rate_span(s->base_text, s->base_len, tr, &a, &b);
    sb_collapse(&was, s->base_text + a, b - a);
  } else if (it && it->x) {
    size_t a = offset_of(s->base_text, s->base_len, it->x->span.line, it->x->span.col);
    const tl_span *x = &it->x->span;
    size_t b = offset_of(s->base_text, s->base_len, x->end_line, x->end_col) + 1;
    size_t e = offset_of(s->base_text, s->base_len, it->span.end_line, it->span.end_col) + 1;
    sb_collapse(&was, s->base_text + a, b - a);
    if (kind == OV_COMPONENT && e > b) sb_collapse(&kept, s->base_text + b, e - b);
  }
  override o = { .name = name, .text = tl_strdup(input + off), .input = tl_strdup(input),
                 .kind = kind, .item = item, .bound = bound };
  o.at.input = o.input;
  o.at.off = off;
  override prev = { 0 };
  if (idx < s->ovr.n) {
    prev = s->ovr.v[idx];
    s->ovr.v[idx] = o;
  } else {
    tl_vec_push(s->ovr, o);
  }
  if (!derive(s, D_ERRORS)) {
    free_override(&s->ovr.v[idx]);
    if (prev.name) s->ovr.v[idx] = prev;
    else s->ovr.n--;
    for (size_t i = 0; i < s->ovr.n; i++) s->ovr.v[i].gone = false;
  } else {
    if (prev.name) free_override(&prev);
    static const char *const what[] = { "measure", "component", "quota", "rate", "measure" };
    if (kind == OV_QUOTA || kind == OV_RATE) say(s, "%s", s->ovr.v[idx].name);
    else say(s, "%s %s", what[kind], s->ovr.v[idx].name);
    if (kind == OV_NEW && !was.n)
      say(s, ": new (the plan has no measure or component of that name)");
    else if (kind == OV_QUOTA && !was.n)
      say(s, ": was %s", from_table ? "from the quotas table" : "none");
    else
      say(s, ": %s was %s", kind == OV_COMPONENT ? "body" : kind == OV_RATE ? "rate" : "expression",
          sb_take(&was));
    say(s, "\n");
    if (kept.n) say(s, "  kept: %s\n", sb_take(&kept));
    for (size_t i = 0; i < s->ovr.n;) {
      if (!s->ovr.v[i].gone) {
        i++;
        continue;
      }
      say(s, "  dropped :set %s (the new body replaces its table)\n", s->ovr.v[i].name);
      free_override(&s->ovr.v[i]);
      memmove(&s->ovr.v[i], &s->ovr.v[i + 1], (s->ovr.n - i - 1) * sizeof *s->ovr.v);
      s->ovr.n--;
    }
  }
  tl_vec_free(was);
  tl_vec_free(kept);
}

static void cmd_cancel(session *s, const char *args) {
  char deal[256], date[64];
  if (!next_word(&args, deal, sizeof deal) || !next_word(&args, date, sizeof date)) {
    fail(s, ":cancel needs DEAL DATE (or DEAL none)");
    return;
  }
  if (!need_ledger(s)) return;
  const tl_program *p = s->prog;
  if (p->clawback_col < 0) {
    fail(s, "the plan has no clawback rule, so cancelling a deal changes nothing");
    return;
  }
  tl_date when = TL_DATE_NONE;
  bool none = strcmp(date, "none") == 0;
  if (!none && !tl_date_parse(date, strlen(date), &when)) {
    fail(s, "%s is not a date (YYYY-MM-DD, or none for not cancelled)", date);
    return;
  }
  if (tl_ldg_find(s->ldg, TL_TB_DEALS, deal) < 0) {
    fail(s, "no deal %s", deal);
    return;
  }
  cancel c = { tl_strdup(deal), none ? NULL : tl_strdup(date) }, prev = { 0 };
  size_t i = 0;
  while (i < s->cancels.n && strcmp(s->cancels.v[i].deal, deal) != 0) i++;
  if (i < s->cancels.n) {
    prev = s->cancels.v[i];
    s->cancels.v[i] = c;
  } else {
    tl_vec_push(s->cancels, c);
  }
  if (!derive(s, D_ERRORS)) {
    tl_free(c.deal);
    tl_free(c.date);
    if (prev.deal) s->cancels.v[i] = prev;
    else s->cancels.n--;
    return;
  }
  tl_free(prev.deal);
  tl_free(prev.date);
  p = s->prog;    /* derive() compiled the plan again */
  const char *col = p->deals.cols[p->clawback_col].name;
  int32_t row = tl_ldg_find(s->ldg, TL_TB_DEALS, deal);
  tl_date closed = tl_col_date(&s->ldg->t[TL_TB_DEALS].cols[2], (uint32_t)row);
  char day[11];
  tl_date_format(closed, day);
  if (none) {
    say(s, "deal %s: not cancelled (%s empty)\n", deal, col);
    return;
  }
  /* the clawback rule of language.md, as the engine applies it */
  int k = tl_cal_period_of(&p->cal, closed), r = tl_cal_period_of(&p->cal, when);
  say(s, "deal %s: %s %s (closed %s, %d days after)", deal, col, date, day, (int)(when - closed));
  if (k < 0) say(s, "; it closed outside the plan year, so it earns nothing either way\n");
  else if (when - closed > p->clawback_days || when > p->cal.end)
    say(s, "; outside the %d-day window, so it keeps its credit\n", p->clawback_days);
  else
    say(s, "; within the %d-day window, so its credit is taken back as of %s\n", p->clawback_days,
        p->cal.name[r < k ? k : r]);
}

/* :add deal { id: D9, owner: A, ... }: the fields are parsed as a row of a
** test block, so they are written as in a plan's tests. */
static void cmd_add(session *s, const char *input, const char *args) {
  const char *w = skip_space(args), *e = w;
  while (*e && *e != ' ' && *e != '\t' && *e != '{') e++;
  if ((size_t)(e - w) != 4 || strncmp(w, "deal", 4) != 0) {
    fail(s, "only deals can be added (:add deal { id: D9, owner: A, closed: 2026-05-01, "
         "amount: 50000 })");
    return;
  }
  if (!strchr(e, '{')) {
    fail(s, ":add deal needs its fields in braces: :add deal { id: D9, owner: A, ... }");
    return;
  }
  if (!need_ledger(s)) return;
  /* test "x" { deal [_] REST } with REST = the input after `deal`: a row
  ** needs an id before its fields, so one is put in when none was typed */
  static const char head[] = "test \"x\" { ";
  bool no_id = *skip_space(e) == '{';
  const char *ins = no_id ? " _" : "";
  int a = (int)(w - input), b = (int)(e - input), hl = (int)strlen(head), il = (int)strlen(ins);
  strbuf t = { 0 };
  sb_str(&t, head);
  sb_add(&t, input + a, (size_t)(b - a));
  sb_str(&t, ins);
  sb_str(&t, input + b);
  sb_str(&t, " }\n");
  size_t tlen = t.n;
  char *text = sb_take(&t);
  tl_diags *d = tl_diags_new();
  tl_plan *plan = tl_parse("<input>", text, tlen, d);
  /* the wrapped text maps back to the input in three pieces */
  int n = (int)strlen(input);
  static const char hint[] = "a value that is not a name, a number or a date is written in "
                             "quotes: id: \"A-109\"";
  origin o1 = { "<input>", input, 1, hl + 1, b - a, a, false, hint };
  origin o2 = { "<input>", input, 1, hl + b - a + il + 1, n - b, b, true, hint };
  added ad = { NULL, tl_strdup(input), a + 1, { 0 } };
  tl_titem *row = NULL;
  if (!tl_diag_errors(d)) {
    tl_item *it = plan->items;
    row = it && !it->next && it->kind == TL_I_TEST ? it->tests : NULL;
    if (!row || row->next || row->kind != TL_T_ROW) {
      tl_loc loc = { "<input>", 1, hl + 1, 0, 0 };
      tl_diag(d, TL_SEV_ERROR, loc, "repl", "expected one deal: deal { id: D9, owner: A, ... }");
      row = NULL;
    }
  }
  const tl_tablespec *spec = &s->prog->deals;
  for (tl_tfield *f = row ? row->fields : NULL; f; f = f->next) {
    int col = f->span.col - hl - il + a;
    tl_loc loc = { "<input>", 1, f->key_span.col, 1, f->key_span.end_col };
    int c = 0;
    while (c < spec->ncols && strcmp(spec->cols[c].name, f->key) != 0) c++;
    bool dup = false;
    for (size_t k = 0; k < ad.f.n; k++) dup = dup || strcmp(ad.f.v[k].key, f->key) == 0;
    if (c == spec->ncols)
      tl_diag(d, TL_SEV_ERROR, loc, "repl", "deals has no column %s (declare it in input deals)",
              f->key);
    else if (dup)
      tl_diag(d, TL_SEV_ERROR, loc, "repl", "%s is given twice", f->key);
    field fl = { tl_strdup(f->key), tl_strdup(f->text), col };
    tl_vec_push(ad.f, fl);
    if (strcmp(f->key, "id") == 0) ad.id = tl_strdup(f->text);
  }
  if (row && !ad.id && !no_id) ad.id = tl_strdup(row->id);
  if (row && !ad.id) {
    tl_loc loc = { "<input>", 1, hl + 1, 0, 0 };
    tl_diag(d, TL_SEV_ERROR, loc, "repl", "the deal needs an id (id: D9)");
  }
  bool ok = tl_diag_errors(d) == 0;
  if (!ok) {
    origin os[2] = { o1, o2 };
    report(s, d, NULL, 0, os, 2, false);
  }
  tl_plan_free(plan);
  tl_diags_free(d);
  tl_free(text);
  if (!ok) {
    free_added(&ad);
    return;
  }
  tl_vec_push(s->adds, ad);
  if (!derive(s, D_ERRORS)) {
    free_added(&s->adds.v[--s->adds.n]);
    return;
  }
  const added *x = &s->adds.v[s->adds.n - 1];
  say(s, "added deal %s", x->id);
  for (size_t k = 0, m = 0; k < x->f.n; k++)
    if (strcmp(x->f.v[k].key, "id") != 0)
      say(s, "%s %s %s", m++ ? "," : ":", x->f.v[k].key, x->f.v[k].text);
  say(s, "\n");
}

static void cmd_reset(session *s) {
  size_t no = s->ovr.n, ne = s->cancels.n + s->adds.n;
  drop_overrides(s);
  drop_edits(s);
  if (!no && !ne) {
    say(s, "nothing to reset\n");
    return;
  }
  derive(s, D_ERRORS);
  say(s, "dropped %zu override%s and %zu ledger edit%s\n", no, no == 1 ? "" : "s", ne,
      ne == 1 ? "" : "s");
}

/* ---- the command table --------------------------------------------------- */

typedef struct command { const char *name, *args, *help; } command;

static const command commands[] = {
  { ":load", "PLAN", "load a plan (drops overrides and ledger edits)" },
  { ":data", "DIR", "load the ledger from DIR's CSV files (drops ledger edits)" },
  { ":reload", "", "read the plan file again after editing it (keeps what-ifs that apply)" },
  { ":payee", "[ID]", "set the payee in context (no ID: show the context)" },
  { ":period", "[NAME|all]", "set the period in context (all: every period)" },
  { ":explain", "[PAYEE] [PERIOD]", "why each line of a statement is what it is" },
  { ":why", "DEAL", "what one deal contributed, to whom, in which periods" },
  { ":set", "NAME = EXPR", "what-if: replace a measure, a component's body or the quota" },
  { ":set", "NAME[BOUND] = RATE", "what-if: the rate of one row of a tier table" },
  { ":cancel", "DEAL DATE|none", "what-if: the deal cancelled on DATE (none: not cancelled)" },
  { ":add", "deal { id: D9, ... }", "what-if: one more deal (fields as in a plan's tests)" },
  { ":diff", "", "payouts now against the plan and ledger as loaded" },
  { ":reset", "", "drop every override and ledger edit" },
  { ":run", "[all]", "the payout table of the payee in context (all: everyone)" },
  { ":help", "", "this list" },
  { ":quit", "", "leave (so does the end of input)" },
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void cmd_help(session *s) {
  for (size_t i = 0; i < NCOMMANDS; i++) {
    char left[64];
    snprintf(left, sizeof left, "%s %s", commands[i].name, commands[i].args);
    say(s, "  %-30s %s\n", left, commands[i].help);
  }
  say(s, "  %-30s %s\n", "EXPR", "evaluate an expression for the payee (and period) in context");
  say(s, "  :set keeps a component's per-credit filter, caps and floors; a NAME the plan lacks\n"
         "  defines a new measure.  DATE is YYYY-MM-DD.\n");
}

/* One line of input; false to end the session. */
static bool execute(session *s, const char *line) {
  const char *p = skip_space(line);
  if (!*p || *p == '#') return true;
  if (*p != ':') {
    eval_expr(s, line, (int)(p - line));
    return true;
  }
  const char *args = p;
  char cmd[32];
  next_word(&args, cmd, sizeof cmd);
  char arg[4096];
  if (strcmp(cmd, ":quit") == 0 || strcmp(cmd, ":q") == 0) return false;
  else if (strcmp(cmd, ":help") == 0) cmd_help(s);
  else if (strcmp(cmd, ":load") == 0) {
    if (next_word(&args, arg, sizeof arg)) load_plan(s, arg, false);
    else fail(s, ":load needs a plan file");
  } else if (strcmp(cmd, ":data") == 0) {
    if (next_word(&args, arg, sizeof arg)) load_data(s, arg);
    else fail(s, ":data needs a folder");
  } else if (strcmp(cmd, ":reload") == 0) {
    if (s->plan_path) {
      char *path = tl_strdup(s->plan_path);
      load_plan(s, path, true);
      tl_free(path);
    } else {
      fail(s, "no plan loaded (use :load PLAN)");
    }
  } else if (strcmp(cmd, ":payee") == 0) cmd_payee(s, args);
  else if (strcmp(cmd, ":period") == 0) cmd_period(s, args);
  else if (strcmp(cmd, ":explain") == 0) cmd_explain(s, args);
  else if (strcmp(cmd, ":why") == 0) cmd_why(s, args);
  else if (strcmp(cmd, ":set") == 0) cmd_set(s, line, args);
  else if (strcmp(cmd, ":cancel") == 0) cmd_cancel(s, args);
  else if (strcmp(cmd, ":add") == 0) cmd_add(s, line, args);
  else if (strcmp(cmd, ":diff") == 0) cmd_diff(s);
  else if (strcmp(cmd, ":reset") == 0) cmd_reset(s);
  else if (strcmp(cmd, ":run") == 0) cmd_run(s, args);
  else fail(s, "unknown command %s (:help lists them)", cmd);
  return true;
}

/* ---- completion ---------------------------------------------------------- */

/* libedit's callbacks take no context, so the interactive session is here. */
static session *completing;

/* The words that may complete the word being typed, chosen at its start. */
static TL_VEC(const char *) cands;
static char cand_prefix[16];     /* put before each candidate ("payee.") */

static void cand(const char *w) { tl_vec_push(cands, w); }

static const char *const builtin_names[] = {
#define B(name, min, max, doc) #name,
#include "stdlib/builtins.def"
#undef B
  "sum", "count", "ytd", "quota", "payee", "if", "then", "else", "and", "or", "not", "in",
};

static const char *const credit_fields[] = { "amount", "share", "date", "payee", "deal", "direct" };

static void cand_ids(const session *s, tl_tableid t) {
  if (!s->ldg) return;
  for (uint32_t i = 0; i < s->ldg->t[t].nrows; i++) cand(id_of(s->ldg, t, (int32_t)i));
}

static void cand_periods(const session *s) {
  for (int k = 0; s->prog && k < s->prog->cal.n; k++) cand(s->prog->cal.name[k]);
}

static void cand_names(const session *s, bool components) {
  if (!s->prog) return;
  for (uint32_t i = 0; i < s->prog->nmeasures; i++) cand(s->prog->measures[i].name);
  for (uint32_t i = 0; components && i < s->prog->ncomponents; i++)
    cand(s->prog->components[i].name);
}

/* An expression: names, or the columns after `payee.`, `deal.`, `credit.`. */
static void cand_expr(const session *s, const char *text) {
  const char *dot = strchr(text, '.');
  if (!dot) {
    cand_names(s, false);
    for (size_t i = 0; i < sizeof builtin_names / sizeof *builtin_names; i++)
      cand(builtin_names[i]);
    return;
  }
  size_t n = (size_t)(dot - text) + 1;
  if (n >= sizeof cand_prefix || !s->prog) return;
  memcpy(cand_prefix, text, n);
  cand_prefix[n] = 0;
  const tl_tablespec *t = strcmp(cand_prefix, "payee.") == 0 ? &s->prog->payees
                        : strcmp(cand_prefix, "deal.") == 0 ? &s->prog->deals : NULL;
  for (int i = 0; t && i < t->ncols; i++) cand(t->cols[i].name);
  if (strcmp(cand_prefix, "credit.") == 0)
    for (size_t i = 0; i < sizeof credit_fields / sizeof *credit_fields; i++)
      cand(credit_fields[i]);
}

static size_t cand_next;

/* Matches are handed to libedit, which frees them with free(): the one place
** memory does not come from tl_alloc. */
static char *generate(const char *text, int state) {
  if (state == 0) cand_next = 0;
  size_t pl = strlen(cand_prefix), n = strlen(text);
  while (cand_next < cands.n) {
    const char *w = cands.v[cand_next++];
    if (n < pl || strncmp(text + pl, w, n - pl) != 0) continue;
    char *m = malloc(pl + strlen(w) + 1);
    if (!m) return NULL;
    memcpy(m, cand_prefix, pl);
    strcpy(m + pl, w);
    return m;
  }
  return NULL;
}

static char **complete(const char *text, int start, int end) {
  const session *s = completing;
  (void)end;
  cands.n = 0;
  cand_prefix[0] = 0;
  rl_attempted_completion_over = 1;
  /* a space after a command or an id; none inside an expression, where a
  ** name is as often followed by `)` or `.` */
  rl_completion_append_character = ' ';
  /* the words before this one decide what it can be */
  char cmd[32] = "";
  int nth = 0;
  const char *p = rl_line_buffer, *stop = rl_line_buffer + start;
  bool after_eq = false;
  while (p < stop) {
    while (p < stop && (*p == ' ' || *p == '\t')) p++;
    if (p >= stop) break;
    const char *w = p;
    while (p < stop && *p != ' ' && *p != '\t') {
      if (*p == '=') after_eq = true;
      p++;
    }
    if (nth++ == 0) snprintf(cmd, sizeof cmd, "%.*s", (int)(p - w), w);
  }
  if (nth == 0 && text[0] == ':') {
    for (size_t i = 0; i < NCOMMANDS; i++) cand(commands[i].name);
  } else if (nth == 0 || cmd[0] != ':') {
    rl_completion_append_character = '\0';
    cand_expr(s, text);
  } else if (strcmp(cmd, ":load") == 0 || strcmp(cmd, ":data") == 0) {
    rl_attempted_completion_over = 0;    /* libedit completes file names */
    return NULL;
  } else if (strcmp(cmd, ":payee") == 0 && nth == 1) {
    cand_ids(s, TL_TB_PAYEES);
  } else if (strcmp(cmd, ":explain") == 0) {
    cand_ids(s, TL_TB_PAYEES);
    cand_periods(s);
  } else if (strcmp(cmd, ":period") == 0 && nth == 1) {
    cand_periods(s);
    cand("all");
  } else if ((strcmp(cmd, ":why") == 0 || strcmp(cmd, ":cancel") == 0) && nth == 1) {
    cand_ids(s, TL_TB_DEALS);
  } else if (strcmp(cmd, ":cancel") == 0 && nth == 2) {
    cand("none");
  } else if (strcmp(cmd, ":set") == 0) {
    if (after_eq) {
      rl_completion_append_character = '\0';
      cand_expr(s, text);
    } else if (nth == 1) {
      cand_names(s, true);
      cand("quota");
    }
  } else if (strcmp(cmd, ":add") == 0) {
    if (nth == 1) cand("deal");
    for (int i = 0; nth > 1 && s->prog && i < s->prog->deals.ncols; i++)
      cand(s->prog->deals.cols[i].name);
  } else if (strcmp(cmd, ":run") == 0 && nth == 1) {
    cand("all");
  }
  return cands.n ? rl_completion_matches(text, generate) : NULL;
}

/* ---- history ------------------------------------------------------------- */

static char *history_path(void) {
  const char *env = getenv("TALLY_HISTORY");
  if (env && *env) return tl_strdup(env);
  const char *home = getenv("HOME");
  if (!home || !*home) return NULL;
  size_t n = strlen(home) + sizeof "/.tally_history";
  char *p = tl_alloc(n);
  snprintf(p, n, "%s/.tally_history", home);
  return p;
}

/* The history holds what was typed about payees and deals: only the user may
** read it.  The file is created 0600 before libedit writes it, and set so
** afterwards in case it existed with a wider mode. */
static void save_history(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
  mode_t mask = umask(077);    /* in case libedit writes a new file in its place */
  write_history(path);
  umask(mask);
  chmod(path, 0600);
}

/* ---- the session --------------------------------------------------------- */

/* Ctrl-C at the prompt: libedit gives back no line, as at the end of input;
** this flag tells the two apart, so an interrupt drops only the line typed. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig) {
  (void)sig;
  interrupted = 1;
}

static void free_session(session *s) {
  free_derived(s);
  free_whatifs(s);
  free_data(s->data);
  tl_free(s->plan_path);
  tl_free(s->base_text);
  tl_free(s->payee);
}

int tl_repl_main(const char *plan, const char *data, FILE *in, FILE *out, bool interactive,
                 int threads) {
  session s;
  memset(&s, 0, sizeof s);
  s.out = out;
  s.threads = threads;
  s.period = -1;
  if (interactive) say(&s, "tally repl: :help lists the commands, :quit leaves\n");
  if (plan) load_plan(&s, plan, false);
  if (data) load_data(&s, data);
  if (!interactive) {
    /* a script: lines from `in`, no prompt; getline's buffer is the C
    ** library's, so it is released with free() */
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) >= 0) {
      while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
      if (!execute(&s, line)) break;
      fflush(out);
    }
    free(line);
  } else {
    char *hist = history_path();
    completing = &s;
    rl_readline_name = "tally";
    rl_instream = in;
    rl_outstream = out;
    rl_attempted_completion_function = complete;
    using_history();
    stifle_history(1000);
    if (hist) read_history(hist);
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);
    for (;;) {
      interrupted = 0;
      char *line = readline("tally> ");
      if (!line && interrupted) {
        fputc('\n', out);
        continue;
      }
      if (!line) {
        fputc('\n', out);
        break;
      }
      if (*skip_space(line)) add_history(line);
      bool go = execute(&s, line);
      free(line);    /* libedit's buffer */
      fflush(out);
      if (!go) break;
    }
    sigaction(SIGINT, &old_sa, NULL);
    if (hist) save_history(hist);
    tl_free(hist);
    tl_vec_free(cands);
    completing = NULL;
  }
  bool failed = s.failed;
  free_session(&s);
  return !interactive && failed ? 1 : 0;
}
