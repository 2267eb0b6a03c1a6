import Foundation
import MockProviders
import OAuth2
import OAuthCore

/// Where a provider's endpoints are, as absolute URLs (`nil`: not offered or not known).
public struct ProviderEndpoints: Sendable {
    public enum ProtocolKind: String, Sendable {
        case oauth1, oauth2

        /// The harness speaks OAuth 1 or OAuth 2 to a mock; a replay mock answers OAuth 2 flows.
        init(_ profile: ProviderProfile.ProtocolKind) { self = profile == .oauth1 ? .oauth1 : .oauth2 }
    }

    public var protocolKind: ProtocolKind
    /// Relative paths of scenario steps (`get: /api/me`) join this URL.
    public var baseURL: String
    /// The issuer (RFC 8414 / OpenID Connect), when known.
    public var issuer: String?
    /// The metadata document the provider entry names (`discovery:`), if any.
    public var discovery: String?
    public var authorize: String?
    public var token: String?
    public var resource: String?
    public var revoke: String?
    public var introspect: String?
    /// OAuth 1: temporary credentials (RFC 5849 §2.1); `token` is then the token-credentials endpoint.
    public var requestToken: String?
    /// Hosts the user agent may visit besides the redirect URI's: the endpoints' own hosts
    /// and any the provider entry lists.
    public var allowedHosts: Set<String>
    /// RFC 9207: the `iss` authorization responses must carry, when the issuer is known.
    public var responseIssuer: AuthorizationResponseIssuer? = nil

    /// A path joins the base URL; an absolute URL stays as it is.
    public func url(_ pathOrURL: String) -> String {
        Self.isAbsolute(pathOrURL) ? pathOrURL : baseURL + pathOrURL
    }

    static func isAbsolute(_ text: String) -> Bool { text.hasPrefix("http://") || text.hasPrefix("https://") }

    /// The hosts of the given URLs, lowercased.
    static func hosts(_ urls: [String?]) -> Set<String> {
        Set(urls.compactMap { $0.flatMap { URLReference($0).host } })
    }
}

/// The controls only a built-in mock offers. Steps that need one are refused at load time for
/// an external provider; at run time they reach the mock through this, never by downcasting.
protocol MockControls: Sendable {
    /// The profile the mock serves (its clients' registered URIs are the scenario's defaults).
    var profile: ProviderProfile { get }
    /// How many token requests of `grantType` the mock has answered.
    func tokenRequests(grantType: String) -> Int
    func setEvilMode(_ mode: EvilMode) throws(OAuthError)
    func rotateSigningKeys() throws(OAuthError)
    /// Arms a transport fault, or clears them all with `nil`.
    func arm(_ fault: Fault?)
}

/// The provider a scenario runs against: its endpoints, and mock controls when it is a built-in mock.
protocol ProviderUnderTest: Sendable {
    var name: String { get }
    var endpoints: ProviderEndpoints { get }
    var mock: (any MockControls)? { get }
}

/// A built-in mock started for one scenario.
struct MockProviderUnderTest: ProviderUnderTest, MockControls {
    let running: RunningProvider
    let endpoints: ProviderEndpoints

    init(_ running: RunningProvider) {
        self.running = running
        let profile = running.profile
        let paths = profile.endpoints
        func url(_ path: String?) -> String? { path.map { running.url($0) } }
        endpoints = ProviderEndpoints(
            protocolKind: ProviderEndpoints.ProtocolKind(profile.protocolKind),
            baseURL: running.baseURL,
            issuer: running.baseURL,
            discovery: nil,
            authorize: url(paths.authorize),
            token: url(paths.token),
            resource: url(paths.resource),
            revoke: url(paths.revoke),
            introspect: url(paths.introspect),
            requestToken: url(paths.requestToken),
            allowedHosts: ProviderEndpoints.hosts([running.baseURL]),
            // Every OAuth 2 mock names itself in `iss` (replayed answers are recordings of another run).
            responseIssuer: profile.protocolKind == .oauth2 ? AuthorizationResponseIssuer(issuer: running.baseURL, required: true) : nil
        )
    }

    var name: String { running.profile.name }
    var mock: (any MockControls)? { self }
    var profile: ProviderProfile { running.profile }

    func tokenRequests(grantType: String) -> Int { running.oauth2?.tokenRequests(grantType: grantType) ?? 0 }

    func setEvilMode(_ mode: EvilMode) throws(OAuthError) {
        guard let engine = running.oauth2, profile.oidc != nil else {
            throw .client(OAuthErrorCode.invalidConfiguration, "evil modes need a built-in OpenID provider; \(name) is not one", step: "evil")
        }
        engine.setEvilMode(mode)
    }

    func rotateSigningKeys() throws(OAuthError) {
        guard let engine = running.oauth2, profile.oidc != nil else {
            throw .client(
                OAuthErrorCode.invalidConfiguration,
                "key rotation needs a built-in OpenID provider; \(name) is not one",
                step: "rotate_keys"
            )
        }
        engine.rotateSigningKeys()
    }

    func arm(_ fault: Fault?) {
        if let fault { running.faults.arm(fault) } else { running.faults.clear() }
    }
}

/// `provider: { url: …, discovery: …, token: …, … }` in a scenario: a provider this project
/// did not start, by URL and paths, by a metadata document, or both (paths override).
public struct ExternalProviderSpec: Sendable {
    public var url: String?
    public var discovery: String?
    /// Endpoint paths or URLs by scenario key (`authorize`, `token`, `request_token`, …).
    public var endpoints: [String: String]
    /// More hosts the provider's login pages may live on.
    public var allowedHosts: [String] = []

