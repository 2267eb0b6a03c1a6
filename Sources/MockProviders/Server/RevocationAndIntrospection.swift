import Foundation
import OAuthCore

extension MockProvider {
    // MARK: RFC 7009 — revocation

    /// The form, authenticated client and `token` of a revocation or introspection request,
    /// or the error response.
    func tokenQuery(
        _ request: TransportRequest,
        endpointPath: String?
    ) async -> Result<(FormParameters, ProviderProfile.Client, String), ClientAuthFailure> {
        guard let form = formBody(request) else {
            return .failure(
                ClientAuthFailure(response: Self.tokenError(400, "invalid_request", "the body must be application/x-www-form-urlencoded"))
            )
        }
        if let repeated = form.firstRepeatedName {
            return .failure(ClientAuthFailure(response: Self.tokenError(400, "invalid_request", "\(repeated) is repeated")))
        }
        switch await authenticateClient(request, form: form, endpointPath: endpointPath ?? "") {
        case .success(let client):
            guard let token = form["token"] else {
                return .failure(ClientAuthFailure(response: Self.tokenError(400, "invalid_request", "token is missing")))
            }
            return .success((form, client!, token))
        case .failure(let failure):
            return .failure(failure)
        }
    }

    func revoke(_ request: TransportRequest) async -> TransportResponse {
        let (form, client, token): (FormParameters, ProviderProfile.Client, String)
        switch await tokenQuery(request, endpointPath: profile.endpoints.revoke) {
        case .success(let query): (form, client, token) = query
        case .failure(let failure): return failure.response
        }
        if let hint = form["token_type_hint"], hint != "access_token", hint != "refresh_token" {
            return Self.tokenError(400, "unsupported_token_type", "token_type_hint \(hint) is not supported")
        }
        let refused: Bool = store.withStorage { storage in
            // §2.1: a refresh token takes the access tokens of its grant with it.
            if let grant = storage.refreshTokens[token] {
                guard grant.clientID == client.clientID else { return true }
                storage.refreshTokens[token]?.revoked = true
                for access in grant.related { storage.accessTokens[access]?.revoked = true }
            } else if let grant = storage.accessTokens[token] {
                guard grant.clientID == client.clientID else { return true }
                storage.accessTokens[token]?.revoked = true
            }
            return false
        }
        if refused { return Self.tokenError(400, "unauthorized_client", "the token was issued to another client") }
        // §2.2: 200 also for a token the server does not know.
        return TransportResponse(status: 200, headers: ["Cache-Control": "no-store"])
    }

    // MARK: RFC 7662 — introspection

