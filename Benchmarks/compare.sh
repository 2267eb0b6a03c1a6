#!/usr/bin/env bash
# One run, every figure: the Swift benchmark suite (ordo-one/benchmark, release build) with the
# floors it is compared with (bare HMAC-SHA1, bare RS256 verify), authorization-code flows on the
# CLI's executor beside loopback round trips to a hello-world endpoint (FlowThroughput), the
# Python reference (Authlib / oauthlib / joserfc in a virtual environment, a Flask mock under
# gunicorn), bounded wrk runs (loopback, 2 threads, 50 connections, WRK_SECONDS=10) against both
# mocks' token endpoints and a Hummingbird hello-world endpoint (the framework ceiling), the full
# scenario suite, a generated suite of 100/300/1,000 scenarios and the conformance plans against
# local providers, timed. Prints one table (figure, floor, × floor, Python reference, ratio,
# target) and writes it to reports/benchmarks/compare.md with the raw data beside it.
#   SKIP_INSTALL=1   don't install wrk / the virtual environment (they must be there)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench="$root/Benchmarks"
out="$root/reports/benchmarks"
seconds=${WRK_SECONDS:-10}
mkdir -p "$out"
log() { printf '\n== %s\n' "$*" >&2; }

if [ -z "${SKIP_INSTALL:-}" ]; then
  command -v wrk > /dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
  [ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
  [ -x "$bench/.venv/bin/python" ] || python3 -m venv "$bench/.venv"
  "$bench/.venv/bin/pip" install -q -r "$bench/python/requirements.txt"
fi
py="$bench/.venv/bin/python"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; done; }
trap cleanup EXIT
wait_for() {  # url: up to 10 s
  for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "compare.sh: nothing answers at $1" >&2; exit 1
}
wrk_json() {  # url → the WRK_JSON line's object, after a 2 s warm-up
  wrk -t2 -c50 -d2s -s "$bench/wrk/token.lua" "$1" > /dev/null
  wrk -t2 -c50 -d"${seconds}s" --timeout 5s -s "$bench/wrk/token.lua" "$1" | sed -n 's/^WRK_JSON //p'
}

log "release builds (oauth-harness, benchmark suite) in Benchmarks/.build"
# SwiftPM keeps a stale build plan for a path dependency that gained files; drop it.
rm -f "$bench/.build/release.yaml"
for product in oauth-harness OAuthBenchmarks FlowThroughput HelloCeiling; do
  (cd "$bench" && swift build -c release --product "$product" >&2)
done
harness="$bench/.build/release/oauth-harness"

