/// A token-endpoint `grant_type` value (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6; RFC 7523 §2.1).
///
/// The set is open, as jwt-kit's algorithm names are: the registered values are static
/// members, and any other grant (a provider's own, or one this library gains later) is
/// `GrantType(rawValue:)` or a string literal.
public struct GrantType: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The value sent as `grant_type`.
    public let rawValue: String

    /// A grant type by its wire value.
    ///
    /// - Parameter rawValue: the `grant_type` value, e.g. `urn:ietf:params:oauth:grant-type:device_code`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A grant type by its wire value, written as a literal.
    ///
    /// - Parameter value: the `grant_type` value.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The wire value.
    public var description: String { rawValue }

    /// RFC 6749 §4.1.3: exchanging an authorization code.
    public static let authorizationCode: GrantType = "authorization_code"
    /// RFC 6749 §6: refreshing an access token.
    public static let refreshToken: GrantType = "refresh_token"
    /// RFC 6749 §4.4.2: the client acting on its own behalf.
    public static let clientCredentials: GrantType = "client_credentials"
    /// RFC 6749 §4.3.2: the resource owner's password credentials.
    public static let password: GrantType = "password"
    /// RFC 7523 §2.1: a signed JWT as the authorization grant.
    public static let jwtBearer: GrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"
}
