import Benchmark
import Crypto
import CryptoExtras
import ExtrasBase64
import Foundation
import Harness
import JWTKit
import MockProviders
import OAuth1
import OAuth2
import OAuthCore
import OpenIDConnect

// Operation names match Benchmarks/python/bench.py, which measures the same operations with
// Authlib / oauthlib / joserfc; Benchmarks/compare.sh joins the two on these names.

/// The repository root (this file is Benchmarks/Benchmarks/OAuthBenchmarks/OAuthBenchmarks.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

let benchmarks: @Sendable () -> Void = {
    // Micro-operations run 1,000 times per sample (figures are per operation), so the
    // framework's per-sample thread hand-off (it runs async closures in a fresh Task) is not
    // measured with them.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    // MARK: OAuth 1.0a (RFC 5849 §3.4.2 HMAC-SHA1), the RFC's own example credentials.
    let oauth1 = OAuth1Auth(
        clientID: "dpf43f3p2l4k3l03",
        clientSecret: "kd94hf93k423kf44",
        token: "nnch734d00sl2jdk",
        tokenSecret: "pfkkdhi9sl3r4s00"
    )
    let get = TransportRequest(method: "GET", url: "https://photos.example.net/photos?file=vacation.jpg&size=original&type=jpg")
    let post = TransportRequest(
        method: "POST",
        url: "https://photos.example.net/photos",
        headers: ["Content-Type": "application/x-www-form-urlencoded"],
        body: Array("file=vacation.jpg&size=original&type=jpg".utf8)
    )
    Benchmark("oauth1_hmac_sha1_get") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try oauth1.sign(get)) }
    }
    Benchmark("oauth1_hmac_sha1_form_post") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try oauth1.sign(post)) }
    }

    // The floor of a signature: the work no HMAC-SHA1 signer can skip — a fresh 16-byte nonce
    // from the CSPRNG, the base string written once (here: copied, already built), HMAC-SHA1 over
    // it keyed with the secrets (swift-crypto, BoringSSL), base64 of the MAC.
    let floorKey = SymmetricKey(data: Array("kd94hf93k423kf44&pfkkdhi9sl3r4s00".utf8))
    let floorBaseString = Array(
        try! SignatureBaseString.make(
            method: "GET",
            url: get.url,
            parameters: SignatureBaseString.collectParameters(
                url: get.url,
                oauthParameters: [
                    ("oauth_consumer_key", oauth1.clientID), ("oauth_token", oauth1.token!), ("oauth_signature_method", "HMAC-SHA1"),
                    ("oauth_timestamp", String(Int(Date().timeIntervalSince1970))), ("oauth_nonce", SecureRandom.token(bytes: 16)),
                    ("oauth_version", "1.0"),
                ],
                formBody: nil
            )
        ).utf8
    )
    Benchmark("oauth1_hmac_sha1_floor") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(SecureRandom.token(bytes: 16))
            var written = [UInt8]()
            written.reserveCapacity(floorBaseString.count)
            written += floorBaseString
            let mac = HMAC<Crypto.Insecure.SHA1>.authenticationCode(for: written, using: floorKey)
            blackHole(Base64.encodeToString(bytes: Array(mac)))
        }
    }

    // MARK: RFC 7636 S256 pair: a fresh verifier and its challenge.
    Benchmark("pkce_s256_pair") { benchmark in
        for _ in benchmark.scaledIterations {
            let verifier = PKCE.generateVerifier()
            blackHole(PKCE.challenge(for: verifier, method: .s256))
        }
    }

    // MARK: RS256 ID token: full OpenID Connect Core §3.1.3.7 validation vs the bare signature check.
    Benchmark("rs256_id_token_validate") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.validator.validate(fixture.token, nonce: IDTokenFixture.nonce))
        }
    } setup: {
        try await IDTokenFixture.make()
    }
    Benchmark("rs256_bare_verify") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            let digest = SHA256.hash(data: fixture.signingInput)
            guard fixture.publicKey.isValidSignature(fixture.signature, for: digest, padding: .insecurePKCS1v1_5) else {
                fatalError("the fixture's signature does not verify")
            }
        }
    } setup: {
        try await IDTokenFixture.make()
    }

    // MARK: RFC 6749 §5.1 token response → OAuth2Token.
    let body = Array(
        #"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"profile email","example_parameter":"example_value"}"#
            .utf8
    )
    Benchmark("token_response_parse") { benchmark in
        for _ in benchmark.scaledIterations {
            guard case .object(let members) = try JSONValue.parse(body) else { fatalError("not an object") }
            let token = try OAuth2Token(members: members, receivedAt: Date())
            blackHole(token.isExpired(at: Date()))
        }
    }

    // The same input through Foundation's JSONDecoder (JSONValue's Codable conformance), to
    // show what the package's own RFC 8259 parser buys.
    let bodyData = Data(body)
    Benchmark("token_response_parse_jsondecoder") { benchmark in
        let decoder = JSONDecoder()
        for _ in benchmark.scaledIterations {
            guard case .object(let members) = try decoder.decode(JSONValue.self, from: bodyData) else { fatalError("not an object") }
            let token = try OAuth2Token(members: members, receivedAt: Date())
            blackHole(token.isExpired(at: Date()))
        }
    }

    // MARK: DPoP (RFC 9449): a proof made beside the ES256 signature it needs, a proof verified
    // by the mock beside a bare ES256 verification of the same bytes.
    let dpop = try! DPoP(key: try! JWSKey.generate(.es256))
    Benchmark("dpop_proof_create") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try dpop.proof(method: "POST", url: "https://as.example.test/oauth2/token", accessToken: "2YotnFZFEjr1zCsicMWpAA"))
        }
    }
    let floorSigner = P256.Signing.PrivateKey()
    let floorInput = DPoPFixture.signingInput(try! dpop.proof(method: "POST", url: "https://as.example.test/oauth2/token"))
    Benchmark("es256_bare_sign") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try floorSigner.signature(for: floorInput)) }
    }
    Benchmark("dpop_proof_verify_mock") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            guard case .success = fixture.mock.verifyDPoPProof(fixture.proof, method: "POST", url: DPoPFixture.url) else {
                fatalError("the fixture's proof does not verify")
            }
        }
    } setup: {
        try DPoPFixture.make()
    }
    Benchmark("es256_bare_verify") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            guard fixture.publicKey.isValidSignature(fixture.signature, for: fixture.signingInput) else {
                fatalError("the fixture's signature does not verify")
            }
        }
    } setup: {
        try DPoPFixture.make()
    }

    // MARK: The mock's token endpoint in memory (no socket): a plain client_credentials request
    // beside a token exchange (RFC 8693) of a token it issued, same client
    // authentication, same store.
    Benchmark("mock_token_client_credentials") { benchmark, fixture in
        for _ in benchmark.scaledIterations { blackHole(await fixture.mock.handle(fixture.clientCredentials)) }
    } setup: {
        try await MockTokenFixture.make()
    }
    Benchmark("mock_token_exchange") { benchmark, fixture in
        for _ in benchmark.scaledIterations { blackHole(await fixture.mock.handle(fixture.exchange)) }
    } setup: {
        try await MockTokenFixture.make()
    }

    Benchmark("mock_client_registration") { benchmark, fixture in
        for _ in benchmark.scaledIterations { blackHole(await fixture.mock.handle(fixture.registration)) }
    } setup: {
        try await MockTokenFixture.make()
    }

    // Whole authorization-code flows are measured by the FlowThroughput executable, on the
    // executor the CLI uses (this framework's per-sample Task + semaphore deadlocks with it).

    // MARK: JUnit XML for 1,000 test cases (mixed outcomes, transcripts to escape).
    let results = (0..<1000).map { index in
        ScenarioResult(
            name: "scenario \(index) <&>",
            folder: "area\(index % 7)",
            file: "Scenarios/area\(index % 7)/s\(index).yaml",
            outcome: index % 10 == 0 ? .failed(step: "token", message: "expected \"invalid_grant\" & got <ok>") : .passed,
            seconds: 0.012,
            notes: ["note \(index)"],
            transcript: "POST /oauth2/token -> 200\nAuthorization: Basic [redacted]\n"
        )
    }
    Benchmark("junit_write_1000_cases", configuration: .init(scalingFactor: .one, maxDuration: .seconds(2))) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(JUnitWriter.xml(results)) }
    }
}

