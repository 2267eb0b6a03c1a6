import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

package struct ClientSpec: Sendable {
    package var clientID: String
    package var clientSecret: String?
    package var authMethod: ClientAuthMethod
    package var redirectURI: String?
    package var scope: [String]
    package var pkce: PKCE.Method?
    /// PEM private key for `private_key_jwt` and the JWT bearer grant.
    package var privateKeyPEM: String?
    package var tokenPlacement: TokenPlacement = .header
    /// Renew tokens expiring within `leeway` before each request.
    package var autoRefresh: Bool = false
    package var leeway: TimeInterval = 60
    /// Deadline of every HTTP exchange of this client (head and body).
    package var timeout: Duration?
    /// A token issued beforehand (e.g. from CI secrets) for refresh and API steps.
    package var preissuedToken: (accessToken: String, refreshToken: String?)?
    /// Named client-side compliance fixes switched on for this scenario.
    package var complianceFixes: [String] = []
    package var oauth1 = OAuth1Options()
    /// OpenID Connect relying-party options; `nil` for plain OAuth 2 clients.
    package var openID: OpenIDOptions?
    /// RFC 9449: the client holds a DPoP key; `nil` sends no proofs.
    package var dpop: DPoPOptions?
    /// RFC 9101: authorization requests are signed request objects; `nil` sends plain parameters.
    package var requestObject: RequestObjectOptions?

    /// `dpop: true` or `{alg, bind_code}`.
    package struct DPoPOptions: Sendable {
        package var algorithm: JWSAlgorithm = .es256
        /// Send `dpop_jkt` with authorization requests (RFC 9449 §10).
        package var bindCode = true
    }

    /// `request_object: true` or `{key, audience, typ}`.
    package struct RequestObjectOptions: Sendable {
        package enum Key: String, Sendable, CaseIterable {
            /// The client's `private_key` (its private_key_jwt key).
            case privateKey = "private_key"
            /// HS256 with the client secret.
            case clientSecret = "client_secret"
        }
        package var key: Key
        /// The `aud`; `nil` for the provider's issuer.
        package var audience: String?
        /// Send the `typ: oauth-authz-req+jwt` header (RFC 9101 §10.8).
        package var type = true
    }

    package struct OpenIDOptions: Sendable {
        package var allowHS256 = false
        package var algorithms: [JWSAlgorithm]?
        package var leeway: TimeInterval = 60
        /// Back-Channel Logout 1.0: the harness listens here (a loopback http URL; port 0 picks
        /// one, for a mock, whose client then has the URL registered) for logout tokens.
        package var backchannelLogoutURI: String?
    }

    /// OAuth 1 signing options (RFC 5849).
    package struct OAuth1Options: Sendable {
        package var signatureMethod: SignatureMethod = .hmacSHA1
        package var signatureType: SignatureType = .header
        package var realm: String?
        /// Every request uses this nonce (to provoke the provider's replay check).
        package var fixedNonce: String?
        /// The client's clock is off by this much (to provoke the timestamp check).
        package var timestampOffset: TimeInterval = 0
    }
}

extension ClientSpec {
    init(yaml map: YAMLMapping, variables: ScenarioVariables) throws(YAMLLocatedError) {
        try map.allowOnly(ScenarioLoader.clientKeys, in: "the client")
        clientID = try variables.text(map.required("client_id", in: "the client"), "client_id")
        clientSecret = try variables.optionalText(map["client_secret"], "client_secret")
        authMethod = clientSecret == nil ? .none : .clientSecretBasic
        if let node = map["auth_method"] {
            authMethod = try node.choice("auth_method", as: ClientAuthMethod.self)
            if authMethod.needsSecret, clientSecret == nil {
                throw node.error("auth_method \(authMethod.rawValue) needs a client_secret in the client")
            }
        }
        redirectURI = try variables.optionalText(map["redirect_uri"], "redirect_uri")
        scope = try map["scope"]?.stringList("scope") ?? []
        if let node = map["pkce"] {
            let value = try node.choice("pkce", ["S256", "plain", "none"])
            pkce = value == "none" ? nil : PKCE.Method(rawValue: value)
        }
        if let node = map["private_key"] {
            // An unset ${VAR} skips the scenario (ScenarioVariables records it); nothing to read then.
            let value = try variables.text(node, "private_key")
            if !value.isEmpty { privateKeyPEM = try node.pem(value) }
        }
        if authMethod == .privateKeyJWT, map["private_key"] == nil {
            throw (map["auth_method"] ?? map.node).error("auth_method private_key_jwt needs a private_key in the client")
        }
        tokenPlacement = try map["token_placement"]?.choice("token_placement", as: TokenPlacement.self) ?? .header
        if let node = map["timeout"] {
            let seconds = try node.duration("timeout")
            guard seconds > 0, seconds <= 300 else { throw node.error("expected a timeout between 0 and 5m") }
            timeout = .milliseconds(Int(seconds * 1000))
        }
        if let node = map["token"] {
            let token = try node.mapping("a pre-issued token")
            try token.allowOnly(["access_token", "refresh_token"], in: "token")
            preissuedToken = (
                try variables.text(token.required("access_token", in: "token"), "access_token"),
                try variables.optionalText(token["refresh_token"], "refresh_token")
            )
        }
        if let node = map["compliance_fixes"] {
            complianceFixes = try node.stringList("compliance_fixes")
            for fix in complianceFixes where !ScenarioLoader.complianceFixes.contains(fix) {
                throw node.error("unknown compliance fix \"\(fix)\"; expected one of: \(ScenarioLoader.complianceFixes.joined(separator: ", "))")
            }
        }
        oauth1 = try OAuth1Options(client: map)
        if oauth1.signatureMethod == .rsaSHA1, map["private_key"] == nil {
            throw (map["signature_method"] ?? map.node).error("signature_method RSA-SHA1 needs a private_key in the client")
        }
        openID = try map["openid"].flatMap { (node) throws(YAMLLocatedError) in try OpenIDOptions(yaml: node, variables: variables) }
        dpop = try map["dpop"].flatMap { (node) throws(YAMLLocatedError) in try DPoPOptions(yaml: node) }
        requestObject = try map["request_object"].flatMap { (node) throws(YAMLLocatedError) in
            try RequestObjectOptions(yaml: node, variables: variables, hasKey: map["private_key"] != nil, hasSecret: clientSecret != nil)
        }
        if let node = map["auto_refresh"] {
            if case .scalar = node.node {
                autoRefresh = try node.bool("auto_refresh")
            } else {
                let options = try node.mapping("auto_refresh options")
                try options.allowOnly(["leeway"], in: "auto_refresh")
                autoRefresh = true
                leeway = try options["leeway"]?.duration("the leeway") ?? leeway
            }
        }
    }
}

