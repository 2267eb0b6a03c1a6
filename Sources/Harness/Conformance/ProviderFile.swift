import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

/// The provider `oauth-harness check` judges, as its YAML file describes it:
///
/// ```yaml
/// name: my-provider
/// provider: { url: …, discovery: …, token: /oauth/token, resource: /api/me, … }   # as in a scenario
/// clients:                        # one, or two (the second for the code-bound-to-client checks)
///   - { client_id: ${ID}, client_secret: ${SECRET}, redirect_uri: …, auth_method: client_secret_basic }
/// user: { username: ${USER}, password: ${PASSWORD} }
/// scope: [openid, profile, email]
/// expect: { refresh_tokens: true, revocation: true, introspection: true, logout: true, request_objects: false }
/// signature_methods: [HMAC-SHA1]   # OAuth 1
/// code_reuse_wait: 30s             # oidcc-codereuse-30seconds
/// ```
///
/// Secrets come from `${ENV}`; when one is missing every check is skipped with its name.
package struct ProviderFile: Sendable {
    package struct Client: Sendable {
        /// The token-endpoint authentication methods the checks know how to use.
        static let authMethods: [ClientAuthMethod] = [.clientSecretBasic, .clientSecretPost, .none]

        package var clientID: String
        package var clientSecret: String?
        package var redirectURI: String
        package var authMethod: ClientAuthMethod
        package var postLogoutRedirectURI: String?
        /// OAuth 1: the client's RSA private key (PEM), for RSA-SHA1.
        package var privateKeyPEM: String? = nil
        /// The grants the provider allows this client (`grants:`), `nil` when the file does not
        /// say: checks of a grant use the first client allowed it (providers that register grants
        /// per client, as django-oauth-toolkit and Okta do).
        package var grants: [String]? = nil
        /// Back-Channel Logout 1.0: the URI the provider has registered for this client, where the
        /// harness listens (an http URL on a loopback address with a fixed port).
        package var backchannelLogoutURI: String? = nil
        /// Front-Channel Logout 1.0: the URI the provider has registered for this client, where
        /// the harness listens (an http URL on a loopback address with a fixed port).
        package var frontchannelLogoutURI: String? = nil
        /// A dynamically registered client's own key (`private_key_jwt`, signed request objects):
        /// never from a file, made by the run.
        var signingKey: ClientKey? = nil
        /// The `aud` of its client assertions, when not the token endpoint's URL.
        var assertionAudience: String? = nil

        /// Whether the file allows the client `grant` (any grant when it lists none).
        func allows(_ grant: String) -> Bool { grants?.contains(grant) ?? true }
    }

    /// Optional features: `true` they must work, `false` not offered (checks skipped), absent:
    /// judged when the provider's metadata (or its file) names the endpoint.
    package struct Expectations: Sendable {
        package var refreshTokens: Bool?
        package var revocation: Bool?
        package var introspection: Bool?
        package var logout: Bool?
        package var requestObjects: Bool?
    }

    package var name: String
    package var file: String
    package var spec: ProviderSpec
    package var clients: [Client]
    package var user: TestUser?
    package var scope: [String]
    package var expect: Expectations
    package var signatureMethods: [SignatureMethod]
    package var codeReuseWait: TimeInterval
    /// `${VAR}`s without a value: the checks are skipped, naming them.
    package var missingVariables: [String]
    /// RFC 7591 §3: the initial access token registrations carry (`registration_token:`), for a
    /// provider whose registration is not open.
    package var registrationToken: String? = nil
    /// Where a POST rotates the provider's signing keys (`rotate_keys:`), for
    /// oidcc-server-rotate-keys; `nil`: the module is skipped.
    package var rotateKeysURL: String? = nil
    /// How long a provider may cache a client's `jwks_uri` before it must see a rotated key
    /// (`jwks_refresh_wait:`, seconds; the OpenID Foundation suite waits 60).
    package var jwksRefreshWait: TimeInterval = 60

    /// OAuth 1 when the provider entry has `request_token`, OpenID Connect when the scope
    /// asks for `openid`, else OAuth 2: which plans apply.
    package var protocolKind: ProtocolKind {
        spec.protocolKind == .oauth1 ? .oauth1 : scope.contains("openid") ? .oidc : .oauth2
    }

    /// The first client: the one every check uses unless it needs a second.
    var client: Client { clients[0] }

    /// A second client that may use the code flow (for the checks that a code or token of one
    /// client is refused to another), if the file lists one.
    var secondClient: Client? { clients.dropFirst().first { $0.allows("authorization_code") } }

    /// The client the checks of `grant` use: the first whose `grants:` lists it, else the first
    /// that lists none.
    func client(for grant: String) -> Client {
        clients.first { $0.grants?.contains(grant) == true } ?? clients.first { $0.grants == nil } ?? client
    }

    package static func load(contentsOf path: String, environment: [String: String]) throws(YAMLLocatedError) -> ProviderFile {
        let root = try YAMLNode.load(contentsOf: path)
        let variables = ScenarioVariables(environment: environment)
        let map = try root.mapping("a provider to check")
        try map.allowOnly(
            [
                "name", "provider", "clients", "user", "scope", "expect", "signature_methods", "code_reuse_wait", "registration_token", "rotate_keys",
                "jwks_refresh_wait",
            ],
            in: "a provider to check"
        )
        let nameNode = try map.required("name", in: "a provider to check")
        let name = try nameNode.string("name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw nameNode.error("the name is used in report file names: letters, digits, '-', '_' and '.' only")
        }
        let spec = try ProviderSpec(yaml: try map.required("provider", in: "a provider to check"), variables: variables)
        let clientsNode = try map.required("clients", in: "a provider to check")
        let clientNodes = try clientsNode.sequence("clients")
        guard (1...3).contains(clientNodes.count) else { throw clientsNode.error("expected one to three clients") }
        var clients: [Client] = []
        for node in clientNodes {
            let entry = try node.mapping("a client")
            try entry.allowOnly(
                [
                    "client_id", "client_secret", "redirect_uri", "auth_method", "post_logout_redirect_uri", "private_key", "grants",
                    "backchannel_logout_uri", "frontchannel_logout_uri",
                ],
                in: "a client"
            )
            let secret = try variables.optionalText(entry["client_secret"], "client_secret")
            let backchannel = try variables.optionalText(entry["backchannel_logout_uri"], "backchannel_logout_uri")
            if let backchannel, (BackChannelReceiver.Address(backchannel)?.port ?? 0) == 0 {
                throw (entry["backchannel_logout_uri"] ?? node).error(
                    "backchannel_logout_uri must be an http URL on a loopback address with a fixed port (the harness listens there)"
                )
            }
            let frontchannel = try variables.optionalText(entry["frontchannel_logout_uri"], "frontchannel_logout_uri")
            if let frontchannel, (BackChannelReceiver.Address(frontchannel)?.port ?? 0) == 0 {
                throw (entry["frontchannel_logout_uri"] ?? node).error(
                    "frontchannel_logout_uri must be an http URL on a loopback address with a fixed port (the harness listens there)"
                )
            }
            clients.append(
                Client(
                    clientID: try variables.text(try entry.required("client_id", in: "a client"), "client_id"),
                    clientSecret: secret,
                    redirectURI: try variables.text(try entry.required("redirect_uri", in: "a client"), "redirect_uri"),
                    authMethod: try entry["auth_method"].map { node throws(YAMLLocatedError) in
                        ClientAuthMethod(rawValue: try node.choice("auth_method", Client.authMethods.map(\.rawValue)))
                    } ?? (secret == nil ? .none : .clientSecretBasic),
                    postLogoutRedirectURI: try variables.optionalText(entry["post_logout_redirect_uri"], "post_logout_redirect_uri"),
                    privateKeyPEM: try entry["private_key"]?.pem(),
                    grants: try entry["grants"].map { node throws(YAMLLocatedError) in
                        try node.sequence("grants").map { item throws(YAMLLocatedError) in try item.string("a grant") }
                    },
                    backchannelLogoutURI: backchannel,
                    frontchannelLogoutURI: frontchannel
                )
            )
        }
        let registrationToken = try variables.optionalText(map["registration_token"], "registration_token")
        var expect = Expectations()
        if let node = map["expect"] {
            let entry = try node.mapping("expect")
            try entry.allowOnly(["refresh_tokens", "revocation", "introspection", "logout", "request_objects"], in: "expect")
            expect.refreshTokens = try entry["refresh_tokens"]?.bool("refresh_tokens")
            expect.revocation = try entry["revocation"]?.bool("revocation")
            expect.introspection = try entry["introspection"]?.bool("introspection")
            expect.logout = try entry["logout"]?.bool("logout")
            expect.requestObjects = try entry["request_objects"]?.bool("request_objects")
        }
        return ProviderFile(
            name: name,
            file: path,
            spec: spec,
            clients: clients,
            user: try map["user"].map { node throws(YAMLLocatedError) in try TestUser(yaml: node, variables: variables) },
            scope: try map["scope"]?.stringList("scope") ?? [],
            expect: expect,
            signatureMethods: try map["signature_methods"]?.choices("signature_methods", as: SignatureMethod.self) ?? [.hmacSHA1],
            codeReuseWait: try map["code_reuse_wait"]?.duration("code_reuse_wait") ?? 30,
            missingVariables: variables.missing,
            registrationToken: registrationToken,
            rotateKeysURL: try variables.optionalText(map["rotate_keys"], "rotate_keys"),
            jwksRefreshWait: try map["jwks_refresh_wait"]?.duration("jwks_refresh_wait") ?? 60
        )
    }
}

