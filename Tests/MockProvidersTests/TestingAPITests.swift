import Foundation
import HarnessFiles
import JWTKit
import OAuth2
import OAuthCore
import OpenIDConnect
import Synchronization
import Testing

@testable import MockProviders

/// An RFC 9068 access token's claims, verified by jwt-kit (not by the mock's own code).
struct AccessTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    var client_id: String
    var scope: String?
    var roles: [String]?

    func verify(using algorithm: some JWTAlgorithm) throws { try exp.verifyNotExpired() }
}

/// The header of a compact JWS, parsed by hand (jwt-kit verifies, this reads `typ`).
func jwsHeader(_ token: String) throws -> [String: JSONValue] {
    let first = try #require(token.split(separator: ".").first)
    let bytes = try #require(Base64URL.decode(String(first)))
    return try #require(try JSONValue.parse(bytes).objectValue)
}

/// The keys a running mock publishes, fetched over HTTP the way a resource server would.
func publishedKeys(_ mock: RunningProvider, transport: AsyncHTTPClientTransport) async throws -> JWTKeyCollection {
    let answer = try await transport.send(TransportRequest(method: "GET", url: mock.jwksURL))
    #expect(answer.status == 200)
    return try await JWTKeyCollection().add(jwksJSON: String(decoding: answer.body, as: UTF8.self))
}

