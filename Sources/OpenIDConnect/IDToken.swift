import Crypto
import Foundation
import JWTKit
import OAuthCore

/// The claims of a validated ID token (OpenID Connect Core §2), typed where the spec defines
/// them; every claim stays available in `claims`.
public struct IDTokenClaims: Sendable, Equatable {
    /// `iss`: the provider that issued the token.
    public var issuer: String
    /// `sub`: the user's identifier at the provider.
    public var subject: String
    /// `aud`: the clients the token is for; one of them is this client.
    public var audience: [String]
    /// `exp`: when the token expires.
    public var expiresAt: Date
    /// `iat`: when the token was issued.
    public var issuedAt: Date
    /// `nonce`: the value the authorization request sent, if the token has one.
    public var nonce: String?
    /// `azp`: the client the token was issued to; when present, this client.
    public var authorizedParty: String?
    /// `auth_time`: when the user authenticated, if the token says.
    public var authTime: Date?
    /// Every claim of the token, as JSON.
    public var claims: [String: JSONValue]

    /// The claim with this name, or `nil`.
    ///
    /// - Parameter claim: the claim's name.
    public subscript(claim: String) -> JSONValue? { claims[claim] }
}

/// What an ID token is checked against. Strict by default; each relaxation is a visible switch.
public struct IDTokenValidationOptions: Sendable {
    /// The issuer `iss` must equal: the provider's `issuer`.
    public var issuer: String
    /// The client's `client_id`, which `aud` must contain (and `azp`, when present, equal).
    public var clientID: String
    /// The client secret, which verifies HS256 tokens once ``allowSymmetricAlgorithms`` is on; it
    /// must be at least 32 bytes long. HS384 and HS512 tokens are always refused.
    public var clientSecret: String?
    /// Signature algorithms accepted (OpenID Connect Core §3.1.3.7 step 7). `none` is never accepted.
    public var allowedAlgorithms: Set<JWSAlgorithm> = [.rs256, .ps256, .es256, .edDSA]
    /// Whether HS256 tokens, signed with the client secret (``clientSecret``), are accepted; off by
    /// default.
    public var allowSymmetricAlgorithms = false
    /// Clock skew tolerated for `exp` and `iat`.
    public var leeway: TimeInterval = 60

    /// Strict options: asymmetric algorithms only, 60 seconds of leeway.
    ///
    /// - Parameters:
    ///   - issuer: the issuer `iss` must equal.
    ///   - clientID: the client's `client_id`.
    ///   - clientSecret: the client secret, for HS256 tokens once they are allowed.
    public init(issuer: String, clientID: String, clientSecret: String? = nil) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}

/// OpenID Connect Core §3.1.3.7 ID token validation.
public struct IDTokenValidator: Sendable {
    /// What tokens are checked against.
    public var options: IDTokenValidationOptions
    let jwks: JWKSCache
    let clock: any OAuthClock

    /// Creates a validator.
    ///
    /// - Parameters:
    ///   - options: what tokens are checked against.
    ///   - jwks: the provider's signing keys.
    ///   - clock: the clock that judges `exp` and `iat`.
    public init(options: IDTokenValidationOptions, jwks: JWKSCache, clock: any OAuthClock = SystemClock()) {
        self.options = options
        self.jwks = jwks
        self.clock = clock
    }

    static func reject(_ reason: String) -> OAuthError {
        .client(.invalidIDToken, reason, step: "id_token")
    }

    /// Validates `token`. `nonce` is the one sent with the authorization request (required in the
    /// token when given); `accessToken` and `code` are checked against `at_hash`/`c_hash` when present.
    ///
    /// The checks: a JWS compact serialization whose `alg` is allowed (never `none`) and whose
    /// signature verifies with the provider's key (`kid`, which may refetch the JWKS, or the only
    /// signing key when the token names none) or, for HS256 when allowed, with the client secret;
    /// then `iss`, `aud`, `azp`, `exp` and `iat` (with ``IDTokenValidationOptions/leeway``),
    /// `nonce`, `at_hash` and `c_hash`.
    ///
    /// - Parameters:
    ///   - token: the ID token, as the token response gave it.
    ///   - nonce: the `nonce` of the authorization request; `nil` checks none.
    ///   - accessToken: the access token issued with it, for `at_hash`.
    ///   - code: the authorization code it was issued for, for `c_hash`.
    /// - Returns: the validated claims.
    /// - Throws: `OAuthError` `invalid_id_token` naming the first check that failed; a failure to
    ///   fetch the JWKS (`malformed_response`, a transport error).
    public func validate(_ token: String, nonce: String?, accessToken: String? = nil, code: String? = nil) async throws(OAuthError) -> IDTokenClaims {
        let jws = try Self.decode(token, reject: Self.reject)
        try await verifySignature(signingInput: jws.signingInput, signature: jws.signature, alg: jws.alg, kid: jws.header["kid"]?.stringValue)
        return try checkClaims(jws.claims, alg: jws.alg, nonce: nonce, accessToken: accessToken, code: code)
    }

