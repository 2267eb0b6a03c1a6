import Foundation
import OAuthCore

/// UserInfo claims (OpenID Connect Core §5.1, §5.3): the standard claims typed, all kept.
public struct UserInfo: Sendable, Equatable {
    public var claims: [String: JSONValue]

    public init(claims: [String: JSONValue]) { self.claims = claims }

    public var sub: String { claims["sub"]?.stringValue ?? "" }
    public var name: String? { claims["name"]?.stringValue }
    public var givenName: String? { claims["given_name"]?.stringValue }
    public var familyName: String? { claims["family_name"]?.stringValue }
    public var preferredUsername: String? { claims["preferred_username"]?.stringValue }
    public var email: String? { claims["email"]?.stringValue }
    public var emailVerified: Bool? {
        if case .bool(let value)? = claims["email_verified"] { return value }
        return nil
    }
    public var picture: String? { claims["picture"]?.stringValue }
    public var locale: String? { claims["locale"]?.stringValue }

    public subscript(claim: String) -> JSONValue? { claims[claim] }
}

/// Adapts a provider's non-standard userinfo answer into UserInfo claims before they are
/// checked (the reference client's `userinfo_compliance_fix`).
public typealias UserInfoComplianceFix = @Sendable ([String: JSONValue]) -> [String: JSONValue]
