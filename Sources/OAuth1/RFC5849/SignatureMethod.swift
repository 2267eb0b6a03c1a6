import Crypto
import CryptoExtras
import Foundation
import OAuthCore

/// RFC 5849 §3.4 signature methods, plus HMAC-SHA256 (widely deployed, same construction).
public enum SignatureMethod: String, Sendable, CaseIterable {
    /// `HMAC-SHA1` (§3.4.2).
    case hmacSHA1 = "HMAC-SHA1"
    /// `HMAC-SHA256`: the HMAC-SHA1 construction with SHA-256 (not in RFC 5849).
    case hmacSHA256 = "HMAC-SHA256"
    /// `RSA-SHA1` (§3.4.3): RSASSA-PKCS1-v1_5 over SHA-1 with the client's RSA private key.
    case rsaSHA1 = "RSA-SHA1"
    /// `PLAINTEXT` (§3.4.4): the key itself, so only over TLS.
    case plaintext = "PLAINTEXT"

    /// §3.4.2: `encode(client secret) & encode(token secret)`; PLAINTEXT's signature (§3.4.4).
    ///
    /// - Parameters:
    ///   - clientSecret: the client shared-secret.
    ///   - tokenSecret: the token shared-secret; `nil` counts as empty.
    public static func key(clientSecret: String, tokenSecret: String?) -> String {
        PercentEncoding.encode(clientSecret) + "&" + PercentEncoding.encode(tokenSecret ?? "")
    }

    /// Signs a base string. RSA-SHA1 needs `rsaKey`; the HMAC methods and PLAINTEXT use the secrets.
    ///
    /// - Parameters:
    ///   - baseString: the signature base string (see ``SignatureBaseString``).
    ///   - clientSecret: the client shared-secret.
    ///   - tokenSecret: the token shared-secret, if any.
    ///   - rsaKey: the client's private key, for RSA-SHA1.
    /// - Returns: the `oauth_signature` value, before percent-encoding.
    /// - Throws: `OAuthError` with `invalid_configuration` when RSA-SHA1 has no key or signing
    ///   fails.
    public func sign(baseString: String, clientSecret: String, tokenSecret: String?, rsaKey: RSASigningKey?) throws(OAuthError) -> String {
        if let keyed = KeyedHMAC(method: self, clientSecret: clientSecret, tokenSecret: tokenSecret) {
            return keyed.signature(of: Array(baseString.utf8))
        }
        let key = Self.key(clientSecret: clientSecret, tokenSecret: tokenSecret)
        switch self {
        case .plaintext, .hmacSHA1, .hmacSHA256:
            return key
        case .rsaSHA1:
            guard let rsaKey else { throw .client(OAuthErrorCode.invalidConfiguration, "RSA-SHA1 needs an RSA private key", step: "sign") }
            return try rsaKey.sign(baseString)
        }
    }

    /// Server-side check: recomputes (HMAC, PLAINTEXT) or verifies (RSA-SHA1, with the public
    /// key) and compares in constant time.
    ///
    /// - Parameters:
    ///   - signature: the `oauth_signature` value, percent-decoded.
    ///   - baseString: the signature base string of the request received.
    ///   - clientSecret: the client shared-secret; `nil` fails every method but RSA-SHA1.
    ///   - tokenSecret: the token shared-secret, if any.
    ///   - rsaPublicKey: the client's public key, for RSA-SHA1.
    /// - Returns: whether the signature is valid.
    public func verify(
        signature: String,
        baseString: String,
        clientSecret: String?,
        tokenSecret: String?,
        rsaPublicKey: RSAVerifyingKey?
    ) -> Bool {
        switch self {
        case .rsaSHA1:
            guard let rsaPublicKey, let bytes = Base64Standard.decode(signature) else { return false }
            return rsaPublicKey.isValid(signature: bytes, for: baseString)
        default:
            guard let clientSecret,
                let expected = try? sign(baseString: baseString, clientSecret: clientSecret, tokenSecret: tokenSecret, rsaKey: nil)
            else {
                return false
            }
            return constantTimeEquals(expected, signature)
        }
    }
}

/// An HMAC already keyed with `encode(client secret)&encode(token secret)` (§3.4.2): keying
/// costs two hash blocks, so a signer keeps one per secret pair and copies it per request.
struct KeyedHMAC: Sendable {
    enum State: Sendable {
        case sha1(HMAC<Insecure.SHA1>)
        case sha256(HMAC<SHA256>)
    }
    let state: State

    init?(method: SignatureMethod, clientSecret: String, tokenSecret: String?) {
        let key = SymmetricKey(data: Array(SignatureMethod.key(clientSecret: clientSecret, tokenSecret: tokenSecret).utf8))
        switch method {
        case .hmacSHA1: state = .sha1(HMAC<Insecure.SHA1>(key: key))
        case .hmacSHA256: state = .sha256(HMAC<SHA256>(key: key))
        case .rsaSHA1, .plaintext: return nil
        }
    }

    /// base64 of the MAC of `message`.
    func signature(of message: [UInt8]) -> String {
        switch state {
        case .sha1(var hmac):
            hmac.update(data: message)
            return Base64Standard.encode(Array(hmac.finalize()))
        case .sha256(var hmac):
            hmac.update(data: message)
            return Base64Standard.encode(Array(hmac.finalize()))
        }
    }
}

/// An RSA private key for RSA-SHA1 (RSASSA-PKCS1-v1_5 over SHA-1, RFC 5849 §3.4.3). Keys of
/// 1024 bits are accepted because OAuth 1 providers registered such keys; prefer 2048 or more.
public struct RSASigningKey: Sendable {
    let key: _RSA.Signing.PrivateKey

    /// Reads an RSA private key from PEM text.
    ///
    /// - Parameter pem: the PEM-encoded private key.
    /// - Throws: `OAuthError` with `invalid_configuration` when the text is not an RSA private key.
    public init(pem: String) throws(OAuthError) {
        do {
            key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
        } catch {
            throw .client(OAuthErrorCode.invalidConfiguration, "the RSA private key cannot be read from PEM")
        }
    }

    func sign(_ baseString: String) throws(OAuthError) -> String {
        do {
            let signature = try key.signature(for: Insecure.SHA1.hash(data: Array(baseString.utf8)), padding: .insecurePKCS1v1_5)
            return Base64Standard.encode(Array(signature.rawRepresentation))
        } catch {
            throw .client(OAuthErrorCode.invalidConfiguration, "RSA-SHA1 signing failed", step: "sign")
        }
    }
}

/// The public half, for providers verifying RSA-SHA1 (PEM public key or certificate's key).
public struct RSAVerifyingKey: Sendable {
    let key: _RSA.Signing.PublicKey

    /// Reads an RSA public key from PEM text.
    ///
    /// - Parameter pem: the PEM-encoded public key.
    /// - Throws: `OAuthError` with `invalid_configuration` when the text is not an RSA public key.
    public init(pem: String) throws(OAuthError) {
        do {
            key = try _RSA.Signing.PublicKey(unsafePEMRepresentation: pem)
        } catch {
            throw .client(OAuthErrorCode.invalidConfiguration, "the RSA public key cannot be read from PEM")
        }
    }

    func isValid(signature: [UInt8], for baseString: String) -> Bool {
        key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature),
            for: Insecure.SHA1.hash(data: Array(baseString.utf8)),
            padding: .insecurePKCS1v1_5
        )
    }
}
