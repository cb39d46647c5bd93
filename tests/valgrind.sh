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
echo "valgrind: $pass passed, $fail failed"
[ "$fail" = 0 ]
