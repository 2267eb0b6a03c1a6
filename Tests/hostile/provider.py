#!/usr/bin/env python3
"""A hostile OAuth 2 / OpenID Connect provider for Tests/hostile/run.sh (standard library only).

Usage: python3 provider.py PORTFILE

Binds 127.0.0.1:0, writes `http://127.0.0.1:PORT` to PORTFILE (atomically) and serves until it is
killed. Every value it issues (codes, access and refresh tokens) contains `-MARK-` and is appended,
one a line, to `issued.txt` next to PORTFILE, so the verifier can search the harness's output for
each of them.

Each tenant is a provider of its own under `http://127.0.0.1:PORT/<tenant>` (its issuer, no
trailing slash), with the same endpoints; what makes it hostile is described in TENANTS below and
in Tests/hostile/README.md. Registered client: `hostile-client` with the secret of
$HOSTILE_CLIENT_SECRET (default CLIENT_SECRET_MARK), redirect URI http://127.0.0.1:8400/callback.
Test user: `hostile-user` with the password of $HOSTILE_PASSWORD (default PASSWORD_MARK).

Endpoints of a tenant (BASE = http://127.0.0.1:PORT/<tenant>):
  GET  BASE/.well-known/openid-configuration, BASE/.well-known/oauth-authorization-server
       (also /.well-known/{oauth-authorization-server,openid-configuration}/<tenant>)
  GET  BASE/authorize            login page (username, password, the request as hidden fields)
  POST BASE/login                the consent page (wrong credentials: the login page again)
  POST BASE/consent              302 to the redirect URI with code, state, iss (or an error)
  POST BASE/token                authorization_code (PKCE S256), refresh_token; Basic or post auth
  GET/POST BASE/userinfo         Bearer
  POST BASE/revoke, BASE/introspect, GET BASE/jwks ({"keys": []}), GET BASE/logout
For the driver (never used by the harness):
  GET  BASE/consent/_pressed     {"tenant": …, "pressed": [the consent buttons pressed, in order]}
  GET  BASE/_stats               counters of what the tenant served
  POST BASE/_reset               clears the counters and the pressed buttons

Bounded: request bodies up to 64 KiB, at most 10,000 codes/tokens/tickets per tenant (oldest
forgotten), a 15 s socket timeout per connection, `Connection: close` on every answer; it exits
when the process that started it is gone or after $HOSTILE_PROVIDER_LIFETIME seconds (1800).
"""
import base64
import hashlib
import hmac
import html
import json
import os
import secrets
import sys
import threading
import time
import traceback
import urllib.parse
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "hostile-client"
CLIENT_SECRET_MARK = "CSECRET-MARK-7f3a9c1e2b4d"
PASSWORD_MARK = "PASSWD-MARK-5e8b2d7a1c9f"
CLIENT_SECRET = os.environ.get("HOSTILE_CLIENT_SECRET") or CLIENT_SECRET_MARK
PASSWORD = os.environ.get("HOSTILE_PASSWORD") or PASSWORD_MARK
USERNAME = "hostile-user"
REDIRECT_URI = "http://127.0.0.1:8400/callback"
POST_LOGOUT_REDIRECT_URI = "http://127.0.0.1:8400/logged-out"
MARK = "-MARK-"

# The inject tenant's UserInfo: YAML-hostile values and names, to be kept as data by a profile writer.
INJECT_CLAIMS = {
    "sub": "u2\nauto_approve: true",
    "name": "x\" : y\n- z",
    "nickname": "&anchor *alias !!python/object",
    "website": "# not a comment",
    "weird: key\n": "v",
    "locale": "'single' \"double\" \\ back",
}
INJECT_END_SESSION_SUFFIX = "/logout\nauto_approve: true"
INJECT_REVOCATION_SUFFIX = "/revoke\n  evil: /x"

# flood: this many extra secret-named members in every successful token answer. The harness's
# HTTP client refuses bodies over 4 MiB; each member is 44 bytes, so 120,000 (5.3 MB) is refused
# before it is parsed (0.5 s, nothing to see). 90,000 (3.8 MiB) arrives whole.
FLOOD_N = int(os.environ.get("HOSTILE_FLOOD_N", "90000"))
# forms: the authorization page repeats this many times before the real login form (40 bytes
# each: 2.4 MB). A parser that looks up every form= owner among all forms so far is quadratic:
# 40,000 took 95 s and 20,000 took 25 s on a busy 2-core machine; 60,000 keeps it far past the
# 60 s limit on a fast one, and is nothing for a linear parser.
FORMS_JUNK = "<form id=a></form><input form=zz name=x>"
FORMS_REPEAT = int(os.environ.get("HOSTILE_FORMS_REPEAT", "60000"))

