import Crypto
import Foundation
import OAuthCore
import Synchronization

/// The client's side of DPoP (RFC 9449): a key the session's tokens are bound to, the proofs
/// made with it, and the nonces servers hand out.
///
/// Give one to ``OAuth2Session/init(clientID:clientSecret:clientAuth:redirectURI:scope:codeChallengeMethod:token:tokenPlacement:tokenEndpoint:leeway:updateToken:revocationClientAuth:dpop:requestObject:transport:clock:renewal:)``
/// and the session sends a proof on every token, refresh, revocation and introspection request,
/// presents `token_type: DPoP` tokens as `Authorization: DPoP` with a proof carrying `ath`, binds
/// the authorization code with `dpop_jkt`, and answers `use_dpop_nonce` once with the nonce it was
/// given (remembered per origin for the next request). A refresh uses the same key, so a public
/// client's bound refresh token keeps working (§5).
public final class DPoP: Sendable, CustomStringConvertible {
    /// The proof's `typ` (§4.2).
    public static let proofType = "dpop+jwt"
    /// How many origins' nonces are remembered; past it the oldest is forgotten.
    public static let nonceOrigins = 64

    /// The key; its public half travels in every proof's `jwk` header.
    public let key: JWSKey
    /// Whether authorization requests carry `dpop_jkt`, binding the code to this key (§10).
    public let bindsAuthorizationCode: Bool
    /// The clock that dates proofs (`iat`).
    public let clock: any OAuthClock
    let encodedHeader: String
    private let nonces = Mutex<(byOrigin: [String: String], order: [String])>(([:], []))

    /// A DPoP key holder.
    ///
    /// - Parameters:
    ///   - key: an asymmetric key; by default a fresh ES256 key (§4.2 forbids symmetric ones).
    ///   - bindsAuthorizationCode: send `dpop_jkt` with authorization requests.
    ///   - clock: the clock that dates proofs.
    /// - Throws: `OAuthError` `invalid_configuration` for an HS256 key, or when no key can be made.
    public init(key: JWSKey? = nil, bindsAuthorizationCode: Bool = true, clock: any OAuthClock = SystemClock()) throws(OAuthError) {
        let key = try Self.keyOrGenerated(key)
        guard let jwk = key.publicJWK else {
            throw .client(OAuthErrorCode.invalidConfiguration, "a DPoP key must be asymmetric (RFC 9449 §4.2), not \(key.algorithm)")
        }
        self.key = key
        self.bindsAuthorizationCode = bindsAuthorizationCode
        self.clock = clock
        let header: [String: JSONValue] = ["typ": .string(Self.proofType), "alg": .string(key.algorithm.rawValue), "jwk": .object(jwk)]
        encodedHeader = Base64URL.encode(JSONValue.object(header).jsonBytes)
    }

    static func keyOrGenerated(_ key: JWSKey?) throws(OAuthError) -> JWSKey {
        if let key { return key }
        return try JWSKey.generate(.es256)
    }

    /// The key's RFC 7638 thumbprint: the `jkt` of bound tokens and the `dpop_jkt` parameter.
    public var thumbprint: String { key.thumbprint ?? "" }

    /// The algorithm and thumbprint; never the key.
    public var description: String { "DPoP(\(key.algorithm), jkt \(thumbprint))" }

    /// A proof for one request (§4.2): `jti` (16 random bytes), `htm`, `htu` (the URL without
    /// query and fragment), `iat`, `ath` with an access token, `nonce` when the origin gave one.
    ///
    /// - Parameters:
    ///   - method: the request's HTTP method.
    ///   - url: the request's URL.
    ///   - accessToken: the access token the request presents, for `ath`.
    ///   - nonce: the nonce to include; `nil` uses the one remembered for the URL's origin.
    /// - Returns: the proof, for the `DPoP` header.
    /// - Throws: `OAuthError` `invalid_configuration` when signing fails.
    public func proof(method: String, url: String, accessToken: String? = nil, nonce: String? = nil) throws(OAuthError) -> String {
        // The claims written straight out (a proof is made per request; a dictionary sorted and
        // serialized cost a third of the signature): jti and ath are base64url, iat a number,
        // the rest escaped as JSON strings.
        var claims: [UInt8] = []
        claims.reserveCapacity(96 + url.utf8.count + (nonce?.utf8.count ?? 0))
        claims += #"{"jti":""#.utf8
        claims += SecureRandom.token(bytes: 16).utf8
        claims += #"","htm":"#.utf8
        claims += JSONValue.string(method).jsonBytes
        claims += #","htu":"#.utf8
        claims += JSONValue.string(Self.targetURI(url)).jsonBytes
        claims += #","iat":"#.utf8
        claims += String(Int64(clock.now().timeIntervalSince1970)).utf8
        if let accessToken {
            claims += #","ath":""#.utf8
            claims += Self.accessTokenHash(accessToken).utf8
            claims.append(UInt8(ascii: "\""))
        }
        if let nonce = nonce ?? self.nonce(for: url) {
            claims += #","nonce":"#.utf8
            claims += JSONValue.string(nonce).jsonBytes
        }
        claims.append(UInt8(ascii: "}"))
        return try key.sign(encodedHeader: encodedHeader, encodedClaims: Base64URL.encode(claims))
    }

