import Foundation
import MockProviders
import OAuth2
import OAuthCore

/// The provider a scenario runs against: a built-in mock started for it, or an external
/// provider given by URL.
protocol ProviderUnderTest: Sendable {
    var baseURL: String { get }
    var profile: ProviderProfile { get }
    /// The mock's OAuth 2 engine (counters, evil modes); `nil` for external providers.
    var oauth2: MockProvider? { get }
    /// An endpoint's URL: a path joins the base URL, an absolute URL stays as it is.
    func url(_ path: String) -> String
}

extension RunningProvider: ProviderUnderTest {}

/// An external provider, by base URL and endpoint paths or by a discovery document.
struct ExternalProvider: ProviderUnderTest {
    let baseURL: String
    let profile: ProviderProfile
    var oauth2: MockProvider? { nil }

    func url(_ path: String) -> String {
        path.hasPrefix("http://") || path.hasPrefix("https://") ? path : baseURL + path
    }

    /// Resolves the endpoints: from the discovery document when one is named (RFC 8414 or
    /// OpenID Connect Discovery), else from the scenario's paths.
    static func resolve(_ spec: ExternalProviderSpec, client: ClientSpec, transport: any HTTPTransport) async throws(OAuthError) -> ExternalProvider {
        var endpoints = spec.endpoints
        var base = spec.url ?? ""
        if let discovery = spec.discovery {
            let metadata = try await MetadataCache(transport: transport).metadata(url: discovery, expectedIssuer: nil)
            base = base.isEmpty ? metadata.issuer : base
            endpoints["authorize"] = endpoints["authorize"] ?? metadata.authorizationEndpoint
            endpoints["token"] = endpoints["token"] ?? metadata.tokenEndpoint
            endpoints["revoke"] = endpoints["revoke"] ?? metadata.revocationEndpoint
            endpoints["introspect"] = endpoints["introspect"] ?? metadata.introspectionEndpoint
            endpoints["resource"] = endpoints["resource"] ?? metadata.document["userinfo_endpoint"]?.stringValue
        }
        guard let token = endpoints["token"] else {
            throw .client(OAuthError.invalidConfiguration, "the external provider has no token endpoint (give token: or a discovery URL)", step: "setup")
        }
        if base.hasSuffix("/") { base.removeLast() }
        return ExternalProvider(
            baseURL: base,
            profile: .external(
                name: spec.name, authorize: endpoints["authorize"], token: token, resource: endpoints["resource"], revoke: endpoints["revoke"],
                introspect: endpoints["introspect"], clientID: client.clientID, redirectURI: client.redirectURI))
    }
}

/// `provider: { url: …, token: …, discovery: … }` in a scenario.
public struct ExternalProviderSpec: Sendable {
    public var name: String
    public var url: String?
    public var discovery: String?
    public var endpoints: [String: String]
}