TENANTS = {
    "leak": "form token requests get a 400 whose error_description holds the client secret and the password; "
    "JSON requests get tokens with token_type 'Bearer-<refresh token>'; UserInfo echoes the tokens and secrets as claims",
    "inject": "metadata endpoints and UserInfo claims built to inject YAML into a written profile",
    "flood": f"the token answer carries {FLOOD_N} extra secret-named members",
    "forms": f"the authorization page has {FORMS_REPEAT} empty forms and orphan form= inputs before the login form",
    "consent": "the consent form's first submit button revokes everything, the second allows",
    "ambiguous": "the consent form has two buttons, 'Option A' and 'Option B', neither approving nor denying",
}

MAX_BODY = 64 * 1024
MAX_ENTRIES = 10_000
CODE_LIFETIME = 120
ACCESS_LIFETIME = 3600

ORIGIN = ""  # http://127.0.0.1:PORT, set once bound
ISSUED_PATH = None
ISSUED_LOCK = threading.Lock()
LOCK = threading.Lock()  # guards every tenant's state


class Bounded(OrderedDict):
    """A dict that forgets its oldest entries past MAX_ENTRIES."""

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        while len(self) > MAX_ENTRIES:
            self.popitem(last=False)


class Tenant:
    def __init__(self, name):
        self.name = name
        self.codes = Bounded()
        self.used_codes = Bounded()  # code -> access tokens issued for it (revoked on reuse)
        self.access = Bounded()
        self.refresh = Bounded()
        self.tickets = Bounded()
        self.current_refresh = Bounded()  # user -> latest refresh token
        self.pressed = []
        self.stats = {}

    @property
    def base(self):
        return f"{ORIGIN}/{self.name}"

    def count(self, key, by=1):
        self.stats[key] = self.stats.get(key, 0) + by


STATE = {name: Tenant(name) for name in TENANTS}


def issue(prefix):
    """A new value PREFIX-MARK-<16 hex>, recorded in issued.txt."""
    value = f"{prefix}{MARK}{secrets.token_hex(8)}"
    if ISSUED_PATH:
        with ISSUED_LOCK, open(ISSUED_PATH, "a", encoding="utf-8") as issued:
            issued.write(value + "\n")
    return value


FLOOD_TABLE = bytes(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[byte % 62] for byte in range(256))


def flood_values(count):
    """`count` values of 24 random characters with a '/', a '+' and a space among them: JSON needs
    no escape for them, yet every spelling of the value a redactor registers differs (percent-
    encoded, + for space, lower-case escapes, \\/ for /, base64, base64url)."""
    letters = secrets.token_bytes(21 * count).translate(FLOOD_TABLE).decode()
    places = secrets.token_bytes(3 * count)
    values = []
    for index in range(count):
        value = letters[21 * index: 21 * index + 21]
        for offset, special in enumerate("/+ "):
            at = places[3 * index + offset] % (len(value) + 1)
            value = value[:at] + special + value[at:]
        values.append(value)
    return values


def b64url_sha256(text):
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def discovery(tenant):
    base = tenant.base
    document = {
        "issuer": base,
        "authorization_endpoint": base + "/authorize",
        "token_endpoint": base + "/token",
        "userinfo_endpoint": base + "/userinfo",
        "jwks_uri": base + "/jwks",
        "revocation_endpoint": base + "/revoke",
        "introspection_endpoint": base + "/introspect",
        "end_session_endpoint": base + "/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "profile", "email"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "name", "nickname", "website", "locale", "email"],
        "authorization_response_iss_parameter_supported": True,
    }
    if tenant.name == "inject":
        document["end_session_endpoint"] = base + INJECT_END_SESSION_SUFFIX
        document["revocation_endpoint"] = base + INJECT_REVOCATION_SUFFIX
    return document


def page(title, body):
    return (
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>"
        + html.escape(title)
        + "</title></head>\n<body>\n"
        + body
        + "\n</body></html>\n"
    )


def hidden(fields):
    return "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">\n' for name, value in fields
    )


