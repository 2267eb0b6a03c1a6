import Foundation
import MockProviders
import OAuthCore
import OAuthTesting
import Testing

@testable import OAuth2

/// The documented way to unit test OAuth client code against a quirk profile: the provider
/// runs in memory (OAuthTesting's InMemoryTransport), no socket is opened.
@Suite struct InMemoryProviderTests {
    /// The user approves at the mock's consent form (a POST of its fields with
    /// `decision=approve`), and the redirect comes back with the code.
    static func approve(_ request: AuthorizationRequest, on transport: InMemoryTransport) async throws -> String {
        let reference = URLReference(request.url)
        var form = try reference.queryItems()
        form.append("decision", "approve")
        let answer = try await transport.send(.form(reference.withoutQuery, form))
        return try #require(answer.headers["Location"])
    }

    static func session(_ transport: InMemoryTransport, _ profile: ProviderProfile) -> OAuth2Session {
        OAuth2Session(
            clientID: profile.clients[0].clientID,
            clientSecret: profile.clients[0].clientSecret,
            redirectURI: profile.clients[0].redirectURIs[0],
            scope: profile.scopes,
            codeChallengeMethod: .s256,
            tokenEndpoint: transport.url(profile.endpoints.token),
            transport: transport
        )
    }

    @Test func slacksNestedUserTokenNeedsTheSlackFix() async throws {
        let transport = try InMemoryTransport(profile: "slack-style")
        let profile = transport.handler.profile
        // Without the fix the client refuses an answer without a top-level access_token.
        let plain = Self.session(transport, profile)
        let first = try plain.createAuthorizationURL(transport.url(profile.endpoints.authorize))
        let refused = await #expect(throws: OAuthError.self) {
            try await plain.fetchToken(authorizationResponse: try await Self.approve(first, on: transport), request: first)
        }
        #expect(refused?.errorDescription?.contains("access_token") == true, "\(refused?.errorDescription ?? "")")
        // With it, the nested user token is the session's token, and it calls the API.
        let fixed = Self.session(transport, profile)
        fixed.apply(ComplianceFixes.slack)
        let request = try fixed.createAuthorizationURL(transport.url(profile.endpoints.authorize))
        let token = try await fixed.fetchToken(authorizationResponse: try await Self.approve(request, on: transport), request: request)
        #expect(!token.accessToken.isEmpty && token.refreshToken != nil)
        let me = try await fixed.request("GET", transport.url(profile.endpoints.resource))
        #expect(me.status == 200)
    }

    @Test func anotherHostIsRefused() async throws {
        let transport = try InMemoryTransport(profile: "standard-oauth2", baseURL: "http://mock.test:8080")
        await #expect(throws: OAuthError.self) { try await transport.send(TransportRequest(method: "GET", url: "http://elsewhere.test/x")) }
        let metadata = try await transport.send(TransportRequest(method: "GET", url: transport.url(MockProvider.metadataPath)))
        #expect((try JSONValue.parse(metadata.body))["issuer"]?.stringValue == "http://mock.test:8080")
    }
}
