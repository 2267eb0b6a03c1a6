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
common=("$core/RFC3986/PercentEncoding.swift" "$core/RFC3986/URLReference.swift" "$core/JSONValue.swift" "$core/JSONText.swift" "$core/Base64URL.swift" "$core/OAuthError.swift" "$core/Redactor.swift" "$core/HTTP/Transport.swift" "$core/ConstantTime.swift")
# swift-extras-base64 (pure Swift) is compiled into each target too.
(cd "$root" && swift package resolve > /dev/null)
base64=("$root"/.build/checkouts/swift-extras-base64/Sources/ExtrasBase64/*.swift)
declare -A extra=(
  [FormParsing]=""
  [TokenResponse]="$core/OAuth2Token.swift"
  [OAuth1Normalization]="$root/Sources/OAuth1/RFC5849/SignatureBaseString.swift"
  [JWTParsing]=""
)
declare -A corpus=([FormParsing]=form [TokenResponse]=token [OAuth1Normalization]=oauth1 [JWTParsing]=jwt [Loader]=loader)
mkdir -p build/src
for target in ${TARGETS:-FormParsing TokenResponse OAuth1Normalization JWTParsing Loader}; do
  echo "== $target"
  if [ "$target" = Loader ]; then
    # The YAML loaders need Yams (and the Harness module): SwiftPM builds that closure with the
    # sanitizers, from the Fuzz/Loader package.
    swift build --package-path Loader --scratch-path build/loader -c release --sanitize=fuzzer --sanitize=address \
      > build/Loader.compile.log 2>&1 || { tail -40 build/Loader.compile.log; exit 1; }
    cp build/loader/release/FuzzLoader build/Loader
  else
    # Everything is compiled as one module: drop imports of the project's own modules.
    sources=()
    for file in "${common[@]}" "${base64[@]}" ${extra[$target]}; do
      copy="build/src/$(basename "$file")"
      grep -v -E '^(public |internal )?import (OAuthCore|OAuth1|OAuth2|ExtrasBase64)$' "$file" > "$copy"
      sources+=("$copy")
    done
    swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name Fuzz$target \
      -enable-experimental-feature Lifetimes \
      -enable-experimental-feature SuppressedAssociatedTypesWithDefaults \
      "targets/$target.swift" "${sources[@]}" -o "build/$target" 2> "build/$target.compile.log" \
      || { grep -v "ld.gold" "build/$target.compile.log"; exit 1; }
  fi
  work=$(mktemp -d)
  cp "corpus/${corpus[$target]}"/* "$work/"
  status=0
  SWIFT_BACKTRACE=enable=no "build/$target" -runs="$runs" -max_total_time="$seconds" -timeout=5 -print_final_stats=1 \
    -artifact_prefix="build/$target-" "$work" > "build/$target.log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==[0-9]+==ERROR|SUMMARY)" "build/$target.log" || true
  [ "$status" -eq 0 ] || { echo "$target failed: see Fuzz/build/$target.log"; exit 1; }
  rm -rf "$work"
done
