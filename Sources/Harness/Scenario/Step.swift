import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

/// One step of a scenario: its action (the YAML key and its options, parsed below), the line it
/// was written on, and the error it must fail with, if any. A new kind of step is recipe 1 of
/// docs/extending.md: a `StepKind` case, an `Action` case and its parser here, a row in
/// `StepContext.execute` and its executor.
package struct Step: Sendable {
    package enum Action: Sendable {
        /// Send the user agent to the authorization endpoint and bring the redirect back.
        case authorize(Authorize)
        /// Exchange the last authorization code at the token endpoint.
        case fetchToken(FetchToken)
        /// A request to the provider with the session's Bearer token (path relative to the
        /// provider), sent `concurrent` times at once.
        case request(method: String, path: String, concurrent: Int)
        /// RFC 6749 §6 refresh with the current (or the previous, already rotated) refresh token.
        case refresh(usePrevious: Bool, scope: [String]?)
        /// RFC 7009 revocation of the session's access or refresh token.
        case revoke(token: TokenKind, hint: TokenKind?)
        /// RFC 7662 introspection; the answer becomes the last response (`json.active`).
        case introspect(token: TokenKind, hint: TokenKind?)
        /// RFC 8414 metadata discovery (twice in a row answers from the cache).
        case discover
        /// OAuth 1 (RFC 5849 §2.1): temporary credentials.
        case requestToken
        /// OAuth 1 (RFC 5849 §2.3): token credentials, with the callback's verifier or this one.
        case accessToken(verifier: String?)
        /// OpenID Connect login: discovery, authorization with nonce, code exchange, ID token validation.
        case login(Authorize)
        /// OpenID Connect UserInfo, checked against the ID token's sub.
        case userinfo
        /// OpenID Connect RP-initiated logout: to the end-session endpoint and back, state checked.
        case logout(postLogoutRedirectURI: String?)
        /// Switch the mock provider's evil mode.
        case evil(EvilMode)
        /// Make the mock provider rotate its ID-token signing key.
        case rotateKeys
        /// Arm a transport-level fault on the mock (or clear them all with `none`).
        case fault(Fault?)
        /// Check values of the run so far.
        case expect([Assertion])
        /// Move the shared clock of client and provider forward.
        case advanceClock(TimeInterval)
        /// Forget the browser's cookies (its sessions at the provider): the next login starts afresh.
        case clearCookies
        /// RFC 9449 §7: present the session's DPoP-bound token the wrong way, at `path` (default the
        /// resource); a provider must refuse it.
        case misuseToken(TokenMisuse, path: String?)
        /// RFC 8628 §3.1: ask the device authorization endpoint for a device and a user code.
        case deviceAuthorization(scope: [String]?)
        /// RFC 8628 §3.3: the user, on another device, opens the verification URI (or the complete
        /// one), enters the user code (or the one given), signs in, approves or denies.
        case deviceLogin(DeviceLogin)
        /// RFC 8628 §3.4: poll the token endpoint on the scenario's clock (`polls`: give up after so
        /// many; `wait_first: false`: poll at once, sooner than the interval allows).
        case pollDeviceToken(polls: Int?, waitFirst: Bool)
        /// RFC 8693: exchange a subject token (and an actor token) for a token for another
        /// audience; the issued token becomes the session's.
        case exchangeToken(ExchangeToken)
        /// RFC 7591: register a client with this metadata (and initial access token); with `use`
        /// the scenario's session becomes the registered client's.
        case registerClient(metadata: JSONValue, initialAccessToken: String?, use: Bool)
        /// RFC 7592: read, update (with this metadata) or delete the registered client.
        case clientConfiguration(ClientConfigurationAction)
        /// RFC 9728: call the resource without a token, follow its 401 to its metadata, check the
        /// metadata names this resource and the provider as its authorization server; later
        /// authorize and fetch_token steps ask for a token for it (RFC 8707 `resource`).
        case discoverResource(path: String)
        /// OpenID Connect Back-Channel Logout 1.0: end the login's session at the provider (by
        /// RP-initiated logout, or — a mock — by the provider itself) and receive, validate and
        /// answer the logout token at the client's `backchannel_logout_uri`; the token's claims
        /// become the last response (`json.sid`, `json.matches_login`).
        case backchannelLogout(BackChannelLogout)
    }

    /// `backchannel_logout` options.
    package struct BackChannelLogout: Sendable {
        /// Who ends the session.
        package enum Trigger: String, Sendable, CaseIterable {
            /// The user agent goes through RP-initiated logout (any provider).
            case endSession = "end_session"
            /// A built-in mock ends it itself (`POST /_harness/backchannel-logout`).
            case provider
        }
        package var by: Trigger = .endSession
        package var postLogoutRedirectURI: String?
    }

    /// What `client_configuration` does.
    package enum ClientConfigurationAction: Sendable {
        case read
        case update(JSONValue)
        case delete
    }

    /// `exchange_token` options.
    package struct ExchangeToken: Sendable {
        /// A token of the run, a given one, or one the harness signs.
        package enum Source: Sendable {
            /// The session's access, refresh or ID token.
            case session(TokenTypeIdentifier)
            /// A client_credentials token of the exchanging client (an actor's own token).
            case clientCredentials
            /// A token given in the scenario, with its type.
            case given(String, TokenTypeIdentifier)
            /// A JWT the harness signs with the client's private key (`iss`, `sub`, `aud`): a
            /// token from an issuer the provider trusts.
            case assertion(issuer: String, subject: String, audience: String?)
        }
        package var subject: Source = .session(.accessToken)
        package var actor: Source?
        package var requestedTokenType: TokenTypeIdentifier?
        package var audience: [String] = []
        package var resource: [String] = []
        package var scope: [String]?
        /// Exchange as another client (`client: {client_id, client_secret}`).
        package var clientID: String?
        package var clientSecret: String?
    }

    /// `device_login` options.
    package struct DeviceLogin: Sendable {
        package var consent: Authorize.Consent = .approve
        package var user: String?
        package var form: [String: String] = [:]
        /// Open `verification_uri_complete` (the default when the provider gave one).
        package var complete: Bool?
        /// Type this code instead of the provider's (a wrong or stale one).
        package var userCode: String?
    }

    /// How `misuse_token` presents a DPoP-bound token.
    package enum TokenMisuse: String, Sendable, CaseIterable {
        /// `Authorization: Bearer` (RFC 9449 §7.2: a bound token is not a Bearer token).
        case asBearer = "as_bearer"
        /// `Authorization: DPoP` without a proof.
        case withoutProof = "without_proof"
        /// The same proof twice (§11.1: a `jti` is used once).
        case replayedProof = "replayed_proof"
        /// A proof whose `htu` is another URI (§4.3).
        case proofForAnotherURI = "proof_for_another_uri"
    }

    /// Which of the session's tokens a revoke or introspect step sends (and its type hint).
    package enum TokenKind: String, Sendable, CaseIterable {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
    }

    package struct Authorize: Sendable {
        package enum Consent: String, Sendable, CaseIterable { case approve, deny }
        package var consent: Consent
        package var user: String?
        /// Replace the `state` of the redirect before the client reads it (simulates an
        /// attacker-supplied callback; the client must reject it).
        package var callbackState: String?
        /// `code` unless a scenario checks how the provider treats another response type.
        package var responseType: String = "code"
        /// Values for a login form (a test user's username and password), e.g. at a real provider.
        package var form: [String: String] = [:]
        /// RFC 9126: push the request to the provider's PAR endpoint and send `request_uri`.
        package var par = false
        /// Pushed parameters the URL repeats beside `request_uri` (`par: {repeat: [...]}`).
        package var parRepeated: [String] = []
        /// RFC 9396: the `authorization_details` to request (a JSON array).
        package var authorizationDetails: JSONValue?
        /// Send the browser to the previous authorization URL again (a `request_uri` reused).
        package var again = false
        /// Break the signature of the request object sent by value (RFC 9101 §6.2 must refuse it).
        package var tamperRequestObject = false
        /// Parameters appended to the URL outside the request object (RFC 9101 §6.3 ignores them).
        package var extraQuery: [(String, String)] = []

        /// What the request adds to the session's parameters: the authorization details.
        var extraParameters: [(String, String)] {
            authorizationDetails.map { [(AuthorizationDetails.parameter, $0.jsonText)] } ?? []
        }
    }

    package struct FetchToken: Sendable {
        /// The grant: the four the harness knows how to build (`jwt_bearer` is the scenario's
        /// name for RFC 7523's URN), or any other grant type, sent by name with no parameters.
        package var grant: GrantType = .authorizationCode
        /// RFC 8707 `resource`: the API the token is for (sent with any grant).
        package var resource: String?
        /// Send this `code_verifier` instead of the one created with the authorization URL.
        package var codeVerifier: String?
        /// Send this `redirect_uri` instead of the client's.
        package var redirectURI: String?
        package var username: String?
        package var password: String?
        package var scope: [String]?
        /// JWT bearer: the assertion's `sub` and `aud` (default: the token endpoint), and a key
        /// other than the client's.
        package var subject: String?
        package var audience: String?
        package var assertionKeyPEM: String?
    }

    package var action: Action
    /// The action's key as written (`authorize`, `fetch_token`, `get`, …).
    package var kind: String
    package var line: Int
    /// When set, the step must fail with this error; the scenario goes on after it.
    package var expectError: ErrorExpectation?
}

