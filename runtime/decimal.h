/*
** decimal.h: exact decimal numbers for money, rates and every other quantity.
**
** A tl_dec is a signed 128-bit integer counting units of 10^-9 (TL_DEC_SCALE
** decimal places), so every value the language can write is held exactly and
** sums never drift.  Magnitude is limited to TL_DEC_MAX_RAW units (about
** 1.7e29), far beyond the required 12 integer digits.
**
** Invariants:
**   - No operation ever wraps: each one that can overflow returns a status and
**     leaves *out unchanged on failure.
**   - Results that cannot be held in 9 places (products, quotients) are rounded
**     half-even at the 9th place; that is the only implicit rounding anywhere.
**     Rounding to a plan's unit happens only through tl_dec_round, called where
**     language.md says.
**   - No floating point is used anywhere in this module.
*/
#ifndef TL_RUNTIME_DECIMAL_H
#define TL_RUNTIME_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_DEC_SCALE 9
#define TL_DEC_ONE_RAW ((__int128)1000000000)

typedef struct tl_dec { __int128 raw; } tl_dec;

typedef enum tl_dec_status {
  TL_DEC_OK = 0,
  TL_DEC_OVERFLOW,      /* result outside the representable range */
  TL_DEC_DIVZERO,       /* division by zero */
  TL_DEC_SYNTAX,        /* text is not a plain decimal */
  TL_DEC_PRECISION      /* text has more than 9 decimal places */
} tl_dec_status;

typedef enum tl_round_mode { TL_ROUND_HALF_UP = 0, TL_ROUND_HALF_EVEN } tl_round_mode;

/* Flags for tl_dec_parse. */
#define TL_DEC_ALLOW_UNDERSCORE 1  /* plan literals: 5_000 (between digits only) */

static inline tl_dec tl_dec_from_raw(__int128 r) { tl_dec d = { r }; return d; }
static inline tl_dec tl_dec_zero(void) { return tl_dec_from_raw(0); }
tl_dec tl_dec_from_int(int64_t i);
static inline bool tl_dec_is_zero(tl_dec a) { return a.raw == 0; }
static inline bool tl_dec_is_neg(tl_dec a) { return a.raw < 0; }
static inline int tl_dec_cmp(tl_dec a, tl_dec b) { return (a.raw > b.raw) - (a.raw < b.raw); }
static inline tl_dec tl_dec_min(tl_dec a, tl_dec b) { return a.raw <= b.raw ? a : b; }
static inline tl_dec tl_dec_max(tl_dec a, tl_dec b) { return a.raw >= b.raw ? a : b; }

/* Parse s[0..n) as [-|+]digits[.digits].  Leading/trailing space, exponents,
** thousands separators and currency symbols are TL_DEC_SYNTAX; more than 9
** decimal places is TL_DEC_PRECISION (input is never rounded silently). */
tl_dec_status tl_dec_parse(const char *s, size_t n, int flags, tl_dec *out);

