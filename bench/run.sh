#!/usr/bin/env bash
# Runs the throughput bench (Release) and writes its JSON lines to bench/results/<timestamp>.jsonl.
#   bench/run.sh [--n 20000] [--concurrency 64] [--modes "sqlite pg pg2"] [--pace 200]
# Each mode runs a throughput pass (n tasks enqueued in batches) and a latency pass (2,000 tasks enqueued one at a
# time at --pace per second into idle workers).
# pg and pg2 need a PostgreSQL whose user may create databases: OMNI_BENCH_POSTGRES (Npgsql connection string),
# default the local test server. pg2 starts two real silo processes on it and drives them as an Orleans client.
set -euo pipefail
cd "$(dirname "$0")/.."
n=20000; concurrency=64; modes="sqlite pg pg2"; pace=200
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --pace) pace=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
server="${OMNI_BENCH_POSTGRES:-Host=127.0.0.1;Port=5432;Username=omni;Password=omni;Database=omni}"
mkdir -p bench/results
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl"
dotnet build -c Release -v q bench/OmniActors.Bench >/dev/null
dotnet build -c Release -v q src/Silo >/dev/null
bench=bench/OmniActors.Bench/bin/Release/net10.0/OmniActors.Bench.dll
silo=src/Silo/bin/Release/net10.0/OmniActors.Silo.dll

fresh_db() { # prints a connection string to a new database
  local name="omni_bench_$(date +%s%N)"
  PGPASSWORD=$(sed -n 's/.*Password=\([^;]*\).*/\1/p' <<<"$server") psql -q -h 127.0.0.1 \
    -U "$(sed -n 's/.*Username=\([^;]*\).*/\1/p' <<<"$server")" -d postgres -c "CREATE DATABASE $name" >/dev/null
  echo "${server/Database=omni/Database=$name};Maximum Pool Size=20"
}

pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

for mode in $modes; do
  case "$mode" in
    sqlite)
      dotnet "$bench" --mode sqlite --n "$n" --concurrency "$concurrency" | grep '^{' | tee -a "$out"
      dotnet "$bench" --mode sqlite --n 2000 --pace "$pace" --concurrency "$concurrency" | grep '^{' | tee -a "$out" ;;
    pg)
      dotnet "$bench" --mode pg --label pg-1silo --pg "$(fresh_db)" --n "$n" --concurrency "$concurrency" | grep '^{' | tee -a "$out"
      dotnet "$bench" --mode pg --label pg-1silo --pg "$(fresh_db)" --n 2000 --pace "$pace" --concurrency "$concurrency" | grep '^{' | tee -a "$out" ;;
    pg2)
      cs=$(fresh_db)
      for i in 1 2; do
        OmniActors__Storage__Provider=PostgreSql OmniActors__Storage__ConnectionString="$cs" \
        OmniActors__Api__RequireApiKey=false OmniActors__Queues__DefaultConcurrency="$concurrency" \
        OmniActors__Cluster__AdvertisedIPAddress=127.0.0.1 \
        OmniActors__Cluster__SiloPort=$((22110 + i)) OmniActors__Cluster__GatewayPort=$((41000 + i)) \
        ASPNETCORE_URLS="http://127.0.0.1:$((5190 + i))" Logging__LogLevel__Default=Warning \
          dotnet "$silo" >"bench/results/silo$i.log" 2>&1 &
        pids+=($!)
      done
      for i in 1 2; do
        for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$((5190 + i))/health/ready" >/dev/null && break; sleep 0.5; done
      done
      dotnet "$bench" --mode external --label pg-2silos --pg "$cs" --n "$n" --concurrency "$concurrency" | grep '^{' | tee -a "$out"
      dotnet "$bench" --mode external --label pg-2silos --pg "$cs" --n 2000 --pace "$pace" --concurrency "$concurrency" | grep '^{' | tee -a "$out"
      cleanup; pids=()
      ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
  esac
done
echo "written: $out"
