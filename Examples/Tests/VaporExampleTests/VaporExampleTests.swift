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

    /// Back-Channel Logout 1.0 in the Vapor app: a forged logout token is refused (400) and
    /// signs nobody out; the provider ending the user's session deletes the browser's Vapor
    /// session; and RP-initiated logout reaches the other browser of the same user through the
    /// back channel.
    @Test func theProviderSignsTheUserOutOverTheBackChannel() async throws {
        let first = try await MockProviderServer.start(try profile("google-style-oidc"))
        let settings = ExampleSupport.mockSettings(github: first.baseURL, twitter: first.baseURL, google: first.baseURL)
        let transport = AsyncHTTPClientTransport()
        let registry = OAuthRegistry(transport: transport, settings: settings)
        let app = try await Application.make(.testing)
        try VaporExampleApp.configure(app, registry: registry, settings: settings)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let base = "http://127.0.0.1:\(try #require(app.http.server.shared.localAddress?.port))"
        // The mock learns the app's back-channel URI: started again on its port with it registered.
        await first.stop()
        var google = try profile("google-style-oidc")
        google.clients[0].backchannelLogoutURI = base + "/backchannel-logout/google"
        let mock = try await MockProviderServer.start(google, port: try #require(Int(first.baseURL.split(separator: ":").last ?? "")))

        func signIn() async throws -> UserAgent {
            var browser = UserAgent(transport: transport)
            _ = try await browser.authorize(url: base + "/login/google", redirectURI: base + "/", decision: .approve, user: nil)
            let home = try await browser.follow(base + "/")
            #expect(home.response.bodyText.contains("Signed in as"), "\(home.response.bodyText)")
            return browser
        }
        var first1 = try await signIn()
        let forged = try await transport.send(.form(base + "/backchannel-logout/google", FormParameters([("logout_token", "not-a-jwt")])))
        #expect(forged.status == 400)
        #expect(try await first1.follow(base + "/").response.bodyText.contains("Signed in as"))

        let ended = try await transport.send(.form(mock.baseURL + "/_harness/backchannel-logout", FormParameters([("sub", "110169484474386276334")])))
        #expect(ended.status == 200 && ended.bodyText.contains("\"status\":200"), "\(ended.bodyText)")
        #expect(try await first1.follow(base + "/").response.bodyText.contains("Not signed in"))

        // Single logout: one browser logs out at the provider; the other is signed out by the back channel.
        var one = try await signIn()
        var two = try await signIn()
        let out = try await one.follow(base + "/logout")
        #expect(out.url.hasPrefix(base + "/logged-out") && out.url.contains("state="), "\(out.url)")
        #expect(out.response.bodyText.contains("Signed out."))
        #expect(try await two.follow(base + "/").response.bodyText.contains("Not signed in"))
        #expect(try await one.follow(base + "/").response.bodyText.contains("Not signed in"))

        await app.server.shutdown()
        try await app.asyncShutdown()
        try await transport.shutdown()
        await mock.stop()
    }
}
#endif
