#if Vapor
import ExampleSupport
import Foundation
import OAuth2
import OAuthClient
import OAuthCore
import OAuthVapor
import Synchronization
import Vapor

/// The Vapor version of the example: sign in with GitHub-style OAuth 2, Twitter-style OAuth 1 or
/// Google-style OpenID Connect, call the provider's API, sign out — and be signed out by the
/// OpenID provider through the back channel (a logout token POSTed to `/backchannel-logout/google`
/// deletes the browser's Vapor session).
public enum VaporExampleApp {
    final class Tokens: Sendable {
        let values = Mutex<[String: StoredToken]>([:])
    }

    static let apiPaths = ExampleSupport.apiPaths

    /// Registers the providers present in `settings` and installs sessions and routes.
    public static func configure(
        _ app: Application,
        registry: OAuthRegistry,
        settings: [String: String],
        sessions: BackChannelSessions = BackChannelSessions()
    ) throws {
        try ExampleSupport.registerProviders(registry, settings: settings)
        app.sessions.use(.memory)
        app.middleware.use(app.sessions.middleware)
        let oauth = VaporOAuth(registry: registry)
        let tokens = Tokens()

        app.get { request -> Response in
            if let name = request.session.data["name"], let provider = request.session.data["provider"] {
                return html("Signed in as \(name) with \(provider). <a href=\"/api\">Call the API</a> · <a href=\"/logout\">Sign out</a>")
            }
            return html("Not signed in. " + registry.names.map { "<a href=\"/login/\($0)\">Sign in with \($0)</a>" }.joined(separator: " · "))
        }
        app.get("login", ":provider") { request -> Response in
            guard let name = request.parameters.get("provider"), let remote = registry[name] else { throw Abort(.notFound) }
            request.session.data["pending"] = name
            return try await oauth.authorizeRedirect(remote, request: request, redirectURI: oauth.url("/callback", for: request))
        }
        app.get("callback") { request -> Response in
            guard let name = request.session.data["pending"], let remote = registry[name] else {
                throw Abort(.badRequest, reason: "no sign-in in progress")
            }
            request.session.data["pending"] = nil
            let login = try await oauth.authorizeAccessToken(remote, request: request)
            var display = login.userInfo?.name
            if display == nil, let path = apiPaths[name] {
                let json = try? JSONValue.parse(try await remote.get(path, user: "", token: login.token).body)
                display = json?["name"]?.stringValue ?? json?["sub"]?.stringValue ?? json?["id"]?.stringValue
            }
            let session = VaporOAuth.sessionID(request)
            tokens.values.withLock { $0[session] = login.token }
            request.session.data["provider"] = name
            request.session.data["name"] = display ?? "?"
            VaporOAuth.recordSignIn(login, app: remote, request: request, sessions: sessions)
            return request.redirect(to: "/")
        }
        app.post("backchannel-logout", ":provider") { request -> Response in
            guard let name = request.parameters.get("provider"), let remote = registry[name] else { throw Abort(.notFound) }
            return await oauth.backChannelLogout(remote, request: request, sessions: sessions)
        }
        app.get("api") { request -> Response in
            let session = VaporOAuth.sessionID(request)
            guard let name = request.session.data["provider"], let remote = registry[name], let path = apiPaths[name],
                let token = tokens.values.withLock({ $0[session] })
            else { return request.redirect(to: "/") }
            let answer = try await remote.get(path, user: session, token: token)
            return Response(
                status: .init(statusCode: answer.status),
                headers: ["Content-Type": "application/json"],
                body: .init(data: Data(answer.body))
            )
        }
        app.get("logout") { request -> Response in
            let session = VaporOAuth.sessionID(request)
            if request.session.data["provider"] == "google", let remote = registry["google"], let token = tokens.values.withLock({ $0[session] }) {
                return request.redirect(
                    to: try await remote.logoutRedirect(
                        postLogoutRedirectURI: oauth.url("/logged-out", for: request),
                        idTokenHint: token.oauth2?.idToken,
                        session: session
                    )
                )
            }
            return request.redirect(to: "/logged-out")
        }
        app.get("logged-out") { request -> Response in
            // Back from the provider's logout: the state must be one this app sent — and this
            // browser's, unless the back channel already deleted its session.
            let bound = request.session.data[VaporOAuth.sessionKey]
            if request.url.query?.contains("state=") == true, let remote = registry["google"] {
                _ = try await remote.validateLogoutResponse(request.url.string, session: bound)
            }
            let session = VaporOAuth.sessionID(request)
            _ = tokens.values.withLock { $0.removeValue(forKey: session) }
            if let id = request.session.id?.string { sessions.signedOut(session: id) }
            request.session.data["provider"] = nil
            request.session.data["name"] = nil
            return html("Signed out.")
        }
    }

    static func html(_ body: String) -> Response {
        Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: "<!doctype html><p>\(body)</p>"))
    }
}
#endif
