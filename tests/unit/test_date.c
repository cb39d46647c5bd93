/*
** test_date.c: unit tests for runtime/date.c.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/date.h"

static const char *const BAD_START = "the plan year must start on the first day of a month";
static const char *const BAD_LENGTH =
  "the plan year must last exactly 12 months (2026-01-01 to 2026-12-31)";
static const char *const BAD_RANGE = "the plan year must lie between 0001-01-01 and 9999-12-31";

static tl_date D(const char *s) {
  tl_date d;
  assert_true(tl_date_parse(s, strlen(s), &d));
  return d;
}

static const char *str(tl_date d) {
  static char buf[4][11];
  static int k;
  char *b = buf[k++ % 4];
  tl_date_format(d, b);
  return b;
}

static void cal(tl_cal *c, const char *start, const char *end, tl_period_kind kind) {
  assert_null(tl_cal_init(c, D(start), D(end), kind));
}

static void period_is(const tl_cal *c, int i, const char *name, const char *start,
                      const char *end) {
  assert_string_equal(c->name[i], name);
  assert_string_equal(str(c->pstart[i]), start);
  assert_string_equal(str(c->pend[i]), end);
}

static void test_parse_valid(void **state) {
  assert_int_equal(D("1970-01-01"), 0);
  assert_int_equal(D("1970-01-02"), 1);
  assert_int_equal(D("1969-12-31"), -1);
  assert_int_equal(D("2026-01-01"), 20454);
  assert_int_equal(D("2024-02-29"), 19782);
  assert_int_equal(D("2100-12-31"), 47846);
  assert_int_equal(D("0001-01-01"), -719162);
  assert_int_equal(D("9999-12-31"), 2932896);
  assert_int_equal(D("2000-02-29"), D("2000-02-28") + 1);
  assert_int_equal(D("2000-03-01"), D("2000-02-29") + 1);
  assert_int_equal(D("1900-03-01"), D("1900-02-28") + 1);
}

/* Every day of years around the leap rules: parsed as tl_date_valid_ymd and
** tl_date_from_ymd say (the parser has its own unrolled copy of both). */
static void test_parse_every_day(void **state) {
  (void)state;
  static const int years[] = { 1, 2, 3, 4, 99, 100, 101, 399, 400, 401, 1600, 1900, 1999,
                               2000, 2023, 2024, 2100, 2400, 9996, 9999 };
  for (size_t i = 0; i < sizeof years / sizeof years[0]; i++)
    for (int m = 0; m <= 13; m++)
      for (int d = 0; d <= 32; d++) {
        char s[48];
        snprintf(s, sizeof s, "%04d-%02d-%02d", years[i], m, d);
        tl_date got = 12345;
        bool ok = tl_date_parse(s, 10, &got);
        assert_int_equal(ok, tl_date_valid_ymd(years[i], m, d));
        if (ok) assert_int_equal(got, tl_date_from_ymd(years[i], m, d));
        else assert_int_equal(got, 12345);
      }
}

static void test_parse_invalid(void **state) {
  static const char *const bad[] = {
    "2026-02-29", "1900-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-01-00",
    "2026-01-32", "2026-04-31", "2026-06-31", "0000-01-01", "0000-12-31", "2026-1-01",
    "2026-01-1", "2026/01/01", "2026-01-01 ", " 2026-01-01", "", "+026-01-01", "-026-01-01",
    "2026-0a-01", "20260101xx", "2026--1-01", "2026-01--1", "26-01-01", "2026-01-01T00:00",
    "01/01/2026", "2026-99-99", "2026-01 01",
    /* each digit in turn just below '0' and just above '9' */
    "/026-01-01", ":026-01-01", "2/26-01-01", "2:26-01-01", "20/6-01-01", "20:6-01-01",
    "202/-01-01", "202:-01-01", "2026-/1-01", "2026-:1-01", "2026-0/-01", "2026-0:-01",
    "2026-01-/1", "2026-01-:1", "2026-01-0/", "2026-01-0:"
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tl_date d = 12345;
    assert_false(tl_date_parse(bad[i], strlen(bad[i]), &d));
    assert_int_equal(d, 12345);
  }
  {
    tl_date d = 12345;
    /* Exactly ten bytes are read; a longer buffer is fine when n says 10. */
    assert_true(tl_date_parse("2026-03-05xyz", 10, &d));
    assert_string_equal(str(d), "2026-03-05");
    assert_false(tl_date_parse("2026-03-0\0", 10, &d));
  }
}

