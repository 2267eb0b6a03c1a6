#!/usr/bin/env python3
"""The checks of Tests/hostile/run.sh (standard library, plus PyYAML for `profile`).

  verify.py selftest ORIGIN                      the hostile provider behaves as documented (a standard-library client)
  verify.py reset ORIGIN                         clears every tenant's counters and pressed buttons
  verify.py stat ORIGIN TENANT KEY               prints one counter of a tenant (0 when unset)
  verify.py leaks ISSUED PATH...                 no secret, issued value or MARK- fragment in any file under PATH
  verify.py profile PROFILE.yaml                 a profile written from the inject tenant kept its data as data
  verify.py serve-probe BINARY PROFILES NAME OUT serves the written profile and asks its authorization endpoint
                                                 whether it approves at once (auto_approve injected)
  verify.py pressed BASE                         the consent tenant's button presses: allow, never revoke
  verify.py nothing-pressed BASE                 no button was pressed at all (the ambiguous tenant)
  verify.py junit-names JUNIT TEXT...            the JUnit file has a failure whose message names every TEXT

Each prints its findings, one a line, and exits 0 (as expected) or 1 (not).
"""
import base64
import hashlib
import html.parser
import http.client
import json
import os
import re
import secrets
import select
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provider  # noqa: E402  (the markers, hostile values and sizes: one source of truth)

TIMEOUT = 20


def fail(message):
    print(f"  problem: {message}")
    return False


def ok(message):
    print(f"  ok: {message}")
    return True


# MARK: HTTP, forms


def request(method, url, body=None, headers=None, timeout=TIMEOUT):
    """One exchange, redirects not followed: (status, headers dict lower-cased, body bytes)."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname == "127.0.0.1", f"loopback only: {url}"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if isinstance(body, dict) or isinstance(body, list):
            body = urllib.parse.urlencode(body)
            headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


def get_json(url):
    status, _, data = request("GET", url)
    if status != 200:
        raise AssertionError(f"GET {url} answered {status}")
    return json.loads(data)


class Forms(html.parser.HTMLParser):
    """Forms with their inputs and buttons (name, value, text), as a browser would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.current = None
        self.button = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = {"action": attrs.get("action"), "method": (attrs.get("method") or "get").lower(), "inputs": [], "buttons": []}
            self.forms.append(self.current)
        elif self.current is not None and tag == "input" and "form" not in attrs:
            self.current["inputs"].append((attrs.get("type") or "text", attrs.get("name"), attrs.get("value") or ""))
        elif self.current is not None and tag == "button":
            self.button = [attrs.get("name"), attrs.get("value") or "", ""]
            self.current["buttons"].append(self.button)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "button":
            self.button = None

    def handle_data(self, data):
        if self.button is not None:
            self.button[2] += data


def forms_of(body):
    parser = Forms()
    parser.feed(body.decode("utf-8"))
    return parser.forms


def query_of(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query, keep_blank_values=True))


def basic():
    pair = f"{provider.CLIENT_ID}:{provider.CLIENT_SECRET}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


# MARK: selftest


def sign_in(origin, tenant, password=provider.PASSWORD):
    """Authorize → login page → POST login: (consent form or login page, PKCE verifier, state)."""
    base = f"{origin}/{tenant}"
    verifier = secrets.token_urlsafe(40)
    state = secrets.token_urlsafe(8)
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": provider.CLIENT_ID,
            "redirect_uri": provider.REDIRECT_URI,
            "state": state,
            "scope": "profile",
            "code_challenge": provider.b64url_sha256(verifier),
            "code_challenge_method": "S256",
        }
    )
    status, _, body = request("GET", f"{base}/authorize?{query}")
    assert status == 200, f"{tenant}: authorize answered {status}"
    login = [form for form in forms_of(body) if any(kind == "password" for kind, _, _ in form["inputs"])]
    assert len(login) == 1, f"{tenant}: {len(login)} login forms"
    fields = [(name, value) for kind, name, value in login[0]["inputs"] if kind == "hidden"]
    fields += [("username", provider.USERNAME), ("password", password)]
    status, _, body = request("POST", origin + login[0]["action"], fields)
    assert status == 200, f"{tenant}: login answered {status}"
    return forms_of(body), verifier, state, len(body)


