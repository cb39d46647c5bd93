/*
** date.c: civil dates as day numbers, and the plan calendar (see date.h).
**
** The conversions count years from March 1 (Howard Hinnant's method).  That
** puts the leap day last, so the days before a month follow one fixed pattern
** whatever the year, and the leap rules touch only the count of whole years.
** Arithmetic is done in 64 bits so that any tl_date, even one outside years
** 1..9999, converts without overflow.
*/
#include "date.h"

#include <string.h>

#define EPOCH 719468      /* days from 0000-03-01 to 1970-01-01 */
#define ERA 146097        /* days in 400 Gregorian years: the calendar's cycle */

static int64_t floordiv(int64_t a, int64_t b) { return a / b - (a % b < 0); }

static void putnum(char *p, int v, int width) {
  for (int i = width - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
}

static bool is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int tl_date_days_in_month(int y, int m) {
  static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  if (m < 1 || m > 12) return 0;
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool tl_date_valid_ymd(int y, int m, int d) {
  return y >= 1 && y <= 9999 && d >= 1 && d <= tl_date_days_in_month(y, m);
}

tl_date tl_date_from_ymd(int y, int m, int d) {
  int64_t ym = y - (m <= 2);                     /* the March-based year */
  int64_t era = floordiv(ym, 400), yoe = ym - era * 400;
  /* Month lengths from March run 31 30 31 30 31, twice, then 31 and
  ** February, so (153 * k + 2) / 5 is the number of days before month k. */
  int64_t doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (tl_date)(era * ERA + doe - EPOCH);
}

void tl_date_to_ymd(tl_date d, int *y, int *m, int *dd) {
  int64_t z = (int64_t)d + EPOCH;
  int64_t era = floordiv(z, ERA), doe = z - era * ERA;
  /* Removing one day per 4 years (1460 days), adding one back per century
  ** (36524) and removing the era's last day (146096) makes every year of the
  ** era 365 days long, so one division finds the year. */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / (ERA - 1)) / 365;
  int64_t doy = doe - (yoe * 365 + yoe / 4 - yoe / 100);
  int64_t k = (5 * doy + 2) / 153;              /* month from March, 0..11 */
  *dd = (int)(doy - (153 * k + 2) / 5 + 1);
  *m = (int)(k < 10 ? k + 3 : k - 9);
  *y = (int)(era * 400 + yoe + (*m <= 2));
}

bool tl_date_parse(const char *s, size_t n, tl_date *out) {
  if (n != 10 || s[4] != '-' || s[7] != '-') return false;
  /* digit by digit, unrolled: a big ledger has two dates a row */
  unsigned d0 = (unsigned char)s[0] - '0', d1 = (unsigned char)s[1] - '0',
           d2 = (unsigned char)s[2] - '0', d3 = (unsigned char)s[3] - '0',
           d5 = (unsigned char)s[5] - '0', d6 = (unsigned char)s[6] - '0',
           d8 = (unsigned char)s[8] - '0', d9 = (unsigned char)s[9] - '0';
  if ((d0 > 9) | (d1 > 9) | (d2 > 9) | (d3 > 9) | (d5 > 9) | (d6 > 9) | (d8 > 9) | (d9 > 9))
    return false;
  unsigned y = d0 * 1000 + d1 * 100 + d2 * 10 + d3, m = d5 * 10 + d6, d = d8 * 10 + d9;
  /* days before each month, from March (the leap day last) */
  static const unsigned short before[13] = { 0, 306, 337, 0, 31, 61, 92, 122, 153, 184, 214, 245, 275 };
  static const unsigned char days[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  if (y == 0 || m - 1 > 11 || d - 1 >= days[m]) return false;
  if (m == 2 && d == 29 && !is_leap((int)y)) return false;
  /* tl_date_from_ymd for years 1 to 9999, where nothing is negative */
  unsigned ym = y - (m <= 2);
  *out = (tl_date)((int64_t)ym * 365 + ym / 4 - ym / 100 + ym / 400 + before[m] + d - 1 - EPOCH);
  return true;
}

/* A date outside years 1..9999 (TL_DATE_NONE, say) has no YYYY form and
** would not fit the buffer.  It prints as the conventional null date, which
** no valid date can be, rather than as a wrong year. */
void tl_date_format(tl_date d, char buf[11]) {
  int y, m, dd;
  tl_date_to_ymd(d, &y, &m, &dd);
  if (y < 1 || y > 9999) {
    memcpy(buf, "0000-00-00", 11);
    return;
  }
  putnum(buf, y, 4);
  buf[4] = '-';
  putnum(buf + 5, m, 2);
  buf[7] = '-';
  putnum(buf + 8, dd, 2);
  buf[10] = '\0';
}

tl_date tl_date_add_months_first(tl_date d, int n) {
  int y, m, dd;
  int64_t t, ny;
  tl_date_to_ymd(d, &y, &m, &dd);
  t = (int64_t)y * 12 + (m - 1) + n;
  ny = floordiv(t, 12);
  return tl_date_from_ymd((int)ny, (int)(t - ny * 12) + 1, 1);
}

static bool in_range(tl_date d) {
  int y, m, dd;
  tl_date_to_ymd(d, &y, &m, &dd);
  return y >= 1 && y <= 9999;
}

const char *tl_cal_init(tl_cal *cal, tl_date start, tl_date end, tl_period_kind kind) {
  int step = kind == TL_PERIOD_MONTH ? 1 : kind == TL_PERIOD_QUARTER ? 3 : 12;
  int y, m, d;
  if (!in_range(start) || !in_range(end))
    return "the plan year must lie between 0001-01-01 and 9999-12-31";
  tl_date_to_ymd(start, &y, &m, &d);
  if (d != 1) return "the plan year must start on the first day of a month";
  if (end != tl_date_add_months_first(start, 12) - 1)
    return "the plan year must last exactly 12 months (2026-01-01 to 2026-12-31)";
  memset(cal, 0, sizeof *cal);
  cal->kind = kind;
  cal->start = start;
  cal->end = end;
  cal->n = 12 / step;
  for (int i = 0; i < cal->n; i++) {
    char *name = cal->name[i];
    int py, pm, pd;
    cal->pstart[i] = tl_date_add_months_first(start, i * step);
    cal->pend[i] = tl_date_add_months_first(start, (i + 1) * step) - 1;
    for (tl_date day = cal->pstart[i]; day <= cal->pend[i]; day++)
      cal->period[day - start] = (uint8_t)i;
    tl_date_to_ymd(cal->pstart[i], &py, &pm, &pd);
    if (step == 1) {
      putnum(name, py, 4);
      name[4] = '-';
      putnum(name + 5, pm, 2);
    } else {
      /* Quarters and the year are named by the plan year, so a fiscal year
      ** starting 2026-02-01 has 2026-Q4 in January 2027. */
      putnum(name, y, 4);
      if (step == 3) {
        name[4] = '-';
        name[5] = 'Q';
        name[6] = (char)('1' + i);
      }
    }
  }
  return NULL;
}

int tl_cal_find(const tl_cal *cal, const char *s, size_t n) {
  for (int i = 0; i < cal->n; i++)
    if (strlen(cal->name[i]) == n && memcmp(cal->name[i], s, n) == 0) return i;
  return -1;
}

int tl_cal_overlap_days(const tl_cal *cal, int i, tl_date a, tl_date b) {
  tl_date lo = cal->pstart[i], hi = cal->pend[i];
  if (a != TL_DATE_NONE && a > lo) lo = a;
  if (b != TL_DATE_NONE && b < hi) hi = b;
  return hi >= lo ? hi - lo + 1 : 0;
}

bool tl_period_span(const tl_cal *cal, const char *name, tl_date *lo, tl_date *hi) {
  size_t n = strlen(name);
  tl_cal other;
  tl_period_kind kind = n == 7 && name[5] == 'Q' ? TL_PERIOD_QUARTER : TL_PERIOD_MONTH;
  if (tl_cal_init(&other, cal->start, cal->end, kind) != NULL) return false;
  int i = tl_cal_find(&other, name, n);
  if (i < 0) return false;
  *lo = other.pstart[i];
  *hi = other.pend[i];
  return true;
}