extension ProviderFile {
    /// A built-in mock served at `baseURL`, described the way a user would describe it in a
    /// provider file: its paths, its first two clients that authenticate with a secret or not at
    /// all, its first user with a password, its scopes. Nothing else about the mock is used.
    package init(mock profile: ProviderProfile, baseURL: String) {
        let paths = profile.endpoints
        var endpoints: [String: String] = ["authorize": paths.authorize, "resource": paths.resource]
        if profile.protocolKind == .oauth1 {
            endpoints["request_token"] = paths.requestToken
            endpoints["access_token"] = paths.token
        } else {
            endpoints["token"] = paths.token
            endpoints["revoke"] = paths.revoke
            endpoints["introspect"] = paths.introspect
        }
        let usable = profile.clients.compactMap { client -> Client? in
            let method: ClientAuthMethod? =
                client.authMethods.contains(.clientSecretBasic)
                ? .clientSecretBasic
                : client.authMethods.contains(.clientSecretPost)
                    ? .clientSecretPost : client.authMethods.contains(.none) ? ClientAuthMethod.none : nil
            guard let method, let redirect = client.redirectURIs.first else { return nil }
            return Client(
                clientID: client.clientID,
                clientSecret: client.clientSecret,
                redirectURI: redirect,
                authMethod: profile.protocolKind == .oauth1 ? .clientSecretPost : method,
                postLogoutRedirectURI: client.postLogoutRedirectURIs.first
            )
        }
        let user = profile.users.first { $0.password != nil }
        self.init(
            name: profile.name,
            file: "built-in profile \(profile.name) (\(profile.file))",
            spec: ProviderSpec(url: baseURL, discovery: nil, endpoints: endpoints.compactMapValues { $0 }),
            clients: Array(usable.prefix(2)),
            user: user.map { TestUser(username: $0.sub, password: $0.password) },
            scope: profile.oidc == nil ? profile.scopes.filter { $0 != "openid" } : profile.scopes,
            expect: Expectations(),
            signatureMethods: profile.oauth1?.signatureMethods.compactMap { SignatureMethod(rawValue: $0.rawValue) } ?? [],
            codeReuseWait: 30,
            missingVariables: [],
            registrationToken: profile.registration.initialAccessToken,
            // The mocks rotate their keys on this test-control endpoint, and fetch a client's
            // jwks_uri again as soon as an unknown kid is seen.
            rotateKeysURL: profile.oidc == nil ? nil : baseURL + "/_harness/rotate-keys",
            jwksRefreshWait: 1
        )
    }
}

