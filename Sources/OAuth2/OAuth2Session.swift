import Foundation
import OAuthCore
import Synchronization

/// Called with the new token after every refresh (automatic or not) and the refresh token it
/// replaced, so the application can store it.
public typealias TokenUpdateHandler = @Sendable (_ token: OAuth2Token, _ previousRefreshToken: String?) async -> Void

/// An OAuth 2.0 client session (RFC 6749, RFC 6750, RFC 7636, RFC 7009, RFC 7662, RFC 7523).
///
/// It builds authorization URLs (CSPRNG `state`, PKCE), reads the redirect back, runs every
/// grant at the token endpoint with the configured client authentication, keeps the token,
/// and signs resource requests with it (header, body or query). With a `tokenEndpoint`, a
/// token that expires within `leeway` seconds is renewed before a request — one renewal for
/// any number of concurrent requests — and `updateToken` is told. Compliance hooks adapt
/// non-conforming providers. All HTTP goes through `transport`.
public final class OAuth2Session: Sendable {
    /// The client's `client_id` (RFC 6749 §2.2).
    public let clientID: String
    let clientSecret: String?
    /// How the client authenticates at the token endpoint (RFC 6749 §2.3), and at the revocation
    /// and introspection endpoints unless ``revocationClientAuth`` is set.
    public let clientAuth: any ClientAuthentication
    /// Authentication for the revocation and introspection endpoints; `nil` uses `clientAuth`.
    public let revocationClientAuth: (any ClientAuthentication)?
    /// The `redirect_uri` sent with authorization requests and code exchanges (RFC 6749 §3.1.2);
    /// `nil` sends none.
    public let redirectURI: String?
    /// The scopes requested (RFC 6749 §3.3): sent space-separated with authorization requests and
    /// with the grants that take a scope.
    public let scope: [String]
    /// PKCE method for authorization requests; `nil` sends no challenge.
    public let codeChallengeMethod: PKCE.Method?
    /// Where ``request(_:_:headers:body:step:)`` puts the access token (RFC 6750 §2).
    public let tokenPlacement: TokenPlacement
    /// Where automatic renewal sends refresh (or client_credentials) requests; `nil` turns it off.
    public let tokenEndpoint: String?
    /// A token expiring within this many seconds is renewed before a request.
    public let leeway: TimeInterval
    let updateToken: TokenUpdateHandler?
    /// Renews a token that has no refresh token (e.g. a new JWT bearer assertion).
    let renewal: (@Sendable (OAuth2Session) async throws(OAuthError) -> OAuth2Token)?
    /// The transport every request of the session goes through.
    public let transport: any HTTPTransport
    /// The clock that judges token expiry and dates assertions.
    public let clock: any OAuthClock
    /// The DPoP key holder (RFC 9449); `nil` sends no proofs and presents tokens as Bearer.
    public let dpop: DPoP?
    /// Signs authorization requests as request objects (RFC 9101); `nil` sends plain parameters.
    public let requestObject: RequestObject?

    struct State: Sendable {
        var token: OAuth2Token?
        var lastGrantType: GrantType?
        var hooks = ComplianceHookSet()
    }
    private let state: Mutex<State>
    private let renewals = SingleFlight()

