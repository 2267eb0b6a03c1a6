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
        // Front-Channel Logout 1.0 §2: the frames the logout page loaded (each client's
        // frontchannel_logout_uri) become the last response: how many, the first one's iss, and
        // whether its sid is this login's (the sid itself stays out of reports).
        if let frame = agent.framesLoaded.first {
            let parameters = (try? URLReference(frame).queryItems()) ?? FormParameters()
            let sid = oauth2?.openID.login?.idToken["sid"]?.stringValue
            let body: [String: JSONValue] = [
                "frames": .number(JSONNumber(agent.framesLoaded.count)), "frame_iss": parameters["iss"].map(JSONValue.string) ?? .null,
                "frame_sid_matches_login": .bool(sid != nil && parameters["sid"] == sid),
            ]
            lastResponse = TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: JSONValue.object(body).jsonBytes)
        }
    }

    /// `backchannel_logout`: the login's session ends at the provider — by RP-initiated logout
    /// through the user agent, or a mock ending it itself — and the provider must POST a logout
    /// token to the client's `backchannel_logout_uri`, where the harness validates it
    /// (Back-Channel Logout 1.0 §2.6) and answers 200, or 400 with the reason (§2.8). The step
    /// fails with the validator's error (`invalid_logout_token`), or `no_logout_token` when none
    /// arrives within 5 s; the token's claims, whether it names the login's session
    /// (`matches_login`) and the number of POSTs become the last response.
    mutating func backchannelLogout(_ options: Step.BackChannelLogout, session: OAuth2Session, step kind: String) async throws {
        guard let receiver = backchannel else {
            throw OAuthError.client(
                OAuthErrorCode.invalidConfiguration,
                "backchannel_logout needs the client's openid.backchannel_logout_uri (where the harness listens)",
                step: kind
            )
        }
        let client = try await openIDClient(session)
        guard let login = oauth2?.openID.login else {
            throw OAuthError.client(.missingToken, "no validated ID token: a login step must succeed first", step: kind)
        }
        let validator = oauth2?.openID.logoutTokens ?? LogoutTokenValidator(options: client.validator.options, jwks: client.jwks, clock: clock)
        oauth2?.openID.logoutTokens = validator
        receiver.expect(validator)
        let sid = login.idToken["sid"]?.stringValue
        // A sid names a live session (the mock trusts it in an id_token_hint): kept out of reports.
        recorder.transcript.redactor.register(sid)
        switch options.by {
        case .endSession:
            try await logout(options.postLogoutRedirectURI, session: session, step: kind)
        case .provider:
            guard provider.mock != nil else {
                throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "by: provider needs a built-in mock provider", step: kind)
            }
            var form = FormParameters()
            if let sid { form.append("sid", sid) } else { form.append("sub", login.idToken.subject) }
            let answer = try await recorder.send(
                TransportRequest(
                    method: "POST",
                    url: provider.endpoints.baseURL + "/_harness/backchannel-logout",
                    headers: ["Content-Type": "application/x-www-form-urlencoded"],
                    body: Array(form.encoded.utf8)
                )
            )
            guard answer.status == 200 else {
                throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "the mock refused to end the session: HTTP \(answer.status)", step: kind)
            }
            // The mock says what it sent: nothing to wait for when it ended no session.
            if (try? JSONValue.parse(answer.body))?["deliveries"]?.arrayValue?.isEmpty == true {
                throw OAuthError.client("no_logout_token", "the provider ended no session of this login, so it sent no logout token", step: kind)
            }
        }
        let received = await receiver.deliveries()
        // A provider ending every session of the user may send tokens for other sessions too:
        // the one for this login's session (or the first) is judged.
        func names(_ token: LogoutToken) -> Bool {
            (token.sessionID == nil || token.sessionID == sid) && (token.subject == nil || token.subject == login.idToken.subject)
        }
        let deliveries = received.filter { $0.token.map(names) ?? false } + received.filter { !($0.token.map(names) ?? false) }
        guard let first = deliveries.first else {
            throw OAuthError.client(
                "no_logout_token",
                "the provider sent no logout token to \(receiver.uri) within \(BackChannelReceiver.wait.components.seconds) s",
                step: kind
            )
        }
        if let error = first.error { throw error }
        guard let token = first.token else { throw OAuthError.client("no_logout_token", "the delivery carried no token", step: kind) }
        // §2.6 step 6 / §2.7: the token ends the session its sid names, or the user's sessions.
        let matches = names(token)
        var body = token.claims
        body["matches_login"] = .bool(matches)
        body["deliveries"] = .number(JSONNumber(deliveries.count))
        lastResponse = TransportResponse(status: first.status, headers: ["Content-Type": "application/json"], body: JSONValue.object(body).jsonBytes)
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
