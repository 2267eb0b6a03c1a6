import Foundation
import OAuthCore

/// A mock provider's behaviour, read from `MockProviders/<name>.yaml`.
///
/// A profile lists the registered clients, the users who can consent, the scopes it knows,
/// its endpoint paths and lifetimes. See `MockProviders/README.md` for the format.
public struct ProviderProfile: Sendable {
    public struct Endpoints: Sendable {
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
    public struct OIDCSettings: Sendable {
        public struct SigningKey: Sendable {
            public var kid: String
            public var alg: String
            public var privateKeyPEM: String
            /// Served in the JWKS and used only after a key rotation.
            public var standby: Bool
        }
        public var signingKeys: [SigningKey]
        /// The algorithm of the key that signs ID tokens.
        public var idTokenAlg: String
        public var idTokenLifetime: TimeInterval
    }

    /// One recorded HTTP exchange of a replay profile.
    public struct RecordedExchange: Sendable {
        public var method: String
        public var path: String
        /// The recorded request's query and form parameters: their values in the response are
        /// replaced by the values of the request being answered (state, redirect_uri, …).
        public var parameters: [(String, String)]
        public var status: Int
        public var headers: [(String, String)]
        public var body: String
    }

    /// OAuth 1 behaviour (RFC 5849).
    public struct OAuth1Settings: Sendable {
        public var signatureMethods: [String]
        public var signatureTypes: [String]
        /// Accepted distance between `oauth_timestamp` and the provider clock.
        public var timestampWindow: TimeInterval
    }

    public struct Client: Sendable {
        public var clientID: String
        public var clientSecret: String?
        public var redirectURIs: [String]
        /// Token-endpoint authentication methods this client may use.
        public var authMethods: [String]
        /// PKCE is mandatory for this client (always true for public clients).
        public var requirePKCE: Bool
        /// PEM public key for `private_key_jwt` and JWT bearer assertions (RFC 7523).
        public var publicKeyPEM: String?
        /// OpenID Connect RP-initiated logout targets.
        public var postLogoutRedirectURIs: [String] = []
    }

    public struct User: Sendable {
        public var sub: String
        /// For the resource owner password credentials grant.
        public var password: String?
        public var claims: [String: String]
    }

    public struct PKCEPolicy: Sendable {
        public var required: Bool
        public var methods: [String]
    }

    public var name: String
    /// The real behaviour this profile reproduces, with a reference.
    public var models: String
    public var protocolName: String
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
    public var grantTypes: [String]
    public var pkce: PKCEPolicy
    public var oauth1: OAuth1Settings?
    public var oidc: OIDCSettings?
    /// The authorization page asks for a username and password (a user's `sub` and `password`)
    /// instead of offering a list of users.
    public var loginForm = false
    /// `protocol: replay`: recorded exchanges served back in order (see `oauth-harness record`).
    public var replay: [RecordedExchange] = []
    /// Transport faults armed whenever the provider starts (`faults:`), e.g. a provider that
    /// always answers its token endpoint slowly; scenarios can arm more with `fault` steps.
    public var faults: [Fault] = []
    public var quirks: Set<String>
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
    public struct LoginPages: Sendable {
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

    public static let authMethods = ["client_secret_basic", "client_secret_post", "none", "client_secret_jwt", "private_key_jwt"]
    public static let jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    public static let knownGrantTypes = ["authorization_code", "refresh_token", "client_credentials", "password", jwtBearerGrant]
    public static let pkceMethods = ["S256", "plain"]

    /// Reads and checks a profile; every error names file:line:column.
    public static func load(contentsOf path: String) throws(YAMLLocatedError) -> ProviderProfile {
        try parse(YAMLNode.load(contentsOf: path))
    }

