#!/usr/bin/env python3
"""Checks, with the standard library only, that the providers started by providers.sh behave as
Tests/external/README.md says: every flow the Swift scenarios drive, step by step, as a browser
(cookies, HTML forms) and as a client (Basic auth, PKCE S256, RS256 ID tokens verified against the
JWKS, OAuth 1.0a HMAC-SHA1 signatures written from RFC 5849).

Usage: check_providers.py DIR [--trace]     (DIR as given to providers.sh start; reads DIR/env)
--trace prints every request with its status and Location. Each check stops at its first failed
expectation; the last line is "N passed, N failed", and the exit status 1 if any failed.
Runs with any Python 3 (no venv needed). Note: the checks log alice out at the OIDC provider,
which deletes her tokens there (see README), so do not run them alongside scenarios.
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # browser.py, beside this file
from browser import Browser, CheckFailed, expect, only_form, query_of, run_checks

CHECKS = []


def hidden_fields(form):
    return {name: value for name, value, kind in form["inputs"] if kind == "hidden"}


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def basic(client_id, secret):
    quote = lambda s: urllib.parse.quote(s, safe="")  # RFC 6749 §2.3.1: form-encode, then Basic
    token = base64.b64encode(f"{quote(client_id)}:{quote(secret)}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def verify_rs256(jwt, jwks):
    """RS256 (RSASSA-PKCS1-v1_5 with SHA-256) with integers only: the ID token's signature is real."""
    header_b64, payload_b64, signature_b64 = jwt.split(".")
    header = json.loads(b64url_decode(header_b64))
    expect(header.get("alg") == "RS256", f"id_token alg is {header.get('alg')}, not RS256")
    keys = [key for key in jwks["keys"] if key.get("kid") == header.get("kid")]
    expect(len(keys) == 1, f"no JWKS key with the id_token's kid {header.get('kid')}")
    n = int.from_bytes(b64url_decode(keys[0]["n"]), "big")
    e = int.from_bytes(b64url_decode(keys[0]["e"]), "big")
    size = (n.bit_length() + 7) // 8
    decoded = pow(int.from_bytes(b64url_decode(signature_b64), "big"), e, n).to_bytes(size, "big")
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420")
    digest = hashlib.sha256(f"{header_b64}.{payload_b64}".encode()).digest()
    expected = b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info) - len(digest)) + b"\x00" + digest_info + digest
    expect(hmac.compare_digest(decoded, expected), "id_token RS256 signature does not verify against the JWKS")
    return header, json.loads(b64url_decode(payload_b64))


def check(provider, name):
    """Registers a check of provider "oidc" or "oauth1"; checks run in the order written."""
    def register(function):
        CHECKS.append((provider, name, function))
        return function
    return register


# ---------------------------------------------------------------- django-oauth-toolkit (OIDC)

