import Foundation
import OAuthCore

extension MockProvider {
    // MARK: RFC 9126 — pushed authorization requests

    /// The prefix of the mock's request URIs (RFC 9126 §2.2).
    static let requestURIPrefix = "urn:ietf:params:oauth:request_uri:"
    /// Client-authentication parameters, which a pushed request's stored parameters leave out.
    static let clientAuthenticationFields: Set<String> = ["client_secret", "client_assertion", "client_assertion_type"]

    /// The PAR endpoint (§2): the client authenticates, the request (or its signed request object)
    /// is checked as the authorization endpoint would check it, and a single-use `request_uri` is
    /// answered with 201.
    func pushedAuthorization(_ request: TransportRequest) async -> TransportResponse {
        guard let form = formBody(request) else {
            return Self.tokenError(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        }
        if let repeated = form.firstRepeatedName { return Self.tokenError(400, "invalid_request", "\(repeated) is repeated") }
        let client: ProviderProfile.Client
        switch await authenticateClient(request, form: form, endpointPath: profile.endpoints[.par] ?? "") {
        case .success(let authenticated): client = authenticated!
        case .failure(let failure): return failure.response
        }
        guard form["request_uri"] == nil else {
            return Self.tokenError(400, "invalid_request", "request_uri cannot be pushed (RFC 9126 §2.1)")
        }
        var parameters = FormParameters(form.filter { !Self.clientAuthenticationFields.contains($0.name) }.map { ($0.name, $0.value) })
        if let object = form["request"] {
            await prefetchRequestObjectKey(form)
            switch requestObjectParameters(object, client: client, issuer: MockProvider.issuer(request)) {
            case .success(let claims): parameters = claims
            case .failure(let problem): return Self.tokenError(400, problem.error, problem.description)
            }
        } else if profile.requestObjects?.required == true {
            return Self.tokenError(400, "invalid_request", "a signed request object is required (RFC 9101 §10.5)")
        }
        guard parameters["client_id"] == nil || parameters["client_id"] == client.clientID else {
            return Self.tokenError(400, "invalid_request", "client_id differs from the authenticated client")
        }
        parameters.set("client_id", client.clientID)
        // RFC 9449 §10.1: a DPoP proof sent with the push binds the code as dpop_jkt would.
        switch dpopProof(request, target: MockProvider.issuer(request) + (profile.endpoints[.par] ?? ""), accessToken: nil) {
        case .failure(let problem): return dpopTokenError(problem)
        case .success(let jkt?):
            if let given = parameters["dpop_jkt"], given != jkt {
                return Self.tokenError(400, "invalid_dpop_proof", "dpop_jkt is not the thumbprint of the proof's key (RFC 9449 §10.1)")
            }
            parameters.set("dpop_jkt", jkt)
        case .success(nil): break
        }
        if case .failure(let problem) = Self.registeredRedirect(parameters["redirect_uri"], of: client) {
            return Self.tokenError(400, "invalid_request", problem.message)
        }
        if case .failure(let problem) = validated(parameters, client: client) {
            return Self.tokenError(400, problem.error, problem.description)
        }
        let requestURI = Self.requestURIPrefix + SecureRandom.token(bytes: 24)
        let lifetime = profile.par.requestURILifetime
        let pushed = ProviderState.PushedRequest(
            clientID: client.clientID,
            parameters: parameters,
            expiresAt: clock.now().addingTimeInterval(lifetime)
        )
        store.withStorage { $0.pushedRequests[requestURI] = pushed }
        return Self.json(201, ["request_uri": .string(requestURI), "expires_in": .number(JSONNumber(Int64(lifetime.rounded())))])
    }

    /// An authorization request as the endpoint acts on it: the pushed one for a `request_uri`
    /// (§4), the request object's claims for a `request` (RFC 9101 §6), else the query; the
    /// login pages' own fields kept. Refusals are shown as pages (no redirect can be trusted yet).
    struct ResolvedRequest {
        var parameters: FormParameters
        var requestURI: String?
    }

    func resolveAuthorizationRequest(_ incoming: FormParameters, issuer: String) -> Result<ResolvedRequest, AuthorizationError> {
        let pageFields = incoming.filter { Self.loginFields.contains($0.name) }
        func with(_ parameters: FormParameters) -> FormParameters {
            var all = parameters
            for field in pageFields { all.append(field.name, field.value) }
            return all
        }
        if let uri = incoming["request_uri"], profile.endpoints[.par] != nil, uri.hasPrefix(Self.requestURIPrefix) {
            let now = clock.now()
            guard let pushed = store.withStorage({ $0.pushedRequests[uri] }) else {
                return .failure(.init(error: "invalid_request_uri", description: "request_uri is unknown"))
            }
            guard incoming["client_id"] == pushed.clientID else {
                return .failure(.init(error: "invalid_request", description: "client_id is not the client that pushed the request"))
            }
            let (state, redirectURI) = (pushed.parameters["state"], pushed.parameters["redirect_uri"])
            guard now < pushed.expiresAt else {
                return .failure(.init(error: "invalid_request_uri", description: "request_uri has expired", state: state, redirectURI: redirectURI))
            }
            guard !pushed.used || evilMode == .requestURIReplay else {
                return .failure(
                    .init(
                        error: "invalid_request_uri",
                        description: "request_uri was already used (RFC 9126 §4)",
                        state: state,
                        redirectURI: redirectURI
                    )
                )
            }
            return .success(ResolvedRequest(parameters: with(pushed.parameters), requestURI: uri))
        }
        if profile.par.required, profile.endpoints[.par] != nil {
            return .failure(.init(error: "invalid_request", description: "authorization requests must be pushed (RFC 9126 §5)"))
        }
        if let object = incoming["request"], profile.requestObjects != nil {
            guard let clientID = incoming["client_id"], let client = self.client(id: clientID) else {
                return .failure(.init(error: "invalid_request", description: "client_id is missing or unknown"))
            }
            switch requestObjectParameters(object, client: client, issuer: issuer) {
            case .failure(let problem): return .failure(problem)
            case .success(var parameters):
                guard parameters["client_id"] == nil || parameters["client_id"] == clientID else {
                    return .failure(.init(error: "invalid_request_object", description: "the request object's client_id is another client"))
                }
                parameters.set("client_id", clientID)
                if evilMode == .requestObjectOverridden {
                    for pair in incoming where !["client_id", "request"].contains(pair.name) && !Self.loginFields.contains(pair.name) {
                        parameters.set(pair.name, pair.value)
                    }
                }
                return .success(ResolvedRequest(parameters: with(parameters), requestURI: nil))
            }
        }
        if profile.requestObjects?.required == true {
            return .failure(.init(error: "invalid_request", description: "a signed request object is required (RFC 9101 §10.5)"))
        }
        return .success(ResolvedRequest(parameters: incoming, requestURI: nil))
    }

    // MARK: RFC 9101 — request objects

    /// Claims that describe the object itself rather than the authorization request.
    static let requestObjectOwnClaims: Set<String> = ["iss", "aud", "exp", "iat", "nbf", "jti"]

    /// A request object's parameters (RFC 9101 §6): signed with an accepted algorithm by the
    /// client's key (or secret for HS256), `iss` the client, `aud` this issuer, not expired.
    func requestObjectParameters(_ object: String, client: ProviderProfile.Client, issuer: String) -> Result<FormParameters, AuthorizationError> {
        func invalid(_ description: String) -> Result<FormParameters, AuthorizationError> {
            .failure(.init(error: "invalid_request_object", description: description))
        }
        guard let settings = profile.requestObjects else {
            return .failure(.init(error: "request_not_supported", description: "request objects are not supported"))
        }
        guard let jwt = DecodedJWT(object) else { return invalid("the request object is not a JWT") }
        // OpenID Connect Core §6.1: an unsigned object (alg none, no signature) where the profile
        // takes them and the client did not register a signing algorithm; its iss, aud and exp
        // are checked only when present.
        let unsigned = jwt.algorithm == "none"
        if unsigned {
            guard settings.unsigned, [nil, "none"].contains(client.requestObjectSigningAlg), object.hasSuffix(".") else {
                return invalid("unsigned request objects are not accepted from this client")
            }
        } else {
            guard let name = jwt.algorithm, let alg = ProviderProfile.ClientSigningAlgorithm(rawValue: name), settings.algorithms.contains(alg) else {
                return invalid("the request object's alg is not one of \(settings.algorithms.map(\.rawValue).joined(separator: ", "))")
            }
            if let registered = client.requestObjectSigningAlg, registered != name {
                return invalid("the client registered request_object_signing_alg \(registered), not \(name)")
            }
            if evilMode != .requestObjectUnverified, !verifyClientSignature(object, jwt: jwt, client: client, alg: alg) {
                return invalid("the request object's signature does not verify with the client's key")
            }
        }
        let claims = jwt.claims
        if !unsigned || claims["iss"] != nil {
            guard claims["iss"]?.stringValue == client.clientID else { return invalid("the request object's iss is not the client") }
        }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let value)?: audiences = [value]
        case .array(let values)?: audiences = values.compactMap(\.stringValue)
        case nil where unsigned: audiences = [issuer]
        default: return invalid("the request object has no aud")
        }
        guard audiences.contains(issuer) else { return invalid("the request object's aud is not this issuer") }
        let now = clock.now().timeIntervalSince1970
        if !unsigned || claims["exp"] != nil {
            guard case .number(let exp)? = claims["exp"], exp.double > now else { return invalid("the request object has no exp or has expired") }
        }
        if case .number(let nbf)? = claims["nbf"], nbf.double > now + 60 { return invalid("the request object is not yet valid") }
        var parameters = FormParameters()
        for (key, value) in claims.sorted(by: { $0.key < $1.key }) where !Self.requestObjectOwnClaims.contains(key) {
            switch value {
            case .string(let text): parameters.append(key, text)
            case .number(let number): parameters.append(key, number.text)
            case .bool(let flag): parameters.append(key, flag ? "true" : "false")
            case .null: continue
            case .array, .object: parameters.append(key, value.jsonText)
            }
        }
        return .success(parameters)
    }
}
