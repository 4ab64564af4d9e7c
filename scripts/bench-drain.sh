#!/usr/bin/env bash
# A graceful restart under load: the embedded server with 10,000 SSE subscribers (100 rooms) and
# steady posts gets SIGTERM, drains (each stream ends with its own jittered retry:), exits, and a
# new instance starts on the same port and data. The subscribers honour retry: as EventSource
# does. What it shows: nothing acknowledged is lost or doubled, and how hard the clients come back
# (connection attempts per second, and how many failed while no instance was up).
#
#   scripts/bench-drain.sh
#
# Environment: BENCH_SUBSCRIBERS (10000), BENCH_ROOMS (100), BENCH_RATE (posts/s, 100),
# BENCH_MESSAGES (6000), BENCH_TERM_AFTER (seconds into the posts, 10).
# Results: one JSON line in Bench/results/drain.jsonl and on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${BENCH_DRAIN_DIR:-/tmp/grainstream-bench-drain}
results=$root/Bench/results/drain.jsonl
port=5290
subscribers=${BENCH_SUBSCRIBERS:-10000}
rooms=${BENCH_ROOMS:-100}
rate=${BENCH_RATE:-100}
messages=${BENCH_MESSAGES:-6000}
term_after=${BENCH_TERM_AFTER:-10}

ulimit -n "$(ulimit -Hn)"
dotnet build -c Release Api -v q -nologo >/dev/null
dotnet build -c Release Bench -v q -nologo >/dev/null
rm -rf "$work" && mkdir -p "$work/logs" "$(dirname "$results")"

start_server() { # $1: instance number; prints its pid
  (cd "$work" && exec env ASPNETCORE_URLS=http://127.0.0.1:$port GrainStream__DataDirectory="$work/data" \
     GrainStream__SiloPort=11390 GrainStream__GatewayPort=11391 Logs__Root="$work/logs" Stocks__Simulate=false Tasks__DemoWorker=false \
     Logging__LogLevel__Default=Warning dotnet "$root/Api/bin/Release/net10.0/GrainStream.Api.dll" >"$work/server-$1.log" 2>&1 </dev/null) &
  echo $!
}
wait_ready() { for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && return; sleep 0.25; done; echo "server not ready" >&2; exit 1; }

first=$(start_server 1)
wait_ready
# The next instance starts as soon as the first has exited (as a supervisor would restart it).
(
  while kill -0 "$first" 2>/dev/null; do sleep 0.05; done
  date +%s.%N >"$work/first-exited"
  echo "$(start_server 2)" >"$work/second.pid"
) &
watcher=$!
cleanup() {
  kill "$watcher" 2>/dev/null || true
  kill -TERM "$first" 2>/dev/null || true
  [ -f "$work/second.pid" ] && kill -TERM "$(cat "$work/second.pid")" 2>/dev/null || true
}
trap cleanup EXIT

DOTNET_gcServer=0 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet "$root/Bench/bin/Release/net10.0/GrainStream.Bench.dll" fanout \
  --url "http://127.0.0.1:$port" --subscribers "$subscribers" --topics "$rooms" --rate "$rate" --messages "$messages" \
  --honour-retry true --fault-pid "$first" --fault-signal TERM --fault-after "$term_after" --late-ms 1000 --drain-seconds 30 \
  --label drain-restart | tail -1 | python3 -c "import json,sys; r=json.loads(sys.stdin.read()); r['date']='$(date -u +%FT%TZ)'; print(json.dumps(r))" | tee -a "$results"
