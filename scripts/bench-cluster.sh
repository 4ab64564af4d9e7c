#!/usr/bin/env bash
# The cluster on this machine (3 silos + 2 API nodes + PostgreSQL, started by scripts/cluster.sh)
# beside the embedded mode, with the fan-out client of Bench (`Bench -- fanout`):
#   steady    posts over 1,000 rooms, 5,000 SSE subscribers split over the two API nodes
#   embedded  the same load on one embedded process (SQLite)
#   kill      kill -9 of a silo during the posts: loss, duplicates, and seconds until every room
#             accepts posts again and every subscriber has caught up (deliveries within 1 s again)
#   stop      the same with SIGSTOP (a frozen silo: nothing refuses, it must be detected)
#
#   scripts/bench-cluster.sh [run ...]     (default: steady embedded kill stop)
#
# Environment: BENCH_SUBSCRIBERS (5000), BENCH_ROOMS (1000), BENCH_RATE (posts/s, 1000),
# BENCH_MESSAGES (20000), BENCH_FAULT_RATE (500), BENCH_FAULT_MESSAGES (15000).
# Results: one JSON line per run in Bench/results/cluster.jsonl, and a markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(steady embedded kill stop)
results=$root/Bench/results/cluster.jsonl
work=${BENCH_CLUSTER_DIR:-/tmp/grainstream-bench-cluster}
subscribers=${BENCH_SUBSCRIBERS:-5000}
rooms=${BENCH_ROOMS:-1000}
rate=${BENCH_RATE:-1000}
messages=${BENCH_MESSAGES:-20000}
fault_rate=${BENCH_FAULT_RATE:-500}
fault_messages=${BENCH_FAULT_MESSAGES:-15000}

export GS_CLUSTER_DIR=$work/cluster GS_API_PORT=5101 GS_SILO_PORT=11211 GS_GATEWAY_PORT=30100
export GS_EXTRA_ARGS="--Stocks:Simulate=false --Tasks:DemoWorker=false --Logging:LogLevel:Default=Warning --Logging:LogLevel:GrainStream.Silo=Information"
cluster_urls="http://127.0.0.1:5101,http://127.0.0.1:5102"
embedded_port=5190

ulimit -n "$(ulimit -Hn)"
mkdir -p "$work" "$(dirname "$results")"
dotnet build -c Release Api -v q -nologo >/dev/null
dotnet build -c Release Silo -v q -nologo >/dev/null
dotnet build -c Release Bench -v q -nologo >/dev/null
run_id=$(date -u +%Y%m%dT%H%M%SZ)
# Same client settings as scripts/bench-fanout.sh: it shares the cores with the servers.
bench() { DOTNET_gcServer=0 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet "$root/Bench/bin/Release/net10.0/GrainStream.Bench.dll" fanout "$@"; }
record() { tail -1 | python3 -c "import json,sys; r=json.loads(sys.stdin.read()); r['run']='$run_id'; print(json.dumps(r))" >> "$results"; }

embedded_pid=
cleanup() {
  [ -z "$embedded_pid" ] || kill -TERM "$embedded_pid" 2>/dev/null || true
  # A silo left frozen by the stop run must be able to die.
  for pid in "$GS_CLUSTER_DIR"/pids/*.pid; do [ -f "$pid" ] && kill -CONT "$(cat "$pid")" 2>/dev/null || true; done
  scripts/cluster.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT

cluster_up() {
  scripts/cluster.sh down >/dev/null 2>&1 || true
  rm -rf "$GS_CLUSTER_DIR"
  scripts/cluster.sh up 3 2 | tail -1
}

for run in "${runs[@]}"; do
  echo "== $run" >&2
  case $run in
    steady)
      cluster_up
      bench --url "$cluster_urls" --subscribers "$subscribers" --topics "$rooms" --rate "$rate" --messages "$messages" \
        --run-id "steady$run_id" --label cluster-steady | record
      ;;
    embedded)
      scripts/cluster.sh down >/dev/null 2>&1 || true
      rm -rf "$work/embedded" && mkdir -p "$work/embedded"
      (cd "$work/embedded" && exec env ASPNETCORE_URLS=http://127.0.0.1:$embedded_port GrainStream__DataDirectory="$work/embedded/data" \
         GrainStream__SiloPort=11290 GrainStream__GatewayPort=11291 Logs__Root="$work/embedded/logs" Stocks__Simulate=false Tasks__DemoWorker=false \
         Logging__LogLevel__Default=Warning dotnet "$root/Api/bin/Release/net10.0/GrainStream.Api.dll" >"$work/embedded/out.log" 2>&1 </dev/null) &
      embedded_pid=$!
      for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$embedded_port/health/ready" >/dev/null && break; sleep 0.5; done
      bench --url "http://127.0.0.1:$embedded_port" --server-pid "$embedded_pid" --subscribers "$subscribers" --topics "$rooms" \
        --rate "$rate" --messages "$messages" --run-id "embedded$run_id" --label embedded-steady | record
      kill -TERM "$embedded_pid"; wait "$embedded_pid" 2>/dev/null || true; embedded_pid=
      ;;
    kill|stop)
      cluster_up
      signal=KILL; [ "$run" = stop ] && signal=STOP
      # A frozen silo's rooms wait for the failure detector: give the drain the time it takes.
      bench --url "$cluster_urls" --subscribers "$subscribers" --topics "$rooms" --rate "$fault_rate" --messages "$fault_messages" \
        --fault-pid "$(cat "$GS_CLUSTER_DIR/pids/silo-1.pid")" --fault-signal "$signal" --fault-after 10 --drain-seconds 30 \
        --run-id "$run$run_id" --label "cluster-$run" | record
      ;;
    *) echo "unknown run $run" >&2; exit 2 ;;
  esac
done

python3 - "$results" "$run_id" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("run") == sys.argv[2]]
def f(v, d=0): return "–" if v is None else f"{v:,.{d}f}"
print("| run | nodes | delivered / expected | lost | dup | deliveries/s | posts/s (offered) | post errors | p50 ms | p99 ms | max ms | posts recovered s | deliveries recovered s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    l, fault = r["latencyMs"], r.get("fault") or {}
    print(f"| {r['scenario']} | {r['nodes']} | {r['delivered']:,} / {r['expected']:,} | {r['lost']:,} | {r['duplicated']:,} | {f(r['deliveriesPerSecond'])} | {f(r['publishRate'])} ({f(r['offeredRate'])}) | {r['publishErrors']:,} | {f(l['p50'],1)} | {f(l['p99'],1)} | {f(l['max'],0)} | {f(fault.get('postsRecoveredSeconds'),1)} | {f(fault.get('deliveriesRecoveredSeconds'),1)} |")
PY
