import Crypto
import CryptoExtras
import Foundation
import OAuthCore
import Synchronization

/// Why a DPoP proof is refused (RFC 9449 §7.1 `invalid_dpop_proof`, §8 and §9 `use_dpop_nonce`).
struct DPoPProblem: Error {
    var error: String
    var description: String

    static func invalid(_ description: String) -> DPoPProblem { DPoPProblem(error: "invalid_dpop_proof", description: description) }
}

/// The mock's own RFC 9449 proof verification (never the client library's code): swift-crypto
/// directly, so that a proof costs about one signature verification.
enum DPoPProofVerifier {
    /// Larger proofs are refused unread (an RSA-4096 proof is under 2 KB).
    static let maximumProofBytes = 8 * 1024
    /// Members a public JWK must not have (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
    static let privateMembers: Set<String> = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    struct Proof {
        var claims: [String: JSONValue]
        /// The RFC 7638 thumbprint of the proof's key.
        var jkt: String
    }

    /// A proof header's key, read and checked once: a client sends the same header (its key) with
    /// every proof, so the header's text finds it again without JSON, point decoding or hashing.
    struct HeaderKey: Sendable {
        var alg: ProviderProfile.ClientSigningAlgorithm
        var key: PublicKey
        var jkt: String
    }

    enum PublicKey: Sendable {
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case p521(P521.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey, pss: Bool)
        case ed25519(Curve25519.Signing.PublicKey)