static void test_valid_ymd(void **state) {
  assert_int_equal(tl_date_days_in_month(2024, 2), 29);
  assert_int_equal(tl_date_days_in_month(2026, 2), 28);
  assert_int_equal(tl_date_days_in_month(2000, 2), 29);
  assert_int_equal(tl_date_days_in_month(1900, 2), 28);
  assert_int_equal(tl_date_days_in_month(2026, 1), 31);
  assert_int_equal(tl_date_days_in_month(2026, 4), 30);
  assert_int_equal(tl_date_days_in_month(2026, 12), 31);
  assert_int_equal(tl_date_days_in_month(2026, 0), 0);
  assert_int_equal(tl_date_days_in_month(2026, 13), 0);
  assert_true(tl_date_valid_ymd(2024, 2, 29));
  assert_true(tl_date_valid_ymd(1, 1, 1));
  assert_true(tl_date_valid_ymd(9999, 12, 31));
  assert_false(tl_date_valid_ymd(2026, 2, 29));
  assert_false(tl_date_valid_ymd(0, 1, 1));
  assert_false(tl_date_valid_ymd(10000, 1, 1));
  assert_false(tl_date_valid_ymd(2026, 13, 1));
  assert_false(tl_date_valid_ymd(2026, 0, 1));
  assert_false(tl_date_valid_ymd(2026, 1, 0));
  assert_false(tl_date_valid_ymd(2026, -1, 1));
}

/* Walk the calendar by hand and check both conversions against a counter. */
static void walk(int y0, int y1, tl_date first) {
  tl_date n = first;
  for (int y = y0; y <= y1; y++)
    for (int m = 1; m <= 12; m++)
      for (int d = 1; d <= tl_date_days_in_month(y, m); d++, n++) {
        int yy, mm, dd;
        if (tl_date_from_ymd(y, m, d) != n) fail_msg("from_ymd(%d, %d, %d) != %d", y, m, d, n);
        tl_date_to_ymd(n, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d) fail_msg("to_ymd(%d) != %d-%d-%d", n, y, m, d);
      }
}

static void test_roundtrip_1970_2100(void **state) {
  walk(1970, 2100, 0);
  assert_int_equal(tl_date_from_ymd(2101, 1, 1), 47847);
}

static void test_roundtrip_all(void **state) {
  walk(1, 9999, -719162);
}

static void test_format(void **state) {
  char buf[11];
  memset(buf, 'x', sizeof buf);
  tl_date_format(0, buf);
  assert_memory_equal(buf, "1970-01-01", 11);
  assert_string_equal(str(tl_date_from_ymd(2026, 3, 5)), "2026-03-05");
  assert_string_equal(str(-1), "1969-12-31");
  assert_string_equal(str(D("0001-01-01")), "0001-01-01");
  assert_string_equal(str(D("0987-10-09")), "0987-10-09");
  assert_string_equal(str(D("9999-12-31")), "9999-12-31");
  assert_string_equal(str(D("9999-12-31") + 1), "0000-00-00");
  assert_string_equal(str(D("0001-01-01") - 1), "0000-00-00");
  assert_string_equal(str(TL_DATE_NONE), "0000-00-00");
  assert_string_equal(str(INT32_MAX), "0000-00-00");
}

static void test_add_months_first(void **state) {
  assert_string_equal(str(tl_date_add_months_first(D("2026-01-31"), 1)), "2026-02-01");
  assert_string_equal(str(tl_date_add_months_first(D("2026-03-10"), 0)), "2026-03-01");
  assert_string_equal(str(tl_date_add_months_first(D("2026-12-15"), 1)), "2027-01-01");
  assert_string_equal(str(tl_date_add_months_first(D("2026-03-10"), 12)), "2027-03-01");
  assert_string_equal(str(tl_date_add_months_first(D("2026-03-10"), -3)), "2025-12-01");
  assert_string_equal(str(tl_date_add_months_first(D("2026-01-01"), -14)), "2024-11-01");
  assert_string_equal(str(tl_date_add_months_first(D("2026-01-01"), -12)), "2025-01-01");
  assert_string_equal(str(tl_date_add_months_first(D("2024-02-29"), 25)), "2026-03-01");
}