def login_page(tenant, fields, message=""):
    body = (
        "<h1>Sign in to the hostile provider</h1>\n"
        + (f'<p class="error">{html.escape(message)}</p>\n' if message else "")
        + f'<form method="post" action="/{tenant.name}/login">\n'
        + hidden(fields)
        + '<label>Username <input type="text" name="username" autocomplete="username"></label>\n'
        + '<label>Password <input type="password" name="password" autocomplete="current-password"></label>\n'
        + '<button type="submit">Sign in</button>\n</form>'
    )
    return page("Sign in", body)


def consent_page(tenant, ticket, scope):
    action = f"/{tenant.name}/consent"
    intro = f"<h1>Authorize {html.escape(CLIENT_ID)}</h1>\n<p>It asks for: {html.escape(scope or '(no scope)')}</p>\n"
    if tenant.name == "consent":
        buttons = (
            "<button type=submit name=action value=revoke>Revoke all tokens</button>\n"
            "<button type=submit name=action value=allow>Allow</button>\n"
        )
    elif tenant.name == "ambiguous":
        buttons = (
            "<button type=submit name=choice value=a>Option A</button>\n"
            "<button type=submit name=choice value=b>Option B</button>\n"
        )
    else:
        buttons = (
            '<button type="submit" name="decision" value="allow">Allow</button>\n'
            '<button type="submit" name="decision" value="deny">Deny</button>\n'
        )
    form = f'<form method="post" action="{action}">\n' + hidden([("ticket", ticket)]) + buttons + "</form>"
    return page("Authorize access", intro + form)


