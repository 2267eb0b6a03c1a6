#!/usr/bin/env python3
"""Write a suite of N scenarios for the scale benchmark (Benchmarks/scale.sh).

Mixed areas, same mocks: the suite cycles deterministically through a fixed list of
existing, passing scenarios of the repository (TEMPLATES below) and writes copies whose
`name:` gets a unique suffix (" #17"). Copying the real files keeps the suite valid when
the scenario language changes; only the name line is rewritten, plus relative key paths
(`private_key: ../keys/x.pem`), which are made absolute so that the copies still find them.

Each template must name a built-in mock profile (MockProviders/<provider>.yaml) and must
not inject faults or wait: the benchmark measures the harness, not deliberate delays.

    python3 Benchmarks/python/scale_suite.py N OUT_DIR [--root REPO]

Copies go to OUT_DIR/<area>/<index>-<file> (the area folder is the JUnit classname).
stdlib only.
"""
import argparse
import json
import os
import re
import sys

# Scenario files relative to Scenarios/ (the folder is the area); the order is the cycle.
TEMPLATES = [
    "oauth2/pkce-s256-success.yaml",          # authorization code + PKCE (public client)
    "oauth2/refresh-rotation.yaml",           # refresh with rotation
    "oauth2/revoke-access-token.yaml",        # revocation (RFC 7009) + introspection
    "oauth2/introspection.yaml",              # introspection (RFC 7662)
    "oauth2/client-credentials-basic.yaml",   # client credentials
    "oidc/login-userinfo-logout.yaml",        # OIDC login, id_token validation, UserInfo, logout
    "oauth1/hmac-sha1-header.yaml",           # OAuth 1.0a three-legged, HMAC-SHA1
    "quirks/github-style-with-fix.yaml",      # quirk profile: github-style
    "quirks/slack-style-with-fix.yaml",       # quirk profile: slack-style (with refresh)
    "oauth2/auto-refresh-on-expiry.yaml",     # auto refresh (virtual clock)
    "oidc/second-login-uses-cached-keys.yaml",  # OIDC JWKS cache
    "oauth1/rsa-sha1-header.yaml",            # OAuth 1.0a RSA-SHA1 (key file path)
    "conformance/pkce-required-by-profile.yaml",  # a provider error checked (pkce-required profile)
]

NAME_LINE = re.compile(r"^name:[ \t]*(.*?)[ \t]*$", re.M)
PROVIDER_LINE = re.compile(r"^provider:[ \t]*(.*?)[ \t]*$", re.M)
KEY_PATH = re.compile(r"^([ \t]*private_key:[ \t]*)([^\s#'\"][^\s#]*\.pem)[ \t]*$", re.M)
# Steps that would make the benchmark measure sleeps or fault handling instead of the harness.
FORBIDDEN = re.compile(r"^[ \t]*-?[ \t]*(fault|faults|wait|sleep)[ \t]*:", re.M)


def die(message):
    print(f"scale_suite.py: {message}", file=sys.stderr)
    sys.exit(2)


def scalar(value):
    """The text of a one-line YAML scalar (plain, '…' or "…")."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if value in ("", "|", ">") or value.startswith(("|", ">")):
        return None
    return value.split(" #", 1)[0].strip()


def load_template(root, relative):
    path = os.path.join(root, "Scenarios", relative)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        die(f"template {relative}: {error}")
    names = NAME_LINE.findall(text)
    if len(names) != 1 or scalar(names[0]) is None:
        die(f"template {relative}: expected one one-line top-level `name:`")
    providers = PROVIDER_LINE.findall(text)
    provider = scalar(providers[0]) if len(providers) == 1 else None
    if not provider:
        die(f"template {relative}: `provider:` must name a built-in mock profile, not a URL block")
    if not os.path.isfile(os.path.join(root, "MockProviders", provider + ".yaml")):
        die(f"template {relative}: provider {provider!r} is not in MockProviders/")
    if FORBIDDEN.search(text):
        die(f"template {relative}: faults, waits and sleeps are not allowed in the scale suite")

    def absolute_key(match):
        value = match.group(2)
        if os.path.isabs(value):
            return match.group(0)
        resolved = os.path.normpath(os.path.join(os.path.dirname(path), value))
        if not os.path.isfile(resolved):
            die(f"template {relative}: key file {value} not found")
        return match.group(1) + json.dumps(resolved)

    text = KEY_PATH.sub(absolute_key, text)
    return {"relative": relative, "text": text, "name": scalar(names[0]), "provider": provider}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="how many scenarios to write")
    parser.add_argument("out", help="folder to write them to (created if missing)")
    default_root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    parser.add_argument("--root", default=default_root, help="repository root (default: %(default)s)")
    args = parser.parse_args()
    if not 1 <= args.count <= 100000:
        die("count must be between 1 and 100000")

    args.root = os.path.abspath(args.root)
    templates = [load_template(args.root, relative) for relative in TEMPLATES]
    areas = {t["relative"].split("/", 1)[0] for t in templates}
    if len(areas) < 4:
        die("fewer than four areas among the templates")
    width = len(str(args.count))
    for index in range(args.count):
        template = templates[index % len(templates)]
        area, file_name = template["relative"].split("/", 1)
        unique = f"{template['name']} #{index + 1}"
        text = NAME_LINE.sub(lambda _: "name: " + json.dumps(unique), template["text"], count=1)
        folder = os.path.join(args.out, area)
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, f"{index + 1:0{width}d}-{file_name}")
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    print(f"{args.count} scenarios from {len(templates)} templates in {len(areas)} areas "
          f"({', '.join(sorted(areas))}) -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
