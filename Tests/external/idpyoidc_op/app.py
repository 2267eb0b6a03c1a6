"""An OpenID Provider built on idpyoidc 5.0.0 (IdentityPython's OP library), for the harness's
external scenarios: pushed authorization requests (RFC 9126) and DPoP (RFC 9449) from a server
the harness did not write. idpyoidc is framework-free; this file is the Flask glue its own
example (example/flask_op/views.py in the idpy-oidc repository) describes: every endpoint is
handed to idpyoidc's parse_request / process_request / do_response, the login form is
idpyoidc's UserPassJinja2 (our template), the verify view is the example's.

Everything that varies per run comes from the environment (Tests/external/providers.sh):

  EXTPROV_IDPY_ISSUER            http://127.0.0.1:PORT (the issuer and the base of every endpoint)
  EXTPROV_IDPY_STATE             a writable folder: idpyoidc writes its generated keys there
  EXTERNAL_USERNAME, EXTERNAL_PASSWORD
  EXTERNAL_IDPY_CLIENT_ID, EXTERNAL_IDPY_CLIENT_SECRET     confidential: client_secret_basic/_post
  EXTERNAL_IDPY_PKJWT_CLIENT_ID, EXTPROV_IDPY_PKJWT_JWKS   private_key_jwt (public JWKS file)
  EXTERNAL_IDPY_PUBLIC_CLIENT_ID                           public client (no authentication)
  EXTERNAL_IDPY_EXCHANGE_CLIENT_ID, EXTERNAL_IDPY_EXCHANGE_CLIENT_SECRET
                                 a second confidential client (client_secret_basic) that only
                                 exchanges tokens (RFC 8693), issued none of its own
  EXTERNAL_IDPY_RP_CLIENT_ID, EXTERNAL_IDPY_RP_CLIENT_SECRET
                                 a plain OpenID relying party (client_secret_basic, DPoP optional)
                                 registered for back-channel logout (below)
  EXTERNAL_IDPY_BACKCHANNEL_LOGOUT_URI
                                 that client's backchannel_logout_uri (the harness listens there
                                 only while a scenario runs)
  EXTERNAL_IDPY_FC_CLIENT_ID / _SECRET, EXTERNAL_IDPY_FRONTCHANNEL_LOGOUT_URI
                                 the same kind of client, registered for front-channel logout
                                 with that frontchannel_logout_uri (the harness listens there only
                                 while the front-channel check runs)

Token exchange (RFC 8693) is idpyoidc's own (TokenExchangeHelper, already registered for the
token endpoint's grant type urn:ietf:params:oauth:grant-type:token-exchange) and its default
policy (validate_token_exchange_policy: any audience, no resource, no actor token); this glue
only allows the grant to the two confidential clients (grant_types_supported) and lets an
access token mint access and refresh tokens (the usage rule's supports_minting, empty by
default). DPoP applies to the exchange as to every token request.

OpenID Connect RP-Initiated Logout 1.0 and Back-Channel Logout 1.0 are idpyoidc's own (its
Session endpoint, idpyoidc.server.oidc.session): GET /session (end_session_endpoint) checks the
id_token_hint, post_logout_redirect_uri and the OP's session cookie, and redirects to the confirm
page /verify_logout?sjwt=<JWT signed by the OP for itself>; that page (this glue's, as in
idpyoidc's Flask example) posts sjwt back to /verify_logout, where idpyoidc's do_verified_logout
POSTs a logout token to the client's backchannel_logout_uri (synchronously, requests, timeout 4 s)
and the glue clears the OP's cookies and redirects to post_logout_redirect_uri?state=... Only the
client named by the session is logged out (do_verified_logout(alla=False)).

Six changes to idpyoidc's behaviour, each marked "PATCH" below and listed in README.md:
  1. DPoP "ath": idpyoidc 5.0.0 compares it with the *hex* SHA-256 of the access token; RFC 9449
     section 4.2 says base64url, so an RFC client's userinfo call would always fail. The
     comparison is made with base64url here (idpyoidc's own check, with the hash swapped).
  2. PAR: idpyoidc returns only the JSON body; the HTTP status is this glue's to choose, and
     RFC 9126 section 2.2 says 201 (idpyoidc's own Flask example answers 200).
  3. dpop_signing_alg_values_supported: set by idpyoidc's DPoP add-on, then dropped when its
     Server rebuilds the metadata; put back (without it, refreshes answer token_type Bearer).
  4. The Session (end_session) endpoint's client authentication is skipped: idpyoidc 5.0.0 reads
     auth_info["token"] after it, and RP-initiated logout carries none (every request -> KeyError).
  5. DPoP is optional at the token endpoint for the back-channel-logout client and for
     dynamically registered clients only (a request without a DPoP header gets Bearer tokens,
     which UserInfo then takes as Bearer; a DPoP-bound token still needs its proof there);
     idpyoidc requires it of every client.
  6. The back-channel POST: idpyoidc drops "timeout" from httpc_params (only verify and cert
     survive), so a receiver that accepts and never answers would hold the logout forever, and a
     receiver that is not listening raises out of do_verified_logout. The glue's httpc restores
     the 4 s timeout, never uses a proxy from the environment (loopback), and turns a failed
     POST into a logged failure (idpyoidc treats an error status the same way).
Everything else about PAR, DPoP and request objects is idpyoidc's own code. The HTTP status
codes, error codes and WWW-Authenticate headers for the exceptions idpyoidc raises are this
glue's (idpyoidc sets none): see service_endpoint.
"""
import base64
import hashlib
import html
import json
import logging
import os
import sys

