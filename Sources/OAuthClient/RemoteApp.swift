import Foundation
import OAuth1
import OAuth2
import OAuthCore
import OpenIDConnect
import Synchronization

/// What `authorizeAccessToken` returns: the token and, for OpenID Connect, the validated ID
/// token and its claims as user info.
public struct AuthorizedToken: Sendable {
    /// The token to keep for the user.
    public var token: StoredToken
    /// The validated ID token's claims (OpenID Connect only).
    public var idToken: IDTokenClaims?
    /// The ID token's claims as user info, when there is an ID token.
    public var userInfo: UserInfo? { idToken.map { UserInfo(claims: $0.claims) } }
}

/// A token refresh the registry announces (the reference Django integration's `token_update` signal).
public struct TokenUpdate: Sendable {
    /// The name of the app whose token was refreshed.
    public var app: String
    /// The user the token belongs to.
    public var user: String
    /// The new token.
    public var token: OAuth2Token
    /// The refresh token the new token replaces, if there was one.
    public var previousRefreshToken: String?
}

/// One registered provider: OAuth 1 when it has a request token URL, else OAuth 2 (OpenID
/// Connect when it has a server metadata URL). Flow data goes through the registry's
/// framework integration, keyed by state (OAuth 2) or temporary token (OAuth 1), for `flowLifetime`.
public final class RemoteApp: Sendable {
    /// The name the app was registered as.
    public let name: String
    /// The app's values, completed from the registry's settings.
    public let configuration: RemoteAppConfiguration
    let registry: OAuthRegistryContext
    private let discovered = Mutex<OpenIDConnectClient?>(nil)
    /// The provider's keys, shared by every login of this app.
    let keys = Mutex<JWKSCache?>(nil)
    /// The back-channel logout tokens' validator (it remembers their `jti`s), made on first use.
    let logoutTokens = Mutex<LogoutTokenValidator?>(nil)
    /// How long a started login may take.
    public let flowLifetime: TimeInterval = 600

    init(name: String, configuration: RemoteAppConfiguration, registry: OAuthRegistryContext) {
        self.name = name
        self.configuration = configuration
        self.registry = registry
    }

    /// Whether the app uses OAuth 1 (it has a request token URL).
    public var isOAuth1: Bool { configuration.isOAuth1 }

    // MARK: Sessions

    func clientAuthentication() async throws(OAuthError) -> any ClientAuthentication {
        try await configuration.tokenEndpointAuthMethod.authentication(privateKeyPEM: configuration.privateKeyPEM, clock: registry.clock)
    }

    func oauth2Session(redirectURI: String? = nil, token: OAuth2Token? = nil, user: String? = nil) async throws(OAuthError) -> OAuth2Session {
        let name = self.name
        var update: TokenUpdateHandler?
        if let user {
            let registry = self.registry
            let handler = configuration.updateToken ?? registry.updateToken
            update = { token, previous in
                await handler?(name, user, token, previous)
                registry.announce(TokenUpdate(app: name, user: user, token: token, previousRefreshToken: previous))
            }
        }
        let session = OAuth2Session(
            clientID: configuration.clientID ?? "",
            clientSecret: configuration.clientSecret,
            clientAuth: try await clientAuthentication(),
            redirectURI: redirectURI,
            scope: configuration.scope,
            codeChallengeMethod: configuration.codeChallengeMethod,
            token: token,
            tokenPlacement: configuration.tokenPlacement,
            tokenEndpoint: try await tokenURL(),
            updateToken: update,
            transport: registry.transport,
            clock: registry.clock
        )
        for fix in configuration.complianceFixes { session.apply(fix) }
        return session
    }

    func oauth1Session(token: String? = nil, secret: String? = nil, callback: String? = nil) throws(OAuthError) -> OAuth1Session {
        OAuth1Session(
            clientID: configuration.clientID ?? "",
            clientSecret: configuration.clientSecret ?? "",
            token: token,
            tokenSecret: secret,
            callbackURI: callback,
            rsaKey: try configuration.rsaKeyPEM.map { pem throws(OAuthError) in try RSASigningKey(pem: pem) },
            signatureMethod: configuration.signatureMethod,
            signatureType: configuration.signatureType,
            transport: registry.transport,
            clock: registry.clock
        )
    }

    /// The OpenID client, discovered once from `serverMetadataURL`.
    func openID(_ session: OAuth2Session) async throws(OAuthError) -> OpenIDConnectClient? {
        guard let metadataURL = configuration.serverMetadataURL else { return nil }
        if let client = discovered.withLock({ $0 }), client.session === session { return client }
        // The issuer is the one the metadata URL stands for, not whatever the document says.
        let expected = AuthorizationServerMetadata.expectedIssuer(forMetadataURL: metadataURL)
        let metadata = try await registry.metadata.metadata(url: metadataURL, expectedIssuer: expected)
        let options = configuration.idTokenOptions
        let client = try await OpenIDConnectClient.discover(
            issuer: metadata.issuer,
            serverMetadataURL: metadataURL,
            session: session,
            cache: registry.metadata,
            configure: { options?(&$0) },
            userInfoFix: configuration.userInfoComplianceFix,
            jwks: keys.withLock { $0 }
        )
        discovered.withLock { $0 = client }
        keys.withLock { $0 = client.jwks }
        return client
    }

