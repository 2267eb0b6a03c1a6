#!/bin/bash
# `check --against` against django-oauth-toolkit (issue #31 item 5), as a nightly drift job runs
# it: write a profile from the provider, check the provider against it (no drift, exit 0), then
# edit the profile by hand in four dimensions and check again (exit 1, each edit reported by
# name, nothing else). Usage: drift.sh OAUTH_HARNESS ENV_FILE REPORTS_FOLDER
set -euo pipefail
harness=$1 env_file=$2 reports=$3
profiles=$(mktemp -d)
trap 'rm -rf "$profiles"' EXIT
check() {
  ( set -a; . "$env_file"; "$harness" check Tests/external/check/django-oauth-toolkit.yaml --plan oauth2-authorization-server \
      --profiles "$profiles" --reports "$reports" "$@" )
}
check --write-profile dot-seen --junit "$reports/drift-dot-write.xml" > "$profiles/write.log" || true
grep -q "^profile written: $profiles/dot-seen.yaml" "$profiles/write.log" || { cat "$profiles/write.log"; echo "no profile was written"; exit 1; }
check --against dot-seen --junit "$reports/drift-dot-clean.xml" > "$profiles/clean.log" \
  || { grep -E "^drift|^not compared|against" "$profiles/clean.log"; echo "the written profile drifts from the provider it was written from"; exit 1; }
grep -q "^no drift against dot-seen" "$profiles/clean.log"

# By hand: the username claim becomes a number, a quirk DOT lacks is added, the access token lives
# 10 minutes (DOT's is 36000 s), the revocation endpoint moves.
sed -e 's/^  username: .*/  username: 7/' -e 's/^  revoke: .*/  revoke: "\/moved\/revoke"/' \
    -e 's/^  access_token: 36000$/  access_token: 600/' \
    "$profiles/dot-seen.yaml" > "$profiles/dot-edited.yaml"
printf 'quirks: [lowercase_token_type]\n' >> "$profiles/dot-edited.yaml"
status=0
check --against "$profiles/dot-edited.yaml" --junit "$reports/drift-dot-edited.xml" > "$profiles/edited.log" || status=$?
[ "$status" = 1 ] || { cat "$profiles/edited.log"; echo "check --against an edited profile exited $status, not 1"; exit 1; }
grep "^drift " "$profiles/edited.log" > "$profiles/found" || true
cat > "$profiles/expected" <<EXPECTED
drift endpoints: revoke — the provider: /o/revoke_token/; the profile: /moved/revoke
drift quirks: lowercase_token_type — the provider: does not show it; the profile: plays it
drift claims: username — the provider: a string; the profile: a number
drift tokens: access token lifetime (expires_in) — the provider: 36000 s; the profile: 600 s
EXPECTED
diff "$profiles/expected" "$profiles/found" || { echo "the drift reported is not the four edits"; exit 1; }
grep -q '<testcase name="claims" classname="drift"' "$reports/drift-dot-edited.xml"
echo "drift: the written profile has no drift; the four hand edits are reported, and nothing else"
