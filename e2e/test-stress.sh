#!/usr/bin/env bash
# `make test-stress [N=5]`: runs `make test` N times in a row while two busy loops keep both
# cores loaded, the way CI machines and developer laptops often are. Passes only if every run
# passes. Logs of each run go to .cache/test-stress/run-K.log (git-ignored).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
logs=.cache/test-stress
mkdir -p "$logs"

hogs=()
stop_hogs() { for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop_hogs EXIT
# Interrupted: stop here (make and its children get the same signal from the terminal).
trap 'echo "test-stress: interrupted"; exit 130' INT TERM
for _ in 1 2; do
  (while :; do :; done) &
  hogs+=($!)
done
echo "test-stress: ${#hogs[@]} busy loops running (pids ${hogs[*]}); $runs runs of make test"

passed=0
for k in $(seq 1 "$runs"); do
  start=$(date +%s)
  if make test >"$logs/run-$k.log" 2>&1; then
    passed=$((passed + 1))
    verdict=passed
  else
    verdict="FAILED (tail of $logs/run-$k.log below)"
  fi
  echo "test-stress: run $k/$runs $verdict in $(($(date +%s) - start)) s"
  [ "$verdict" = passed ] || tail -40 "$logs/run-$k.log"
done
echo "test-stress: $passed of $runs runs passed under load"
[ "$passed" = "$runs" ]