/// An RS256 ID token signed with the OIDC fixture key, and a validator whose JWKS cache holds
/// that key's public JWK (fetched once, through an in-memory transport).
struct IDTokenFixture: Sendable {
    static let nonce = "n-0S6_WzA2Mj"
    static let issuer = "https://issuer.example.test"
    let token: String
    let validator: IDTokenValidator
    let signingInput: [UInt8]
    let signature: _RSA.Signing.RSASignature
    let publicKey: _RSA.Signing.PublicKey

    struct JWKSTransport: HTTPTransport {
        let document: [UInt8]
        func send(_ request: TransportRequest) async throws -> TransportResponse {
            TransportResponse(status: 200, headers: ["Content-Type": "application/jwk-set+json"], body: document)
        }
    }

    struct Claims: JWTPayload {
        var iss: String, sub: String, aud: String, exp: Int, iat: Int, nonce: String, azp: String, auth_time: Int
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func make() async throws -> IDTokenFixture {
        let pem = try String(contentsOfFile: repositoryRoot + "/MockProviders/keys/test-fixture-oidc-rs256-1.private.pem", encoding: .utf8)
        let key = try JWTKit.Insecure.RSA.PrivateKey(pem: pem)
        let keys = JWTKeyCollection()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: "bench-1")
        let now = Int(Date().timeIntervalSince1970)
        let token = try await keys.sign(
            Claims(iss: issuer, sub: "alice", aud: "harness-client", exp: now + 3600, iat: now, nonce: nonce, azp: "harness-client", auth_time: now),
            kid: "bench-1"
        )
        let primitives = try key.publicKey.getKeyPrimitives()
        let jwk: JSONValue = .object([
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "bench-1", "n": .string(Base64URL.encode(primitives.modulus)),
            "e": .string(Base64URL.encode(primitives.publicExponent)),
        ])
        let transport = JWKSTransport(document: Array(JSONValue.object(["keys": .array([jwk])]).jsonText.utf8))
        let validator = IDTokenValidator(
            options: IDTokenValidationOptions(issuer: issuer, clientID: "harness-client"),
            jwks: JWKSCache(url: "https://issuer.example.test/jwks", transport: transport)
        )
        _ = try await validator.validate(token, nonce: nonce)  // fills the JWKS cache; fails loudly if the fixture is wrong
        let dot = token.lastIndex(of: ".")!
        return IDTokenFixture(
            token: token,
            validator: validator,
            signingInput: Array(token[..<dot].utf8),
            signature: _RSA.Signing.RSASignature(rawRepresentation: Base64URL.decode(String(token[token.index(after: dot)...]))!),
            publicKey: try _RSA.Signing.PublicKey(pemRepresentation: key.publicKey.pemRepresentation)
        )
    }
}

