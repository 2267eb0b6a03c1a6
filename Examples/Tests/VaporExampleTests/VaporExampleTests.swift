#if Vapor
import ExampleSupport
import Foundation
import MockProviders
import OAuthClient
import OAuthCore
import Testing
import Vapor
import VaporExampleApp

@testable import Harness

/// The repository root (this file is Examples/Tests/VaporExampleTests/VaporExampleTests.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

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
        let settings = ExampleSupport.mockSettings(github: github.baseURL, twitter: twitter.baseURL, google: google.baseURL)
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
