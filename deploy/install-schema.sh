#!/usr/bin/env bash
# Applies the OmniActors schema scripts (deploy/sql/<dialect>/NNNN_description.sql) in version order, exactly as a
# silo does with OmniActors__Storage__CreateSchema=true (src/Grains/Storage/SchemaInstaller.cs): each applied script
# is recorded in omni_schema_version (version INTEGER PRIMARY KEY, name VARCHAR(200), applied_at VARCHAR(40)), a
# version already recorded is skipped, so a second run applies nothing and an older database gets only what it lacks.
#
# PostgreSQL (default): one psql transaction per script (-v ON_ERROR_STOP=1 --single-transaction), holding the
# advisory lock the silos take for schema changes (0x4F6D6E6941637472), so this never races a starting silo.
# Connection, first found wins:
#   DATABASE_URL                          postgresql://user:pass@host:5432/db?sslmode=require (or key=value conninfo)
#   OmniActors__Storage__ConnectionString the silo's Npgsql string (Host=..;Port=..;Username=..;Password=..;Database=..)
#   PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE ... (libpq's own variables)
#
# SQLite: --sqlite FILE applies deploy/sql/sqlite with the sqlite3 shell (one BEGIN IMMEDIATE transaction per script).
#
# Usage: install-schema.sh [--sqlite FILE] [--sql-dir DIR] [--wait SECONDS]
#   --sql-dir DIR   scripts folder (default: <this script's folder>/sql/<dialect>, or $OMNI_SQL_DIR)
#   --wait SECONDS  keep retrying the first connection this long (a database that is still starting)
# Exit status: 0 when every script is applied or already recorded; non-zero on the first failing script, whose
# transaction is rolled back (nothing of it and no version row stays).
set -euo pipefail

# The same key as PostgresSchema.LockKey (0x4F6D6E6941637472, "OmniActr" in ASCII).
readonly LOCK_KEY=5723352099805426802

die() { echo "install-schema: $*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

sqlite_file=""
sql_dir="${OMNI_SQL_DIR:-}"
wait_seconds=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sqlite) [ $# -ge 2 ] || die "--sqlite needs a file"; sqlite_file="$2"; shift 2 ;;
    --sql-dir) [ $# -ge 2 ] || die "--sql-dir needs a folder"; sql_dir="$2"; shift 2 ;;
    --wait) [ $# -ge 2 ] || die "--wait needs seconds"; wait_seconds="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$wait_seconds" in ''|*[!0-9]*) die "--wait takes whole seconds, not '$wait_seconds'" ;; esac

if [ -n "$sqlite_file" ]; then dialect=sqlite; else dialect=postgresql; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ -n "$sql_dir" ] || sql_dir="$here/sql/$dialect"
[ -d "$sql_dir" ] || die "no scripts folder $sql_dir"
sql_dir="$(cd "$sql_dir" && pwd)"