    public var isOAuth1: Bool { endpoints["request_token"] != nil }
}

/// A provider given by URL.
struct ExternalProvider: ProviderUnderTest {
    let endpoints: ProviderEndpoints
    var name: String { "external" }
    var mock: (any MockControls)? { nil }

    /// Resolves the endpoints: from the named metadata document (or, for a bare URL without a
    /// token endpoint, from RFC 8414 or OpenID Connect Discovery), then the scenario's paths.
    static func resolve(
        _ spec: ExternalProviderSpec,
        metadataCache: MetadataCache,
        transcript: Transcript
    ) async throws(OAuthError) -> ExternalProvider {
        var metadata: AuthorizationServerMetadata?
        if let discovery = spec.discovery {
            metadata = try await metadataCache.metadata(url: discovery, expectedIssuer: Discovery.expectedIssuer(forMetadataURL: discovery))
            transcript.note("endpoints from the provider's metadata at \(discovery)")
        } else if !spec.isOAuth1, spec.endpoints["token"] == nil, let url = spec.url {
            let found = try await Discovery.metadata(forIssuer: url, cache: metadataCache)
            metadata = found.metadata
            transcript.note("endpoints from \(found.source)")
        }
        var base = spec.url ?? metadata.flatMap { Discovery.origin(of: $0.issuer) } ?? ""
        if base.hasSuffix("/") { base.removeLast() }
        func endpoint(_ key: String, _ discovered: String?) -> String? {
            guard let given = spec.endpoints[key] else { return discovered }
            if ProviderEndpoints.isAbsolute(given) { return given }
            return base + given
        }
        let endpoints = ProviderEndpoints(
            protocolKind: spec.isOAuth1 ? .oauth1 : .oauth2,
            baseURL: base,
            issuer: metadata?.issuer,
            discovery: spec.discovery,
            authorize: endpoint("authorize", metadata?.authorizationEndpoint),
            token: endpoint(spec.isOAuth1 ? "access_token" : "token", metadata?.tokenEndpoint),
            resource: endpoint("resource", metadata?.document["userinfo_endpoint"]?.stringValue),
            revoke: endpoint("revoke", metadata?.revocationEndpoint),
            introspect: endpoint("introspect", metadata?.introspectionEndpoint),
            requestToken: endpoint("request_token", nil),
            allowedHosts: []
        )
        guard endpoints.token != nil else {
            throw .client(
                OAuthErrorCode.invalidConfiguration,
                spec.isOAuth1
                    ? "the OAuth 1 provider needs access_token:" : "the external provider has no token endpoint (give token: or discovery:)",
                step: "setup"
            )
        }
        var resolved = endpoints
        resolved.responseIssuer = metadata.map(AuthorizationResponseIssuer.init(metadata:))
        let documentURLs = [metadata?.document["end_session_endpoint"]?.stringValue, metadata?.jwksURI, metadata?.issuer]
        resolved.allowedHosts = ProviderEndpoints.hosts(
            [base, spec.discovery, endpoints.authorize, endpoints.token, endpoints.requestToken] + documentURLs
        )
        .union(spec.allowedHosts.map { $0.lowercased() })
        return ExternalProvider(endpoints: resolved)
    }
}

/// Finding a provider's metadata document.
enum Discovery {
    /// The issuer a metadata URL stands for: the part before `/.well-known/openid-configuration`
    /// (OpenID Connect Discovery §4), or the host plus the part after
    /// `/.well-known/oauth-authorization-server` (RFC 8414 §3); `nil` for other URLs.
    static func expectedIssuer(forMetadataURL url: String) -> String? {
        AuthorizationServerMetadata.expectedIssuer(forMetadataURL: url)
    }

    /// `scheme://host[:port]` of a URL.
    static func origin(of url: String) -> String? {
        URLReference(url).origin
    }

    /// RFC 8414 metadata of `issuer`, or — when the provider has none (any HTTP error) — its
    /// OpenID Connect Discovery document. `source` says which was used.
    static func metadata(
        forIssuer issuer: String,
        cache: MetadataCache
    ) async throws(OAuthError) -> (metadata: AuthorizationServerMetadata, source: String) {
        let issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        guard let rfc8414 = AuthorizationServerMetadata.metadataURL(issuer: issuer) else {
            throw .client(OAuthErrorCode.invalidConfiguration, "the issuer \(issuer) is not an absolute URL", step: "discovery")
        }
        do {
            return (try await cache.metadata(url: rfc8414, expectedIssuer: issuer), "RFC 8414 metadata at \(rfc8414)")
        } catch  where error.httpStatus.map({ $0 >= 400 }) ?? false {
            let oidc = issuer + "/.well-known/openid-configuration"
            do {
                return (
                    try await cache.metadata(url: oidc, expectedIssuer: issuer),
                    "OpenID Connect Discovery at \(oidc) (RFC 8414 metadata: HTTP \(error.httpStatus ?? 0))"
                )
            } catch let second {
                throw OAuthError(
                    code: second.code,
                    description:
                        "neither RFC 8414 metadata (\(error)) nor OpenID Connect Discovery (\(second.errorDescription ?? second.code.rawValue)) answered",
                    httpStatus: second.httpStatus,
                    step: "discovery",
                    origin: second.origin
                )
            }
        }
    }
}