import requests
from flask import Flask, make_response, redirect, request
from idpyoidc.message.oauth2 import ResponseMessage
from idpyoidc.message.oidc import AccessTokenRequest, AuthorizationRequest
from idpyoidc.server import Server
from idpyoidc.server.configure import OPConfiguration
from idpyoidc.server.exception import ClientAuthenticationError, FailedAuthentication
from idpyoidc.server.oauth2.add_on import dpop as idpy_dpop
from idpyoidc.server.oauth2.add_on.pkce import CC_METHOD
from idpyoidc.server.oidc.token import Token

ISSUER = os.environ["EXTPROV_IDPY_ISSUER"].rstrip("/")
STATE = os.environ["EXTPROV_IDPY_STATE"]
REDIRECT_URIS = ["http://127.0.0.1:8400/callback"]
POST_LOGOUT_REDIRECT_URI = "http://127.0.0.1:8400/logged-out"
USERNAME = os.environ["EXTERNAL_USERNAME"]
SCOPES = ["openid", "profile", "email", "offline_access"]
DPOP_ALGS = ["ES256", "RS256", "PS256", "EdDSA"]

logging.basicConfig(stream=sys.stderr, level=os.environ.get("EXTPROV_IDPY_LOG_LEVEL", "WARNING"))


# ---- PATCH 1: RFC 9449 section 4.2: ath = base64url(SHA-256(ASCII(access token))), not hex.
class _Base64urlDigest:
    def __init__(self, data):
        self._digest = hashlib.sha256(data).digest()

    def hexdigest(self):  # the one method idpyoidc's dpop.py calls on sha256(...)
        return base64.urlsafe_b64encode(self._digest).rstrip(b"=").decode("ascii")


idpy_dpop.sha256 = _Base64urlDigest


class PasswordDB:
    """The user/password store UserPassJinja2 checks (it needs `in` and `[]`)."""

    def __init__(self):
        self._db = {USERNAME: os.environ["EXTERNAL_PASSWORD"]}

    def __contains__(self, item):
        return item in self._db

    def __getitem__(self, item):
        return self._db[item]


USERS = {USERNAME: {
    "name": "Alice Example", "given_name": "Alice", "family_name": "Example",
    "preferred_username": USERNAME, "email": "alice@example.com", "email_verified": True,
}}

CLIENT_AUTH = ["client_secret_basic", "client_secret_post", "private_key_jwt", "public"]

