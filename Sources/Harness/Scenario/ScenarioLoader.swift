import Foundation
import HarnessFiles
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
        "dpop", "request_object",
    ]
    static let oauth1ClientKeys: Set<String> = ["signature_method", "signature_type", "realm", "nonce", "timestamp_offset"]
    static let oauth2ClientKeys: Set<String> = ["auth_method", "scope", "pkce", "token_placement", "auto_refresh", "dpop", "request_object"]
    /// The step keys, from the registry.
    static let actions = StepKind.allCases.map(\.rawValue)
    static let externalEndpoints = [
        "authorize", "token", "resource", "revoke", "introspect", "request_token", "access_token", "par", "device_authorization",
        "registration",
    ]
    /// Client-side compliance fixes a scenario can switch on.
    /// The OAuth 1 client's one compliance fix (accept temporary credentials without
    /// `oauth_callback_confirmed`, as OAuth Core 1.0 before Revision A sent them).
    static let oauth1UnconfirmedCallback = "oauth1_unconfirmed_callback"
    static let complianceFixes = [oauth1UnconfirmedCallback] + ComplianceFixes.all.map(\.name)

    /// Reads a scenario file. With `catalog`, the provider must be one of its profiles.
    package static func load(
        contentsOf path: String,
        folder: String,
        catalog: ProviderCatalog? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(YAMLLocatedError) -> Scenario {
        try parse(YAMLNode.load(contentsOf: path), folder: folder, catalog: catalog, environment: environment)
    }

    /// Reads a whole scenario: each part (client, provider, user, conformance, steps) parses
    /// itself beside its type; this checks how the parts fit together.
    /// - Parameters:
    ///   - root: the scenario document.
    ///   - folder: the scenario's folder (its JUnit `classname`).
    ///   - catalog: the mock profiles, to check the provider's name and its protocol's steps.
    ///   - environment: the values of `${VAR}` references.
    /// - Throws: ``YAMLLocatedError`` naming file, line and column of the first problem.
    public static func parse(
        _ root: YAMLNode,
        folder: String,
        catalog: ProviderCatalog? = nil,
        environment: [String: String] = [:]
    ) throws(YAMLLocatedError) -> Scenario {
        let variables = ScenarioVariables(environment: environment)
        let top = try root.mapping("a scenario")
        try top.allowOnly(topKeys, in: "a scenario")
        let name = try top.required("name", in: "the scenario").string("the scenario name")
        let description = try top["description"]?.string("the description")
        let providerNode = try top.required("provider", in: "the scenario")
        let provider: String
        var external: ProviderSpec?
        if case .mapping = providerNode.node {
            external = try ProviderSpec(yaml: providerNode, variables: variables)
            provider = "external"
        } else {
            provider = try providerNode.string("a provider profile name, or a mapping with url/discovery for an external provider")
            if let catalog, catalog[provider] == nil {
                throw providerNode.error("unknown provider \"\(provider)\"; expected one of: \(catalog.names.joined(separator: ", "))")
            }
        }
        let clientMap = try top.required("client", in: "the scenario").mapping("the client")
        let client = try ClientSpec(yaml: clientMap, variables: variables)

        let stepsNode = try top.required("steps", in: "the scenario")
        let stepNodes = try stepsNode.sequence("steps")
        let steps = try stepNodes.map { (node) throws(YAMLLocatedError) in try Step(yaml: node, variables: variables) }
        guard !steps.isEmpty else { throw stepsNode.error("expected at least one step") }
        if let external {
            try checkExternal(external, steps: steps, stepNodes: stepNodes, clientMap: clientMap)
        }
        for (step, node) in zip(steps, stepNodes) where step.action.stepKind.needsOpenID && client.openID == nil {
            throw node.error("\(step.kind) needs an OpenID Connect client: add openid: true to the client")
        }
        if let profile = catalog?[provider] {
            if client.openID != nil, profile.oidc == nil {
                throw clientMap["openid"]!.error("the provider \(provider) is not an OpenID provider")
            }
            let kind = ProtocolKind(profile)
            let protocolName = profile.protocolKind.rawValue
            for (step, node) in zip(steps, stepNodes) where step.action.stepKind.onlyFor.map({ !$0.covers(kind) }) ?? false {
                throw node.error("\(step.kind) is not an action of \(protocolName) providers; \(provider) is \(protocolName)")
            }
            for entry in clientMap.entries where (kind == .oauth1 ? oauth2ClientKeys : oauth1ClientKeys).contains(entry.key) {
                throw entry.keyNode.error("\(entry.key) does not apply to \(protocolName) providers")
            }
        }
        var user = try top["user"].map { (node) throws(YAMLLocatedError) in try TestUser(yaml: node, variables: variables) }
        if user == nil, external != nil, let username = environment["OAUTH_HARNESS_USERNAME"], let password = environment["OAUTH_HARNESS_PASSWORD"] {
            user = TestUser(username: username, password: password)
        }
        return Scenario(
            name: name,
            description: description,
            file: root.file,
            folder: folder,
            provider: provider,
            client: client,
            steps: steps,
            missingVariables: variables.missing,
            relyingParty: try top["conformance"].map { (node) throws(YAMLLocatedError) in try RelyingPartyExpectation(yaml: node) },
            external: external,
            user: user
        )
    }

    /// Steps that need a mock's controls are refused for a provider by URL, and so are actions
    /// and client keys of the other protocol.
    static func checkExternal(_ external: ProviderSpec, steps: [Step], stepNodes: [YAMLNode], clientMap: YAMLMapping) throws(YAMLLocatedError) {
        let kind = external.protocolKind
        let protocolName = kind.rawValue
        for (step, node) in zip(steps, stepNodes) {
            if step.action.stepKind.needsMock {
                throw node.error(
                    "\(step.kind) needs a built-in mock provider (its clock, evil modes, keys or faults) and cannot run against a provider given by URL"
                )
            }
            if let only = step.action.stepKind.onlyFor, !only.covers(kind) {
                throw node.error("\(step.kind) is not an action of \(protocolName) providers; this provider is \(protocolName)")
            }
            if case .authorize(let options) = step.action, options.user != nil {
                throw node.error(
                    "authorize user: picks a built-in mock's user; for a provider given by URL give the scenario a user: {username, password}"
                )
            }
            if case .expect(let assertions) = step.action, let mockOnly = assertions.first(where: { $0.subject.needsMock }) {
                throw node.error("\(mockOnly.subject) reads a built-in mock's counters and cannot be checked against a provider given by URL")
            }
        }
        for entry in clientMap.entries where (kind == .oauth1 ? oauth2ClientKeys : oauth1ClientKeys).contains(entry.key) {
            throw entry.keyNode.error("\(entry.key) does not apply to \(protocolName) providers")
        }
    }

}
