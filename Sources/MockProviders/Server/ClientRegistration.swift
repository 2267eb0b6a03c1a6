import Foundation
import OAuthCore

extension MockProvider {
    // MARK: RFC 7591 — dynamic client registration; RFC 7592 — client configuration

    /// The grant types a registered client may ask for, and the response types they need.
    static let registrableGrants: [String: String?] = [
        "authorization_code": "code", "refresh_token": nil, "client_credentials": nil,
        "urn:ietf:params:oauth:grant-type:device_code": nil, "urn:ietf:params:oauth:grant-type:token-exchange": nil,
    ]
    /// Members a client may not set itself (the server's, §3.2.1; RFC 7592 §2.2).
    static let serverMembers = [
        "client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at", "registration_access_token", "registration_client_uri",
    ]

    /// §3.1–§3.2: the metadata validated (redirect URIs, grant and response types, the
    /// authentication method, the scope), a client created, 201 with its credentials.
    func registerClient(_ request: TransportRequest) async -> TransportResponse {
        if let required = profile.registration.initialAccessToken,
            !constantTimeEquals(required, Self.bearer(request.headers["Authorization"]) ?? "")
        {
            return Self.bearerError("invalid_token", "registration needs the initial access token (RFC 7591 §3)")
        }
        guard request.headers["Content-Type"]?.lowercased().hasPrefix("application/json") == true,
            request.body.count <= Self.maxBodyBytes, case .object(let members)? = try? JSONValue.parse(request.body)
        else { return Self.tokenError(400, "invalid_client_metadata", "the body must be a JSON object (RFC 7591 §3.1)") }
        if let own = Self.serverMembers.first(where: { members[$0] != nil }) {
            return Self.tokenError(400, "invalid_client_metadata", "\(own) is the server's to assign")
        }
        let checked: [String: JSONValue]
        switch await checkedMetadata(members) {
        case .success(let metadata): checked = metadata
        case .failure(let problem): return Self.tokenError(400, problem.error, problem.description)
        }
        // One draw of randomness for the id, the secret and the registration token.
        let random = SecureRandom.bytes(76)
        let clientID = "dyn-" + Base64URL.encode(random[0..<12])
        let method = ProviderProfile.AuthMethod(rawValue: checked["token_endpoint_auth_method"]?.stringValue ?? "") ?? .clientSecretBasic
        let secret = method.needsSecret ? Base64URL.encode(random[12..<44]) : nil
        var registered = ProviderState.RegisteredClient(
            client: Self.client(clientID, secret: secret, method: method, metadata: checked),
            response: [],
            registrationAccessToken: Base64URL.encode(random[44..<76]),
            issuedAt: clock.now()
        )
        registered.response = registrationResponse(registered, metadata: checked, issuer: MockProvider.issuer(request))
        if evilMode == .registrationJWKSURIIgnored { registered.client.jwksURI = nil }
        let stored = registered
        store.withStorage { $0.registeredClients[clientID] = stored }
        return Self.jsonBytes(201, registered.response)
    }

    /// RFC 7592 §2: GET reads, PUT replaces the metadata, DELETE removes the client; each with
    /// the client's registration access token as a Bearer token.
    func clientConfiguration(_ request: TransportRequest, clientID: String) async -> TransportResponse {
        let presented = Self.bearer(request.headers["Authorization"]) ?? ""
        guard var registered = store.withStorage({ $0.registeredClients[clientID] }),
            constantTimeEquals(registered.registrationAccessToken, presented)
        else { return Self.bearerError("invalid_token", "not a registration access token of this client (RFC 7592 §2)") }
        switch request.method {
        case "GET":
            return Self.jsonBytes(200, registered.response)
        case "DELETE":
            store.withStorage { $0.registeredClients[clientID] = nil }
            return TransportResponse(status: 204, headers: ["Cache-Control": "no-store"])
        case "PUT":
            guard request.body.count <= Self.maxBodyBytes, case .object(var members)? = try? JSONValue.parse(request.body) else {
                return Self.tokenError(400, "invalid_client_metadata", "the body must be a JSON object (RFC 7592 §2.2)")
            }
            guard members.removeValue(forKey: "client_id")?.stringValue == clientID else {
                return Self.tokenError(400, "invalid_request", "client_id must be the client's (RFC 7592 §2.2)")
            }
            if let secret = members.removeValue(forKey: "client_secret") {
                guard secret.stringValue.map({ constantTimeEquals(registered.client.clientSecret ?? "", $0) }) == true else {
                    return Self.tokenError(400, "invalid_request", "client_secret must be the one issued (RFC 7592 §2.2)")
                }
            }
            if let own = Self.serverMembers.first(where: { members[$0] != nil }) {
                return Self.tokenError(400, "invalid_request", "\(own) may not be sent in an update (RFC 7592 §2.2)")
            }
            let checked: [String: JSONValue]
            switch await checkedMetadata(members) {
            case .success(let metadata): checked = metadata
            case .failure(let problem): return Self.tokenError(400, problem.error, problem.description)
            }
            let method = ProviderProfile.AuthMethod(rawValue: checked["token_endpoint_auth_method"]?.stringValue ?? "") ?? .clientSecretBasic
            let secret = method.needsSecret ? registered.client.clientSecret ?? SecureRandom.token(bytes: 32) : nil
            registered.client = Self.client(clientID, secret: secret, method: method, metadata: checked)
            registered.response = registrationResponse(registered, metadata: checked, issuer: MockProvider.issuer(request))
            let updated = registered
            store.withStorage { $0.registeredClients[clientID] = updated }
            return Self.jsonBytes(200, updated.response)
        default:
            return Self.json(405, ["error": "invalid_request", "error_description": "method \(request.method) not allowed here"])
        }
    }

