/*
** main.c: the tally command.  A thin shell over libtally: parse arguments,
** read files, call the library, print diagnostics, choose the exit code
** (0 success, 1 errors in a plan or data, 2 usage errors).
*/
#include <errno.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/repl.h"
#include "lang/fmt.h"
#include "lang/front.h"
#include "lang/plantest.h"
#include "runtime/diff.h"
#include "runtime/engine.h"
#include "runtime/explain.h"
#include "runtime/ledger.h"
#include "runtime/output.h"
#include "runtime/prefault.h"
#include "runtime/sha256.h"
#include "runtime/sqlite.h"
#include "runtime/statement.h"

#ifndef TL_VERSION
#define TL_VERSION "dev"
#endif

enum { EXIT_OK = 0, EXIT_ERRORS = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
  "usage: tally <command> [options]\n"
  "\n"
  "Tally checks, compiles and runs sales compensation plans written in the\n"
  "Tally language, producing exact payouts per payee and period.\n"
  "\n"
  "commands:\n"
  "  check PLAN...              check plans: syntax, names, types, units, tier tables\n"
  "                             (--format text|json|github chooses the diagnostics;\n"
  "                             --werror makes warnings fail the check)\n"
  "  run PLAN --data DIR        compute payouts over the ledger in DIR (or --db FILE)\n"
  "  test PLAN...               run the test blocks inside plans; prints failed\n"
  "                             expectations and 'N passed, N failed'\n"
  "                             (--format junit writes JUnit XML to stdout or --out)\n"

  "  explain PLAN --data DIR --payee ID [--period NAME]\n"
  "                             why each line of a payee's statement is what it is:\n"
  "                             E(P) and E(P-1), tier bands, caps, draws, balances,\n"
  "                             measures, quota and the credit lines (deals) behind\n"
  "                             them (--format text|json)\n"
  "  diff PLAN_A PLAN_B --data DIR   or   diff PLAN --data DIR_A --data-b DIR_B\n"
  "                             every payee, period and line whose amount changes,\n"
  "                             largest change first, with what changed beneath it\n"
  "  fmt PLAN...                rewrite plans in the canonical layout, keeping every\n"
  "                             comment ('-' reads standard input, writes standard\n"
  "                             output); --check changes nothing, lists the files\n"
  "                             that would change and exits 1 if there are any\n"
  "  disasm PLAN                print the compiled bytecode with source lines\n"
  "  repl [PLAN] [--data DIR]   an interactive session: evaluate expressions for a\n"
  "                             payee and period, :explain, :why DEAL, what-ifs\n"
  "                             (:set, :cancel, :add) and :diff against the plan\n"
  "                             as loaded; :help lists the commands.  Commands\n"
  "                             read from a pipe run as a script (exit 1 if any\n"
  "                             failed)\n"
  "\n"
  "run options:\n"
  "  --data DIR                 folder with payees.csv, deals.csv and optionally\n"
  "                             splits.csv, fx.csv, quotas.csv\n"
  "  --db FILE                  read the same tables from an SQLite database\n"
  "                             instead of --data\n"
  "  --out FILE                 write the payouts to FILE (whole or not at all)\n"
  "                             instead of standard output; a device or pipe\n"
  "                             (/dev/null) is written in place\n"
  "  --out-db FILE              also append the payouts and a runs row (plan and\n"
  "                             input SHA-256, time, version) to an SQLite database,\n"
  "                             in one transaction\n"
  "  --format csv|json|table    payout format (default csv; table is for people)\n"
  "  --statements DIR           also write DIR/<payee>.txt and .html: lines,\n"
  "                             tier chart and explanation (whole folder or nothing)\n"
  "\n"
  "common options:\n"
  "  --diagnostics text|json|github   how errors are printed (default text)\n"
  "  --max-errors N             stop listing errors after N (default 100)\n"
  "  --max-steps N              VM instructions allowed per evaluation (default 100000000)\n"
  "  --max-memory MB            memory budget for the whole command (default none)\n"
  "  --threads N                threads to use (default: one per CPU, at most 256;\n"
  "                             results and messages never depend on it): big\n"
  "                             deals and splits files are read in parts, deals\n"
  "                             credited in ranges, memory faulted in ahead\n"
  "  -h, --help                 this help\n"
  "  --version                  print the version\n"
  "\n"
  "exit status: 0 success, 1 errors in a plan or its data, 2 usage errors.\n"
  "See tally(1) and doc/language.md for the language.\n";

typedef struct opts {
  const char *cmd;
  const char *files[64];
  int nfiles;
  const char *data, *out, *format_name, *db, *out_db, *payee, *period, *data_b;
  const char *statements;
  tl_out_format format;
  tl_diag_format diag_format;
  int max_errors;
  bool werror, check_only;
  unsigned long long max_steps, max_memory_mb;
  int threads;                  /* 1 to 256 */
} opts;

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "tally: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nrun 'tally --help' for usage\n");
  va_end(ap);
  return EXIT_USAGE;
}

