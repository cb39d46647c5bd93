#!/bin/sh
# `tally repl` on a terminal: the prompt, tab completion (commands, payee and
# deal ids, names, columns after `payee.`), :reload after the plan file is
# edited, and a history file only the user can read.  The session runs in a
# detached tmux server of its own (-S: no user's tmux is touched); keys go in
# with send-keys and the screen comes back with capture-pane.
#
# tmux is a test dependency (.ci/deps installs it), so without it this test
# fails rather than skipping: a silent skip would pass CI with nothing shown.
# Prints one FAIL line per failed check and exits 1 if there was any.
set -u
BUILD=${BUILD:-build}
TALLY=${TALLY:-$BUILD/tally}
if ! command -v tmux >/dev/null 2>&1; then
  echo "FAIL: tests/repl/tty.sh: tmux is not installed (sh .ci/deps installs it)"
  exit 1
fi
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
t() { tmux -S "$sock" "$@"; }
screen() { t capture-pane -p -N -t repl 2>/dev/null; }

# Wait (up to 10 s) until the screen has a line matching the extended regular
# expression $2; otherwise report check $1 as failed, with the screen.
expect() {
  i=0
  while [ $i -lt 100 ]; do
    screen | grep -Eq -- "$2" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  echo "FAIL: tests/repl/tty.sh: $1 (no line matching /$2/ on the screen:)"
  screen | grep -v '^$' | tail -15 | sed 's/^/    /'
  fails=$((fails + 1))
  return 1
}

# Type $1, then the remaining arguments as tmux key names (Tab, Enter, C-u).
type_keys() { t send-keys -t repl -l -- "$1"; shift; [ $# = 0 ] || t send-keys -t repl "$@"; }

cp examples/enterprise-ae/plan.tally "$tmp/plan.tally"
: >"$tmp/history"
chmod 644 "$tmp/history"
t new-session -d -s repl -x 120 -y 50 \
  "TALLY_HISTORY='$tmp/history' '$TALLY' repl '$tmp/plan.tally' --data examples/enterprise-ae/data; echo \"exit status \$?\"; sleep 600"

expect "prompt" '^tally> +$'
# a command, then a payee id: each completed with a space after it
type_keys ':pa' Tab
expect "command completed" '^tally> :payee $'
type_keys 'av' Tab
expect "payee id completed" '^tally> :payee ava $'
t send-keys -t repl Enter
expect "payee set" '^payee ava: name Ava Lindqvist, role AE'
# names inside an expression, with nothing appended
type_keys 'ytd(boo' Tab
expect "measure name completed" '^tally> ytd\(bookings$'
type_keys ')' Enter
expect "expression evaluated" '^2026-Q2  245,000\.00$'
type_keys 'payee.tar' Tab
expect "column after payee. completed" '^tally> payee\.target$'
t send-keys -t repl Enter
expect "column evaluated" '^2026-Q4  60,000\.00$'
# an ambiguous deal id: the second Tab lists the candidates
type_keys ':why A-10' Tab Tab
expect "deal ids listed" '^A-101 +A-102 +A-103 +A-104 +A-105 +A-106 +A-107 +A-108'
type_keys '4' Enter
expect ":why on the completed id" '^deal A-104: closed 2026-05-12 \(2026-Q2\), amount 120,000\.00$'
type_keys ':per' Tab
expect "second command completed" '^tally> :period $'
type_keys '2026-Q' Tab Tab
expect "periods listed" '^2026-Q1 +2026-Q2 +2026-Q3 +2026-Q4'
type_keys '2' Enter
expect "period set" '^period 2026-Q2: 2026-04-01 to 2026-06-30$'

# :reload picks up an edit of the plan file (the accelerator 12% -> 13%)
type_keys ':explain' Enter
expect "rate before the edit" 'band 100% to 150% .*: 45,000\.00 at 12% = 5,400\.00$'
sed 's/100% : 12%/100% : 13%/' "$tmp/plan.tally" >"$tmp/plan.new" && mv "$tmp/plan.new" "$tmp/plan.tally"
t send-keys -t repl C-l
type_keys ':reload' Enter
expect "reloaded" '^plan "Enterprise AE FY2026" \(.*plan\.tally\): 1 measure, 2 components'
type_keys ':explain' Enter
expect "rate after :reload" 'band 100% to 150% .*: 45,000\.00 at 13% = 5,850\.00$'

# an error prints and the session goes on; so does Ctrl-C, which drops the
# line being typed; Ctrl-D on an empty line ends the session
t send-keys -t repl C-l
type_keys ':nonsense' Enter
expect "error shown" '^error: unknown command :nonsense'
type_keys 'ytd(bookings' C-c
expect "Ctrl-C gives a new prompt" '^tally> +$'
type_keys 'payee.name' Enter
expect "session goes on after Ctrl-C" '^"Ava Lindqvist"$'
# and again, a few times: the signal must reach the thread reading the line,
# never the prefault helper (then readline saw the end of input)
for k in 1 2 3 4 5 6; do
  t send-keys -t repl C-l
  type_keys "quota$k" C-c
  expect "Ctrl-C $k gives a new prompt" '^tally> +$' || break
done
type_keys 'payee.role' Enter
expect "session goes on after six Ctrl-C" '^"AE"$'
t send-keys -t repl C-d
expect "session ended" '^exit status 0$'

mode=$(stat -c %a "$tmp/history")
if [ "$mode" = 600 ] && grep -q '^:payee\\040ava' "$tmp/history"; then :; else
  echo "FAIL: tests/repl/tty.sh: history file mode $mode (want 600) or :payee ava not in it:"
  sed 's/^/    /' "$tmp/history"
  fails=$((fails + 1))
fi
[ "$fails" = 0 ]
