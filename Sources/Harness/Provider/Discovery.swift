import Foundation
import MockProviders
import OAuth2
import OAuthCore

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
