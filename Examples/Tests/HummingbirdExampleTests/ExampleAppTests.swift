import ExampleSupport
import Foundation
import Hummingbird
import HummingbirdExampleApp
import Logging
import MockProviders
import OAuthClient
import OAuthCore
import ServiceLifecycle
import Testing

@testable import Harness

/// Starts the Hummingbird example app and three mock providers on loopback, then signs in
/// with each provider through the harness's user agent: login → API call → logout.
@Suite(.serialized) struct ExampleAppTests {
    static func startApp(_ router: Router<BasicRequestContext>) async throws -> (baseURL: String, group: ServiceGroup, task: Task<Void, any Error>) {
        let logger = Logger(label: "example", factory: { _ in SwiftLogNoOpLogHandler() })
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        for await port in ports { return ("http://127.0.0.1:\(port)", group, task) }
        throw CancellationError()
    }

    @Test(arguments: ["github", "twitter", "google"])
    func signInCallTheAPIAndSignOut(provider: String) async throws {
        let github = try await MockProviderServer.start(try profile("github-style"))
        let twitter = try await MockProviderServer.start(try profile("twitter-style-oauth1"))
        let google = try await MockProviderServer.start(try profile("google-style-oidc"))
        let settings = ExampleSupport.mockSettings(github: github.baseURL, twitter: twitter.baseURL, google: google.baseURL)
        let transport = AsyncHTTPClientTransport()
        let registry = OAuthRegistry(transport: transport, settings: settings)
        try ExampleApp.register(registry, settings: settings)
        #expect(registry.names == ["github", "google", "twitter"])
        let app = try await Self.startApp(ExampleApp.router(registry: registry))

        var browser = UserAgent(transport: transport)
        let landed = try await browser.authorize(
            url: app.baseURL + "/login/\(provider)",
            redirectURI: app.baseURL + "/",
            decision: .approve,
            user: nil
        )
        #expect(landed == app.baseURL + "/")
        let home = try await browser.follow(app.baseURL + "/")
        #expect(home.response.bodyText.contains("Signed in as"), "\(home.response.bodyText)")
        #expect(home.response.bodyText.contains("with \(provider)"))
        let api = try await browser.follow(app.baseURL + "/api")
        #expect(api.response.status == 200)
        #expect(api.response.headers["Content-Type"] == "application/json")
        let out = try await browser.follow(app.baseURL + "/logout")
        #expect(out.url.hasPrefix(app.baseURL + "/logged-out"))
        #expect(out.response.bodyText.contains("Signed out."))
        if provider == "google" { #expect(out.url.contains("state=")) }
        let after = try await browser.follow(app.baseURL + "/")
        #expect(after.response.bodyText.contains("Not signed in"))

        await app.group.triggerGracefulShutdown()
        _ = try? await app.task.value
        try await transport.shutdown()
        for mock in [github, twitter, google] { await mock.stop() }
    }

    /// Back-Channel Logout 1.0 in the app: the Google-style mock knows the app's
    /// `backchannel_logout_uri`; two browsers sign in as the same user; a logout token that is not
    /// the provider's is refused (400) and signs nobody out; then the provider ends the user's
    /// sessions itself and both browsers are signed out.
    @Test func theProviderSignsTheUserOutOverTheBackChannel() async throws {
        // The mock must know the app's URL and the app the mock's: start the mock, then the app,
        // then the mock again on the same port with the app's back-channel URI registered.
        let first = try await MockProviderServer.start(try profile("google-style-oidc"))
        let settings = ExampleSupport.mockSettings(github: first.baseURL, twitter: first.baseURL, google: first.baseURL)
        let transport = AsyncHTTPClientTransport()
        let registry = OAuthRegistry(transport: transport, settings: settings)
        try ExampleApp.register(registry, settings: settings)
        let app = try await Self.startApp(ExampleApp.router(registry: registry))
        await first.stop()
        var google = try profile("google-style-oidc")
        google.clients[0].backchannelLogoutURI = app.baseURL + "/backchannel-logout/google"
        let port = try #require(Int(first.baseURL.split(separator: ":").last ?? ""))
        let mock = try await MockProviderServer.start(google, port: port)

        var browsers = [UserAgent(transport: transport), UserAgent(transport: transport)]
        for index in browsers.indices {
            _ = try await browsers[index].authorize(url: app.baseURL + "/login/google", redirectURI: app.baseURL + "/", decision: .approve, user: nil)
            let home = try await browsers[index].follow(app.baseURL + "/")
            #expect(home.response.bodyText.contains("Signed in as"), "\(home.response.bodyText)")
        }

        let forged = try await transport.send(
            .form(
                app.baseURL + "/backchannel-logout/google",
                FormParameters([("logout_token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMTAyNDg0OTU5MjEyMzg5ODY0MjAifQ.")])
            )
        )
        #expect(forged.status == 400)
        #expect(forged.bodyText.contains("invalid_request"))
        let stillIn = try await browsers[0].follow(app.baseURL + "/")
        #expect(stillIn.response.bodyText.contains("Signed in as"))

        let ended = try await transport.send(.form(mock.baseURL + "/_harness/backchannel-logout", FormParameters([("sub", "110169484474386276334")])))
        #expect(ended.status == 200)
        let deliveries = try JSONValue.parse(ended.body)["deliveries"]?.arrayValue ?? []
        #expect(deliveries.count == 2)
        #expect(deliveries.allSatisfy { if case .number(let status)? = $0["status"] { status.double == 200 } else { false } }, "\(ended.bodyText)")
        for index in browsers.indices {
            let home = try await browsers[index].follow(app.baseURL + "/")
            #expect(home.response.bodyText.contains("Not signed in"), "\(home.response.bodyText)")
        }

        await app.group.triggerGracefulShutdown()
        _ = try? await app.task.value
        try await transport.shutdown()
        await mock.stop()
    }
}
