import Foundation
import OAuthCore

/// A mock provider's behaviour, read from `MockProviders/<name>.yaml`.
///
/// A profile lists the registered clients, the users who can consent, the scopes it knows,
/// its endpoint paths and lifetimes. See `MockProviders/README.md` for the format.
public struct ProviderProfile: Sendable, Equatable {
    /// What the provider speaks.
    public enum ProtocolKind: String, Sendable, CaseIterable {
        case oauth1, oauth2
        /// Recorded exchanges served back in order (`oauth-harness record`).
        case replay
    }

    /// Token-endpoint client authentication (RFC 6749 §2.3, RFC 7523 §2.2, OIDC Core §9).
    /// The mock's own vocabulary: it shares no types with the client library it grades.
    public enum AuthMethod: String, Sendable, CaseIterable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
        case none
        case clientSecretJWT = "client_secret_jwt"
        case privateKeyJWT = "private_key_jwt"

        /// Methods that need the client's secret.
        public var needsSecret: Bool { [.clientSecretBasic, .clientSecretPost, .clientSecretJWT].contains(self) }
    }

    /// Grant types of the token endpoint (RFC 6749 §4, RFC 7523 §2.1).
    public enum GrantType: String, Sendable, CaseIterable {
        case authorizationCode = "authorization_code"
        case refreshToken = "refresh_token"
        case clientCredentials = "client_credentials"
        case password
        case jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    }

    /// RFC 7636 §4.2 code challenge methods.
    public enum PKCEMethod: String, Sendable, CaseIterable {
        case s256 = "S256"
        case plain
    }

    /// JWS algorithms the mock signs ID tokens with (RFC 7518 §3.1).
    public enum SigningAlgorithm: String, Sendable, CaseIterable {
        case rs256 = "RS256"
        case es256 = "ES256"
    }

    /// RFC 5849 §3.4 signature methods.
    public enum OAuth1SignatureMethod: String, Sendable, CaseIterable {
        case hmacSHA1 = "HMAC-SHA1"
        case hmacSHA256 = "HMAC-SHA256"
        case rsaSHA1 = "RSA-SHA1"
        case plaintext = "PLAINTEXT"
    }

    /// RFC 5849 §3.5 parameter transmission.
    public enum OAuth1Placement: String, Sendable, CaseIterable {
        case header, body, query
    }

    public struct Endpoints: Sendable, Equatable {
        public var authorize: String
        public var token: String
        /// A protected resource that answers the user's claims for a valid Bearer token.
        public var resource: String
        /// RFC 7009 token revocation, when offered.
        public var revoke: String?
        /// RFC 7662 token introspection, when offered.
        public var introspect: String?
        /// OAuth 1: the temporary-credentials endpoint (`token` is then the token-credentials one).
        public var requestToken: String?
        /// OpenID Connect: the JWKS (`jwks_uri`) and RP-initiated logout (`end_session_endpoint`).
        /// The UserInfo endpoint is `resource`.
        public var jwks: String?
        public var endSession: String?
    }

    /// OpenID Connect behaviour: the keys that sign ID tokens.
    public struct OIDCSettings: Sendable, Equatable {
        public struct SigningKey: Sendable, Equatable {
            public var kid: String
            public var alg: SigningAlgorithm
            public var privateKeyPEM: String
            /// Served in the JWKS and used only after a key rotation.
            public var standby: Bool
        }
        public var signingKeys: [SigningKey]
        /// The algorithm of the key that signs ID tokens.
        public var idTokenAlg: SigningAlgorithm
        public var idTokenLifetime: TimeInterval
    }

    /// What the access tokens look like (`access_tokens:`): opaque random strings (the default)
    /// or RFC 9068 JWTs signed with the profile's keys and published in its JWKS.
    public struct AccessTokenSettings: Sendable, Equatable {
        public enum Format: String, Sendable, CaseIterable {
            case opaque, jwt
        }
        public var format: Format = .opaque
        /// The JWT's `aud` when the token request names no `resource` (RFC 8707); the issuer when `nil`.
        public var audience: String?
        /// The algorithm of the signing key; by default the ID tokens' one, else the first key's.
        public var alg: SigningAlgorithm?
        /// Keys of their own; without them the `oidc` keys sign, and a profile with neither gets
        /// a fresh ES256 key when the mock starts.
        public var signingKeys: [OIDCSettings.SigningKey] = []

        public init(format: Format = .opaque, audience: String? = nil, alg: SigningAlgorithm? = nil, signingKeys: [OIDCSettings.SigningKey] = []) {
            self.format = format
            self.audience = audience
            self.alg = alg
            self.signingKeys = signingKeys
        }
    }

    /// Where an OAuth 2 mock serves its JWKS when the profile names no `jwks` endpoint.
    public static let defaultJWKSPath = "/.well-known/jwks.json"

    /// One recorded HTTP exchange of a replay profile.
    public struct RecordedExchange: Sendable, Equatable {
        public var method: String
        public var path: String
        /// The recorded request's query and form parameters: their values in the response are
        /// replaced by the values of the request being answered (state, redirect_uri, …).
        public var parameters: [(String, String)]
        public var status: Int
        public var headers: [(String, String)]
        public var body: String

        package init(method: String, path: String, parameters: [(String, String)], status: Int, headers: [(String, String)], body: String) {
            (self.method, self.path, self.parameters, self.status, self.headers, self.body) = (method, path, parameters, status, headers, body)
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.method == rhs.method && lhs.path == rhs.path && lhs.status == rhs.status && lhs.body == rhs.body
                && lhs.parameters.elementsEqual(rhs.parameters, by: ==) && lhs.headers.elementsEqual(rhs.headers, by: ==)
        }
    }

    /// OAuth 1 behaviour (RFC 5849).
    public struct OAuth1Settings: Sendable, Equatable {
        public var signatureMethods: [OAuth1SignatureMethod]
        public var signatureTypes: [OAuth1Placement]
        /// Accepted distance between `oauth_timestamp` and the provider clock.
        public var timestampWindow: TimeInterval
    }

    public struct Client: Sendable, Equatable {
        public var clientID: String
        public var clientSecret: String?
        public var redirectURIs: [String]
        /// Token-endpoint authentication methods this client may use.
        public var authMethods: [AuthMethod]
        /// PKCE is mandatory for this client (always true for public clients).
        public var requirePKCE: Bool
        /// PEM public key for `private_key_jwt` and JWT bearer assertions (RFC 7523).
        public var publicKeyPEM: String?
        /// OpenID Connect RP-initiated logout targets.
        public var postLogoutRedirectURIs: [String] = []
    }

    public struct User: Sendable, Equatable {
        public var sub: String
        /// For the resource owner password credentials grant.
        public var password: String?
        public var claims: [String: String]
    }

    public struct PKCEPolicy: Sendable, Equatable {
        public var required: Bool
        public var methods: [PKCEMethod]
    }

    /// Code, access-token and refresh-token lifetimes.
    public struct Lifetimes: Sendable, Equatable {
        public var code: TimeInterval = 60
        public var accessToken: TimeInterval = 3600
        public var refreshToken: TimeInterval?
    }

    public var name: String
    /// The real behaviour this profile reproduces, with a reference.
    public var models: String
    public var protocolKind: ProtocolKind
    public var endpoints: Endpoints
    public var clients: [Client]
    public var users: [User]
    public var scopes: [String]
    public var defaultScope: [String]
    public var codeLifetime: TimeInterval
    public var accessTokenLifetime: TimeInterval
    public var refreshTokenLifetime: TimeInterval?
    public var issueRefreshToken: Bool
    /// A refresh makes a new refresh token and retires the old one (RFC 9700 §4.14.2).
    public var refreshTokenRotation: Bool
    /// Grant types the token endpoint accepts.
    public var grantTypes: [GrantType]
    public var pkce: PKCEPolicy
    public var oauth1: OAuth1Settings?
    public var oidc: OIDCSettings?
    /// Opaque or RFC 9068 JWT access tokens (`access_tokens:`).
    public var accessTokens = AccessTokenSettings()
    /// The JWKS path: the `jwks` endpoint, else `defaultJWKSPath` (OAuth 2 mocks always publish
    /// the keys that sign their JWTs).
    public var jwksPath: String { endpoints.jwks ?? Self.defaultJWKSPath }
    /// The authorization page asks for a username and password (a user's `sub` and `password`)
    /// instead of offering a list of users.
    public var loginForm = false
    /// `protocol: replay`: recorded exchanges served back in order (see `oauth-harness record`).
    public var replay: [RecordedExchange] = []
    /// Transport faults armed whenever the provider starts (`faults:`), e.g. a provider that
    /// always answers its token endpoint slowly; scenarios can arm more with `fault` steps.
    public var faults: [Fault] = []
    public var quirks: Set<Quirk>
    /// The file it was read from.
    public var file: String
    /// Login pages in front of the authorization endpoint (`login:`), with a session cookie.
    public var login: LoginPages?
    /// `GET` on the authorization endpoint redirects straight back with a code for the default
    /// user (or the one `login_hint` names): a provider whose test user is always signed in
    /// and has consented. `POST /_harness/next-decision` with `decision=deny` denies the next one.
    public var autoApprove = false

    /// How a provider's login looks to a browser: one page (username and password) or two
    /// (identifier first), a CSRF token bound to the session cookie, a consent page after it.
    public struct LoginPages: Sendable, Equatable {
        public enum Pages: String, Sendable, CaseIterable {
            case single
            case identifierFirst = "identifier_first"
        }
        public var pages: Pages = .single
        public var csrf = true
        public var consent = true

        public init(pages: Pages = .single, csrf: Bool = true, consent: Bool = true) {
            self.pages = pages
            self.csrf = csrf
            self.consent = consent
        }
    }

    public func client(id: String) -> Client? { clients.first { $0.clientID == id } }

    public func user(sub: String) -> User? { users.first { $0.sub == sub } }

    /// Reads and checks a profile; every error names file:line:column.
    public static func load(contentsOf path: String) throws(YAMLLocatedError) -> ProviderProfile {
        try ProviderProfile(yaml: YAMLNode.load(contentsOf: path))
    }

    package static let topKeys = [
        "name", "models", "protocol", "endpoints", "clients", "users", "scopes", "default_scope", "lifetimes", "refresh_tokens",
        "refresh_token_rotation", "grant_types", "pkce", "signature_methods", "signature_types", "timestamp_window", "quirks", "oidc",
        "exchanges", "login_form", "faults", "login", "auto_approve", "access_tokens",
    ]

    /// Reads a whole profile: each part below parses itself; this checks how they fit together.
    public init(yaml root: YAMLNode) throws(YAMLLocatedError) {
        let top = try root.mapping("a provider profile")
        try top.allowOnly(Self.topKeys, in: "a provider profile")
        name = try top.required("name", in: "the profile").string("the profile name")
        models = try top.required("models", in: "the profile").string("what the profile models")
        let protocolKind = try top.required("protocol", in: "the profile").choice("protocol", as: ProtocolKind.self)
        self.protocolKind = protocolKind
        file = root.file
        let isReplay = protocolKind == .replay

        let endpointsNode = isReplay ? top["endpoints"] : try top.required("endpoints", in: "the profile")
        let endpoints =
            try endpointsNode.map { (node) throws(YAMLLocatedError) in try Endpoints(yaml: node, protocolKind: protocolKind) }
            ?? Endpoints(authorize: "", token: "", resource: "")
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
        if let node = top["access_tokens"] {
            // What signs them must exist: their own keys, else the oidc keys, else a fresh ES256 key.
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
        grantTypes = try top["grant_types"]?.choices("grant type", as: GrantType.self) ?? GrantType.allCases
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
        autoApprove = try top["auto_approve"]?.bool("auto_approve") ?? false
        if autoApprove, let node = top["login"] ?? top["login_form"] {
            throw node.error("auto_approve skips the login pages; give auto_approve or a login, not both")
        }
    }
}

