#!/usr/bin/env bash
# Real-browser end-to-end run: headless Chromium signs in to the Hummingbird example app through
# the oauth-harness serve mocks (github-style, twitter-style-oauth1, google-style-oidc) and through
# the login pages of login-pages-oidc. See Tests/browser/README.md.
#
# Usage: bash Tests/browser/run.sh OAUTH_HARNESS_BINARY HUMMINGBIRD_EXAMPLE_BINARY [REPORTS_DIR]
#
# By default it runs the flows twice against the same servers: normally (every flow must pass),
# then with one flow failing on purpose (BROWSER_FORCE_FAIL, default "github"), which must exit
# non-zero and leave a valid PNG screenshot. BROWSER_MODE=normal or BROWSER_MODE=forced runs one.
# Exit status 0 only when both behave as expected. Bounded: each wait for a server <= 30 s, each
# browser wait <= 15 s, the whole script <= BROWSER_TIMEOUT seconds (default 600).
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 OAUTH_HARNESS_BINARY HUMMINGBIRD_EXAMPLE_BINARY [REPORTS_DIR]" >&2
  exit 2
fi

# The overall timeout: the script re-runs itself under timeout(1) once (TERM, then KILL 15 s later).
if [ -z "${BROWSER_RUN_UNDER_TIMEOUT:-}" ]; then
  export BROWSER_RUN_UNDER_TIMEOUT=1
  status=0
  timeout --kill-after=15 "${BROWSER_TIMEOUT:-600}" bash "$0" "$@" || status=$?
  [ "$status" -eq 124 ] && echo "browser run: the overall timeout of ${BROWSER_TIMEOUT:-600}s passed" >&2
  exit "$status"
fi

HERE="$(cd "$(dirname "$0")" && pwd)"
HARNESS="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
APP="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
REPORTS="${3:-reports}"
mkdir -p "$REPORTS"
REPORTS="$(cd "$REPORTS" && pwd)"
MODE="${BROWSER_MODE:-both}"
FORCE="${BROWSER_FORCE_FAIL:-github}"
[ -x "$HARNESS" ] || { echo "not an executable: $HARNESS" >&2; exit 2; }
[ -x "$APP" ] || { echo "not an executable: $APP" >&2; exit 2; }
began=$SECONDS

# 1. What a fresh Debian 12 machine lacks: Chromium, its driver (Debian's, matching), selenium.
if ! command -v chromium >/dev/null 2>&1 || ! [ -x /usr/bin/chromedriver ]; then
  echo "installing: chromium chromium-driver"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi
command -v python3 >/dev/null 2>&1 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-pip; }
# PyPI first; Debian's own python3 refuses pip installs (PEP 668), then its python3-selenium.
python3 -c "import selenium" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check selenium \
  || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-selenium; }
python3 -c "import selenium; print('selenium', selenium.__version__)"
chromium --version 2>/dev/null | grep -v '^\s*$' || true
/usr/bin/chromedriver --version
# selenium-manager must never run (it would download a driver): the script passes /usr/bin/chromedriver.
export SE_OFFLINE=true
echo "setup: $((SECONDS - began))s"

# 2. The servers, loopback only, killed on exit.
WORK="$(mktemp -d /tmp/browser-run.XXXXXX)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # The servers' logs next to the screenshots (they hold no secrets: request lines and errors).
  mkdir -p "$REPORTS/browser"
  for log in serve.log app.log login-app.log; do
    if [ -f "$WORK/$log" ]; then cp "$WORK/$log" "$REPORTS/browser/server-$log" || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {  # wait_port PORT NAME: at most 30 s
  local deadline=$((SECONDS + 30))
  until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "$2 did not listen on 127.0.0.1:$1 within 30 s" >&2; cat "$WORK/$2.log" >&2 || true; exit 1; fi
    sleep 0.2
  done
}

# An empty working folder: the profiles are the built-in ones, whatever the caller's folder holds.
mkdir -p "$WORK/serve"
(cd "$WORK/serve" && exec "$HARNESS" serve github-style twitter-style-oauth1 google-style-oidc login-pages-oidc \
  >"$WORK/serve.out" 2>"$WORK/serve.log") &