    /// Creates a session; nothing is sent until a method is called.
    ///
    /// - Parameters:
    ///   - clientID: the client's `client_id`.
    ///   - clientSecret: the client's secret, for the authentication methods that need one.
    ///   - clientAuth: how the client authenticates at the token endpoint.
    ///   - redirectURI: the `redirect_uri` of authorization requests and code exchanges.
    ///   - scope: the scopes to request.
    ///   - codeChallengeMethod: the PKCE method of authorization requests; `nil` sends no challenge.
    ///   - token: a token the session starts with (e.g. one stored earlier).
    ///   - tokenPlacement: where resource requests carry the token.
    ///   - tokenEndpoint: the default token endpoint; with one, an expiring token is renewed
    ///     automatically before a request.
    ///   - leeway: how many seconds before its expiry a token is renewed.
    ///   - updateToken: told about every renewed token, so that the application can store it.
    ///   - revocationClientAuth: authentication for revocation and introspection; `nil` uses `clientAuth`.
    ///   - dpop: the DPoP key holder; with one every token-endpoint request carries a proof and
    ///     DPoP tokens are presented with one.
    ///   - requestObject: signs authorization requests (by value, or pushed).
    ///   - transport: the transport for every request.
    ///   - clock: the clock that judges expiry.
    ///   - renewal: renews the token instead of a refresh (e.g. with a new JWT bearer assertion);
    ///     when set, automatic renewal always calls it.
    public init(
        clientID: String,
        clientSecret: String? = nil,
        clientAuth: some ClientAuthentication = ClientSecretBasic(),
        redirectURI: String? = nil,
        scope: [String] = [],
        codeChallengeMethod: PKCE.Method? = nil,
        token: OAuth2Token? = nil,
        tokenPlacement: TokenPlacement = .header,
        tokenEndpoint: String? = nil,
        leeway: TimeInterval = 60,
        updateToken: TokenUpdateHandler? = nil,
        revocationClientAuth: (any ClientAuthentication)? = nil,
        dpop: DPoP? = nil,
        requestObject: RequestObject? = nil,
        transport: any HTTPTransport,
        clock: any OAuthClock = SystemClock(),
        renewal: (@Sendable (OAuth2Session) async throws(OAuthError) -> OAuth2Token)? = nil
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.clientAuth = clientAuth
        self.revocationClientAuth = revocationClientAuth
        self.redirectURI = redirectURI
        self.scope = scope
        self.codeChallengeMethod = codeChallengeMethod
        self.tokenPlacement = tokenPlacement
        self.tokenEndpoint = tokenEndpoint
        self.leeway = leeway
        self.updateToken = updateToken
        self.renewal = renewal
        self.transport = transport
        self.clock = clock
        self.dpop = dpop
        self.requestObject = requestObject
        self.state = Mutex(State(token: token))
    }

    /// The token this session holds.
    public var token: OAuth2Token? {
        get { state.withLock { $0.token } }
        set { state.withLock { $0.token = newValue } }
    }

    var credentials: ClientCredentials { ClientCredentials(clientID: clientID, clientSecret: clientSecret) }

    /// The client secret, for verifying HS256 ID tokens (OpenID Connect Core §10.1) when allowed.
    package var clientSecretForValidation: String? { clientSecret }

    /// The provider's error in a non-success response (or a malformed-response error naming the status).
    package func providerErrorForResponse(_ response: TransportResponse, step: String) -> OAuthError {
        providerError(response, step: step)
    }

    /// Adds a compliance hook; hooks of one point run in registration order.
    ///
    /// - Parameter hook: the hook, at its point.
    public func registerComplianceHook(_ hook: ComplianceHook) {
        state.withLock { $0.hooks.add(hook) }
    }

    var hooks: ComplianceHookSet { state.withLock { $0.hooks } }

    /// Registers every hook of a named compliance fix.
    ///
    /// - Parameter fix: the fix, e.g. one of ``ComplianceFixes``.
    public func apply(_ fix: ComplianceFix) {
        for hook in fix.hooks { registerComplianceHook(hook) }
    }

    // MARK: RFC 6749 §4.1.1 — authorization request

