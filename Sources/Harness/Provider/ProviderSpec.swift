import HarnessFiles
import MockProviders

/// The provider a user writes down: `provider: { url: …, discovery: …, token: …, … }` in a
/// scenario or in the file `oauth-harness check` reads — a provider this project did not start,
/// by URL and paths, by a metadata document, or both (paths override). Resolved into
/// ``ProviderEndpoints`` before anything is sent.
package struct ProviderSpec: Sendable {
    package var url: String?
    package var discovery: String?
    /// Endpoint paths or URLs by scenario key (`authorize`, `token`, `request_token`, …).
    package var endpoints: [String: String]
    /// More hosts the provider's login pages may live on.
    package var allowedHosts: [String] = []

    /// OAuth 1 when the entry names a temporary-credentials endpoint (`request_token`), else
    /// OAuth 2 (whether OpenID Connect is spoken on top is the client's or the file's to say).
    package var protocolKind: ProtocolKind { endpoints["request_token"] != nil ? .oauth1 : .oauth2 }
}

extension ProviderSpec {
    /// `provider: {url, discovery, authorize, token, …}`: a provider by URL.
    init(yaml providerNode: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let map = try providerNode.mapping("an external provider")
        try map.allowOnly(["url", "discovery", "allowed_hosts"] + ScenarioLoader.externalEndpoints, in: "an external provider")
        var endpoints: [String: String] = [:]
        for key in ScenarioLoader.externalEndpoints {
            guard let node = map[key] else { continue }
            let value = try variables.text(node, key)
            guard value.hasPrefix("/") || ProviderEndpoints.isAbsolute(value) || value.isEmpty else {
                throw node.error("expected a path starting with / or an http(s) URL for \(key), found \"\(value)\"")
            }
            endpoints[key] = value
        }
        let url = try variables.optionalText(map["url"], "url")
        let discovery = try variables.optionalText(map["discovery"], "discovery")
        guard url != nil || discovery != nil else { throw providerNode.error("an external provider needs url or discovery") }
        self.init(url: url, discovery: discovery, endpoints: endpoints, allowedHosts: try map["allowed_hosts"]?.stringList("allowed_hosts") ?? [])
        if protocolKind == .oauth1 {
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
    }
}
