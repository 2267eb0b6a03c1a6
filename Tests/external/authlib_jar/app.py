"""An OAuth 2.0 / OpenID Connect authorization server built on Authlib 1.9.10's Flask integration
that takes JWT-secured authorization requests (RFC 9101, Authlib's `rfc9101.JWTAuthenticationRequest`)
by value (`request=`), for the harness's external scenarios. State is in memory (one process).

Grants: authorization code + PKCE (Authlib's CodeChallenge, S256) with OpenID Connect (OpenIDCode:
ID token RS256), nothing else. Token endpoint client authentication: client_secret_basic,
client_secret_post, private_key_jwt (Authlib's rfc7523 JWTBearerClientAssertion). RFC 9207: `iss`
in every authorization response (Authlib's rfc9207.IssuerParameter). Bearer-protected /userinfo
(Authlib's oidc.core.UserInfoEndpoint) and /api/me.

Everything that varies per run comes from the environment (Tests/external/providers.sh):

  EXTPROV_JAR_ISSUER                 http://127.0.0.1:PORT (the issuer and base of every endpoint)
  EXTPROV_JAR_SESSION_SECRET         Flask's session-cookie key
  EXTERNAL_USERNAME, EXTERNAL_PASSWORD
  EXTERNAL_JAR_CLIENT_ID, EXTPROV_JAR_CLIENT_JWKS
      private_key_jwt client (public JWKS file); `require_signed_request_object`: every
      authorization request must be a signed request object (RS256, PS256 or ES256)
  EXTERNAL_JAR_SECRET_CLIENT_ID, EXTERNAL_JAR_SECRET_CLIENT_SECRET
      client_secret_basic / client_secret_post client; request objects optional, and when sent
      may be signed HS256 with the client secret (or RS256/PS256/ES256: it has no keys, so those fail)

Configuration choices beyond Authlib's defaults (README.md lists them): request objects must carry
`aud` = the issuer (Authlib's default claims check asks only for `client_id`); the accepted
request-object algorithms are RS256, PS256, ES256, HS256 (Authlib's default adds "none" for
clients that do not require signed request objects); `request_uri` is not supported (Authlib
needs an application policy to fetch one, and it has no pushed authorization endpoint).
"""
import hmac
import json
import os
import secrets
import threading
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9101 import JWTAuthenticationRequest
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, abort, jsonify, redirect, render_template_string, request, session
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

ISSUER = os.environ["EXTPROV_JAR_ISSUER"].rstrip("/")
REDIRECT_URIS = ["http://127.0.0.1:8400/callback"]
SCOPES = ["openid", "profile", "email"]
REQUEST_OBJECT_ALGS = ["RS256", "PS256", "ES256", "HS256"]
ASSERTION_ALGS = ["RS256", "ES256"]  # what Authlib's JWTBearerClientAssertion decodes with: joserfc's recommended algorithms

# ---- the server's own signing key (ID tokens), new on every start
_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
SERVER_KEY = RSAKey.import_key(_pem, {"use": "sig", "alg": "RS256"})
SERVER_KEY.ensure_kid()
SERVER_KEYS = KeySet([SERVER_KEY])


