#!/usr/bin/env bash
# Scale benchmark of `oauth-harness run`: suites of N = 100, 300, 1000 generated scenarios
# (mixed areas, built-in mocks only: Benchmarks/python/scale_suite.py copies a fixed list of
# passing scenarios with unique names), each run three times with --jobs 2 under
# /usr/bin/time. Prints {"100": {"seconds": median wall, "rss_mb": max RSS, "passed": N,
# "cpu_seconds": median user+sys, "ms_per_scenario": ...}, ...} to stdout and OUT/scale.json;
# progress goes to stderr (with the load average: other work on the machine inflates wall time,
# cpu_seconds much less). Fails if a run exits non-zero or its
# JUnit report lacks N passing testcases.
# Targets (issue): 1,000 scenarios in < 5 s wall, max RSS < 200 MB, linear growth from 100 to 1,000.
#   bash Benchmarks/scale.sh [OUT=reports/benchmarks]
#   HARNESS=path/to/oauth-harness  (default: Benchmarks/.build/release/oauth-harness)
#   SCALE_SIZES="100 300 1000"  SCALE_RUNS=3  SCALE_JOBS=2  (overrides)
set -euo pipefail
bench="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$bench/.." && pwd)"
out=${1:-$root/reports/benchmarks}
mkdir -p "$out"
out="$(cd "$out" && pwd)"
harness=${HARNESS:-$bench/.build/release/oauth-harness}
case $harness in /*) ;; *) harness="$(pwd)/$harness" ;; esac
sizes=${SCALE_SIZES:-100 300 1000}
runs=${SCALE_RUNS:-3}
jobs=${SCALE_JOBS:-2}
log() { echo "scale.sh: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

[ -x "$harness" ] || die "$harness is not built (cd Benchmarks && swift build -c release --product oauth-harness), or set HARNESS"
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time"
  apt-get update -qq >&2 && apt-get install -y -qq time >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"   # the harness finds MockProviders/ (its default --profiles) from here
log "harness: $harness ($("$harness" --version 2>/dev/null || echo 'no --version'))"

results="$work/results.tsv"
: > "$results"
for n in $sizes; do
  suite="$work/suite-$n"
  timeout 120 python3 "$bench/python/scale_suite.py" "$n" "$suite" --root "$root"
  junit="$out/scale-$n.xml"
  walls=()
  cpus=()
  rss_max=0
  for run in $(seq "$runs"); do
    rm -f "$junit"
    timing="$work/time-$n-$run"
    status=0
    /usr/bin/time -f '%e %M %U %S' -o "$timing" \
      timeout -k 5 300 "$harness" run "$suite" --profiles "$root/MockProviders" --jobs "$jobs" --junit "$junit" \
      > "$out/scale-$n.log" 2>&1 || status=$?
    [ "$status" -eq 0 ] || { tail -20 "$out/scale-$n.log" >&2; die "N=$n run $run: exit status $status (124: timed out after 300 s); log: $out/scale-$n.log"; }
    read -r wall rss user sys < <(tail -1 "$timing")
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    # The JUnit report must hold exactly N testcases, none failed, errored or skipped.
    passed=$(python3 - "$junit" "$n" <<'EOF'
import sys, xml.etree.ElementTree as ET
path, expected = sys.argv[1], int(sys.argv[2])
try:
    cases = list(ET.parse(path).getroot().iter("testcase"))
except (OSError, ET.ParseError) as error:
    sys.exit(f"{path}: {error}")
bad = [c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None or c.find("skipped") is not None]
if len(cases) != expected or bad:
    sys.exit(f"{path}: {len(cases)} testcases (expected {expected}), {len(bad)} failed/errored/skipped: {bad[:5]}")
print(len(cases))
EOF
    ) || die "N=$n run $run: JUnit check failed"
    log "N=$n run $run: ${wall} s wall, ${cpu} s cpu, $((rss / 1024)) MB, $passed passed (load average $(cut -d' ' -f1 /proc/loadavg))"
    walls+=("$wall")
    cpus+=("$cpu")
    [ "$rss" -gt "$rss_max" ] && rss_max=$rss
  done
  median=$(printf '%s\n' "${walls[@]}" | median)
  cpu_median=$(printf '%s\n' "${cpus[@]}" | median)
  printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$median" "$rss_max" "$passed" "$cpu_median" >> "$results"
  rm -rf "$suite"
done

python3 - "$results" "$out/scale.json" <<'EOF'
import json, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
report = {n: {"seconds": float(s), "rss_mb": round(int(kb) / 1024, 1), "passed": int(p),
              "cpu_seconds": float(c), "ms_per_scenario": round(float(s) * 1000 / int(n), 2)}
          for n, s, kb, p, c in rows}
text = json.dumps(report, indent=2)
open(sys.argv[2], "w").write(text + "\n")
print(text)
# Against the issue's targets (informational; the run itself already passed).
sizes = sorted(report, key=int)
big, small = report[sizes[-1]], report[sizes[0]]
ratio = (big["seconds"] / small["seconds"]) / (int(sizes[-1]) / int(sizes[0])) if small["seconds"] else float("nan")
print(f"scale.sh: N={sizes[-1]}: {big['seconds']} s (target < 5 s: {'met' if big['seconds'] < 5 else 'MISSED'}), "
      f"{max(r['rss_mb'] for r in report.values())} MB max RSS (target < 200 MB: "
      f"{'met' if max(r['rss_mb'] for r in report.values()) < 200 else 'MISSED'}), "
      f"time per scenario at N={sizes[-1]} / at N={sizes[0]} = {ratio:.2f} (linear ~ 1)", file=sys.stderr)
EOF