    /// The `aud` values (a string or an array of them), which must contain `clientID`.
    static func audience(_ claims: [String: JSONValue], clientID: String, reject: (String) -> OAuthError) throws(OAuthError) -> [String] {
        let audience: [String]
        switch claims["aud"] {
        case .string(let value)?: audience = [value]
        case .array(let values)?: audience = values.compactMap(\.stringValue)
        default: throw reject("aud is missing")
        }
        guard audience.contains(clientID) else { throw reject("aud does not contain the client_id") }
        return audience
    }

    /// A JWS compact serialization taken apart, before its signature is checked.
    struct DecodedJWS {
        let bytes: [UInt8]
        /// Where the signing input (header and payload) ends.
        let signingEnd: Int
        let header: [String: JSONValue]
        let claims: [String: JSONValue]
        let alg: String
        let signature: [UInt8]
        var signingInput: ArraySlice<UInt8> { bytes[..<signingEnd] }
    }

    /// Splits a JWS into its JSON header and claims, its `alg` (never `none`) and its signature;
    /// `reject` names what is wrong.
    static func decode(_ token: String, reject: (String) -> OAuthError) throws(OAuthError) -> DecodedJWS {
        let bytes = Array(token.utf8)
        guard let (first, second) = Self.dots(bytes), let headerBytes = Base64URL.decode(bytes[..<first]),
            let claimBytes = Base64URL.decode(bytes[(first + 1)..<second]),
            case .object(let header)? = try? JSONValue.parse(headerBytes), case .object(let claims)? = try? JSONValue.parse(claimBytes)
        else { throw reject("not a JWS compact serialization with JSON header and claims") }
        guard let alg = header["alg"]?.stringValue else { throw reject("the header has no alg") }
        guard !alg.utf8.elementsEqual("none".utf8, by: { $0 | 0x20 == $1 }) else { throw reject("alg none is never accepted") }
        guard let signature = Base64URL.decode(bytes[(second + 1)...]) else { throw reject("the signature is not base64url") }
        return DecodedJWS(bytes: bytes, signingEnd: second, header: header, claims: claims, alg: alg, signature: signature)
    }

    /// The offsets of the two dots of a JWS compact serialization, `nil` unless there are
    /// exactly two (found with memchr: a token is several hundred bytes).
    static func dots(_ bytes: [UInt8]) -> (Int, Int)? {
        bytes.withUnsafeBytes { buffer -> (Int, Int)? in
            guard let base = buffer.baseAddress else { return nil }
            func dot(from start: Int) -> Int? {
                guard start < buffer.count, let found = memchr(base + start, Int32(UInt8(ascii: ".")), buffer.count - start) else { return nil }
                return base.distance(to: UnsafeRawPointer(found))
            }
            guard let first = dot(from: 0), let second = dot(from: first + 1), dot(from: second + 1) == nil else { return nil }
            return (first, second)
        }
    }

    func verifySignature(signingInput: ArraySlice<UInt8>, signature: [UInt8], alg: String, kid: String?) async throws(OAuthError) {
        let verifier: SignatureVerifier
        if alg.hasPrefix("HS") {
            guard options.allowSymmetricAlgorithms else {
                throw Self.reject("\(alg) (signed with the client secret) is not allowed for this client")
            }
            guard alg == "HS256", let secret = options.clientSecret, secret.utf8.count >= 32 else {
                throw Self.reject("\(alg) needs a client secret of at least 32 bytes")
            }
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            do { verifier = .jwtKit(try await keys.getKey(alg: alg)) } catch { throw Self.reject("HS256 cannot be checked with the client secret") }
        } else {
            guard options.allowedAlgorithms.contains(JWSAlgorithm(rawValue: alg)) else {
                throw Self.reject(
                    "alg \(alg) is not in the allowed list \(options.allowedAlgorithms.sorted().map(\.rawValue).joined(separator: ", "))"
                )
            }
            if let kid, let cached = jwks.cachedVerifier(kid: kid, alg: alg) {
                try Self.check(signature, signs: signingInput, with: cached)
                return
            }
            let jwk: JSONValue
            if let kid {
                guard let found = try await jwks.key(kid: kid) else {
                    throw Self.reject("no key with kid \(kid) in the provider's JWKS, even after a refetch")
                }
                // RFC 7517 §4.2/§4.3: a key for encryption (use, key_ops) never verifies a signature.
                if let use = found["use"], use.stringValue != "sig" { throw Self.reject("the key \(kid) is not for signatures (use is not \"sig\")") }
                if case .array(let ops)? = found["key_ops"], !ops.contains(.string("verify")) {
                    throw Self.reject("the key \(kid) is not for verifying signatures (key_ops has no \"verify\")")
                }
                jwk = found
            } else {
                // OpenID Connect Core §10.1: with several keys in the JWKS, kid is required.
                let candidates = try await jwks.keys().filter { ($0["use"]?.stringValue ?? "sig") == "sig" }
                guard candidates.count == 1 else {
                    throw Self.reject(
                        "the header has no kid and the JWKS has \(candidates.count) signing keys; kid is required (OpenID Connect Core §10.1)"
                    )
                }
                jwk = candidates[0]
            }
            if let keyAlg = jwk["alg"]?.stringValue, keyAlg != alg { throw Self.reject("the key is for \(keyAlg), the token says \(alg)") }
            do {
                // jwt-kit files keys by kid; a lone key without one gets a local name.
                verifier = try await jwks.verifier(for: jwk, kid: kid ?? "_only_key", alg: alg)
            } catch {
                throw Self.reject("the provider's key cannot be used for \(alg)")
            }
        }
        try Self.check(signature, signs: signingInput, with: verifier)
    }

