#!/bin/sh
# seeds_repl.sh OUT: the repl fuzz target's seeds, written into OUT: the
# session scripts of tests/repl/, whose first line names the plan and ledger
# (tests/fuzz/fuzz_repl.c).  Copied each time, so a new transcript is a seed
# at once and no seed is a stale copy of one.
set -eu
out=$1
rm -rf "$out"
mkdir -p "$out"
cp tests/repl/*.in "$out/"
