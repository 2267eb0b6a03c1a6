#!/usr/bin/env bash
# Hostile traffic against the mock providers, bounded in count and time (about 30 s): one
# `oauth-harness serve standard-oauth2 twitter-style-oauth1` process gets oversized and
# malformed bodies, parameter floods, made-up grant types, OAuth 1 headers built to make a
# regex backtrack, over-long headers and slow clients that never finish their request. Passes
# when, during and after all that, a normal token request is answered within 100 ms and the
# resident memory of the process grew by less than 10 % from one attack to the next.
#   OAUTH_HARNESS=path/to/oauth-harness (default: .build/debug/oauth-harness)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${OAUTH_HARNESS:-$root/.build/debug/oauth-harness}
[ -x "$binary" ] || { echo "hostile.sh: $binary is not built (swift build --product oauth-harness)" >&2; exit 2; }
work=$(mktemp -d)
"$binary" serve standard-oauth2 twitter-style-oauth1 --profiles "$root/MockProviders" > "$work/serve.out" 2> "$work/serve.err" &
pid=$!
trap 'kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ "$(grep -c "http://" "$work/serve.out")" = 2 ] && break; sleep 0.1; done
[ "$(grep -c "http://" "$work/serve.out")" = 2 ] || { echo "hostile.sh: the mock did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }
python3 "$root/Benchmarks/hostile.py" "$pid" \
  "$(awk '$1 == "standard-oauth2" {print $2}' "$work/serve.out")" "$(awk '$1 == "twitter-style-oauth1" {print $2}' "$work/serve.out")"