class Client:
    """The ClientMixin methods Authlib calls, over a plain metadata dict (RFC 7591 names)."""

    def __init__(self, **metadata):
        self.client_metadata = metadata
        self.client_id = metadata["client_id"]
        self.client_secret = metadata.get("client_secret")

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.client_metadata["redirect_uris"][0]

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        return " ".join(s for s in scope.split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.client_metadata["redirect_uris"]

    def check_client_secret(self, client_secret):
        return self.client_secret is not None and hmac.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        if endpoint == "token":
            return method in self.client_metadata["token_endpoint_auth_methods"]
        return True

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"

    @property
    def require_signed_request_object(self):
        return self.client_metadata.get("require_signed_request_object", False)

    def public_keys(self):
        if "jwks" in self.client_metadata:
            return KeySet.import_key_set(self.client_metadata["jwks"])
        return OctKey.import_key(self.client_secret)  # HS256 request objects / assertions


with open(os.environ["EXTPROV_JAR_CLIENT_JWKS"]) as _f:
    _jar_jwks = json.load(_f)
CLIENTS = {c.client_id: c for c in [
    Client(client_id=os.environ["EXTERNAL_JAR_CLIENT_ID"], redirect_uris=REDIRECT_URIS, jwks=_jar_jwks,
           token_endpoint_auth_methods=["private_key_jwt"], require_signed_request_object=True),
    Client(client_id=os.environ["EXTERNAL_JAR_SECRET_CLIENT_ID"], redirect_uris=REDIRECT_URIS,
           client_secret=os.environ["EXTERNAL_JAR_SECRET_CLIENT_SECRET"],
           token_endpoint_auth_methods=["client_secret_basic", "client_secret_post"]),
]}


class User:
    def __init__(self, username, password):
        self.username, self.password = username, password

    def get_user_id(self):
        return self.username


USERS = {u.username: u for u in [User(os.environ["EXTERNAL_USERNAME"], os.environ["EXTERNAL_PASSWORD"])]}
PROFILES = {os.environ["EXTERNAL_USERNAME"]: {"name": "Alice Example", "given_name": "Alice",
                                             "preferred_username": os.environ["EXTERNAL_USERNAME"],
                                             "email": "alice@example.com", "email_verified": True}}


class AuthorizationCode(dict):
    """What save_authorization_code stores; the attribute/method names Authlib reads."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)

    def get_redirect_uri(self):
        return self["redirect_uri"]

    def get_scope(self):
        return self["scope"]

    def get_nonce(self):
        return self.get("nonce")

    def get_auth_time(self):
        return self.get("auth_time")

    def get_acr(self):
        return None

    def get_amr(self):
        return None

    def is_expired(self):
        return time.time() > self["expires_at"]


class Token(dict):
    def check_client(self, client):
        return self["client_id"] == client.client_id

    def get_scope(self):
        return self["scope"]

    def get_expires_in(self):
        return self["expires_in"]

    def is_expired(self):
        return time.time() > self["issued_at"] + self["expires_in"]

    def is_revoked(self):
        return False

    def get_user(self):
        return USERS[self["user_id"]]

    def get_client(self):
        return CLIENTS[self["client_id"]]

    @property
    def scope(self):
        return self["scope"]


LOCK = threading.Lock()
CODES, TOKENS, NONCES, ASSERTION_JTIS = {}, {}, set(), set()


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]

    def save_authorization_code(self, code, request):
        data = request.payload.data  # the request object's claims when one was sent
        with LOCK:
            CODES[code] = AuthorizationCode(
                code=code, client_id=request.client.client_id, redirect_uri=request.payload.redirect_uri,
                scope=request.scope, user_id=request.user.get_user_id(), nonce=data.get("nonce"),
                auth_time=session.get("auth_time"), code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"), expires_at=time.time() + 120)
            if data.get("nonce"):
                NONCES.add((request.client.client_id, data["nonce"]))

    def query_authorization_code(self, code, client):
        with LOCK:
            item = CODES.get(code)
        if item and item["client_id"] == client.client_id and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        with LOCK:
            CODES.pop(authorization_code["code"], None)

    def authenticate_user(self, authorization_code):
        return USERS.get(authorization_code["user_id"])


class S256Only(CodeChallenge):
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]


def generate_user_info(user, scope):
    claims = {"sub": user.get_user_id()}
    profile = PROFILES[user.get_user_id()]
    if "profile" in scope.split():
        claims.update({k: profile[k] for k in ("name", "given_name", "preferred_username")})
    if "email" in scope.split():
        claims.update({k: profile[k] for k in ("email", "email_verified")})
    return UserInfo(claims)


class OIDC(OpenIDCode):
    def exists_nonce(self, nonce, request):
        """A nonce already used for an authorization code of this client (recorded when the
        code is saved: Authlib validates the request twice, for the consent and the response)."""
        with LOCK:
            return (request.payload.client_id, nonce) in NONCES

    def resolve_client_private_key(self, client):
        return SERVER_KEYS

    def get_client_claims(self, client):
        return {"iss": ISSUER, "aud": [client.client_id]}

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": SERVER_KEY.kid}

    def generate_user_info(self, user, scope):
        return generate_user_info(user, scope)


class JAR(JWTAuthenticationRequest):
    """Authlib's RFC 9101 extension; `request` by value only."""

    # Authlib's default asks only for client_id; require aud = our issuer as well (RFC 9101
    # section 4: "The aud value SHOULD be or include the AS's issuer identifier"). exp/nbf/iat,
    # when present, are checked by joserfc.
    claims_validator = jose_jwt.JWTClaimsRegistry(
        client_id={"essential": True}, aud={"essential": True, "value": ISSUER})

    def resolve_client_public_key(self, client):
        return client.public_keys()

    def get_server_metadata(self):
        return METADATA

    def get_client_require_signed_request_object(self, client):
        return client.require_signed_request_object


class PrivateKeyJWT(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def get_audiences(self):
        return [f"{ISSUER}/token", ISSUER]

    def validate_jti(self, claims, jti):
        with LOCK:
            key = (claims["sub"], jti)
            if key in ASSERTION_JTIS:
                return False
            ASSERTION_JTIS.add(key)
            return True

    def resolve_client_public_key(self, client):
        return client.public_keys()


class Issuer(IssuerParameter):
    def get_issuer(self):
        return ISSUER


def save_token(token, request):
    with LOCK:
        TOKENS[token["access_token"]] = Token(token, client_id=request.client.client_id,
                                              user_id=request.user.get_user_id() if request.user else None,
                                              issued_at=time.time())


class Validator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        with LOCK:
            return TOKENS.get(token_string)


class UserInfoView(UserInfoEndpoint):
    def get_issuer(self):
        return ISSUER

    def generate_user_info(self, user, scope):
        return generate_user_info(user, scope)

    def resolve_private_key(self):
        return SERVER_KEYS


METADATA = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "userinfo_endpoint": f"{ISSUER}/userinfo",
    "jwks_uri": f"{ISSUER}/jwks",
    "scopes_supported": SCOPES,
    "response_types_supported": ["code"],
    "response_modes_supported": ["query"],
    "grant_types_supported": ["authorization_code"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
    "code_challenge_methods_supported": ["S256"],
    "request_parameter_supported": True,
    "request_uri_parameter_supported": False,
    "require_signed_request_object": False,  # server-wide; one client requires it (client metadata)
    "request_object_signing_alg_values_supported": REQUEST_OBJECT_ALGS,
    "authorization_response_iss_parameter_supported": True,
    "claims_parameter_supported": False,
}

app = Flask(__name__)
app.config.update(SECRET_KEY=os.environ["EXTPROV_JAR_SESSION_SECRET"],
                  OAUTH2_TOKEN_EXPIRES_IN={"authorization_code": 3600})
server = AuthorizationServer(app, query_client=CLIENTS.get, save_token=save_token)
server.register_grant(CodeGrant, [S256Only(required=True), OIDC(require_nonce=False)])
server.register_extension(JAR(support_request=True, support_request_uri=False))
ISSUER_PARAMETER = Issuer()
server.register_extension(ISSUER_PARAMETER)
server.register_client_auth_method(PrivateKeyJWT.CLIENT_AUTH_METHOD, PrivateKeyJWT())
require_oauth = ResourceProtector()
require_oauth.register_token_validator(Validator())
server.register_endpoint(UserInfoView(resource_protector=require_oauth))

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body>
<h1>Sign in</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form id="login-form" method="post" action="/login">
  <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
  <input type="hidden" name="next" value="{{ next }}">
  <label for="username">Username</label> <input type="text" id="username" name="username" autocomplete="username">
  <label for="password">Password</label> <input type="password" id="password" name="password" autocomplete="current-password">
  <button type="submit" name="login" value="Sign in">Sign in</button>
</form>
</body></html>"""


def csrf_token():
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def login_page(next_url, error=None):
    return render_template_string(PAGE, csrf_token=csrf_token(), next=next_url, error=error)


@app.route("/authorize", methods=["GET"])
def authorize():
    user = USERS.get(session.get("user"))
    if user is None:  # sign in first; the whole authorization request comes back in `next`
        return login_page(request.full_path if request.query_string else request.path)
    try:
        grant = server.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        # An error found while validating (before any response is made) is answered here, not by
        # Authlib's create_authorization_response, so its RFC 9207 hook is applied by hand: a
        # redirect to the client gets `iss` like every other authorization response.
        response = server.handle_error_response(None, error)
        ISSUER_PARAMETER.add_issuer_parameter(server, response)
        return response
    # no consent page: the harness's test user consents to everything
    return server.create_authorization_response(grant=grant, grant_user=user)


@app.route("/login", methods=["POST"])
def login():
    form = request.form
    if not hmac.compare_digest(form.get("csrf_token", ""), session.get("csrf", "-")):
        abort(403)
    next_url = form.get("next") or "/"
    if not next_url.startswith("/authorize"):
        next_url = "/"
    user = USERS.get(form.get("username", ""))
    if user is None or not hmac.compare_digest(user.password, form.get("password", "")):
        return login_page(next_url, "Wrong username or password.")
    session["user"] = user.username
    session["auth_time"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(24)
    return redirect(next_url)


@app.route("/token", methods=["POST"])
def token():
    return server.create_token_response()


@app.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    return server.create_endpoint_response("userinfo")


@app.route("/api/me")
@require_oauth()
def api_me():
    from authlib.integrations.flask_oauth2 import current_token
    return jsonify(username=current_token["user_id"], client_id=current_token["client_id"])


@app.route("/jwks")
def jwks():
    return jsonify(SERVER_KEYS.as_dict(private=False))


@app.route("/.well-known/oauth-authorization-server")
@app.route("/.well-known/openid-configuration")
def metadata():
    return jsonify(METADATA)


@app.route("/health")
def health():
    return "ok"
