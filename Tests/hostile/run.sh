#!/usr/bin/env bash
# A hostile OAuth provider against oauth-harness: it must not (1) leak secrets into any output,
# (2) inject content into profiles written by `check --write-profile`, (3) hang the harness with
# CPU-heavy input, (4) make the harness's browser press the wrong consent button, (5) drive
# `serve`'s test controls from another site or move its issuer with a Host header.
# See Tests/hostile/README.md.
#
# Usage: bash Tests/hostile/run.sh PATH/TO/oauth-harness REPORTDIR
#
# Everything the harness writes goes to REPORTDIR/hostile/ (stdout and stderr of every run are
# captured there and echoed); the provider's port file, log and issued.txt go to
# REPORTDIR/hostile-provider/. One PASS/FAIL line per vector, a summary, exit status 0 only when
# every vector passed. Loopback only, no internet; every wait is bounded (each harness run by
# timeout(1), the whole script by HOSTILE_TIMEOUT seconds, default 900). HOSTILE_PLANS: the
# conformance plans folder for `check` (default: Plans/ of this checkout).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 PATH/TO/oauth-harness REPORTDIR" >&2
  exit 2
fi

# The overall bound: the script re-runs itself under timeout(1) once (TERM, then KILL 15 s later).
if [ -z "${HOSTILE_RUN_UNDER_TIMEOUT:-}" ]; then
  export HOSTILE_RUN_UNDER_TIMEOUT=1
  status=0
  timeout --kill-after=15 "${HOSTILE_TIMEOUT:-900}" bash "$0" "$@" || status=$?
  [ "$status" -eq 124 ] && echo "hostile: the overall timeout of ${HOSTILE_TIMEOUT:-900}s passed" >&2
  exit "$status"
fi

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ -x "$1" ] && [ -f "$1" ] || { echo "hostile: not an executable: $1" >&2; exit 2; }
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
mkdir -p "$2"
reports="$(cd "$2" && pwd)"
out="$reports/hostile"
state="$reports/hostile-provider"
rm -rf "$out" "$state"
mkdir -p "$out" "$state"
cd "$root"  # the harness reads Plans/ and MockProviders/ from the working directory
# The conformance plans must be those the binary was built with (HOSTILE_PLANS for an older binary).
plans="${HOSTILE_PLANS:-$root/Plans}"
began=$SECONDS

command -v python3 >/dev/null 2>&1 || { echo "hostile: python3 is needed" >&2; exit 2; }
python3 -c "import yaml" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check pyyaml \
  || echo "hostile: PyYAML could not be installed; vector b will fail"

# The secrets the provider knows and the harness is given (through ${ENV} in the files below).
export HOSTILE_CLIENT_SECRET="CSECRET-MARK-7f3a9c1e2b4d"
export HOSTILE_PASSWORD="PASSWD-MARK-5e8b2d7a1c9f"
verify() { python3 "$here/verify.py" "$@"; }

