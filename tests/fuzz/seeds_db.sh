#!/bin/sh
# seeds_db.sh OUT: the db fuzz target's seeds, written into OUT: the run
# target's (the same input: a plan and its tables, tests/fuzz/fuzz_db.c),
# and two ledgers with cells of SQLite's other types (byte 1 and a letter:
# NULL, INTEGER, REAL, BLOB), which only a database can hold.
set -eu
out=$1
sh tests/fuzz/seeds_run.sh "$out"
typed() {   # name, then the payees and deals rows after their headers
  name=$1 payees=$2 deals=$3
  {
    cat tests/data/csv-bad.tally
    echo "--payees.csv--"
    echo "id,name,role,manager,start,end,quota"
    printf "$payees"
    echo "--deals.csv--"
    echo "id,owner,closed,amount,currency,product,cancelled"
    printf "$deals"
  } >"$out/$name"
}
typed typed-numbers \
  'A,\001nx,AE,,2026-01-01,,\001i120000\nB,Bo,AE,A,\001n,,\001r99000.5\n' \
  'D1,A,2026-02-01,\001i1500,USD,\001bCore,\001n\nD2,B,2026-03-01,\001r12.25,,,\n\001i7,A,2026-04-01,\001r1000.0,,,\n'
typed typed-wrong \
  'A,x,AE,,\001i20260101,,\001r1e300\nB,y,\001bAE,,,,\001r-0.0\n' \
  'D1,A,\001r2026.5,\001i-9223372036854775808,USD,,\001i0\nD2,\001iB,2026-01-02,\001r0.1,,,\n'
