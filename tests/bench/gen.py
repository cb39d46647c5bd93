#!/usr/bin/env python3
"""gen.py: a deterministic generator of realistic ledgers for the benchmarks.

    python3 tests/bench/gen.py --deals N --payees M --out DIR [--seed S]

writes DIR/payees.csv, deals.csv, splits.csv and fx.csv in the schema of
examples/bench-reference/plan.tally.  The same arguments always give the same
bytes (Python's Mersenne Twister, seeded; nothing depends on the clock, the
locale or the hash seed).

The ledger:
  payees  one VP, about one manager per ten AEs (role "Manager", ineligible),
          the rest AEs with a manager and an annual quota (400k to 1.6M in
          steps of 5,000, so /12 is often inexact); 15% of the AEs start
          inside the plan year (new hires: prorated quota and a draw).
  deals   owned by AEs, closed on or after the owner's start; 1% fall just
          outside the plan year; 70% USD (a few with the currency left
          empty), 18% EUR, 12% GBP; products Core, Widget, Services; amounts
          log-uniform over a 800x range sized so that AEs land near quota
          (50% to 180% by an AE's productivity) whatever N and M; 5% cancelled, 60% of those
          within 90 days of close, the rest later.
  splits  10% of the deals, split between the owner and one or two other AEs
          with shares that sum to exactly 1 (some of 3 and 4 decimals).
  fx      EUR and GBP rates (6 decimals) changing several times in the year.

Speed: each deal costs one 96-bit draw, sliced into fields, and the rows are
written in large blocks; 10M deals take about half a minute.
"""
import argparse
import datetime
import os
import random
import sys

YEAR_START = datetime.date(2026, 1, 1)
YEAR_END = datetime.date(2026, 12, 31)

FX = """currency,from,rate
EUR,2025-12-01,1.083512
EUR,2026-02-16,1.091277
EUR,2026-05-01,1.102345
EUR,2026-07-20,1.087654
EUR,2026-10-05,1.079321
GBP,2025-12-01,1.268841
GBP,2026-03-09,1.274410
GBP,2026-06-15,1.259937
GBP,2026-09-10,1.281206
GBP,2026-11-23,1.266475
"""

FIRST = ("Ana Ben Cara Dev Eli Fay Gus Hana Ivo Jun Kai Lea Max Nia Omar Pia Quin Rui Sara Tom "
         "Uma Vic Wen Xia Yan Zoe").split()
LAST = ("Silva Chen Okafor Novak Rossi Kim Patel Berg Costa Dubois Haddad Ito Jensen Lopez Meyer "
        "Nakamura Olsen Park Quinn Reyes Sato Tanaka Ueda Varga Weber Young").split()

# Split patterns: the owner's share first; each sums to exactly 1.
SPLITS = (("0.5", "0.5"), ("0.6", "0.4"), ("0.7", "0.3"), ("0.75", "0.25"),
          ("0.5", "0.25", "0.25"), ("0.34", "0.33", "0.33"), ("0.3334", "0.3333", "0.3333"),
          ("0.4", "0.35", "0.25"), ("0.667", "0.333"))