package struct ErrorExpectation: Sendable {
    /// The error codes any of which will do (`error: [a, b]`); usually one.
    package var codes: [String]
    /// The codes as messages name them ("a or b").
    package var code: String { codes.joined(separator: " or ") }
    package var status: Int?
    package var descriptionContains: String?
}

extension Step {
    /// One step: exactly one action key (from the `StepKind` registry) and an optional `expect_error`.
    init(yaml node: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let map = try node.mapping("a step")
        try map.allowOnly(ScenarioLoader.actions + ["expect_error"], in: "a step")
        let present = map.keys.filter { ScenarioLoader.actions.contains($0) }
        guard present.count == 1, let kind = present.first, let stepKind = StepKind(rawValue: kind) else {
            throw node.error(
                present.isEmpty
                    ? "a step needs one action; expected one of: \(ScenarioLoader.actions.joined(separator: ", "))"
                    : "a step has one action, found \(present.joined(separator: " and "))"
            )
        }
        let action = try Action(stepKind, yaml: map[kind]!, variables: variables)
        var expectError: ErrorExpectation?
        if let errorNode = map["expect_error"] {
            guard action.stepKind.talksToProvider else { throw errorNode.error("expect_error applies to actions that talk to the provider") }
            expectError = try ErrorExpectation(yaml: errorNode)
        }
        self.init(action: action, kind: kind, line: node.line, expectError: expectError)
    }
}

