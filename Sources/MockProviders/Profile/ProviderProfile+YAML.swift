import Foundation
import HarnessFiles
import OAuthCore

// The profile format's reader: each part parses itself beside its own keys; the writer is
// ProviderProfile+Encoding.swift.
extension ProviderProfile {
    /// Reads and checks a profile; every error names file:line:column.
    ///
    /// - Parameter path: the profile file's path.
    /// - Throws: `YAMLLocatedError` when the file cannot be read or parsed, or is not a valid profile.
    public static func load(contentsOf path: String) throws(YAMLLocatedError) -> ProviderProfile {
        try ProviderProfile(yaml: YAMLNode.load(contentsOf: path))
    }

    package static var topKeys: [String] { Keys.top }

    /// Reads a whole profile: each part below parses itself; this checks how they fit together.
    ///
    /// - Parameter root: the profile's parsed YAML.
    /// - Throws: `YAMLLocatedError` at the first thing that is wrong: an unknown or missing key, a
    ///   value of the wrong kind, or settings that do not fit together (e.g. an `oidc` profile
    ///   without a `jwks` endpoint).
    public init(yaml root: YAMLNode) throws(YAMLLocatedError) {
        let top = try root.mapping("a provider profile")
        try top.allowOnly(Keys.top, in: "a provider profile")
        name = try top.required("name", in: "the profile").string("the profile name")
        models = try top.required("models", in: "the profile").string("what the profile models")
        let protocolKind = try top.required("protocol", in: "the profile").choice("protocol", as: ProtocolKind.self)
        self.protocolKind = protocolKind
        file = root.file
        let isReplay = protocolKind == .replay

        let endpointsNode = isReplay ? top["endpoints"] : try top.required("endpoints", in: "the profile")
        let endpoints =
            try endpointsNode.map { (node) throws(YAMLLocatedError) in try Endpoints(yaml: node, protocolKind: protocolKind) }
            ?? Endpoints(paths: [:])
        self.endpoints = endpoints
        oauth1 = try OAuth1Settings(profile: top, protocolKind: protocolKind)
        oidc = try top["oidc"].map { (node) throws(YAMLLocatedError) in
            guard protocolKind != .oauth1 else { throw node.error("oidc applies to oauth2 profiles") }
            return try OIDCSettings(yaml: node)
        }
        if oidc != nil, endpoints.jwks == nil { throw (endpointsNode ?? top["oidc"]!).error("an oidc profile needs a jwks endpoint") }
        accessTokens =
            try top["access_tokens"].map { (node) throws(YAMLLocatedError) in
                guard protocolKind == .oauth2 else { throw node.error("access_tokens applies to oauth2 profiles") }
                return try AccessTokenSettings(yaml: node)
            } ?? AccessTokenSettings()
        if let node = top["access_tokens"] { try Self.checkAccessTokenKeys(accessTokens, oidc: oidc, node: node) }
        quirks = Set(try top["quirks"]?.choices("quirk", as: Quirk.self) ?? [])

        var clients: [Client] = []
        for node in try (isReplay ? top["clients"] : try top.required("clients", in: "the profile"))?.sequence("clients") ?? [] {
            let client = try Client(yaml: node)
            guard !clients.contains(where: { $0.clientID == client.clientID }) else {
                throw node.error("client_id \"\(client.clientID)\" is registered twice")
            }
            clients.append(client)
        }
        guard !clients.isEmpty || isReplay else { throw top.node.error("a profile needs at least one client") }
        self.clients = clients
        let users =
            try (isReplay ? top["users"] : try top.required("users", in: "the profile"))?.sequence("users").map { (node) throws(YAMLLocatedError) in
                try User(yaml: node)
            } ?? []
        guard !users.isEmpty || isReplay else { throw top.node.error("a profile needs at least one user") }
        self.users = users

        scopes = try top["scopes"]?.stringList("scopes") ?? []
        defaultScope = try top["default_scope"]?.stringList("default_scope") ?? []
        let lifetimes = try top["lifetimes"].map { (node) throws(YAMLLocatedError) in try Lifetimes(yaml: node) } ?? Lifetimes()
        (codeLifetime, accessTokenLifetime, refreshTokenLifetime) = (lifetimes.code, lifetimes.accessToken, lifetimes.refreshToken)
        issueRefreshToken = try top["refresh_tokens"]?.bool("refresh_tokens") ?? true
        refreshTokenRotation = try top["refresh_token_rotation"]?.bool("refresh_token_rotation") ?? true
        grantTypes = try top["grant_types"]?.choices("grant type", as: GrantType.self) ?? GrantType.defaults(for: endpoints)
        pkce =
            try top["pkce"].map { (node) throws(YAMLLocatedError) in try PKCEPolicy(yaml: node) }
            ?? PKCEPolicy(required: false, methods: PKCEMethod.allCases)
        loginForm = try top["login_form"]?.bool("login_form") ?? false
        replay =
            try isReplay
            ? top.required("exchanges", in: "a replay profile").sequence("exchanges").map { (node) throws(YAMLLocatedError) in
                try RecordedExchange(yaml: node)
            } : []
        faults = try top["faults"]?.sequence("faults").map { (node) throws(YAMLLocatedError) in try Fault(yaml: node) } ?? []
        login = try top["login"].map { (node) throws(YAMLLocatedError) in try LoginPages(yaml: node) }
        if let node = top["login"] {
            if top["login_form"] != nil { throw node.error("login replaces login_form; give one of them") }
            if users.allSatisfy({ $0.password == nil }) { throw node.error("login pages need a user with a password") }
        }
        try readAuthorizationRequestSettings(top, protocolKind: protocolKind)
        autoApprove = try top["auto_approve"]?.bool("auto_approve") ?? false
        if autoApprove, let node = top["login"] ?? top["login_form"] {
            throw node.error("auto_approve skips the login pages; give auto_approve or a login, not both")
        }
    }
}

