import Foundation
import MockProviders
import OAuth2
import OAuthCore
import OpenIDConnect
import Synchronization
import Testing

@testable import Harness
@testable import OAuthClient

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func profile(_ name: String) throws -> ProviderProfile {
    try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/\(name).yaml")
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

/// A mock provider on loopback, a registry, and the harness's user agent, for one test.
struct Stage {
    let provider: RunningProvider
    let clock = ManualClock()
    let transport = AsyncHTTPClientTransport()

    init(_ name: String, clock: ManualClock) async throws {
        provider = try await MockProviderServer.start(try profile(name), clock: clock)
    }

    func login(
        _ app: RemoteApp,
        session: String = "session-1",
        redirectURI: String = "http://127.0.0.1:8400/callback"
    ) async throws -> AuthorizedToken {
        let url = try await app.authorizeRedirect(redirectURI: redirectURI, session: session)
        var agent = UserAgent(transport: transport)
        let callback = try await agent.authorize(url: url, redirectURI: redirectURI, decision: .approve, user: nil)
        return try await app.authorizeAccessToken(callbackURL: callback, session: session)
    }

    func stop() async {
        try? await transport.shutdown()
        await provider.stop()
    }
}

@Suite(.serialized) struct RegistryTests {
    @Test func settingsFillTheConfigurationAndOverwriteDecidesWhoWins() throws {
        let registry = OAuthRegistry(
            transport: AsyncHTTPClientTransport(client: .shared),
            settings: [
                "GITHUB_CLIENT_ID": "from-env", "GITHUB_CLIENT_SECRET": "env-secret", "GITHUB_ACCESS_TOKEN_URL": "https://gh.example/token",
                "GITHUB_AUTHORIZE_URL": "https://gh.example/authorize", "GITHUB_API_BASE_URL": "https://api.gh.example/",
                "GITHUB_CLIENT_KWARGS": #"{"scope": "user:email read:user", "token_endpoint_auth_method": "client_secret_post"}"#,
                "GITHUB_AUTHORIZE_PARAMS": "allow_signup=false",
            ]
        )
        var given = RemoteAppConfiguration()
        given.clientID = "given"
        let app = try registry.register("github", given)
        #expect(app.configuration.clientID == "given")
        #expect(app.configuration.clientSecret == "env-secret")
        #expect(app.configuration.scope == ["user:email", "read:user"])
        #expect(app.configuration.tokenEndpointAuthMethod == .clientSecretPost)
        #expect(app.configuration.authorizeParams.map(\.0) == ["allow_signup"])
        #expect(!app.isOAuth1)
        #expect(registry.github === app)
        let replaced = try registry.register("github", overwrite: true, given)
        #expect(replaced.configuration.clientID == "from-env")
        #expect(registry["github"] === replaced)
        #expect(RemoteApp.resolve("user/repos", base: app.configuration.apiBaseURL) == "https://api.gh.example/user/repos")
        #expect(throws: OAuthError.self) { try registry.register("nothing") }
    }

    /// A typo in a registry setting is an error naming the setting and the choices, not the default.
    @Test(arguments: [
        ("token_endpoint_auth_method", "client_secret_bsaic"), ("token_placement", "headr"), ("code_challenge_method", "s256"),
        ("signature_method", "HMAC-SHA-1"), ("signature_type", "hedaer"),
    ])
    func aTypoInASettingIsAnError(key: String, value: String) throws {
        let registry = OAuthRegistry(
            transport: AsyncHTTPClientTransport(client: .shared),
            settings: ["APP_CLIENT_ID": "id", "APP_ACCESS_TOKEN_URL": "https://as.example/token", "APP_CLIENT_KWARGS": "{\"\(key)\": \"\(value)\"}"]
        )
        let error = #expect(throws: OAuthError.self) { try registry.register("app") }
        #expect(
            error?.errorDescription?.contains("APP_CLIENT_KWARGS: unknown \(key) \(value); expected one of:") == true,
            "\(String(describing: error))"
        )
    }

    @Test func oauth2LoginStateChecksAPICallsAndTokenUpdates() async throws {
        let clock = ManualClock()
        let stage = try await Stage("standard-oauth2", clock: clock)
        let stored = Mutex<[String: StoredToken]>([:])
        let updates = Counter()
        let announced = Counter()
        let registry = OAuthRegistry(
            transport: stage.transport,
            clock: clock,
            settings: [:],
            fetchToken: { _, user in stored.withLock { $0[user] } },
            updateToken: { _, user, token, _ in
                stored.withLock { $0[user] = .oauth2(token) }
                updates.increment()
            }
        )
        registry.onTokenUpdate { _ in announced.increment() }
        var configuration = RemoteAppConfiguration()
        configuration.clientID = "harness-client"
        configuration.clientSecret = "harness-secret"
        configuration.authorizeURL = stage.provider.url("/oauth2/authorize")
        configuration.accessTokenURL = stage.provider.url("/oauth2/token")
        configuration.apiBaseURL = stage.provider.baseURL
        configuration.codeChallengeMethod = .s256
        let app = try registry.register("standard", configuration)

        let login = try await stage.login(app)
        stored.withLock { $0["alice"] = login.token }
        #expect(try await app.get("/api/me", user: "alice").status == 200)

        // Expired token: refreshed before the call, stored through update_token, announced.
        clock.advance(by: 7200)
        #expect(try await app.get("api/me", user: "alice").status == 200)
        #expect(updates.count == 1)
        #expect(announced.count == 1)

        // A state from another session, a replayed state and a stale state are all refused.
        let url = try await app.authorizeRedirect(redirectURI: "http://127.0.0.1:8400/callback", session: "session-A")
        var agent = UserAgent(transport: stage.transport)
        let callback = try await agent.authorize(url: url, redirectURI: "http://127.0.0.1:8400/callback", decision: .approve, user: nil)
        await #expect(throws: OAuthError.self) { try await app.authorizeAccessToken(callbackURL: callback, session: "session-B") }
        let stale = try await app.authorizeRedirect(redirectURI: "http://127.0.0.1:8400/callback", session: "session-C")
        let staleCallback = try await agent.authorize(url: stale, redirectURI: "http://127.0.0.1:8400/callback", decision: .approve, user: nil)
        clock.advance(by: 601)
        let error = await #expect(throws: OAuthError.self) { try await app.authorizeAccessToken(callbackURL: staleCallback, session: "session-C") }
        #expect(error?.code == "mismatching_state")
        await stage.stop()
    }

    @Test func oauth1LoginAndSignedAPICall() async throws {
        let clock = ManualClock()
        let stage = try await Stage("twitter-style-oauth1", clock: clock)
        let registry = OAuthRegistry(
            transport: stage.transport,
            clock: clock,
            settings: [
                "TWITTER_CLIENT_ID": "harness-consumer", "TWITTER_CLIENT_SECRET": "harness-consumer-secret",
                "TWITTER_REQUEST_TOKEN_URL": stage.provider.url("/oauth/request_token"),
                "TWITTER_ACCESS_TOKEN_URL": stage.provider.url("/oauth/access_token"),
                "TWITTER_AUTHORIZE_URL": stage.provider.url("/oauth/authorize"), "TWITTER_API_BASE_URL": stage.provider.url("/1.1/"),
            ]
        )
        let app = try registry.register("twitter")
        #expect(app.isOAuth1)
        let login = try await stage.login(app)
        let response = try await app.get("account/verify_credentials.json", user: "u", token: login.token)
        #expect(response.status == 200)
        await stage.stop()
    }

    @Test func openIDLoginUserInfoAndLogout() async throws {
        let clock = ManualClock()
        let stage = try await Stage("google-style-oidc", clock: clock)
        let registry = OAuthRegistry(transport: stage.transport, clock: clock, settings: [:])
        var configuration = RemoteAppConfiguration()
        configuration.clientID = "harness-rp.apps.example"
        configuration.clientSecret = "harness-rp-secret-at-least-32-bytes-long"
        configuration.serverMetadataURL = stage.provider.url("/.well-known/openid-configuration")
        configuration.scope = ["openid", "email", "profile"]
        configuration.codeChallengeMethod = .s256
        let app = try registry.register("google", configuration)
        let login = try await stage.login(app)
        let claims = try #require(login.idToken)
        #expect(login.userInfo?.email == "alice@example.test")
        // Every login of the app shares one JWKS cache: a second login fetches no keys.
        _ = try await stage.login(app, session: "session-2")
        #expect(app.keys.withLock { $0 }?.fetchCount == 1)
        let info = try await app.userinfo(user: "alice", token: login.token, subject: claims.subject)
        #expect(info.sub == claims.subject)
        // The stored id_token validates again (nonce not rechecked).
        _ = try await app.parseIDToken(try #require(login.token.oauth2?.idToken), nonce: nil)
        let logout = try await app.logoutRedirect(postLogoutRedirectURI: "http://127.0.0.1:8400/logged-out", idTokenHint: login.token.oauth2?.idToken)
        var agent = UserAgent(transport: stage.transport)
        let back = try await agent.authorize(url: logout, redirectURI: "http://127.0.0.1:8400/logged-out", decision: .approve, user: nil)
        let state = try await app.validateLogoutResponse(back)
        #expect(state.postLogoutRedirectURI == "http://127.0.0.1:8400/logged-out")
        await #expect(throws: OAuthError.self) { try await app.validateLogoutResponse(back) }
        // Bound to a browser session: another session cannot complete it; its own can, once.
        let bound = try await app.logoutRedirect(
            postLogoutRedirectURI: "http://127.0.0.1:8400/logged-out",
            idTokenHint: login.token.oauth2?.idToken,
            session: "session-A"
        )
        var browser = UserAgent(transport: stage.transport)
        let boundBack = try await browser.authorize(url: bound, redirectURI: "http://127.0.0.1:8400/logged-out", decision: .approve, user: nil)
        let foreign = await #expect(throws: OAuthError.self) { try await app.validateLogoutResponse(boundBack, session: "session-B") }
        #expect(foreign?.code == "mismatching_state")
        _ = try await app.validateLogoutResponse(boundBack, session: "session-A")
        await stage.stop()
    }
}

@Suite struct ExternalBaseURLTests {
    @Test func redirectURIsUseTheConfiguredOrTrustedExternalURL() {
        #expect(ExternalBaseURL("https://app.example.com/").url("/callback", host: "app:8080") == "https://app.example.com/callback")
        #expect(ExternalBaseURL("https://example.com/app").url("/callback", host: "app:8080") == "https://example.com/app/callback")
        #expect(
            ExternalBaseURL().url("/callback", host: "app:8080", forwardedProto: "https", forwardedHost: "evil.example")
                == "http://app:8080/callback",
            "forwarded headers are ignored unless trusted"
        )
        let trusted = ExternalBaseURL(trustForwardedHeaders: true)
        #expect(
            trusted.url("/callback", host: "app:8080", forwardedProto: "https, http", forwardedHost: "app.example.com")
                == "https://app.example.com/callback"
        )
        #expect(
            trusted.url("/callback", host: "app:8080", forwardedProto: "javascript", forwardedHost: "a.example/evil?x=") == "http://app:8080/callback"
        )
        #expect(ExternalBaseURL().url("/cb", host: nil) == "http://127.0.0.1/cb")
    }
}
