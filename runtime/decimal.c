/*
** decimal.c: exact decimals as signed 128-bit counts of 10^-9 (see decimal.h).
**
** Every value keeps its magnitude within DMAX = 2^127 - 1.  The raw minimum,
** -2^127, is never produced, so negation and abs of a result cannot overflow
** and the arithmetic below works on unsigned magnitudes plus a sign.  Products
** and quotients that outgrow 128 bits go through a 256-bit intermediate (four
** 64-bit limbs) and are rounded exactly once.
*/
#include "decimal.h"

#include <string.h>

typedef unsigned __int128 u128;
typedef struct u256 { uint64_t w[4]; } u256;   /* w[0] is the least significant limb */

#define DMAX ((u128)TL_DEC_MAX_RAW)
#define ONE ((uint64_t)1000000000)

static const uint32_t pow10[10] = {
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000
};

/* Defined for every raw value, -2^127 included, which plain negation is not. */
static u128 mag(__int128 r) { return r < 0 ? -(u128)r : (u128)r; }

static u128 umag64(int64_t i) { return i < 0 ? -(u128)i : (u128)i; }

static tl_dec_status make(u128 m, bool neg, tl_dec *out) {
  if (m > DMAX) return TL_DEC_OVERFLOW;
  out->raw = neg ? -(__int128)m : (__int128)m;
  return TL_DEC_OK;
}

/* Whether q, the quotient of a division by d that left r, must go up by one.
** Comparing r with d - r rather than 2r with d keeps d near 2^128 safe. */
static bool round_up(u128 q, u128 r, u128 d, tl_round_mode mode) {
  u128 rest = d - r;
  return r > rest || (r == rest && (mode == TL_ROUND_HALF_UP || (q & 1)));
}

/* The common tail of mul, div and muldiv: round q half-even and sign it.  The
** range check comes first so that q + 1 cannot wrap. */
static tl_dec_status finish(u128 q, u128 r, u128 d, bool neg, tl_dec *out) {
  if (q > DMAX) return TL_DEC_OVERFLOW;
  return make(q + round_up(q, r, d, TL_ROUND_HALF_EVEN), neg, out);
}

static u256 mul128(u128 a, u128 b) {
  uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
  uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
  u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1, p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
  /* mid is at most three limbs' worth; hi is exactly the top half of a
  ** product below 2^256, so neither sum can wrap. */
  u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
  u128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  u256 r = {{ (uint64_t)p00, (uint64_t)mid, (uint64_t)hi, (uint64_t)(hi >> 64) }};
  return r;
}

/* *q = n / d; returns n % d.  d > 0. */
static u128 divmod(u256 n, u128 d, u256 *q) {
  u128 r = 0;
  if ((d >> 64) == 0) {
    /* Short division: r < d < 2^64, so each limb's quotient fits a limb. */
    for (int i = 3; i >= 0; i--) {
      u128 cur = (r << 64) | n.w[i];
      q->w[i] = (uint64_t)(cur / d);
      r = cur % d;
    }
    return r;
  }
  memset(q, 0, sizeof *q);
  for (int i = 255; i >= 0; i--) {
    /* r can reach 2^128 after the shift when d > 2^127; the lost top bit
    ** means r + 2^128 >= d, and r - d then wraps to the true remainder. */
    u128 top = r >> 127;
    r = (r << 1) | ((n.w[i / 64] >> (i % 64)) & 1);
    if (top || r >= d) {
      r -= d;
      q->w[i / 64] |= (uint64_t)1 << (i % 64);
    }
  }
  return r;
}

/* Divide the 256-bit n by d and finish; a quotient beyond 128 bits overflows. */
static tl_dec_status finish256(u256 n, u128 d, bool neg, tl_dec *out) {
  u256 q;
  u128 r = divmod(n, d, &q);
  if (q.w[2] | q.w[3]) return TL_DEC_OVERFLOW;
  return finish(((u128)q.w[1] << 64) | q.w[0], r, d, neg, out);
}

tl_dec tl_dec_from_int(int64_t i) { return tl_dec_from_raw((__int128)i * TL_DEC_ONE_RAW); }

static bool isdig(char c) { return (unsigned char)(c - '0') < 10; }

/* End of the run of digits starting at p, or NULL when there is none.  With
** TL_DEC_ALLOW_UNDERSCORE an underscore may sit between two digits; any other
** underscore ends the run and is left for the caller to reject. */
static const char *digit_run(const char *p, const char *end, int flags) {
  const char *start = p;
  while (p < end) {
    if (isdig(*p)) p++;
    else if (*p == '_' && (flags & TL_DEC_ALLOW_UNDERSCORE) && p > start && isdig(p[-1])
             && p + 1 < end && isdig(p[1])) p++;
    else break;
  }
  return p > start ? p : NULL;
}