extension ClientSpec.OAuth1Options {
    /// The OAuth 1 keys sit in the client mapping.
    init(client map: YAMLMapping) throws(YAMLLocatedError) {
        signatureMethod = try map["signature_method"]?.choice("signature_method", as: SignatureMethod.self) ?? .hmacSHA1
        signatureType = try map["signature_type"]?.choice("signature_type", as: SignatureType.self) ?? .header
        realm = try map["realm"]?.string("realm")
        fixedNonce = try map["nonce"]?.string("nonce")
        timestampOffset = try map["timestamp_offset"]?.signedDuration("timestamp_offset") ?? 0
    }
}

extension ClientSpec.OpenIDOptions {
    /// `openid: true|false` or `openid: {allow_hs256, algorithms, leeway, backchannel_logout_uri}`;
    /// `nil` for false.
    init?(yaml node: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        if case .scalar = node.node {
            guard try node.bool("openid") else { return nil }
            self.init()
            return
        }
        let options = try node.mapping("openid options")
        try options.allowOnly(["allow_hs256", "algorithms", "leeway", "backchannel_logout_uri"], in: "openid")
        self.init()
        if let uriNode = options["backchannel_logout_uri"] {
            let missing = variables.missingCount
            let uri = try variables.text(uriNode, "backchannel_logout_uri")
            // A URI from an unset variable is not checked: the scenario is skipped anyway.
            guard variables.missingCount > missing || BackChannelReceiver.Address(uri) != nil else {
                throw uriNode.error(
                    "backchannel_logout_uri must be an http URL on a loopback address, e.g. http://127.0.0.1:0/backchannel-logout (the harness listens there)"
                )
            }
            backchannelLogoutURI = uri
        }
        allowHS256 = try options["allow_hs256"]?.bool("allow_hs256") ?? false
        algorithms = try options["algorithms"]?.sequence("algorithms").map { (node) throws(YAMLLocatedError) in
            JWSAlgorithm(rawValue: try node.choice("algorithm", JWSAlgorithm.registered.filter { $0 != .none }.map(\.rawValue)))
        }
        leeway = try options["leeway"]?.duration("leeway") ?? leeway
    }
}

extension ClientSpec.DPoPOptions {
    /// `dpop: true|false` or `dpop: {alg, bind_code}`; `nil` for false.
    init?(yaml node: YAMLNode) throws(YAMLLocatedError) {
        self.init()
        if case .scalar = node.node {
            guard try node.bool("dpop") else { return nil }
            return
        }
        let options = try node.mapping("dpop options")
        try options.allowOnly(["alg", "bind_code"], in: "dpop")
        if let alg = options["alg"] {
            algorithm = JWSAlgorithm(rawValue: try alg.choice("alg", JWSKey.asymmetricAlgorithms.map(\.rawValue)))
        }
        bindCode = try options["bind_code"]?.bool("bind_code") ?? true
    }
}

extension ClientSpec.RequestObjectOptions {
    /// `request_object: true|false` or `{key, audience, typ}`; the key defaults to the client's
    /// private key when it has one, else its secret.
    init?(yaml node: YAMLNode, variables: ScenarioVariables, hasKey: Bool, hasSecret: Bool) throws(YAMLLocatedError) {
        let options: YAMLMapping?
        if case .scalar = node.node {
            guard try node.bool("request_object") else { return nil }
            options = nil
        } else {
            options = try node.mapping("request_object options")
            try options?.allowOnly(["key", "audience", "typ"], in: "request_object")
        }
        key = try options?["key"]?.choice("key", as: Key.self) ?? (hasKey ? .privateKey : .clientSecret)
        if key == .privateKey, !hasKey { throw node.error("request_object with key private_key needs a private_key in the client") }
        if key == .clientSecret, !hasSecret { throw node.error("request_object with key client_secret needs a client_secret in the client") }
        audience = try variables.optionalText(options?["audience"], "audience")
        type = try options?["typ"]?.bool("typ") ?? true
    }
}