class Answer(Exception):
    """Raised to answer at once: status, body bytes, headers."""

    def __init__(self, status, body=b"", headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def json_answer(status, document, headers=None):
    merged = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
    merged.update(headers or {})
    return Answer(status, json.dumps(document).encode(), merged)


def oauth_error(status, error, description, headers=None):
    return json_answer(status, {"error": error, "error_description": description}, headers)


def html_answer(status, text):
    return Answer(status, text.encode(), {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})


def redirect(location):
    return Answer(302, b"", {"Location": location, "Cache-Control": "no-store"})


def with_query(uri, parameters):
    separator = "&" if "?" in uri else "?"
    return uri + separator + urllib.parse.urlencode(parameters)


def single(pairs, what):
    """Pairs as a dict; a repeated name is invalid_request (RFC 6749 §3.1, §3.2)."""
    values = {}
    for name, value in pairs:
        if name in values:
            raise oauth_error(400, "invalid_request", f"{name} is repeated in the {what}")
        values[name] = value
    return values


class Handler(BaseHTTPRequestHandler):
    server_version = "hostile-provider/1"
    sys_version = ""
    protocol_version = "HTTP/1.0"
    timeout = 15

    def log_request(self, code="-", size="-"):
        path = urllib.parse.urlsplit(self.path).path
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {self.command} {path} -> {code}\n")

    def log_message(self, format, *args):
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {format % args}\n")

    def do_GET(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def handle_request(self):
        try:
            answer = self.route()
        except Answer as raised:
            answer = raised
        except Exception:  # a provider bug: say so, keep serving
            traceback.print_exc()
            answer = json_answer(500, {"error": "server_error", "error_description": "hostile provider bug"})
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(answer.body)
        except OSError:
            pass

    # MARK: Request parsing

    def body(self):
        if self.command != "POST":
            return b""
        if self.headers.get("Transfer-Encoding"):
            raise oauth_error(411, "invalid_request", "send a Content-Length")
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            raise oauth_error(400, "invalid_request", "bad Content-Length")
        if length < 0 or length > MAX_BODY:
            raise oauth_error(413, "invalid_request", f"bodies are limited to {MAX_BODY} bytes")
        return self.rfile.read(length)

    def form(self, raw):
        try:
            text = raw.decode("utf-8")
            return urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=200)
        except (UnicodeDecodeError, ValueError):
            raise oauth_error(400, "invalid_request", "the body is not a valid form")

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        for prefix in ("/.well-known/oauth-authorization-server/", "/.well-known/openid-configuration/"):
            if path.startswith(prefix) and path[len(prefix):] in STATE:
                return json_answer(200, discovery(STATE[path[len(prefix):]]), {"Cache-Control": "max-age=60"})
        parts = path.split("/", 2)
        if len(parts) < 2 or parts[1] not in STATE:
            raise json_answer(404, {"error": "not_found", "tenants": sorted(STATE)})
        tenant = STATE[parts[1]]
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        query = urllib.parse.parse_qsl(url.query, keep_blank_values=True, max_num_fields=200)
        raw = self.body()
        method = self.command
        if rest in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server") and method == "GET":
            return json_answer(200, discovery(tenant), {"Cache-Control": "max-age=60"})
        if rest == "/authorize" and method == "GET":
            return self.authorize(tenant, query)
        if rest == "/login" and method == "POST":
            return self.login(tenant, self.form(raw))
        if rest == "/consent" and method == "POST":
            return self.consent(tenant, self.form(raw))
        if rest == "/token" and method == "POST":
            return self.token(tenant, raw)
        if rest == "/userinfo" and method in ("GET", "POST"):
            return self.userinfo(tenant, raw)
        if rest == "/revoke" and method == "POST":
            return self.revoke(tenant, raw)
        if rest == "/introspect" and method == "POST":
            return self.introspect(tenant, raw)
        if rest == "/jwks" and method == "GET":
            return json_answer(200, {"keys": []}, {"Cache-Control": "max-age=60"})
        if rest == "/logout" and method in ("GET", "POST"):
            return self.logout(tenant, query + (self.form(raw) if method == "POST" else []))
        if rest == "/consent/_pressed" and method == "GET":
            with LOCK:
                return json_answer(200, {"tenant": tenant.name, "pressed": list(tenant.pressed)})
        if rest == "/_stats" and method == "GET":
            with LOCK:
                return json_answer(200, {"tenant": tenant.name, "stats": dict(tenant.stats)})
        if rest == "/_reset" and method == "POST":
            with LOCK:
                tenant.pressed.clear()
                tenant.stats.clear()
            return json_answer(200, {"reset": tenant.name})
        raise json_answer(404, {"error": "not_found", "path": path})

    # MARK: Authorization

    def check_authorization(self, tenant, pairs):
        """The request's parameters, or an answer: an error page for a bad client or redirect URI
        (never a redirect), else an error redirect for the rest (RFC 6749 §4.1.2.1)."""
        try:
            params = single(pairs, "authorization request")
        except Answer:
            params = None
        first = dict(reversed(pairs))
        if first.get("client_id") != CLIENT_ID:
            raise html_answer(400, page("Error", "<h1>Unknown client</h1><p>The client_id is not registered.</p>"))
        if first.get("redirect_uri", REDIRECT_URI) != REDIRECT_URI:
            raise html_answer(400, page("Error", "<h1>Invalid redirect URI</h1><p>It is not registered for this client.</p>"))

        def fail(error, description):
            parameters = {"error": error, "error_description": description}
            if "state" in first:
                parameters["state"] = first["state"]
            parameters["iss"] = tenant.base
            return redirect(with_query(REDIRECT_URI, parameters))

        if params is None:
            raise fail("invalid_request", "a parameter is repeated")
        if params.get("response_type") != "code":
            raise fail("unsupported_response_type", "only response_type=code")
        if "code_challenge" in params and params.get("code_challenge_method", "plain") != "S256":
            raise fail("invalid_request", "only the S256 code_challenge_method")
        if "code_challenge_method" in params and "code_challenge" not in params:
            raise fail("invalid_request", "code_challenge_method without code_challenge")
        if "none" in params.get("prompt", "").split():
            raise fail("login_required", "no session")
        return params

    def authorize(self, tenant, pairs):
        tenant.count("authorize")
        params = self.check_authorization(tenant, pairs)
        text = login_page(tenant, list(params.items()))
        if tenant.name == "forms":
            tenant.count("forms_pages")
            text = FORMS_JUNK * FORMS_REPEAT + "\n" + text
        return html_answer(200, text)

    def login(self, tenant, pairs):
        fields = [(name, value) for name, value in pairs if name not in ("username", "password")]
        params = self.check_authorization(tenant, fields)
        given = dict(pairs)
        if given.get("username") != USERNAME or not hmac.compare_digest(given.get("password", ""), PASSWORD):
            tenant.count("login_failed")
            return html_answer(200, login_page(tenant, fields, "Wrong username or password."))
        tenant.count("login_ok")
        ticket = secrets.token_urlsafe(16)
        with LOCK:
            tenant.tickets[ticket] = {"params": params, "user": USERNAME, "created": time.time()}
        return html_answer(200, consent_page(tenant, ticket, params.get("scope", "")))

    def consent(self, tenant, pairs):
        form = dict(pairs)
        with LOCK:
            entry = tenant.tickets.pop(form.get("ticket", ""), None)
        if entry is None or time.time() - entry["created"] > 600:
            raise html_answer(400, page("Error", "<h1>This consent page has expired</h1>"))
        params = entry["params"]

        def deny(description):
            parameters = {"error": "access_denied", "error_description": description}
            if "state" in params:
                parameters["state"] = params["state"]
            parameters["iss"] = tenant.base
            return redirect(with_query(REDIRECT_URI, parameters))

        if tenant.name == "consent":
            choice = form.get("action")
            if choice not in ("revoke", "allow"):
                raise html_answer(400, page("Error", "<h1>No button was pressed</h1>"))
            with LOCK:
                tenant.pressed.append(choice)
            if choice == "revoke":
                with LOCK:  # what the button says: every token of the client is revoked
                    tenant.access.clear()
                    tenant.refresh.clear()
                return deny("revoked")
        elif tenant.name == "ambiguous":
            choice = form.get("choice")
            if choice not in ("a", "b"):
                raise html_answer(400, page("Error", "<h1>No option was chosen</h1>"))
            with LOCK:
                tenant.pressed.append(choice)
        else:
            decision = form.get("decision")
            if decision == "deny":
                return deny("the user denied access")
            if decision != "allow":
                raise html_answer(400, page("Error", "<h1>No decision</h1>"))
        code = issue("CODE")
        with LOCK:
            tenant.codes[code] = {
                "client_id": params["client_id"],
                "redirect_uri": params.get("redirect_uri"),
                "scope": params.get("scope", "profile"),
                "user": entry["user"],
                "challenge": params.get("code_challenge"),
                "nonce": params.get("nonce"),
                "expires": time.time() + CODE_LIFETIME,
            }
        parameters = {"code": code}
        if "state" in params:
            parameters["state"] = params["state"]
        parameters["iss"] = tenant.base
        tenant.count("codes")
        return redirect(with_query(REDIRECT_URI, parameters))

    # MARK: Token endpoint

    def client_parameters(self, tenant, raw, allow_json):
        """The request's parameters (form, or a JSON object where allowed) and whether it was JSON."""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "application/json":
            if not allow_json:
                raise oauth_error(400, "invalid_request", "send an application/x-www-form-urlencoded body")
            try:
                document = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise oauth_error(400, "invalid_request", "the body is not JSON")
            if not isinstance(document, dict) or not all(isinstance(v, str) for v in document.values()):
                raise oauth_error(400, "invalid_request", "expected a JSON object of strings")
            return document, True
        return single(self.form(raw), "request body"), False

    def authenticate(self, params):
        """The client's id, from HTTP Basic (RFC 6749 §2.3.1) or client_secret_post."""
        authorization = self.headers.get("Authorization") or ""
        challenge = {"WWW-Authenticate": 'Basic realm="hostile"'}
        if authorization[:6].lower() == "basic ":
            if "client_secret" in params:
                raise oauth_error(400, "invalid_request", "more than one client authentication method")
            try:
                pair = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
                client_id, secret = (urllib.parse.unquote_plus(part) for part in pair.split(":", 1))
            except (ValueError, UnicodeDecodeError):
                raise oauth_error(401, "invalid_client", "malformed Basic credentials", challenge)
            if "client_id" in params and params["client_id"] != client_id:
                raise oauth_error(401, "invalid_client", "client_id differs from the authenticated client", challenge)
        elif "client_secret" in params:
            client_id, secret = params.get("client_id", ""), params["client_secret"]
        else:
            raise oauth_error(401, "invalid_client", "client authentication required", challenge)
        if client_id != CLIENT_ID or not hmac.compare_digest(secret.encode(), CLIENT_SECRET.encode()):
            raise oauth_error(401, "invalid_client", "client authentication failed", challenge)
        return client_id

    def token(self, tenant, raw):
        tenant.count("token_requests")
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if tenant.name == "leak" and content_type != "application/json":
            tenant.count("leak_form_refused")
            raise oauth_error(400, "invalid_client", f"bad client {CLIENT_SECRET} for user {PASSWORD}")
        params, is_json = self.client_parameters(tenant, raw, allow_json=tenant.name == "leak")
        if is_json:
            tenant.count("leak_json_requests")
        client_id = self.authenticate(params)
        grant = params.get("grant_type")
        if grant == "authorization_code":
            return self.code_grant(tenant, client_id, params)
        if grant == "refresh_token":
            return self.refresh_grant(tenant, client_id, params)
        if not grant:
            raise oauth_error(400, "invalid_request", "grant_type is missing")
        raise oauth_error(400, "unsupported_grant_type", "only authorization_code and refresh_token")

    def code_grant(self, tenant, client_id, params):
        code = params.get("code", "")
        with LOCK:
            entry = tenant.codes.pop(code, None)
            reused = tenant.used_codes.get(code)
            if entry is None and reused is not None:
                for access in reused:  # RFC 6749 §4.1.2: a reused code revokes what it gave
                    record = tenant.access.pop(access, None)
                    if record:
                        tenant.refresh.pop(record["refresh"], None)
        if entry is None:
            raise oauth_error(400, "invalid_grant", "unknown, expired or used code")
        if entry["expires"] < time.time():
            raise oauth_error(400, "invalid_grant", "the code expired")
        if entry["client_id"] != client_id:
            raise oauth_error(400, "invalid_grant", "the code was issued to another client")
        if entry["redirect_uri"] is not None and params.get("redirect_uri") != entry["redirect_uri"]:
            raise oauth_error(400, "invalid_grant", "redirect_uri differs from the authorization request's")
        if entry["challenge"]:
            verifier = params.get("code_verifier")
            if not verifier:
                raise oauth_error(400, "invalid_grant", "code_verifier is missing")
            if not hmac.compare_digest(b64url_sha256(verifier), entry["challenge"]):
                raise oauth_error(400, "invalid_grant", "code_verifier does not match the code_challenge")
        answer, access = self.tokens(tenant, client_id, entry["user"], entry["scope"])
        with LOCK:
            tenant.used_codes[code] = [access]
        return answer

    def refresh_grant(self, tenant, client_id, params):
        with LOCK:
            entry = tenant.refresh.pop(params.get("refresh_token", ""), None)
        if entry is None or entry["client_id"] != client_id:
            raise oauth_error(400, "invalid_grant", "unknown or revoked refresh token")
        scope = entry["scope"]
        if "scope" in params:
            asked = params["scope"].split()
            if not set(asked) <= set(scope.split()):
                raise oauth_error(400, "invalid_scope", "wider than the original grant")
            scope = " ".join(asked)
        return self.tokens(tenant, client_id, entry["user"], scope)[0]

    def tokens(self, tenant, client_id, user, scope):
        access, refresh = issue("ATOKEN"), issue("RTOKEN")
        with LOCK:
            tenant.access[access] = {
                "client_id": client_id,
                "user": user,
                "scope": scope,
                "expires": time.time() + ACCESS_LIFETIME,
                "refresh": refresh,
            }
            tenant.refresh[refresh] = {"client_id": client_id, "user": user, "scope": scope}
            tenant.current_refresh[user] = refresh
        document = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME,
            "refresh_token": refresh,
            "scope": scope,
        }
        if tenant.name == "leak":
            document["token_type"] = "Bearer-" + refresh
        tenant.count("tokens_issued")
        if tenant.name != "flood":
            return json_answer(200, document), access
        # flood: the normal members, then FLOOD_N secret-named ones with distinct random values.
        text = json.dumps(document, separators=(",", ":"))[:-1]
        extra = "".join(f',"x_token_{index:06d}":"{value}"' for index, value in enumerate(flood_values(FLOOD_N), start=1))
        body = (text + extra + "}").encode()
        tenant.count("flood_served")
        tenant.count("flood_bytes", len(body))
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
        return Answer(200, body, headers), access

    # MARK: Resource, revocation, introspection, logout

    def bearer(self, tenant, raw):
        authorization = self.headers.get("Authorization") or ""
        scheme, _, value = authorization.strip().partition(" ")
        token = None
        if value and (scheme.lower() == "bearer" or tenant.name == "leak"):
            token = value.strip()
        elif self.command == "POST" and (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
            token = dict(self.form(raw)).get("access_token")
        if not token:
            raise json_answer(401, {"error": "invalid_request"}, {"WWW-Authenticate": 'Bearer realm="hostile"'})
        with LOCK:
            entry = tenant.access.get(token)
        if entry is None or entry["expires"] < time.time():
            raise json_answer(
                401,
                {"error": "invalid_token"},
                {"WWW-Authenticate": 'Bearer realm="hostile", error="invalid_token", error_description="unknown or expired token"'},
            )
        return token, entry

    def userinfo(self, tenant, raw):
        token, entry = self.bearer(tenant, raw)
        tenant.count("userinfo")
        if tenant.name == "leak":
            with LOCK:
                current = tenant.current_refresh.get(entry["user"], "")
            claims = {
                "sub": "u1",
                "name": token,
                "nickname": PASSWORD,
                "website": CLIENT_SECRET,
                "locale": current,
                "email": "u1@example.test",
            }
        elif tenant.name == "inject":
            claims = dict(INJECT_CLAIMS)
        else:
            claims = {
                "sub": f"{tenant.name}-user",
                "name": "Hostile Test User",
                "preferred_username": USERNAME,
                "email": f"{USERNAME}@example.test",
            }
        return json_answer(200, claims)

    def revoke(self, tenant, raw):
        params, _ = self.client_parameters(tenant, raw, allow_json=False)
        client_id = self.authenticate(params)
        token = params.get("token")
        if not token:
            raise oauth_error(400, "invalid_request", "token is missing")
        with LOCK:
            record = tenant.access.get(token)
            if record and record["client_id"] == client_id:
                tenant.access.pop(token)
            grant = tenant.refresh.get(token)
            if grant and grant["client_id"] == client_id:
                tenant.refresh.pop(token)
                for access in [key for key, value in tenant.access.items() if value["refresh"] == token]:
                    tenant.access.pop(access)
        tenant.count("revoked")
        return Answer(200, b"", {"Cache-Control": "no-store"})

    def introspect(self, tenant, raw):
        params, _ = self.client_parameters(tenant, raw, allow_json=False)
        self.authenticate(params)
        token = params.get("token", "")
        with LOCK:
            access = tenant.access.get(token)
            grant = tenant.refresh.get(token)
        if access and access["expires"] > time.time():
            return json_answer(
                200,
                {
                    "active": True,
                    "client_id": access["client_id"],
                    "scope": access["scope"],
                    "sub": f"{tenant.name}-user",
                    "exp": int(access["expires"]),
                    "token_type": "Bearer",
                    "iss": tenant.base,
                },
            )
        if grant:
            return json_answer(200, {"active": True, "client_id": grant["client_id"], "scope": grant["scope"], "iss": tenant.base})
        return json_answer(200, {"active": False})

    def logout(self, tenant, pairs):
        params = dict(pairs)
        target = params.get("post_logout_redirect_uri")
        if target is None:
            return html_answer(200, page("Signed out", "<h1>You are signed out</h1>"))
        if target != POST_LOGOUT_REDIRECT_URI:
            raise html_answer(400, page("Error", "<h1>Unregistered post_logout_redirect_uri</h1>"))
        return redirect(with_query(target, {"state": params["state"]}) if "state" in params else target)


def main():
    global ORIGIN, ISSUED_PATH
    if len(sys.argv) != 2:
        sys.exit("usage: python3 provider.py PORTFILE")
    portfile = os.path.abspath(sys.argv[1])
    ISSUED_PATH = os.path.join(os.path.dirname(portfile), "issued.txt")
    open(ISSUED_PATH, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ORIGIN = f"http://127.0.0.1:{server.server_address[1]}"
    temporary = portfile + ".tmp"
    with open(temporary, "w") as handle:
        handle.write(ORIGIN + "\n")
    os.replace(temporary, portfile)
    sys.stderr.write(f"hostile provider at {ORIGIN}; tenants: {', '.join(sorted(STATE))}; issued values in {ISSUED_PATH}\n")
    sys.stderr.flush()
    # Never outlive the driver that started it, nor HOSTILE_PROVIDER_LIFETIME seconds (default 30 min).
    parent, lifetime = os.getppid(), float(os.environ.get("HOSTILE_PROVIDER_LIFETIME", "1800"))

    def watchdog():
        deadline = time.monotonic() + lifetime
        while time.monotonic() < deadline and os.getppid() == parent:
            time.sleep(1)
        sys.stderr.write("hostile provider: the driver is gone or the lifetime passed; stopping\n")
        sys.stderr.flush()
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