static void oom(void) {
  /* Loader and engine threads may run out together: one message, one exit;
  ** the others wait for it. */
  static int once;
  if (__atomic_exchange_n(&once, 1, __ATOMIC_SEQ_CST))
    for (;;) pause();
  if (tl_memory_limit())
    fprintf(stderr, "tally: error: the memory budget of %zu MB is exhausted (raise --max-memory)\n",
            tl_memory_limit() >> 20);
  else
    fputs("tally: error: out of memory\n", stderr);
  exit(EXIT_ERRORS);
}

/* Read a whole stream; NULL with errno set on failure. */
static char *read_stream(FILE *f, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = tl_alloc(cap);
  errno = 0;
  for (;;) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n < cap) break;
    cap *= 2;
    buf = tl_realloc(buf, cap);
  }
  if (ferror(f)) {
    tl_free(buf);
    if (!errno) errno = EIO;   /* the read's own reason, such as a directory's */
    return NULL;
  }
  *len = n;
  return buf;
}

/* Read a whole file; NULL with errno set on failure. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = read_stream(f, len);
  int saved = errno;
  fclose(f);
  errno = saved;
  return buf;
}

/* Parse, check and compile one plan; NULL when it has errors (reported). */
static tl_program *load_plan(const char *path, tl_diags *d, char **text, size_t *len) {
  *text = read_file(path, len);
  if (!*text) {
    tl_loc loc = { path, 0, 0, 0, 0 };
    tl_diag(d, TL_SEV_ERROR, loc, "io", "cannot read plan: %s", strerror(errno));
    return NULL;
  }
  tl_diag_source(d, path, *text, *len);
  return tl_front(path, *text, *len, d, NULL);
}

static int finish(tl_diags *d, const opts *o, int rc) {
  tl_diag_print(d, stderr, o->diag_format);
  tl_diags_free(d);
  return rc;
}

static int cmd_check(const opts *o) {
  tl_diags *d = tl_diags_new();
  tl_diag_limit(d, o->max_errors);
  for (int i = 0; i < o->nfiles; i++) {
    char *text;
    size_t len;
    tl_program *p = load_plan(o->files[i], d, &text, &len);
    tl_prog_free(p);
    tl_free(text);
  }
  bool failed = tl_diag_errors(d) || (o->werror && tl_diag_warnings(d));
  return finish(d, o, failed ? EXIT_ERRORS : EXIT_OK);
}

static int cmd_disasm(const opts *o) {
  tl_diags *d = tl_diags_new();
  char *text;
  size_t len;
  tl_program *p = load_plan(o->files[0], d, &text, &len);
  if (p) tl_prog_disasm(p, text, len, stdout);
  tl_prog_free(p);
  tl_free(text);
  return finish(d, o, p ? EXIT_OK : EXIT_ERRORS);
}

static int write_junit(FILE *f, void *ctx) {
  const tl_pt_report *reps = ((const void **)ctx)[0];
  size_t n = *(const size_t *)((const void **)ctx)[1];
  tl_pt_junit(reps, n, f);
  return ferror(f) ? -1 : 0;
}