extension ProviderProfile.Endpoints {
    init(yaml node: YAMLNode, protocolKind: ProviderProfile.ProtocolKind) throws(YAMLLocatedError) {
        let map = try node.mapping("endpoints")
        let isOAuth1 = protocolKind == .oauth1
        let isReplay = protocolKind == .replay
        try map.allowOnly(
            isOAuth1 || isReplay
                ? ["request_token", "authorize", "access_token", "resource", "token", "revoke", "introspect", "jwks", "end_session"]
                : ["authorize", "token", "resource", "revoke", "introspect", "jwks", "end_session"],
            in: "\(protocolKind.rawValue) endpoints"
        )
        func path(_ key: String, required: Bool = true) throws(YAMLLocatedError) -> String? {
            guard let node = required ? try map.required(key, in: "endpoints") : map[key] else { return nil }
            let value = try node.string("the \(key) endpoint path")
            guard value.hasPrefix("/") else { throw node.error("expected the \(key) endpoint as a path starting with /") }
            return value
        }
        self.init(
            authorize: try path("authorize", required: !isReplay) ?? "",
            token: try path(isOAuth1 ? "access_token" : "token", required: !isReplay) ?? "",
            resource: try path("resource", required: !isReplay) ?? "",
            revoke: try path("revoke", required: false),
            introspect: try path("introspect", required: false),
            requestToken: isOAuth1 ? try path("request_token") : nil,
            jwks: try path("jwks", required: false),
            endSession: try path("end_session", required: false)
        )
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
        try map.allowOnly(["signing_keys", "id_token_alg", "id_token_lifetime"], in: "oidc")
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
        try map.allowOnly(["format", "audience", "alg", "signing_keys"], in: "access_tokens")
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
        try key.allowOnly(["kid", "alg", "private_key", "standby"], in: "a signing key")
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
        try map.allowOnly(
            ["client_id", "client_secret", "redirect_uris", "auth_methods", "require_pkce", "public_key", "post_logout_redirect_uris"],
            in: "a client"
        )
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
    }
}

