/// An OAuth failure, from the provider or detected by the client.
///
/// Provider errors carry the RFC 6749 §5.2 / §4.1.2.1 members (`error`, `error_description`,
/// `error_uri`) and the HTTP status; client-side failures use their own codes
/// (`mismatching_state`, `malformed_response`, …). `step` names the flow step
/// (`authorize`, `fetch_token`, …) so that a report says where it happened.
/// Messages never contain secrets: only codes, descriptions and reasons.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where a failure comes from.
    public enum Origin: String, Sendable {
        /// The provider answered with an OAuth error.
        case provider
        /// The client rejected what it received or was asked to do.
        case client
        /// The HTTP exchange itself failed (connection, timeout, size limit).
        case transport
    }

    /// The provider's `error` code, or the client's own.
    public var code: OAuthErrorCode
    /// A human-readable explanation: the provider's `error_description`, or the client's reason.
    public var errorDescription: String?
    /// The provider's `error_uri`: a page about the error.
    public var errorURI: String?
    /// The HTTP status of the response that carried or caused the error.
    public var httpStatus: Int?
    /// The flow step where it happened (`authorize`, `fetch_token`, `refresh`, …).
    public var step: String?
    /// Where the failure comes from.
    public var origin: Origin

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: the error code.
    ///   - description: a human-readable explanation.
    ///   - uri: a page about the error.
    ///   - httpStatus: the HTTP status of the response involved.
    ///   - step: the flow step where it happened.
    ///   - origin: where the failure comes from.
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

    /// A failure the client detected (origin ``Origin/client``).
    ///
    /// - Parameters:
    ///   - code: the error code.
    ///   - description: what is wrong.
    ///   - step: the flow step where it happened.
    ///   - httpStatus: the HTTP status of the response involved.
    public static func client(_ code: OAuthErrorCode, _ description: String, step: String? = nil, httpStatus: Int? = nil) -> OAuthError {
        OAuthError(code: code, description: description, httpStatus: httpStatus, step: step, origin: .client)
    }

    /// The provider's error object (RFC 6749 §5.2: `error`, `error_description`, `error_uri`);
    /// `nil` when there is no string `error` member.
    ///
    /// - Parameters:
    ///   - members: the members of the response's JSON object.
    ///   - httpStatus: the response's HTTP status.
    ///   - step: the flow step of the request.
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
    ///
    /// - Parameters:
    ///   - body: the response body; anything but a JSON object with a string `error` gives `nil`.
    ///   - httpStatus: the response's HTTP status.
    ///   - step: the flow step of the request.
    public static func provider(body: [UInt8], httpStatus: Int?, step: String?) -> OAuthError? {
        guard case .object(let members)? = try? JSONValue.parse(body) else { return nil }
        return provider(members, httpStatus: httpStatus, step: step)
    }

    /// A response the client cannot use: ``OAuthErrorCode/malformedResponse``, origin
    /// ``Origin/client``.
    ///
    /// - Parameters:
    ///   - step: the flow step of the request.
    ///   - httpStatus: the response's HTTP status.
    ///   - reason: what is wrong with the response.
    public static func malformed(step: String, httpStatus: Int?, _ reason: String) -> OAuthError {
        OAuthError(code: .malformedResponse, description: reason, httpStatus: httpStatus, step: step, origin: .client)
    }

    /// The error on one line: step, code, HTTP status, description and whether the provider sent
    /// it, e.g. `fetch_token: invalid_grant (HTTP 400): code expired [from provider]`.
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
    /// The code as it appears on the wire, e.g. `invalid_grant`.
    public let rawValue: String

    /// Creates a code from its wire form.
    ///
    /// - Parameter rawValue: the code, e.g. `invalid_grant`.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Creates a code from its wire form.
    ///
    /// - Parameter rawValue: the code, e.g. `slack_style_error`.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// Creates a code from a literal such as `"invalid_grant"`.
    ///
    /// - Parameter value: the code.
    public init(stringLiteral value: String) { self.rawValue = value }
    /// The code as it appears on the wire.
    public var description: String { rawValue }

    // RFC 6749 §4.1.2.1 and §5.2
    /// `invalid_request`: a parameter is missing, repeated, invalid or unsupported.
    public static let invalidRequest: Self = "invalid_request"
    /// `invalid_client`: client authentication failed.
    public static let invalidClient: Self = "invalid_client"
    /// `invalid_grant`: the code, refresh token or other grant is invalid, expired, revoked, or was
    /// issued to another client or redirect URI.
    public static let invalidGrant: Self = "invalid_grant"
    /// `unauthorized_client`: the client may not use this grant or response type.
    public static let unauthorizedClient: Self = "unauthorized_client"
    /// `unsupported_grant_type`: the server does not support the grant type.
    public static let unsupportedGrantType: Self = "unsupported_grant_type"
    /// `unsupported_response_type`: the server does not support the response type.
    public static let unsupportedResponseType: Self = "unsupported_response_type"
    /// `invalid_scope`: the requested scope is invalid, unknown or exceeds what was granted.
    public static let invalidScope: Self = "invalid_scope"
    /// `access_denied`: the resource owner or the server refused the request.
    public static let accessDenied: Self = "access_denied"
    /// `server_error`: the authorization server failed unexpectedly.
    public static let serverError: Self = "server_error"
    /// `temporarily_unavailable`: the authorization server is overloaded or under maintenance.
    public static let temporarilyUnavailable: Self = "temporarily_unavailable"
    // RFC 6750 §3.1
    /// `invalid_token`: the access token is expired, revoked, malformed or otherwise invalid.
    public static let invalidToken: Self = "invalid_token"
    /// `insufficient_scope`: the request needs more scope than the token has.
    public static let insufficientScope: Self = "insufficient_scope"
    // RFC 7009 §2.2.1 (also used by the client for a token type it cannot use)
    /// `unsupported_token_type`: the server cannot revoke this token type; the client also uses
    /// it for a `token_type` other than `Bearer`.
    public static let unsupportedTokenType: Self = "unsupported_token_type"
    // OpenID Connect Core §3.1.2.6
    /// `login_required`: the user must log in (`prompt=none` could not be honoured).
    public static let loginRequired: Self = "login_required"
    /// `consent_required`: the user must consent (`prompt=none` could not be honoured).
    public static let consentRequired: Self = "consent_required"
    /// `interaction_required`: the user must interact (`prompt=none` could not be honoured).
    public static let interactionRequired: Self = "interaction_required"

    // This library's client-side codes.
    /// `mismatching_state`: a callback's `state` is missing, unknown, used already or expired.
    public static let mismatchingState: Self = "mismatching_state"
    /// `missing_code`: an authorization response carries neither a code nor an error.
    public static let missingCode: Self = "missing_code"
    /// `malformed_response`: a response the client cannot read (see
    /// ``OAuthError/malformed(step:httpStatus:_:)``).
    public static let malformedResponse: Self = "malformed_response"
    /// `invalid_configuration`: the client's settings or the request it was asked to make are
    /// unusable (a missing URL or key, a malformed parameter).
    public static let invalidConfiguration: Self = "invalid_configuration"
    /// `transport_error`: the HTTP exchange itself failed (connection, timeout, size limit).
    public static let transportError: Self = "transport_error"
    /// `invalid_issuer`: metadata (RFC 8414 §3.3) or an authorization response (RFC 9207) names
    /// another issuer than expected.
    public static let invalidIssuer: Self = "invalid_issuer"
    /// `invalid_id_token`: an ID token is missing or fails validation.
    public static let invalidIDToken: Self = "invalid_id_token"
    /// `invalid_userinfo`: a UserInfo response has no `sub` or another user's.
    public static let invalidUserInfo: Self = "invalid_userinfo"
    /// `invalid_jwk`: a JSON Web Key cannot be used.
    public static let invalidJWK: Self = "invalid_jwk"
    /// `missing_token`: a step needs a token (or OAuth 1 temporary token) the client does not have.
    public static let missingToken: Self = "missing_token"
    /// `missing_refresh_token`: a refresh was asked for without a refresh token.
    public static let missingRefreshToken: Self = "missing_refresh_token"
    /// `missing_verifier`: the OAuth 1 token request has no `oauth_verifier`.
    public static let missingVerifier: Self = "missing_verifier"
    /// `missing_credentials`: a login page needs a test user's credentials that were not given.
    public static let missingCredentials: Self = "missing_credentials"
    /// `token_expired`: the token expired and cannot be renewed.
    public static let tokenExpired: Self = "token_expired"
    /// `token_mismatch`: an OAuth 1 callback's `oauth_token` is not the flow's temporary token.
    public static let tokenMismatch: Self = "token_mismatch"
    /// `renewal_failed`: a token renewal failed with an error that is not an ``OAuthError``.
    public static let renewalFailed: Self = "renewal_failed"
    /// `compliance_hook_failed`: a compliance hook threw.
    public static let complianceHookFailed: Self = "compliance_hook_failed"
    // The harness's user agent.
    package static let unsafeRedirect: Self = "unsafe_redirect"
    package static let tooManyRedirects: Self = "too_many_redirects"
    package static let unexpectedPage: Self = "unexpected_page"
    package static let loginFailed: Self = "login_failed"
    package static let unknownUser: Self = "unknown_user"
    /// `provider_error`: the provider reported an error in a form of its own (an OAuth 1 provider's
    /// JSON error message).
    public static let providerError: Self = "provider_error"

    /// `http_<status>`: an HTTP failure without an OAuth error body.
    ///
    /// - Parameter status: the response's HTTP status.
    public static func http(_ status: Int) -> Self { Self("http_\(status)") }
}
