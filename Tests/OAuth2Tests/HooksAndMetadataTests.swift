import Foundation
import OAuthCore
import OAuthTesting
import Synchronization
import Testing

@testable import OAuth2

@Suite struct ComplianceHookTests {
    @Test func accessTokenResponseHooksRunInRegistrationOrder() async throws {
        // A provider that answers form-encoded and omits token_type: two hooks repair it, in order.
        let transport = ScriptedTransport(responses: [
            TransportResponse(status: 200, headers: ["Content-Type": "text/plain"], body: Array("access_token=abc&expires_in=60".utf8))
        ])
        let session = OAuth2Session(clientID: "id", clientAuth: .none, transport: transport, clock: ManualClock())
        session.registerComplianceHook(
            .accessTokenResponse { response in
                var response = response
                let form = try FormParameters(parsing: response.bodyText)
                var members: [String: JSONValue] = [:]
                for pair in form { members[pair.name] = Int(pair.value).map { .number(JSONNumber($0)) } ?? .string(pair.value) }
                response.body = Array(JSONValue.object(members).jsonText.utf8)
                return response
            }
        )
        session.registerComplianceHook(
            .accessTokenResponse { response in
                var response = response
                guard case .object(var members) = try JSONValue.parse(response.body) else { return response }
                members["token_type"] = members["token_type"] ?? .string("Bearer")
                response.body = Array(JSONValue.object(members).jsonText.utf8)
                return response
            }
        )
        let token = try await session.fetchToken("http://as/token", grant: .clientCredentials)
        #expect(token.accessToken == "abc")
        #expect(token.tokenType == "Bearer")
        #expect(token.expiresIn == 60)
    }

