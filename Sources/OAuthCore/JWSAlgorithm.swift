/// A JWS `alg` value (RFC 7515 §4.1.1; the names are RFC 7518 §3.1's and RFC 8037 §3.1's).
///
/// The set is open, as jwt-kit's algorithm names are: the registered values are static
/// members and ``registered``; any other is `JWSAlgorithm(rawValue:)` or a string literal.
public struct JWSAlgorithm: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The `alg` header value.
    public let rawValue: String

    /// An algorithm by its `alg` value.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// An algorithm by its `alg` value, written as a literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    public static func < (lhs: JWSAlgorithm, rhs: JWSAlgorithm) -> Bool { lhs.rawValue < rhs.rawValue }

    /// HMAC with SHA-2 (RFC 7518 §3.2): keyed with a shared secret.
    public static let hs256: JWSAlgorithm = "HS256"
    public static let hs384: JWSAlgorithm = "HS384"
    public static let hs512: JWSAlgorithm = "HS512"
    /// RSASSA-PKCS1-v1_5 with SHA-2 (RFC 7518 §3.3).
    public static let rs256: JWSAlgorithm = "RS256"
    public static let rs384: JWSAlgorithm = "RS384"
    public static let rs512: JWSAlgorithm = "RS512"
    /// ECDSA on P-256, P-384, P-521 (RFC 7518 §3.4).
    public static let es256: JWSAlgorithm = "ES256"
    public static let es384: JWSAlgorithm = "ES384"
    public static let es512: JWSAlgorithm = "ES512"
    /// RSASSA-PSS with SHA-2 (RFC 7518 §3.5).
    public static let ps256: JWSAlgorithm = "PS256"
    public static let ps384: JWSAlgorithm = "PS384"
    public static let ps512: JWSAlgorithm = "PS512"
    /// Ed25519 (RFC 8037 §3.1).
    public static let edDSA: JWSAlgorithm = "EdDSA"
    /// No signature (RFC 7518 §3.6): never accepted where a signature is required.
    public static let none: JWSAlgorithm = "none"

    /// Every registered value above, for validating configuration.
    public static let registered: [JWSAlgorithm] = [
        .hs256, .hs384, .hs512, .rs256, .rs384, .rs512, .es256, .es384, .es512, .ps256, .ps384, .ps512, .edDSA, .none,
    ]

    /// Keyed with a shared secret (the HS family).
    public var isSymmetric: Bool { rawValue.hasPrefix("HS") }
}