# The scripts, ordered by version as SchemaInstaller orders them (numeric prefix before the first '_').
unsorted=()
for f in "$sql_dir"/*.sql; do
  [ -e "$f" ] || continue
  name="$(basename "$f")"
  prefix="${name%%_*}"
  case "$prefix" in
    ''|*[!0-9]*) die "SQL script '$name' must be named NNNN_description.sql" ;;
  esac
  [ "$prefix" != "$name" ] || die "SQL script '$name' must be named NNNN_description.sql"
  case "$name" in
    *[!A-Za-z0-9._-]*) die "SQL script '$name': use only letters, digits, '.', '_' and '-' in the name" ;;
  esac
  unsorted+=("$((10#$prefix))"$'\t'"$name")
done
scripts=()
if [ "${#unsorted[@]}" -gt 0 ]; then
  while IFS= read -r line; do scripts+=("$line"); done < <(printf '%s\n' "${unsorted[@]}" | sort -n -k1,1)
fi
[ "${#scripts[@]}" -gt 0 ] || die "no NNNN_*.sql scripts in $sql_dir"
dupes="$(printf '%s\n' "${scripts[@]}" | cut -f1 | uniq -d)"
[ -z "$dupes" ] || die "two scripts share version(s): $dupes"

applied=()

# ---------------------------------------------------------------------------------------------------- SQLite
if [ "$dialect" = sqlite ]; then
  command -v sqlite3 >/dev/null || die "sqlite3 is not installed"
  mkdir -p "$(dirname "$sqlite_file")"
  sq() { sqlite3 -bail -batch "$sqlite_file" "$@"; }
  # As the silo opens the file: WAL (persistent in the file) and a generous busy timeout.
  sq "PRAGMA busy_timeout=30000; PRAGMA journal_mode=WAL;" >/dev/null
  sq "PRAGMA busy_timeout=30000; CREATE TABLE IF NOT EXISTS omni_schema_version (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at VARCHAR(40) NOT NULL);" >/dev/null
  for entry in "${scripts[@]}"; do
    version="${entry%%$'\t'*}"
    name="${entry#*$'\t'}"
    seen="$(sq "PRAGMA busy_timeout=30000; SELECT count(*) FROM omni_schema_version WHERE version = $version;" | tail -n1)"
    if [ "$seen" != "0" ]; then
      echo "install-schema: $name already applied"
      continue
    fi
    # The version row goes in first: if another installer recorded it meanwhile, the primary key fails the
    # transaction instead of applying the script twice. -bail exits on the first error; the open transaction is
    # rolled back when the shell closes the file.
    quoted_name="${name//\'/\'\'}"
    quoted_path="${sql_dir//\'/\'\'}/${quoted_name}"
    if ! printf '%s\n' \
        ".bail on" \
        "PRAGMA busy_timeout=30000;" \
        "BEGIN IMMEDIATE;" \
        "INSERT INTO omni_schema_version (version, name, applied_at) VALUES ($version, '$quoted_name', strftime('%Y-%m-%dT%H:%M:%f', 'now') || '0000+00:00');" \
        ".read '$quoted_path'" \
        "COMMIT;" | sqlite3 -batch "$sqlite_file" >/dev/null; then
      die "$name failed; its transaction was rolled back"
    fi
    echo "install-schema: applied $name"
    applied+=("$name")
  done
  echo "install-schema: applied ${#applied[@]} of ${#scripts[@]} scripts (sqlite, $sqlite_file)"
  exit 0
fi

# ------------------------------------------------------------------------------------------------ PostgreSQL
command -v psql >/dev/null || die "psql is not installed (postgresql-client)"

# The silo's Npgsql connection string to libpq variables (the keys psql understands; pool settings are ignored).
npgsql_to_libpq() {
  local part key value
  local -a parts
  IFS=';' read -r -a parts <<< "$1"
  for part in "${parts[@]}"; do
    [[ "$part" == *=* ]] || continue
    key="${part%%=*}"
    value="${part#*=}"
    key="$(printf '%s' "$key" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')"
    value="$(printf '%s' "$value" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')"
    if [[ "$value" == \"*\" || "$value" == \'*\' ]]; then value="${value:1:${#value}-2}"; fi
    case "$key" in
      host|server) export PGHOST="$value" ;;
      port) export PGPORT="$value" ;;
      username|userid|user|uid) export PGUSER="$value" ;;
      password|pwd) export PGPASSWORD="$value" ;;
      database|db) export PGDATABASE="$value" ;;
      timeout) export PGCONNECT_TIMEOUT="$value" ;;
      sslmode)
        case "$(printf '%s' "$value" | tr '[:upper:]' '[:lower:]')" in
          verifyca|verify-ca) export PGSSLMODE=verify-ca ;;
          verifyfull|verify-full) export PGSSLMODE=verify-full ;;
          *) PGSSLMODE="$(printf '%s' "$value" | tr '[:upper:]' '[:lower:]')"; export PGSSLMODE ;;
        esac ;;
      applicationname) export PGAPPNAME="$value" ;;
    esac
  done
}

conn=()
if [ -n "${DATABASE_URL:-}" ]; then
  conn=(-d "$DATABASE_URL")
  where="DATABASE_URL"
elif [ -n "${OmniActors__Storage__ConnectionString:-}" ]; then
  npgsql_to_libpq "$OmniActors__Storage__ConnectionString"
  where="OmniActors__Storage__ConnectionString (${PGHOST:-local}/${PGDATABASE:-default})"
else
  where="PG* variables (${PGHOST:-local}/${PGDATABASE:-default})"
fi
export PGAPPNAME="${PGAPPNAME:-omniactors-install-schema}"
pg() { psql -X -q -v ON_ERROR_STOP=1 "${conn[@]}" "$@"; }

deadline=$((SECONDS + wait_seconds))
until pg -c 'SELECT 1' >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    pg -c 'SELECT 1' >/dev/null || true   # show libpq's own reason
    die "cannot connect to PostgreSQL via $where"
  fi
  sleep 2
done

for entry in "${scripts[@]}"; do
  version="${entry%%$'\t'*}"
  name="${entry#*$'\t'}"
  # One transaction per script: take the schema lock (released at commit/rollback; a silo holding it makes this
  # wait), make sure the version table exists, skip a recorded version, else run the script and record it.
  # -o /dev/null drops query results; \echo reports on stdout.
  # psql runs in the scripts folder, so \i finds the script by its (checked, quote-free) name.
  if ! outcome="$(cd "$sql_dir" && pg --single-transaction -o /dev/null \
        -v lock_key="$LOCK_KEY" -v version="$version" -v name="$name" -f - <<'SQL'
SET client_min_messages = warning;
SELECT pg_advisory_xact_lock(:lock_key);
CREATE TABLE IF NOT EXISTS omni_schema_version (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at VARCHAR(40) NOT NULL);
SELECT EXISTS (SELECT 1 FROM omni_schema_version WHERE version = :version) AS omni_already_applied \gset
\if :omni_already_applied
\echo omni-schema-skipped
\else
\i :name
INSERT INTO omni_schema_version (version, name, applied_at)
VALUES (:version, :'name', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"0+00:00"'));
\echo omni-schema-applied
\endif
SQL
  )"; then
    die "$name failed; its transaction was rolled back"
  fi
  case "$outcome" in
    *omni-schema-applied*) echo "install-schema: applied $name"; applied+=("$name") ;;
    *omni-schema-skipped*) echo "install-schema: $name already applied" ;;
    *) die "$name: unexpected psql output: $outcome" ;;
  esac
done
echo "install-schema: applied ${#applied[@]} of ${#scripts[@]} scripts (postgresql, $where)"
