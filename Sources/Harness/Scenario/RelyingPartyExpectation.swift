import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

/// What a relying-party scenario demonstrates (`conformance: {mode, expected}`): an evil mode of
/// the mock and the verdict the client must reach; a row of `reports/conformance.md`. Judging
/// *providers* is the other side, `Sources/Harness/Conformance/`.
public struct RelyingPartyExpectation: Sendable {
    /// What the client must do with the misbehaving provider's answer.
    public enum Verdict: String, Sendable, CaseIterable {
        /// Go on: the answer is within the rules.
        case accept
        /// Refuse it, naming why.
        case reject
    }
    package var mode: EvilMode
    package var module: String
    package var expected: Verdict
}

extension RelyingPartyExpectation {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("conformance")
        try map.allowOnly(["mode", "expected"], in: "conformance")
        let mode = try map.required("mode", in: "conformance").choice("evil mode", as: EvilMode.self)
        self.init(
            mode: mode,
            module: mode.conformanceModule,
            expected: try map.required("expected", in: "conformance").choice("expected verdict", as: Verdict.self)
        )
    }
}
