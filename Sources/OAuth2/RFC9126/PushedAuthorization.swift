import Foundation
import OAuthCore

extension OAuth2Session {
    // MARK: RFC 9126 — pushed authorization requests

    /// Pushes the authorization request to the PAR endpoint with the client's authentication
    /// and returns the URL to send the user to: the authorization endpoint with only `client_id`
    /// and the `request_uri` the server answered (RFC 9126 §2, §4).
    ///
    /// The pushed parameters are those of
    /// ``createAuthorizationURL(_:state:codeVerifier:responseType:extraParameters:)`` (state,
    /// PKCE, `dpop_jkt`, extras such as `authorization_details`); with a ``requestObject`` they
    /// travel signed in `request` (RFC 9126 §3).
    ///
    /// - Parameters:
    ///   - endpoint: the `pushed_authorization_request_endpoint`.
    ///   - authorizationEndpoint: the authorization endpoint.
    ///   - state: the `state`; `nil` generates one.
    ///   - codeVerifier: the PKCE verifier; `nil` generates one when a method is configured.
    ///   - responseType: the `response_type`.
    ///   - extraParameters: further parameters.
    ///   - repeatedParameters: pushed parameters the URL repeats beside `request_uri`, for
    ///     providers that want them there too (OpenID Connect Core §6.2 asks for `response_type`
    ///     and `scope`); none by default, as RFC 9126 §4 says.
    /// - Returns: the request, its URL carrying `client_id` and `request_uri`, and ``AuthorizationRequest/requestURIExpiresAt``.
    /// - Throws: `OAuthError`: `invalid_configuration` for an endpoint that is not an absolute URL
    ///   or a bad verifier; the provider's error (RFC 9126 §2.3); `malformed_response` for an answer
    ///   without a string `request_uri` or a positive integer `expires_in` (§2.2).
    public func pushAuthorizationRequest(
        _ endpoint: String,
        authorizationEndpoint: String,
        state: String? = nil,
        codeVerifier: String? = nil,
        responseType: String = "code",
        extraParameters: [(String, String)] = [],
        repeatedParameters: [String] = []
    ) async throws(OAuthError) -> AuthorizationRequest {
        let step = "par"
        _ = try Self.absolute(endpoint, "the pushed authorization request endpoint", step: step)
        let authorize = try Self.absolute(authorizationEndpoint, "the authorization endpoint", step: step)
        let built = try authorizationParameters(state: state, codeVerifier: codeVerifier, responseType: responseType, extra: extraParameters)
        var form = built.parameters
        if let requestObject {
            form = FormParameters([("client_id", clientID), ("request", try requestObject.sign(built.parameters, clientID: clientID))])
        }
        let request = try await authenticatedForm(endpoint, form: form, step: step, hooks: [])
        let response = try await send(request, step: step)
        guard (200..<300).contains(response.status) else { throw providerError(response, step: step) }
        guard case .object(let members)? = try? JSONValue.parse(response.body) else {
            throw .malformed(step: step, httpStatus: response.status, "expected a JSON object (RFC 9126 §2.2), got \(describeBody(response))")
        }
        guard case .string(let requestURI)? = members["request_uri"], !requestURI.isEmpty else {
            throw .malformed(step: step, httpStatus: response.status, "the response has no request_uri string (RFC 9126 §2.2)")
        }
        guard case .number(let expiresIn)? = members["expires_in"], let seconds = expiresIn.int64, seconds > 0 else {
            throw .malformed(step: step, httpStatus: response.status, "the response has no positive integer expires_in (RFC 9126 §2.2)")
        }
        var query = FormParameters([("client_id", clientID), ("request_uri", requestURI)])
        for name in repeatedParameters where name != "client_id" { query.append(name, built.parameters[name]) }
        let url = authorize.appending(query)
        return AuthorizationRequest(
            url: url.description,
            state: built.state,
            codeVerifier: built.verifier,
            redirectURI: redirectURI,
            requestURI: requestURI,
            requestURIExpiresAt: clock.now().addingTimeInterval(TimeInterval(seconds))
        )
    }
}
