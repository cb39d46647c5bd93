#!/usr/bin/python3
"""baseline_pandas.py: examples/bench-reference/plan.tally written the way an
analyst would in pandas, exact to the cent.

    /usr/bin/python3 tests/bench/baseline_pandas.py DATA_DIR OUT.csv

Reads payees.csv, deals.csv, splits.csv and fx.csv from DATA_DIR and writes the
payouts in the format of `tally run` (payee,period,line,amount; payees in byte
order of their id, 12 months each, lines commission, widget_spif, earned, net,
balance).  It must equal Tally's output byte for byte: `make bench` compares.

No binary floating point touches money.  Every quantity is an int64 count of
a fixed decimal unit and each product or quotient is rounded exactly where
Tally rounds it (runtime/decimal.c: half-even at 1e-9; the plan's half-up to
0.01 for E(P) and draws).  Units:
    amounts            1e-2  (cents; the ledger has 2 decimals, checked)
    fx rates           1e-6  (checked), so amount * rate is exact in 1e-8
    split shares       1e-4  (checked), so amount * rate * share is exact in 1e-12,
                             then rounded half-even to 1e-9 as Tally's credit is
    credits, quotas    1e-9  (Tally's own unit)
    SPIF values        1e-4  (250 * share, exact)
Every multiplication is guarded against int64 overflow (it fails loudly).

The evaluation model (doc/language.md, runtime/engine.c), for this plan:
    credit lines       one per splits row of a deal, else the owner's at 100%;
                       eligible (role AE) payees only; deals closed in 2026.
    clawback           a deal cancelled at most 90 days after close and by
                       2026-12-31 is taken out of every as-of period P >= r,
                       r = max(close month, cancel month).
    commission E(P)    marginal(ytd bookings as of P, ytd quota), rounded
                       half-up to cents; ytd quota = sum of payee.quota / 12
                       (half-even at 1e-9) * active days / days in month
                       (half-even at 1e-9); a bound b * Q is money: half-even
                       at 1e-9, then half-up to cents (the plan's rounding);
                       each band's part half-even at 1e-9.
    widget_spif E(P)   sum over months k <= P of round_half_up(SPIF credits
                       of k as known at the end of P).
    payable            E(P) - E(P-1); earned = sum of payables.
    draw and balance   new hires (start >= 2026-01-01): 3,000 in each of
                       their first 3 active months, prorated by active days
                       (half-even at 1e-9, then half-up to cents);
                       net = max(g, earned - b); b = b + net - earned.
"""
import os
import sys

import numpy as np
import pandas as pd

N = 12                                    # monthly periods of 2026
YEAR_FIRST, YEAR_LAST = "2026-01-01", "2026-12-31"
SPIF_FIRST, SPIF_LAST = "2026-04-01", "2026-09-30"
TIERS = ((0, 6), (50, 8), (100, 12), (150, 15))   # (bound %, rate %)
SPIF = 250
DRAW, DRAW_PERIODS = 3000, 3
CLAWBACK_DAYS = 90
I64 = 2 ** 63 - 1


def die(msg):
    sys.exit("baseline_pandas: " + msg)


def guard(a, factor, what):
    """Fail instead of wrapping when a * factor leaves int64."""
    a = np.asarray(a, dtype=np.int64)
    m = int(np.abs(a).max()) if a.size else 0
    f = np.asarray(factor, dtype=np.int64)
    f = int(np.abs(f).max()) if f.size else 0
    if m and m > I64 // max(1, f):
        die("%s would overflow int64" % what)


def scaled(s, places, what):
    """Exact decimal text -> int64 count of 10^-places, without float: the
    column as a byte matrix, each digit times its power of ten."""
    b = s.to_numpy().astype(bytes)
    n = len(b)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    u = b.view(np.uint8).reshape(n, -1)
    w = u.shape[1]
    col = np.arange(w)[None, :]
    length = (u != 0).sum(axis=1)
    neg = u[:, 0] == ord("-")
    first = (neg | (u[:, 0] == ord("+"))).astype(np.int64)
    digit = (u >= ord("0")) & (u <= ord("9"))
    dot = u == ord(".")
    dotpos = np.where(dot.any(axis=1), dot.argmax(axis=1), length)
    frac = length - dotpos - 1                      # digits after the point (-1: none)
    ok = (digit | dot | (col < first[:, None]) | (u == 0)).all(axis=1) & \
        (dot.sum(axis=1) <= 1) & (dotpos > first) & (frac != 0) & (frac <= places) & \
        (dotpos - first + places <= 18)
    if not ok.all():
        die("%s: %r is not a decimal with at most %d places" % (what, s.iloc[int(np.argmin(ok))],
                                                                 places))
    # the digit in column j weighs 10^(places + dotpos - 1 - j) before the
    # point and 10^(places + dotpos - j) after it
    e = places + dotpos[:, None] - col - (col < dotpos[:, None])
    pow10 = 10 ** np.clip(e, 0, 18).astype(np.int64)
    v = np.where(digit & (col >= first[:, None]), (u.astype(np.int64) - ord("0")) * pow10, 0)
    v = v.sum(axis=1)
    return np.where(neg, -v, v).astype(np.int64)