    /// Builds the authorization URL. `state` defaults to 32 CSPRNG bytes; with a PKCE method
    /// configured, a verifier is generated (or the given one used) and its challenge sent.
    ///
    /// The request (RFC 6749 §4.1.1) carries `response_type`, `client_id`, `redirect_uri`, `scope`,
    /// `state` and the PKCE challenge (RFC 7636 §4.3); an extra parameter replaces the session's own
    /// of that name, and a query the endpoint already has is kept (§3.1).
    ///
    /// - Parameters:
    ///   - endpoint: the authorization endpoint, an absolute URL.
    ///   - state: the `state` to send; `nil` generates one.
    ///   - codeVerifier: the PKCE verifier to use; `nil` generates one when a method is configured.
    ///   - responseType: the `response_type`.
    ///   - extraParameters: further parameters, e.g. `prompt` or `nonce`.
    /// - Returns: what to send the user to and what to keep for the redirect back.
    /// - Throws: `OAuthError` `invalid_configuration` when `endpoint` is not an absolute URL or
    ///   `codeVerifier` is not 43–128 unreserved characters (RFC 7636 §4.1).
    public func createAuthorizationURL(
        _ endpoint: String,
        state: String? = nil,
        codeVerifier: String? = nil,
        responseType: String = "code",
        extraParameters: [(String, String)] = []
    ) throws(OAuthError) -> AuthorizationRequest {
        let url = try Self.absolute(endpoint, "the authorization endpoint", step: "authorize")
        let built = try authorizationParameters(state: state, codeVerifier: codeVerifier, responseType: responseType, extra: extraParameters)
        let parameters =
            try requestObject.map { (object) throws(OAuthError) in try object.byValue(built.parameters, clientID: clientID) } ?? built.parameters
        // Keep any query the endpoint already has (RFC 6749 §3.1).
        return AuthorizationRequest(
            url: url.appending(parameters).description,
            state: built.state,
            codeVerifier: built.verifier,
            redirectURI: redirectURI
        )
    }

    static func absolute(_ endpoint: String, _ name: String, step: String) throws(OAuthError) -> URLReference {
        let url = URLReference(endpoint)
        guard url.hasValidAuthority else {
            throw .client(OAuthErrorCode.invalidConfiguration, "\(name) is not an absolute URL", step: step)
        }
        return url
    }

    /// The parameters of an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 9449 §10),
    /// the `state` and the PKCE verifier, shared by the URL and the pushed request.
    func authorizationParameters(
        state: String?,
        codeVerifier: String?,
        responseType: String,
        extra: [(String, String)]
    ) throws(OAuthError) -> (parameters: FormParameters, state: String, verifier: String?) {
        let state = state ?? SecureRandom.token(bytes: 32)
        var parameters = FormParameters([("response_type", responseType), ("client_id", clientID)])
        parameters.append("redirect_uri", redirectURI)
        if !scope.isEmpty { parameters.append("scope", scope.joined(separator: " ")) }
        parameters.append("state", state)
        var verifier: String?
        if let method = codeChallengeMethod {
            let chosen = codeVerifier ?? PKCE.generateVerifier()
            guard PKCE.isValidVerifier(chosen) else {
                throw .client(
                    OAuthErrorCode.invalidConfiguration,
                    "code_verifier must be 43-128 unreserved characters (RFC 7636 §4.1)",
                    step: "authorize"
                )
            }
            verifier = chosen
            parameters.append("code_challenge", PKCE.challenge(for: chosen, method: method))
            parameters.append("code_challenge_method", method.rawValue)
        }
        // RFC 9449 §10: the code is bound to the session's DPoP key.
        if let dpop, dpop.bindsAuthorizationCode { parameters.append("dpop_jkt", dpop.thumbprint) }
        // An extra parameter replaces the session's own of that name: never sent twice (RFC 6749 §3.1).
        for (name, value) in extra { parameters.set(name, value) }
        return (parameters, state, verifier)
    }

    // MARK: Token endpoint

