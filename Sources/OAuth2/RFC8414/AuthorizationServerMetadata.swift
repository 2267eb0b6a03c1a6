import Foundation
import OAuthCore
import Synchronization

/// OAuth 2.0 Authorization Server Metadata (RFC 8414 §2), as fetched from
/// `/.well-known/oauth-authorization-server`. Members not modelled stay in `document`.
public struct AuthorizationServerMetadata: Sendable, Equatable {
    /// `issuer`: the authorization server's identifier (RFC 8414 §2).
    public var issuer: String
    /// `authorization_endpoint`.
    public var authorizationEndpoint: String?
    /// `token_endpoint`.
    public var tokenEndpoint: String?
    /// `revocation_endpoint` (RFC 7009).
    public var revocationEndpoint: String?
    /// `introspection_endpoint` (RFC 7662).
    public var introspectionEndpoint: String?
    /// `jwks_uri`: the server's JWK Set (RFC 7517).
    public var jwksURI: String?
    /// `grant_types_supported`; empty when absent.
    public var grantTypesSupported: [String]
    /// `token_endpoint_auth_methods_supported`; empty when absent.
    public var tokenEndpointAuthMethodsSupported: [String]
    /// `code_challenge_methods_supported` (RFC 7636); empty when absent.
    public var codeChallengeMethodsSupported: [String]
    /// `pushed_authorization_request_endpoint` (RFC 9126 §5).
    public var pushedAuthorizationRequestEndpoint: String?
    /// `require_pushed_authorization_requests` (RFC 9126 §5): authorization requests must be pushed.
    public var requirePushedAuthorizationRequests: Bool
    /// `require_signed_request_object` (RFC 9101 §10.5): authorization requests must be signed.
    public var requireSignedRequestObject: Bool
    /// `request_object_signing_alg_values_supported` (RFC 9101 §10.5); empty when absent.
    public var requestObjectSigningAlgValuesSupported: [String]
    /// `dpop_signing_alg_values_supported` (RFC 9449 §5.1); empty when absent.
    public var dpopSigningAlgValuesSupported: [String]
    /// `authorization_details_types_supported` (RFC 9396 §10); empty when absent.
    public var authorizationDetailsTypesSupported: [String]
    /// `device_authorization_endpoint` (RFC 8628 §4).
    public var deviceAuthorizationEndpoint: String?
    /// The whole document, every member included.
    public var document: [String: JSONValue]

    /// The metadata URL for an issuer (RFC 8414 §3.1): the well-known segment goes between
    /// the host and the issuer's path.
    /// `nil` when `issuer` is not an absolute URL.
    ///
    /// - Parameters:
    ///   - issuer: the issuer.
    ///   - suffix: the well-known name (`oauth-authorization-server`, or `openid-configuration`).
    public static func metadataURL(issuer: String, suffix: String = "oauth-authorization-server") -> String? {
        var url = URLReference(issuer)
        guard url.hasValidAuthority else { return nil }
        url.path = "/.well-known/\(suffix)" + (url.path == "/" ? "" : url.path)
        url.query = nil
        url.fragment = nil
        return url.description
    }

    /// The issuer a metadata URL stands for: the part before `/.well-known/openid-configuration`
    /// (OpenID Connect Discovery §4), or the origin plus the part after
    /// `/.well-known/oauth-authorization-server` (RFC 8414 §3); `nil` for other URLs.
    ///
    /// - Parameter url: the metadata URL.
    public static func expectedIssuer(forMetadataURL url: String) -> String? {
        let oidc = "/.well-known/openid-configuration"
        if url.hasSuffix(oidc) { return String(url.dropLast(oidc.count)) }
        let rfc8414 = "/.well-known/oauth-authorization-server"
        var reference = URLReference(url)
        guard reference.hasValidAuthority, reference.path.hasPrefix(rfc8414) else { return nil }
        reference.path = String(reference.path.dropFirst(rfc8414.count))
        return reference.description
    }

