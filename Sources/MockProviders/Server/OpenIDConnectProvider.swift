import Crypto
import Foundation
import JWTKit
import OAuthCore
import Synchronization

/// A signing key of the mock, with its public JWK.
struct MockSigningKey: Sendable {
    enum Material: Sendable {
        case rsa(JWTKit.Insecure.RSA.PrivateKey)
        case ecdsa(ES256PrivateKey)
    }
    var kid: String
    var alg: String
    var material: Material
    var standby: Bool

    init(kid: String, alg: String, pem: String, standby: Bool) throws {
        self.kid = kid
        self.alg = alg
        self.standby = standby
        material = try Self.material(alg: alg, pem: pem)
    }

    /// A fresh key (rotation, profiles without keys); never cached.
    init(kid: String, freshES256 key: ES256PrivateKey) {
        self.kid = kid
        alg = "ES256"
        standby = false
        material = .ecdsa(key)
    }

    /// Profile keys, parsed once per process: every mock started from a profile (one per
    /// scenario) would otherwise parse the same PEM again, and a new RSA key object also sets up
    /// its blinding and Montgomery values again on its first signature. At most `cacheLimit`
    /// keys are kept (emptied when full); the objects are immutable and safe to share.
    static func material(alg: String, pem: String) throws -> Material {
        let cacheKey = alg + "\n" + pem
        if let cached = parsed.withLock({ $0[cacheKey] }) { return cached }
        let material: Material = alg == "ES256" ? .ecdsa(try ES256PrivateKey(pem: pem)) : .rsa(try JWTKit.Insecure.RSA.PrivateKey(pem: pem))
        parsed.withLock { cache in
            if cache.count >= cacheLimit { cache.removeAll() }
            cache[cacheKey] = material
        }
        return material
    }

    static let cacheLimit = 64
    private static let parsed = Mutex<[String: Material]>([:])

    func jwk(includeKid: Bool = true) -> JSONValue {
        var members: [String: JSONValue] = ["alg": .string(alg), "use": .string("sig")]
        if includeKid { members["kid"] = .string(kid) }
        switch material {
        case .rsa(let key):
            if let primitives = try? key.publicKey.getKeyPrimitives() {
                members["kty"] = .string("RSA")
                members["n"] = .string(Base64URL.encode(primitives.modulus))
                members["e"] = .string(Base64URL.encode(primitives.publicExponent))
            }
        case .ecdsa(let key):
            members["kty"] = .string("EC")
            members["crv"] = .string("P-256")
            if let parameters = key.publicKey.parameters {
                members["x"] = .string(parameters.x)
                members["y"] = .string(parameters.y)
            }
        }
        return .object(members)
    }

    /// A JWS of `claims`; `type` is the header's `typ` (`at+jwt` for RFC 9068 access tokens).
    func sign(_ claims: [String: JSONValue], withKid: Bool, type: String? = nil) async throws -> String {
        let keys = JWTKeyCollection()
        let identifier = withKid ? JWKIdentifier(string: kid) : nil
        switch material {
        case .rsa(let key): await keys.add(rsa: key, digestAlgorithm: .sha256, kid: identifier)
        case .ecdsa(let key): await keys.add(ecdsa: key, kid: identifier)
        }
        var header = JWTHeader()
        if let type { header.fields["typ"] = .string(type) }
        return try await keys.sign(ClaimSet(claims: claims), kid: identifier, header: header)
    }
}

/// Any JSON claims as a jwt-kit payload.
struct ClaimSet: JWTPayload {
    var claims: [String: JSONValue]

    init(claims: [String: JSONValue]) { self.claims = claims }

    init(from decoder: any Decoder) throws {
        claims = try JSONValue(from: decoder).objectValue ?? [:]
    }

