#if Vapor
import Foundation
import OAuthClient
import OAuthCore
import OpenIDConnect
import Vapor

/// Flow data in a Vapor cache (`app.caches.memory`, Redis, Fluent…) with the flow's expiry.
/// Vapor's `Cache` protocol predates `Sendable`; its drivers are made to be shared across
/// event loops, which is what `@unchecked Sendable` records here.
public final class VaporCacheFlowStore: FrameworkIntegration, @unchecked Sendable {
    let cache: any Cache
    let clock: any OAuthClock

    /// Creates a store over a Vapor cache.
    ///
    /// - Parameters:
    ///   - cache: where entries are kept, e.g. `app.cache`.
    ///   - clock: the time from which entry lifetimes are counted.
    public init(cache: any Cache, clock: any OAuthClock = SystemClock()) {
        self.cache = cache
        self.clock = clock
    }

    /// Keeps `data` until its `FlowData.expiresAt` (at least one second).
    ///
    /// - Parameters:
    ///   - data: the flow data.
    ///   - key: the flow's key within the session.
    ///   - session: the browser session's id.
    /// - Throws: the cache's errors.
    public func store(_ data: FlowData, key: String, session: String) async throws {
        let seconds = data.secondsLeft(at: clock.now())
        try await cache.set(FlowData.storageKey(key, session: session), to: data, expiresIn: .seconds(Int(seconds)))
    }

    /// Removes and returns the data stored under `key` for `session`; `nil` when there is none or
    /// it expired.
    ///
    /// - Parameters:
    ///   - key: the flow's key within the session.
    ///   - session: the browser session's id.
    /// - Throws: the cache's errors.
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
    /// The registry whose apps the routes use.
    public let registry: OAuthRegistry
    /// Where the app is reached from outside (redirect URIs): configure it behind a proxy.
    public let baseURL: ExternalBaseURL
    /// The key of the browser's flow session id in Vapor's session data.
    public static let sessionKey = "oauth_session"

    /// Creates the helpers.
    ///
    /// - Parameters:
    ///   - registry: the registry whose apps the routes use.
    ///   - baseURL: where the app is reached from outside.
    public init(registry: OAuthRegistry, baseURL: ExternalBaseURL = ExternalBaseURL()) {
        self.registry = registry
        self.baseURL = baseURL
    }

    /// The browser's flow session id, created in Vapor's session on first use.
    ///
    /// - Parameter request: the browser's request; its session must be available.
    public static func sessionID(_ request: Request) -> String {
        if let id = request.session.data[sessionKey] { return id }
        let id = SecureRandom.token(bytes: 24)
        request.session.data[sessionKey] = id
        return id
    }

    /// This app's external URL for `path` (see `ExternalBaseURL`): the configured base URL, else
    /// the trusted forwarded headers, else `http://` and the request's Host.
    ///
    /// - Parameters:
    ///   - path: the path on the app, starting with `/`.
    ///   - request: the request whose `Host` and forwarded headers may be used.
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
    ///
    /// - Parameters:
    ///   - path: the path on the app, starting with `/`.
    ///   - request: the request whose `Host` is used.
    public static func url(_ path: String, for request: Request) -> String {
        ExternalBaseURL().url(path, host: request.headers.first(name: .host))
    }

    /// A redirect to the provider, with the flow stored for this browser.
    ///
    /// - Parameters:
    ///   - app: the provider to sign in with.
    ///   - request: the browser's request.
    ///   - redirectURI: the callback URL, e.g. from the instance method `url(_:for:)`.
    /// - Returns: a redirect response to the provider.
    /// - Throws: the errors of `RemoteApp.authorizeRedirect(redirectURI:session:extraParameters:)`.
    public func authorizeRedirect(_ app: RemoteApp, request: Request, redirectURI: String) async throws -> Response {
        request.redirect(to: try await app.authorizeRedirect(redirectURI: redirectURI, session: Self.sessionID(request)))
    }

    /// Completes the login from the callback request (state checked against this browser).
    ///
    /// - Parameters:
    ///   - app: the provider the login was started with.
    ///   - request: the callback request.
    /// - Returns: the token and, for OpenID Connect, the ID token's claims.
    /// - Throws: the errors of `RemoteApp.authorizeAccessToken(callbackURL:session:)`, e.g.
    ///   `mismatching_state` for a callback from another browser.
    public func authorizeAccessToken(_ app: RemoteApp, request: Request) async throws -> AuthorizedToken {
        try await app.authorizeAccessToken(callbackURL: url(request.url.string, for: request), session: Self.sessionID(request))
    }

    /// Records an OpenID login of this browser's Vapor session in `sessions`, so that a logout
    /// token for it ends that session (see ``backChannelLogout(_:request:sessions:)``).
    ///
    /// - Parameters:
    ///   - login: the completed login; without an ID token nothing is recorded.
    ///   - app: the provider it was made with.
    ///   - request: the callback request; its session must already have an id (the one that
    ///     started the login).
    ///   - sessions: the record.
    /// - Returns: whether the login was recorded.
    @discardableResult
    public static func recordSignIn(_ login: AuthorizedToken, app: RemoteApp, request: Request, sessions: BackChannelSessions) -> Bool {
        guard let idToken = login.idToken, let id = request.session.id?.string else { return false }
        sessions.signedIn(session: id, app: app.name, idToken: idToken)
        return true
    }

    /// Answers a provider's POST to the app's `backchannel_logout_uri` (OpenID Connect
    /// Back-Channel Logout 1.0 §2.5–§2.8): the logout token validated with `app`'s provider keys,
    /// and every Vapor session recorded for it (``recordSignIn(_:app:request:sessions:)``)
    /// deleted from the sessions driver — the browser's next request finds an empty session.
    /// 200 then; 400 with the reason, and nothing ended, for an invalid token.
    ///
    /// - Parameters:
    ///   - app: the provider the token must come from.
    ///   - request: the provider's request.
    ///   - sessions: who signed in where.
    /// - Returns: the response for the provider.
    public func backChannelLogout(_ app: RemoteApp, request: Request, sessions: BackChannelSessions) async -> Response {
        let answer: BackChannelLogoutAnswer
        var buffer = request.body.data
        if buffer == nil { buffer = try? await request.body.collect(max: LogoutTokenValidator.maxRequestBytes).get() }
        if let buffer {
            let response = await app.backChannelLogout(
                body: Array(buffer.readableBytesView),
                contentType: request.headers.first(name: .contentType),
                sessions: sessions
            )
            for session in response.endedSessions {
                try? await request.application.sessions.driver.deleteSession(SessionID(string: session), for: request).get()
            }
            answer = response.answer
        } else {
            answer = .refusal(
                413,
                .client(OAuthErrorCode.invalidRequest, "the body is over \(LogoutTokenValidator.maxRequestBytes) bytes", step: "backchannel_logout")
            )
        }
        var headers = HTTPHeaders()
        for field in answer.headers { headers.add(name: field.name, value: field.value) }
        return Response(status: .init(statusCode: answer.status), headers: headers, body: .init(data: Data(answer.body)))
    }
}
#endif