/* Deliberately strict: ".5" and "5." are rejected along with everything that
** is not [-|+]digits[.digits], because a ledger cell written that way is more
** likely damaged than meant.  Syntax is judged before precision and precision
** before range, so the status names the first thing wrong with the text. */
tl_dec_status tl_dec_parse(const char *s, size_t n, int flags, tl_dec *out) {
  const char *p = s, *end = s + n, *q;
  bool neg = false, big = false;
  {
    /* The usual cell, at most 18 digits and a point and at most 9 more, in
    ** 64-bit steps: the general loop below, in 128 bits, cost an amount cell
    ** three times as much.  Anything else, or any doubt, goes on below. */
    const char *r = s + (n > 0 && (*s == '-' || *s == '+')), *d = r;
    const char *lim = end - r > 18 ? r + 18 : end;
    uint64_t i = 0, frac = 0;
    while (r < lim && (unsigned char)(*r - '0') < 10) i = i * 10 + (uint64_t)(*r++ - '0');
    if (r > d && (r == end || *r == '.')) {
      int k = 0;
      if (r < end) {
        for (r++; r < end && k < TL_DEC_SCALE && (unsigned char)(*r - '0') < 10; k++)
          frac = frac * 10 + (uint64_t)(*r++ - '0');
      }
      if (r == end && (k > 0 || end[-1] != '.'))
        return make((u128)i * ONE + (u128)frac * pow10[TL_DEC_SCALE - k], *s == '-', out);
    }
  }
  u128 m = 0;
  uint32_t f = 0;
  int fd = 0;
  if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
  if (!(q = digit_run(p, end, flags))) return TL_DEC_SYNTAX;
  for (; p < q; p++) {
    if (*p == '_') continue;
    /* Past DMAX / ONE the value is out of range whatever follows; stopping
    ** there also keeps m * 10 + 9 from wrapping. */
    if (m > DMAX / ONE) big = true;
    else m = m * 10 + (unsigned)(*p - '0');
  }
  if (p < end && *p == '.') {
    if (!(q = digit_run(p + 1, end, flags))) return TL_DEC_SYNTAX;
    for (p++; p < q; p++) {
      if (*p == '_') continue;
      if (fd < TL_DEC_SCALE) f = f * 10 + (unsigned)(*p - '0');
      fd++;
    }
  }
  if (p != end) return TL_DEC_SYNTAX;
  if (fd > TL_DEC_SCALE) return TL_DEC_PRECISION;
  if (big || m > DMAX / ONE) return TL_DEC_OVERFLOW;
  return make(m * ONE + (u128)f * pow10[TL_DEC_SCALE - fd], neg, out);
}

tl_dec_status tl_dec_neg(tl_dec a, tl_dec *out) { return make(mag(a.raw), a.raw > 0, out); }

tl_dec_status tl_dec_abs(tl_dec a, tl_dec *out) { return make(mag(a.raw), false, out); }

/* p / ONE and p % ONE in three 64-bit divisions by the constant, which the
** compiler turns into multiplications: a 128-bit division is a library call
** of a hundred instructions, and every converted deal amount needs one. */
static u128 div_one(u128 p, uint64_t *rem) {
  uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p;
  uint64_t qh = hi / ONE, n1 = (hi % ONE) << 32 | lo >> 32;   /* < 2^62 */
  uint64_t q1 = n1 / ONE, n0 = (n1 % ONE) << 32 | (lo & 0xFFFFFFFFu);
  *rem = n0 % ONE;
  return ((u128)qh << 64) + ((u128)q1 << 32) + n0 / ONE;
}

tl_dec_status tl_dec_mul_wide(tl_dec a, tl_dec b, tl_dec *out) {
  u128 x = mag(a.raw), y = mag(b.raw);
  bool neg = (a.raw < 0) != (b.raw < 0);
  if ((x >> 64) == 0 && (y >> 64) == 0) {
    uint64_t r;
    u128 q = div_one(x * y, &r);
    return finish(q, r, ONE, neg, out);
  }
  return finish256(mul128(x, y), ONE, neg, out);
}

tl_dec_status tl_dec_div(tl_dec a, tl_dec b, tl_dec *out) {
  u128 x = mag(a.raw), y = mag(b.raw);
  bool neg = (a.raw < 0) != (b.raw < 0);
  if (y == 0) return TL_DEC_DIVZERO;
  if (x <= (u128)-1 / ONE) {
    u128 n = x * ONE;
    return finish(n / y, n % y, y, neg, out);
  }
  return finish256(mul128(x, ONE), y, neg, out);
}

