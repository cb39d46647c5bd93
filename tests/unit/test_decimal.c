/*
** test_decimal.c: unit tests for runtime/decimal.c.
**
** Expected values are exact strings.  The tables of random operands were
** computed independently with rational arithmetic (Python's fractions), so
** they check the 256-bit paths against a reference rather than against
** themselves.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/decimal.h"

#define MAX_TEXT "170141183460469231731687303715.884105727"

typedef tl_dec_status (*binop)(tl_dec, tl_dec, tl_dec *);

/* A sentinel that no operation under test produces, to see *out untouched. */
static const tl_dec sentinel = { 777 };

static tl_dec dec(const char *s) {
  tl_dec d;
  assert_int_equal(tl_dec_parse(s, strlen(s), TL_DEC_ALLOW_UNDERSCORE, &d), TL_DEC_OK);
  return d;
}

static tl_dec dmax(void) { return tl_dec_from_raw((__int128)((unsigned __int128)-1 >> 1)); }

/* Shortest exact form, in one of a few rotating buffers so that one assert
** can format two values. */
static const char *str(tl_dec d) {
  static char buf[4][64];
  static int k;
  char *b = buf[k++ % 4];
  tl_dec_format(d, -1, false, b, 64);
  return b;
}

static void parse_is(const char *s, int flags, const char *want) {
  tl_dec d = sentinel;
  assert_int_equal(tl_dec_parse(s, strlen(s), flags, &d), TL_DEC_OK);
  assert_string_equal(str(d), want);
}

static void parse_fails(const char *s, int flags, tl_dec_status st) {
  tl_dec d = sentinel;
  assert_int_equal(tl_dec_parse(s, strlen(s), flags, &d), st);
  assert_true(d.raw == sentinel.raw);
}

static void op_is(binop f, const char *a, const char *b, const char *want) {
  tl_dec r = sentinel;
  assert_int_equal(f(dec(a), dec(b), &r), TL_DEC_OK);
  assert_string_equal(str(r), want);
}

static void op_fails(binop f, tl_dec a, tl_dec b, tl_dec_status st) {
  tl_dec r = sentinel;
  assert_int_equal(f(a, b, &r), st);
  assert_true(r.raw == sentinel.raw);
}

static void muldiv_is(const char *a, int64_t num, int64_t den, const char *want) {
  tl_dec r = sentinel;
  tl_dec_status st = tl_dec_muldiv_int(dec(a), num, den, &r);
  if (want) {
    assert_int_equal(st, TL_DEC_OK);
    assert_string_equal(str(r), want);
  } else {
    assert_int_equal(st, TL_DEC_OVERFLOW);
    assert_true(r.raw == sentinel.raw);
  }
}

static void round_is(const char *a, const char *unit, tl_round_mode mode, const char *want) {
  tl_dec r = sentinel;
  assert_int_equal(tl_dec_round(dec(a), dec(unit), mode, &r), TL_DEC_OK);
  assert_string_equal(str(r), want);
}

static void fmt_is(const char *a, int places, bool group, const char *want) {
  char buf[64];
  size_t n = tl_dec_format(dec(a), places, group, buf, sizeof buf);
  assert_string_equal(buf, want);
  assert_int_equal(n, strlen(want));
}

static void test_parse_valid(void **state) {
  tl_dec d;
  parse_is("0", 0, "0");
  parse_is("5", 0, "5");
  parse_is("+5", 0, "5");
  parse_is("-5", 0, "-5");
  parse_is("5.50", 0, "5.5");
  parse_is("-0.125", 0, "-0.125");
  parse_is("10400.00", 0, "10400");
  parse_is("007.0100", 0, "7.01");
  parse_is("0.000000001", 0, "0.000000001");
  parse_is("-0.000000001", 0, "-0.000000001");
  parse_is("1.000000000", 0, "1");
  parse_is("123456789012.123456789", 0, "123456789012.123456789");
  /* both sides of the 64-bit fast path's limits: 18 digits, 9 places */
  parse_is("999999999999999999.999999999", 0, "999999999999999999.999999999");
  parse_is("-999999999999999999.999999999", 0, "-999999999999999999.999999999");
  parse_is("9999999999999999999.999999999", 0, "9999999999999999999.999999999");
  parse_is("12345678901234567890123", 0, "12345678901234567890123");
  parse_is("000000000000000000012.5", 0, "12.5");
  parse_is("-0", 0, "0");
  parse_is("0000000000000000000000000000000000000000000000000000000000042", 0, "42");
  parse_is(MAX_TEXT, 0, MAX_TEXT);
  parse_is("-" MAX_TEXT, 0, "-" MAX_TEXT);
  assert_int_equal(tl_dec_parse("-0.00", 5, 0, &d), TL_DEC_OK);
  assert_true(d.raw == 0);
  assert_int_equal(tl_dec_parse("12.5", 4, 0, &d), TL_DEC_OK);
  assert_true(d.raw == 12500000000);
  /* Only n bytes are read: the rest of the buffer is not part of the number. */
  assert_int_equal(tl_dec_parse("12.5xyz", 4, 0, &d), TL_DEC_OK);
  assert_true(d.raw == 12500000000);
}

static void test_parse_syntax(void **state) {
  static const char *const bad[] = {
    "", "-", "+", "1,200", "$5", "5$", "1e5", "1E5", " 5", "5 ", "\t5", "5\n", ".5", "5.", "-.5",
    "+.5", "--5", "+-5", "-+5", "5-", "5.5.5", "1..5", "abc", "0x10", "five", "5_000", "NaN",
    "inf", "1/2", "12%", "(5)", "٥"
  };
  tl_dec d = sentinel;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) parse_fails(bad[i], 0, TL_DEC_SYNTAX);
  /* An embedded NUL is a character like any other. */
  assert_int_equal(tl_dec_parse("5\0" "0", 3, 0, &d), TL_DEC_SYNTAX);
  assert_true(d.raw == sentinel.raw);
}

static void test_parse_precision(void **state) {
  parse_fails("1.0000000001", 0, TL_DEC_PRECISION);
  parse_fails("0.1234567891", 0, TL_DEC_PRECISION);
  parse_fails("-0.3333333333333333", 0, TL_DEC_PRECISION);
  /* Strict: ten places are too many even when the last ones are zeros. */
  parse_fails("1.0000000000", 0, TL_DEC_PRECISION);
  /* Syntax is reported before precision. */
  parse_fails("1.0000000001x", 0, TL_DEC_SYNTAX);
  parse_fails("1,000.0000000001", 0, TL_DEC_SYNTAX);
}

static void test_parse_overflow(void **state) {
  parse_fails("170141183460469231731687303715.884105728", 0, TL_DEC_OVERFLOW);
  /* -2^127 raw is the one value of the type outside the symmetric range. */
  parse_fails("-170141183460469231731687303715.884105728", 0, TL_DEC_OVERFLOW);
  parse_fails("170141183460469231731687303716", 0, TL_DEC_OVERFLOW);
  parse_fails("1000000000000000000000000000000", 0, TL_DEC_OVERFLOW);
  parse_fails("99999999999999999999999999999999999999999999999999999999999999999999999999"
              "99999999999999999999999999999999999999999999999999999999999999999999999999", 0,
              TL_DEC_OVERFLOW);
  parse_fails("-99999999999999999999999999999999999999999999.5", 0, TL_DEC_OVERFLOW);
  parse_fails("1_000_000_000_000_000_000_000_000_000_000", TL_DEC_ALLOW_UNDERSCORE,
              TL_DEC_OVERFLOW);
  /* Precision is reported before range, syntax before both. */
  parse_fails("1000000000000000000000000000000.0000000001", 0, TL_DEC_PRECISION);
  parse_fails("1000000000000000000000000000000x", 0, TL_DEC_SYNTAX);
}

