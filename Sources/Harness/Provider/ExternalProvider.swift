import Foundation
import MockProviders
import OAuth2
import OAuthCore

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
