import Foundation
import JWTKit
import OAuthCore

/// The claims of a JWT used for client authentication or as an authorization grant
/// (RFC 7523 §3): `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, plus any extra claims.
public struct AssertionClaims: JWTPayload, Equatable {
    /// The issuer: the client, or the party the grant comes from.
    public var iss: String
    /// The subject: the client (client authentication) or the principal the token is for (a grant).
    public var sub: String
    /// The audience: the token endpoint, or the authorization server.
    public var aud: AudienceClaim
    /// The expiry: `iat` plus the lifetime.
    public var exp: ExpirationClaim
    /// When the assertion was issued.
    public var iat: IssuedAtClaim
    /// A unique identifier, against replay (RFC 7523 §3, item 7).
    public var jti: String

    /// The claims of a new assertion.
    ///
    /// - Parameters:
    ///   - issuer: the `iss`.
    ///   - subject: the `sub`.
    ///   - audience: the `aud`.
    ///   - issuedAt: the `iat`.
    ///   - lifetime: seconds from `iat` to `exp`.
    ///   - id: the `jti`; by default 16 CSPRNG bytes in base64url.
    public init(
        issuer: String,
        subject: String,
        audience: [String],
        issuedAt: Date,
        lifetime: TimeInterval,
        id: String = SecureRandom.token(bytes: 16)
    ) {
        iss = issuer
        sub = subject
        aud = AudienceClaim(value: audience)
        iat = IssuedAtClaim(value: issuedAt)
        exp = ExpirationClaim(value: issuedAt.addingTimeInterval(lifetime))
        jti = id
    }

    /// Claims are checked by the receiver against its own clock; signature checks are jwt-kit's.
    ///
    /// - Parameter algorithm: the algorithm the signature was checked with (not used).
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A key that signs assertions: an HMAC secret (HS256, for `client_secret_jwt`) or a private
/// key (ES256 or RS256, for `private_key_jwt` and the JWT bearer grant), from PEM.
public struct AssertionSigner: Sendable {
    /// The shortest secret HS256 accepts, in bytes (RFC 7518 §3.2).
    public static let minimumHMACKeyBytes = 32
    let keys: JWTKeyCollection
    /// The JWS `alg` of the signatures: `HS256`, `ES256` or `RS256`.
    public let algorithm: String
    /// The `kid` put in the JWS header, if any.
    public let kid: String?

    /// HS256 with the client secret (RFC 7523 §2.2 with `client_secret_jwt`). RFC 7518 §3.2
    /// requires a key at least as long as the hash: 32 bytes.
    ///
    /// - Parameter secret: the client secret, at least ``minimumHMACKeyBytes`` bytes.
    /// - Throws: `OAuthError` `invalid_configuration` for a shorter secret.
    public static func hmac(secret: String) async throws(OAuthError) -> AssertionSigner {
        guard secret.utf8.count >= minimumHMACKeyBytes else {
            throw .client(
                OAuthErrorCode.invalidConfiguration,
                "HS256 needs a client secret of at least \(minimumHMACKeyBytes) bytes (RFC 7518 §3.2); this one is shorter"
            )
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return AssertionSigner(keys: keys, algorithm: "HS256", kid: nil)
    }

    /// ES256 (P-256) or RS256 private key in PEM; the type is read from the PEM.
    ///
    /// - Parameters:
    ///   - pem: the private key in PEM.
    ///   - kid: the `kid` to name in the JWS header.
    /// - Throws: `OAuthError` `invalid_configuration` when the PEM is neither a P-256 EC nor an RSA
    ///   private key.
    public static func privateKey(pem: String, kid: String? = nil) async throws(OAuthError) -> AssertionSigner {
        let keys = JWTKeyCollection()
        let identifier = kid.map { JWKIdentifier(string: $0) }
        if let key = try? ES256PrivateKey(pem: pem) {
            await keys.add(ecdsa: key, kid: identifier)
            return AssertionSigner(keys: keys, algorithm: "ES256", kid: kid)
        }
        if let key = try? Insecure.RSA.PrivateKey(pem: pem) {
            await keys.add(rsa: key, digestAlgorithm: .sha256, kid: identifier)
            return AssertionSigner(keys: keys, algorithm: "RS256", kid: kid)
        }
        throw .client(OAuthErrorCode.invalidConfiguration, "the private key is neither a P-256 EC key nor an RSA key in PEM")
    }

    /// Signs `claims` as a JWS compact serialization with ``algorithm`` (and ``kid``).
    ///
    /// - Parameter claims: the assertion's claims.
    /// - Returns: the signed JWT.
    /// - Throws: `OAuthError` `invalid_configuration` when signing fails.
    public func sign(_ claims: AssertionClaims) async throws(OAuthError) -> String {
        do {
            return try await keys.sign(claims, kid: kid.map { JWKIdentifier(string: $0) })
        } catch {
            throw .client(OAuthErrorCode.invalidConfiguration, "cannot sign the assertion with \(algorithm)")
        }
    }
}

/// `client_secret_jwt` and `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): a short-lived
/// JWT with `iss` = `sub` = client_id and `aud` = the endpoint, in `client_assertion`.
public struct JWTClientAuthentication: ClientAuthentication {
    /// The `client_assertion_type` sent (RFC 7523 §2.2).
    public static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// ``ClientAuthMethod/clientSecretJWT`` or ``ClientAuthMethod/privateKeyJWT``.
    public let method: ClientAuthMethod
    let signer: @Sendable (ClientCredentials) async throws(OAuthError) -> AssertionSigner
    let clock: any OAuthClock
    /// How long each assertion is valid, in seconds.
    public var lifetime: TimeInterval = 120

