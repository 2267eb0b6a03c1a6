import Foundation
import OAuth2
import OAuthCore

/// OpenID Connect Discovery 1.0 §4: the provider configuration, with the members the client uses.
public struct OpenIDProviderMetadata: Sendable {
    /// The document as RFC 8414 metadata, every member kept in its `document`.
    public var base: AuthorizationServerMetadata
    /// `issuer`: the provider's identifier, which ID tokens' `iss` must equal.
    public var issuer: String { base.issuer }
    /// `userinfo_endpoint` (OpenID Connect Core §5.3).
    public var userinfoEndpoint: String? { base.document["userinfo_endpoint"]?.stringValue }
    /// `end_session_endpoint` (RP-Initiated Logout 1.0 §2.1).
    public var endSessionEndpoint: String? { base.document["end_session_endpoint"]?.stringValue }
    /// `jwks_uri`: the provider's signing keys.
    public var jwksURI: String? { base.jwksURI }
    /// `id_token_signing_alg_values_supported`; empty when absent.
    public var idTokenSigningAlgValuesSupported: [String] {
        if case .array(let items)? = base.document["id_token_signing_alg_values_supported"] { return items.compactMap(\.stringValue) }
        return []
    }

    /// `issuer` + `/.well-known/openid-configuration` (Discovery §4.1).
    ///
    /// - Parameter issuer: the issuer; a trailing `/` is dropped first.
    public static func discoveryURL(issuer: String) -> String {
        (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
    }
}

/// One authorization request of an OIDC login: what to send the user to and what to keep.
public struct OIDCAuthorizationRequest: Sendable, Equatable {
    /// The OAuth 2 authorization request: URL, `state`, PKCE verifier and `redirect_uri`.
    public var authorization: AuthorizationRequest
    /// The `nonce` sent, which the ID token must carry.
    public var nonce: String
    /// The authorization URL to send the user to.
    public var url: String { authorization.url }
}

/// The result of a login: the token, the validated ID token claims.
public struct OIDCLogin: Sendable {
    /// The token response, ID token included.
    public var token: OAuth2Token
    /// The ID token's validated claims.
    public var idToken: IDTokenClaims
}

/// An OpenID Connect relying party on top of `OAuth2Session`: discovery from the issuer (or a
/// `server_metadata_url`), nonce-bound logins with validated ID tokens, UserInfo checked against
/// the ID token's `sub`, and RP-initiated logout.
public final class OpenIDConnectClient: Sendable {
    /// The OAuth 2 session that runs the requests and holds the token.
    public let session: OAuth2Session
    /// The provider's configuration, from discovery.
    public let metadata: OpenIDProviderMetadata
    /// The validator of the ID tokens, with the options as `configure` left them.
    public let validator: IDTokenValidator
    /// The provider's signing keys.
    public let jwks: JWKSCache
    /// RP-initiated logout, when the provider has an `end_session_endpoint`.
    public let logout: RPInitiatedLogout?
    let userInfoFix: UserInfoComplianceFix?

    /// Fetches the configuration (through `cache`) and prepares the validator.
    ///
    /// - Parameters:
    ///   - issuer: the provider's issuer; the configuration's `issuer` must equal it.
    ///   - serverMetadataURL: where the configuration is; `nil` means
    ///     ``OpenIDProviderMetadata/discoveryURL(issuer:)``.
    ///   - session: the OAuth 2 session of the client.
    ///   - cache: the metadata cache to fetch through.
    ///   - configure: adjusts the ID token validation options.
    ///   - userInfoFix: adapts a non-standard UserInfo answer before it is checked.
    ///   - shared: a JWKS cache to use when it is for the provider's `jwks_uri` (its keys and refetch
    ///     limit then outlive this client); otherwise a new one is made.
    /// - Throws: `OAuthError`: what `MetadataCache.metadata(url:expectedIssuer:)` throws, or
    ///   `malformed_response` when the configuration has no `jwks_uri`.
    public static func discover(
        issuer: String,
        serverMetadataURL: String? = nil,
        session: OAuth2Session,
        cache: MetadataCache,
        configure: (inout IDTokenValidationOptions) -> Void = { _ in },
        userInfoFix: UserInfoComplianceFix? = nil,
        jwks shared: JWKSCache? = nil
    ) async throws(OAuthError) -> OpenIDConnectClient {
        let url = serverMetadataURL ?? OpenIDProviderMetadata.discoveryURL(issuer: issuer)
        let metadata = OpenIDProviderMetadata(base: try await cache.metadata(url: url, expectedIssuer: issuer))
        guard let jwksURI = metadata.jwksURI else {
            throw .malformed(step: "discovery", httpStatus: nil, "the provider configuration has no jwks_uri")
        }
        // A cache shared across logins keeps its keys and its refetch limit; a new one per client otherwise.
        let jwks = shared.flatMap { $0.url == jwksURI ? $0 : nil } ?? JWKSCache(url: jwksURI, transport: session.transport, clock: session.clock)
        var options = IDTokenValidationOptions(issuer: metadata.issuer, clientID: session.clientID, clientSecret: session.clientSecretForValidation)
        configure(&options)
        return OpenIDConnectClient(
            session: session,
            metadata: metadata,
            validator: IDTokenValidator(options: options, jwks: jwks, clock: session.clock),
            jwks: jwks,
            logout: metadata.endSessionEndpoint.map { RPInitiatedLogout(endSessionEndpoint: $0, clock: session.clock) },
            userInfoFix: userInfoFix
        )
    }