extension Step.Action {
    /// The action of `kind`, read from its option block. The switch is exhaustive: a new
    /// `StepKind` does not compile until it has a parser here.
    init(_ kind: StepKind, yaml body: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let name = kind.rawValue
        /// An action that takes no options (`userinfo:` or `userinfo: {}`).
        func bare(_ action: Step.Action) throws(YAMLLocatedError) -> Step.Action {
            _ = try body.optionalMapping("\(name) options")?.allowOnly([], in: name)
            return action
        }
        switch kind {
        case .authorize: self = .authorize(try Step.Authorize(yaml: body, variables: variables, options: Step.Authorize.authorizeKeys, in: name))
        case .login: self = .login(try Step.Authorize(yaml: body, variables: variables, options: Step.Authorize.loginKeys, in: name))
        case .fetchToken: self = .fetchToken(try Step.FetchToken(yaml: body, variables: variables))
        case .refresh:
            let options = try body.optionalMapping("refresh options")
            try options?.allowOnly(["refresh_token", "scope"], in: "refresh")
            let which = try options?["refresh_token"]?.choice("refresh_token", ["current", "previous"]) ?? "current"
            self = .refresh(usePrevious: which == "previous", scope: try options?["scope"]?.stringList("scope"))
        case .revoke, .introspect:
            let options = try body.optionalMapping("\(name) options")
            try options?.allowOnly(["token", "hint"], in: name)
            let token = try options?["token"]?.choice("token", as: Step.TokenKind.self) ?? (kind == .revoke ? .refreshToken : .accessToken)
            var hint: Step.TokenKind? = token
            if let node = options?["hint"] {
                hint = Step.TokenKind(rawValue: try node.choice("hint", Step.TokenKind.allCases.map(\.rawValue) + ["none"]))
            }
            self = kind == .revoke ? .revoke(token: token, hint: hint) : .introspect(token: token, hint: hint)
        case .userinfo: self = try bare(.userinfo)
        case .rotateKeys: self = try bare(.rotateKeys)
        case .requestToken: self = try bare(.requestToken)
        case .discover: self = try bare(.discover)
        case .clearCookies: self = try bare(.clearCookies)
        case .misuseToken: self = try .misuseToken(yaml: body, variables: variables)
        case .backchannelLogout:
            let options = try body.optionalMapping("backchannel_logout options")
            try options?.allowOnly(["by", "post_logout_redirect_uri"], in: "backchannel_logout")
            var logout = Step.BackChannelLogout()
            logout.by = try options?["by"]?.choice("by", as: Step.BackChannelLogout.Trigger.self) ?? .endSession
            logout.postLogoutRedirectURI = try variables.optionalText(options?["post_logout_redirect_uri"], "post_logout_redirect_uri")
            if logout.by == .provider, logout.postLogoutRedirectURI != nil {
                throw body.error("post_logout_redirect_uri applies to by: end_session only")
            }
            self = .backchannelLogout(logout)
        case .logout:
            let options = try body.optionalMapping("logout options")
            try options?.allowOnly(["post_logout_redirect_uri"], in: "logout")
            self = .logout(postLogoutRedirectURI: try variables.optionalText(options?["post_logout_redirect_uri"], "post_logout_redirect_uri"))
        case .evil: self = .evil(try body.choice("evil mode", as: EvilMode.self))
        case .fault:
            if case .scalar = body.node, try body.string("fault") == "none" {
                self = .fault(nil)
            } else {
                self = .fault(try Fault(yaml: body))
            }
        case .accessToken:
            let options = try body.optionalMapping("access_token options")
            try options?.allowOnly(["verifier"], in: "access_token")
            self = .accessToken(verifier: try options?["verifier"]?.string("verifier"))
        case .get, .post:
            var concurrent = 1
            let pathNode: YAMLNode
            if case .scalar = body.node {
                pathNode = body
            } else {
                let options = try body.mapping("request options")
                try options.allowOnly(["path", "concurrent"], in: name)
                pathNode = try options.required("path", in: name)
                if let node = options["concurrent"] {
                    concurrent = try node.int("how many requests to send at once")
                    guard (1...200).contains(concurrent) else { throw node.error("expected concurrent between 1 and 200") }
                }
            }
            let before = variables.missingCount
            let path = try variables.text(pathNode, "a path such as /api/me")
            guard path.hasPrefix("/") || variables.missingCount > before else {
                throw pathNode.error("expected a path starting with /, found \"\(path)\"")
            }
            self = .request(method: name.uppercased(), path: path, concurrent: concurrent)
        case .expect:
            let checks = try body.mapping("expectations")
            guard !checks.entries.isEmpty else { throw body.error("expected at least one expectation") }
            var assertions: [Assertion] = []
            for entry in checks.entries { assertions.append(try Assertion(key: entry.keyNode, yaml: entry.value)) }
            self = .expect(assertions)
        case .advanceClock: self = .advanceClock(try body.duration("advance_clock"))
        case .deviceAuthorization:
            let options = try body.optionalMapping("device_authorization options")
            try options?.allowOnly(["scope"], in: name)
            self = .deviceAuthorization(scope: try options?["scope"]?.stringList("scope"))
        case .deviceLogin:
            let options = try body.optionalMapping("device_login options")
            try options?.allowOnly(["consent", "user", "form", "complete", "user_code"], in: name)
            self = .deviceLogin(
                Step.DeviceLogin(
                    consent: try options?["consent"]?.choice("consent", as: Step.Authorize.Consent.self) ?? .approve,
                    user: try options?["user"]?.string("user"),
                    form: try variables.form(options?["form"]),
                    complete: try options?["complete"]?.bool("complete"),
                    userCode: try variables.optionalText(options?["user_code"], "user_code")
                )
            )
        case .exchangeToken: self = .exchangeToken(try Step.ExchangeToken(yaml: body, variables: variables))
        case .registerClient:
            let options = try body.mapping("register_client options")
            try options.allowOnly(["metadata", "initial_access_token", "use"], in: name)
            let metadata = try options.required("metadata", in: name).jsonValue()
            guard case .object = metadata else { throw body.error("metadata is a mapping of client metadata (RFC 7591 §2)") }
            self = .registerClient(
                metadata: metadata,
                initialAccessToken: try variables.optionalText(options["initial_access_token"], "initial_access_token"),
                use: try options["use"]?.bool("use") ?? true
            )
        case .discoverResource:
            let options = try body.mapping("discover_resource options")
            try options.allowOnly(["path"], in: name)
            let path = try variables.text(try options.required("path", in: name), "a path such as /mcp")
            self = .discoverResource(path: path)
        case .clientConfiguration:
            if case .scalar = body.node {
                self = .clientConfiguration(try body.choice("client_configuration", ["read", "delete"]) == "read" ? .read : .delete)
            } else {
                let options = try body.mapping("client_configuration options")
                try options.allowOnly(["update"], in: name)
                let metadata = try options.required("update", in: name).jsonValue()
                guard case .object = metadata else { throw body.error("update is a mapping of client metadata (RFC 7592 §2.2)") }
                self = .clientConfiguration(.update(metadata))
            }
        case .pollDeviceToken:
            let options = try body.optionalMapping("poll_device_token options")
            try options?.allowOnly(["polls", "wait_first"], in: name)
            let polls = try options?["polls"].map { (node) throws(YAMLLocatedError) in
                let count = try node.int("how many polls")
                guard (1...1000).contains(count) else { throw node.error("expected polls between 1 and 1000") }
                return count
            }
            self = .pollDeviceToken(polls: polls, waitFirst: try options?["wait_first"]?.bool("wait_first") ?? true)
        }
    }
}