pids+=($!)
deadline=$((SECONDS + 30))
until [ "$(grep -c ' http://' "$WORK/serve.out" 2>/dev/null || true)" -ge 4 ]; do
  kill -0 "${pids[0]}" 2>/dev/null || { echo "oauth-harness serve exited:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "oauth-harness serve printed no URLs within 30 s" >&2; cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.2
done
mock() { awk -v name="$1" '$1 == name { print $2 }' "$WORK/serve.out"; }
GITHUB="$(mock github-style)"; TWITTER="$(mock twitter-style-oauth1)"; GOOGLE="$(mock google-style-oidc)"; LOGIN="$(mock login-pages-oidc)"
for url in "$GITHUB" "$TWITTER" "$GOOGLE" "$LOGIN"; do
  case "$url" in http://127.0.0.1:*) ;; *) echo "a mock is not on 127.0.0.1: $url" >&2; exit 1 ;; esac
done
# What the browser uses: the same servers as http://localhost:PORT, a different site from the
# app's http://127.0.0.1:PORT, so every redirect back to the app is a cross-site navigation.
as_localhost() { echo "${1/http:\/\/127.0.0.1:/http://localhost:}"; }
echo "mocks: github-style $GITHUB, twitter-style-oauth1 $TWITTER, google-style-oidc $GOOGLE, login-pages-oidc $LOGIN (browser: http://localhost:PORT)"

# The example app, twice. Its redirect_uri is http://<Host>/callback, so it is browsed at
# 127.0.0.1 (the mocks register http://127.0.0.1:8400/callback; any port matches a loopback IP).
# Browser-facing URLs (authorize, and Google's discovery, whose endpoints follow the Host it was
# fetched with) are localhost; the server-to-server ones of github and twitter stay 127.0.0.1.
APP_PORT="$(free_port)"
env -i PATH="$PATH" HOME="${HOME:-/root}" PORT="$APP_PORT" \
  GITHUB_CLIENT_ID=github-style-client GITHUB_CLIENT_SECRET=github-style-secret \
  GITHUB_AUTHORIZE_URL="$(as_localhost "$GITHUB")/login/oauth/authorize" GITHUB_ACCESS_TOKEN_URL="$GITHUB/login/oauth/access_token" \
  GITHUB_API_BASE_URL="$GITHUB" \
  TWITTER_CLIENT_ID=harness-consumer TWITTER_CLIENT_SECRET=harness-consumer-secret \
  TWITTER_REQUEST_TOKEN_URL="$TWITTER/oauth/request_token" TWITTER_AUTHORIZE_URL="$(as_localhost "$TWITTER")/oauth/authorize" \
  TWITTER_ACCESS_TOKEN_URL="$TWITTER/oauth/access_token" TWITTER_API_BASE_URL="$TWITTER/1.1" \
  GOOGLE_CLIENT_ID=harness-rp.apps.example GOOGLE_CLIENT_SECRET=harness-rp-secret-at-least-32-bytes-long \
  GOOGLE_SERVER_METADATA_URL="$(as_localhost "$GOOGLE")/.well-known/openid-configuration" GOOGLE_API_BASE_URL="$(as_localhost "$GOOGLE")" \
  "$APP" >"$WORK/app.log" 2>&1 &
pids+=($!)
# The second instance: its only provider, "google", is login-pages-oidc (client harness-rp). The
# app calls API_BASE_URL + "/v1/userinfo" (Google's path); login-pages-oidc's userinfo is at
# /oidc/userinfo, so the base ends in "?from=" and the app's path lands in an ignored parameter.
LOGIN_APP_PORT="$(free_port)"
env -i PATH="$PATH" HOME="${HOME:-/root}" PORT="$LOGIN_APP_PORT" \
  GOOGLE_CLIENT_ID=harness-rp GOOGLE_CLIENT_SECRET=harness-rp-secret-at-least-32-bytes-long \
  GOOGLE_SERVER_METADATA_URL="$(as_localhost "$LOGIN")/.well-known/openid-configuration" GOOGLE_API_BASE_URL="$LOGIN/oidc/userinfo?from=" \
  "$APP" >"$WORK/login-app.log" 2>&1 &
pids+=($!)
wait_port "$APP_PORT" app
wait_port "$LOGIN_APP_PORT" login-app
echo "apps: http://127.0.0.1:$APP_PORT (github, twitter, google), http://127.0.0.1:$LOGIN_APP_PORT (google = login-pages-oidc)"
echo "servers up: $((SECONDS - began))s"

flows() {
  python3 "$HERE/browser_flows.py" --app "http://127.0.0.1:$APP_PORT" --login-app "http://127.0.0.1:$LOGIN_APP_PORT" \
    --login-pages-mock "$(as_localhost "$LOGIN")" --reports "$1" --deadline "${BROWSER_DEADLINE:-240}" "${@:2}"
}

normal="skipped"; forced="skipped"; result=0
if [ "$MODE" = both ] || [ "$MODE" = normal ]; then
  echo "== browser flows (every flow must pass)"
  t=$SECONDS; status=0
  BROWSER_FORCE_FAIL= flows "$REPORTS" || status=$?
  if [ "$status" -eq 0 ]; then normal="passed in $((SECONDS - t))s"; else normal="FAILED (exit $status)"; result=1; fi
fi
if [ "$MODE" = both ] || [ "$MODE" = forced ]; then
  # Into its own folder: the forced run's JUnit and screenshot never replace the real run's.
  FORCED_REPORTS="$REPORTS/browser-forced"
  rm -rf "$FORCED_REPORTS"
  echo "== browser flows with a forced failure in $FORCE (must fail and leave a screenshot)"
  t=$SECONDS; status=0
  flows "$FORCED_REPORTS" --force-fail "$FORCE" --only "${FORCE%%:*}" || status=$?
  shot="$(ls "$FORCED_REPORTS"/browser/"${FORCE%%:*}"-*.png 2>/dev/null | head -1 || true)"
  if [ "$status" -ne 0 ] && [ -n "$shot" ] && python3 - "$shot" <<'PYEOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
length, kind = struct.unpack(">I4s", data[8:16])
assert kind == b"IHDR" and length == 13, "no IHDR chunk"
width, height = struct.unpack(">II", data[16:24])
assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0], "IHDR CRC mismatch"
assert width > 0 and height > 0 and data.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"), "truncated PNG"
print("valid PNG %dx%d, %d bytes: %s" % (width, height, len(data), sys.argv[1]))
PYEOF
  then
    forced="failed as expected (exit $status) in $((SECONDS - t))s, screenshot $shot"
  else
    forced="NOT as expected: exit $status, screenshot '${shot:-none}'"; result=1
  fi
fi
echo "browser summary: normal run $normal; forced run $forced; total $((SECONDS - began))s"
exit $result