CONF = {
    "issuer": ISSUER,
    "httpc_params": {"verify": False, "timeout": 4},
    "keys": {
        "private_path": os.path.join(STATE, "op_jwks.json"),
        "key_defs": [{"type": "RSA", "use": ["sig"]}, {"type": "EC", "crv": "P-256", "use": ["sig"]}],
        "uri_path": "jwks",
        "read_only": False,
    },
    "token_handler_args": {
        "jwks_def": {"private_path": os.path.join(STATE, "token_jwks.json"), "read_only": False,
                     "key_defs": [{"type": "oct", "bytes": 24, "use": ["enc"], "kid": "code"},
                                  {"type": "oct", "bytes": 24, "use": ["enc"], "kid": "refresh"}]},
        "code": {"kwargs": {"lifetime": 600}},
        "token": {"class": "idpyoidc.server.token.jwt_token.JWTToken",
                  "kwargs": {"lifetime": 3600, "add_claims_by_scope": True}},
        "refresh": {"class": "idpyoidc.server.token.jwt_token.JWTToken", "kwargs": {"lifetime": 86400}},
        "id_token": {"class": "idpyoidc.server.token.id_token.IDToken", "kwargs": {}},
    },
    "cookie_handler": {
        "class": "idpyoidc.server.cookie_handler.CookieHandler",
        "kwargs": {
            "keys": {
                "private_path": os.path.join(STATE, "cookie_jwks.json"),
                "key_defs": [{"type": "OCT", "use": ["enc"], "kid": "enc"},
                             {"type": "OCT", "use": ["sig"], "kid": "sig"}],
                "read_only": False,
            },
            "name": {"session": "oidc_op", "register": "oidc_op_rp", "session_management": "sman"},
        },
    },
    "preference": {"subject_types_supported": ["public", "pairwise"], "scopes_supported": SCOPES},
    "add_on": {
        "pkce": {"function": "idpyoidc.server.oauth2.add_on.pkce.add_support",
                 "kwargs": {"essential": True, "code_challenge_methods": {"S256": CC_METHOD["S256"]}}},
        "dpop": {"function": "idpyoidc.server.oauth2.add_on.dpop.add_support",
                 "kwargs": {"dpop_signing_alg_values_supported": DPOP_ALGS,
                            "dpop_endpoints": ["token", "userinfo"]}},
    },
    "authz": {
        "class": "idpyoidc.server.authz.AuthzHandling",
        "kwargs": {"grant_config": {
            "usage_rules": {
                "authorization_code": {"supports_minting": ["access_token", "refresh_token", "id_token"],
                                       "max_usage": 1, "expires_in": 120},
                # supports_minting: what a token exchange (RFC 8693) with an access token as
                # subject_token may issue (idpyoidc's default [] refuses every such exchange)
                "access_token": {"supports_minting": ["access_token", "refresh_token"], "expires_in": 3600},
                "refresh_token": {"supports_minting": ["access_token", "refresh_token", "id_token"],
                                  "expires_in": 86400},
            },
            "expires_in": 2592000,
        }},
    },
    "authentication": {
        "user": {
            "acr": "urn:oasis:names:tc:SAML:2.0:ac:classes:InternetProtocolPassword",
            "class": "idpyoidc.server.user_authn.user.UserPassJinja2",
            "kwargs": {"verify_endpoint": "/verify/user_pass_jinja", "template": "user_pass.jinja2",
                       "db": {"class": PasswordDB, "kwargs": {}},
                       "page_header": "Sign in", "submit_btn": "Sign in",
                       "user_label": "Username", "passwd_label": "Password"},
        }
    },
    "template_dir": os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates"),
    "userinfo": {"class": "idpyoidc.server.user_info.UserInfo", "kwargs": {"db": USERS}},
    "endpoint": {
        "provider_info": {"path": ".well-known/openid-configuration",
                          "class": "idpyoidc.server.oidc.provider_config.ProviderConfiguration",
                          "kwargs": {"client_authn_method": None}},
        "server_metadata": {"path": ".well-known/oauth-authorization-server",
                            "class": "idpyoidc.server.oauth2.server_metadata.ServerMetadata",
                            "kwargs": {"client_authn_method": None}},
        "authorization": {"path": "authorization",
                          "class": "idpyoidc.server.oidc.authorization.Authorization",
                          "kwargs": {"client_authn_method": None,
                                     "claims_parameter_supported": True,
                                     "request_parameter_supported": True,
                                     # request_uri values other than PAR's are fetched by
                                     # idpyoidc over HTTP(S); not wanted here
                                     "request_uri_parameter_supported": False,
                                     "response_types_supported": ["code"],
                                     "response_modes_supported": ["query", "fragment", "form_post"]}},
        "pushed_authorization": {"path": "par",
                                 "class": "idpyoidc.server.oauth2.pushed_authorization.PushedAuthorization",
                                 "kwargs": {"client_authn_method": CLIENT_AUTH}},
        "token": {"path": "token", "class": "idpyoidc.server.oidc.token.Token",
                  "kwargs": {"client_authn_method": CLIENT_AUTH, "revoke_refresh_on_issue": True}},
        "userinfo": {"path": "userinfo", "class": "idpyoidc.server.oidc.userinfo.UserInfo",
                     "kwargs": {"client_authn_method": ["bearer_header", "dpop"]}},
        "introspection": {"path": "introspection",
                          "class": "idpyoidc.server.oauth2.introspection.Introspection",
                          "kwargs": {"client_authn_method": CLIENT_AUTH[:3], "release": ["username"]}},
        "revocation": {"path": "revocation",
                       "class": "idpyoidc.server.oauth2.token_revocation.TokenRevocation",
                       "kwargs": {"client_authn_method": CLIENT_AUTH}},
        # OpenID Connect Dynamic Client Registration 1.0 (RFC 7591), open: the Dynamic OP plan
        # registers its clients here (POST /registration, see the route).
        "registration": {"path": "registration", "class": "idpyoidc.server.oidc.registration.Registration",
                         "kwargs": {"client_authn_method": None}},
        # RP-initiated logout + back-channel logout (front-channel: see build_server)
        "session": {"path": "session", "class": "idpyoidc.server.oidc.session.Session",
                    "kwargs": {"client_authn_method": None,
                               "logout_verify_url": f"{ISSUER}/verify_logout",
                               "post_logout_uri_path": "post_logout",
                               "signing_alg": "ES256",  # the sjwt the OP signs for itself
                               "backchannel_logout_supported": True,
                               "backchannel_logout_session_required": True}},
    },
    "session_params": {"encrypter": {"kwargs": {"keys": {"key_defs": [
        {"type": "OCT", "use": ["enc"], "kid": "password"},
        {"type": "OCT", "use": ["enc"], "kid": "salt"}]}, "iterations": 1}}},
}


