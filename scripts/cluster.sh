#!/usr/bin/env bash
# A local GrainStream cluster on this machine: a throwaway PostgreSQL, N silo processes and M API
# nodes (Orleans clients), their logs in one folder.
#
#   scripts/cluster.sh up [silos=3] [apis=2]   build, start everything, wait until each API is ready
#   scripts/cluster.sh status                  processes, cluster membership, API readiness
#   scripts/cluster.sh down                    stop APIs, silos (gracefully) and PostgreSQL
#
# Environment: GS_CLUSTER_DIR (state and logs, default ./.cluster), GS_API_PORT (first API port,
# default 5001), GS_SILO_PORT (default 11111), GS_GATEWAY_PORT (default 30000), GS_PG_PORT (default: free),
# GS_EXTRA_ARGS (more --Key=value settings for every silo and API node, e.g. --Stocks:Simulate=false).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${GS_CLUSTER_DIR:-$root/.cluster}
api_port=${GS_API_PORT:-5001}
silo_port=${GS_SILO_PORT:-11111}
gateway_port=${GS_GATEWAY_PORT:-30000}
read -r -a extra <<< "${GS_EXTRA_ARGS:-}"
silo_dll=$root/Silo/bin/Release/net10.0/GrainStream.Silo.dll
api_dll=$root/Api/bin/Release/net10.0/GrainStream.Api.dll

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # what, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "Timed out after ${seconds}s waiting for $what" >&2
  return 1
}

up() {
  local silos=${1:-3} apis=${2:-2}
  if ls "$dir"/pids/*.pid >/dev/null 2>&1; then
    for pid in "$dir"/pids/*.pid; do alive "$pid" && { echo "A cluster is already running (scripts/cluster.sh down first)." >&2; exit 1; }; done
  fi
  mkdir -p "$dir/logs" "$dir/pids"
  echo "Building ..."
  dotnet build Silo/Silo.csproj -c Release -nologo -v quiet >/dev/null
  dotnet build Api/Api.csproj -c Release -nologo -v quiet >/dev/null

  echo "Starting PostgreSQL ..."
  local postgres
  postgres=$(scripts/postgres.sh start "$dir/pg" ${GS_PG_PORT:+"$GS_PG_PORT"})
  echo "$postgres" > "$dir/postgres"

  for i in $(seq 0 $((silos - 1))); do
    local log=$dir/logs/silo-$i.log
    : > "$log"
    nohup dotnet "$silo_dll" --Cluster:Postgres="$postgres" \
      --Cluster:SiloPort=$((silo_port + i)) --Cluster:GatewayPort=$((gateway_port + i)) ${extra[@]+"${extra[@]}"} \
      >"$log" 2>&1 </dev/null &
    echo $! > "$dir/pids/silo-$i.pid"
  done
  for i in $(seq 0 $((silos - 1))); do
    wait_for "silo $i to join (see $dir/logs/silo-$i.log)" 90 grep -q "joined cluster" "$dir/logs/silo-$i.log"
  done
  echo "$silos silos joined."

  for j in $(seq 0 $((apis - 1))); do
    local port=$((api_port + j)) log=$dir/logs/api-$j.log
    # Each node runs from its own folder: relative paths (log root) are per node.
    mkdir -p "$dir/api-$j"
    # exec: the background job is the node itself, so $! is its pid.
    (cd "$dir/api-$j" && exec nohup dotnet "$api_dll" --GrainStream:Mode=Client --Cluster:Postgres="$postgres" \
      --urls "http://127.0.0.1:$port" --Logs:Root="$root/logs" ${extra[@]+"${extra[@]}"} >"$log" 2>&1 </dev/null) &
    echo $! > "$dir/pids/api-$j.pid"
  done
  for j in $(seq 0 $((apis - 1))); do
    wait_for "API node $j to be ready (see $dir/logs/api-$j.log)" 90 curl -fsS "http://127.0.0.1:$((api_port + j))/health/ready"
  done

  echo
  echo "GrainStream cluster up: $silos silos, $apis API nodes, PostgreSQL at $postgres"
  for j in $(seq 0 $((apis - 1))); do echo "  open http://127.0.0.1:$((api_port + j))/   (API node $j)"; done
  echo "  logs in $dir/logs; scripts/cluster.sh status | down"
}

status() {
  [ -d "$dir/pids" ] || { echo "No cluster (scripts/cluster.sh up)."; return 0; }
  for pid in "$dir"/pids/*.pid; do
    local name
    name=$(basename "$pid" .pid)
    if alive "$pid"; then echo "$name: running (pid $(cat "$pid"))"; else echo "$name: stopped"; fi
  done
  if [ -f "$dir/postgres" ] && [ -f "$dir/pg/port" ]; then
    echo "membership:"
    psql "host=127.0.0.1 port=$(cat "$dir/pg/port") user=postgres dbname=postgres" -At -F ' ' -c \
      "SELECT '  ' || address || ':' || port || ' gen ' || generation, CASE status WHEN 3 THEN 'active' WHEN 6 THEN 'dead' WHEN 2 THEN 'joining' WHEN 4 THEN 'shutting down' WHEN 5 THEN 'stopping' ELSE status::text END FROM gs_membership ORDER BY port, generation" \
      2>/dev/null || echo "  (database not reachable)"
  fi
  for log in "$dir"/logs/api-*.log; do
    [ -f "$log" ] || continue
    local j port
    j=$(basename "$log" .log); j=${j#api-}; port=$((api_port + j))
    if curl -fsS -m 5 "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then echo "api-$j http://127.0.0.1:$port ready"; else echo "api-$j http://127.0.0.1:$port not ready"; fi
  done
}

stop_all() { # pattern: SIGTERM, wait up to 30 s, then SIGKILL
  local pids=()
  for pid in "$dir"/pids/$1-*.pid; do
    [ -f "$pid" ] || continue
    alive "$pid" && { kill -TERM "$(cat "$pid")" 2>/dev/null || true; pids+=("$pid"); }
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.2; done
    alive "$pid" && kill -KILL "$(cat "$pid")" 2>/dev/null || true
    rm -f "$pid"
  done
  rm -f "$dir"/pids/$1-*.pid
}

down() {
  [ -d "$dir" ] || { echo "No cluster."; return 0; }
  stop_all api
  stop_all silo
  scripts/postgres.sh stop "$dir/pg" || true
  rm -rf "$dir/pg" "$dir/postgres"
  echo "Cluster stopped; logs kept in $dir/logs."
}

case "${1:-}" in
  up) shift; up "$@" ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up [silos] [apis] | status | down" >&2; exit 2 ;;
esac
