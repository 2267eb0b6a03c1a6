import Foundation
import OAuthCore

/// The token types of RFC 8693 §3 the mock speaks, by short name.
typealias TokenExchangeType = ProviderProfile.TokenExchangeSettings.TokenType

/// What a token exchange issues beyond a plain grant: the audience asked for, the actor claim,
/// and whether the token must be a JWT.
struct ExchangedGrant {
    var audience: [String]?
    var act: JSONValue?
    var jwt: Bool
}

extension MockProvider {
    // MARK: RFC 8693 — token exchange

    /// A subject or actor token, once validated: who it stands for and what it may do.
    struct ExchangeParty {
        var sub: String
        var clientID: String?
        var scope: [String]
        var audience: [String]
        var act: JSONValue?
        /// A trusted issuer's JWT names this provider as its audience: any client may present it.
        var forThisProvider = false
    }

    /// §2.1–§2.2: a confidential client exchanges a subject token it may use (issued to it, or
    /// naming it in its audience) for an access token for the audience or resource asked for,
    /// with `act` naming the actor when an actor token is given and the profile allows delegation.
    func exchangeToken(_ request: TransportRequest, form: FormParameters, client: ProviderProfile.Client, jkt: String?) async -> TransportResponse {
        guard let settings = profile.tokenExchange else { return Self.tokenError(400, "unsupported_grant_type", "token exchange is not offered") }
        func invalid(_ error: String, _ description: String) -> TransportResponse { Self.tokenError(400, error, description) }
        guard client.isConfidential else {
            return invalid("unauthorized_client", "token exchange is for confidential clients")
        }
        guard let subjectToken = form["subject_token"], !subjectToken.isEmpty, let subjectType = form["subject_token_type"] else {
            return invalid("invalid_request", "subject_token and subject_token_type are required (RFC 8693 §2.1)")
        }
        let issuer = MockProvider.issuer(request)
        let subject: ExchangeParty
        switch await party(subjectToken, type: subjectType, issuer: issuer, settings: settings) {
        case .success(let found): subject = found
        case .failure(let problem): return invalid(problem.error, "subject_token: " + problem.description)
        }
        // The subject token must be meant for the client presenting it (the provider checks
        // this; the evil mode does not).
        if evilMode != .tokenExchangeIgnoresAudience, !subject.forThisProvider, subject.clientID != client.clientID,
            !subject.audience.contains(client.clientID)
        {
            return invalid("invalid_request", "the subject token was neither issued to this client nor names it in its audience")
        }
        var act: JSONValue? = subject.act
        if let actorToken = form["actor_token"] {
            guard settings.delegation else { return invalid("invalid_request", "delegation is not allowed: actor_token refused") }
            guard let actorType = form["actor_token_type"] else { return invalid("invalid_request", "actor_token_type is required with actor_token") }
            let actor: ExchangeParty
            switch await party(actorToken, type: actorType, issuer: issuer, settings: settings) {
            case .success(let found): actor = found
            case .failure(let problem): return invalid(problem.error, "actor_token: " + problem.description)
            }
            // §4.1: the current actor first, the earlier ones nested inside.
            var claim: [String: JSONValue] = ["sub": .string(actor.sub)]
            if let earlier = subject.act { claim["act"] = earlier }
            act = .object(claim)
        } else if form["actor_token_type"] != nil {
            return invalid("invalid_request", "actor_token_type without actor_token")
        }
        var wantsJWT = false
        if let requested = form["requested_token_type"] {
            switch requested {
            case TokenExchangeType.accessToken.urn: break
            case TokenExchangeType.jwt.urn: wantsJWT = true
            default: return invalid("invalid_request", "requested_token_type \(requested) is not issued here")
            }
        }
        let targets = form.values(for: "audience") + form.values(for: "resource")
        for resource in form.values(for: "resource") where URLReference(resource).scheme == nil || resource.contains("#") {
            return invalid("invalid_target", "resource must be an absolute URI without a fragment (RFC 8707 §2)")
        }
        if !settings.audiences.isEmpty, let unknown = targets.first(where: { !settings.audiences.contains($0) }) {
            return invalid("invalid_target", "\(unknown) is not an audience this provider issues tokens for")
        }
        let requestedScope = form["scope"].map { $0.split(separator: " ").map(String.init) }
        if let requestedScope, let extra = requestedScope.first(where: { !subject.scope.contains($0) }) {
            return invalid("invalid_scope", "scope \(extra) exceeds the subject token's")
        }
        return await issueTokens(
            request,
            form: form,
            clientID: client.clientID,
            sub: subject.sub,
            scope: requestedScope ?? subject.scope,
            now: clock.now(),
            fromCode: nil,
            refresh: false,
            jkt: jkt,
            exchanged: ExchangedGrant(audience: targets.isEmpty ? nil : targets, act: act, jwt: wantsJWT)
        )
    }

