import Foundation
import OAuthCore

/// What the client keeps between sending the user to the authorization endpoint and the
/// redirect back: the URL, the `state` to compare, and the PKCE verifier to send later.
public struct AuthorizationRequest: Sendable, Equatable {
    public let url: String
    public let state: String
    public let codeVerifier: String?
    public let redirectURI: String?
}

/// RFC 6749 §4.1.2: reads the redirect back from the authorization endpoint.
///
/// Checks, in order: the parameters are well formed and not repeated; `state` equals the one
/// sent (a mismatch is `mismatching_state`, also for error responses: an injected error is as
/// suspect as an injected code); an `error` is reported as the provider's; a `code` is present.
public func parseAuthorizationResponse(_ redirect: String, expectedState: String) throws(OAuthError) -> String {
    let step = "authorize"
    // Read the raw query: URL parsers may "repair" invalid escapes instead of rejecting them.
    let withoutFragment = redirect.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
    let query = withoutFragment.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first ?? ""
    let parameters: FormParameters
    do {
        parameters = try FormParameters(parsing: query)
    } catch {
        throw .malformed(step: step, httpStatus: nil, "the redirect's query is malformed: \(error.reason)")
    }
    for name in ["state", "code", "error"] where parameters.values(for: name).count > 1 {
        throw .malformed(step: step, httpStatus: nil, "the redirect repeats the \(name) parameter")
    }
    guard let state = parameters["state"] else {
        throw .client(OAuthError.mismatchingState, "the redirect carries no state; expected the state sent with the request", step: step)
    }
    guard constantTimeEquals(state, expectedState) else {
        throw .client(OAuthError.mismatchingState, "the redirect's state does not match the state sent with the request (possible CSRF)", step: step)
    }
    if let error = parameters["error"] {
        throw OAuthError(
            code: error, description: parameters["error_description"], uri: parameters["error_uri"], step: step, origin: .provider)
    }
    guard let code = parameters["code"], !code.isEmpty else {
        throw .client(OAuthError.missingCode, "the redirect carries neither code nor error", step: step)
    }
    return code
}
