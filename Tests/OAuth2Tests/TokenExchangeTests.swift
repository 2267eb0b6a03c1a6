import Foundation
import MockProviders
import OAuthCore
import OAuthTesting
import Testing

@testable import OAuth2

/// RFC 8693 on the client (the request's parameters, the answer read) and on the mock (repeated
/// audiences, the actor chain in `act`), in memory.
@Suite struct TokenExchangeTests {
    @Test func theRequestCarriesEveryParameterAndTheAnswerItsType() async throws {
        let transport = ScriptedTransport(responses: [
            ScriptedTransport.json(
                #"{"access_token":"exchanged-1","token_type":"N_A","issued_token_type":"urn:ietf:params:oauth:token-type:refresh_token"}"#
            )
        ])
        let session = OAuth2Session(clientID: "svc", clientSecret: "svc-secret", tokenEndpoint: "https://as.example/token", transport: transport)
        let request = TokenExchangeRequest(
            subjectToken: "subject-1",
            subjectTokenType: .accessToken,
            actorToken: "actor-1",
            actorTokenType: .jwt,
            requestedTokenType: .refreshToken,
            audience: ["a", "b"],
            resource: ["https://api.example/"],
            scope: ["read"]
        )
        let exchanged = try await session.exchangeToken(nil, request)
        #expect(exchanged.issuedTokenType == .refreshToken && exchanged.token.tokenType == "N_A" && session.token == nil)
        let form = try transport.form(0)
        #expect(form["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange")
        #expect(form["subject_token"] == "subject-1" && form["subject_token_type"] == TokenTypeIdentifier.accessToken.rawValue)
        #expect(form["actor_token"] == "actor-1" && form["actor_token_type"] == "urn:ietf:params:oauth:token-type:jwt")
        #expect(form.values(for: "audience") == ["a", "b"] && form["resource"] == "https://api.example/" && form["scope"] == "read")
        #expect(form["requested_token_type"] == "urn:ietf:params:oauth:token-type:refresh_token")
    }

    @Test func anAnswerWithoutIssuedTokenTypeOrAnActorWithoutTypeIsAnError() async throws {
        let transport = ScriptedTransport(responses: [ScriptedTransport.json(#"{"access_token":"x-1","token_type":"Bearer"}"#)])
        let session = OAuth2Session(clientID: "svc", clientSecret: "s", tokenEndpoint: "https://as.example/token", transport: transport)
        let missing = await #expect(throws: OAuthError.self) {
            try await session.exchangeToken(nil, TokenExchangeRequest(subjectToken: "s-1", subjectTokenType: .accessToken))
        }
        #expect(missing?.code == .malformedResponse && missing?.errorDescription?.contains("issued_token_type") == true)
        let unpaired = await #expect(throws: OAuthError.self) {
            try await session.exchangeToken(nil, TokenExchangeRequest(subjectToken: "s-1", subjectTokenType: .accessToken, actorToken: "a-1"))
        }
        #expect(unpaired?.code == .invalidConfiguration && transport.requests.count == 1)
    }

    /// Two hops against the mock: the second token names both actors, the latest outermost.
    @Test func theMockNestsTheActorsAndTakesRepeatedAudiences() async throws {
        let transport = try InMemoryTransport(profile: "standard-oauth2")
        let tokenURL = transport.url("/oauth2/token")
        let front = OAuth2Session(clientID: "harness-client", clientSecret: "harness-secret", tokenEndpoint: tokenURL, transport: transport)
        let user = try await front.fetchToken(tokenURL, grant: .password(username: "alice", password: "alice-password"), scope: ["api.read"])
        let actor = try await front.fetchToken(tokenURL, grant: .clientCredentials, scope: ["api.read"])
        var request = TokenExchangeRequest(
            subjectToken: user.accessToken,
            subjectTokenType: .accessToken,
            actorToken: actor.accessToken,
            actorTokenType: .accessToken,
            audience: ["harness-client", "https://one.example"]
        )
        let first = try await front.exchangeToken(tokenURL, request)
        request.subjectToken = first.token.accessToken
        let second = try await front.exchangeToken(tokenURL, request)
        let introspection = try await front.introspectToken(transport.url("/oauth2/introspect"), token: second.token.accessToken)
        #expect(introspection["sub"]?.stringValue == "alice")
        #expect(introspection["aud"] == .array([.string("harness-client"), .string("https://one.example")]))
        #expect(introspection["act"] == .object(["sub": .string("harness-client"), "act": .object(["sub": .string("harness-client")])]))
    }

    /// RFC 8693 §3's id_token type on the mock: only its own ID tokens are subject tokens. A
    /// token with every claim right but unsigned, or signed by another key under the provider's
    /// kid, is invalid_request; so is one for another client. (The accepted case, a real ID
    /// token from a login, is Scenarios/exchange/exchange-id-token.yaml.)
    @Test func theMockTakesOnlyItsOwnIDTokens() async throws {
        let transport = try InMemoryTransport(profile: "login-pages-oidc")
        let discovery = try await transport.send(TransportRequest(method: "GET", url: transport.url("/.well-known/openid-configuration")))
        let configuration = try JSONValue.parse(discovery.body)
        let issuer = try #require(configuration["issuer"]?.stringValue)
        let jwks = try JSONValue.parse(
            try await transport.send(TransportRequest(method: "GET", url: try #require(configuration["jwks_uri"]?.stringValue))).body
        )
        let kid = try #require(jwks["keys"]?.arrayValue?.first?["kid"]?.stringValue)
        let tokenURL = try #require(configuration["token_endpoint"]?.stringValue)
        let client = OAuth2Session(
            clientID: "harness-rp",
            clientSecret: "harness-rp-secret-at-least-32-bytes-long",
            tokenEndpoint: tokenURL,
            transport: transport
        )
        let now = Date().timeIntervalSince1970.rounded()
        func claims(aud: String) -> [String: JSONValue] {
            [
                "iss": .string(issuer), "sub": .string("alice"), "aud": .string(aud), "iat": .number(JSONNumber(now)),
                "exp": .number(JSONNumber(now + 600)),
            ]
        }
        let unsigned =
            Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + Base64URL.encode(JSONValue.object(claims(aud: "harness-rp")).jsonBytes) + "."
        let otherKey = try JWSKey.generate(.es256)
        let foreign = try otherKey.sign(claims(aud: "harness-rp"), header: ["kid": .string(kid)])
        for (token, reason) in [(unsigned, "not signed by this provider"), (foreign, "not signed by this provider")] {
            let error = await #expect(throws: OAuthError.self) {
                _ = try await client.exchangeToken(tokenURL, TokenExchangeRequest(subjectToken: token, subjectTokenType: .idToken))
            }
            #expect(error?.code == .invalidRequest, "\(String(describing: error))")
            #expect(error?.errorDescription?.contains(reason) == true, "\(String(describing: error))")
        }
    }
}