        func isValid(_ signature: [UInt8], for input: UnsafeRawBufferPointer) -> Bool {
            switch self {
            case .p256(let key):
                (try? P256.Signing.ECDSASignature(rawRepresentation: signature)).map { key.isValidSignature($0, for: input) } ?? false
            case .p384(let key):
                (try? P384.Signing.ECDSASignature(rawRepresentation: signature)).map { key.isValidSignature($0, for: input) } ?? false
            case .p521(let key):
                (try? P521.Signing.ECDSASignature(rawRepresentation: signature)).map { key.isValidSignature($0, for: input) } ?? false
            case .rsa(let key, let pss):
                key.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: signature),
                    for: SHA256.hash(data: input),
                    padding: pss ? .PSS : .insecurePKCS1v1_5
                )
            case .ed25519(let key): key.isValidSignature(signature, for: Array(input))
            }
        }
    }

    /// Headers seen, by their base64url text; at most `headerCacheSize`, then forgotten at once.
    static let headerCache = Mutex<[String: HeaderKey]>([:])
    static let headerCacheSize = 512

    /// Checks the proof's form, key and signature; the claims are the caller's. Works on the
    /// proof's bytes (splitting the String by Character was a tenth of the verification).
    static func parse(_ proof: String, algorithms: [ProviderProfile.ClientSigningAlgorithm]) -> Result<Proof, DPoPProblem> {
        guard proof.utf8.count <= maximumProofBytes else { return .failure(.invalid("the proof is too large")) }
        let bytes = Array(proof.utf8)
        let dot = UInt8(ascii: ".")
        guard let first = bytes.firstIndex(of: dot), let second = bytes[(first + 1)...].firstIndex(of: dot),
            !bytes[(second + 1)...].contains(dot), let claimBytes = Base64URL.decode(bytes[(first + 1)..<second]),
            let signature = Base64URL.decode(bytes[(second + 1)...]), case .object(let claims)? = try? JSONValue.parse(claimBytes)
        else { return .failure(.invalid("the proof is not a JWS compact serialization of JSON objects")) }
        let segment = bytes[..<first]
        // A String key: hashed in bulk, where an ArraySlice is hashed byte by byte.
        let headerText = String(decoding: segment, as: UTF8.self)
        let header: HeaderKey
        if let known = headerCache.withLock({ $0[headerText] }) {
            header = known
        } else {
            switch readHeader(segment) {
            case .failure(let problem): return .failure(problem)
            case .success(let read):
                header = read
                headerCache.withLock { cache in
                    if cache.count >= headerCacheSize { cache.removeAll() }
                    cache[headerText] = read
                }
            }
        }
        guard algorithms.contains(header.alg) else {
            return .failure(.invalid("the proof's alg is not one of \(algorithms.map(\.rawValue).joined(separator: " "))"))
        }
        let valid = bytes.withUnsafeBytes { raw in header.key.isValid(signature, for: UnsafeRawBufferPointer(rebasing: raw[..<second])) }
        guard valid else { return .failure(.invalid("the proof's signature does not verify with its jwk")) }
        return .success(Proof(claims: claims, jkt: header.jkt))
    }

    /// The header's `typ`, `alg` and public `jwk` (RFC 9449 §4.2, §4.3 items 4–7).
    static func readHeader(_ segment: ArraySlice<UInt8>) -> Result<HeaderKey, DPoPProblem> {
        guard let bytes = Base64URL.decode(segment), case .object(let header)? = try? JSONValue.parse(bytes) else {
            return .failure(.invalid("the proof is not a JWS compact serialization of JSON objects"))
        }
        guard header["typ"]?.stringValue == "dpop+jwt" else { return .failure(.invalid("the proof's typ is not dpop+jwt (RFC 9449 §4.2)")) }
        guard let name = header["alg"]?.stringValue, let alg = ProviderProfile.ClientSigningAlgorithm(rawValue: name), alg != .hs256 else {
            return .failure(.invalid("the proof's alg is not an asymmetric JWS algorithm"))
        }
        guard case .object(let jwk)? = header["jwk"] else { return .failure(.invalid("the proof has no jwk header")) }
        guard jwk.keys.allSatisfy({ !privateMembers.contains($0) }) else { return .failure(.invalid("the proof's jwk holds a private key")) }
        switch publicKey(jwk, alg: alg) {
        case .failure(let problem): return .failure(problem)
        case .success(let (key, required)):
            return .success(HeaderKey(alg: alg, key: key, jkt: Base64URL.encode(SHA256.hash(data: JSONValue.object(required).jsonBytes))))
        }
    }

    /// The JWK's key for `alg`, and its required members (RFC 7638 §3.2).
    static func publicKey(
        _ jwk: [String: JSONValue],
        alg: ProviderProfile.ClientSigningAlgorithm
    ) -> Result<(PublicKey, [String: JSONValue]), DPoPProblem> {
        func member(_ name: String) -> [UInt8]? { jwk[name]?.stringValue.flatMap { Base64URL.decode($0) } }
        let kty = jwk["kty"]?.stringValue
        switch alg {
        case .es256, .es384, .es512:
            let curve = ["ES256": "P-256", "ES384": "P-384", "ES512": "P-521"][alg.rawValue]!
            guard kty == "EC", jwk["crv"]?.stringValue == curve, let x = member("x"), let y = member("y") else {
                return .failure(.invalid("the jwk is not an EC \(curve) public key"))
            }
            let point = [0x04] + x + y
            let key: PublicKey? =
                switch alg {
                case .es256: (try? P256.Signing.PublicKey(x963Representation: point)).map(PublicKey.p256)
                case .es384: (try? P384.Signing.PublicKey(x963Representation: point)).map(PublicKey.p384)
                default: (try? P521.Signing.PublicKey(x963Representation: point)).map(PublicKey.p521)
                }
            guard let key else { return .failure(.invalid("the jwk is not a point on \(curve)")) }
            return .success((key, ["crv": .string(curve), "kty": "EC", "x": jwk["x"]!, "y": jwk["y"]!]))
        case .rs256, .ps256:
            guard kty == "RSA", let n = member("n"), let e = member("e"), let key = try? _RSA.Signing.PublicKey(n: n, e: e),
                key.keySizeInBits >= 2048
            else { return .failure(.invalid("the jwk is not an RSA public key of 2048 bits or more")) }
            return .success((.rsa(key, pss: alg == .ps256), ["e": jwk["e"]!, "kty": "RSA", "n": jwk["n"]!]))
        case .edDSA:
            guard kty == "OKP", jwk["crv"]?.stringValue == "Ed25519", let x = member("x"),
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x)
            else { return .failure(.invalid("the jwk is not an Ed25519 public key")) }
            return .success((.ed25519(key), ["crv": "Ed25519", "kty": "OKP", "x": jwk["x"]!]))
        case .hs256:
            return .failure(.invalid("HS256 is not a DPoP algorithm"))
        }
    }

    /// `htu` compared as RFC 9449 §4.3 asks: without query and fragment, scheme and host
    /// case-insensitively.
    static func sameTarget(_ htu: String, _ expected: String) -> Bool {
        func normalized(_ url: String) -> String? {
            let reference = URLReference(url)
            guard let scheme = reference.scheme, let authority = reference.authority else { return nil }
            return scheme.lowercased() + "://" + authority.lowercased() + (reference.path.isEmpty ? "/" : reference.path)
        }
        guard let a = normalized(htu), let b = normalized(expected) else { return false }
        return a == b
    }
}

