#!/usr/bin/env python3
"""Checks the "modern" providers started by providers.sh (see README.md beside this file): idpyoidc's
OP for pushed authorization requests (RFC 9126), DPoP (RFC 9449), token exchange (RFC 8693) and
OpenID Connect Back-Channel Logout 1.0, and Authlib's JAR server (RFC 9101). Every flow is driven
over HTTP as a browser (cookies, the login form, the logout confirm page), as a client
(client_secret_basic, private_key_jwt, PKCE S256, DPoP proofs, signed request objects) and, for
back-channel logout, as the relying party's receiver (a local HTTP server on the port of
EXTERNAL_IDPY_BACKCHANNEL_LOGOUT_URI, up only during that check).

Usage: DIR/venv/bin/python check_modern.py DIR [--trace]     (DIR as given to providers.sh start)
Needs `cryptography` (in the providers' venv) for ES256/RS256; everything else is the standard
library. The last line is "N passed, N failed"; the exit status is 1 if any check failed.
"""
import base64
import hashlib
import http.server
import json
import os
import queue
import secrets
import sys
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # browser.py, beside this file
from browser import Browser as BaseBrowser, CheckFailed, expect, only_form, query_of, run_checks

CHECKS = []
REDIRECT_URI = "http://127.0.0.1:8400/callback"


# ---- JOSE, written from RFC 7515 / 7517 / 7518 / 7638 with `cryptography`

def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_b64u(number, length=None):
    length = length or (number.bit_length() + 7) // 8
    return b64u(number.to_bytes(length, "big"))


def public_jwk(key):
    """The public JWK (required members only, RFC 7638 order irrelevant) of an EC P-256 or RSA key."""
    public = key.public_key()
    numbers = public.public_numbers()
    if isinstance(public, ec.EllipticCurvePublicKey):
        return {"kty": "EC", "crv": "P-256", "x": _int_b64u(numbers.x, 32), "y": _int_b64u(numbers.y, 32)}
    return {"kty": "RSA", "e": _int_b64u(numbers.e), "n": _int_b64u(numbers.n)}


def jwk_thumbprint(jwk):
    """RFC 7638 SHA-256 thumbprint, base64url."""
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64u(hashlib.sha256(canonical.encode()).digest())


def sign_jws(header, payload, key):
    """Compact JWS. key: an EC P-256 private key (ES256), an RSA private key (RS256, or PS256 if
    header["alg"] says so), or bytes (HS256)."""
    signing_input = (b64u(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     b64u(json.dumps(payload, separators=(",", ":")).encode())).encode("ascii")
    alg = header["alg"]
    if alg == "ES256":
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "RS256":
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "PS256":
        signature = key.sign(signing_input, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    elif alg == "HS256":
        import hmac
        signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    elif alg == "none":
        signature = b""
    else:
        raise ValueError(alg)
    return signing_input.decode("ascii") + "." + b64u(signature)


def jwt_parts(token):
    header, payload, signature = token.split(".")
    return json.loads(b64u_decode(header)), json.loads(b64u_decode(payload)), b64u_decode(signature)


def verify_jws(token, jwks):
    """Verifies an RS256/ES256/PS256 compact JWS against a JWKS (by kid); returns the payload."""
    header, payload, signature = jwt_parts(token)
    keys = [k for k in jwks["keys"] if k.get("kid") == header.get("kid")] or jwks["keys"]
    signing_input = token.rsplit(".", 1)[0].encode("ascii")
    for jwk in keys:
        try:
            if header["alg"] == "ES256" and jwk["kty"] == "EC":
                numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(b64u_decode(jwk["x"]), "big"),
                                                        int.from_bytes(b64u_decode(jwk["y"]), "big"), ec.SECP256R1())
                sig = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
                numbers.public_key().verify(sig, signing_input, ec.ECDSA(hashes.SHA256()))
                return payload
            if header["alg"] in ("RS256", "PS256") and jwk["kty"] == "RSA":
                public = rsa.RSAPublicNumbers(int.from_bytes(b64u_decode(jwk["e"]), "big"),
                                              int.from_bytes(b64u_decode(jwk["n"]), "big")).public_key()
                pad = padding.PKCS1v15() if header["alg"] == "RS256" else padding.PSS(padding.MGF1(hashes.SHA256()), 32)
                public.verify(signature, signing_input, pad, hashes.SHA256())
                return payload
        except Exception:
            continue
    raise CheckFailed(f"JWS signature ({header.get('alg')}, kid {header.get('kid')}) not verified by the JWKS")


def load_private_key(path):
    with open(path, "rb") as file:
        return serialization.load_pem_private_key(file.read(), password=None)


def key_alg(key):
    return "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"


def dpop_proof(key, method, url, access_token=None, nonce=None, **overrides):
    """An RFC 9449 DPoP proof. htu without query and fragment (section 4.2)."""
    parts = urllib.parse.urlsplit(url)
    header = {"typ": "dpop+jwt", "alg": key_alg(key), "jwk": public_jwk(key)}
    payload = {"jti": secrets.token_urlsafe(16), "htm": method,
               "htu": urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
               "iat": int(time.time())}
    if access_token is not None:
        payload["ath"] = b64u(hashlib.sha256(access_token.encode("ascii")).digest())
    if nonce is not None:
        payload["nonce"] = nonce
    for name, value in overrides.items():
        if name.startswith("header_"):
            header[name[len("header_"):]] = value
        elif value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    return sign_jws(header, payload, key)


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    return verifier, b64u(hashlib.sha256(verifier.encode("ascii")).digest())


def basic(client_id, secret):
    quote = lambda value: urllib.parse.quote(value, safe="")  # RFC 6749 section 2.3.1
    return "Basic " + base64.b64encode(f"{quote(client_id)}:{quote(secret)}".encode()).decode()


def client_assertion(key, client_id, audience, **overrides):
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "jti": secrets.token_urlsafe(16),
              "iat": now, "exp": now + 60}
    claims.update(overrides)
    return sign_jws({"alg": key_alg(key), "typ": "JWT"}, claims, key)


# ---- HTTP: browser.py's user agent, its --trace lines cut to 160 characters (request objects are long)

class Browser(BaseBrowser):
    trace_width = 160


def fill_login(form, username, password):
    """Fills the form as the harness's user agent does: hidden inputs as they are, the text field
    gets the username, the password field the password; the submit button's name=value is sent."""
    values = {}
    for name, value, kind in form["inputs"]:
        if kind == "password":
            values[name] = password
        elif kind in ("text", "email"):
            values[name] = username
        else:
            values[name] = value
    for name, value, _ in form["buttons"][:1]:
        values[name] = value
    return values


def check(provider, name):
    """Registers a check of provider "idpy" or "jar"; checks run in the order written."""
    def register(function):
        CHECKS.append((provider, name, function))
        return function
    return register


