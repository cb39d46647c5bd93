/*
** diag.c: the diagnostics collector and its three output formats (see diag.h).
**
** Registered sources keep a table of line starts, built once, so showing the
** line of each diagnostic costs no scan of the file.
*/
#include "diag.h"

#include <string.h>

#include "../runtime/arena.h"

typedef struct source {
  char *file;
  char *text;
  size_t len;
  TL_VEC(size_t) line;     /* offset where line i + 1 starts */
} source;

struct tl_diags {
  TL_VEC(struct tl_diag) v;
  TL_VEC(source) src;
  int errors, warnings, stored_errors, max_errors;
  bool dropping;           /* the last error was not stored, so its notes go too */
};

static const char *const sev_name[] = { "error", "warning", "note" };

tl_diags *tl_diags_new(void) { return tl_calloc(1, sizeof(tl_diags)); }

static void free_diag(struct tl_diag *g) {
  tl_free(g->file);
  tl_free(g->code);
  tl_free(g->message);
}

void tl_diag_clear(tl_diags *d) {
  for (size_t i = 0; i < d->v.n; i++) free_diag(&d->v.v[i]);
  d->v.n = 0;
  d->errors = d->warnings = d->stored_errors = 0;
  d->dropping = false;
}

static void free_source(source *s) {
  tl_free(s->file);
  tl_free(s->text);
  tl_vec_free(s->line);
}

void tl_diags_free(tl_diags *d) {
  if (!d) return;
  tl_diag_clear(d);
  tl_vec_free(d->v);
  for (size_t i = 0; i < d->src.n; i++) free_source(&d->src.v[i]);
  tl_vec_free(d->src);
  tl_free(d);
}

static source *find_source(const tl_diags *d, const char *file) {
  for (size_t i = 0; i < d->src.n; i++)
    if (strcmp(d->src.v[i].file, file) == 0) return &d->src.v[i];
  return NULL;
}

void tl_diag_source(tl_diags *d, const char *file, const char *text, size_t len) {
  source n = { .file = tl_strdup(file), .text = tl_strndup(text, len), .len = len };
  tl_vec_push(n.line, (size_t)0);
  for (const char *p = text, *end = text + len; (p = memchr(p, '\n', end - p)) != NULL; )
    tl_vec_push(n.line, (size_t)(++p - text));
  source *s = find_source(d, file);
  if (s) {
    free_source(s);
    *s = n;
  } else {
    tl_vec_push(d->src, n);
  }
}

void tl_diag_limit(tl_diags *d, int max_errors) { d->max_errors = max_errors; }
int tl_diag_errors(const tl_diags *d) { return d->errors; }
int tl_diag_warnings(const tl_diags *d) { return d->warnings; }
size_t tl_diag_count(const tl_diags *d) { return d->v.n; }
const struct tl_diag *tl_diag_at(const tl_diags *d, size_t i) {
  return i < d->v.n ? &d->v.v[i] : NULL;
}

