import Foundation
import OAuthCore
import OAuthTesting
import OpenIDConnect
import Synchronization
import Testing

@testable import MockProviders

/// OpenID Connect Back-Channel Logout 1.0 on the mock: the `sid` of its ID tokens, the logout
/// tokens it POSTs (to a real loopback receiver) at RP-initiated logout and on the harness
/// trigger, each one checked by the client library's validator, and the evil modes.
@Suite struct BackChannelLogoutMockTests {
    /// What a relying party's endpoint received.
    final class Inbox: Sendable {
        let requests = Mutex<[TransportRequest]>([])
        var tokens: [String] {
            requests.withLock { $0 }.compactMap { try? FormParameters(parsing: String(decoding: $0.body, as: UTF8.self))["logout_token"] }
        }
    }

    struct Setup {
        let provider: MockProvider
        let transport: InMemoryTransport
        let endpoint: RunningEndpoint
        let inbox: Inbox
        let clock: ManualClock

        /// Signs the user in (consent approved, scope openid) and returns the ID token's claims.
        func login() async throws -> (idToken: String, claims: [String: JSONValue]) {
            var form = FormParameters([
                ("response_type", "code"), ("client_id", "harness-rp.apps.example"), ("redirect_uri", "http://127.0.0.1:8400/callback"),
                ("state", "st"), ("scope", "openid"), ("nonce", "n-0123456789"), ("decision", "approve"),
            ])
            form.append("user", "110169484474386276334")
            let redirect = await provider.handle(.form("/o/oauth2/v2/auth", form))
            let code = try #require(URLComponents(string: redirect.headers["Location"] ?? "")?.queryItems?.first { $0.name == "code" }?.value)
            let basic = "Basic " + Data("harness-rp.apps.example:harness-rp-secret-at-least-32-bytes-long".utf8).base64EncodedString()
            let token = await provider.handle(
                .form(
                    "/token",
                    FormParameters([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://127.0.0.1:8400/callback")]),
                    headers: ["Authorization": basic]
                )
            )
            let idToken = try #require((try JSONValue.parse(token.body))["id_token"]?.stringValue)
            let payload = try #require(Base64URL.decode(String(idToken.split(separator: ".")[1])))
            return (idToken, try #require(try JSONValue.parse(payload).objectValue))
        }

        func trigger(_ fields: [(String, String)]) async throws -> [JSONValue] {
            let answer = await provider.handle(.form("/_harness/backchannel-logout", FormParameters(fields)))
            #expect(answer.status == 200, "\(answer.bodyText)")
            return try #require((try JSONValue.parse(answer.body))["deliveries"]?.arrayValue)
        }

        /// The client library's validator, with the mock's keys (through the in-memory transport).
        func validator() -> LogoutTokenValidator {
            LogoutTokenValidator(
                options: IDTokenValidationOptions(issuer: "http://mock.invalid", clientID: "harness-rp.apps.example"),
                jwks: JWKSCache(url: transport.url("/oauth2/v3/certs"), transport: transport, clock: clock),
                clock: clock
            )
        }
    }

    static func setup(status: Int = 200, _ body: (Setup) async throws -> Void) async throws {
        let inbox = Inbox()
        let endpoint = try await RunningEndpoint.start { request in
            inbox.requests.withLock { $0.append(request) }
            return TransportResponse(status: status)
        }
        var profile = try ProviderProfile.named("google-style-oidc")
        profile.clients[0].backchannelLogoutURI = endpoint.baseURL + "/rp/backchannel"
        let clock = ManualClock()
        let provider = MockProvider(profile: profile, clock: clock)
        let setup = Setup(provider: provider, transport: InMemoryTransport(handler: provider), endpoint: endpoint, inbox: inbox, clock: clock)
        do {
            try await body(setup)
        } catch {
            await endpoint.stop()
            throw error
        }
        await endpoint.stop()
    }

    static func parts(_ token: String) throws -> (header: [String: JSONValue], claims: [String: JSONValue]) {
        let segments = token.split(separator: ".").map(String.init)
        let headerBytes = try #require(Base64URL.decode(segments[0]))
        let claimBytes = try #require(Base64URL.decode(segments[1]))
        let header = try #require(try JSONValue.parse(headerBytes).objectValue)
        let claims = try #require(try JSONValue.parse(claimBytes).objectValue)
        return (header, claims)
    }

    @Test func theProviderEndsOneSessionAndItsTokenPassesTheClientsValidator() async throws {
        try await Self.setup { setup in
            let discovery = await setup.provider.handle(TransportRequest(method: "GET", url: "/.well-known/openid-configuration"))
            let document = try JSONValue.parse(discovery.body)
            #expect(document["backchannel_logout_supported"] == .bool(true))
            #expect(document["backchannel_logout_session_supported"] == .bool(true))

            let first = try await setup.login()
            let second = try await setup.login()
            let sid = try #require(first.claims["sid"]?.stringValue)
            #expect(sid.count >= 20 && sid != second.claims["sid"]?.stringValue)

            let deliveries = try await setup.trigger([("sid", sid)])
            #expect(deliveries.count == 1)
            #expect(deliveries.first?["status"] == .number(JSONNumber(200)))
            let request = try #require(setup.inbox.requests.withLock { $0.first })
            #expect(request.method == "POST" && request.url.hasPrefix("/rp/backchannel"))
            #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
            let token = try #require(setup.inbox.tokens.first)
            let (header, claims) = try Self.parts(token)
            #expect(header["typ"] == .string("logout+jwt"))
            #expect(header["kid"]?.stringValue != nil)
            #expect(claims["sid"]?.stringValue == sid)
            #expect(claims["sub"] == first.claims["sub"])
            #expect(claims["aud"] == .string("harness-rp.apps.example"))
            #expect(claims["nonce"] == nil)
            #expect(claims["events"]?[LogoutTokenValidator.event] == .object([:]))

            let validated = try await setup.validator().validate(token)
            #expect(validated.sessionID == sid && validated.subject == "110169484474386276334")

            // The session is gone: the same sid ends nothing more; the second session lives on.
            #expect(try await setup.trigger([("sid", sid)]).isEmpty)
            #expect(try await setup.trigger([("sid", try #require(second.claims["sid"]?.stringValue))]).count == 1)
        }
    }

    @Test func logoutWithAHintOfTheProvidersOwnSessionEndsEverySessionOfTheUser() async throws {
        try await Self.setup { setup in
            let first = try await setup.login()
            _ = try await setup.login()
            // A hint whose sid names no session of the provider (a forged or stale token) ends nothing.
            var forgedClaims = first.claims
            forgedClaims["sid"] = .string("not-a-session-of-this-provider")
            let forged = "eyJhbGciOiJub25lIn0." + Base64URL.encode(JSONValue.object(forgedClaims).jsonBytes) + "."
            _ = await setup.provider.handle(TransportRequest(method: "GET", url: "/logout?id_token_hint=" + forged))
            #expect(setup.inbox.requests.withLock { $0.count } == 0)

            var query = FormParameters()
            query.append("id_token_hint", first.idToken)
            query.append("post_logout_redirect_uri", "http://127.0.0.1:8400/logged-out")
            query.append("state", "s1")
            let back = await setup.provider.handle(TransportRequest(method: "GET", url: "/logout?" + query.encoded))
            #expect(back.status == 302)
            // Both sessions of the user ended, each with its own token, before the redirect.
            let tokens = setup.inbox.tokens
            #expect(tokens.count == 2)
            let sids = Set(try tokens.map { try Self.parts($0).claims["sid"]?.stringValue })
            #expect(sids.count == 2)
            let validator = setup.validator()
            for token in tokens { _ = try await validator.validate(token) }
        }
    }

    @Test(arguments: [(EvilMode.logoutTokenNonce, "nonce"), (.logoutTokenWithoutEvents, "events")])
    func theEvilModesBreakTheTokenAndTheValidatorSaysWhy(mode: EvilMode, word: String) async throws {
        try await Self.setup(status: 400) { setup in
            let login = try await setup.login()
            setup.provider.setEvilMode(mode)
            let deliveries = try await setup.trigger([("sub", try #require(login.claims["sub"]?.stringValue))])
            #expect(deliveries.first?["status"] == .number(JSONNumber(400)))
            let token = try #require(setup.inbox.tokens.first)
            let claims = try Self.parts(token).claims
            #expect(mode == .logoutTokenNonce ? claims["nonce"] != nil : claims["events"] == nil)
            let error = try #require(await #expect(throws: OAuthError.self) { _ = try await setup.validator().validate(token) })
            #expect(error.code.rawValue == "invalid_logout_token")
            #expect(error.errorDescription?.contains(word) == true, "\(error)")
        }
    }

    @Test func registrationTakesAnHTTPSOrLoopbackBackChannelURIOnly() async throws {
        var profile = try ProviderProfile.named("google-style-oidc")
        profile.endpoints.paths[.registration] = "/register"
        let provider = MockProvider(profile: profile)
        func register(_ uri: String) async -> TransportResponse {
            let body = JSONValue.object([
                "redirect_uris": .array([.string("http://127.0.0.1:8400/callback")]), "backchannel_logout_uri": .string(uri),
                "post_logout_redirect_uris": .array([.string("http://127.0.0.1:8400/logged-out")]),
            ])
            return await provider.handle(
                TransportRequest(method: "POST", url: "/register", headers: ["Content-Type": "application/json"], body: body.jsonBytes)
            )
        }
        for bad in ["http://rp.example/logout", "https://rp.example/logout#part", "ftp://127.0.0.1/x", "relative/path"] {
            let answer = await register(bad)
            #expect(answer.status == 400, "\(bad)")
            #expect(answer.bodyText.contains("backchannel_logout_uri"), "\(answer.bodyText)")
        }
        let accepted = await register("https://rp.example/logout?tenant=1")
        #expect(accepted.status == 201)
        let id = try #require((try JSONValue.parse(accepted.body))["client_id"]?.stringValue)
        #expect(provider.client(id: id)?.backchannelLogoutURI == "https://rp.example/logout?tenant=1")
        #expect(provider.client(id: id)?.postLogoutRedirectURIs == ["http://127.0.0.1:8400/logged-out"])
    }
}