# The provider: loopback, killed on exit (and it stops by itself once this script is gone).
python3 "$here/provider.py" "$state/port" > "$state/provider.log" 2>&1 &
provider_pid=$!
cleanup() {
  kill "$provider_pid" 2>/dev/null || true
  wait "$provider_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 143' TERM INT
for _ in $(seq 100); do
  [ -s "$state/port" ] && break
  kill -0 "$provider_pid" 2>/dev/null || break
  sleep 0.1
done
[ -s "$state/port" ] || { echo "hostile: the provider did not start within 10 s:" >&2; cat "$state/provider.log" >&2; exit 1; }
origin="$(head -n 1 "$state/port")"
echo "hostile provider: $origin (log: $state/provider.log, issued values: $state/issued.txt)"
echo "harness: $binary"

# The tenant the next files point at.
tenant() {
  export HOSTILE_URL="$origin/$1"
  export HOSTILE_DISCOVERY="$origin/$1/.well-known/oauth-authorization-server"
  export HOSTILE_API="$origin/$1/userinfo"
  export HOSTILE_API_PATH="/userinfo"  # a scenario's get: takes a path on provider.url
}

results=()
failed=0
# verdict ID TEXT PROBLEM...: PASS when no problem is given.
verdict() {
  local id=$1 text=$2 line
  shift 2
  if [ $# -eq 0 ]; then
    line="PASS $id — $text"
  else
    local IFS=';'
    line="FAIL $id — $text:$*"
    failed=1
  fi
  results+=("$line")
  echo "$line"
}

# show FILE LABEL: echoes a captured output (the first 200 lines; the file has everything).
show() {
  [ -s "$1" ] || return 0
  local lines
  lines=$(wc -l < "$1")
  echo "  --- $2 ($lines lines, $1)"
  head -n 200 "$1" | sed 's/^/  | /'
  [ "$lines" -le 200 ] || echo "  | … (the rest is in $1)"
}

# harness NAME LIMIT ARGS...: runs oauth-harness ARGS under timeout LIMIT; its stdout and stderr
# go to $out/NAME.stdout and .stderr and are echoed. Sets rc (124: killed at the limit) and
# seconds, ms.
harness() {
  local name=$1 limit=$2 t0 t1
  shift 2
  echo "\$ oauth-harness $*"
  rc=0
  t0=$(date +%s%N)
  timeout --kill-after=5 "$limit" "$binary" "$@" > "$out/$name.stdout" 2> "$out/$name.stderr" || rc=$?
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  seconds="$((ms / 1000)).$(((ms % 1000) / 100))"
  echo "  exit $rc after ${seconds}s$([ "$rc" -eq 124 ] && echo " (killed: did not finish within ${limit}s)")"
  show "$out/$name.stdout" stdout
  show "$out/$name.stderr" stderr
}

# check_exit: the exit status of a `check`/`run` that may report failures (0 or 1).
check_exit() {
  if [ "$rc" -eq 124 ]; then
    problems+=(" did not finish within its limit (killed after ${seconds}s)")
  elif [ "$rc" -gt 1 ]; then
    problems+=(" exit status $rc (2 and above: bad input or a crash)")
  fi
}

# exercised TENANT KEY WHAT: the provider served its hostile answer at least once.
exercised() {
  local count
  count=$(verify stat "$origin" "$1" "$2" 2>/dev/null || echo 0)
  echo "  provider: $1 $2 = $count"
  [ "$count" -ge 1 ] || problems+=(" the $1 tenant never served $3 (the vector was not exercised)")
}

# leak_search LABEL PATH...: no secret, issued value or MARK- fragment in the files.
leak_search() {
  local label=$1
  shift
  echo "  leak search ($label):"
  verify leaks "$state/issued.txt" "$@" || problems+=(" a secret or issued value shows in the $label output (see the leak: lines)")
}

# need FILE WHAT: a report that must exist (else the leak search would prove nothing).
need() {
  [ -s "$1" ] || problems+=(" no $2 was written ($1)")
}

provider_file() {  # provider_file NAME SCOPE [EXTRA]: a provider file for `check` (values by ${ENV}).
  cat <<EOF
name: $1
provider:
  url: \${HOSTILE_URL}
  discovery: \${HOSTILE_DISCOVERY}
  resource: \${HOSTILE_API}
clients:
  - client_id: hostile-client
    client_secret: \${HOSTILE_CLIENT_SECRET}
    redirect_uri: http://127.0.0.1:8400/callback
user: { username: hostile-user, password: "\${HOSTILE_PASSWORD}" }
scope: $2
${3:-}
EOF
}

scenario_file() {  # scenario_file NAME [EXTRA STEP]: a scenario against the provider by URL.
  cat <<EOF
name: $1
provider:
  url: \${HOSTILE_URL}
  discovery: \${HOSTILE_DISCOVERY}
client:
  client_id: hostile-client
  client_secret: \${HOSTILE_CLIENT_SECRET}
  redirect_uri: http://127.0.0.1:8400/callback
  scope: [profile]
  pkce: S256
user: { username: hostile-user, password: "\${HOSTILE_PASSWORD}" }
steps:
  - authorize: {}
  - fetch_token: {}
  - expect: { token.access_token: present }
${2:-}
EOF
}

echo
echo "== 0. the hostile provider answers as documented (a standard-library client)"
problems=()
verify selftest "$origin" || problems+=(" the provider itself misbehaves; the vectors below prove nothing until it is fixed")
verdict "0 provider" "every tenant answers as Tests/hostile/README.md says" "${problems[@]}"

echo
echo "== a. check against leak: secrets in error descriptions, token types and claims must not reach any output (findings 1, 2)"
problems=()
tenant leak
provider_file hostile-leak "[profile]" > "$out/leak.yaml"
harness leak 180 check "$out/leak.yaml" --junit "$out/leak.xml" --reports "$out/leak-md" \
  --write-profile hostile-leak-profile --profiles "$out/profiles" --plans-folder "$plans" \
  --write-baseline "$out/leak.baseline" --baseline-warnings
check_exit
need "$out/leak.xml" "JUnit report"
need "$out/leak.baseline" "baseline"
need "$out/leak-md/conformance-hostile-leak.md" "Markdown report"
need "$out/profiles/hostile-leak-profile.yaml" "profile"
exercised leak leak_form_refused "its leaking form refusal"
exercised leak userinfo "its leaking UserInfo"
# Drift against the profile just written: the differences name paths, claims and types, never values.
harness leak-drift 180 check "$out/leak.yaml" --junit "$out/leak-drift.xml" --reports "$out/leak-drift-md" \
  --against hostile-leak-profile --profiles "$out/profiles" --plans-folder "$plans" --plan oauth2-authorization-server
check_exit
need "$out/leak-drift.xml" "drift JUnit report"
leak_search "leak check" "$out/leak.stdout" "$out/leak.stderr" "$out/leak.xml" "$out/leak-md" "$out/profiles" "$out/leak.baseline" \
  "$out/leak-drift.stdout" "$out/leak-drift.stderr" "$out/leak-drift.xml" "$out/leak-drift-md"
verdict "a leak" "no secret, token or code in the check's stdout, stderr, JUnit, Markdown, written profile, written baseline or drift report" "${problems[@]}"

echo
echo "== b. check --write-profile against inject: the written profile keeps hostile strings as data (finding 3)"
problems=()
tenant inject
# openid: the writer adds end_session (and jwks) only for OpenID providers; code_reuse_wait keeps the OpenID plan short.
provider_file hostile-inject "[openid, profile]" "code_reuse_wait: 1s" > "$out/inject.yaml"
harness inject 240 check "$out/inject.yaml" --junit "$out/inject.xml" --reports "$out/inject-md" \
  --write-profile hostile-inject-profile --profiles "$out/profiles-inject" --plans-folder "$plans" \
  --write-baseline "$out/inject.baseline" --baseline-warnings
check_exit
exercised inject userinfo "its hostile UserInfo claims"
# The written baseline quotes the checks' messages (provider text among them): one line per check,
# PLAN/CHECK — reason, no control or line-separator character that could start another entry.
python3 - "$out/inject.baseline" <<'PYEOF' || problems+=(" the written baseline is not one well-formed line per check")
import re, sys
lines = [line for line in open(sys.argv[1], encoding="utf-8").read().split("\n") if line and not line.startswith("#")]
bad = [line for line in lines if not re.fullmatch(r"(warning )?[a-z0-9-]+/[a-z0-9-]+ — [^\x00-\x1f\x7f\u0085\u2028\u2029]+", line)]
print(f"  the written baseline: {len(lines)} checks, {len(bad)} malformed lines")
sys.exit(1 if bad or not lines else 0)
PYEOF
echo "  the written profile ($out/profiles-inject/hostile-inject-profile.yaml), read with PyYAML:"
verify profile "$out/profiles-inject/hostile-inject-profile.yaml" || problems+=(" the written profile does not keep the provider's strings as data")
# validate reads profiles through a scenario that names one: this one names the written profile.
cat > "$out/inject-profile-scenario.yaml" <<'EOF'
name: the profile written from the inject tenant loads back
provider: hostile-inject-profile
client:
  client_id: harness-client
  client_secret: harness-secret
steps:
  - authorize: {}
  - fetch_token: {}
EOF
harness inject-validate 60 validate "$out/inject-profile-scenario.yaml" --profiles "$out/profiles-inject"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
  problems+=(" validate exited $rc")
elif [ "$rc" -eq 2 ]; then
  echo "  note: validate reports errors: the written profile does not load back"
fi
# validate prints no settings; an error may quote the hostile strings. Whether auto_approve is
# in effect is asked of the served profile below.
grep -i "auto_approve" "$out/inject-validate.stdout" "$out/inject-validate.stderr" | sed 's/^/  note: validate mentions auto_approve: /' || true
echo "  serve the written profile and ask its authorization endpoint for a code:"
verify serve-probe "$binary" "$out/profiles-inject" hostile-inject-profile "$out/inject-serve" \
  || problems+=(" serving the written profile: see the problem line above")
leak_search "inject check" "$out/inject.stdout" "$out/inject.stderr" "$out/inject.xml" "$out/inject-md" "$out/profiles-inject" \
  "$out/inject-validate.stdout" "$out/inject-validate.stderr" "$out/inject-serve.stdout" "$out/inject-serve.stderr" "$out/inject.baseline"
verdict "b inject" "the written profile loads as the writer's keys only, endpoints plain strings, claims exactly as sent" "${problems[@]}"

echo
echo "== c. check against flood and forms: CPU-heavy answers must not hang the harness (finding 4); each within 60 s"
for name in flood forms; do
  problems=()
  tenant "$name"
  provider_file "hostile-$name" "[profile]" > "$out/$name.yaml"
  harness "$name" 120 check "$out/$name.yaml" --filter authorization-code-grant --junit "$out/$name.xml" \
    --reports "$out/$name-md" --plans-folder "$plans"
  check_exit
  [ "$ms" -lt 60000 ] || [ "$rc" -eq 124 ] || problems+=(" took ${seconds}s (limit 60 s)")
  if [ "$name" = flood ]; then exercised flood flood_served "its flooded token answer"; else exercised forms forms_pages "its junk-laden login page"; fi
  verdict "c $name" "check --filter authorization-code-grant: ${seconds}s wall time (limit 60 s; killed at 120 s)" "${problems[@]}"
done

echo
echo "== c (run). the same answers to a scenario run: the flow completes within 60 s"
for name in flood forms; do
  problems=()
  tenant "$name"
  scenario_file "hostile $name run" > "$out/$name-scenario.yaml"
  harness "$name-run" 120 run "$out/$name-scenario.yaml" --junit "$out/$name-run.xml" --jobs 1
  [ "$rc" -eq 0 ] || problems+=(" the scenario did not pass (exit $rc)")
  [ "$ms" -lt 60000 ] || [ "$rc" -eq 124 ] || problems+=(" took ${seconds}s (limit 60 s)")
  verdict "c $name-run" "run authorize + fetch_token: ${seconds}s wall time (limit 60 s; killed at 120 s)" "${problems[@]}"
done

echo
echo "== d. run through the consent and ambiguous pages: the right button or none (finding 5)"
problems=()
tenant consent
scenario_file "hostile consent page" > "$out/consent-scenario.yaml"
harness consent 120 run "$out/consent-scenario.yaml" --junit "$out/consent.xml" --jobs 1
[ "$rc" -eq 0 ] || problems+=(" the scenario did not pass (exit $rc)")
verify pressed "$origin/consent" || problems+=(" the wrong consent button was pressed")
verdict "d consent" "'Allow' pressed (not the first button, 'Revoke all tokens') and the scenario passes" "${problems[@]}"

problems=()
tenant ambiguous
scenario_file "hostile ambiguous consent page" > "$out/ambiguous-scenario.yaml"
harness ambiguous 120 run "$out/ambiguous-scenario.yaml" --junit "$out/ambiguous.xml" --jobs 1
[ "$rc" -eq 1 ] || problems+=(" exit $rc, expected 1 (the authorize step must fail rather than guess)")
verify junit-names "$out/ambiguous.xml" "Option A" "Option B" || problems+=(" the failure does not name both buttons")
verify nothing-pressed "$origin/ambiguous" || problems+=(" a button was pressed on a guess")
verdict "d ambiguous" "the authorize step fails naming 'Option A' and 'Option B', nothing pressed" "${problems[@]}"

echo
echo "== e. run against leak: the failing scenario's reports show no secret (finding 1)"
problems=()
tenant leak
scenario_file "hostile leak scenario" "  - get: \${HOSTILE_API_PATH}" > "$out/leak-scenario.yaml"
harness leak-run 120 run "$out/leak-scenario.yaml" --junit "$out/leak-run.xml" --jobs 1
check_exit
need "$out/leak-run.xml" "JUnit report"
leak_search "leak scenario" "$out/leak-run.stdout" "$out/leak-run.stderr" "$out/leak-run.xml"
verdict "e leak-run" "no secret, token or code in the scenario's stdout, stderr or JUnit" "${problems[@]}"

echo
echo "== f. serve's test controls: a cross-site page and a hostile Host header (finding 6)"
problems=()
status=0
timeout 120 python3 "$here/serve_controls.py" "$binary" "$out/serve-controls" || status=$?
[ "$status" -eq 0 ] || problems+=(" serve_controls.py exited $status")
verdict "f serve controls" "cross-site /_harness requests refused, rotate-keys bounded, the issuer stays the address served" "${problems[@]}"

echo
echo "== every file under $out"
problems=()
leak_search "all" "$out"
verdict "sweep" "no secret, issued value or MARK- fragment in any file the harness wrote" "${problems[@]}"

echo
echo "== hostile summary ($((SECONDS - began)) s)"
for line in "${results[@]}"; do echo "$line"; done
if [ "$failed" -ne 0 ]; then
  echo "hostile: FAILED"
  exit 1
fi
echo "hostile: passed"
