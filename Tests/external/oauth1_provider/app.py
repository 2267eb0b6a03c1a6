"""An OAuth 1.0a provider (RFC 5849) built on Authlib's Flask integration, for the harness's
external scenarios. State is in memory (one process); everything that varies per run comes
from the environment (Tests/external/providers.sh sets it):

  EXTERNAL_OAUTH1_CLIENT_KEY, EXTERNAL_OAUTH1_CLIENT_SECRET   the one registered client
  EXTERNAL_USERNAME, EXTERNAL_PASSWORD                        the one user
  EXTPROV_OAUTH1_SESSION_SECRET                               Flask's session-cookie key

Endpoints: POST /oauth/request_token, GET+POST /oauth/authorize, POST /login,
POST /oauth/access_token, GET /api/me (protected). HMAC-SHA1 only; Authlib checks the
timestamp (300 s window) and nonce (unique per client/token/timestamp) as it does by default.
"""
import hmac
import os
import secrets
import threading
import time
from urllib.parse import urlencode

from authlib.integrations.flask_oauth1 import (
    AuthorizationServer,
    ResourceProtector,
    create_exists_nonce_func,
    current_credential,
    register_nonce_hooks,
    register_temporary_credential_hooks,
)
from authlib.oauth1 import ClientMixin, TokenCredentialMixin
from authlib.oauth1.errors import InvalidRequestError, OAuth1Error
from flask import Flask, abort, jsonify, redirect, render_template_string, request, session

CALLBACKS = ["http://127.0.0.1:8400/callback"]  # the client's registered callback(s); "oob" is allowed too


class Client(ClientMixin):
    def __init__(self, key, secret, callbacks):
        self.client_id, self.client_secret, self.callbacks = key, secret, callbacks

    def get_default_redirect_uri(self):
        return self.callbacks[0]

    def get_client_secret(self):
        return self.client_secret

    def get_rsa_public_key(self):
        return None


class TokenCredential(dict, TokenCredentialMixin):
    def get_oauth_token(self):
        return self["oauth_token"]

    def get_oauth_token_secret(self):
        return self["oauth_token_secret"]


class User:
    def __init__(self, username, password):
        self.username, self.password = username, password

    def get_user_id(self):
        return self.username


class MemoryCache:
    """The get/set/delete/has interface Authlib's cache hooks expect, in one process's memory."""

    def __init__(self):
        self._data, self._lock = {}, threading.Lock()

    def get(self, key):
        with self._lock:
            value, expires = self._data.get(key, (None, 0))
            return value if expires > time.time() else None

    def set(self, key, value, timeout=None):
        with self._lock:
            self._data[key] = (value, time.time() + (timeout or 86400))

    def delete(self, key):
        with self._lock:
            self._data.pop(key, None)

    def has(self, key):
        return self.get(key) is not None


class Server(AuthorizationServer):
    def validate_temporary_credentials_request(self, req):
        """Authlib accepts any absolute oauth_callback; also hold it to the client's registered ones."""
        super().validate_temporary_credentials_request(req)
        if req.redirect_uri != "oob" and req.redirect_uri not in req.client.callbacks:
            raise InvalidRequestError('"oauth_callback" is not registered for this client')
        return req

    def handle_response(self, status_code, payload, headers):
        """Authlib 1.9.10 form-encodes the Python bool as "oauth_callback_confirmed=True";
        RFC 5849 section 2.1 says the value MUST be "true"."""
        if isinstance(payload, list):
            payload = [(name, "true" if value is True else value) for name, value in payload]
        return super().handle_response(status_code, payload, headers)


CLIENTS = {key: Client(key, os.environ["EXTERNAL_OAUTH1_CLIENT_SECRET"], CALLBACKS)
           for key in [os.environ["EXTERNAL_OAUTH1_CLIENT_KEY"]]}
USERS = {name: User(name, os.environ["EXTERNAL_PASSWORD"]) for name in [os.environ["EXTERNAL_USERNAME"]]}
PROFILES = {os.environ["EXTERNAL_USERNAME"]: {"name": "Alice Example", "email": "alice@example.com"}}
TOKENS = {}  # oauth_token -> TokenCredential (token credentials issued by /oauth/access_token)
cache = MemoryCache()

