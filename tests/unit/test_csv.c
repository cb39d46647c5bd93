/*
** test_csv.c: the RFC 4180 reader.  Each case reads a whole buffer and
** compares a dump of every row and error: "row LINE:" then each field as
** LINE:COL, a q when it was quoted, and its text; "error LINE:COL: message".
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/arena.h"
#include "runtime/csv.h"

static void dump_text(FILE *f, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (p[i]) {
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\0': fputs("\\0", f); break;
    default: fputc(p[i], f);
    }
  }
}

static char *dump(const char *data, size_t len) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  tl_csv *c = tl_csv_new(data, len);
  tl_csv_row row;
  tl_csv_status st;
  while ((st = tl_csv_next(c, &row)) != TL_CSV_END) {
    if (st == TL_CSV_ERROR) {
      uint32_t line, col;
      const char *msg = tl_csv_error(c, &line, &col);
      fprintf(f, "error %u:%u: %s\n", line, col, msg);
      continue;
    }
    /* Whenever the row reads as plain, it reads as the same fields. */
    tl_csv_span *sp = malloc((row.n ? row.n : 1) * sizeof *sp);
    const char *next = tl_csv_plain_row(row.start, data + len, sp, row.n);
    if (next) {
      uint32_t line;
      assert_false(row.quoted);
      assert_ptr_equal(next, tl_csv_at(c, &line));
      for (uint32_t i = 0; i < row.n; i++) {
        assert_ptr_equal(sp[i].p, row.f[i].p);
        assert_int_equal(sp[i].len, row.f[i].len);
      }
    }
    free(sp);
    fprintf(f, "row %u:", row.line);
    for (uint32_t i = 0; i < row.n; i++) {
      fprintf(f, " %u:%u%s=", row.f[i].line, row.f[i].col, row.f[i].quoted ? "q" : "");
      dump_text(f, row.f[i].p, row.f[i].len);
    }
    fputc('\n', f);
  }
  assert_int_equal(tl_csv_next(c, &row), TL_CSV_END);
  tl_csv_free(c);
  fclose(f);
  return buf;
}

#define CHECK(data, want) check(data, sizeof(data) - 1, want)

static void check(const char *data, size_t len, const char *want) {
  /* A copy of exactly len bytes, so ASan catches any read past the end. */
  char *copy = malloc(len ? len : 1);
  memcpy(copy, data, len);
  char *got = dump(copy, len);
  assert_string_equal(got, want);
  free(got);
  free(copy);
}

static void test_plain(void **state) {
  CHECK("id,owner,amount\nD1,ann,100.50\nD2,,7\n",
        "row 1: 1:1=id 1:4=owner 1:10=amount\n"
        "row 2: 2:1=D1 2:4=ann 2:8=100.50\n"
        "row 3: 3:1=D2 3:4= 3:5=7\n");
}

static void test_no_final_newline_and_empty_fields(void **state) {
  CHECK("a,b\n1,\n,\n,2", "row 1: 1:1=a 1:3=b\nrow 2: 2:1=1 2:3=\nrow 3: 3:1= 3:2=\n"
        "row 4: 4:1= 4:2=2\n");
  CHECK("", "");
  CHECK("\n\r\n\n", "");
  CHECK("x", "row 1: 1:1=x\n");
}

static void test_blank_lines(void **state) {
  CHECK("\n\na,b\n\n\n1,2\r\n\r\n3,4\n\n",
        "row 3: 3:1=a 3:3=b\nrow 6: 6:1=1 6:3=2\nrow 8: 8:1=3 8:3=4\n");
}

static void test_quoted(void **state) {
  CHECK("name,note\n\"Smith, Ann\",\"said \"\"hi\"\"\"\n\"\",\"\"\"\"\n",
        "row 1: 1:1=name 1:6=note\n"
        "row 2: 2:1q=Smith, Ann 2:14q=said \"hi\"\n"
        "row 3: 3:1q= 3:4q=\"\n");
}

static void test_quoted_newlines(void **state) {
  CHECK("a,b,c\n1,\"two\nlines\",x\n\"three\r\nmore\n\"\"lines\"\"\",y\n2,z,w\n",
        "row 1: 1:1=a 1:3=b 1:5=c\n"
        "row 2: 2:1=1 2:3q=two\\nlines 3:8=x\n"
        "row 4: 4:1q=three\\r\\nmore\\n\"lines\" 6:12=y\n"
        "row 7: 7:1=2 7:3=z 7:5=w\n");
}