extension ProviderFile {
    /// The provider given as command-line flags instead of a file. Secrets are read from the
    /// environment variables named (never from a flag, which other users can see in `ps`).
    package static func flags(
        url: String?,
        discovery: String?,
        clientID: String,
        clientSecretVariable: String?,
        redirectURI: String,
        scope: [String],
        username: String?,
        passwordVariable: String?,
        environment: [String: String]
    ) throws(CheckFailure) -> ProviderFile {
        guard url != nil || discovery != nil else { throw CheckFailure(reason: "give --url or --discovery (or a provider file)") }
        var missing: [String] = []
        func secret(_ name: String?) -> String? {
            guard let name else { return nil }
            guard let value = environment[name], !value.isEmpty else {
                missing.append(name)
                return nil
            }
            return value
        }
        let clientSecret = secret(clientSecretVariable)
        let password = secret(passwordVariable)
        let host = URLReference(url ?? discovery ?? "").host ?? "provider"
        return ProviderFile(
            name: host.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "-" }.reduce("") { $0 + String($1) },
            file: "command-line flags",
            spec: ProviderSpec(url: url, discovery: discovery, endpoints: [:]),
            clients: [
                Client(
                    clientID: clientID,
                    clientSecret: clientSecret,
                    redirectURI: redirectURI,
                    authMethod: clientSecretVariable == nil ? .none : .clientSecretBasic,
                    postLogoutRedirectURI: nil
                )
            ],
            user: username.map { TestUser(username: $0, password: password) },
            scope: scope,
            expect: Expectations(),
            signatureMethods: [],
            codeReuseWait: 30,
            missingVariables: missing
        )
    }
}