def expect_error(response, status, error, what):
    """A JSON error response with this status and `error` code."""
    expect(response.status == status, f"{what}: expected {status}, got {response!r}")
    body = response.json()
    expect(body.get("error") == error, f"{what}: expected error {error}, got {body}")
    return body


def assertion_form(key, client_id, audience, **overrides):
    return {"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": client_assertion(key, client_id, audience, **overrides)}


# ---------------------------------------------------------------- idpyoidc 5.0.0: PAR and DPoP

class Idpy:
    def __init__(self, env):
        self.env = env
        self.url = env["EXTERNAL_IDPY_URL"]
        self.client_id, self.secret = env["EXTERNAL_IDPY_CLIENT_ID"], env["EXTERNAL_IDPY_CLIENT_SECRET"]
        self.pk_id = env["EXTERNAL_IDPY_PKJWT_CLIENT_ID"]
        self.pk_key = load_private_key(env["EXTERNAL_IDPY_PKJWT_CLIENT_KEY_FILE"])
        self.pk_kid = env["EXTERNAL_IDPY_PKJWT_CLIENT_KEY_ID"]
        self.public_id = env["EXTERNAL_IDPY_PUBLIC_CLIENT_ID"]
        self.exchange_id = env["EXTERNAL_IDPY_EXCHANGE_CLIENT_ID"]
        self.exchange_secret = env["EXTERNAL_IDPY_EXCHANGE_CLIENT_SECRET"]
        self.rp_id, self.rp_secret = env["EXTERNAL_IDPY_RP_CLIENT_ID"], env["EXTERNAL_IDPY_RP_CLIENT_SECRET"]
        self.backchannel_uri = env["EXTERNAL_IDPY_BACKCHANNEL_LOGOUT_URI"]
        self.back = Browser()  # back-channel calls
        self.meta = self.jwks = None

    def endpoint(self, name):
        return self.meta[name]

    def authorization_params(self, client_id, **extra):
        verifier, challenge = pkce_pair()
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI,
                  "scope": "openid profile", "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
                  "code_challenge": challenge, "code_challenge_method": "S256"}
        params.update(extra)
        return params, verifier

    def push(self, form, headers=None):
        return self.back.post(self.endpoint("pushed_authorization_request_endpoint"), form, headers=headers)

    def front_channel(self, client_id, request_uri):
        """The authorization request that follows PAR. idpyoidc (its OpenID Connect Authorization
        endpoint) wants response_type, scope (with openid) and redirect_uri as query parameters
        too (OpenID Connect Core 6.2); their values are then replaced by the pushed ones."""
        return self.endpoint("authorization_endpoint") + "?" + urllib.parse.urlencode({
            "client_id": client_id, "request_uri": request_uri,
            "response_type": "code", "scope": "openid", "redirect_uri": REDIRECT_URI})

    def log_in(self, browser, authorize_url):
        """GET authorize -> 200 idpyoidc's login form -> POST -> 302 to the client; returns the
        callback's query."""
        page = browser.get(authorize_url)
        expect(page.status == 200, f"authorize: expected the login page, got {page!r}")
        form = only_form(page.body, "login page")
        kinds = {name: kind for name, _, kind in form["inputs"]}
        expect(kinds == {"token": "hidden", "username": "text", "password": "password"}
               and form["action"] == "/verify/user_pass_jinja", f"login form: {form}")
        answer = browser.post(urllib.parse.urljoin(authorize_url, form["action"]),
                              fill_login(form, self.env["EXTERNAL_USERNAME"], self.env["EXTERNAL_PASSWORD"]))
        expect(answer.status == 302 and answer.location.startswith(REDIRECT_URI + "?"),
               f"login POST: expected 302 to the redirect URI, got {answer!r} {answer.location}")
        query = query_of(answer.location)
        expect(query.get("iss") == self.meta["issuer"], f"authorization response iss: {query}")
        return query

    def pushed_code(self, client_id, form_extra=None, headers=None, **params):
        """PAR, the front channel and the login; returns (callback query, verifier, params, request_uri)."""
        params, verifier = self.authorization_params(client_id, **params)
        pushed = self.push(dict(params, **(form_extra or {})), headers)
        expect(pushed.status == 201, f"PAR: expected 201, got {pushed!r}")
        body = pushed.json()
        expect(body.get("request_uri", "").startswith("urn:uuid:") and isinstance(body.get("expires_in"), int),
               f"PAR response: {body}")
        query = self.log_in(Browser(), self.front_channel(client_id, body["request_uri"]))
        expect(query.get("state") == params["state"] and query.get("code"), f"callback: {query}")
        return query, verifier, params, body["request_uri"]

    def token(self, form, key=None, headers=None, proof=None):
        headers = dict(headers or {})
        if key is not None or proof is not None:
            headers["DPoP"] = proof or dpop_proof(key, "POST", self.endpoint("token_endpoint"))
        return self.back.post(self.endpoint("token_endpoint"), form, headers=headers)

    def code_form(self, query, verifier, **extra):
        return dict({"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT_URI,
                     "code_verifier": verifier}, **extra)

    def userinfo(self, access_token, key, scheme="DPoP", proof=None, **proof_overrides):
        url = self.endpoint("userinfo_endpoint")
        headers = {"Authorization": f"{scheme} {access_token}"}
        if key is not None or proof is not None:
            headers["DPoP"] = proof or dpop_proof(key, "GET", url, access_token, **proof_overrides)
        return self.back.get(url, headers=headers)

    def expect_dpop_token(self, response, key, what):
        expect(response.status == 200, f"{what}: expected 200, got {response!r}")
        body = response.json()
        expect(body.get("token_type") == "DPoP", f"{what}: token_type {body.get('token_type')}")
        claims = verify_jws(body["access_token"], self.jwks)  # idpyoidc's access tokens are JWTs
        expect(claims.get("cnf", {}).get("jkt") == jwk_thumbprint(public_jwk(key)),
               f"{what}: access token cnf {claims.get('cnf')} is not the proof key's thumbprint")
        expect("DPoP-Nonce" not in response.headers, f"{what}: unexpected DPoP-Nonce")
        return body


def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@check("idpy", "idpyoidc discovery: PAR endpoint, DPoP algorithms, JWKS")
def idpy_discovery(op):
    meta = op.back.get(op.env["EXTERNAL_IDPY_DISCOVERY"]).json()
    op.meta = meta
    expect(meta.get("issuer") == op.env["EXTERNAL_IDPY_ISSUER"], f"issuer {meta.get('issuer')}")
    expect(meta.get("pushed_authorization_request_endpoint") == op.url + op.env["EXTERNAL_IDPY_PAR_PATH"],
           f"pushed_authorization_request_endpoint {meta.get('pushed_authorization_request_endpoint')}")
    expect("ES256" in meta.get("dpop_signing_alg_values_supported", []), f"dpop algs {meta.get('dpop_signing_alg_values_supported')}")
    expect(meta.get("code_challenge_methods_supported") == ["S256"], f"PKCE methods {meta.get('code_challenge_methods_supported')}")
    expect(meta.get("userinfo_endpoint") == op.url + op.env["EXTERNAL_IDPY_API_PATH"], "userinfo_endpoint")
    expect("require_pushed_authorization_requests" not in meta, "idpyoidc 5.0.0 has no require_pushed_authorization_requests")
    op.jwks = op.back.get(meta["jwks_uri"]).json()
    expect({key["kty"] for key in op.jwks["keys"]} == {"RSA", "EC"}, f"JWKS {op.jwks}")
    rfc8414 = op.back.get(op.url + "/.well-known/oauth-authorization-server")
    expect(rfc8414.status == 200 and rfc8414.json().get("issuer") == meta["issuer"], f"RFC 8414 metadata {rfc8414!r}")