/// A DPoP proof for the mock's token endpoint and a standard-oauth2 mock that verifies it
/// again and again: its iat window is a day and the proof-replay evil mode is on, so every
/// verification still reads and writes the jti store but is not refused as a replay.
struct DPoPFixture: Sendable {
    static let url = "http://mock.test/oauth2/token"
    let mock: MockProvider
    let proof: String
    let publicKey: P256.Signing.PublicKey
    let signature: P256.Signing.ECDSASignature
    let signingInput: [UInt8]

    static func signingInput(_ proof: String) -> [UInt8] { Array(proof.utf8[..<proof.utf8.lastIndex(of: UInt8(ascii: "."))!]) }

    static func make() throws -> DPoPFixture {
        var profile = try ProviderProfile.named("standard-oauth2")
        profile.dpop = .init(iatWindow: 86_400)
        let mock = MockProvider(profile: profile)
        mock.setEvilMode(.dpopProofReplay)
        let key = P256.Signing.PrivateKey()
        let proof = try DPoP(key: try JWSKey(pem: key.pemRepresentation)).proof(method: "POST", url: url)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: Base64URL.decode(String(proof.split(separator: ".")[2]))!)
        // The public key as a verifier holds it: read from its coordinates, as a JWK carries them.
        let publicKey = try P256.Signing.PublicKey(x963Representation: key.publicKey.x963Representation)
        return DPoPFixture(mock: mock, proof: proof, publicKey: publicKey, signature: signature, signingInput: signingInput(proof))
    }
}