static void test_crlf_and_mixed(void **state) {
  CHECK("a,b\r\n1,2\n3,\"4\"\r\n5,6\r\n",
        "row 1: 1:1=a 1:3=b\nrow 2: 2:1=1 2:3=2\nrow 3: 3:1=3 3:3q=4\nrow 4: 4:1=5 4:3=6\n");
  /* A lone CR is data, except at the very end where it ends the line. */
  CHECK("a\rb,c\r", "row 1: 1:1=a\\rb 1:5=c\n");
  CHECK("\"q\"\r", "row 1: 1:1q=q\n");
  CHECK("x\n\r", "row 1: 1:1=x\n");
}

static void test_bom(void **state) {
  CHECK("\xEF\xBB\xBFid,name\nP1,Ann\n", "row 1: 1:1=id 1:4=name\nrow 2: 2:1=P1 2:4=Ann\n");
  CHECK("\xEF\xBB\xBF\"id\",x", "row 1: 1:1q=id 1:6=x\n");
  /* only at the start of the buffer */
  CHECK("a\n\xEF\xBB\xBF" "b\n", "row 1: 1:1=a\nrow 2: 2:1=\xEF\xBB\xBF" "b\n");
}

static void test_unterminated(void **state) {
  CHECK("a,b\n1,\"open\n2,3\n4,5\n",
        "row 1: 1:1=a 1:3=b\nerror 2:3: unterminated quoted field\nrow 3: 3:1=2 3:3=3\n"
        "row 4: 4:1=4 4:3=5\n");
  CHECK("\"", "error 1:1: unterminated quoted field\n");
  CHECK("a,\"b\"\"", "error 1:3: unterminated quoted field\n");
}

static void test_after_closing_quote(void **state) {
  CHECK("a,b\n\"x\"y,1\n\"multi\nline\" ,2\n3,4",
        "row 1: 1:1=a 1:3=b\n"
        "error 2:4: unexpected character after closing quote\n"
        "error 4:6: unexpected character after closing quote\n"
        "row 5: 5:1=3 5:3=4\n");
}

static void test_quote_in_unquoted(void **state) {
  CHECK("a,b\n12\" screen,2\nok,\"fine\"\nx,y\"\n",
        "row 1: 1:1=a 1:3=b\n"
        "error 2:3: quote in the middle of an unquoted field\n"
        "row 3: 3:1=ok 3:4q=fine\n"
        "error 4:4: quote in the middle of an unquoted field\n");
}

static void test_nul(void **state) {
  CHECK("a,b\n1,x\0y\n\"p\0q\",2\n\"r\"\0\n5,6\n",
        "row 1: 1:1=a 1:3=b\n"
        "error 2:4: NUL byte in file\n"
        "error 3:3: NUL byte in file\n"
        "error 4:4: NUL byte in file\n"
        "row 5: 5:1=5 5:3=6\n");
  CHECK("\0", "error 1:1: NUL byte in file\n");
}

static void test_error_in_multiline_field(void **state) {
  /* The error is on line 3; reading resumes on line 4. */
  CHECK("\"a\nb\nc\0\",1\nnext\n", "error 3:2: NUL byte in file\nrow 4: 4:1=next\n");
}

/* Fields of unquoted and plain quoted text point into the caller's buffer;
** the row says whether any field was quoted, and whether any was copied. */
static void test_no_copy(void **state) {
  static const char data[] = "abc,\"de,f\",\"g\"\"h\"\nx,\"y\"\nz\n";
  tl_csv *c = tl_csv_new(data, sizeof data - 1);
  tl_csv_row row;
  assert_int_equal(tl_csv_next(c, &row), TL_CSV_ROW);
  assert_int_equal(row.n, 3);
  assert_ptr_equal(row.f[0].p, data);
  assert_ptr_equal(row.f[1].p, data + 5);
  assert_int_equal(row.f[1].len, 4);
  assert_true(row.f[2].p < data || row.f[2].p >= data + sizeof data);
  assert_memory_equal(row.f[2].p, "g\"h", 3);
  assert_true(row.quoted && row.unescaped);
  assert_int_equal(tl_csv_next(c, &row), TL_CSV_ROW);
  assert_true(row.quoted && !row.unescaped);
  assert_ptr_equal(row.start, data + 18);
  assert_int_equal(tl_csv_next(c, &row), TL_CSV_ROW);
  assert_true(!row.quoted && !row.unescaped);
  assert_int_equal(tl_csv_next(c, &row), TL_CSV_END);
  assert_null(tl_csv_error(c, NULL, NULL));
  tl_csv_free(c);
}