extension Step.Authorize {
    static let authorizeKeys = [
        "consent", "user", "callback_state", "response_type", "form", "par", "authorization_details", "again", "tamper_request_object",
        "extra_query",
    ]
    static let loginKeys = ["consent", "user", "form", "par", "authorization_details"]

    /// `authorize:` and `login:` options (`login` takes no callback_state or response_type).
    init(yaml body: YAMLNode, variables: ScenarioVariables, options keys: [String], in name: String) throws(YAMLLocatedError) {
        let options = try body.optionalMapping("\(name) options")
        try options?.allowOnly(keys, in: name)
        self.init(
            consent: try options?["consent"]?.choice("consent", as: Consent.self) ?? .approve,
            user: try options?["user"]?.string("user"),
            callbackState: try options?["callback_state"]?.string("callback_state"),
            responseType: try options?["response_type"]?.string("response_type") ?? "code",
            form: try variables.form(options?["form"])
        )
        if let node = options?["par"] {
            // `par: true`, or `par: {repeat: [response_type, scope]}` for providers that want them beside request_uri.
            if case .scalar = node.node {
                par = try node.bool("par")
            } else {
                let map = try node.mapping("par options")
                try map.allowOnly(["repeat"], in: "par")
                par = true
                parRepeated = try map["repeat"]?.stringList("repeat") ?? []
            }
        }
        authorizationDetails = try options?["authorization_details"].map { (node) throws(YAMLLocatedError) in
            let details = try node.jsonValue()
            guard case .array(let items) = details, items.allSatisfy({ $0["type"]?.stringValue != nil }) else {
                throw node.error("authorization_details is a list of mappings, each with a type (RFC 9396 §2)")
            }
            return details
        }
        again = try options?["again"]?.bool("again") ?? false
        tamperRequestObject = try options?["tamper_request_object"]?.bool("tamper_request_object") ?? false
        if let node = options?["extra_query"] {
            let map = try node.mapping("extra_query")
            extraQuery = try map.entries.map { (entry) throws(YAMLLocatedError) in (entry.key, try variables.text(entry.value, entry.key)) }
        }
        if again, par || tamperRequestObject || !extraQuery.isEmpty || authorizationDetails != nil {
            throw body.error("again repeats the previous authorization URL as it was; it takes no other request option")
        }
    }
}

