import Foundation
import OAuth2
import OAuthCore

/// OpenID Connect Discovery 1.0 §4: the provider configuration, with the members the client uses.
public struct OpenIDProviderMetadata: Sendable {
    public var base: AuthorizationServerMetadata
    public var issuer: String { base.issuer }
    public var userinfoEndpoint: String? { base.document["userinfo_endpoint"]?.stringValue }
    public var endSessionEndpoint: String? { base.document["end_session_endpoint"]?.stringValue }
    public var jwksURI: String? { base.jwksURI }
    public var idTokenSigningAlgValuesSupported: [String] {
        if case .array(let items)? = base.document["id_token_signing_alg_values_supported"] { return items.compactMap(\.stringValue) }
        return []
    }

    /// `issuer` + `/.well-known/openid-configuration` (Discovery §4.1).
    public static func discoveryURL(issuer: String) -> String {
        (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
    }
}

/// One authorization request of an OIDC login: what to send the user to and what to keep.
public struct OIDCAuthorizationRequest: Sendable, Equatable {
    public var authorization: AuthorizationRequest
    public var nonce: String
    public var url: String { authorization.url }
}

/// The result of a login: the token, the validated ID token claims.
public struct OIDCLogin: Sendable {
    public var token: OAuth2Token
    public var idToken: IDTokenClaims
}

/// An OpenID Connect relying party on top of `OAuth2Session`: discovery from the issuer (or a
/// `server_metadata_url`), nonce-bound logins with validated ID tokens, UserInfo checked against
/// the ID token's `sub`, and RP-initiated logout.
public final class OpenIDConnectClient: Sendable {
    public let session: OAuth2Session
    public let metadata: OpenIDProviderMetadata
    public let validator: IDTokenValidator
    public let jwks: JWKSCache
    public let logout: RPInitiatedLogout?
    let userInfoFix: UserInfoComplianceFix?

    /// Fetches the configuration (through `cache`) and prepares the validator.
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
    public func createAuthorizationURL(nonce: String? = nil, extraParameters: [(String, String)] = []) throws(OAuthError) -> OIDCAuthorizationRequest
    {
        guard let endpoint = metadata.base.authorizationEndpoint else {
            throw .malformed(step: "discovery", httpStatus: nil, "the provider configuration has no authorization_endpoint")
        }
        let nonce = nonce ?? SecureRandom.token(bytes: 24)
        var parameters = [("nonce", nonce)] + extraParameters
        if !session.scope.contains("openid") {
            parameters.append(("scope", (["openid"] + session.scope).joined(separator: " ")))
        }
        return OIDCAuthorizationRequest(authorization: try session.createAuthorizationURL(endpoint, extraParameters: parameters), nonce: nonce)
    }

    /// Reads the redirect, exchanges the code and validates the ID token against the nonce,
    /// the access token (`at_hash`) and the code (`c_hash`).
    public func fetchToken(authorizationResponse redirect: String, request: OIDCAuthorizationRequest) async throws(OAuthError) -> OIDCLogin {
        let code = try parseAuthorizationResponse(
            redirect,
            expectedState: request.authorization.state,
            issuer: AuthorizationResponseIssuer(metadata: metadata.base)
        )
        return try await exchange(code: code, request: request)
    }

    /// Exchanges a code already read from the redirect.
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