class OIDC:
    def __init__(self, env):
        self.env = env
        self.origin = env["EXTERNAL_OIDC_URL"]
        self.redirect_uri = env["EXTERNAL_REDIRECT_URI"]
        self.client = Browser()  # back-channel calls (no cookies matter)
        self.discovery = None
        self.jwks = None

    def authorize_url(self, client_id, state, nonce, challenge, scope="openid profile email read"):
        return self.discovery["authorization_endpoint"] + "?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": client_id, "redirect_uri": self.redirect_uri, "scope": scope,
            "state": state, "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"})

    def log_in(self, browser, authorize_url):
        """GET authorize -> 302 login?next= -> 200 login form -> POST -> 302 back to authorize; returns that URL."""
        status, head, _ = browser.get(authorize_url)
        location = head.get("Location", "")
        expect(status == 302 and location.startswith("/accounts/login/?next="),
               f"authorize without a session: expected 302 to /accounts/login/?next=…, got {status} {location}")
        login_url = urllib.parse.urljoin(self.origin + "/", location)
        status, _, page = browser.get(login_url)
        expect(status == 200, f"login page: {status}")
        form = only_form(page, "login page")
        names = {name: kind for name, _, kind in form["inputs"]}
        expect(names.get("username") == "text" and names.get("password") == "password"
               and names.get("csrfmiddlewaretoken") == "hidden" and names.get("next") == "hidden",
               f"login form fields: {form['inputs']}")
        fields = hidden_fields(form)
        fields.update(username=self.env["EXTERNAL_USERNAME"], password=self.env["EXTERNAL_PASSWORD"])
        status, head, _ = browser.post(urllib.parse.urljoin(login_url, form["action"] or login_url), fields)
        location = head.get("Location", "")
        expect(status == 302 and location.startswith("/o/authorize/?"),
               f"login POST: expected 302 to /o/authorize/?…, got {status} {location}")
        return urllib.parse.urljoin(self.origin + "/", location)

    def exchange(self, client_id, secret, code, verifier):
        status, _, body = self.client.post(self.discovery["token_endpoint"], {
            "grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
            "code_verifier": verifier}, headers=basic(client_id, secret))
        expect(status == 200, f"token exchange: {status} {body}")
        tokens = json.loads(body)
        expect(tokens.get("token_type") == "Bearer" and tokens.get("access_token") and tokens.get("refresh_token")
               and tokens.get("id_token"), f"token response lacks a field: {sorted(tokens)}")
        return tokens

    def check_id_token(self, id_token, client_id, nonce):
        """nonce None: a refreshed ID token, which carries no nonce (OIDC Core 12.2 allows either)."""
        _, claims = verify_rs256(id_token, self.jwks)
        expect(claims["iss"] == self.env["EXTERNAL_OIDC_ISSUER"], f"id_token iss {claims['iss']}")
        expect(claims["aud"] in (client_id, [client_id]), f"id_token aud {claims['aud']}")
        expect(claims.get("nonce") == nonce, f"id_token nonce {claims.get('nonce')}, expected {nonce}")
        expect(claims["exp"] > time.time(), "id_token already expired")
        return claims

    def introspect(self, token, auth):
        status, _, body = self.client.post(self.origin + self.env["EXTERNAL_INTROSPECT_PATH"], {"token": token}, headers=auth)
        expect(status == 200, f"introspect: {status} {body}")
        return json.loads(body)


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@check("oidc", "OIDC discovery, JWKS, RFC 8414 metadata")
def oidc_discovery(oidc):
    env = oidc.env
    status, _, body = oidc.client.get(env["EXTERNAL_OIDC_DISCOVERY"])
    expect(status == 200, f"discovery: {status}")
    oidc.discovery = document = json.loads(body)
    expect(document["issuer"] == env["EXTERNAL_OIDC_ISSUER"] == env["EXTERNAL_OIDC_URL"] + "/o",
           f"issuer {document['issuer']} vs env {env['EXTERNAL_OIDC_ISSUER']}")
    for field, path in [("authorization_endpoint", "/o/authorize/"), ("token_endpoint", "/o/token/"),
                        ("userinfo_endpoint", "/o/userinfo/"), ("jwks_uri", "/o/.well-known/jwks.json"),
                        ("end_session_endpoint", "/o/logout/")]:
        expect(document.get(field) == env["EXTERNAL_OIDC_URL"] + path, f"{field}: {document.get(field)}")
    expect("S256" in document["code_challenge_methods_supported"], "S256 not advertised")
    status, _, body = oidc.client.get(document["jwks_uri"])
    expect(status == 200, f"jwks: {status}")
    oidc.jwks = json.loads(body)
    expect(any(key.get("kty") == "RSA" and key.get("kid") for key in oidc.jwks["keys"]), "no RSA key in JWKS")
    # RFC 8414 metadata (path-component form) names the revocation and introspection endpoints.
    status, _, body = oidc.client.get(env["EXTERNAL_OIDC_URL"] + "/.well-known/oauth-authorization-server/o")
    expect(status == 200, f"RFC 8414 metadata: {status}")
    metadata = json.loads(body)
    expect(metadata["issuer"] == env["EXTERNAL_OIDC_ISSUER"]
           and metadata.get("revocation_endpoint") == env["EXTERNAL_OIDC_URL"] + env["EXTERNAL_REVOKE_PATH"]
           and metadata.get("introspection_endpoint") == env["EXTERNAL_OIDC_URL"] + env["EXTERNAL_INTROSPECT_PATH"],
           f"RFC 8414 metadata: {metadata}")


