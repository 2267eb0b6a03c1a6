#!/usr/bin/env bash
# Starts (or stops) real third-party OAuth providers from PyPI on free 127.0.0.1 ports:
#   - django-oauth-toolkit (OAuth 2 + OpenID Connect) in a minimal Django project (django_oidc/)
#   - Authlib's Flask OAuth 1.0a server (oauth1_provider/app.py)
#   - idpyoidc's OpenID Provider with PAR (RFC 9126), DPoP (RFC 9449), token exchange (RFC 8693) and
#     OpenID Connect back-channel logout (idpyoidc_op/app.py)
#   - Authlib's OAuth 2 / OIDC server taking JWT-secured authorization requests, RFC 9101 (authlib_jar/app.py)
# all served by gunicorn. See README.md beside this file.
#
#   providers.sh start DIR   venv in DIR/venv (reused), fresh state, all servers up, DIR/env written
#   providers.sh stop DIR    stops all servers (pid files in DIR); exits 0 if already stopped
#
# Python: $PYTHON, or python3 from PATH (3.11 in CI).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${PYTHON:-python3}"
PACKAGES=(
  "Django==5.2.19"
  "django-oauth-toolkit==3.4.1"
  "oauthlib==4.0.1"
  "Authlib==1.9.10"
  "Flask==3.1.3"
  "gunicorn==23.0.0"
  "idpyoidc==5.0.0"
)
SERVERS=(django oauth1 idpy jar)
WAIT_SECONDS=60

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
COMMAND="$1"
mkdir -p "$2"
DIR="$(cd "$2" && pwd)"

stop_servers() {  # all at once (a gunicorn master takes ~2 s to stop), then wait for each
  local name pid i
  local -a names=() pids=()
  for name in "${SERVERS[@]}"; do
    [ -f "$DIR/$name.pid" ] || continue
    pid="$(cat "$DIR/$name.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true        # gunicorn's master stops its workers
      names+=("$name"); pids+=("$pid")
    fi
  done
  for i in "${!pids[@]}"; do
    pid="${pids[$i]}"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    echo "stopped ${names[$i]} (pid $pid)"
  done
  for name in "${SERVERS[@]}"; do rm -f "$DIR/$name.pid"; done
}

fail() {
  echo "providers.sh: $*" >&2
  local name
  for name in "${SERVERS[@]}"; do
    if [ -f "$DIR/$name.log" ]; then
      echo "---- last lines of $DIR/$name.log" >&2
      tail -n 40 "$DIR/$name.log" >&2
    fi
  done
  stop_servers >&2
  exit 1
}

case "$COMMAND" in
  stop) stop_servers; exit 0 ;;
  start) ;;
  *) usage ;;
esac

stop_servers   # a second start replaces the first

# ---- venv and packages (skipped when DIR/venv already holds exactly these pins)
VENV="$DIR/venv"
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
  "$PYTHON" -m venv "$VENV" || fail "could not create a venv with $PYTHON"
fi
if [ "$(cat "$VENV/.harness-packages" 2>/dev/null)" != "${PACKAGES[*]}" ]; then
  echo "installing into $VENV: ${PACKAGES[*]}"
  "$PY" -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}" || fail "pip install failed"
  echo "${PACKAGES[*]}" > "$VENV/.harness-packages"
fi