tl_dec_status tl_dec_mul_int(tl_dec a, int64_t k, tl_dec *out) {
  return tl_dec_muldiv_int(a, k, 1, out);
}

tl_dec_status tl_dec_muldiv_int(tl_dec a, int64_t num, int64_t den, tl_dec *out) {
  u128 x = mag(a.raw), k = umag64(num), d = umag64(den);
  bool neg = (a.raw < 0) ^ (num < 0) ^ (den < 0);
  if (d == 0) return TL_DEC_DIVZERO;
  if ((x >> 64) == 0) {
    u128 p = x * k;
    return finish(p / d, p % d, d, neg, out);
  }
  return finish256(mul128(x, k), d, neg, out);
}

tl_dec_status tl_dec_muldiv(tl_dec a, tl_dec b, tl_dec c, tl_dec *out) {
  u128 x = mag(a.raw), y = mag(b.raw), z = mag(c.raw);
  bool neg = (a.raw < 0) ^ (b.raw < 0) ^ (c.raw < 0);
  if (z == 0) return TL_DEC_DIVZERO;
  return finish256(mul128(x, y), z, neg, out);
}

/* A unit that is not positive is reported as TL_DEC_SYNTAX: the checker only
** lets positive literals through, so reaching here with one is a bad value,
** not an arithmetic event. */
tl_dec_status tl_dec_round_wide(tl_dec a, tl_dec unit, tl_round_mode mode, tl_dec *out) {
  u128 x = mag(a.raw), u = (u128)unit.raw, q, r;
  if (unit.raw <= 0) return TL_DEC_SYNTAX;
  if ((x >> 64) == 0 && (u >> 64) == 0) {
    q = (uint64_t)x / (uint64_t)u;
    r = (uint64_t)x % (uint64_t)u;
  } else {
    q = x / u;
    r = x % u;
  }
  /* (q + 1) * u <= x + u < 2^128, so the product cannot wrap; make() then
  ** rejects a rounded value past DMAX. */
  return make((q + round_up(q, r, u, mode)) * u, a.raw < 0, out);
}

int tl_dec_places(tl_dec unit) {
  uint32_t f = (uint32_t)(mag(unit.raw) % ONE);
  int n = TL_DEC_SCALE;
  if (f == 0) return 0;
  while (f % 10 == 0) {
    f /= 10;
    n--;
  }
  return n;
}

/* m / d and m % d: in 64 bits when m fits, as every amount of a payout
** table does (the 128-bit division is a library call; output formats a
** few of them per row). */
static u128 div_small(u128 m, uint64_t d, uint64_t *r) {
  if ((m >> 64) == 0) {
    *r = (uint64_t)m % d;
    return (uint64_t)m / d;
  }
  *r = (uint64_t)(m % d);
  return m / d;
}

/* The usual call, a payout at a fixed number of places without grouping,
** in 64 bits: v is rounded to units of 10^-places and its digits written two
** at a time.  The general path below does the same in 128 bits at several
** times the cost, and output formats every row.  buf has room for any such
** number (FORMAT64_ROOM): a shorter one takes the general path, which cuts
** the text at cap. */
enum { FORMAT64_ROOM = 24 };    /* a sign, 19 digits, a point and a NUL: 22 */

/* q / 10^places with places decimals: the digits of format64. */
static inline __attribute__((always_inline)) size_t digits64(uint64_t q, bool neg, int places,
                                                             char *buf) {
  static const char pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
  neg = neg && q != 0;
  /* The length first, so the digits go straight to buf, last one first:
  ** a copy of a variable length is a library call. */
  int nd = places + 1;
  for (uint64_t t = q / pow10[places] / 10; t; t /= 10) nd++;
  size_t len = (size_t)neg + (size_t)nd + (places > 0);
  char *p = buf + len;
  *p = '\0';
  int d = 0;
  for (; d + 2 <= places; d += 2, q /= 100) memcpy(p -= 2, &pairs[(q % 100) * 2], 2);
  if (d < places) { *--p = (char)('0' + q % 10); q /= 10; }
  if (places > 0) *--p = '.';
  for (; q >= 100; q /= 100) memcpy(p -= 2, &pairs[(q % 100) * 2], 2);
  if (q >= 10) memcpy(p -= 2, &pairs[q * 2], 2);
  else *--p = (char)('0' + q);
  if (neg) *--p = '-';
  return len;
}