/// A standard-oauth2 mock, a client_credentials token request, and a token exchange request whose
/// subject token is a refresh token the mock issued in setup.
struct MockTokenFixture: Sendable {
    let mock: MockProvider
    let clientCredentials: TransportRequest
    let exchange: TransportRequest
    /// An RFC 7591 registration: redirect URI, grant types, name, scope.
    let registration = TransportRequest(
        method: "POST",
        url: "http://mock.test/oauth2/register",
        headers: ["Content-Type": "application/json", "Host": "mock.test"],
        body: Array(
            #"{"redirect_uris":["http://127.0.0.1:8400/callback"],"grant_types":["authorization_code","refresh_token"],"client_name":"bench","scope":"api.read"}"#
                .utf8
        )
    )

    static let registrationProbe = TransportRequest(
        method: "POST",
        url: "http://mock.test/oauth2/register",
        headers: ["Content-Type": "application/json", "Host": "mock.test"],
        body: Array(#"{"redirect_uris":["http://127.0.0.1:8400/callback"]}"#.utf8)
    )

    static func request(_ fields: [(String, String)]) -> TransportRequest {
        .form(
            "http://mock.test/oauth2/token",
            FormParameters(fields),
            headers: ["Authorization": "Basic " + Data("harness-client:harness-secret".utf8).base64EncodedString(), "Host": "mock.test"]
        )
    }

    static func make() async throws -> MockTokenFixture {
        let mock = MockProvider(profile: try ProviderProfile.named("standard-oauth2"))
        let clientCredentials = request([("grant_type", "client_credentials"), ("scope", "api.read")])
        // The subject is a refresh token from a code flow: the exchanges issue access tokens only,
        // so it stays in the store however many run (an access token would be forgotten after
        // ProviderState.retention newer ones, and every exchange after that a cheap refusal).
        let consent = TransportRequest.form(
            "http://mock.test/oauth2/authorize",
            FormParameters([
                ("response_type", "code"), ("client_id", "harness-client"), ("redirect_uri", "http://127.0.0.1:8400/callback"),
                ("state", "bench"), ("scope", "api.read"), ("decision", "approve"),
            ]),
            headers: ["Host": "mock.test"]
        )
        let location = await mock.handle(consent).headers["Location"] ?? ""
        guard let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value else {
            fatalError("the mock issued no code in setup: \(location)")
        }
        let tokens = try JSONValue.parse(
            await mock.handle(request([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://127.0.0.1:8400/callback")]))
                .body
        )
        guard let subject = tokens["refresh_token"]?.stringValue else { fatalError("the mock issued no refresh token in setup") }
        let exchange = request([
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("subject_token", subject),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:refresh_token"), ("audience", "https://api.example/orders"),
        ])
        guard await mock.handle(exchange).status == 200 else { fatalError("the mock refused the exchange") }
        guard await mock.handle(MockTokenFixture.registrationProbe).status == 201 else { fatalError("the mock refused the registration") }
        return MockTokenFixture(mock: mock, clientCredentials: clientCredentials, exchange: exchange)
    }
}
