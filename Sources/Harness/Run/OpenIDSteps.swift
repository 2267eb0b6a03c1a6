import Foundation
import MockProviders
import OAuth2
import OAuthCore
import OpenIDConnect

extension StepContext {
    /// The OpenID Connect client of the scenario, discovered on first use.
    mutating func openIDClient(_ session: OAuth2Session) async throws(OAuthError) -> OpenIDConnectClient {
        if let existing = oauth2?.openID.client { return existing }
        let options = oauth2?.openID.options ?? .init()
        let endpoints = provider.endpoints
        let issuer = endpoints.issuer ?? endpoints.discovery.flatMap(Discovery.expectedIssuer(forMetadataURL:)) ?? endpoints.baseURL
        let client = try await OpenIDConnectClient.discover(
            issuer: issuer,
            serverMetadataURL: endpoints.discovery,
            session: session,
            cache: metadataCache,
            configure: { validation in
                validation.allowSymmetricAlgorithms = options.allowHS256
                validation.leeway = options.leeway
                if let algorithms = options.algorithms { validation.allowedAlgorithms = Set(algorithms) }
            }
        )
        oauth2?.openID.client = client
        return client
    }

    /// `login`: the OpenID Connect code flow, the ID token validated (OpenID Connect Core §3.1).
    mutating func login(_ options: Step.Authorize, session: OAuth2Session, step kind: String) async throws {
        let client = try await openIDClient(session)
        let request =
            options.par
            ? try await client.pushAuthorizationRequest(extraParameters: options.extraParameters, repeatedParameters: options.parRepeated)
            : try client.createAuthorizationURL(extraParameters: options.extraParameters)
        oauth2?.authorizationRequest = request.authorization
        let callback = try await agent.navigate(from: request.url, to: request.authorization.redirectURI ?? "", intent: intent(options), step: kind)
        let login = try await client.fetchToken(authorizationResponse: callback, request: request)
        oauth2?.openID.login = login
    }

    /// `userinfo`: the claims, whose `sub` must be the ID token's (Core §5.3.2); they become the
    /// last response, for `expect`.
    mutating func userinfo(session: OAuth2Session, step kind: String) async throws {
        let client = try await openIDClient(session)
        guard let login = oauth2?.openID.login else {
            throw OAuthError.client(.missingToken, "no validated ID token: a login step must succeed first", step: kind)
        }
        let info = try await client.userInfo(expectedSubject: login.idToken.subject)
        oauth2?.openID.userInfo = info
        lastResponse = TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: JSONValue.object(info.claims).jsonBytes)
    }

    /// `logout`: RP-initiated logout and the return to the client (RP-Initiated Logout 1.0 §2–3).
    mutating func logout(_ given: String?, session: OAuth2Session, step kind: String) async throws {
        let client = try await openIDClient(session)
        guard let logout = client.logout else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "the provider has no end_session_endpoint", step: kind)
        }
        let target = given ?? provider.mock?.profile.client(id: session.clientID)?.postLogoutRedirectURIs.first
        guard let target else {
            throw OAuthError.client(
                OAuthErrorCode.invalidConfiguration,
                "logout needs a post_logout_redirect_uri to come back to (logout: {post_logout_redirect_uri: …})",
                step: kind
            )
        }
        let redirect = logout.logoutRedirect(postLogoutRedirectURI: target, idTokenHint: session.token?.idToken)
        let back = try await agent.navigate(
            from: redirect.url,
            to: target,
            intent: .init(decision: .approve, username: user?.username, password: user?.password),
            step: kind
        )
        let state = try logout.validateLogoutResponse(back)
        oauth2?.openID.logoutState = state
    }

    /// `evil`: the built-in OpenID provider misbehaves from now on.
    func evil(_ mode: EvilMode, step kind: String) throws {
        guard let mock = provider.mock else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "evil modes need a built-in OpenID provider", step: kind)
        }
        try mock.setEvilMode(mode)
        recorder.transcript.note("provider evil mode: \(mode.rawValue)")
    }

    /// `rotate_keys`: the built-in OpenID provider signs with a new key.
    func rotateKeys(step kind: String) throws {
        guard let mock = provider.mock else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "key rotation needs a built-in OpenID provider", step: kind)
        }
        try mock.rotateSigningKeys()
        recorder.transcript.note("provider rotated its signing key")
    }
}
