import Foundation
import OAuthCore

/// Client metadata (RFC 7591 §2): the members a client registers, as a JSON object. The common
/// ones have accessors; any other member (`jwks_uri`, `logo_uri`, OpenID Connect's
/// `post_logout_redirect_uris`, …) goes in ``members`` as it is.
public struct ClientMetadata: Sendable, Equatable {
    /// Every member.
    public var members: [String: JSONValue]

    /// Metadata from its members.
    /// - Parameter members: the JSON members.
    public init(members: [String: JSONValue]) { self.members = members }

    /// Metadata from the common members; `nil` ones are left out (the server applies its defaults).
    ///
    /// - Parameters:
    ///   - redirectURIs: `redirect_uris`.
    ///   - grantTypes: `grant_types`.
    ///   - responseTypes: `response_types`.
    ///   - tokenEndpointAuthMethod: `token_endpoint_auth_method`.
    ///   - clientName: `client_name`.
    ///   - scope: `scope`, space-separated on the wire.
    ///   - extra: any other members.
    public init(
        redirectURIs: [String]? = nil,
        grantTypes: [GrantType]? = nil,
        responseTypes: [String]? = nil,
        tokenEndpointAuthMethod: ClientAuthMethod? = nil,
        clientName: String? = nil,
        scope: [String]? = nil,
        extra: [String: JSONValue] = [:]
    ) {
        var members = extra
        if let redirectURIs { members["redirect_uris"] = .array(redirectURIs.map(JSONValue.string)) }
        if let grantTypes { members["grant_types"] = .array(grantTypes.map { .string($0.rawValue) }) }
        if let responseTypes { members["response_types"] = .array(responseTypes.map(JSONValue.string)) }
        if let tokenEndpointAuthMethod { members["token_endpoint_auth_method"] = .string(tokenEndpointAuthMethod.rawValue) }
        if let clientName { members["client_name"] = .string(clientName) }
        if let scope { members["scope"] = .string(scope.joined(separator: " ")) }
        self.members = members
    }

