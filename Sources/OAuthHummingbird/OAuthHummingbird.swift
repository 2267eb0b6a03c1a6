import Foundation
import HTTPTypes
import Hummingbird
import OAuthClient
import OAuthCore
import OpenIDConnect

/// Flow data kept in a Hummingbird `PersistDriver` (memory, Redis, Fluent, …) with the flow's
/// expiry as the entry's lifetime.
public struct PersistFlowStore: FrameworkIntegration {
    let driver: any PersistDriver
    let clock: any OAuthClock

    /// Creates a store over a persist driver.
    ///
    /// - Parameters:
    ///   - driver: where entries are kept.
    ///   - clock: the time from which entry lifetimes are counted.
    public init(driver: any PersistDriver, clock: any OAuthClock = SystemClock()) {
        self.driver = driver
        self.clock = clock
    }

    /// Keeps `data` until its `FlowData.expiresAt` (at least one second).
    ///
    /// - Parameters:
    ///   - data: the flow data.
    ///   - key: the flow's key within the session.
    ///   - session: the browser session's id.
    /// - Throws: the driver's errors.
    public func store(_ data: FlowData, key: String, session: String) async throws {
        let seconds = data.secondsLeft(at: clock.now())
        try await driver.set(key: FlowData.storageKey(key, session: session), value: data, expires: .seconds(seconds))
    }

    /// Removes and returns the data stored under `key` for `session`; `nil` when there is none or
    /// it expired.
    ///
    /// - Parameters:
    ///   - key: the flow's key within the session.
    ///   - session: the browser session's id.
    /// - Throws: the driver's errors.
    public func take(key: String, session: String) async throws -> FlowData? {
        let name = FlowData.storageKey(key, session: session)
        guard let data = try await driver.get(key: name, as: FlowData.self) else { return nil }
        try await driver.remove(key: name)
        return data
    }
}

/// Hummingbird helpers around a registry: a session cookie that identifies the browser, the
/// redirect to the provider and the reading of the callback.
public struct HummingbirdOAuth: Sendable {
    /// The registry whose apps the routes use.
    public let registry: OAuthRegistry
    /// Where the app is reached from outside (redirect URIs): configure it behind a proxy.
    public let baseURL: ExternalBaseURL
    /// The name of the cookie that carries the browser's session id.
    public static let sessionCookie = "oauth_session"
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")

    /// Creates the helpers.
    ///
    /// - Parameters:
    ///   - registry: the registry whose apps the routes use.
    ///   - baseURL: where the app is reached from outside.
    public init(registry: OAuthRegistry, baseURL: ExternalBaseURL = ExternalBaseURL()) {
        self.registry = registry
        self.baseURL = baseURL
    }

    /// The browser's session id from its cookie, or a new one (then set it on the response).
    ///
    /// - Parameter request: the browser's request.
    /// - Returns: the session id, and whether it is new (not yet in a cookie).
    public func session(of request: Request) -> (id: String, isNew: Bool) {
        if let value = request.cookies[Self.sessionCookie]?.value, !value.isEmpty { return (value, false) }
        return (SecureRandom.token(bytes: 24), true)
    }

    /// The session cookie to set on a response: `HttpOnly`, `SameSite=Lax`, for every path.
    ///
    /// - Parameter session: the browser session's id.
    public static func cookie(_ session: String) -> Cookie {
        Cookie(name: sessionCookie, value: session, path: "/", httpOnly: true, sameSite: .lax)
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
            host: request.head.authority,
            forwardedProto: Self.forwardedProto.flatMap { request.headers[$0] },
            forwardedHost: Self.forwardedHost.flatMap { request.headers[$0] }
        )
    }

    /// `http://` and the request's Host: for development on one machine only (behind a proxy
    /// it is not the browser's URL); use the instance method with a configured base URL.
    ///
    /// - Parameters:
    ///   - path: the path on the app, starting with `/`.
    ///   - request: the request whose `Host` is used.
    public static func url(_ path: String, for request: Request) -> String {
        ExternalBaseURL().url(path, host: request.head.authority)
    }

    /// 302 to the provider, with the flow stored for this browser's session (`session` when the
    /// caller already chose one for a new browser).
    ///
    /// - Parameters:
    ///   - app: the provider to sign in with.
    ///   - request: the browser's request.
    ///   - redirectURI: the callback URL, e.g. from ``url(_:for:)-method``.
    ///   - chosen: the session to use instead of the request's (and whether it is new).
    /// - Returns: a 302 response that sets the session cookie when the session is new.
    /// - Throws: the errors of `RemoteApp.authorizeRedirect(redirectURI:session:extraParameters:)`.
    public func authorizeRedirect(
        _ app: RemoteApp,
        request: Request,
        redirectURI: String,
        session chosen: (id: String, isNew: Bool)? = nil
    ) async throws -> Response {
        let (session, isNew) = chosen ?? session(of: request)
        let location = try await app.authorizeRedirect(redirectURI: redirectURI, session: session)
        var response = Response.redirect(to: location, type: .found)
        if isNew { response.setCookie(Self.cookie(session)) }
        return response
    }

    /// Completes the login from the callback request (state checked against this session).
    ///
    /// - Parameters:
    ///   - app: the provider the login was started with.
    ///   - request: the callback request.
    /// - Returns: the token and, for OpenID Connect, the ID token's claims.
    /// - Throws: the errors of `RemoteApp.authorizeAccessToken(callbackURL:session:)`, e.g.
    ///   `mismatching_state` for a callback from another browser.
    public func authorizeAccessToken(_ app: RemoteApp, request: Request) async throws -> AuthorizedToken {
        try await app.authorizeAccessToken(callbackURL: url(request.uri.string, for: request), session: session(of: request).id)
    }

    /// Answers a provider's POST to the app's `backchannel_logout_uri` (OpenID Connect
    /// Back-Channel Logout 1.0 §2.5–§2.8): the logout token validated with `app`'s provider keys,
    /// the matching sessions forgotten in `sessions` and handed to `end` (to delete what the app
    /// keeps for them), then 200 — or 400 with the reason, and nothing ended.
    ///
    /// - Parameters:
    ///   - app: the provider the token must come from.
    ///   - request: the provider's request.
    ///   - sessions: who signed in where (record each login with `BackChannelSessions/signedIn`).
    ///   - end: called once with the ended browser-session ids (this integration's session ids).
    /// - Returns: the response for the provider.
    public func backChannelLogout(
        _ app: RemoteApp,
        request: Request,
        sessions: BackChannelSessions,
        end: @Sendable ([String]) async -> Void
    ) async -> Response {
        let answer: BackChannelLogoutAnswer
        if let body = try? await request.body.collect(upTo: LogoutTokenValidator.maxRequestBytes) {
            let response = await app.backChannelLogout(body: Array(buffer: body), contentType: request.headers[.contentType], sessions: sessions)
            if !response.endedSessions.isEmpty { await end(response.endedSessions) }
            answer = response.answer
        } else {
            answer = .refusal(
                413,
                .client(OAuthErrorCode.invalidRequest, "the body is over \(LogoutTokenValidator.maxRequestBytes) bytes", step: "backchannel_logout")
            )
        }
        var headers = HTTPFields()
        for field in answer.headers {
            if let name = HTTPField.Name(field.name) { headers.append(HTTPField(name: name, value: field.value)) }
        }
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