    /// The party a subject or actor token stands for (an invalid or unacceptable one is
    /// `invalid_request`, §2.2.2): this provider's active access or refresh
    /// token, or a JWT (its own JWT access token, or a trusted issuer's).
    func party(
        _ token: String,
        type: String,
        issuer: String,
        settings: ProviderProfile.TokenExchangeSettings
    ) async -> Result<ExchangeParty, AuthorizationError> {
        func fail(_ error: String, _ description: String) -> Result<ExchangeParty, AuthorizationError> {
            .failure(AuthorizationError(error: error, description: description))
        }
        guard let kind = TokenExchangeType.allCases.first(where: { $0.urn == type }), settings.subjectTokenTypes.contains(kind) else {
            return fail("invalid_request", "token type \(type) is not accepted here")
        }
        let now = clock.now()
        func fromGrant(_ grant: ProviderState.TokenGrant?) -> Result<ExchangeParty, AuthorizationError> {
            guard let grant, !grant.revoked, grant.expiresAt.map({ now < $0 }) ?? true else {
                return fail("invalid_request", "not an active token of this provider")
            }
            return .success(
                ExchangeParty(
                    sub: grant.sub ?? grant.clientID,
                    clientID: grant.clientID,
                    scope: grant.scope,
                    audience: grant.audience ?? [],
                    act: grant.act
                )
            )
        }
        switch kind {
        case .accessToken: return fromGrant(store.withStorage { $0.accessTokens[token] })
        case .refreshToken: return fromGrant(store.withStorage { $0.refreshTokens[token] })
        case .idToken:
            // One of this provider's ID tokens: its signature by a key of the JWKS, its issuer,
            // not expired; it speaks for its sub, to the clients its aud names.
            guard profile.oidc != nil, let jwt = DecodedJWT(token) else { return fail("invalid_request", "not an ID token of this provider") }
            guard await signedByThisProvider(token) else { return fail("invalid_request", "the ID token is not signed by this provider's keys") }
            guard jwt.claims["iss"]?.stringValue == issuer else { return fail("invalid_request", "the ID token's iss is not this provider") }
            guard case .number(let exp)? = jwt.claims["exp"], now.timeIntervalSince1970 < exp.double else {
                return fail("invalid_request", "the ID token has expired")
            }
            guard let sub = jwt.claims["sub"]?.stringValue, !sub.isEmpty else { return fail("invalid_request", "the ID token has no sub") }
            let audience = jwt.claims["aud"]?.stringValue.map { [$0] } ?? jwt.claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return .success(
                ExchangeParty(
                    sub: sub,
                    clientID: jwt.claims["azp"]?.stringValue ?? (audience.count == 1 ? audience[0] : nil),
                    scope: profile.defaultScope,
                    audience: audience
                )
            )
        case .jwt:
            if let own = store.withStorage({ $0.accessTokens[token] }) { return fromGrant(own) }
            guard let jwt = DecodedJWT(token), let iss = jwt.claims["iss"]?.stringValue else { return fail("invalid_request", "not a JWT") }
            guard let trusted = settings.trustedIssuers.first(where: { $0.issuer == iss }) else {
                return fail("invalid_request", "the JWT's issuer is not trusted here")
            }
            let key = ProviderProfile.Client(clientID: iss, redirectURIs: [], authMethods: [], requirePKCE: false, publicKeyPEM: trusted.publicKeyPEM)
            guard verifySignature(token, jwt: jwt, client: key, allowSecret: false) else {
                return fail("invalid_request", "the JWT's signature does not verify with its issuer's key")
            }
            if let problem = checkClaims(jwt.claims, audiences: [issuer, issuer + profile.endpoints.token]) {
                return fail("invalid_request", problem.replacingOccurrences(of: "assertion", with: "JWT"))
            }
            guard let sub = jwt.claims["sub"]?.stringValue, !sub.isEmpty else { return fail("invalid_request", "the JWT has no sub") }
            let scope = jwt.claims["scope"]?.stringValue.map { $0.split(separator: " ").map(String.init) } ?? profile.defaultScope
            return .success(ExchangeParty(sub: sub, clientID: nil, scope: scope, audience: [issuer], act: jwt.claims["act"], forThisProvider: true))
        }
    }
}
