#!/usr/bin/env bash
# Builds each libFuzzer target with the sources it exercises (no package dependencies needed)
# and runs it for a bounded number of executions and time: FUZZ_RUNS (default 1000000) and
# FUZZ_SECONDS (default 300) per target. Crashes, leaks (AddressSanitizer) and hangs
# (-timeout=5) make the script fail.
set -euo pipefail
cd "$(dirname "$0")"
root=..
runs=${FUZZ_RUNS:-1000000}
seconds=${FUZZ_SECONDS:-300}
core="$root/Sources/OAuthCore"
common=("$core/RFC3986/PercentEncoding.swift" "$core/JSONValue.swift" "$core/SecureRandom.swift" "$core/OAuthError.swift" "$core/Redactor.swift" "$core/HTTP/Transport.swift" "$core/ConstantTime.swift")
declare -A extra=(
  [FormParsing]=""
  [TokenResponse]="$core/OAuth2Token.swift"
  [OAuth1Normalization]="$root/Sources/OAuth1/RFC5849/SignatureBaseString.swift"
  [JWTParsing]=""
)
declare -A corpus=([FormParsing]=form [TokenResponse]=token [OAuth1Normalization]=oauth1 [JWTParsing]=jwt)
mkdir -p build/src
for target in ${TARGETS:-FormParsing TokenResponse OAuth1Normalization JWTParsing}; do
  echo "== $target"
  # Everything is compiled as one module: drop imports of the project's own modules.
  sources=()
  for file in "${common[@]}" ${extra[$target]}; do
    copy="build/src/$(basename "$file")"
    grep -v -E '^import (OAuthCore|OAuth1|OAuth2)$' "$file" > "$copy"
    sources+=("$copy")
  done
  swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name Fuzz$target \
    "targets/$target.swift" "${sources[@]}" -o "build/$target" 2> "build/$target.compile.log" \
    || { grep -v "ld.gold" "build/$target.compile.log"; exit 1; }
  work=$(mktemp -d)
  cp "corpus/${corpus[$target]}"/* "$work/"
  status=0
  SWIFT_BACKTRACE=enable=no "build/$target" -runs="$runs" -max_total_time="$seconds" -timeout=5 -print_final_stats=1 \
    -artifact_prefix="build/$target-" "$work" > "build/$target.log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==[0-9]+==ERROR|SUMMARY)" "build/$target.log" || true
  [ "$status" -eq 0 ] || { echo "$target failed: see Fuzz/build/$target.log"; exit 1; }
  rm -rf "$work"
done