    /// `ath` (§4.2): base64url of the SHA-256 of the access token's ASCII bytes.
    ///
    /// - Parameter accessToken: the access token.
    /// - Returns: the hash.
    public static func accessTokenHash(_ accessToken: String) -> String {
        Base64URL.encode(SHA256.hash(data: Array(accessToken.utf8)))
    }

    /// `htu` (§4.2): the URL without its query and fragment.
    ///
    /// - Parameter url: the request's URL.
    /// - Returns: the URL up to its query or fragment.
    public static func targetURI(_ url: String) -> String {
        guard let end = url.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else { return url }
        return String(url[..<end])
    }

    /// The nonce last given by the URL's origin, if any.
    ///
    /// - Parameter url: a URL of the origin.
    /// - Returns: its nonce.
    public func nonce(for url: String) -> String? {
        // Most servers give none: no origin to work out then.
        guard !nonces.withLock({ $0.byOrigin.isEmpty }), let origin = Self.origin(url) else { return nil }
        return nonces.withLock { $0.byOrigin[origin] }
    }

    /// Remembers the `DPoP-Nonce` a response carries (§8.2, §9), for its origin.
    ///
    /// - Parameters:
    ///   - response: a response from the server.
    ///   - url: the URL the request went to.
    public func remember(_ response: TransportResponse, from url: String) {
        guard let nonce = response.headers["DPoP-Nonce"], !nonce.isEmpty, nonce.utf8.count <= 1024, let origin = Self.origin(url) else { return }
        nonces.withLock { state in
            if state.byOrigin.updateValue(nonce, forKey: origin) == nil {
                state.order.append(origin)
                if state.order.count > Self.nonceOrigins { state.byOrigin[state.order.removeFirst()] = nil }
            }
        }
    }

    static func origin(_ url: String) -> String? {
        let reference = URLReference(url)
        guard let scheme = reference.scheme, let authority = reference.authority else { return nil }
        return scheme.lowercased() + "://" + authority.lowercased()
    }

    /// Whether a response asks for the request again with a nonce: `use_dpop_nonce` from the
    /// authorization server (400 JSON error, §8) or the resource server (401 with a `DPoP`
    /// challenge, §9), with a `DPoP-Nonce` header.
    ///
    /// - Parameter response: the response.
    /// - Returns: whether to retry once.
    public static func asksForNonce(_ response: TransportResponse) -> Bool {
        guard response.headers["DPoP-Nonce"] != nil else { return false }
        // The DPoP challenge may follow others (`Bearer realm=…, DPoP error="use_dpop_nonce"`).
        if response.status == 401, let challenge = response.headers["WWW-Authenticate"], challenge.range(of: "use_dpop_nonce") != nil {
            return true
        }
        guard response.status == 400, case .object(let members)? = try? JSONValue.parse(response.body) else { return false }
        return members["error"]?.stringValue == "use_dpop_nonce"
    }
}

extension OAuth2Session {
    /// Sends a request with a DPoP proof when the session has a key, remembering the nonce the
    /// response carries, and once more with that nonce when the server asks for it.
    func sendProved(_ request: TransportRequest, step: String, accessToken: String? = nil) async throws(OAuthError) -> TransportResponse {
        guard let dpop else { return try await send(request, step: step) }
        return try await answeringNonce(dpop, url: request.url) { () async throws(OAuthError) -> TransportResponse in
            var proved = request
            proved.headers["DPoP"] = try dpop.proof(method: request.method, url: request.url, accessToken: accessToken)
            return try await send(proved, step: step)
        }
    }

    /// Runs `attempt` (which makes a fresh proof each time), remembering the nonce its answer
    /// carries, and once more when the server asks for one (§8, §9).
    func answeringNonce(
        _ dpop: DPoP,
        url: String,
        _ attempt: () async throws(OAuthError) -> TransportResponse
    ) async throws(OAuthError) -> TransportResponse {
        var response = try await attempt()
        dpop.remember(response, from: url)
        guard DPoP.asksForNonce(response) else { return response }
        response = try await attempt()
        dpop.remember(response, from: url)
        return response
    }
}