static char *vformat(const char *fmt, va_list ap) {
  va_list aq;
  va_copy(aq, ap);
  int n = vsnprintf(NULL, 0, fmt, aq);
  va_end(aq);
  if (n < 0) return tl_strdup("");
  char *s = tl_alloc((size_t)n + 1);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

void tl_diagv(tl_diags *d, tl_severity sev, tl_loc loc, const char *code, const char *fmt,
              va_list ap) {
  if (sev == TL_SEV_ERROR) {
    d->errors++;
    d->dropping = d->max_errors > 0 && d->stored_errors >= d->max_errors;
    if (d->dropping) return;
    d->stored_errors++;
  } else if (sev == TL_SEV_WARNING) {
    d->warnings++;
    d->dropping = false;
  } else if (d->dropping) {
    return;
  }
  /* A point is a span of one column, so every consumer can rely on the end. */
  if (loc.line <= 0) loc.line = loc.col = loc.end_line = loc.end_col = 0;
  if (loc.col < 0) loc.col = 0;
  if (loc.end_line < loc.line || (loc.end_line == loc.line && loc.end_col < loc.col)) {
    loc.end_line = loc.line;
    loc.end_col = loc.col;
  }
  struct tl_diag g = {
    .sev = sev, .file = loc.file ? tl_strdup(loc.file) : NULL,
    .line = loc.line, .col = loc.col, .end_line = loc.end_line, .end_col = loc.end_col,
    .code = code ? tl_strdup(code) : NULL, .message = vformat(fmt, ap),
  };
  tl_vec_push(d->v, g);
}

void tl_diag(tl_diags *d, tl_severity sev, tl_loc loc, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tl_diagv(d, sev, loc, code, fmt, ap);
  va_end(ap);
}

/* ---- text ---------------------------------------------------------------- */

/* Columns on screen taken by byte c at screen column x: tabs stop every 8, and
** UTF-8 continuation bytes belong to the character already counted. */
static int width(unsigned char c, int x) {
  if (c == '\t') return 8 - x % 8;
  return (c & 0xC0) == 0x80 ? 0 : 1;
}

static void put_n(FILE *f, int c, int n) {
  while (n-- > 0) fputc(c, f);
}

static void show_line(const source *s, const struct tl_diag *g, FILE *f) {
  if ((size_t)g->line > s->line.n) return;
  const char *text = s->text + s->line.v[g->line - 1];
  const char *eol = memchr(text, '\n', s->text + s->len - text);
  int len = (int)((eol ? eol : s->text + s->len) - text);
  if (len > 0 && text[len - 1] == '\r') len--;
  int w = 5, x = 0;
  for (int k = g->line; k >= 100000; k /= 10) w++;
  /* Tabs are expanded in both lines so the caret lines up on any terminal. */
  fprintf(f, "%*d | ", w, g->line);
  for (int i = 0; i < len; i++) {
    int k = width((unsigned char)text[i], x);
    if (text[i] == '\t') put_n(f, ' ', k);
    else fputc(text[i], f);
    x += k;
  }
  fprintf(f, "\n%*s | ", w, "");
  /* A column past the end points just after the line, however far it says. */
  int from = g->col - 1 > len ? len : g->col - 1;
  int to = g->end_line == g->line ? g->end_col : g->col;
  if (to > len) to = from + 1 > len ? from + 1 : len;
  x = 0;
  for (int i = 0; i < from; i++) {
    int k = i < len ? width((unsigned char)text[i], x) : 1;
    put_n(f, ' ', k);
    x += k;
  }
  int marks = 0;
  for (int i = from; i < to; i++) {
    int k = i < len ? width((unsigned char)text[i], x) : 1;
    for (int j = 0; j < k; j++) fputc(marks++ ? '~' : '^', f);
    x += k;
  }
  if (marks == 0) fputc('^', f);
  fputc('\n', f);
}

static void print_text(const tl_diags *d, const struct tl_diag *g, FILE *f) {
  if (g->file) {
    fputs(g->file, f);
    if (g->line > 0) fprintf(f, ":%d", g->line);
    if (g->line > 0 && g->col > 0) fprintf(f, ":%d", g->col);
    fputs(": ", f);
  }
  fprintf(f, "%s: %s\n", sev_name[g->sev], g->message);
  const source *s = g->file && g->line > 0 && g->col > 0 ? find_source(d, g->file) : NULL;
  if (s) show_line(s, g, f);
}

/* ---- json ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one:
** JSON text must be UTF-8, and data files can hold anything. */
static int utf8_len(const unsigned char *p, const unsigned char *end) {
  int n;
  unsigned min;
  unsigned cp;
  if (p[0] < 0x80) return 1;
  if ((p[0] & 0xE0) == 0xC0) n = 2, min = 0x80, cp = p[0] & 0x1F;
  else if ((p[0] & 0xF0) == 0xE0) n = 3, min = 0x800, cp = p[0] & 0x0F;
  else if ((p[0] & 0xF8) == 0xF0) n = 4, min = 0x10000, cp = p[0] & 0x07;
  else return 0;
  if (end - p < n) return 0;
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

static void json_str(FILE *f, const char *s) {
  if (!s) {
    fputs("null", f);
    return;
  }
  const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
  fputc('"', f);
  while (p < end) {
    unsigned char c = *p;
    int n;
    switch (c) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\b': fputs("\\b", f); break;
    case '\f': fputs("\\f", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
      if (c < 0x20 || c == 0x7F) {
        fprintf(f, "\\u%04x", c);
      } else if ((n = utf8_len(p, end)) == 0) {
        fputs("\\ufffd", f);
      } else {
        fwrite(p, 1, (size_t)n, f);
        p += n;
        continue;
      }
    }
    p++;
  }
  fputc('"', f);
}

static void print_json(const struct tl_diag *g, FILE *f) {
  fputs("{\"file\":", f);
  json_str(f, g->file);
  fprintf(f, ",\"line\":%d,\"column\":%d,\"end_line\":%d,\"end_column\":%d,\"severity\":\"%s\"",
          g->line, g->col, g->end_line, g->end_col, sev_name[g->sev]);
  fputs(",\"code\":", f);
  json_str(f, g->code);
  fputs(",\"message\":", f);
  json_str(f, g->message);
  fputs("}\n", f);
}

/* ---- github -------------------------------------------------------------- */

/* GitHub's workflow-command escaping: messages escape %, CR and LF; property
** values also escape the ':' and ',' that would end them. */
static void gh_escape(FILE *f, const char *s, bool property) {
  for (; *s; s++) {
    switch (*s) {
    case '%': fputs("%25", f); break;
    case '\r': fputs("%0D", f); break;
    case '\n': fputs("%0A", f); break;
    case ':': if (property) fputs("%3A", f); else fputc(':', f); break;
    case ',': if (property) fputs("%2C", f); else fputc(',', f); break;
    default: fputc(*s, f);
    }
  }
}

static void print_github(const struct tl_diag *g, FILE *f) {
  static const char *const cmd[] = { "error", "warning", "notice" };
  const char *sep = " ";
  fprintf(f, "::%s", cmd[g->sev]);
  if (g->file) {
    fputs(" file=", f);
    gh_escape(f, g->file, true);
    sep = ",";
  }
  if (g->line > 0) {
    fprintf(f, "%sline=%d", sep, g->line);
    if (g->col > 0) fprintf(f, ",col=%d", g->col);
    fprintf(f, ",endLine=%d", g->end_line);
    if (g->col > 0) fprintf(f, ",endColumn=%d", g->end_col);
  }
  fputs("::", f);
  gh_escape(f, g->message, false);
  fputc('\n', f);
}

void tl_diag_print(const tl_diags *d, FILE *f, tl_diag_format fmt) {
  for (size_t i = 0; i < d->v.n; i++) {
    const struct tl_diag *g = &d->v.v[i];
    switch (fmt) {
    case TL_DIAG_TEXT: print_text(d, g, f); break;
    case TL_DIAG_JSON: print_json(g, f); break;
    case TL_DIAG_GITHUB: print_github(g, f); break;
    }
  }
  int hidden = d->errors - d->stored_errors;
  if (fmt == TL_DIAG_TEXT && hidden > 0)
    fprintf(f, "%d more error%s not shown\n", hidden, hidden == 1 ? "" : "s");
}