static void test_parse_underscore(void **state) {
  static const char *const bad[] = {
    "_5", "5_", "5__000", "5_.0", "5._0", "5.0_", "-_5", "_", "1_000_", "_.5", "1_000._5"
  };
  const int u = TL_DEC_ALLOW_UNDERSCORE;
  parse_is("5_000", u, "5000");
  parse_is("1_000.000_1", u, "1000.0001");
  parse_is("1_2_3", u, "123");
  parse_is("-300_000", u, "-300000");
  parse_is("0.123_456_789", u, "0.123456789");
  parse_fails("0.123_456_789_1", u, TL_DEC_PRECISION);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) parse_fails(bad[i], u, TL_DEC_SYNTAX);
  parse_fails("5_000", 0, TL_DEC_SYNTAX);
  parse_fails("1_000.5", 0, TL_DEC_SYNTAX);
}

static void test_format_places(void **state) {
  fmt_is("5.5", 2, false, "5.50");
  fmt_is("5", 0, false, "5");
  fmt_is("5", 2, false, "5.00");
  fmt_is("0", 2, false, "0.00");
  fmt_is("-12.3", 2, false, "-12.30");
  fmt_is("0.123456789", 9, false, "0.123456789");
  fmt_is("1.5", 12, false, "1.500000000000");
  /* on both sides of 2^64 raw units, where formatting leaves 64-bit division */
  fmt_is("18446744073.709551615", -1, false, "18446744073.709551615");
  fmt_is("18446744073.709551616", -1, false, "18446744073.709551616");
  fmt_is("-18446744073.709551616", 2, true, "-18,446,744,073.71");
  fmt_is("18446744073.705", 2, false, "18446744073.70");
  fmt_is("18446744074.705", 2, false, "18446744074.70");
  fmt_is("18446744074.715", 2, false, "18446744074.72");
  /* on both sides of 2^63 raw units, where fixed places leave 64 bits */
  fmt_is("9223372036.854775807", 2, false, "9223372036.85");
  fmt_is("9223372036.854775808", 2, false, "9223372036.85");
  fmt_is("-9223372036.854775807", 9, false, "-9223372036.854775807");
  fmt_is("-9223372036.854775808", 9, false, "-9223372036.854775808");
  fmt_is("9223372036.854775807", 0, false, "9223372037");
  fmt_is("0.000000001", 9, false, "0.000000001");
  fmt_is("0.5", 0, false, "0");
  fmt_is("1.5", 0, false, "2");
  fmt_is("99.995", 2, false, "100.00");
  fmt_is("0.05", 1, false, "0.0");
  fmt_is("0.15", 1, false, "0.2");
  fmt_is("123456.7", 3, false, "123456.700");
  /* Extra digits are rounded half-even for display. */
  fmt_is("0.125", 2, false, "0.12");
  fmt_is("0.135", 2, false, "0.14");
  fmt_is("-0.125", 2, false, "-0.12");
  fmt_is("0.1251", 2, false, "0.13");
  fmt_is("2.5", 0, false, "2");
  fmt_is("3.5", 0, false, "4");
  fmt_is("9.999", 2, false, "10.00");
  fmt_is("-0.015", 2, false, "-0.02");
  /* A value that displays as zero never shows a sign. */
  fmt_is("-0.001", 2, false, "0.00");
  fmt_is("-0.005", 2, false, "0.00");
  fmt_is("-0.4", 0, false, "0");
  fmt_is(MAX_TEXT, 2, false, "170141183460469231731687303715.88");
  fmt_is(MAX_TEXT, 0, false, "170141183460469231731687303716");
  fmt_is("-" MAX_TEXT, 0, false, "-170141183460469231731687303716");
}

static void test_format_shortest(void **state) {
  fmt_is("1.5", -1, false, "1.5");
  fmt_is("2.000", -1, false, "2");
  fmt_is("-0.125", -1, false, "-0.125");
  fmt_is("0", -1, false, "0");
  fmt_is("-0", -1, false, "0");
  fmt_is("0.000000001", -1, false, "0.000000001");
  fmt_is("-100.10", -1, false, "-100.1");
  fmt_is("10400", -1, false, "10400");
  fmt_is(MAX_TEXT, -1, false, MAX_TEXT);
  fmt_is("-" MAX_TEXT, -1, false, "-" MAX_TEXT);
}

static void test_format_group(void **state) {
  char buf[64];
  fmt_is("999", 2, true, "999.00");
  fmt_is("1000", 0, true, "1,000");
  fmt_is("1234.5", 2, true, "1,234.50");
  fmt_is("1234567.891", 2, true, "1,234,567.89");
  fmt_is("-1234567", -1, true, "-1,234,567");
  fmt_is("100000", -1, true, "100,000");
  fmt_is("0.123456", -1, true, "0.123456");
  fmt_is("-999999.995", 2, true, "-1,000,000.00");
  fmt_is(MAX_TEXT, -1, true, "170,141,183,460,469,231,731,687,303,715.884105727");
  /* The longest text there is fits the documented 64 bytes. */
  assert_int_equal(tl_dec_format(tl_dec_from_raw(-dmax().raw), 9, true, buf, 64), 50);
  assert_string_equal(buf, "-170,141,183,460,469,231,731,687,303,715.884105727");
}

/* Fixed places without grouping take a 64-bit path of their own; grouped
** text takes the general one.  The two must agree but for the commas. */
static uint64_t rng(void);
static void test_format_paths_agree(void **state) {
  for (int i = 0; i < 40000; i++) {
    uint64_t u = rng() >> (rng() % 64);
    if (i % 5 == 0) u = (uint64_t)(rng() % 2000) * 5000000u;    /* ties at 2 places */
    tl_dec d = tl_dec_from_raw(i & 1 ? -(__int128)u : (__int128)u);
    int places = (int)(rng() % 10);
    char plain[64], grouped[64], *q = grouped;
    size_t n = tl_dec_format(d, places, false, plain, sizeof plain);
    tl_dec_format(d, places, true, grouped, sizeof grouped);
    for (const char *g = grouped; *g; g++)
      if (*g != ',') *q++ = *g;
    *q = '\0';
    assert_string_equal(plain, grouped);
    assert_int_equal(n, strlen(plain));
  }
}

/* A count of units of 10^-places (a run's payouts, engine.h) is written as
** its value at those places is, to the last digit, and to the 64-bit ends. */
static void test_format_units(void **state) {
  static const int64_t edge[] = { 0, 1, -1, 99, -100, INT32_MAX, INT32_MIN + 1, INT64_MAX,
                                  INT64_MIN, INT64_MIN + 1 };
  for (int i = 0; i < 40000 + 10 * 10; i++) {
    int places = i < 100 ? i % 10 : (int)(rng() % 10);
    int64_t u = i < 100 ? edge[i / 10] : (int64_t)(rng() >> (rng() % 64)) * (i & 1 ? -1 : 1);
    __int128 raw = (__int128)u;
    for (int k = places; k < TL_DEC_SCALE; k++) raw *= 10;
    char want[64], got[64];
    size_t n = tl_dec_format(tl_dec_from_raw(raw), places, false, want, sizeof want);
    assert_int_equal(tl_dec_format_units(u, places, got), n);
    assert_string_equal(got, want);
  }
  char buf[32];
  assert_int_equal(tl_dec_format_units(-5, 2, buf), 5);
  assert_string_equal(buf, "-0.05");
  assert_int_equal(tl_dec_format_units(123456, 0, buf), 6);
  assert_string_equal(buf, "123456");
  assert_int_equal(tl_dec_format_units(INT64_MIN, 9, buf), 21);
  assert_string_equal(buf, "-9223372036.854775808");
}