static inline __attribute__((always_inline)) size_t format64(uint64_t v, bool neg, int places,
                                                             char *buf) {
  uint64_t u = pow10[TL_DEC_SCALE - places], q = v / u, r = v % u;
  q += r > u - r || (r == u - r && (q & 1));    /* half-even, as below */
  return digits64(q, neg, places, buf);
}

/* format64 with places a constant, so that its divisions by powers of ten
** are multiplications (a division by a variable takes tens of cycles). */
static size_t format64_any(uint64_t v, bool neg, int places, char *buf) {
  switch (places) {
#define PLACES(k) case k: return format64(v, neg, k, buf);
    PLACES(0) PLACES(1) PLACES(2) PLACES(3) PLACES(4)
    PLACES(5) PLACES(6) PLACES(7) PLACES(8) PLACES(9)
#undef PLACES
  }
  return 0;
}

int64_t tl_dec_raw_unit(int places) { return pow10[TL_DEC_SCALE - places]; }

size_t tl_dec_format_units(int64_t units, int places, char *buf) {
  uint64_t m = units < 0 ? 0 - (uint64_t)units : (uint64_t)units;
  switch (places) {
#define PLACES(k) case k: return digits64(m, units < 0, k, buf);
    PLACES(0) PLACES(1) PLACES(2) PLACES(3) PLACES(4)
    PLACES(5) PLACES(6) PLACES(7) PLACES(8) PLACES(9)
#undef PLACES
  }
  buf[0] = '\0';
  return 0;
}

/* The text is built backwards in a local buffer, then copied out: 30 integer
** digits, 9 separators, a sign, a point and 9 decimals fit in 64 bytes.
** Decimals past the 9th are always zero and are appended while copying, so
** a large places value cannot overrun the local buffer; the copy stops at
** cap, NUL-terminated. */
size_t tl_dec_format(tl_dec a, int places, bool group, char *buf, size_t cap) {
  if (!group && places >= 0 && places <= TL_DEC_SCALE && mag(a.raw) >> 63 == 0
      && cap >= FORMAT64_ROOM)
    return format64_any((uint64_t)mag(a.raw), a.raw < 0, places, buf);
  char tmp[64], *p = tmp + sizeof tmp;
  u128 m = mag(a.raw), ip;
  uint64_t r;
  uint32_t fp;
  int nf, pad = 0, k = 0;
  size_t len;
  if (places >= 0 && places < TL_DEC_SCALE) {
    /* Stays below 2^128: DMAX plus one display unit. */
    uint32_t u = pow10[TL_DEC_SCALE - places];
    u128 q = div_small(m, u, &r);
    m = (q + round_up(q, r, u, TL_ROUND_HALF_EVEN)) * u;
  }
  ip = div_small(m, ONE, &r);
  fp = (uint32_t)r;
  if (places >= 0) {
    nf = places < TL_DEC_SCALE ? places : TL_DEC_SCALE;
    pad = places - nf;
    fp /= pow10[TL_DEC_SCALE - nf];
  } else {
    for (nf = fp ? TL_DEC_SCALE : 0; nf > 0 && fp % 10 == 0; nf--) fp /= 10;
  }
  for (int i = 0; i < nf; i++) {
    *--p = (char)('0' + fp % 10);
    fp /= 10;
  }
  if (nf > 0) *--p = '.';
  do {
    unsigned dig;
    if (ip >> 64) {
      dig = (unsigned)(ip % 10);
      ip /= 10;
    } else {
      dig = (unsigned)((uint64_t)ip % 10);
      ip = (uint64_t)ip / 10;
    }
    if (group && k > 0 && k % 3 == 0) *--p = ',';
    *--p = (char)('0' + dig);
    k++;
  } while (ip);
  if (a.raw < 0 && m != 0) *--p = '-';
  if (cap == 0) return 0;
  len = (size_t)(tmp + sizeof tmp - p);
  if (len > cap - 1) len = cap - 1;
  memcpy(buf, p, len);
  for (; pad > 0 && len < cap - 1; pad--) buf[len++] = '0';
  buf[len] = '\0';
  return len;
}

bool tl_dec_to_int(tl_dec a, int64_t *out) {
  __int128 i = a.raw / TL_DEC_ONE_RAW;
  if (i < INT64_MIN || i > INT64_MAX) return false;
  *out = (int64_t)i;
  return true;
}

const char *tl_dec_status_str(tl_dec_status s) {
  static const char *const msg[] = {
    "ok", "overflow", "division by zero", "not a plain decimal number",
    "more than 9 decimal places"
  };
  return (unsigned)s < sizeof msg / sizeof msg[0] ? msg[s] : "unknown decimal status";
}
