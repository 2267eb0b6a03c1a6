import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

// Each part of a scenario reads itself from YAML here, beside nothing but its own keys;
// `ScenarioLoader.parse` puts the parts together and checks how they fit. Every error names
// file:line:column and what was expected there.

/// `${NAME}` and `${NAME:-default}` expansion for one scenario file. Names without a value and
/// without a default are collected: the scenario is then skipped, not failed.
final class ScenarioVariables {
    let environment: [String: String]
    private(set) var missing: [String] = []

    init(environment: [String: String]) { self.environment = environment }

    /// A string option with its variables expanded.
    func text(_ node: YAMLNode, _ what: String) throws(YAMLLocatedError) -> String {
        let (value, absent) = try Self.interpolate(try node.string(what), environment: environment, node: node, key: what)
        missing += absent
        return value
    }

    /// An optional string option with its variables expanded.
    func optionalText(_ node: YAMLNode?, _ what: String) throws(YAMLLocatedError) -> String? {
        guard let node else { return nil }
        return try text(node, what)
    }

    /// How many variable references so far had no value (a path that is only a missing
    /// variable is not checked for its leading `/`).
    var missingCount: Int { missing.count }

    /// `form: {field: value}`: values for a provider's login form.
    func form(_ node: YAMLNode?) throws(YAMLLocatedError) -> [String: String] {
        guard let node else { return [:] }
        var form: [String: String] = [:]
        for entry in try node.mapping("login form values").entries { form[entry.key] = try text(entry.value, entry.key) }
        return form
    }

    /// Expands `${NAME}` and `${NAME:-default}`. Returns the names that had no value and no default.
    /// An error names the location, and quotes the text only when `key` is not a secret's name
    /// (`client_secret: abc${` must not put the secret in the message and the report).
    static func interpolate(
        _ text: String,
        environment: [String: String],
        node: YAMLNode,
        key: String = ""
    ) throws(YAMLLocatedError) -> (String, [String]) {
        let secret = Redactor.isSecretName(key)
        guard text.contains("${") else { return (text, []) }
        var result = ""
        var missing: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw node.error(secret ? "unterminated ${ in the value of \(key) (not shown: a secret's)" : "unterminated ${ in \"\(text)\"")
            }
            let expression = rest[start.upperBound..<end]
            let name: Substring
            var fallback: Substring?
            if let separator = expression.range(of: ":-") {
                name = expression[..<separator.lowerBound]
                fallback = expression[separator.upperBound...]
            } else {
                name = expression
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw node.error(
                    secret
                        ? "invalid variable reference in the value of \(key) (not shown: a secret's); expected ${NAME} or ${NAME:-default}"
                        : "invalid variable reference ${\(expression)}; expected ${NAME} or ${NAME:-default}"
                )
            }
            if let value = environment[String(name)], !value.isEmpty {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                missing.append(String(name))
            }
            rest = rest[rest.index(after: end)...]
        }
        result += rest
        return (result, missing)
    }
}

extension YAMLNode {
    /// `nil` for an empty option block (`authorize:`), else the mapping.
    func optionalMapping(_ what: String) throws(YAMLLocatedError) -> YAMLMapping? {
        if isNull { return nil }
        return try mapping(what)
    }
}

// MARK: Client

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
        privateKeyPEM = try map["private_key"]?.pem()
        if authMethod == .privateKeyJWT, privateKeyPEM == nil {
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
        if oauth1.signatureMethod == .rsaSHA1, privateKeyPEM == nil {
            throw (map["signature_method"] ?? map.node).error("signature_method RSA-SHA1 needs a private_key in the client")
        }
        openID = try map["openid"].flatMap { (node) throws(YAMLLocatedError) in try OpenIDOptions(yaml: node) }
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
    /// `openid: true|false` or `openid: {allow_hs256, algorithms, leeway}`; `nil` for false.
    init?(yaml node: YAMLNode) throws(YAMLLocatedError) {
        if case .scalar = node.node {
            guard try node.bool("openid") else { return nil }
            self.init()
            return
        }
        let options = try node.mapping("openid options")
        try options.allowOnly(["allow_hs256", "algorithms", "leeway"], in: "openid")
        self.init()
        allowHS256 = try options["allow_hs256"]?.bool("allow_hs256") ?? false
        algorithms = try options["algorithms"]?.sequence("algorithms").map { (node) throws(YAMLLocatedError) in
            JWSAlgorithm(rawValue: try node.choice("algorithm", JWSAlgorithm.registered.filter { $0 != .none }.map(\.rawValue)))
        }
        leeway = try options["leeway"]?.duration("leeway") ?? leeway
    }
}

// MARK: Provider, user, conformance

extension TestUser {
    init(yaml node: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let map = try node.mapping("the test user")
        try map.allowOnly(["username", "password"], in: "user")
        self.init(
            username: try variables.optionalText(map["username"], "username"),
            password: try variables.optionalText(map["password"], "password")
        )
    }
}

extension RelyingPartyExpectation {
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let map = try node.mapping("conformance")
        try map.allowOnly(["mode", "expected"], in: "conformance")
        let mode = try map.required("mode", in: "conformance").choice("evil mode", as: EvilMode.self)
        self.init(
            mode: mode,
            module: mode.conformanceModule,
            expected: try map.required("expected", in: "conformance").choice("expected verdict", as: Verdict.self)
        )
    }
}

// MARK: Steps

extension Assertion {
    /// One `subject: matcher` line of an `expect` step.
    init(key keyNode: YAMLNode, yaml value: YAMLNode) throws(YAMLLocatedError) {
        let key = try keyNode.string("an expectation subject")
        guard let subject = Subject(key: key) else {
            throw keyNode.error(
                "unknown subject \"\(key)\"; expected status, body, or token.<member>, json.<path>, header.<name>, "
                    + "authorization_url.<parameter>, update_callback.<count|previous_refresh_token>, provider.token_requests.<grant>, metadata.<member>"
            )
        }
        self.init(subject: subject, matcher: try Matcher(yaml: value), line: keyNode.line)
    }
}

extension Assertion.Matcher {
    /// A scalar is `present`, `absent` or a value to equal; a mapping names one matcher:
    /// `{equals: x}`, `{contains: x}`, `{matches: regex}`, `{present: true}`.
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        if case .scalar = node.node {
            let value = try node.string("an expected value")
            switch value {
            case "present": self = .present
            case "absent": self = .absent
            default: self = .equals(value)
            }
            return
        }
        let map = try node.mapping("a matcher")
        try map.allowOnly(["equals", "contains", "matches", "present"], in: "a matcher")
        guard map.entries.count == 1, let entry = map.entries.first else {
            throw node.error("a matcher has exactly one of: equals, contains, matches, present")
        }
        switch entry.key {
        case "equals": self = .equals(try entry.value.string("a value"))
        case "contains": self = .contains(try entry.value.string("a value"))
        case "matches":
            let pattern = try entry.value.string("a regular expression")
            guard (try? Regex(pattern)) != nil else { throw entry.value.error("invalid regular expression /\(pattern)/") }
            self = .matches(pattern)
        default: self = try entry.value.bool("true or false") ? .present : .absent
        }
    }
}