static void test_format_cap(void **state) {
  char buf[8];
  memset(buf, 'x', sizeof buf);
  assert_int_equal(tl_dec_format(dec("12345"), 2, false, buf, 4), 3);
  assert_string_equal(buf, "123");
  assert_int_equal(tl_dec_format(dec("-1.25"), 2, false, buf, 1), 0);
  assert_string_equal(buf, "");
  assert_int_equal(tl_dec_format(dec("-1.25"), 2, false, buf, 6), 5);    /* just room */
  assert_string_equal(buf, "-1.25");
  assert_int_equal(tl_dec_format(dec("-1.25"), 2, false, buf, 5), 4);    /* one short */
  assert_string_equal(buf, "-1.2");
  assert_int_equal(tl_dec_format(dec("12345"), -1, false, buf, 4), 3);
  assert_string_equal(buf, "123");
  assert_int_equal(tl_dec_format(dec("1.5"), 20, false, buf, sizeof buf), 7);
  assert_string_equal(buf, "1.50000");
  assert_int_equal(tl_dec_format(dec("5"), -1, false, buf, 1), 0);
  assert_string_equal(buf, "");
  buf[0] = 'x';
  assert_int_equal(tl_dec_format(dec("5"), -1, false, buf, 0), 0);
  assert_int_equal(buf[0], 'x');
}

static void test_add_sub(void **state) {
  tl_dec r, ulp = tl_dec_from_raw(1), max = dmax(), min = tl_dec_from_raw(-dmax().raw);
  op_is(tl_dec_add, "0.1", "0.2", "0.3");
  op_is(tl_dec_add, "-5.25", "5.25", "0");
  op_is(tl_dec_add, "123456789012.5", "-0.000000001", "123456789012.499999999");
  op_is(tl_dec_sub, "0.3", "0.1", "0.2");
  op_is(tl_dec_sub, "1", "1.000000001", "-0.000000001");
  assert_int_equal(tl_dec_add(max, tl_dec_zero(), &r), TL_DEC_OK);
  assert_string_equal(str(r), MAX_TEXT);
  assert_int_equal(tl_dec_add(max, min, &r), TL_DEC_OK);
  assert_true(r.raw == 0);
  assert_int_equal(tl_dec_sub(max, max, &r), TL_DEC_OK);
  assert_true(r.raw == 0);
  assert_int_equal(tl_dec_sub(max, ulp, &r), TL_DEC_OK);
  assert_string_equal(str(r), "170141183460469231731687303715.884105726");
  op_fails(tl_dec_add, max, ulp, TL_DEC_OVERFLOW);
  op_fails(tl_dec_add, ulp, max, TL_DEC_OVERFLOW);
  op_fails(tl_dec_add, max, max, TL_DEC_OVERFLOW);
  op_fails(tl_dec_add, min, tl_dec_from_raw(-1), TL_DEC_OVERFLOW);
  op_fails(tl_dec_add, min, min, TL_DEC_OVERFLOW);
  op_fails(tl_dec_sub, min, ulp, TL_DEC_OVERFLOW);
  op_fails(tl_dec_sub, max, tl_dec_from_raw(-1), TL_DEC_OVERFLOW);
  op_fails(tl_dec_sub, max, min, TL_DEC_OVERFLOW);
  op_fails(tl_dec_sub, tl_dec_from_raw(-2), max, TL_DEC_OVERFLOW);
}

static void test_neg_abs(void **state) {
  tl_dec r = sentinel, raw_min = tl_dec_from_raw(-dmax().raw - 1);
  assert_int_equal(tl_dec_neg(dec("5.5"), &r), TL_DEC_OK);
  assert_string_equal(str(r), "-5.5");
  assert_int_equal(tl_dec_neg(dec("-5.5"), &r), TL_DEC_OK);
  assert_string_equal(str(r), "5.5");
  assert_int_equal(tl_dec_neg(tl_dec_zero(), &r), TL_DEC_OK);
  assert_true(r.raw == 0);
  assert_int_equal(tl_dec_abs(dec("-" MAX_TEXT), &r), TL_DEC_OK);
  assert_string_equal(str(r), MAX_TEXT);
  assert_int_equal(tl_dec_abs(dec("0.25"), &r), TL_DEC_OK);
  assert_string_equal(str(r), "0.25");
  r = sentinel;
  assert_int_equal(tl_dec_neg(raw_min, &r), TL_DEC_OVERFLOW);
  assert_int_equal(tl_dec_abs(raw_min, &r), TL_DEC_OVERFLOW);
  assert_true(r.raw == sentinel.raw);
}

static void test_mul(void **state) {
  op_is(tl_dec_mul, "1.5", "2", "3");
  op_is(tl_dec_mul, "-1.5", "2", "-3");
  op_is(tl_dec_mul, "1.5", "-2", "-3");
  op_is(tl_dec_mul, "-1.5", "-2", "3");
  op_is(tl_dec_mul, "0.1", "0.1", "0.01");
  op_is(tl_dec_mul, "60000", "0.05", "3000");
  op_is(tl_dec_mul, "123.45", "0.075", "9.25875");
  op_is(tl_dec_mul, "0.333333333", "3", "0.999999999");
  op_is(tl_dec_mul, "0", "-" MAX_TEXT, "0");
  op_is(tl_dec_mul, MAX_TEXT, "1", MAX_TEXT);
  op_is(tl_dec_mul, MAX_TEXT, "-1", "-" MAX_TEXT);
}

static void test_mul_rounding(void **state) {
  tl_dec r;
  /* Exact ties at the 10th place go to the even 9th digit. */
  op_is(tl_dec_mul, "0.000000005", "0.1", "0");
  op_is(tl_dec_mul, "0.000000015", "0.1", "0.000000002");
  op_is(tl_dec_mul, "0.000000025", "0.1", "0.000000002");
  op_is(tl_dec_mul, "0.000000035", "0.1", "0.000000004");
  op_is(tl_dec_mul, "1.5", "0.000000001", "0.000000002");
  op_is(tl_dec_mul, "2.5", "0.000000001", "0.000000002");
  op_is(tl_dec_mul, "-0.000000015", "0.1", "-0.000000002");
  op_is(tl_dec_mul, "-0.000000025", "0.1", "-0.000000002");
  /* Not ties: nearest. */
  op_is(tl_dec_mul, "0.000000016", "0.1", "0.000000002");
  op_is(tl_dec_mul, "0.000000014", "0.1", "0.000000001");
  op_is(tl_dec_mul, "0.000000251", "0.1", "0.000000025");
  op_is(tl_dec_mul, "2.500000001", "0.000000001", "0.000000003");
  /* A negative product that rounds to zero is plain zero. */
  assert_int_equal(tl_dec_mul(dec("-0.000000005"), dec("0.1"), &r), TL_DEC_OK);
  assert_true(r.raw == 0);
  /* The max times a half ends in an exact tie on an odd digit. */
  op_is(tl_dec_mul, MAX_TEXT, "0.5", "85070591730234615865843651857.942052864");
  op_is(tl_dec_mul, "-" MAX_TEXT, "0.5", "-85070591730234615865843651857.942052864");
}

