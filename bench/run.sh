#!/usr/bin/env bash
# Builds the silo and the bench (Release) and runs every bench against real silo processes:
#   bench/run.sh                 the full measurement (sqlite, pg, pg2; every bench; 3 runs; see bench/README.md for times)
#   bench/run.sh --quick         a smoke run: small sizes, 1 run (a few minutes)
#   bench/run.sh --bench scaleout    1, 2 and 4 PostgreSQL silos at 0.4 CPU each (cgroups, needs root): scaleout_x2, scaleout_x4
#   bench/run.sh --save-latest ...   also copy the results to bench/results/latest.jsonl (the figures README quotes)
#   bench/run.sh --out bench/results/full.jsonl ...   append to that file (split runs into one file)
# Any other option goes to OmniActors.Bench as is, e.g. --storage sqlite --bench memory --queued 200000 --runs 3
# (`dotnet bench/OmniActors.Bench/bin/Release/net10.0/OmniActors.Bench.dll --help` lists them).
# pg, pg2, pgK and scaleout need a PostgreSQL user that may create databases: OMNI_BENCH_POSTGRES (Npgsql connection string),
# default the local test server. Each run gets a fresh database (dropped afterwards) or a fresh SQLite file.
# Prints one JSON line per figure on stdout, progress on stderr; the lines also go to bench/results/<timestamp>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
save_latest=false
out=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --save-latest) save_latest=true; shift ;;
    --out) out=$2; shift 2 ;;   # the bench appends, so split runs can share one file
    *) args+=("$1"); shift ;;
  esac
done
dotnet build -c Release -v q -nologo src/Silo >&2
dotnet build -c Release -v q -nologo bench/OmniActors.Bench >&2
[ -n "$out" ] || out="bench/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl"
{
  echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "dotnet $(dotnet --version); $(psql --version 2>/dev/null || echo 'psql not found')"
} >&2
status=0
dotnet bench/OmniActors.Bench/bin/Release/net10.0/OmniActors.Bench.dll --out "$out" ${args[@]+"${args[@]}"} || status=$?
if [ "$save_latest" = true ] && [ -s "$out" ]; then
  cp "$out" bench/results/latest.jsonl
  echo "copied to bench/results/latest.jsonl" >&2
fi
exit $status