static int cmd_test(const opts *o, bool junit) {
  tl_diags *d = tl_diags_new();
  tl_diag_limit(d, o->max_errors);
  tl_pt_report *reps = tl_calloc((size_t)o->nfiles, sizeof *reps);
  size_t nreps = 0;
  int passed = 0, failed = 0;
  for (int i = 0; i < o->nfiles; i++) {
    size_t len;
    char *text = read_file(o->files[i], &len);
    if (!text) {
      tl_loc loc = { o->files[i], 0, 0, 0, 0 };
      tl_diag(d, TL_SEV_ERROR, loc, "io", "cannot read plan: %s", strerror(errno));
      continue;
    }
    tl_diag_source(d, o->files[i], text, len);
    int before = tl_diag_errors(d);
    tl_plan *plan = tl_parse(o->files[i], text, len, d);
    tl_checked c;
    memset(&c, 0, sizeof c);
    tl_program *p = NULL;
    if (tl_diag_errors(d) == before && tl_check(plan, d, &c) == 0) p = tl_compile(&c, d);
    if (p) {
      tl_pt_report *rep = &reps[nreps++];
      tl_pt_run(&c, p, d, rep);
      passed += rep->passed;
      failed += rep->failed;
      if (c.tests.n == 0) {
        tl_loc loc = { o->files[i], 0, 0, 0, 0 };
        tl_diag(d, TL_SEV_WARNING, loc, "no-tests", "the plan has no test blocks");
      }
    } else {
      failed++;
    }
    tl_checked_free(&c);
    tl_prog_free(p);
    tl_plan_free(plan);
    tl_free(text);
  }
  int rc = failed || tl_diag_errors(d) ? EXIT_ERRORS : EXIT_OK;
  if (junit) {
    const void *ctx[2] = { reps, &nreps };
    const char *why = "";
    if (o->out ? tl_out_atomic(o->out, write_junit, ctx, &why) != 0 : write_junit(stdout, ctx) != 0) {
      tl_loc loc = { o->out ? o->out : "<stdout>", 0, 0, 0, 0 };
      tl_diag(d, TL_SEV_ERROR, loc, "io", "cannot write the report: %s", why);
      rc = EXIT_ERRORS;
    }
  }
  for (size_t i = 0; i < nreps; i++) tl_pt_report_free(&reps[i]);
  tl_free(reps);
  tl_diag_print(d, stderr, o->diag_format);
  tl_diags_free(d);
  if (!junit) printf("%d passed, %d failed\n", passed, failed);
  return rc;
}

static void hash_file(tl_sha256 *h, const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) return;
  tl_sha256_update(h, path, strlen(path) + 1);
  tl_sha256_update(h, text, len);
  tl_free(text);
}

/* Fingerprints of what a run read, recorded with its results. */
static void run_hashes(const opts *o, const char *plan, size_t plan_len, char plan_hex[65],
                       char inputs_hex[65]) {
  tl_sha256 h;
  tl_sha256_init(&h);
  tl_sha256_update(&h, plan, plan_len);
  tl_sha256_hex(&h, plan_hex);
  tl_sha256_init(&h);
  if (o->db) {
    hash_file(&h, o->db);
  } else {
    for (size_t i = 0; i < TL_TB_COUNT; i++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s.csv", o->data, tl_table_names[tl_ldg_order[i]]);
      hash_file(&h, path);
    }
  }
  tl_sha256_hex(&h, inputs_hex);
}

/* The ledger of a run of p (from --data dir or --db), with only the deals
** columns the run reads kept (tl_prog_deals_read); NULL after reporting. */
static tl_ledger *load_ledger(const tl_program *p, const opts *o, const char *dir, tl_diags *d) {
  bool *read = tl_alloc((size_t)p->deals.ncols + 1);
  tl_prog_deals_read(p, read);
  tl_ldg_opts lo = { &p->payees, &p->deals, p->currency, &p->cal, o->max_errors, o->threads,
                     0, false, TL_HAND_WHEN_DONE, read };
  tl_ledger *l = dir ? tl_ldg_load_csv_dir(dir, &lo, d) : tl_ldg_load_sqlite(o->db, &lo, d);
  tl_free(read);
  return l;
}

/* The plan and its ledger, ready to run; false after reporting. */
static bool load_all(const opts *o, tl_diags *d, char **text, size_t *len, tl_program **p,
                     tl_ledger **l) {
  *p = load_plan(o->files[0], d, text, len);
  *l = *p ? load_ledger(*p, o, o->db ? NULL : o->data, d) : NULL;
  return *l != NULL;
}

