import Foundation
import OAuthCore

/// A protected resource's metadata (RFC 9728 §2): which resource it is, and which authorization
/// servers issue tokens for it. The discovery path the MCP authorization specification uses: a
/// `401` names the metadata (`WWW-Authenticate: Bearer resource_metadata="…"`, §5.1), the
/// metadata names the authorization server, and the client asks it for a token for the
/// resource (RFC 8707 `resource`).
public struct ProtectedResourceMetadata: Sendable, Equatable {
    /// `resource`: the resource identifier (an https URL, or http on loopback).
    public let resource: String
    /// `authorization_servers`: issuer identifiers of the servers that issue its tokens.
    public let authorizationServers: [String]
    /// `scopes_supported`.
    public let scopesSupported: [String]
    /// `bearer_methods_supported`.
    public let bearerMethodsSupported: [String]
    /// Every member as sent.
    public let members: [String: JSONValue]

    /// The `resource_metadata` URL of a `WWW-Authenticate` header's Bearer challenge (§5.1), or
    /// `nil` when it names none.
    ///
    /// - Parameter header: the header's value (several challenges may be in it).
    public static func metadataURL(fromChallenge header: String) -> String? {
        guard let match = header.firstMatch(of: #/(?i:resource_metadata)\s*=\s*"([^"]*)"/#) else { return nil }
        let url = String(match.1)
        return url.isEmpty ? nil : url
    }

    /// The well-known URL of a resource's metadata (§3.1): `/.well-known/oauth-protected-resource`
    /// between the host and the resource's path.
    ///
    /// - Parameter resource: the resource identifier.
    public static func wellKnownURL(for resource: String) -> String? {
        let reference = URLReference(resource)
        guard let scheme = reference.scheme, let authority = reference.authority else { return nil }
        let path = reference.path == "/" ? "" : reference.path
        return "\(scheme)://\(authority)/.well-known/oauth-protected-resource\(path)" + (reference.query.map { "?" + $0 } ?? "")
    }

    /// Fetches and checks a resource's metadata.
    ///
    /// - Parameters:
    ///   - url: the metadata URL (from a challenge or ``wellKnownURL(for:)``).
    ///   - resource: the resource the client called: the metadata's `resource` must be it (§3.3,
    ///     §7.3: otherwise an attacker's resource could name an authorization server the client
    ///     would then hand a token for another resource).
    ///   - transport: the HTTP transport.
    /// - Returns: the metadata.
    /// - Throws: `OAuthError`: `invalid_resource_metadata` (step `resource_metadata`) when it is not
    ///   a JSON object, lacks `resource` or `authorization_servers`, or names another resource;
    ///   the transport's errors.
    public static func fetch(_ url: String, resource: String, transport: any HTTPTransport) async throws(OAuthError) -> ProtectedResourceMetadata {
        let step = "resource_metadata"
        let response = try await transport.send(TransportRequest(method: "GET", url: url, headers: ["Accept": "application/json"]), step: step)
        func invalid(_ reason: String) -> OAuthError {
            OAuthError(code: "invalid_resource_metadata", description: reason, httpStatus: response.status, step: step, origin: .provider)
        }
        guard response.status == 200 else { throw invalid("the metadata answered HTTP \(response.status) (RFC 9728 §3.2)") }
        guard case .object(let members)? = try? JSONValue.parse(response.body) else {
            throw invalid("the metadata is not a JSON object (RFC 9728 §3.2)")
        }
        guard let named = members["resource"]?.stringValue else { throw invalid("the metadata has no resource (RFC 9728 §2)") }
        guard Self.sameResource(named, resource) else {
            throw invalid("the metadata names the resource \(named), not \(resource), which was called (RFC 9728 §3.3)")
        }
        let servers = members["authorization_servers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard !servers.isEmpty else { throw invalid("the metadata names no authorization_servers (RFC 9728 §2)") }
        func strings(_ name: String) -> [String] { members[name]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        return ProtectedResourceMetadata(
            resource: named,
            authorizationServers: servers,
            scopesSupported: strings("scopes_supported"),
            bearerMethodsSupported: strings("bearer_methods_supported"),
            members: members
        )
    }

    /// Identical identifiers, but for a trailing slash on an empty path and the case of the
    /// scheme and host (RFC 3986 §6.2.2.1).
    static func sameResource(_ a: String, _ b: String) -> Bool {
        func normalized(_ text: String) -> String {
            let reference = URLReference(text)
            let path = reference.path.isEmpty ? "/" : reference.path
            return "\(reference.scheme?.lowercased() ?? "")://\(reference.authority?.lowercased() ?? "")\(path)"
                + (reference.query.map { "?" + $0 } ?? "")
        }
        return a == b || normalized(a) == normalized(b)
    }
}
