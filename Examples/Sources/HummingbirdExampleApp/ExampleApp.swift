import ExampleSupport
import Foundation
import Hummingbird
import OAuth2
import OAuthClient
import OAuthCore
import OAuthHummingbird
import Synchronization

/// A small Hummingbird web app that signs users in with three providers — GitHub-style OAuth 2,
/// Twitter-style OAuth 1 and Google-style OpenID Connect — shows who is signed in, calls the
/// provider's API with the user's token, and signs out (RP-initiated logout for OpenID). The
/// OpenID provider can also end a user's session on its own: it POSTs a logout token to
/// `/backchannel-logout/google` (Back-Channel Logout 1.0) and that browser is signed out here.
///
/// Providers come from `{NAME}_*` settings (see `ExampleApp.register`), so the same app runs
/// against `oauth-harness serve` mocks or real providers.
public enum ExampleApp {
    /// Who is signed in, per browser session.
    final class SignedIn: Sendable {
        struct User: Sendable {
            var provider: String
            var name: String
            var token: StoredToken
        }
        let users = Mutex<[String: User]>([:])
        let pending = Mutex<[String: String]>([:])
    }

    /// Registers `github`, `twitter` and `google` from settings such as `GITHUB_CLIENT_ID`,
    /// `GITHUB_AUTHORIZE_URL`, `TWITTER_REQUEST_TOKEN_URL`, `GOOGLE_SERVER_METADATA_URL`.
    public static func register(_ registry: OAuthRegistry, settings: [String: String]) throws {
        try ExampleSupport.registerProviders(registry, settings: settings)
    }

    static let apiPaths = ExampleSupport.apiPaths

    /// The app's routes.
    ///
    /// - Parameters:
    ///   - registry: the providers.
    ///   - sessions: which browser session signed in with which OpenID provider session, for
    ///     back-channel logout.
    public static func router(registry: OAuthRegistry, sessions: BackChannelSessions = BackChannelSessions()) -> Router<BasicRequestContext> {
        let oauth = HummingbirdOAuth(registry: registry)
        let signedIn = SignedIn()
        let router = Router()

        router.get("/") { request, _ -> Response in
            let session = oauth.session(of: request).id
            if let user = signedIn.users.withLock({ $0[session] }) {
                return text("Signed in as \(user.name) with \(user.provider). <a href=\"/api\">Call the API</a> · <a href=\"/logout\">Sign out</a>")
            }
            let links = registry.names.map { "<a href=\"/login/\($0)\">Sign in with \($0)</a>" }.joined(separator: " · ")
            return text("Not signed in. \(links)")
        }

        router.get("/login/{provider}") { request, context -> Response in
            let name = try context.parameters.require("provider")
            guard let app = registry[name] else { throw HTTPError(.notFound, message: "unknown provider \(name)") }
            let session = oauth.session(of: request)
            signedIn.pending.withLock { $0[session.id] = name }
            return try await oauth.authorizeRedirect(app, request: request, redirectURI: oauth.url("/callback", for: request), session: session)
        }

        router.get("/callback") { request, _ -> Response in
            let session = oauth.session(of: request).id
            guard let name = signedIn.pending.withLock({ $0.removeValue(forKey: session) }), let app = registry[name] else {
                throw HTTPError(.badRequest, message: "no sign-in in progress")
            }
            let login = try await oauth.authorizeAccessToken(app, request: request)
            var display = login.userInfo?.name ?? login.userInfo?.email
            if display == nil, let path = apiPaths[name] {
                let answer = try await app.get(path, user: session, token: login.token)
                let json = try? JSONValue.parse(answer.body)
                display = json?["name"]?.stringValue ?? json?["sub"]?.stringValue ?? json?["id"]?.stringValue
            }
            signedIn.users.withLock { $0[session] = .init(provider: name, name: display ?? "?", token: login.token) }
            if let idToken = login.idToken { sessions.signedIn(session: session, app: name, idToken: idToken) }
            return .redirect(to: "/", type: .found)
        }

        // Back-Channel Logout 1.0: the provider ends sessions from its side; the token is
        // validated with its keys and the browsers it names are signed out.
        router.post("/backchannel-logout/{provider}") { request, context -> Response in
            let name = try context.parameters.require("provider")
            guard let app = registry[name] else { throw HTTPError(.notFound, message: "unknown provider \(name)") }
            return await oauth.backChannelLogout(app, request: request, sessions: sessions) { ended in
                signedIn.users.withLock { users in
                    for session in ended { users[session] = nil }
                }
            }
        }

        router.get("/api") { request, _ -> Response in
            let session = oauth.session(of: request).id
            guard let user = signedIn.users.withLock({ $0[session] }), let app = registry[user.provider], let path = apiPaths[user.provider] else {
                return .redirect(to: "/", type: .found)
            }
            let answer = try await app.get(path, user: session, token: user.token)
            return Response(
                status: .init(code: answer.status),
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: answer.body))
            )
        }

        router.get("/logout") { request, _ -> Response in
            let session = oauth.session(of: request).id
            guard let user = signedIn.users.withLock({ $0[session] }) else { return .redirect(to: "/", type: .found) }
            if user.provider == "google", let app = registry["google"] {
                let url = try await app.logoutRedirect(
                    postLogoutRedirectURI: oauth.url("/logged-out", for: request),
                    idTokenHint: user.token.oauth2?.idToken,
                    session: session
                )
                return .redirect(to: url, type: .found)
            }
            _ = signedIn.users.withLock { $0.removeValue(forKey: session) }
            sessions.signedOut(session: session)
            return .redirect(to: "/logged-out", type: .found)
        }

        router.get("/logged-out") { request, _ -> Response in
            let session = oauth.session(of: request).id
            // Back from the provider's logout (the back channel may have signed the browser out
            // already): the state must be one this browser's logout sent.
            if request.uri.queryParameters["state"] != nil, let app = registry["google"] {
                _ = try await app.validateLogoutResponse(request.uri.string, session: session)
            }
            _ = signedIn.users.withLock { $0.removeValue(forKey: session) }
            sessions.signedOut(session: session)
            return text("Signed out.")
        }
        return router
    }

    static func text(_ html: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: "<!doctype html><p>\(html)</p>"))
        )
    }
}