    func encode(to encoder: any Encoder) throws {
        try JSONValue.object(claims).encode(to: encoder)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The signing side of a mock provider: keys (with rotation) and the current evil mode.
final class OIDCState: Sendable {
    struct Values {
        var keys: [MockSigningKey]
        var mode: EvilMode = .none
        var rotations = 0
        /// A profile without keys gets a fresh ES256 key when one is first needed (making it
        /// costs a quarter of a millisecond, and most scenarios' mocks never sign a JWT).
        var freshKeyPending = false
    }
    let values: Mutex<Values>

    /// `values` with the keys in place (the fresh key made if it is still pending).
    func withKeys<Result>(_ body: (inout Values) -> Result) -> Result {
        values.withLock { values in
            if values.freshKeyPending {
                values.keys = [MockSigningKey(kid: "mock-es256-1", freshES256: ES256PrivateKey())]
                values.freshKeyPending = false
            }
            return body(&values)
        }
    }

    /// The access-token keys and the ID-token keys of `profile`; a profile with neither gets a
    /// fresh ES256 key, so every OAuth 2 mock can sign JWTs (`issueToken`, JWT access tokens).
    init(profile: ProviderProfile) {
        let settings = profile.accessTokens.signingKeys + (profile.oidc?.signingKeys ?? [])
        let keys = settings.compactMap { try? MockSigningKey(kid: $0.kid, alg: $0.alg.rawValue, pem: $0.privateKeyPEM, standby: $0.standby) }
        values = Mutex(Values(keys: keys, freshKeyPending: keys.isEmpty))
    }
}

extension MockProvider {
    /// Switches an evil mode on for the requests that follow (`none` to behave again).
    ///
    /// - Parameter mode: the mode.
    public func setEvilMode(_ mode: EvilMode) {
        oidcState.values.withLock { $0.mode = mode }
    }

    /// The evil mode in force (``EvilMode/none`` when the provider behaves).
    public var evilMode: EvilMode { oidcState.values.withLock { $0.mode } }

    /// Key rotation: the standby key becomes the ID-token signer (the old one stays in the
    /// JWKS, with at most ``retainedSigningKeys`` in all); with no standby key a fresh ES256
    /// key is made.
    public func rotateSigningKeys() {
        oidcState.withKeys { values in
            values.rotations += 1
            let alg = (profile.oidc?.idTokenAlg ?? .rs256).rawValue
            if let index = values.keys.firstIndex(where: { $0.standby && $0.alg == alg }) {
                values.keys[index].standby = false
                let promoted = values.keys.remove(at: index)
                values.keys.insert(promoted, at: 0)
            } else {
                values.keys.insert(MockSigningKey(kid: "rotated-\(values.rotations)", freshES256: ES256PrivateKey()), at: 0)
            }
            // Bounded: the newest few signing keys stay published (a client may still hold tokens
            // they signed); older ones retire. The access-token keys of the profile stay.
            let own = Set(profile.accessTokens.signingKeys.map(\.kid))
            var active = 0
            values.keys.removeAll { key in
                guard !key.standby, !own.contains(key.kid) else { return false }
                active += 1
                return active > Self.retainedSigningKeys
            }
        }
    }

    /// Whether `token` is a JWS signed by one of the keys this provider publishes (its ID
    /// tokens and JWT access tokens).
    func signedByThisProvider(_ token: String) async -> Bool {
        let values = oidcState.withKeys { $0 }
        let keys = JWTKeyCollection()
        for key in values.keys where !key.standby {
            switch key.material {
            case .rsa(let material): await keys.add(rsa: material.publicKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
            case .ecdsa(let material): await keys.add(ecdsa: material.publicKey, kid: JWKIdentifier(string: key.kid))
            }
        }
        return (try? await keys.verify(token, as: ClaimSet.self)) != nil
    }

    /// How many ID-token signing keys the JWKS keeps through rotations (the newest).
    public static let retainedSigningKeys = 4

    /// The key that signs ID tokens: the first active one with the profile's alg.
    func activeSigningKey(_ values: OIDCState.Values) -> MockSigningKey? {
        let alg = (profile.oidc?.idTokenAlg ?? .rs256).rawValue
        return values.keys.first { !$0.standby && $0.alg == alg } ?? values.keys.first { !$0.standby }
    }

    /// The key that signs JWT access tokens: one of `access_tokens.signing_keys` when the profile
    /// has them, else the ID-token key (or the first active key with `access_tokens.alg`).
    func accessTokenSigningKey() -> MockSigningKey? {
        let values = oidcState.withKeys { $0 }
        let own = Set(profile.accessTokens.signingKeys.map(\.kid))
        let active = values.keys.filter { !$0.standby && (own.isEmpty || own.contains($0.kid)) }
        if let alg = profile.accessTokens.alg?.rawValue { return active.first { $0.alg == alg } }
        return own.isEmpty ? activeSigningKey(values) : active.first
    }

    // MARK: Endpoints

    func jwksDocument() -> TransportResponse {
        let values = oidcState.withKeys { $0 }
        var keys: [JSONValue]
        if values.mode == .kidAbsentSingleKey, let active = activeSigningKey(values) {
            keys = [active.jwk(includeKid: false)]
        } else {
            keys = values.keys.filter { !$0.standby }.map { $0.jwk() }
        }
        // The evil mode signs with the newest rotated key but never publishes it.
        if values.mode == .keyRotationUnpublished, values.rotations > 0, !keys.isEmpty { keys.removeFirst() }
        var response = Self.json(200, ["keys": .array(keys)])
        response.headers["Content-Type"] = "application/jwk-set+json"
        // Keys may be cached for an hour, as Google's are; a client must still refetch on an unknown kid.
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.headers["Pragma"] = nil
        return response
    }

    func openIDConfiguration(_ request: TransportRequest) -> TransportResponse {
        let issuer = MockProvider.issuer(request)
        guard case .object(var document)? = try? JSONValue.parse(metadata(request).body) else { return Self.json(500, ["error": "server_error"]) }
        for endpoint in ProviderProfile.Endpoint.allCases {
            if let member = endpoint.openIDMember, let path = profile.endpoints[endpoint] { document[member] = .string(issuer + path) }
        }
        // Core §8: pairwise subjects for clients that register (subject_type pairwise).
        document["subject_types_supported"] = .array(profile.endpoints[.registration] != nil ? ["public", "pairwise"] : ["public"])
        // Core §5.3.2: signed UserInfo for clients that register userinfo_signed_response_alg.
        if profile.endpoints[.registration] != nil {
            document["userinfo_signing_alg_values_supported"] = .array([.string((profile.oidc?.idTokenAlg ?? .rs256).rawValue)])
        }
        // The algorithm the provider signs ID tokens with (the profile's; a registered client may
        // not ask for another), and — a client that registers itself may ask for unsigned ID
        // tokens (Registration §2, the code flow only) — none.
        let unsigned: [JSONValue] = profile.endpoints[.registration] != nil ? [.string("none")] : []
        document["id_token_signing_alg_values_supported"] = .array([.string((profile.oidc?.idTokenAlg ?? .rs256).rawValue)] + unsigned)
        document["claims_supported"] = .array(["sub", "iss", "aud", "exp", "iat", "nonce", "name", "email", "email_verified"].map(JSONValue.string))
        if offersBackchannelLogout {
            // Back-Channel Logout 1.0 §2.1: logout tokens are sent, with the session's sid;
            // Front-Channel Logout 1.0 §3: the logout page loads each client's frontchannel_logout_uri.
            document["backchannel_logout_supported"] = .bool(true)
            document["backchannel_logout_session_supported"] = .bool(true)
            document["frontchannel_logout_supported"] = .bool(true)
            document["frontchannel_logout_session_supported"] = .bool(true)
        }
        return Self.json(200, document)
    }

    /// Builds and signs the ID token of a code exchange (OpenID Connect Core §2, §3.1.3.6),
    /// applying the evil mode.
    func idToken(issuer: String, clientID: String, sub: String, nonce: String?, accessToken: String, now: Date) async -> String? {
        let values = oidcState.withKeys { $0 }
        guard let settings = profile.oidc, let key = activeSigningKey(values) else { return nil }
        let mode = values.mode
        var claims = idTokenClaims(issuer: issuer, audience: clientID, sub: sub, nonce: nonce, now: now, lifetime: settings.idTokenLifetime)
        claims["sub"] = .string(subject(sub, for: clientID))
        claims["at_hash"] = .string(Self.halfHash(accessToken))
        if let sid = startSession(sub: sub, clientID: clientID) { claims["sid"] = .string(sid) }
        switch mode {
        case .wrongIssuer: claims["iss"] = .string(issuer + "/other-tenant")
        case .missingSubject: claims["sub"] = nil
        case .wrongAudience: claims["aud"] = .string("some-other-client")
        case .missingAudience: claims["aud"] = nil
        case .audienceArray:
            claims["aud"] = .array([.string(clientID), .string("some-other-client")])
            claims["azp"] = .string(clientID)
        case .missingIssuedAt: claims["iat"] = nil
        case .expired:
            claims["iat"] = .number(JSONNumber(now.addingTimeInterval(-7200).timeIntervalSince1970.rounded()))
            claims["exp"] = .number(JSONNumber(now.addingTimeInterval(-3600).timeIntervalSince1970.rounded()))
        case .wrongNonce: claims["nonce"] = .string("a-nonce-from-another-flow")
        case .missingNonce: claims["nonce"] = nil
        case .invalidAtHash: claims["at_hash"] = .string(Self.halfHash(accessToken + "-other"))
        default: break
        }
        let unsignedForClient = mode == .none && self.client(id: clientID)?.idTokenSignedResponseAlg == "none"
        switch mode {
        case .algNone,
            _ where unsignedForClient:
            return Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "."
                + Base64URL.encode(JSONValue.object(claims).jsonBytes) + "."
        case .hs256ClientSecret:
            guard let secret = self.client(id: clientID)?.clientSecret, secret.utf8.count >= 32 else { return nil }
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            return try? await keys.sign(ClaimSet(claims: claims))
        default:
            guard var token = try? await key.sign(claims, withKid: mode != .kidAbsentSingleKey && mode != .kidAbsentMultipleKeys) else { return nil }
            if mode == .invalidSignature {
                // Flip bits in the middle of the signature: same length, wrong value.
                var parts = token.split(separator: ".").map(String.init)
                var signature = Array(parts[2].utf8)
                let middle = signature.count / 2
                signature[middle] = signature[middle] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
                parts[2] = String(decoding: signature, as: UTF8.self)
                token = parts.joined(separator: ".")
            }
            return token
        }
    }

    /// What every ID token of the mock says (OpenID Connect Core §2): `iss`, `sub`, `aud`,
    /// `iat`, `exp`, `auth_time`, `nonce` when there is one, and the user's `name`, `email` and
    /// `email_verified` when the profile knows the subject.
    func idTokenClaims(issuer: String, audience: String, sub: String, nonce: String?, now: Date, lifetime: TimeInterval) -> [String: JSONValue] {
        let seconds = { (date: Date) in JSONValue.number(JSONNumber(date.timeIntervalSince1970.rounded())) }
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "sub": .string(sub), "aud": .string(audience),
            "iat": seconds(now), "exp": seconds(now.addingTimeInterval(lifetime)), "auth_time": seconds(now),
        ]
        if let nonce { claims["nonce"] = .string(nonce) }
        if let user = profile.user(sub: sub) {
            for claim in ["name", "email", "email_verified"] { claims[claim] = user.claims[claim] }
            if user.claims["email"] != nil, claims["email_verified"] == nil { claims["email_verified"] = .bool(true) }
        }
        return claims
    }

    static func halfHash(_ value: String) -> String {
        let digest = Array(SHA256.hash(data: Array(value.utf8)))
        return Base64URL.encode(digest.prefix(16))
    }

    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2–3): an `id_token_hint` that
    /// is not one of this provider's ID tokens is refused; otherwise the requesting browser is
    /// signed out (its login session, by `browser`, the session cookie), the hint's user's sessions
    /// end and every client with a `backchannel_logout_uri` gets its logout token (Back-Channel
    /// Logout 1.0 §2.5); then a redirect to a registered `post_logout_redirect_uri`, or a
    /// signed-out page.
    func endSession(_ query: FormParameters?, browser: String?, issuer: String) async -> TransportResponse {
        let query = query ?? FormParameters()
        if let repeated = query.firstRepeatedName { return Self.badRequest("\(repeated) is repeated") }
        var clientID = query["client_id"]
        let hint = query["id_token_hint"].flatMap(DecodedJWT.init)
        // §2, §4: a hint is trusted only when it is one of this provider's ID tokens (an expired
        // one too); anything else is refused rather than taken as naming a client or a session.
        if let raw = query["id_token_hint"], evilMode != .logoutHintUnverified {
            guard let hint, hint.claims["iss"]?.stringValue == issuer, await signedByThisProvider(raw) else {
                return Self.badRequest("id_token_hint is not an ID token of this provider")
            }
        }
        // The browser is signed out: prompt=none now answers login_required.
        if let browser { store.withStorage { $0.sessions[browser]?.sub = nil } }
        if clientID == nil, let hint {
            clientID = hint.claims["aud"]?.stringValue ?? hint.claims["aud"]?.value(atPath: "0")?.stringValue
        }
        // The hint's sid (128 random bits, only ever in this provider's ID tokens) names a live
        // session of its sub: that user's sessions end.
        var frames: [String] = []
        if let sid = hint?.claims["sid"]?.stringValue, let session = store.withStorage({ $0.openIDSessions[sid] }),
            hint?.claims["sub"]?.stringValue == subject(session.sub, for: session.clientID)
        {
            let ended = await endSessionsAndSay(sid: nil, sub: session.sub, issuer: issuer).ended
            frames = frontchannelLogoutFrames(ended, issuer: issuer)
        }
        guard let target = query["post_logout_redirect_uri"] else {
            let page =
                "<!doctype html><html><body><p>You are signed out of \(ConsentPage.html(profile.name)).</p>\(Self.iframes(frames))</body></html>"
            return TransportResponse(status: 200, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(page.utf8))
        }
        guard let clientID, let client = self.client(id: clientID) else {
            return Self.badRequest("post_logout_redirect_uri needs client_id or id_token_hint to identify the client")
        }
        guard
            evilMode == .logoutOpenRedirect
                || client.postLogoutRedirectURIs.contains(where: { Self.redirectURIMatches(registered: $0, requested: target) })
        else {
            return Self.badRequest("post_logout_redirect_uri is not registered for this client")
        }
        var state = query["state"]
        switch evilMode {
        case .logoutWrongState: state = "a-state-this-client-never-sent"
        case .logoutNoState: state = nil
        default: break
        }
        var parameters = FormParameters()
        parameters.append("state", state)
        let location = URLReference.appending(parameters, to: target)
        guard !frames.isEmpty else { return TransportResponse(status: 302, headers: ["Location": location, "Cache-Control": "no-store"]) }
        // Front-Channel Logout 1.0 §3: a page that loads every client's logout URI, then goes on
        // to the post-logout redirect URI.
        let page = """
            <!doctype html><html><head><meta http-equiv="refresh" content="0;url=\(ConsentPage.html(location))"></head>
            <body><p>Signing you out of \(ConsentPage.html(profile.name))…</p>\(Self.iframes(frames))</body></html>
            """
        return TransportResponse(
            status: 200,
            headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"],
            body: Array(page.utf8)
        )
    }

    /// Front-Channel Logout 1.0 §2, §3: for each ended session whose client registered a
    /// `frontchannel_logout_uri`, that URI with `iss` and `sid` (the evil mode leaves both out).
    func frontchannelLogoutFrames(_ ended: [(sid: String, clientID: String)], issuer: String) -> [String] {
        ended.compactMap { session in
            guard let uri = client(id: session.clientID)?.frontchannelLogoutURI else { return nil }
            guard evilMode != .frontchannelLogoutWithoutSession else { return uri }
            var parameters = FormParameters()
            parameters.append("iss", issuer)
            parameters.append("sid", session.sid)
            return URLReference.appending(parameters, to: uri)
        }
    }

    static func iframes(_ sources: [String]) -> String {
        sources.map { "<iframe src=\"\(ConsentPage.html($0))\" style=\"display:none\"></iframe>" }.joined()
    }
}
