#!/usr/bin/env bash
# Load on a mock provider: `oauth-harness serve standard-oauth2` on a loopback port, and wrk
# (2 threads, 50 connections, LOAD_SECONDS per run, default 10) POSTing client_credentials token
# requests, twice. Passes when every request of both runs got a 2xx answer with no socket error
# and the mock's resident memory after the second run is within 10% of what it was after the
# first (no growth). Prints both runs and the memory figures.
#   OAUTH_HARNESS=path/to/oauth-harness (default: .build/debug/oauth-harness, as `swift run` builds it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${OAUTH_HARNESS:-$root/.build/debug/oauth-harness}
seconds=${LOAD_SECONDS:-10}
command -v wrk > /dev/null || { echo "load.sh: wrk is missing (apt-get install -y wrk)" >&2; exit 2; }
[ -x "$binary" ] || { echo "load.sh: $binary is not built (swift build --product oauth-harness)" >&2; exit 2; }
work=$(mktemp -d)
"$binary" serve standard-oauth2 --profiles "$root/MockProviders" > "$work/serve.out" 2> "$work/serve.err" &
pid=$!
trap 'kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "http://" "$work/serve.out" && break; sleep 0.1; done
grep -q "http://" "$work/serve.out" || { echo "load.sh: the mock did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }
url="$(awk '{print $2}' "$work/serve.out")/oauth2/token"
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
load() { wrk -t2 -c50 -d"${seconds}s" --timeout 5s -s "$root/Benchmarks/wrk/token.lua" "$url" | sed -n 's/^WRK_JSON //p'; }
start_kb=$(rss_kb)
first=$(load)
first_kb=$(rss_kb)
second=$(load)
second_kb=$(rss_kb)
kill -0 "$pid" || { echo "load.sh: the mock died under load" >&2; exit 1; }
python3 - "$first" "$second" "$start_kb" "$first_kb" "$second_kb" <<'PY'
import json, sys
runs = [json.loads(sys.argv[1]), json.loads(sys.argv[2])]
start, first, second = (int(v) for v in sys.argv[3:6])
ok = True
for index, run in enumerate(runs, 1):
    print(f"run {index}: {run['requests']} requests in {run['duration_s']} s = {run['rps']:.0f} req/s, "
          f"p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, socket errors {run['errors']}, non-2xx {run['non2xx']}")
    if run["requests"] == 0 or run["errors"] or run["non2xx"]:
        print(f"FAIL: run {index} had errors or no requests"); ok = False
growth = (second - first) / first
print(f"RSS: {start / 1024:.1f} MB at start, {first / 1024:.1f} MB after run 1, {second / 1024:.1f} MB after run 2 ({growth:+.1%})")
if growth > 0.10:
    print("FAIL: resident memory grew by more than 10% from run 1 to run 2"); ok = False
print("load: passed" if ok else "load: FAILED")
sys.exit(0 if ok else 1)
PY
