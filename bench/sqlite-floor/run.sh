#!/usr/bin/env bash
# SQLite's own floor for one task's writes (see floor.c and bench/README.md): builds floor.c against Debian's
# libsqlite3 (apt-get install gcc libsqlite3-dev sqlite3), makes a fresh database from the product's schema for each run and
# prints one JSON line per run. Usage: bench/sqlite-floor/run.sh [N (30000)] [ROUNDS (3)]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
n=${1:-30000}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/floor" "$here/floor.c" -lsqlite3
cat "$here"/../../deploy/sql/sqlite/*.sql > "$work/schema.sql"
one() { # [VAR=value...] MODE SYNC
  rm -f "$work"/t.db*
  sqlite3 "$work/t.db" < "$work/schema.sql"
  local env=(); while [ "${1:-}" != "${1#*=}" ]; do env+=("$1"); shift; done
  env SEQ=1 "${env[@]}" "$work/floor" "$work/t.db" "$n" 1000 64 "$@" 2>/dev/null
}
# Interleaved rounds: the machine is shared, so each variant runs once per round.
for _ in $(seq 1 "$rounds"); do
  one full FULL
  one TRIM=glibc full FULL
  one CACHE=-65536 full FULL
  one nolog FULL
  one nostart FULL
  one full NORMAL
done
