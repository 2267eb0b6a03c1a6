import Foundation
import OAuth2
import OAuthCore

/// What an OAuth 2 scenario keeps between steps: the session, the calls of its token-update
/// callback, the authorization request in flight and its code, the metadata discovered, and
/// the OpenID Connect state on top.
struct OAuth2State {
    let session: OAuth2Session
    let updates: UpdateLog
    /// The client's private key, for the JWT bearer grant.
    let clientKeyPEM: String?
    var authorizationRequest: AuthorizationRequest?
    var code: String?
    var metadata: AuthorizationServerMetadata?
    var openID: OpenIDState
}

extension StepContext {
    func tokenValue(_ which: Step.TokenKind, step: String) throws(OAuthError) -> String {
        let value = which == .accessToken ? oauth2?.session.token?.accessToken : oauth2?.session.token?.refreshToken
        guard let value else { throw .client(.missingToken, "the session has no \(which.rawValue)", step: step) }
        return value
    }

    /// The steps of an OAuth 2 scenario (RFC 6749, 7009, 7662, 8414, 6750).
    mutating func executeOAuth2(_ step: Step, session: OAuth2Session) async throws {
        let endpoints = provider.endpoints
        switch step.action {
        case .authorize(let options):
            oauth2?.code = nil
            let request = try session.createAuthorizationURL(
                try endpoint(endpoints.authorize, "authorization", step: step.kind),
                responseType: options.responseType
            )
            oauth2?.authorizationRequest = request
            var callback = try await agent.navigate(from: request.url, to: request.redirectURI ?? "", intent: intent(options), step: step.kind)
            if let forged = options.callbackState {
                callback = Self.replacingQueryParameter("state", with: forged, in: callback)
                recorder.transcript.note("callback state replaced with a forged value before the client reads it")
            }
            oauth2?.code = try parseAuthorizationResponse(callback, expectedState: request.state, issuer: endpoints.responseIssuer)
        case .fetchToken(let options):
            try await fetchToken(options, session: session, step: step.kind)
        case .refresh(let usePrevious, let scope):
            var refreshToken: String?
            if usePrevious {
                guard let previous = oauth2?.updates.last?.previousRefreshToken else {
                    throw OAuthError.client(.missingRefreshToken, "no earlier refresh replaced a refresh token", step: step.kind)
                }
                refreshToken = previous
            }
            try await session.refreshToken(try endpoint(endpoints.token, "token", step: step.kind), refreshToken: refreshToken, scope: scope)
        case .revoke(let which, let hint):
            try await session.revokeToken(
                try endpoint(endpoints.revoke, "revocation", step: step.kind),
                token: try tokenValue(which, step: step.kind),
                tokenTypeHint: hint?.rawValue
            )
        case .introspect(let which, let hint):
            let answer = try await session.introspectToken(
                try endpoint(endpoints.introspect, "introspection", step: step.kind),
                token: try tokenValue(which, step: step.kind),
                tokenTypeHint: hint?.rawValue
            )
            lastResponse = TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: answer.jsonBytes)
        case .discover:
            let found = try await discover()
            oauth2?.metadata = found
        case .request(let method, let path, let concurrent):
            let url = endpoints.url(path)
            let kind = step.kind
            try await sendAll(concurrent, step: kind) { try await session.request(method, url, step: kind) }
        case .expect, .advanceClock, .fault, .clearCookies:
            try await executeShared(step)
        case .requestToken, .accessToken:
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(step.kind) is an OAuth 1 step", step: step.kind)
        case .login, .userinfo, .logout, .evil, .rotateKeys:
            break  // handled by executeOpenID
        }
    }

    /// `fetch_token`: the grant the step names, at the provider's token endpoint.
    mutating func fetchToken(_ options: Step.FetchToken, session: OAuth2Session, step kind: String) async throws {
        let tokenURL = try endpoint(provider.endpoints.token, "token", step: kind)
        let extra = options.resource.map { [("resource", $0)] } ?? []
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