extension ProviderProfile {
    /// What signs JWT access tokens must exist: their own keys, else the oidc keys, else a fresh
    /// ES256 key; and no kid twice.
    static func checkAccessTokenKeys(_ accessTokens: AccessTokenSettings, oidc: OIDCSettings?, node: YAMLNode) throws(YAMLLocatedError) {
        let own = accessTokens.signingKeys
        let kids = own.map(\.kid) + (oidc?.signingKeys.map(\.kid) ?? [])
        if let repeated = kids.first(where: { kid in kids.filter { $0 == kid }.count > 1 }) {
            throw node.error("the signing key kid \"\(repeated)\" is used twice")
        }
        if let alg = accessTokens.alg, own.isEmpty {
            let available = oidc.map { $0.signingKeys.filter { !$0.standby }.map(\.alg) } ?? [.es256]
            guard available.contains(alg) else {
                throw node.error("no active signing key for alg \(alg.rawValue): give access_tokens.signing_keys")
            }
        }
    }
}

extension ProviderProfile.Endpoints {
    init(yaml node: YAMLNode, protocolKind: ProviderProfile.ProtocolKind) throws(YAMLLocatedError) {
        let map = try node.mapping("endpoints")
        // A replay profile accepts the OAuth 1 keys too (a recording of either), and reads its
        // endpoints as OAuth 2.
        try map.allowOnly(
            protocolKind == .oauth2 ? ProviderProfile.Keys.oauth2Endpoints : ProviderProfile.Keys.oauth1Endpoints,
            in: "\(protocolKind.rawValue) endpoints"
        )
        var paths: [ProviderProfile.Endpoint: String] = [:]
        for endpoint in ProviderProfile.Endpoint.allCases where endpoint.applies(to: protocolKind) {
            let key = endpoint.key(protocolKind)
            guard let node = endpoint.isRequired(protocolKind) ? try map.required(key, in: "endpoints") : map[key] else { continue }
            let value = try node.string("the \(key) endpoint path")
            guard value.hasPrefix("/") else { throw node.error("expected the \(key) endpoint as a path starting with /") }
            paths[endpoint] = value
        }
        self.init(paths: paths)
    }
}