/* Many escaped fields in one row make scratch grow while the row is read;
** every field must still hold its own text afterwards, row after row. */
static void test_scratch_growth(void **state) {
  enum { FIELDS = 200, ROWS = 3 };
  char *data = malloc(FIELDS * 64 * ROWS), *p = data;
  for (int r = 0; r < ROWS; r++) {
    for (int i = 0; i < FIELDS; i++)
      p += sprintf(p, "%s\"f%d \"\"%0*d\"\"\"", i ? "," : "", i, i % 40 + 1, r);
    *p++ = '\n';
  }
  tl_csv *c = tl_csv_new(data, (size_t)(p - data));
  tl_csv_row row;
  for (int r = 0; r < ROWS; r++) {
    assert_int_equal(tl_csv_next(c, &row), TL_CSV_ROW);
    assert_int_equal(row.line, r + 1);
    assert_int_equal(row.n, FIELDS);
    for (int i = 0; i < FIELDS; i++) {
      char want[64];
      int n = sprintf(want, "f%d \"%0*d\"", i, i % 40 + 1, r);
      assert_int_equal(row.f[i].len, n);
      assert_memory_equal(row.f[i].p, want, n);
      assert_true(row.f[i].quoted);
    }
  }
  assert_int_equal(tl_csv_next(c, &row), TL_CSV_END);
  tl_csv_free(c);
  free(data);
}

/* tl_csv_plain_row on text[0 ..): the fields as "a|b|c" and what follows, or
** "not plain". */
static char *plain(const char *text, size_t len, uint32_t n) {
  char *copy = malloc(len ? len : 1), *out = malloc(len + 64 + n), *o = out;
  memcpy(copy, text, len);
  tl_csv_span f[16];
  const char *next = tl_csv_plain_row(copy, copy + len, f, n);
  if (!next) {
    strcpy(out, "not plain");
  } else {
    for (uint32_t i = 0; i < n; i++) {
      if (i) *o++ = '|';
      memcpy(o, f[i].p, f[i].len);
      o += f[i].len;
    }
    sprintf(o, " +%zu", (size_t)(next - copy));
  }
  free(copy);
  return out;
}

#define PLAIN(text, n, want) do { \
    char *got_ = plain(text, sizeof(text) - 1, n); \
    assert_string_equal(got_, want); \
    free(got_); \
  } while (0)