@check("idpy", "idpyoidc PAR (client_secret_basic) -> request_uri -> login form -> code -> DPoP token -> DPoP userinfo; request_uri single use")
def idpy_par_dpop(op):
    query, verifier, params, request_uri = op.pushed_code(
        op.client_id, headers={"Authorization": basic(op.client_id, op.secret)})
    expect(set(query) == {"code", "state", "iss", "client_id", "scope"}, f"callback parameters {sorted(query)}")
    key = ec_key()
    tokens = op.expect_dpop_token(op.token(op.code_form(query, verifier), key,
                                           {"Authorization": basic(op.client_id, op.secret)}), key, "token")
    id_token = verify_jws(tokens["id_token"], op.jwks)
    expect(id_token["nonce"] == params["nonce"] and id_token["iss"] == op.meta["issuer"]
           and op.client_id in id_token["aud"], f"id_token {id_token}")
    info = op.userinfo(tokens["access_token"], key)
    expect(info.status == 200 and info.json().get("sub") == id_token["sub"], f"userinfo {info!r}")
    # The request_uri was consumed by the first front-channel request.
    again = op.back.get(op.front_channel(op.client_id, request_uri))
    body = expect_error(again, 400, "invalid_request", "reused request_uri")
    expect("can not resolve" in body.get("error_description", ""), f"reused request_uri: {body}")
    # Observed (README): the client_id of the front-channel request is not compared with the
    # pushed request's; the pushed request (and its client) wins.
    params2, _ = op.authorization_params(op.client_id)
    pushed = op.push(params2, {"Authorization": basic(op.client_id, op.secret)}).json()["request_uri"]
    query = op.log_in(Browser(), op.front_channel(op.public_id, pushed))
    expect(query.get("client_id") == op.client_id and query.get("state") == params2["state"], f"mismatched client_id: {query}")
    # RFC 9126 section 4 needs only client_id and request_uri; idpyoidc also wants response_type.
    pushed = op.push(op.authorization_params(op.client_id)[0], {"Authorization": basic(op.client_id, op.secret)})
    minimal = op.endpoint("authorization_endpoint") + "?" + urllib.parse.urlencode(
        {"client_id": op.client_id, "request_uri": pushed.json()["request_uri"]})
    body = expect_error(op.back.get(minimal), 400, "invalid_request", "client_id + request_uri only")
    expect("response_type" in body.get("error_description", ""), f"minimal request: {body}")


@check("idpy", "idpyoidc PAR client authentication: client_secret_post ok; wrong secret, none, unregistered redirect_uri refused")
def idpy_par_auth(op):
    params, _ = op.authorization_params(op.client_id)
    ok = op.push(dict(params, client_secret=op.secret))
    expect(ok.status == 201, f"client_secret_post: {ok!r}")
    expect_error(op.push(params, {"Authorization": basic(op.client_id, "wrong")}), 401, "invalid_client", "wrong secret")
    expect_error(op.push(params), 401, "invalid_client", "no client authentication")
    bad = dict(params, redirect_uri="http://127.0.0.1:8400/elsewhere")
    expect_error(op.push(bad, {"Authorization": basic(op.client_id, op.secret)}), 400, "invalid_request", "redirect_uri")


@check("idpy", "idpyoidc private_key_jwt (ES256) + a signed request object pushed by PAR; tampered one refused")
def idpy_par_jar(op):
    par_url, token_url = op.endpoint("pushed_authorization_request_endpoint"), op.endpoint("token_endpoint")
    params, verifier = op.authorization_params(op.pk_id)
    now = int(time.time())
    claims = dict(params, iss=op.pk_id, aud=op.meta["issuer"], iat=now, nbf=now, exp=now + 300, jti=secrets.token_urlsafe(8))
    request_object = sign_jws({"alg": "ES256", "kid": op.pk_kid, "typ": "oauth-authz-req+jwt"}, claims, op.pk_key)
    pushed = op.push(dict(assertion_form(op.pk_key, op.pk_id, par_url), request=request_object, client_id=op.pk_id))
    expect(pushed.status == 201, f"PAR with a request object: {pushed!r}")
    query = op.log_in(Browser(), op.front_channel(op.pk_id, pushed.json()["request_uri"]))
    expect(query.get("state") == params["state"], f"state {query}")
    key = ec_key()
    form = dict(op.code_form(query, verifier), **assertion_form(op.pk_key, op.pk_id, token_url))
    op.expect_dpop_token(op.token(form, key), key, "private_key_jwt token")
    # Tampered (payload changed after signing) -> 400 BadSignature
    header, payload, signature = request_object.split(".")
    changed = json.loads(b64u_decode(payload))
    changed["scope"] = "openid profile email"
    tampered = ".".join([header, b64u(json.dumps(changed).encode()), signature])
    body = expect_error(op.push(dict(assertion_form(op.pk_key, op.pk_id, par_url), request=tampered)), 400,
                        "invalid_request", "tampered request object")
    expect(body.get("error_description") == "BadSignature", f"tampered: {body}")
    # Observed (README): the assertion's aud must be the endpoint's own URL; the issuer is refused.
    params2, _ = op.authorization_params(op.pk_id)
    expect_error(op.push(dict(params2, **assertion_form(op.pk_key, op.pk_id, op.meta["issuer"]))), 401,
                 "invalid_client", "client assertion with aud = issuer")


@check("idpy", "idpyoidc JAR by value at the authorization endpoint (request=, ES256)")
def idpy_jar_by_value(op):
    params, _ = op.authorization_params(op.pk_id)
    now = int(time.time())
    claims = dict(params, iss=op.pk_id, aud=op.meta["issuer"], iat=now, exp=now + 300, jti=secrets.token_urlsafe(8))
    request_object = sign_jws({"alg": "ES256", "kid": op.pk_kid}, claims, op.pk_key)
    url = op.endpoint("authorization_endpoint") + "?" + urllib.parse.urlencode(
        {"client_id": op.pk_id, "request": request_object, "response_type": "code", "scope": "openid",
         "redirect_uri": REDIRECT_URI})
    query = op.log_in(Browser(), url)
    expect(query.get("state") == params["state"], f"state from the request object: {query}")
    other = sign_jws({"alg": "ES256", "kid": op.pk_kid}, claims, ec_key())
    refused = op.back.get(url.replace(urllib.parse.quote(request_object), urllib.parse.quote(other)))
    expect_error(refused, 400, "invalid_request", "request object signed by another key")
    # Observed (README): idpyoidc 5.0.0 also takes an unsigned one (alg none), and does not check
    # aud or exp.
    for what, header, changes in [("alg none", {"alg": "none"}, {}),
                                  ("expired, aud elsewhere", {"alg": "ES256", "kid": op.pk_kid},
                                   {"exp": now - 100, "aud": "https://elsewhere.example"})]:
        unsigned = sign_jws(header, dict(claims, **changes), op.pk_key if header["alg"] != "none" else None)
        query = op.log_in(Browser(), url.replace(urllib.parse.quote(request_object), urllib.parse.quote(unsigned)))
        expect(query.get("code"), f"{what}: expected idpyoidc to accept it, got {query}")


