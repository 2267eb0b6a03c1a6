import Foundation
import OAuth2
import OAuthCore
import Synchronization

extension StepContext {
    func tokenValue(_ which: Step.TokenKind, step: String) throws(OAuthError) -> String {
        let value = which == .accessToken ? oauth2?.session.token?.accessToken : oauth2?.session.token?.refreshToken
        guard let value else { throw .client(.missingToken, "the session has no \(which.rawValue)", step: step) }
        return value
    }

    /// `authorize`: the browser through the provider's pages, the code from the redirect
    /// (state, and RFC 9207 `iss` when the issuer is known, checked).
    mutating func authorize(_ options: Step.Authorize, session: OAuth2Session, step kind: String) async throws {
        let endpoints = provider.endpoints
        let previous = oauth2?.authorizationRequest
        oauth2?.code = nil
        let authorizeURL = try endpoint(endpoints.authorize, "authorization", step: kind)
        let request: AuthorizationRequest
        if options.again {
            guard let previous else {
                throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "again needs an earlier authorize step", step: kind)
            }
            request = previous
            recorder.transcript.note("the previous authorization URL sent again")
        } else if options.par {
            let par = try endpoint(endpoints.par, "pushed authorization request", step: kind)
            request = try await session.pushAuthorizationRequest(
                par,
                authorizationEndpoint: authorizeURL,
                responseType: options.responseType,
                extraParameters: options.extraParameters + resourceParameter,
                repeatedParameters: options.parRepeated
            )
        } else {
            request = try session.createAuthorizationURL(
                authorizeURL,
                responseType: options.responseType,
                extraParameters: options.extraParameters + resourceParameter
            )
        }
        oauth2?.authorizationRequest = request
        let url = Self.adjusted(request.url, options, transcript: recorder.transcript)
        var callback = try await agent.navigate(from: url, to: request.redirectURI ?? "", intent: intent(options), step: kind)
        if let forged = options.callbackState {
            callback = Self.replacingQueryParameter("state", with: forged, in: callback)
            recorder.transcript.note("callback state replaced with a forged value before the client reads it")
        }
        let code = try parseAuthorizationResponse(callback, expectedState: request.state, issuer: endpoints.responseIssuer)
        oauth2?.code = code
    }

    /// The authorization URL as a negative scenario alters it: the request object's signature
    /// broken, parameters added outside the object.
    static func adjusted(_ url: String, _ options: Step.Authorize, transcript: Transcript) -> String {
        var url = url
        if options.tamperRequestObject, let object = (try? URLReference(url).queryItems())?["request"] {
            // The signature's first character: every bit of it is signature (a last one may be padding).
            var characters = Array(object)
            if let dot = characters.lastIndex(of: "."), dot + 1 < characters.count {
                characters[dot + 1] = characters[dot + 1] == "A" ? "B" : "A"
            }
            let flipped = String(characters)
            url = replacingQueryParameter("request", with: flipped, in: url)
            transcript.note("the request object's signature altered before sending")
        }
        if !options.extraQuery.isEmpty {
            url = URLReference.appending(FormParameters(options.extraQuery), to: url)
            transcript.note("parameters added outside the request object: \(options.extraQuery.map(\.0).joined(separator: ", "))")
        }
        return url
    }

    /// `misuse_token`: the session's DPoP-bound token presented the wrong way (RFC 9449 §7): a
    /// provider that accepts it is at fault; the answer becomes the last response.
    mutating func misuseToken(_ misuse: Step.TokenMisuse, path: String?, session: OAuth2Session, step kind: String) async throws {
        guard let token = session.token, let dpop = session.dpop else {
            throw OAuthError.client(.missingToken, "misuse_token needs a DPoP client (dpop: true) holding a token", step: kind)
        }
        guard let target = path.map(provider.endpoints.url) ?? provider.endpoints.resourceOrUserInfo else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "misuse_token needs a path or the provider's resource", step: kind)
        }
        var request = TransportRequest(method: "GET", url: target, headers: ["Authorization": "DPoP \(token.accessToken)"])
        switch misuse {
        case .asBearer: request.headers["Authorization"] = "Bearer \(token.accessToken)"
        case .withoutProof: break
        case .replayedProof, .proofForAnotherURI:
            let url = misuse == .replayedProof ? target : DPoP.targetURI(target) + "/elsewhere"
            request.headers["DPoP"] = try dpop.proof(method: "GET", url: url, accessToken: token.accessToken)
            if misuse == .replayedProof {
                let first = try await session.transport.send(request, step: kind)
                guard (200..<300).contains(first.status) else { throw Self.resourceError(first, step: kind) }
            }
        }
        let final = request
        try await sendAll(1, step: kind) { try await session.transport.send(final, step: kind) }
    }

    /// `refresh` (RFC 6749 §6), with the refresh token the last one replaced when asked.
    mutating func refresh(usePrevious: Bool, scope: [String]?, session: OAuth2Session, step kind: String) async throws {
        var refreshToken: String?
        if usePrevious {
            guard let previous = oauth2?.updates.last?.previousRefreshToken else {
                throw OAuthError.client(.missingRefreshToken, "no earlier refresh replaced a refresh token", step: kind)
            }
            refreshToken = previous
        }
        try await session.refreshToken(try endpoint(provider.endpoints.token, "token", step: kind), refreshToken: refreshToken, scope: scope)
    }

    /// `revoke` (RFC 7009).
    func revoke(_ which: Step.TokenKind, hint: Step.TokenKind?, session: OAuth2Session, step kind: String) async throws {
        try await session.revokeToken(
            try endpoint(provider.endpoints.revoke, "revocation", step: kind),
            token: try tokenValue(which, step: kind),
            tokenTypeHint: hint?.rawValue
        )
    }

    /// `introspect` (RFC 7662): the answer becomes the last response, for `expect`.
    mutating func introspect(_ which: Step.TokenKind, hint: Step.TokenKind?, session: OAuth2Session, step kind: String) async throws {
        let answer = try await session.introspectToken(
            try endpoint(provider.endpoints.introspect, "introspection", step: kind),
            token: try tokenValue(which, step: kind),
            tokenTypeHint: hint?.rawValue
        )
        lastResponse = TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: answer.jsonBytes)
    }

    /// `get`/`post` with the OAuth 2 session's token (RFC 6750).
    mutating func oauth2Request(_ method: String, _ path: String, concurrent: Int, session: OAuth2Session, step kind: String) async throws {
        let url = provider.endpoints.url(path)
        try await sendAll(concurrent, step: kind) { try await session.request(method, url, step: kind) }
    }

    /// `fetch_token`: the grant the step names, at the provider's token endpoint.
    mutating func fetchToken(_ options: Step.FetchToken, session: OAuth2Session, step kind: String) async throws {
        let tokenURL = try endpoint(provider.endpoints.token, "token", step: kind)
        let extra = options.resource.map { [("resource", $0)] } ?? resourceParameter
        switch options.grant {
        case .authorizationCode:
            guard let code = oauth2?.code, let request = oauth2?.authorizationRequest else {
                throw OAuthError.client(
                    OAuthErrorCode.missingCode,
                    "no authorization code to exchange: no earlier authorize step yielded one",
                    step: kind
                )
            }
            try await session.fetchToken(
                tokenURL,
                code: code,
                codeVerifier: options.codeVerifier ?? request.codeVerifier,
                redirectURI: options.redirectURI ?? request.redirectURI,
                extraParameters: extra
            )
        case .clientCredentials:
            try await session.fetchToken(tokenURL, grant: .clientCredentials, scope: options.scope, extraParameters: extra)
        case .password:
            try await session.fetchToken(
                tokenURL,
                grant: .password(username: options.username ?? "", password: options.password ?? ""),
                scope: options.scope,
                extraParameters: extra
            )
        case .jwtBearer:
            guard let pem = options.assertionKeyPEM ?? oauth2?.clientKeyPEM else {
                throw OAuthError.client(
                    OAuthErrorCode.invalidConfiguration,
                    "jwt_bearer needs a private_key in the client or an assertion_key",
                    step: kind
                )
            }
            recorder.transcript.redactor.register(pem)
            let claims = AssertionClaims(
                issuer: session.clientID,
                subject: options.subject ?? "",
                audience: [options.audience ?? tokenURL],
                issuedAt: clock.now(),
                lifetime: 300
            )
            let assertion = try await AssertionSigner.privateKey(pem: pem).sign(claims)
            try await session.fetchToken(tokenURL, grant: .jwtBearer(assertion: assertion), scope: options.scope, extraParameters: extra)
        default:
            try await session.fetchToken(
                tokenURL,
                grant: .custom(grantType: options.grant, parameters: []),
                scope: options.scope,
                extraParameters: extra
            )
        }
    }

    /// `discover` (RFC 8414, OpenID Connect Discovery): the metadata, for `expect`.
    mutating func discoverStep() async throws {
        let found = try await discover()
        oauth2?.metadata = found
    }

    /// The provider's metadata: the document its entry names, else RFC 8414 metadata of its
    /// issuer, else its OpenID Connect Discovery document; the transcript says which.
    func discover() async throws(OAuthError) -> AuthorizationServerMetadata {
        if let url = provider.endpoints.discovery {
            let found = try await metadataCache.metadata(url: url, expectedIssuer: Discovery.expectedIssuer(forMetadataURL: url))
            recorder.transcript.note("discover: the provider's named document at \(url)")
            return found
        }
        let found = try await Discovery.metadata(forIssuer: provider.endpoints.issuer ?? provider.endpoints.baseURL, cache: metadataCache)
        recorder.transcript.note("discover: \(found.source)")
        return found.metadata
    }
}