app = Flask(__name__)
app.config.update(SECRET_KEY=os.environ["EXTPROV_OAUTH1_SESSION_SECRET"],
                  OAUTH1_SUPPORTED_SIGNATURE_METHODS=["HMAC-SHA1"])


def create_token_credential(token, temporary_credential):
    credential = TokenCredential(token, client_id=temporary_credential.get_client_id(),
                                 user_id=temporary_credential.get_user_id())
    TOKENS[credential.get_oauth_token()] = credential
    return credential


def query_token(client_id, oauth_token):
    credential = TOKENS.get(oauth_token)
    return credential if credential and credential["client_id"] == client_id else None


server = Server(app, query_client=CLIENTS.get)
register_nonce_hooks(server, cache)
register_temporary_credential_hooks(server, cache)
server.register_hook("create_token_credential", create_token_credential)
require_oauth = ResourceProtector(app, query_client=CLIENTS.get, query_token=query_token,
                                  exists_nonce=create_exists_nonce_func(cache))

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head><body>
<h1>{{ title }}</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
{% if kind == "login" %}
<form id="login-form" method="post" action="/login">
  <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
  <input type="hidden" name="next" value="{{ next }}">
  <label for="username">Username</label> <input type="text" id="username" name="username" autocomplete="username">
  <label for="password">Password</label> <input type="password" id="password" name="password" autocomplete="current-password">
  <button type="submit" name="login" value="Sign in">Sign in</button>
</form>
{% else %}
<p>The application <strong>{{ client_id }}</strong> wants to access your account, <strong>{{ username }}</strong>.</p>
<form id="consent-form" method="post" action="/oauth/authorize">
  <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
  <input type="hidden" name="oauth_token" value="{{ oauth_token }}">
  <button type="submit" name="confirm" value="Authorize">Authorize</button>
  <button type="submit" name="deny" value="Deny">Deny</button>
</form>
{% endif %}
</body></html>"""


def csrf_token():
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(24)
    return session["csrf_token"]


def check_csrf():
    sent, expected = request.form.get("csrf_token", ""), session.get("csrf_token", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(403, "CSRF token missing or wrong")


@app.post("/oauth/request_token")
def request_token():
    return server.create_temporary_credentials_response()


@app.get("/oauth/authorize")
def authorize_page():
    try:
        req = server.check_authorization_request()
    except OAuth1Error as error:
        return f"{error.error}: {error.description}\n", 400, {"Content-Type": "text/plain"}
    user = USERS.get(session.get("user", ""))
    if user is None:
        return render_template_string(PAGE, kind="login", title="Sign in", csrf_token=csrf_token(),
                                      next="/oauth/authorize?" + urlencode({"oauth_token": req.token}))
    return render_template_string(PAGE, kind="consent", title="Authorize access", csrf_token=csrf_token(),
                                  client_id=req.credential.get_client_id(), username=user.username,
                                  oauth_token=req.token)


@app.post("/oauth/authorize")
def authorize_decision():
    check_csrf()
    user = USERS.get(session.get("user", ""))
    if user is None:
        abort(403, "not signed in")
    try:
        return server.create_authorization_response(grant_user=user if "confirm" in request.form else None)
    except OAuth1Error as error:
        return f"{error.error}: {error.description}\n", 400, {"Content-Type": "text/plain"}


@app.post("/login")
def login():
    check_csrf()
    next_url = request.form.get("next", "")
    if not next_url.startswith("/oauth/authorize?"):
        next_url = "/oauth/authorize"
    user = USERS.get(request.form.get("username", ""))
    if user is None or not hmac.compare_digest(user.password, request.form.get("password", "")):
        return render_template_string(PAGE, kind="login", title="Sign in", csrf_token=csrf_token(), next=next_url,
                                      error="Wrong username or password."), 200
    session["user"] = user.username
    return redirect(next_url, code=302)


@app.post("/oauth/access_token")
def access_token():
    return server.create_token_response()


@app.get("/api/me")
@require_oauth()
def me():
    username = current_credential["user_id"]
    return jsonify(username=username, client_id=current_credential["client_id"], **PROFILES.get(username, {}))


@app.get("/health")
def health():
    return "ok\n", 200, {"Content-Type": "text/plain"}