@check("idpy", "idpyoidc public client: DPoP-bound code exchange, refresh with the same key, rotation")
def idpy_public_refresh(op):
    query, verifier, _, _ = op.pushed_code(op.public_id, scope="openid profile offline_access")
    key = ec_key()
    tokens = op.expect_dpop_token(op.token(op.code_form(query, verifier, client_id=op.public_id), key), key, "public token")
    expect("refresh_token" in tokens, f"no refresh token with offline_access: {sorted(tokens)}")
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": op.public_id}
    expect_error(op.token(refresh), 400, "invalid_dpop_proof", "refresh without a proof")
    refreshed = op.expect_dpop_token(op.token(refresh, key), key, "refresh")
    expect(refreshed.get("refresh_token") not in (None, tokens["refresh_token"]), "refresh token not rotated")
    body = expect_error(op.token(refresh, key), 400, "invalid_request", "reused refresh token")
    expect("inactive" in body.get("error_description", ""), f"reused refresh token: {body}")
    expect(op.userinfo(refreshed["access_token"], key).status == 200, "userinfo with the refreshed token")
    # Observed (README): the refresh token is not bound to the key; a proof with another key is
    # accepted and the new access token is bound to that key.
    other = ec_key()
    refresh["refresh_token"] = refreshed["refresh_token"]
    op.expect_dpop_token(op.token(refresh, other), other, "refresh with another key (accepted by idpyoidc 5.0.0)")


@check("idpy", "idpyoidc DPoP proof checks: token endpoint and userinfo (what is refused, what is not checked)")
def idpy_dpop_checks(op):
    query, verifier, _, _ = op.pushed_code(op.client_id, headers={"Authorization": basic(op.client_id, op.secret)})
    auth = {"Authorization": basic(op.client_id, op.secret)}
    key = ec_key()
    token_url = op.endpoint("token_endpoint")
    form = op.code_form(query, verifier)
    expect_error(op.token(form, headers=auth), 400, "invalid_dpop_proof", "token without DPoP")
    expect_error(op.token(form, headers=auth, proof=dpop_proof(key, "POST", token_url + "x")), 400,
                 "invalid_dpop_proof", "token proof with another htu")
    expect_error(op.token(form, headers=auth, proof=dpop_proof(key, "GET", token_url)), 400,
                 "invalid_dpop_proof", "token proof with htm GET")
    tokens = op.expect_dpop_token(op.token(form, key, auth), key, "token")
    at = tokens["access_token"]

    def refused(response, error, what):
        expect(response.status == 401, f"{what}: expected 401, got {response!r}")
        challenge = response.headers.get("WWW-Authenticate", "")
        expect(challenge.startswith("DPoP ") and f'error="{error}"' in challenge, f"{what}: WWW-Authenticate {challenge!r}")
        expect(response.json().get("error") == error, f"{what}: {response!r}")

    refused(op.userinfo(at, None, scheme="Bearer"), "invalid_token", "Bearer scheme")
    refused(op.userinfo(at, key, scheme="Bearer"), "invalid_token", "Bearer scheme with a proof")
    refused(op.userinfo(at, None), "invalid_dpop_proof", "no proof")
    refused(op.userinfo(at, key, ath=None), "invalid_dpop_proof", "proof without ath")
    refused(op.userinfo(at, key, ath=hashlib.sha256(at.encode()).hexdigest()), "invalid_dpop_proof", "hex ath")
    refused(op.userinfo(at, key, htm="POST"), "invalid_dpop_proof", "htm POST")
    refused(op.userinfo(at, key, htu=op.url + "/elsewhere"), "invalid_dpop_proof", "another htu")
    refused(op.userinfo("not-a-token", key), "invalid_token", "unknown token")
    expect(op.userinfo(at, key).status == 200, "userinfo")
    # Observed (README): not checked by idpyoidc 5.0.0, all answered 200.
    proof = dpop_proof(key, "GET", op.endpoint("userinfo_endpoint"), at)
    secret = secrets.token_bytes(32)  # a symmetric "proof": HS256 with the key in the jwk header
    hs256 = sign_jws({"typ": "dpop+jwt", "alg": "HS256", "jwk": {"kty": "oct", "k": b64u(secret)}},
                     {"jti": secrets.token_urlsafe(8), "htm": "GET", "htu": op.endpoint("userinfo_endpoint"),
                      "iat": int(time.time()), "ath": b64u(hashlib.sha256(at.encode()).digest())}, secret)
    for what, response in [("proof by another key", op.userinfo(at, ec_key())),
                           ("HS256 proof", op.userinfo(at, None, proof=hs256)),
                           ("replayed proof (1)", op.userinfo(at, key, proof=proof)),
                           ("replayed proof (2)", op.userinfo(at, key, proof=proof)),
                           ("iat a day old", op.userinfo(at, key, iat=int(time.time()) - 86400)),
                           ("typ JWT", op.userinfo(at, key, header_typ="JWT"))]:
        expect(response.status == 200, f"{what}: expected idpyoidc's 200, got {response!r}")
        expect("DPoP-Nonce" not in response.headers, f"{what}: DPoP-Nonce")


@check("idpy", "idpyoidc dpop_jkt and a DPoP proof at PAR are ignored; authorization_details (RAR) ignored")
def idpy_ignored(op):
    bound_to = ec_key()
    details = [{"type": "account_information", "actions": ["read"], "locations": ["https://example.com/accounts"]}]
    query, verifier, _, _ = op.pushed_code(
        op.public_id, headers={"DPoP": dpop_proof(bound_to, "POST", op.endpoint("pushed_authorization_request_endpoint"))},
        dpop_jkt=jwk_thumbprint(public_jwk(bound_to)), authorization_details=json.dumps(details))
    other = ec_key()
    tokens = op.expect_dpop_token(op.token(op.code_form(query, verifier, client_id=op.public_id), other), other,
                                  "token with a key other than dpop_jkt")
    expect("authorization_details" not in tokens, f"authorization_details in the token response: {sorted(tokens)}")
    expect("authorization_details" not in verify_jws(tokens["access_token"], op.jwks), "authorization_details in the access token")