    /// `redirect_uris`.
    public var redirectURIs: [String] { members["redirect_uris"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    /// `grant_types` (RFC 7591 §2: `authorization_code` when absent).
    public var grantTypes: [GrantType] {
        members["grant_types"]?.arrayValue?.compactMap(\.stringValue).map(GrantType.init(rawValue:)) ?? [.authorizationCode]
    }
    /// `token_endpoint_auth_method` (RFC 7591 §2: `client_secret_basic` when absent).
    public var tokenEndpointAuthMethod: ClientAuthMethod {
        members["token_endpoint_auth_method"]?.stringValue.map(ClientAuthMethod.init(rawValue:)) ?? .clientSecretBasic
    }
    /// `scope`, split on spaces.
    public var scope: [String] { members["scope"]?.stringValue?.split(separator: " ").map(String.init) ?? [] }
}

/// A registered client as the registration endpoint (RFC 7591 §3.2.1) or the client
/// configuration endpoint (RFC 7592 §3) describes it. Its description never shows the client
/// secret or the registration access token.
public struct RegisteredClient: Sendable, Equatable, CustomStringConvertible {
    /// `client_id`.
    public let clientID: String
    /// `client_secret`, for a confidential client.
    public let clientSecret: String?
    /// `client_id_issued_at`.
    public let clientIDIssuedAt: Date?
    /// `client_secret_expires_at`: `nil` when absent, `0` when the secret never expires.
    public let clientSecretExpiresAt: Date?
    /// `registration_access_token` (RFC 7592): the Bearer token of the configuration endpoint.
    public let registrationAccessToken: String?
    /// `registration_client_uri` (RFC 7592): the client configuration endpoint.
    public let registrationClientURI: String?
    /// The metadata the server registered (which may differ from what was sent, §3.2.1).
    public let metadata: ClientMetadata

    /// The client's id, its authentication method, and whether it can be managed; no secret.
    public var description: String {
        "RegisteredClient(client_id: \(clientID), token_endpoint_auth_method: \(metadata.tokenEndpointAuthMethod.rawValue), "
            + "secret: \(clientSecret == nil ? "none" : Redactor.mask), configuration: \(registrationClientURI ?? "none"))"
    }

    /// Reads a registration or configuration response.
    ///
    /// - Parameters:
    ///   - members: the response's JSON members.
    ///   - step: the step that read it, for errors.
    ///   - status: its HTTP status, for errors.
    /// - Throws: `OAuthError`: `malformed_response` without a `client_id` string, or with a member
    ///   of the wrong type; `invalid_redirect_uri` (provider) when the server registered a redirect
    ///   URI that RFC 7591 §2 and RFC 6749 §3.1.2 forbid, so it did not validate it.
    public init(members: [String: JSONValue], step: String, status: Int) throws(OAuthError) {
        guard let id = members["client_id"]?.stringValue, !id.isEmpty else {
            throw .malformed(step: step, httpStatus: status, "the response has no client_id string (RFC 7591 §3.2.1)")
        }
        func text(_ name: String) throws(OAuthError) -> String? {
            switch members[name] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw .malformed(step: step, httpStatus: status, "\(name) is not a string (RFC 7591 §3.2.1)")
            }
        }
        func date(_ name: String) throws(OAuthError) -> Date? {
            switch members[name] {
            case nil, .null?: return nil
            case .number(let number)? where number.int64.map({ $0 >= 0 }) == true: return Date(timeIntervalSince1970: number.double)
            default: throw .malformed(step: step, httpStatus: status, "\(name) is not a non-negative integer (RFC 7591 §3.2.1)")
            }
        }
        clientID = id
        clientSecret = try text("client_secret")
        clientIDIssuedAt = try date("client_id_issued_at")
        clientSecretExpiresAt = try date("client_secret_expires_at")
        registrationAccessToken = try text("registration_access_token")
        registrationClientURI = try text("registration_client_uri")
        var metadata = members
        for name in [
            "client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at", "registration_access_token", "registration_client_uri",
        ] {
            metadata[name] = nil
        }
        self.metadata = ClientMetadata(members: metadata)
        if let bad = self.metadata.redirectURIs.first(where: { Self.redirectURIProblem($0) != nil }) {
            throw OAuthError(
                code: "invalid_redirect_uri",
                description:
                    "the provider registered the redirect URI \(bad), which \(Self.redirectURIProblem(bad)!): it did not validate it (RFC 7591 §2, RFC 6749 §3.1.2)",
                httpStatus: status,
                step: step,
                origin: .provider
            )
        }
    }

    /// Why a redirect URI may not be registered, or `nil`: it must be absolute, without a
    /// fragment, and not plain http except to a loopback address (RFC 8252 §7.3).
    public static func redirectURIProblem(_ uri: String) -> String? {
        let reference = URLReference(uri)
        guard let scheme = reference.scheme?.lowercased() else { return "is not absolute" }
        if reference.fragment != nil { return "has a fragment" }
        if ["javascript", "data", "file", "vbscript"].contains(scheme) { return "uses the \(scheme): scheme" }
        if scheme == "http", !LoopbackHost.contains(reference.host ?? "") { return "is plain http to a host that is not loopback" }
        if ["http", "https"].contains(scheme), reference.host?.isEmpty != false { return "has no host" }
        return nil
    }
}

/// Dynamic client registration (RFC 7591) and management (RFC 7592) over a transport: no client
/// session is needed, since there is no client yet.
public struct ClientRegistration: Sendable {
    /// The HTTP transport.
    public let transport: any HTTPTransport

    /// A registration client.
    /// - Parameter transport: the HTTP transport.
    public init(transport: any HTTPTransport) { self.transport = transport }

    /// Registers a client (RFC 7591 §3.1): the metadata as JSON, with the initial access token as
    /// a Bearer token when the server requires one.
    ///
    /// - Parameters:
    ///   - endpoint: the `registration_endpoint`.
    ///   - metadata: what to register.
    ///   - initialAccessToken: the token the server handed out for registrations, if any.
    /// - Returns: the registered client.
    /// - Throws: `OAuthError`: the server's error (`invalid_redirect_uri`, `invalid_client_metadata`,
    ///   …, §3.2.2) or one of ``RegisteredClient/init(members:step:status:)``; `malformed_response`
    ///   for an answer other than a 201 JSON object.
    public func register(
        _ endpoint: String,
        metadata: ClientMetadata,
        initialAccessToken: String? = nil
    ) async throws(OAuthError)
        -> RegisteredClient
    {
        let step = "register"
        var request = TransportRequest(
            method: "POST",
            url: endpoint,
            headers: ["Content-Type": "application/json"],
            body: JSONValue.object(metadata.members).jsonBytes
        )
        if let initialAccessToken { request.headers["Authorization"] = "Bearer \(initialAccessToken)" }
        return try await send(request, expecting: 201, step: step)
    }

