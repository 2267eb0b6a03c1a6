#if Vapor
import Foundation
import OAuthClient
import OAuthCore
import Vapor

/// Flow data in a Vapor cache (`app.caches.memory`, Redis, Fluent…) with the flow's expiry.
/// Vapor's `Cache` protocol predates `Sendable`; its drivers are made to be shared across
/// event loops, which is what `@unchecked Sendable` records here.
public final class VaporCacheFlowStore: FrameworkIntegration, @unchecked Sendable {
    let cache: any Cache
    let clock: any OAuthClock

    public init(cache: any Cache, clock: any OAuthClock = SystemClock()) {
        self.cache = cache
        self.clock = clock
    }

    public func store(_ data: FlowData, key: String, session: String) async throws {
        let seconds = data.secondsLeft(at: clock.now())
        try await cache.set(FlowData.storageKey(key, session: session), to: data, expiresIn: .seconds(Int(seconds)))
    }

    public func take(key: String, session: String) async throws -> FlowData? {
        let name = FlowData.storageKey(key, session: session)
        guard let data = try await cache.get(name, as: FlowData.self) else { return nil }
        try await cache.delete(name)
        return data
    }
}

/// Vapor helpers around a registry. The browser is identified by a value kept in Vapor's
/// session (`app.middleware.use(app.sessions.middleware)` must be installed).
public struct VaporOAuth: Sendable {
    public let registry: OAuthRegistry
    public static let sessionKey = "oauth_session"

    public init(registry: OAuthRegistry) { self.registry = registry }

    /// The browser's flow session id, created in Vapor's session on first use.
    public static func sessionID(_ request: Request) -> String {
        if let id = request.session.data[sessionKey] { return id }
        let id = SecureRandom.token(bytes: 24)
        request.session.data[sessionKey] = id
        return id
    }

    /// This app's own URL for `path`, from the request's Host.
    public static func url(_ path: String, for request: Request) -> String {
        "http://" + (request.headers.first(name: .host) ?? "127.0.0.1") + path
    }

    /// A redirect to the provider, with the flow stored for this browser.
    public func authorizeRedirect(_ app: RemoteApp, request: Request, redirectURI: String) async throws -> Response {
        request.redirect(to: try await app.authorizeRedirect(redirectURI: redirectURI, session: Self.sessionID(request)))
    }

    /// Completes the login from the callback request (state checked against this browser).
    public func authorizeAccessToken(_ app: RemoteApp, request: Request) async throws -> AuthorizedToken {
        try await app.authorizeAccessToken(callbackURL: Self.url(request.url.string, for: request), session: Self.sessionID(request))
    }
}
#endif
