import Foundation
import HarnessFiles
import OAuth2
import OAuthCore
import Testing

@testable import MockProviders

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func standardProfile() throws -> ProviderProfile {
    try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/standard-oauth2.yaml")
}

/// Drives a `MockProvider` in memory: no sockets, deterministic clock.
struct InMemoryFlow {
    let provider: MockProvider
    let clock: ManualClock
    let redirect = "http://127.0.0.1:8400/callback"

    init() throws {
        let clock = ManualClock()
        try self.init(provider: MockProvider(profile: try standardProfile(), clock: clock), clock: clock)
    }

    init(provider: MockProvider, clock: ManualClock) throws {
        self.provider = provider
        self.clock = clock
    }

    func authorize(_ extra: [(String, String)] = [], clientID: String = "harness-client", decision: String = "approve") async -> TransportResponse {
        var form = FormParameters([("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirect), ("state", "st")])
        for (name, value) in extra { form.append(name, value) }
        form.append("decision", decision)
        return await provider.handle(.form("/oauth2/authorize", form))
    }

    func code(_ extra: [(String, String)] = [], clientID: String = "harness-client") async throws -> String {
        let response = await authorize(extra, clientID: clientID)
        #expect(response.status == 302)
        let location = try #require(response.headers["Location"])
        return try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
    }

    func token(_ form: [(String, String)], basic: (String, String)? = ("harness-client", "harness-secret")) async -> TransportResponse {
        var headers = HeaderList()
        if let (id, secret) = basic { headers["Authorization"] = "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString() }
        return await provider.handle(.form("/oauth2/token", FormParameters(form), headers: headers))
    }

    func json(_ response: TransportResponse) -> JSONValue? { try? JSONValue.parse(response.body) }
}

@Suite struct AuthorizationEndpointTests {
    @Test func consentPageOffersApproveAndDeny() async throws {
        let flow = try InMemoryFlow()
        let page = await flow.provider.handle(
            TransportRequest(
                method: "GET",
                url: "/oauth2/authorize?response_type=code&client_id=harness-client&state=s&redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2Fcallback"
            )
        )
        #expect(page.status == 200)
        #expect(page.bodyText.contains(#"value="approve""#))
        #expect(page.bodyText.contains(#"value="deny""#))
    }

    @Test func unregisteredRedirectURIIsNeverRedirectedTo() async throws {
        let flow = try InMemoryFlow()
        let response = await flow.provider.handle(
            TransportRequest(
                method: "GET",
                url: "/oauth2/authorize?response_type=code&client_id=harness-client&redirect_uri=http%3A%2F%2Fevil.test%2Fcb"
            )
        )
        #expect(response.status == 400)
        #expect(response.headers["Location"] == nil)
        #expect(flow.json(response)?["error"] == .string("invalid_request"))
    }

    @Test func loopbackRedirectMayUseAnotherPort() {
        #expect(MockProvider.redirectURIMatches(registered: "http://127.0.0.1:8400/callback", requested: "http://127.0.0.1:51234/callback"))
        #expect(!MockProvider.redirectURIMatches(registered: "http://127.0.0.1:8400/callback", requested: "http://127.0.0.1:51234/other"))
        #expect(!MockProvider.redirectURIMatches(registered: "http://localhost:8400/callback", requested: "http://localhost:1/callback"))
    }

    @Test(arguments: [
        ([("response_type", "token")], "unsupported_response_type"),
        ([("scope", "admin")], "invalid_scope"),
        ([("code_challenge", "short"), ("code_challenge_method", "S256")], "invalid_request"),
        ([("code_challenge", String(repeating: "a", count: 43)), ("code_challenge_method", "S512")], "invalid_request"),
    ])
    func errorsAreRedirectedWithState(overrides: [(String, String)], error: String) async throws {
        let flow = try InMemoryFlow()
        var pairs = [("response_type", "code"), ("client_id", "harness-client"), ("redirect_uri", flow.redirect), ("state", "st")]
        for (name, value) in overrides {
            pairs.removeAll { $0.0 == name }
            pairs.append((name, value))
        }
        pairs.append(("decision", "approve"))
        let response = await flow.provider.handle(.form("/oauth2/authorize", FormParameters(pairs)))
        #expect(response.status == 302)
        let items = URLComponents(string: response.headers["Location"] ?? "")?.queryItems ?? []
        #expect(items.first { $0.name == "error" }?.value == error)
        #expect(items.first { $0.name == "state" }?.value == "st")
    }

    @Test func publicClientsMustUsePKCE() async throws {
        let flow = try InMemoryFlow()
        let response = await flow.authorize(clientID: "harness-public")
        #expect(response.headers["Location"]?.contains("error=invalid_request") == true)
    }

    @Test func denialRedirectsAccessDenied() async throws {
        let flow = try InMemoryFlow()
        let response = await flow.authorize(decision: "deny")
        #expect(response.headers["Location"]?.contains("error=access_denied") == true)
    }
}

@Suite struct TokenEndpointTests {
    @Test func codeExchangeIssuesBearerTokensWithNoStore() async throws {
        let flow = try InMemoryFlow()
        let code = try await flow.code()
        let response = await flow.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", flow.redirect)])
        #expect(response.status == 200)
        #expect(response.headers["Cache-Control"] == "no-store")
        let json = try #require(flow.json(response))
        #expect(json["token_type"] == .string("Bearer"))
        #expect(json["expires_in"] == .number(3600))
        #expect(json["refresh_token"]?.stringValue != nil)
    }

    @Test func codesExpireByTheProviderClock() async throws {
        let flow = try InMemoryFlow()
        let code = try await flow.code()
        flow.clock.advance(by: 61)
        let response = await flow.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", flow.redirect)])
        #expect(response.status == 400)
        #expect(flow.json(response)?["error_description"] == .string("the authorization code has expired"))
    }

    @Test func wrongSecretIsInvalidClientWithAChallenge() async throws {
        let flow = try InMemoryFlow()
        let response = await flow.token([("grant_type", "authorization_code"), ("code", "x")], basic: ("harness-client", "nope"))
        #expect(response.status == 401)
        #expect(response.headers["WWW-Authenticate"] == #"Basic realm="standard-oauth2""#)
        #expect(flow.json(response)?["error"] == .string("invalid_client"))
    }

    @Test func twoAuthenticationMethodsAreInvalidRequest() async throws {
        let flow = try InMemoryFlow()
        let response = await flow.token([("grant_type", "authorization_code"), ("code", "x"), ("client_secret", "harness-secret")])
        #expect(response.status == 400)
        #expect(flow.json(response)?["error"] == .string("invalid_request"))
    }

    @Test func redirectURIMustMatchTheAuthorizationRequest() async throws {
        let flow = try InMemoryFlow()
        let code = try await flow.code()
        let response = await flow.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://localhost:8400/callback")])
        #expect(flow.json(response)?["error"] == .string("invalid_grant"))
    }

    @Test func pkcePlainAndDowngradeProtection() async throws {
        let flow = try InMemoryFlow()
        let verifier = PKCE.generateVerifier()
        let code = try await flow.code([("code_challenge", verifier), ("code_challenge_method", "plain")])
        let ok = await flow.token([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", flow.redirect), ("code_verifier", verifier),
        ])
        #expect(ok.status == 200)
        // A verifier for a code that had no challenge is refused (PKCE downgrade).
        let plainCode = try await flow.code()
        let downgrade = await flow.token([
            ("grant_type", "authorization_code"), ("code", plainCode), ("redirect_uri", flow.redirect), ("code_verifier", verifier),
        ])
        #expect(flow.json(downgrade)?["error"] == .string("invalid_grant"))
    }

    @Test func unsupportedGrantType() async throws {
        let flow = try InMemoryFlow()
        let response = await flow.token([("grant_type", "urn:example:unknown")])
        #expect(flow.json(response)?["error"] == .string("unsupported_grant_type"))
    }

    @Test func repeatedParametersAreInvalidRequest() async throws {
        let flow = try InMemoryFlow()
        let response = await flow.token([("grant_type", "authorization_code"), ("code", "a"), ("code", "b")])
        #expect(flow.json(response)?["error"] == .string("invalid_request"))
    }
}

@Suite struct ResourceTests {
    /// Instagram reads `access_token` from the query and ignores an Authorization header beside
    /// it (what requests-oauthlib's Instagram fix sends); a header alone is no token there.
    @Test func tokenInQueryOnlyIgnoresAHeaderBesideTheQueryParameter() async throws {
        var profile = try standardProfile()
        profile.quirks = [.tokenInQueryOnly]
        let clock = ManualClock()
        let flow = try InMemoryFlow(provider: MockProvider(profile: profile, clock: clock), clock: clock)
        let code = try await flow.code()
        let issued = await flow.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", flow.redirect)])
        let token = try #require(flow.json(issued)?["access_token"]?.stringValue)
        let headerOnly = await flow.provider.handle(TransportRequest(method: "GET", url: "/api/me", headers: ["Authorization": "Bearer " + token]))
        #expect(headerOnly.status == 400)
        let both = await flow.provider.handle(
            TransportRequest(method: "GET", url: "/api/me?access_token=" + token, headers: ["Authorization": "Bearer " + token])
        )
        #expect(both.status == 200)
        let staleHeader = await flow.provider.handle(
            TransportRequest(method: "GET", url: "/api/me?access_token=" + token, headers: ["Authorization": "Bearer not-the-token"])
        )
        #expect(staleHeader.status == 200)
        let wrongQuery = await flow.provider.handle(
            TransportRequest(method: "GET", url: "/api/me?access_token=nope", headers: ["Authorization": "Bearer " + token])
        )
        #expect(wrongQuery.status == 401)
    }

    @Test func bearerChallengesFollowRFC6750() async throws {
        let flow = try InMemoryFlow()
        let anonymous = await flow.provider.handle(TransportRequest(method: "GET", url: "/api/me"))
        #expect(anonymous.status == 401)
        #expect(anonymous.headers["WWW-Authenticate"] == #"Bearer realm="standard-oauth2""#)
        let invalid = await flow.provider.handle(TransportRequest(method: "GET", url: "/api/me", headers: ["Authorization": "Bearer nope"]))
        #expect(invalid.headers["WWW-Authenticate"]?.contains(#"error="invalid_token""#) == true)
    }

    @Test func accessTokensExpire() async throws {
        let flow = try InMemoryFlow()
        let code = try await flow.code()
        let token = try #require(
            flow.json(await flow.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", flow.redirect)]))?["access_token"]?
                .stringValue
        )
        let request = TransportRequest(method: "GET", url: "/api/me", headers: ["Authorization": "Bearer \(token)"])
        let fresh = await flow.provider.handle(request)
        #expect(fresh.status == 200)
        flow.clock.advance(by: 3600)
        let expired = await flow.provider.handle(request)
        #expect(expired.status == 401)
        #expect(flow.json(expired)?["error_description"] == .string("the access token expired"))
    }
}

@Suite struct ServerTests {
    @Test func servesOnAnEphemeralLoopbackPort() async throws {
        let running = try await MockProviderServer.start(try standardProfile())
        let transport = AsyncHTTPClientTransport()
        let response = try await transport.send(TransportRequest(method: "GET", url: running.url("/api/me")))
        #expect(running.baseURL.hasPrefix("http://127.0.0.1:"))
        #expect(response.status == 401)
        #expect(response.headers["WWW-Authenticate"] == #"Bearer realm="standard-oauth2""#)
        try await transport.shutdown()
        await running.stop()
    }
}

@Suite struct ProfileLoadingTests {
    @Test func standardProfileLoads() async throws {
        let profile = try standardProfile()
        #expect(profile.name == "standard-oauth2")
        #expect(profile.client(id: "harness-public")?.requirePKCE == true)
        #expect(profile.codeLifetime == 60)
        #expect(profile.accessTokenLifetime == 3600)
    }

    @Test(arguments: [
        ("name: x\nmodels: y\nprotocol: oauth2\nendpoint: {}\n", 4, 1, "unknown key \"endpoint\""),
        ("name: x\nmodels: y\nprotocol: oauth3\n", 3, 11, "unknown protocol \"oauth3\""),
        ("name: x\nmodels: y\nprotocol: oauth2\nendpoints: {authorize: a, token: /t, resource: /r}\n", 4, 24, "starting with /"),
        ("name: [x\n", 2, 1, "invalid YAML"),
        // No final line break: the error is at the end of the last line, not past it (found by Fuzz/ Loader).
        ("name: x\nmodels: [y", 2, 11, "invalid YAML"),
        ("name: x\r\nmodels: {y", 2, 11, "invalid YAML"),
        ("---", 1, 4, "expected a provider profile (a mapping), found a scalar"),
        ("name: x\nname: y\n", 2, 1, "duplicate key"),
    ])
    func errorsNameLineAndColumn(yaml: String, line: Int, column: Int, message: String) {
        let error = #expect(throws: YAMLLocatedError.self) { try ProviderProfile(yaml: YAMLNode.parse(yaml, file: "p.yaml")) }
        #expect(error?.file == "p.yaml")
        #expect(error?.line == line, "\(error?.description ?? "")")
        #expect(error?.column == column, "\(error?.description ?? "")")
        #expect(error?.message.contains(message) == true, "\(error?.description ?? "")")
    }
}

/// RFC 6749 §3.1: request parameters MUST NOT be included more than once — at every endpoint.
@Suite struct RepeatedParameterTests {
    @Test(arguments: ["nonce", "prompt", "scope", "login_hint"])
    func theAuthorizationEndpointRefusesAnyRepeatedParameter(name: String) async throws {
        let flow = try InMemoryFlow()
        let response = await flow.authorize([(name, "a"), (name, "b")])
        #expect(response.status == 302)
        #expect(response.headers["Location"]?.contains("error=invalid_request") == true)
        #expect(response.headers["Location"]?.contains("\(name)%20is%20repeated") == true)
    }

    @Test func revocationIntrospectionResourceAndEndSessionRefuseRepeats() async throws {
        let flow = try InMemoryFlow()
        let basic: HeaderList = ["Authorization": "Basic " + Data("harness-client:harness-secret".utf8).base64EncodedString()]
        for path in ["/oauth2/revoke", "/oauth2/introspect"] {
            let response = await flow.provider.handle(.form(path, FormParameters([("token", "a"), ("token", "b")]), headers: basic))
            #expect(response.status == 400, "\(path)")
            #expect(flow.json(response)?["error_description"] == .string("token is repeated"))
        }
        let resource = await flow.provider.handle(TransportRequest(method: "GET", url: "/api/me?access_token=a&access_token=b"))
        #expect(resource.status == 400)
        let oidc = MockProvider(profile: try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/google-style-oidc.yaml"))
        let logout = await oidc.handle(TransportRequest(method: "GET", url: "/logout?state=a&state=b&client_id=harness-rp.apps.example"))
        #expect(logout.status == 400)
    }

    @Test func loopbackPortsMustBeValid() {
        #expect(!MockProvider.redirectURIMatches(registered: "http://127.0.0.1:8400/callback", requested: "http://127.0.0.1:99999/callback"))
        #expect(!MockProvider.redirectURIMatches(registered: "http://127.0.0.1:8400/callback", requested: "http://127.0.0.1:0/callback"))
        #expect(MockProvider.redirectURIMatches(registered: "http://127.0.0.1:8400/callback", requested: "http://127.0.0.1:65535/callback"))
    }

    /// 12,000 parameters: one linear pass, and made-up grant types share one counter.
    @Test func floodsStayCheap() async throws {
        let flow = try InMemoryFlow()
        var form = (0..<12_000).map { ("p\($0)", "v") }
        form.append(("grant_type", "client_credentials"))
        form.append(("p1", "again"))
        let started = ContinuousClock.now
        let response = await flow.token(form)
        #expect(flow.json(response)?["error_description"] == .string("p1 is repeated"))
        #expect(ContinuousClock.now - started < .seconds(2), "the duplicate check is linear")
        for index in 0..<500 { _ = await flow.token([("grant_type", "made-up-\(index)")]) }
        #expect(flow.provider.tokenRequests(grantType: "(other)") == 500)
        #expect(flow.provider.tokenRequests(grantType: "made-up-1") == 0)
    }
}

@Suite struct OversizedRequestTests {
    @Test func aBodyOverTheLimitIs413WithAJSONError() async throws {
        let running = try await MockProviderServer.start(try standardProfile())
        let http = AsyncHTTPClientTransport()
        let body = "grant_type=client_credentials&pad=" + String(repeating: "x", count: 70 * 1024)
        let response = try await http.send(
            TransportRequest(
                method: "POST",
                url: running.url("/oauth2/token"),
                headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Array(body.utf8)
            )
        )
        #expect(response.status == 413)
        #expect((try? JSONValue.parse(response.body))?["error"] == .string("invalid_request"))
        // The server still answers normally afterwards.
        let normal = try await http.send(TransportRequest(method: "GET", url: running.url("/.well-known/oauth-authorization-server")))
        #expect(normal.status == 200)
        try await http.shutdown()
        await running.stop()
    }
}

@Suite struct BuiltInFilesTests {
    /// The compiled-in copies are the files of MockProviders/ and Plans/, byte for byte, and each built-in profile loads.
    @Test func theBuiltInFilesAreTheRepositorysFiles() throws {
        let manager = FileManager.default
        var expected: [String] = []
        for name in try manager.contentsOfDirectory(atPath: repositoryRoot + "/MockProviders") where name.hasSuffix(".yaml") {
            expected.append("MockProviders/" + name)
        }
        for name in try manager.contentsOfDirectory(atPath: repositoryRoot + "/MockProviders/keys") where name.hasSuffix(".pem") {
            expected.append("MockProviders/keys/" + name)
        }
        for name in try manager.contentsOfDirectory(atPath: repositoryRoot + "/Plans")
        where manager.fileExists(atPath: repositoryRoot + "/Plans/\(name)/plan.yaml") {
            expected.append("Plans/\(name)/plan.yaml")
        }
        #expect(BuiltInFiles.files.keys.sorted() == expected.sorted())
        for (path, text) in BuiltInFiles.files {
            #expect(text == (try String(contentsOfFile: repositoryRoot + "/" + path, encoding: .utf8)), "\(path)")
        }
        let shipped = BuiltIn.profiles()
        #expect(shipped.errors.isEmpty)
        #expect(shipped.profiles.count == expected.filter { $0.hasPrefix("MockProviders/") && $0.hasSuffix(".yaml") }.count)
    }
}
