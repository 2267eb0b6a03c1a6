import Foundation
import OAuthCore

extension MockProvider {
    // MARK: Token endpoint (RFC 6749 §3.2, §4, §5, §6; RFC 7523 §2.1)

    func token(_ request: TransportRequest) async -> TransportResponse {
        var parsed = has(.requireJSONTokenRequest) ? nil : formBody(request)
        if let refusal = tokenRequestQuirks(request, form: &parsed) { return refusal }
        // RFC 9449 §5: a valid proof binds what is issued to its key.
        var jkt: String?
        if let settings = profile.dpop {
            switch dpopProof(request, target: MockProvider.issuer(request) + profile.endpoints.token, accessToken: nil) {
            case .failure(let problem): return dpopTokenError(problem)
            case .success(let found): jkt = found
            }
            if jkt == nil, settings.required { return Self.tokenError(400, "invalid_dpop_proof", "a DPoP proof is required (RFC 9449 §5)") }
        }
        var response = tokenResponseQuirks(await standardToken(request, form: parsed, jkt: jkt), request: request)
        if profile.dpop?.nonce == true { response.headers["DPoP-Nonce"] = store.withStorage { $0.dpopNonce } }
        return response
    }

    func standardToken(_ request: TransportRequest, form: FormParameters?, jkt: String? = nil) async -> TransportResponse {
        guard let form else {
            return Self.tokenError(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        }
        if let grantType = form["grant_type"] {
            // Counted before authentication (so refused requests count too), but only under the
            // grant types the provider knows: distinct made-up names cannot grow the table.
            let key = ProviderProfile.GrantType(rawValue: grantType) != nil ? grantType : "(other)"
            store.withStorage { $0.grantCounts[key, default: 0] += 1 }
        }
        // RFC 8693 §2.1 lets a token exchange repeat audience and resource; nothing else may repeat.
        let exchange = form["grant_type"] == ProviderProfile.GrantType.tokenExchange.rawValue
        let checked = exchange ? FormParameters(form.filter { $0.name != "audience" && $0.name != "resource" }.map { ($0.name, $0.value) }) : form
        if let repeated = checked.firstRepeatedName {
            return Self.tokenError(400, "invalid_request", "\(repeated) is repeated")
        }
        guard let grantType = form["grant_type"] else { return Self.tokenError(400, "invalid_request", "grant_type is missing") }
        // A JWT bearer grant may identify the client by the assertion alone (RFC 7523 §3.1).
        let client: ProviderProfile.Client?
        switch await authenticateClient(
            request,
            form: form,
            endpointPath: profile.endpoints.token,
            optional: grantType == ProviderProfile.GrantType.jwtBearer.rawValue
        )
        {
        case .success(let authenticated): client = authenticated
        case .failure(let failure): return failure.response
        }
        guard let grant = ProviderProfile.GrantType(rawValue: grantType), profile.grantTypes.contains(grant) else {
            return Self.tokenError(400, "unsupported_grant_type", "grant_type \(grantType) is not supported")
        }
        switch grant {
        case .authorizationCode:
            return await exchangeCode(request, form: form, client: client!, jkt: jkt)
        case .refreshToken:
            return await refresh(request, form: form, client: client!, jkt: jkt)
        case .clientCredentials:
            guard let client = client!.isConfidential ? client : nil else {
                return Self.tokenError(400, "unauthorized_client", "client_credentials is for confidential clients (RFC 6749 §4.4)")
            }
            return await withScope(form) { scope in
                await issueTokens(
                    request,
                    form: form,
                    clientID: client.clientID,
                    sub: nil,
                    scope: scope,
                    now: clock.now(),
                    fromCode: nil,
                    refresh: false,
                    jkt: jkt
                )
            }
        case .password:
            guard let username = form["username"], let password = form["password"] else {
                return Self.tokenError(400, "invalid_request", "username and password are required")
            }
            guard let user = profile.user(sub: username), let expected = user.password, constantTimeEquals(expected, password) else {
                return Self.tokenError(400, "invalid_grant", "invalid resource owner credentials")
            }
            return await withScope(form) { scope in
                await issueTokens(
                    request,
                    form: form,
                    clientID: client!.clientID,
                    sub: user.sub,
                    scope: scope,
                    now: clock.now(),
                    fromCode: nil,
                    refresh: profile.issueRefreshToken,
                    jkt: jkt
                )
            }
        case .jwtBearer:
            return await jwtBearer(request, form: form, client: client, jkt: jkt)
        case .deviceCode:
            return await deviceToken(request, form: form, client: client!, jkt: jkt)
        case .tokenExchange:
            return await exchangeToken(request, form: form, client: client!, jkt: jkt)
        }
    }

    /// Validates the requested scope (or applies the default) and runs `issue` with it.
    func withScope(_ form: FormParameters, _ issue: ([String]) async -> TransportResponse) async -> TransportResponse {
        let scope = form["scope"].map { $0.split(separator: " ").map(String.init) } ?? profile.defaultScope
        if !profile.scopes.isEmpty, let unknown = scope.first(where: { !profile.scopes.contains($0) }) {
            return Self.tokenError(400, "invalid_scope", "unknown scope \(unknown)")
        }
        return await issue(scope)
    }

    func exchangeCode(_ request: TransportRequest, form: FormParameters, client: ProviderProfile.Client, jkt: String?) async -> TransportResponse {
        guard let code = form["code"], !code.isEmpty else { return Self.tokenError(400, "invalid_request", "code is missing") }
        let now = clock.now()
        let outcome: Result<ProviderState.CodeGrant, ClientAuthFailure> = store.withStorage { storage in
            func fail(_ description: String) -> Result<ProviderState.CodeGrant, ClientAuthFailure> {
                .failure(ClientAuthFailure(response: Self.tokenError(400, "invalid_grant", description)))
            }
            guard var grant = storage.codes[code] else { return fail("the authorization code is invalid") }
            if grant.redeemed {
                // A replayed code: revoke what it produced (RFC 6749 §4.1.2, §10.5).
                for token in grant.issuedTokens {
                    storage.accessTokens[token]?.revoked = true
                    storage.refreshTokens[token]?.revoked = true
                }
                return fail("the authorization code was already used")
            }
            guard grant.clientID == client.clientID else { return fail("the authorization code was issued to another client") }
            guard now < grant.expiresAt else { return fail("the authorization code has expired") }
            if let registered = grant.redirectURI, form["redirect_uri"] != registered {
                return fail("redirect_uri does not match the authorization request")
            }
            if let challenge = grant.challenge {
                guard let verifier = form["code_verifier"] else { return fail("code_verifier is missing (PKCE)") }
                // The mock's own RFC 7636 check, never the client's PKCE code.
                guard IndependentVerification.verifyPKCE(verifier: verifier, challenge: challenge, method: grant.challengeMethod ?? "plain")
                else { return fail("code_verifier does not match the code_challenge (PKCE)") }
            } else if form["code_verifier"] != nil {
                return fail("code_verifier sent but no code_challenge was in the authorization request")
            }
            if let bound = grant.dpopJKT, bound != jkt { return fail("the code is bound to another DPoP key (dpop_jkt, RFC 9449 §10)") }
            // RFC 8707 §2.2: the token request may only narrow the resources of the grant.
            if !grant.resources.isEmpty, let asked = form["resource"], !grant.resources.contains(asked) {
                return .failure(
                    ClientAuthFailure(
                        response: Self.tokenError(400, "invalid_target", "resource \(asked) was not in the authorization request (RFC 8707 §2.2)")
                    )
                )
            }
            grant.redeemed = true
            storage.codes[code] = grant
            return .success(grant)
        }
        switch outcome {
        case .failure(let failure): return failure.response
        case .success(let grant):
            var response = await issueTokens(
                request,
                form: form,
                clientID: client.clientID,
                sub: grant.sub,
                scope: grant.scope,
                now: now,
                fromCode: code,
                refresh: profile.issueRefreshToken,
                jkt: jkt,
                authorizationDetails: grant.authorizationDetails
            )
            // OpenID Connect Core §3.1.3.3: an id_token when openid was asked for.
            if profile.oidc != nil, grant.scope.contains("openid"), case .object(var body)? = try? JSONValue.parse(response.body),
                let accessToken = body["access_token"]?.stringValue,
                let idToken = await idToken(
                    issuer: MockProvider.issuer(request),
                    clientID: client.clientID,
                    sub: grant.sub,
                    nonce: grant.nonce,
                    accessToken: accessToken,
                    now: now
                )
            {
                body["id_token"] = .string(idToken)
                response.body = JSONValue.object(body).jsonBytes
            }
            return response
        }
    }

    /// RFC 6749 §6. With rotation the old refresh token is retired and a new one issued; without
    /// it the response has no refresh_token and the client keeps using the old one.
    func refresh(_ request: TransportRequest, form: FormParameters, client: ProviderProfile.Client, jkt: String?) async -> TransportResponse {
        guard let refreshToken = form["refresh_token"] else { return Self.tokenError(400, "invalid_request", "refresh_token is missing") }
        let now = clock.now()
        let requested = form["scope"].map { $0.split(separator: " ").map(String.init) }
        let rotation = profile.refreshTokenRotation
        let outcome: Result<ProviderState.TokenGrant, ClientAuthFailure> = store.withStorage { storage in
            func fail(_ error: String, _ description: String) -> Result<ProviderState.TokenGrant, ClientAuthFailure> {
                .failure(ClientAuthFailure(response: Self.tokenError(400, error, description)))
            }
            guard let grant = storage.refreshTokens[refreshToken] else { return fail("invalid_grant", "the refresh token is invalid") }
            guard !grant.revoked else { return fail("invalid_grant", "the refresh token was revoked") }
            guard grant.clientID == client.clientID else { return fail("invalid_grant", "the refresh token was issued to another client") }
            if let expiresAt = grant.expiresAt, now >= expiresAt { return fail("invalid_grant", "the refresh token has expired") }
            // RFC 9449 §5: a public client's refresh token is bound to its DPoP key.
            if let bound = grant.jkt, bound != jkt { return fail("invalid_grant", "the refresh token is bound to another DPoP key (RFC 9449 §5)") }
            if let requested, let extra = requested.first(where: { !grant.scope.contains($0) }) {
                return fail("invalid_scope", "scope \(extra) exceeds the original grant (RFC 6749 §6)")
            }
            if rotation { storage.refreshTokens[refreshToken]?.revoked = true }
            return .success(grant)
        }
        switch outcome {
        case .failure(let failure): return failure.response
        case .success(let grant):
            return await issueTokens(
                request,
                form: form,
                clientID: client.clientID,
                sub: grant.sub,
                scope: requested ?? grant.scope,
                now: now,
                fromCode: nil,
                refresh: rotation,
                keepingRefreshToken: rotation ? nil : refreshToken,
                jkt: jkt,
                authorizationDetails: grant.authorizationDetails
            )
        }
    }

    /// RFC 7523 §2.1 and §3: a JWT signed by a registered client's key, naming a user as `sub`
    /// and this provider as `aud`. Problems are `invalid_grant`.
    func jwtBearer(_ request: TransportRequest, form: FormParameters, client: ProviderProfile.Client?, jkt: String?) async -> TransportResponse {
        guard let assertion = form["assertion"] else { return Self.tokenError(400, "invalid_request", "assertion is missing") }
        func invalid(_ description: String) -> TransportResponse { Self.tokenError(400, "invalid_grant", description) }
        guard let jwt = DecodedJWT(assertion) else { return invalid("the assertion is not a JWT") }
        guard let issuerID = jwt.claims["iss"]?.stringValue, let issuerClient = self.client(id: issuerID) else {
            return invalid("the assertion's iss is not a registered client")
        }
        if let client, client.clientID != issuerID { return invalid("the assertion was issued by another client") }
        guard verifySignature(assertion, jwt: jwt, client: issuerClient, allowSecret: jwt.algorithm?.hasPrefix("HS") == true) else {
            return invalid("the assertion's signature does not verify with the issuer's key")
        }
        let base = MockProvider.issuer(request)
        if let problem = checkClaims(jwt.claims, audiences: [base + profile.endpoints.token, base]) { return invalid(problem) }
        guard let sub = jwt.claims["sub"]?.stringValue, profile.user(sub: sub) != nil else {
            return invalid("the assertion's sub is not a known user")
        }
        return await withScope(form) { scope in
            await issueTokens(
                request,
                form: form,
                clientID: issuerID,
                sub: sub,
                scope: scope,
                now: clock.now(),
                fromCode: nil,
                refresh: false,
                jkt: jkt
            )
        }
    }

    /// Mints the access token (opaque, or an RFC 9068 JWT when the profile says so; its `aud`
    /// is the request's RFC 8707 `resource`, else the profile's audience, else the issuer) and
    /// the refresh token, and remembers both.
    func issueTokens(
        _ request: TransportRequest,
        form: FormParameters,
        clientID: String,
        sub: String?,
        scope: [String],
        now: Date,
        fromCode code: String?,
        refresh: Bool,
        keepingRefreshToken: String? = nil,
        jkt: String? = nil,
        authorizationDetails: JSONValue? = nil,
        exchanged: ExchangedGrant? = nil
    ) async -> TransportResponse {
        let resource = form["resource"]
        if exchanged == nil, let resource, URLReference(resource).scheme == nil || resource.contains("#") {
            return Self.tokenError(400, "invalid_target", "resource must be an absolute URI without a fragment (RFC 8707 §2)")
        }
        let issuer = MockProvider.issuer(request)
        let audience = exchanged?.audience ?? [resource ?? profile.accessTokens.audience ?? issuer]
        let accessToken: String
        if profile.accessTokens.format == .jwt || exchanged?.jwt == true {
            var claims = accessTokenClaims(
                issuer: issuer,
                subject: sub ?? clientID,
                clientID: clientID,
                audience: audience,
                scope: scope,
                issuedAt: now,
                lifetime: profile.accessTokenLifetime
            )
            // RFC 9449 §6.1: the bound key's thumbprint in the confirmation claim.
            if let jkt { claims["cnf"] = .object(["jkt": .string(jkt)]) }
            if let authorizationDetails { claims["authorization_details"] = authorizationDetails }
            // RFC 8693 §4.1: who acts for the subject.
            if let act = exchanged?.act { claims["act"] = act }
            guard let jwt = try? await accessTokenSigningKey()?.sign(claims, withKid: true, type: "at+jwt") else {
                return Self.tokenError(500, "server_error", "the JWT access token could not be signed")
            }
            accessToken = jwt
        } else {
            accessToken = SecureRandom.token(bytes: 32)
        }
        let refreshToken = refresh ? SecureRandom.token(bytes: 32) : nil
        // §5: refresh tokens are bound for public clients only; confidential ones authenticate.
        let access = ProviderState.TokenGrant(
            clientID: clientID,
            sub: sub,
            scope: scope,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(profile.accessTokenLifetime),
            revoked: false,
            related: (refreshToken ?? keepingRefreshToken).map { [$0] } ?? [],
            audience: audience,
            jkt: jkt,
            authorizationDetails: authorizationDetails,
            act: exchanged?.act
        )
        var refreshGrant = access
        refreshGrant.expiresAt = profile.refreshTokenLifetime.map { now.addingTimeInterval($0) }
        refreshGrant.related = [accessToken]
        refreshGrant.audience = nil
        refreshGrant.jkt = jkt.flatMap { key in
            self.client(id: clientID).flatMap { $0.isConfidential ? nil : key }
        }
        store.withStorage { storage in
            storage.accessTokens[accessToken] = access
            if let refreshToken {
                storage.refreshTokens[refreshToken] = refreshGrant
            } else if let keepingRefreshToken {
                storage.refreshTokens[keepingRefreshToken]?.related.append(accessToken)
            }
            if let code { storage.codes[code]?.issuedTokens += [accessToken] + (refreshToken.map { [$0] } ?? []) }
        }
        var body: [String: JSONValue] = [
            "access_token": .string(accessToken), "token_type": .string(jkt == nil ? "Bearer" : "DPoP"),
            "expires_in": .number(JSONNumber(profile.accessTokenLifetime.rounded())), "scope": .string(scope.joined(separator: " ")),
        ]
        if let refreshToken { body["refresh_token"] = .string(refreshToken) }
        if let authorizationDetails { body["authorization_details"] = authorizationDetails }
        if let exchanged { body["issued_token_type"] = .string(exchanged.jwt ? TokenExchangeType.jwt.urn : TokenExchangeType.accessToken.urn) }
        return Self.json(200, body)
    }
}
