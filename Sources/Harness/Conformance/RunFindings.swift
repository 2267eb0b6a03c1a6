import Foundation
import OAuth2
import OAuthCore
import Synchronization

/// What one run learned that later checks build on: the request style the token endpoint
/// accepts, and the quirks detected so far.
final class RunFindings: Sendable {
    struct Baseline: Sendable {
        /// How token requests must be sent for this provider to answer (a quirk when not plain).
        var style: TokenRequestStyle
        var answer: TokenAnswer
        var grantedScope: String?
    }

    private let state = Mutex<(baseline: Result<Baseline, CheckFailure>?, quirks: [DetectedQuirk])>((nil, []))
    private let userClaims = Mutex<[String: String]>([:])
    /// Every secret the run has seen so far: each check's redactor starts as a copy of it (a
    /// check may report what an earlier one saw) and gives it what it learned; the quirks'
    /// evidence and the written profile's claims are held to it at the end.
    let redactor: Redactor

    init(secrets: [String] = []) { redactor = Redactor(secrets: secrets) }

    /// The test user's string claims as the provider's API or UserInfo answered them (for
    /// `--write-profile`); names that look like secrets are left out.
    var claims: [String: String] { userClaims.withLock { $0 } }

    /// Members about the token or the client, not the user.
    static let protocolMembers: Set<String> = ["client_id", "scope", "aud", "iss", "exp", "iat", "nbf", "jti", "azp", "token_type", "active"]

    func saw(claimsIn body: [UInt8]) {
        guard case .object(let members)? = try? JSONValue.parse(body) else { return }
        userClaims.withLock { claims in
            for (name, value) in members {
                guard let text = value.stringValue, !Redactor.isSecretName(name), !Self.protocolMembers.contains(name), claims[name] == nil
                else { continue }
                claims[name] = text
            }
        }
    }

    var baseline: Result<Baseline, CheckFailure>? {
        get { state.withLock { $0.baseline } }
        set { state.withLock { $0.baseline = newValue } }
    }

    /// The quirks detected, their evidence redacted with every secret the run knows.
    var quirks: [DetectedQuirk] {
        state.withLock { $0.quirks }.map { DetectedQuirk(quirk: $0.quirk, evidence: redactor.redact($0.evidence)) }
    }

    func detected(_ quirk: DetectedQuirk) {
        state.withLock { state in
            if !state.quirks.contains(where: { $0.quirk == quirk.quirk }) { state.quirks.append(quirk) }
        }
    }
}
