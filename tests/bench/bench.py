#!/usr/bin/python3
"""bench.py: Tally against what comp teams use today, measured side by side.

    make bench                                  # 100k, 1M, 10M deals, 10k payees;
                                                # pandas and SQLite up to 1M (BASELINE_MAX)
    make bench DEALS=N PAYEES=M                 # one size
    make bench SIZES="100000 1000000 10000000"  # several sizes
    make bench BASELINE_MAX=1000000             # pandas and SQLite only up to 1M deals
    make bench RUNS=5 SCALING=0

For each size: generate the ledger (tests/bench/gen.py, fixed seed; cached
under build/bench/ by size), then run on the same files in RUNS rounds, each
program once a round, in this order:
    tally    build/tally run examples/bench-reference/plan.tally --data DIR > F
    pandas   tests/bench/baseline_pandas.py (Debian's python3-pandas)
    sqlite   the sqlite3 shell with tests/bench/baseline.sql
    wc -l    a raw scan of deals.csv
    tally@2N Tally on twice the deals (SCALING=1)
Rounds, not each program's runs one after another: this host has slow
stretches of a minute or more (fresh memory comes slowly), and a program
whose runs all fell in one looked slower than it is, or its rival faster.
Every program writes its payouts the same way, to a file through a plain
write (Tally and sqlite3 to standard output, pandas with to_csv), so none of
them pays for an fsync: `tally run --out F` adds one, and a rename, to
replace F only once all of it is on disk.  Each baseline's payouts must equal
Tally's byte for byte; any difference is printed and the benchmark exits 1.
Times are wall-clock medians; peak RSS is the largest "Maximum resident set
size" of /usr/bin/time -v over the runs.  With SCALING=1, Tally also runs on
a ledger of twice the deals (same payees) for the scaling ratio t(2N)/t(N).
No timing is asserted: this only reports.
"""
import argparse
import datetime
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GEN = os.path.join(HERE, "gen.py")
PANDAS = os.path.join(HERE, "baseline_pandas.py")
SQL = os.path.join(HERE, "baseline.sql")
PLAN = os.path.join(ROOT, "examples", "bench-reference", "plan.tally")
TABLES = ("payees", "deals", "splits", "fx")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fail(msg):
    log("bench: " + msg)
    sys.exit(1)


def ledger(cache, deals, payees):
    """The ledger of that size, generated once and kept while gen.py is unchanged."""
    d = os.path.join(cache, "ledger-%d-%d" % (deals, payees))
    with open(GEN, "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()
    sp = os.path.join(d, "STAMP")
    if os.path.exists(sp) and open(sp).read() == stamp:
        return d
    log("== generating %d deals, %d payees in %s" % (deals, payees, d))
    if os.path.exists(d):
        shutil.rmtree(d)
    t = time.perf_counter()
    subprocess.run([sys.executable, GEN, "--deals", str(deals), "--payees", str(payees),
                    "--out", d], check=True)
    log("   %.1f s" % (time.perf_counter() - t))
    with open(sp, "w") as f:
        f.write(stamp)
    return d


def csvs(d):
    """The ledger's CSV files in d, those that exist."""
    return [f for f in (os.path.join(d, t + ".csv") for t in TABLES) if os.path.exists(f)]


def input_bytes(d):
    return sum(os.path.getsize(f) for f in csvs(d))


def warm(paths):
    """Read paths through the page cache, untimed, just before a run: every program is
    timed reading its files from memory.  Warming once a size was not enough where the
    kernel drops page cache unused for a minute (a DAMON pageout scheme on this host's
    machines): half an hour after its last read, a 20M-deal file was a sixth resident."""
    subprocess.run(["cat"] + paths, stdout=subprocess.DEVNULL, check=True)


def measure(argv, cwd=None, stdin=None, stdout=None, timeout=None):
    """One run under /usr/bin/time -v: (wall seconds, peak RSS in kB, CPU seconds)."""
    stats = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tally-bench-time.%d" % os.getpid())
    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
    fout = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", stats] + argv, cwd=cwd, stdin=fin,
                           stdout=fout, stderr=subprocess.PIPE, timeout=timeout)
        wall = time.perf_counter() - t
    finally:
        if stdin:
            fin.close()
        if stdout:
            fout.close()
    if p.returncode != 0:
        fail("%s exited %d:\n%s" % (" ".join(argv), p.returncode,
                                    p.stderr.decode(errors="replace")[-3000:]))
    rss, cpu = 0, 0.0
    with open(stats) as f:
        for line in f:
            if "Maximum resident set size" in line:
                rss = int(line.rsplit(":", 1)[1])
            elif "User time (seconds)" in line or "System time (seconds)" in line:
                cpu += float(line.rsplit(":", 1)[1])
    os.unlink(stats)
    return wall, rss, cpu


