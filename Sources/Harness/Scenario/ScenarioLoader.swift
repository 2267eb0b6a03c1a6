import Foundation
import MockProviders
import OAuth1
import OAuth2

/// Reads scenario files. Every error is a `YAMLLocatedError` naming file:line:column and
/// what was expected there; unknown keys are errors, so typos never pass silently.
public enum ScenarioLoader {
    static let topKeys = ["name", "description", "provider", "client", "user", "steps", "conformance"]
    static let clientKeys = [
        "client_id", "client_secret", "auth_method", "redirect_uri", "scope", "pkce", "private_key", "token_placement", "auto_refresh",
        "compliance_fixes", "signature_method", "signature_type", "realm", "nonce", "timestamp_offset", "openid", "token", "timeout",
    ]
    static let oauth1ClientKeys: Set<String> = ["signature_method", "signature_type", "realm", "nonce", "timestamp_offset"]
    static let oauth2ClientKeys: Set<String> = ["auth_method", "scope", "pkce", "token_placement", "auto_refresh"]
    /// The step keys, from the registry.
    static let actions = StepKind.allCases.map(\.rawValue)
    static let externalEndpoints = ["authorize", "token", "resource", "revoke", "introspect", "request_token", "access_token"]
    /// Client-side compliance fixes a scenario can switch on.
    static let complianceFixes = ["oauth1_unconfirmed_callback"] + ComplianceFixes.all.map(\.name)