static int cmd_explain(const opts *o) {
  if (!o->data == !o->db) return usage_error("explain needs one of --data DIR or --db FILE");
  if (!o->payee) return usage_error("explain needs --payee ID");
  bool json = false;
  if (o->format_name) {
    if (strcmp(o->format_name, "json") == 0) json = true;
    else if (strcmp(o->format_name, "text") != 0)
      return usage_error("unknown format '%s' for explain (use text or json)", o->format_name);
  }
  tl_diags *d = tl_diags_new();
  tl_diag_limit(d, o->max_errors);
  char *text = NULL;
  size_t len;
  tl_program *p = NULL;
  tl_ledger *l = NULL;
  tl_trace *t = NULL;
  int rc = EXIT_ERRORS;
  if (!load_all(o, d, &text, &len, &p, &l)) goto done;
  const tl_table *payees = &l->t[TL_TB_PAYEES];
  int32_t row = tl_ldg_find(l, TL_TB_PAYEES, o->payee);
  if (row < 0) {
    tl_loc loc = { payees->file, 0, 0, 0, 0 };
    tl_diag(d, TL_SEV_ERROR, loc, "explain", "no payee with id %s", o->payee);
    goto done;
  }
  int period = -1;
  if (o->period && (period = tl_cal_find(&p->cal, o->period, strlen(o->period))) < 0) {
    tl_loc loc = { o->files[0], 0, 0, 0, 0 };
    tl_diag(d, TL_SEV_ERROR, loc, "explain", "%s is not a period of this plan (%s to %s)",
            o->period, p->cal.name[0], p->cal.name[p->cal.n - 1]);
    goto done;
  }
  t = tl_eng_trace(p, l, d, row);
  if (!t) goto done;
  tl_explain_write(p, l, t, period, json ? TL_EXPLAIN_JSON : TL_EXPLAIN_TEXT, stdout);
  rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_ERRORS;
done:
  tl_trace_free(t);
  tl_ldg_free(l);
  tl_prog_free(p);
  tl_free(text);
  return finish(d, o, rc);
}

/* One side of a diff: a plan run over a ledger, everything owned. */
typedef struct side {
  char *text;
  tl_program *p;
  tl_ledger *l;
  tl_result *r;
} side;

static bool run_side(const char *plan, const char *data, tl_diags *d, const opts *o, side *s) {
  size_t len;
  memset(s, 0, sizeof *s);
  s->p = load_plan(plan, d, &s->text, &len);
  if (!s->p) return false;
  s->l = load_ledger(s->p, o, data, d);
  if (s->l) s->r = tl_eng_run_threads(s->p, s->l, d, o->max_steps, o->threads);
  return s->r != NULL;
}

static void free_side(side *s) {
  tl_result_free(s->r);
  tl_ldg_free(s->l);
  tl_prog_free(s->p);
  tl_free(s->text);
}

static int cmd_diff(const opts *o) {
  bool two_plans = o->nfiles == 2;
  if (!o->data || (two_plans == (o->data_b != NULL)) || o->nfiles > 2)
    return usage_error("diff needs PLAN_A PLAN_B --data DIR, or PLAN --data DIR_A --data-b DIR_B");
  tl_diags *d = tl_diags_new();
  tl_diag_limit(d, o->max_errors);
  side a, b;
  int rc = EXIT_ERRORS;
  const char *plan_b = two_plans ? o->files[1] : o->files[0];
  const char *data_b = two_plans ? o->data : o->data_b;
  bool ok = run_side(o->files[0], o->data, d, o, &a);
  ok = run_side(plan_b, data_b, d, o, &b) && ok;
  if (ok && tl_dec_places(a.p->unit) != tl_dec_places(b.p->unit)) {
    tl_loc loc = { plan_b, 0, 0, 0, 0 };
    tl_diag(d, TL_SEV_WARNING, loc, "diff", "the plans round to different units");
  }
  if (ok) {
    char la[4200], lb[4200];
    snprintf(la, sizeof la, "%s over %s", o->files[0], o->data);
    snprintf(lb, sizeof lb, "%s over %s", plan_b, data_b);
    tl_diff_side sa = { a.p, a.l, a.r, la }, sb = { b.p, b.l, b.r, lb };
    long n = tl_diff_write(&sa, &sb, 50, d, stdout);
    if (n >= 0) rc = EXIT_OK;
  }
  free_side(&a);
  free_side(&b);
  return finish(d, o, rc);
}