    /// Reads a metadata document; `issuer` must equal the one asked for (RFC 8414 §3.3).
    ///
    /// - Parameters:
    ///   - document: the metadata's JSON object.
    ///   - expectedIssuer: the issuer asked for; `nil` accepts any.
    ///   - step: the flow step errors name.
    ///   - httpStatus: the status of the response that carried the document, for errors.
    /// - Throws: `OAuthError`: `malformed_response` without a string `issuer` or when a modelled
    ///   member has the wrong type; `invalid_issuer` when `issuer` is not `expectedIssuer`.
    public init(document: [String: JSONValue], expectedIssuer: String?, step: String = "discovery", httpStatus: Int? = nil) throws(OAuthError) {
        guard case .string(let issuer)? = document["issuer"] else {
            throw .malformed(step: step, httpStatus: httpStatus, "metadata has no issuer string")
        }
        if let expectedIssuer, issuer != expectedIssuer {
            throw .client(
                .invalidIssuer,
                "metadata issuer \(issuer) differs from the requested \(expectedIssuer) (RFC 8414 §3.3)",
                step: step,
                httpStatus: httpStatus
            )
        }
        func string(_ key: String) throws(OAuthError) -> String? {
            switch document[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case let other?: throw .malformed(step: step, httpStatus: httpStatus, "metadata \(key) must be a string, got \(other.kindName)")
            }
        }
        func strings(_ key: String) throws(OAuthError) -> [String] {
            switch document[key] {
            case nil, .null?: return []
            case .array(let items)?:
                var values: [String] = []
                for item in items {
                    guard case .string(let value) = item else {
                        throw .malformed(step: step, httpStatus: httpStatus, "metadata \(key) must be a list of strings")
                    }
                    values.append(value)
                }
                return values
            case let other?: throw .malformed(step: step, httpStatus: httpStatus, "metadata \(key) must be a list, got \(other.kindName)")
            }
        }
        func flag(_ key: String) throws(OAuthError) -> Bool {
            switch document[key] {
            case nil, .null?: return false
            case .bool(let value)?: return value
            case let other?: throw .malformed(step: step, httpStatus: httpStatus, "metadata \(key) must be a boolean, got \(other.kindName)")
            }
        }
        self.issuer = issuer
        authorizationEndpoint = try string("authorization_endpoint")
        tokenEndpoint = try string("token_endpoint")
        revocationEndpoint = try string("revocation_endpoint")
        introspectionEndpoint = try string("introspection_endpoint")
        jwksURI = try string("jwks_uri")
        grantTypesSupported = try strings("grant_types_supported")
        tokenEndpointAuthMethodsSupported = try strings("token_endpoint_auth_methods_supported")
        codeChallengeMethodsSupported = try strings("code_challenge_methods_supported")
        pushedAuthorizationRequestEndpoint = try string("pushed_authorization_request_endpoint")
        requirePushedAuthorizationRequests = try flag("require_pushed_authorization_requests")
        requireSignedRequestObject = try flag("require_signed_request_object")
        requestObjectSigningAlgValuesSupported = try strings("request_object_signing_alg_values_supported")
        dpopSigningAlgValuesSupported = try strings("dpop_signing_alg_values_supported")
        authorizationDetailsTypesSupported = try strings("authorization_details_types_supported")
        deviceAuthorizationEndpoint = try string("device_authorization_endpoint")
        self.document = document
    }
}

/// Fetches and caches metadata per issuer for `ttl` seconds of the given clock.
public final class MetadataCache: Sendable {
    let transport: any HTTPTransport
    let clock: any OAuthClock
    let ttl: TimeInterval
    private let entries = Mutex<[String: (metadata: AuthorizationServerMetadata, fetchedAt: Date)]>([:])

    /// Creates an empty cache.
    ///
    /// - Parameters:
    ///   - transport: the transport for the metadata requests.
    ///   - clock: the clock that ages the entries.
    ///   - ttl: how long a fetched document is used, in seconds.
    public init(transport: any HTTPTransport, clock: any OAuthClock = SystemClock(), ttl: TimeInterval = 3600) {
        self.transport = transport
        self.clock = clock
        self.ttl = ttl
    }

    /// RFC 8414 metadata of `issuer`, from the cache while fresh.
    ///
    /// The document is fetched from ``AuthorizationServerMetadata/metadataURL(issuer:suffix:)``, and
    /// its `issuer` must be `issuer`.
    ///
    /// - Parameter issuer: the issuer.
    /// - Throws: `OAuthError`: `invalid_configuration` when `issuer` is not an absolute URL, else as
    ///   ``metadata(url:expectedIssuer:)`` does.
    public func metadata(issuer: String) async throws(OAuthError) -> AuthorizationServerMetadata {
        guard let url = AuthorizationServerMetadata.metadataURL(issuer: issuer) else {
            throw .client(OAuthErrorCode.invalidConfiguration, "the issuer is not an absolute URL", step: "discovery")
        }
        return try await metadata(url: url, expectedIssuer: issuer)
    }

    /// Metadata from an explicit URL (e.g. OpenID Connect's `server_metadata_url`); its
    /// `issuer` must equal `expectedIssuer` when one is given.
    ///
    /// Entries are cached by URL; a fetch is retried on a transport failure, 5xx or 429.
    ///
    /// - Parameters:
    ///   - url: the metadata URL.
    ///   - expectedIssuer: the issuer the document must name; `nil` accepts any.
    /// - Throws: `OAuthError`: `malformed_response` for an answer other than 200 or one that is not
    ///   a JSON object or valid metadata; `invalid_issuer` for another issuer; a transport failure.
    public func metadata(url: String, expectedIssuer: String?) async throws(OAuthError) -> AuthorizationServerMetadata {
        let now = clock.now()
        if let cached = entries.withLock({ $0[url] }), now.timeIntervalSince(cached.fetchedAt) < ttl {
            // The cache answers for a URL; the issuer it must name is checked on every use.
            if let expectedIssuer, cached.metadata.issuer != expectedIssuer {
                throw .client(
                    "invalid_issuer",
                    "metadata issuer \(cached.metadata.issuer) differs from the requested \(expectedIssuer) (RFC 8414 §3.3)",
                    step: "discovery"
                )
            }
            return cached.metadata
        }
        let response = try await transport.sendRetryingIdempotent(
            TransportRequest(method: "GET", url: url, headers: ["Accept": "application/json"]),
            step: "discovery"
        )
        guard response.status == 200 else {
            throw .malformed(step: "discovery", httpStatus: response.status, "the metadata endpoint answered HTTP \(response.status)")
        }
        guard case .object(let document)? = try? JSONValue.parse(response.body) else {
            throw .malformed(step: "discovery", httpStatus: response.status, "the metadata is not a JSON object")
        }
        let metadata = try AuthorizationServerMetadata(document: document, expectedIssuer: expectedIssuer, httpStatus: response.status)
        entries.withLock { $0[url] = (metadata, now) }
        return metadata
    }

    /// Forgets everything, so the next call fetches again ("refreshed on demand").
    public func invalidate() {
        entries.withLock { $0.removeAll() }
    }
}
