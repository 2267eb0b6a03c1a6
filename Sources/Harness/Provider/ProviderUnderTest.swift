import Foundation
import MockProviders
import OAuth2
import OAuthCore

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
        endpoints = ProviderEndpoints(mock: running)
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

/// A provider given by URL.
struct ExternalProvider: ProviderUnderTest {
    let endpoints: ProviderEndpoints
    var name: String { "external" }
    var mock: (any MockControls)? { nil }

    /// Resolves the endpoints: from the named metadata document (or, for a bare URL without a
    /// token endpoint, from RFC 8414 or OpenID Connect Discovery), then the scenario's paths.
    static func resolve(
        _ spec: ProviderSpec,
        metadataCache: MetadataCache,
        transcript: Transcript
    ) async throws(OAuthError) -> ExternalProvider {
        var metadata: AuthorizationServerMetadata?
        if let discovery = spec.discovery {
            metadata = try await metadataCache.metadata(url: discovery, expectedIssuer: Discovery.expectedIssuer(forMetadataURL: discovery))
            transcript.note("endpoints from the provider's metadata at \(discovery)")
        } else if spec.protocolKind != .oauth1, spec.endpoints["token"] == nil, let url = spec.url {
            let found = try await Discovery.metadata(forIssuer: url, cache: metadataCache)
            metadata = found.metadata
            transcript.note("endpoints from \(found.source)")
        }
        var endpoints = ProviderEndpoints(spec: spec, metadata: metadata?.document, documentURL: spec.discovery)
        endpoints.responseIssuer = metadata.map(AuthorizationResponseIssuer.init(metadata:))
        guard endpoints.token != nil else {
            throw .client(
                OAuthErrorCode.invalidConfiguration,
                spec.protocolKind == .oauth1
                    ? "the OAuth 1 provider needs access_token:" : "the external provider has no token endpoint (give token: or discovery:)",
                step: "setup"
            )
        }
        return ExternalProvider(endpoints: endpoints)
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