def code_for(origin, tenant):
    forms, verifier, state, _ = sign_in(origin, tenant)
    assert len(forms) == 1 and forms[0]["buttons"], f"{tenant}: no consent form"
    ticket = [(name, value) for kind, name, value in forms[0]["inputs"] if kind == "hidden"]
    status, headers, _ = request("POST", origin + forms[0]["action"], ticket + [("decision", "allow")])
    assert status == 302, f"{tenant}: consent answered {status}"
    answer = query_of(headers["location"])
    assert headers["location"].startswith(provider.REDIRECT_URI + "?"), f"{tenant}: redirected elsewhere"
    assert answer.get("state") == state and answer.get("iss") == f"{origin}/{tenant}", f"{tenant}: state or iss wrong: {answer}"
    assert provider.MARK in answer.get("code", ""), f"{tenant}: no code"
    return answer["code"], verifier


def exchange(origin, tenant, code, verifier, as_json=False):
    parameters = {"grant_type": "authorization_code", "code": code, "redirect_uri": provider.REDIRECT_URI, "code_verifier": verifier}
    if as_json:
        body = json.dumps(parameters)
        return request("POST", f"{origin}/{tenant}/token", body, {"Content-Type": "application/json", **basic()})
    return request("POST", f"{origin}/{tenant}/token", parameters, basic())


