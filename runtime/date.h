/*
** date.h: civil dates and the plan calendar.
**
** A tl_date is the number of days since 1970-01-01 in the proleptic Gregorian
** calendar, so date arithmetic is integer arithmetic and comparisons are plain
** comparisons.  Valid dates are years 1..9999.
**
** The calendar (tl_cal) cuts a plan year into periods of one kind.  A plan year
** starts on the first day of a month and lasts 12 months, ending the day before
** the same day a year later.  Periods are consecutive; period i covers
** [start[i], end[i]] inclusive.  Names: months by their calendar month
** ("2026-03"); quarters by the plan year's starting year and the quarter index
** within the plan year ("2026-Q1"); the year by its starting year ("2026").
*/
#ifndef TL_RUNTIME_DATE_H
#define TL_RUNTIME_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t tl_date;

#define TL_DATE_NONE INT32_MIN   /* absent optional date */

/* Strict YYYY-MM-DD (exactly 10 chars, real calendar day). */
bool tl_date_parse(const char *s, size_t n, tl_date *out);
tl_date tl_date_from_ymd(int y, int m, int d);       /* inputs must be valid */
void tl_date_to_ymd(tl_date d, int *y, int *m, int *dd);
bool tl_date_valid_ymd(int y, int m, int d);
int tl_date_days_in_month(int y, int m);
/* Writes "YYYY-MM-DD" and a NUL into buf (11 bytes). */
void tl_date_format(tl_date d, char buf[11]);
/* The date n months after d's month, on day 1. */
tl_date tl_date_add_months_first(tl_date d, int n);

typedef enum tl_period_kind { TL_PERIOD_MONTH, TL_PERIOD_QUARTER, TL_PERIOD_YEAR } tl_period_kind;

#define TL_CAL_MAX_PERIODS 12

typedef struct tl_cal {
  tl_period_kind kind;
  tl_date start, end;              /* the plan year, inclusive */
  int n;                           /* number of periods: 12, 4 or 1 */
  tl_date pstart[TL_CAL_MAX_PERIODS], pend[TL_CAL_MAX_PERIODS];
  char name[TL_CAL_MAX_PERIODS][12];
  uint8_t period[366];             /* of each day of the year, for tl_cal_period_of */
} tl_cal;

/* Fill cal for a plan year [start, end].  Returns NULL on success, else a
** static message ("the plan year must start on the first day of a month",
** "the plan year must last exactly 12 months (2026-01-01 to 2026-12-31)"). */
const char *tl_cal_init(tl_cal *cal, tl_date start, tl_date end, tl_period_kind kind);
/* Index of the period holding d, or -1 when d is outside the plan year: a
** look-up, as crediting asks it twice a deal. */
static inline int tl_cal_period_of(const tl_cal *cal, tl_date d) {
  return d < cal->start || d > cal->end ? -1 : cal->period[d - cal->start];
}
/* Index of the period named s[0..n) ("2026-Q2"), or -1. */
int tl_cal_find(const tl_cal *cal, const char *s, size_t n);
/* Days of [a, b] that fall inside period i (0 when disjoint); a may be
** TL_DATE_NONE (open start) and b TL_DATE_NONE (open end). */
int tl_cal_overlap_days(const tl_cal *cal, int i, tl_date a, tl_date b);
/* The dates of a month ("2026-03") or quarter ("2026-Q1", counted from the
** plan year's start) inside cal's plan year, whatever cal's own period kind.
** False when name is neither or lies outside the year. */
bool tl_period_span(const tl_cal *cal, const char *name, tl_date *lo, tl_date *hi);
static inline int tl_cal_days(const tl_cal *cal, int i) { return cal->pend[i] - cal->pstart[i] + 1; }

#endif