static void test_cal_months(void **state) {
  tl_cal c;
  static const char *const end[12] = {
    "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30",
    "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31"
  };
  cal(&c, "2026-01-01", "2026-12-31", TL_PERIOD_MONTH);
  assert_int_equal(c.kind, TL_PERIOD_MONTH);
  assert_int_equal(c.n, 12);
  assert_int_equal(c.start, D("2026-01-01"));
  assert_int_equal(c.end, D("2026-12-31"));
  for (int i = 0; i < 12; i++) {
    char name[8], start[11];
    memcpy(name, end[i], 7);
    name[7] = '\0';
    memcpy(start, end[i], 8);
    memcpy(start + 8, "01", 3);
    period_is(&c, i, name, start, end[i]);
  }
  assert_int_equal(tl_cal_days(&c, 1), 28);
  assert_int_equal(tl_cal_days(&c, 11), 31);
}

static void test_cal_quarters_year(void **state) {
  tl_cal c;
  cal(&c, "2026-01-01", "2026-12-31", TL_PERIOD_QUARTER);
  assert_int_equal(c.n, 4);
  period_is(&c, 0, "2026-Q1", "2026-01-01", "2026-03-31");
  period_is(&c, 1, "2026-Q2", "2026-04-01", "2026-06-30");
  period_is(&c, 2, "2026-Q3", "2026-07-01", "2026-09-30");
  period_is(&c, 3, "2026-Q4", "2026-10-01", "2026-12-31");
  assert_int_equal(tl_cal_days(&c, 0), 90);
  cal(&c, "2026-01-01", "2026-12-31", TL_PERIOD_YEAR);
  assert_int_equal(c.n, 1);
  period_is(&c, 0, "2026", "2026-01-01", "2026-12-31");
  assert_int_equal(tl_cal_days(&c, 0), 365);
}

static void test_cal_fiscal(void **state) {
  tl_cal c;
  cal(&c, "2026-02-01", "2027-01-31", TL_PERIOD_MONTH);
  period_is(&c, 0, "2026-02", "2026-02-01", "2026-02-28");
  period_is(&c, 10, "2026-12", "2026-12-01", "2026-12-31");
  period_is(&c, 11, "2027-01", "2027-01-01", "2027-01-31");
  cal(&c, "2026-02-01", "2027-01-31", TL_PERIOD_QUARTER);
  period_is(&c, 0, "2026-Q1", "2026-02-01", "2026-04-30");
  period_is(&c, 1, "2026-Q2", "2026-05-01", "2026-07-31");
  period_is(&c, 2, "2026-Q3", "2026-08-01", "2026-10-31");
  period_is(&c, 3, "2026-Q4", "2026-11-01", "2027-01-31");
  cal(&c, "2026-02-01", "2027-01-31", TL_PERIOD_YEAR);
  period_is(&c, 0, "2026", "2026-02-01", "2027-01-31");
  /* A plan year holding a leap day. */
  cal(&c, "2027-03-01", "2028-02-29", TL_PERIOD_MONTH);
  period_is(&c, 11, "2028-02", "2028-02-01", "2028-02-29");
  cal(&c, "2027-12-01", "2028-11-30", TL_PERIOD_QUARTER);
  period_is(&c, 0, "2027-Q1", "2027-12-01", "2028-02-29");
  cal(&c, "9999-01-01", "9999-12-31", TL_PERIOD_QUARTER);
  period_is(&c, 3, "9999-Q4", "9999-10-01", "9999-12-31");
  cal(&c, "0001-01-01", "0001-12-31", TL_PERIOD_YEAR);
  period_is(&c, 0, "0001", "0001-01-01", "0001-12-31");
}

static void test_cal_tiles(void **state) {
  static const tl_period_kind kinds[3] = { TL_PERIOD_MONTH, TL_PERIOD_QUARTER, TL_PERIOD_YEAR };
  for (int s = 1; s <= 12; s++)
    for (int k = 0; k < 3; k++) {
      tl_cal c;
      tl_date start = tl_date_from_ymd(2027, s, 1);
      tl_date end = tl_date_add_months_first(start, 12) - 1;
      assert_null(tl_cal_init(&c, start, end, kinds[k]));
      assert_int_equal(c.pstart[0], start);
      assert_int_equal(c.pend[c.n - 1], end);
      for (int i = 0; i + 1 < c.n; i++) assert_int_equal(c.pend[i] + 1, c.pstart[i + 1]);
      for (tl_date d = start; d <= end; d++) {
        int i = tl_cal_period_of(&c, d);
        assert_true(i >= 0 && c.pstart[i] <= d && d <= c.pend[i]);
      }
      assert_int_equal(tl_cal_period_of(&c, start - 1), -1);
      assert_int_equal(tl_cal_period_of(&c, end + 1), -1);
    }
}

