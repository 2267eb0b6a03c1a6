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
        /// jwt-kit verifiers built from `keys`, by "kid alg"; dropped on every fetch.
        var verifiers: [String: any JWTAlgorithm] = [:]
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

    /// The jwt-kit verifier for `jwk` (one of `keys()`, named `kid`) under `alg`, built once per
    /// fetched key set: reading an RSA or EC key from its JWK costs more than checking a signature.
    func verifier(for jwk: JSONValue, kid: String, alg: String) async throws -> any JWTAlgorithm {
        let name = kid + " " + alg
        if let cached = state.withLock({ $0.verifiers[name] }) { return cached }
        var members = jwk.objectValue ?? [:]
        members["alg"] = .string(alg)
        members["kid"] = .string(kid)
        let keys = JWTKeyCollection()
        try await keys.add(jwk: JWTKit.JWK(json: JSONValue.object(members).jsonText))
        let verifier = try await keys.getKey(for: JWKIdentifier(string: kid), alg: alg)
        state.withLock { $0.verifiers[name] = verifier }
        return verifier
    }
}
