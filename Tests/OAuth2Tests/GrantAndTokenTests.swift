import Foundation
import JWTKit
import OAuthCore
import OAuthTesting
import Synchronization
import Testing

@testable import OAuth2

/// Collects values from concurrent or escaping code.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

let tokenJSON = #"{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1"}"#

@Suite struct GrantTests {
    @Test(arguments: [
        (Grant.clientCredentials, [("grant_type", "client_credentials"), ("scope", "a b")]),
        (Grant.password(username: "u", password: "p w"), [("grant_type", "password"), ("username", "u"), ("password", "p w"), ("scope", "a b")]),
        (
            Grant.jwtBearer(assertion: "x.y.z"),
            [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", "x.y.z"), ("scope", "a b")]
        ),
        (Grant.custom(grantType: "urn:example:g", parameters: [("k", "v")]), [("grant_type", "urn:example:g"), ("k", "v"), ("scope", "a b")]),
        (
            Grant.authorizationCode(code: "c", codeVerifier: "v"),
            [("grant_type", "authorization_code"), ("code", "c"), ("redirect_uri", "http://cb"), ("code_verifier", "v")]
        ),
    ])
    func eachGrantSendsItsParameters(grant: Grant, expected: [(String, String)]) async throws {
        let transport = ScriptedTransport(json: [tokenJSON])
        let session = OAuth2Session(
            clientID: "id",
            clientAuth: .none,
            redirectURI: "http://cb",
            scope: ["a", "b"],
            transport: transport,
            clock: ManualClock()
        )
        try await session.fetchToken("http://as/token", grant: grant, extraParameters: [("extra", "1")])
        var form = FormParameters(expected)
        form.append("extra", "1")
        form.append("client_id", "id")
        #expect(try transport.form(0) == form)
    }

    @Test func refreshKeepsTheOldRefreshTokenWhenNoneIsReturnedAndTellsTheCallback() async throws {
        let transport = ScriptedTransport(json: [tokenJSON, #"{"access_token":"at-2","token_type":"Bearer","expires_in":3600}"#])
        let updates = Recorder<[String?]>()
        let session = OAuth2Session(
            clientID: "id",
            clientAuth: .none,
            updateToken: { token, previous in updates.append([token.accessToken, previous]) },
            transport: transport,
            clock: ManualClock()
        )
        try await session.fetchToken("http://as/token", grant: .clientCredentials)
        let refreshed = try await session.refreshToken("http://as/token")
        #expect(refreshed.accessToken == "at-2")
        #expect(refreshed.refreshToken == "rt-1")
        #expect(try transport.form(1)["refresh_token"] == "rt-1")
        #expect(updates.all == [["at-2", "rt-1"]])
    }

    @Test func rotatedRefreshTokenReplacesTheOld() async throws {
        let transport = ScriptedTransport(json: [tokenJSON, #"{"access_token":"at-2","token_type":"Bearer","refresh_token":"rt-2"}"#])
        let session = OAuth2Session(clientID: "id", clientAuth: .none, transport: transport, clock: ManualClock())
        try await session.fetchToken("http://as/token", grant: .clientCredentials)
        try await session.refreshToken("http://as/token")
        #expect(session.token?.refreshToken == "rt-2")
    }

    @Test func noRefreshTokenIsAClearError() async throws {
        let session = OAuth2Session(
            clientID: "id",
            clientAuth: .none,
            transport: ScriptedTransport(json: [#"{"access_token":"a","token_type":"Bearer"}"#])
        )
        try await session.fetchToken("http://as/token", grant: .clientCredentials)
        let error = await #expect(throws: OAuthError.self) { try await session.refreshToken("http://as/token") }
        #expect(error?.code == "missing_refresh_token")
    }
}

@Suite struct TokenPlacementTests {
    let token = OAuth2Token(accessToken: "a b/c")

    @Test func headerPlacement() throws {
        let signed = try OAuth2Auth(token: token).sign(TransportRequest(method: "GET", url: "http://rs/x"))
        #expect(signed.headers["Authorization"] == "Bearer a b/c")
    }

    @Test func uriPlacementKeepsQueryAndFragment() throws {
        let signed = try OAuth2Auth(token: token, placement: .uri).sign(TransportRequest(method: "GET", url: "http://rs/x?y=1#frag"))
        #expect(signed.url == "http://rs/x?y=1&access_token=a%20b%2Fc#frag")
        #expect(signed.headers["Authorization"] == nil)
    }

    @Test func uriPlacementIgnoresAQuestionMarkInTheFragment() throws {
        let signed = try OAuth2Auth(token: token, placement: .uri).sign(TransportRequest(method: "GET", url: "http://rs/x#a?b"))
        #expect(signed.url == "http://rs/x?access_token=a%20b%2Fc#a?b")
    }

    @Test func aCachedMetadataDocumentIsCheckedAgainstTheIssuerAskedFor() async throws {
        let document = #"{"issuer":"https://as.example","token_endpoint":"https://as.example/token"}"#
        let cache = MetadataCache(transport: ScriptedTransport(json: [document]))
        _ = try await cache.metadata(url: "https://as.example/.well-known/oauth-authorization-server", expectedIssuer: nil)
        let error = await #expect(throws: OAuthError.self) {
            try await cache.metadata(url: "https://as.example/.well-known/oauth-authorization-server", expectedIssuer: "https://other.example")
        }
        #expect(error?.code == "invalid_issuer")
        #expect(
            AuthorizationServerMetadata.expectedIssuer(forMetadataURL: "https://as.example/.well-known/oauth-authorization-server/t1")
                == "https://as.example/t1"
        )
    }

    @Test func extraParametersReplaceTheSessionsOwn() throws {
        let session = OAuth2Session(
            clientID: "id",
            clientAuth: .none,
            redirectURI: "http://127.0.0.1/cb",
            scope: ["profile"],
            transport: ScriptedTransport(json: [])
        )
        let request = try session.createAuthorizationURL("https://as.example/authorize", extraParameters: [("scope", "openid profile")])
        let query = try FormParameters(parsing: try #require(URLComponents(string: request.url)?.percentEncodedQuery))
        #expect(query.values(for: "scope") == ["openid profile"])
        #expect(query.firstRepeatedName == nil)
    }

    @Test func bodyPlacementAppendsToAForm() throws {
        let signed = try OAuth2Auth(token: token, placement: .body)
            .sign(
                TransportRequest(
                    method: "POST",
                    url: "http://rs/x",
                    headers: ["Content-Type": "application/x-www-form-urlencoded"],
                    body: Array("q=1".utf8)
                )
            )
        #expect(String(decoding: signed.body, as: UTF8.self) == "q=1&access_token=a+b%2Fc")
    }

    @Test func bodyPlacementRefusesGETAndJSON() {
        #expect(throws: OAuthError.self) { try OAuth2Auth(token: token, placement: .body).sign(TransportRequest(method: "GET", url: "http://rs")) }
        #expect(throws: OAuthError.self) {
            try OAuth2Auth(token: token, placement: .body).sign(
                TransportRequest(method: "POST", url: "http://rs", headers: ["Content-Type": "application/json"])
            )
        }
    }

    @Test func onlyBearerTokensAreSent() {
        let mac = OAuth2Token(accessToken: "a", tokenType: "MAC")
        let error = #expect(throws: OAuthError.self) { try OAuth2Auth(token: mac).sign(TransportRequest(method: "GET", url: "http://rs")) }
        #expect(error?.code == "unsupported_token_type")
    }
}

@Suite struct ClientAssertionTests {
    /// A P-256 key made for this test only.
    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOXxxARX3f6VmV5mw
        64FLzNL7YcZTW1P8HkQdRBHE+62hRANCAAS2NuF9+SNzaOsx/D2ddCFp+u7TqjuO
        63JsOhdcGa2IlKLs2h5LYViaD6ww6w26V3ZORLd0FEDccZ+X2Klt0UUW
        -----END PRIVATE KEY-----
        """

    func claims(of jwt: String) throws -> JSONValue {
        let parts = jwt.split(separator: ".")
        #expect(parts.count == 3)
        return try JSONValue.parse(try #require(Base64URL.decode(String(parts[1]))))
    }

    @Test func privateKeyJWTCarriesTheRFC7523Claims() async throws {
        let clock = ManualClock()
        let auth = JWTClientAuthentication.privateKeyJWT(try await .privateKey(pem: Self.privateKeyPEM, kid: "k1"), clock: clock)
        var form = FormParameters()
        var headers = HeaderList()
        try await auth.authenticate(form: &form, headers: &headers, endpoint: "https://as/token", client: .init(clientID: "cid", clientSecret: nil))
        #expect(form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        #expect(form["client_id"] == "cid")
        let jwt = try #require(form["client_assertion"])
        let header = try JSONValue.parse(try #require(Base64URL.decode(String(jwt.split(separator: ".")[0]))))
        #expect(header["alg"] == .string("ES256"))
        #expect(header["kid"] == .string("k1"))
        let claims = try claims(of: jwt)
        #expect(claims["iss"] == .string("cid"))
        #expect(claims["sub"] == .string("cid"))
        #expect(claims["aud"] == .string("https://as/token") || claims["aud"] == .array([.string("https://as/token")]))
        #expect(claims["exp"] == .number(JSONNumber(clock.now().timeIntervalSince1970 + 120)))
        #expect(claims["jti"]?.stringValue?.count == 22)
        // The signature verifies with the public half.
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(pem: Self.privateKeyPEM).publicKey)
        _ = try await keys.verify(jwt, as: AssertionClaims.self)
    }

    @Test func clientSecretJWTNeedsA32ByteSecret() async throws {
        let auth = JWTClientAuthentication.clientSecretJWT()
        var form = FormParameters()
        var headers = HeaderList()
        let error = await #expect(throws: OAuthError.self) {
            try await auth.authenticate(
                form: &form,
                headers: &headers,
                endpoint: "https://as/token",
                client: .init(clientID: "c", clientSecret: "short")
            )
        }
        #expect(error?.code == "invalid_configuration")
        try await auth.authenticate(
            form: &form,
            headers: &headers,
            endpoint: "https://as/token",
            client: .init(clientID: "c", clientSecret: String(repeating: "s", count: 32))
        )
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: String(repeating: "s", count: 32)), digestAlgorithm: .sha256)
        _ = try await keys.verify(try #require(form["client_assertion"]), as: AssertionClaims.self)
    }

    @Test func garbageKeysAreRejected() async {
        await #expect(throws: OAuthError.self) {
            try await AssertionSigner.privateKey(pem: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----")
        }
    }
}

/// RFC 9207: the authorization response's `iss`.
@Suite struct AuthorizationResponseIssuerTests {
    let expected = AuthorizationResponseIssuer(issuer: "https://as.example", required: true)

    @Test func aMatchingIssIsAccepted() throws {
        #expect(
            try parseAuthorizationResponse("https://rp/cb?code=c&state=s&iss=https%3A%2F%2Fas.example", expectedState: "s", issuer: expected) == "c"
        )
    }

    @Test func anotherIssuerOrAMissingPromisedIssIsRefused() throws {
        for url in [
            "https://rp/cb?code=c&state=s&iss=https%3A%2F%2Fattacker.example", "https://rp/cb?code=c&state=s",
            "https://rp/cb?error=access_denied&state=s&iss=https%3A%2F%2Fattacker.example",
        ] {
            let error = #expect(throws: OAuthError.self) { try parseAuthorizationResponse(url, expectedState: "s", issuer: expected) }
            #expect(error?.code == "invalid_issuer", "\(url)")
        }
        // Not promised: a missing iss is fine, a wrong one is not.
        let optional = AuthorizationResponseIssuer(issuer: "https://as.example", required: false)
        #expect(try parseAuthorizationResponse("https://rp/cb?code=c&state=s", expectedState: "s", issuer: optional) == "c")
        #expect(throws: OAuthError.self) {
            try parseAuthorizationResponse("https://rp/cb?code=c&state=s&iss=x", expectedState: "s", issuer: optional)
        }
        #expect(throws: OAuthError.self) { try parseAuthorizationResponse("https://rp/cb?code=c&state=s&iss=x&iss=y", expectedState: "s") }
    }
}