typedef struct text_out { const char *s; size_t n; } text_out;

static int write_text(FILE *f, void *ctx) {
  text_out *t = ctx;
  return fwrite(t->s, 1, t->n, f) == t->n ? 0 : -1;
}

/* Format one plan into a fresh buffer; NULL when it does not parse. */
static char *format_plan(const char *path, const char *text, size_t len, tl_diags *d, size_t *out_len) {
  tl_plan *plan = tl_parse(path, text, len, d);
  if (!plan || tl_diag_errors(d)) {
    tl_plan_free(plan);
    return NULL;
  }
  char *buf = NULL;
  FILE *f = open_memstream(&buf, out_len);
  if (!f) oom();
  int bad = tl_fmt_plan(plan, f);
  if (fclose(f) != 0 || bad) oom();
  tl_plan_free(plan);
  return buf;
}

/* Files with syntax errors are reported and left alone; the others are
** rewritten in place (atomically) unless --check asks only for their names. */
static int cmd_fmt(const opts *o) {
  int rc = EXIT_OK;
  for (int i = 0; i < o->nfiles; i++) {
    const char *path = o->files[i];
    bool std = strcmp(path, "-") == 0;
    tl_diags *d = tl_diags_new();
    tl_diag_limit(d, o->max_errors);
    size_t len = 0, out_len = 0;
    char *text = std ? read_stream(stdin, &len) : read_file(path, &len);
    char *out = NULL;
    if (!text) {
      tl_loc loc = { path, 0, 0, 0, 0 };
      tl_diag(d, TL_SEV_ERROR, loc, "io", "cannot read plan: %s", strerror(errno));
    } else {
      tl_diag_source(d, std ? "<stdin>" : path, text, len);
      out = format_plan(std ? "<stdin>" : path, text, len, d, &out_len);
    }
    if (!out) {
      rc = EXIT_ERRORS;
    } else if (std && !o->check_only) {
      fwrite(out, 1, out_len, stdout);
    } else if (out_len != len || memcmp(out, text, len) != 0) {
      if (o->check_only) {
        printf("%s\n", path);
        rc = EXIT_ERRORS;
      } else {
        text_out t = { out, out_len };
        const char *why = "";
        if (tl_out_atomic(path, write_text, &t, &why) != 0) {
          tl_loc loc = { path, 0, 0, 0, 0 };
          tl_diag(d, TL_SEV_ERROR, loc, "io", "cannot write plan: %s", why);
          rc = EXIT_ERRORS;
        }
      }
    }
    free(out);
    tl_free(text);
    tl_diag_print(d, stderr, o->diag_format);
    tl_diags_free(d);
  }
  if (fflush(stdout) != 0) rc = EXIT_ERRORS;
  return rc;
}

typedef struct run_out {
  const tl_program *p;
  const tl_ledger *l;
  const tl_result *r;
  tl_out_format f;
  int threads;
} run_out;

static int write_rows(FILE *f, void *ctx) {
  run_out *ro = ctx;
  return tl_out_write_threads(ro->p, ro->l, ro->r, ro->f, f, ro->threads);
}

