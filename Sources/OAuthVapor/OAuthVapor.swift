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
    /// Where the app is reached from outside (redirect URIs): configure it behind a proxy.
    public let baseURL: ExternalBaseURL
    public static let sessionKey = "oauth_session"

    public init(registry: OAuthRegistry, baseURL: ExternalBaseURL = ExternalBaseURL()) {
        self.registry = registry
        self.baseURL = baseURL
    }

    /// The browser's flow session id, created in Vapor's session on first use.
    public static func sessionID(_ request: Request) -> String {
        if let id = request.session.data[sessionKey] { return id }
        let id = SecureRandom.token(bytes: 24)
        request.session.data[sessionKey] = id
        return id
    }

    /// This app's external URL for `path` (see `ExternalBaseURL`): the configured base URL, else
    /// the trusted forwarded headers, else `http://` and the request's Host.
    public func url(_ path: String, for request: Request) -> String {
        baseURL.url(
            path,
            host: request.headers.first(name: .host),
            forwardedProto: request.headers.first(name: "X-Forwarded-Proto"),
            forwardedHost: request.headers.first(name: "X-Forwarded-Host")
        )
    }

    /// `http://` and the request's Host: for development on one machine only (behind a proxy
    /// it is not the browser's URL); use the instance method with a configured base URL.
    public static func url(_ path: String, for request: Request) -> String {
        ExternalBaseURL().url(path, host: request.headers.first(name: .host))
    }

    /// A redirect to the provider, with the flow stored for this browser.
    public func authorizeRedirect(_ app: RemoteApp, request: Request, redirectURI: String) async throws -> Response {
        request.redirect(to: try await app.authorizeRedirect(redirectURI: redirectURI, session: Self.sessionID(request)))
    }

    /// Completes the login from the callback request (state checked against this browser).
    public func authorizeAccessToken(_ app: RemoteApp, request: Request) async throws -> AuthorizedToken {
        try await app.authorizeAccessToken(callbackURL: url(request.url.string, for: request), session: Self.sessionID(request))
    }
}
#endif