    @Test func everyHookPointIsCalledWhereItShouldBe() async throws {
        let calls = Recorder<String>()
        let record = { @Sendable (name: String) in calls.append(name) }
        let transport = ScriptedTransport(json: [tokenJSON, tokenJSON, #"{}"#, #"{"active":true}"#, #"{"ok":1}"#])
        let session = OAuth2Session(clientID: "id", clientAuth: .none, transport: transport, clock: ManualClock())
        session.registerComplianceHook(
            .accessTokenResponse {
                record("access_token_response")
                return $0
            }
        )
        session.registerComplianceHook(
            .refreshTokenRequest { request in
                record("refresh_token_request")
                var request = request
                request.headers["X-Refresh"] = "1"
                return request
            }
        )
        session.registerComplianceHook(
            .refreshTokenResponse {
                record("refresh_token_response")
                return $0
            }
        )
        session.registerComplianceHook(
            .revokeTokenRequest {
                record("revoke_token_request")
                return $0
            }
        )
        session.registerComplianceHook(
            .introspectTokenRequest {
                record("introspect_token_request")
                return $0
            }
        )
        session.registerComplianceHook(
            .protectedRequest { request in
                record("protected_request 1")
                var request = request
                request.headers["X-Order"] = "1"
                return request
            }
        )
        session.registerComplianceHook(
            .protectedRequest { request in
                record("protected_request 2")
                var request = request
                request.headers["X-Order"] = (request.headers["X-Order"] ?? "") + ",2"
                return request
            }
        )
        try await session.fetchToken("http://as/token", grant: .clientCredentials)
        try await session.refreshToken("http://as/token")
        try await session.revokeToken("http://as/revoke")
        _ = try await session.introspectToken("http://as/introspect")
        _ = try await session.request("GET", "http://rs/api")
        #expect(
            calls.all == [
                "access_token_response", "refresh_token_request", "refresh_token_response", "revoke_token_request", "introspect_token_request",
                "protected_request 1", "protected_request 2",
            ]
        )
        #expect(transport.requests[1].headers["X-Refresh"] == "1")
        #expect(transport.requests[4].headers["X-Order"] == "1,2")
        #expect(transport.requests[4].headers["Authorization"] == "Bearer at-1")
    }

    @Test func aThrowingHookBecomesAnOAuthError() async {
        struct Broken: Error {}
        let session = OAuth2Session(clientID: "id", clientAuth: .none, transport: ScriptedTransport(json: [tokenJSON]), clock: ManualClock())
        session.registerComplianceHook(.accessTokenResponse { _ in throw Broken() })
        let error = await #expect(throws: OAuthError.self) { try await session.fetchToken("http://as/token", grant: .clientCredentials) }
        #expect(error?.code == "compliance_hook_failed")
        #expect(error?.step == "fetch_token")
    }
}

@Suite struct RevocationAndIntrospectionTests {
    @Test func revocationErrorsAreTheProviders() async throws {
        let transport = ScriptedTransport(json: [#"{"error":"unsupported_token_type"}"#], status: 400)
        let session = OAuth2Session(clientID: "id", clientAuth: .none, token: OAuth2Token(accessToken: "a"), transport: transport)
        let error = await #expect(throws: OAuthError.self) { try await session.revokeToken("http://as/revoke", tokenTypeHint: "access_token") }
        #expect(error?.code == "unsupported_token_type")
        #expect(error?.httpStatus == 400)
        #expect(try transport.form(0)["token"] == "a")
        #expect(try transport.form(0)["token_type_hint"] == "access_token")
    }

    @Test(arguments: [#"{"scope":"x"}"#, #"{"active":"yes"}"#, "[]", "not json"])
    func introspectionNeedsABooleanActive(body: String) async {
        let session = OAuth2Session(
            clientID: "id",
            clientAuth: .none,
            token: OAuth2Token(accessToken: "a"),
            transport: ScriptedTransport(json: [body])
        )
        let error = await #expect(throws: OAuthError.self) { try await session.introspectToken("http://as/introspect") }
        #expect(error?.code == "malformed_response")
        #expect(error?.step == "introspect")
    }
}

@Suite struct MetadataTests {
    /// RFC 8414 §3.1 examples.
    @Test(arguments: [
        ("https://example.com", "https://example.com/.well-known/oauth-authorization-server"),
        ("https://example.com/issuer1", "https://example.com/.well-known/oauth-authorization-server/issuer1"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/.well-known/oauth-authorization-server"),
    ])
    func wellKnownURL(issuer: String, expected: String) {
        #expect(AuthorizationServerMetadata.metadataURL(issuer: issuer) == expected)
    }

    @Test func cachedForTheTTLAndIssuerChecked() async throws {
        let document = #"{"issuer":"https://as.example","token_endpoint":"https://as.example/token","grant_types_supported":["client_credentials"]}"#
        let transport = ScriptedTransport(json: [document])
        let clock = ManualClock()
        let cache = MetadataCache(transport: transport, clock: clock, ttl: 600)
        let first = try await cache.metadata(issuer: "https://as.example")
        _ = try await cache.metadata(issuer: "https://as.example")
        #expect(transport.requests.count == 1)
        #expect(first.tokenEndpoint == "https://as.example/token")
        #expect(first.grantTypesSupported == ["client_credentials"])
        clock.advance(by: 601)
        _ = try await cache.metadata(issuer: "https://as.example")
        #expect(transport.requests.count == 2)
        let error = await #expect(throws: OAuthError.self) { try await cache.metadata(issuer: "https://other.example") }
        #expect(error?.code == "invalid_issuer")
    }
}

@Suite struct RenewalTests {
    @Test func withoutATokenEndpointTheTokenIsSentAsIs() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(json: [tokenJSON, "{}"])
        let session = OAuth2Session(clientID: "id", clientAuth: .none, transport: transport, clock: clock)
        try await session.fetchToken("http://as/token", grant: .clientCredentials)
        clock.advance(by: 7200)
        _ = try await session.request("GET", "http://rs/api")
        #expect(transport.requests.count == 2)
    }

    @Test func anExpiredTokenWithoutRenewalMeansIsTokenExpired() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(json: [#"{"access_token":"a","token_type":"Bearer","expires_in":60}"#])
        let session = OAuth2Session(clientID: "id", clientAuth: .none, tokenEndpoint: "http://as/token", transport: transport, clock: clock)
        try await session.fetchToken(grant: .password(username: "u", password: "p"))
        clock.advance(by: 61)
        let error = await #expect(throws: OAuthError.self) { try await session.request("GET", "http://rs/api") }
        #expect(error?.code == "token_expired")
    }
}
