#!/usr/bin/env bash
# Fan-out over SSE, GrainStream side by side with nginx + nchan on the same machine, in the same run,
# alternating the two servers scenario by scenario. Each server starts fresh for each scenario and
# gets warm-up runs first (JIT and tiering for GrainStream, shared memory for nchan) that are not
# counted: a small one, then the scenario itself (see warmup_messages_of and warmup_rounds_of).
#
#   scripts/bench-fanout.sh [scenario ...]      scenarios: a c sat2000 sat5000 idle (default: all)
#
# Results: one JSON line per run in Bench/results/fanout.jsonl, and a markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${FANOUT_WORK:-/tmp/grainstream-fanout}
results=$root/Bench/results/fanout.jsonl
api_port=5090
nchan_port=8089
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(a c sat2000 sat5000 idle)

ulimit -n "$(ulimit -Hn)"
if ! [ -f /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
  echo "installing nginx + nchan" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light libnginx-mod-nchan >/dev/null
fi

dotnet build -c Release Api -v q -nologo >/dev/null
dotnet build -c Release Bench -v q -nologo >/dev/null
# The client shares the two cores with the server under test, so it must not burn them: workstation
# GC, and idle pool threads block at once instead of spinning in sched_yield (spinning took a third
# of a core of the client's time).
bench() { DOTNET_gcServer=0 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet "$root/Bench/bin/Release/net10.0/GrainStream.Bench.dll" fanout "$@"; }

server_pid=
start_grainstream() {
  rm -rf "$work/api" && mkdir -p "$work/api"
  (cd "$work/api" && exec env ASPNETCORE_URLS=http://127.0.0.1:$api_port GrainStream__DataDirectory="$work/api/data" \
     GrainStream__SiloPort=11190 GrainStream__GatewayPort=11191 GrainStream__Sqlite__Synchronous="${FANOUT_SQLITE_SYNCHRONOUS:-Full}" Logs__Root="$work/api/logs" Stocks__Simulate=false Tasks__DemoWorker=false \
     Logging__LogLevel__Default=Warning dotnet "$root/Api/bin/Release/net10.0/GrainStream.Api.dll" >"$work/api/out.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$api_port/health/ready" >/dev/null && return; sleep 0.5; done
  echo "GrainStream did not start; see $work/api/out.log" >&2; exit 1
}
start_nchan() {
  rm -rf "$work/nchan" && mkdir -p "$work/nchan"
  nginx -p "$work/nchan" -c "$root/Bench/nchan/nginx.conf" >"$work/nchan/out.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 60); do [ -s "$work/nchan/nginx.pid" ] && return; sleep 0.25; done
  echo "nginx did not start; see $work/nchan/out.log" >&2; exit 1
}
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
trap stop_server EXIT

# (c) posts for 2 s at its rate before the counted messages, for both servers: it measures the
# steady state rather than the first seconds after 5,000 connections opened (GrainStream's
# collections of their objects, gen1 pauses of 40-60 ms, and nchan's own start-up tail; docs/benchmarks.md).
args_of() {
  case $1 in
    a)       echo "--subscribers 1000 --topics 1 --rate 200 --messages 3000" ;;
    c)       echo "--subscribers 5000 --topics 100 --rate 1000 --messages 10000 --warmup-seconds 2" ;;
    sat2000) echo "--subscribers 2000 --topics 1 --rate 1000 --messages 5000" ;;
    sat5000) echo "--subscribers 5000 --topics 1 --rate 100 --messages 1000" ;;
    idle)    echo "--subscribers 10000 --topics 100 --messages 0 --idle-seconds 10" ;;
    *) echo "unknown scenario $1" >&2; exit 2 ;;
  esac
}

# The scenario's warm-up: the whole scenario where it runs at the full offered rate (a .NET server
# keeps re-compiling its hot paths for tens of seconds under load before it is at its steady state),
# a part of it for the saturation runs, where nchan publishes so slowly that the whole would take minutes.
warmup_messages_of() {
  case $1 in
    a) echo 3000 ;;
    c) echo 10000 ;;
    *) echo 2000 ;;
  esac
}

# How many times the warm-up runs. (c) needs three: counted with DOTNET_JitStdOutFile and
# DOTNET_JitDisasmSummary=1, the server still compiled ~3,700, ~2,400 and ~1,000 methods in its
# first three 8,000-message (c) runs (tiered PGO's instrumented and optimised tiers, held back while
# new connections keep compiling Tier0 code) and 91 in the fourth. Both servers get the same rounds.
warmup_rounds_of() {
  case $1 in
    c) echo "${FANOUT_WARMUP_ROUNDS:-3}" ;;
    *) echo "${FANOUT_WARMUP_ROUNDS:-1}" ;;
  esac
}

