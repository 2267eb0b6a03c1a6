/// A JWS `alg` value (RFC 7515 §4.1.1; the names are RFC 7518 §3.1's and RFC 8037 §3.1's).
///
/// The set is open, as jwt-kit's algorithm names are: the registered values are static
/// members and ``registered``; any other is `JWSAlgorithm(rawValue:)` or a string literal.
public struct JWSAlgorithm: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The `alg` header value.
    public let rawValue: String

    /// An algorithm by its `alg` value.
    ///
    /// - Parameter rawValue: the `alg` value, e.g. `RS256`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// An algorithm by its `alg` value, written as a literal.
    ///
    /// - Parameter value: the `alg` value, e.g. `"RS256"`.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The `alg` value.
    public var description: String { rawValue }

    /// Orders by `alg` value.
    ///
    /// - Parameters:
    ///   - lhs: an algorithm.
    ///   - rhs: another algorithm.
    public static func < (lhs: JWSAlgorithm, rhs: JWSAlgorithm) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `HS256`: HMAC with SHA-256 (RFC 7518 §3.2), keyed with a shared secret.
    public static let hs256: JWSAlgorithm = "HS256"
    /// `HS384`: HMAC with SHA-384 (RFC 7518 §3.2), keyed with a shared secret.
    public static let hs384: JWSAlgorithm = "HS384"
    /// `HS512`: HMAC with SHA-512 (RFC 7518 §3.2), keyed with a shared secret.
    public static let hs512: JWSAlgorithm = "HS512"
    /// `RS256`: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    public static let rs256: JWSAlgorithm = "RS256"
    /// `RS384`: RSASSA-PKCS1-v1_5 with SHA-384 (RFC 7518 §3.3).
    public static let rs384: JWSAlgorithm = "RS384"
    /// `RS512`: RSASSA-PKCS1-v1_5 with SHA-512 (RFC 7518 §3.3).
    public static let rs512: JWSAlgorithm = "RS512"
    /// `ES256`: ECDSA on P-256 with SHA-256 (RFC 7518 §3.4).
    public static let es256: JWSAlgorithm = "ES256"
    /// `ES384`: ECDSA on P-384 with SHA-384 (RFC 7518 §3.4).
    public static let es384: JWSAlgorithm = "ES384"
    /// `ES512`: ECDSA on P-521 with SHA-512 (RFC 7518 §3.4).
    public static let es512: JWSAlgorithm = "ES512"
    /// `PS256`: RSASSA-PSS with SHA-256 (RFC 7518 §3.5).
    public static let ps256: JWSAlgorithm = "PS256"
    /// `PS384`: RSASSA-PSS with SHA-384 (RFC 7518 §3.5).
    public static let ps384: JWSAlgorithm = "PS384"
    /// `PS512`: RSASSA-PSS with SHA-512 (RFC 7518 §3.5).
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
