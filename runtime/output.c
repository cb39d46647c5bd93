/*
** output.c: payout rows to CSV, JSON and text tables; atomic files.
*/
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/arena.h"
#include "runtime/output.h"
#include "runtime/thread.h"

bool tl_out_parse_format(const char *s, tl_out_format *f) {
  if (strcmp(s, "csv") == 0) *f = TL_OUT_CSV;
  else if (strcmp(s, "json") == 0) *f = TL_OUT_JSON;
  else if (strcmp(s, "table") == 0) *f = TL_OUT_TABLE;
  else return false;
  return true;
}

static void csv_text(FILE *out, const char *s) {
  if (strpbrk(s, ",\"\r\n") == NULL) { fputs(s, out); return; }
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"') fputc('"', out);
    fputc(*s, out);
  }
  fputc('"', out);
}

/* A piece of a CSV row with its comma, "a," or "a,b,", in a block of at
** least PAD bytes, so that piece_put can copy PAD bytes whatever its length
** (the bytes after the text are copied past the row's end and written over
** or left unused). */
enum { PAD = 48 };
typedef struct piece { char *s; size_t n, cap; } piece;

static void piece_set(piece *x, const char *a, const char *b) {
  size_t na = strlen(a), nb = b ? strlen(b) : 0, n = na + 1 + (b ? nb + 1 : 0);
  if (x->cap < n || x->cap < PAD) {
    tl_free(x->s);
    x->cap = n > PAD ? n : PAD;
    x->s = tl_calloc(x->cap, 1);
  }
  memcpy(x->s, a, na);
  x->s[na] = ',';
  if (b) {
    memcpy(x->s + na + 1, b, nb);
    x->s[n - 1] = ',';
  }
  x->n = n;
}

/* Copy x to b, which has room for PAD bytes more than x; returns the end. */
static char *piece_put(char *b, const piece *x) {
  if (x->n <= PAD) memcpy(b, x->s, PAD);
  else memcpy(b, x->s, x->n);
  return b + x->n;
}

/* ---- a sink: buffers written on a thread of their own ---------------------
**
** Writing 16 MB of payouts into the page cache takes the kernel about as
** long as formatting them, and both came after everything else, on one
** core.  With a writer thread, rows are formatted into one buffer while
** the other is written: the bytes go out in order, through the same FILE,
** whose error flag says whether all of them did.  Without a thread (one
** thread asked for, or a small table) a full buffer is written in place. */
typedef struct sink {
  FILE *out;
  char *buf[2];
  size_t cap, used;             /* of buf[cur], the buffer being filled */
  int cur;
  bool threaded, stop;
  int err;                      /* the writer's errno at its first failed write */
  const char *todo;             /* handed to the writer, or NULL when it is idle */
  size_t todo_n;
  pthread_mutex_t mu;
  pthread_cond_t cv;            /* todo set, taken, or stop */
  pthread_t thread;
} sink;