static void test_plain_rows(void **state) {
  (void)state;
  PLAIN("a,b,c\nd", 3, "a|b|c +6");
  PLAIN("a,b,c\r\nd", 3, "a|b|c +7");
  PLAIN("a,b,c", 3, "a|b|c +5");           /* the last line, without a line end */
  PLAIN(",,\n", 3, "|| +3");
  PLAIN("abc\n", 1, "abc +4");
  PLAIN("a,b\n", 3, "not plain");          /* too few fields */
  PLAIN("a,b,c,d\n", 3, "not plain");      /* too many */
  PLAIN("\na,b,c\n", 3, "not plain");      /* a blank line: the reader skips it */
  PLAIN("\r\n", 1, "not plain");
  PLAIN("a,\"b\",c\n", 3, "not plain");    /* quoted */
  PLAIN("a,b\"x,c\n", 3, "not plain");
  PLAIN("a,b\rx,c\n", 3, "not plain");      /* a lone CR is data: the reader's */
  PLAIN("a,b,c\r", 3, "not plain");         /* a CR ending the buffer, too */
  PLAIN("a,b\0,c\n", 3, "not plain");
  PLAIN("", 1, "not plain");
  /* rows longer than one step of the vector scan, and fields across steps */
  PLAIN("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,b,c\nrest of "
        "the file, long enough for a second step of sixty-four bytes........",
        3, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|b|c +80");
  PLAIN("0123456789,0123456789,0123456789,0123456789,0123456789,0123456789,0123456789\n"
        "next line, which is long enough to be read in the same step as the first one",
        7, "0123456789|0123456789|0123456789|0123456789|0123456789|0123456789|0123456789 +77");
  PLAIN("0123456789,0123456789,0123456789,0123456789,0123456789,0123456789,0123456789\n"
        "next line, which is long enough to be read in the same step as the first one",
        6, "not plain");
  PLAIN("0123456789,0123456789,0123456789,0123456789,0123456789,0123456789,\"23456789\n"
        "next line, which is long enough to be read in the same step as the first one",
        7, "not plain");
  /* bytes below the quote that are data (a space, '!', a tab, other control
  ** bytes) in a step of the vector scan: the scan flags them with the four
  ** that stop a row, and must read on past them */
  PLAIN("Core Platform,ann! x,\t1\x01\x1f,a b c\n"
        "next line, which is long enough to be read in the same step as the first one",
        4, "Core Platform|ann! x|\t1\x01\x1f|a b c +32");
  PLAIN("a b,c d,e f\"g\n"
        "next line, which is long enough to be read in the same step as the first one",
        3, "not plain");
  PLAIN("a b,c d,e f\rg\n"
        "next line, which is long enough to be read in the same step as the first one",
        3, "not plain");
  PLAIN("a b,c d,e f\0g\n"
        "next line, which is long enough to be read in the same step as the first one",
        3, "not plain");
  PLAIN("a b,c d,e   f\r\n"
        "next line, which is long enough to be read in the same step as the first one",
        3, "a b|c d|e   f +15");
}

/* tl_csv_plain_rows reads what tl_csv_plain_row reads one row after another:
** the same rows, fields and line starts, stopping at the same row, but for
** stopping sooner within its last 64 bytes of the buffer.  Buffers of rows
** made of bytes that matter to the scan (commas, spaces, quotes, CR, LF,
** CRLF, NUL, blank lines), from a fixed seed, with every field count, a few
** row limits and stops, and the caller's stride. */
static void test_plain_rows_at_once(void **state) {
  (void)state;
  static const char alphabet[] = "ab 9xyz";
  uint64_t seed = 0x9E3779B97F4A7C15u;
#define RAND() (seed = seed * 6364136223846793005u + 1442695040888963407u, (uint32_t)(seed >> 33))
  enum { STRIDE = 6, MAX = 40 };
  long rows_read = 0, stopped_early = 0;
  for (int round = 0; round < 3000; round++) {
    char buf[2048];
    size_t len = 0;
    uint32_t nrows = 1 + RAND() % 30, fields = 1 + RAND() % 5;
    for (uint32_t r = 0; r < nrows && len < sizeof buf - 128; r++) {
      uint32_t nf = RAND() % 8 == 0 ? 1 + RAND() % 6 : fields;
      for (uint32_t i = 0; i < nf; i++) {
        if (i) buf[len++] = ',';
        uint32_t w = RAND() % 12;
        for (uint32_t k = 0; k < w; k++) buf[len++] = alphabet[RAND() % (sizeof alphabet - 1)];
        if (RAND() % 40 == 0) {  /* a byte that is not plain, or is data */
          static const char odd[] = { '"', '\r', '\0', '\t', '!', ' ' };
          buf[len++] = odd[RAND() % sizeof odd];
        }
      }
      uint32_t end_kind = RAND() % 20;
      if (end_kind == 0) buf[len++] = '\r';
      if (end_kind == 1) buf[len++] = '\n';   /* a blank line after it */
      buf[len++] = '\n';
    }
    uint32_t n = RAND() % 4 ? fields : 1 + RAND() % 6, max = 1 + RAND() % MAX;
    char *data = malloc(len);
    memcpy(data, buf, len);
    const char *end = data + len, *stop = RAND() % 4 ? end : data + RAND() % (len + 1);
    /* one row at a time */
    tl_csv_span want[MAX][STRIDE];
    const char *want_starts[MAX + 1] = { data };
    uint32_t k = 0;
    for (const char *q = data; k < max && q < stop; k++) {
      const char *e = tl_csv_plain_row(q, end, want[k], n);
      if (!e) break;
      want_starts[k + 1] = q = e;
    }
    tl_csv_span got[MAX][STRIDE];
    const char *starts[MAX + 1];
    uint32_t r = tl_csv_plain_rows(data, end, stop, got[0], n, STRIDE, max, starts);
    assert_true(r <= k);
    if (r < k) {
      assert_true(end - starts[r] < 128);   /* only near the end of the buffer */
      stopped_early++;
    }
    for (uint32_t i = 0; i <= r; i++) assert_ptr_equal(starts[i], want_starts[i]);
    for (uint32_t i = 0; i < r; i++)
      for (uint32_t j = 0; j < n; j++) {
        assert_ptr_equal(got[i][j].p, want[i][j].p);
        assert_int_equal(got[i][j].len, want[i][j].len);
      }
    rows_read += r;
    free(data);
  }
#undef RAND
  /* the buffers are not all unreadable, nor all cut short */
  assert_true(rows_read > 5000);
  assert_true(stopped_early < 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_plain),
    cmocka_unit_test(test_no_final_newline_and_empty_fields),
    cmocka_unit_test(test_blank_lines),
    cmocka_unit_test(test_quoted),
    cmocka_unit_test(test_quoted_newlines),
    cmocka_unit_test(test_crlf_and_mixed),
    cmocka_unit_test(test_bom),
    cmocka_unit_test(test_unterminated),
    cmocka_unit_test(test_after_closing_quote),
    cmocka_unit_test(test_quote_in_unquoted),
    cmocka_unit_test(test_nul),
    cmocka_unit_test(test_error_in_multiline_field),
    cmocka_unit_test(test_no_copy),
    cmocka_unit_test(test_scratch_growth),
    cmocka_unit_test(test_plain_rows),
    cmocka_unit_test(test_plain_rows_at_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
