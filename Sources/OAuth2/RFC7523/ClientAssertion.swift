import Foundation
import JWTKit
import OAuthCore

/// The claims of a JWT used for client authentication or as an authorization grant
/// (RFC 7523 §3): `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, plus any extra claims.
public struct AssertionClaims: JWTPayload, Equatable {
    public var iss: String
    public var sub: String
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim
    public var jti: String

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
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A key that signs assertions: an HMAC secret (HS256, for `client_secret_jwt`) or a private
/// key (ES256 or RS256, for `private_key_jwt` and the JWT bearer grant), from PEM.
public struct AssertionSigner: Sendable {
    public static let minimumHMACKeyBytes = 32
    let keys: JWTKeyCollection
    public let algorithm: String
    public let kid: String?

    /// HS256 with the client secret (RFC 7523 §2.2 with `client_secret_jwt`). RFC 7518 §3.2
    /// requires a key at least as long as the hash: 32 bytes.
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
    public static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    public let method: ClientAuthMethod
    let signer: @Sendable (ClientCredentials) async throws(OAuthError) -> AssertionSigner
    let clock: any OAuthClock
    public var lifetime: TimeInterval = 120

    /// HS256 keyed with the client secret.
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
    public static func privateKeyJWT(_ signer: AssertionSigner, clock: any OAuthClock = SystemClock()) -> JWTClientAuthentication {
        JWTClientAuthentication(method: .privateKeyJWT, signer: { _ in signer }, clock: clock)
    }

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
        form.append("client_id", client.clientID)
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
