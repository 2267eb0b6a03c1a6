import Crypto
import CryptoExtras
import Foundation
import OAuthCore

/// A key that signs JWS compact serializations synchronously (RFC 7515 §7.1): DPoP proofs
/// (RFC 9449) and request objects (RFC 9101).
///
/// Asymmetric keys are ES256 (P-256), ES384 (P-384), ES512 (P-521), RS256, PS256 and EdDSA
/// (Ed25519), generated here or read from PEM; HS256 keys are the client secret. The private
/// part never leaves the value: its description is the algorithm and the thumbprint only.
public struct JWSKey: Sendable, CustomStringConvertible {
    enum Material: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey, pss: Bool)
        case ed25519(Curve25519.Signing.PrivateKey)
        case hmac(SymmetricKey)
    }

    let material: Material
    /// The JWS `alg` of its signatures.
    public let algorithm: JWSAlgorithm
    /// The public key as a JWK (RFC 7517) with only its required members; `nil` for HS256.
    public let publicJWK: [String: JSONValue]?
    /// The RFC 7638 JWK SHA-256 thumbprint of ``publicJWK``, base64url; `nil` for HS256.
    public let thumbprint: String?

    /// The asymmetric algorithms a key can be generated or read for.
    public static let asymmetricAlgorithms: [JWSAlgorithm] = [.es256, .es384, .es512, .rs256, .ps256, .edDSA]

    init(material: Material, algorithm: JWSAlgorithm) throws(OAuthError) {
        self.material = material
        self.algorithm = algorithm
        let jwk = try Self.publicJWK(of: material)
        publicJWK = jwk
        thumbprint = jwk.map(Self.thumbprint(of:))
    }

    /// The RFC 7638 SHA-256 thumbprint of a public JWK: the hash of its required members (by
    /// `kty`) serialized with sorted keys and no whitespace, base64url.
    ///
    /// - Parameter jwk: the JWK; members beyond the required ones (`kid`, `alg`, …) are left out.
    /// - Returns: the thumbprint.
    public static func thumbprint(of jwk: [String: JSONValue]) -> String {
        let required: [String] =
            switch jwk["kty"]?.stringValue {
            case "EC": ["crv", "kty", "x", "y"]
            case "RSA": ["e", "kty", "n"]
            case "OKP": ["crv", "kty", "x"]
            default: ["k", "kty"]
            }
        let members = jwk.filter { required.contains($0.key) }
        return Base64URL.encode(SHA256.hash(data: JSONValue.object(members).jsonBytes))
    }

    /// A fresh key for `algorithm`.
    ///
    /// - Parameter algorithm: one of ``asymmetricAlgorithms``; ES256 by default.
    /// - Returns: the key.
    /// - Throws: `OAuthError` `invalid_configuration` for another algorithm.
    public static func generate(_ algorithm: JWSAlgorithm = .es256) throws(OAuthError) -> JWSKey {
        let material: Material
        switch algorithm {
        case .es256: material = .p256(P256.Signing.PrivateKey())
        case .es384: material = .p384(P384.Signing.PrivateKey())
        case .es512: material = .p521(P521.Signing.PrivateKey())
        case .edDSA: material = .ed25519(Curve25519.Signing.PrivateKey())
        case .rs256, .ps256:
            do {
                material = .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048), pss: algorithm == .ps256)
            } catch {
                throw .client(OAuthErrorCode.invalidConfiguration, "cannot generate an RSA key")
            }
        default:
            throw .client(OAuthErrorCode.invalidConfiguration, "cannot make a key for \(algorithm); choose one of \(Self.choices)")
        }
        return try JWSKey(material: material, algorithm: algorithm)
    }

    /// A private key read from PEM (PKCS#8 or SEC1 for EC, PKCS#1 or PKCS#8 for RSA).
    ///
    /// - Parameters:
    ///   - pem: the private key.
    ///   - algorithm: the algorithm; `nil` takes the key's curve (ES256/384/512), RS256 for RSA,
    ///     EdDSA for Ed25519.
    /// - Throws: `OAuthError` `invalid_configuration` when the PEM is no such key or does not fit
    ///   `algorithm`.
    public init(pem: String, algorithm: JWSAlgorithm? = nil) throws(OAuthError) {
        let material: Material
        let chosen: JWSAlgorithm
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            (material, chosen) = (.p256(key), .es256)
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            (material, chosen) = (.p384(key), .es384)
        } else if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) {
            (material, chosen) = (.p521(key), .es512)
        } else if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            let alg = algorithm ?? .rs256
            (material, chosen) = (.rsa(key, pss: alg == .ps256), alg)
        } else if let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
            (material, chosen) = (.ed25519(key), .edDSA)
        } else {
            throw .client(OAuthErrorCode.invalidConfiguration, "the private key is not an EC, RSA or Ed25519 private key in PEM")
        }
        if let algorithm, algorithm != chosen {
            throw .client(OAuthErrorCode.invalidConfiguration, "the private key cannot sign \(algorithm) (it is a \(chosen) key)")
        }
        if case .rsa = material, chosen != .rs256, chosen != .ps256 {
            throw .client(OAuthErrorCode.invalidConfiguration, "an RSA key signs RS256 or PS256 here, not \(chosen)")
        }
        try self.init(material: material, algorithm: chosen)
    }

    /// HS256 keyed with a shared secret (RFC 7518 §3.2), e.g. the client secret for request
    /// objects where the provider allows it.
    ///
    /// - Parameter secret: at least 32 bytes.
    /// - Throws: `OAuthError` `invalid_configuration` for a shorter secret.
    public static func hmac(secret: String) throws(OAuthError) -> JWSKey {
        guard secret.utf8.count >= AssertionSigner.minimumHMACKeyBytes else {
            throw .client(
                OAuthErrorCode.invalidConfiguration,
                "HS256 needs a secret of at least \(AssertionSigner.minimumHMACKeyBytes) bytes (RFC 7518 §3.2); this one is shorter"
            )
        }
        return try JWSKey(material: .hmac(SymmetricKey(data: Array(secret.utf8))), algorithm: .hs256)
    }

    static var choices: String { asymmetricAlgorithms.map(\.rawValue).joined(separator: ", ") }

    /// The algorithm and thumbprint; never the key.
    public var description: String { "JWSKey(\(algorithm)\(thumbprint.map { ", jkt " + $0 } ?? ""))" }

    /// The JWS signature of `signingInput` (`BASE64URL(header) || '.' || BASE64URL(payload)`).
    ///
    /// - Parameter signingInput: the bytes to sign.
    /// - Returns: the signature as JWS carries it (R || S for ECDSA, RFC 7518 §3.4).
    /// - Throws: `OAuthError` `invalid_configuration` when the crypto library refuses.
    public func signature(_ signingInput: [UInt8]) throws(OAuthError) -> [UInt8] {
        do {
            switch material {
            case .p256(let key): return Array(try key.signature(for: signingInput).rawRepresentation)
            case .p384(let key): return Array(try key.signature(for: signingInput).rawRepresentation)
            case .p521(let key): return Array(try key.signature(for: signingInput).rawRepresentation)
            case .ed25519(let key): return Array(try key.signature(for: signingInput))
            case .rsa(let key, let pss):
                return Array(try key.signature(for: SHA256.hash(data: signingInput), padding: pss ? .PSS : .insecurePKCS1v1_5).rawRepresentation)
            case .hmac(let key): return Array(HMAC<SHA256>.authenticationCode(for: signingInput, using: key))
            }
        } catch {
            throw .client(OAuthErrorCode.invalidConfiguration, "cannot sign with \(algorithm)")
        }
    }

    /// Signs a JWS compact serialization whose header is `header` with `alg` set, and whose
    /// payload is `claims`.
    ///
    /// - Parameters:
    ///   - claims: the payload.
    ///   - header: further header members (`typ`, `kid`, `jwk`).
    /// - Returns: the compact serialization.
    /// - Throws: `OAuthError` `invalid_configuration` when signing fails.
    public func sign(_ claims: [String: JSONValue], header: [String: JSONValue] = [:]) throws(OAuthError) -> String {
        var header = header
        header["alg"] = .string(algorithm.rawValue)
        return try sign(encodedHeader: Base64URL.encode(JSONValue.object(header).jsonBytes), claims: claims)
    }

    /// Signs with a header already encoded (a proof's header is the same for every proof).
    func sign(encodedHeader: String, claims: [String: JSONValue]) throws(OAuthError) -> String {
        try sign(encodedHeader: encodedHeader, encodedClaims: Base64URL.encode(JSONValue.object(claims).jsonBytes))
    }

    /// Signs `encodedHeader.encodedClaims`, both already base64url.
    func sign(encodedHeader: String, encodedClaims: String) throws(OAuthError) -> String {
        var input: [UInt8] = []
        input.reserveCapacity(encodedHeader.utf8.count + encodedClaims.utf8.count + 180)
        input += encodedHeader.utf8
        input.append(UInt8(ascii: "."))
        input += encodedClaims.utf8
        let signature = try self.signature(input)
        input.append(UInt8(ascii: "."))
        input += Base64URL.encode(signature).utf8
        return String(decoding: input, as: UTF8.self)
    }

    static func publicJWK(of material: Material) throws(OAuthError) -> [String: JSONValue]? {
        func ec(_ curve: String, _ x963: Data) -> [String: JSONValue] {
            // x9.63: 0x04 || X || Y, each coordinate the curve's size.
            let coordinate = (x963.count - 1) / 2
            let bytes = Array(x963)
            return [
                "kty": "EC", "crv": .string(curve), "x": .string(Base64URL.encode(bytes[1...coordinate])),
                "y": .string(Base64URL.encode(bytes[(1 + coordinate)...])),
            ]
        }
        switch material {
        case .p256(let key): return ec("P-256", key.publicKey.x963Representation)
        case .p384(let key): return ec("P-384", key.publicKey.x963Representation)
        case .p521(let key): return ec("P-521", key.publicKey.x963Representation)
        case .ed25519(let key): return ["kty": "OKP", "crv": "Ed25519", "x": .string(Base64URL.encode(key.publicKey.rawRepresentation))]
        case .rsa(let key, _):
            guard let primitives = try? key.publicKey.getKeyPrimitives() else {
                throw .client(OAuthErrorCode.invalidConfiguration, "cannot read the RSA key's public half")
            }
            return ["kty": "RSA", "n": .string(Base64URL.encode(primitives.modulus)), "e": .string(Base64URL.encode(primitives.publicExponent))]
        case .hmac: return nil
        }
    }
}
