#!/usr/bin/env bash
# The whole test suite. Makes sure a local PostgreSQL is there for the cluster-mode tests and chromium for the
# browser tests (installing Debian's packages when running as root on a machine without them), then runs every test project.
set -euo pipefail
cd "$(dirname "$0")"

export OMNI_TEST_POSTGRES="${OMNI_TEST_POSTGRES:-Host=127.0.0.1;Port=5432;Username=omni;Password=omni;Database=omni}"

ensure_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    :
  else
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
      if [ "$(id -u)" -ne 0 ]; then
        echo "PostgreSQL is not running on 127.0.0.1:5432; install it (apt-get install postgresql) or set OMNI_TEST_POSTGRES." >&2
        exit 1
      fi
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql sqlite3 >/dev/null
    fi
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    if ! pg_lsclusters -h | grep -q "^$version main"; then
      pg_createcluster "$version" main >/dev/null
    fi
    pg_ctlcluster "$version" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  # The test role may create (and drop) a throwaway database per test run.
  if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
    su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='omni'\"" | grep -q 1 \
      || su postgres -c "psql -qc \"CREATE ROLE omni LOGIN PASSWORD 'omni' CREATEDB\""
    su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='omni'\"" | grep -q 1 \
      || su postgres -c "psql -qc 'CREATE DATABASE omni OWNER omni'"
  fi
}

# The dashboard's browser tests (tests/Browser.Tests) drive Debian's chromium through Playwright.
ensure_chromium() {
  if [ -x "${OMNI_CHROMIUM:-/usr/bin/chromium}" ]; then
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is not installed; install it (apt-get install chromium) or set OMNI_CHROMIUM." >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

ensure_postgres
ensure_chromium
exec dotnet test OmniActors.sln "$@"
