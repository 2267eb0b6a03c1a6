#!/usr/bin/env python3
"""A third-party OAuth 1 client completing the README's three-legged flow.

Starts `oauth-harness serve twitter-style-oauth1`, then signs every request with oauthlib
(the OAuth library behind requests-oauthlib) using only what the README gives: endpoint
paths, consumer key and secret, callback URI. Falls back to a small standard-library signer
(and says so) when oauthlib is not installed. Stops the server with SIGTERM.

Usage: readme_oauth1_flow.py PATH/TO/oauth-harness
"""
import base64
import hashlib
import hmac
import json
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

CONSUMER, SECRET = "harness-consumer", "harness-consumer-secret"
CALLBACK = "http://127.0.0.1:8400/callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def sign_stdlib(method, url, token=None, token_secret="", verifier=None, callback=None):
    """RFC 5849 HMAC-SHA1 in the Authorization header, written from the RFC."""
    enc = lambda s: urllib.parse.quote(s, safe="-._~")
    oauth = {"oauth_consumer_key": CONSUMER, "oauth_nonce": secrets.token_hex(8), "oauth_signature_method": "HMAC-SHA1",
             "oauth_timestamp": str(int(time.time())), "oauth_version": "1.0"}
    if token: oauth["oauth_token"] = token
    if verifier: oauth["oauth_verifier"] = verifier
    if callback: oauth["oauth_callback"] = callback
    parts = urllib.parse.urlsplit(url)
    params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(oauth.items())
    normalized = "&".join(f"{k}={v}" for k, v in sorted((enc(k), enc(v)) for k, v in params))
    base = "&".join([method, enc(f"{parts.scheme}://{parts.netloc}{parts.path}"), enc(normalized)])
    key = f"{enc(SECRET)}&{enc(token_secret)}".encode()
    oauth["oauth_signature"] = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
    return {"Authorization": "OAuth " + ", ".join(f'{enc(k)}="{enc(v)}"' for k, v in oauth.items())}


def signer():
    try:
        from oauthlib.oauth1 import Client
    except ImportError:
        return "stdlib", sign_stdlib

    def sign_oauthlib(method, url, token=None, token_secret="", verifier=None, callback=None):
        client = Client(CONSUMER, client_secret=SECRET, resource_owner_key=token, resource_owner_secret=token_secret or None,
                        verifier=verifier, callback_uri=callback)
        _, headers, _ = client.sign(url, http_method=method)
        return headers

    return "oauthlib", sign_oauthlib


def call(method, url, headers=None, data=None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def main():
    name, sign = signer()
    server = subprocess.Popen([sys.argv[1], "serve", "twitter-style-oauth1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        profile, base = server.stdout.readline().split()
        assert profile == "twitter-style-oauth1", profile

        status, _, body = call("POST", base + "/oauth/request_token", sign("POST", base + "/oauth/request_token", callback=CALLBACK))
        assert status == 200, (status, body)
        temporary = dict(urllib.parse.parse_qsl(body.decode()))
        assert temporary["oauth_callback_confirmed"] == "true", temporary

        form = urllib.parse.urlencode({"oauth_token": temporary["oauth_token"], "decision": "approve"}).encode()
        status, headers, _ = call("POST", base + "/oauth/authorize", {"Content-Type": "application/x-www-form-urlencoded"}, form)
        assert status == 302, status
        callback = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["Location"]).query))
        assert callback["oauth_token"] == temporary["oauth_token"], callback

        status, _, body = call("POST", base + "/oauth/access_token",
                               sign("POST", base + "/oauth/access_token", temporary["oauth_token"], temporary["oauth_token_secret"], callback["oauth_verifier"]))
        assert status == 200, (status, body)
        access = dict(urllib.parse.parse_qsl(body.decode()))
        assert access["user_id"] == "1001", access

        url = base + "/1.1/account/verify_credentials.json?include_email=true"
        status, _, body = call("GET", url, sign("GET", url, access["oauth_token"], access["oauth_token_secret"]))
        assert status == 200 and json.loads(body)["id"] == "1001", (status, body)

        # A request signed with the wrong token secret is refused with a problem report.
        status, _, body = call("GET", url, sign("GET", url, access["oauth_token"], "wrong-secret"))
        assert status == 401 and b"oauth_problem=signature_invalid" in body, (status, body)
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=10)
    assert exit_code == 0, f"serve exited {exit_code} after SIGTERM"
    print(f"interop-oauth1 ({name}): 2 passed, 0 failed")


if __name__ == "__main__":
    main()
