"""serve's test controls against a hostile web page and a hostile Host header (finding 6).

python3 serve_controls.py OAUTH_HARNESS REPORTDIR

Starts `oauth-harness serve google-style-oidc` on loopback and checks, bounded in count and
time: a cross-site form post (Origin / Sec-Fetch-Site of another site) cannot drive
/_harness/next-decision, /_harness/evil or /_harness/rotate-keys; 3,000 rotate-keys calls leave
the JWKS small; `Host: attacker.example` does not move the issuer or the endpoints. Prints a
PASS/FAIL line per vector; exits 1 on any failure.
"""
import http.client, json, os, subprocess, sys, time, urllib.parse

binary, reports = sys.argv[1], sys.argv[2]
os.makedirs(reports, exist_ok=True)
out = open(os.path.join(reports, "serve-controls.stdout"), "w+")
err = open(os.path.join(reports, "serve-controls.stderr"), "w")
serve = subprocess.Popen([binary, "serve", "google-style-oidc"], stdout=out, stderr=err)
failures = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + (f" ({detail})" if detail else ""), flush=True)
    if not ok:
        failures.append(name)


try:
    base = None
    for _ in range(100):
        out.seek(0)
        line = out.readline().split()
        if len(line) == 2:
            base = line[1]
            break
        time.sleep(0.1)
    assert base, "serve did not start"
    url = urllib.parse.urlsplit(base)
    assert url.hostname.startswith("127."), "loopback only"

    def request(method, path, body=b"", headers=None):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    # What a page on another site makes a browser send with a plain <form method=post>.
    hostile_headers = [
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Host": f"attacker.example:{url.port}"},
    ]
    for path, body in [("/_harness/next-decision", b"decision=deny"), ("/_harness/evil", b"mode=alg_none"), ("/_harness/rotate-keys", b"")]:
        for headers in hostile_headers:
            status, answer = request("POST", path, body, {**form, **headers})
            check(f"cross-site {path} {sorted(headers)} refused", status == 403, f"HTTP {status}")
    status, _ = request("POST", "/_harness/next-decision", b"decision=approve", form)
    check("a local script may still use the controls", status == 200, f"HTTP {status}")

    def jwks_size():
        status, body = request("GET", "/oauth2/v3/certs")
        return len(body), len(json.loads(body)["keys"])

    before = jwks_size()
    started = time.monotonic()
    for _ in range(3000):
        status, _ = request("POST", "/_harness/rotate-keys", b"", form)
        if status != 200 or time.monotonic() - started > 60:
            break
    after = jwks_size()
    check("3,000 rotate-keys calls keep the JWKS small", after[1] <= 6 and after[0] < 4 * max(before[0], 1000),
          f"{before[1]} keys / {before[0]} B before, {after[1]} keys / {after[0]} B after, {time.monotonic() - started:.1f} s")

    status, body = request("GET", "/.well-known/openid-configuration", headers={"Host": "attacker.example"})
    document = json.loads(body)
    moved = [key for key, value in document.items() if isinstance(value, str) and "attacker.example" in value]
    check("Host: attacker.example moves neither the issuer nor an endpoint", status == 200 and not moved and document.get("issuer") == base,
          f"issuer {document.get('issuer')}, moved: {moved}")
finally:
    serve.terminate()
    try:
        serve.wait(timeout=10)
    except subprocess.TimeoutExpired:
        serve.kill()

sys.exit(1 if failures else 0)
