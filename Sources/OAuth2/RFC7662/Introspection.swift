import OAuthCore

/// RFC 7662: token introspection.
extension OAuth2Session {
    /// Asks the introspection endpoint about `token` (default: the access token). The answer
    /// must be a JSON object with a boolean `active` (RFC 7662 §2.2).
    ///
    /// - Parameters:
    ///   - endpoint: the introspection endpoint.
    ///   - given: the token to ask about; `nil` uses the session's access token.
    ///   - tokenTypeHint: the `token_type_hint`, if any.
    /// - Returns: the introspection response's JSON object (`active`, and `scope`, `exp`, … when active).
    /// - Throws: `OAuthError`: `missing_token` when there is no token; the provider's error for any
    ///   status but 200; `malformed_response` for an answer that is not a JSON object with a boolean
    ///   `active`; or a failure of the client authentication, a compliance hook or the transport.
    public func introspectToken(_ endpoint: String, token given: String? = nil, tokenTypeHint: String? = nil) async throws(OAuthError) -> JSONValue {
        let step = "introspect"
        let response = try await tokenQuery(
            endpoint,
            token: given ?? token?.accessToken,
            hint: tokenTypeHint,
            step: step,
            hooks: hooks.introspectTokenRequest
        )
        guard case .object(let members)? = try? JSONValue.parse(response.body) else {
            throw .malformed(step: step, httpStatus: response.status, "expected a JSON object (RFC 7662 §2.2), got \(describeBody(response))")
        }
        guard case .bool = members["active"] else {
            throw .malformed(step: step, httpStatus: response.status, "the introspection response has no boolean active member")
        }
        return .object(members)
    }
}
