import Foundation
import HarnessFiles
import OAuthCore

/// The profile format's writer, beside its reader (`ProviderProfile(yaml:)`): the keys the
/// loader reads, each written only when it differs from what the loader assumes without it, so
/// that `ProviderProfile(yaml: parse(profile.yaml()))` equals the profile (the file aside) —
/// a test holds every built-in profile to that. Keys are inlined (PEM text, not a path).
extension ProviderProfile {
    /// The profile as YAML, after `comments`.
    ///
    /// - Parameter comments: lines written as `#` comments before the document.
    /// - Throws: Yams's error when the document cannot be serialized.
    public func yaml(comments: [String] = []) throws -> String {
        try ProfileYAML.encode(document, comments: comments)
    }

    /// The profile as a document of the format's keys, in the order of `topKeys`.
    public var document: [(String, ProfileYAML.Value)] {
        typealias Value = ProfileYAML.Value
        var document: [(String, Value)] = [("name", .text(name)), ("models", .text(models)), ("protocol", .text(protocolKind.rawValue))]
        if protocolKind != .replay || !endpoints.authorize.isEmpty { document.append(("endpoints", .map(endpoints.document(protocolKind)))) }
        if !clients.isEmpty || protocolKind != .replay { document.append(("clients", .list(clients.map { .map($0.document) }))) }
        if !users.isEmpty || protocolKind != .replay { document.append(("users", .list(users.map { .map($0.document) }))) }
        if !scopes.isEmpty { document.append(("scopes", Self.texts(scopes))) }
        if !defaultScope.isEmpty { document.append(("default_scope", Self.texts(defaultScope))) }
        let lifetimes = Lifetimes(code: codeLifetime, accessToken: accessTokenLifetime, refreshToken: refreshTokenLifetime)
        if lifetimes != Lifetimes() {
            var map: [(String, Value)] = []
            if lifetimes.code != Lifetimes().code { map.append(("code", Self.duration(lifetimes.code))) }
            if lifetimes.accessToken != Lifetimes().accessToken { map.append(("access_token", Self.duration(lifetimes.accessToken))) }
            if let refresh = lifetimes.refreshToken { map.append(("refresh_token", Self.duration(refresh))) }
            document.append(("lifetimes", .map(map)))
        }
        if !issueRefreshToken { document.append(("refresh_tokens", .flag(false))) }
        if !refreshTokenRotation { document.append(("refresh_token_rotation", .flag(false))) }
        if grantTypes != GrantType.defaults(for: endpoints, tokenExchange: tokenExchange != nil) {
            document.append(("grant_types", Self.texts(grantTypes.map(\.rawValue))))
        }
        if pkce != PKCEPolicy(required: false, methods: PKCEMethod.allCases) {
            document.append(("pkce", .map([("required", .flag(pkce.required)), ("methods", Self.texts(pkce.methods.map(\.rawValue)))])))
        }
        if let oauth1 {
            if oauth1.signatureMethods != OAuth1SignatureMethod.allCases {
                document.append(("signature_methods", Self.texts(oauth1.signatureMethods.map(\.rawValue))))
            }
            if oauth1.signatureTypes != OAuth1Placement.allCases {
                document.append(("signature_types", Self.texts(oauth1.signatureTypes.map(\.rawValue))))
            }
            if oauth1.timestampWindow != 300 { document.append(("timestamp_window", Self.duration(oauth1.timestampWindow))) }
        }
        if !quirks.isEmpty { document.append(("quirks", Self.texts(quirks.map(\.rawValue).sorted()))) }
        if let oidc {
            var map: [(String, Value)] = [
                ("signing_keys", .list(oidc.signingKeys.map { .map($0.document) })), ("id_token_alg", .text(oidc.idTokenAlg.rawValue)),
            ]
            if oidc.idTokenLifetime != 3600 { map.append(("id_token_lifetime", Self.duration(oidc.idTokenLifetime))) }
            document.append(("oidc", .map(map)))
        }
        if protocolKind == .replay { document.append(("exchanges", .list(replay.map { .map($0.document) }))) }
        if loginForm { document.append(("login_form", .flag(true))) }
        if !faults.isEmpty { document.append(("faults", .list(faults.map { .map($0.document) }))) }
        if let login { document.append(("login", .map(login.document))) }
        if autoApprove { document.append(("auto_approve", .flag(true))) }
        if accessTokens != AccessTokenSettings() { document.append(("access_tokens", .map(accessTokens.document))) }
        if par != PARSettings() {
            document.append(("par", .map([("required", .flag(par.required)), ("request_uri_lifetime", Self.duration(par.requestURILifetime))])))
        }
        if let requestObjects {
            document.append(
                (
                    "request_objects",
                    .map(
                        [("required", .flag(requestObjects.required)), ("algorithms", Self.texts(requestObjects.algorithms.map(\.rawValue)))]
                            + (requestObjects.unsigned ? [("unsigned", .flag(true))] : [])
                    )
                )
            )
        }
        if device != DeviceSettings() {
            document.append(
                (
                    "device",
                    .map([
                        ("interval", .number(device.interval)), ("lifetime", Self.duration(device.lifetime)),
                        ("verification_uri_complete", .flag(device.verificationURIComplete)),
                    ])
                )
            )
        }
        if let protectedResource {
            var map: [(String, Value)] = []
            if let scopes = protectedResource.scopes { map.append(("scopes", Self.texts(scopes))) }
            if let name = protectedResource.name { map.append(("name", .text(name))) }
            document.append(("protected_resource", .map(map)))
        }
        if registration != RegistrationSettings() {
            var map: [(String, Value)] = [("auth_methods", Self.texts(registration.authMethods.map(\.rawValue)))]
            if let token = registration.initialAccessToken { map.insert(("initial_access_token", .text(token)), at: 0) }
            document.append(("registration", .map(map)))
        }
        if let tokenExchange {
            var map: [(String, Value)] = [
                ("delegation", .flag(tokenExchange.delegation)),
                ("subject_token_types", Self.texts(tokenExchange.subjectTokenTypes.map(\.rawValue))),
            ]
            if !tokenExchange.audiences.isEmpty { map.append(("audiences", Self.texts(tokenExchange.audiences))) }
            if !tokenExchange.trustedIssuers.isEmpty {
                map.append(
                    (
                        "trusted_issuers",
                        .list(tokenExchange.trustedIssuers.map { .map([("issuer", .text($0.issuer)), ("public_key", .block($0.publicKeyPEM))]) })
                    )
                )
            }
            document.append(("token_exchange", .map(map)))
        }
        if !authorizationDetailsTypes.isEmpty { document.append(("authorization_details_types", Self.texts(authorizationDetailsTypes))) }
        if let dpop {
            document.append(
                (
                    "dpop",
                    .map([
                        ("required", .flag(dpop.required)), ("nonce", .flag(dpop.nonce)), ("algorithms", Self.texts(dpop.algorithms.map(\.rawValue))),
                        ("iat_window", Self.duration(dpop.iatWindow)),
                    ])
                )
            )
        }
        return document
    }

