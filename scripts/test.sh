#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need when it is missing
# (Chromium for the browser test, PostgreSQL for the cluster tests, which start a throwaway server
# of their own), builds once with warnings as errors, and runs every test.
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter ...]
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if ((${#need_apt[@]})); then
  echo "Installing ${need_apt[*]} ..."
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
export GRAINSTREAM_CHROMIUM="${GRAINSTREAM_CHROMIUM:-$(command -v chromium)}"
scripts/postgres.sh install

dotnet build GrainStream.sln -c Release -nologo -v quiet
log=$(mktemp)
results=$(mktemp -d)
set +e
dotnet test Tests/Tests.csproj -c Release --no-build -nologo \
  --blame-hang-timeout 5m --logger "console;verbosity=minimal" \
  --logger "trx;LogFileName=tests.trx" --results-directory "$results" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# A failed test's message last, where a CI that keeps only the tail of the output still shows it
# (the test's own output, printed above by the console logger, can be long).
if [ "$status" -ne 0 ] && [ -f "$results/tests.trx" ]; then
  scripts/failed-tests.py "$results/tests.trx" || true
fi
rm -rf "$results"
# One plain closing line that any CI understands.
summary=$(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" | tail -1 || true)
if [ -n "$summary" ]; then
  failed=$(echo "$summary" | sed -E 's/Failed: +([0-9]+).*/\1/')
  passed=$(echo "$summary" | sed -E 's/.*Passed: +([0-9]+).*/\1/')
  skipped=$(echo "$summary" | sed -E 's/.*Skipped: +([0-9]+).*/\1/')
  echo "$passed passed, $failed failed, $skipped skipped"
fi
rm -f "$log"
exit "$status"
