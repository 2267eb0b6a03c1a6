#!/usr/bin/env python3
"""After `oauth-harness check --baseline` ran against the third-party providers (which compares the
failed checks with Tests/external/check/<provider>.baseline itself): the JUnit files are valid
against docs/schema/junit.xsd (xmllint), every Markdown report exists, no secret of the env file
(client secrets, the test user's password) appears in any report, and each JUnit file's failed
checks are the ones its baseline lists (the product's answer, read back from its own report).
Usage: verify.py ENV-FILE JUNIT.xml... (standard library only)."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
expected = set()
providers = [os.path.basename(path)[len("conformance-"):-len(".xml")] for path in sys.argv[2:]]
for provider in providers:
    for line in open(os.path.join(here, f"{provider}.baseline")):
        if line.strip() and not line.startswith("#") and not line.startswith("warning "):
            expected.add(f"{provider} {line.split(' ')[0]}")
secrets = []
for line in open(sys.argv[1]):
    if line.startswith("export "):
        name, _, value = line[len("export "):].strip().partition("=")
        if name.endswith(("_SECRET", "_PASSWORD")):
            secrets.append(value.strip("'"))
if len(secrets) < 4:
    sys.exit(f"expected the client secrets and the password in {sys.argv[1]}")
failed = set()
for path in sys.argv[2:]:
    subprocess.run(["xmllint", "--noout", "--schema", os.path.join(root, "docs", "schema", "junit.xsd"), path], check=True)
    provider = os.path.basename(path)[len("conformance-"):-len(".xml")]
    report = os.path.join(os.path.dirname(path), f"conformance-{provider}.md")
    if not os.path.exists(report):
        sys.exit(f"no Markdown report {report}")
    for file in (path, report):
        text = open(file, encoding="utf-8").read()
        if any(secret in text for secret in secrets):
            sys.exit(f"{file} contains a secret from the env file")
    tree = ET.parse(path).getroot()
    counts = {key: int(tree.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")}
    print(f"{provider}: {counts}")
    if counts["tests"] < 3 or counts["errors"]:
        sys.exit(f"{path}: too few checks or errors")
    for case in tree.iter("testcase"):
        if case.find("failure") is not None:
            failed.add(f"{provider} {case.get('classname')}/{case.get('name')}")
for unexpected in sorted(failed - expected):
    print(f"unexpected failure (a harness defect, or the provider changed): {unexpected}")
for missing in sorted(expected - failed):
    print(f"listed deviation no longer seen (update its .baseline): {missing}")
if failed != expected:
    sys.exit(1)
print(f"conformance: {len(failed)} failed checks, each a documented deviation of its provider")