static int cmd_run(const opts *o) {
  if (!o->data == !o->db) return usage_error("run needs one of --data DIR or --db FILE");
  tl_diags *d = tl_diags_new();
  tl_diag_limit(d, o->max_errors);
  char *text;
  size_t len;
  int rc = EXIT_ERRORS;
  tl_program *p = load_plan(o->files[0], d, &text, &len);
  tl_ledger *l = NULL;
  tl_result *r = NULL;
  if (!p) goto done;
  l = load_ledger(p, o, o->db ? NULL : o->data, d);
  if (!l) goto done;
  r = tl_eng_run_threads(p, l, d, o->max_steps, o->threads);
  if (!r) goto done;
  /* statements first: when they cannot be written, no payouts are either */
  if (o->statements && tl_stmt_write_dir(p, l, r, o->statements, d) != 0) goto done;
  run_out ro = { p, l, r, o->format, o->threads };
  if (o->out) {
    const char *why = "";
    if (tl_out_atomic(o->out, write_rows, &ro, &why) != 0) {
      tl_loc loc = { o->out, 0, 0, 0, 0 };
      tl_diag(d, TL_SEV_ERROR, loc, "io", "cannot write payouts: %s", why);
      goto done;
    }
  } else if (write_rows(stdout, &ro) != 0 || fflush(stdout) != 0) {
    tl_loc loc = { "<stdout>", 0, 0, 0, 0 };
    tl_diag(d, TL_SEV_ERROR, loc, "io", "cannot write payouts: %s", strerror(errno));
    goto done;
  }
  if (o->out_db) {
    char plan_hex[65], inputs_hex[65], started[32];
    time_t now = time(NULL);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    run_hashes(o, text, len, plan_hex, inputs_hex);
    tl_run_meta meta = { o->files[0], plan_hex, inputs_hex, started, TL_VERSION };
    if (tl_db_write_run(o->out_db, p, l, r, &meta, d) != 0) goto done;
  }
  rc = EXIT_OK;
done:
  tl_result_free(r);
  tl_ldg_free(l);
  tl_prog_free(p);
  tl_free(text);
  return finish(d, o, rc);
}