// MARK: RFC 8628 — device authorization grant

extension StepContext {
    /// `device_authorization`: a device code and a user code for the scenario's client.
    mutating func deviceAuthorization(scope: [String]?, session: OAuth2Session, step kind: String) async throws {
        let url = try endpoint(provider.endpoints.deviceAuthorization, "device authorization", step: kind)
        let device = try await session.requestDeviceAuthorization(url, scope: scope)
        oauth2?.device = device
        recorder.transcript.note(
            "device authorization: verification at \(device.verificationURI)\(device.verificationURIComplete == nil ? "" : " (a complete URI given)"), "
                + "expires in \(device.expiresIn) s, poll every \(device.interval) s"
        )
    }

    /// `device_login`: the user opens the verification URI in the scenario's browser, types the
    /// user code, signs in and approves or denies; the page that ends it offers nothing more.
    mutating func deviceLogin(_ options: Step.DeviceLogin, step kind: String) async throws {
        guard let device = oauth2?.device else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "device_login needs an earlier device_authorization step", step: kind)
        }
        let complete = options.complete ?? (device.verificationURIComplete != nil)
        guard let start = complete ? device.verificationURIComplete : device.verificationURI else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "the provider gave no verification_uri_complete", step: kind)
        }
        if options.userCode != nil { recorder.transcript.note("the user types another code than the provider's") }
        let intent = UserAgent.Intent(
            decision: options.consent == .approve ? .approve : .deny,
            user: options.user,
            username: user?.username,
            password: user?.password,
            fill: options.form,
            userCode: options.userCode ?? device.userCode
        )
        let end = try await agent.navigate(from: start, to: nil, intent: intent, step: kind)
        recorder.transcript.note("device_login ended at \(UserAgent.withoutQuery(end))")
    }

    /// `poll_device_token`: polls at the interval on the scenario's clock. Against a built-in mock
    /// the clock moves instead of waiting; against a provider by URL the wait is real.
    mutating func pollDeviceToken(polls: Int?, waitFirst: Bool, session: OAuth2Session, step kind: String) async throws {
        guard let device = oauth2?.device else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "poll_device_token needs an earlier device_authorization step", step: kind)
        }
        let clock = self.clock
        let realWait = provider.mock == nil
        let skipFirst = Mutex(!waitFirst)
        let transcript = recorder.transcript
        try await session.pollDeviceToken(
            try endpoint(provider.endpoints.token, "token", step: kind),
            authorization: device,
            maximumPolls: polls
        ) { duration in
            if skipFirst.withLock({ skip in
                defer { skip = false }
                return skip
            }) {
                transcript.note("polled at once, without waiting the interval")
                return
            }
            if realWait { try await Task.sleep(for: duration) }
            clock.advance(by: TimeInterval(duration.components.seconds))
            transcript.note("waited \(duration.components.seconds) s\(realWait ? "" : " on the scenario clock")")
        }
    }
}

