"""Joins the Swift suite's JMH export with the Python reference and the wrk runs into one
markdown table (both figures, the ratio, the issue's target). Usage: table.py REPORT_DIR"""

import glob
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])


# The JMH export gives figures per sample; micro-benchmarks run 1,000 operations per sample
# (scalingFactor .kilo in OAuthBenchmarks.swift), these run one.
ONE_PER_SAMPLE = {"authorization_code_flow", "authorization_code_flow_x16", "junit_write_1000_cases"}


def swift_results():
    """name → {"us": median µs per operation, "mallocs": median mallocs per operation}."""
    files = sorted(glob.glob(str(out / "*.jmh*")))
    if not files:
        sys.exit(f"table.py: no .jmh export in {out}")
    results = {}
    for element in json.loads(Path(files[-1]).read_text()):
        name = element["benchmark"].rsplit(".", 1)[-1]
        secondary = element.get("secondaryMetrics") or {}
        wall = next(v for k, v in secondary.items() if "wall clock" in k.lower())
        mallocs = next((v for k, v in secondary.items() if k.lower().startswith("malloc (total)")), None)
        scale = 1 if name in ONE_PER_SAMPLE else 1000
        results[name] = {
            "us": wall["scorePercentiles"]["50.0"] / scale,
            "mallocs": mallocs["scorePercentiles"]["50.0"] / scale if mallocs else None,
        }
    return results


swift = swift_results()
python = json.loads((out / "python.json").read_text())
reference = {r["name"]: r for r in python["results"]}
wrk_swift = json.loads((out / "wrk-swift.json").read_text())
wrk_flask = json.loads((out / "wrk-flask.json").read_text())
suite = json.loads((out / "suite.json").read_text())
misses = []


def fmt_us(us):
    return f"{us * 1000:,.0f} ns" if us < 10 else f"{us:,.1f} µs"


def verdict(ok, what):
    if not ok:
        misses.append(what)
    return "met" if ok else "**missed**"


rows = []
for name, label, target in [
    ("oauth1_hmac_sha1_get", "OAuth 1 HMAC-SHA1 sign, GET + 3 query params", 30),
    ("oauth1_hmac_sha1_form_post", "OAuth 1 HMAC-SHA1 sign, form POST", 30),
    ("pkce_s256_pair", "PKCE S256 verifier + challenge", None),
    ("rs256_id_token_validate", "RS256 id_token, all claims checked", None),
    ("rs256_bare_verify", "RS256 bare signature check (floor)", None),
    ("token_response_parse", "token response → token object", None),
]:
    s, p = swift[name]["us"], reference[name]["ns_per_op"] / 1000
    ratio = p / s
    goal = f"≥ {target}× faster: {verdict(ratio >= target, label)}" if target else ""
    rows.append(f"| {label} | {fmt_us(s)} | {fmt_us(p)} | {ratio:,.1f}× | {swift[name]['mallocs'] or 0:,.0f} | {goal} |")

# The id_token target is relative to the floor of each side's own crypto library.
s_ratio = swift["rs256_id_token_validate"]["us"] / swift["rs256_bare_verify"]["us"]
p_ratio = reference["rs256_id_token_validate"]["ns_per_op"] / reference["rs256_bare_verify"]["ns_per_op"]
rows.append(
    f"| id_token validation ÷ bare RS256 check | {s_ratio:.2f}× | {p_ratio:.2f}× | | | ≤ 1.25× the floor: {verdict(s_ratio <= 1.25, 'id_token within 1.25x of bare RS256')} |")

flows_seq = 1e6 / swift["authorization_code_flow"]["us"]
flows_par = 16e6 / swift["authorization_code_flow_x16"]["us"]
flows_ref = reference["authorization_code_flow"]["flows_per_s"]
flows_ref_par = reference["authorization_code_flow_x16"]["flows_per_s"]
rows.append(
    f"| authorization-code flows/s, one at a time | {flows_seq:,.0f} | {flows_ref:,.0f} | {flows_seq / flows_ref:,.1f}× | "
    f"{swift['authorization_code_flow']['mallocs'] or 0:,.0f} | ≥ 15×: {verdict(flows_seq / flows_ref >= 15, 'flows/s, one at a time')} |")
rows.append(
    f"| authorization-code flows/s, 16 at a time | {flows_par:,.0f} | {flows_ref_par:,.0f} | {flows_par / flows_ref_par:,.1f}× | "
    f"{(swift['authorization_code_flow_x16']['mallocs'] or 0) / 16:,.0f} | ≥ 15×: {verdict(flows_par / flows_ref_par >= 15, 'flows/s, 16 at a time')} |")
rows.append(f"| JUnit XML for 1,000 test cases | {fmt_us(swift['junit_write_1000_cases']['us'])} | | | "
            f"{swift['junit_write_1000_cases']['mallocs'] or 0:,.0f} | |")
rps = wrk_swift["rps"] / wrk_flask["rps"]
rows.append(
    f"| mock token endpoint under wrk, req/s | {wrk_swift['rps']:,.0f} | {wrk_flask['rps']:,.0f} | {rps:,.1f}× | | ≥ 10×: {verdict(rps >= 10, 'wrk req/s')} |")
rows.append(
    f"| mock token endpoint under wrk, p99 | {wrk_swift['p99_ms']:.2f} ms | {wrk_flask['p99_ms']:.2f} ms | "
    f"{wrk_flask['p99_ms'] / wrk_swift['p99_ms']:,.1f}× lower | | |")
errors = sum(w["errors"] + w["non2xx"] for w in (wrk_swift, wrk_flask))
wall = statistics.median(run["seconds"] for run in suite)
rows.append(f"| full scenario suite, wall time (median of 3) | {wall:.2f} s ({suite[0]['summary']}) | | | | < 3 s: {verdict(wall < 3, 'suite < 3 s')} |")

versions = ", ".join(f"{k} {v}" for k, v in python["versions"].items())
print("| operation | OAuthHarness (Swift) | Python reference | ratio | mallocs/op (Swift) | target |")
print("|---|---:|---:|---:|---:|---|")
print("\n".join(rows))
print()
print(f"Python reference: {versions}; Flask mock under gunicorn (sync workers). Swift: ordo-one/benchmark, release build, "
      f"median (p50) wall clock per operation. wrk: loopback, 2 threads, 50 connections, {wrk_swift['duration_s']:.0f} s after a "
      f"2 s warm-up, client_credentials POSTs; socket errors + non-2xx over both runs: {errors}.")
print()
print("All targets met." if not misses else "Missed: " + "; ".join(misses))
