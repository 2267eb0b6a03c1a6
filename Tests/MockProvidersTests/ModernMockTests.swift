import Crypto
import Foundation
import OAuthCore
import Testing

@testable import MockProviders

/// The mock's PAR, request-object, RAR and DPoP checks, fed requests built by hand (never the
/// client library's code), each refusal named.
@Suite struct ModernMockTests {
    static let base = "http://mock.test"

    static func provider(
        _ name: String = "standard-oauth2",
        clock: ManualClock = ManualClock(),
        edit: (inout ProviderProfile) -> Void = { _ in }
    )
        throws -> MockProvider
    {
        var profile = try ProviderProfile.named(name)
        edit(&profile)
        return MockProvider(profile: profile, clock: clock)
    }

    static func jws(_ header: [String: JSONValue], _ claims: [String: JSONValue], key: P256.Signing.PrivateKey) throws -> String {
        let input = Base64URL.encode(JSONValue.object(header).jsonBytes) + "." + Base64URL.encode(JSONValue.object(claims).jsonBytes)
        return input + "." + Base64URL.encode(try key.signature(for: Array(input.utf8)).rawRepresentation)
    }

    static func jwk(_ key: P256.Signing.PrivateKey) -> JSONValue {
        let point = Array(key.publicKey.x963Representation)
        return ["kty": "EC", "crv": "P-256", "x": .string(Base64URL.encode(point[1...32])), "y": .string(Base64URL.encode(point[33...]))]
    }

    /// A proof for a client_credentials request at the token endpoint, with `change` applied.
    static func proof(
        key: P256.Signing.PrivateKey,
        clock: ManualClock,
        header change: (inout [String: JSONValue]) -> Void = { _ in },
        claims edit: (inout [String: JSONValue]) -> Void = { _ in }
    ) throws -> String {
        var header: [String: JSONValue] = ["typ": "dpop+jwt", "alg": "ES256", "jwk": jwk(key)]
        change(&header)
        var claims: [String: JSONValue] = [
            "jti": .string(SecureRandom.token(bytes: 12)), "htm": "POST", "htu": .string(base + "/oauth2/token"),
            "iat": .number(JSONNumber(Int64(clock.now().timeIntervalSince1970))),
        ]
        edit(&claims)
        return try jws(header, claims, key: key)
    }

    static func tokenRequest(proof: String?) -> TransportRequest {
        var request = TransportRequest.form(base + "/oauth2/token", FormParameters([("grant_type", "client_credentials")]))
        request.headers["Authorization"] = "Basic " + Base64Standard.encode(Array("harness-client:harness-secret".utf8))
        request.headers["Host"] = "mock.test"
        if let proof { request.headers["DPoP"] = proof }
        return request
    }

    static func body(_ response: TransportResponse) -> [String: JSONValue] { (try? JSONValue.parse(response.body))?.objectValue ?? [:] }

    /// The error of an authorization response: redirected to the client (its query), or a page.
    static func refusal(_ response: TransportResponse) -> (error: String?, description: String?) {
        if let location = response.headers["Location"], let query = try? URLReference(location).queryItems() {
            return (query["error"], query["error_description"])
        }
        return (body(response)["error"]?.stringValue, body(response)["error_description"]?.stringValue)
    }

    @Test func aValidProofBindsTheTokenAndAReplayIsRefused() async throws {
        let clock = ManualClock()
        let mock = try Self.provider(clock: clock)
        let key = P256.Signing.PrivateKey()
        let proof = try Self.proof(key: key, clock: clock)
        let first = await mock.handle(Self.tokenRequest(proof: proof))
        #expect(first.status == 200 && Self.body(first)["token_type"] == "DPoP")
        let replay = await mock.handle(Self.tokenRequest(proof: proof))
        #expect(replay.status == 400 && Self.body(replay)["error"] == "invalid_dpop_proof")
        #expect(Self.body(replay)["error_description"]?.stringValue?.contains("already used") == true)
        let bearer = await mock.handle(Self.tokenRequest(proof: nil))
        #expect(Self.body(bearer)["token_type"] == "Bearer")
    }