extension ProviderProfile.OAuth1Settings {
    /// The OAuth 1 keys sit at the top of a profile; they are refused for other protocols.
    init?(profile top: YAMLMapping, protocolKind: ProviderProfile.ProtocolKind) throws(YAMLLocatedError) {
        guard protocolKind == .oauth1 else {
            for key in ["signature_methods", "signature_types", "timestamp_window"] where top[key] != nil {
                throw top.entries.first { $0.key == key }!.keyNode.error("\(key) applies to oauth1 profiles only")
            }
            return nil
        }
        self.init(
            signatureMethods: try top["signature_methods"]?.choices("signature method", as: ProviderProfile.OAuth1SignatureMethod.self)
                ?? ProviderProfile.OAuth1SignatureMethod.allCases,
            signatureTypes: try top["signature_types"]?.choices("signature type", as: ProviderProfile.OAuth1Placement.self)
                ?? ProviderProfile.OAuth1Placement.allCases,
            timestampWindow: try top["timestamp_window"]?.duration("timestamp_window") ?? 300
        )
    }
}

extension ProviderProfile.OIDCSettings {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("oidc settings")
        try map.allowOnly(ProviderProfile.Keys.oidc, in: "oidc")
        let keys = try map.required("signing_keys", in: "oidc").sequence("signing_keys").map { (node) throws(YAMLLocatedError) in
            try SigningKey(yaml: node)
        }
        let algNode = map["id_token_alg"]
        let alg = try algNode?.choice("id_token_alg", as: ProviderProfile.SigningAlgorithm.self) ?? .rs256
        guard keys.contains(where: { $0.alg == alg && !$0.standby }) else {
            throw (algNode ?? node).error("no active signing key for id_token_alg \(alg.rawValue)")
        }
        self.init(signingKeys: keys, idTokenAlg: alg, idTokenLifetime: try map["id_token_lifetime"]?.duration("id_token_lifetime") ?? 3600)
    }
}

extension ProviderProfile.AccessTokenSettings {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("access_tokens")
        try map.allowOnly(ProviderProfile.Keys.accessTokens, in: "access_tokens")
        self.init(
            format: try map["format"]?.choice("format", as: Format.self) ?? .opaque,
            audience: try map["audience"].map { (node) throws(YAMLLocatedError) in try node.string("audience") },
            alg: try map["alg"]?.choice("alg", as: ProviderProfile.SigningAlgorithm.self),
            signingKeys: try map["signing_keys"]?.sequence("signing_keys").map { (node) throws(YAMLLocatedError) in
                try ProviderProfile.OIDCSettings.SigningKey(yaml: node)
            } ?? []
        )
        if let alg, !signingKeys.isEmpty, !signingKeys.contains(where: { $0.alg == alg && !$0.standby }) {
            throw (map["alg"] ?? node).error("no active signing key for alg \(alg.rawValue)")
        }
    }
}

extension ProviderProfile.OIDCSettings.SigningKey {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let key = try node.mapping("a signing key")
        try key.allowOnly(ProviderProfile.Keys.signingKey, in: "a signing key")
        self.init(
            kid: try key.required("kid", in: "a signing key").string("kid"),
            alg: try key.required("alg", in: "a signing key").choice("alg", as: ProviderProfile.SigningAlgorithm.self),
            privateKeyPEM: try key.required("private_key", in: "a signing key").pem(),
            standby: try key["standby"]?.bool("standby") ?? false
        )
    }
}

