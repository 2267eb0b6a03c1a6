import Foundation
import MockProviders
import OAuth2

/// Reads scenario files. Every error is a `YAMLLocatedError` naming file:line:column and
/// what was expected there; unknown keys are errors, so typos never pass silently.
public enum ScenarioLoader {
    static let topKeys = ["name", "description", "provider", "client", "steps"]
    static let clientKeys = ["client_id", "client_secret", "auth_method", "redirect_uri", "scope", "pkce"]
    static let actions = ["authorize", "fetch_token", "get", "post", "expect", "advance_clock"]
    static let subjects = ["token.", "status", "json.", "header.", "body", "authorization_url."]

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
        let provider = try providerNode.string("a provider profile name")
        if let catalog, catalog[provider] == nil {
            throw providerNode.error("unknown provider \"\(provider)\"; expected one of: \(catalog.names.joined(separator: ", "))")
        }

        let clientMap = try top.required("client", in: "the scenario").mapping("the client")
        try clientMap.allowOnly(clientKeys, in: "the client")
        let clientID = try text(clientMap.required("client_id", in: "the client"), "client_id")
        let clientSecret = try clientMap["client_secret"].map { node throws(YAMLLocatedError) in try text(node, "client_secret") }
        var authMethod: ClientAuthMethod = clientSecret == nil ? .none : .clientSecretBasic
        if let node = clientMap["auth_method"] {
            authMethod = ClientAuthMethod(rawValue: try node.choice("auth_method", ClientAuthMethod.allCases.map(\.rawValue)))!
            if authMethod != .none, clientSecret == nil {
                throw node.error("auth_method \(authMethod.rawValue) needs a client_secret in the client")
            }
        }
        var pkce: PKCE.Method?
        if let node = clientMap["pkce"] {
            let value = try node.choice("pkce", ["S256", "plain", "none"])
            pkce = value == "none" ? nil : PKCE.Method(rawValue: value)
        }
        let client = ClientSpec(
            clientID: clientID, clientSecret: clientSecret, authMethod: authMethod,
            redirectURI: try clientMap["redirect_uri"].map { node throws(YAMLLocatedError) in try text(node, "redirect_uri") },
            scope: try clientMap["scope"]?.stringList("scope") ?? [], pkce: pkce)

        let stepsNode = try top.required("steps", in: "the scenario")
        var steps: [Step] = []
        for stepNode in try stepsNode.sequence("steps") {
            steps.append(try parseStep(stepNode))
        }
        guard !steps.isEmpty else { throw stepsNode.error("expected at least one step") }
        return Scenario(
            name: name, description: description, file: root.file, folder: folder, provider: provider, client: client,
            steps: steps, missingVariables: missing)
    }

    static func parseStep(_ node: YAMLNode) throws(YAMLLocatedError) -> Step {
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
        let action: Step.Action
        switch kind {
        case "authorize":
            let options = try optionalMapping(body, "authorize options")
            try options?.allowOnly(["consent", "user", "callback_state"], in: "authorize")
            let consent = try options?["consent"]?.choice("consent", ["approve", "deny"]) ?? "approve"
            action = .authorize(
                .init(
                    consent: .init(rawValue: consent)!, user: try options?["user"]?.string("user"),
                    callbackState: try options?["callback_state"]?.string("callback_state")))
        case "fetch_token":
            let options = try optionalMapping(body, "fetch_token options")
            try options?.allowOnly(["code_verifier", "redirect_uri"], in: "fetch_token")
            action = .fetchToken(
                .init(
                    codeVerifier: try options?["code_verifier"]?.string("code_verifier"),
                    redirectURI: try options?["redirect_uri"]?.string("redirect_uri")))
        case "get", "post":
            let path = try body.string("a path such as /api/me")
            guard path.hasPrefix("/") else { throw body.error("expected a path starting with /, found \"\(path)\"") }
            action = .request(method: kind.uppercased(), path: path)
        case "expect":
            let checks = try body.mapping("expectations")
            guard !checks.entries.isEmpty else { throw body.error("expected at least one expectation") }
            var assertions: [Assertion] = []
            for entry in checks.entries {
                guard subjects.contains(where: { $0.hasSuffix(".") ? entry.key.hasPrefix($0) && entry.key.count > $0.count : entry.key == $0 }) else {
                    throw entry.keyNode.error(
                        "unknown subject \"\(entry.key)\"; expected status, body, or token.<member>, json.<path>, header.<name>, authorization_url.<parameter>")
                }
                assertions.append(Assertion(subject: entry.key, matcher: try matcher(entry.value), line: entry.keyNode.line))
            }
            action = .expect(assertions)
        case "advance_clock":
            action = .advanceClock(try body.duration("advance_clock"))
        default:
            throw node.error("unknown action \(kind)")
        }
        var expectError: ErrorExpectation?
        if let errorNode = map["expect_error"] {
            guard kind != "expect", kind != "advance_clock" else { throw errorNode.error("expect_error applies to authorize, fetch_token, get and post") }
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
