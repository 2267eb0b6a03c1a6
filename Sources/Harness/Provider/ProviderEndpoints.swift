import MockProviders
import OAuth2
import OAuthCore

/// Where a provider's endpoints are, as absolute URLs (`nil`: not offered or not known): what
/// ``ProviderSpec`` and the provider's metadata document resolve to, for `run` and `check` alike,
/// or what a built-in mock serves.
package struct ProviderEndpoints: Sendable {
    package var protocolKind: ProtocolKind
    /// Relative paths of scenario steps (`get: /api/me`) join this URL.
    package var baseURL: String
    /// The issuer (RFC 8414 / OpenID Connect), when known.
    package var issuer: String?
    /// The metadata document's URL: the one the provider entry names (`discovery:`), or for
    /// `check` the one it read.
    package var discovery: String?
    package var authorize: String?
    package var token: String?
    /// The protected resource the provider entry names (`resource:`).
    package var resource: String?
    package var revoke: String?
    package var introspect: String?
    /// OAuth 1: temporary credentials (RFC 5849 §2.1); `token` is then the token-credentials endpoint.
    package var requestToken: String?
    /// OpenID Connect: UserInfo, the key set and RP-initiated logout.
    package var userinfo: String?
    package var jwks: String?
    package var endSession: String?
    /// RFC 9126: the pushed authorization request endpoint.
    package var par: String? = nil
    /// RFC 8628: the device authorization endpoint.
    package var deviceAuthorization: String? = nil
    /// RFC 7591: the client registration endpoint.
    package var registration: String? = nil
    /// Hosts the user agent may visit besides the redirect URI's: the endpoints' own hosts
    /// and any the provider entry lists.
    package var allowedHosts: Set<String>
    /// RFC 9207: the `iss` authorization responses must carry, when the issuer is known.
    package var responseIssuer: AuthorizationResponseIssuer? = nil
    /// The metadata document as the provider sent it (RFC 8414 or OpenID Connect Discovery);
    /// for `check` unvalidated, since whether it is right is itself a check.
    var metadata: [String: JSONValue]? = nil

    /// A path joins the base URL; an absolute URL stays as it is.
    package func url(_ pathOrURL: String) -> String {
        Self.isAbsolute(pathOrURL) ? pathOrURL : baseURL + pathOrURL
    }

    /// The `resource:` the entry names, else UserInfo: the API a token is tried on.
    package var resourceOrUserInfo: String? { resource ?? userinfo }

    /// The string members of a metadata array (`response_types_supported`, …), `nil` when absent.
    func advertised(_ member: String) -> [String]? {
        guard case .array(let items)? = metadata?[member] else { return nil }
        return items.compactMap(\.stringValue)
    }

    static func isAbsolute(_ text: String) -> Bool { text.hasPrefix("http://") || text.hasPrefix("https://") }

    /// The hosts of the given URLs, lowercased.
    static func hosts(_ urls: [String?]) -> Set<String> {
        Set(urls.compactMap { $0.flatMap { URLReference($0).host } })
    }
}

extension ProviderEndpoints {
    /// The one resolution of a provider entry: each endpoint the entry names (a path joins its
    /// `url`, else the metadata's issuer origin), else the metadata document's member. How the
    /// document was fetched (validated for `run`, raw for `check`) is the caller's.
    init(spec: ProviderSpec, metadata document: [String: JSONValue]?, documentURL: String?) {
        let issuer = document?["issuer"]?.stringValue
        var base = spec.url ?? issuer.flatMap { URLReference($0).origin } ?? ""
        if base.hasSuffix("/") { base.removeLast() }
        func endpoint(_ key: String, _ member: String?) -> String? {
            if let given = spec.endpoints[key] { return Self.isAbsolute(given) ? given : base + given }
            return member.flatMap { document?[$0]?.stringValue }
        }
        let oauth1 = spec.protocolKind == .oauth1
        self.init(
            protocolKind: spec.protocolKind,
            baseURL: base,
            issuer: issuer,
            discovery: documentURL,
            authorize: endpoint("authorize", "authorization_endpoint"),
            token: endpoint(oauth1 ? "access_token" : "token", "token_endpoint"),
            resource: endpoint("resource", nil),
            revoke: endpoint("revoke", "revocation_endpoint"),
            introspect: endpoint("introspect", "introspection_endpoint"),
            requestToken: endpoint("request_token", nil),
            userinfo: endpoint("userinfo", "userinfo_endpoint"),
            jwks: endpoint("jwks", "jwks_uri"),
            endSession: endpoint("end_session", "end_session_endpoint"),
            par: endpoint("par", "pushed_authorization_request_endpoint"),
            deviceAuthorization: endpoint("device_authorization", "device_authorization_endpoint"),
            registration: endpoint("registration", "registration_endpoint"),
            allowedHosts: [],
            metadata: document
        )
        allowedHosts = Self.hosts([base, documentURL, authorize, token, requestToken, endSession, jwks, issuer])
            .union(spec.allowedHosts.map { $0.lowercased() })
    }

    /// What a built-in mock serves. Every OAuth 2 mock names itself in `iss` (replayed answers
    /// are recordings of another run, so they are not held to it).
    init(mock running: RunningProvider) {
        let profile = running.profile
        let paths = profile.endpoints
        func url(_ path: String?) -> String? { path.map { running.url($0) } }
        self.init(
            protocolKind: ProtocolKind(profile),
            baseURL: running.baseURL,
            issuer: running.baseURL,
            discovery: nil,
            authorize: url(paths.authorize),
            token: url(paths.token),
            resource: url(paths.resource),
            revoke: url(paths.revoke),
            introspect: url(paths.introspect),
            requestToken: url(paths.requestToken),
            par: url(paths[.par]),
            deviceAuthorization: url(paths[.deviceAuthorization]),
            registration: url(paths[.registration]),
            allowedHosts: Self.hosts([running.baseURL]),
            responseIssuer: profile.protocolKind == .oauth2 ? AuthorizationResponseIssuer(issuer: running.baseURL, required: true) : nil
        )
    }
}