// MARK: RFC 8693 — token exchange

extension StepContext {
    /// `exchange_token`: the subject (and actor) token exchanged at the token endpoint, by the
    /// scenario's client or the one the step names; the issued token becomes the session's.
    mutating func exchangeToken(_ options: Step.ExchangeToken, session: OAuth2Session, step kind: String) async throws {
        let tokenURL = try endpoint(provider.endpoints.token, "token", step: kind)
        var exchanger = session
        if let clientID = options.clientID {
            recorder.transcript.redactor.register(options.clientSecret)
            // The same DPoP key as the scenario's client, when it has one (a provider that wants proofs).
            exchanger = OAuth2Session(clientID: clientID, clientSecret: options.clientSecret, dpop: session.dpop, transport: recorder, clock: clock)
            recorder.transcript.note("the exchange is made by the client \(clientID)")
        }
        let (subject, subjectType) = try await token(options.subject, session: session, exchanger: exchanger, tokenURL: tokenURL, step: kind)
        var request = TokenExchangeRequest(
            subjectToken: subject,
            subjectTokenType: subjectType,
            requestedTokenType: options.requestedTokenType,
            audience: options.audience,
            resource: options.resource,
            scope: options.scope
        )
        if let actor = options.actor {
            (request.actorToken, request.actorTokenType) = try await token(
                actor,
                session: session,
                exchanger: exchanger,
                tokenURL: tokenURL,
                step: kind
            )
        }
        let exchanged = try await exchanger.exchangeToken(tokenURL, request)
        session.token = exchanged.token
        recorder.transcript.note("token exchange issued a \(exchanged.issuedTokenType.rawValue); it is now the session's token")
    }