int main(int argc, char **argv) {
  /* Blocks of a megabyte and more get mappings of their own, always (the
  ** default threshold drifts up as blocks are freed): growing one is then a
  ** remap, not a copy, and freeing one returns it. */
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  opts o;
  memset(&o, 0, sizeof o);
  o.format = TL_OUT_CSV;
  o.diag_format = TL_DIAG_TEXT;
  o.max_errors = 100;
  tl_set_oom(oom);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "help") == 0) {
      fputs(usage_text, stdout);
      return EXIT_OK;
    } else if (strcmp(a, "--werror") == 0) {
      o.werror = true;
    } else if (strcmp(a, "--check") == 0) {
      o.check_only = true;
    } else if (strcmp(a, "--version") == 0) {
      printf("tally %s\n", TL_VERSION);
      return EXIT_OK;
    } else if (strcmp(a, "--statements") == 0) {
      if (!val) return usage_error("%s needs a value", a);
      o.statements = argv[++i];
    } else if (strcmp(a, "--data-b") == 0) {
      if (!val) return usage_error("%s needs a value", a);
      o.data_b = argv[++i];
    } else if (strcmp(a, "--payee") == 0 || strcmp(a, "--period") == 0) {
      if (!val) return usage_error("%s needs a value", a);
      i++;
      if (a[4] == 'y') o.payee = val;
      else o.period = val;
    } else if (strcmp(a, "--db") == 0 || strcmp(a, "--out-db") == 0) {
      if (!val) return usage_error("%s needs a value", a);
      i++;
      if (a[2] == 'd') o.db = val;
      else o.out_db = val;
    } else if (strcmp(a, "--data") == 0 || strcmp(a, "--out") == 0 || strcmp(a, "--format") == 0 ||
               strcmp(a, "--diagnostics") == 0 || strcmp(a, "--max-errors") == 0 ||
               strcmp(a, "--max-steps") == 0 || strcmp(a, "--max-memory") == 0 ||
               strcmp(a, "--threads") == 0) {
      if (!val) return usage_error("%s needs a value", a);
      i++;
      if (a[2] == 'd' && a[3] == 'a') o.data = val;
      else if (a[2] == 'o') o.out = val;
      else if (a[2] == 'f') o.format_name = val;
      else if (a[2] == 'd') {
        if (strcmp(val, "text") == 0) o.diag_format = TL_DIAG_TEXT;
        else if (strcmp(val, "json") == 0) o.diag_format = TL_DIAG_JSON;
        else if (strcmp(val, "github") == 0) o.diag_format = TL_DIAG_GITHUB;
        else return usage_error("unknown diagnostics format '%s' (use text, json or github)", val);
      } else if (strcmp(a, "--max-errors") == 0) {
        char *end;
        long n = strtol(val, &end, 10);
        if (*end || n < 1 || n > 1000000) return usage_error("--max-errors needs a number, not '%s'", val);
        o.max_errors = (int)n;
      } else {
        char *end;
        unsigned long long n = strtoull(val, &end, 10);
        if (*end || n < 1 || val[0] == '-' || n > (1ULL << 40))
          return usage_error("%s needs a positive whole number, not '%s'", a, val);
        if (a[2] == 't') {
          if (n > 256) return usage_error("--threads: at most 256, not '%s'", val);
          o.threads = (int)n;
        } else if (a[6] == 's') o.max_steps = n;
        else o.max_memory_mb = n;
      }
    } else if (a[0] == '-' && a[1]) {
      return usage_error("unknown option '%s'", a);
    } else if (!o.cmd) {
      o.cmd = a;
    } else {
      if (o.nfiles == (int)(sizeof o.files / sizeof *o.files)) return usage_error("too many files");
      o.files[o.nfiles++] = a;
    }
  }
  if (o.max_memory_mb) tl_set_memory_limit((size_t)o.max_memory_mb << 20);
  if (!o.threads) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = n > 256 ? 256 : n > 0 ? (int)n : 1;
  }
  if (o.threads > 1 && tl_prefault_start()) atexit(tl_prefault_stop);
  if (!o.cmd) {
    fputs(usage_text, stderr);
    return EXIT_USAGE;
  }
  bool many = strcmp(o.cmd, "check") == 0 || strcmp(o.cmd, "test") == 0 || strcmp(o.cmd, "fmt") == 0;
  if (many || strcmp(o.cmd, "run") == 0 || strcmp(o.cmd, "disasm") == 0) {
    if (o.nfiles == 0) return usage_error("%s needs a plan file", o.cmd);
    if (!many && o.nfiles > 1) return usage_error("%s takes one plan file", o.cmd);
  }
  if (strcmp(o.cmd, "test") == 0) {
    bool junit = o.format_name && strcmp(o.format_name, "junit") == 0;
    if (o.format_name && !junit && strcmp(o.format_name, "text") != 0)
      return usage_error("unknown format '%s' for test (use text or junit)", o.format_name);
    return cmd_test(&o, junit);
  }
  if (o.format_name && strcmp(o.cmd, "check") == 0) {
    /* check prints only diagnostics, so --format chooses their format */
    if (strcmp(o.format_name, "text") == 0) o.diag_format = TL_DIAG_TEXT;
    else if (strcmp(o.format_name, "json") == 0) o.diag_format = TL_DIAG_JSON;
    else if (strcmp(o.format_name, "github") == 0) o.diag_format = TL_DIAG_GITHUB;
    else return usage_error("unknown format '%s' for check (use text, json or github)", o.format_name);
  } else if (o.format_name && strcmp(o.cmd, "run") == 0 &&
             !tl_out_parse_format(o.format_name, &o.format)) {
    return usage_error("unknown format '%s' (use csv, json or table)", o.format_name);
  }
  if (strcmp(o.cmd, "explain") == 0) {
    if (o.nfiles != 1) return usage_error("explain takes one plan file");
    return cmd_explain(&o);
  }
  if (strcmp(o.cmd, "diff") == 0) return cmd_diff(&o);
  if (strcmp(o.cmd, "repl") == 0) {
    if (o.nfiles > 1) return usage_error("repl takes at most one plan file");
    if (o.db) return usage_error("repl reads CSV folders only: use --data DIR");
    /* a session is interactive only on a terminal, so piped commands run as a script */
    return tl_repl_main(o.nfiles ? o.files[0] : NULL, o.data, stdin, stdout, isatty(0),
                        o.threads);
  }
  if (strcmp(o.cmd, "check") == 0) return cmd_check(&o);
  if (strcmp(o.cmd, "fmt") == 0) return cmd_fmt(&o);
  if (strcmp(o.cmd, "run") == 0) return cmd_run(&o);
  if (strcmp(o.cmd, "disasm") == 0) return cmd_disasm(&o);
  return usage_error("unknown command '%s'", o.cmd);
}