    /// Runs a grant at the token endpoint and keeps the token. `scope` is sent for grants that
    /// take one (client_credentials, password, jwt bearer, refresh); `extraParameters` always.
    ///
    /// - Parameters:
    ///   - tokenEndpoint: the token endpoint; `nil` uses the session's.
    ///   - grant: the grant to run; a refresh-token grant runs ``refreshToken(_:refreshToken:scope:extraParameters:)``.
    ///   - scope: the scopes to request; `nil` uses the session's.
    ///   - extraParameters: further form parameters.
    /// - Returns: the token, which the session now holds.
    /// - Throws: `OAuthError`: `invalid_configuration` without a token endpoint; the provider's error
    ///   (RFC 6749 §5.2); `malformed_response` for an answer that is not a usable token (§5.1); or a
    ///   failure of the client authentication, a compliance hook or the transport.
    @discardableResult
    public func fetchToken(
        _ tokenEndpoint: String? = nil,
        grant: Grant,
        scope: [String]? = nil,
        extraParameters: [(String, String)] = []
    ) async throws(OAuthError) -> OAuth2Token {
        if case .refreshToken(let refreshToken) = grant {
            return try await self.refreshToken(tokenEndpoint, refreshToken: refreshToken, scope: scope, extraParameters: extraParameters)
        }
        let endpoint = try endpointOrDefault(tokenEndpoint, step: "fetch_token")
        var form = grant.parameters(defaultRedirectURI: redirectURI)
        if case .authorizationCode = grant {
        } else {
            let requested = scope ?? self.scope
            if !requested.isEmpty { form.append("scope", requested.joined(separator: " ")) }
        }
        for (name, value) in extraParameters { form.append(name, value) }
        let token = try await grantRequest(endpoint, form: form, step: "fetch_token")
        state.withLock {
            $0.token = token
            $0.lastGrantType = grant.grantType
        }
        return token
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3).
    ///
    /// - Parameters:
    ///   - tokenEndpoint: the token endpoint; `nil` uses the session's.
    ///   - code: the authorization code from the redirect.
    ///   - codeVerifier: the PKCE verifier of the authorization request (RFC 7636 §4.5).
    ///   - redirectURI: the `redirect_uri` of the authorization request; `nil` uses the session's.
    ///   - extraParameters: further form parameters.
    /// - Returns: the token, which the session now holds.
    /// - Throws: `OAuthError`, as ``fetchToken(_:grant:scope:extraParameters:)`` does.
    @discardableResult
    public func fetchToken(
        _ tokenEndpoint: String? = nil,
        code: String,
        codeVerifier: String? = nil,
        redirectURI: String? = nil,
        extraParameters: [(String, String)] = []
    ) async throws(OAuthError) -> OAuth2Token {
        try await fetchToken(
            tokenEndpoint,
            grant: .authorizationCode(code: code, codeVerifier: codeVerifier, redirectURI: redirectURI),
            extraParameters: extraParameters
        )
    }

    /// Reads the redirect back (checking `state`) and exchanges its code in one call.
    ///
    /// - Parameters:
    ///   - tokenEndpoint: the token endpoint; `nil` uses the session's.
    ///   - redirect: the URL the provider redirected the user to.
    ///   - request: the authorization request it answers.
    /// - Returns: the token, which the session now holds.
    /// - Throws: `OAuthError`: what ``parseAuthorizationResponse(_:expectedState:issuer:)`` throws
    ///   (a state mismatch, the provider's error, no code), then what the exchange throws.
    @discardableResult
    public func fetchToken(
        _ tokenEndpoint: String? = nil,
        authorizationResponse redirect: String,
        request: AuthorizationRequest
    ) async throws(OAuthError) -> OAuth2Token {
        let code = try parseAuthorizationResponse(redirect, expectedState: request.state)
        return try await fetchToken(tokenEndpoint, code: code, codeVerifier: request.codeVerifier, redirectURI: request.redirectURI)
    }

