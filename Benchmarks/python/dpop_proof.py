"""Prints one DPoP proof (RFC 9449 §4.2, a fresh key) for POST to the URL given, made with
`cryptography` (not the harness's own code), for Benchmarks/wrk/token-dpop.lua.
Usage: dpop_proof.py URL [ES256|EdDSA]   (ES256 by default)"""
import base64
import json
import secrets
import sys
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


alg = sys.argv[2] if len(sys.argv) > 2 else "ES256"
if alg == "EdDSA":
    key = ed25519.Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}
else:
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64u(numbers.x.to_bytes(32, "big")), "y": b64u(numbers.y.to_bytes(32, "big"))}
header = {"typ": "dpop+jwt", "alg": alg, "jwk": jwk}
claims = {"jti": secrets.token_urlsafe(16), "htm": "POST", "htu": sys.argv[1].split("?")[0], "iat": int(time.time())}
signing_input = b64u(json.dumps(header, separators=(",", ":")).encode()) + "." + b64u(json.dumps(claims, separators=(",", ":")).encode())
if alg == "EdDSA":
    signature = key.sign(signing_input.encode("ascii"))
else:
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
print(signing_input + "." + b64u(signature))