    /// Reads the client's current registration (RFC 7592 §2.1).
    ///
    /// - Parameter client: the registered client (its configuration URI and token).
    /// - Returns: the registration as the server has it now.
    /// - Throws: `OAuthError`: `invalid_configuration` without a configuration URI or token; the
    ///   server's error (`invalid_token` for a token it no longer takes).
    public func read(_ client: RegisteredClient) async throws(OAuthError) -> RegisteredClient {
        let (uri, token) = try configuration(client, step: "read_client")
        return try await send(
            TransportRequest(method: "GET", url: uri, headers: ["Authorization": "Bearer \(token)"]),
            expecting: 200,
            step: "read_client"
        )
    }

    /// Replaces the client's metadata (RFC 7592 §2.2): the full metadata with `client_id` (and
    /// the secret the server issued), never the registration members.
    ///
    /// - Parameters:
    ///   - client: the registered client.
    ///   - metadata: the complete new metadata.
    /// - Returns: the registration as the server has it now.
    /// - Throws: `OAuthError`: as ``read(_:)``, and the server's `invalid_client_metadata` or
    ///   `invalid_redirect_uri`.
    public func update(_ client: RegisteredClient, metadata: ClientMetadata) async throws(OAuthError) -> RegisteredClient {
        let (uri, token) = try configuration(client, step: "update_client")
        var members = metadata.members
        members["client_id"] = .string(client.clientID)
        if let secret = client.clientSecret { members["client_secret"] = .string(secret) }
        let request = TransportRequest(
            method: "PUT",
            url: uri,
            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
            body: JSONValue.object(members).jsonBytes
        )
        return try await send(request, expecting: 200, step: "update_client")
    }

    /// Deletes the client (RFC 7592 §2.3): its id, secret and registration token stop working.
    ///
    /// - Parameter client: the registered client.
    /// - Throws: `OAuthError`: as ``read(_:)``; `malformed_response` for an answer other than 204.
    public func delete(_ client: RegisteredClient) async throws(OAuthError) {
        let step = "delete_client"
        let (uri, token) = try configuration(client, step: step)
        let response = try await transport.send(
            TransportRequest(method: "DELETE", url: uri, headers: ["Authorization": "Bearer \(token)"]),
            step: step
        )
        guard response.status == 204 else {
            if let error = OAuthError.provider(body: response.body, httpStatus: response.status, step: step) { throw error }
            throw .malformed(step: step, httpStatus: response.status, "expected 204 No Content (RFC 7592 §2.3)")
        }
    }

    func configuration(_ client: RegisteredClient, step: String) throws(OAuthError) -> (String, String) {
        guard let uri = client.registrationClientURI, let token = client.registrationAccessToken else {
            throw .client(.invalidConfiguration, "the server gave no registration_client_uri and registration_access_token (RFC 7592)", step: step)
        }
        return (uri, token)
    }

    func send(_ request: TransportRequest, expecting status: Int, step: String) async throws(OAuthError) -> RegisteredClient {
        let response = try await transport.send(request, step: step)
        guard response.status == status || (200..<300).contains(response.status) else {
            if let error = OAuthError.provider(body: response.body, httpStatus: response.status, step: step) { throw error }
            throw OAuthError(code: .http(response.status), httpStatus: response.status, step: step, origin: .provider)
        }
        guard response.status == status else {
            throw .malformed(step: step, httpStatus: response.status, "expected HTTP \(status) (RFC \(status == 201 ? "7591 §3.2.1" : "7592 §3"))")
        }
        guard case .object(let members)? = try? JSONValue.parse(response.body) else {
            throw .malformed(step: step, httpStatus: response.status, "expected a JSON object")
        }
        return try RegisteredClient(members: members, step: step, status: response.status)
    }
}
