import Crypto
import Foundation
import MockProviders
import OAuthCore
import OAuthTesting
import Testing

@testable import OAuth2

/// The client's PAR (RFC 9126), JAR (RFC 9101), RAR (RFC 9396) and DPoP (RFC 9449), against the
/// in-memory mock and against scripted answers where a provider misbehaves.
@Suite struct PushedSignedBoundTests {
    static let clientKeyPEM = try! String(
        contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scenarios/keys/test-fixture-jwt-client.private.pem").path,
        encoding: .utf8
    )

    static func claims(_ jwt: String, part: Int = 1) throws -> [String: JSONValue] {
        let segment = String(jwt.split(separator: ".", omittingEmptySubsequences: false)[part])
        let bytes = try #require(Base64URL.decode(segment))
        return try #require(try JSONValue.parse(bytes).objectValue)
    }

    static func session(
        _ transport: any HTTPTransport,
        client: Int = 0,
        dpop: DPoP? = nil,
        requestObject: RequestObject? = nil
    ) throws -> OAuth2Session {
        let profile = try ProviderProfile.named("standard-oauth2")
        let registered = profile.clients[client]
        func make(_ auth: some ClientAuthentication) -> OAuth2Session {
            OAuth2Session(
                clientID: registered.clientID,
                clientSecret: registered.clientSecret,
                clientAuth: auth,
                redirectURI: registered.redirectURIs[0],
                scope: ["api.read"],
                codeChallengeMethod: .s256,
                dpop: dpop,
                requestObject: requestObject,
                transport: transport
            )
        }
        return registered.clientSecret == nil ? make(PublicClient()) : make(ClientSecretBasic())
    }

    // MARK: JOSE

    /// RFC 7638 §3.1's example key and thumbprint; RFC 9449 §7.1's access token and its `ath`.
    @Test func thumbprintAndAccessTokenHashFollowTheRFCExamples() {
        let n =
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        let jwk: [String: JSONValue] = ["kty": "RSA", "n": .string(n), "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"]
        #expect(JWSKey.thumbprint(of: jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        #expect(DPoP.accessTokenHash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU") == "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo")
    }

    @Test(arguments: JWSKey.asymmetricAlgorithms)
    func aKeySignsWhatItsPublicJWKVerifies(_ algorithm: JWSAlgorithm) throws {
        let key = try JWSKey.generate(algorithm)
        let jwk = try #require(key.publicJWK)
        // The public half only, and a description that shows no key material.
        #expect(jwk.keys.allSatisfy { !["d", "p", "q", "dp", "dq", "qi"].contains($0) })
        #expect("\(key)" == "JWSKey(\(algorithm.rawValue), jkt \(key.thumbprint!))")
        let dpop = try DPoP(key: key)
        let proof = try dpop.proof(method: "POST", url: "https://as.example/token?x=1#f", accessToken: "at-123")
        let header = try Self.claims(proof, part: 0)
        #expect(header["typ"] == "dpop+jwt" && header["alg"]?.stringValue == algorithm.rawValue && header["jwk"] == .object(jwk))
        let claims = try Self.claims(proof)
        #expect(claims["htm"] == "POST" && claims["htu"] == "https://as.example/token")
        #expect(claims["ath"]?.stringValue == DPoP.accessTokenHash("at-123") && claims["jti"]?.stringValue?.count == 22)
        #expect(claims["nonce"] == nil)
        let second = try Self.claims(try dpop.proof(method: "POST", url: "https://as.example/token"))
        #expect(second["jti"] != claims["jti"] && second["ath"] == nil)
    }

    @Test func aSymmetricKeyIsNoDPoPKey() throws {
        let error = #expect(throws: OAuthError.self) { try DPoP(key: try JWSKey.hmac(secret: String(repeating: "s", count: 32))) }
        #expect(error?.errorDescription?.contains("asymmetric") == true)
        #expect(throws: OAuthError.self) { try JWSKey.hmac(secret: "short") }
        #expect(throws: OAuthError.self) { try JWSKey(pem: "not a key") }
        #expect(throws: OAuthError.self) { try JWSKey(pem: Self.clientKeyPEM, algorithm: .rs256) }
        #expect(try JWSKey(pem: Self.clientKeyPEM).algorithm == .es256)
    }

    // MARK: DPoP against the mock