extension ProviderProfile.Client {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("a client")
        try map.allowOnly(ProviderProfile.Keys.client, in: "a client")
        clientID = try map.required("client_id", in: "a client").string("client_id")
        clientSecret = try map["client_secret"].map { node throws(YAMLLocatedError) in try node.string("client_secret") }
        redirectURIs = try map.required("redirect_uris", in: "a client").stringList("redirect_uris")
        for uri in redirectURIs where URLReference(uri).scheme == nil {
            throw node.error("redirect_uri \"\(uri)\" is not an absolute URI")
        }
        authMethods = clientSecret == nil ? [.none] : [.clientSecretBasic, .clientSecretPost]
        if let methodsNode = map["auth_methods"] {
            authMethods = try methodsNode.choices("auth method", as: ProviderProfile.AuthMethod.self)
            for method in authMethods where method.needsSecret && clientSecret == nil {
                throw methodsNode.error("auth method \(method.rawValue) needs a client_secret")
            }
        }
        publicKeyPEM = try map["public_key"]?.pem()
        if authMethods.contains(.privateKeyJWT), publicKeyPEM == nil {
            throw node.error("auth method private_key_jwt needs a public_key")
        }
        requirePKCE = try map["require_pkce"]?.bool("require_pkce") ?? (clientSecret == nil && publicKeyPEM == nil)
        postLogoutRedirectURIs = try map["post_logout_redirect_uris"]?.stringList("post_logout_redirect_uris") ?? []
        if let uriNode = map["backchannel_logout_uri"] {
            let uri = try uriNode.string("backchannel_logout_uri")
            if let problem = ProviderProfile.Client.backchannelLogoutURIProblem(uri) { throw uriNode.error("backchannel_logout_uri \(problem)") }
            backchannelLogoutURI = uri
        }
    }
}

extension ProviderProfile.User {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("a user")
        sub = try map.required("sub", in: "a user").string("sub")
        claims = [:]
        for entry in map.entries where entry.key != "password" { claims[entry.key] = try entry.value.jsonValue() }
        claims["sub"] = .string(sub)
        password = try map["password"]?.string("password")
    }
}

extension ProviderProfile.Lifetimes {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("lifetimes")
        try map.allowOnly(ProviderProfile.Keys.lifetimes, in: "lifetimes")
        code = try map["code"]?.duration("the code lifetime") ?? code
        accessToken = try map["access_token"]?.duration("the access token lifetime") ?? accessToken
        refreshToken = try map["refresh_token"]?.duration("the refresh token lifetime")
    }
}

extension ProviderProfile.PKCEPolicy {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("pkce")
        try map.allowOnly(ProviderProfile.Keys.pkce, in: "pkce")
        required = try map["required"]?.bool("pkce.required") ?? false
        methods = try map["methods"]?.choices("PKCE method", as: ProviderProfile.PKCEMethod.self) ?? ProviderProfile.PKCEMethod.allCases
    }
}

extension ProviderProfile.LoginPages {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("login pages")
        try map.allowOnly(ProviderProfile.Keys.login, in: "login")
        self.init(
            pages: try map["pages"]?.choice("login pages", as: Pages.self) ?? .single,
            csrf: try map["csrf"]?.bool("login.csrf") ?? true,
            consent: try map["consent"]?.bool("login.consent") ?? true
        )
    }
}

extension ProviderProfile.RecordedExchange {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("a recorded exchange")
        try map.allowOnly(ProviderProfile.Keys.exchange, in: "a recorded exchange")
        let request = try map.required("request", in: "an exchange").mapping("the recorded request")
        try request.allowOnly(ProviderProfile.Keys.recordedRequest, in: "the recorded request")
        let response = try map.required("response", in: "an exchange").mapping("the recorded response")
        try response.allowOnly(ProviderProfile.Keys.recordedResponse, in: "the recorded response")
        func pairs(_ node: YAMLNode?) throws(YAMLLocatedError) -> [(String, String)] {
            guard let node else { return [] }
            var result: [(String, String)] = []
            for entry in try node.mapping("name/value pairs").entries { result.append((entry.key, try entry.value.string(entry.key))) }
            return result
        }
        self.init(
            method: try request.required("method", in: "the recorded request").string("method"),
            path: try request.required("path", in: "the recorded request").string("path"),
            parameters: try pairs(request["parameters"]),
            status: try response.required("status", in: "the recorded response").int("status"),
            headers: try pairs(response["headers"]),
            body: try response["body"]?.string("body") ?? ""
        )
    }
}

