import Crypto
import CryptoExtras
import Foundation
import JWTKit
import OAuthCore
import Synchronization

/// A provider's signing keys (RFC 7517 JWK Set from `jwks_uri`), cached.
///
/// - The set is kept as long as the response's `Cache-Control: max-age` (or `Expires`) says,
///   capped at `maximumLifetime` (default one day; `defaultLifetime`, one hour, without either
///   header), then fetched again on next use.
/// - A token whose `kid` is not in the set triggers a refetch at once (OpenID Connect Core
///   §10.1.1: the provider may have rotated its keys), however recently the set was fetched.
///   Only these unknown-kid refetches are rate-limited: at most one per
///   `minimumRefetchInterval`, so a stream of tokens with bogus kids cannot hammer the provider.
public final class JWKSCache: Sendable {
    /// The provider's `jwks_uri`.
    public let url: String
    let transport: any HTTPTransport
    let clock: any OAuthClock
    /// The shortest time between two refetches caused by an unknown `kid`, in seconds.
    public let minimumRefetchInterval: TimeInterval
    /// How long a key set is kept when the response has no caching headers, in seconds.
    public let defaultLifetime: TimeInterval
    /// The longest a key set is kept, whatever the response's caching headers say, in seconds.
    public let maximumLifetime: TimeInterval

    struct State {
        var keys: [JSONValue] = []
        var expiresAt: Date?
        /// When an unknown kid last caused a refetch.
        var lastUnknownKidRefetch: Date?
        var fetches = 0
        /// Verifiers built from `keys`, by kid and alg; dropped on every fetch.
        var verifiers: [VerifierKey: SignatureVerifier] = [:]
    }
    private let state = Mutex(State())

    struct VerifierKey: Hashable {
        let kid: String
        let alg: String
    }

    /// An empty cache for the key set at `url`; nothing is fetched until a key is needed.
    ///
    /// - Parameters:
    ///   - url: the provider's `jwks_uri`.
    ///   - transport: the transport for the JWKS requests.
    ///   - clock: the clock that ages the key set.
    ///   - minimumRefetchInterval: the shortest time between unknown-`kid` refetches, in seconds.
    ///   - defaultLifetime: how long a set without caching headers is kept, in seconds.
    ///   - maximumLifetime: the longest a set is kept, in seconds.
    public init(
        url: String,
        transport: any HTTPTransport,
        clock: any OAuthClock = SystemClock(),
        minimumRefetchInterval: TimeInterval = 30,
        defaultLifetime: TimeInterval = 3600,
        maximumLifetime: TimeInterval = 86400
    ) {
        self.url = url
        self.transport = transport
        self.clock = clock
        self.minimumRefetchInterval = minimumRefetchInterval
        self.defaultLifetime = defaultLifetime
        self.maximumLifetime = maximumLifetime
    }

    /// How many times the JWKS was fetched (for tests and reports).
    package var fetchCount: Int { state.withLock { $0.fetches } }

    /// The keys as JSON objects, fetched on first use and again once the cached set expired.
    ///
    /// - Throws: `OAuthError`: `malformed_response` when the JWKS endpoint answers other than 200 or
    ///   not with an object with a `keys` array (RFC 7517 §5); a transport failure.
    public func keys() async throws(OAuthError) -> [JSONValue] {
        let now = clock.now()
        if let keys = state.withLock({ $0.expiresAt.map { now < $0 } == true ? $0.keys : nil }) { return keys }
        return try await fetch()
    }

    /// The key with `kid`; an unknown kid refetches the set once, unless an unknown kid
    /// already caused a refetch within `minimumRefetchInterval`.
    ///
    /// - Parameter kid: the key ID a token's header names.
    /// - Returns: the key as a JSON object, or `nil` when the set has none with that `kid`.
    /// - Throws: `OAuthError`, as ``keys()`` does.
    public func key(kid: String) async throws(OAuthError) -> JSONValue? {
        if let key = try await keys().first(where: { $0["kid"]?.stringValue == kid }) { return key }
        let now = clock.now()
        let allowed = state.withLock { state -> Bool in
            if let last = state.lastUnknownKidRefetch, now.timeIntervalSince(last) < minimumRefetchInterval { return false }
            state.lastUnknownKidRefetch = now
            return true
        }
        guard allowed else { return nil }
        return try await fetch().first { $0["kid"]?.stringValue == kid }
    }