extension Step.FetchToken {
    init(yaml body: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let options = try body.optionalMapping("fetch_token options")
        try options?.allowOnly(
            ["grant", "code_verifier", "redirect_uri", "username", "password", "scope", "subject", "audience", "assertion_key", "resource"],
            in: "fetch_token"
        )
        self.init()
        grant =
            try options?["grant"].map { (node) throws(YAMLLocatedError) in GrantType(scenarioName: try node.string("a grant type")) }
            ?? .authorizationCode
        codeVerifier = try options?["code_verifier"]?.string("code_verifier")
        redirectURI = try variables.optionalText(options?["redirect_uri"], "redirect_uri")
        username = try variables.optionalText(options?["username"], "username")
        password = try variables.optionalText(options?["password"], "password")
        scope = try options?["scope"]?.stringList("scope")
        subject = try variables.optionalText(options?["subject"], "subject")
        audience = try variables.optionalText(options?["audience"], "audience")
        assertionKeyPEM = try options?["assertion_key"]?.pem()
        resource = try variables.optionalText(options?["resource"], "resource")
        if grant == .password, username == nil || password == nil {
            throw body.error("the password grant needs username and password")
        }
        if grant == .jwtBearer, subject == nil { throw body.error("the jwt_bearer grant needs a subject") }
    }
}