def day_strings(first, last):
    """ISO text of every day from first to last, indexed by offset."""
    n = (last - first).days + 1
    return [(first + datetime.timedelta(days=i)).isoformat() for i in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, required=True)
    ap.add_argument("--payees", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20260101)
    a = ap.parse_args()
    if a.payees < 3 or a.deals < 1:
        sys.exit("gen.py: need at least 3 payees and 1 deal")
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    tmp = lambda name: os.path.join(a.out, name + ".tmp")

    # ---- payees ----------------------------------------------------------
    width = max(5, len(str(a.payees)))
    ids = ["P%0*d" % (width, i + 1) for i in range(a.payees)]
    nmgr = max(1, (a.payees - 1) // 11)
    managers = ids[1:1 + nmgr]
    aes = ids[1 + nmgr:]
    if not aes:
        sys.exit("gen.py: too few payees for any AE")
    old_first = datetime.date(2018, 1, 1)
    old_days = (datetime.date(2025, 12, 31) - old_first).days + 1
    ae_start = []            # offset from YEAR_START of each AE's first active day (<= 0: before)
    rows = ["id,name,role,manager,start,quota\n"]
    def name():
        return "%s %s" % (rnd.choice(FIRST), rnd.choice(LAST))
    rows.append("%s,%s,VP,,2017-03-01,0\n" % (ids[0], name()))
    for m in managers:
        start = old_first + datetime.timedelta(days=rnd.randrange(old_days))
        rows.append("%s,%s,Manager,%s,%s,%d\n" % (m, name(), ids[0], start.isoformat(),
                                                   rnd.randrange(40, 160) * 50000))
    for i, p in enumerate(aes):
        if rnd.random() < 0.15:
            off = rnd.randrange(334)                   # 2026-01-01 .. 2026-11-30
            start = YEAR_START + datetime.timedelta(days=off)
        else:
            start = old_first + datetime.timedelta(days=rnd.randrange(old_days))
            off = (start - YEAR_START).days
        ae_start.append(max(off, 0))
        rows.append("%s,%s,AE,%s,%s,%d\n" % (p, name(), managers[i % nmgr], start.isoformat(),
                                             rnd.randrange(80, 321) * 5000))
    with open(tmp("payees"), "w", newline="") as f:
        f.write("".join(rows))

    with open(tmp("fx"), "w", newline="") as f:
        f.write(FX)

    # ---- deals and splits --------------------------------------------------
    # Days are offsets from 2025-12-01; the plan year is [31, 396).
    base = datetime.date(2025, 12, 1)
    days = day_strings(base, datetime.date(2027, 12, 31))
    y0 = (YEAR_START - base).days
    y1 = (YEAR_END - base).days
    nae = len(aes)
    span = [y1 - (y0 + s) + 1 for s in ae_start]      # days an AE can close deals in
    first_day = [y0 + s for s in ae_start]
    # Amounts are sized so that an AE's year lands near quota whatever the
    # number of deals: log-uniform over a range of 800x whose mean is the
    # mean quota (1M) over the mean number of deals per AE; each AE has a
    # productivity factor (50% to 180%), so attainment spreads around 100%.
    # Integer cents from a fixed table: the floats only build the table.
    mean_deal = 1000000.0 * nae / a.deals
    top = mean_deal * 6.6846                           # log-uniform mean = (b - a) / ln(b / a)
    amt_table = [max(1, int(top / 800 * 800 ** (i / 4096.0) * 100)) for i in range(4097)]
    factor = [rnd.randrange(50, 181) for _ in range(nae)]
    # New hires close deals in proportion to the days they are active: an
    # owner is drawn again with probability 1 - span / 365.
    accept = [(sp << 16) // 365 for sp in span]
    cur_of = ["USD"] * 70 + ["EUR"] * 18 + ["GBP"] * 12
    for i in range(4):
        cur_of[i] = ""                                 # currency left empty: plan currency
    prod_of = ["Core"] * 55 + ["Widget"] * 25 + ["Services"] * 20
    getrandbits = rnd.getrandbits
    dwidth = max(7, len(str(a.deals)))
    dfmt = "D%0" + str(dwidth) + "d"
    BLOCK = 65536
    fd = open(tmp("deals"), "w", newline="", buffering=1 << 22)
    fs = open(tmp("splits"), "w", newline="", buffering=1 << 20)
    fd.write("id,owner,closed,amount,currency,product,cancelled\n")
    fs.write("deal,payee,share\n")
    for lo in range(0, a.deals, BLOCK):
        out = []
        sout = []
        for d in range(lo, min(lo + BLOCK, a.deals)):
            x = getrandbits(96)
            o = (x & 0xFFFFFF) % nae
            while accept[o] < 0x10000 and (getrandbits(16) >= accept[o]):
                o = getrandbits(24) % nae
            r = x >> 24 & 0x3FF                        # 0..1023: outside-year, cancel, split
            if r < 10:                                 # 1%: just outside the year
                day = (x >> 34 & 0xFF) % 31 if r < 5 else y1 + 1 + (x >> 34 & 0x1F)
            else:
                day = first_day[o] + (x >> 34 & 0xFFFF) % span[o]
            amt = (amt_table[x >> 50 & 0xFFF] + (x >> 62 & 0x7F) % 100) * factor[o] // 100
            cur = cur_of[(x >> 69 & 0x3FF) % 100]
            prod = prod_of[(x >> 79 & 0x3FF) % 100]
            did = dfmt % (d + 1)
            canc = ""
            if 10 <= r < 61:                           # 5%: cancelled
                c = rnd.random()
                canc = days[day + (1 + int(c * 90) if c < 0.6 else 91 + int(c * 150))]
            out.append("%s,%s,%s,%d.%02d,%s,%s,%s\n" % (did, aes[o], days[day], amt // 100,
                                                         amt % 100, cur, prod, canc))
            if 61 <= r < 163 and nae >= 3:             # 10%: split
                pat = SPLITS[r % len(SPLITS)]
                who = [o]
                while len(who) < len(pat):
                    k = rnd.randrange(nae)
                    if k not in who:
                        who.append(k)
                for k, share in zip(who, pat):
                    sout.append("%s,%s,%s\n" % (did, aes[k], share))
        fd.write("".join(out))
        if sout:
            fs.write("".join(sout))
    fd.close()
    fs.close()
    for t in ("payees", "fx", "deals", "splits"):
        os.replace(tmp(t), os.path.join(a.out, t + ".csv"))


if __name__ == "__main__":
    main()