    @Test(arguments: [
        ("typ", "typ"), ("alg none", "alg"), ("alg HS256", "alg"), ("private jwk", "private key"), ("signature", "signature"),
        ("htm", "htm"), ("htu", "htu"), ("iat past", "iat"), ("iat future", "iat"), ("no jti", "jti"),
    ])
    func aBadProofIsRefusedWithItsReason(_ fault: String, _ named: String) async throws {
        let clock = ManualClock()
        let mock = try Self.provider(clock: clock)
        let key = P256.Signing.PrivateKey()
        var proof = try Self.proof(
            key: key,
            clock: clock,
            header: { header in
                switch fault {
                case "typ": header["typ"] = "JWT"
                case "alg none": header["alg"] = "none"
                case "alg HS256": header["alg"] = "HS256"
                case "private jwk":
                    if case .object(var jwk)? = header["jwk"] {
                        jwk["d"] = .string(Base64URL.encode(key.rawRepresentation))
                        header["jwk"] = .object(jwk)
                    }
                default: break
                }
            },
            claims: { claims in
                switch fault {
                case "htm": claims["htm"] = "GET"
                case "htu": claims["htu"] = .string(Self.base + "/api/me")
                case "iat past": claims["iat"] = .number(JSONNumber(Int64(clock.now().timeIntervalSince1970) - 120))
                case "iat future": claims["iat"] = .number(JSONNumber(Int64(clock.now().timeIntervalSince1970) + 120))
                case "no jti": claims["jti"] = nil
                default: break
                }
            }
        )
        if fault == "signature" { proof = try Self.proof(key: key, clock: clock, header: { $0["jwk"] = Self.jwk(P256.Signing.PrivateKey()) }) }
        let answer = await mock.handle(Self.tokenRequest(proof: proof))
        #expect(answer.status == 400 && Self.body(answer)["error"] == "invalid_dpop_proof")
        #expect(Self.body(answer)["error_description"]?.stringValue?.contains(named) == true, "\(Self.body(answer))")
    }

    @Test func nonceRequiredAtTheTokenEndpointAndTheResource() async throws {
        let clock = ManualClock()
        let mock = try Self.provider(clock: clock) { $0.dpop = .init(required: true, nonce: true) }
        let key = P256.Signing.PrivateKey()
        let withoutProof = await mock.handle(Self.tokenRequest(proof: nil))
        #expect(withoutProof.status == 400 && Self.body(withoutProof)["error"] == "invalid_dpop_proof")
        let first = await mock.handle(Self.tokenRequest(proof: try Self.proof(key: key, clock: clock)))
        #expect(first.status == 400 && Self.body(first)["error"] == "use_dpop_nonce")
        let nonce = try #require(first.headers["DPoP-Nonce"])
        let token = await mock.handle(Self.tokenRequest(proof: try Self.proof(key: key, clock: clock, claims: { $0["nonce"] = .string(nonce) })))
        let access = try #require(Self.body(token)["access_token"]?.stringValue)
        #expect(token.headers["DPoP-Nonce"] == nonce)
        // At the resource: the challenge names use_dpop_nonce; with the nonce and ath it answers.
        func resource(_ claims: (inout [String: JSONValue]) -> Void) throws -> TransportRequest {
            let proof = try Self.proof(
                key: key,
                clock: clock,
                claims: { all in
                    all["htm"] = "GET"
                    all["htu"] = .string(Self.base + "/api/me")
                    claims(&all)
                }
            )
            return TransportRequest(
                method: "GET",
                url: Self.base + "/api/me",
                headers: ["Host": "mock.test", "Authorization": "DPoP " + access, "DPoP": proof]
            )
        }
        let hash = Base64URL.encode(SHA256.hash(data: Array(access.utf8)))
        let noNonce = await mock.handle(try resource { $0["ath"] = .string(hash) })
        #expect(noNonce.status == 401 && noNonce.headers["WWW-Authenticate"]?.contains(#"error="use_dpop_nonce""#) == true)
        let noAth = await mock.handle(try resource { $0["nonce"] = .string(nonce) })
        #expect(noAth.status == 401 && noAth.headers["WWW-Authenticate"]?.contains("ath") == true)
        let good = await mock.handle(
            try resource { claims in
                claims["nonce"] = .string(nonce)
                claims["ath"] = .string(hash)
            }
        )
        #expect(good.status == 200)
    }