extension ErrorExpectation {
    /// `expect_error: invalid_grant` or `{error, status, description_contains}`.
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        if case .scalar = node.node {
            self.init(codes: [try node.string("an OAuth error code")])
            return
        }
        let options = try node.mapping("expect_error")
        try options.allowOnly(["error", "status", "description_contains"], in: "expect_error")
        let codeNode = try options.required("error", in: "expect_error")
        // A list: providers that answer the same fault with different codes (both RFC-legal).
        let codes: [String]
        if case .sequence = codeNode.node {
            codes = try codeNode.stringList("OAuth error codes")
            guard !codes.isEmpty else { throw codeNode.error("expected at least one OAuth error code") }
        } else {
            codes = [try codeNode.string("an OAuth error code")]
        }
        self.init(
            codes: codes,
            status: try options["status"]?.int("an HTTP status"),
            descriptionContains: try options["description_contains"]?.string("description_contains")
        )
    }
}

extension GrantType {
    /// A scenario's grant name: `jwt_bearer` stands for RFC 7523's URN and `device_code` for
    /// RFC 8628's (either may also be written out); any other name is the `grant_type` sent.
    init(scenarioName name: String) {
        switch name {
        case "jwt_bearer": self = .jwtBearer
        case "device_code": self = .deviceCode
        default: self = GrantType(rawValue: name)
        }
    }
}

