import Foundation
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

/// One scenario file: which provider, which client, and the steps to drive through it.
/// The format is documented in `Scenarios/README.md`.
public struct Scenario: Sendable {
    package var name: String
    package var description: String?
    /// The file it was read from.
    package var file: String
    /// The JUnit `classname`: the scenario's folder (e.g. `oauth2`).
    package var folder: String
    package var provider: String
    package var client: ClientSpec
    package var steps: [Step]
    /// `${VAR}` references without a value and without a default: the scenario is skipped.
    package var missingVariables: [String]
    /// Relying-party scenarios (`conformance:` in the file): the evil mode exercised and the verdict the client must reach.
    package var relyingParty: RelyingPartyExpectation?
    /// Set when the scenario targets an external provider by URL instead of a built-in profile.
    package var external: ProviderSpec?
    /// The test user who signs in at the provider's login pages (`user:`, or
    /// `OAUTH_HARNESS_USERNAME`/`OAUTH_HARNESS_PASSWORD` in the environment).
    package var user: TestUser?
}

/// A test user's credentials for a provider's login form.
package struct TestUser: Sendable {
    package var username: String?
    package var password: String?

    package init(username: String?, password: String?) {
        self.username = username
        self.password = password
    }
}

/// What a relying-party scenario demonstrates (`conformance: {mode, expected}`): an evil mode of
/// the mock and the verdict the client must reach; a row of `reports/conformance.md`. Judging
/// *providers* is the other side, `Sources/Harness/Conformance/`.
public struct RelyingPartyExpectation: Sendable {
    /// What the client must do with the misbehaving provider's answer.
    public enum Verdict: String, Sendable, CaseIterable {
        /// Go on: the answer is within the rules.
        case accept
        /// Refuse it, naming why.
        case reject
    }
    package var mode: EvilMode
    package var module: String
    package var expected: Verdict
}

package struct ClientSpec: Sendable {
    package var clientID: String
    package var clientSecret: String?
    package var authMethod: ClientAuthMethod
    package var redirectURI: String?
    package var scope: [String]
    package var pkce: PKCE.Method?
    /// PEM private key for `private_key_jwt` and the JWT bearer grant.
    package var privateKeyPEM: String?
    package var tokenPlacement: TokenPlacement = .header
    /// Renew tokens expiring within `leeway` before each request.
    package var autoRefresh: Bool = false
    package var leeway: TimeInterval = 60
    /// Deadline of every HTTP exchange of this client (head and body).
    package var timeout: Duration?
    /// A token issued beforehand (e.g. from CI secrets) for refresh and API steps.
    package var preissuedToken: (accessToken: String, refreshToken: String?)?
    /// Named client-side compliance fixes switched on for this scenario.
    package var complianceFixes: [String] = []
    package var oauth1 = OAuth1Options()
    /// OpenID Connect relying-party options; `nil` for plain OAuth 2 clients.
    package var openID: OpenIDOptions?

    package struct OpenIDOptions: Sendable {
        package var allowHS256 = false
        package var algorithms: [JWSAlgorithm]?
        package var leeway: TimeInterval = 60
    }

    /// OAuth 1 signing options (RFC 5849).
    package struct OAuth1Options: Sendable {
        package var signatureMethod: SignatureMethod = .hmacSHA1
        package var signatureType: SignatureType = .header
        package var realm: String?
        /// Every request uses this nonce (to provoke the provider's replay check).
        package var fixedNonce: String?
        /// The client's clock is off by this much (to provoke the timestamp check).
        package var timestampOffset: TimeInterval = 0
    }
}

/// One check in an `expect` step: a subject (`token.access_token`, `status`, `json.sub`,
/// `header.WWW-Authenticate`, `authorization_url.code_challenge_method`) and a matcher.
package struct Assertion: Sendable {
    package enum Matcher: Sendable, CustomStringConvertible {
        case present
        case absent
        case equals(String)
        case contains(String)
        case matches(String)

        package var description: String {
            switch self {
            case .present: "present"
            case .absent: "absent"
            case .equals(let value): "equal to \"\(value)\""
            case .contains(let value): "containing \"\(value)\""
            case .matches(let pattern): "matching /\(pattern)/"
            }
        }
    }

    /// What an `expect` key names, parsed when the scenario loads (`token.access_token` →
    /// `.token("access_token")`). One table, `Subject.kinds`, says which keys exist.
    package enum Subject: Sendable, Equatable, CustomStringConvertible {
        case token(String)
        case status
        case body
        case header(String)
        case json(String)
        case authorizationURL(String)
        case updateCallback(String)
        /// A built-in mock's counter: token requests of a grant type.
        case providerTokenRequests(String)
        case metadata(String)
        case idToken(String)
        /// A claim of a JWT access token (RFC 9068), read without verifying it; absent for an opaque one.
        case accessToken(String)
        /// A member of a JWT access token's header (`typ`, `alg`, `kid`).
        case accessTokenHeader(String)
        case userinfo(String)
        case jwksFetches
        case logout(String)

        /// Every subject: its prefix (or whole key) and how to build it from the rest.
        static let kinds: [(key: String, takesPath: Bool, make: @Sendable (String) -> Subject)] = [
            ("token.", true, { .token($0) }), ("status", false, { _ in .status }), ("body", false, { _ in .body }),
            ("header.", true, { .header($0) }),
            ("json.", true, { .json($0) }), ("authorization_url.", true, { .authorizationURL($0) }),
            ("update_callback.", true, { .updateCallback($0) }),
            ("provider.token_requests.", true, { .providerTokenRequests($0) }), ("metadata.", true, { .metadata($0) }),
            ("id_token.", true, { .idToken($0) }), ("access_token.", true, { .accessToken($0) }),
            ("access_token_header.", true, { .accessTokenHeader($0) }),
            ("userinfo.", true, { .userinfo($0) }), ("jwks.fetches", false, { _ in .jwksFetches }), ("logout.", true, { .logout($0) }),
        ]

        /// The subject a key names, or `nil` for an unknown key.
        package init?(key: String) {
            for kind in Self.kinds {
                if kind.takesPath, key.hasPrefix(kind.key), key.count > kind.key.count {
                    self = kind.make(String(key.dropFirst(kind.key.count)))
                    return
                }
                if !kind.takesPath, key == kind.key {
                    self = kind.make("")
                    return
                }
            }
            return nil
        }

        /// Reads a built-in mock's state (refused for providers given by URL).
        package var needsMock: Bool {
            if case .providerTokenRequests = self { return true }
            return false
        }

        package var description: String {
            switch self {
            case .token(let path): "token.\(path)"
            case .status: "status"
            case .body: "body"
            case .header(let name): "header.\(name)"
            case .json(let path): "json.\(path)"
            case .authorizationURL(let name): "authorization_url.\(name)"
            case .updateCallback(let member): "update_callback.\(member)"
            case .providerTokenRequests(let grant): "provider.token_requests.\(grant)"
            case .metadata(let path): "metadata.\(path)"
            case .idToken(let path): "id_token.\(path)"
            case .accessToken(let path): "access_token.\(path)"
            case .accessTokenHeader(let path): "access_token_header.\(path)"
            case .userinfo(let path): "userinfo.\(path)"
            case .jwksFetches: "jwks.fetches"
            case .logout(let member): "logout.\(member)"
            }
        }
    }

    package var subject: Subject
    package var matcher: Matcher
    package var line: Int
}
