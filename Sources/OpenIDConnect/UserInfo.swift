import Foundation
import OAuthCore

/// UserInfo claims (OpenID Connect Core §5.1, §5.3): the standard claims typed, all kept.
public struct UserInfo: Sendable, Equatable {
    /// Every claim of the response, as JSON.
    public var claims: [String: JSONValue]

    /// UserInfo with these claims.
    ///
    /// - Parameter claims: the UserInfo response's JSON object.
    public init(claims: [String: JSONValue]) { self.claims = claims }

    /// `sub`: the user's identifier, as in the ID token; empty when missing.
    public var sub: String { claims["sub"]?.stringValue ?? "" }
    /// `name`: the user's full name.
    public var name: String? { claims["name"]?.stringValue }
    /// `given_name`.
    public var givenName: String? { claims["given_name"]?.stringValue }
    /// `family_name`.
    public var familyName: String? { claims["family_name"]?.stringValue }
    /// `preferred_username`: the name the user goes by; not unique, not stable.
    public var preferredUsername: String? { claims["preferred_username"]?.stringValue }
    /// `email`.
    public var email: String? { claims["email"]?.stringValue }
    /// `email_verified`: whether the provider verified ``email``; `nil` unless a JSON boolean.
    public var emailVerified: Bool? {
        if case .bool(let value)? = claims["email_verified"] { return value }
        return nil
    }
    /// `picture`: the URL of the user's picture.
    public var picture: String? { claims["picture"]?.stringValue }
    /// `locale`: a BCP 47 language tag, e.g. `en-US`.
    public var locale: String? { claims["locale"]?.stringValue }

    /// The claim with this name, or `nil`.
    ///
    /// - Parameter claim: the claim's name.
    public subscript(claim: String) -> JSONValue? { claims[claim] }
}

/// Adapts a provider's non-standard userinfo answer into UserInfo claims before they are
/// checked (the reference client's `userinfo_compliance_fix`).
public typealias UserInfoComplianceFix = @Sendable ([String: JSONValue]) -> [String: JSONValue]