@check("idpy", "idpyoidc introspection (token_type DPoP, no cnf) and revocation")
def idpy_introspect_revoke(op):
    query, verifier, _, _ = op.pushed_code(op.client_id, headers={"Authorization": basic(op.client_id, op.secret)})
    auth = {"Authorization": basic(op.client_id, op.secret)}
    key = ec_key()
    at = op.expect_dpop_token(op.token(op.code_form(query, verifier), key, auth), key, "token")["access_token"]
    introspect, revoke = op.url + op.env["EXTERNAL_IDPY_INTROSPECT_PATH"], op.url + op.env["EXTERNAL_IDPY_REVOKE_PATH"]
    info = op.back.post(introspect, {"token": at}, headers=auth).json()
    expect(info.get("active") is True and info.get("token_type") == "DPoP" and info.get("client_id") == op.client_id
           and "cnf" not in info, f"introspection {info}")
    revoked = op.back.post(revoke, {"token": at, "token_type_hint": "access_token"}, headers=auth)
    expect(revoked.status == 200, f"revocation {revoked!r}")
    expect(op.back.post(introspect, {"token": at}, headers=auth).json() == {"active": False}, "introspection after revocation")
    expect(op.userinfo(at, key).status == 401, "userinfo after revocation")


TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
TOKEN_TYPE = "urn:ietf:params:oauth:token-type:"  # + access_token, refresh_token, id_token, jwt


@check("idpy", "idpyoidc token exchange (RFC 8693) with DPoP: access and refresh tokens as subjects, what is refused, another client")
def idpy_token_exchange(op):
    auth = {"Authorization": basic(op.client_id, op.secret)}
    query, verifier, _, _ = op.pushed_code(op.client_id, headers=auth, scope="openid profile offline_access",
                                           prompt="consent")
    key = ec_key()
    tokens = op.expect_dpop_token(op.token(op.code_form(query, verifier), key, auth), key, "token")
    subject = verify_jws(tokens["access_token"], op.jwks)

    def exchange(key=key, headers=auth, **form):
        form.setdefault("subject_token", tokens["access_token"])
        form.setdefault("subject_token_type", TOKEN_TYPE + "access_token")
        return op.token(dict(form, grant_type=TOKEN_EXCHANGE), key, headers)

    def issued(response, what, token_type=TOKEN_TYPE + "access_token"):
        expect(response.status == 200, f"{what}: expected 200, got {response!r}")
        body = response.json()
        expect(body.get("issued_token_type") == token_type, f"{what}: issued_token_type {body.get('issued_token_type')}")
        return body, verify_jws(body["access_token"], op.jwks)

    # The access token for audience some-api, narrowed to openid, DPoP-bound to the proof's key.
    body, claims = issued(exchange(audience="some-api", scope="openid"), "audience some-api")
    expect(body.get("token_type") == "DPoP" and body.get("scope") == "openid" and "refresh_token" not in body,
           f"audience some-api: {body}")
    expect(claims.get("aud") == ["some-api"] and claims.get("sub") == subject["sub"] and claims.get("scope") == "openid"
           and claims.get("client_id") == op.client_id and claims.get("cnf", {}).get("jkt") == jwk_thumbprint(public_jwk(key))
           and "act" not in claims, f"audience some-api: claims {claims}")
    # Observed: UserInfo (not some-api) takes it; introspection by the client (not in aud) says inactive.
    expect(op.userinfo(body["access_token"], key).status == 200, "userinfo with a token for some-api")
    introspect = op.back.post(op.url + op.env["EXTERNAL_IDPY_INTROSPECT_PATH"], {"token": body["access_token"]}, headers=auth)
    expect(introspect.json() == {"active": False}, f"introspection of a token for some-api only: {introspect!r}")
    # The refresh token as subject gives an access token; an access token as subject gives a
    # refresh token (in the access_token member, token_type N_A: RFC 8693 section 2.2.1), which refreshes.
    by_refresh_token = dict(subject_token=tokens["refresh_token"], subject_token_type=TOKEN_TYPE + "refresh_token")
    body, claims = issued(exchange(**by_refresh_token), "refresh token -> access token")
    expect(claims.get("token_class") == "access_token" and claims.get("aud") == [op.client_id], f"refresh token -> access token: {claims}")
    # Observed: expires_in is the subject token's remaining lifetime (a day), not the new token's (an hour).
    expect(body.get("expires_in", 0) > 3600 and claims["exp"] - claims["iat"] == 3600,
           f"refresh token -> access token: expires_in {body.get('expires_in')}, JWT lifetime {claims['exp'] - claims['iat']}")
    body, claims = issued(exchange(requested_token_type=TOKEN_TYPE + "refresh_token"),
                          "access token -> refresh token", TOKEN_TYPE + "refresh_token")
    expect(body.get("token_type") == "N_A" and claims.get("token_class") == "refresh_token", f"access token -> refresh token: {body}")
    refreshed = op.token({"grant_type": "refresh_token", "refresh_token": body["access_token"]}, key, auth)
    op.expect_dpop_token(refreshed, key, "refresh with the exchanged refresh token")
    # Refused.
    for what, form, error, description in [
        ("actor token", {"actor_token": tokens["access_token"], "actor_token_type": TOKEN_TYPE + "access_token"},
         "invalid_request", "Actor token not supported"),
        ("unknown subject token", {"subject_token": "not-a-token"}, "invalid_request", "Subject token invalid"),
        ("resource not listed", {"resource": "https://api.example.test/"}, "invalid_target", "Unknown resource"),
        ("refresh token for an audience", dict(by_refresh_token, audience="some-api"), "invalid_target", "Refresh token has single owner"),
        ("ID token as subject", {"subject_token": tokens["id_token"], "subject_token_type": TOKEN_TYPE + "id_token"},
         "invalid_request", "Minting of access_token not supported"),
        ("requested type jwt", {"requested_token_type": TOKEN_TYPE + "jwt"}, "invalid_request", "Unsupported requested token type"),
        ("scope the subject token lacks", {"scope": "email"}, "invalid_scope", "Invalid requested scopes"),
    ]:
        refused = expect_error(exchange(**form), 400, error, what)
        expect(refused.get("error_description") == description, f"{what}: {refused}")
    expect_error(exchange(key=None), 400, "invalid_dpop_proof", "token exchange without a DPoP proof")
    public = op.token({"grant_type": TOKEN_EXCHANGE, "client_id": op.public_id, "subject_token": tokens["access_token"],
                       "subject_token_type": TOKEN_TYPE + "access_token"}, key)
    body = expect_error(public, 400, "invalid_request", "public client (grant type not allowed)")
    expect("Unsupported grant_type" in body.get("error_description", ""), f"public client: {body}")
    # Observed: another client exchanges harness-idpy's token (issued to it, aud harness-idpy): a
    # token for that client, announced DPoP for an hour, with no cnf, no aud and a 60 s JWT exp.
    other = ec_key()
    exchanged = exchange(key=other, headers={"Authorization": basic(op.exchange_id, op.exchange_secret)})
    body, claims = issued(exchanged, "another client")
    expect("oidc_op=" in exchanged.headers.get("Set-Cookie", ""), f"another client: Set-Cookie {exchanged.headers.get('Set-Cookie')}")
    expect(body.get("token_type") == "DPoP" and body.get("expires_in", 0) > 3000, f"another client: {body}")
    expect(claims.get("client_id") == op.exchange_id and claims.get("sub") == subject["sub"] and "cnf" not in claims
           and "aud" not in claims and claims["exp"] - claims["iat"] == 60, f"another client: claims {claims}")
    expect(op.userinfo(body["access_token"], other).status == 200, "userinfo with another client's exchanged token")