    public static func parse(_ root: YAMLNode) throws(YAMLLocatedError) -> ProviderProfile {
        let top = try root.mapping("a provider profile")
        try top.allowOnly(
            [
                "name", "models", "protocol", "endpoints", "clients", "users", "scopes", "default_scope", "lifetimes", "refresh_tokens",
                "refresh_token_rotation", "grant_types", "pkce", "signature_methods", "signature_types", "timestamp_window", "quirks", "oidc",
                "exchanges", "login_form", "faults", "login", "auto_approve",
            ],
            in: "a provider profile")
        let name = try top.required("name", in: "the profile").string("the profile name")
        let models = try top.required("models", in: "the profile").string("what the profile models")
        let protocolName = try top.required("protocol", in: "the profile").choice("protocol", ["oauth1", "oauth2", "replay"])
        let isOAuth1 = protocolName == "oauth1"
        let isReplay = protocolName == "replay"

        let endpointsNode = isReplay ? top["endpoints"] : try top.required("endpoints", in: "the profile")
        let endpointsMap = try endpointsNode?.mapping("endpoints")
        try endpointsMap?.allowOnly(
            isOAuth1 || isReplay
                ? ["request_token", "authorize", "access_token", "resource", "token", "revoke", "introspect", "jwks", "end_session"]
                : ["authorize", "token", "resource", "revoke", "introspect", "jwks", "end_session"],
            in: "\(protocolName) endpoints")
        func path(_ key: String, required: Bool = true) throws(YAMLLocatedError) -> String? {
            guard let endpointsMap else { return nil }
            guard let node = required ? try endpointsMap.required(key, in: "endpoints") : endpointsMap[key] else { return nil }
            let value = try node.string("the \(key) endpoint path")
            guard value.hasPrefix("/") else { throw node.error("expected the \(key) endpoint as a path starting with /") }
            return value
        }
        let endpoints = Endpoints(
            authorize: try path("authorize", required: !isReplay) ?? "", token: try path(isOAuth1 ? "access_token" : "token", required: !isReplay) ?? "",
            resource: try path("resource", required: !isReplay) ?? "",
            revoke: try path("revoke", required: false), introspect: try path("introspect", required: false),
            requestToken: isOAuth1 ? try path("request_token") : nil, jwks: try path("jwks", required: false),
            endSession: try path("end_session", required: false))
        var oauth1: OAuth1Settings?
        if isOAuth1 {
            let methods = ["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"]
            let types = ["header", "body", "query"]
            var settings = OAuth1Settings(signatureMethods: methods, signatureTypes: types, timestampWindow: 300)
            if let node = top["signature_methods"] {
                settings.signatureMethods = try node.stringList("signature_methods")
                for method in settings.signatureMethods where !methods.contains(method) {
                    throw node.error("unknown signature method \"\(method)\"; expected one of: \(methods.joined(separator: ", "))")
                }
            }
            if let node = top["signature_types"] {
                settings.signatureTypes = try node.stringList("signature_types")
                for type in settings.signatureTypes where !types.contains(type) {
                    throw node.error("unknown signature type \"\(type)\"; expected one of: \(types.joined(separator: ", "))")
                }
            }
            settings.timestampWindow = try top["timestamp_window"]?.duration("timestamp_window") ?? settings.timestampWindow
            oauth1 = settings
        } else {
            for key in ["signature_methods", "signature_types", "timestamp_window"] where top[key] != nil {
                throw top.entries.first { $0.key == key }!.keyNode.error("\(key) applies to oauth1 profiles only")
            }
        }
        var oidc: OIDCSettings?
        if let node = top["oidc"] {
            guard !isOAuth1 else { throw node.error("oidc applies to oauth2 profiles") }
            let map = try node.mapping("oidc settings")
            try map.allowOnly(["signing_keys", "id_token_alg", "id_token_lifetime"], in: "oidc")
            var keys: [OIDCSettings.SigningKey] = []
            for keyNode in try map.required("signing_keys", in: "oidc").sequence("signing_keys") {
                let key = try keyNode.mapping("a signing key")
                try key.allowOnly(["kid", "alg", "private_key", "standby"], in: "a signing key")
                keys.append(
                    .init(
                        kid: try key.required("kid", in: "a signing key").string("kid"),
                        alg: try key.required("alg", in: "a signing key").choice("alg", ["RS256", "ES256"]),
                        privateKeyPEM: try key.required("private_key", in: "a signing key").pem(),
                        standby: try key["standby"]?.bool("standby") ?? false))
            }
            let algNode = map["id_token_alg"]
            let alg = try algNode?.choice("id_token_alg", ["RS256", "ES256"]) ?? "RS256"
            guard keys.contains(where: { $0.alg == alg && !$0.standby }) else {
                throw (algNode ?? node).error("no active signing key for id_token_alg \(alg)")
            }
            guard endpoints.jwks != nil else { throw (endpointsNode ?? node).error("an oidc profile needs a jwks endpoint") }
            oidc = OIDCSettings(signingKeys: keys, idTokenAlg: alg, idTokenLifetime: try map["id_token_lifetime"]?.duration("id_token_lifetime") ?? 3600)
        }
        var quirks: Set<String> = []
        if let node = top["quirks"] {
            for quirk in try node.stringList("quirks") {
                guard Quirk.named(quirk) != nil else {
                    throw node.error("unknown quirk \"\(quirk)\"; expected one of: \(Quirk.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                quirks.insert(quirk)
            }
        }

        var clients: [Client] = []
        for node in try (isReplay ? top["clients"] : try top.required("clients", in: "the profile"))?.sequence("clients") ?? [] {
            let map = try node.mapping("a client")
            try map.allowOnly(
                ["client_id", "client_secret", "redirect_uris", "auth_methods", "require_pkce", "public_key", "post_logout_redirect_uris"], in: "a client")
            let id = try map.required("client_id", in: "a client").string("client_id")
            guard !clients.contains(where: { $0.clientID == id }) else { throw node.error("client_id \"\(id)\" is registered twice") }
            let secret = try map["client_secret"].map { node throws(YAMLLocatedError) in try node.string("client_secret") }
            let uris = try map.required("redirect_uris", in: "a client").stringList("redirect_uris")
            for uri in uris where URLReference(uri).scheme == nil {
                throw node.error("redirect_uri \"\(uri)\" is not an absolute URI")
            }
            var methods = secret == nil ? ["none"] : ["client_secret_basic", "client_secret_post"]
            if let methodsNode = map["auth_methods"] {
                methods = try methodsNode.stringList("auth_methods")
                for method in methods where !authMethods.contains(method) {
                    throw methodsNode.error("unknown auth method \"\(method)\"; expected one of: \(authMethods.joined(separator: ", "))")
                }
                for method in methods where ["client_secret_basic", "client_secret_post", "client_secret_jwt"].contains(method) && secret == nil {
                    throw methodsNode.error("auth method \(method) needs a client_secret")
                }
            }
            var publicKey: String?
            if let keyNode = map["public_key"] {
                publicKey = try keyNode.pem()
            }
            if methods.contains("private_key_jwt"), publicKey == nil {
                throw node.error("auth method private_key_jwt needs a public_key")
            }
            let requirePKCE = try map["require_pkce"]?.bool("require_pkce") ?? (secret == nil && publicKey == nil)
            clients.append(
                Client(
                    clientID: id, clientSecret: secret, redirectURIs: uris, authMethods: methods, requirePKCE: requirePKCE, publicKeyPEM: publicKey,
                    postLogoutRedirectURIs: try map["post_logout_redirect_uris"]?.stringList("post_logout_redirect_uris") ?? []))
        }
        guard !clients.isEmpty || isReplay else { throw top.node.error("a profile needs at least one client") }

        var users: [User] = []
        for node in try (isReplay ? top["users"] : try top.required("users", in: "the profile"))?.sequence("users") ?? [] {
            let map = try node.mapping("a user")
            let sub = try map.required("sub", in: "a user").string("sub")
            var claims: [String: String] = [:]
            for entry in map.entries where entry.key != "password" { claims[entry.key] = try entry.value.string("the claim \(entry.key)") }
            users.append(User(sub: sub, password: try map["password"]?.string("password"), claims: claims))
        }
        guard !users.isEmpty || isReplay else { throw top.node.error("a profile needs at least one user") }

        let scopes = try top["scopes"]?.stringList("scopes") ?? []
        let defaultScope = try top["default_scope"]?.stringList("default_scope") ?? []
        var codeLifetime: TimeInterval = 60
        var accessTokenLifetime: TimeInterval = 3600
        var refreshTokenLifetime: TimeInterval?
        if let lifetimesNode = top["lifetimes"] {
            let lifetimes = try lifetimesNode.mapping("lifetimes")
            try lifetimes.allowOnly(["code", "access_token", "refresh_token"], in: "lifetimes")
            codeLifetime = try lifetimes["code"]?.duration("the code lifetime") ?? codeLifetime
            accessTokenLifetime = try lifetimes["access_token"]?.duration("the access token lifetime") ?? accessTokenLifetime
            refreshTokenLifetime = try lifetimes["refresh_token"]?.duration("the refresh token lifetime")
        }
        var grantTypes = knownGrantTypes
        if let grantsNode = top["grant_types"] {
            grantTypes = try grantsNode.stringList("grant_types")
            for grant in grantTypes where !knownGrantTypes.contains(grant) {
                throw grantsNode.error("unknown grant type \"\(grant)\"; expected one of: \(knownGrantTypes.joined(separator: ", "))")
            }
        }
        var pkce = PKCEPolicy(required: false, methods: pkceMethods)
        if let pkceNode = top["pkce"] {
            let map = try pkceNode.mapping("pkce")
            try map.allowOnly(["required", "methods"], in: "pkce")
            pkce.required = try map["required"]?.bool("pkce.required") ?? false
            if let methodsNode = map["methods"] {
                pkce.methods = try methodsNode.stringList("pkce.methods")
                for method in pkce.methods where !pkceMethods.contains(method) {
                    throw methodsNode.error("unknown PKCE method \"\(method)\"; expected one of: S256, plain")
                }
            }
        }
        var login: LoginPages?
        if let node = top["login"] {
            let map = try node.mapping("login pages")
            try map.allowOnly(["pages", "csrf", "consent"], in: "login")
            var pages = LoginPages()
            if let pagesNode = map["pages"] {
                pages.pages = LoginPages.Pages(rawValue: try pagesNode.choice("login pages", LoginPages.Pages.allCases.map(\.rawValue)))!
            }
            pages.csrf = try map["csrf"]?.bool("login.csrf") ?? true
            pages.consent = try map["consent"]?.bool("login.consent") ?? true
            if top["login_form"] != nil { throw node.error("login replaces login_form; give one of them") }
            if users.allSatisfy({ $0.password == nil }) { throw node.error("login pages need a user with a password") }
            login = pages
        }
        let autoApprove = try top["auto_approve"]?.bool("auto_approve") ?? false
        if autoApprove, let node = top["login"] ?? top["login_form"] {
            throw node.error("auto_approve skips the login pages; give auto_approve or a login, not both")
        }
        return ProviderProfile(
            name: name, models: models, protocolName: protocolName, endpoints: endpoints, clients: clients, users: users,
            scopes: scopes, defaultScope: defaultScope, codeLifetime: codeLifetime, accessTokenLifetime: accessTokenLifetime,
            refreshTokenLifetime: refreshTokenLifetime, issueRefreshToken: try top["refresh_tokens"]?.bool("refresh_tokens") ?? true,
            refreshTokenRotation: try top["refresh_token_rotation"]?.bool("refresh_token_rotation") ?? true, grantTypes: grantTypes,
            pkce: pkce, oauth1: oauth1, oidc: oidc, loginForm: try top["login_form"]?.bool("login_form") ?? false,
            replay: try isReplay ? parseExchanges(top) : [], faults: try top["faults"]?.sequence("faults").map { (node) throws(YAMLLocatedError) in try Fault(yaml: node) } ?? [],
            quirks: quirks, file: root.file, login: login, autoApprove: autoApprove)
    }

    static func parseExchanges(_ top: YAMLMapping) throws(YAMLLocatedError) -> [RecordedExchange] {
        var exchanges: [RecordedExchange] = []
        for node in try top.required("exchanges", in: "a replay profile").sequence("exchanges") {
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
            exchanges.append(
                RecordedExchange(
                    method: try request.required("method", in: "the recorded request").string("method"),
                    path: try request.required("path", in: "the recorded request").string("path"),
                    parameters: try pairs(request["parameters"]), status: try response.required("status", in: "the recorded response").int("status"),
                    headers: try pairs(response["headers"]), body: try response["body"]?.string("body") ?? ""))
        }
        return exchanges
    }
}

/// All profiles of a folder, by name.
public struct ProviderCatalog: Sendable {
    public let profiles: [String: ProviderProfile]

    public init(profiles: [ProviderProfile]) {
        self.profiles = Dictionary(profiles.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var names: [String] { profiles.keys.sorted() }

    public subscript(name: String) -> ProviderProfile? { profiles[name] }

    /// Loads every `*.yaml`/`*.yml` file in `directory`. Two files with one name is an error.
    public static func load(directory: String) throws(YAMLLocatedError) -> ProviderCatalog {
        let (catalog, errors) = loadAll(directory: directory)
        if let first = errors.first { throw first }
        return catalog
    }

    /// Every profile of `directory` that loads, and an error for every one that does not
    /// (so `validate` reports them all, not just the first).
    public static func loadAll(directory: String) -> (catalog: ProviderCatalog, errors: [YAMLLocatedError]) {
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