    /// ``validatedMetadata(_:)``, then what needs a fetch: the `sector_identifier_uri` document
    /// must list every redirect URI (OpenID Connect Registration §5).
    func checkedMetadata(_ members: [String: JSONValue]) async -> Result<[String: JSONValue], AuthorizationError> {
        let validated = validatedMetadata(members)
        guard case .success(let metadata) = validated, let uri = metadata["sector_identifier_uri"]?.stringValue else { return validated }
        let redirects = metadata["redirect_uris"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let problem = await sectorProblem(uri, redirectURIs: redirects) {
            return .failure(AuthorizationError(error: "invalid_client_metadata", description: problem))
        }
        return validated
    }

    /// The metadata with the server's defaults filled in (§2), or the first problem: redirect
    /// URIs (absolute, no fragment, https or loopback http or a private-use scheme), grant and
    /// response types that agree, an allowed authentication method, known scopes.
    func validatedMetadata(_ members: [String: JSONValue]) -> Result<[String: JSONValue], AuthorizationError> {
        func invalid(_ description: String, _ error: String = "invalid_client_metadata") -> Result<[String: JSONValue], AuthorizationError> {
            .failure(AuthorizationError(error: error, description: description))
        }
        func strings(_ name: String, default fallback: [String]) -> [String]? {
            guard let value = members[name] else { return fallback }
            guard case .array(let items) = value, items.count <= 32 else { return nil }
            let texts = items.compactMap(\.stringValue)
            return texts.count == items.count ? texts : nil
        }
        var metadata = members
        guard let grants = strings("grant_types", default: ["authorization_code"]) else { return invalid("grant_types must be a list of strings") }
        guard let responses = strings("response_types", default: grants.contains("authorization_code") ? ["code"] : []) else {
            return invalid("response_types must be a list of strings")
        }
        guard let redirects = strings("redirect_uris", default: []) else { return invalid("redirect_uris must be a list of strings") }
        if let unknown = grants.first(where: { Self.registrableGrants[$0] == nil }) { return invalid("grant type \(unknown) cannot be registered") }
        if let unknown = responses.first(where: { $0 != "code" }) { return invalid("response type \(unknown) is not supported") }
        if grants.contains("authorization_code") != responses.contains("code") {
            return invalid("grant_types authorization_code and response_types code go together (RFC 7591 §2.1)")
        }
        if grants.contains("authorization_code"), redirects.isEmpty {
            return invalid("redirect_uris is required for authorization_code", "invalid_redirect_uri")
        }
        if evilMode != .registrationUnvalidatedRedirect {
            for uri in redirects {
                if let problem = Self.redirectURIProblem(uri) { return invalid("redirect URI \(uri) \(problem)", "invalid_redirect_uri") }
            }
        }
        let methodName = members["token_endpoint_auth_method"].map { $0.stringValue ?? "" } ?? "client_secret_basic"
        guard let method = ProviderProfile.AuthMethod(rawValue: methodName), profile.registration.authMethods.contains(method) else {
            return invalid("token_endpoint_auth_method \(methodName) cannot be registered")
        }
        if let value = members["backchannel_logout_uri"] {
            guard let uri = value.stringValue else { return invalid("backchannel_logout_uri must be a string") }
            if let problem = ProviderProfile.Client.backchannelLogoutURIProblem(uri) { return invalid("backchannel_logout_uri \(problem)") }
        }
        guard let logoutRedirects = strings("post_logout_redirect_uris", default: []) else {
            return invalid("post_logout_redirect_uris must be a list of strings")
        }
        for uri in logoutRedirects {
            if let problem = Self.redirectURIProblem(uri) { return invalid("post_logout_redirect_uri \(uri) \(problem)") }
        }
        if let value = members["id_token_signed_response_alg"] {
            // OpenID Connect Registration §2: the ID tokens' algorithm: the profile's, or none.
            let signing = (profile.oidc?.idTokenAlg ?? .rs256).rawValue
            guard profile.oidc != nil, let alg = value.stringValue, alg == "none" || alg == signing else {
                return invalid("id_token_signed_response_alg must be \(signing) or none")
            }
        }
        // OpenID Connect Registration §2: the client's keys, inline or by URL (never both).
        if members["jwks"] != nil, members["jwks_uri"] != nil { return invalid("jwks and jwks_uri must not both be given (RFC 7591 §2)") }
        if let jwks = members["jwks"], Self.clientKeys(in: jwks) == nil {
            return invalid("jwks must be a JWK Set of at most \(Self.maximumClientKeys) public keys")
        }
        for name in ["jwks_uri", "sector_identifier_uri", "frontchannel_logout_uri"] {
            guard let value = members[name] else { continue }
            guard let uri = value.stringValue else { return invalid("\(name) must be a string") }
            if let problem = ProviderProfile.Client.backchannelLogoutURIProblem(uri) { return invalid("\(name) \(problem)") }
        }
        if method == .privateKeyJWT, members["jwks"] == nil, members["jwks_uri"] == nil {
            return invalid("private_key_jwt needs the client's keys: jwks or jwks_uri")
        }
        for name in ["logo_uri", "policy_uri", "tos_uri", "client_uri"] {
            guard let value = members[name] else { continue }
            guard let uri = value.stringValue, ["http", "https"].contains(URLReference(uri).scheme?.lowercased() ?? "") else {
                return invalid("\(name) must be an http(s) URL")
            }
        }
        guard let requestURIs = strings("request_uris", default: []) else { return invalid("request_uris must be a list of strings") }
        for uri in requestURIs where !["http", "https"].contains(URLReference(uri).scheme?.lowercased() ?? "") {
            return invalid("request URI \(uri) is not an http(s) URL")
        }
        switch members["subject_type"]?.stringValue {
        case nil where members["subject_type"] == nil, "public"?: break
        case "pairwise"? where profile.oidc != nil:
            // Core §8.1: the sector is the sector_identifier_uri's host, else the redirect URIs' one host.
            let hosts = Set(redirects.compactMap { URLReference($0).host?.lowercased() })
            if members["sector_identifier_uri"] == nil, hosts.count > 1 {
                return invalid("redirect URIs on several hosts need a sector_identifier_uri for pairwise subjects (Core §8.1)")
            }
        default: return invalid("subject_type must be public or pairwise")
        }
        let signing = (profile.oidc?.idTokenAlg ?? .rs256).rawValue
        if let value = members["userinfo_signed_response_alg"] {
            guard profile.oidc != nil, value.stringValue == signing else { return invalid("userinfo_signed_response_alg must be \(signing)") }
        }
        if let value = members["request_object_signing_alg"] {
            guard let settings = profile.requestObjects, let alg = value.stringValue,
                (alg == "none" && settings.unsigned)
                    || ProviderProfile.ClientSigningAlgorithm(rawValue: alg).map(settings.algorithms.contains) == true
            else { return invalid("request_object_signing_alg is not one this provider accepts") }
        }
        if let scope = members["scope"] {
            guard let text = scope.stringValue else { return invalid("scope must be a string") }
            if !profile.scopes.isEmpty, let unknown = text.split(separator: " ").first(where: { !profile.scopes.contains(String($0)) }) {
                return invalid("unknown scope \(unknown)")
            }
        }
        metadata["grant_types"] = .array(grants.map(JSONValue.string))
        metadata["response_types"] = .array(responses.map(JSONValue.string))
        metadata["redirect_uris"] = .array(redirects.map(JSONValue.string))
        metadata["token_endpoint_auth_method"] = .string(method.rawValue)
        return .success(metadata)
    }

    /// Why a redirect URI may not be registered (RFC 7591 §2, RFC 6749 §3.1.2, RFC 8252 §7), or
    /// `nil`. The host is read from the authority here (user information is refused outright),
    /// without the general URL parser's port checks: a registration reads every URI it is sent.
    static func redirectURIProblem(_ uri: String) -> String? {
        let reference = URLReference(uri)
        guard let scheme = reference.scheme?.lowercased() else { return "is not absolute" }
        if reference.fragment != nil { return "has a fragment" }
        guard scheme == "https" || scheme == "http" else {
            return scheme.contains(".") ? nil : "uses the \(scheme): scheme (a private-use scheme is a reversed domain name, RFC 8252 §7.1)"
        }
        guard let authority = reference.authority, !authority.isEmpty else { return "has no host" }
        if authority.utf8.contains(UInt8(ascii: "@")) { return "has user information" }
        let host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return "has no valid host" }
            host = authority[...close]
        } else {
            host = authority.prefix { $0 != ":" }
        }
        if host.isEmpty { return "has no host" }
        if scheme == "http", !LoopbackHost.contains(String(host)) { return "is plain http to a host that is not loopback" }
        return nil
    }

    static func client(_ id: String, secret: String?, method: ProviderProfile.AuthMethod, metadata: [String: JSONValue]) -> ProviderProfile.Client {
        func text(_ name: String) -> String? { metadata[name]?.stringValue }
        func texts(_ name: String) -> [String] { metadata[name]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        var client = ProviderProfile.Client(
            clientID: id,
            clientSecret: secret,
            redirectURIs: texts("redirect_uris"),
            authMethods: [method],
            requirePKCE: method == .none,
            publicKeyPEM: nil
        )
        client.postLogoutRedirectURIs = texts("post_logout_redirect_uris")
        client.backchannelLogoutURI = text("backchannel_logout_uri")
        client.frontchannelLogoutURI = text("frontchannel_logout_uri")
        client.idTokenSignedResponseAlg = text("id_token_signed_response_alg")
        client.jwks = metadata["jwks"].flatMap { Self.clientKeys(in: $0) } ?? []
        client.jwksURI = text("jwks_uri")
        client.requestURIs = texts("request_uris")
        if text("subject_type") == "pairwise" {
            // Core §8.1: the sector identifier's host, else the (one) redirect URIs' host.
            let sectorURI = text("sector_identifier_uri") ?? client.redirectURIs.first
            client.sector = sectorURI.flatMap { URLReference($0).host?.lowercased() }
        }
        client.userinfoSignedResponseAlg = text("userinfo_signed_response_alg")
        client.requestObjectSigningAlg = text("request_object_signing_alg")
        for name in ["logo_uri", "policy_uri", "tos_uri", "client_uri"] { client.displayURIs[name] = text(name) }
        return client
    }

    /// §3.2.1 / RFC 7592 §3: the metadata and the client's credentials and configuration
    /// endpoint, encoded.
    func registrationResponse(_ registered: ProviderState.RegisteredClient, metadata: [String: JSONValue], issuer: String) -> [UInt8] {
        var body = metadata
        body["client_id"] = .string(registered.client.clientID)
        body["client_id_issued_at"] = .number(JSONNumber(registered.issuedAt.timeIntervalSince1970.rounded()))
        if let secret = registered.client.clientSecret {
            body["client_secret"] = .string(secret)
            body["client_secret_expires_at"] = .number(0)
        }
        body["registration_access_token"] = .string(registered.registrationAccessToken)
        body["registration_client_uri"] = .string(issuer + (profile.endpoints[.registration] ?? "") + "/" + registered.client.clientID)
        return JSONValue.object(body).jsonBytes
    }

    static func jsonBytes(_ status: Int, _ body: [UInt8]) -> TransportResponse {
        TransportResponse(
            status: status,
            headers: ["Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"],
            body: body
        )
    }

    /// The token of an `Authorization: Bearer` header.
    static func bearer(_ header: String?) -> String? {
        guard let header, HeaderList.value(header, hasLowercasePrefix: "bearer ") else { return nil }
        return String(header.dropFirst(7).trimmingWhitespace())
    }

    static func bearerError(_ error: String, _ description: String) -> TransportResponse {
        var response = tokenError(401, error, description)
        response.headers["WWW-Authenticate"] = "Bearer error=\"\(error)\""
        return response
    }
}

extension ProviderProfile.Client {
    /// Why a URI cannot be a `backchannel_logout_uri` (Back-Channel Logout 1.0 §2.2: an absolute
    /// http(s) URL without a fragment; plain http only to loopback), or `nil`.
    static func backchannelLogoutURIProblem(_ uri: String) -> String? {
        guard let scheme = URLReference(uri).scheme?.lowercased(), scheme == "https" || scheme == "http" else { return "is not an http(s) URL" }
        return MockProvider.redirectURIProblem(uri)
    }
}