extension ProviderProfile {
    /// Every key the profile format has, by section: the one list the loader accepts, the
    /// encoder writes and `docs/schema/profile.schema.json` is held to (ProfileEncodingTests
    /// compares each section with the schema's). A new setting: its key here, its field in the
    /// model, its line in the loader and the encoder, its property in the schema.
    package enum Keys {
        package static let top = [
            "name", "models", "protocol", "endpoints", "clients", "users", "scopes", "default_scope", "lifetimes", "refresh_tokens",
            "refresh_token_rotation", "grant_types", "pkce", "signature_methods", "signature_types", "timestamp_window", "quirks", "oidc",
            "exchanges", "login_form", "faults", "login", "auto_approve", "access_tokens", "par", "request_objects",
            "authorization_details_types", "dpop", "device", "token_exchange", "registration", "protected_resource",
        ]
        package static let oauth2Endpoints = ProviderProfile.Endpoint.allCases.filter { $0.applies(to: .oauth2) }.map { $0.key(.oauth2) }
        /// OAuth 1 (and replay) profiles also name the temporary- and token-credentials endpoints.
        package static let oauth1Endpoints = ProviderProfile.Endpoint.allCases.filter { $0.applies(to: .oauth1) }.map { $0.key(.oauth1) } + ["token"]
        package static let client = [
            "client_id", "client_secret", "redirect_uris", "auth_methods", "require_pkce", "public_key", "post_logout_redirect_uris",
            "backchannel_logout_uri",
        ]
        package static let lifetimes = ["code", "access_token", "refresh_token"]
        package static let pkce = ["required", "methods"]
        package static let oidc = ["signing_keys", "id_token_alg", "id_token_lifetime"]
        package static let accessTokens = ["format", "audience", "alg", "signing_keys"]
        package static let signingKey = ["kid", "alg", "private_key", "standby"]
        package static let login = ["pages", "csrf", "consent"]
        package static let par = ["required", "request_uri_lifetime"]
        package static let requestObjects = ["required", "algorithms", "unsigned"]
        package static let dpop = ["required", "nonce", "algorithms", "iat_window"]
        package static let device = ["interval", "lifetime", "verification_uri_complete"]
        package static let tokenExchange = ["delegation", "audiences", "subject_token_types", "trusted_issuers"]
        package static let trustedIssuer = ["issuer", "public_key"]
        package static let registration = ["initial_access_token", "auth_methods"]
        package static let protectedResource = ["scopes", "name"]
        package static let fault = ["kind", "path", "status", "milliseconds", "count"]
        package static let exchange = ["request", "response"]
        package static let recordedRequest = ["method", "path", "parameters"]
        package static let recordedResponse = ["status", "headers", "body"]

        /// Each section by its path in the JSON Schema (`properties/…`, `items` for list entries).
        package static let bySchemaPath: [String: [String]] = [
            "": top,
            "properties/clients/items": client,
            "properties/lifetimes": lifetimes,
            "properties/pkce": pkce,
            "properties/oidc": oidc,
            "properties/oidc/properties/signing_keys/items": signingKey,
            "properties/access_tokens": accessTokens,
            "properties/access_tokens/properties/signing_keys/items": signingKey,
            "properties/login": login,
            "properties/par": par,
            "properties/request_objects": requestObjects,
            "properties/dpop": dpop,
            "properties/device": device,
            "properties/token_exchange": tokenExchange,
            "properties/registration": registration,
            "properties/protected_resource": protectedResource,
            "properties/token_exchange/properties/trusted_issuers/items": trustedIssuer,
            "properties/faults/items": fault,
            "properties/exchanges/items": exchange,
            "properties/exchanges/items/properties/request": recordedRequest,
            "properties/exchanges/items/properties/response": recordedResponse,
        ]
    }
}