static void test_mul_wide(void **state) {
  /* 10^23 x 10^19 raw is past 2^128, but the result is only 10^24. */
  op_is(tl_dec_mul, "100000000000000", "10000000000", "1000000000000000000000000");
  op_is(tl_dec_mul, "-100000000000000", "10000000000", "-1000000000000000000000000");
  op_is(tl_dec_mul, "123456789012345678.987654321", "98765432109.123456789",
        "12193263113609205899646395368.771833562");
  op_fails(tl_dec_mul, dec("1000000000000000"), dec("1000000000000000"), TL_DEC_OVERFLOW);
  op_fails(tl_dec_mul, dec("-1000000000000000"), dec("1000000000000000"), TL_DEC_OVERFLOW);
  op_fails(tl_dec_mul, dmax(), dec("1.000000001"), TL_DEC_OVERFLOW);
  op_fails(tl_dec_mul, dmax(), dmax(), TL_DEC_OVERFLOW);
  op_fails(tl_dec_mul, dmax(), dec("-2"), TL_DEC_OVERFLOW);
}

/* Products of two 64-bit magnitudes are divided by 10^9 in 64-bit steps;
** they must agree with the general 256-bit path (tl_dec_muldiv by 1). */
static void test_mul_fast_path(void **state) {
  (void)state;
  uint64_t s = 88172645463325252u;
  const tl_dec one = tl_dec_from_raw(TL_DEC_ONE_RAW);
  for (int i = 0; i < 200000; i++) {
    uint64_t v[2];
    for (int k = 0; k < 2; k++) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      int bits = (int)(s % 65);          /* every magnitude, 0 to 2^64 - 1 */
      uint64_t m = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
      v[k] = s & m;
      if (i % 7 == 0) v[k] = UINT64_MAX - (s % 5);
    }
    __int128 a = (__int128)v[0] * (i & 1 ? -1 : 1), b = (__int128)v[1] * (i & 2 ? -1 : 1);
    tl_dec want, got;
    tl_dec_status ws = tl_dec_muldiv(tl_dec_from_raw(a), tl_dec_from_raw(b), one, &want);
    tl_dec_status gs = tl_dec_mul(tl_dec_from_raw(a), tl_dec_from_raw(b), &got);
    assert_int_equal(gs, ws);
    if (gs == TL_DEC_OK) assert_true(got.raw == want.raw);
  }
}

/* xorshift64*: a fixed sequence, so failures reproduce. */
static uint64_t rng(void) {
  static uint64_t x = 0x9E3779B97F4A7C15u;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  return x * 0x2545F4914F6CDD1Du;
}

/* tl_dec_mul's inline case, one factor a whole number of cents: the same
** results as the wide path and as muldiv by one, ties and signs included,
** up to the 64-bit product's limit and past it (where it hands on). */
static void test_mul_cents(void **state) {
  (void)state;
  const tl_dec one = tl_dec_from_raw(TL_DEC_ONE_RAW);
  int inline_ties = 0;
  for (int i = 0; i < 300000; i++) {
    uint64_t t = rng(), s = rng();
    /* cents of every size to 2^63 / 10^7, and the other factor of any
    ** size to 2^64, or a multiple of 50 units less one, exactly, or more
    ** one (ties and their neighbours), or near the 64-bit limits */
    int64_t cents = (int64_t)(t & (((uint64_t)1 << (int)(t % 40)) - 1));
    if (i % 11 == 0) cents = INT64_MAX / TL_DEC_CENT_RAW - (int64_t)(t % 3);
    __int128 other = (__int128)(s & (((uint64_t)1 << (int)(s % 65 == 64 ? 63 : s % 64)) - 1));
    if (i % 5 == 1) other = (__int128)((s % 1000000) * 50) + (int)(s % 3) - 1;
    if (i % 13 == 2) other = (__int128)INT64_MAX - (__int128)(s % 4);
    if (i % 17 == 3) other = (__int128)INT64_MAX + 1 + (__int128)(s % 4);   /* not in 64 bits */
    __int128 a = (__int128)cents * TL_DEC_CENT_RAW * (i & 1 ? -1 : 1);
    __int128 b = other * (i & 2 ? -1 : 1);
    if (i & 4) {
      __int128 x = a;
      a = b;
      b = x;
    }
    tl_dec want, wide, got;
    tl_dec_status ws = tl_dec_muldiv(tl_dec_from_raw(a), tl_dec_from_raw(b), one, &want);
    assert_int_equal(tl_dec_mul_wide(tl_dec_from_raw(a), tl_dec_from_raw(b), &wide), ws);
    assert_int_equal(tl_dec_mul(tl_dec_from_raw(a), tl_dec_from_raw(b), &got), ws);
    if (ws != TL_DEC_OK) continue;
    assert_true(got.raw == want.raw && wide.raw == want.raw);
    __int128 p = (__int128)cents * other;
    if (p % 100 == 50 && p < ((__int128)1 << 63)) inline_ties++;
  }
  assert_true(inline_ties > 1000);   /* the ties were met, on the inline path */
  /* by hand: 0.5 of a cent each way, to the even cent's neighbour at 1e-9 */
  op_is(tl_dec_mul, "0.01", "0.000000050", "0");
  op_is(tl_dec_mul, "0.01", "0.000000150", "0.000000002");
  op_is(tl_dec_mul, "-0.01", "0.000000250", "-0.000000002");
  op_is(tl_dec_mul, "0.01", "-0.000000350", "-0.000000004");
  op_is(tl_dec_mul, "1576.16", "1.083512", "1707.78827392");
}

/* tl_dec_round's inline case, a cent: what the general path gives, both
** ways of breaking ties, values of every size to the 64-bit limits and
** past them, ties and their neighbours. */
static void test_round_cents(void **state) {
  (void)state;
  const tl_dec cent = tl_dec_from_raw(TL_DEC_CENT_RAW);
  int ties = 0;
  for (int i = 0; i < 200000; i++) {
    uint64_t s = rng();
    __int128 v = (__int128)(s & (((uint64_t)1 << (int)(s % 64)) - 1));
    if (i % 3 == 0) v = (__int128)(s % 100000000) * TL_DEC_CENT_RAW + TL_DEC_CENT_RAW / 2 + (int)(s % 3) - 1;
    if (i % 7 == 1) v = (__int128)INT64_MAX - (__int128)(s % 8);
    if (i % 11 == 2) v = (__int128)INT64_MAX + 1 + (__int128)(s % 8);   /* not in 64 bits */
    if (i & 8) v = -v;
    for (int m = 0; m < 2; m++) {
      tl_round_mode mode = m ? TL_ROUND_HALF_UP : TL_ROUND_HALF_EVEN;
      tl_dec want, got;
      tl_dec_status ws = tl_dec_round_wide(tl_dec_from_raw(v), cent, mode, &want);
      assert_int_equal(tl_dec_round(tl_dec_from_raw(v), cent, mode, &got), ws);
      if (ws == TL_DEC_OK) assert_true(got.raw == want.raw);
    }
    if (v % TL_DEC_CENT_RAW == TL_DEC_CENT_RAW / 2 || v % TL_DEC_CENT_RAW == -TL_DEC_CENT_RAW / 2) ties++;
  }
  assert_true(ties > 10000);
  tl_dec r;
  assert_int_equal(tl_dec_round(dec("2.345"), cent, TL_ROUND_HALF_EVEN, &r), TL_DEC_OK);
  assert_string_equal(str(r), "2.34");
  assert_int_equal(tl_dec_round(dec("-2.345"), cent, TL_ROUND_HALF_UP, &r), TL_DEC_OK);
  assert_string_equal(str(r), "-2.35");
  assert_int_equal(tl_dec_round(dec("-2.355"), cent, TL_ROUND_HALF_EVEN, &r), TL_DEC_OK);
  assert_string_equal(str(r), "-2.36");
}