extension ProviderProfile.User {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("a user")
        sub = try map.required("sub", in: "a user").string("sub")
        claims = [:]
        for entry in map.entries where entry.key != "password" { claims[entry.key] = try entry.value.string("the claim \(entry.key)") }
        password = try map["password"]?.string("password")
    }
}

extension ProviderProfile.Lifetimes {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("lifetimes")
        try map.allowOnly(["code", "access_token", "refresh_token"], in: "lifetimes")
        code = try map["code"]?.duration("the code lifetime") ?? code
        accessToken = try map["access_token"]?.duration("the access token lifetime") ?? accessToken
        refreshToken = try map["refresh_token"]?.duration("the refresh token lifetime")
    }
}

extension ProviderProfile.PKCEPolicy {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("pkce")
        try map.allowOnly(["required", "methods"], in: "pkce")
        required = try map["required"]?.bool("pkce.required") ?? false
        methods = try map["methods"]?.choices("PKCE method", as: ProviderProfile.PKCEMethod.self) ?? ProviderProfile.PKCEMethod.allCases
    }
}

extension ProviderProfile.LoginPages {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("login pages")
        try map.allowOnly(["pages", "csrf", "consent"], in: "login")
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
        try map.allowOnly(["request", "response"], in: "a recorded exchange")
        let request = try map.required("request", in: "an exchange").mapping("the recorded request")
        try request.allowOnly(["method", "path", "parameters"], in: "the recorded request")
        let response = try map.required("response", in: "an exchange").mapping("the recorded response")
        try response.allowOnly(["status", "headers", "body"], in: "the recorded response")
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

/// All profiles of a folder and the built-in ones, by name.
public struct ProviderCatalog: Sendable {
    public let profiles: [String: ProviderProfile]
    /// Profiles of the folder that replace a built-in one of the same name with other content.
    public var overrides: [String] = []