/* Arithmetic.  Each returns TL_DEC_OK and sets *out, or an error status.
** Sums are inline: the engine adds a period's values a dozen times over for
** every payee, and a call costs more than the addition. */
#define TL_DEC_MAX_RAW ((__int128)((unsigned __int128)-1 >> 1))
static inline tl_dec_status tl_dec_add(tl_dec a, tl_dec b, tl_dec *out) {
  __int128 r;
  if (__builtin_add_overflow(a.raw, b.raw, &r) || r < -TL_DEC_MAX_RAW) return TL_DEC_OVERFLOW;
  out->raw = r;
  return TL_DEC_OK;
}
static inline tl_dec_status tl_dec_sub(tl_dec a, tl_dec b, tl_dec *out) {
  __int128 r;
  if (__builtin_sub_overflow(a.raw, b.raw, &r) || r < -TL_DEC_MAX_RAW) return TL_DEC_OVERFLOW;
  out->raw = r;
  return TL_DEC_OK;
}
tl_dec_status tl_dec_neg(tl_dec a, tl_dec *out);
tl_dec_status tl_dec_abs(tl_dec a, tl_dec *out);
/* a * b, rounded half-even at 1e-9.  Inline for its usual case, one factor
** a whole number of cents (money, a whole number) and the product of those
** cents and the other factor within 64 bits: the result is then exactly
** that product over 100, rounded as tl_dec_mul_wide rounds it.  Nearly
** every product of a run is one (a converted amount, a split's credit, a
** tier's band), and the call and the 128-bit steps were four times its
** cost. */
tl_dec_status tl_dec_mul_wide(tl_dec a, tl_dec b, tl_dec *out);
#define TL_DEC_CENT_RAW ((int64_t)10000000)
static inline tl_dec_status tl_dec_mul(tl_dec a, tl_dec b, tl_dec *out) {
  int64_t x = (int64_t)a.raw, y = (int64_t)b.raw, p;
  if (x == a.raw && y == b.raw) {
    if (x % TL_DEC_CENT_RAW != 0) {
      int64_t t = x;
      x = y;
      y = t;
    }
    if (x % TL_DEC_CENT_RAW == 0 && !__builtin_mul_overflow(x / TL_DEC_CENT_RAW, y, &p)) {
      int64_t q = p / 100, r = p % 100;   /* both toward zero: the magnitude's, signed */
      if (r > 50 || r < -50 || ((r == 50 || r == -50) && (q & 1))) q += p < 0 ? -1 : 1;
      out->raw = q;
      return TL_DEC_OK;
    }
  }
  return tl_dec_mul_wide(a, b, out);
}
tl_dec_status tl_dec_div(tl_dec a, tl_dec b, tl_dec *out);   /* half-even at 1e-9 */
tl_dec_status tl_dec_mul_int(tl_dec a, int64_t k, tl_dec *out);
/* a * num / den in one step, with a 256-bit intermediate, rounded half-even
** at 1e-9: proration without a rounded intermediate. */
tl_dec_status tl_dec_muldiv_int(tl_dec a, int64_t num, int64_t den, tl_dec *out);

/* a * b / c in one step (256-bit intermediate), rounded half-even at 1e-9. */
tl_dec_status tl_dec_muldiv(tl_dec a, tl_dec b, tl_dec c, tl_dec *out);

/* Round a to a multiple of unit (> 0), ties by mode.  Inline for a cent
** and a value within 64 bits, a division by a constant (the engine rounds
** each payee's amounts every period; the general path divides by a
** variable and works on 128-bit magnitudes). */
tl_dec_status tl_dec_round_wide(tl_dec a, tl_dec unit, tl_round_mode mode, tl_dec *out);
static inline tl_dec_status tl_dec_round(tl_dec a, tl_dec unit, tl_round_mode mode, tl_dec *out) {
  int64_t x = (int64_t)a.raw;
  if (unit.raw == TL_DEC_CENT_RAW && x == a.raw) {
    const int64_t half = TL_DEC_CENT_RAW / 2;
    int64_t q = x / TL_DEC_CENT_RAW, r = x % TL_DEC_CENT_RAW;   /* toward zero */
    if (r > half || r < -half || ((r == half || r == -half) && (mode == TL_ROUND_HALF_UP || (q & 1))))
      q += x < 0 ? -1 : 1;
    out->raw = (__int128)q * TL_DEC_CENT_RAW;
    return TL_DEC_OK;
  }
  return tl_dec_round_wide(a, unit, mode, out);
}

/* Number of decimal places needed to write unit exactly (0.01 -> 2, 1 -> 0). */
int tl_dec_places(tl_dec unit);

/* Write a into buf (NUL-terminated) and return its length.  places >= 0: exactly
** that many decimals (a must already be a multiple of 10^-places, else the extra
** digits are rounded half-even for display).  places < 0: the shortest exact form
** ("1.5", "2", "-0.125").  group: thousands separators ("1,234.50").  cap >= 64
** always suffices. */
size_t tl_dec_format(tl_dec a, int places, bool group, char *buf, size_t cap);
/* The raw value of 10^-places, 0 <= places <= 9: one unit of that many places. */
int64_t tl_dec_raw_unit(int places);
/* The same for units * 10^-places, 0 <= places <= 9, without grouping: what
** tl_dec_format writes for that value at that many places.  buf has room
** for 24 bytes. */
size_t tl_dec_format_units(int64_t units, int places, char *buf);

/* Integer part toward zero, if it fits in int64 (else false). */
bool tl_dec_to_int(tl_dec a, int64_t *out);

const char *tl_dec_status_str(tl_dec_status s);

#endif
