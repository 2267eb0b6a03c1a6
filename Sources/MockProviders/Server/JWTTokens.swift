import Foundation
import OAuthCore

/// JWTs a mock signs outside an ID token's code exchange: RFC 9068 access tokens (from the
/// token endpoint when `access_tokens.format` is `jwt`, or minted by a test) and ID tokens
/// minted by a test. Both are signed by keys the mock publishes in its JWKS.
extension MockProvider {
    /// RFC 9068 §2.2: `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti` and `scope` (when
    /// there is one). `aud` is a string when there is one audience.
    func accessTokenClaims(
        issuer: String,
        subject: String,
        clientID: String,
        audience: [String],
        scope: [String],
        issuedAt: Date,
        lifetime: TimeInterval
    ) -> [String: JSONValue] {
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "sub": .string(subject), "client_id": .string(clientID),
            "aud": audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string)),
            "iat": .number(JSONNumber(issuedAt.timeIntervalSince1970.rounded())),
            "exp": .number(JSONNumber(issuedAt.addingTimeInterval(lifetime).timeIntervalSince1970.rounded())),
            "jti": .string(SecureRandom.token(bytes: 16)),
        ]
        if !scope.isEmpty { claims["scope"] = .string(scope.joined(separator: " ")) }
        return claims
    }

    /// Signs an RFC 9068 access token for `subject` (`typ: at+jwt`) and remembers it, so the
    /// mock's resource endpoint accepts it and introspection reports it active until it expires.
    /// `claims` are added last and replace a standard claim of the same name.
    ///
    /// - Parameters:
    ///   - issuer: the `iss`: the provider's issuer as the client reaches it.
    ///   - subject: the `sub`.
    ///   - audience: the `aud`; `nil` for the profile's `access_tokens.audience`, else the issuer.
    ///   - clientID: the `client_id`; `nil` for the profile's first client.
    ///   - scope: the `scope`; `nil` for the profile's default scope.
    ///   - extra: further claims.
    ///   - lifetime: seconds until `exp`; `nil` for the profile's access-token lifetime.
    /// - Returns: the signed JWT.
    /// - Throws: ``MockServerError`` when the profile has no active signing key for access tokens;
    ///   jwt-kit's error when signing fails.
    public func issueToken(
        issuer: String,
        subject: String,
        audience: [String]? = nil,
        clientID: String? = nil,
        scope: [String]? = nil,
        claims extra: [String: JSONValue] = [:],
        lifetime: TimeInterval? = nil
    ) async throws -> String {
        let now = clock.now()
        let lifetime = lifetime ?? profile.accessTokenLifetime
        let clientID = clientID ?? profile.clients.first?.clientID ?? "mock-client"
        let scope = scope ?? profile.defaultScope
        let audience = audience ?? [profile.accessTokens.audience ?? issuer]
        var claims = accessTokenClaims(
            issuer: issuer,
            subject: subject,
            clientID: clientID,
            audience: audience,
            scope: scope,
            issuedAt: now,
            lifetime: lifetime
        )
        claims.merge(extra) { _, new in new }
        guard let key = accessTokenSigningKey() else { throw MockServerError(message: "\(profile.name) has no active signing key") }
        let token = try await key.sign(claims, withKid: true, type: "at+jwt")
        store.withStorage { storage in
            storage.accessTokens[token] = .init(
                clientID: clientID,
                sub: subject,
                scope: scope,
                issuedAt: now,
                expiresAt: now.addingTimeInterval(lifetime),
                revoked: false,
                related: [],
                audience: audience
            )
        }
        return token
    }

    /// Signs an ID token (OpenID Connect Core §2) for `subject` with the key that signs the
    /// mock's own ID tokens: `iss`, `sub`, `aud` (the first client unless given), `iat`, `exp`,
    /// `auth_time`, `nonce` when given, the user's `name`, `email` and `email_verified` when the
    /// profile knows the subject, then `claims`.
    ///
    /// - Parameters:
    ///   - issuer: the `iss`: the provider's issuer as the client reaches it.
    ///   - subject: the `sub`.
    ///   - audience: the `aud`; `nil` for the profile's first client.
    ///   - nonce: the `nonce`, if any.
    ///   - extra: further claims.
    ///   - lifetime: seconds until `exp`; `nil` for the profile's ID-token lifetime (default one hour).
    /// - Returns: the signed JWT.
    /// - Throws: ``MockServerError`` when the profile has no active signing key; jwt-kit's error
    ///   when signing fails.
    public func issueIDToken(
        issuer: String,
        subject: String,
        audience: String? = nil,
        nonce: String? = nil,
        claims extra: [String: JSONValue] = [:],
        lifetime: TimeInterval? = nil
    ) async throws -> String {
        var claims = idTokenClaims(
            issuer: issuer,
            audience: audience ?? profile.clients.first?.clientID ?? "mock-client",
            sub: subject,
            nonce: nonce,
            now: clock.now(),
            lifetime: lifetime ?? profile.oidc?.idTokenLifetime ?? 3600
        )
        claims.merge(extra) { _, new in new }
        guard let key = activeSigningKey(oidcState.withKeys { $0 }) else {
            throw MockServerError(message: "\(profile.name) has no active signing key")
        }
        return try await key.sign(claims, withKid: true, type: "JWT")
    }
}
