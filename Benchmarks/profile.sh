#!/usr/bin/env bash
# A perf profile of one benchmark (after compare.sh or `swift build -c release --product
# OAuthBenchmarks` in Benchmarks/): the functions with the most samples, inclusive ("children")
# and self. `token_endpoint` profiles `oauth-harness serve standard-oauth2` under wrk instead,
# `flows` the FlowThroughput executable (flows on the CLI's executor) and `scale` a run of a
# generated suite of 300 scenarios with --jobs 2.
#   bash Benchmarks/profile.sh oauth1_hmac_sha1_get|token_endpoint|flows|scale [top=25]
set -euo pipefail
bench="$(cd "$(dirname "$0")" && pwd)"
name=${1:?usage: profile.sh BENCHMARK_NAME|token_endpoint [TOP]}
top=${2:-25}
command -v perf > /dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf; }
data=$(mktemp)
trap 'rm -f "$data"' EXIT
if [ "$name" = token_endpoint ]; then
  out=$(mktemp)
  "$bench/.build/release/oauth-harness" serve standard-oauth2 --profiles "$bench/../MockProviders" > "$out" 2> /dev/null &
  server=$!
  for _ in $(seq 100); do grep -q "http://" "$out" && break; sleep 0.1; done
  url="$(awk '{print $2}' "$out")/oauth2/token"
  wrk -t2 -c50 -d8s -s "$bench/wrk/token.lua" "$url" > /dev/null &
  sleep 1
  perf record -q -F 2000 -g -p "$server" -o "$data" -- sleep 5 > /dev/null 2>&1
  wait %2 || true
  kill "$server"; wait "$server" 2> /dev/null || true
  rm -f "$out"
elif [ "$name" = flows ]; then
  perf record -q -F 2000 -g -o "$data" -- "$bench/.build/release/FlowThroughput" --seconds 3 > /dev/null 2>&1
elif [ "$name" = scale ]; then
  suite=$(mktemp -d)
  python3 "$bench/python/scale_suite.py" 300 "$suite" > /dev/null
  (cd "$bench/.." && perf record -q -F 2000 -g -o "$data" -- "$bench/.build/release/oauth-harness" run "$suite" --jobs 2 \
    --junit "$suite/junit.xml" > /dev/null 2>&1)
  rm -rf "$suite"
else
  perf record -q -F 5000 -g -o "$data" -- "$bench/.build/release/OAuthBenchmarks" --filter "^$name\$" > /dev/null 2>&1
fi
echo "## $name: by shared object (self)"
perf report -i "$data" --no-children --sort dso --stdio -g none 2> /dev/null | grep -E '^ +[0-9]' | head -8 || true
echo "## $name: functions, inclusive"
perf report -i "$data" --children --sort sym --stdio -g none 2> /dev/null | grep -E '^ +[0-9]' | head -"$top" | cut -c1-200 || true
echo "## $name: functions, self"
perf report -i "$data" --no-children --sort sym --stdio -g none 2> /dev/null | grep -E '^ +[0-9]' | head -"$top" | cut -c1-200 || true