static void test_div(void **state) {
  op_is(tl_dec_div, "1", "3", "0.333333333");
  op_is(tl_dec_div, "2", "3", "0.666666667");
  op_is(tl_dec_div, "-2", "3", "-0.666666667");
  op_is(tl_dec_div, "2", "-3", "-0.666666667");
  op_is(tl_dec_div, "-2", "-3", "0.666666667");
  op_is(tl_dec_div, "1", "8", "0.125");
  op_is(tl_dec_div, "10", "4", "2.5");
  op_is(tl_dec_div, "0", "5", "0");
  op_is(tl_dec_div, "250000", "1000000", "0.25");
  op_is(tl_dec_div, "1", MAX_TEXT, "0");
  op_is(tl_dec_div, MAX_TEXT, MAX_TEXT, "1");
  op_is(tl_dec_div, MAX_TEXT, "-1", "-" MAX_TEXT);
  /* Ties at the 10th place. */
  op_is(tl_dec_div, "1", "2000000000", "0");
  op_is(tl_dec_div, "3", "2000000000", "0.000000002");
  op_is(tl_dec_div, "5", "2000000000", "0.000000002");
  op_is(tl_dec_div, "-3", "2000000000", "-0.000000002");
  op_fails(tl_dec_div, dec("5"), tl_dec_zero(), TL_DEC_DIVZERO);
  op_fails(tl_dec_div, tl_dec_zero(), tl_dec_zero(), TL_DEC_DIVZERO);
  op_fails(tl_dec_div, dmax(), tl_dec_zero(), TL_DEC_DIVZERO);
}

static void test_div_wide(void **state) {
  /* Numerators too big for a * 10^9 in 128 bits, by small and large divisors. */
  op_is(tl_dec_div, "10000000000000000000000000", "3", "3333333333333333333333333.333333333");
  op_is(tl_dec_div, "10000000000000000000000000", "7000000000000", "1428571428571.428571429");
  op_is(tl_dec_div, "-" MAX_TEXT, "2", "-85070591730234615865843651857.942052864");
  op_is(tl_dec_div, "100000000000000000000", "0.000000001", "100000000000000000000000000000");
  op_fails(tl_dec_div, dec("1000000000000000000000"), dec("0.000000001"), TL_DEC_OVERFLOW);
  op_fails(tl_dec_div, dmax(), dec("0.5"), TL_DEC_OVERFLOW);
  op_fails(tl_dec_div, dmax(), dec("-0.999999999"), TL_DEC_OVERFLOW);
}

static void test_mul_int(void **state) {
  tl_dec r = sentinel;
  assert_int_equal(tl_dec_mul_int(dec("2.5"), 4, &r), TL_DEC_OK);
  assert_string_equal(str(r), "10");
  assert_int_equal(tl_dec_mul_int(dec("-2.5"), 3, &r), TL_DEC_OK);
  assert_string_equal(str(r), "-7.5");
  assert_int_equal(tl_dec_mul_int(dec("1"), INT64_MIN, &r), TL_DEC_OK);
  assert_string_equal(str(r), "-9223372036854775808");
  assert_int_equal(tl_dec_mul_int(dec("100000000000"), INT64_MAX, &r), TL_DEC_OVERFLOW);
  assert_int_equal(tl_dec_mul_int(dmax(), 2, &r), TL_DEC_OVERFLOW);
  assert_string_equal(str(r), "-9223372036854775808");
}

static void test_muldiv_int(void **state) {
  tl_dec r = sentinel;
  muldiv_is("60000", 13, 28, "27857.142857143");
  muldiv_is("-60000", 13, 28, "-27857.142857143");
  muldiv_is("60000", -13, 28, "-27857.142857143");
  muldiv_is("60000", 13, -28, "-27857.142857143");
  muldiv_is("60000", -13, -28, "27857.142857143");
  muldiv_is("10000", 13, 28, "4642.857142857");
  muldiv_is("0.000000001", 1, 2, "0");
  muldiv_is("0.000000003", 1, 2, "0.000000002");
  muldiv_is("0.000000005", 1, 2, "0.000000002");
  muldiv_is("-0.000000003", 1, 2, "-0.000000002");
  muldiv_is("100000000000000000000", 1000000000000000000, 1000000000000000000,
            "100000000000000000000");
  muldiv_is("100000000000000000000", INT64_MAX, INT64_MAX, "100000000000000000000");
  muldiv_is(MAX_TEXT, 2, 2, MAX_TEXT);
  muldiv_is(MAX_TEXT, INT64_MIN, INT64_MIN, MAX_TEXT);
  muldiv_is(MAX_TEXT, 3, 2, NULL);
  muldiv_is("1", INT64_MAX, 1, "9223372036854775807");
  assert_int_equal(tl_dec_muldiv_int(dec("5"), 1, 0, &r), TL_DEC_DIVZERO);
  assert_int_equal(tl_dec_muldiv_int(dec("0"), 0, 0, &r), TL_DEC_DIVZERO);
  assert_true(r.raw == sentinel.raw);
}

static void test_round_ties(void **state) {
  const tl_round_mode up = TL_ROUND_HALF_UP, even = TL_ROUND_HALF_EVEN;
  round_is("0.125", "0.01", up, "0.13");
  round_is("0.125", "0.01", even, "0.12");
  round_is("-0.125", "0.01", up, "-0.13");
  round_is("-0.125", "0.01", even, "-0.12");
  round_is("2.5", "1", up, "3");
  round_is("2.5", "1", even, "2");
  round_is("-2.5", "1", up, "-3");
  round_is("-2.5", "1", even, "-2");
  round_is("3.5", "1", up, "4");
  round_is("3.5", "1", even, "4");
  round_is("1545.055", "0.01", up, "1545.06");
  round_is("1545.055", "0.01", even, "1545.06");
  round_is("-1.005", "0.01", up, "-1.01");
  round_is("-1.005", "0.01", even, "-1");
  round_is("0.5", "1", even, "0");
  round_is("-0.5", "1", even, "0");
  round_is("-0.5", "1", up, "-1");
}

static void test_round_units(void **state) {
  const tl_round_mode up = TL_ROUND_HALF_UP, even = TL_ROUND_HALF_EVEN;
  round_is("1.004", "0.01", up, "1");
  round_is("1.006", "0.01", up, "1.01");
  round_is("-1.006", "0.01", even, "-1.01");
  round_is("1.02", "0.05", up, "1");
  round_is("1.03", "0.05", even, "1.05");
  round_is("1.025", "0.05", up, "1.05");
  round_is("1.025", "0.05", even, "1");
  round_is("1.075", "0.05", up, "1.1");
  round_is("1.075", "0.05", even, "1.1");
  round_is("-1.025", "0.05", up, "-1.05");
  round_is("1545.5", "1", up, "1546");
  round_is("1545.5", "1", even, "1546");
  round_is("1546.5", "1", up, "1547");
  round_is("1546.5", "1", even, "1546");
  round_is("1546.49", "1", up, "1546");
  round_is("12500", "1000", up, "13000");
  round_is("12500", "1000", even, "12000");
  round_is("0", "0.01", up, "0");
  round_is("7.123456789", "0.000000001", even, "7.123456789");
  /* Operands past 64 bits take the wide division. */
  round_is("123456789012345.675", "0.01", even, "123456789012345.68");
  round_is("123456789012345.665", "0.01", even, "123456789012345.66");
  round_is("123456789012345.665", "0.01", up, "123456789012345.67");
  round_is("-123456789012345.665", "0.01", up, "-123456789012345.67");
  round_is("5", "100000000000000000000", up, "0");
  round_is("50000000000000000000", "100000000000000000000", up, "100000000000000000000");
  round_is(MAX_TEXT, "0.000000001", up, MAX_TEXT);
  round_is(MAX_TEXT, "0.01", up, "170141183460469231731687303715.88");
}

