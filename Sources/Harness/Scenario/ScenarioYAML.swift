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

extension Step {
    /// One step: exactly one action key (from the `StepKind` registry) and an optional `expect_error`.
    init(yaml node: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let map = try node.mapping("a step")
        try map.allowOnly(ScenarioLoader.actions + ["expect_error"], in: "a step")
        let present = map.keys.filter { ScenarioLoader.actions.contains($0) }
        guard present.count == 1, let kind = present.first, let stepKind = StepKind(rawValue: kind) else {
            throw node.error(
                present.isEmpty
                    ? "a step needs one action; expected one of: \(ScenarioLoader.actions.joined(separator: ", "))"
                    : "a step has one action, found \(present.joined(separator: " and "))"
            )
        }
        let action = try Action(stepKind, yaml: map[kind]!, variables: variables)
        var expectError: ErrorExpectation?
        if let errorNode = map["expect_error"] {
            guard action.stepKind.talksToProvider else { throw errorNode.error("expect_error applies to actions that talk to the provider") }
            expectError = try ErrorExpectation(yaml: errorNode)
        }
        self.init(action: action, kind: kind, line: node.line, expectError: expectError)
    }
}

extension Step.Action {
    /// The action of `kind`, read from its option block. The switch is exhaustive: a new
    /// `StepKind` does not compile until it has a parser here.
    init(_ kind: StepKind, yaml body: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let name = kind.rawValue
        /// An action that takes no options (`userinfo:` or `userinfo: {}`).
        func bare(_ action: Step.Action) throws(YAMLLocatedError) -> Step.Action {
            _ = try body.optionalMapping("\(name) options")?.allowOnly([], in: name)
            return action
        }
        switch kind {
        case .authorize: self = .authorize(try Step.Authorize(yaml: body, variables: variables, options: Step.Authorize.authorizeKeys, in: name))
        case .login: self = .login(try Step.Authorize(yaml: body, variables: variables, options: Step.Authorize.loginKeys, in: name))
        case .fetchToken: self = .fetchToken(try Step.FetchToken(yaml: body, variables: variables))
        case .refresh:
            let options = try body.optionalMapping("refresh options")
            try options?.allowOnly(["refresh_token", "scope"], in: "refresh")
            let which = try options?["refresh_token"]?.choice("refresh_token", ["current", "previous"]) ?? "current"
            self = .refresh(usePrevious: which == "previous", scope: try options?["scope"]?.stringList("scope"))
        case .revoke, .introspect:
            let options = try body.optionalMapping("\(name) options")
            try options?.allowOnly(["token", "hint"], in: name)
            let token = try options?["token"]?.choice("token", as: Step.TokenKind.self) ?? (kind == .revoke ? .refreshToken : .accessToken)
            var hint: Step.TokenKind? = token
            if let node = options?["hint"] {
                hint = Step.TokenKind(rawValue: try node.choice("hint", Step.TokenKind.allCases.map(\.rawValue) + ["none"]))
            }
            self = kind == .revoke ? .revoke(token: token, hint: hint) : .introspect(token: token, hint: hint)
        case .userinfo: self = try bare(.userinfo)
        case .rotateKeys: self = try bare(.rotateKeys)
        case .requestToken: self = try bare(.requestToken)
        case .discover: self = try bare(.discover)
        case .clearCookies: self = try bare(.clearCookies)
        case .logout:
            let options = try body.optionalMapping("logout options")
            try options?.allowOnly(["post_logout_redirect_uri"], in: "logout")
            self = .logout(postLogoutRedirectURI: try variables.optionalText(options?["post_logout_redirect_uri"], "post_logout_redirect_uri"))
        case .evil: self = .evil(try body.choice("evil mode", as: EvilMode.self))
        case .fault:
            if case .scalar = body.node, try body.string("fault") == "none" {
                self = .fault(nil)
            } else {
                self = .fault(try Fault(yaml: body))
            }
        case .accessToken:
            let options = try body.optionalMapping("access_token options")
            try options?.allowOnly(["verifier"], in: "access_token")
            self = .accessToken(verifier: try options?["verifier"]?.string("verifier"))
        case .get, .post:
            var concurrent = 1
            let pathNode: YAMLNode
            if case .scalar = body.node {
                pathNode = body
            } else {
                let options = try body.mapping("request options")
                try options.allowOnly(["path", "concurrent"], in: name)
                pathNode = try options.required("path", in: name)
                if let node = options["concurrent"] {
                    concurrent = try node.int("how many requests to send at once")
                    guard (1...200).contains(concurrent) else { throw node.error("expected concurrent between 1 and 200") }
                }
            }
            let before = variables.missingCount
            let path = try variables.text(pathNode, "a path such as /api/me")
            guard path.hasPrefix("/") || variables.missingCount > before else {
                throw pathNode.error("expected a path starting with /, found \"\(path)\"")
            }
            self = .request(method: name.uppercased(), path: path, concurrent: concurrent)
        case .expect:
            let checks = try body.mapping("expectations")
            guard !checks.entries.isEmpty else { throw body.error("expected at least one expectation") }
            var assertions: [Assertion] = []
            for entry in checks.entries { assertions.append(try Assertion(key: entry.keyNode, yaml: entry.value)) }
            self = .expect(assertions)
        case .advanceClock: self = .advanceClock(try body.duration("advance_clock"))
        }
    }
}