    public init(profiles: [ProviderProfile]) {
        self.profiles = Dictionary(profiles.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var names: [String] { profiles.keys.sorted() }

    public subscript(name: String) -> ProviderProfile? { profiles[name] }

    /// Loads every `*.yaml`/`*.yml` file in `directory` (none when it does not exist), then the
    /// built-in profiles whose names the folder does not use. Two files with one name is an error.
    public static func load(directory: String, builtIns: Bool = true) throws(YAMLLocatedError) -> ProviderCatalog {
        let (catalog, errors) = loadAll(directory: directory, builtIns: builtIns)
        if let first = errors.first { throw first }
        return catalog
    }

    /// Every profile of `directory` that loads, and an error for every one that does not
    /// (so `validate` reports them all, not just the first), plus the built-in profiles the
    /// folder does not replace.
    package static func loadAll(directory: String, builtIns: Bool = true) -> (catalog: ProviderCatalog, errors: [YAMLLocatedError]) {
        var (local, errors) = loadFolder(directory)
        guard builtIns else { return (local, errors) }
        let shipped = BuiltIn.profiles()
        errors += shipped.errors
        var profiles = Array(local.profiles.values)
        var overrides: [String] = []
        for profile in shipped.profiles {
            guard let mine = local.profiles[profile.name] else {
                profiles.append(profile)
                continue
            }
            let text = FileManager.default.contents(atPath: mine.file).map { String(decoding: $0, as: UTF8.self) }
            if text != shipped.texts[profile.name] { overrides.append(profile.name) }
        }
        local = ProviderCatalog(profiles: profiles)
        local.overrides = overrides.sorted()
        return (local, errors)
    }

    static func loadFolder(_ directory: String) -> (catalog: ProviderCatalog, errors: [YAMLLocatedError]) {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var profiles: [ProviderProfile] = []
        var errors: [YAMLLocatedError] = []
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file)
            do throws(YAMLLocatedError) {
                let profile = try ProviderProfile.load(contentsOf: path)
                if let other = profiles.first(where: { $0.name == profile.name }) {
                    throw YAMLLocatedError(file: path, line: 1, column: 1, message: "profile name \"\(profile.name)\" is also used by \(other.file)")
                }
                profiles.append(profile)
            } catch {
                errors.append(error)
            }
        }
        return (ProviderCatalog(profiles: profiles), errors)
    }
}