static void test_cal_period_of(void **state) {
  tl_cal c;
  cal(&c, "2026-01-01", "2026-12-31", TL_PERIOD_MONTH);
  assert_int_equal(tl_cal_period_of(&c, D("2026-01-01")), 0);
  assert_int_equal(tl_cal_period_of(&c, D("2026-01-31")), 0);
  assert_int_equal(tl_cal_period_of(&c, D("2026-02-01")), 1);
  assert_int_equal(tl_cal_period_of(&c, D("2026-06-30")), 5);
  assert_int_equal(tl_cal_period_of(&c, D("2026-07-01")), 6);
  assert_int_equal(tl_cal_period_of(&c, D("2026-12-31")), 11);
  assert_int_equal(tl_cal_period_of(&c, D("2025-12-31")), -1);
  assert_int_equal(tl_cal_period_of(&c, D("2027-01-01")), -1);
  assert_int_equal(tl_cal_period_of(&c, TL_DATE_NONE), -1);
  assert_int_equal(tl_cal_period_of(&c, INT32_MAX), -1);
  cal(&c, "2026-01-01", "2026-12-31", TL_PERIOD_QUARTER);
  assert_int_equal(tl_cal_period_of(&c, D("2026-03-31")), 0);
  assert_int_equal(tl_cal_period_of(&c, D("2026-04-01")), 1);
  assert_int_equal(tl_cal_period_of(&c, D("2026-12-31")), 3);
  cal(&c, "2026-02-01", "2027-01-31", TL_PERIOD_QUARTER);
  assert_int_equal(tl_cal_period_of(&c, D("2026-01-31")), -1);
  assert_int_equal(tl_cal_period_of(&c, D("2026-02-01")), 0);
  assert_int_equal(tl_cal_period_of(&c, D("2027-01-15")), 3);
  assert_int_equal(tl_cal_period_of(&c, D("2027-02-01")), -1);
  cal(&c, "2026-02-01", "2027-01-31", TL_PERIOD_YEAR);
  assert_int_equal(tl_cal_period_of(&c, D("2026-02-01")), 0);
  assert_int_equal(tl_cal_period_of(&c, D("2027-01-31")), 0);
  assert_int_equal(tl_cal_period_of(&c, D("2027-02-01")), -1);
}

static void test_cal_find(void **state) {
  tl_cal c;
  cal(&c, "2026-01-01", "2026-12-31", TL_PERIOD_QUARTER);
  assert_int_equal(tl_cal_find(&c, "2026-Q1", 7), 0);
  assert_int_equal(tl_cal_find(&c, "2026-Q2", 7), 1);
  assert_int_equal(tl_cal_find(&c, "2026-Q4", 7), 3);
  assert_int_equal(tl_cal_find(&c, "2026-Q5", 7), -1);
  assert_int_equal(tl_cal_find(&c, "2025-Q1", 7), -1);
  assert_int_equal(tl_cal_find(&c, "2026-q1", 7), -1);
  assert_int_equal(tl_cal_find(&c, "2026-03", 7), -1);
  assert_int_equal(tl_cal_find(&c, "2026", 4), -1);
  assert_int_equal(tl_cal_find(&c, "2026-Q", 6), -1);
  assert_int_equal(tl_cal_find(&c, "2026-Q2x", 7), 1);
  assert_int_equal(tl_cal_find(&c, "2026-Q2x", 8), -1);
  assert_int_equal(tl_cal_find(&c, "", 0), -1);
  cal(&c, "2026-02-01", "2027-01-31", TL_PERIOD_MONTH);
  assert_int_equal(tl_cal_find(&c, "2026-03", 7), 1);
  assert_int_equal(tl_cal_find(&c, "2027-01", 7), 11);
  assert_int_equal(tl_cal_find(&c, "2026-01", 7), -1);
  cal(&c, "2026-02-01", "2027-01-31", TL_PERIOD_YEAR);
  assert_int_equal(tl_cal_find(&c, "2026", 4), 0);
  assert_int_equal(tl_cal_find(&c, "2027", 4), -1);
}