    /// HS256 keyed with the client secret.
    ///
    /// - Parameter clock: the clock that dates the assertions.
    public static func clientSecretJWT(clock: any OAuthClock = SystemClock()) -> JWTClientAuthentication {
        JWTClientAuthentication(
            method: .clientSecretJWT,
            signer: { client throws(OAuthError) in
                guard let secret = client.clientSecret else {
                    throw .client(OAuthErrorCode.invalidConfiguration, "client_secret_jwt needs a client secret")
                }
                return try await .hmac(secret: secret)
            },
            clock: clock
        )
    }

    /// Signed with the client's private key.
    ///
    /// - Parameters:
    ///   - signer: the client's private key (``AssertionSigner/privateKey(pem:kid:)``).
    ///   - clock: the clock that dates the assertions.
    public static func privateKeyJWT(_ signer: AssertionSigner, clock: any OAuthClock = SystemClock()) -> JWTClientAuthentication {
        JWTClientAuthentication(method: .privateKeyJWT, signer: { _ in signer }, clock: clock)
    }

    /// Appends `client_id`, `client_assertion_type` and `client_assertion`: a new JWT with `iss` and
    /// `sub` the client's id, `aud` the endpoint, valid for ``lifetime`` seconds.
    ///
    /// - Parameters:
    ///   - form: the form body, which gets the three parameters.
    ///   - headers: the headers, left as they are.
    ///   - endpoint: the URL the request goes to, the assertion's audience.
    ///   - client: the client's identity.
    /// - Throws: `OAuthError` `invalid_configuration` when `client_secret_jwt` has no secret or one
    ///   shorter than 32 bytes, or the assertion cannot be signed.
    public func authenticate(
        form: inout FormParameters,
        headers: inout HeaderList,
        endpoint: String,
        client: ClientCredentials
    ) async throws(OAuthError) {
        let claims = AssertionClaims(
            issuer: client.clientID,
            subject: client.clientID,
            audience: [endpoint],
            issuedAt: clock.now(),
            lifetime: lifetime
        )
        let assertion = try await signer(client).sign(claims)
        form.set("client_id", client.clientID)
        form.append("client_assertion_type", Self.assertionType)
        form.append("client_assertion", assertion)
    }
}

extension ClientAuthMethod {
    /// The library's authentication for this method.
    /// - Parameters:
    ///   - privateKeyPEM: the client's private key, for `private_key_jwt`.
    ///   - clock: the clock that dates `client_secret_jwt` and `private_key_jwt` assertions.
    /// - Throws: `OAuthError` `invalid_configuration` for a method this library does not
    ///   implement (give your own ``ClientAuthentication`` to the session instead), or when the
    ///   private key cannot be read.
    public func authentication(privateKeyPEM: String?, clock: any OAuthClock = SystemClock()) async throws(OAuthError) -> any ClientAuthentication {
        switch self {
        case .clientSecretBasic: return ClientSecretBasic()
        case .clientSecretPost: return ClientSecretPost()
        case .none: return PublicClient()
        case .clientSecretJWT: return JWTClientAuthentication.clientSecretJWT(clock: clock)
        case .privateKeyJWT:
            return JWTClientAuthentication.privateKeyJWT(try await AssertionSigner.privateKey(pem: privateKeyPEM ?? ""), clock: clock)
        default:
            throw .client(
                OAuthErrorCode.invalidConfiguration,
                "no client authentication is built in for \(rawValue); pass a ClientAuthentication of your own"
            )
        }
    }
}