# ------------------------------------------- idpyoidc 5.0.0: OpenID Connect Back-Channel Logout 1.0

POST_LOGOUT_REDIRECT_URI = "http://127.0.0.1:8400/logged-out"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
WAIT = 5  # seconds: the longest any wait for the back-channel POST may take


class BackChannelReceiver:
    """The relying party's back-channel logout endpoint (Back-Channel Logout 1.0 §2.5, §2.8): a
    local HTTP server on the URI's host and port, recording every request and answering 200 with
    Cache-Control: no-store. `with BackChannelReceiver(uri) as receiver:` serves in a thread."""

    def __init__(self, uri):
        parts = urllib.parse.urlsplit(uri)
        self.received = queue.Queue()
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            # HTTP/1.1 (keep-alive): the OP's HTTP client closes the connection first, so no
            # TIME_WAIT stays on this port for whoever binds it next (the harness, in a scenario).
            protocol_version = "HTTP/1.1"

            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received.put((self.command, self.path, self.headers, body))
                self.send_response(200 if self.command == "POST" else 405)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET = _record

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((parts.hostname, parts.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(WAIT)

    def next(self, timeout):
        """The next request received within timeout seconds, or None."""
        try:
            return self.received.get(timeout=timeout)
        except queue.Empty:
            return None


@check("idpy", "idpyoidc back-channel logout: code + PKCE login (no DPoP) -> RP-initiated logout, confirm page -> logout token POSTed to the RP")
def idpy_backchannel_logout(op):
    meta = op.meta
    expect(meta.get("end_session_endpoint") == op.url + "/session" and meta.get("backchannel_logout_supported") is True
           and meta.get("backchannel_logout_session_required") is True and meta.get("frontchannel_logout_supported") is True,
           f"logout metadata: end_session_endpoint {meta.get('end_session_endpoint')}, backchannel_logout_supported "
           f"{meta.get('backchannel_logout_supported')}, _session_required {meta.get('backchannel_logout_session_required')}")
    # Sign in: a plain authorization request (no PAR), client_secret_basic, no DPoP proof.
    browser = Browser()
    params, verifier = op.authorization_params(op.rp_id, scope="openid")
    query = op.log_in(browser, op.endpoint("authorization_endpoint") + "?" + urllib.parse.urlencode(params))
    expect(query.get("state") == params["state"] and query.get("code"), f"callback: {query}")
    response = op.token(op.code_form(query, verifier), headers={"Authorization": basic(op.rp_id, op.rp_secret)})
    expect(response.status == 200, f"token without DPoP: {response!r}")
    tokens = response.json()
    expect(tokens.get("token_type") == "Bearer", f"token_type {tokens.get('token_type')}")
    id_token = verify_jws(tokens["id_token"], op.jwks)
    expect(id_token.get("nonce") == params["nonce"] and id_token.get("iss") == meta["issuer"]
           and op.rp_id in id_token.get("aud", []) and id_token.get("sid"), f"id_token {id_token}")
    state = secrets.token_urlsafe(8)
    logout = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": POST_LOGOUT_REDIRECT_URI,
              "state": state, "client_id": op.rp_id}
    end_session = meta["end_session_endpoint"]
    with BackChannelReceiver(op.backchannel_uri) as receiver:
        # Refused before any confirm page: a post_logout_redirect_uri not registered.
        bad = browser.get(end_session + "?" + urllib.parse.urlencode(dict(logout, post_logout_redirect_uri=REDIRECT_URI)))
        expect(bad.status == 400, f"unregistered post_logout_redirect_uri: {bad!r}")
        # ... and without the OP's cookie (idpyoidc finds the session by its cookie only).
        expect(op.back.get(end_session + "?" + urllib.parse.urlencode(logout)).status == 400, "end session without the OP cookie")
        # The RP-initiated logout (with the browser's OP cookie) -> the confirm page.
        answer = browser.get(end_session + "?" + urllib.parse.urlencode(logout))
        expect(answer.status == 302 and (answer.location or "").startswith(op.url + "/verify_logout?sjwt="),
               f"end session: expected 302 to the confirm page, got {answer!r} {answer.location}")
        page = browser.get(answer.location)
        expect(page.status == 200 and "Yes, sign me out" in page.body, f"confirm page: {page!r}")
        form = only_form(page.body, "confirm page")
        expect(form["action"] == "/verify_logout" and [(n, k) for n, _, k in form["inputs"]] == [("sjwt", "hidden")]
               and len(form["buttons"]) == 1, f"confirm form: {form}")
        expect(receiver.next(0.2) is None, "a back-channel request before the user confirmed")
        values = {name: value for name, value, _ in form["inputs"] + form["buttons"]}
        done = browser.post(urllib.parse.urljoin(answer.location, form["action"]), values)
        expected = POST_LOGOUT_REDIRECT_URI + "?" + urllib.parse.urlencode({"state": state})
        expect(done.status == 302 and done.location == expected, f"confirm POST: expected 302 to {expected}, got {done!r} {done.location}")
        expect("oidc_op" not in {cookie.name for cookie in browser.jar}, "the OP's session cookie is still set after logout")
        # The OP POSTed the logout token before it answered the confirm POST.
        first = receiver.next(WAIT)
        expect(first is not None, f"no back-channel request within {WAIT} s")
        method, path, headers, body = first
        expect(method == "POST" and path == urllib.parse.urlsplit(op.backchannel_uri).path, f"back-channel request {method} {path}")
        expect((headers.get("Content-Type") or "").split(";")[0].strip() == "application/x-www-form-urlencoded",
               f"back-channel Content-Type {headers.get('Content-Type')}")
        form_body = urllib.parse.parse_qs(body.decode("ascii"), strict_parsing=True)
        expect(list(form_body) == ["logout_token"] and len(form_body["logout_token"]) == 1, f"back-channel body {body[:200]!r}")
        logout_token = form_body["logout_token"][0]
        expect(receiver.next(0.5) is None, "more than one back-channel request")
        # Signed out at the OP: the same logout again finds no session (no cookie), a new
        # authorization request shows the login form, and nothing more reaches the RP.
        again = browser.get(end_session + "?" + urllib.parse.urlencode(logout))
        expect(again.status == 400, f"logout after logout: {again!r}")
        relogin = browser.get(op.endpoint("authorization_endpoint") + "?" + urllib.parse.urlencode(op.authorization_params(op.rp_id, scope="openid")[0]))
        expect(relogin.status == 200 and "login-form" in relogin.body, f"authorize after logout: {relogin!r}")
        expect(receiver.next(0.2) is None, "a back-channel request after the logout")
    # The logout token (§2.4), validated as §2.6 says: signature by the OP's JWKS, iss, aud,
    # events, sid, no nonce; iat and exp sane.
    header, _, _ = jwt_parts(logout_token)
    claims = verify_jws(logout_token, op.jwks)
    expect(header.get("alg") in meta.get("id_token_signing_alg_values_supported", []) and header.get("alg") != "none",
           f"logout token alg {header}")
    aud = claims.get("aud")
    now = int(time.time())
    expect(claims.get("iss") == meta["issuer"] and op.rp_id in (aud if isinstance(aud, list) else [aud])
           and claims.get("events") == {BACKCHANNEL_EVENT: {}} and claims.get("sid") == id_token["sid"]
           and "nonce" not in claims and claims.get("jti") and abs(claims.get("iat", 0) - now) < 60
           and claims.get("exp", 0) > now, f"logout token claims {claims}")
    # Observed (modern-deviations.txt): RS256 with kid, no typ (logout+jwt is RECOMMENDED), no sub
    # (sid is enough), aud a one-element array, exp a day after iat (§4: at most two minutes).
    expect(header.get("kid") and "typ" not in header, f"logout token header {header}")
    expect(set(claims) == {"iss", "aud", "iat", "exp", "jti", "sid", "events"} and aud == [op.rp_id]
           and claims["exp"] - claims["iat"] == 86400, f"logout token claims {claims}")


# ---------------------------------------------------------------- Authlib 1.9.10: JAR (RFC 9101)

class Jar:
    def __init__(self, env):
        self.env = env
        self.url = env["EXTERNAL_JAR_URL"]
        self.pk_id = env["EXTERNAL_JAR_CLIENT_ID"]
        self.pk_key = load_private_key(env["EXTERNAL_JAR_CLIENT_KEY_FILE"])
        self.pk_kid = env["EXTERNAL_JAR_CLIENT_KEY_ID"]
        self.secret_id, self.secret = env["EXTERNAL_JAR_SECRET_CLIENT_ID"], env["EXTERNAL_JAR_SECRET_CLIENT_SECRET"]
        self.back = Browser()
        self.browser = Browser()  # signed in by the first flow, reused after
        self.meta = self.jwks = None

    def request_object(self, client_id, alg="RS256", key=None, drop=(), header=None, **claims):
        verifier, challenge = pkce_pair()
        now = int(time.time())
        payload = {"iss": client_id, "aud": self.meta["issuer"], "client_id": client_id, "response_type": "code",
                   "redirect_uri": REDIRECT_URI, "scope": "openid profile", "state": secrets.token_urlsafe(8),
                   "nonce": secrets.token_urlsafe(8), "code_challenge": challenge, "code_challenge_method": "S256",
                   "iat": now, "nbf": now, "exp": now + 300, "jti": secrets.token_urlsafe(8)}
        payload.update(claims)
        for name in drop:
            payload.pop(name, None)
        jose_header = {"alg": alg, "typ": "oauth-authz-req+jwt"}
        if alg in ("RS256", "PS256") and key is None:
            jose_header["kid"] = self.pk_kid
        jose_header.update(header or {})
        signing_key = key if key is not None else (self.pk_key if alg != "HS256" else self.secret.encode())
        return sign_jws(jose_header, payload, signing_key), verifier, payload

    def authorize_url(self, **params):
        return self.meta["authorization_endpoint"] + "?" + urllib.parse.urlencode(params)

    def authorize(self, **params):
        """The front channel in the signed-in browser (the login form the first time); returns the
        last response (302 to the client, or an error)."""
        url = self.authorize_url(**params)
        response = self.browser.get(url)
        if response.status == 200 and "login-form" in response.body:
            form = only_form(response.body, "login page")
            kinds = {name: kind for name, _, kind in form["inputs"]}
            expect(kinds == {"csrf_token": "hidden", "next": "hidden", "username": "text", "password": "password"}
                   and form["action"] == "/login", f"login form: {form}")
            answer = self.browser.post(urllib.parse.urljoin(url, form["action"]),
                                       fill_login(form, self.env["EXTERNAL_USERNAME"], self.env["EXTERNAL_PASSWORD"]))
            expect(answer.status == 302 and answer.location.startswith("/authorize?"), f"login POST: {answer!r}")
            response = self.browser.get(urllib.parse.urljoin(url, answer.location))
        return response

    def code(self, **params):
        response = self.authorize(**params)
        expect(response.status == 302 and (response.location or "").startswith(REDIRECT_URI + "?"),
               f"authorize: expected 302 to the client, got {response!r} {response.location}")
        query = query_of(response.location)
        expect(query.get("iss") == self.meta["issuer"] and query.get("code"), f"callback {query}")
        return query

    def token(self, form, headers=None):
        return self.back.post(self.meta["token_endpoint"], form, headers=headers)


@check("jar", "Authlib JAR discovery: request objects, signing algorithms, RFC 9207 iss")
def jar_discovery(server):
    meta = server.back.get(server.env["EXTERNAL_JAR_DISCOVERY"]).json()
    server.meta = meta
    expect(meta.get("issuer") == server.env["EXTERNAL_JAR_ISSUER"], f"issuer {meta.get('issuer')}")
    expect(meta.get("request_parameter_supported") is True and meta.get("request_uri_parameter_supported") is False
           and meta.get("require_signed_request_object") is False
           and meta.get("authorization_response_iss_parameter_supported") is True, f"metadata {meta}")
    expect(set(meta.get("request_object_signing_alg_values_supported", [])) == {"RS256", "PS256", "ES256", "HS256"},
           f"request object algs {meta.get('request_object_signing_alg_values_supported')}")
    expect("private_key_jwt" in meta.get("token_endpoint_auth_methods_supported", []), "private_key_jwt")
    expect("pushed_authorization_request_endpoint" not in meta and "dpop_signing_alg_values_supported" not in meta,
           "no PAR, no DPoP")
    server.jwks = server.back.get(meta["jwks_uri"]).json()
    rfc8414 = server.back.get(server.url + "/.well-known/oauth-authorization-server")
    expect(rfc8414.status == 200 and rfc8414.json().get("issuer") == meta["issuer"], "RFC 8414 metadata")


@check("jar", "Authlib JAR: signed request object (RS256) by value -> login form -> code + iss -> private_key_jwt token -> userinfo")
def jar_flow(server):
    request_object, verifier, claims = server.request_object(server.pk_id)
    query = server.code(client_id=server.pk_id, request=request_object)
    expect(query.get("state") == claims["state"] and set(query) == {"code", "state", "iss"}, f"callback {query}")
    token_url = server.meta["token_endpoint"]
    form = dict({"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT_URI,
                 "code_verifier": verifier}, **assertion_form(server.pk_key, server.pk_id, token_url))
    response = server.token(form)
    expect(response.status == 200, f"token: {response!r}")
    tokens = response.json()
    expect(tokens.get("token_type") == "Bearer", f"token_type {tokens.get('token_type')}")
    id_token = verify_jws(tokens["id_token"], server.jwks)
    expect(id_token.get("nonce") == claims["nonce"] and id_token.get("iss") == server.meta["issuer"]
           and server.pk_id in id_token.get("aud", []), f"id_token {id_token}")
    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    info = server.back.get(server.meta["userinfo_endpoint"], headers=bearer)
    expect(info.status == 200 and info.json().get("sub") == id_token["sub"], f"userinfo {info!r}")
    api = server.back.get(server.url + server.env["EXTERNAL_JAR_API_PATH"], headers=bearer)
    expect(api.status == 200 and api.json().get("username") == server.env["EXTERNAL_USERNAME"], f"api {api!r}")
    expect_error(server.token(form), 400, "invalid_client", "the same client assertion again (jti)")
    # aud = the issuer is accepted too (our get_audiences), and PS256 request objects work
    request_object, verifier, _ = server.request_object(server.pk_id, alg="PS256")
    query = server.code(client_id=server.pk_id, request=request_object)
    form = dict({"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT_URI,
                 "code_verifier": verifier}, **assertion_form(server.pk_key, server.pk_id, server.meta["issuer"]))
    expect(server.token(form).status == 200, "token with assertion aud = issuer")
    # PS256 client assertions are refused (Authlib decodes them with joserfc's recommended algorithms)
    request_object, verifier, _ = server.request_object(server.pk_id)
    query = server.code(client_id=server.pk_id, request=request_object)
    now = int(time.time())
    ps256 = sign_jws({"alg": "PS256", "kid": server.pk_kid}, {"iss": server.pk_id, "sub": server.pk_id, "aud": token_url,
                                                              "jti": secrets.token_urlsafe(8), "iat": now, "exp": now + 60},
                     server.pk_key)
    form = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT_URI, "code_verifier": verifier,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": ps256}
    expect_error(server.token(form), 400, "invalid_client", "PS256 client assertion")


@check("jar", "Authlib JAR refusals: tampered, unsigned, alg none, wrong aud, expired, other key, request_uri; outer parameters ignored")
def jar_refusals(server):
    good, _, claims = server.request_object(server.pk_id)
    header, payload, signature = good.split(".")
    changed = json.loads(b64u_decode(payload))
    changed["scope"] = "openid profile email"
    tampered = ".".join([header, b64u(json.dumps(changed).encode()), signature])
    cases = [
        ("tampered", {"request": tampered}, 400, "invalid_request_object"),
        ("unsigned (plain parameters) for the client that requires request objects",
         {"response_type": "code", "redirect_uri": REDIRECT_URI, "scope": "openid", "state": "s",
          "code_challenge": pkce_pair()[1], "code_challenge_method": "S256"}, 400, "invalid_request"),
        ("alg none", {"request": server.request_object(server.pk_id, alg="none", key=b"")[0]}, 400, "invalid_request"),
        ("aud = authorization endpoint", {"request": server.request_object(
            server.pk_id, aud=server.meta["authorization_endpoint"])[0]}, 400, "invalid_request_object"),
        ("no aud", {"request": server.request_object(server.pk_id, drop=("aud",))[0]}, 400, "invalid_request_object"),
        ("expired", {"request": server.request_object(server.pk_id, exp=int(time.time()) - 120)[0]}, 400,
         "invalid_request_object"),
        ("signed by another key", {"request": server.request_object(
            server.pk_id, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))[0]}, 400,
         "invalid_request_object"),
        ("request_uri", {"request_uri": "https://client.example/request.jwt"}, 400, "request_uri_not_supported"),
    ]
    for what, params, status, error in cases:
        response = server.authorize(client_id=server.pk_id, **params)
        expect_error(response, status, error, what)
    # Only the request object counts (RFC 9101 section 6.3): the outer state is not used.
    query = server.code(client_id=server.pk_id, request=good, state="outer", scope="openid email")
    expect(query.get("state") == claims["state"], f"state {query.get('state')} (outer parameters must be ignored)")
    # iss and jti are not checked (README); the same object again is refused only for its OpenID nonce,
    # as a redirect that carries iss.
    again = server.authorize(client_id=server.pk_id, request=good)
    expect(again.status == 302, f"replayed request object: {again!r}")
    replay = query_of(again.location)
    expect(replay.get("error") == "invalid_request" and replay.get("iss") == server.meta["issuer"]
           and replay.get("state") == claims["state"], f"replayed request object: {replay}")
    no_nonce, _, _ = server.request_object(server.pk_id, iss="someone-else", drop=("nonce",))
    server.code(client_id=server.pk_id, request=no_nonce)
    server.code(client_id=server.pk_id, request=no_nonce)