# ---- fresh state: secrets, keys, database
rm -rf "$DIR/django" "$DIR/idpy" "$DIR/jar" "$DIR/keys" "$DIR/env" "$DIR"/*.log
mkdir -p "$DIR/django" "$DIR/idpy" "$DIR/jar" "$DIR/keys"
secret() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))'; }

export EXTERNAL_USERNAME=alice
export EXTERNAL_PASSWORD="$(secret)"
export EXTERNAL_CLIENT_ID=harness-external
export EXTERNAL_CLIENT_SECRET="$(secret)"
export EXTERNAL_AUTO_CLIENT_ID=harness-external-auto
export EXTERNAL_AUTO_CLIENT_SECRET="$(secret)"
export EXTERNAL_CC_CLIENT_ID=harness-external-cc
export EXTERNAL_CC_CLIENT_SECRET="$(secret)"
export EXTERNAL_DEVICE_CLIENT_ID=harness-external-device
export EXTERNAL_OAUTH1_CLIENT_KEY=harness-oauth1
export EXTERNAL_OAUTH1_CLIENT_SECRET="$(secret)"
export EXTPROV_OAUTH1_SESSION_SECRET="$(secret)"
export EXTPROV_DJANGO_STATE="$DIR/django"
export EXTERNAL_IDPY_CLIENT_ID=harness-idpy
export EXTERNAL_IDPY_CLIENT_SECRET="$(secret)"
export EXTERNAL_IDPY_PKJWT_CLIENT_ID=harness-idpy-pkjwt
export EXTERNAL_IDPY_PUBLIC_CLIENT_ID=harness-idpy-public
export EXTERNAL_IDPY_EXCHANGE_CLIENT_ID=harness-idpy-exchanger
export EXTERNAL_IDPY_EXCHANGE_CLIENT_SECRET="$(secret)"
export EXTERNAL_IDPY_RP_CLIENT_ID=harness-idpy-rp
export EXTERNAL_IDPY_RP_CLIENT_SECRET="$(secret)"
# A relying party for OpenID Connect Front-Channel Logout (its frontchannel_logout_uri below).
export EXTERNAL_IDPY_FC_CLIENT_ID=harness-idpy-fc
export EXTERNAL_IDPY_FC_CLIENT_SECRET="$(secret)"
export EXTPROV_IDPY_STATE="$DIR/idpy"
export EXTPROV_IDPY_PKJWT_JWKS="$DIR/idpy/pkjwt_client.jwks.json"
export EXTERNAL_JAR_CLIENT_ID=harness-jar
export EXTERNAL_JAR_SECRET_CLIENT_ID=harness-jar-secret
export EXTERNAL_JAR_SECRET_CLIENT_SECRET="$(secret)"
export EXTPROV_JAR_SESSION_SECRET="$(secret)"
export EXTPROV_JAR_CLIENT_JWKS="$DIR/jar/jar_client.jwks.json"
IDPY_KEY_FILE="$DIR/keys/idpy-pkjwt-client.pem"
JAR_KEY_FILE="$DIR/keys/jar-client.pem"

secret > "$DIR/django/secret_key"
"$PY" - "$DIR/django/oidc_rsa.pem" <<'PYEOF' || fail "could not generate the OIDC RSA key"
import sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
open(sys.argv[1], "wb").write(pem)
PYEOF
# The clients' private keys (PEM, PKCS#8; the harness signs with them) and the public JWKS each
# server is configured with: ES256 (P-256) for idpyoidc's private_key_jwt client, RS256 (RSA 2048)
# for the JAR client. kid = the RFC 7638 thumbprint.
"$PY" - "$IDPY_KEY_FILE" "$EXTPROV_IDPY_PKJWT_JWKS" EC "$JAR_KEY_FILE" "$EXTPROV_JAR_CLIENT_JWKS" RSA <<'PYEOF' \
  > "$DIR/keys/kids" || fail "could not generate the client keys"
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
b64 = lambda n, size=None: base64.urlsafe_b64encode(n.to_bytes(size or (n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
for pem_path, jwks_path, kty in zip(sys.argv[1::3], sys.argv[2::3], sys.argv[3::3]):
    if kty == "EC":
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        jwk, alg = {"crv": "P-256", "kty": "EC", "x": b64(numbers.x, 32), "y": b64(numbers.y, 32)}, "ES256"
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = key.public_key().public_numbers()
        jwk, alg = {"e": b64(numbers.e), "kty": "RSA", "n": b64(numbers.n)}, "RS256"
    kid = base64.urlsafe_b64encode(hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()).rstrip(b"=").decode()
    with open(pem_path, "wb") as file:
        file.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with open(jwks_path, "w") as file:
        # no "alg" on the RSA key: a JWK's alg limits it to that one algorithm (RS256 and PS256 both work)
        json.dump({"keys": [dict(jwk, use="sig", kid=kid, **({"alg": alg} if kty == "EC" else {}))]}, file)
    print(kid)
PYEOF
chmod 600 "$DIR/django/secret_key" "$DIR/django/oidc_rsa.pem" "$IDPY_KEY_FILE" "$JAR_KEY_FILE"
{ read -r IDPY_KEY_ID; read -r JAR_KEY_ID; } < "$DIR/keys/kids"

( cd "$HERE/django_oidc" && "$PY" manage.py migrate --verbosity 0 && "$PY" manage.py harness_setup ) \
  > "$DIR/django.log" 2>&1 || fail "Django migrate/harness_setup failed"

# ---- six free loopback ports (all held while choosing, so they differ): the four servers', and
# the relying parties' back-channel and front-channel logout receivers (nobody listens there now:
# the harness binds them during a scenario or check; idpyoidc POSTs logout tokens to the first,
# and its logout page loads the second in a frame)
read -r DJANGO_PORT OAUTH1_PORT IDPY_PORT JAR_PORT BACKCHANNEL_PORT FRONTCHANNEL_PORT < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks: s.close()')

# gunicorn, one process (the OAuth 1 store is in memory) with threads; keep-alive longer than
# AsyncHTTPClient's 60 s idle timeout so the client, not the server, closes idle connections.
start_server() {  # name port chdir app; setsid keeps the server out of the caller's process group
  setsid "$VENV/bin/gunicorn" --bind "127.0.0.1:$2" --chdir "$3" \
    --workers 1 --worker-class gthread --threads 4 --keep-alive 75 --timeout 60 --graceful-timeout 5 \
    --access-logfile - --error-logfile - "$4" >> "$DIR/$1.log" 2>&1 < /dev/null &
  echo $! > "$DIR/$1.pid"
}
DJANGO_URL="http://127.0.0.1:$DJANGO_PORT"
OAUTH1_URL="http://127.0.0.1:$OAUTH1_PORT"
IDPY_URL="http://127.0.0.1:$IDPY_PORT"
JAR_URL="http://127.0.0.1:$JAR_PORT"
export EXTPROV_IDPY_ISSUER="$IDPY_URL" EXTPROV_JAR_ISSUER="$JAR_URL"
export EXTERNAL_IDPY_BACKCHANNEL_LOGOUT_URI="http://127.0.0.1:$BACKCHANNEL_PORT/backchannel-logout"  # read by idpyoidc_op/app.py
export EXTERNAL_IDPY_FRONTCHANNEL_LOGOUT_URI="http://127.0.0.1:$FRONTCHANNEL_PORT/frontchannel-logout"  # read by idpyoidc_op/app.py
export EXTPROV_DJANGO_URL="$DJANGO_URL"   # DOT's device verification URI (django_oidc settings)

start_server django "$DJANGO_PORT" "$HERE/django_oidc" extprovider.wsgi:application
start_server oauth1 "$OAUTH1_PORT" "$HERE/oauth1_provider" app:app
start_server idpy "$IDPY_PORT" "$HERE/idpyoidc_op" app:app
start_server jar "$JAR_PORT" "$HERE/authlib_jar" app:app

READY_URLS=("$DJANGO_URL/o/.well-known/openid-configuration" "$OAUTH1_URL/health"
            "$IDPY_URL/.well-known/openid-configuration" "$JAR_URL/.well-known/openid-configuration")

# ---- wait (bounded) until all answer 200
ready=0
for i in $(seq 1 $((WAIT_SECONDS * 2))); do
  if "$PY" - "${READY_URLS[@]}" <<'PYEOF'
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
for url in sys.argv[1:]:
    try:
        with opener.open(url, timeout=2) as response:
            if response.status != 200:
                sys.exit(1)
    except Exception:
        sys.exit(1)
PYEOF
  then ready=1; break; fi
  for name in "${SERVERS[@]}"; do   # a server that died will not come up: stop waiting
    if ! kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
      fail "the $name server exited during startup"
    fi
  done
  sleep 0.5
done
[ "$ready" = 1 ] || fail "the providers did not answer within ${WAIT_SECONDS}s (${READY_URLS[*]})"

# ---- the env file the Swift scenarios, check_providers.py and check_modern.py read
ISSUER="$("$PY" -c '
import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
print(json.load(opener.open(sys.argv[1], timeout=10))["issuer"])' "${READY_URLS[0]}")" || fail "could not read the issuer"
"$PY" - "$DIR" \
  "EXTERNAL_OIDC_URL=$DJANGO_URL" \
  "EXTERNAL_OIDC_DISCOVERY=$DJANGO_URL/o/.well-known/openid-configuration" \
  "EXTERNAL_OIDC_ISSUER=$ISSUER" \
  "EXTERNAL_CLIENT_ID=$EXTERNAL_CLIENT_ID" \
  "EXTERNAL_CLIENT_SECRET=$EXTERNAL_CLIENT_SECRET" \
  "EXTERNAL_AUTO_CLIENT_ID=$EXTERNAL_AUTO_CLIENT_ID" \
  "EXTERNAL_AUTO_CLIENT_SECRET=$EXTERNAL_AUTO_CLIENT_SECRET" \
  "EXTERNAL_CC_CLIENT_ID=$EXTERNAL_CC_CLIENT_ID" \
  "EXTERNAL_CC_CLIENT_SECRET=$EXTERNAL_CC_CLIENT_SECRET" \
  "EXTERNAL_DEVICE_CLIENT_ID=$EXTERNAL_DEVICE_CLIENT_ID" \
  "EXTERNAL_DEVICE_AUTHORIZATION_PATH=/o/device-authorization/" \
  "EXTERNAL_USERNAME=$EXTERNAL_USERNAME" \
  "EXTERNAL_PASSWORD=$EXTERNAL_PASSWORD" \
  "EXTERNAL_REDIRECT_URI=http://127.0.0.1:8400/callback" \
  "EXTERNAL_POST_LOGOUT_REDIRECT_URI=http://127.0.0.1:8400/logged-out" \
  "EXTERNAL_OAUTH1_URL=$OAUTH1_URL" \
  "EXTERNAL_OAUTH1_CLIENT_KEY=$EXTERNAL_OAUTH1_CLIENT_KEY" \
  "EXTERNAL_OAUTH1_CLIENT_SECRET=$EXTERNAL_OAUTH1_CLIENT_SECRET" \
  "EXTERNAL_API_PATH=/api/me" \
  "EXTERNAL_REVOKE_PATH=/o/revoke_token/" \
  "EXTERNAL_INTROSPECT_PATH=/o/introspect/" \
  "EXTERNAL_REGISTRATION_PATH=/o/register/" \
  "EXTERNAL_MCP_URL=$DJANGO_URL" \
  "EXTERNAL_MCP_DISCOVERY=$DJANGO_URL/.well-known/oauth-authorization-server/o" \
  "EXTERNAL_MCP_API_PATH=/api/me" \
  "EXTERNAL_MCP_REGISTRATION_PATH=/o/register/" \
  "EXTERNAL_MCP_USERNAME=$EXTERNAL_USERNAME" \
  "EXTERNAL_MCP_PASSWORD=$EXTERNAL_PASSWORD" \
  "EXTERNAL_OAUTH1_REQUEST_TOKEN_PATH=/oauth/request_token" \
  "EXTERNAL_OAUTH1_AUTHORIZE_PATH=/oauth/authorize" \
  "EXTERNAL_OAUTH1_ACCESS_TOKEN_PATH=/oauth/access_token" \
  "EXTERNAL_OAUTH1_API_PATH=/api/me" \
  "EXTERNAL_IDPY_URL=$IDPY_URL" \
  "EXTERNAL_IDPY_DISCOVERY=$IDPY_URL/.well-known/openid-configuration" \
  "EXTERNAL_IDPY_ISSUER=$IDPY_URL" \
  "EXTERNAL_IDPY_CLIENT_ID=$EXTERNAL_IDPY_CLIENT_ID" \
  "EXTERNAL_IDPY_CLIENT_SECRET=$EXTERNAL_IDPY_CLIENT_SECRET" \
  "EXTERNAL_IDPY_PKJWT_CLIENT_ID=$EXTERNAL_IDPY_PKJWT_CLIENT_ID" \
  "EXTERNAL_IDPY_PKJWT_CLIENT_KEY_FILE=$IDPY_KEY_FILE" \
  "EXTERNAL_IDPY_PKJWT_CLIENT_KEY_ID=$IDPY_KEY_ID" \
  "EXTERNAL_IDPY_PKJWT_CLIENT_KEY_ALG=ES256" \
  "EXTERNAL_IDPY_PUBLIC_CLIENT_ID=$EXTERNAL_IDPY_PUBLIC_CLIENT_ID" \
  "EXTERNAL_IDPY_EXCHANGE_CLIENT_ID=$EXTERNAL_IDPY_EXCHANGE_CLIENT_ID" \
  "EXTERNAL_IDPY_EXCHANGE_CLIENT_SECRET=$EXTERNAL_IDPY_EXCHANGE_CLIENT_SECRET" \
  "EXTERNAL_IDPY_RP_CLIENT_ID=$EXTERNAL_IDPY_RP_CLIENT_ID" \
  "EXTERNAL_IDPY_RP_CLIENT_SECRET=$EXTERNAL_IDPY_RP_CLIENT_SECRET" \
  "EXTERNAL_IDPY_BACKCHANNEL_LOGOUT_URI=$EXTERNAL_IDPY_BACKCHANNEL_LOGOUT_URI" \
  "EXTERNAL_IDPY_FC_CLIENT_ID=$EXTERNAL_IDPY_FC_CLIENT_ID" \
  "EXTERNAL_IDPY_FC_CLIENT_SECRET=$EXTERNAL_IDPY_FC_CLIENT_SECRET" \
  "EXTERNAL_IDPY_FRONTCHANNEL_LOGOUT_URI=$EXTERNAL_IDPY_FRONTCHANNEL_LOGOUT_URI" \
  "EXTERNAL_IDPY_PAR_PATH=/par" \
  "EXTERNAL_IDPY_API_PATH=/userinfo" \
  "EXTERNAL_IDPY_INTROSPECT_PATH=/introspection" \
  "EXTERNAL_IDPY_REVOKE_PATH=/revocation" \
  "EXTERNAL_JAR_URL=$JAR_URL" \
  "EXTERNAL_JAR_DISCOVERY=$JAR_URL/.well-known/openid-configuration" \
  "EXTERNAL_JAR_ISSUER=$JAR_URL" \
  "EXTERNAL_JAR_CLIENT_ID=$EXTERNAL_JAR_CLIENT_ID" \
  "EXTERNAL_JAR_CLIENT_KEY_FILE=$JAR_KEY_FILE" \
  "EXTERNAL_JAR_CLIENT_KEY_ID=$JAR_KEY_ID" \
  "EXTERNAL_JAR_CLIENT_KEY_ALG=RS256" \
  "EXTERNAL_JAR_SECRET_CLIENT_ID=$EXTERNAL_JAR_SECRET_CLIENT_ID" \
  "EXTERNAL_JAR_SECRET_CLIENT_SECRET=$EXTERNAL_JAR_SECRET_CLIENT_SECRET" \
  "EXTERNAL_JAR_API_PATH=/api/me" > "$DIR/env.tmp" <<'PYEOF'
import shlex, sys
print(f"# written by Tests/external/providers.sh start {sys.argv[1]}")
for pair in sys.argv[2:]:
    name, _, value = pair.partition("=")
    print(f"export {name}={shlex.quote(value)}")
PYEOF
mv "$DIR/env.tmp" "$DIR/env"

echo "django-oauth-toolkit 3.4.1 (OIDC): $DJANGO_URL  issuer $ISSUER  pid $(cat "$DIR/django.pid")  log $DIR/django.log"
echo "Authlib 1.9.10 (OAuth 1.0a):       $OAUTH1_URL  pid $(cat "$DIR/oauth1.pid")  log $DIR/oauth1.log"
echo "idpyoidc 5.0.0 (PAR, DPoP, BCL):   $IDPY_URL  pid $(cat "$DIR/idpy.pid")  log $DIR/idpy.log"
echo "Authlib 1.9.10 (JAR, RFC 9101):    $JAR_URL  pid $(cat "$DIR/jar.pid")  log $DIR/jar.log"
echo "env: $DIR/env"