static void test_round_errors(void **state) {
  tl_dec r = sentinel;
  assert_int_equal(tl_dec_round(dmax(), dec("1"), TL_ROUND_HALF_UP, &r), TL_DEC_OVERFLOW);
  assert_int_equal(tl_dec_round(tl_dec_from_raw(-dmax().raw), dec("1"), TL_ROUND_HALF_EVEN, &r),
                   TL_DEC_OVERFLOW);
  assert_int_equal(tl_dec_round(dec("1.5"), tl_dec_zero(), TL_ROUND_HALF_UP, &r), TL_DEC_SYNTAX);
  assert_int_equal(tl_dec_round(dec("1.5"), dec("-0.01"), TL_ROUND_HALF_UP, &r), TL_DEC_SYNTAX);
  assert_true(r.raw == sentinel.raw);
}

static void test_places(void **state) {
  assert_int_equal(tl_dec_places(dec("0.01")), 2);
  assert_int_equal(tl_dec_places(dec("1")), 0);
  assert_int_equal(tl_dec_places(dec("0.05")), 2);
  assert_int_equal(tl_dec_places(dec("0.5")), 1);
  assert_int_equal(tl_dec_places(dec("0.25")), 2);
  assert_int_equal(tl_dec_places(dec("1.5")), 1);
  assert_int_equal(tl_dec_places(dec("100")), 0);
  assert_int_equal(tl_dec_places(dec("0.000000001")), 9);
  assert_int_equal(tl_dec_places(dec("0.010")), 2);
  assert_int_equal(tl_dec_places(dec("-0.001")), 3);
  assert_int_equal(tl_dec_places(tl_dec_zero()), 0);
}

static void test_int_conversions(void **state) {
  int64_t i = 12345;
  assert_true(tl_dec_from_int(7).raw == 7000000000);
  assert_string_equal(str(tl_dec_from_int(INT64_MIN)), "-9223372036854775808");
  assert_string_equal(str(tl_dec_from_int(INT64_MAX)), "9223372036854775807");
  assert_true(tl_dec_to_int(dec("5.9"), &i) && i == 5);
  assert_true(tl_dec_to_int(dec("-5.9"), &i) && i == -5);
  assert_true(tl_dec_to_int(dec("-0.9"), &i) && i == 0);
  assert_true(tl_dec_to_int(dec("9223372036854775807.999999999"), &i) && i == INT64_MAX);
  assert_true(tl_dec_to_int(dec("-9223372036854775808.999999999"), &i) && i == INT64_MIN);
  i = 12345;
  assert_false(tl_dec_to_int(dec("9223372036854775808"), &i));
  assert_false(tl_dec_to_int(dec("-9223372036854775809"), &i));
  assert_false(tl_dec_to_int(dmax(), &i));
  assert_int_equal(i, 12345);
}

static void test_compare(void **state) {
  tl_dec a = dec("-1.5"), b = dec("2");
  assert_int_equal(tl_dec_cmp(a, b), -1);
  assert_int_equal(tl_dec_cmp(b, a), 1);
  assert_int_equal(tl_dec_cmp(a, dec("-1.50")), 0);
  assert_string_equal(str(tl_dec_min(a, b)), "-1.5");
  assert_string_equal(str(tl_dec_max(a, b)), "2");
  assert_true(tl_dec_is_neg(a) && !tl_dec_is_neg(b) && !tl_dec_is_neg(tl_dec_zero()));
  assert_true(tl_dec_is_zero(dec("-0.000")) && !tl_dec_is_zero(tl_dec_from_raw(1)));
}

static void test_status_str(void **state) {
  assert_string_equal(tl_dec_status_str(TL_DEC_OK), "ok");
  assert_string_equal(tl_dec_status_str(TL_DEC_OVERFLOW), "overflow");
  assert_string_equal(tl_dec_status_str(TL_DEC_DIVZERO), "division by zero");
  assert_string_equal(tl_dec_status_str(TL_DEC_SYNTAX), "not a plain decimal number");
  assert_string_equal(tl_dec_status_str(TL_DEC_PRECISION), "more than 9 decimal places");
  assert_string_equal(tl_dec_status_str((tl_dec_status)99), "unknown decimal status");
}

static void test_roundtrip(void **state) {
  for (int i = 0; i < 20000; i++) {
    unsigned __int128 u = ((unsigned __int128)rng() << 64 | rng()) >> (1 + rng() % 127);
    tl_dec d = tl_dec_from_raw(i & 1 ? -(__int128)u : (__int128)u), back = sentinel;
    char buf[64];
    size_t n = tl_dec_format(d, -1, false, buf, sizeof buf);
    assert_int_equal(tl_dec_parse(buf, n, 0, &back), TL_DEC_OK);
    assert_true(back.raw == d.raw);
    n = tl_dec_format(d, 9, false, buf, sizeof buf);
    back = sentinel;
    assert_int_equal(tl_dec_parse(buf, n, 0, &back), TL_DEC_OK);
    assert_true(back.raw == d.raw);
  }
}

/* What tl_dec_parse must say of s[0 .. n) without underscores, worked out
** the plain way: the grammar, then the places, then the range. */
static tl_dec_status parse_ref(const char *s, size_t n, tl_dec *out) {
  size_t p = 0, d0, f0, nf = 0;
  bool neg = n > 0 && s[0] == '-';
  if (n > 0 && (s[0] == '-' || s[0] == '+')) p++;
  for (d0 = p; p < n && s[p] >= '0' && s[p] <= '9'; p++) {}
  if (p == d0) return TL_DEC_SYNTAX;
  size_t d1 = p;
  if (p < n && s[p] == '.') {
    for (f0 = ++p; p < n && s[p] >= '0' && s[p] <= '9'; p++) {}
    if (p == f0) return TL_DEC_SYNTAX;
    nf = p - f0;
  } else {
    f0 = p;
  }
  if (p != n) return TL_DEC_SYNTAX;
  if (nf > 9) return TL_DEC_PRECISION;
  unsigned __int128 m = 0, max = (unsigned __int128)-1 >> 1;
  for (size_t i = d0; i < d1; i++) {
    if (m > max / 10) return TL_DEC_OVERFLOW;
    m = m * 10 + (unsigned)(s[i] - '0');
  }
  for (size_t i = 0; i < 9; i++) {
    if (m > max / 10) return TL_DEC_OVERFLOW;
    m = m * 10 + (i < nf ? (unsigned)(s[f0 + i] - '0') : 0);
  }
  if (m > max) return TL_DEC_OVERFLOW;
  out->raw = neg ? -(__int128)m : (__int128)m;
  return TL_DEC_OK;
}

/* Cells of the usual shape (a sign, up to ten digits, a point, up to eleven
** more, now and then a stray byte) and random bytes among digits, each
** parsed from a buffer that goes on with digits: status and value as the
** reference's, and nothing read past the cell. */
static void test_parse_cells(void **state) {
  static const char alphabet[] = "0123456789012345678901234567890123456789.-+_ x:/\0\xff";
  char buf[64];
  for (int i = 0; i < 400000; i++) {
    size_t n;
    if (i % 2) {                /* sign, digits, point, digits */
      size_t a = rng() % 11, b = rng() % 12;
      n = 0;
      if (rng() % 4 == 0) buf[n++] = rng() % 2 ? '-' : '+';
      for (size_t k = 0; k < a; k++) buf[n++] = (char)('0' + rng() % 10);
      if (rng() % 5) buf[n++] = '.';
      for (size_t k = 0; k < b; k++) buf[n++] = (char)('0' + rng() % 10);
      if (rng() % 16 == 0) buf[rng() % (n + 1)] = alphabet[rng() % (sizeof alphabet - 1)];
    } else {
      n = rng() % 24;
      for (size_t k = 0; k < n; k++) buf[k] = alphabet[rng() % (sizeof alphabet - 1)];
    }
    for (size_t k = n; k < sizeof buf; k++) buf[k] = (char)('0' + k % 10);
    tl_dec got = sentinel, want = sentinel;
    tl_dec_status st = parse_ref(buf, n, &want);
    if (tl_dec_parse(buf, n, 0, &got) != st || got.raw != want.raw) {
      print_error("cell \"%.*s\": expected status %d\n", (int)n, buf, (int)st);
      fail();
    }
  }
}