    /// Reads a scenario file. With `catalog`, the provider must be one of its profiles.
    public static func load(
        contentsOf path: String, folder: String, catalog: ProviderCatalog? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(YAMLLocatedError) -> Scenario {
        try parse(YAMLNode.load(contentsOf: path), folder: folder, catalog: catalog, environment: environment)
    }

    public static func parse(
        _ root: YAMLNode, folder: String, catalog: ProviderCatalog? = nil, environment: [String: String] = [:]
    ) throws(YAMLLocatedError) -> Scenario {
        var missing: [String] = []
        func text(_ node: YAMLNode, _ what: String) throws(YAMLLocatedError) -> String {
            let raw = try node.string(what)
            let (value, absent) = try interpolate(raw, environment: environment, node: node)
            missing += absent
            return value
        }

        let top = try root.mapping("a scenario")
        try top.allowOnly(topKeys, in: "a scenario")
        let name = try top.required("name", in: "the scenario").string("the scenario name")
        let description = try top["description"]?.string("the description")
        let providerNode = try top.required("provider", in: "the scenario")
        let provider: String
        var external: ExternalProviderSpec?
        if case .mapping = providerNode.node {
            external = try externalProvider(providerNode, text: text)
            provider = "external"
        } else {
            provider = try providerNode.string("a provider profile name, or a mapping with url/discovery for an external provider")
            if let catalog, catalog[provider] == nil {
                throw providerNode.error("unknown provider \"\(provider)\"; expected one of: \(catalog.names.joined(separator: ", "))")
            }
        }

        let clientMap = try top.required("client", in: "the scenario").mapping("the client")
        try clientMap.allowOnly(clientKeys, in: "the client")
        let clientID = try text(clientMap.required("client_id", in: "the client"), "client_id")
        let clientSecret = try clientMap["client_secret"].map { node throws(YAMLLocatedError) in try text(node, "client_secret") }
        var authMethod: ClientAuthMethod = clientSecret == nil ? .none : .clientSecretBasic
        if let node = clientMap["auth_method"] {
            authMethod = ClientAuthMethod(rawValue: try node.choice("auth_method", ClientAuthMethod.allCases.map(\.rawValue)))!
            if [.clientSecretBasic, .clientSecretPost, .clientSecretJWT].contains(authMethod), clientSecret == nil {
                throw node.error("auth_method \(authMethod.rawValue) needs a client_secret in the client")
            }
        }
        var pkce: PKCE.Method?
        if let node = clientMap["pkce"] {
            let value = try node.choice("pkce", ["S256", "plain", "none"])
            pkce = value == "none" ? nil : PKCE.Method(rawValue: value)
        }
        var client = ClientSpec(
            clientID: clientID, clientSecret: clientSecret, authMethod: authMethod,
            redirectURI: try clientMap["redirect_uri"].map { node throws(YAMLLocatedError) in try text(node, "redirect_uri") },
            scope: try clientMap["scope"]?.stringList("scope") ?? [], pkce: pkce)
        if let node = clientMap["private_key"] {
            client.privateKeyPEM = try node.pem()
        }
        if authMethod == .privateKeyJWT, client.privateKeyPEM == nil {
            throw (clientMap["auth_method"] ?? clientMap.node).error("auth_method private_key_jwt needs a private_key in the client")
        }
        if let node = clientMap["token_placement"] {
            client.tokenPlacement = TokenPlacement(rawValue: try node.choice("token_placement", TokenPlacement.allCases.map(\.rawValue)))!
        }
        if let node = clientMap["timeout"] {
            let seconds = try node.duration("timeout")
            guard seconds > 0, seconds <= 300 else { throw node.error("expected a timeout between 0 and 5m") }
            client.timeout = .milliseconds(Int(seconds * 1000))
        }
        if let node = clientMap["token"] {
            let map = try node.mapping("a pre-issued token")
            try map.allowOnly(["access_token", "refresh_token"], in: "token")
            client.preissuedToken = (
                try text(map.required("access_token", in: "token"), "access_token"),
                try map["refresh_token"].map { node throws(YAMLLocatedError) in try text(node, "refresh_token") }
            )
        }
        if let node = clientMap["compliance_fixes"] {
            client.complianceFixes = try node.stringList("compliance_fixes")
            for fix in client.complianceFixes where !complianceFixes.contains(fix) {
                throw node.error("unknown compliance fix \"\(fix)\"; expected one of: \(complianceFixes.joined(separator: ", "))")
            }
        }
        if let node = clientMap["signature_method"] {
            client.oauth1.signatureMethod = SignatureMethod(rawValue: try node.choice("signature_method", SignatureMethod.allCases.map(\.rawValue)))!
        }
        if let node = clientMap["signature_type"] {
            client.oauth1.signatureType = SignatureType(rawValue: try node.choice("signature_type", SignatureType.allCases.map(\.rawValue)))!
        }
        client.oauth1.realm = try clientMap["realm"]?.string("realm")
        client.oauth1.fixedNonce = try clientMap["nonce"]?.string("nonce")
        client.oauth1.timestampOffset = try clientMap["timestamp_offset"]?.signedDuration("timestamp_offset") ?? 0
        if client.oauth1.signatureMethod == .rsaSHA1, client.privateKeyPEM == nil {
            throw (clientMap["signature_method"] ?? clientMap.node).error("signature_method RSA-SHA1 needs a private_key in the client")
        }
        if let node = clientMap["openid"] {
            if case .scalar = node.node {
                client.openID = try node.bool("openid") ? .init() : nil
            } else {
                let options = try node.mapping("openid options")
                try options.allowOnly(["allow_hs256", "algorithms", "leeway"], in: "openid")
                var openID = ClientSpec.OpenIDOptions()
                openID.allowHS256 = try options["allow_hs256"]?.bool("allow_hs256") ?? false
                openID.algorithms = try options["algorithms"]?.stringList("algorithms")
                openID.leeway = try options["leeway"]?.duration("leeway") ?? openID.leeway
                client.openID = openID
            }
        }
        if let node = clientMap["auto_refresh"] {
            if case .scalar = node.node {
                client.autoRefresh = try node.bool("auto_refresh")
            } else {
                let options = try node.mapping("auto_refresh options")
                try options.allowOnly(["leeway"], in: "auto_refresh")
                client.autoRefresh = true
                client.leeway = try options["leeway"]?.duration("the leeway") ?? client.leeway
            }
        }

        let stepsNode = try top.required("steps", in: "the scenario")
        var steps: [Step] = []
        for stepNode in try stepsNode.sequence("steps") {
            steps.append(try parseStep(stepNode, environment: environment, missing: &missing))
        }
        guard !steps.isEmpty else { throw stepsNode.error("expected at least one step") }
        if let external {
            try checkExternal(external, steps: steps, stepNodes: try stepsNode.sequence("steps"), clientMap: clientMap)
        }
        for (step, node) in zip(steps, try stepsNode.sequence("steps")) where step.action.stepKind.needsOpenID && client.openID == nil {
            throw node.error("\(step.kind) needs an OpenID Connect client: add openid: true to the client")
        }
        if let profile = catalog?[provider], client.openID != nil, profile.oidc == nil {
            throw clientMap["openid"]!.error("the provider \(provider) is not an OpenID provider")
        }
        var conformance: Conformance?
        if let node = top["conformance"] {
            let map = try node.mapping("conformance")
            try map.allowOnly(["mode", "expected"], in: "conformance")
            let mode = try map.required("mode", in: "conformance").choice("evil mode", EvilMode.allCases.map(\.rawValue))
            conformance = Conformance(
                mode: mode, module: EvilMode(rawValue: mode)!.conformanceModule,
                expected: Conformance.Verdict(rawValue: try map.required("expected", in: "conformance").choice("expected verdict", ["accept", "reject"]))!)
        }
        if let profile = catalog?[provider] {
            let kind = ProviderEndpoints.ProtocolKind(profile.protocolKind)
            let protocolName = profile.protocolKind.rawValue
            for (step, node) in zip(steps, try stepsNode.sequence("steps")) where step.action.stepKind.onlyFor.map({ $0 != kind }) ?? false {
                throw node.error("\(step.kind) is not an action of \(protocolName) providers; \(provider) is \(protocolName)")
            }
            for entry in clientMap.entries where (kind == .oauth1 ? oauth2ClientKeys : oauth1ClientKeys).contains(entry.key) {
                throw entry.keyNode.error("\(entry.key) does not apply to \(protocolName) providers")
            }
        }
        var user: TestUser?
        if let node = top["user"] {
            let map = try node.mapping("the test user")
            try map.allowOnly(["username", "password"], in: "user")
            user = TestUser(
                username: try map["username"].map { node throws(YAMLLocatedError) in try text(node, "username") },
                password: try map["password"].map { node throws(YAMLLocatedError) in try text(node, "password") })
        } else if let username = environment["OAUTH_HARNESS_USERNAME"], let password = environment["OAUTH_HARNESS_PASSWORD"], external != nil {
            user = TestUser(username: username, password: password)
        }
        return Scenario(
            name: name, description: description, file: root.file, folder: folder, provider: provider, client: client,
            steps: steps, missingVariables: missing, conformance: conformance, external: external, user: user)
    }

    /// `provider: {url, discovery, authorize, token, …}`: a provider by URL.
    static func externalProvider(
        _ providerNode: YAMLNode, text: (YAMLNode, String) throws(YAMLLocatedError) -> String
    ) throws(YAMLLocatedError) -> ExternalProviderSpec {
        let map = try providerNode.mapping("an external provider")
        try map.allowOnly(["url", "discovery", "allowed_hosts"] + externalEndpoints, in: "an external provider")
        var endpoints: [String: String] = [:]
        for key in externalEndpoints {
            guard let node = map[key] else { continue }
            let value = try text(node, key)
            guard value.hasPrefix("/") || ProviderEndpoints.isAbsolute(value) || value.isEmpty else {
                throw node.error("expected a path starting with / or an http(s) URL for \(key), found \"\(value)\"")
            }
            endpoints[key] = value
        }
        let url = try map["url"].map { node throws(YAMLLocatedError) in try text(node, "url") }
        let discovery = try map["discovery"].map { node throws(YAMLLocatedError) in try text(node, "discovery") }
        guard url != nil || discovery != nil else { throw providerNode.error("an external provider needs url or discovery") }
        let spec = ExternalProviderSpec(
            url: url, discovery: discovery, endpoints: endpoints, allowedHosts: try map["allowed_hosts"]?.stringList("allowed_hosts") ?? [])
        if spec.isOAuth1 {
            for key in ["authorize", "access_token"] where endpoints[key] == nil {
                throw providerNode.error("an OAuth 1 provider (it has request_token) needs \(key) too")
            }
            for key in ["token", "revoke", "introspect"] where map[key] != nil {
                throw map[key]!.error("\(key) is an OAuth 2 endpoint; this provider is OAuth 1 (it has request_token)")
            }
            if discovery != nil { throw map["discovery"]!.error("an OAuth 1 provider has no discovery document") }
        } else if let node = map["access_token"] {
            throw node.error("access_token is the OAuth 1 token-credentials endpoint and needs request_token; for OAuth 2 use token")
        }
        return spec
    }

    /// Steps that need a mock's controls are refused for a provider by URL, and so are actions
    /// and client keys of the other protocol.
    static func checkExternal(_ external: ExternalProviderSpec, steps: [Step], stepNodes: [YAMLNode], clientMap: YAMLMapping) throws(YAMLLocatedError) {
        let protocolName = external.isOAuth1 ? "oauth1" : "oauth2"
        for (step, node) in zip(steps, stepNodes) {
            if step.action.stepKind.needsMock {
                throw node.error(
                    "\(step.kind) needs a built-in mock provider (its clock, evil modes, keys or faults) and cannot run against a provider given by URL")
            }
            if let only = step.action.stepKind.onlyFor, only.rawValue != protocolName {
                throw node.error("\(step.kind) is not an action of \(protocolName) providers; this provider is \(protocolName)")
            }
            if case .authorize(let options) = step.action, options.user != nil {
                throw node.error("authorize user: picks a built-in mock's user; for a provider given by URL give the scenario a user: {username, password}")
            }
            if case .expect(let assertions) = step.action, let mockOnly = assertions.first(where: { $0.subject.needsMock }) {
                throw node.error("\(mockOnly.subject) reads a built-in mock's counters and cannot be checked against a provider given by URL")
            }
        }
        for entry in clientMap.entries where (external.isOAuth1 ? oauth2ClientKeys : oauth1ClientKeys).contains(entry.key) {
            throw entry.keyNode.error("\(entry.key) does not apply to \(protocolName) providers")
        }
    }

    static func parseStep(_ node: YAMLNode, environment: [String: String], missing: inout [String]) throws(YAMLLocatedError) -> Step {
        let map = try node.mapping("a step")
        try map.allowOnly(actions + ["expect_error"], in: "a step")
        let present = map.keys.filter { actions.contains($0) }
        guard present.count == 1, let kind = present.first else {
            throw node.error(
                present.isEmpty
                    ? "a step needs one action; expected one of: \(actions.joined(separator: ", "))"
                    : "a step has one action, found \(present.joined(separator: " and "))")
        }
        let body = map[kind]!
        /// An option's text with `${VAR}` expanded (a missing variable skips the scenario).
        func expanded(_ node: YAMLNode?, _ what: String) throws(YAMLLocatedError) -> String? {
            guard let node else { return nil }
            let (value, absent) = try interpolate(try node.string(what), environment: environment, node: node)
            missing += absent
            return value
        }
        let action: Step.Action
        guard let stepKind = StepKind(rawValue: kind) else { throw node.error("unknown action \(kind)") }
        switch stepKind {
        case .authorize:
            let options = try optionalMapping(body, "authorize options")
            try options?.allowOnly(["consent", "user", "callback_state", "response_type", "form"], in: "authorize")
            let consent = try options?["consent"]?.choice("consent", ["approve", "deny"]) ?? "approve"
            let form = try formValues(options?["form"], environment: environment, missing: &missing)
            action = .authorize(
                .init(
                    consent: .init(rawValue: consent)!, user: try options?["user"]?.string("user"),
                    callbackState: try options?["callback_state"]?.string("callback_state"),
                    responseType: try options?["response_type"]?.string("response_type") ?? "code", form: form))
        case .fetchToken:
            let options = try optionalMapping(body, "fetch_token options")
            try options?.allowOnly(
                ["grant", "code_verifier", "redirect_uri", "username", "password", "scope", "subject", "audience", "assertion_key"],
                in: "fetch_token")
            var fetch = Step.FetchToken()
            fetch.grant = try options?["grant"]?.string("a grant type") ?? fetch.grant
            fetch.codeVerifier = try options?["code_verifier"]?.string("code_verifier")
            fetch.redirectURI = try expanded(options?["redirect_uri"], "redirect_uri")
            fetch.username = try expanded(options?["username"], "username")
            fetch.password = try expanded(options?["password"], "password")
            fetch.scope = try options?["scope"]?.stringList("scope")
            fetch.subject = try expanded(options?["subject"], "subject")
            fetch.audience = try expanded(options?["audience"], "audience")
            fetch.assertionKeyPEM = try options?["assertion_key"].map { node throws(YAMLLocatedError) in try node.pem() }
            if fetch.grant == "password", fetch.username == nil || fetch.password == nil {
                throw body.error("the password grant needs username and password")
            }
            if fetch.grant == "jwt_bearer", fetch.subject == nil { throw body.error("the jwt_bearer grant needs a subject") }
            action = .fetchToken(fetch)
        case .refresh:
            let options = try optionalMapping(body, "refresh options")
            try options?.allowOnly(["refresh_token", "scope"], in: "refresh")
            let which = try options?["refresh_token"]?.choice("refresh_token", ["current", "previous"]) ?? "current"
            action = .refresh(usePrevious: which == "previous", scope: try options?["scope"]?.stringList("scope"))
        case .revoke, .introspect:
            let options = try optionalMapping(body, "\(kind) options")
            try options?.allowOnly(["token", "hint"], in: kind)
            let token = try options?["token"]?.choice("token", ["access_token", "refresh_token"]) ?? (kind == "revoke" ? "refresh_token" : "access_token")
            let hint = try options?["hint"]?.choice("hint", ["access_token", "refresh_token", "none"]) ?? token
            action = kind == "revoke" ? .revoke(token: token, hint: hint == "none" ? nil : hint) : .introspect(token: token, hint: hint == "none" ? nil : hint)
        case .login:
            let options = try optionalMapping(body, "login options")
            try options?.allowOnly(["consent", "user", "form"], in: "login")
            let consent = try options?["consent"]?.choice("consent", ["approve", "deny"]) ?? "approve"
            action = .login(
                .init(
                    consent: .init(rawValue: consent)!, user: try options?["user"]?.string("user"),
                    form: try formValues(options?["form"], environment: environment, missing: &missing)))
        case .userinfo, .rotateKeys:
            _ = try optionalMapping(body, "\(kind) options")?.allowOnly([], in: kind)
            action = kind == "userinfo" ? .userinfo : .rotateKeys
        case .logout:
            let options = try optionalMapping(body, "logout options")
            try options?.allowOnly(["post_logout_redirect_uri"], in: "logout")
            action = .logout(postLogoutRedirectURI: try expanded(options?["post_logout_redirect_uri"], "post_logout_redirect_uri"))
        case .evil:
            action = .evil(try body.choice("evil mode", EvilMode.allCases.map(\.rawValue)))
        case .fault:
            if case .scalar = body.node, try body.string("fault") == "none" {
                action = .fault(nil)
            } else {
                action = .fault(try Fault(yaml: body))
            }
        case .requestToken:
            _ = try optionalMapping(body, "request_token options")?.allowOnly([], in: "request_token")
            action = .requestToken
        case .accessToken:
            let options = try optionalMapping(body, "access_token options")
            try options?.allowOnly(["verifier"], in: "access_token")
            action = .accessToken(verifier: try options?["verifier"]?.string("verifier"))
        case .discover:
            _ = try optionalMapping(body, "discover options")?.allowOnly([], in: "discover")
            action = .discover
        case .get, .post:
            var concurrent = 1
            let path: String
            let pathNode: YAMLNode
            let before = missing.count
            if case .scalar = body.node {
                (path, pathNode) = (try expanded(body, "a path such as /api/me") ?? "", body)
            } else {
                let options = try body.mapping("request options")
                try options.allowOnly(["path", "concurrent"], in: kind)
                pathNode = try options.required("path", in: kind)
                path = try expanded(pathNode, "a path such as /api/me") ?? ""
                if let node = options["concurrent"] {
                    concurrent = try node.int("how many requests to send at once")
                    guard (1...200).contains(concurrent) else { throw node.error("expected concurrent between 1 and 200") }
                }
            }
            guard path.hasPrefix("/") || missing.count > before else { throw pathNode.error("expected a path starting with /, found \"\(path)\"") }
            action = .request(method: kind.uppercased(), path: path, concurrent: concurrent)
        case .expect:
            let checks = try body.mapping("expectations")
            guard !checks.entries.isEmpty else { throw body.error("expected at least one expectation") }
            var assertions: [Assertion] = []
            for entry in checks.entries {
                guard let subject = Assertion.Subject(key: entry.key) else {
                    throw entry.keyNode.error(
                        "unknown subject \"\(entry.key)\"; expected status, body, or token.<member>, json.<path>, header.<name>, "
                            + "authorization_url.<parameter>, update_callback.<count|previous_refresh_token>, provider.token_requests.<grant>, metadata.<member>")
                }
                assertions.append(Assertion(subject: subject, matcher: try matcher(entry.value), line: entry.keyNode.line))
            }
            action = .expect(assertions)
        case .advanceClock:
            action = .advanceClock(try body.duration("advance_clock"))
        case .clearCookies:
            _ = try optionalMapping(body, "clear_cookies options")?.allowOnly([], in: kind)
            action = .clearCookies
        }
        var expectError: ErrorExpectation?
        if let errorNode = map["expect_error"] {
            guard action.stepKind.talksToProvider else { throw errorNode.error("expect_error applies to actions that talk to the provider") }
            if case .scalar = errorNode.node {
                expectError = ErrorExpectation(code: try errorNode.string("an OAuth error code"))
            } else {
                let options = try errorNode.mapping("expect_error")
                try options.allowOnly(["error", "status", "description_contains"], in: "expect_error")
                expectError = ErrorExpectation(
                    code: try options.required("error", in: "expect_error").string("an OAuth error code"),
                    status: try options["status"]?.int("an HTTP status"),
                    descriptionContains: try options["description_contains"]?.string("description_contains"))
            }
        }
        return Step(action: action, kind: kind, line: node.line, expectError: expectError)
    }

    /// `form: {field: value}`: values for a provider's login form, with `${VAR}` expanded.
    static func formValues(_ node: YAMLNode?, environment: [String: String], missing: inout [String]) throws(YAMLLocatedError) -> [String: String] {
        guard let node else { return [:] }
        var form: [String: String] = [:]
        for entry in try node.mapping("login form values").entries {
            let (value, absent) = try interpolate(try entry.value.string(entry.key), environment: environment, node: entry.value)
            form[entry.key] = value
            missing += absent
        }
        return form
    }

    static func optionalMapping(_ node: YAMLNode, _ what: String) throws(YAMLLocatedError) -> YAMLMapping? {
        if node.isNull { return nil }
        return try node.mapping(what)
    }

    /// A scalar is `present`, `absent` or a value to equal; a mapping names one matcher:
    /// `{equals: x}`, `{contains: x}`, `{matches: regex}`, `{present: true}`.
    static func matcher(_ node: YAMLNode) throws(YAMLLocatedError) -> Assertion.Matcher {
        if case .scalar = node.node {
            let value = try node.string("an expected value")
            switch value {
            case "present": return .present
            case "absent": return .absent
            default: return .equals(value)
            }
        }
        let map = try node.mapping("a matcher")
        try map.allowOnly(["equals", "contains", "matches", "present"], in: "a matcher")
        guard map.entries.count == 1, let entry = map.entries.first else { throw node.error("a matcher has exactly one of: equals, contains, matches, present") }
        switch entry.key {
        case "equals": return .equals(try entry.value.string("a value"))
        case "contains": return .contains(try entry.value.string("a value"))
        case "matches":
            let pattern = try entry.value.string("a regular expression")
            guard (try? Regex(pattern)) != nil else { throw entry.value.error("invalid regular expression /\(pattern)/") }
            return .matches(pattern)
        default: return try entry.value.bool("true or false") ? .present : .absent
        }
    }

    /// Expands `${NAME}` and `${NAME:-default}`. Returns the names that had no value and no default.
    static func interpolate(_ text: String, environment: [String: String], node: YAMLNode) throws(YAMLLocatedError) -> (String, [String]) {
        guard text.contains("${") else { return (text, []) }
        var result = ""
        var missing: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw node.error("unterminated ${ in \"\(text)\"")
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
                throw node.error("invalid variable reference ${\(expression)}; expected ${NAME} or ${NAME:-default}")
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
