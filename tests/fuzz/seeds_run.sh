#!/bin/sh
# seeds_run.sh OUT: the run fuzz target's seeds, written into OUT, one file
# per plan that tests/run runs over its ledger (acceptance scenarios, edge
# cases, examples, the malformed ledgers): the plan, then each CSV file after
# a line naming it (tests/fuzz/fuzz_run.c).  Made from those files each time,
# so a seed is never a stale copy of them.
set -eu
out=$1
rm -rf "$out"
mkdir -p "$out"
whole() {   # a file, ending in a newline whether or not it did
  cat "$1"
  [ -z "$(tail -c 1 "$1")" ] || echo
}
seed() {   # name plan data-dir
  {
    whole "$2"
    for t in payees fx deals splits quotas; do
      [ -f "$3/$t.csv" ] || continue
      echo "--$t.csv--"
      whole "$3/$t.csv"
    done
  } >"$out/$1"
}
for d in tests/acceptance/*/ tests/cases/*/ examples/*/; do
  d=${d%/}
  [ -f "$d/plan.tally" ] || continue
  data=$d
  [ -d "$d/data" ] && data=$d/data
  seed "$(echo "$d" | tr / _)" "$d/plan.tally" "$data"
done
for d in tests/data/csv-bad/*/; do
  d=${d%/}
  seed "$(echo "$d" | tr / _)" tests/data/csv-bad.tally "$d"
done