extension Step.Action {
    /// `misuse_token: replayed_proof` or `misuse_token: {how, path}`.
    static func misuseToken(yaml body: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) -> Step.Action {
        if case .scalar = body.node { return .misuseToken(try body.choice("misuse_token", as: Step.TokenMisuse.self), path: nil) }
        let options = try body.mapping("misuse_token options")
        try options.allowOnly(["how", "path"], in: "misuse_token")
        return .misuseToken(
            try options.required("how", in: "misuse_token").choice("how", as: Step.TokenMisuse.self),
            path: try variables.optionalText(options["path"], "path")
        )
    }
}

extension Step.ExchangeToken {
    /// The short names a scenario may give for RFC 8693 token types (or the URN itself).
    static func tokenType(_ node: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) -> TokenTypeIdentifier {
        let name = try variables.text(node, "a token type")
        let short: [String: TokenTypeIdentifier] = [
            "access_token": .accessToken, "refresh_token": .refreshToken, "id_token": .idToken, "jwt": .jwt, "saml1": .saml1, "saml2": .saml2,
        ]
        if let known = short[name] { return known }
        guard name.hasPrefix("urn:") else {
            throw node.error("expected a token type: \(short.keys.sorted().joined(separator: ", ")), or its URN")
        }
        return TokenTypeIdentifier(rawValue: name)
    }

    /// `subject_token:` or `actor_token:`: a session token's name, `client_credentials` (actor
    /// only), `{token, type}` or `{assertion: {issuer, subject, audience}}`.
    static func source(_ node: YAMLNode, actor: Bool, variables: ScenarioVariables) throws(YAMLLocatedError) -> Source {
        if case .scalar = node.node {
            let names = ["access_token", "refresh_token", "id_token"] + (actor ? ["client_credentials"] : [])
            let name = try node.choice(actor ? "actor_token" : "subject_token", names)
            if name == "client_credentials" { return .clientCredentials }
            return .session(name == "access_token" ? .accessToken : name == "refresh_token" ? .refreshToken : .idToken)
        }
        let map = try node.mapping("a token")
        try map.allowOnly(["token", "type", "assertion"], in: "a token")
        if let assertion = map["assertion"] {
            let claims = try assertion.mapping("assertion")
            try claims.allowOnly(["issuer", "subject", "audience"], in: "assertion")
            return .assertion(
                issuer: try variables.text(try claims.required("issuer", in: "assertion"), "issuer"),
                subject: try variables.text(try claims.required("subject", in: "assertion"), "subject"),
                audience: try variables.optionalText(claims["audience"], "audience")
            )
        }
        return .given(
            try variables.text(try map.required("token", in: "a token"), "token"),
            try tokenType(try map.required("type", in: "a token"), variables: variables)
        )
    }

    init(yaml body: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let options = try body.optionalMapping("exchange_token options")
        try options?.allowOnly(
            ["subject_token", "actor_token", "requested_token_type", "audience", "resource", "scope", "client"],
            in: "exchange_token"
        )
        self.init()
        if let node = options?["subject_token"] { subject = try Self.source(node, actor: false, variables: variables) }
        actor = try options?["actor_token"].map { (node) throws(YAMLLocatedError) in try Self.source(node, actor: true, variables: variables) }
        requestedTokenType = try options?["requested_token_type"].map { (node) throws(YAMLLocatedError) in
            try Self.tokenType(node, variables: variables)
        }
        func list(_ key: String) throws(YAMLLocatedError) -> [String] {
            guard let node = options?[key] else { return [] }
            if case .scalar = node.node { return [try variables.text(node, key)] }
            return try node.sequence(key).map { (item) throws(YAMLLocatedError) in try variables.text(item, key) }
        }
        audience = try list("audience")
        resource = try list("resource")
        scope = try options?["scope"]?.stringList("scope")
        if let node = options?["client"] {
            let map = try node.mapping("client")
            try map.allowOnly(["client_id", "client_secret"], in: "exchange_token client")
            clientID = try variables.text(try map.required("client_id", in: "exchange_token client"), "client_id")
            clientSecret = try variables.optionalText(map["client_secret"], "client_secret")
        }
    }
}