GRANT_TYPES = ["authorization_code", "refresh_token"]
# RFC 8693: idpyoidc answers "Unsupported grant_type" to a client whose cdb entry lacks it
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def _client(client_id, auth_methods, **extra):
    """One cdb entry. The client may authenticate at the token, PAR, revocation and
    introspection endpoints only with `auth_methods` (idpyoidc's per-endpoint client setting)."""
    entry = {
        "client_id": client_id,
        "redirect_uris": [(uri, {}) for uri in REDIRECT_URIS],
        "response_types_supported": ["code"],
        "grant_types_supported": list(GRANT_TYPES),
        "allowed_scopes": SCOPES,
        "token_endpoint_auth_method": auth_methods[0],
        "client_id_issued_at": 0,
    }
    for endpoint_name in ["token_endpoint", "pushed_authorization_request_endpoint",
                          "revocation_endpoint", "introspection_endpoint"]:
        entry[f"{endpoint_name}_client_authn_method"] = list(auth_methods)
    entry.update(extra)
    return entry


class DPoPProofError(Exception):
    """An exception idpyoidc's DPoP check raised (it raises ValueError and cryptojwt errors alike)."""


def _dpop_check(request, client_id, context, **kwargs):
    try:
        return idpy_dpop.userinfo_post_parse_request(request, client_id, context, **kwargs)
    except Exception as err:
        raise DPoPProofError(str(err) or err.__class__.__name__) from err


# Clients that may call the token endpoint without a DPoP proof (filled in build_server).
DPOP_OPTIONAL_CLIENTS = set()


def _token_dpop_check(request, client_id, context, **kwargs):
    """PATCH 5: the token endpoint's DPoP check, skipped when a DPOP_OPTIONAL_CLIENTS client sends
    no DPoP header (its tokens are then Bearer: idpyoidc binds only when the check ran). A proof
    that is sent is checked as for everyone."""
    headers = (kwargs.get("http_info") or {}).get("headers") or {}
    if client_id in DPOP_OPTIONAL_CLIENTS and not headers.get("dpop"):
        return request
    return _dpop_check(request, client_id, context, **kwargs)


