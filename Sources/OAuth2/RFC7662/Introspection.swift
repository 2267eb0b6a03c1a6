import OAuthCore

/// RFC 7662: token introspection.
extension OAuth2Session {
    /// Asks the introspection endpoint about `token` (default: the access token). The answer
    /// must be a JSON object with a boolean `active` (RFC 7662 §2.2).
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