    static func texts(_ values: [String]) -> ProfileYAML.Value { .list(values.map(ProfileYAML.Value.text)) }

    /// Whole seconds as a number, anything else as the loader's text.
    static func duration(_ seconds: TimeInterval) -> ProfileYAML.Value {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? .number(Int(seconds)) : .text(String(seconds))
    }
}

extension ProviderProfile.Endpoints {
    func document(_ protocolKind: ProviderProfile.ProtocolKind) -> [(String, ProfileYAML.Value)] {
        ProviderProfile.Endpoint.allCases.compactMap { endpoint in paths[endpoint].map { (endpoint.key(protocolKind), .text($0)) } }
    }
}

extension ProviderProfile.Client {
    var document: [(String, ProfileYAML.Value)] {
        var map: [(String, ProfileYAML.Value)] = [("client_id", .text(clientID))]
        if let clientSecret { map.append(("client_secret", .text(clientSecret))) }
        map.append(("redirect_uris", ProviderProfile.texts(redirectURIs)))
        let defaultMethods: [ProviderProfile.AuthMethod] = clientSecret == nil ? [.none] : [.clientSecretBasic, .clientSecretPost]
        if authMethods != defaultMethods { map.append(("auth_methods", ProviderProfile.texts(authMethods.map(\.rawValue)))) }
        if requirePKCE != (clientSecret == nil && publicKeyPEM == nil) { map.append(("require_pkce", .flag(requirePKCE))) }
        if let publicKeyPEM { map.append(("public_key", .block(publicKeyPEM))) }
        if !postLogoutRedirectURIs.isEmpty { map.append(("post_logout_redirect_uris", ProviderProfile.texts(postLogoutRedirectURIs))) }
        if let backchannelLogoutURI { map.append(("backchannel_logout_uri", .text(backchannelLogoutURI))) }
        return map
    }
}

extension ProviderProfile.User {
    /// `sub`, the password, then every other claim (the loader keeps `sub` among the claims too).
    var document: [(String, ProfileYAML.Value)] {
        var map: [(String, ProfileYAML.Value)] = [("sub", .text(sub))]
        if let password { map.append(("password", .text(password))) }
        for (name, value) in claims.sorted(by: { $0.key < $1.key }) where name != "sub" { map.append((name, ProfileYAML.value(value))) }
        return map
    }
}

extension ProviderProfile.OIDCSettings.SigningKey {
    var document: [(String, ProfileYAML.Value)] {
        var map: [(String, ProfileYAML.Value)] = [("kid", .text(kid)), ("alg", .text(alg.rawValue)), ("private_key", .block(privateKeyPEM))]
        if standby { map.append(("standby", .flag(true))) }
        return map
    }
}

