import Foundation
import OAuthCore

/// A mock provider's behaviour, read from `MockProviders/<name>.yaml`.
///
/// A profile lists the registered clients, the users who can consent, the scopes it knows,
/// its endpoint paths and lifetimes. See `MockProviders/README.md` for the format.
public struct ProviderProfile: Sendable, Equatable {
    /// What the provider speaks.
    public enum ProtocolKind: String, Sendable, CaseIterable {
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

    public struct Endpoints: Sendable, Equatable {
        public var authorize: String
        public var token: String
        /// A protected resource that answers the user's claims for a valid Bearer token.
        public var resource: String
        /// RFC 7009 token revocation, when offered.
        public var revoke: String?
        /// RFC 7662 token introspection, when offered.
        public var introspect: String?
        /// OAuth 1: the temporary-credentials endpoint (`token` is then the token-credentials one).
        public var requestToken: String?
        /// OpenID Connect: the JWKS (`jwks_uri`) and RP-initiated logout (`end_session_endpoint`).
        /// The UserInfo endpoint is `resource`.
        public var jwks: String?
        public var endSession: String?
    }

    /// OpenID Connect behaviour: the keys that sign ID tokens.
    public struct OIDCSettings: Sendable, Equatable {
        public struct SigningKey: Sendable, Equatable {
            public var kid: String
            public var alg: SigningAlgorithm
            public var privateKeyPEM: String
            /// Served in the JWKS and used only after a key rotation.
            public var standby: Bool
        }
        public var signingKeys: [SigningKey]
        /// The algorithm of the key that signs ID tokens.
        public var idTokenAlg: SigningAlgorithm
        public var idTokenLifetime: TimeInterval
    }

    /// What the access tokens look like (`access_tokens:`): opaque random strings (the default)
    /// or RFC 9068 JWTs signed with the profile's keys and published in its JWKS.
    public struct AccessTokenSettings: Sendable, Equatable {
        public enum Format: String, Sendable, CaseIterable {
            case opaque, jwt
        }
        public var format: Format = .opaque
        /// The JWT's `aud` when the token request names no `resource` (RFC 8707); the issuer when `nil`.
        public var audience: String?
        /// The algorithm of the signing key; by default the ID tokens' one, else the first key's.
        public var alg: SigningAlgorithm?
        /// Keys of their own; without them the `oidc` keys sign, and a profile with neither gets
        /// a fresh ES256 key when the mock starts.
        public var signingKeys: [OIDCSettings.SigningKey] = []

        public init(format: Format = .opaque, audience: String? = nil, alg: SigningAlgorithm? = nil, signingKeys: [OIDCSettings.SigningKey] = []) {
            self.format = format
            self.audience = audience
            self.alg = alg
            self.signingKeys = signingKeys
        }
    }

    /// Where an OAuth 2 mock serves its JWKS when the profile names no `jwks` endpoint.
    public static let defaultJWKSPath = "/.well-known/jwks.json"

    /// One recorded HTTP exchange of a replay profile.
    public struct RecordedExchange: Sendable, Equatable {
        public var method: String
        public var path: String
        /// The recorded request's query and form parameters: their values in the response are
        /// replaced by the values of the request being answered (state, redirect_uri, …).
        public var parameters: [(String, String)]
        public var status: Int
        public var headers: [(String, String)]
        public var body: String

        package init(method: String, path: String, parameters: [(String, String)], status: Int, headers: [(String, String)], body: String) {
            (self.method, self.path, self.parameters, self.status, self.headers, self.body) = (method, path, parameters, status, headers, body)
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.method == rhs.method && lhs.path == rhs.path && lhs.status == rhs.status && lhs.body == rhs.body
                && lhs.parameters.elementsEqual(rhs.parameters, by: ==) && lhs.headers.elementsEqual(rhs.headers, by: ==)
        }
    }

    /// OAuth 1 behaviour (RFC 5849).
    public struct OAuth1Settings: Sendable, Equatable {
        public var signatureMethods: [OAuth1SignatureMethod]
        public var signatureTypes: [OAuth1Placement]
        /// Accepted distance between `oauth_timestamp` and the provider clock.
        public var timestampWindow: TimeInterval
    }

    public struct Client: Sendable, Equatable {
        public var clientID: String
        public var clientSecret: String?
        public var redirectURIs: [String]
        /// Token-endpoint authentication methods this client may use.
        public var authMethods: [AuthMethod]
        /// PKCE is mandatory for this client (always true for public clients).
        public var requirePKCE: Bool
        /// PEM public key for `private_key_jwt` and JWT bearer assertions (RFC 7523).
        public var publicKeyPEM: String?
        /// OpenID Connect RP-initiated logout targets.
        public var postLogoutRedirectURIs: [String] = []
    }

    public struct User: Sendable, Equatable {
        public var sub: String
        /// For the resource owner password credentials grant.
        public var password: String?
        public var claims: [String: String]
    }

    public struct PKCEPolicy: Sendable, Equatable {
        public var required: Bool
        public var methods: [PKCEMethod]
    }

    /// Code, access-token and refresh-token lifetimes.
    public struct Lifetimes: Sendable, Equatable {
        public var code: TimeInterval = 60
        public var accessToken: TimeInterval = 3600
        public var refreshToken: TimeInterval?
    }

    public var name: String
    /// The real behaviour this profile reproduces, with a reference.
    public var models: String
    public var protocolKind: ProtocolKind
    public var endpoints: Endpoints
    public var clients: [Client]
    public var users: [User]
    public var scopes: [String]
    public var defaultScope: [String]
    public var codeLifetime: TimeInterval
    public var accessTokenLifetime: TimeInterval
    public var refreshTokenLifetime: TimeInterval?
    public var issueRefreshToken: Bool
    /// A refresh makes a new refresh token and retires the old one (RFC 9700 §4.14.2).
    public var refreshTokenRotation: Bool
    /// Grant types the token endpoint accepts.
    public var grantTypes: [GrantType]
    public var pkce: PKCEPolicy
    public var oauth1: OAuth1Settings?
    public var oidc: OIDCSettings?
    /// Opaque or RFC 9068 JWT access tokens (`access_tokens:`).
    public var accessTokens = AccessTokenSettings()
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
        public enum Pages: String, Sendable, CaseIterable {
            case single
            case identifierFirst = "identifier_first"
        }
        public var pages: Pages = .single
        public var csrf = true
        public var consent = true

        public init(pages: Pages = .single, csrf: Bool = true, consent: Bool = true) {
            self.pages = pages
            self.csrf = csrf
            self.consent = consent
        }
    }

    public func client(id: String) -> Client? { clients.first { $0.clientID == id } }

    public func user(sub: String) -> User? { users.first { $0.sub == sub } }
}