    /// The value and type of a subject or actor token.
    func token(
        _ source: Step.ExchangeToken.Source,
        session: OAuth2Session,
        exchanger: OAuth2Session,
        tokenURL: String,
        step kind: String
    )
        async throws -> (String, TokenTypeIdentifier)
    {
        switch source {
        case .session(let type):
            let value: String? =
                switch type {
                case .refreshToken: session.token?.refreshToken
                case .idToken: session.token?.idToken
                default: session.token?.accessToken
                }
            guard let value else {
                throw OAuthError.client(.missingToken, "the session has no \(type.rawValue.split(separator: ":").last ?? "")", step: kind)
            }
            return (value, type)
        case .clientCredentials:
            // The actor's own token; the exchanging session keeps the token it had.
            let kept = exchanger.token
            let token = try await exchanger.fetchToken(tokenURL, grant: Grant.clientCredentials, scope: [String]?.none, extraParameters: [])
            exchanger.token = kept
            return (token.accessToken, .accessToken)
        case .given(let value, let type):
            recorder.transcript.redactor.register(value)
            return (value, type)
        case .assertion(let issuer, let subject, let audience):
            guard let pem = oauth2?.clientKeyPEM else {
                throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "an assertion subject token needs the client's private_key", step: kind)
            }
            recorder.transcript.redactor.register(pem)
            let claims = AssertionClaims(
                issuer: issuer,
                subject: subject,
                audience: [audience ?? provider.endpoints.issuer ?? provider.endpoints.baseURL],
                issuedAt: clock.now(),
                lifetime: 300
            )
            let jwt = try await AssertionSigner.privateKey(pem: pem).sign(claims)
            recorder.transcript.redactor.register(jwt)
            return (jwt, .jwt)
        }
    }
}

// MARK: RFC 7591 / RFC 7592 — dynamic client registration

extension StepContext {
    /// `register_client`: the metadata registered; with `use`, the scenario's session becomes the
    /// registered client's (its id, secret, authentication method and first redirect URI). The
    /// registration response becomes the last response.
    mutating func registerClient(_ metadata: JSONValue, initialAccessToken: String?, use: Bool, step kind: String) async throws {
        let url = try endpoint(provider.endpoints.registration, "client registration", step: kind)
        // An empty token (an unset variable's `${VAR:-}`) is none: open registration.
        let initialAccessToken = initialAccessToken.flatMap { $0.isEmpty ? nil : $0 }
        recorder.transcript.redactor.register(initialAccessToken)
        let registration = ClientRegistration(transport: recorder)
        let registered = try await registration.register(
            url,
            metadata: ClientMetadata(members: metadata.objectValue ?? [:]),
            initialAccessToken: initialAccessToken
        )
        oauth2?.registered = registered
        lastResponse = Self.registrationResponse(registered)
        recorder.transcript.note("registered \(registered)")
        guard use, var spec = oauth2?.clientSpec, let state = oauth2 else { return }
        spec.clientID = registered.clientID
        spec.clientSecret = registered.clientSecret
        spec.authMethod = registered.metadata.tokenEndpointAuthMethod
        spec.preissuedToken = nil
        if let redirect = registered.metadata.redirectURIs.first { spec.redirectURI = redirect }
        if !registered.metadata.scope.isEmpty { spec.scope = registered.metadata.scope }
        let (_, session) = try await ScenarioRunner.sessions(
            for: spec,
            provider: provider,
            redirectURI: spec.redirectURI ?? "http://127.0.0.1/callback",
            over: recorder,
            clock: clock,
            updates: state.updates
        )
        guard let session else { return }
        oauth2?.session = session
        oauth2?.clientSpec = spec
        oauth2?.openID = OpenIDState(options: spec.openID)
        recorder.transcript.note("the scenario now runs as the registered client")
    }