extension MockProvider {
    /// The DPoP proof of a request to `target` (RFC 9449 §4.3): `nil` when there is none (or the
    /// profile has no DPoP), the key's thumbprint when it is valid, else the problem. `accessToken`
    /// is the token presented with it, whose hash `ath` must carry.
    func dpopProof(_ request: TransportRequest, target: String, accessToken: String?) -> Result<String?, DPoPProblem> {
        guard let settings = profile.dpop else { return .success(nil) }
        let proofs = request.headers.filter { HeaderList.sameName($0.name, "DPoP") }
        guard let proof = proofs.first?.value else { return .success(nil) }
        guard proofs.count == 1 else { return .failure(.invalid("more than one DPoP header")) }
        let parsed: DPoPProofVerifier.Proof
        switch DPoPProofVerifier.parse(proof, algorithms: settings.algorithms) {
        case .failure(let problem): return .failure(problem)
        case .success(let valid): parsed = valid
        }
        let claims = parsed.claims
        let mode = evilMode
        guard let jti = claims["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256 else {
            return .failure(.invalid("the proof has no jti"))
        }
        guard let htm = claims["htm"]?.stringValue, let htu = claims["htu"]?.stringValue else {
            return .failure(.invalid("the proof has no htm or htu"))
        }
        if mode != .dpopProofForAnotherURI {
            guard htm == request.method else { return .failure(.invalid("the proof's htm is not \(request.method)")) }
            guard htu == target || DPoPProofVerifier.sameTarget(htu, target) else {
                return .failure(.invalid("the proof's htu is not this endpoint"))
            }
        }
        let now = clock.now()
        guard case .number(let iat)? = claims["iat"], abs(iat.double - now.timeIntervalSince1970) <= settings.iatWindow else {
            return .failure(.invalid("the proof's iat is missing or outside \(Int(settings.iatWindow)) seconds of the server's clock"))
        }
        if let accessToken {
            let expected = Base64URL.encode(SHA256.hash(data: Array(accessToken.utf8)))
            guard let ath = claims["ath"]?.stringValue, constantTimeEquals(ath, expected) else {
                return .failure(.invalid("the proof's ath is not the hash of the access token"))
            }
        }
        if settings.nonce {
            let current = store.withStorage { $0.dpopNonce }
            guard claims["nonce"]?.stringValue == current else {
                return .failure(DPoPProblem(error: "use_dpop_nonce", description: "the proof must carry the server's nonce (RFC 9449 §8)"))
            }
        }
        // §11.1: a jti is accepted once while its iat is in the window.
        let fresh = store.withStorage { storage -> Bool in
            if let seen = storage.usedProofIDs[jti], now.timeIntervalSince(seen) <= 2 * settings.iatWindow { return false }
            storage.usedProofIDs[jti] = now
            return true
        }
        guard fresh || mode == .dpopProofReplay else { return .failure(.invalid("the proof's jti was already used (RFC 9449 §11.1)")) }
        return .success(parsed.jkt)
    }

    /// Checks a DPoP proof as this mock's token endpoint and resource check theirs (RFC 9449
    /// §4.3): form, key, signature, `htm`/`htu`, `iat`, `ath`, the nonce the profile asks for, and
    /// the `jti` (remembered: the same proof is refused the next time). For tests of DPoP clients.
    ///
    /// - Parameters:
    ///   - proof: the `DPoP` header's value.
    ///   - method: the request's method (`htm`).
    ///   - url: the request's URL (`htu`).
    ///   - accessToken: the access token the request presents, whose hash `ath` must carry.
    /// - Returns: the RFC 7638 thumbprint of the proof's key, or why the proof is refused (also
    ///   when the profile has no `dpop:` settings).
    public func verifyDPoPProof(_ proof: String, method: String, url: String, accessToken: String? = nil) -> Result<String, MockServerError> {
        let request = TransportRequest(method: method, url: url, headers: ["DPoP": proof])
        switch dpopProof(request, target: url, accessToken: accessToken) {
        case .success(let jkt?): return .success(jkt)
        case .success(nil): return .failure(MockServerError(message: "\(profile.name) has no dpop settings"))
        case .failure(let problem): return .failure(MockServerError(message: "\(problem.error): \(problem.description)"))
        }
    }

    /// The token endpoint's answer to a refused proof (§5): 400 with the error, and the nonce to
    /// use when it is `use_dpop_nonce`.
    func dpopTokenError(_ problem: DPoPProblem) -> TransportResponse {
        var response = Self.tokenError(400, problem.error, problem.description)
        if problem.error == "use_dpop_nonce" { response.headers["DPoP-Nonce"] = store.withStorage { $0.dpopNonce } }
        return response
    }

    /// The resource's answer to a refused proof or bound token (§7.1, §9): 401 with a `DPoP`
    /// challenge naming the algorithms, and the nonce when it is `use_dpop_nonce`.
    func dpopChallenge(_ problem: DPoPProblem) -> TransportResponse {
        var response = Self.json(401, ["error": problem.error, "error_description": problem.description])
        let algs = (profile.dpop?.algorithms ?? []).map(\.rawValue).joined(separator: " ")
        response.headers["WWW-Authenticate"] = "DPoP error=\"\(problem.error)\", error_description=\"\(problem.description)\", algs=\"\(algs)\""
        if problem.error == "use_dpop_nonce" { response.headers["DPoP-Nonce"] = store.withStorage { $0.dpopNonce } }
        return response
    }
}