struct binvec { binop f; const char *a, *b, *want; };
struct mdvec { const char *a; int64_t num, den; const char *want; };

/* want NULL: overflow. */
static const struct binvec binvecs[] = {
  { tl_dec_mul, "-0.00001173", "0.000109137", "-0.000000001" },
  { tl_dec_mul, "0.000402397", "0.000186194", "0.000000075" },
  { tl_dec_mul, "-287.918343886", "-305277336.76940179", "87894945228.574856856" },
  { tl_dec_mul, "437612188406226262.853553851", "799549643318085627.481110139", NULL },
  { tl_dec_mul, "221035252.290596051", "403534867002947434.389789357",
    "89195431136048609694967286.545667346" },
  { tl_dec_mul, "536802361601166285.037265576", "0.000477692", "256426193717984.325032021" },
  { tl_dec_mul, "126631727162795287275994141859.374612976", "-772813803440019362000.664404328",
    NULL },
  { tl_dec_mul, "752194854781579540608.414433625", "51275724.503585146",
    "38569336146794508573914381644.073130886" },
  { tl_dec_mul, "232276568.857070528", "-868520289044462248.861299313",
    "-201736912721998833281114387.552018985" },
  { tl_dec_mul, "721898227.273744673", "444.928870555", "321193362916.563914163" },
  { tl_dec_mul, "656178359148490884674.324515638", "674294783053047357426295678.897737766", NULL },
  { tl_dec_mul, "-454450080965812775653.214950661", "535.014650809",
    "-243137451378046099632975.853706113" },
  { tl_dec_mul, "338.805213326", "6341940401.74529569", "2148682470714.093048967" },
  { tl_dec_mul, "861941962901485984.517777715", "-14644202172.626448763",
    "-12622452365799846952940226572.479195981" },
  { tl_dec_mul, "-626.343751581", "518.919041261", "-325021.69907023" },
  { tl_dec_mul, "1024060528135.102304224", "955765729148.789221092",
    "978761957365540232618515.162485223" },
  { tl_dec_mul, "585804728724401317140.443192163", "-1141468698667441911072.904111539", NULL },
  { tl_dec_mul, "-164684422679635121126776063069.821922122", "0.000173318",
    "-28542774769988999923450573.699135396" },
  { tl_dec_mul, "-153279741536845903816732179254.309216375",
    "-44670347167859768517219433722.632782204",
    NULL },
  { tl_dec_mul, "-0.000450612", "26433148782374214546878980923.834121169",
    "-11911094039123209565398231.352050741" },
  { tl_dec_mul, "-98060919530025647746025557094.593012546", "1710122900.838732589", NULL },
  { tl_dec_mul, "0.000037498", "-279276621508083570672.268821518", "-10472314753310117.733068736" },
  { tl_dec_mul, "-969998110869.541756228", "-464.28007042", "450350791221777.814014666" },
  { tl_dec_mul, "10277382801807828576746933218.929870904", "-916879124881500356325700478.260677697",
    NULL },
  { tl_dec_mul, "18403061482957176528105384142.378626199", "117639623848.146803936", NULL },
  { tl_dec_mul, "11729996973.708675094", "1028185429167011590.465574873",
    "12060611972540401273281471201.567140206" },
  { tl_dec_mul, "14045527365.052524726", "1078423265203497109.557559509",
    "15147023482525014832505944146.196766579" },
  { tl_dec_mul, "0.001033646", "1038702576.094907754", "1073650.762970197" },
  { tl_dec_mul, "101983579470300139587728107457.958515509", "443216849264324623301226767.981912587",
    NULL },
  { tl_dec_mul, "-1217005259582356555827360682.070896975",
    "63342151672616383126406350366.710841066",
    NULL },
  { tl_dec_mul, "0.000276421", "1289523308444199119008884256.023116063",
    "356451322443453964675554.794934166" },
  { tl_dec_mul, "16923886142.111589565", "761661368013963643.08861606",
    "12890270271113274822493246532.650714443" },
  { tl_dec_mul, "760795076512923161788.314485662", "45131374672142709070494371.339497614", NULL },
  { tl_dec_mul, "-239880835665843435.145976187", "-531452213673053953322.080594483", NULL },
  { tl_dec_mul, "115655443.22056995", "305490127.922973524", "35331596144440115.036955006" },
  { tl_dec_mul, "-1180977102260315175392.649843603", "-453.790873206",
    "535916630470999979762203.616442805" },
  { tl_dec_mul, "117824595413699875744371717795.161568736", "316.872182868", NULL },
  { tl_dec_mul, "35316846656192176317.188765107", "-152546281941934712028079724145.335321372",
    NULL },
  { tl_dec_mul, "168683453300772166771942434368.93095521", "-0.000590712",
    "-99643340066205728178187659.290939942" },
  { tl_dec_mul, "355788708564186871.440283963", "-10232501403.646010931",
    "-3640608459784443672425724316.193015243" },
  { tl_dec_div, "-9810898090253416403930038199.993559737", "-135643977516.325599273",
    "72328298461113863.954306049" },
  { tl_dec_div, "60002718303949915044448999388.789183412", "319332895.903061839",
    "187900210325229430433.906666096" },
  { tl_dec_div, "963544547.215360562", "20304466359562834285748041918.682630727", "0" },
  { tl_dec_div, "0.000141237", "164777166.971089586", "0" },
  { tl_dec_div, "648595574066453398943036375.699692648", "-768697831873334304985.040298875",
    "-843758.818059641" },
  { tl_dec_div, "2068931725880744200967463770.208210877", "1026730080.104026984",
    "2015068776080976096.112026334" },
  { tl_dec_div, "-112432313818118746021061424339.192789479", "-7695984464.719655711",
    "14609217876353179049.647905732" },
  { tl_dec_div, "72801034768045301471462890137.172696984", "0.00018369", NULL },
  { tl_dec_div, "0.000678035", "578585013853075590830.82569542", "0" },
  { tl_dec_div, "-11425119471635822594041209666.760232138", "0.000209568", NULL },
  { tl_dec_div, "4447098611.309500565", "1234312726474712849336680043.806592841", "0" },
  { tl_dec_div, "-420904222.847847738", "242277139124632163.721628842", "-0.000000002" },
  { tl_dec_div, "501032658.512917909", "618962513516165199842452012.978495808", "0" },
  { tl_dec_div, "-84324462202575938791984467.777034651", "11615105160117051467486271852.424947999",
    "-0.007259897" },
  { tl_dec_div, "-13477635913.568052882", "0.000165292", "-81538343740580.626297703" },
  { tl_dec_div, "-132517950401994761582828016908.380092827",
    "88472678589919395826739648244.500420064",
    "-1.497840379" },
  { tl_dec_div, "129021119813187530332794711966.566277136",
    "-17099039324399831441059030667.492315007",
    "-7.545518632" },
  { tl_dec_div, "1123766096371976592.180126317", "-680967322891327772312.443162335",
    "-0.00165025" },
  { tl_dec_div, "284146742610343324382285883.660999127", "348478790463256361042999536.678631617",
    "0.815391784" },
  { tl_dec_div, "-101929028727852818347649630894.555504124",
    "-135694342445440096896691188094.940410173",
    "0.751166385" },
  { tl_dec_div, "39700753602302156665831652687.722575829",
    "79848608276656714192838228161.736237713",
    "0.49720032" },
  { tl_dec_div, "3815857410.68104086", "-1264158691932404276317.744092853", "0" },
  { tl_dec_div, "726631034489236992914627758.299108932", "-0.000326144", NULL },
  { tl_dec_div, "0.00047713", "672550709461.906479089", "0" },
  { tl_dec_div, "1220625973021218575827.797075235", "0.000418801",
    "2914572727909481056224309.577185823" },
  { tl_dec_div, "1188505398061504249736352803.656705463", "1040.294685738",
    "1142469931217961995545038.135943632" },
  { tl_dec_div, "71017998944586791926700014936.119719567", "1059486988.630244623",
    "67030553189145109352.230957083" },
  { tl_dec_div, "762356172553.345616172", "31368114968830598159370499049.895785115", "0" },
  { tl_dec_div, "41775537762641247371625931305.772968096",
    "82190202293622097775123737772.452335533",
    "0.508278804" },
  { tl_dec_div, "924116197282149171390.642615657", "-99539205575080982513012225843.62059743",
    "-0.000000009" },
  { tl_dec_div, "-520104753552.143127822", "67667028238288255900.53585013", "-0.000000008" },
  { tl_dec_div, "642.322337064", "-400876246880.001977968", "-0.000000002" },
  { tl_dec_div, "4820057005.647031818", "43446073964865423186943927.028090941", "0" },
  { tl_dec_div, "-14888774395.377819055", "-23693812087.133839617", "0.628382395" },
  { tl_dec_div, "-440262326945367407938963257.017462115", "914517167557.045209477",
    "-481415048906564.113930325" },
  { tl_dec_div, "810074428854044012194.598850172", "-907552983.067048396",
    "-892591886058.730697767" },
  { tl_dec_div, "625602589134960111.335117003", "853728391721578071.743001283", "0.732788783" },
  { tl_dec_div, "14163545440840352777736331938.923958426", "1078846957037043556267401435.204827997",
    "13.128410242" },
  { tl_dec_div, "-228206388432924178072.19084228", "0.000841808",
    "-271090781309899856109933.431708893" },
  { tl_dec_div, "43851987593546097752609400900.655034962", "161.361582721",
    "271762255018084241914352714.26879496" },
};