def selftest(origin):
    good = True
    for tenant in provider.TENANTS:
        base = f"{origin}/{tenant}"
        for where in (f"{base}/.well-known/openid-configuration", f"{base}/.well-known/oauth-authorization-server",
                      f"{origin}/.well-known/oauth-authorization-server/{tenant}"):
            document = get_json(where)
            assert document["issuer"] == base, f"{where}: issuer {document['issuer']}"
    document = get_json(f"{origin}/inject/.well-known/openid-configuration")
    assert document["end_session_endpoint"].endswith("\nauto_approve: true")
    assert document["revocation_endpoint"].endswith("/revoke\n  evil: /x")
    good &= ok("discovery: every tenant's issuer is its base URL, at all three locations; inject's endpoints carry YAML")

    # A whole flow on a plain tenant (inject): PKCE, token, UserInfo, refresh rotation, revocation, introspection.
    code, verifier = code_for(origin, "inject")
    status, _, body = exchange(origin, "inject", code, "wrong-" + verifier)
    assert status == 400 and json.loads(body)["error"] == "invalid_grant", "a wrong verifier was accepted"
    code, verifier = code_for(origin, "inject")
    status, headers, body = exchange(origin, "inject", code, verifier)
    token = json.loads(body)
    assert status == 200 and headers.get("cache-control") == "no-store", f"token: {status}"
    assert token["token_type"] == "Bearer" and provider.MARK in token["access_token"] and provider.MARK in token["refresh_token"]
    status, _, body = exchange(origin, "inject", code, verifier)
    assert status == 400 and json.loads(body)["error"] == "invalid_grant", "a code was exchanged twice"
    status, _, body = request("GET", f"{origin}/inject/userinfo", headers={"Authorization": "Bearer " + token["access_token"]})
    assert status == 401, "a reused code did not revoke the token it gave"
    code, verifier = code_for(origin, "inject")
    token = json.loads(exchange(origin, "inject", code, verifier)[2])
    status, _, body = request("GET", f"{origin}/inject/userinfo", headers={"Authorization": "Bearer " + token["access_token"]})
    assert status == 200 and json.loads(body) == provider.INJECT_CLAIMS, "inject's UserInfo"
    status, headers, _ = request("GET", f"{origin}/inject/userinfo")
    assert status == 401 and headers.get("www-authenticate", "").startswith("Bearer"), "UserInfo without a token"
    refreshed = request("POST", f"{origin}/inject/token", {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}, basic())
    assert refreshed[0] == 200, "refresh"
    again = request("POST", f"{origin}/inject/token", {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}, basic())
    assert again[0] == 400, "a rotated refresh token still works"
    wrong = request("POST", f"{origin}/inject/token", {"grant_type": "refresh_token", "refresh_token": "x"},
                    {"Authorization": "Basic " + base64.b64encode(b"hostile-client:wrong").decode()})
    assert wrong[0] == 401 and "www-authenticate" in wrong[1], "a wrong client secret"
    new = json.loads(refreshed[2])
    status, _, body = request("POST", f"{origin}/inject/introspect", {"token": new["access_token"]}, basic())
    assert status == 200 and json.loads(body)["active"] is True, "introspection of a live token"
    assert request("POST", f"{origin}/inject/revoke", {"token": new["refresh_token"]}, basic())[0] == 200, "revocation"
    status, _, body = request("POST", f"{origin}/inject/introspect", {"token": new["access_token"]}, basic())
    assert json.loads(body)["active"] is False, "revoking the refresh token left its access token active"
    forms, _, _, _ = sign_in(origin, "inject", password="wrong-password")
    assert any(kind == "password" for form in forms for kind, _, _ in form["inputs"]), "a wrong password did not show the login page again"
    good &= ok("inject: login, consent, PKCE S256, code single use, UserInfo = the hostile claims, refresh rotation, "
               "revocation, introspection, wrong password/secret/verifier refused")

    # leak: a form request gets the secrets in error_description; JSON gets tokens with token_type Bearer-<refresh token>.
    code, verifier = code_for(origin, "leak")
    status, _, body = exchange(origin, "leak", code, verifier)
    refusal = json.loads(body)
    assert status == 400 and refusal["error"] == "invalid_client", "leak: a form request was not refused"
    assert provider.CLIENT_SECRET in refusal["error_description"] and provider.PASSWORD in refusal["error_description"]
    status, _, body = exchange(origin, "leak", code, verifier, as_json=True)
    token = json.loads(body)
    assert status == 200 and token["token_type"] == "Bearer-" + token["refresh_token"], f"leak JSON: {status}"
    status, _, body = request("GET", f"{origin}/leak/userinfo", headers={"Authorization": "Bearer " + token["access_token"]})
    claims = json.loads(body)
    assert status == 200 and claims["name"] == token["access_token"] and claims["locale"] == token["refresh_token"]
    assert claims["nickname"] == provider.PASSWORD and claims["website"] == provider.CLIENT_SECRET
    good &= ok("leak: form → 400 with the secret and password in error_description; JSON → token_type Bearer-<refresh token>; "
               "UserInfo echoes the access token, refresh token, password and secret")

    # flood: the token answer's size and members.
    code, verifier = code_for(origin, "flood")
    status, _, body = exchange(origin, "flood", code, verifier)
    token = json.loads(body)
    extra = [name for name in token if name.startswith("x_token_")]
    assert status == 200 and len(extra) == provider.FLOOD_N and "x_token_000001" in token
    assert len({token[name] for name in extra}) == len(extra) and all(len(token[name]) == 24 for name in extra)
    assert len(body) < 4 << 20, f"the flood answer ({len(body)} bytes) is over the harness's 4 MiB body cap"
    good &= ok(f"flood: {len(extra)} distinct 24-character x_token_* members, {len(body)} bytes (< 4 MiB)")

    # forms: the page is mostly junk, and a correct parser still finds one login form.
    forms, _, _, _ = sign_in(origin, "forms")
    assert len(forms) == 1 and [b[1] for b in forms[0]["buttons"]] == ["allow", "deny"], "forms: consent page"
    status, _, body = request("GET", f"{origin}/forms/authorize?" + urllib.parse.urlencode(
        {"response_type": "code", "client_id": provider.CLIENT_ID, "redirect_uri": provider.REDIRECT_URI, "state": "s"}))
    assert body.count(provider.FORMS_JUNK.encode()) == provider.FORMS_REPEAT
    good &= ok(f"forms: {provider.FORMS_REPEAT} junk forms and orphan inputs ({len(body)} bytes), then one working login form")

    # consent / ambiguous: the buttons, in order (not pressed here: the driver reads what the harness pressed).
    forms, _, _, _ = sign_in(origin, "consent")
    buttons = [tuple(b) for b in forms[0]["buttons"]]
    assert len(forms) == 1 and buttons == [("action", "revoke", "Revoke all tokens"), ("action", "allow", "Allow")], buttons
    forms, _, _, _ = sign_in(origin, "ambiguous")
    buttons = [tuple(b) for b in forms[0]["buttons"]]
    assert len(forms) == 1 and buttons == [("choice", "a", "Option A"), ("choice", "b", "Option B")], buttons
    good &= ok("consent: one form, 'Revoke all tokens' then 'Allow'; ambiguous: one form, 'Option A' then 'Option B'")

    status, _, body = request("GET", f"{origin}/inject/authorize?client_id=evil&redirect_uri=http://127.0.0.1:9/x&response_type=code")
    assert status == 400, "an unknown client got a redirect"
    status, headers, _ = request("GET", f"{origin}/inject/authorize?" + urllib.parse.urlencode(
        {"client_id": provider.CLIENT_ID, "redirect_uri": provider.REDIRECT_URI, "response_type": "token", "state": "s"}))
    assert status == 302 and query_of(headers["location"]) .get("error") == "unsupported_response_type"
    good &= ok("errors: unknown client → error page, unknown response_type → redirect with the error and state")
    reset(origin)
    return good