static void test_cal_overlap(void **state) {
  tl_cal c;
  const tl_date none = TL_DATE_NONE;
  cal(&c, "2026-01-01", "2026-12-31", TL_PERIOD_MONTH);
  /* A payee starting 2026-02-16 is active 13 of February's 28 days. */
  assert_int_equal(tl_cal_overlap_days(&c, 1, D("2026-02-16"), none), 13);
  assert_int_equal(tl_cal_overlap_days(&c, 1, none, none), 28);
  assert_int_equal(tl_cal_overlap_days(&c, 1, none, D("2026-02-10")), 10);
  assert_int_equal(tl_cal_overlap_days(&c, 1, D("2026-02-10"), D("2026-02-10")), 1);
  assert_int_equal(tl_cal_overlap_days(&c, 1, D("2026-02-10"), D("2026-02-20")), 11);
  assert_int_equal(tl_cal_overlap_days(&c, 1, D("2025-06-01"), D("2027-06-01")), 28);
  assert_int_equal(tl_cal_overlap_days(&c, 1, D("2026-03-01"), none), 0);
  assert_int_equal(tl_cal_overlap_days(&c, 1, none, D("2026-01-31")), 0);
  assert_int_equal(tl_cal_overlap_days(&c, 1, none, D("2026-02-01")), 1);
  assert_int_equal(tl_cal_overlap_days(&c, 1, D("2026-02-28"), none), 1);
  assert_int_equal(tl_cal_overlap_days(&c, 0, D("2025-01-01"), D("2025-12-31")), 0);
  assert_int_equal(tl_cal_overlap_days(&c, 1, D("2026-02-20"), D("2026-02-10")), 0);
  cal(&c, "2026-01-01", "2026-12-31", TL_PERIOD_QUARTER);
  assert_int_equal(tl_cal_overlap_days(&c, 0, D("2026-02-16"), none), 44);
  assert_int_equal(tl_cal_overlap_days(&c, 3, D("2026-02-16"), D("2026-11-15")), 46);
  cal(&c, "2026-01-01", "2026-12-31", TL_PERIOD_YEAR);
  assert_int_equal(tl_cal_overlap_days(&c, 0, none, none), 365);
  assert_int_equal(tl_cal_overlap_days(&c, 0, D("2026-07-01"), none), 184);
}

static void test_cal_errors(void **state) {
  tl_cal c;
  const tl_period_kind q = TL_PERIOD_QUARTER;
  assert_string_equal(tl_cal_init(&c, D("2026-01-02"), D("2027-01-01"), q), BAD_START);
  assert_string_equal(tl_cal_init(&c, D("2026-01-31"), D("2026-12-31"), q), BAD_START);
  assert_string_equal(tl_cal_init(&c, D("2026-01-01"), D("2026-12-30"), q), BAD_LENGTH);
  assert_string_equal(tl_cal_init(&c, D("2026-01-01"), D("2027-01-01"), q), BAD_LENGTH);
  assert_string_equal(tl_cal_init(&c, D("2026-01-01"), D("2027-12-31"), q), BAD_LENGTH);
  assert_string_equal(tl_cal_init(&c, D("2026-01-01"), D("2026-06-30"), q), BAD_LENGTH);
  assert_string_equal(tl_cal_init(&c, D("2026-01-01"), D("2025-12-31"), q), BAD_LENGTH);
  assert_string_equal(tl_cal_init(&c, D("2026-01-01"), D("2026-01-01"), q), BAD_LENGTH);
  assert_string_equal(tl_cal_init(&c, D("2027-03-01"), D("2028-02-28"), q), BAD_LENGTH);
  assert_string_equal(tl_cal_init(&c, TL_DATE_NONE, D("2026-12-31"), q), BAD_RANGE);
  assert_string_equal(tl_cal_init(&c, D("2026-01-01"), TL_DATE_NONE, q), BAD_RANGE);
  /* 9999-02-01 would end in year 10000, which no date can name. */
  assert_string_equal(tl_cal_init(&c, D("9999-02-01"), tl_date_from_ymd(10000, 1, 31), q),
                      BAD_RANGE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_valid),
    cmocka_unit_test(test_parse_invalid),
    cmocka_unit_test(test_parse_every_day),
    cmocka_unit_test(test_valid_ymd),
    cmocka_unit_test(test_roundtrip_1970_2100),
    cmocka_unit_test(test_roundtrip_all),
    cmocka_unit_test(test_format),
    cmocka_unit_test(test_add_months_first),
    cmocka_unit_test(test_cal_months),
    cmocka_unit_test(test_cal_quarters_year),
    cmocka_unit_test(test_cal_fiscal),
    cmocka_unit_test(test_cal_tiles),
    cmocka_unit_test(test_cal_period_of),
    cmocka_unit_test(test_cal_find),
    cmocka_unit_test(test_cal_overlap),
    cmocka_unit_test(test_cal_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
