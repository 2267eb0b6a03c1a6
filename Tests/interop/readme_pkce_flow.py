#!/usr/bin/env python3
"""A non-Swift client completing the README's authorization-code + PKCE flow.

Starts `oauth-harness serve standard-oauth2`, reads the "<profile> <base-url>" line, then
uses only the Python standard library, the endpoint paths and the client credentials the
README gives: authorize (approve), exchange the code with the verifier (public client), and
call the protected resource; also checks that a confidential client works with HTTP Basic
and that a wrong verifier is refused. Stops the server with SIGTERM and checks it exits 0.

Usage: readme_pkce_flow.py PATH/TO/oauth-harness
"""
import base64
import hashlib
import json
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

REDIRECT = "http://127.0.0.1:8400/callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def post(url, fields, headers=None):
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST")
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def authorize(base, client_id, challenge=None):
    fields = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "state": "xyz", "decision": "approve"}
    if challenge:
        fields.update(code_challenge=challenge, code_challenge_method="S256")
    status, headers, _ = post(base + "/oauth2/authorize", fields)
    assert status == 302, f"authorize: expected 302, got {status}"
    query = urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)
    assert query["state"] == ["xyz"], query
    return query["code"][0]


def main():
    binary = sys.argv[1]
    server = subprocess.Popen([binary, "serve", "standard-oauth2"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline().strip()
        name, base = line.split(" ")
        assert name == "standard-oauth2" and base.startswith("http://127.0.0.1:"), line

        verifier = secrets.token_urlsafe(32)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()

        # Public client with PKCE.
        code = authorize(base, "harness-public", challenge)
        status, _, body = post(base + "/oauth2/token", {
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": "harness-public", "code_verifier": verifier})
        assert status == 200, (status, body)
        token = json.loads(body)
        assert token["token_type"] == "Bearer" and token["access_token"], token
        request = urllib.request.Request(base + "/api/me", headers={"Authorization": "Bearer " + token["access_token"]})
        with opener.open(request, timeout=10) as response:
            me = json.loads(response.read())
        assert me["sub"] == "alice" and me["client_id"] == "harness-public", me

        # A wrong verifier is refused.
        code = authorize(base, "harness-public", challenge)
        status, _, body = post(base + "/oauth2/token", {
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": "harness-public", "code_verifier": secrets.token_urlsafe(32)})
        assert status == 400 and json.loads(body)["error"] == "invalid_grant", (status, body)

        # Confidential client with HTTP Basic.
        code = authorize(base, "harness-client")
        basic = base64.b64encode(b"harness-client:harness-secret").decode()
        status, _, body = post(base + "/oauth2/token", {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
                               headers={"Authorization": "Basic " + basic})
        assert status == 200 and json.loads(body)["access_token"], (status, body)
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=10)
    assert exit_code == 0, f"serve exited {exit_code} after SIGTERM"
    print("interop: 3 passed, 0 failed")


if __name__ == "__main__":
    main()
