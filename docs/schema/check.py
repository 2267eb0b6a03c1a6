#!/usr/bin/env python3
"""Checks every scenario and profile against the JSON Schemas in this folder (and that the
schemas reject a misspelt key), so the schemas editors use stay true to the loader.
Needs: jsonschema, pyyaml."""
import glob
import json
import os
import sys

import jsonschema
import yaml

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
checks = [("scenario.schema.json", glob.glob(os.path.join(root, "Scenarios", "**", "*.yaml"), recursive=True)),
          ("profile.schema.json", glob.glob(os.path.join(root, "MockProviders", "*.yaml"))),
          ("check-provider.schema.json", glob.glob(os.path.join(root, "Tests", "external", "check", "*.yaml")))]
failed = 0
for schema_file, files in checks:
    schema = json.load(open(os.path.join(here, schema_file)))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(files):
        errors = list(validator.iter_errors(yaml.safe_load(open(path))))
        if errors:
            failed += 1
            print(f"{os.path.relpath(path, root)}: {errors[0].message}")
bad = {"name": "n", "provider": "p", "client": {"client_id": "c"}, "steps": [{"authorise": {}}]}
assert list(jsonschema.Draft202012Validator(json.load(open(os.path.join(here, "scenario.schema.json")))).iter_errors(bad)), "a misspelt action must be rejected"
total = sum(len(files) for _, files in checks)
print(f"schema: {total - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
