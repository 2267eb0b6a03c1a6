import Foundation
import Hummingbird
import HummingbirdTesting
import MockProviders
import OAuth2
import OAuthCore
import ResourceServerExample
import Testing

/// The example of the DocC article "Test your app against a mock provider": a Hummingbird API
/// that validates JWT access tokens, tested with tokens minted by an in-process mock provider
/// and with one the mock's token endpoint issued through a real client-credentials request.
@Suite struct ResourceServerTests {
    static let audience = "https://api.example.test"

    /// Runs `body` with the mock started and the API's verifier loaded from the mock's JWKS.
    func withAPI(_ body: (RunningProvider, Application<RouterResponder<BasicRequestContext>>) async throws -> Void) async throws {
        let transport = AsyncHTTPClientTransport()
        do {
            try await MockProviderServer.withRunning("jwt-access-tokens") { mock in
                let verifier = try await ResourceServer.Verifier.load(
                    issuer: mock.issuer,
                    audience: Self.audience,
                    jwksURL: mock.jwksURL,
                    transport: transport
                )
                try await body(mock, Application(router: ResourceServer.router(verifier: verifier)))
            }
        } catch {
            try await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
    }

    @Test func aMintedTokenWithTheScopeReadsTheNotes() async throws {
        try await withAPI { mock, app in
            let token = try await mock.issueToken(subject: "alice", scope: ["api.read"])
            try await app.test(.router) { client in
                try await client.execute(uri: "/notes", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains(#""owner":"alice""#))
                }
            }
            #expect(mock.requestCount(mock.profile.jwksPath) == 1, "the API fetched the keys once")
        }
    }

    @Test func rolesScopesAudiencesAndExpiryAreEnforced() async throws {
        try await withAPI { mock, app in
            let reader = try await mock.issueToken(subject: "alice", scope: ["api.read"])
            let admin = try await mock.issueToken(subject: "alice", claims: ["roles": ["admin"]], scope: ["api.read"])
            let noScope = try await mock.issueToken(subject: "alice", scope: ["profile"])
            let otherAPI = try await mock.issueToken(subject: "alice", audience: "https://other.example.test", scope: ["api.read"])
            let expired = try await mock.issueToken(subject: "alice", lifetime: -60, scope: ["api.read"])
            let idToken = try await mock.issueIDToken(subject: "alice", audience: Self.audience, claims: ["scope": "api.read"])
            try await app.test(.router) { client in
                func status(_ method: HTTPRequest.Method, _ token: String?) async throws -> HTTPResponse.Status {
                    var headers = HTTPFields()
                    if let token { headers[.authorization] = "Bearer \(token)" }
                    return try await client.execute(uri: "/notes", method: method, headers: headers) { $0.status }
                }
                let cases: [(HTTPRequest.Method, String?, HTTPResponse.Status, String)] = [
                    (.get, reader, .ok, "a reader reads"),
                    (.delete, reader, .forbidden, "deleting needs the admin role"),
                    (.delete, admin, .noContent, "an admin deletes"),
                    (.get, noScope, .forbidden, "without the api.read scope"),
                    (.get, otherAPI, .unauthorized, "a token for another API (aud)"),
                    (.get, expired, .unauthorized, "an expired token"),
                    (.get, idToken, .unauthorized, "an ID token is not an access token (typ)"),
                    (.get, nil, .unauthorized, "no token"),
                    (.get, String(reader.dropLast(4)) + "AAAA", .unauthorized, "a bad signature"),
                ]
                for (method, token, expected, why) in cases {
                    let answered = try await status(method, token)
                    #expect(answered == expected, "\(why)")
                }
            }
        }
    }

    @Test func aTokenFromTheMocksTokenEndpointIsAccepted() async throws {
        try await withAPI { mock, app in
            let transport = AsyncHTTPClientTransport()
            let client = try #require(mock.profile.clients.first { $0.clientSecret != nil })
            let session = OAuth2Session(
                clientID: client.clientID,
                clientSecret: client.clientSecret,
                tokenEndpoint: mock.tokenURL,
                transport: transport
            )
            let token = try await session.fetchToken(grant: .clientCredentials, scope: ["api.read"])
            try await transport.shutdown()
            try await app.test(.router) { client in
                try await client.execute(uri: "/notes", method: .get, headers: [.authorization: "Bearer \(token.accessToken)"]) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains(#""owner":"harness-client""#))
                }
            }
            #expect(mock.requestCount(mock.profile.endpoints.token) == 1)
            #expect(mock.log.lastRequest(to: mock.profile.endpoints.token)?.parameters?["grant_type"] == "client_credentials")
        }
    }
}
