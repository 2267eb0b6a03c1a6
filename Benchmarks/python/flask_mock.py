"""Minimal Flask OAuth 2.0 provider mirroring the standard-oauth2 mock profile.

Only what the benchmark needs: the authorization-code approval submit (with
PKCE S256) and the token endpoint (authorization_code, client_credentials).

Run with:  gunicorn -w 2 -b 127.0.0.1:PORT flask_mock:app

gunicorn's sync workers are separate processes, so no state is kept in memory:
an authorization code is a self-contained, HMAC-signed blob. Such a code can
be redeemed more than once until it expires; RFC 6749 §4.1.2 requires single
use, which a real server (and our Swift mock) enforces, but the benchmark only
redeems each code once, so the check is left out here.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from urllib.parse import unquote_plus, urlencode

from flask import Flask, Response, request

CLIENT_ID = "harness-client"
CLIENT_SECRET = "harness-secret"
REDIRECT_URI = "http://127.0.0.1:8400/callback"
SCOPES = {"openid", "profile", "email", "api.read", "api.write"}
DEFAULT_SCOPE = "profile"
CODE_LIFETIME = 60
ACCESS_TOKEN_LIFETIME = 3600
# Every worker must share the key, so it cannot be generated per process.
CODE_KEY = os.environ.get("FLASK_MOCK_CODE_KEY", "flask-mock-benchmark-only").encode()
PKCE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")

app = Flask(__name__)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def json_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    resp = Response(json.dumps(body), status, mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Pragma"] = "no-cache"
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def oauth_error(error: str, description: str, status: int = 400, headers: dict | None = None) -> Response:
    return json_response({"error": error, "error_description": description}, status, headers)


def normalize_scope(scope: str | None) -> str | None:
    """The space-separated scope, the default if absent, None if any is unknown."""
    names = (scope or DEFAULT_SCOPE).split()
    if not names or any(name not in SCOPES for name in names):
        return None
    return " ".join(names)


def sign_code(claims: dict) -> str:
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(CODE_KEY, payload.encode(), hashlib.sha256).digest()
    return payload + "." + b64url(mac)


def verify_code(code: str) -> dict | None:
    """The code's claims if its signature is good and it has not expired."""
    payload, _, mac = code.partition(".")
    expected = b64url(hmac.new(CODE_KEY, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    try:
        claims = json.loads(b64url_decode(payload))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(claims, dict) or claims.get("exp", 0) < time.time():
        return None
    return claims


def authenticate_client() -> bool:
    """client_secret_basic (RFC 6749 §2.3.1), compared in constant time."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (ValueError, binascii.Error):
        return False
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return False
    id_ok = hmac.compare_digest(unquote_plus(client_id).encode(), CLIENT_ID.encode())
    secret_ok = hmac.compare_digest(unquote_plus(secret).encode(), CLIENT_SECRET.encode())
    return id_ok and secret_ok


@app.post("/oauth2/authorize")
def authorize():
    form = request.form
    if form.get("client_id") != CLIENT_ID:
        return oauth_error("invalid_request", "unknown client_id")
    if form.get("redirect_uri") != REDIRECT_URI:
        return oauth_error("invalid_request", "redirect_uri is not registered")
    if form.get("response_type") != "code":
        return oauth_error("unsupported_response_type", "response_type must be code")
    challenge = form.get("code_challenge", "")
    if not PKCE_RE.match(challenge) or form.get("code_challenge_method") != "S256":
        return oauth_error("invalid_request", "code_challenge with method S256 is required")
    scope = normalize_scope(form.get("scope"))
    if scope is None:
        return oauth_error("invalid_scope", "unknown scope")
    if form.get("decision") != "approve":
        return oauth_error("access_denied", "the user did not approve")

    code = sign_code({
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "code_challenge": challenge,
        "scope": scope,
        "sub": "alice",
        "exp": int(time.time()) + CODE_LIFETIME,
        "n": secrets.token_urlsafe(8),
    })
    params = {"code": code}
    if "state" in form:
        params["state"] = form["state"]
    return Response("", 302, {"Location": REDIRECT_URI + "?" + urlencode(params)})


@app.post("/oauth2/token")
def token():
    if not authenticate_client():
        return oauth_error("invalid_client", "client authentication failed", 401,
                           {"WWW-Authenticate": 'Basic realm="oauth2"'})
    form = request.form
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        return authorization_code_grant(form)
    if grant_type == "client_credentials":
        scope = normalize_scope(form.get("scope"))
        if scope is None:
            return oauth_error("invalid_scope", "unknown scope")
        return issue_token(scope, refresh=False)
    if grant_type is None:
        return oauth_error("invalid_request", "grant_type is required")
    return oauth_error("unsupported_grant_type", "grant_type is not supported")


def authorization_code_grant(form) -> Response:
    code, verifier = form.get("code"), form.get("code_verifier")
    if not code:
        return oauth_error("invalid_request", "code is required")
    claims = verify_code(code)
    if claims is None or claims.get("client_id") != CLIENT_ID:
        return oauth_error("invalid_grant", "code is invalid or expired")
    if form.get("redirect_uri") != claims["redirect_uri"]:
        return oauth_error("invalid_grant", "redirect_uri does not match")
    if not verifier or not PKCE_RE.match(verifier):
        return oauth_error("invalid_grant", "a valid code_verifier is required")
    computed = b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    if not hmac.compare_digest(computed.encode(), claims["code_challenge"].encode()):
        return oauth_error("invalid_grant", "PKCE verification failed")
    return issue_token(claims["scope"], refresh=True)


def issue_token(scope: str, refresh: bool) -> Response:
    body = {
        "access_token": secrets.token_urlsafe(32),
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "scope": scope,
    }
    if refresh:
        body["refresh_token"] = secrets.token_urlsafe(32)
    return json_response(body)
