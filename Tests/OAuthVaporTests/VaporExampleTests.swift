#if Vapor
import Foundation
import MockProviders
import OAuthClient
import OAuthCore
import Testing
import Vapor
import VaporExampleApp

@testable import Harness

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func profile(_ name: String) throws -> ProviderProfile {
    try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/\(name).yaml")
}

/// Starts the Vapor example app and three mock providers on loopback, then signs in with each
/// provider through the harness's user agent: login → API call → logout.
@Suite(.serialized) struct VaporExampleTests {
    @Test(arguments: ["github", "twitter", "google"])
    func signInCallTheAPIAndSignOut(provider: String) async throws {
        let github = try await MockProviderServer.start(try profile("github-style"))
        let twitter = try await MockProviderServer.start(try profile("twitter-style-oauth1"))
        let google = try await MockProviderServer.start(try profile("google-style-oidc"))
        let settings = [
            "GITHUB_CLIENT_ID": "github-style-client", "GITHUB_CLIENT_SECRET": "github-style-secret",
            "GITHUB_AUTHORIZE_URL": github.url("/login/oauth/authorize"), "GITHUB_ACCESS_TOKEN_URL": github.url("/login/oauth/access_token"),
            "GITHUB_API_BASE_URL": github.baseURL,
            "TWITTER_CLIENT_ID": "harness-consumer", "TWITTER_CLIENT_SECRET": "harness-consumer-secret",
            "TWITTER_REQUEST_TOKEN_URL": twitter.url("/oauth/request_token"), "TWITTER_AUTHORIZE_URL": twitter.url("/oauth/authorize"),
            "TWITTER_ACCESS_TOKEN_URL": twitter.url("/oauth/access_token"), "TWITTER_API_BASE_URL": twitter.url("/1.1"),
            "GOOGLE_CLIENT_ID": "harness-rp.apps.example", "GOOGLE_CLIENT_SECRET": "harness-rp-secret-at-least-32-bytes-long",
            "GOOGLE_SERVER_METADATA_URL": google.url("/.well-known/openid-configuration"), "GOOGLE_API_BASE_URL": google.baseURL,
        ]
        let transport = AsyncHTTPClientTransport()
        let registry = OAuthRegistry(transport: transport, settings: settings)
        let app = try await Application.make(.testing)
        try VaporExampleApp.configure(app, registry: registry, settings: settings)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        let base = "http://127.0.0.1:\(port)"

        var browser = UserAgent(transport: transport)
        let landed = try await browser.authorize(url: base + "/login/\(provider)", redirectURI: base + "/", decision: .approve, user: nil)
        #expect(landed == base + "/")
        let home = try await browser.follow(base + "/")
        #expect(home.response.bodyText.contains("Signed in as"), "\(home.response.bodyText)")
        #expect(home.response.bodyText.contains("with \(provider)"))
        let api = try await browser.follow(base + "/api")
        #expect(api.response.status == 200)
        let out = try await browser.follow(base + "/logout")
        #expect(out.url.hasPrefix(base + "/logged-out"))
        #expect(out.response.bodyText.contains("Signed out."))
        let after = try await browser.follow(base + "/")
        #expect(after.response.bodyText.contains("Not signed in"))

        await app.server.shutdown()
        try await app.asyncShutdown()
        try await transport.shutdown()
        for mock in [github, twitter, google] { await mock.stop() }
    }
}
#endif