    init(
        session: OAuth2Session,
        metadata: OpenIDProviderMetadata,
        validator: IDTokenValidator,
        jwks: JWKSCache,
        logout: RPInitiatedLogout?,
        userInfoFix: UserInfoComplianceFix?
    ) {
        self.session = session
        self.metadata = metadata
        self.validator = validator
        self.jwks = jwks
        self.logout = logout
        self.userInfoFix = userInfoFix
    }

    /// The authorization URL with `scope` including `openid` and a fresh `nonce`.
    ///
    /// - Parameters:
    ///   - nonce: the `nonce`; `nil` generates one from 24 CSPRNG bytes.
    ///   - extraParameters: further parameters, e.g. `prompt` or `max_age`.
    /// - Throws: `OAuthError`: `malformed_response` when the configuration has no
    ///   `authorization_endpoint`, else what `OAuth2Session.createAuthorizationURL` throws.
    public func createAuthorizationURL(nonce: String? = nil, extraParameters: [(String, String)] = []) throws(OAuthError) -> OIDCAuthorizationRequest
    {
        guard let endpoint = metadata.base.authorizationEndpoint else {
            throw .malformed(step: "discovery", httpStatus: nil, "the provider configuration has no authorization_endpoint")
        }
        let (nonce, parameters) = openIDParameters(nonce: nonce, extraParameters)
        return OIDCAuthorizationRequest(authorization: try session.createAuthorizationURL(endpoint, extraParameters: parameters), nonce: nonce)
    }

    func openIDParameters(nonce: String?, _ extraParameters: [(String, String)]) -> (String, [(String, String)]) {
        let nonce = nonce ?? SecureRandom.token(bytes: 24)
        var parameters = [("nonce", nonce)] + extraParameters
        if !session.scope.contains("openid") {
            parameters.append(("scope", (["openid"] + session.scope).joined(separator: " ")))
        }
        // Core §11: a request for offline_access carries prompt=consent (providers ignore or refuse it otherwise).
        if session.scope.contains("offline_access"), !extraParameters.contains(where: { $0.0 == "prompt" }) {
            parameters.append(("prompt", "consent"))
        }
        return (nonce, parameters)
    }

    /// Pushes the authorization request (RFC 9126) to the configuration's
    /// `pushed_authorization_request_endpoint`, with `scope` including `openid` and a fresh `nonce`,
    /// and returns the authorization URL that references it.
    ///
    /// - Parameters:
    ///   - nonce: the `nonce`; `nil` generates one from 24 CSPRNG bytes.
    ///   - extraParameters: further parameters.
    ///   - repeatedParameters: pushed parameters the URL repeats beside `request_uri` (OpenID
    ///     Connect Core §6.2 style, e.g. `response_type` and `scope`).
    /// - Throws: `OAuthError`: `malformed_response` when the configuration has no
    ///   `authorization_endpoint` or `pushed_authorization_request_endpoint`, else what
    ///   `OAuth2Session.pushAuthorizationRequest` throws.
    public func pushAuthorizationRequest(
        nonce: String? = nil,
        extraParameters: [(String, String)] = [],
        repeatedParameters: [String] = []
    ) async throws(OAuthError) -> OIDCAuthorizationRequest {
        guard let endpoint = metadata.base.authorizationEndpoint else {
            throw .malformed(step: "discovery", httpStatus: nil, "the provider configuration has no authorization_endpoint")
        }
        guard let par = metadata.base.pushedAuthorizationRequestEndpoint else {
            throw .malformed(step: "discovery", httpStatus: nil, "the provider configuration has no pushed_authorization_request_endpoint")
        }
        let (nonce, parameters) = openIDParameters(nonce: nonce, extraParameters)
        let authorization = try await session.pushAuthorizationRequest(
            par,
            authorizationEndpoint: endpoint,
            extraParameters: parameters,
            repeatedParameters: repeatedParameters
        )
        return OIDCAuthorizationRequest(authorization: authorization, nonce: nonce)
    }