@Suite struct TestingAPITests {
    @Test func issueTokenMintsAnRFC9068TokenVerifiableWithThePublishedKeysThatTheMockAccepts() async throws {
        let transport = AsyncHTTPClientTransport()
        try await MockProviderServer.withRunning("standard-oauth2") { mock in
            let token = try await mock.issueToken(subject: "alice", audience: "https://api.test", claims: ["roles": ["admin", "ops"]])
            #expect(try jwsHeader(token)["typ"] == "at+jwt")
            let claims = try await publishedKeys(mock, transport: transport).verify(token, as: AccessTokenClaims.self)
            #expect(claims.iss.value == mock.issuer)
            #expect(claims.sub.value == "alice")
            #expect(claims.aud.value == ["https://api.test"])
            #expect(claims.client_id == "harness-client")
            #expect(claims.roles == ["admin", "ops"])
            #expect(claims.exp.value.timeIntervalSince(claims.iat.value) == 3600)

            // The mock's own resource endpoint takes it like any token it issued.
            var request = TransportRequest(method: "GET", url: mock.resourceURL)
            request.headers["Authorization"] = "Bearer " + token
            let me = try await transport.send(request)
            #expect(me.status == 200)
            #expect(try JSONValue.parse(me.body)["sub"] == "alice")

            // Counters and the last requests: the JWKS fetch and the resource call.
            #expect(mock.requestCount(mock.profile.jwksPath) == 1)
            #expect(mock.requestCount("/api/me") == 1)
            #expect(mock.log.totalCount == 2)
            let last = try #require(mock.lastRequests.last)
            #expect(last.path == "/api/me" && last.status == 200 && last.headers["Authorization"] == "Bearer " + token)

            // A tampered token does not verify.
            let tampered = String(token.dropLast(2)) + (token.hasSuffix("AA") ? "BB" : "AA")
            await #expect(throws: (any Error).self) {
                try await publishedKeys(mock, transport: transport).verify(tampered, as: AccessTokenClaims.self)
            }
        }
        try await transport.shutdown()
    }

    @Test func anExpiredMintedTokenIsRefusedByTheMockAndByAVerifier() async throws {
        let transport = AsyncHTTPClientTransport()
        try await MockProviderServer.withRunning("standard-oauth2") { mock in
            let token = try await mock.issueToken(subject: "bob", lifetime: -10)
            await #expect(throws: (any Error).self) { try await publishedKeys(mock, transport: transport).verify(token, as: AccessTokenClaims.self) }
            var request = TransportRequest(method: "GET", url: mock.resourceURL)
            request.headers["Authorization"] = "Bearer " + token
            #expect(try await transport.send(request).status == 401)
        }
        try await transport.shutdown()
    }

    @Test func issueIDTokenPassesTheLibrarysOwnIDTokenValidation() async throws {
        let transport = AsyncHTTPClientTransport()
        try await MockProviderServer.withRunning("google-style-oidc") { mock in
            let client = try #require(mock.profile.clients.first)
            let idToken = try await mock.issueIDToken(subject: "110169484474386276334", nonce: "n-123", claims: ["groups": ["staff"]])
            let jwks = JWKSCache(url: mock.jwksURL, transport: transport)
            let validator = IDTokenValidator(options: IDTokenValidationOptions(issuer: mock.issuer, clientID: client.clientID), jwks: jwks)
            let claims = try await validator.validate(idToken, nonce: "n-123")
            #expect(claims.subject == "110169484474386276334" && claims.audience == [client.clientID])
            #expect(claims.claims["email"] == "alice@example.test")
            #expect(claims.claims["groups"] == ["staff"])
            await #expect(throws: OAuthError.self) { try await validator.validate(idToken, nonce: "another-nonce") }
        }
        try await transport.shutdown()
    }

    @Test func theServerStopsWhenTheScopeEndsEvenOnAnError() async throws {
        struct Planned: Error {}
        let transport = AsyncHTTPClientTransport()
        let url = Box<String?>(nil)
        await #expect(throws: Planned.self) {
            try await MockProviderServer.withRunning("github-style") { mock in
                url.set(mock.metadataURL)
                #expect(try await transport.send(TransportRequest(method: "GET", url: mock.metadataURL)).status == 200)
                throw Planned()
            }
        }
        await #expect(throws: (any Error).self) {
            let stopped = try #require(url.get())
            return try await transport.send(TransportRequest(method: "GET", url: stopped, timeout: .seconds(2)))
        }
        try await transport.shutdown()
        #expect(throws: MockServerError.self) { try ProviderProfile.named("no-such-profile") }
    }

    @Test func jwtAccessTokenProfileIssuesVerifiableTokensFromTheTokenEndpoint() async throws {
        let transport = AsyncHTTPClientTransport()
        try await MockProviderServer.withRunning("jwt-access-tokens") { mock in
            var request = TransportRequest(method: "POST", url: mock.tokenURL, body: Array("grant_type=client_credentials&scope=api.read".utf8))
            request.headers["Content-Type"] = "application/x-www-form-urlencoded"
            request.headers["Authorization"] = "Basic " + Data("harness-client:harness-secret".utf8).base64EncodedString()
            let answer = try await transport.send(request)
            #expect(answer.status == 200)
            let token = try #require(try JSONValue.parse(answer.body)["access_token"]?.stringValue)
            #expect(try jwsHeader(token)["typ"] == "at+jwt")
            #expect(try jwsHeader(token)["kid"] == "at-es256-2026-12")
            let claims = try await publishedKeys(mock, transport: transport).verify(token, as: AccessTokenClaims.self)
            #expect(claims.sub.value == "harness-client" && claims.client_id == "harness-client")
            #expect(claims.aud.value == ["https://api.example.test"] && claims.scope == "api.read")
            let metadata = try JSONValue.parse(try await transport.send(TransportRequest(method: "GET", url: mock.metadataURL)).body)
            #expect(metadata["jwks_uri"]?.stringValue == mock.jwksURL)
        }
        try await transport.shutdown()
    }

    @Test func accessTokenSettingsErrorsAreLocated() throws {
        let oauth1 = """
            name: x
            models: x
            protocol: oauth1
            access_tokens: { format: jwt }
            """
        #expect(throws: YAMLLocatedError.self) { try ProviderProfile(yaml: YAMLNode.parse(oauth1, file: "x.yaml")) }
        let profile = try String(contentsOfFile: repositoryRoot + "/MockProviders/jwt-access-tokens.yaml", encoding: .utf8)
        let wrongAlg = profile.replacingOccurrences(of: "  audience: https://api.example.test\n", with: "  alg: RS256\n")
        do {
            _ = try ProviderProfile(yaml: YAMLNode.parse(wrongAlg, file: repositoryRoot + "/MockProviders/jwt.yaml"))
            Issue.record("an alg without a key was accepted")
        } catch {
            #expect(error.description.contains("jwt.yaml:") && error.description.contains("no active signing key for alg RS256"))
        }
        let standard = try String(contentsOfFile: repositoryRoot + "/MockProviders/standard-oauth2.yaml", encoding: .utf8)
        let rs256WithoutKeys = standard + "access_tokens: { format: jwt, alg: RS256 }\n"
        #expect(throws: YAMLLocatedError.self) {
            try ProviderProfile(yaml: YAMLNode.parse(rs256WithoutKeys, file: repositoryRoot + "/MockProviders/x.yaml"))
        }
        let es256Fresh = standard + "access_tokens: { format: jwt, alg: ES256 }\n"
        #expect(try ProviderProfile(yaml: YAMLNode.parse(es256Fresh, file: repositoryRoot + "/MockProviders/x.yaml")).accessTokens.format == .jwt)
        let badFormat = profile.replacingOccurrences(of: "format: jwt", with: "format: macaroon")
        #expect(throws: YAMLLocatedError.self) { try ProviderProfile(yaml: YAMLNode.parse(badFormat, file: "jwt.yaml")) }
    }
}

/// A value a test closure sets.
final class Box<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    func set(_ new: Value) { storage.withLock { $0 = new } }
    func get() -> Value { storage.withLock { $0 } }
}