    /// RFC 9207: with server metadata, the `iss` every authorization response must carry.
    func responseIssuer() async throws(OAuthError) -> AuthorizationResponseIssuer? {
        guard let metadataURL = configuration.serverMetadataURL else { return nil }
        let expected = AuthorizationServerMetadata.expectedIssuer(forMetadataURL: metadataURL)
        return AuthorizationResponseIssuer(metadata: try await registry.metadata.metadata(url: metadataURL, expectedIssuer: expected))
    }

    func tokenURL() async throws(OAuthError) -> String? {
        if let url = configuration.accessTokenURL { return url }
        guard let metadataURL = configuration.serverMetadataURL else { return nil }
        return try await registry.metadata.metadata(url: metadataURL, expectedIssuer: nil).tokenEndpoint
    }

    func authorizeURL() async throws(OAuthError) -> String {
        if let url = configuration.authorizeURL { return url }
        if let metadataURL = configuration.serverMetadataURL,
            let url = try await registry.metadata.metadata(url: metadataURL, expectedIssuer: nil).authorizationEndpoint
        {
            return url
        }
        throw .client(OAuthErrorCode.invalidConfiguration, "\(name) has no authorize URL", step: "authorize")
    }

    // MARK: Login

    /// The URL to send the user to. Stores the flow's data for `session` (the user's session id).
    ///
    /// OAuth 1 fetches temporary credentials first; OAuth 2 sends a state, PKCE when configured
    /// and, with server metadata, an OpenID Connect nonce.
    ///
    /// - Parameters:
    ///   - redirectURI: where the provider sends the user back (the callback URL).
    ///   - session: the browser session's id, which the callback must present again.
    ///   - extraParameters: further authorization request parameters, after the configured ones.
    /// - Returns: the provider's authorization URL.
    /// - Throws: `OAuthError` when the configuration is incomplete, discovery fails or the OAuth 1
    ///   temporary credentials request fails; the framework integration's errors.
    public func authorizeRedirect(redirectURI: String, session: String, extraParameters: [(String, String)] = []) async throws -> String {
        let expiresAt = registry.clock.now().addingTimeInterval(flowLifetime)
        if isOAuth1 {
            let oauth1 = try oauth1Session(callback: redirectURI)
            let temporary = try await oauth1.fetchRequestToken(configuration.requestTokenURL!, extraParameters: configuration.requestTokenParams)
            try await registry.integration.store(
                FlowData(redirectURI: redirectURI, requestToken: temporary.token, requestTokenSecret: temporary.tokenSecret, expiresAt: expiresAt),
                key: "\(name):\(temporary.token)",
                session: session
            )
            return try oauth1.createAuthorizationURL(try await authorizeURL(), extraParameters: configuration.authorizeParams + extraParameters)
        }
        let oauth2 = try await oauth2Session(redirectURI: redirectURI)
        let parameters = configuration.authorizeParams + extraParameters
        let request: AuthorizationRequest
        var nonce: String?
        if let openID = try await openID(oauth2) {
            let oidc = try openID.createAuthorizationURL(extraParameters: parameters)
            (request, nonce) = (oidc.authorization, oidc.nonce)
        } else {
            request = try oauth2.createAuthorizationURL(try await authorizeURL(), extraParameters: parameters)
        }
        try await registry.integration.store(
            FlowData(redirectURI: redirectURI, codeVerifier: request.codeVerifier, nonce: nonce, expiresAt: expiresAt),
            key: "\(name):\(request.state)",
            session: session
        )
        return request.url
    }