def div_half_even(n, d):
    """n / d rounded half-even; n int64 array (any sign), d > 0 (scalar or array)."""
    n = np.asarray(n, dtype=np.int64)
    m = np.abs(n)
    q, r = np.divmod(m, d)
    up = (2 * r > d) | ((2 * r == d) & (q % 2 == 1))
    q = q + up
    return np.where(n < 0, -q, q)


def div_half_up(n, d):
    n = np.asarray(n, dtype=np.int64)
    m = np.abs(n)
    q, r = np.divmod(m, d)
    q = q + (2 * r >= d)
    return np.where(n < 0, -q, q)


def mul(a, b, what):
    guard(a, b, what)
    return np.asarray(a, dtype=np.int64) * b


def read(data, name, optional=False):
    path = os.path.join(data, name + ".csv")
    if optional and not os.path.exists(path):
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def main():
    data, out = sys.argv[1], sys.argv[2]
    payees = read(data, "payees")
    deals = read(data, "deals")
    splits = read(data, "splits", optional=True)
    fx = read(data, "fx", optional=True)

    # ---- eligible payees, in byte order of their id ------------------------
    elig = payees[payees["role"] == "AE"].copy()
    ids = sorted(elig["id"].tolist(), key=lambda s: s.encode())
    elig = elig.set_index("id").loc[ids]
    npay = len(ids)
    pos = pd.Series(np.arange(npay), index=ids)

    # ---- calendar ------------------------------------------------------------
    pstart = pd.date_range(YEAR_FIRST, periods=N, freq="MS")
    pend = pstart + pd.offsets.MonthEnd(0)
    pdays = ((pend - pstart).days + 1).to_numpy(np.int64)
    start = pd.to_datetime(elig["start"], format="%Y-%m-%d").to_numpy()
    lo = np.maximum(start[:, None], pstart.to_numpy()[None, :])
    days = ((pend.to_numpy()[None, :] - lo) / np.timedelta64(1, "D")).astype(np.int64) + 1
    days = np.maximum(days, 0)                                   # [payee, month]

    # ---- deals of the year, converted to USD ----------------------------------
    closed = pd.to_datetime(deals["closed"], format="%Y-%m-%d")
    inyear = (deals["closed"] >= YEAR_FIRST) & (deals["closed"] <= YEAR_LAST)
    d = deals[inyear.to_numpy()]
    closed = closed[inyear]
    cents = scaled(d["amount"], 2, "deals.amount")
    rate = np.full(len(d), 10 ** 6, dtype=np.int64)              # 1e-6 units
    cur = d["currency"].to_numpy()
    foreign = (cur != "") & (cur != "USD")
    if foreign.any():
        if fx is None:
            die("foreign-currency deals but no fx.csv")
        fx = fx.assign(r=scaled(fx["rate"], 6, "fx.rate")).sort_values("from")
        found = np.zeros(len(d), dtype=bool)
        cl = d["closed"].to_numpy()
        for c, f, r in zip(fx["currency"], fx["from"], fx["r"]):
            m = (cur == c) & (cl >= f)
            rate[m] = r
            found |= m
        if (foreign & ~found).any():
            die("no fx rate for deal %s" % d["id"].to_numpy()[foreign & ~found][0])
    plan8 = mul(cents, rate, "amount * rate")                     # 1e-8 units, exact

    k = (closed.dt.month - 1).to_numpy(np.int64)
    canc = pd.to_datetime(d["cancelled"].where(d["cancelled"] != ""), format="%Y-%m-%d")
    within = canc.notna() & ((canc - closed).dt.days <= CLAWBACK_DAYS) & \
        (d["cancelled"] <= YEAR_LAST)
    cmonth = np.where(d["cancelled"].to_numpy() >= YEAR_FIRST, canc.dt.month.fillna(1) - 1, -1)
    r = np.where(within.to_numpy(), np.maximum(k, cmonth), N).astype(np.int64)
    widget = ((d["product"] == "Widget") & (d["closed"] >= SPIF_FIRST) &
              (d["closed"] <= SPIF_LAST)).to_numpy()
    dl = pd.DataFrame({"deal": d["id"].to_numpy(), "owner": d["owner"].to_numpy(),
                       "plan8": plan8, "k": k, "r": r, "widget": widget})

    # ---- credit lines: splits.csv overrides the owner --------------------------
    if splits is not None and len(splits):
        sp = pd.DataFrame({"deal": splits["deal"], "payee": splits["payee"],
                           "share": scaled(splits["share"], 4, "splits.share")})
        tot = sp.groupby("deal")["share"].sum()
        if (tot != 10 ** 4).any():
            die("split shares of deal %s do not sum to 100%%" % tot[tot != 10 ** 4].index[0])
        split_deals = dl["deal"].isin(sp["deal"])
        whole = dl[~split_deals].rename(columns={"owner": "payee"}).assign(share=10 ** 4)
        parts = dl[split_deals].drop(columns="owner").merge(sp, on="deal")
        lines = pd.concat([whole, parts], ignore_index=True)
    else:
        lines = dl.rename(columns={"owner": "payee"}).assign(share=10 ** 4)
    lines = lines[lines["payee"].isin(pos.index)]
    p = lines["payee"].map(pos).to_numpy(np.int64)
    credit = div_half_even(mul(lines["plan8"].to_numpy(), lines["share"].to_numpy(),
                               "amount * share"), 1000)           # 1e-12 -> 1e-9
    spif = np.where(lines["widget"].to_numpy(), SPIF * lines["share"].to_numpy(), 0)  # 1e-4
    lk, lr = lines["k"].to_numpy(), lines["r"].to_numpy()

    def dense(keys, shape, values):
        """Exact int64 sums of values grouped by keys, as a dense array."""
        flat = np.ravel_multi_index(keys, shape)
        s = pd.Series(values).groupby(flat).sum()
        a = np.zeros(int(np.prod(shape)), dtype=np.int64)
        a[s.index.to_numpy()] = s.to_numpy()
        return a.reshape(shape)

    # bookings as of P: everything closed by P, less what was removed by P
    B = dense((p, lk), (npay, N), credit)
    R = dense((p, lr), (npay, N + 1), credit)[:, :N]
    X = np.cumsum(B, axis=1) - np.cumsum(R, axis=1)               # [payee, P], 1e-9

    # ---- quota and commission ---------------------------------------------------
    qyear = scaled(elig["quota"], 9, "payees.quota")
    monthly = div_half_even(qyear, 12)
    Q = np.cumsum(div_half_even(mul(monthly[:, None], days, "quota * days"), pdays[None, :]),
                  axis=1)
    acc = np.zeros_like(X)
    def bound(pct):
        """A bound over the quota is money: pct% of Q (half-even at 1e-9),
        then rounded to the plan's unit (half-up to cents), in 1e-9 units."""
        return div_half_up(div_half_even(mul(Q, pct, "bound * quota"), 100), 10 ** 7) * 10 ** 7

    for i, (pct, rate_pct) in enumerate(TIERS):
        b0 = bound(pct)
        if i + 1 < len(TIERS):
            top = np.minimum(X, bound(TIERS[i + 1][0]))
        else:
            top = X
        part = div_half_even(mul(top - b0, rate_pct, "band * rate"), 100)
        acc += np.where(X > b0, part, 0)
    E_comm = div_half_up(acc, 10 ** 7)                              # cents

    # ---- SPIF: each month's value as known at the end of P, rounded, summed ----
    S = dense((p, lk), (npay, N), spif)
    Srem = np.cumsum(dense((p, lk, lr), (npay, N, N + 1), spif)[:, :, :N], axis=2)
    asof = S[:, :, None] - Srem                                     # [payee, k, P]
    known = np.arange(N)[:, None] <= np.arange(N)[None, :]          # k <= P
    E_spif = (div_half_up(asof, 100) * known[None, :, :]).sum(axis=1)

    def payable(E):
        return E - np.concatenate([np.zeros((npay, 1), dtype=np.int64), E[:, :-1]], axis=1)

    pay_comm, pay_spif = payable(E_comm), payable(E_spif)
    earned = pay_comm + pay_spif

    # ---- draw and balance (rule 8), month by month -------------------------------
    draw = np.where(elig["start"].to_numpy() >= YEAR_FIRST, DRAW * 10 ** 9, 0)
    left = np.full(npay, DRAW_PERIODS)
    bal = np.zeros(npay, dtype=np.int64)
    net = np.zeros((npay, N), dtype=np.int64)
    balance = np.zeros((npay, N), dtype=np.int64)
    for P in range(N):
        use = (left > 0) & (days[:, P] > 0)
        left = left - use
        g = np.where(use, div_half_up(div_half_even(mul(draw, days[:, P], "draw * days"),
                                                    pdays[P]), 10 ** 7), 0)
        owed = earned[:, P] - bal
        net[:, P] = np.maximum(g, owed)
        bal = net[:, P] - owed
        balance[:, P] = bal

    # ---- output ------------------------------------------------------------------
    lines_out = (pay_comm, pay_spif, earned, net, balance)
    names = np.array(["commission", "widget_spif", "earned", "net", "balance"])
    amounts = np.stack(lines_out, axis=2).reshape(-1)               # payee, P, line
    neg = amounts < 0
    mag = np.abs(amounts)
    text = pd.Series(np.where(neg, "-", "")) + pd.Series(mag // 100).astype(str) + "." + \
        pd.Series(mag % 100).astype(str).str.zfill(2)
    periods = np.array(["2026-%02d" % (m + 1) for m in range(N)])
    res = pd.DataFrame({
        "payee": np.repeat(np.array(ids, dtype=object), N * len(names)),
        "period": np.tile(np.repeat(periods, len(names)), npay),
        "line": np.tile(names, npay * N),
        "amount": text.to_numpy(),
    })
    res.to_csv(out, index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