mkdir -p "$(dirname "$results")"
run_started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
round=0
for scenario in "${scenarios[@]}"; do
  order=(grainstream nchan)
  [ $((round % 2)) -eq 1 ] && order=(nchan grainstream)
  round=$((round + 1))
  for target in "${order[@]}"; do
    if [ "$target" = grainstream ]; then start_grainstream; url=http://127.0.0.1:$api_port; else start_nchan; url=http://127.0.0.1:$nchan_port; fi
    bench --target "$target" --url "$url" --subscribers 200 --topics 2 --rate 500 --messages 2000 --label warmup >/dev/null 2>&1 || true
    if [ "$scenario" != idle ]; then
      for _ in $(seq 1 "$(warmup_rounds_of "$scenario")"); do
        # shellcheck disable=SC2046
        bench --target "$target" --url "$url" --label warmup $(args_of "$scenario" | sed -E "s/--messages [0-9]+/--messages $(warmup_messages_of "$scenario")/") >/dev/null 2>&1 || true
      done
    fi
    echo "== $scenario on $target" >&2
    # shellcheck disable=SC2046
    line=$(bench --target "$target" --url "$url" --server-pid "$server_pid" --label "$scenario" $(args_of "$scenario") | tail -1)
    echo "$line" >&2
    # GrainStream's runs say which SQLite synchronous mode they ran with.
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["run"]=sys.argv[2]; r.update({"sqliteSynchronous": sys.argv[3]} if r["target"] == "grainstream" else {}); print(json.dumps(r))' \
      "$line" "$run_started" "${FANOUT_SQLITE_SYNCHRONOUS:-Full}" >>"$results"
    stop_server
  done
done

python3 - "$results" "$run_started" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("run") == sys.argv[2]]
def f(v, d=0): return "–" if v is None else f"{v:,.{d}f}"
print("| scenario | server | delivered / expected | lost | dup | deliveries/s | publish/s (offered) | p50 ms | p99 ms | max ms | cut off → resumed | server CPU µs/delivery | collections gen0/1/2, pause ms | peak RSS MB | KB/idle conn |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
def gc(c): return "" if not c else f"{c['gen0']:.0f}/{c['gen1']:.0f}/{c['gen2']:.0f}, {c['pauseMs']:.0f}"
for r in rows:
    s = r.get("server", {})
    if r["messages"] == 0:
        print(f"| {r['scenario']} ({r['subscribers']:,} conns) | {r['target']} | | | | | | | | | | | | | {f(s.get('rssPerConnectionKB'),1)} |")
        continue
    l = r["latencyMs"]
    print(f"| {r['scenario']} ({r['topics']}×{r['subscribers']//r['topics']:,}) | {r['target']} | {r['delivered']:,} / {r['expected']:,} | {r['lost']:,} | {r['duplicated']:,} | {f(r['deliveriesPerSecond'])} | {f(r['publishRate'])} ({f(r['offeredRate'])}) | {f(l['p50'],1)} | {f(l['p99'],1)} | {f(l['max'],0)} | {r['disconnects']:,} → {r['resumes']:,} | {f(s.get('cpuUsPerDelivery'),2)} | {gc(r.get('collector'))} | {f(s.get('peakRssMB'),0)} | |")

# A scenario run more than once: the pairs in run order, medians, and in how many pairs each was ahead.
from statistics import median
for scenario in dict.fromkeys(r["scenario"] for r in rows if r["messages"] > 0):
    runs = {t: [r for r in rows if r["scenario"] == scenario and r["target"] == t] for t in ("grainstream", "nchan")}
    pairs = list(zip(runs["grainstream"], runs["nchan"]))
    if len(pairs) < 2:
        continue
    print(f"\n{scenario}, {len(pairs)} pairs (GrainStream / nchan):")
    for key in ("p50", "p99"):
        ours = [g["latencyMs"][key] for g, _ in pairs]
        theirs = [n["latencyMs"][key] for _, n in pairs]
        ahead = sum(o <= t for o, t in zip(ours, theirs))
        print(f"- {key} ms: median {f(median(ours),1)} / {f(median(theirs),1)}; GrainStream ahead or level in {ahead} of {len(pairs)};"
              f" pairs {', '.join(f'{f(o,1)} / {f(t,1)}' for o, t in zip(ours, theirs))}")
    within = sum(g["latencyMs"]["p99"] <= 2 * n["latencyMs"]["p99"] for g, n in pairs)
    print(f"- p99 within 2× of nchan's in {within} of {len(pairs)} pairs")
    print(f"- server CPU µs/delivery: median {f(median(g['server']['cpuUsPerDelivery'] for g, _ in pairs),2)} / {f(median(n['server']['cpuUsPerDelivery'] for _, n in pairs),2)}")
PY
