/// An OAuth failure, from the provider or detected by the client.
///
/// Provider errors carry the RFC 6749 §5.2 / §4.1.2.1 members (`error`, `error_description`,
/// `error_uri`) and the HTTP status; client-side failures use their own codes
/// (`mismatching_state`, `malformed_response`, …). `step` names the flow step
/// (`authorize`, `fetch_token`, …) so that a report says where it happened.
/// Messages never contain secrets: only codes, descriptions and reasons.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Origin: String, Sendable {
        /// The provider answered with an OAuth error.
        case provider
        /// The client rejected what it received or was asked to do.
        case client
        /// The HTTP exchange itself failed (connection, timeout, size limit).
        case transport
    }

    public var code: OAuthErrorCode
    public var errorDescription: String?
    public var errorURI: String?
    public var httpStatus: Int?
    public var step: String?
    public var origin: Origin

    public init(
        code: OAuthErrorCode,
        description: String? = nil,
        uri: String? = nil,
        httpStatus: Int? = nil,
        step: String? = nil,
        origin: Origin
    ) {
        self.code = code
        self.errorDescription = description
        self.errorURI = uri
        self.httpStatus = httpStatus
        self.step = step
        self.origin = origin
    }

    public static func client(_ code: OAuthErrorCode, _ description: String, step: String? = nil, httpStatus: Int? = nil) -> OAuthError {
        OAuthError(code: code, description: description, httpStatus: httpStatus, step: step, origin: .client)
    }

    /// The provider's error object (RFC 6749 §5.2: `error`, `error_description`, `error_uri`);
    /// `nil` when there is no string `error` member.
    public static func provider(_ members: [String: JSONValue], httpStatus: Int?, step: String?) -> OAuthError? {
        guard case .string(let code)? = members["error"] else { return nil }
        return OAuthError(
            code: OAuthErrorCode(code),
            description: members["error_description"]?.stringValue,
            uri: members["error_uri"]?.stringValue,
            httpStatus: httpStatus,
            step: step,
            origin: .provider
        )
    }

    /// The provider's error object in a JSON response body, if it has one.
    public static func provider(body: [UInt8], httpStatus: Int?, step: String?) -> OAuthError? {
        guard case .object(let members)? = try? JSONValue.parse(body) else { return nil }
        return provider(members, httpStatus: httpStatus, step: step)
    }

    public static func malformed(step: String, httpStatus: Int?, _ reason: String) -> OAuthError {
        OAuthError(code: .malformedResponse, description: reason, httpStatus: httpStatus, step: step, origin: .client)
    }

    public var description: String {
        var text = ""
        if let step { text += "\(step): " }
        text += code.rawValue
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if let errorDescription, !errorDescription.isEmpty { text += ": \(errorDescription)" }
        if origin == .provider { text += " [from provider]" }
        return text
    }
}

/// An OAuth error code: the registered ones (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; RFC 7009
/// §2.2.1; OpenID Connect Core §3.1.2.6), this library's client-side ones, and — because it is
/// open — any code a provider invents (`OAuthErrorCode("slack_style_error")`).
public struct OAuthErrorCode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    // RFC 6749 §4.1.2.1 and §5.2
    public static let invalidRequest: Self = "invalid_request"
    public static let invalidClient: Self = "invalid_client"
    public static let invalidGrant: Self = "invalid_grant"
    public static let unauthorizedClient: Self = "unauthorized_client"
    public static let unsupportedGrantType: Self = "unsupported_grant_type"
    public static let unsupportedResponseType: Self = "unsupported_response_type"
    public static let invalidScope: Self = "invalid_scope"
    public static let accessDenied: Self = "access_denied"
    public static let serverError: Self = "server_error"
    public static let temporarilyUnavailable: Self = "temporarily_unavailable"
    // RFC 6750 §3.1
    public static let invalidToken: Self = "invalid_token"
    public static let insufficientScope: Self = "insufficient_scope"
    // RFC 7009 §2.2.1 (also used by the client for a token type it cannot use)
    public static let unsupportedTokenType: Self = "unsupported_token_type"
    // OpenID Connect Core §3.1.2.6
    public static let loginRequired: Self = "login_required"
    public static let consentRequired: Self = "consent_required"
    public static let interactionRequired: Self = "interaction_required"

    // This library's client-side codes.
    public static let mismatchingState: Self = "mismatching_state"
    public static let missingCode: Self = "missing_code"
    public static let malformedResponse: Self = "malformed_response"
    public static let invalidConfiguration: Self = "invalid_configuration"
    public static let transportError: Self = "transport_error"
    public static let invalidIssuer: Self = "invalid_issuer"
    public static let invalidIDToken: Self = "invalid_id_token"
    public static let invalidUserInfo: Self = "invalid_userinfo"
    public static let invalidJWK: Self = "invalid_jwk"
    public static let missingToken: Self = "missing_token"
    public static let missingRefreshToken: Self = "missing_refresh_token"
    public static let missingVerifier: Self = "missing_verifier"
    public static let missingCredentials: Self = "missing_credentials"
    public static let tokenExpired: Self = "token_expired"
    public static let tokenMismatch: Self = "token_mismatch"
    public static let renewalFailed: Self = "renewal_failed"
    public static let complianceHookFailed: Self = "compliance_hook_failed"
    // The harness's user agent.
    package static let unsafeRedirect: Self = "unsafe_redirect"
    package static let tooManyRedirects: Self = "too_many_redirects"
    package static let unexpectedPage: Self = "unexpected_page"
    package static let loginFailed: Self = "login_failed"
    package static let unknownUser: Self = "unknown_user"
    public static let providerError: Self = "provider_error"

    /// `http_<status>`: an HTTP failure without an OAuth error body.
    public static func http(_ status: Int) -> Self { Self("http_\(status)") }
}
