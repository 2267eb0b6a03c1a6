import Foundation
import OAuthCore

/// A mock provider's behaviour, read from `MockProviders/<name>.yaml`.
///
/// A profile lists the registered clients, the users who can consent, the scopes it knows,
/// its endpoint paths and lifetimes. See `MockProviders/README.md` for the format.
public struct ProviderProfile: Sendable, Equatable {
    /// What the provider speaks.
    public enum ProtocolKind: String, Sendable, CaseIterable {
        /// OAuth 1.0a (RFC 5849), and OAuth 2.0 (RFC 6749) — with OpenID Connect when the profile has
        /// `oidc`.
        case oauth1, oauth2
        /// Recorded exchanges served back in order (`oauth-harness record`).
        case replay
    }

    /// Token-endpoint client authentication (RFC 6749 §2.3, RFC 7523 §2.2, OIDC Core §9).
    /// The mock's own vocabulary: it shares no types with the client library it grades.
    public enum AuthMethod: String, Sendable, CaseIterable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
        case none
        case clientSecretJWT = "client_secret_jwt"
        case privateKeyJWT = "private_key_jwt"

        /// Methods that need the client's secret.
        public var needsSecret: Bool { [.clientSecretBasic, .clientSecretPost, .clientSecretJWT].contains(self) }
    }

    /// Grant types of the token endpoint (RFC 6749 §4, RFC 7523 §2.1).
    public enum GrantType: String, Sendable, CaseIterable {
        case authorizationCode = "authorization_code"
        case refreshToken = "refresh_token"
        case clientCredentials = "client_credentials"
        case password
        case jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
        /// RFC 8628 §3.4: polling with a device code; offered with a `device_authorization` endpoint.
        case deviceCode = "urn:ietf:params:oauth:grant-type:device_code"
        /// RFC 8693 §2.1: token exchange; offered with `token_exchange:` settings.
        case tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

        /// The grants a profile that names none accepts: all but the device grant, which comes
        /// with a `device_authorization` endpoint, and token exchange, which comes with its settings.
        /// - Parameters:
        ///   - endpoints: the profile's endpoints.
        ///   - tokenExchange: whether the profile has `token_exchange:` settings.
        public static func defaults(for endpoints: Endpoints, tokenExchange: Bool = false) -> [GrantType] {
            allCases.filter { grant in
                switch grant {
                case .deviceCode: endpoints[.deviceAuthorization] != nil
                case .tokenExchange: tokenExchange
                default: true
                }
            }
        }
    }

    /// RFC 7636 §4.2 code challenge methods.
    public enum PKCEMethod: String, Sendable, CaseIterable {
        case s256 = "S256"
        case plain
    }

    /// JWS algorithms the mock signs ID tokens with (RFC 7518 §3.1).
    public enum SigningAlgorithm: String, Sendable, CaseIterable {
        case rs256 = "RS256"
        case es256 = "ES256"
    }

    /// RFC 5849 §3.4 signature methods.
    public enum OAuth1SignatureMethod: String, Sendable, CaseIterable {
        case hmacSHA1 = "HMAC-SHA1"
        case hmacSHA256 = "HMAC-SHA256"
        case rsaSHA1 = "RSA-SHA1"
        case plaintext = "PLAINTEXT"
    }

    /// RFC 5849 §3.5 parameter transmission.
    public enum OAuth1Placement: String, Sendable, CaseIterable {
        case header, body, query
    }

    /// Every endpoint a mock serves from a profile's `endpoints:`: the one list the loader, the
    /// encoder, the format's keys (and so the JSON Schema) and the metadata documents follow. A
    /// new endpoint is a case here (its key, who has it, the metadata member that advertises it),
    /// its route in the engine's `handle` and its handler (docs/extending.md, recipe 6).
    public enum Endpoint: String, Sendable, CaseIterable {
        /// OAuth 1: the temporary-credentials endpoint (RFC 5849 §2.1).
        case requestToken = "request_token"
        /// The authorization endpoint (RFC 6749 §3.1; for OAuth 1 the resource owner
        /// authorization endpoint, RFC 5849 §2.2).
        case authorize
        /// The token endpoint (RFC 6749 §3.2; for OAuth 1 the token-credentials endpoint, RFC 5849
        /// §2.3, written `access_token`).
        case token
        /// A protected resource that answers the user's claims for a valid token; for OpenID
        /// profiles also the UserInfo endpoint.
        case resource
        /// RFC 7009 token revocation.
        case revoke
        /// RFC 7662 token introspection.
        case introspect
        /// The JWKS (`jwks_uri`); OAuth 2 mocks serve one at `defaultJWKSPath` when it is not given.
        case jwks
        /// OpenID Connect RP-initiated logout (`end_session_endpoint`).
        case endSession = "end_session"
        /// RFC 9126 pushed authorization requests (`pushed_authorization_request_endpoint`).
        case par
        /// RFC 8628 §3.1 device authorization (`device_authorization_endpoint`).
        case deviceAuthorization = "device_authorization"
        /// RFC 8628 §3.3 the page where the user enters the user code (`verification_uri`).
        case deviceVerification = "device_verification"
        /// RFC 7591 dynamic client registration (`registration_endpoint`); each registered
        /// client's configuration endpoint (RFC 7592) is this path + `/` + its `client_id`.
        case registration

        /// Its key in `endpoints:` for a profile speaking `protocolKind`.
        /// - Parameter protocolKind: the profile's protocol.
        public func key(_ protocolKind: ProtocolKind) -> String {
            self == .token && protocolKind == .oauth1 ? "access_token" : rawValue
        }

        /// Whether a profile speaking `protocolKind` has it (replay profiles record any).
        /// - Parameter protocolKind: the profile's protocol.
        public func applies(to protocolKind: ProtocolKind) -> Bool {
            switch self {
            case .requestToken: protocolKind == .oauth1
            case .par, .deviceAuthorization, .deviceVerification, .registration: protocolKind != .oauth1
            default: true
            }
        }

        /// Whether a profile speaking `protocolKind` must give it.
        /// - Parameter protocolKind: the profile's protocol.
        public func isRequired(_ protocolKind: ProtocolKind) -> Bool {
            switch self {
            case .authorize, .token, .resource: protocolKind != .replay
            case .requestToken: protocolKind == .oauth1
            case .revoke, .introspect, .jwks, .endSession, .par, .deviceAuthorization, .deviceVerification, .registration: false
            }
        }

        /// The RFC 8414 metadata member that advertises it, when the mock's metadata does (the JWKS
        /// is advertised with its default path, see `MockProvider.metadata`).
        public var metadataMember: String? {
            switch self {
            case .authorize: "authorization_endpoint"
            case .token: "token_endpoint"
            case .revoke: "revocation_endpoint"
            case .introspect: "introspection_endpoint"
            case .par: "pushed_authorization_request_endpoint"
            case .deviceAuthorization: "device_authorization_endpoint"
            case .registration: "registration_endpoint"
            case .requestToken, .resource, .jwks, .endSession, .deviceVerification: nil
            }
        }

        /// The OpenID Connect Discovery member that advertises it on top of the RFC 8414 ones.
        public var openIDMember: String? {
            switch self {
            case .resource: "userinfo_endpoint"
            case .jwks: "jwks_uri"
            case .endSession: "end_session_endpoint"
            case .requestToken, .authorize, .token, .revoke, .introspect, .par, .deviceAuthorization, .deviceVerification, .registration: nil
            }
        }
    }

    /// The endpoints' paths (`endpoints:`), each starting with `/`, relative to wherever the mock is
    /// served, by ``Endpoint``.
    public struct Endpoints: Sendable, Equatable {
        /// The paths given.
        public var paths: [Endpoint: String]

        /// The paths of the endpoints given.
        /// - Parameter paths: a path per endpoint.
        public init(paths: [Endpoint: String]) { self.paths = paths }

        /// The path of `endpoint`, `nil` when the profile does not serve it.
        public subscript(_ endpoint: Endpoint) -> String? {
            get { paths[endpoint] }
            set { paths[endpoint] = newValue }
        }

        /// The authorization endpoint's path.
        public var authorize: String { paths[.authorize] ?? "" }
        /// The token endpoint's path (OAuth 1: token credentials).
        public var token: String { paths[.token] ?? "" }
        /// The protected resource's path.
        public var resource: String { paths[.resource] ?? "" }
        /// RFC 7009 token revocation, when offered.
        public var revoke: String? { paths[.revoke] }
        /// RFC 7662 token introspection, when offered.
        public var introspect: String? { paths[.introspect] }
        /// OAuth 1: the temporary-credentials endpoint.
        public var requestToken: String? { paths[.requestToken] }
        /// The JWKS, when given.
        public var jwks: String? { paths[.jwks] }
        /// OpenID Connect RP-initiated logout, when offered.
        public var endSession: String? { paths[.endSession] }
    }

    /// OpenID Connect behaviour: the keys that sign ID tokens.
    public struct OIDCSettings: Sendable, Equatable {
        /// A private key the mock signs JWTs with; its public half is published in the JWKS while
        /// the key is active.
        public struct SigningKey: Sendable, Equatable {
            /// The key ID, in the JWKS and in the header of the JWTs it signs.
            public var kid: String
            /// The algorithm it signs with.
            public var alg: SigningAlgorithm
            /// The private key in PEM (`private_key:` inline, or the path of a `.pem` file).
            public var privateKeyPEM: String
            /// A standby key is neither published in the JWKS nor used until a key rotation
            /// promotes it (`standby`).
            public var standby: Bool
        }
        /// The keys, the active and the standby ones.
        public var signingKeys: [SigningKey]
        /// The algorithm of the key that signs ID tokens.
        public var idTokenAlg: SigningAlgorithm
        /// How long an ID token is valid, in seconds (`id_token_lifetime`, default one hour).
        public var idTokenLifetime: TimeInterval
    }

    /// What the access tokens look like (`access_tokens:`): opaque random strings (the default)
    /// or RFC 9068 JWTs signed with the profile's keys and published in its JWKS.
    public struct AccessTokenSettings: Sendable, Equatable {
        /// The form of the access tokens.
        public enum Format: String, Sendable, CaseIterable {
            /// `opaque`: random strings the mock remembers; `jwt`: RFC 9068 JWTs (`typ: at+jwt`).
            case opaque, jwt
        }
        /// Opaque strings or JWTs.
        public var format: Format = .opaque
        /// The JWT's `aud` when the token request names no `resource` (RFC 8707); the issuer when `nil`.
        public var audience: String?
        /// The algorithm of the signing key; by default the ID tokens' one, else the first key's.
        public var alg: SigningAlgorithm?
        /// Keys of their own; without them the `oidc` keys sign, and a profile with neither gets
        /// a fresh ES256 key when the mock starts.
        public var signingKeys: [OIDCSettings.SigningKey] = []

        /// Access-token settings; by default opaque tokens.
        ///
        /// - Parameters:
        ///   - format: opaque strings or JWTs.
        ///   - audience: the JWTs' default `aud`; `nil` for the issuer.
        ///   - alg: the algorithm of the signing key; `nil` for the default.
        ///   - signingKeys: keys for the access tokens only.
        public init(format: Format = .opaque, audience: String? = nil, alg: SigningAlgorithm? = nil, signingKeys: [OIDCSettings.SigningKey] = []) {
            self.format = format
            self.audience = audience
            self.alg = alg
            self.signingKeys = signingKeys
        }
    }

    /// Pushed authorization requests (`par:`, RFC 9126), served when `endpoints.par` is given.
    public struct PARSettings: Sendable, Equatable {
        /// Every authorization request must be pushed (`required`,
        /// `require_pushed_authorization_requests`, §5); default false.
        public var required = false
        /// Seconds a `request_uri` stays usable (`request_uri_lifetime`, default 60, §2.2).
        public var requestURILifetime: TimeInterval = 60

        /// PAR settings; by default optional, with 60-second request URIs.
        ///
        /// - Parameters:
        ///   - required: whether every authorization request must be pushed.
        ///   - requestURILifetime: seconds a `request_uri` stays usable.
        public init(required: Bool = false, requestURILifetime: TimeInterval = 60) {
            self.required = required
            self.requestURILifetime = requestURILifetime
        }
    }

    /// The device authorization grant (`device:`, RFC 8628), served with the `device_authorization`
    /// and `device_verification` endpoints.
    public struct DeviceSettings: Sendable, Equatable {
        /// Seconds a client must wait between polls (`interval`, default 5, §3.2); a poll sooner
        /// is answered `slow_down` and adds 5 seconds for that device code (§3.5).
        public var interval: Int = 5
        /// Seconds the device and user codes are valid (`lifetime`, default 600).
        public var lifetime: TimeInterval = 600
        /// The response carries `verification_uri_complete` (`verification_uri_complete`, default true, §3.3.1).
        public var verificationURIComplete = true

        /// Device settings; by default a 5-second interval, 10-minute codes and a complete URI.
        ///
        /// - Parameters:
        ///   - interval: seconds between polls.
        ///   - lifetime: seconds the codes are valid.
        ///   - verificationURIComplete: whether the response gives `verification_uri_complete`.
        public init(interval: Int = 5, lifetime: TimeInterval = 600, verificationURIComplete: Bool = true) {
            self.interval = interval
            self.lifetime = lifetime
            self.verificationURIComplete = verificationURIComplete
        }
    }

    /// The resource's own metadata (`protected_resource:`, RFC 9728): published at
    /// `/.well-known/oauth-protected-resource` + the resource's path and named in its `401`
    /// challenges; its tokens must be for it (RFC 8707: the resource's URL in their audience).
    public struct ProtectedResourceSettings: Sendable, Equatable {
        /// `scopes_supported` of the metadata (default: the profile's scopes).
        public var scopes: [String]?
        /// `resource_name`.
        public var name: String?

        /// Protected-resource settings.
        ///
        /// - Parameters:
        ///   - scopes: the scopes the metadata lists; `nil` for the profile's.
        ///   - name: the resource's human-readable name.
        public init(scopes: [String]? = nil, name: String? = nil) {
            self.scopes = scopes
            self.name = name
        }
    }

    /// Dynamic client registration (`registration:`, RFC 7591 and 7592), served with the
    /// `registration` endpoint.
    public struct RegistrationSettings: Sendable, Equatable {
        /// The Bearer token a registration must carry (`initial_access_token`, RFC 7591 §3);
        /// `nil`: open registration.
        public var initialAccessToken: String?
        /// The `token_endpoint_auth_method` values a client may register (default
        /// `client_secret_basic`, `client_secret_post` and `none`).
        public var authMethods: [AuthMethod] = [.clientSecretBasic, .clientSecretPost, .none]

        /// Registration settings.
        ///
        /// - Parameters:
        ///   - initialAccessToken: the token registrations must carry, if any.
        ///   - authMethods: the authentication methods a client may register.
        public init(initialAccessToken: String? = nil, authMethods: [AuthMethod] = [.clientSecretBasic, .clientSecretPost, .none]) {
            self.initialAccessToken = initialAccessToken
            self.authMethods = authMethods
        }
    }

    /// Token exchange (`token_exchange:`, RFC 8693): what subject tokens are taken, whether an actor
    /// may act for the subject (delegation), which audiences may be asked for, and which other
    /// issuers' JWTs are trusted as subject tokens.
    public struct TokenExchangeSettings: Sendable, Equatable {
        /// Token types by their short names, `urn:ietf:params:oauth:token-type:` + the name.
        public enum TokenType: String, Sendable, CaseIterable {
            case accessToken = "access_token"
            case refreshToken = "refresh_token"
            case jwt
            /// An ID token this provider issued (OpenID profiles), naming the exchanging client in
            /// its `aud`.
            case idToken = "id_token"
            /// The URN.
            public var urn: String { "urn:ietf:params:oauth:token-type:" + rawValue }
        }
        /// An issuer whose JWTs are subject tokens (`iss`, signed by `public_key`, `aud` naming
        /// this provider).
        public struct TrustedIssuer: Sendable, Equatable {
            /// The `iss` of its JWTs.
            public var issuer: String
            /// The PEM public key (ES256 or RS256) that verifies them.
            public var publicKeyPEM: String
        }
        /// `actor_token` is accepted and the issued token names the actor in `act` (`delegation`,
        /// default true); false refuses actor tokens (impersonation only).
        public var delegation = true
        /// The `audience` and `resource` values that may be asked for; empty: any.
        public var audiences: [String] = []
        /// The subject token types taken (default all four: this provider's access and refresh
        /// tokens, JWTs — its JWT access tokens or a trusted issuer's — and its ID tokens).
        public var subjectTokenTypes: [TokenType] = TokenType.allCases
        /// Other issuers whose JWTs are taken as subject tokens.
        public var trustedIssuers: [TrustedIssuer] = []

        /// Token exchange settings.
        ///
        /// - Parameters:
        ///   - delegation: whether actor tokens are accepted.
        ///   - audiences: the audiences that may be asked for (empty: any).
        ///   - subjectTokenTypes: the subject token types taken.
        ///   - trustedIssuers: other issuers whose JWTs are taken.
        public init(
            delegation: Bool = true,
            audiences: [String] = [],
            subjectTokenTypes: [TokenType] = TokenType.allCases,
            trustedIssuers: [TrustedIssuer] = []
        ) {
            self.delegation = delegation
            self.audiences = audiences
            self.subjectTokenTypes = subjectTokenTypes
            self.trustedIssuers = trustedIssuers
        }
    }

    /// JWS algorithms the mock verifies in what clients sign: request objects and DPoP proofs.
    public enum ClientSigningAlgorithm: String, Sendable, CaseIterable {
        case es256 = "ES256"
        case es384 = "ES384"
        case es512 = "ES512"
        case rs256 = "RS256"
        case ps256 = "PS256"
        case edDSA = "EdDSA"
        /// With the client secret: request objects only, never DPoP proofs.
        case hs256 = "HS256"
    }

    /// Signed authorization requests (`request_objects:`, RFC 9101): accepted by value and
    /// through PAR, verified with the client's `public_key` (or its secret for HS256).
    public struct RequestObjectSettings: Sendable, Equatable {
        /// Every authorization request must be a signed request object (`required`,
        /// `require_signed_request_object`, §10.5); default false.
        public var required = false
        /// The algorithms accepted (`algorithms`; default ES256 and RS256).
        public var algorithms: [ClientSigningAlgorithm] = [.es256, .rs256]
        /// Unsigned request objects (`alg: none`, OpenID Connect Core §6.1) are accepted too, from
        /// clients that did not register a signing algorithm (`unsigned`; default false).
        public var unsigned = false

        /// Request-object settings; by default optional, ES256 and RS256.
        ///
        /// - Parameters:
        ///   - required: whether authorization requests must be signed.
        ///   - algorithms: the algorithms accepted.
        ///   - unsigned: whether `alg: none` is accepted too.
        public init(required: Bool = false, algorithms: [ClientSigningAlgorithm] = [.es256, .rs256], unsigned: Bool = false) {
            self.required = required
            self.algorithms = algorithms
            self.unsigned = unsigned
        }
    }

    /// Sender-constrained tokens (`dpop:`, RFC 9449). Without the section DPoP headers are
    /// ignored and tokens are Bearer, as at a provider that does not know DPoP.
    public struct DPoPSettings: Sendable, Equatable {
        /// Token requests without a proof are refused (`required`); default false: a request with a
        /// proof gets a bound token, one without a Bearer token.
        public var required = false
        /// Proofs must carry the server's nonce (`nonce`, §8, §9); default false.
        public var nonce = false
        /// The proof algorithms accepted (`algorithms`, `dpop_signing_alg_values_supported`;
        /// default every asymmetric one).
        public var algorithms: [ClientSigningAlgorithm] = ClientSigningAlgorithm.allCases.filter { $0 != .hs256 }
        /// How far a proof's `iat` may be from the server's clock, in seconds (`iat_window`, default 60).
        public var iatWindow: TimeInterval = 60

        /// DPoP settings; by default optional, without nonces, every asymmetric algorithm, 60 s.
        ///
        /// - Parameters:
        ///   - required: whether token requests must carry a proof.
        ///   - nonce: whether proofs must carry the server's nonce.
        ///   - algorithms: the proof algorithms accepted.
        ///   - iatWindow: the accepted distance of `iat` from the clock.
        public init(
            required: Bool = false,
            nonce: Bool = false,
            algorithms: [ClientSigningAlgorithm] = ClientSigningAlgorithm.allCases.filter { $0 != .hs256 },
            iatWindow: TimeInterval = 60
        ) {
            self.required = required
            self.nonce = nonce
            self.algorithms = algorithms
            self.iatWindow = iatWindow
        }
    }

    /// Where an OAuth 2 mock serves its JWKS when the profile names no `jwks` endpoint.
    public static let defaultJWKSPath = "/.well-known/jwks.json"

    /// One recorded HTTP exchange of a replay profile.
    public struct RecordedExchange: Sendable, Equatable {
        /// The HTTP method of the recorded request.
        public var method: String
        /// The path of the recorded request, without the query.
        public var path: String
        /// The recorded request's query and form parameters: their values in the response are
        /// replaced by the values of the request being answered (state, redirect_uri, …).
        public var parameters: [(String, String)]
        /// The recorded response's HTTP status.
        public var status: Int
        /// The recorded response's headers, in order.
        public var headers: [(String, String)]
        /// The recorded response's body.
        public var body: String

        package init(method: String, path: String, parameters: [(String, String)], status: Int, headers: [(String, String)], body: String) {
            (self.method, self.path, self.parameters, self.status, self.headers, self.body) = (method, path, parameters, status, headers, body)
        }

        /// Whether two exchanges are the same, field by field (parameters and headers in order).
        ///
        /// - Parameters:
        ///   - lhs: an exchange.
        ///   - rhs: another exchange.
        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.method == rhs.method && lhs.path == rhs.path && lhs.status == rhs.status && lhs.body == rhs.body
                && lhs.parameters.elementsEqual(rhs.parameters, by: ==) && lhs.headers.elementsEqual(rhs.headers, by: ==)
        }
    }

    /// OAuth 1 behaviour (RFC 5849).
    public struct OAuth1Settings: Sendable, Equatable {
        /// The signature methods accepted (`signature_methods`; by default all).
        public var signatureMethods: [OAuth1SignatureMethod]
        /// Where the protocol parameters may be sent (`signature_types`; by default anywhere).
        public var signatureTypes: [OAuth1Placement]
        /// Accepted distance between `oauth_timestamp` and the provider clock.
        public var timestampWindow: TimeInterval
    }

    /// A registered client (`clients:`).
    public struct Client: Sendable, Equatable {
        /// The `client_id` (for OAuth 1, the client identifier, `oauth_consumer_key`).
        public var clientID: String
        /// The client secret (for OAuth 1, the client shared-secret); `nil` for a public client.
        public var clientSecret: String?
        /// The registered redirection URIs (absolute); for OAuth 1, the callbacks.
        public var redirectURIs: [String]
        /// Token-endpoint authentication methods this client may use.
        public var authMethods: [AuthMethod]
        /// PKCE is mandatory for this client (`require_pkce`; by default for a client with neither a
        /// secret nor a public key).
        public var requirePKCE: Bool
        /// PEM public key for `private_key_jwt` and JWT bearer assertions (RFC 7523).
        public var publicKeyPEM: String?
        /// OpenID Connect RP-initiated logout targets.
        public var postLogoutRedirectURIs: [String] = []
        /// OpenID Connect Back-Channel Logout 1.0 §2.2: where the provider POSTs logout tokens
        /// when the user's session ends (`backchannel_logout_uri`).
        public var backchannelLogoutURI: String? = nil
        /// OpenID Connect Registration 1.0 §2 `id_token_signed_response_alg` of a dynamically
        /// registered client: `none` gets unsigned ID tokens (code flow only, Core §3.1.3.7);
        /// `nil`, the profile's algorithm.
        public var idTokenSignedResponseAlg: String? = nil
        /// Registration §2 `jwks`: the client's public keys, given inline (for `private_key_jwt`
        /// and signed request objects; a `kid` picks one).
        public var jwks: [JSONValue] = []
        /// Registration §2 `jwks_uri`: where the client's keys are fetched (again whenever an
        /// assertion names a `kid` the last copy lacks).
        public var jwksURI: String? = nil
        /// Registration §2 `request_uris`: the request objects the client hosts (Core §6.2).
        public var requestURIs: [String] = []
        /// Core §8.1: the sector of a `pairwise` client (the host of its `sector_identifier_uri`,
        /// else of its redirect URIs); `nil` for public subject identifiers.
        public var sector: String? = nil
        /// Registration §2 `userinfo_signed_response_alg`: UserInfo answered as a signed JWT.
        public var userinfoSignedResponseAlg: String? = nil
        /// Registration §2 `request_object_signing_alg`: the one algorithm its request objects use.
        public var requestObjectSigningAlg: String? = nil
        /// OpenID Connect Front-Channel Logout 1.0 §2: the URI the provider's logout page loads in an
        /// iframe (with `iss` and `sid`) when the user's session with this client ends.
        public var frontchannelLogoutURI: String? = nil
        /// Registration §2 `logo_uri`, `policy_uri`, `tos_uri`, `client_uri`: shown to the user.
        public var displayURIs: [String: String] = [:]

        /// Whether the client can authenticate (a secret or a key of its own).
        public var isConfidential: Bool { clientSecret != nil || publicKeyPEM != nil || !jwks.isEmpty || jwksURI != nil }
    }

    /// A user who can sign in and consent (`users:`).
    public struct User: Sendable, Equatable {
        /// The subject identifier (`sub`), also the username of the login pages.
        public var sub: String
        /// For the resource owner password credentials grant.
        public var password: String?
        /// The user's claims as the profile gives them (`sub`, `name`, `email`, …), for ID tokens and
        /// UserInfo, each of the JSON type it is written as: a plain `true`, `42` or list in the YAML
        /// is a boolean, number or array, anything quoted or other text a string.
        public var claims: [String: JSONValue]

        /// A claim that is a string (`name`, `email`).
        ///
        /// - Parameter name: the claim's name.
        public func text(_ name: String) -> String? { claims[name]?.stringValue }
    }

    /// What the authorization endpoint requires of PKCE (`pkce:`; RFC 7636).
    public struct PKCEPolicy: Sendable, Equatable {
        /// Every authorization request must carry a code challenge (`pkce.required`, default false);
        /// ``Client/requirePKCE`` requires it per client.
        public var required: Bool
        /// The `code_challenge_method` values accepted, advertised in the metadata (default both).
        public var methods: [PKCEMethod]
    }

    /// Code, access-token and refresh-token lifetimes.
    public struct Lifetimes: Sendable, Equatable {
        /// How long an authorization code is valid, in seconds.
        public var code: TimeInterval = 60
        /// How long an access token is valid, in seconds.
        public var accessToken: TimeInterval = 3600
        /// How long a refresh token is valid, in seconds; `nil` for no limit.
        public var refreshToken: TimeInterval?
    }

    /// The profile's name (`name:`), by which it is chosen: `standard-oauth2`, `github-style`, ….
    public var name: String
    /// The real behaviour this profile reproduces, with a reference.
    public var models: String
    /// What the provider speaks (`protocol:`).
    public var protocolKind: ProtocolKind
    /// The endpoints' paths.
    public var endpoints: Endpoints
    /// The registered clients; at least one, except for a replay profile.
    public var clients: [Client]
    /// The users; at least one, except for a replay profile.
    public var users: [User]
    /// The scopes the provider knows (`scopes_supported`); empty accepts any scope.
    public var scopes: [String]
    /// The scope granted when a request names none (`default_scope`).
    public var defaultScope: [String]
    /// How long an authorization code is valid, in seconds (`lifetimes.code`, default 60).
    public var codeLifetime: TimeInterval
    /// How long an access token is valid, in seconds (`lifetimes.access_token`, default 3600).
    public var accessTokenLifetime: TimeInterval
    /// How long a refresh token is valid, in seconds (`lifetimes.refresh_token`); `nil` for no limit.
    public var refreshTokenLifetime: TimeInterval?
    /// Whether the authorization-code and password grants issue a refresh token (`refresh_tokens`,
    /// default true); the client-credentials and JWT bearer grants never do.
    public var issueRefreshToken: Bool
    /// A refresh makes a new refresh token and retires the old one (RFC 9700 §4.14.2).
    public var refreshTokenRotation: Bool
    /// Grant types the token endpoint accepts.
    public var grantTypes: [GrantType]
    /// What the authorization endpoint requires of PKCE.
    public var pkce: PKCEPolicy
    /// The OAuth 1 settings; `nil` unless the protocol is `oauth1`.
    public var oauth1: OAuth1Settings?
    /// The OpenID Connect settings (`oidc:`); `nil` for a plain OAuth 2 provider.
    public var oidc: OIDCSettings?
    /// Opaque or RFC 9068 JWT access tokens (`access_tokens:`).
    public var accessTokens = AccessTokenSettings()
    /// Pushed authorization requests (`par:`); meaningful with `endpoints.par`.
    public var par = PARSettings()
    /// The resource's RFC 9728 metadata and RFC 8707 audience check (`protected_resource:`);
    /// `nil`: neither.
    public var protectedResource: ProtectedResourceSettings?
    /// Dynamic client registration (`registration:`); meaningful with `endpoints.registration`.
    public var registration = RegistrationSettings()
    /// Token exchange (`token_exchange:`, RFC 8693); `nil`: the grant is not offered.
    public var tokenExchange: TokenExchangeSettings?
    /// The device authorization grant (`device:`); meaningful with `endpoints.device_authorization`.
    public var device = DeviceSettings()
    /// Signed request objects (`request_objects:`); `nil`: refused with `request_not_supported`.
    public var requestObjects: RequestObjectSettings?
    /// The RFC 9396 `authorization_details` types accepted (`authorization_details_types`); empty:
    /// the parameter is ignored, as at a provider without RAR.
    public var authorizationDetailsTypes: [String] = []
    /// DPoP (`dpop:`); `nil`: proofs are ignored and tokens are Bearer.
    public var dpop: DPoPSettings?
    /// The JWKS path: the `jwks` endpoint, else `defaultJWKSPath` (OAuth 2 mocks always publish
    /// the keys that sign their JWTs).
    public var jwksPath: String { endpoints.jwks ?? Self.defaultJWKSPath }
    /// The authorization page asks for a username and password (a user's `sub` and `password`)
    /// instead of offering a list of users.
    public var loginForm = false
    /// `protocol: replay`: recorded exchanges served back in order (see `oauth-harness record`).
    public var replay: [RecordedExchange] = []
    /// Transport faults armed whenever the provider starts (`faults:`), e.g. a provider that
    /// always answers its token endpoint slowly; scenarios can arm more with `fault` steps.
    public var faults: [Fault] = []
    /// The deviations from the RFCs the provider reproduces (`quirks:`).
    public var quirks: Set<Quirk>
    /// The file it was read from.
    public var file: String
    /// Login pages in front of the authorization endpoint (`login:`), with a session cookie.
    public var login: LoginPages?
    /// `GET` on the authorization endpoint redirects straight back with a code for the default
    /// user (or the one `login_hint` names): a provider whose test user is always signed in
    /// and has consented. `POST /_harness/next-decision` with `decision=deny` denies the next one.
    public var autoApprove = false

    /// How a provider's login looks to a browser: one page (username and password) or two
    /// (identifier first), a CSRF token bound to the session cookie, a consent page after it.
    public struct LoginPages: Sendable, Equatable {
        /// How the login asks for the credentials.
        public enum Pages: String, Sendable, CaseIterable {
            /// Username and password on one page.
            case single
            /// The username first, then the password on a second page.
            case identifierFirst = "identifier_first"
        }
        /// One login page or two.
        public var pages: Pages = .single
        /// The login and consent forms carry a CSRF token bound to the session cookie, and a post
        /// without it is refused.
        public var csrf = true
        /// A consent page follows the login; without it the code is issued at once.
        public var consent = true

        /// Login pages; by default one page, with CSRF protection and consent.
        ///
        /// - Parameters:
        ///   - pages: one login page or two.
        ///   - csrf: whether the forms carry a CSRF token.
        ///   - consent: whether a consent page follows the login.
        public init(pages: Pages = .single, csrf: Bool = true, consent: Bool = true) {
            self.pages = pages
            self.csrf = csrf
            self.consent = consent
        }
    }

    /// The registered client with this `client_id`, or `nil`.
    ///
    /// - Parameter id: the `client_id`.
    public func client(id: String) -> Client? { clients.first { $0.clientID == id } }

    /// The user with this `sub`, or `nil`.
    ///
    /// - Parameter sub: the subject identifier.
    public func user(sub: String) -> User? { users.first { $0.sub == sub } }
}
