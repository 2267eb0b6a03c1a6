import Foundation
import OAuthCore
import Synchronization

/// What a remote app keeps between sending a user to the provider and the callback: the
/// redirect URI, the PKCE verifier, the OpenID nonce, or OAuth 1 temporary credentials.
public struct FlowData: Sendable, Codable, Equatable {
    public var redirectURI: String?
    public var codeVerifier: String?
    public var nonce: String?
    public var requestToken: String?
    public var requestTokenSecret: String?
    public var expiresAt: Date

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
    func store(_ data: FlowData, key: String, session: String) async throws
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

    public init() {}

    public func store(_ data: FlowData, key: String, session: String) async throws {
        entries.withLock { $0[session + "\u{0}" + key] = data }
    }

    public func take(key: String, session: String) async throws -> FlowData? {
        entries.withLock { $0.removeValue(forKey: session + "\u{0}" + key) }
    }

    public var count: Int { entries.withLock { $0.count } }
}