extension ProviderProfile {
    /// `par`, `request_objects`, `authorization_details_types` and `dpop`: OAuth 2 only; `par`
    /// needs the `par` endpoint.
    mutating func readAuthorizationRequestSettings(_ top: YAMLMapping, protocolKind: ProtocolKind) throws(YAMLLocatedError) {
        for key in [
            "par", "request_objects", "authorization_details_types", "dpop", "device", "token_exchange", "registration", "protected_resource",
        ]
        where protocolKind != .oauth2 {
            if let entry = top.entries.first(where: { $0.key == key }) { throw entry.keyNode.error("\(key) applies to oauth2 profiles") }
        }
        if let node = top["par"] {
            guard endpoints[.par] != nil else { throw node.error("par settings need a par endpoint in endpoints") }
            let map = try node.mapping("par")
            try map.allowOnly(Keys.par, in: "par")
            par = PARSettings(
                required: try map["required"]?.bool("par.required") ?? false,
                requestURILifetime: try map["request_uri_lifetime"]?.duration("par.request_uri_lifetime") ?? 60
            )
            guard par.requestURILifetime > 0 else { throw node.error("par.request_uri_lifetime must be positive") }
        }
        requestObjects = try top["request_objects"].map { (node) throws(YAMLLocatedError) in
            let map = try node.mapping("request_objects")
            try map.allowOnly(Keys.requestObjects, in: "request_objects")
            return RequestObjectSettings(
                required: try map["required"]?.bool("request_objects.required") ?? false,
                algorithms: try map["algorithms"]?.choices("request object algorithm", as: ClientSigningAlgorithm.self) ?? [.es256, .rs256],
                unsigned: try map["unsigned"]?.bool("request_objects.unsigned") ?? false
            )
        }
        if let node = top["request_objects"], requestObjects?.algorithms.contains(.edDSA) == true {
            throw node.error("request objects are verified with a client's PEM public key: EdDSA is not supported")
        }
        authorizationDetailsTypes = try top["authorization_details_types"]?.stringList("authorization_details_types") ?? []
        dpop = try top["dpop"].map { (node) throws(YAMLLocatedError) in
            let map = try node.mapping("dpop")
            try map.allowOnly(Keys.dpop, in: "dpop")
            var settings = DPoPSettings(
                required: try map["required"]?.bool("dpop.required") ?? false,
                nonce: try map["nonce"]?.bool("dpop.nonce") ?? false,
                iatWindow: try map["iat_window"]?.duration("dpop.iat_window") ?? 60
            )
            if let algorithms = map["algorithms"] {
                settings.algorithms = try algorithms.choices("DPoP algorithm", as: ClientSigningAlgorithm.self)
                if settings.algorithms.contains(.hs256) {
                    throw algorithms.error("DPoP proofs are signed with asymmetric keys: HS256 is not allowed")
                }
            }
            guard settings.iatWindow > 0 else { throw node.error("dpop.iat_window must be positive") }
            return settings
        }
        try readDeviceSettings(top)
        try readTokenExchangeSettings(top)
        protectedResource = try top["protected_resource"].map { (node) throws(YAMLLocatedError) in
            let map = try node.mapping("protected_resource")
            try map.allowOnly(Keys.protectedResource, in: "protected_resource")
            return ProtectedResourceSettings(
                scopes: try map["scopes"]?.stringList("protected_resource.scopes"),
                name: try map["name"]?.string("protected_resource.name")
            )
        }
        if let node = top["registration"] {
            guard endpoints[.registration] != nil else { throw node.error("registration settings need a registration endpoint in endpoints") }
            let map = try node.mapping("registration")
            try map.allowOnly(Keys.registration, in: "registration")
            registration = RegistrationSettings(
                initialAccessToken: try map["initial_access_token"]?.string("registration.initial_access_token"),
                authMethods: try map["auth_methods"]?.choices("auth method", as: AuthMethod.self) ?? RegistrationSettings().authMethods
            )
        }
    }