    /// Reads the redirect, exchanges the code and validates the ID token against the nonce,
    /// the access token (`at_hash`) and the code (`c_hash`).
    ///
    /// The redirect's `iss` is checked against the provider (RFC 9207), required when its
    /// configuration says it sends one.
    ///
    /// - Parameters:
    ///   - redirect: the URL the provider redirected the user to.
    ///   - request: the authorization request it answers.
    /// - Throws: `OAuthError`: what `parseAuthorizationResponse(_:expectedState:issuer:)` throws,
    ///   then what ``exchange(code:request:codeVerifier:)`` throws.
    public func fetchToken(authorizationResponse redirect: String, request: OIDCAuthorizationRequest) async throws(OAuthError) -> OIDCLogin {
        let code = try parseAuthorizationResponse(
            redirect,
            expectedState: request.authorization.state,
            issuer: AuthorizationResponseIssuer(metadata: metadata.base)
        )
        return try await exchange(code: code, request: request)
    }

    /// Exchanges a code already read from the redirect.
    ///
    /// - Parameters:
    ///   - code: the authorization code.
    ///   - request: the authorization request the code answers.
    ///   - codeVerifier: the PKCE verifier; `nil` uses the request's.
    /// - Throws: `OAuthError`: `malformed_response` when the configuration has no `token_endpoint`;
    ///   what the token request throws; `invalid_id_token` when the response has no `id_token` or
    ///   it fails ``IDTokenValidator/validate(_:nonce:accessToken:code:)``.
    public func exchange(code: String, request: OIDCAuthorizationRequest, codeVerifier: String? = nil) async throws(OAuthError) -> OIDCLogin {
        guard let endpoint = metadata.base.tokenEndpoint else {
            throw .malformed(step: "discovery", httpStatus: nil, "the provider configuration has no token_endpoint")
        }
        let token = try await session.fetchToken(
            endpoint,
            code: code,
            codeVerifier: codeVerifier ?? request.authorization.codeVerifier,
            redirectURI: request.authorization.redirectURI
        )
        guard let idToken = token.idToken else { throw .client(.invalidIDToken, "the token response has no id_token", step: "id_token") }
        let claims = try await validator.validate(idToken, nonce: request.nonce, accessToken: token.accessToken, code: code)
        return OIDCLogin(token: token, idToken: claims)
    }

    /// UserInfo (Core §5.3) with the session's token; `sub` must equal the ID token's (§5.3.4).
    ///
    /// - Parameter expectedSubject: the ID token's `sub`.
    /// - Throws: `OAuthError`: `malformed_response` when the configuration has no
    ///   `userinfo_endpoint` or the answer is not a JSON object; the provider's error for a status
    ///   other than 200; `invalid_userinfo` when `sub` is missing or different; what
    ///   `OAuth2Session.request(_:_:headers:body:step:)` throws.
    public func userInfo(expectedSubject: String) async throws(OAuthError) -> UserInfo {
        let step = "userinfo"
        guard let endpoint = metadata.userinfoEndpoint else {
            throw .malformed(step: "discovery", httpStatus: nil, "the provider configuration has no userinfo_endpoint")
        }
        let response = try await session.request("GET", endpoint, headers: ["Accept": "application/json"], step: step)
        guard response.status == 200 else { throw session.providerErrorForResponse(response, step: step) }
        guard case .object(var claims)? = try? JSONValue.parse(response.body) else {
            throw .malformed(step: step, httpStatus: response.status, "the UserInfo response is not a JSON object")
        }
        if let userInfoFix { claims = userInfoFix(claims) }
        guard let sub = claims["sub"]?.stringValue else { throw .client(.invalidUserInfo, "the UserInfo response has no sub", step: step) }
        guard sub == expectedSubject else {
            throw .client(.invalidUserInfo, "UserInfo sub does not match the ID token's sub (OpenID Connect Core §5.3.4)", step: step)
        }
        return UserInfo(claims: claims)
    }
}
