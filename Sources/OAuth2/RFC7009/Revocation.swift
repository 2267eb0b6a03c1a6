import OAuthCore

/// RFC 7009: token revocation, and the authenticated token POST it shares with introspection.
extension OAuth2Session {
    /// Revokes `token` (default: the session's refresh token, else its access token).
    /// RFC 7009 §2.2: any 200 is success, also for a token the server did not know.
    ///
    /// - Parameters:
    ///   - endpoint: the revocation endpoint.
    ///   - given: the token to revoke; `nil` picks the session's as above.
    ///   - tokenTypeHint: the `token_type_hint` (`access_token` or `refresh_token`), if any.
    /// - Returns: the provider's 200 response.
    /// - Throws: `OAuthError`: `missing_token` when there is no token to revoke; the provider's error
    ///   for any status but 200 (`malformed_response` without an error object); or a failure of the
    ///   client authentication, a compliance hook or the transport.
    @discardableResult
    public func revokeToken(
        _ endpoint: String,
        token given: String? = nil,
        tokenTypeHint: String? = nil
    ) async throws(OAuthError) -> TransportResponse {
        let current = token
        return try await tokenQuery(
            endpoint,
            token: given ?? current?.refreshToken ?? current?.accessToken,
            hint: tokenTypeHint,
            step: "revoke",
            hooks: hooks.revokeTokenRequest
        )
    }

    /// POSTs `token` (and its hint) with client authentication, as revocation and introspection
    /// do; anything but 200 is the provider's error.
    func tokenQuery(
        _ endpoint: String,
        token: String?,
        hint: String?,
        step: String,
        hooks: [ComplianceHook.RequestHook]
    ) async throws(OAuthError) -> TransportResponse {
        guard let token else { throw .client(.missingToken, "the session has no token for \(step)", step: step) }
        var form = FormParameters([("token", token)])
        form.append("token_type_hint", hint)
        let request = try await authenticatedForm(endpoint, form: form, step: step, hooks: hooks, auth: revocationClientAuth)
        let response = try await sendProved(request, step: step)
        guard response.status == 200 else { throw providerError(response, step: step) }
        return response
    }
}