    /// `token_exchange`, and the grant type with it.
    mutating func readTokenExchangeSettings(_ top: YAMLMapping) throws(YAMLLocatedError) {
        tokenExchange = try top["token_exchange"].map { (node) throws(YAMLLocatedError) in
            let map = try node.mapping("token_exchange")
            try map.allowOnly(Keys.tokenExchange, in: "token_exchange")
            let issuers = try map["trusted_issuers"]?.sequence("trusted_issuers").map { (item) throws(YAMLLocatedError) in
                let entry = try item.mapping("a trusted issuer")
                try entry.allowOnly(Keys.trustedIssuer, in: "a trusted issuer")
                return TokenExchangeSettings.TrustedIssuer(
                    issuer: try entry.required("issuer", in: "a trusted issuer").string("issuer"),
                    publicKeyPEM: try entry.required("public_key", in: "a trusted issuer").pem()
                )
            }
            return TokenExchangeSettings(
                delegation: try map["delegation"]?.bool("token_exchange.delegation") ?? true,
                audiences: try map["audiences"]?.stringList("token_exchange.audiences") ?? [],
                subjectTokenTypes: try map["subject_token_types"]?.choices("subject token type", as: TokenExchangeSettings.TokenType.self)
                    ?? TokenExchangeSettings.TokenType.allCases,
                trustedIssuers: issuers ?? []
            )
        }
        if top["grant_types"] == nil, tokenExchange != nil { grantTypes.append(.tokenExchange) }
        if (tokenExchange != nil) != grantTypes.contains(.tokenExchange) {
            throw (top["grant_types"] ?? top.node).error(
                tokenExchange != nil
                    ? "token_exchange settings need the \(GrantType.tokenExchange.rawValue) grant in grant_types"
                    : "the \(GrantType.tokenExchange.rawValue) grant needs token_exchange settings"
            )
        }
    }

    /// `device`, and the two device endpoints together with the device grant.
    mutating func readDeviceSettings(_ top: YAMLMapping) throws(YAMLLocatedError) {
        let hasDevice = endpoints[.deviceAuthorization] != nil
        if hasDevice != (endpoints[.deviceVerification] != nil) {
            throw (top["endpoints"] ?? top.node).error("device_authorization and device_verification come together (RFC 8628 §3.1, §3.3)")
        }
        if hasDevice != grantTypes.contains(.deviceCode) {
            throw (top["grant_types"] ?? top.node).error(
                hasDevice
                    ? "a device_authorization endpoint needs the \(GrantType.deviceCode.rawValue) grant in grant_types"
                    : "the \(GrantType.deviceCode.rawValue) grant needs device_authorization and device_verification endpoints"
            )
        }
        if let node = top["device"] {
            guard hasDevice else { throw node.error("device settings need a device_authorization endpoint in endpoints") }
            let map = try node.mapping("device")
            try map.allowOnly(Keys.device, in: "device")
            device = DeviceSettings(
                interval: try map["interval"]?.int("device.interval") ?? 5,
                lifetime: try map["lifetime"]?.duration("device.lifetime") ?? 600,
                verificationURIComplete: try map["verification_uri_complete"]?.bool("device.verification_uri_complete") ?? true
            )
            guard (1...300).contains(device.interval) else { throw node.error("device.interval must be 1 to 300 seconds") }
            guard device.lifetime > 0 else { throw node.error("device.lifetime must be positive") }
        }
    }
}