    static func check(_ signature: [UInt8], signs signingInput: ArraySlice<UInt8>, with verifier: SignatureVerifier) throws(OAuthError) {
        let valid: Bool
        do { valid = try verifier.verify(signature, signs: signingInput) } catch { valid = false }
        guard valid else { throw Self.reject("the signature does not verify") }
    }

    func checkClaims(
        _ claims: [String: JSONValue],
        alg: String,
        nonce: String?,
        accessToken: String?,
        code: String?
    ) throws(OAuthError) -> IDTokenClaims {
        let now = clock.now().timeIntervalSince1970
        guard let iss = claims["iss"]?.stringValue else { throw Self.reject("iss is missing") }
        guard iss == options.issuer else { throw Self.reject("iss \(iss) is not the issuer \(options.issuer)") }
        guard let sub = claims["sub"]?.stringValue, !sub.isEmpty else { throw Self.reject("sub is missing") }
        let audience = try Self.audience(claims, clientID: options.clientID, reject: Self.reject)
        if let member = claims["azp"], member.stringValue == nil { throw Self.reject("azp is not a string") }
        let azp = claims["azp"]?.stringValue
        if let azp, azp != options.clientID { throw Self.reject("azp \(azp) is not the client_id") }
        if audience.count > 1, azp == nil { throw Self.reject("aud has several audiences and azp is missing") }
        guard case .number(let expNumber)? = claims["exp"] else { throw Self.reject("exp is missing") }
        let exp = expNumber.double
        guard now < exp + options.leeway else { throw Self.reject("the token expired (exp)") }
        guard case .number(let iatNumber)? = claims["iat"] else { throw Self.reject("iat is missing") }
        let iat = iatNumber.double
        guard iat <= now + options.leeway else { throw Self.reject("iat is in the future") }
        let tokenNonce = claims["nonce"]?.stringValue
        if let nonce {
            guard let tokenNonce else { throw Self.reject("nonce is missing") }
            guard constantTimeEquals(tokenNonce, nonce) else { throw Self.reject("nonce does not match the authorization request") }
        }
        if let accessToken, let atHash = claims["at_hash"]?.stringValue {
            guard atHash == Self.halfHash(accessToken, alg: alg) else { throw Self.reject("at_hash does not match the access token") }
        }
        if let code, let cHash = claims["c_hash"]?.stringValue {
            guard cHash == Self.halfHash(code, alg: alg) else { throw Self.reject("c_hash does not match the code") }
        }
        var authTime: Date?
        if case .number(let value)? = claims["auth_time"] { authTime = Date(timeIntervalSince1970: value.double) }
        return IDTokenClaims(
            issuer: iss,
            subject: sub,
            audience: audience,
            expiresAt: Date(timeIntervalSince1970: exp),
            issuedAt: Date(timeIntervalSince1970: iat),
            nonce: tokenNonce,
            authorizedParty: azp,
            authTime: authTime,
            claims: claims
        )
    }

    /// `at_hash`/`c_hash` (OpenID Connect Core §3.1.3.6): base64url of the left half of the hash
    /// of the ASCII value, with the hash of the token's alg (SHA-256 for *256, SHA-512 for EdDSA).
    ///
    /// - Parameters:
    ///   - value: the access token or code.
    ///   - alg: the ID token's `alg`.
    public static func halfHash(_ value: String, alg: String) -> String {
        let bytes = Array(value.utf8)
        let digest: [UInt8]
        switch alg {
        case let name where name.hasSuffix("384"): digest = Array(SHA384.hash(data: bytes))
        case let name where name.hasSuffix("512") || name == "EdDSA": digest = Array(SHA512.hash(data: bytes))
        default: digest = Array(SHA256.hash(data: bytes))
        }
        return Base64URL.encode(digest.prefix(digest.count / 2))
    }
}
