import Foundation
import OAuthCore

/// What the client keeps between sending the user to the authorization endpoint and the
/// redirect back: the URL, the `state` to compare, and the PKCE verifier to send later.
public struct AuthorizationRequest: Sendable, Equatable {
    /// The authorization URL to send the user to (RFC 6749 §4.1.1).
    public let url: String
    /// The `state` sent, which the redirect back must carry (RFC 6749 §10.12).
    public let state: String
    /// The PKCE `code_verifier` to send with the code (RFC 7636 §4.5); `nil` without PKCE.
    public let codeVerifier: String?
    /// The `redirect_uri` sent, which the code exchange must repeat (RFC 6749 §4.1.3).
    public let redirectURI: String?
    /// The `request_uri` of a pushed request (RFC 9126 §2.2); `nil` otherwise.
    public let requestURI: String?
    /// When the pushed request's `request_uri` expires (`expires_in` after the push).
    public let requestURIExpiresAt: Date?

    /// A request as built by the session.
    ///
    /// - Parameters:
    ///   - url: the URL to send the user to.
    ///   - state: the `state` sent.
    ///   - codeVerifier: the PKCE verifier, if any.
    ///   - redirectURI: the `redirect_uri` sent, if any.
    ///   - requestURI: the pushed request's `request_uri`, if any.
    ///   - requestURIExpiresAt: when it expires.
    public init(
        url: String,
        state: String,
        codeVerifier: String?,
        redirectURI: String?,
        requestURI: String? = nil,
        requestURIExpiresAt: Date? = nil
    ) {
        self.url = url
        self.state = state
        self.codeVerifier = codeVerifier
        self.redirectURI = redirectURI
        self.requestURI = requestURI
        self.requestURIExpiresAt = requestURIExpiresAt
    }
}

/// RFC 9207: the issuer an authorization response must name in `iss`, and whether the
/// provider promised to send it (`authorization_response_iss_parameter_supported`).
public struct AuthorizationResponseIssuer: Sendable, Equatable {
    /// The issuer `iss` must equal.
    public var issuer: String
    /// Whether a response without `iss` is refused.
    public var required: Bool

    /// An issuer to check.
    ///
    /// - Parameters:
    ///   - issuer: the issuer `iss` must equal.
    ///   - required: whether a response without `iss` is refused.
    public init(issuer: String, required: Bool) {
        self.issuer = issuer
        self.required = required
    }

    /// From a provider's metadata: its issuer, required when it advertises the parameter.
    ///
    /// - Parameter metadata: the provider's metadata (RFC 8414).
    public init(metadata: AuthorizationServerMetadata) {
        self.init(issuer: metadata.issuer, required: metadata.document["authorization_response_iss_parameter_supported"] == .bool(true))
    }
}

/// RFC 6749 §4.1.2: reads the redirect back from the authorization endpoint.
///
/// Checks, in order: the parameters are well formed and not repeated; with `issuer`, `iss`
/// names that issuer (RFC 9207 §2.4: a response from another one is a mix-up attack, error or
/// not); `state` equals the one sent (a mismatch is `mismatching_state`, also for error
/// responses: an injected error is as suspect as an injected code); an `error` is reported as
/// the provider's; a `code` is present.
///
/// - Parameters:
///   - redirect: the URL the provider redirected the user to.
///   - expectedState: the `state` sent with the authorization request.
///   - issuer: the issuer the response must come from; `nil` checks no `iss`.
/// - Returns: the authorization code.
/// - Throws: `OAuthError`: `malformed_response` for a malformed or repeated parameter;
///   `invalid_issuer` for another issuer's `iss`, or none when it is required;
///   `mismatching_state` for a missing or different `state`; the provider's error (RFC 6749
///   §4.1.2.1); `missing_code` when there is neither code nor error.
public func parseAuthorizationResponse(
    _ redirect: String,
    expectedState: String,
    issuer: AuthorizationResponseIssuer? = nil
) throws(OAuthError) -> String {
    let step = "authorize"
    // Read the raw query: URL parsers may "repair" invalid escapes instead of rejecting them.
    let parameters: FormParameters
    do {
        parameters = try URLReference(redirect).queryItems()
    } catch {
        throw .malformed(step: step, httpStatus: nil, "the redirect's query is malformed: \(error.reason)")
    }
    if let repeated = parameters.firstRepeatedName {
        throw .malformed(step: step, httpStatus: nil, "the redirect repeats the \(repeated) parameter")
    }
    // RFC 9207 §2.4: a response from another issuer (a mix-up attack) is refused, error or not.
    if let expected = issuer {
        if let iss = parameters["iss"] {
            guard iss == expected.issuer else {
                throw .client(
                    .invalidIssuer,
                    "the authorization response's iss \(iss) is not the issuer \(expected.issuer) (RFC 9207 §2.4: mix-up)",
                    step: step
                )
            }
        } else if expected.required {
            throw .client(
                "invalid_issuer",
                "the authorization response has no iss although the provider advertises authorization_response_iss_parameter_supported (RFC 9207 §2.4)",
                step: step
            )
        }
    }
    guard let state = parameters["state"] else {
        throw .client(OAuthErrorCode.mismatchingState, "the redirect carries no state; expected the state sent with the request", step: step)
    }
    guard constantTimeEquals(state, expectedState) else {
        throw .client(
            OAuthErrorCode.mismatchingState,
            "the redirect's state does not match the state sent with the request (possible CSRF)",
            step: step
        )
    }
    if let error = parameters["error"] {
        throw OAuthError(
            code: OAuthErrorCode(error),
            description: parameters["error_description"],
            uri: parameters["error_uri"],
            step: step,
            origin: .provider
        )
    }
    guard let code = parameters["code"], !code.isEmpty else {
        throw .client(OAuthErrorCode.missingCode, "the redirect carries neither code nor error", step: step)
    }
    return code
}
