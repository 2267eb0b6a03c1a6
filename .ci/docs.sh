#!/usr/bin/env bash
# Builds the DocC documentation of the library targets with every DocC warning treated as an
# error (a broken ``symbol`` or <doc:…> link, an unresolved topic, …): exits non-zero on any.
#
#   .ci/docs.sh                       the default library targets
#   .ci/docs.sh OAuthCore OAuth1      only these
#   DOCS_SCRATCH=/tmp/docs .ci/docs.sh
#
# All targets go to one invocation of swift-docc-plugin (`--target A --target B …`): SwiftPM
# resolves and builds the dependencies once, and the plugin documents the targets in dependency
# order, independent ones side by side. Archives: $DOCS_SCRATCH/plugins/Swift-DocC/outputs/.
# The scratch path is separate from .build so that a documentation build never waits for, or
# invalidates, the ordinary debug build.
#
# OAuthVapor is not in the default list: its code is behind the package trait `Vapor` (off by
# default), and building it compiles Vapor (about 2–3 minutes more on a scratch path where the
# other dependencies are already built). Name it to include it; the trait is then turned on
# for the whole invocation (DOCS_TRAITS overrides the traits given to SwiftPM):
#   .ci/docs.sh OAuthCore OAuth1 OAuthClient OAuthHummingbird OAuthVapor OAuthTesting
# Changing the traits between runs on one scratch path rebuilds the package's own targets.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi

scratch="${DOCS_SCRATCH:-.build-docs}"
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(OAuthCore OAuth1 OAuth2 OpenIDConnect OAuthClient OAuthHummingbird OAuthTesting MockProviders)
fi

traits="${DOCS_TRAITS:-}"
if [ -z "$traits" ]; then
  for target in "${targets[@]}"; do
    # Without the trait OAuthVapor has no symbols, and its catalogue's links would be broken.
    if [ "$target" = OAuthVapor ]; then traits=Vapor; fi
  done
fi

package_options=(--scratch-path "$scratch")
if [ -n "$traits" ]; then
  package_options+=(--traits "$traits")
fi

plugin_options=()
for target in "${targets[@]}"; do
  plugin_options+=(--target "$target")
done

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

echo "== DocC (warnings are errors): ${targets[*]}${traits:+ (traits: $traits)}"
start=$SECONDS
status=0
swift package "${package_options[@]}" generate-documentation "${plugin_options[@]}" --warnings-as-errors 2>&1 | tee "$log" || status=$?

# docc exits non-zero on a warning with --warnings-as-errors, and the plugin then fails. The
# plugin's own warning for a target without documentable symbols does not fail it: looked for
# here. (SwiftPM's warnings about dependencies' unhandled files are not documentation's.)
if grep -q "does not contain any documentable symbols" "$log"; then
  [ "$status" -ne 0 ] || status=1
fi
echo "== DocC finished in $((SECONDS - start)) s (exit status $status)"
exit "$status"