static const struct mdvec mdvecs[] = {
  { "-0.000709713", -2910046LL, -15LL, "-137.686498453" },
  { "-39973256770234583753753520866.233221138", -5361368LL, 27LL, NULL },
  { "0.000164187", -3LL, 6649466LL, "0" },
  { "133078179614025939988.304211767", -7LL, -25LL, "37261890291927263196.725179295" },
  { "303124325791460896530495733.135664141", 3206128LL, 6735064LL,
    "144297869834811509032657332.415368377" },
  { "0.000967353", -5984712161585LL, -1624996006741LL, "0.003562673" },
  { "1043.605733313", -5228841999844LL, -8289636LL, "658273715.471344104" },
  { "7829860172.688333852", 7918310LL, -1828606245626219440LL, "-0.0339052" },
  { "156923743441708249299854281884.734533096", -7LL, -13LL,
    "84497400314765980392229228707.16474859" },
  { "202592169976866280381137752.814555716", 927793775103LL, -2852938672930812561LL,
    "-65884260314663898733.66282159" },
  { "170.325631043", -7543209134116236011LL, 5627824510725LL, "-228294584.063381881" },
  { "165329218.078165865", -7LL, -14LL, "82664609.039082932" },
  { "-869997481271592416388.756129389", -4786437391700LL, 3319931LL,
    "1254299705338204440033632693.318045729" },
  { "72252435462248129502743685173.193733163", 0LL, 3969438902875507718LL, "0" },
  { "0.000897308", 1368651619108LL, -4667476574689075816LL, "0" },
  { "-26937855420041253369848941120.036616086", -7843742LL, 28LL, NULL },
  { "-122094097949526539273545343040.061305867", 1LL, 5943196294025LL,
    "-20543507552034583.965694013" },
  { "-106160624713030158917585157196.685832021", 2LL, -2712936LL,
    "78262535285041857911565.298404891" },
  { "611820350451276399303.34291824", -8286218LL, 31LL, "-163537961312118536222017662.88041343" },
  { "-0.001023728", -2037512171778LL, 5277121258558254012LL, "0" },
  { "400347528766.072211441", 7001113644048LL, 2809618LL, "997601291707644001.84993457" },
  { "-416661259234963610479.035697175", 347356LL, 30LL, "-4824326278760667329385197.454263977" },
  { "10916632815.395935445", -6276979287287322973LL, -3575313586369365227LL,
    "19165725303.202041537" },
  { "-0.000298283", 1529437766323523631LL, 3251394LL, "-140310674.514463519" },
  { "34069218216006855704.122959894", 441235LL, -964455043465003939LL, "-15586554.916579948" },
  { "1136182154180498054322893171.529903122", 2667657186622LL, 3697486511709LL,
    "819731046837639582497956990.961924492" },
  { "14186665786817244646714415523.182499594", -5378209LL, -4995778592659756132LL,
    "15272665151085292.93860869" },
  { "-1715731194003460289759463216.146914915", -7823134851993LL, 1284031067832LL,
    "10453326898953345575966556922.737172076" },
  { "-1057.429464515", 3682793LL, 4420354881034LL, "-0.000880991" },
  { "968391834.923785654", 1657937LL, 6581232661997512161LL, "0.000243956" },
};

static void test_vectors(void **state) {
  for (size_t i = 0; i < sizeof binvecs / sizeof binvecs[0]; i++) {
    const struct binvec *v = &binvecs[i];
    if (v->want) op_is(v->f, v->a, v->b, v->want);
    else op_fails(v->f, dec(v->a), dec(v->b), TL_DEC_OVERFLOW);
  }
  for (size_t i = 0; i < sizeof mdvecs / sizeof mdvecs[0]; i++)
    muldiv_is(mdvecs[i].a, mdvecs[i].num, mdvecs[i].den, mdvecs[i].want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_valid),
    cmocka_unit_test(test_parse_syntax),
    cmocka_unit_test(test_parse_precision),
    cmocka_unit_test(test_parse_overflow),
    cmocka_unit_test(test_parse_underscore),
    cmocka_unit_test(test_format_places),
    cmocka_unit_test(test_format_shortest),
    cmocka_unit_test(test_format_group),
    cmocka_unit_test(test_format_paths_agree),
    cmocka_unit_test(test_format_units),
    cmocka_unit_test(test_format_cap),
    cmocka_unit_test(test_add_sub),
    cmocka_unit_test(test_neg_abs),
    cmocka_unit_test(test_mul),
    cmocka_unit_test(test_mul_rounding),
    cmocka_unit_test(test_mul_wide),
    cmocka_unit_test(test_mul_fast_path),
    cmocka_unit_test(test_mul_cents),
    cmocka_unit_test(test_round_cents),
    cmocka_unit_test(test_div),
    cmocka_unit_test(test_div_wide),
    cmocka_unit_test(test_mul_int),
    cmocka_unit_test(test_muldiv_int),
    cmocka_unit_test(test_round_ties),
    cmocka_unit_test(test_round_units),
    cmocka_unit_test(test_round_errors),
    cmocka_unit_test(test_places),
    cmocka_unit_test(test_int_conversions),
    cmocka_unit_test(test_compare),
    cmocka_unit_test(test_status_str),
    cmocka_unit_test(test_roundtrip),
    cmocka_unit_test(test_parse_cells),
    cmocka_unit_test(test_vectors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