extension ProviderProfile.AccessTokenSettings {
    var document: [(String, ProfileYAML.Value)] {
        var map: [(String, ProfileYAML.Value)] = [("format", .text(format.rawValue))]
        if let audience { map.append(("audience", .text(audience))) }
        if let alg { map.append(("alg", .text(alg.rawValue))) }
        if !signingKeys.isEmpty { map.append(("signing_keys", .list(signingKeys.map { .map($0.document) }))) }
        return map
    }
}

extension ProviderProfile.LoginPages {
    var document: [(String, ProfileYAML.Value)] {
        [("pages", .text(pages.rawValue)), ("csrf", .flag(csrf)), ("consent", .flag(consent))]
    }
}

extension ProviderProfile.RecordedExchange {
    var document: [(String, ProfileYAML.Value)] {
        func pairs(_ list: [(String, String)]) -> ProfileYAML.Value { .map(list.map { ($0.0, .text($0.1)) }) }
        return [
            ("request", .map([("method", .text(method)), ("path", .text(path)), ("parameters", pairs(parameters))])),
            ("response", .map([("status", .number(status)), ("headers", pairs(headers)), ("body", .text(body))])),
        ]
    }
}

extension Fault {
    var document: [(String, ProfileYAML.Value)] {
        var map: [(String, ProfileYAML.Value)] = [("kind", .text(kind.rawValue))]
        if let path { map.append(("path", .text(path))) }
        let defaults = Fault(kind: kind)
        if status != defaults.status { map.append(("status", .number(status))) }
        if milliseconds != defaults.milliseconds { map.append(("milliseconds", .number(milliseconds))) }
        if let count { map.append(("count", .number(count))) }
        return map
    }
}

// Initializers for writers of profiles (`check --write-profile`, `record`): a profile is built
// as a value and written by `yaml()`, never as text.
extension ProviderProfile {
    /// A profile with the loader's defaults for everything not given.
    package init(name: String, models: String, protocolKind: ProtocolKind, endpoints: Endpoints, clients: [Client], users: [User]) {
        self.name = name
        self.models = models
        self.protocolKind = protocolKind
        self.endpoints = endpoints
        self.clients = clients
        self.users = users
        scopes = []
        defaultScope = []
        let lifetimes = Lifetimes()
        (codeLifetime, accessTokenLifetime, refreshTokenLifetime) = (lifetimes.code, lifetimes.accessToken, lifetimes.refreshToken)
        issueRefreshToken = true
        refreshTokenRotation = true
        grantTypes = GrantType.defaults(for: endpoints)
        pkce = PKCEPolicy(required: false, methods: PKCEMethod.allCases)
        oauth1 =
            protocolKind == .oauth1
            ? OAuth1Settings(signatureMethods: OAuth1SignatureMethod.allCases, signatureTypes: OAuth1Placement.allCases, timestampWindow: 300)
            : nil
        quirks = []
        file = ""
    }

    /// Whether `text` reads back as this profile: what a writer checks before it writes.
    package func readsBack(from text: String) -> Bool {
        guard var decoded = try? ProviderProfile(yaml: YAMLNode.parse(text, file: file.isEmpty ? "written.yaml" : file)) else { return false }
        decoded.file = file
        return decoded == self
    }
}

extension ProviderProfile.Endpoints {
    /// The endpoints of a profile speaking `protocolKind`, from paths by their `endpoints:` key.
    package init(protocolKind: ProviderProfile.ProtocolKind, paths byKey: [String: String]) {
        var paths: [ProviderProfile.Endpoint: String] = [:]
        for endpoint in ProviderProfile.Endpoint.allCases where endpoint.applies(to: protocolKind) {
            paths[endpoint] = byKey[endpoint.key(protocolKind)]
        }
        self.init(paths: paths)
    }
}

extension ProviderProfile.Client {
    /// A client as the loader reads one with only these keys.
    package init(clientID: String, clientSecret: String?, redirectURIs: [String], postLogoutRedirectURIs: [String] = []) {
        self.init(
            clientID: clientID,
            clientSecret: clientSecret,
            redirectURIs: redirectURIs,
            authMethods: clientSecret == nil ? [.none] : [.clientSecretBasic, .clientSecretPost],
            requirePKCE: clientSecret == nil,
            publicKeyPEM: nil,
            postLogoutRedirectURIs: postLogoutRedirectURIs
        )
    }
}

extension ProviderProfile.User {
    /// A user as the loader reads one: `sub` is among its claims.
    package init(sub: String, claims: [String: JSONValue]) {
        var all = claims
        all["sub"] = .string(sub)
        self.init(sub: sub, password: nil, claims: all)
    }
}

extension ProviderProfile.OIDCSettings {
    package init(signingKey: SigningKey) {
        self.init(signingKeys: [signingKey], idTokenAlg: signingKey.alg, idTokenLifetime: 3600)
    }
}

extension ProviderProfile.OIDCSettings.SigningKey {
    package init(kid: String, alg: ProviderProfile.SigningAlgorithm, pem: String) {
        self.init(kid: kid, alg: alg, privateKeyPEM: pem, standby: false)
    }
}
