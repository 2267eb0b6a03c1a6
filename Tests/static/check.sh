#!/usr/bin/env bash
# The one-binary check (docs/ci/README.md): a release build linked with --static-swift-stdlib,
# copied alone into an empty folder, runs `--version`, `init` + `run` and `serve` with a PATH and
# a library path that hold no Swift toolchain, and `ldd` lists no libswift*.
#
# Usage: bash Tests/static/check.sh BINARY
set -euo pipefail
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -x "$binary" ] || { echo "not an executable: $1" >&2; exit 2; }

echo "size: $(du -h "$binary" | cut -f1)"
echo "ldd:"; ldd "$binary" | sed 's/^/  /'
if ldd "$binary" | grep -q 'libswift\|libFoundation\|lib_Foundation\|libdispatch\|libBlocksRuntime'; then
  echo "the binary links a Swift runtime library dynamically" >&2; exit 1
fi

work="$(mktemp -d /tmp/static-check.XXXXXX)"
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cp "$binary" "$work/oauth-harness"
cd "$work"
# No toolchain: the system's own folders only, no LD_LIBRARY_PATH, no swift on the path.
clean=(env -i HOME="$work" PATH=/usr/bin:/bin)
if "${clean[@]}" sh -c 'command -v swift' >/dev/null 2>&1; then
  echo "note: a swift is on /usr/bin:/bin; the check still runs the copied binary only"
fi

"${clean[@]}" ./oauth-harness --version
mkdir project && cd project
"${clean[@]}" ../oauth-harness init >/dev/null
status=0
"${clean[@]}" timeout 120 ../oauth-harness run >run.log 2>&1 || status=$?
tail -3 run.log
[ "$status" -eq 0 ] || { echo "run exited $status" >&2; cat run.log >&2; exit 1; }
[ -s reports/junit.xml ] || { echo "no reports/junit.xml" >&2; exit 1; }
grep -q 'failures="0"' reports/junit.xml || { echo "the JUnit report has failures" >&2; exit 1; }

"${clean[@]}" ../oauth-harness serve standard-oauth2 google-style-oidc >serve.out 2>serve.log &
serve_pid=$!
for _ in $(seq 1 150); do
  [ "$(grep -c ' http://127.0.0.1:' serve.out 2>/dev/null || true)" -ge 2 ] && break
  kill -0 "$serve_pid" 2>/dev/null || { echo "serve exited" >&2; cat serve.log >&2; exit 1; }
  sleep 0.2
done
base="$(awk '$1 == "google-style-oidc" { print $2 }' serve.out)"
[ -n "$base" ] || { echo "serve printed no URL within 30 s" >&2; cat serve.out serve.log >&2; exit 1; }
python3 - "$base" <<'PYEOF'
import json, sys, urllib.request
base = sys.argv[1]
document = json.load(urllib.request.urlopen(base + "/.well-known/openid-configuration", timeout=10))
assert document["issuer"] == base, document["issuer"]
keys = json.load(urllib.request.urlopen(document["jwks_uri"], timeout=10))["keys"]
assert keys and all("d" not in key for key in keys), "the JWKS must hold public keys only"
print("serve: %s answers its discovery document and a JWKS of %d keys" % (base, len(keys)))
PYEOF
echo "static binary: runs init, run and serve from an empty folder without the toolchain"
