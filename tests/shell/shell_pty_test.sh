#!/usr/bin/env bash
# strata shell through a real terminal: tmux gives it a pseudo-terminal (so readline is on),
# send-keys types, capture-pane reads the screen. Usage: shell_pty_test.sh PATH/TO/strata
set -euo pipefail

strata="${1:?usage: $0 PATH/TO/strata}"
if ! command -v tmux >/dev/null 2>&1; then
  echo "shell_pty: SKIPPED: tmux is not installed (apt-get install tmux)"
  exit 77
fi

tmp="$(mktemp -d)"
session="strata-shell-test-$$"
# A private tmux server (-L), so the test neither sees nor disturbs anyone's sessions.
tm() { tmux -L "$session" "$@"; }
cleanup() {
  tm kill-server >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

screen() { tm capture-pane -p -J -S -200 -t "$session"; }

# Waits until the screen matches the extended regex $1 (10 s at most).
wait_for() {
  for _ in $(seq 1 100); do
    if screen | grep -Eq -- "$1"; then return 0; fi
    sleep 0.1
  done
  echo "shell_pty: FAILED: the screen never showed /$1/; it shows:" >&2
  screen >&2
  exit 1
}

# HOME in the temporary directory: the history file lands there.
tm new-session -d -s "$session" -x 160 -y 50 \
  "env HOME='$tmp' TERM=xterm '$strata' shell --data '$tmp/data'; echo SHELL-EXITED; sleep 30"
wait_for '^strata> '

tm send-keys -t "$session" "db.pets.insertOne({name: 'rex', kind: 'dog', age: 3})" Enter
wait_for '"insertedId"'
tm send-keys -t "$session" "db.pets.find({kind: 'dog'}, {_id: 0})" Enter
wait_for '"name": "rex"'
wait_for '"age": 3'

# Tab completion of a collection name and a method: db.pe<Tab> -> db.pets, .dis<Tab> -> .distinct(
tm send-keys -t "$session" "db.pe" Tab
wait_for 'strata> db\.pets$'
tm send-keys -t "$session" ".dis" Tab
wait_for 'strata> db\.pets\.distinct\($'
tm send-keys -t "$session" "'kind')" Enter
wait_for '^  "dog"$'

# A command over two lines, and a table.
tm send-keys -t "$session" ".format table" Enter
tm send-keys -t "$session" "db.pets.find(" Enter
wait_for '^\.\.\. '
tm send-keys -t "$session" "{name: 'rex'})" Enter
wait_for '^\| _id +\| name +\| kind +\| age \|$'

# Ctrl-C drops the line being typed; the shell stays.
tm send-keys -t "$session" "db.pets.find({never: 'run'" C-c
wait_for '\^C$'
wait_for '^strata> $'
sleep 0.3
tm send-keys -t "$session" "db.pets.count()" Enter
wait_for '^\| *1 *\|$|^1$'

tm send-keys -t "$session" ".exit" Enter
wait_for 'SHELL-EXITED'

if ! grep -q "db.pets.insertOne" "$tmp/.strata_history"; then
  echo "shell_pty: FAILED: the history file lacks the insert" >&2
  exit 1
fi
echo "shell_pty: OK"
