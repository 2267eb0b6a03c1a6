import Foundation
import OAuthCore
import Synchronization

/// What a remote app keeps between sending a user to the provider and the callback: the
/// redirect URI, the PKCE verifier, the OpenID nonce, or OAuth 1 temporary credentials.
public struct FlowData: Sendable, Codable, Equatable {
    /// The redirect URI the login was started with (the post-logout redirect URI for a logout).
    public var redirectURI: String?
    /// The PKCE code verifier (RFC 7636), when PKCE is used.
    public var codeVerifier: String?
    /// The OpenID Connect `nonce` the ID token must carry.
    public var nonce: String?
    /// OAuth 1: the temporary credentials' `oauth_token`.
    public var requestToken: String?
    /// OAuth 1: the temporary credentials' secret.
    public var requestTokenSecret: String?
    /// When the flow stops being accepted.
    public var expiresAt: Date

    /// Creates flow data.
    ///
    /// - Parameters:
    ///   - redirectURI: the redirect URI the flow was started with.
    ///   - codeVerifier: the PKCE code verifier.
    ///   - nonce: the OpenID Connect nonce.
    ///   - requestToken: OAuth 1: the temporary credentials' token.
    ///   - requestTokenSecret: OAuth 1: the temporary credentials' secret.
    ///   - expiresAt: when the flow stops being accepted.
    public init(
        redirectURI: String? = nil,
        codeVerifier: String? = nil,
        nonce: String? = nil,
        requestToken: String? = nil,
        requestTokenSecret: String? = nil,
        expiresAt: Date
    ) {
        self.redirectURI = redirectURI
        self.codeVerifier = codeVerifier
        self.nonce = nonce
        self.requestToken = requestToken
        self.requestTokenSecret = requestTokenSecret
        self.expiresAt = expiresAt
    }
}

/// Where a web framework keeps per-user flow data (the reference client's framework
/// integration): usually the user's session. `take` removes what it returns, so every state is
/// used once; the caller checks expiry.
public protocol FrameworkIntegration: Sendable {
    /// Keeps `data` under `key` for the browser session `session`, replacing what was there.
    ///
    /// - Parameters:
    ///   - data: the flow data.
    ///   - key: the flow's key within the session (the app name and the state).
    ///   - session: the browser session's id.
    /// - Throws: the store's own errors.
    func store(_ data: FlowData, key: String, session: String) async throws
    /// Removes and returns the data stored under `key` for `session`; `nil` when there is none.
    ///
    /// - Parameters:
    ///   - key: the flow's key within the session.
    ///   - session: the browser session's id.
    /// - Throws: the store's own errors.
    func take(key: String, session: String) async throws -> FlowData?
}

extension FlowData {
    /// The key a store files this flow under: the app's key within the browser session.
    package static func storageKey(_ key: String, session: String) -> String { "oauth-flow:\(session):\(key)" }

    /// Whole seconds left before `expiresAt` (at least 1), as a store's entry lifetime.
    package func secondsLeft(at now: Date) -> Int64 { max(1, Int64(expiresAt.timeIntervalSince(now).rounded(.up))) }
}

/// Flow data in memory, per session id, for tests and single-process apps.
public final class InMemoryFlowStore: FrameworkIntegration {
    private let entries = Mutex<[String: FlowData]>([:])

    /// Creates an empty store.
    public init() {}

    /// Keeps `data` in memory until it is taken (it does not expire on its own).
    ///
    /// - Parameters:
    ///   - data: the flow data.
    ///   - key: the flow's key within the session.
    ///   - session: the browser session's id.
    /// - Throws: never.
    public func store(_ data: FlowData, key: String, session: String) async throws {
        entries.withLock { $0[session + "\u{0}" + key] = data }
    }

    /// Removes and returns the data stored under `key` for `session`; `nil` when there is none.
    ///
    /// - Parameters:
    ///   - key: the flow's key within the session.
    ///   - session: the browser session's id.
    /// - Throws: never.
    public func take(key: String, session: String) async throws -> FlowData? {
        entries.withLock { $0.removeValue(forKey: session + "\u{0}" + key) }
    }

    /// How many flows are stored and not yet taken.
    public var count: Int { entries.withLock { $0.count } }
}