@check("oidc", "OIDC code flow + PKCE S256: login form, consent page, token, userinfo, API, refresh, introspect, revoke, logout")
def oidc_consent_flow(oidc):
    env = oidc.env
    client_id, secret = env["EXTERNAL_CLIENT_ID"], env["EXTERNAL_CLIENT_SECRET"]
    browser, state, nonce = Browser(), secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    verifier, challenge = pkce()
    authorize_url = oidc.log_in(browser, oidc.authorize_url(client_id, state, nonce, challenge))

    status, _, page = browser.get(authorize_url)
    expect(status == 200, f"authorize with a session: expected the consent page (200), got {status}")
    form = only_form(page, "consent page")
    expect(form["id"] == "authorizationForm" and ("allow", "Authorize", "submit") in form["buttons"],
           f"consent form: {form}")
    fields = hidden_fields(form)
    for name in ("csrfmiddlewaretoken", "client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
                 "code_challenge", "code_challenge_method"):
        expect(name in fields, f"consent form lacks hidden field {name}: {sorted(fields)}")
    status, head, _ = browser.post(authorize_url, dict(fields, allow="Authorize"))
    location = head.get("Location", "")
    expect(status == 302 and location.startswith(env["EXTERNAL_REDIRECT_URI"] + "?"),
           f"consent POST: expected 302 to the redirect URI, got {status} {location}")
    answer = query_of(location)
    expect(answer.get("state") == state and answer.get("code"), f"callback query: {answer}")

    tokens = oidc.exchange(client_id, secret, answer["code"], verifier)
    claims = oidc.check_id_token(tokens["id_token"], client_id, nonce)
    expect(set(tokens["scope"].split()) == {"openid", "profile", "email", "read"}, f"scope {tokens['scope']}")

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    status, _, body = oidc.client.get(oidc.discovery["userinfo_endpoint"], headers=bearer)
    expect(status == 200, f"userinfo: {status} {body}")
    info = json.loads(body)
    expect(info.get("sub") == claims["sub"] and info.get("email") == "alice@example.com"
           and info.get("preferred_username") == "alice", f"userinfo: {info}")

    api = oidc.origin + env["EXTERNAL_API_PATH"]
    status, _, body = oidc.client.get(api, headers=bearer)
    expect(status == 200 and json.loads(body).get("username") == "alice", f"GET {api}: {status} {body}")
    status, head, _ = oidc.client.get(api)
    expect(status == 401 and head.get("WWW-Authenticate", "").startswith("Bearer"), f"GET {api} without a token: {status}")

    status, _, body = oidc.client.post(oidc.discovery["token_endpoint"], {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, headers=basic(client_id, secret))
    expect(status == 200, f"refresh: {status} {body}")
    refreshed = json.loads(body)
    expect(refreshed["access_token"] != tokens["access_token"] and refreshed["refresh_token"] != tokens["refresh_token"],
           "refresh did not rotate the tokens")
    expect(refreshed.get("id_token"), "refresh answered without an id_token")
    refreshed_claims = oidc.check_id_token(refreshed["id_token"], client_id, None)
    expect(refreshed_claims["sub"] == claims["sub"], "refreshed id_token has another sub")
    status, _, body = oidc.client.post(oidc.discovery["token_endpoint"], {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, headers=basic(client_id, secret))
    expect(status == 400 and json.loads(body).get("error") == "invalid_grant",
           f"reusing a rotated refresh token: expected 400 invalid_grant, got {status} {body}")

    auth = basic(client_id, secret)
    old = oidc.introspect(tokens["access_token"], auth)
    expect(old == {"active": False}, f"introspect the access token replaced by refresh: {old}")
    live = oidc.introspect(refreshed["access_token"], auth)
    expect(live.get("active") is True and live.get("client_id") == client_id and live.get("username") == "alice",
           f"introspect a live token: {live}")
    by_cc = oidc.introspect(refreshed["access_token"], basic(env["EXTERNAL_CC_CLIENT_ID"], env["EXTERNAL_CC_CLIENT_SECRET"]))
    expect(by_cc.get("active") is True, f"introspect with another client's credentials: {by_cc}")
    status, _, _ = oidc.client.post(oidc.origin + env["EXTERNAL_INTROSPECT_PATH"], {"token": refreshed["access_token"]},
                                    headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    expect(status == 403, f"introspect with a Bearer token lacking the introspection scope: expected 403, got {status}")
    status, _, _ = oidc.client.post(oidc.origin + env["EXTERNAL_INTROSPECT_PATH"], {"token": refreshed["access_token"]},
                                    headers=basic(client_id, "wrong-secret"))
    expect(status == 403, f"introspect with a wrong client secret: expected 403, got {status}")

    # Revoking the refresh token (RFC 7009) also deletes the access token minted with it.
    status, _, body = oidc.client.post(oidc.origin + env["EXTERNAL_REVOKE_PATH"], {
        "token": refreshed["refresh_token"], "token_type_hint": "refresh_token"}, headers=auth)
    expect(status == 200 and body == "", f"revoke a refresh token: {status} {body!r}")
    expect(oidc.introspect(refreshed["access_token"], auth) == {"active": False},
           "the access token of a revoked refresh token is still active")
    status, head, _ = oidc.client.get(api, headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    expect(status == 401 and 'error="invalid_token"' in head.get("WWW-Authenticate", ""),
           f"GET {api} with a revoked token: {status} {head.get('WWW-Authenticate')}")
    status, _, body = oidc.client.post(oidc.discovery["token_endpoint"], {
        "grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]}, headers=auth)
    expect(status == 400 and json.loads(body).get("error") == "invalid_grant",
           f"refresh with a revoked refresh token: expected 400 invalid_grant, got {status} {body}")

    # RP-initiated logout with the session and the newest ID token: no prompt, straight to the
    # post-logout URI with state.
    logout = oidc.discovery["end_session_endpoint"] + "?" + urllib.parse.urlencode({
        "id_token_hint": refreshed["id_token"], "post_logout_redirect_uri": env["EXTERNAL_POST_LOGOUT_REDIRECT_URI"],
        "state": "xyz"})
    status, head, _ = browser.get(logout)
    expected = env["EXTERNAL_POST_LOGOUT_REDIRECT_URI"] + "?state=xyz"
    expect(status == 302 and head.get("Location") == expected,
           f"logout: expected 302 to {expected}, got {status} {head.get('Location')}")
    status, head, _ = browser.get(oidc.authorize_url(client_id, "s", "n", challenge))
    expect(status == 302 and head.get("Location", "").startswith("/accounts/login/"),
           f"after logout, authorize should ask for the login again: {status} {head.get('Location')}")


@check("oidc", "OIDC skip_authorization client: immediate redirect after login, revoke, prompt=none, consent denial, logout")
def oidc_auto_flow(oidc):
    env = oidc.env
    client_id, secret = env["EXTERNAL_AUTO_CLIENT_ID"], env["EXTERNAL_AUTO_CLIENT_SECRET"]
    browser, state, nonce = Browser(), secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    verifier, challenge = pkce()
    authorize_url = oidc.log_in(browser, oidc.authorize_url(client_id, state, nonce, challenge))
    status, head, _ = browser.get(authorize_url)
    location = head.get("Location", "")
    expect(status == 302 and location.startswith(env["EXTERNAL_REDIRECT_URI"] + "?"),
           f"authorize (skip_authorization) with a session: expected 302 to the redirect URI, got {status} {location}")
    answer = query_of(location)
    expect(answer.get("state") == state, f"callback query: {answer}")
    tokens = oidc.exchange(client_id, secret, answer["code"], verifier)
    oidc.check_id_token(tokens["id_token"], client_id, nonce)

    # Revoking the access token (RFC 7009) orphans its refresh token: DOT 3.4.1 then refuses it.
    auth = basic(client_id, secret)
    status, _, body = oidc.client.post(oidc.origin + env["EXTERNAL_REVOKE_PATH"], {
        "token": tokens["access_token"], "token_type_hint": "access_token"}, headers=auth)
    expect(status == 200 and body == "", f"revoke an access token: {status} {body!r}")
    expect(oidc.introspect(tokens["access_token"], auth) == {"active": False}, "revoked access token still active")
    status, head, _ = oidc.client.get(oidc.discovery["userinfo_endpoint"],
                                      headers={"Authorization": f"Bearer {tokens['access_token']}"})
    expect(status == 401, f"userinfo with a revoked token: expected 401, got {status}")
    status, _, body = oidc.client.post(oidc.discovery["token_endpoint"], {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, headers=auth)
    expect(status == 400 and json.loads(body).get("error") == "invalid_grant",
           f"refresh after revoking its access token: expected 400 invalid_grant, got {status} {body}")
    status, _, body = oidc.client.post(oidc.origin + env["EXTERNAL_REVOKE_PATH"], {"token": "no-such-token"}, headers=auth)
    expect(status == 200, f"revoking an unknown token: expected 200 (RFC 7009 2.2), got {status} {body}")

    # prompt=none (silent authentication): a code with the session for this client, consent_required
    # for the consent client, login_required without a session.
    for who, silent_browser, silent_client, expected in [
            ("session, skip_authorization client", browser, client_id, "code"),
            ("session, consent client", browser, env["EXTERNAL_CLIENT_ID"], "consent_required"),
            ("no session", Browser(), client_id, "login_required")]:
        status, head, _ = silent_browser.get(oidc.authorize_url(silent_client, "silent", "n3", challenge) + "&prompt=none")
        answer = query_of(head.get("Location", ""))
        got = "code" if answer.get("code") else answer.get("error")
        expect(status == 302 and head.get("Location", "").startswith(env["EXTERNAL_REDIRECT_URI"] + "?")
               and got == expected and answer.get("state") == "silent",
               f"prompt=none ({who}): expected {expected}, got {status} {head.get('Location')}")

    # Same session, the consent client: the consent page again (prompt is forced), and Cancel denies.
    _, challenge2 = pkce()
    consent_url = oidc.authorize_url(env["EXTERNAL_CLIENT_ID"], "deny-state", "n2", challenge2)
    status, _, page = browser.get(consent_url)
    expect(status == 200, f"consent page for the second client: {status}")
    fields = hidden_fields(only_form(page, "consent page"))
    status, head, _ = browser.post(consent_url, fields)  # no "allow": the Cancel button
    answer = query_of(head.get("Location", ""))
    expect(status == 302 and answer.get("error") == "access_denied" and answer.get("state") == "deny-state",
           f"consent denied: expected 302 to the redirect URI with error=access_denied, got {status} {head.get('Location')}")

    # Logout without the session cookie (a back-channel-ish GET): nothing to prompt for, redirect anyway.
    logout = oidc.discovery["end_session_endpoint"] + "?" + urllib.parse.urlencode({
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": env["EXTERNAL_POST_LOGOUT_REDIRECT_URI"],
        "state": "abc"})
    status, head, _ = Browser().get(logout)
    expect(status == 302 and head.get("Location") == env["EXTERNAL_POST_LOGOUT_REDIRECT_URI"] + "?state=abc",
           f"logout without a session: {status} {head.get('Location')}")


@check("oidc", "OIDC client_credentials grant")
def oidc_client_credentials(oidc):
    env = oidc.env
    auth = basic(env["EXTERNAL_CC_CLIENT_ID"], env["EXTERNAL_CC_CLIENT_SECRET"])
    status, _, body = oidc.client.post(oidc.discovery["token_endpoint"], {"grant_type": "client_credentials",
                                                                           "scope": "read write"}, headers=auth)
    expect(status == 200, f"client_credentials: {status} {body}")
    tokens = json.loads(body)
    expect(tokens.get("access_token") and tokens.get("scope") == "read write" and "refresh_token" not in tokens,
           f"client_credentials response: {tokens}")
    info = oidc.introspect(tokens["access_token"], auth)
    expect(info.get("active") is True and info.get("client_id") == env["EXTERNAL_CC_CLIENT_ID"], f"introspect: {info}")
    status, _, body = oidc.client.get(oidc.origin + env["EXTERNAL_API_PATH"],
                                      headers={"Authorization": f"Bearer {tokens['access_token']}"})
    expect(status == 200 and json.loads(body) == {"username": None}, f"API with a client_credentials token: {status} {body}")
    status, _, body = oidc.client.post(oidc.discovery["token_endpoint"], {"grant_type": "client_credentials"},
                                       headers=basic(env["EXTERNAL_CC_CLIENT_ID"], "wrong"))
    expect(status == 401 and json.loads(body).get("error") == "invalid_client", f"wrong secret: {status} {body}")


# ---------------------------------------------------------------- Authlib (OAuth 1.0a)

class OAuth1:
    def __init__(self, env):
        self.env = env
        self.origin = env["EXTERNAL_OAUTH1_URL"]
        self.client = Browser()

    def sign(self, method, url, token=None, token_secret="", extra=None, nonce=None, timestamp=None, body=None):
        """RFC 5849 §3.4 HMAC-SHA1, parameters in the Authorization header."""
        enc = lambda s: urllib.parse.quote(s, safe="-._~")
        oauth = {"oauth_consumer_key": self.env["EXTERNAL_OAUTH1_CLIENT_KEY"],
                 "oauth_nonce": nonce or secrets.token_hex(12), "oauth_signature_method": "HMAC-SHA1",
                 "oauth_timestamp": str(timestamp or int(time.time())), "oauth_version": "1.0"}
        if token:
            oauth["oauth_token"] = token
        oauth.update(extra or {})
        parts = urllib.parse.urlsplit(url)
        params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list((body or {}).items()) + list(oauth.items())
        normalized = "&".join(f"{k}={v}" for k, v in sorted((enc(k), enc(v)) for k, v in params))
        base = "&".join([method, enc(f"{parts.scheme}://{parts.netloc}{parts.path}"), enc(normalized)])
        key = f"{enc(self.env['EXTERNAL_OAUTH1_CLIENT_SECRET'])}&{enc(token_secret)}".encode()
        oauth["oauth_signature"] = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
        return {"Authorization": "OAuth " + ", ".join(f'{enc(k)}="{enc(v)}"' for k, v in oauth.items())}

    def temporary_credentials(self):
        url = self.origin + self.env["EXTERNAL_OAUTH1_REQUEST_TOKEN_PATH"]
        headers = self.sign("POST", url, extra={"oauth_callback": self.env["EXTERNAL_REDIRECT_URI"]})
        status, head, body = self.client.post(url, {}, headers=headers)
        expect(status == 200, f"request_token: {status} {body}")
        answer = dict(urllib.parse.parse_qsl(body))
        expect(answer.get("oauth_callback_confirmed") == "true" and answer.get("oauth_token")
               and answer.get("oauth_token_secret"), f"request_token answer: {body}")
        expect(head.get("Content-Type", "").startswith("application/x-www-form-urlencoded"),
               f"request_token Content-Type {head.get('Content-Type')}")
        return answer

    def consent_page(self, browser, token, log_in):
        authorize = f"{self.origin}/oauth/authorize?" + urllib.parse.urlencode({"oauth_token": token})
        status, _, page = browser.get(authorize)
        expect(status == 200, f"authorize: {status}")
        if log_in:
            form = only_form(page, "OAuth 1 login page")
            names = {name: kind for name, _, kind in form["inputs"]}
            expect(form["action"] == "/login" and names == {"csrf_token": "hidden", "next": "hidden",
                   "username": "text", "password": "password"}, f"OAuth 1 login form: {form}")
            fields = dict(hidden_fields(form), username=self.env["EXTERNAL_USERNAME"],
                          password=self.env["EXTERNAL_PASSWORD"])
            status, head, _ = browser.post(self.origin + "/login", fields)
            location = head.get("Location", "")
            expect(status == 302 and location == "/oauth/authorize?oauth_token=" + urllib.parse.quote(token),
                   f"OAuth 1 login POST: expected 302 to /oauth/authorize?oauth_token=…, got {status} {location}")
            status, _, page = browser.get(self.origin + location)
            expect(status == 200, f"authorize after login: {status}")
        form = only_form(page, "OAuth 1 consent page")
        expect(form["action"] == "/oauth/authorize" and ("confirm", "Authorize", "submit") in form["buttons"]
               and ("deny", "Deny", "submit") in form["buttons"], f"OAuth 1 consent form: {form}")
        fields = hidden_fields(form)
        expect(fields.get("oauth_token") == token and fields.get("csrf_token"), f"consent hidden fields: {fields}")
        return fields


@check("oauth1", "OAuth 1.0a three-legged flow: request_token, login form, consent page, access_token, /api/me")
def oauth1_flow(oauth1):
    env = oauth1.env
    temporary = oauth1.temporary_credentials()
    browser = Browser()
    fields = oauth1.consent_page(browser, temporary["oauth_token"], log_in=True)
    status, head, _ = browser.post(oauth1.origin + "/oauth/authorize", dict(fields, confirm="Authorize"))
    location = head.get("Location", "")
    expect(status == 302 and location.startswith(env["EXTERNAL_REDIRECT_URI"] + "?"),
           f"consent POST: expected 302 to the callback, got {status} {location}")
    answer = query_of(location)
    expect(answer.get("oauth_token") == temporary["oauth_token"] and answer.get("oauth_verifier"), f"callback: {answer}")

    url = oauth1.origin + env["EXTERNAL_OAUTH1_ACCESS_TOKEN_PATH"]
    headers = oauth1.sign("POST", url, temporary["oauth_token"], temporary["oauth_token_secret"],
                          extra={"oauth_verifier": answer["oauth_verifier"]})
    status, _, body = oauth1.client.post(url, {}, headers=headers)
    expect(status == 200, f"access_token: {status} {body}")
    credentials = dict(urllib.parse.parse_qsl(body))
    expect(credentials.get("oauth_token") and credentials.get("oauth_token_secret"), f"access_token answer: {body}")

    url = oauth1.origin + env["EXTERNAL_OAUTH1_API_PATH"]
    nonce, timestamp = secrets.token_hex(12), int(time.time())
    headers = oauth1.sign("GET", url, credentials["oauth_token"], credentials["oauth_token_secret"],
                          nonce=nonce, timestamp=timestamp)
    status, _, body = oauth1.client.get(url, headers=headers)
    expect(status == 200 and json.loads(body).get("username") == "alice", f"/api/me: {status} {body}")
    status, _, body = oauth1.client.get(url, headers=headers)  # the same nonce and timestamp again
    expect(status == 401 and "invalid_nonce" in body, f"replayed request: expected 401 invalid_nonce, got {status} {body}")
    headers = oauth1.sign("GET", url + "?x=1", credentials["oauth_token"], credentials["oauth_token_secret"])
    status, _, body = oauth1.client.get(url, headers=headers)  # signed for another URL
    expect(status == 401 and "invalid_signature" in body, f"bad signature: expected 401 invalid_signature, got {status} {body}")
    headers = oauth1.sign("GET", url, credentials["oauth_token"], credentials["oauth_token_secret"],
                          timestamp=int(time.time()) - 3600)
    status, _, body = oauth1.client.get(url, headers=headers)
    expect(status == 400 and "oauth_timestamp" in body, f"stale timestamp: expected 400, got {status} {body}")
    # A query parameter signed properly is accepted (it is part of the signature base string).
    headers = oauth1.sign("GET", url + "?x=1", credentials["oauth_token"], credentials["oauth_token_secret"])
    status, _, body = oauth1.client.get(url + "?x=1", headers=headers)
    expect(status == 200, f"/api/me?x=1: {status} {body}")

    # The session is kept: a second authorization shows the consent page at once; Deny answers access_denied.
    second = oauth1.temporary_credentials()
    fields = oauth1.consent_page(browser, second["oauth_token"], log_in=False)
    status, head, _ = browser.post(oauth1.origin + "/oauth/authorize", dict(fields, deny="Deny"))
    answer = query_of(head.get("Location", ""))
    expect(status == 302 and answer.get("error") == "access_denied", f"deny: {status} {head.get('Location')}")
    # An unregistered callback is refused at the request_token step.
    url = oauth1.origin + env["EXTERNAL_OAUTH1_REQUEST_TOKEN_PATH"]
    status, _, body = oauth1.client.post(url, {}, headers=oauth1.sign("POST", url, extra={"oauth_callback": "http://evil.example/cb"}))
    expect(status == 400 and "invalid_request" in body, f"unregistered callback: {status} {body}")


def main():
    return run_checks(CHECKS, lambda env: {"oidc": OIDC(env), "oauth1": OAuth1(env)}, discovery=(oidc_discovery,),
                      errors=(CheckFailed, OSError, ValueError, KeyError))


if __name__ == "__main__":
    sys.exit(main())