    @Test func aDPoPSessionGetsABoundTokenAndUsesItWithProofs() async throws {
        let transport = try InMemoryTransport(profile: "standard-oauth2")
        let dpop = try DPoP()
        let session = try Self.session(transport, dpop: dpop)
        let request = try session.createAuthorizationURL(transport.url("/oauth2/authorize"))
        #expect(try URLReference(request.url).queryItems()["dpop_jkt"] == dpop.thumbprint)
        let token = try await session.fetchToken(
            transport.url("/oauth2/token"),
            authorizationResponse: try await InMemoryProviderTests.approve(request, on: transport),
            request: request
        )
        #expect(token.tokenType == "DPoP")
        let me = try await session.request("GET", transport.url("/api/me"))
        #expect(me.status == 200)
        let introspection = try await session.introspectToken(transport.url("/oauth2/introspect"), token: token.accessToken)
        #expect(introspection["cnf"]?["jkt"]?.stringValue == dpop.thumbprint)
        // The same token with another key's proof is refused.
        let other = OAuth2Auth(token: token, dpop: try DPoP())
        let refused = try await transport.send(try other.sign(TransportRequest(method: "GET", url: transport.url("/api/me"))))
        #expect(refused.status == 401 && refused.headers["WWW-Authenticate"]?.hasPrefix("DPoP error=\"invalid_token\"") == true)
        // A DPoP token cannot be used without its key, nor outside the Authorization header.
        #expect(throws: OAuthError.self) { try OAuth2Auth(token: token).sign(TransportRequest(method: "GET", url: "https://r.example")) }
        #expect(throws: OAuthError.self) {
            try OAuth2Auth(token: token, placement: .uri, dpop: dpop).sign(TransportRequest(method: "GET", url: "https://r.example"))
        }
    }

    /// RFC 9449 §8 and §9: one retry with the nonce the server gives, remembered per origin; a
    /// server that asks again gets its answer back, not a loop.
    @Test func useDPoPNonceIsAnsweredOnceWithTheNonce() async throws {
        let nonceError = TransportResponse(
            status: 400,
            headers: ["Content-Type": "application/json", "DPoP-Nonce": "n-1"],
            body: Array(#"{"error":"use_dpop_nonce","error_description":"nonce"}"#.utf8)
        )
        let token = ScriptedTransport.json(#"{"access_token":"at-1","token_type":"DPoP","expires_in":60}"#)
        var challenge = TransportResponse(status: 401, headers: ["WWW-Authenticate": #"DPoP error="use_dpop_nonce""#, "DPoP-Nonce": "n-2"])
        let transport = ScriptedTransport(responses: [nonceError, token, challenge, ScriptedTransport.json("{}"), challenge, challenge])
        let session = try Self.session(transport, dpop: try DPoP())
        _ = try await session.fetchToken("https://as.example/token", grant: .clientCredentials)
        let sent = transport.requests
        #expect(try Self.claims(try #require(sent[0].headers["DPoP"]))["nonce"] == nil)
        #expect(try Self.claims(try #require(sent[1].headers["DPoP"]))["nonce"] == "n-1")
        let ok = try await session.request("GET", "https://as.example/api")
        #expect(ok.status == 200)
        #expect(try Self.claims(try #require(transport.requests[3].headers["DPoP"]))["nonce"] == "n-2")
        #expect(transport.requests[3].headers["Authorization"] == "DPoP at-1")
        challenge.headers["DPoP-Nonce"] = "n-3"
        let refused = try await session.request("GET", "https://as.example/api")
        #expect(refused.status == 401 && transport.requests.count == 6)
    }

    @Test func aNonceIsAskedForOnlyWithTheErrorAndTheNonce() {
        func answer(_ status: Int, _ headers: HeaderList, _ body: String = "") -> TransportResponse {
            TransportResponse(status: status, headers: headers, body: Array(body.utf8))
        }
        // Several challenges in one header: the DPoP one still counts.
        #expect(DPoP.asksForNonce(answer(401, ["WWW-Authenticate": #"Bearer realm="api", DPoP error="use_dpop_nonce""#, "DPoP-Nonce": "n"])))
        #expect(DPoP.asksForNonce(answer(400, ["DPoP-Nonce": "n"], #"{"error":"use_dpop_nonce"}"#)))
        // Without the nonce, or with another error, there is nothing to retry with.
        #expect(!DPoP.asksForNonce(answer(400, [:], #"{"error":"use_dpop_nonce"}"#)))
        #expect(!DPoP.asksForNonce(answer(400, ["DPoP-Nonce": "n"], #"{"error":"invalid_dpop_proof"}"#)))
        #expect(!DPoP.asksForNonce(answer(401, ["WWW-Authenticate": #"DPoP error="invalid_token""#, "DPoP-Nonce": "n"])))
    }

    // MARK: PAR and JAR

    @Test func aPushedRequestLeavesOnlyClientIDAndRequestURIInTheURL() async throws {
        let transport = try InMemoryTransport(profile: "standard-oauth2")
        let session = try Self.session(transport)
        let request = try await session.pushAuthorizationRequest(
            transport.url("/oauth2/par"),
            authorizationEndpoint: transport.url("/oauth2/authorize"),
            extraParameters: [try AuthorizationDetails.parameter([["type": "payment_initiation", "creditorName": "A"]])]
        )
        let query = try URLReference(request.url).queryItems()
        #expect(query.pairs.map(\.name) == ["client_id", "request_uri"])
        #expect(request.requestURI?.hasPrefix("urn:ietf:params:oauth:request_uri:") == true && request.requestURIExpiresAt != nil)
        let token = try await session.fetchToken(
            transport.url("/oauth2/token"),
            authorizationResponse: try await InMemoryProviderTests.approve(request, on: transport),
            request: request
        )
        #expect(token.authorizationDetails?.first?["creditorName"] == "A")
        // RFC 9396 §2: every element an object with a type.
        #expect(throws: OAuthError.self) { try AuthorizationDetails.parameter([["creditorName": "A"]]) }
    }

    @Test(arguments: [
        (#"{"expires_in":60}"#, "request_uri"), (#"{"request_uri":"urn:x","expires_in":"60"}"#, "expires_in"),
        (#"{"request_uri":"urn:x","expires_in":0}"#, "expires_in"), ("[]", "JSON object"),
    ])
    func aMalformedPushAnswerNamesWhatIsWrong(_ body: String, _ named: String) async throws {
        let transport = ScriptedTransport(responses: [ScriptedTransport.json(body, status: 201)])
        let session = try Self.session(transport)
        let error = await #expect(throws: OAuthError.self) {
            try await session.pushAuthorizationRequest("https://as.example/par", authorizationEndpoint: "https://as.example/authorize")
        }
        #expect(error?.code == .malformedResponse && error?.step == "par" && error?.errorDescription?.contains(named) == true)
        // The push carried the client's authentication and the request, never a request_uri.
        let form = try transport.form(0)
        #expect(form["response_type"] == "code" && form["state"] != nil && form["code_challenge"] != nil)
        #expect(transport.requests[0].headers["Authorization"]?.hasPrefix("Basic ") == true)
    }

    @Test func aRequestObjectCarriesTheParametersSignedForTheIssuer() async throws {
        let key = try JWSKey(pem: Self.clientKeyPEM)
        let object = RequestObject(key: key, audience: "https://as.example", keyID: "k1")
        let session = try Self.session(StaticTransport(TransportResponse(status: 500)), client: 2, requestObject: object)
        let request = try session.createAuthorizationURL(
            "https://as.example/authorize",
            extraParameters: [try AuthorizationDetails.parameter([["type": "account_information"]])]
        )
        let query = try URLReference(request.url).queryItems()
        #expect(query.pairs.map(\.name) == ["client_id", "response_type", "scope", "request"])
        let jwt = try #require(query["request"])
        let header = try Self.claims(jwt, part: 0)
        #expect(header["typ"] == "oauth-authz-req+jwt" && header["kid"] == "k1" && header["alg"] == "ES256")
        let claims = try Self.claims(jwt)
        #expect(claims["iss"] == "harness-jwt-client" && claims["client_id"] == "harness-jwt-client" && claims["aud"] == "https://as.example")
        #expect(claims["state"]?.stringValue == request.state && claims["code_challenge_method"] == "S256")
        #expect(claims["authorization_details"] == [["type": "account_information"]])
        guard case .number(let exp)? = claims["exp"], case .number(let iat)? = claims["iat"] else {
            Issue.record("exp and iat must be numbers")
            return
        }
        #expect(exp.double - iat.double == 300)
        // Verified with the registered public key, as the mock does.
        let publicKey = try P256.Signing.PublicKey(
            pemRepresentation: String(
                contentsOfFile: URL(fileURLWithPath: #filePath)
                    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("MockProviders/keys/test-fixture-jwt-client.public.pem").path,
                encoding: .utf8
            )
        )
        let parts = jwt.split(separator: ".")
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(Base64URL.decode(String(parts[2]))))
        #expect(publicKey.isValidSignature(signature, for: Array("\(parts[0]).\(parts[1])".utf8)))
    }
}
