import Foundation

/// An OAuth 2.0 access token response (RFC 6749 §5.1), with `expires_in` turned into an
/// absolute `expiresAt` by the clock that received it. Members this type does not model are
/// kept in `extra`. Its descriptions mask the token values.
public struct OAuth2Token: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// `access_token`: the credential presented to resource servers.
    public var accessToken: String
    /// `token_type`, e.g. `Bearer` (RFC 6749 §7.1).
    public var tokenType: String
    /// `expires_in`: the lifetime in seconds, as the provider gave it.
    public var expiresIn: Int?
    /// When the token expires: its arrival plus `expires_in`, else the response's `expires_at`
    /// (epoch seconds, which some providers and stored tokens carry); `nil` when unknown.
    public var expiresAt: Date?
    /// `refresh_token`, for new access tokens (RFC 6749 §6).
    public var refreshToken: String?
    /// `scope`: the granted scope, space-separated (RFC 6749 §3.3); `nil` when not given.
    public var scope: String?
    /// `id_token`: an OpenID Connect ID token (a JWT), as received and not validated here.
    public var idToken: String?
    /// Response members not listed above, kept as received.
    public var extra: [String: JSONValue]

    /// Creates a token from its values, without checks.
    ///
    /// - Parameters:
    ///   - accessToken: the access token.
    ///   - tokenType: the token type.
    ///   - expiresIn: the lifetime in seconds.
    ///   - expiresAt: when the token expires (not derived from `expiresIn` here).
    ///   - refreshToken: the refresh token.
    ///   - scope: the granted scope, space-separated.
    ///   - idToken: the OpenID Connect ID token.
    ///   - extra: response members not modelled by the other properties.
    public init(
        accessToken: String,
        tokenType: String = "Bearer",
        expiresIn: Int? = nil,
        expiresAt: Date? = nil,
        refreshToken: String? = nil,
        scope: String? = nil,
        idToken: String? = nil,
        extra: [String: JSONValue] = [:]
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.expiresAt = expiresAt
        self.refreshToken = refreshToken
        self.scope = scope
        self.idToken = idToken
        self.extra = extra
    }

    static let modelled: Set<String> = ["access_token", "token_type", "expires_in", "expires_at", "refresh_token", "scope", "id_token"]

    /// Builds a token from a response's JSON members. Strict by RFC 6749 §5.1: `access_token`
    /// and `token_type` are required strings; `expires_in` must be a non-negative integer.
    ///
    /// - Parameters:
    ///   - members: the members of the token response's JSON object.
    ///   - now: when the response arrived; ``expiresAt`` counts `expires_in` from it.
    /// - Throws: ``InvalidResponse`` naming the first member at fault (a missing or empty
    ///   `access_token` or `token_type`, a bad `expires_in`, or a `refresh_token`, `scope` or
    ///   `id_token` that is neither a string nor `null`), a reason suitable for
    ///   ``OAuthError/malformed(step:httpStatus:_:)``.
    public init(members: [String: JSONValue], receivedAt now: Date) throws(OAuth2Token.InvalidResponse) {
        guard let accessValue = members["access_token"] else { throw InvalidResponse("access_token is missing") }
        guard case .string(let accessToken) = accessValue, !accessToken.isEmpty else {
            throw InvalidResponse("access_token must be a non-empty string")
        }
        guard let typeValue = members["token_type"] else { throw InvalidResponse("token_type is missing") }
        guard case .string(let tokenType) = typeValue, !tokenType.isEmpty else {
            throw InvalidResponse("token_type must be a non-empty string")
        }
        var expiresIn: Int?
        switch members["expires_in"] {
        case nil, .null?: break
        case .number(let number)?:
            let seconds = number.double
            guard seconds >= 0, seconds.rounded() == seconds, seconds < 1e12 else {
                throw InvalidResponse("expires_in must be a non-negative integer, got \(number)")
            }
            expiresIn = Int(seconds)
        case let other?:
            throw InvalidResponse("expires_in must be a number, got \(other.kindName)")
        }
        var expiresAt = expiresIn.map { now.addingTimeInterval(TimeInterval($0)) }
        if expiresAt == nil, case .number(let epoch)? = members["expires_at"] {
            expiresAt = Date(timeIntervalSince1970: epoch.double)
        }
        func optionalString(_ name: String) throws(InvalidResponse) -> String? {
            switch members[name] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case let other?: throw InvalidResponse("\(name) must be a string, got \(other.kindName)")
            }
        }
        self.init(
            accessToken: accessToken,
            tokenType: tokenType,
            expiresIn: expiresIn,
            expiresAt: expiresAt,
            refreshToken: try optionalString("refresh_token"),
            scope: try optionalString("scope"),
            idToken: try optionalString("id_token"),
            extra: members.filter { !Self.modelled.contains($0.key) }
        )
    }

    /// Why a token response cannot be read as a token.
    public struct InvalidResponse: Error, Sendable, CustomStringConvertible {
        /// What is wrong, e.g. `access_token is missing`.
        public let reason: String
        init(_ reason: String) { self.reason = reason }
        /// The reason.
        public var description: String { reason }
    }

    /// Whether the token is expired at `date`, treating it as expired `leeway` seconds early.
    ///
    /// A token without ``expiresAt`` never expires by this test.
    ///
    /// - Parameters:
    ///   - date: the time to judge at.
    ///   - leeway: seconds by which expiry is brought forward.
    public func isExpired(at date: Date, leeway: TimeInterval = 0) -> Bool {
        guard let expiresAt else { return false }
        return date.addingTimeInterval(leeway) >= expiresAt
    }

    /// Space-separated scope as a list (RFC 6749 §3.3).
    public var scopes: [String] { scope?.split(separator: " ").map(String.init) ?? [] }

    /// All members as JSON, as the provider sent them plus `expires_at` (epoch seconds).
    public var members: [String: JSONValue] {
        var members = extra
        members["access_token"] = .string(accessToken)
        members["token_type"] = .string(tokenType)
        if let expiresIn { members["expires_in"] = .number(JSONNumber(expiresIn)) }
        if let expiresAt { members["expires_at"] = .number(JSONNumber(expiresAt.timeIntervalSince1970.rounded())) }
        if let refreshToken { members["refresh_token"] = .string(refreshToken) }
        if let scope { members["scope"] = .string(scope) }
        if let idToken { members["id_token"] = .string(idToken) }
        return members
    }

    /// The token type, `expires_in` and scope, with every token value masked.
    public var description: String {
        var parts = ["token_type: \(tokenType)", "access_token: \(Redactor.mask)"]
        if let expiresIn { parts.append("expires_in: \(expiresIn)") }
        if refreshToken != nil { parts.append("refresh_token: \(Redactor.mask)") }
        if let scope { parts.append("scope: \(scope)") }
        if idToken != nil { parts.append("id_token: \(Redactor.mask)") }
        return "OAuth2Token(\(parts.joined(separator: ", ")))"
    }

    /// The same as ``description``: token values masked.
    public var debugDescription: String { description }
}