    func introspect(_ request: TransportRequest) async -> TransportResponse {
        let (form, client, token): (FormParameters, ProviderProfile.Client, String)
        switch await tokenQuery(request, endpointPath: profile.endpoints.introspect) {
        case .success(let query): (form, client, token) = query
        case .failure(let failure): return failure.response
        }
        let now = clock.now()
        let found: (ProviderState.TokenGrant, isRefresh: Bool)? = store.withStorage { storage in
            let access = storage.accessTokens[token].map { ($0, false) }
            let refresh = storage.refreshTokens[token].map { ($0, true) }
            return form["token_type_hint"] == "refresh_token" ? refresh ?? access : access ?? refresh
        }
        // §2.2: anything not currently valid, or not the caller's, is just inactive.
        guard let (grant, isRefresh) = found, !grant.revoked, grant.expiresAt.map({ now < $0 }) ?? true, grant.clientID == client.clientID else {
            return Self.json(200, ["active": JSONValue.bool(false)])
        }
        var body: [String: JSONValue] = [
            "active": .bool(true), "client_id": .string(grant.clientID), "scope": .string(grant.scope.joined(separator: " ")),
            "iat": .number(JSONNumber(grant.issuedAt.timeIntervalSince1970.rounded())), "iss": .string(MockProvider.issuer(request)),
            "token_type": .string(isRefresh ? "refresh_token" : grant.jkt == nil ? "Bearer" : "DPoP"),
        ]
        // RFC 9449 §6.2: the key a token is bound to.
        if let jkt = grant.jkt { body["cnf"] = .object(["jkt": .string(jkt)]) }
        if let details = grant.authorizationDetails { body["authorization_details"] = details }
        if let act = grant.act { body["act"] = act }
        if let sub = grant.sub {
            body["sub"] = .string(sub)
            body["username"] = .string(sub)
        }
        if let expiresAt = grant.expiresAt { body["exp"] = .number(JSONNumber(expiresAt.timeIntervalSince1970.rounded())) }
        if let audience = grant.audience {
            body["aud"] = audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string))
        }
        return Self.json(200, body)
    }

    // MARK: Protected resource (RFC 6750, RFC 9449 §7)

    /// What is wrong with how a token was presented (RFC 9449 §7.1–7.2): a bound token as Bearer,
    /// with another key's proof, or an unbound one as DPoP. `proofKey` is `nil` for Bearer, the
    /// proof's thumbprint (`nil` without a proof, in an evil mode) for `Authorization: DPoP`.
    func bindingProblem(_ grant: ProviderState.TokenGrant, proofKey: String??) -> DPoPProblem? {
        guard evilMode != .dpopProofNotRequired else { return nil }
        switch (grant.jkt, proofKey) {
        case (_?, nil): return DPoPProblem(error: "invalid_token", description: "the token is DPoP-bound: present it with a DPoP proof")
        case (let bound?, let key??) where key != bound:
            return DPoPProblem(error: "invalid_token", description: "the proof's key is not the one the token is bound to")
        case (nil, .some): return DPoPProblem(error: "invalid_token", description: "the token is not DPoP-bound")
        default: return nil
        }
    }

    func resource(_ request: TransportRequest, query: FormParameters?) async -> TransportResponse {
        // RFC 9728: the resource's identifier, only for a profile that publishes it (a hot path).
        let identifier = profile.protectedResource == nil ? nil : MockProvider.issuer(request) + profile.endpoints.resource
        // RFC 9728 §5.1: the challenge names the resource's metadata.
        let realm =
            "Bearer realm=\"\(profile.name)\""
            + (identifier.map { ", resource_metadata=\"\(Self.protectedResourceMetadataURL($0))\"" } ?? "")
        func challenge(_ status: Int, _ error: String, _ description: String) -> TransportResponse {
            var response = Self.json(status, ["error": error, "error_description": description])
            response.headers["WWW-Authenticate"] = "\(realm), error=\"\(error)\", error_description=\"\(description)\""
            return response
        }
        // Instagram reads the access_token query parameter and nothing else: a header beside it
        // is ignored (requests-oauthlib's compliance fix sends both), a header alone is not a token.
        let queryOnly = has(.tokenInQueryOnly)
        if queryOnly, query?["access_token"] == nil {
            return challenge(400, "invalid_request", "send the token as the access_token query parameter")
        }
        // §2: header, form body or query — exactly one of them.
        var presented: [String] = []
        // RFC 9449 §7.1: `Authorization: DPoP` with a proof for this request and token.
        var proofKey: String?? = nil
        if !queryOnly, profile.dpop != nil, let authorization = request.headers["Authorization"],
            HeaderList.value(authorization, hasLowercasePrefix: "dpop ")
        {
            let token = String(authorization.dropFirst(5)).trimmingCharacters(in: .whitespaces)
            switch dpopProof(request, target: MockProvider.issuer(request) + profile.endpoints.resource, accessToken: token) {
            case .failure(let problem): return dpopChallenge(problem)
            case .success(nil) where evilMode != .dpopProofNotRequired:
                return dpopChallenge(.invalid("a DPoP token needs a DPoP proof (RFC 9449 §7.1)"))
            case .success(let jkt): proofKey = .some(jkt)
            }
            presented.append(token)
        } else if !queryOnly, let authorization = request.headers["Authorization"] {
            guard authorization.lowercased().hasPrefix("bearer ") else {
                return challenge(401, "invalid_request", "the Authorization scheme is not Bearer")
            }
            presented.append(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        }
        if !queryOnly, request.method == "POST", let form = formBody(request) {
            if form.values(for: "access_token").count > 1 { return challenge(400, "invalid_request", "access_token is repeated") }
            if let token = form["access_token"] { presented.append(token) }
        }
        if let query {
            if query.values(for: "access_token").count > 1 { return challenge(400, "invalid_request", "access_token is repeated") }
            if let token = query["access_token"] { presented.append(token) }
        }
        guard presented.count <= 1 else { return challenge(400, "invalid_request", "the token was sent by more than one method (RFC 6750 §2)") }
        guard let token = presented.first else {
            // §3.1: a request without credentials gets a challenge without an error code.
            return TransportResponse(
                status: 401,
                headers: ["WWW-Authenticate": realm, "Content-Type": "application/json"],
                body: Array(#"{"error":"unauthorized"}"#.utf8)
            )
        }
        let now = clock.now()
        let grant = store.withStorage { $0.accessTokens[token] }
        let problem: String? =
            switch grant {
            case nil: "the access token is invalid"
            case let grant? where grant.revoked: "the access token was revoked"
            case let grant? where grant.expiresAt.map { now >= $0 } ?? false: "the access token expired"
            default: nil
            }
        if let problem { return challenge(401, "invalid_token", problem) }
        guard let grant else { return Self.json(500, ["error": "server_error"]) }
        // RFC 8707 §2, RFC 9728 §7.4: a token for another resource is not this resource's.
        if let identifier, grant.audience?.contains(identifier) != true, evilMode != .resourceIgnoresAudience {
            return challenge(401, "invalid_token", "the access token is not for this resource (RFC 8707 audience)")
        }
        if let problem = bindingProblem(grant, proofKey: proofKey) { return dpopChallenge(problem) }
        var claims: [String: JSONValue] = ["client_id": .string(grant.clientID), "scope": .string(grant.scope.joined(separator: " "))]
        if let sub = grant.sub, let user = profile.user(sub: sub) {
            claims.merge(user.claims) { current, _ in current }
            let seen = subject(sub, for: grant.clientID)
            claims["sub"] = .string(evilMode == .userinfoSubjectMismatch ? seen + "-someone-else" : seen)
        }
        // OpenID Connect Core §5.3.2: a client that registered userinfo_signed_response_alg gets
        // a JWT signed with the ID-token key, with iss and aud.
        if profile.oidc != nil, self.client(id: grant.clientID)?.userinfoSignedResponseAlg != nil, evilMode != .userinfoUnsigned {
            claims["iss"] = .string(MockProvider.issuer(request))
            claims["aud"] = .string(grant.clientID)
            guard let key = activeSigningKey(oidcState.withKeys({ $0 })), let signed = try? await key.sign(claims, withKid: true) else {
                return Self.json(500, ["error": "server_error", "error_description": "no key to sign the UserInfo response"])
            }
            return TransportResponse(
                status: 200,
                headers: ["Content-Type": "application/jwt", "Cache-Control": "no-store"],
                body: Array(signed.utf8)
            )
        }
        return Self.json(200, claims)
    }
}

extension MockProvider {
    // MARK: RFC 9728 — protected resource metadata

    /// Where a resource's metadata is (§3.1): the well-known prefix before the resource's path.
    static func protectedResourceMetadataURL(_ resource: String) -> String {
        let reference = URLReference(resource)
        return
            "\(reference.scheme ?? "http")://\(reference.authority ?? "")/.well-known/oauth-protected-resource\(reference.path == "/" ? "" : reference.path)"
    }

    /// §2–§3.2: the resource, this provider as its authorization server, its scopes, Bearer in the
    /// header (the Instagram-style query is not offered here).
    func protectedResourceMetadata(_ request: TransportRequest) -> TransportResponse {
        guard let settings = profile.protectedResource else {
            return Self.json(404, ["error": "not_found", "error_description": "no resource metadata"])
        }
        let issuer = MockProvider.issuer(request)
        var document: [String: JSONValue] = [
            "resource": .string(issuer + profile.endpoints.resource),
            "authorization_servers": .array([.string(issuer)]),
            "bearer_methods_supported": .array([.string("header")]),
        ]
        let scopes = settings.scopes ?? profile.scopes
        if !scopes.isEmpty { document["scopes_supported"] = .array(scopes.map(JSONValue.string)) }
        if let name = settings.name { document["resource_name"] = .string(name) }
        if profile.dpop != nil { document["dpop_bound_access_tokens_required"] = .bool(profile.dpop?.required == true) }
        return Self.json(200, document)
    }
}
