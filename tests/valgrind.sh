#!/bin/sh
# The command under valgrind (memcheck): every acceptance run, every golden
# diagnostic, the test blocks, explain, diff and fmt.  Any invalid read or
# write, use of uninitialised memory or definite leak fails the suite.
# The sanitizer build (make san) covers the unit tests; this covers the
# uninstrumented binary as shipped.
set -u
BUILD=${BUILD:-build}
TALLY=$BUILD/tally
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
vg() {
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --log-file="$tmp/vg.log" "$TALLY" "$@" >/dev/null 2>&1
  if [ $? = 99 ] || [ -s "$tmp/vg.log" ]; then
    fail=$((fail + 1)); echo "FAIL: valgrind tally $*"; head -30 "$tmp/vg.log" | sed 's/^/    /'
  else
    pass=$((pass + 1))
  fi
}
for d in tests/acceptance/*/; do
  vg run "$d/plan.tally" --data "$d"
  vg test "$d/plan.tally"
done
for f in tests/lang/*.tally tests/plantest/*.tally; do vg check "$f"; done
for f in tests/plantest/*.tally; do vg test "$f"; done
for d in tests/data/csv-bad/*/; do vg run tests/data/csv-bad.tally --data "$d"; done
a2=tests/acceptance/a2-marginal-cumulative
vg explain $a2/plan.tally --data $a2 --payee B
vg explain $a2/plan.tally --data $a2 --payee B --format json
vg diff $a2/plan.tally tests/diff/a2-steeper/plan.tally --data $a2
vg run $a2/plan.tally --data $a2 --format table
vg run $a2/plan.tally --data $a2 --format json
vg fmt - <tests/fmt/messy.tally
for e in examples/*/; do vg run "$e/plan.tally" --data "$e/data"; done
# --threads: deals and splits read in parts and deals credited in ranges
# (300k deals in 9 MB, all split in 10 MB: past every threshold), taken and,
# with a bad date in the last part, dropped; and the ledger unit tests,
# whose second run cuts every deals file into parts of a byte.
thr=$tmp/threads
mkdir -p "$thr"
printf 'id,name,role\nana,Ana,AE\nben,Ben,AE\n' >"$thr/payees.csv"
for bad in -1 299990; do
  awk -v bad=$bad 'BEGIN { print "id,owner,closed,amount"
    for (i = 0; i < 300000; i++)
      printf "D%06d,%s,2026-%s-15,%d.50\n", i, i % 3 ? "ana" : "ben",
             i == bad ? "13" : sprintf("%02d", i % 12 + 1), i % 9000 + 100 }' >"$thr/deals.csv"
  printf 'deal,payee,share\n' >"$thr/splits.csv"
  awk 'BEGIN { for (i = 0; i < 300000; i++) printf "D%06d,ana,0.5\nD%06d,ben,0.5\n", i, i }' \
    >>"$thr/splits.csv"
  vg run tests/acceptance/a1-flat-monthly/plan.tally --data "$thr" --threads 3
done
# 3000 payees: evaluated in ranges on the threads
awk 'BEGIN { print "id,name,role"; for (i = 0; i < 3000; i++) printf "p%04d,P,AE\n", i }' \
  >"$thr/payees.csv"
awk 'BEGIN { print "id,owner,closed,amount"
  for (i = 0; i < 9000; i++) printf "D%05d,p%04d,2026-%02d-10,%d\n", i, i % 3000, i % 12 + 1, i }' \
  >"$thr/deals.csv"
rm -f "$thr/splits.csv"
vg run tests/acceptance/a1-flat-monthly/plan.tally --data "$thr" --threads 3
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
  --log-file="$tmp/vg.log" "$BUILD/tests/test_ledger" >/dev/null 2>&1
if [ $? = 99 ] || [ -s "$tmp/vg.log" ]; then
  fail=$((fail + 1)); echo "FAIL: valgrind test_ledger"; head -30 "$tmp/vg.log" | sed 's/^/    /'
else
  pass=$((pass + 1))
fi
echo "valgrind: $pass passed, $fail failed"
[ "$fail" = 0 ]