    /// Refreshes the token (RFC 6749 §6) with `refreshToken` or the session's. A response
    /// without a refresh token keeps the old one; one with a new token replaces it (rotation).
    /// `updateToken` is called with the new token and the refresh token it replaced.
    ///
    /// - Parameters:
    ///   - tokenEndpoint: the token endpoint; `nil` uses the session's.
    ///   - given: the refresh token to use; `nil` uses the session's.
    ///   - scope: the scopes to request, at most those granted (§6); `nil` or empty sends none.
    ///   - extraParameters: further form parameters.
    /// - Returns: the new token, which the session now holds.
    /// - Throws: `OAuthError`: `missing_refresh_token` when there is no refresh token, else as
    ///   ``fetchToken(_:grant:scope:extraParameters:)`` does.
    @discardableResult
    public func refreshToken(
        _ tokenEndpoint: String? = nil,
        refreshToken given: String? = nil,
        scope: [String]? = nil,
        extraParameters: [(String, String)] = []
    ) async throws(OAuthError) -> OAuth2Token {
        let endpoint = try endpointOrDefault(tokenEndpoint, step: "refresh")
        guard let refreshToken = given ?? token?.refreshToken else {
            throw .client(.missingRefreshToken, "no refresh token to use", step: "refresh")
        }
        var form = Grant.refreshToken(refreshToken).parameters(defaultRedirectURI: nil)
        if let scope, !scope.isEmpty { form.append("scope", scope.joined(separator: " ")) }
        for (name, value) in extraParameters { form.append(name, value) }
        let hooks = self.hooks
        var token = try await tokenRequest(
            endpoint,
            form: form,
            step: "refresh",
            requestHooks: hooks.refreshTokenRequest,
            responseHooks: hooks.refreshTokenResponse
        )
        if token.refreshToken == nil { token.refreshToken = refreshToken }
        let renewed = token
        state.withLock { $0.token = renewed }
        await updateToken?(renewed, refreshToken)
        return renewed
    }

    func endpointOrDefault(_ given: String?, step: String) throws(OAuthError) -> String {
        guard let endpoint = given ?? tokenEndpoint else {
            throw .client(OAuthErrorCode.invalidConfiguration, "no token endpoint given or configured", step: step)
        }
        return endpoint
    }

    /// POSTs a form to an endpoint with this client's authentication, after the request hooks;
    /// the response goes through the response hooks, then is parsed as a token response.
    func tokenRequest(
        _ endpoint: String,
        form: FormParameters,
        step: String,
        requestHooks: [ComplianceHook.RequestHook],
        responseHooks: [ComplianceHook.ResponseHook]
    ) async throws(OAuthError) -> OAuth2Token {
        let request = try await authenticatedForm(endpoint, form: form, step: step, hooks: requestHooks)
        let response = try await ComplianceHookSet.apply(responseHooks, to: try await sendProved(request, step: step), step: step)
        return try parseTokenResponse(response, step: step, receivedAt: clock.now())
    }

    /// A grant's token request (not a refresh): the access-token compliance hooks around it.
    func grantRequest(_ endpoint: String, form: FormParameters, step: String) async throws(OAuthError) -> OAuth2Token {
        let hooks = self.hooks
        return try await tokenRequest(
            endpoint,
            form: form,
            step: step,
            requestHooks: hooks.accessTokenRequest,
            responseHooks: hooks.accessTokenResponse
        )
    }

    func authenticatedForm(
        _ endpoint: String,
        form: FormParameters,
        step: String,
        hooks: [ComplianceHook.RequestHook],
        auth: (any ClientAuthentication)? = nil
    ) async throws(OAuthError) -> TransportRequest {
        var form = form
        var headers = HeaderList()
        try await (auth ?? clientAuth).authenticate(form: &form, headers: &headers, endpoint: endpoint, client: credentials)
        return try await ComplianceHookSet.apply(hooks, to: .form(endpoint, form, headers: headers), step: step)
    }

    // MARK: Automatic renewal