extension Step.Authorize {
    static let authorizeKeys = ["consent", "user", "callback_state", "response_type", "form"]
    static let loginKeys = ["consent", "user", "form"]

    /// `authorize:` and `login:` options (`login` takes no callback_state or response_type).
    init(yaml body: YAMLNode, variables: ScenarioVariables, options keys: [String], in name: String) throws(YAMLLocatedError) {
        let options = try body.optionalMapping("\(name) options")
        try options?.allowOnly(keys, in: name)
        self.init(
            consent: try options?["consent"]?.choice("consent", as: Consent.self) ?? .approve,
            user: try options?["user"]?.string("user"),
            callbackState: try options?["callback_state"]?.string("callback_state"),
            responseType: try options?["response_type"]?.string("response_type") ?? "code",
            form: try variables.form(options?["form"])
        )
    }
}

extension Step.FetchToken {
    init(yaml body: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let options = try body.optionalMapping("fetch_token options")
        try options?.allowOnly(
            ["grant", "code_verifier", "redirect_uri", "username", "password", "scope", "subject", "audience", "assertion_key", "resource"],
            in: "fetch_token"
        )
        self.init()
        grant =
            try options?["grant"].map { (node) throws(YAMLLocatedError) in GrantType(scenarioName: try node.string("a grant type")) }
            ?? .authorizationCode
        codeVerifier = try options?["code_verifier"]?.string("code_verifier")
        redirectURI = try variables.optionalText(options?["redirect_uri"], "redirect_uri")
        username = try variables.optionalText(options?["username"], "username")
        password = try variables.optionalText(options?["password"], "password")
        scope = try options?["scope"]?.stringList("scope")
        subject = try variables.optionalText(options?["subject"], "subject")
        audience = try variables.optionalText(options?["audience"], "audience")
        assertionKeyPEM = try options?["assertion_key"]?.pem()
        resource = try variables.optionalText(options?["resource"], "resource")
        if grant == .password, username == nil || password == nil {
            throw body.error("the password grant needs username and password")
        }
        if grant == .jwtBearer, subject == nil { throw body.error("the jwt_bearer grant needs a subject") }
    }
}

extension ErrorExpectation {
    /// `expect_error: invalid_grant` or `{error, status, description_contains}`.
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        if case .scalar = node.node {
            self.init(code: try node.string("an OAuth error code"))
            return
        }
        let options = try node.mapping("expect_error")
        try options.allowOnly(["error", "status", "description_contains"], in: "expect_error")
        self.init(
            code: try options.required("error", in: "expect_error").string("an OAuth error code"),
            status: try options["status"]?.int("an HTTP status"),
            descriptionContains: try options["description_contains"]?.string("description_contains")
        )
    }
}

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

extension GrantType {
    /// A scenario's grant name: `jwt_bearer` stands for RFC 7523's URN (which may also be
    /// written out); any other name is the `grant_type` sent.
    init(scenarioName name: String) {
        self = name == "jwt_bearer" ? .jwtBearer : GrantType(rawValue: name)
    }
}
