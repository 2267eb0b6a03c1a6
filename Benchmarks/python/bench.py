"""Python reference timings for the Swift-vs-Python benchmark comparison.

Prints one JSON object to stdout:
  {"versions": {...}, "results": [{"name", "ns_per_op", "ops", "note"}, ...]}

Each operation is warmed up, then run in batches for about --seconds; the
reported ns_per_op is the median of the batch means.
"""

import argparse
import base64
import json
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from requests.adapters import HTTPAdapter
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc import jwt
from joserfc.jwk import RSAKey
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, Client as OAuth1Client

REPO = Path(__file__).resolve().parents[2]
RS256_KEY = REPO / "MockProviders/keys/test-fixture-oidc-rs256-1.private.pem"
ISSUER = "https://issuer.example.test"
CLIENT_ID = "harness-client"
CLIENT_SECRET = "harness-secret"
REDIRECT_URI = "http://127.0.0.1:8400/callback"
TOKEN_BODY = (
    '{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,'
    '"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"profile email",'
    '"example_parameter":"example_value"}'
)


def measure(fn, seconds: float, batches: int = 50) -> tuple[float, int, float]:
    """Run fn repeatedly; return (median ns per call over batches, calls, elapsed s)."""
    # Warm-up, which also sizes a batch to take about seconds / batches.
    warm_ns = max(int(seconds * 1e9 / 10), 50_000_000)
    calls, start = 0, time.perf_counter_ns()
    while time.perf_counter_ns() - start < warm_ns:
        fn()
        calls += 1
    per_call = (time.perf_counter_ns() - start) / calls
    batch = max(1, int(seconds * 1e9 / batches / per_call))

    means, ops = [], 0
    deadline = time.perf_counter_ns() + int(seconds * 1e9)
    began = time.perf_counter_ns()
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(batch):
            fn()
        t1 = time.perf_counter_ns()
        means.append((t1 - t0) / batch)
        ops += batch
        if t1 >= deadline and len(means) >= 3:
            break
    return statistics.median(means), ops, (time.perf_counter_ns() - began) / 1e9


# --- operations: each builder does its setup once and returns the timed callable ---

def oauth1_client() -> OAuth1Client:
    return OAuth1Client(
        client_key="dpf43f3p2l4k3l03",
        client_secret="kd94hf93k423kf44",
        resource_owner_key="nnch734d00sl2jdk",
        resource_owner_secret="pfkkdhi9sl3r4s00",
        signature_method=SIGNATURE_HMAC_SHA1,
    )


def op_oauth1_get(args):
    client = oauth1_client()
    url = "https://photos.example.net/photos?file=vacation.jpg&size=original&type=jpg"
    return lambda: client.sign(url, "GET"), "oauthlib Client.sign, Authorization header, fresh nonce+timestamp"


def op_oauth1_post(args):
    client = oauth1_client()
    body = "file=vacation.jpg&size=original&type=jpg"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def run():
        client.sign("https://photos.example.net/photos", "POST", body=body, headers=headers)
    return run, "oauthlib Client.sign, form body in base string, fresh nonce+timestamp"


def op_pkce(args):
    def run():
        verifier = generate_token(48)
        create_s256_code_challenge(verifier)
    return run, "authlib generate_token(48) + create_s256_code_challenge"


def rs256_fixture():
    """The private key, its public JWK, and a token signed once with it."""
    private = RSAKey.import_key(RS256_KEY.read_bytes())
    public = RSAKey.import_key(private.as_dict(private=False))
    now = int(time.time())
    claims = {
        "iss": ISSUER, "sub": "alice", "aud": CLIENT_ID, "exp": now + 3600, "iat": now,
        "nonce": "n-0S6_WzA2Mj", "azp": CLIENT_ID, "auth_time": now,
    }
    token = jwt.encode({"alg": "RS256", "kid": "bench-1"}, claims, private, algorithms=["RS256"])
    return private, public, token


def op_rs256_validate(args):
    _, public, token = rs256_fixture()
    registry = jwt.JWTClaimsRegistry(
        leeway=60,
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": CLIENT_ID},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"value": "n-0S6_WzA2Mj"},
        azp={"value": CLIENT_ID},
    )

    def run():
        decoded = jwt.decode(token, public, algorithms=["RS256"])
        registry.validate(decoded.claims)
    run()  # fail fast if the fixture does not validate
    return run, "joserfc jwt.decode + JWTClaimsRegistry.validate (RSA-2048)"


