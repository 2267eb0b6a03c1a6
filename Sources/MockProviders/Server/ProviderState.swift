import Foundation
import Synchronization

/// What a mock provider remembers: issued codes and tokens, used assertion ids, and counters
/// that tests read. One instance per running provider; guarded by a mutex (every operation is
/// short and never awaits).
final class ProviderState: Sendable {
    struct CodeGrant {
        var clientID: String
        var redirectURI: String?
        var sub: String
        var scope: [String]
        var challenge: String?
        var challengeMethod: String?
        /// OpenID Connect: echoed in the ID token.
        var nonce: String?
        var expiresAt: Date
        var redeemed: Bool
        /// Tokens issued from this code, revoked if the code is replayed (RFC 6749 §4.1.2).
        var issuedTokens: [String]
    }

    struct TokenGrant {
        var clientID: String
        /// `nil` for client_credentials tokens (no resource owner).
        var sub: String?
        var scope: [String]
        var issuedAt: Date
        var expiresAt: Date?
        var revoked: Bool
        /// For an access token, the refresh token issued with it; for a refresh token, the
        /// access tokens issued with it or from it (revoked with it, RFC 7009 §2.1).
        var related: [String]
    }

    struct Storage {
        var codes: [String: CodeGrant] = [:]
        var accessTokens: [String: TokenGrant] = [:]
        var refreshTokens: [String: TokenGrant] = [:]
        var usedAssertionIDs: Set<String> = []
        /// Token-endpoint requests by grant_type, as received.
        var grantCounts: [String: Int] = [:]
    }

    private let storage = Mutex(Storage())

    func withStorage<Result>(_ body: (inout Storage) throws -> Result) rethrows -> Result {
        try storage.withLock { try body(&$0) }
    }
}
