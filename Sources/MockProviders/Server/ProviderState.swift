import Foundation
import OAuthCore
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
        /// RFC 9449 §10: the DPoP key thumbprint the code is bound to (`dpop_jkt`).
        var dpopJKT: String? = nil
        /// RFC 9396: the `authorization_details` granted, returned with the token.
        var authorizationDetails: JSONValue? = nil
        /// RFC 8707: the resources the authorization request named; the token request may only
        /// narrow them.
        var resources: [String] = []
    }

    /// A pushed authorization request (RFC 9126): its parameters, until used or expired.
    struct PushedRequest {
        var clientID: String
        var parameters: FormParameters
        var expiresAt: Date
        /// A code was issued from it: it is single-use (§4).
        var used = false
    }

    /// A device authorization (RFC 8628): pending until the user approves or denies at the
    /// verification page, then redeemed once.
    struct DeviceGrant {
        enum Status: Equatable {
            case pending
            case approved(sub: String)
            case denied
            case redeemed
        }
        var clientID: String
        var scope: [String]
        var userCode: String
        var expiresAt: Date
        /// Seconds the client must wait between polls; `slow_down` adds 5 (§3.5).
        var interval: Int
        /// The last poll, or the issue time before the first.
        var lastPoll: Date
        var status: Status = .pending
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
        /// The access token's audience (`aud`, RFC 8707 `resource`); `nil` for refresh tokens.
        var audience: [String]? = nil
        /// RFC 9449: the thumbprint of the DPoP key the token is bound to.
        var jkt: String? = nil
        /// RFC 9396: the `authorization_details` granted.
        var authorizationDetails: JSONValue? = nil
        /// RFC 8693 §4.1: the actor of a token issued by token exchange (`act`).
        var act: JSONValue? = nil
    }

    /// A client registered at run time (RFC 7591): the client the endpoints authenticate, its
    /// registration as the configuration endpoint answers it (RFC 7592 §3; kept encoded: one
    /// buffer per client, cheap to keep and to forget), and that endpoint's token.
    struct RegisteredClient {
        var client: ProviderProfile.Client
        var response: [UInt8]
        var registrationAccessToken: String
        var issuedAt: Date
    }

    /// How many codes, access tokens and refresh tokens (each) a mock remembers: past it the
    /// oldest is forgotten, so a mock under load keeps a bounded footprint.
    static let retention = 10_000

    struct Storage {
        var codes = BoundedStore<CodeGrant>(capacity: ProviderState.retention)
        var accessTokens = BoundedStore<TokenGrant>(capacity: ProviderState.retention)
        var refreshTokens = BoundedStore<TokenGrant>(capacity: ProviderState.retention)
        var usedAssertionIDs: Set<String> = []
        /// Token-endpoint requests by grant_type, as received.
        var grantCounts: [String: Int] = [:]
        /// Browser sessions of the login pages, by session cookie.
        var sessions = BoundedStore<LoginSession>(capacity: ProviderState.retention)
        /// Set by `POST /_harness/next-decision`: the next authorization is approved or denied so.
        var nextDecision: String?
        /// RFC 9126 pushed requests by `request_uri`.
        var pushedRequests = BoundedStore<PushedRequest>(capacity: ProviderState.retention)
        /// RFC 9449 §11.1: the `jti` of every DPoP proof accepted, while its `iat` is in the window.
        var usedProofIDs = BoundedStore<Date>(capacity: ProviderState.retention)
        /// RFC 7591 clients registered at run time, by client_id.
        var registeredClients = BoundedStore<RegisteredClient>(capacity: ProviderState.retention)
        /// RFC 8628 device authorizations by device code, and the device code of each user code.
        var deviceGrants = BoundedStore<DeviceGrant>(capacity: ProviderState.retention)
        var deviceCodesByUserCode = BoundedStore<String>(capacity: ProviderState.retention)
        /// OpenID sessions by `sid` (Back-Channel Logout 1.0): ended at logout.
        var openIDSessions = BoundedStore<OPSession>(capacity: ProviderState.retention)
        /// RFC 9449 §8: the nonce proofs must carry when the profile asks for nonces.
        var dpopNonce = SecureRandom.token(bytes: 16)
        /// Registration §2 `jwks_uri`: the last key set fetched for each URI.
        var clientKeySets = BoundedStore<[JSONValue]>(capacity: ProviderState.retention)
        /// Core §8.1: the secret that derives pairwise subjects (per provider instance).
        var pairwiseSalt = SecureRandom.bytes(32)
    }

    /// A user's session with one client, named by the `sid` of its ID tokens.
    struct OPSession {
        var sub: String
        var clientID: String
    }

    /// A browser's session at the mock's login pages.
    struct LoginSession {
        var csrf: String
        /// Identifier-first: the username of the first page.
        var pendingUsername: String?
        /// Signed in as this user.
        var sub: String?
    }

    private let storage = Mutex(Storage())

    func withStorage<Result>(_ body: (inout Storage) throws -> Result) rethrows -> Result {
        try storage.withLock { try body(&$0) }
    }
}

/// A dictionary that holds at most `capacity` entries: inserting past it forgets the entry
/// inserted first (a forgotten token is then simply unknown: invalid at the token endpoint,
/// inactive at introspection). Updating an existing key keeps its place.
struct BoundedStore<Value> {
    private var entries: [String: Value] = [:]
    private var order: [String] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// The keys whose values satisfy `isIncluded`: a scan of every entry (bounded by `capacity`),
    /// for rare operations such as ending a user's sessions.
    func keys(where isIncluded: (Value) -> Bool) -> [String] {
        entries.compactMap { isIncluded($0.value) ? $0.key : nil }
    }

    subscript(key: String) -> Value? {
        get { entries[key] }
        set {
            guard let newValue else {
                entries[key] = nil
                return
            }
            if entries.updateValue(newValue, forKey: key) == nil {
                order.append(key)
                evictOverflow()
            }
        }
    }

    private mutating func evictOverflow() {
        while entries.count > capacity, head < order.count {
            entries[order[head]] = nil
            head += 1
        }
        // Drop the consumed prefix once it is most of the array (amortised O(1) per insert).
        if head >= 1024, head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}

extension BoundedStore: Sendable where Value: Sendable {}