    /// `client_configuration`: RFC 7592 read, update or delete of the registered client; the
    /// answer becomes the last response.
    mutating func clientConfiguration(_ action: Step.ClientConfigurationAction, step kind: String) async throws {
        guard let registered = oauth2?.registered else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "client_configuration needs an earlier register_client step", step: kind)
        }
        let registration = ClientRegistration(transport: recorder)
        switch action {
        case .read:
            let current = try await registration.read(registered)
            lastResponse = Self.registrationResponse(current)
        case .update(let metadata):
            let updated = try await registration.update(registered, metadata: ClientMetadata(members: metadata.objectValue ?? [:]))
            oauth2?.registered = updated
            lastResponse = Self.registrationResponse(updated)
        case .delete:
            try await registration.delete(registered)
            lastResponse = TransportResponse(status: 204)
            recorder.transcript.note("the registered client was deleted")
        }
    }

    /// A registration as a response for `expect` (`json.client_id`, `json.redirect_uris.0`, …).
    static func registrationResponse(_ client: RegisteredClient) -> TransportResponse {
        var members = client.metadata.members
        members["client_id"] = .string(client.clientID)
        if let secret = client.clientSecret { members["client_secret"] = .string(secret) }
        if let uri = client.registrationClientURI { members["registration_client_uri"] = .string(uri) }
        if let token = client.registrationAccessToken { members["registration_access_token"] = .string(token) }
        return TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: JSONValue.object(members).jsonBytes)
    }
}

// MARK: RFC 9728 — protected resource metadata; RFC 8707 — resource indicators

extension StepContext {
    /// RFC 8707 §2: the discovered resource, sent with authorization and token requests.
    var resourceParameter: [(String, String)] { oauth2?.resource.map { [("resource", $0)] } ?? [] }

    /// `discover_resource`: the resource called without a token must answer 401 naming its
    /// metadata (RFC 9728 §5.1); the metadata must name the resource called (§3.3) and, as its
    /// authorization server, the provider, whose RFC 8414 metadata is then read (and becomes the
    /// scenario's `metadata.*`).
    mutating func discoverResource(_ path: String, session: OAuth2Session, step kind: String) async throws {
        let url = provider.endpoints.url(path)
        let resource = URLReference(url).withoutQuery
        let answer = try await session.transport.send(TransportRequest(method: "GET", url: url, headers: ["Accept": "application/json"]), step: kind)
        lastResponse = answer
        guard answer.status == 401, let challenge = answer.headers["WWW-Authenticate"],
            let metadataURL = ProtectedResourceMetadata.metadataURL(fromChallenge: challenge)
        else {
            throw OAuthError(
                code: "invalid_resource_metadata",
                description: "the resource answered HTTP \(answer.status) without a WWW-Authenticate resource_metadata (RFC 9728 §5.1)",
                httpStatus: answer.status,
                step: kind,
                origin: .provider
            )
        }
        let metadata = try await ProtectedResourceMetadata.fetch(metadataURL, resource: resource, transport: session.transport)
        let issuer = provider.endpoints.issuer ?? provider.endpoints.baseURL
        guard metadata.authorizationServers.contains(issuer) else {
            throw OAuthError(
                code: "invalid_resource_metadata",
                description:
                    "the resource names \(metadata.authorizationServers.joined(separator: ", ")) as its authorization server, not the provider \(issuer)",
                step: kind,
                origin: .provider
            )
        }
        let server = try await Discovery.metadata(forIssuer: issuer, cache: metadataCache)
        oauth2?.metadata = server.metadata
        oauth2?.resource = metadata.resource
        recorder.transcript.note("the resource \(metadata.resource) is served by \(issuer) (\(server.source)); tokens are now asked for it")
    }
}