def _dpop_bound(authorization):
    """Whether the access token of an Authorization header is DPoP-bound: its scheme is DPoP, or
    it is a JWT (idpyoidc's JWTToken) whose claims carry cnf."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() == "dpop":
        return True
    parts = token.strip().split(".")
    if len(parts) != 3:
        return False
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return False
    return isinstance(claims, dict) and "cnf" in claims


def _userinfo_dpop_check(request, client_id, context, **kwargs):
    """PATCH 5 at UserInfo: an unbound token of a DPOP_OPTIONAL_CLIENTS client, presented with the
    Bearer scheme and no DPoP header, is taken as Bearer. The Bearer scheme is refused for anything
    else (invalid_token, as idpyoidc's DPoP-only client authentication answers it), and a DPoP
    token always needs its proof."""
    headers = (kwargs.get("http_info") or {}).get("headers") or {}
    authorization = headers.get("authorization") or ""
    if authorization[:7].lower() == "bearer ":
        if client_id in DPOP_OPTIONAL_CLIENTS and not headers.get("dpop") and not _dpop_bound(authorization):
            return request
        raise ValueError("Bearer scheme: this token needs the DPoP scheme and its proof")
    return _dpop_check(request, client_id, context, **kwargs)


class _FailedPost:
    """What _httpc answers for a POST that got no HTTP response: idpyoidc only logs status codes."""
    status_code = 599


def _httpc(method, url, **kwargs):
    """PATCH 6: idpyoidc's HTTP client (requests.request), for the back-channel logout POST."""
    kwargs.setdefault("timeout", 4)
    kwargs["proxies"] = {"http": None, "https": None, "all": None}  # no proxy from the environment
    try:
        return requests.request(method, url, **kwargs)
    except requests.RequestException as err:
        if method != "POST":
            raise
        logging.getLogger("idpyoidc_op").warning("POST %s failed: %r", url, err)
        return _FailedPost()


def build_server():
    os.umask(0o077)  # the OP's private keys that idpyoidc writes into STATE: owner only
    server = Server(OPConfiguration(conf=CONF, base_path=STATE), cwd=STATE)
    context = server.context
    cid = os.environ["EXTERNAL_IDPY_CLIENT_ID"]
    pk_cid = os.environ["EXTERNAL_IDPY_PKJWT_CLIENT_ID"]
    pub_cid = os.environ["EXTERNAL_IDPY_PUBLIC_CLIENT_ID"]
    context.cdb[cid] = _client(cid, ["client_secret_basic", "client_secret_post"],
                               client_secret=os.environ["EXTERNAL_IDPY_CLIENT_SECRET"],
                               client_secret_expires_at=0,
                               grant_types_supported=GRANT_TYPES + [TOKEN_EXCHANGE])
    # A second confidential client allowed only the token exchange: it shows that idpyoidc lets a
    # client exchange a token issued to another client (modern-deviations.txt).
    xid = os.environ["EXTERNAL_IDPY_EXCHANGE_CLIENT_ID"]
    context.cdb[xid] = _client(xid, ["client_secret_basic"],
                               client_secret=os.environ["EXTERNAL_IDPY_EXCHANGE_CLIENT_SECRET"],
                               client_secret_expires_at=0, grant_types_supported=[TOKEN_EXCHANGE])
    context.cdb[pk_cid] = _client(pk_cid, ["private_key_jwt"])
    # The relying parties for OpenID Connect Back- and Front-Channel Logout: plain code + PKCE
    # logins with client_secret_basic and no DPoP (PATCH 5). backchannel_logout_uri makes idpyoidc
    # send the first logout tokens; frontchannel_logout_uri makes its logout page load the second's
    # URI in an iframe (with iss and sid). The post-logout key is idpyoidc's singular
    # post_logout_redirect_uri (a list of (uri, query) pairs, like redirect_uris; the plural
    # post_logout_redirect_uris is ignored).
    for prefix, channel in (("EXTERNAL_IDPY_RP", "backchannel"), ("EXTERNAL_IDPY_FC", "frontchannel")):
        logout_cid = os.environ[prefix + "_CLIENT_ID"]
        context.cdb[logout_cid] = _client(logout_cid, ["client_secret_basic", "client_secret_post"],
                                          client_secret=os.environ[prefix + "_CLIENT_SECRET"],
                                          client_secret_expires_at=0,
                                          post_logout_redirect_uri=[(POST_LOGOUT_REDIRECT_URI, {})],
                                          **{f"{channel}_logout_uri": os.environ[f"EXTERNAL_IDPY_{channel.upper()}_LOGOUT_URI"],
                                             f"{channel}_logout_session_required": True})
        DPOP_OPTIONAL_CLIENTS.add(logout_cid)
    context.cdb[pub_cid] = _client(pub_cid, ["public"])
    with open(os.environ["EXTPROV_IDPY_PKJWT_JWKS"]) as f:
        server.keyjar.import_jwks(json.load(f), pk_cid)
    # PATCH 3: idpyoidc's dpop.add_support puts dpop_signing_alg_values_supported into
    # provider_info, and Server.__init__ then rebuilds provider_info without it: the metadata
    # would not announce DPoP, and the refresh-token grant (which looks for that key) would
    # answer token_type Bearer. Put it back.
    context.provider_info["dpop_signing_alg_values_supported"] = context.add_on["dpop"]["algs_supported"]
    # idpyoidc's own DPoP check, unchanged, wrapped so that its exceptions can be told apart from
    # the others parse_request raises (for the error code and status, which are this glue's).
    for name, check in (("token", _token_dpop_check), ("userinfo", _userinfo_dpop_check)):
        hooks = server.get_endpoint(name).post_parse_request
        hooks[:] = [check if hook is idpy_dpop.userinfo_post_parse_request else hook for hook in hooks]
    # PATCH 4: Session.parse_request runs client authentication and then reads auth_info["token"];
    # with no Bearer token the "none" method answers {"client_id": None} and that lookup raises
    # KeyError (every /session request -> 400 'token'). RP-initiated logout carries no client
    # authentication (the id_token_hint names the client): skip it, as an empty answer does.
    server.get_endpoint("session").client_authentication = lambda request, http_info=None, **kwargs: {}
    context.httpc = _httpc  # PATCH 6
    # Front-channel logout: idpyoidc's Session endpoint announces it (its default "supported"
    # values) and do_verified_logout returns the iframes, which /verify_logout renders; clients
    # registered at /registration may give a frontchannel_logout_uri.
    # The OP's own keys must also be findable under its issuer ID (idpyoidc's tests do the same).
    server.keyjar.import_jwks(server.keyjar.export_jwks(True, ""), ISSUER)
    return server


server = build_server()
app = Flask(__name__)


def http_info():
    return {
        "headers": {k: v for k, v in request.headers.items(lower=True) if k not in ("cookie", "user-agent")},
        "method": request.method,
        "url": request.url,
        "cookie": [{"name": k, "value": v} for k, v in request.cookies.items()],
    }


def json_error(status, error, description, headers=()):
    response = make_response(json.dumps({"error": error, "error_description": description}), status)
    response.headers["Content-Type"] = "application/json"
    response.headers["Cache-Control"] = "no-store"
    for name, value in headers:
        response.headers[name] = value
    return response


def add_cookies(response, cookies):
    for spec in cookies if isinstance(cookies, list) else [cookies]:
        kwargs = {k: v for k, v in spec.items() if k != "name"}
        # as idpyoidc's Flask example does, plus secure=False: the issuer is plain http on loopback
        kwargs.update(path="/", samesite="Lax", httponly=True, secure=False)
        response.set_cookie(spec["name"], **kwargs)


def do_response(endpoint, req_args, status=None, **args):
    info = endpoint.do_response(request=req_args, **args)
    placement = info.get("response_placement", endpoint.response_placement)
    if placement == "body":
        response = make_response(info["response"], status or info.get("response_code", 200))
    else:
        response = redirect(info["response"])
    for name, value in info["http_headers"]:
        response.headers[name] = value
    if "cookie" in info:
        add_cookies(response, info["cookie"])
    return response


def resource_error(error, description):
    """userinfo errors: 401 with a DPoP challenge (RFC 9449 section 7.1, RFC 6750 section 3)."""
    challenge = f'DPoP error="{error}", algs="{" ".join(DPOP_ALGS)}"'
    return json_error(401, error, description, [("WWW-Authenticate", challenge)])


def form_args(values):
    """The query or form parameters for idpyoidc: one value as a string, a repeated parameter
    (RFC 8693 section 2.1: audience and resource may be given several times) as the list of its
    values. Werkzeug's to_dict() would keep only the first."""
    return {name: items[0] if len(items) == 1 else items for name, items in values.lists()}


def service_endpoint(name):
    """idpyoidc's parse_request / process_request / do_response for one endpoint, as in its Flask
    example; the HTTP status codes and error codes for exceptions are this glue's (idpyoidc
    raises exceptions or returns error messages, it sets no status)."""
    endpoint = server.get_endpoint(name)
    info = http_info()
    req_args = form_args(request.args if request.method == "GET" else request.form)
    try:
        parsed = endpoint.parse_request(req_args, http_info=info)
    except DPoPProofError as err:
        if name == "userinfo":
            return resource_error("invalid_dpop_proof", str(err))
        return json_error(400, "invalid_dpop_proof", str(err))
    except ClientAuthenticationError as err:
        if name == "userinfo":
            return resource_error("invalid_token", str(err) or "invalid token")
        return json_error(401, "invalid_client", str(err) or err.__class__.__name__)
    except Exception as err:
        app.logger.info("%s: parse_request raised %r", name, err)
        if name == "userinfo":
            return resource_error("invalid_token", str(err) or err.__class__.__name__)
        return json_error(400, "invalid_request", str(err) or err.__class__.__name__)
    if isinstance(parsed, ResponseMessage) and "error" in parsed:
        if name == "userinfo":
            return resource_error(parsed["error"], parsed.get("error_description", ""))
        status = 401 if parsed["error"] == "invalid_client" else 400
        response = make_response(parsed.to_json(), status)  # idpyoidc's error message (with state)
        response.headers["Content-Type"] = "application/json"
        response.headers["Cache-Control"] = "no-store"
        return response
    try:
        if isinstance(endpoint, Token):
            args = endpoint.process_request(AccessTokenRequest(**parsed), http_info=info)
        else:
            args = endpoint.process_request(parsed, http_info=info)
    except Exception as err:
        app.logger.exception("%s: process_request raised", name)
        if name == "userinfo":
            return resource_error("invalid_token", str(err))
        return json_error(400, "invalid_request", str(err) or err.__class__.__name__)
    if isinstance(args, ResponseMessage) and "error" in args:
        if name == "userinfo":
            return resource_error(args["error"], args.get("error_description", ""))
        return json_error(400, args["error"], args.get("error_description", ""))
    if "http_response" in args:
        if name == "pushed_authorization":  # PATCH 2: RFC 9126 section 2.2, 201 Created
            response = make_response(json.dumps(args["http_response"]), 201)
            response.headers["Content-Type"] = "application/json"
            response.headers["Cache-Control"] = "no-store"
            return response
        return make_response(args["http_response"], 200)  # the login page
    response_args = args.get("response_args")
    if isinstance(response_args, ResponseMessage) and "error" in response_args \
            and endpoint.response_placement == "body":
        return do_response(endpoint, parsed, status=400, **args)
    return do_response(endpoint, parsed, **args)


@app.route("/.well-known/openid-configuration")
def openid_configuration():
    return service_endpoint("provider_config")


@app.route("/.well-known/oauth-authorization-server")
def oauth_authorization_server():
    return service_endpoint("server_metadata")


@app.route("/jwks")
def jwks():
    response = make_response(server.keyjar.export_jwks(issuer_id=""), 200)
    response.headers["Content-Type"] = "application/json"
    return response


@app.route("/authorization", methods=["GET"])
def authorization():
    return service_endpoint("authorization")


@app.route("/par", methods=["POST"])
def par():
    return service_endpoint("pushed_authorization")


@app.route("/token", methods=["POST"])
def token():
    return service_endpoint("token")


@app.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    return service_endpoint("userinfo")


@app.route("/introspection", methods=["POST"])
def introspection():
    return service_endpoint("introspection")


@app.route("/revocation", methods=["POST"])
def revocation():
    return service_endpoint("token_revocation")


@app.route("/verify/user_pass_jinja", methods=["POST"])
def verify_user_pass_jinja():
    """The login form's target, as in idpyoidc's example/flask_op/views.py `verify`."""
    authn_method = server.context.authn_broker.get_method_by_id("user")
    form = request.form.to_dict()
    try:
        auth_args = authn_method.unpack_token(form.get("token", ""))
    except Exception:
        return make_response("Authentication failed: bad or missing form token", 400)
    try:
        username = authn_method.verify(**form)
    except (FailedAuthentication, KeyError):
        page = authn_method(**{k: v for k, v in auth_args.items() if k not in ("iat", "iss", "jti", "exp")})
        return make_response(page.replace("<form ", '<p class="error">Wrong username or password.</p>\n<form ', 1), 200)
    authz_request = AuthorizationRequest().from_urlencoded(auth_args["query"])
    endpoint = server.get_endpoint("authorization")
    session_id = endpoint.create_session(authz_request, username, auth_args["authn_class_ref"],
                                         auth_args["iat"], authn_method)
    args = endpoint.authz_part2(request=authz_request, session_id=session_id)
    if isinstance(args, ResponseMessage) and "error" in args:
        return make_response(args.to_json(), 400)
    return do_response(endpoint, request, **args)


def parse_and_process(name, payload, error):
    """An endpoint's parse_request then process_request: (what process_request answered, None),
    or (None, a 400 JSON answer with idpyoidc's error, or `error` for an exception)."""
    endpoint = server.get_endpoint(name)
    info = http_info()
    try:
        parsed = endpoint.parse_request(payload, http_info=info)
        if isinstance(parsed, ResponseMessage) and "error" in parsed:
            return None, json_error(400, parsed["error"], parsed.get("error_description", ""))
        return endpoint.process_request(parsed, http_info=info), None
    except Exception as err:
        app.logger.info("%s raised %r", name, err)
        return None, json_error(400, error, str(err) or err.__class__.__name__)


@app.route("/registration", methods=["POST"])
def registration():
    """registration_endpoint: idpyoidc's Registration endpoint (OpenID Connect Dynamic Client
    Registration 1.0) for a JSON body; 201 with the client's metadata, or 400 with idpyoidc's
    error (its ClientRegistrationErrorResponse codes)."""
    args, refused = parse_and_process("registration", request.get_data(as_text=True), "invalid_client_metadata")
    if refused:
        return refused
    if isinstance(args, ResponseMessage) and "error" in args:
        return json_error(400, args["error"], args.get("error_description", ""))
    # PATCH 5: the Dynamic OP plan's clients sign in without DPoP, as the back-channel client does.
    DPOP_OPTIONAL_CLIENTS.add(args["response_args"]["client_id"])
    response = make_response(args["response_args"].to_json(), args.get("response_code", 201))
    response.headers["Content-Type"] = "application/json"
    response.headers["Cache-Control"] = "no-store"
    return response


@app.route("/health")
def health():
    return "ok"


# ---- OpenID Connect RP-Initiated Logout 1.0 + Back-Channel Logout 1.0

@app.route("/session", methods=["GET", "POST"])
def end_session():
    """end_session_endpoint: idpyoidc checks the request (id_token_hint signature and algorithm,
    its aud and sub against the session of the OP cookie, post_logout_redirect_uri registered)
    and answers the confirm page's URL with its signed sjwt."""
    args, refused = parse_and_process("session", form_args(request.args if request.method == "GET" else request.form), "invalid_request")
    return refused or redirect(args["redirect_location"])


LOGOUT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head><body>
<h1>Sign out</h1>
<p>Do you want to sign out of this provider?</p>
<form id="logout-form" action="/verify_logout" method="post">
  <input type="hidden" name="sjwt" value="{sjwt}">
  <button type="submit" name="confirm" value="yes">Yes, sign me out</button>
</form>
</body></html>
"""


FRONTCHANNEL_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={target}"><title>Signing out</title></head>
<body><p>Signing you out…</p>
{frames}
</body></html>
"""


@app.route("/verify_logout", methods=["GET", "POST"])
def verify_logout():
    """logout_verify_url: GET shows the confirm page (one form, one button); its POST has
    idpyoidc verify the sjwt (its own ES256 signature) and log the session's client out: the
    back-channel POST of the logout token happens inside do_verified_logout, before the answer.
    Then the OP's cookies are cleared and the browser goes to post_logout_redirect_uri?state=..."""
    endpoint = server.get_endpoint("session")
    if request.method == "GET":
        sjwt = request.args.get("sjwt", "")
        if not sjwt:
            return make_response("missing sjwt", 400)
        response = make_response(LOGOUT_PAGE.format(sjwt=html.escape(sjwt, quote=True)), 200)
        response.headers["Content-Type"] = "text/html; charset=utf-8"
        response.headers["Cache-Control"] = "no-store"
        return response
    try:
        info = endpoint.unpack_signed_jwt(request.form.get("sjwt", ""))
    except Exception as err:
        app.logger.info("verify_logout: %r", err)
        return make_response("invalid or missing sjwt", 400)
    try:
        frames = list(endpoint.do_verified_logout(alla=False, **info))
    except Exception as err:  # e.g. a session idpyoidc no longer finds
        app.logger.info("verify_logout: do_verified_logout raised %r", err)
        return make_response("logout failed: " + html.escape(str(err) or err.__class__.__name__), 400)
    if frames:
        # Front-channel logout: idpyoidc's iframes (its do_front_channel_logout_iframe markup), then
        # on to post_logout_redirect_uri, as its Flask example's frontchannel_logout page does (a
        # meta refresh here instead of the example's script).
        page = FRONTCHANNEL_PAGE.format(target=html.escape(info["redirect_uri"], quote=True), frames="\n".join(frames))
        response = make_response(page, 200)
        response.headers["Content-Type"] = "text/html; charset=utf-8"
        response.headers["Cache-Control"] = "no-store"
    else:
        response = redirect(info["redirect_uri"])
    # idpyoidc's kill_cookies names the cookies to clear (oidc_op, sman); its "expires" value ends
    # with ";", so they are deleted here with Max-Age=0 and the attributes add_cookies sets.
    for spec in endpoint.kill_cookies():
        response.delete_cookie(spec["name"], path="/", samesite="Lax", httponly=True, secure=False)
    return response


@app.route("/post_logout")
def post_logout():
    """Where idpyoidc sends the browser after a logout without post_logout_redirect_uri
    (post_logout_uri_path)."""
    response = make_response("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signed out</title>"
                             "</head><body><h1>You are signed out.</h1></body></html>\n", 200)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response
