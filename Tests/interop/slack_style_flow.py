#!/usr/bin/env python3
"""A third-party client against `oauth-harness serve slack-style`, the way Slack's own docs
describe OAuth v2 user tokens: the token endpoint answers {ok: true, authed_user: {access_token,
…}}, and errors come back as {ok: false, error} with HTTP 200. Standard library only.

Usage: slack_style_flow.py PATH/TO/oauth-harness
"""
import base64
import json
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


def call(url, form=None, headers=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def main():
    server = subprocess.Popen([sys.argv[1], "serve", "slack-style"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        name, base = server.stdout.readline().split()
        assert name == "slack-style", name
        status, headers, _ = call(base + "/oauth/v2/authorize", {
            "response_type": "code", "client_id": "slack-style-client", "redirect_uri": REDIRECT, "state": "s1",
            "scope": "identity.basic", "decision": "approve"})
        assert status == 302, status
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["Location"]).query)["code"][0]
        basic = {"Authorization": "Basic " + base64.b64encode(b"slack-style-client:slack-style-secret").decode()}
        status, _, body = call(base + "/api/oauth.v2.access", {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}, basic)
        token = json.loads(body)
        assert status == 200 and token["ok"] is True and "access_token" not in token, token
        user_token = token["authed_user"]["access_token"]
        status, _, body = call(base + "/api/users.identity", headers={"Authorization": "Bearer " + user_token})
        assert status == 200 and json.loads(body)["sub"] == "quirk-user", (status, body)
        # Replaying the code: Slack-style error, HTTP 200 with ok: false.
        status, _, body = call(base + "/api/oauth.v2.access", {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}, basic)
        error = json.loads(body)
        assert status == 200 and error == {"ok": False, "error": "invalid_grant"}, (status, error)
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=10)
    assert exit_code == 0, f"serve exited {exit_code}"
    print("interop-slack-style: 2 passed, 0 failed")


if __name__ == "__main__":
    main()