    /// Whether a compact JWS (a signed UserInfo response, Core §5.3.2) is signed with `alg` by
    /// the key its `kid` names, or by the set's only key when it names none.
    ///
    /// - Parameters:
    ///   - token: the JWS.
    ///   - alg: the algorithm it must use.
    /// - Returns: `true` when the signature verifies.
    package func verifies(_ token: String, alg: String) async -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])), case .object(let header)? = try? JSONValue.parse(headerBytes),
            header["alg"]?.stringValue == alg, let signature = Base64URL.decode(String(parts[2]))
        else { return false }
        let kid = header["kid"]?.stringValue
        let jwk: JSONValue?
        if let kid {
            jwk = try? await key(kid: kid)
        } else {
            let all = (try? await keys()) ?? []
            jwk = all.count == 1 ? all[0] : nil
        }
        guard let jwk, let verifier = try? await verifier(for: jwk, kid: kid ?? "_only_key", alg: alg) else { return false }
        let input = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        return (try? verifier.verify(signature, signs: input[...])) == true
    }

    /// The verifier already built for `kid` under `alg`, while the key set it came from is
    /// fresh: one lock instead of looking the key up again. A verifier is only built (and so
    /// only found here) for a key that passed the checks of ``IDTokenValidator``.
    func cachedVerifier(kid: String, alg: String) -> SignatureVerifier? {
        let now = clock.now()
        return state.withLock { state in
            guard let expiresAt = state.expiresAt, now < expiresAt else { return nil }
            return state.verifiers[VerifierKey(kid: kid, alg: alg)]
        }
    }

    @discardableResult
    func fetch() async throws(OAuthError) -> [JSONValue] {
        let step = "jwks"
        let response = try await transport.sendRetryingIdempotent(
            TransportRequest(method: "GET", url: url, headers: ["Accept": "application/jwk-set+json, application/json"]),
            step: step
        )
        guard response.status == 200 else {
            throw .malformed(step: step, httpStatus: response.status, "the JWKS endpoint answered HTTP \(response.status)")
        }
        guard case .array(let keys)? = (try? JSONValue.parse(response.body))?["keys"] else {
            throw .malformed(step: step, httpStatus: response.status, "the JWKS is not an object with a keys array (RFC 7517 §5)")
        }
        let now = clock.now()
        let lifetime = min(Self.lifetime(of: response, now: now) ?? defaultLifetime, maximumLifetime)
        state.withLock {
            $0.keys = keys
            $0.expiresAt = now.addingTimeInterval(max(lifetime, 0))
            $0.fetches += 1
            $0.verifiers = [:]
        }
        return keys
    }

    /// How long a response may be cached (RFC 9111 §4.2.1): `no-store`/`no-cache` → 0,
    /// `max-age` (or `s-maxage`), else `Expires` against the response's `Date`; `nil` without
    /// caching headers.
    static func lifetime(of response: TransportResponse, now: Date) -> TimeInterval? {
        if let control = response.headers["Cache-Control"]?.lowercased() {
            let directives = control.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if directives.contains(where: { $0 == "no-store" || $0 == "no-cache" }) { return 0 }
            for directive in directives where directive.hasPrefix("max-age=") || directive.hasPrefix("s-maxage=") {
                let value = directive.split(separator: "=", maxSplits: 1)[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if let seconds = Int(value), seconds >= 0 { return TimeInterval(seconds) }
            }
        }
        if let expires = response.headers["Expires"] {
            guard let date = HTTPDate.parse(expires) else { return 0 }  // RFC 9111 §5.3: an invalid date means already expired
            let origin = response.headers["Date"].flatMap(HTTPDate.parse) ?? now
            return max(date.timeIntervalSince(origin), 0)
        }
        return nil
    }

    /// The verifier for `jwk` (one of `keys()`, named `kid`) under `alg`, built once per fetched
    /// key set: reading a key from its JWK costs more than checking a signature. RSA keys (RS*,
    /// PS*) are checked with swift-crypto directly; other algorithms through jwt-kit.
    func verifier(for jwk: JSONValue, kid: String, alg: String) async throws -> SignatureVerifier {
        let name = VerifierKey(kid: kid, alg: alg)
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
        guard jwk["kty"]?.stringValue == "RSA", let n = jwk["n"]?.stringValue.flatMap(Base64URL.decode),
            let e = jwk["e"]?.stringValue.flatMap(Base64URL.decode)
        else { throw OAuthError.client(.invalidJWK, "the JWK is not an RSA public key with n and e", step: "jwks") }
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
