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
    private let userClaims = Mutex<[String: JSONValue]>([:])
    private let rotation = Mutex<Bool?>(nil)
    private let key = Mutex<ClientKey?>(nil)

    /// The key the run's dynamically registered clients sign with (made once: RSA key
    /// generation is the slow part of a registration).
    func clientKey() throws(CheckFailure) -> ClientKey {
        try key.withLock { (held: inout ClientKey?) throws(CheckFailure) -> ClientKey in
            if let held { return held }
            let made = try ClientKey.fresh()
            held = made
            return made
        }
    }
    /// Every secret the run has seen so far: each check's redactor starts as a copy of it (a
    /// check may report what an earlier one saw) and gives it what it learned; the quirks'
    /// evidence and the written profile's claims are held to it at the end.
    let redactor: Redactor

    init(secrets: [String] = []) { redactor = Redactor(secrets: secrets) }

    /// The test user's claims as the provider's API or UserInfo answered them, of their JSON
    /// types (for `--write-profile` and `--against`); names that look like secrets are left out,
    /// and so are names longer than 128 bytes and values longer than 2 KB as JSON; at most 100
    /// claims are kept.
    var claims: [String: JSONValue] { userClaims.withLock { $0 } }
    static let claimLimit = 100
    static let claimValueLimit = 2048

    /// Members about the token or the client, not the user.
    static let protocolMembers: Set<String> = ["client_id", "scope", "aud", "iss", "exp", "iat", "nbf", "jti", "azp", "token_type", "active"]

    func saw(claimsIn body: [UInt8]) {
        guard case .object(let members)? = try? JSONValue.parse(body) else { return }
        userClaims.withLock { claims in
            for (name, value) in members.sorted(by: { $0.key < $1.key }) {
                guard claims.count < Self.claimLimit, name.utf8.count <= 128, !Redactor.isSecretName(name), !Self.protocolMembers.contains(name),
                    claims[name] == nil,
                    value.jsonBytes.count <= Self.claimValueLimit
                else { continue }
                claims[name] = value
            }
        }
    }

    /// Whether a refresh answered a new refresh token; `nil` until a check refreshed.
    var refreshRotation: Bool? { rotation.withLock { $0 } }

    /// A refresh of `old` answered `answer`.
    func refreshed(_ old: String, answer: TokenAnswer) {
        guard answer.succeeded else { return }
        rotation.withLock { $0 = answer.refreshToken.map { $0 != old } ?? false }
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