# Three runs of the suite: table.py takes each operation's median over them, so that one slow
# stretch of this machine (it happens for seconds at a time) cannot move an operation against
# its floor, which runs at another moment.
rm -f "$out"/*.jmh*
for run in 1 2 3; do
  log "Swift benchmark suite, run $run of 3"
  rm -rf "$out/micro-$run"; mkdir -p "$out/micro-$run"
  (cd "$bench" && swift package --allow-writing-to-package-directory benchmark --target OAuthBenchmarks --no-progress --format jmh --path "$out/micro-$run" >&2)
done

log "authorization-code flows and loopback round trips on the CLI's executor (FlowThroughput)"
timeout 120 "$bench/.build/release/FlowThroughput" --seconds 5 > "$out/flows.json"

log "Python reference: gunicorn Flask mock ($(( $(nproc) * 2 + 1 )) sync workers, gunicorn's recommended count)"
flask_port=$(free_port)
(cd "$bench/python" && exec "$bench/.venv/bin/gunicorn" -w $(( $(nproc) * 2 + 1 )) -b "127.0.0.1:$flask_port" --log-level warning flask_mock:app) &
pids+=($!)
wait_for "http://127.0.0.1:$flask_port/"
"$py" "$bench/python/bench.py" --mock-url "http://127.0.0.1:$flask_port" > "$out/python.json"
log "wrk: Flask mock token endpoint"
wrk_json "http://127.0.0.1:$flask_port/oauth2/token" > "$out/wrk-flask.json"
cleanup; pids=()

wrk_server() {  # OUT.json COMMAND…: starts a server that prints "NAME http://…", runs wrk against its /oauth2/token
  local json=$1 serve_out url
  shift
  serve_out=$(mktemp)
  "$@" > "$serve_out" 2> /dev/null &
  pids+=($!)
  for _ in $(seq 100); do grep -q "http://" "$serve_out" && break; sleep 0.1; done
  url=$(awk '{print $2}' "$serve_out")
  rm -f "$serve_out"
  wait_for "$url/"
  wrk_json "$url/oauth2/token" > "$out/$json"
  cleanup; pids=()
}

log "wrk: oauth-harness serve standard-oauth2 token endpoint"
wrk_server wrk-swift.json "$harness" serve standard-oauth2 --profiles "$root/MockProviders"
log "wrk: the same token endpoint with a DPoP proof on every request (RFC 9449; proof-replay evil mode so one proof serves)"
dpop_out=$(mktemp)
"$harness" serve standard-oauth2 --profiles "$root/MockProviders" > "$dpop_out" 2> /dev/null &
pids+=($!)
for _ in $(seq 100); do grep -q "http://" "$dpop_out" && break; sleep 0.1; done
dpop_url=$(awk '{print $2}' "$dpop_out"); rm -f "$dpop_out"
wait_for "$dpop_url/"
curl -s -o /dev/null -d mode=dpop_proof_replay "$dpop_url/_harness/evil"
proof=$("$py" "$bench/python/dpop_proof.py" "$dpop_url/oauth2/token")
curl -s -H "DPoP: $proof" -u harness-client:harness-secret -d grant_type=client_credentials "$dpop_url/oauth2/token" | grep -q '"token_type":"DPoP"' \
  || { echo "compare.sh: the DPoP token request was not answered with a DPoP token" >&2; exit 1; }
DPOP_PROOF=$proof wrk_json "$dpop_url/oauth2/token" > "$out/wrk-swift-dpop.json"
cleanup; pids=()
log "wrk: Hummingbird hello-world endpoint (the framework ceiling), same settings"
wrk_server wrk-hello.json "$bench/.build/release/HelloCeiling"
log "wrk: the same endpoint reading the form body and answering a fixed token response (--form-json)"
wrk_server wrk-hello-form.json "$bench/.build/release/HelloCeiling" --form-json

log "full scenario suite (release build), 3 runs"
(cd "$root" && "$py" - "$harness" "$out" > "$out/suite.json" <<'PY'
import json, subprocess, sys, time
harness, out = sys.argv[1], sys.argv[2]
runs = []
for _ in range(3):
    start = time.perf_counter()
    done = subprocess.run([harness, "run", "--junit", out + "/suite-junit.xml"], capture_output=True, text=True, timeout=300)
    runs.append({"seconds": round(time.perf_counter() - start, 3), "exit": done.returncode, "summary": done.stdout.strip().splitlines()[-1]})
print(json.dumps(runs))
PY
)

log "generated suites of 100, 300 and 1,000 scenarios, --jobs 2"
HARNESS="$harness" bash "$bench/scale.sh" "$out" > /dev/null

log "conformance plans against local providers (check --mock), 3 runs each"
(cd "$root" && "$py" - "$harness" "$out" > "$out/conformance.json" <<'PY'
import json, re, statistics, subprocess, sys
harness, out = sys.argv[1], sys.argv[2]
rows = []
for provider in ("standard-oauth2", "google-style-oidc", "twitter-style-oauth1"):
    runs = []
    for _ in range(3):
        junit = f"{out}/conformance-{provider}.xml"
        done = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", harness, "check", "--mock", provider, "--junit", junit,
                               "--reports", out], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            sys.exit(f"check --mock {provider} exited {done.returncode}: {done.stderr[-2000:]}")
        seconds, kb = re.findall(r"TIME ([0-9.]+) ([0-9]+)", done.stderr)[-1]
        report = open(junit).read()
        checks = int(re.search(r'<testsuites[^>]* tests="([0-9]+)"', report).group(1))
        # oidcc-codereuse-30seconds waits 30 s between the two uses of a code, as OpenID's suite does.
        waits = sum(float(t) for t in re.findall(r'<testcase name="[^"]*30seconds[^"]*"[^>]* time="([0-9.]+)"', report))
        runs.append((float(seconds), int(kb) / 1024, checks, waits))
    rows.append({"provider": provider, "seconds": statistics.median(r[0] for r in runs),
                 "rss_mb": max(r[1] for r in runs), "checks": runs[0][2], "wait_seconds": statistics.median(r[3] for r in runs)})
print(json.dumps(rows))
PY
)

"$py" "$bench/python/table.py" "$out" | tee "$out/compare.md"