static void *sink_main(void *arg) {
  sink *s = arg;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (!s->todo && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
    if (!s->todo) break;
    const char *p = s->todo;
    size_t n = s->todo_n;
    pthread_mutex_unlock(&s->mu);
    errno = 0;
    bool failed = fwrite(p, 1, n, s->out) != n;
    int e = errno ? errno : EIO;
    pthread_mutex_lock(&s->mu);
    if (failed && !s->err) s->err = e;
    s->todo = NULL;
    pthread_cond_broadcast(&s->cv);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

static void sink_open(sink *s, FILE *out, bool threaded) {
  memset(s, 0, sizeof *s);
  s->out = out;
  /* 256 KB each side: a writer thread needs no more to keep up, and the two
     buffers count against the 2x-the-input peak RSS at 100k deals. */
  s->cap = threaded ? (size_t)1 << 18 : (size_t)1 << 16;
  s->buf[0] = tl_alloc(s->cap);
  if (threaded) {
    s->buf[1] = tl_alloc(s->cap);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->threaded = tl_thread_start(&s->thread, sink_main, s) == 0;
  }
}

/* Hand the buffer being filled to the writer (once it has written the
** other one), or write it. */
static void sink_flush(sink *s) {
  if (s->used == 0) return;
  if (!s->threaded) {
    fwrite(s->buf[s->cur], 1, s->used, s->out);
    s->used = 0;
    return;
  }
  pthread_mutex_lock(&s->mu);
  while (s->todo) pthread_cond_wait(&s->cv, &s->mu);
  s->todo = s->buf[s->cur];
  s->todo_n = s->used;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  s->cur ^= 1;
  s->used = 0;
}

/* Everything so far written: the FILE may then be written directly. */
static void sink_sync(sink *s) {
  sink_flush(s);
  if (!s->threaded) return;
  pthread_mutex_lock(&s->mu);
  while (s->todo) pthread_cond_wait(&s->cv, &s->mu);
  pthread_mutex_unlock(&s->mu);
}

static void sink_close(sink *s) {
  sink_sync(s);
  if (s->threaded) {
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
  }
  int err = s->err;
  if (s->buf[1]) {
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
  }
  tl_free(s->buf[0]);
  tl_free(s->buf[1]);
  if (err) errno = err;         /* errno is per thread: the caller reports the writer's */
}

static void json_text(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

/* The name of line j of a period's rows: the components in order, then
** earned, net and balance (TL_LINE_*). */
static const char *column_name(const tl_program *p, int j) {
  return tl_eng_line_name(p, tl_eng_line_at((int)p->ncomponents, j));
}

int tl_out_write(const tl_program *p, const tl_ledger *l, const tl_result *r, tl_out_format f,
                 FILE *out) {
  return tl_out_write_threads(p, l, r, f, out, 1);
}

int tl_out_write_threads(const tl_program *p, const tl_ledger *l, const tl_result *r,
                         tl_out_format f, FILE *out, int threads) {
  int places = tl_dec_places(p->unit);
  const uint32_t *ids = l->t[TL_TB_PAYEES].cols[0].v.str;
  char amt[80];
  if (f == TL_OUT_CSV) {
    fputs("payee,period,line,amount\n", out);
    /* Rows are put together in a buffer and written a buffer at a time: a
    ** year of 10k payees is 600k rows, and stdio calls per row cost more than
    ** computing them.  A row is the payee's "id," (made once per payee), the
    ** "period,line," of its place in the period (made once per run), and the
    ** amount; each piece is copied PAD bytes at a time, as a copy of a
    ** variable length is a library call.  Text needing quotes takes the slow
    ** way. */
    int nlines = (int)p->ncomponents + 3, nmid = nlines * p->cal.n;
    piece *mid = tl_calloc((size_t)nmid, sizeof *mid);
    bool lplain = true;
    for (int k = 0; k < p->cal.n; k++)
      for (int j = 0; j < nlines; j++) {
        const char *what = column_name(p, j);
        lplain &= !strpbrk(what, ",\"\r\n");
        piece_set(&mid[k * nlines + j], p->cal.name[k], what);
      }
    bool units = r->places == places;   /* the result counts units of the places written */
    sink sk;
    sink_open(&sk, out, threads > 1 && r->nrows >= ((size_t)1 << 16));
    size_t i = 0;
    piece who = { 0 };
    for (size_t b = 0; b < tl_result_payees(r); b++) {
      const char *id = tl_str_get(l->strs, ids[r->payees[b]], NULL);
      bool plain = lplain && !strpbrk(id, ",\"\r\n");   /* who needs no quoting */
      if (plain) piece_set(&who, id, NULL);
      for (int k = 0; k < r->nperiods; k++)
        for (int j = 0; j < nlines; j++, i++) {
          const piece *m = &mid[k * nlines + j];
          if (!plain || who.n + m->n > sk.cap / 2) {
            sink_sync(&sk);
            tl_dec_format(tl_result_amount(r, i), places, false, amt, sizeof amt);
            csv_text(out, id);
            fprintf(out, ",%s,", p->cal.name[k]);
            csv_text(out, column_name(p, j));
            fprintf(out, ",%s\n", amt);
            continue;
          }
          if (sk.used + who.n + m->n + PAD + sizeof amt > sk.cap) sink_flush(&sk);
          char *buf = sk.buf[sk.cur];
          char *c = piece_put(piece_put(buf + sk.used, &who), m);
          /* an amount counted in the places written is written from its count */
          int32_t u = r->units[i];
          if (units && u != TL_RESULT_WIDE) c += tl_dec_format_units(u, places, c);
          else c += tl_dec_format(tl_result_amount(r, i), places, false, c, sizeof amt);
          *c++ = '\n';
          sk.used = (size_t)(c - buf);
        }
    }
    sink_close(&sk);
    tl_free(who.s);
    for (int i = 0; i < nmid; i++) tl_free(mid[i].s);
    tl_free(mid);
  } else if (f == TL_OUT_JSON) {
    fputs("[", out);
    for (size_t i = 0; i < r->nrows; i++) {
      tl_row row = tl_result_row(r, i);
      fputs(i ? ",\n {\"payee\":" : "\n {\"payee\":", out);
      json_text(out, tl_str_get(l->strs, ids[row.payee], NULL));
      fprintf(out, ",\"period\":\"%s\",\"line\":", p->cal.name[row.period]);
      json_text(out, tl_eng_line_name(p, row.line));
      tl_dec_format(row.amount, places, false, amt, sizeof amt);
      fprintf(out, ",\"amount\":\"%s\"}", amt);
    }
    fputs(r->nrows ? "\n]\n" : "]\n", out);
  } else {
    /* one row per payee and period, one column per line */
    int lines = r->lines_per_period;
    size_t wpayee = 5, wperiod = 6;
    size_t *w = tl_calloc((size_t)lines, sizeof *w);
    for (int j = 0; j < lines; j++) w[j] = strlen(column_name(p, j));
    for (size_t i = 0; i < r->nrows; i++) {
      tl_row row = tl_result_row(r, i);
      size_t n = strlen(tl_str_get(l->strs, ids[row.payee], NULL));
      if (n > wpayee) wpayee = n;
      n = tl_dec_format(row.amount, places, true, amt, sizeof amt);
      if (n > w[i % (size_t)lines]) w[i % (size_t)lines] = n;
    }
    fprintf(out, "%-*s  %-*s", (int)wpayee, "payee", (int)wperiod, "period");
    for (int j = 0; j < lines; j++)
      fprintf(out, "  %*s", (int)w[j], column_name(p, j));
    fputc('\n', out);
    for (size_t i = 0; i < r->nrows; i += (size_t)lines) {
      tl_row row = tl_result_row(r, i);
      fprintf(out, "%-*s  %-*s", (int)wpayee, tl_str_get(l->strs, ids[row.payee], NULL),
              (int)wperiod, p->cal.name[row.period]);
      for (int j = 0; j < lines; j++) {
        tl_dec_format(tl_result_amount(r, i + (size_t)j), places, true, amt, sizeof amt);
        fprintf(out, "  %*s", (int)w[j], amt);
      }
      fputc('\n', out);
    }
    tl_free(w);
  }
  return ferror(out) ? -1 : 0;
}

static int replace(const char *path, tl_out_writer writer, void *ctx, const char **why);

/* A device, a pipe or a socket cannot be replaced by a file, and must not
** be: --out /dev/null once put a regular file in place of /dev/null.  It
** is written in place, as the rows come. */
static int write_in_place(const char *path, tl_out_writer writer, void *ctx, const char **why) {
  FILE *f = fopen(path, "w");
  if (!f) {
    *why = strerror(errno);
    return -1;
  }
  errno = 0;
  int rc = writer(f, ctx);
  if (rc == 0 && fflush(f) != 0) rc = -1;
  if (rc != 0) *why = errno ? strerror(errno) : "write failed";
  if (fclose(f) != 0 && rc == 0) { rc = -1; *why = strerror(errno); }
  return rc;
}

/* The file the symbolic link at path names, as malloc'd text: its real
** path, or where a dangling link points (beside the link when relative). */
static char *link_target(const char *path) {
  char *real = realpath(path, NULL), to[PATH_MAX];
  if (real) return real;
  ssize_t n = readlink(path, to, sizeof to - 1);
  if (n <= 0) return NULL;
  to[n] = 0;
  const char *slash = strrchr(path, '/');
  size_t dir = to[0] == '/' || !slash ? 0 : (size_t)(slash - path) + 1;
  char *t = malloc(dir + (size_t)n + 1);
  if (!t) return NULL;
  memcpy(t, path, dir);
  memcpy(t + dir, to, (size_t)n + 1);
  return t;
}

int tl_out_atomic(const char *path, tl_out_writer writer, void *ctx, const char **why) {
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      *why = strerror(EISDIR);
      return -1;
    }
    return write_in_place(path, writer, ctx, why);
  }
  /* a symbolic link: the file it names is replaced (or made), the link kept */
  char *real = lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? link_target(path) : NULL;
  int rc = replace(real ? real : path, writer, ctx, why);
  free(real);
  return rc;
}

/* Write path through a temporary file beside it, renamed over it once
** everything is written and flushed. */
static int replace(const char *path, tl_out_writer writer, void *ctx, const char **why) {
  size_t n = strlen(path);
  char *tmp = tl_alloc(n + 16);
  const char *slash = strrchr(path, '/');
  size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
  snprintf(tmp, n + 16, "%.*s.%s.XXXXXX", (int)dir, path, path + dir);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    *why = strerror(errno);
    tl_free(tmp);
    return -1;
  }
  /* the result keeps the mode of the file it replaces, or gets the usual
  ** 0666 less umask, not mkstemp's 0600 */
  struct stat st;
  mode_t mode;
  if (stat(path, &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  fchmod(fd, mode);
  FILE *f = fdopen(fd, "w");
  int rc = -1;
  if (!f) {
    *why = strerror(errno);
    close(fd);
  } else {
    rc = writer(f, ctx);
    if (rc == 0 && (fflush(f) != 0 || fsync(fd) != 0)) rc = -1;
    if (rc != 0) *why = errno ? strerror(errno) : "write failed";
    if (fclose(f) != 0 && rc == 0) { rc = -1; *why = strerror(errno); }
    if (rc == 0 && rename(tmp, path) != 0) { rc = -1; *why = strerror(errno); }
  }
  if (rc != 0) unlink(tmp);
  tl_free(tmp);
  return rc;
}