def op_rs256_bare(args):
    _, public, token = rs256_fixture()
    key = public.public_key
    head, payload, sig = token.split(".")
    signing_input = f"{head}.{payload}".encode()
    signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    pad, sha256 = padding.PKCS1v15(), hashes.SHA256()

    def run():
        key.verify(signature, signing_input, pad, sha256)
    run()
    return run, "cryptography RSAPublicKey.verify PKCS1v15/SHA-256 (RSA-2048), no JOSE"


def op_token_parse(args):
    def run():
        token = OAuth2Token.from_dict(json.loads(TOKEN_BODY))
        token.is_expired()
    return run, "json.loads + authlib OAuth2Token.from_dict + is_expired()"


def op_code_flow(args):
    base = args.mock_url.rstrip("/")
    authorize_url, token_url = base + "/oauth2/authorize", base + "/oauth2/token"
    # OAuth2Session is a requests.Session; connection pools live in the adapter,
    # so mounting one adapter on every per-flow session shares keep-alive connections.
    adapter = HTTPAdapter(pool_maxsize=32)

    def run():
        client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, scope="profile",
                               redirect_uri=REDIRECT_URI, code_challenge_method="S256")
        client.mount("http://", adapter)
        verifier = generate_token(48)
        url, state = client.create_authorization_url(authorize_url, code_verifier=verifier)
        form = dict(parse_qsl(urlsplit(url).query))
        form["decision"] = "approve"
        resp = client.post(authorize_url, data=form, allow_redirects=False, withhold_token=True)
        assert resp.status_code == 302, (resp.status_code, resp.text)
        token = client.fetch_token(token_url, authorization_response=resp.headers["Location"],
                                   state=state, code_verifier=verifier)
        assert token.get("access_token"), token
    run()
    note = ("authlib OAuth2Session per flow (client_secret_basic, PKCE S256, state checked), "
            "one shared keep-alive HTTPAdapter, but gunicorn sync workers answer "
            "Connection: close, so each request opens a new TCP connection")
    return run, note


def op_code_flow_x16(args):
    """16 flows at a time on 16 threads (the GIL serialises the Python work; the mock's workers
    and the sockets overlap). One operation = 16 flows."""
    from concurrent.futures import ThreadPoolExecutor
    flow, note = op_code_flow(args)
    pool = ThreadPoolExecutor(max_workers=16)

    def run():
        for future in [pool.submit(flow) for _ in range(16)]:
            future.result()
    run()
    return run, "16 concurrent flows (ThreadPoolExecutor) per operation; " + note


OPS = {
    "oauth1_hmac_sha1_get": op_oauth1_get,
    "oauth1_hmac_sha1_form_post": op_oauth1_post,
    "pkce_s256_pair": op_pkce,
    "rs256_id_token_validate": op_rs256_validate,
    "rs256_bare_verify": op_rs256_bare,
    "token_response_parse": op_token_parse,
    "authorization_code_flow": op_code_flow,
    "authorization_code_flow_x16": op_code_flow_x16,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per micro-op")
    parser.add_argument("--flow-seconds", type=float, default=5.0, help="time for the HTTP flow")
    parser.add_argument("--mock-url", help="base URL of the gunicorn Flask mock")
    parser.add_argument("--only", help="comma-separated op names")
    args = parser.parse_args()

    names = list(OPS)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in OPS]
        if unknown:
            parser.error(f"unknown op(s): {', '.join(unknown)}; known: {', '.join(OPS)}")
    for flow_name in ("authorization_code_flow", "authorization_code_flow_x16"):
        if flow_name in names and not args.mock_url:
            if args.only:
                parser.error(f"{flow_name} needs --mock-url")
            names.remove(flow_name)

    results = []
    for name in names:
        fn, note = OPS[name](args)
        flow = name.startswith("authorization_code_flow")
        ns, ops, _ = measure(fn, args.flow_seconds if flow else args.seconds,
                             batches=20 if flow else 50)
        result = {"name": name, "ns_per_op": round(ns, 1), "ops": ops, "note": note}
        if flow:
            result["flows_per_s"] = round((16 if name.endswith("x16") else 1) * 1e9 / ns, 1)
        results.append(result)
        print(f"{name}: {ns:,.0f} ns/op ({ops} ops)", file=sys.stderr)

    versions = {"python": sys.version.split()[0]}
    for pkg in ("Authlib", "oauthlib", "joserfc", "cryptography", "requests"):
        versions[pkg] = version(pkg)
    print(json.dumps({"versions": versions, "results": results}))


if __name__ == "__main__":
    main()