def first_difference(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        for n, (x, y) in enumerate(zip(fa, fb), 1):
            if x != y:
                return "line %d: tally %r, baseline %r" % (n, x.decode().rstrip(),
                                                            y.decode().rstrip())
    return "one output is a prefix of the other (%d vs %d bytes)" % (os.path.getsize(a),
                                                                   os.path.getsize(b))


def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = "%.1f GB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    return "%d CPUs (%s), %s RAM, %s %s" % (os.cpu_count() or 0, model, mem, platform.system(),
                                            platform.release())


def version(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def fmt_rate(x):
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    return "%.0fk" % (x / 1e3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tally", default=os.path.join(ROOT, "build", "tally"))
    ap.add_argument("--sizes", default="100000 1000000 10000000")
    ap.add_argument("--payees", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline-max", default="",
                    help="run pandas and SQLite only at sizes up to this many deals")
    ap.add_argument("--scaling", type=int, default=1)
    ap.add_argument("--cache", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--tree", default=None,
                    help="what the tally binary was built from (default: git describe)")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.replace(",", " ").split()]
    bmax = int(a.baseline_max) if a.baseline_max.strip() else None
    tally = os.path.abspath(a.tally)
    os.makedirs(a.cache, exist_ok=True)
    outdir = os.path.join(a.cache, "out")
    os.makedirs(outdir, exist_ok=True)
    mismatches = []
    results = []

    def rounds(size, tools):
        """RUNS rounds in which each tool runs once, in turn, so that a slow stretch of the
        host falls on all of them alike rather than on the one that was running then.
        tools: (key, name, argv, kwargs); kwargs may name out and reference (payouts to
        check against Tally's of the same round).  Returns {key: (median wall, peak RSS,
        median CPU)}."""
        stats = {t[0]: ([], [], []) for t in tools}
        for i in range(a.runs):
            for key, name, argv, kw in tools:
                warm(kw["reads"])
                w, r, c = measure(argv, cwd=kw.get("cwd"), stdin=kw.get("stdin"),
                                  stdout=kw.get("stdout"), timeout=a.timeout)
                walls, cpus, rss = stats[key]
                walls.append(w)
                cpus.append(c)
                rss.append(r)
                if kw.get("reference"):
                    same_payouts(name, size, kw["reference"], kw["out"])
        out = {}
        for key, name, argv, kw in tools:
            walls, cpus, rsss = stats[key]
            med, cmed, rss = statistics.median(walls), statistics.median(cpus), max(rsss)
            # Each run's peak as well: the report keeps the largest, and one run in a
            # slow or cold stretch can be the one above a target.
            log("   %-8s %8.3f s  (runs: %s)  CPU %.3f s  peak RSS %.1f MB (runs: %s)" % (
                name, med, " ".join("%.3f" % w for w in walls), cmed, rss / 1024,
                " ".join("%.1f" % (x / 1024) for x in rsss)))
            out[key] = (med, rss, cmed)
        return out

    def same_payouts(name, size, reference, out):
        with open(reference, "rb") as f1, open(out, "rb") as f2:
            same = f1.read() == f2.read()
        if not same:
            msg = "%s payouts differ from Tally's at %d deals: %s" % (
                name, size, first_difference(reference, out))
            log("!! " + msg)
            mismatches.append(msg)
        return same

    wc = shutil.which("wc")
    sqlite = shutil.which("sqlite3")
    for n in sizes:
        d = ledger(a.cache, n, a.payees)
        inb = input_bytes(d)
        tables, deals = csvs(d), os.path.join(d, "deals.csv")
        log("== %d deals, %d payees (%.1f MB of CSV)" % (n, a.payees, inb / 1e6))
        row = {"deals": n, "input": inb}
        ref = os.path.join(outdir, "tally-%d.csv" % n)
        tools = [("tally", "tally", [tally, "run", PLAN, "--data", d],
                  {"stdout": ref, "reads": tables})]
        if bmax is None or n <= bmax:
            po = os.path.join(outdir, "pandas-%d.csv" % n)
            tools.append(("pandas", "pandas", ["/usr/bin/python3", PANDAS, d, po],
                          {"out": po, "reference": ref, "reads": tables}))
            so = os.path.join(outdir, "sqlite-%d.csv" % n)
            tools.append(("sqlite", "sqlite", [sqlite, "-batch", ":memory:"],
                          {"cwd": d, "stdin": SQL, "stdout": so, "out": so, "reference": ref,
                           "reads": tables}))
        tools.append(("wc", "wc -l", [wc, "-l", deals], {"reads": [deals]}))
        if a.scaling:
            d2 = ledger(a.cache, 2 * n, a.payees)
            o2 = os.path.join(outdir, "tally-%d.csv" % (2 * n))
            tools.append(("tally2", "tally@2N", [tally, "run", PLAN, "--data", d2],
                          {"stdout": o2, "reads": csvs(d2)}))
        row.update(rounds(n, tools))
        results.append(row)

    # ---- the report ------------------------------------------------------------
    L = []
    L.append("Tally benchmark, %s" % datetime.date.today().isoformat())
    L.append("machine: %s" % machine())
    L.append("tally: %s, built from %s" % (tally, a.tree or version(
        ["git", "-C", ROOT, "describe", "--always", "--dirty"])))
    pdv = version(["/usr/bin/python3", "-c", "import pandas, platform; "
                   "print(pandas.__version__, platform.python_version())"]).split()
    L.append("versions: %s; pandas %s (python %s); sqlite3 %s; %s" % (
        version([tally, "--version"]), pdv[0] if pdv else "?", pdv[1] if len(pdv) > 1 else "?",
        version([sqlite, "--version"]).split()[0] if sqlite else "?",
        version([wc, "--version"])))
    L.append("plan: examples/bench-reference/plan.tally (12 monthly periods, marginal tiers,")
    L.append("      SPIF, splits, fx, clawback as-of recalculation, recoverable draw)")
    L.append("ledger: tests/bench/gen.py, %d payees; wall and CPU (user + system) time = median "
             "of %d runs;" % (a.payees, a.runs))
    L.append("        peak RSS = max over the runs; machine load when the report was made: %s" %
             " ".join("%.2f" % x for x in os.getloadavg()))
    L.append("")
    L.append("%-10s %-8s %9s %9s %10s %9s %8s" % ("deals", "tool", "wall s", "CPU s", "deals/s",
                                                     "RSS MB", "RSS/CSV"))
    for row in results:
        n = row["deals"]
        first = True
        for key, name in (("tally", "tally"), ("pandas", "pandas"), ("sqlite", "sqlite"),
                          ("wc", "wc -l")):
            if key not in row:
                continue
            wall, rss, cpu = row[key]
            L.append("%-10s %-8s %9.3f %9.3f %10s %9.1f %8.2f" % (
                ("%d" % n) if first else "", name, wall, cpu, fmt_rate(n / wall), rss / 1024,
                rss * 1024 / row["input"]))
            first = False
        L.append("%-10s input CSV %.1f MB" % ("", row["input"] / 1e6))
    L.append("")
    L.append("ratios of wall times, Tally / other (in brackets: how many times faster Tally is,")
    L.append("or for a ratio above 1, how many times slower); t(2N)/t(N): Tally at twice the deals;")
    L.append("second line: the same ratios of CPU times")
    L.append("%-10s %20s %20s %20s %11s" % ("deals", "tally/pandas", "tally/sqlite",
                                             "tally/wc -l", "t(2N)/t(N)"))
    def ratio(num, den):
        # /usr/bin/time gives CPU time in hundredths: a small run's can be 0.
        if num <= 0 or den <= 0:
            return "- (under 0.01 s)"
        r = num / den
        return "%.4f (%s)" % (r, ("%.0fx faster" % (1 / r)) if r < 1 else ("%.1fx slower" % r))

    for row in results:
        for label, i in (("%d" % row["deals"], 0), ("  CPU", 2)):
            t = row["tally"][i]
            cells = [ratio(t, row[k][i]) if k in row else "skipped"
                     for k in ("pandas", "sqlite", "wc")]
            sc = "%.2f" % (row["tally2"][i] / t) if "tally2" in row and t > 0 else "-"
            L.append("%-10s %20s %20s %20s %11s" % (label, cells[0], cells[1], cells[2], sc))
    skipped = [r["deals"] for r in results if "pandas" not in r]
    if skipped:
        L.append("")
        L.append("pandas and SQLite were skipped at %s deals (BASELINE_MAX=%s); Tally's output "
                 "was not cross-checked there." % (", ".join(map(str, skipped)), a.baseline_max))
    L.append("")
    if mismatches:
        L.append("PAYOUTS DIFFER:")
        L.extend("  " + m for m in mismatches)
    else:
        checked = [r["deals"] for r in results if "pandas" in r]
        L.append("payouts: pandas and SQLite equal Tally's byte for byte at %s deals" %
                 (", ".join(map(str, checked)) if checked else "no size"))
    report = "\n".join(L) + "\n"
    print(report, end="")
    with open(os.path.join(a.cache, "report.txt"), "w") as f:
        f.write(report)
    if mismatches:
        log("bench: FAILED: the baselines' payouts differ from Tally's (see above)")
        sys.exit(1)


if __name__ == "__main__":
    main()