def reset(origin):
    for tenant in provider.TENANTS:
        assert request("POST", f"{origin}/{tenant}/_reset", b"")[0] == 200
    return True


# MARK: leaks


def needles(issued_path):
    """(text, label) pairs to search for: the fixed markers and every issued value, raw, base64
    (standard and URL-safe, padded or not) and percent-encoded, and the client's Basic credentials."""
    values = [(provider.CLIENT_SECRET, "the client secret"), (provider.PASSWORD, "the test user's password")]
    if os.path.exists(issued_path):
        with open(issued_path, encoding="utf-8", errors="replace") as issued:
            for line in issued:
                value = line.strip()
                if value:
                    kind = value.split("-", 1)[0]
                    label = {"ATOKEN": "an issued access token", "RTOKEN": "an issued refresh token", "CODE": "an issued code"}.get(kind, "an issued value")
                    values.append((value, label))
    found = {}
    for value, label in values:
        raw = value.encode()
        forms = [
            (value, label),
            (urllib.parse.quote(value, safe=""), label + " (percent-encoded)"),
            (urllib.parse.quote_plus(value), label + " (form-encoded)"),
            (base64.b64encode(raw).decode(), label + " (base64)"),
            (base64.b64encode(raw).decode().rstrip("="), label + " (base64)"),
            (base64.urlsafe_b64encode(raw).decode().rstrip("="), label + " (base64url)"),
        ]
        for text, what in forms:  # the first spelling's label wins where spellings coincide
            found.setdefault(text, what)
    pair = f"{provider.CLIENT_ID}:{provider.CLIENT_SECRET}".encode()
    found.setdefault(base64.b64encode(pair).decode(), "the client's Basic credentials (base64)")
    # "MARK-" inside base64 at any of the three byte alignments: the characters fully determined by it.
    for alignment in range(3):
        for encode, name in ((base64.b64encode, "base64"), (base64.urlsafe_b64encode, "base64url")):
            encoded = encode(b"\0" * alignment + b"MARK-").decode()
            first, last = -(-8 * alignment // 6), (8 * alignment + 40) // 6
            found.setdefault(encoded[first:last], f"a -MARK- value in {name}")
    found.setdefault("MARK-", "a -MARK- value or fragment")
    return found


def leaks(issued_path, paths):
    table = needles(issued_path)
    files = []
    for path in paths:
        if os.path.isdir(path):
            for directory, _, names in os.walk(path):
                files += [os.path.join(directory, name) for name in sorted(names)]
        elif os.path.exists(path):
            files.append(path)
    hits = []
    for file in sorted(set(files)):
        with open(file, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        seen_lines = {}
        for needle, label in table.items():
            if needle not in text:
                continue
            at = text.find(needle)
            while at >= 0:
                line = _bisect(starts, at) + 1
                # one report per line and position; the most specific label wins (longest needle)
                existing = seen_lines.get(line)
                if existing is None or len(needle) > len(existing[0]):
                    excerpt = text[max(0, at - 40): at + len(needle) + 40].replace("\n", "\\n").replace("\r", "\\r")
                    seen_lines[line] = (needle, label, excerpt)
                at = text.find(needle, at + 1)
        for line, (_, label, excerpt) in sorted(seen_lines.items()):
            hits.append((file, line, label, excerpt))
    for file, line, label, excerpt in hits[:60]:
        print(f"  leak: {file}:{line}: {label}: …{excerpt}…")
    if len(hits) > 60:
        print(f"  leak: … and {len(hits) - 60} more lines")
    if hits:
        return fail(f"{len(hits)} line(s) in {len({h[0] for h in hits})} of {len(files)} file(s) show a secret, an issued value or a MARK- fragment")
    return ok(f"{len(files)} file(s) searched for {len(table)} forms of the secrets and issued values: none found")


def _bisect(starts, position):
    low, high = 0, len(starts)
    while low + 1 < high:
        middle = (low + high) // 2
        if starts[middle] <= position:
            low = middle
        else:
            high = middle
    return low


# MARK: profile


# The keys `--write-profile` writes: what the check saw (ProviderTraits) — paths, clients, the
# user, scopes, lifetime, refresh behaviour, listed grants and PKCE methods, quirks.
ALLOWED_TOP = {"name", "models", "protocol", "endpoints", "clients", "users", "oidc", "scopes", "refresh_tokens", "quirks",
               "lifetimes", "refresh_token_rotation", "grant_types", "pkce", "token_exchange"}


def keys_anywhere(node, path="$"):
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{path}.{key}", key
            yield from keys_anywhere(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from keys_anywhere(value, f"{path}[{index}]")


def profile(path):
    try:
        import yaml
    except ImportError:
        return fail("PyYAML is missing (python3 -m pip install pyyaml)")
    if not os.path.exists(path):
        return fail(f"no profile was written at {path}")
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8", errors="replace")
    # Lines the hostile strings would add if written unquoted (seen even when the YAML is broken).
    injected_lines = [
        f"line {number}: {line!r}" for number, line in enumerate(text.splitlines(), 1)
        if re.match(r"(auto_approve|\s+evil)\s*:", line)
    ]
    if injected_lines:
        fail(f"lines injected by the provider's strings: {'; '.join(injected_lines)}")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return fail(f"the written profile is not valid YAML (the hostile strings broke it): {str(error).splitlines()[0]} "
                    f"{' '.join(str(error).split())[:200]}")
    if not isinstance(document, dict):
        return fail(f"the profile is not a mapping but {type(document).__name__}")
    good = not injected_lines
    extra = sorted(set(map(str, document)) - ALLOWED_TOP)
    good &= fail(f"top-level keys outside the writer's set: {extra}") if extra else ok(f"top-level keys: {sorted(document)}")
    injected = [where for where, key in keys_anywhere(document) if str(key) in ("auto_approve", "evil")]
    good &= fail(f"injected keys: {injected}") if injected else ok("no auto_approve or evil key anywhere")
    endpoints = document.get("endpoints")
    if not isinstance(endpoints, dict):
        good &= fail(f"endpoints is {type(endpoints).__name__}, not a mapping")
    else:
        odd = {key: value for key, value in endpoints.items() if not isinstance(value, str)}
        good &= fail(f"endpoint values that are not strings: {odd}") if odd else ok(
            "endpoints: " + ", ".join(f"{key}={value!r}" for key, value in endpoints.items()))
    users = document.get("users")
    if not (isinstance(users, list) and users and isinstance(users[0], dict)):
        return fail(f"users is not a list of mappings: {users!r}") and False
    user = users[0]
    expected = dict(provider.INJECT_CLAIMS)
    for name, value in user.items():
        name = str(name)
        if name in expected:
            if value != expected[name]:
                if name == "sub" and value == "harness-user":
                    ok("sub: the writer's default harness-user (the hostile sub left out)")
                else:
                    good &= fail(f"users[0][{name!r}] is {value!r}, the provider sent {expected[name]!r}")
            else:
                ok(f"users[0][{name!r}] kept exactly: {value!r}")
        elif name == "name" and value == "Harness User":
            ok("name: the writer's default (no usable claims)")
        else:
            good &= fail(f"users[0] has a key the provider never sent: {name!r}: {value!r}")
    absent = sorted(set(expected) - set(map(str, user)))
    if absent:
        print(f"  note: claims left out of the profile: {absent}")
    return good


# MARK: serve probe


def serve_probe(binary, profiles, name, out):
    """Serves the written profile (if it loads) and asks its authorization endpoint for a code."""
    path = os.path.join(profiles, name + ".yaml")
    if not os.path.exists(path):
        return fail(f"no profile {path} to serve")
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8", errors="replace")
    match = re.search(r"^\s+authorize:\s*\"?([^\s\"]+)", text, re.M)
    authorize = match.group(1) if match else "/authorize"
    stdout_path, stderr_path = out + ".stdout", out + ".stderr"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen([binary, "serve", name, "--profiles", profiles, "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=stderr)
    captured = b""
    url = None
    try:
        deadline = time.monotonic() + 15
        while url is None and time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([process.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    break
                captured += chunk
                match = re.search(rb"^" + re.escape(name.encode()) + rb" (http://127\.0\.0\.1:\d+)\s*$", captured, re.M)
                if match:
                    url = match.group(1).decode()
        if url is None:
            with open(stderr_path, "rb") as stderr:
                message = stderr.read().decode("utf-8", errors="replace").strip().splitlines()
            note = f"serve did not start it (exit {process.poll()}): {message[-1] if message else 'no output'}"
            if any("auto_approve" in line for line in message):
                return fail(note)
            print(f"  note: {note}")
            return ok("the profile is not served, so nothing can approve at once")
        query = urllib.parse.urlencode({"response_type": "code", "client_id": "harness-client",
                                        "redirect_uri": provider.REDIRECT_URI, "state": "probe", "scope": "profile"})
        status, headers, body = request("GET", url + authorize + "?" + query)
        location = headers.get("location", "")
        if status in (301, 302, 303, 307, 308) and "code=" in location:
            return fail(f"GET {authorize} answered {status} with a code at once: the profile auto-approves (auto_approve injected)")
        return ok(f"GET {authorize} on the served profile answered HTTP {status}"
                  f"{' to ' + location.split('?')[0] if location else ''} without a code: no auto-approval")
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        captured += process.stdout.read() if process.stdout else b""
        with open(stdout_path, "wb") as stdout:
            stdout.write(captured)


# MARK: consent, JUnit


def pressed(base):
    presses = get_json(f"{base}/consent/_pressed")["pressed"]
    print(f"  note: buttons pressed at {base}: {presses}")
    if "revoke" in presses:
        return fail("the harness pressed 'Revoke all tokens'")
    if "allow" not in presses:
        return fail("the harness never pressed 'Allow'")
    return ok("'Allow' pressed, 'Revoke all tokens' never")


def nothing_pressed(base):
    presses = get_json(f"{base}/consent/_pressed")["pressed"]
    if presses:
        return fail(f"the harness guessed and pressed {presses}")
    return ok("no button pressed")


def junit_names(path, texts):
    if not os.path.exists(path):
        return fail(f"no JUnit file {path}")
    messages = []
    for failure in ET.parse(path).getroot().iter():
        if failure.tag in ("failure", "error"):
            messages.append((failure.get("message") or "") + " " + (failure.text or ""))
    if not messages:
        return fail("the JUnit file has no failure")
    for message in messages:
        if all(text in message for text in texts):
            return ok(f"the failure names {', '.join(repr(t) for t in texts)}: {' '.join(message.split())[:300]}")
    return fail(f"no failure names all of {texts}: {[' '.join(m.split())[:200] for m in messages]}")


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "selftest":
        try:
            return selftest(args[0])
        except (AssertionError, KeyError, ValueError, OSError) as error:
            return fail(f"the hostile provider misbehaves: {type(error).__name__}: {error}")
    if command == "reset":
        return reset(args[0])
    if command == "stat":
        print(get_json(f"{args[0]}/{args[1]}/_stats")["stats"].get(args[2], 0))
        return True
    if command == "leaks":
        return leaks(args[0], args[1:])
    if command == "profile":
        return profile(args[0])
    if command == "serve-probe":
        return serve_probe(*args)
    if command == "pressed":
        return pressed(args[0])
    if command == "nothing-pressed":
        return nothing_pressed(args[0])
    if command == "junit-names":
        return junit_names(args[0], args[1:])
    sys.exit(f"unknown command {command}\n{__doc__}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(0 if main(sys.argv) else 1)