    /// The current token, renewed first when it expires within `leeway` seconds and renewal is
    /// configured (a token endpoint or a renewal closure) and possible (a refresh token, a
    /// client_credentials grant, or the closure). Concurrent callers share one renewal. Without
    /// renewal configured the token is used as it is and the resource server judges it; with
    /// renewal configured but impossible, an expired token is `token_expired`.
    ///
    /// - Throws: `OAuthError`: `missing_token` when the session has no token; `token_expired` as
    ///   above; what the renewal throws (another error as `renewal_failed`).
    public func ensureActiveToken() async throws(OAuthError) -> OAuth2Token {
        guard let current = token else {
            throw .client(.missingToken, "no token: run a grant first", step: "request")
        }
        guard tokenEndpoint != nil || renewal != nil, current.isExpired(at: clock.now(), leeway: leeway) else { return current }
        let renewable = renewal != nil || current.refreshToken != nil || state.withLock { $0.lastGrantType } == .clientCredentials
        if !renewable {
            if current.isExpired(at: clock.now()) {
                throw .client(.tokenExpired, "the token expired and there is no refresh token to renew it", step: "request")
            }
            return current
        }
        do {
            return try await renewals.run(
                fresh: { [self] in
                    self.token.flatMap { $0.isExpired(at: self.clock.now(), leeway: self.leeway) ? nil : $0 }
                },
                operation: { [self] () async throws(OAuthError) -> OAuth2Token in try await self.renew() }
            )
        } catch let error as OAuthError {
            throw error
        } catch {
            throw .client(.renewalFailed, String(describing: error), step: "refresh")
        }
    }

    func renew() async throws(OAuthError) -> OAuth2Token {
        let snapshot = state.withLock { ($0.token, $0.lastGrantType) }
        if let renewal { return try await renewal(self) }
        if snapshot.0?.refreshToken != nil { return try await refreshToken() }
        if snapshot.1 == .clientCredentials {
            let token = try await fetchToken(grant: .clientCredentials)
            await updateToken?(token, nil)
            return token
        }
        throw .client(.tokenExpired, "the token expired and there is no refresh token", step: "request")
    }

    // MARK: RFC 6750 — protected resource requests

    /// Sends a request carrying the (renewed if need be) token at `tokenPlacement`, after the
    /// protected_request hooks.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - url: the resource URL.
    ///   - headers: the request's headers.
    ///   - body: the request's body.
    ///   - step: the flow step errors name.
    /// - Returns: the resource server's response, whatever its status.
    /// - Throws: `OAuthError`: what ``ensureActiveToken()`` throws; `unsupported_token_type` for a
    ///   token that is not Bearer; `invalid_configuration` when the placement cannot be used with the
    ///   request (``OAuth2Auth/sign(_:step:)``); or a failure of a compliance hook or the transport.
    public func request(
        _ method: String,
        _ url: String,
        headers: HeaderList = [:],
        body: [UInt8] = [],
        step: String = "request"
    ) async throws(OAuthError) -> TransportResponse {
        let token = try await ensureActiveToken()
        let auth = OAuth2Auth(token: token, placement: tokenPlacement, dpop: dpop)
        let unsigned = TransportRequest(method: method, url: url, headers: headers, body: body)
        let hooks = self.hooks.protectedRequest
        func attempt() async throws(OAuthError) -> TransportResponse {
            try await send(try await ComplianceHookSet.apply(hooks, to: try auth.sign(unsigned, step: step), step: step), step: step)
        }
        // RFC 9449 §9: the resource server may ask for a nonce; one more try with it.
        guard let dpop, auth.isDPoP else { return try await attempt() }
        return try await answeringNonce(dpop, url: url, attempt)
    }

    /// The provider's error from a non-success response, or a malformed-response error.
    func providerError(_ response: TransportResponse, step: String) -> OAuthError {
        if let error = OAuthError.provider(body: response.body, httpStatus: response.status, step: step) { return error }
        return .malformed(step: step, httpStatus: response.status, "expected a JSON error object, got \(describeBody(response))")
    }

    func send(_ request: TransportRequest, step: String) async throws(OAuthError) -> TransportResponse {
        try await transport.send(request, step: step)
    }
}