    // MARK: PAR

    static func push(_ mock: MockProvider, _ pairs: [(String, String)]) async -> TransportResponse {
        var request = TransportRequest.form(base + "/oauth2/par", FormParameters(pairs))
        request.headers["Authorization"] = "Basic " + Base64Standard.encode(Array("harness-client:harness-secret".utf8))
        request.headers["Host"] = "mock.test"
        return await mock.handle(request)
    }

    static let authorization: [(String, String)] = [
        ("response_type", "code"), ("client_id", "harness-client"), ("redirect_uri", "http://127.0.0.1:8400/callback"), ("state", "s-1"),
    ]

    @Test func aPushedRequestExpiresAndIsCheckedWhenPushed() async throws {
        let clock = ManualClock()
        let mock = try Self.provider(clock: clock)
        let pushed = await Self.push(mock, Self.authorization)
        #expect(pushed.status == 201 && Self.body(pushed)["expires_in"] == 60)
        let uri = try #require(Self.body(pushed)["request_uri"]?.stringValue)
        func authorize(_ client: String = "harness-client") async -> TransportResponse {
            let query = FormParameters([("client_id", client), ("request_uri", uri)]).queryEncoded
            return await mock.handle(TransportRequest(method: "GET", url: Self.base + "/oauth2/authorize?" + query, headers: ["Host": "mock.test"]))
        }
        #expect((await authorize()).status == 200)  // the consent page
        #expect(Self.refusal(await authorize("harness-public")).error == "invalid_request")
        clock.advance(by: 61)
        let expired = await authorize()
        #expect(expired.status == 302 && Self.refusal(expired).description == "request_uri has expired")
        // Redirected with the pushed request's state, so that the client can match the answer.
        #expect(expired.headers["Location"]?.contains("state=s-1") == true)
        // Checked at the push: an unregistered redirect URI, a request_uri inside, an unknown RAR type.
        let badRedirect = await Self.push(mock, Self.authorization.map { $0.0 == "redirect_uri" ? ($0.0, "https://evil.example/cb") : $0 })
        #expect(badRedirect.status == 400 && Self.body(badRedirect)["error"] == "invalid_request")
        #expect(Self.body(await Self.push(mock, Self.authorization + [("request_uri", "urn:x")]))["error"] == "invalid_request")
        let rar = await Self.push(mock, Self.authorization + [("authorization_details", #"[{"type":"unknown"}]"#)])
        #expect(Self.body(rar)["error"] == "invalid_authorization_details")
        #expect(Self.body(await Self.push(mock, Self.authorization + [("authorization_details", "{")]))["error"] == "invalid_authorization_details")
    }

    /// RFC 9449 §10.1: a proof sent with the push binds the code to its key, as dpop_jkt does.
    @Test func aProofWithThePushBindsTheCode() async throws {
        let clock = ManualClock()
        let mock = try Self.provider(clock: clock)
        let key = P256.Signing.PrivateKey()
        func push(_ extra: [(String, String)] = []) async throws -> TransportResponse {
            var request = TransportRequest.form(Self.base + "/oauth2/par", FormParameters(Self.authorization + extra))
            request.headers["Authorization"] = "Basic " + Base64Standard.encode(Array("harness-client:harness-secret".utf8))
            request.headers["Host"] = "mock.test"
            request.headers["DPoP"] = try Self.proof(key: key, clock: clock, claims: { $0["htu"] = .string(Self.base + "/oauth2/par") })
            return await mock.handle(request)
        }
        // A dpop_jkt beside the proof must be the proof key's thumbprint.
        let mismatch = try await push([("dpop_jkt", "not-the-thumbprint")])
        #expect(mismatch.status == 400 && Self.body(mismatch)["error"] == "invalid_dpop_proof")
        let pushed = try await push()
        let uri = try #require(Self.body(pushed)["request_uri"]?.stringValue)
        var approve = TransportRequest.form(
            Self.base + "/oauth2/authorize",
            FormParameters([("client_id", "harness-client"), ("request_uri", uri), ("decision", "approve")])
        )
        approve.headers["Host"] = "mock.test"
        let redirect = await mock.handle(approve)
        let location = try #require(redirect.headers["Location"])
        let code = try #require(try URLReference(location).queryItems()["code"])
        var exchange = TransportRequest.form(
            Self.base + "/oauth2/token",
            FormParameters([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://127.0.0.1:8400/callback")])
        )
        exchange.headers["Authorization"] = "Basic " + Base64Standard.encode(Array("harness-client:harness-secret".utf8))
        exchange.headers["Host"] = "mock.test"
        let unbound = await mock.handle(exchange)
        #expect(unbound.status == 400 && Self.body(unbound)["error_description"]?.stringValue?.contains("bound to another DPoP key") == true)
    }

    // MARK: Request objects

    @Test(arguments: ["aud", "iss", "exp", "alg", "client_id"])
    func aRequestObjectWithAWrongClaimIsRefused(_ fault: String) async throws {
        let clock = ManualClock()
        let mock = try Self.provider(clock: clock) { $0.requestObjects = .init(algorithms: [.es256]) }
        // harness-jwt-client's registered key is Scenarios/keys/test-fixture-jwt-client (ES256).
        let pem = try String(contentsOfFile: repositoryRoot + "/Scenarios/keys/test-fixture-jwt-client.private.pem", encoding: .utf8)
        let key = try P256.Signing.PrivateKey(pemRepresentation: pem)
        var claims: [String: JSONValue] = [
            "iss": "harness-jwt-client", "aud": .string(Self.base), "client_id": "harness-jwt-client", "response_type": "code",
            "redirect_uri": "http://127.0.0.1:8400/callback", "exp": .number(JSONNumber(Int64(clock.now().timeIntervalSince1970) + 60)),
        ]
        switch fault {
        case "aud": claims["aud"] = "https://another.example"
        case "iss": claims["iss"] = "harness-client"
        case "exp": claims["exp"] = .number(JSONNumber(Int64(clock.now().timeIntervalSince1970) - 1))
        case "client_id": claims["client_id"] = "harness-client"
        default: break
        }
        let object = try Self.jws(["alg": fault == "alg" ? "RS256" : "ES256"], claims, key: key)
        let query = FormParameters([("client_id", "harness-jwt-client"), ("request", object)]).queryEncoded
        let answer = await mock.handle(TransportRequest(method: "GET", url: Self.base + "/oauth2/authorize?" + query, headers: ["Host": "mock.test"]))
        #expect(answer.status == 302 && Self.refusal(answer).error == "invalid_request_object", "\(Self.refusal(answer))")
        // The same object, right, is taken.
        claims["aud"] = .string(Self.base)
        let good = try Self.jws(
            ["alg": "ES256"],
            claims.merging([
                "iss": "harness-jwt-client", "client_id": "harness-jwt-client",
                "exp": .number(JSONNumber(Int64(clock.now().timeIntervalSince1970) + 60)),
            ]) { _, new in new },
            key: key
        )
        let accepted = await mock.handle(
            TransportRequest(
                method: "GET",
                url: Self.base + "/oauth2/authorize?" + FormParameters([("client_id", "harness-jwt-client"), ("request", good)]).queryEncoded,
                headers: ["Host": "mock.test"]
            )
        )
        #expect(accepted.status == 200)
    }
}