    /// Completes the login from the callback URL: the state (or temporary token) must be one this
    /// app stored for `session` and not expired; the code is exchanged, and an ID token validated.
    ///
    /// - Parameters:
    ///   - callbackURL: the full URL the provider redirected to, query included.
    ///   - session: the browser session's id.
    /// - Returns: the token and, for OpenID Connect, the ID token's claims.
    /// - Throws: `OAuthError`: `mismatching_state` when the state is unknown, used or expired; the
    ///   provider's error from the callback or the token endpoint; ID token validation errors; the
    ///   framework integration's errors.
    public func authorizeAccessToken(callbackURL: String, session: String) async throws -> AuthorizedToken {
        let parameters = Self.query(callbackURL)
        let now = registry.clock.now()
        if isOAuth1 {
            guard let token = parameters["oauth_token"] ?? parameters["denied"],
                let flow = try await registry.integration.take(key: "\(name):\(token)", session: session), flow.expiresAt > now
            else {
                throw OAuthError.client(
                    OAuthErrorCode.mismatchingState,
                    "no pending OAuth 1 login for this oauth_token in this session",
                    step: "authorize"
                )
            }
            let oauth1 = try oauth1Session(token: flow.requestToken, secret: flow.requestTokenSecret, callback: flow.redirectURI)
            try oauth1.parseAuthorizationResponse(callbackURL)
            let credentials = try await oauth1.fetchAccessToken(configuration.accessTokenURL ?? "", extraParameters: configuration.accessTokenParams)
            return AuthorizedToken(token: .oauth1(token: credentials.token, secret: credentials.tokenSecret), idToken: nil)
        }
        guard let state = parameters["state"] else {
            throw OAuthError.client(OAuthErrorCode.mismatchingState, "the callback carries no state", step: "authorize")
        }
        guard let flow = try await registry.integration.take(key: "\(name):\(state)", session: session) else {
            throw OAuthError.client(
                OAuthErrorCode.mismatchingState,
                "the state was not issued for this session (or was already used)",
                step: "authorize"
            )
        }
        guard flow.expiresAt > now else {
            throw OAuthError.client(OAuthErrorCode.mismatchingState, "the login took too long: its state expired", step: "authorize")
        }
        let oauth2 = try await oauth2Session(redirectURI: flow.redirectURI)
        let code = try parseAuthorizationResponse(callbackURL, expectedState: state, issuer: try await responseIssuer())
        guard let tokenURL = try await tokenURL() else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(name) has no access token URL", step: "fetch_token")
        }
        let token = try await oauth2.fetchToken(
            tokenURL,
            code: code,
            codeVerifier: flow.codeVerifier,
            redirectURI: flow.redirectURI,
            extraParameters: configuration.accessTokenParams
        )
        var claims: IDTokenClaims?
        if let idToken = token.idToken, let openID = try await openID(oauth2) {
            claims = try await openID.validator.validate(idToken, nonce: flow.nonce, accessToken: token.accessToken, code: code)
        }
        return AuthorizedToken(token: .oauth2(token), idToken: claims)
    }

    /// Validates an ID token (e.g. one stored earlier) against this app's provider.
    ///
    /// - Parameters:
    ///   - idToken: the ID token (a JWT).
    ///   - nonce: the nonce it must carry, if any.
    /// - Returns: the validated claims.
    /// - Throws: `OAuthError`: `invalid_configuration` without a server metadata URL, discovery
    ///   errors, `invalid_id_token` when the token fails validation.
    public func parseIDToken(_ idToken: String, nonce: String?) async throws -> IDTokenClaims {
        let session = try await oauth2Session()
        guard let openID = try await openID(session) else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(name) has no server metadata URL", step: "id_token")
        }
        return try await openID.validator.validate(idToken, nonce: nonce)
    }

    // MARK: APIs

    /// A request relative to `apiBaseURL` with `user`'s token (from `token` or the fetch-token
    /// closure); OAuth 2 tokens are refreshed first when needed and the update is announced.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: a path relative to `apiBaseURL`, or an absolute `http(s)` URL.
    ///   - user: the user whose token is used (and to whom a refresh is announced).
    ///   - given: the token to use, instead of the fetch-token closure's.
    ///   - headers: the header fields.
    ///   - body: the body.
    /// - Returns: the response, whatever its status.
    /// - Throws: `OAuthError`: `missing_token` when there is no token for the user, renewal and
    ///   signing errors, transport errors.
    public func request(
        _ method: String,
        _ path: String,
        user: String,
        token given: StoredToken? = nil,
        headers: HeaderList = [:],
        body: [UInt8] = []
    ) async throws -> TransportResponse {
        let url = Self.resolve(path, base: configuration.apiBaseURL)
        guard let token = try await currentToken(given, user: user) else {
            throw OAuthError.client(.missingToken, "no token for \(user) at \(name)", step: "request")
        }
        switch token {
        case .oauth1(let value, let secret):
            return try await oauth1Session(token: value, secret: secret).request(method, url, headers: headers, body: body)
        case .oauth2(let value):
            return try await oauth2Session(token: value, user: user).request(method, url, headers: headers, body: body)
        }
    }

    /// A GET relative to `apiBaseURL` with `user`'s token, as
    /// ``request(_:_:user:token:headers:body:)`` sends it.
    ///
    /// - Parameters:
    ///   - path: a path relative to `apiBaseURL`, or an absolute `http(s)` URL.
    ///   - user: the user whose token is used.
    ///   - token: the token to use, instead of the fetch-token closure's.
    /// - Returns: the response, whatever its status.
    /// - Throws: the errors of ``request(_:_:user:token:headers:body:)``.
    public func get(_ path: String, user: String, token: StoredToken? = nil) async throws -> TransportResponse {
        try await request("GET", path, user: user, token: token)
    }

    /// OpenID Connect UserInfo for `user`'s token, checked against `subject`.
    ///
    /// - Parameters:
    ///   - user: the user whose token is used.
    ///   - given: the token to use, instead of the fetch-token closure's.
    ///   - subject: the ID token's `sub`, which the answer must repeat.
    /// - Returns: the user's claims.
    /// - Throws: `OAuthError`: `missing_token` without an OAuth 2 token, `invalid_configuration`
    ///   without a server metadata URL, `invalid_userinfo` for another subject, the provider's
    ///   and transport errors.
    public func userinfo(user: String, token given: StoredToken? = nil, subject: String) async throws -> UserInfo {
        guard let token = try await currentToken(given, user: user)?.oauth2 else {
            throw OAuthError.client(.missingToken, "no OAuth 2 token for \(user) at \(name)", step: "userinfo")
        }
        let session = try await oauth2Session(token: token, user: user)
        guard let openID = try await openID(session) else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(name) has no server metadata URL", step: "userinfo")
        }
        return try await openID.userInfo(expectedSubject: subject)
    }

    /// The given token, else the one the fetch-token closure has for `user`.
    func currentToken(_ given: StoredToken?, user: String) async throws -> StoredToken? {
        if let given { return given }
        guard let fetch = configuration.fetchToken ?? registry.fetchToken else { return nil }
        return await fetch(name, user)
    }

    // MARK: Logout

    /// RP-initiated logout URL; its state is remembered by this app and, with `session`, bound
    /// to that browser session (like a login's state), so another browser cannot complete it.
    ///
    /// - Parameters:
    ///   - postLogoutRedirectURI: where the provider sends the user afterwards.
    ///   - idTokenHint: the user's ID token, as `id_token_hint`.
    ///   - state: the `state` to send; a random one when `nil`.
    ///   - logoutHint: `logout_hint`.
    ///   - uiLocales: `ui_locales`.
    ///   - session: the browser session's id, to bind the state to.
    /// - Returns: the provider's logout URL.
    /// - Throws: `OAuthError` with `invalid_configuration` when the provider has no
    ///   `end_session_endpoint`; discovery errors; the framework integration's errors.
    public func logoutRedirect(
        postLogoutRedirectURI: String? = nil,
        idTokenHint: String? = nil,
        state: String? = nil,
        logoutHint: String? = nil,
        uiLocales: String? = nil,
        session: String? = nil
    ) async throws -> String {
        let redirect = try await logout().logoutRedirect(
            postLogoutRedirectURI: postLogoutRedirectURI,
            idTokenHint: idTokenHint,
            state: state,
            clientID: configuration.clientID,
            logoutHint: logoutHint,
            uiLocales: uiLocales
        )
        if let session {
            try await registry.integration.store(
                FlowData(redirectURI: postLogoutRedirectURI, expiresAt: registry.clock.now().addingTimeInterval(600)),
                key: "\(name):logout:\(redirect.state)",
                session: session
            )
        }
        return redirect.url
    }

    /// Checks the state of the redirect back from the provider's logout (and, with `session`,
    /// that this browser session started it).
    ///
    /// - Parameters:
    ///   - url: the URL the provider redirected back to.
    ///   - session: the browser session's id, when the logout was bound to one.
    /// - Returns: the logout that completed.
    /// - Throws: `OAuthError`: `mismatching_state` when the state was not issued (for this
    ///   session) or was used already; `invalid_configuration` without an `end_session_endpoint`.
    public func validateLogoutResponse(_ url: String, session: String? = nil) async throws -> LogoutState {
        if let session {
            guard let state = Self.query(url)["state"], try await registry.integration.take(key: "\(name):logout:\(state)", session: session) != nil
            else {
                throw OAuthError.client(OAuthErrorCode.mismatchingState, "the logout state was not issued for this browser session", step: "logout")
            }
        }
        return try await logout().validateLogoutResponse(url)
    }

    func logout() async throws -> RPInitiatedLogout {
        let session = try await oauth2Session()
        guard let openID = try await openID(session), let logout = registry.logout(for: name, endpoint: openID.metadata.endSessionEndpoint) else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(name) has no end_session_endpoint", step: "logout")
        }
        return logout
    }

    // MARK: Helpers

    static func query(_ url: String) -> FormParameters {
        (try? URLReference(url).queryItems()) ?? FormParameters()
    }

    static func resolve(_ path: String, base: String?) -> String {
        guard let base, !path.hasPrefix("http://"), !path.hasPrefix("https://") else { return path }
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/" + (path.hasPrefix("/") ? String(path.dropFirst()) : path)
    }
}