@check("jar", "Authlib JAR client_secret client: plain request, HS256 request object, client_secret_basic/_post; RAR ignored")
def jar_secret_client(server):
    verifier, challenge = pkce_pair()
    query = server.code(client_id=server.secret_id, response_type="code", redirect_uri=REDIRECT_URI,
                        scope="openid profile", state="plain-state", code_challenge=challenge, code_challenge_method="S256")
    form = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    response = server.token(form, {"Authorization": basic(server.secret_id, server.secret)})
    expect(response.status == 200, f"client_secret_basic: {response!r}")
    details = [{"type": "payment_initiation", "instructedAmount": {"currency": "EUR", "amount": "1.00"}}]
    request_object, verifier, claims = server.request_object(server.secret_id, alg="HS256", authorization_details=details)
    query = server.code(client_id=server.secret_id, request=request_object)
    expect(query.get("state") == claims["state"], f"HS256 request object: {query}")
    response = server.token({"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT_URI,
                             "code_verifier": verifier, "client_id": server.secret_id, "client_secret": server.secret})
    expect(response.status == 200 and "authorization_details" not in response.json(), f"client_secret_post: {response!r}")
    wrong, _, _ = server.request_object(server.secret_id, alg="HS256", key=b"not-the-secret")
    expect_error(server.authorize(client_id=server.secret_id, request=wrong), 400, "invalid_request_object", "HS256 wrong key")
    expect_error(server.token(form, {"Authorization": basic(server.secret_id, "wrong")}), 401, "invalid_client", "wrong secret")


def main():
    return run_checks(CHECKS, lambda env: {"idpy": Idpy(env), "jar": Jar(env)}, discovery=(idpy_discovery, jar_discovery),
                      errors=(CheckFailed, OSError, ValueError, KeyError, TypeError, AttributeError))


if __name__ == "__main__":
    sys.exit(main())
