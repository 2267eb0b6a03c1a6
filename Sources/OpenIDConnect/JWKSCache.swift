import Crypto
import CryptoExtras
import Foundation
import JWTKit
import OAuthCore
import Synchronization

/// A provider's signing keys (RFC 7517 JWK Set from `jwks_uri`), cached. A token whose `kid`
/// is not in the cache triggers one refetch — key rotation — but at most one per
/// `minimumRefetchInterval`, so a stream of tokens with bogus kids cannot hammer the provider.
public final class JWKSCache: Sendable {
    public let url: String
    let transport: any HTTPTransport
    let clock: any OAuthClock
    public let minimumRefetchInterval: TimeInterval

    struct State {
        var keys: [JSONValue] = []
        var fetchedAt: Date?
        var fetches = 0
        /// Verifiers built from `keys`, by "kid alg"; dropped on every fetch.
        var verifiers: [String: SignatureVerifier] = [:]
    }
    private let state = Mutex(State())

    public init(url: String, transport: any HTTPTransport, clock: any OAuthClock = SystemClock(), minimumRefetchInterval: TimeInterval = 30) {
        self.url = url
        self.transport = transport
        self.clock = clock
        self.minimumRefetchInterval = minimumRefetchInterval
    }

    /// How many times the JWKS was fetched (for tests and reports).
    public var fetchCount: Int { state.withLock { $0.fetches } }

    /// The keys as JSON objects, fetched on first use.
    public func keys() async throws(OAuthError) -> [JSONValue] {
        if state.withLock({ $0.fetchedAt }) != nil { return state.withLock { $0.keys } }
        return try await fetch()
    }

    /// The key with `kid`; refetches once (rate-limited) when it is unknown.
    public func key(kid: String) async throws(OAuthError) -> JSONValue? {
        if let key = try await keys().first(where: { $0["kid"]?.stringValue == kid }) { return key }
        let last = state.withLock { $0.fetchedAt }
        if let last, clock.now().timeIntervalSince(last) < minimumRefetchInterval { return nil }
        return try await fetch().first { $0["kid"]?.stringValue == kid }
    }

    @discardableResult
    func fetch() async throws(OAuthError) -> [JSONValue] {
        let step = "jwks"
        let response = try await transport.sendRetryingIdempotent(
            TransportRequest(method: "GET", url: url, headers: ["Accept": "application/jwk-set+json, application/json"]), step: step)
        guard response.status == 200 else { throw .malformed(step: step, httpStatus: response.status, "the JWKS endpoint answered HTTP \(response.status)") }
        guard case .array(let keys)? = (try? JSONValue.parse(response.body))?["keys"] else {
            throw .malformed(step: step, httpStatus: response.status, "the JWKS is not an object with a keys array (RFC 7517 §5)")
        }
        let now = clock.now()
        state.withLock {
            $0.keys = keys
            $0.fetchedAt = now
            $0.fetches += 1
            $0.verifiers = [:]
        }
        return keys
    }

    /// The verifier for `jwk` (one of `keys()`, named `kid`) under `alg`, built once per fetched
    /// key set: reading a key from its JWK costs more than checking a signature. RSA keys (RS*,
    /// PS*) are checked with swift-crypto directly; other algorithms through jwt-kit.
    func verifier(for jwk: JSONValue, kid: String, alg: String) async throws -> SignatureVerifier {
        let name = kid + " " + alg
        if let cached = state.withLock({ $0.verifiers[name] }) { return cached }
        let verifier: SignatureVerifier
        if let rsa = try SignatureVerifier.rsa(jwk, alg: alg) {
            verifier = rsa
        } else {
            var members = jwk.objectValue ?? [:]
            members["alg"] = .string(alg)
            members["kid"] = .string(kid)
            let keys = JWTKeyCollection()
            try await keys.add(jwk: JWTKit.JWK(json: JSONValue.object(members).jsonText))
            verifier = .jwtKit(try await keys.getKey(for: JWKIdentifier(string: kid), alg: alg))
        }
        state.withLock { $0.verifiers[name] = verifier }
        return verifier
    }
}

/// Checks a JWS signature over its signing input.
enum SignatureVerifier: Sendable {
    case rsa(_RSA.Signing.PublicKey, _RSA.Signing.Padding, bits: Int)
    case jwtKit(any JWTAlgorithm)

    /// An RSA verifier for RS256/384/512 (PKCS #1 v1.5) or PS256/384/512 (PSS), RFC 7518 §3.3
    /// and §3.5; `nil` for other algorithms. Keys under 2048 bits are refused (swift-crypto).
    static func rsa(_ jwk: JSONValue, alg: String) throws -> SignatureVerifier? {
        guard alg.count == 5, let bits = Int(alg.suffix(3)), [256, 384, 512].contains(bits) else { return nil }
        let padding: _RSA.Signing.Padding
        switch alg.prefix(2) {
        case "RS": padding = .insecurePKCS1v1_5
        case "PS": padding = .PSS
        default: return nil
        }
        guard jwk["kty"]?.stringValue == "RSA", let n = jwk["n"]?.stringValue.flatMap(Base64URL.decode), let e = jwk["e"]?.stringValue.flatMap(Base64URL.decode)
        else { throw OAuthError.client("invalid_jwk", "the JWK is not an RSA public key with n and e", step: "jwks") }
        return .rsa(try _RSA.Signing.PublicKey(n: n, e: e), padding, bits: bits)
    }

    func verify(_ signature: [UInt8], signs input: ArraySlice<UInt8>) throws -> Bool {
        switch self {
        case .rsa(let key, let padding, let bits):
            let signature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch bits {
            case 384: return key.isValidSignature(signature, for: SHA384.hash(data: input), padding: padding)
            case 512: return key.isValidSignature(signature, for: SHA512.hash(data: input), padding: padding)
            default: return key.isValidSignature(signature, for: SHA256.hash(data: input), padding: padding)
            }
        case .jwtKit(let algorithm):
            return try algorithm.verify(signature, signs: input)
        }
    }
}
