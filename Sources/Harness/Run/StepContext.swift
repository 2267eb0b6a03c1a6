import Foundation
import MockProviders
import OAuth1
import OAuth2
import OAuthCore
import OpenIDConnect
import Synchronization

/// The calls of a session's token-update callback, as a scenario observes them.
final class UpdateLog: Sendable {
    private let entries = Mutex<[(token: OAuth2Token, previousRefreshToken: String?)]>([])

    func append(_ token: OAuth2Token, _ previous: String?) { entries.withLock { $0.append((token, previous)) } }
    var count: Int { entries.withLock { $0.count } }
    var last: (token: OAuth2Token, previousRefreshToken: String?)? { entries.withLock { $0.last } }
}

/// What the steps of one scenario share, whatever the protocol, and the protocol's own state:
/// ``OAuth1State`` or ``OAuth2State`` (with ``OpenIDState`` on top). Each protocol's steps are
/// in a file of their own (OAuth1Steps, OAuth2Steps, OpenIDSteps); this file dispatches and holds
/// the steps every protocol has (`expect`, `advance_clock`, `fault`, `clear_cookies`).
struct StepContext {
    let provider: any ProviderUnderTest
    let recorder: RecordingTransport
    let clock: ManualClock
    let metadataCache: MetadataCache
    /// The scenario's browser: its cookies last from the first step to the last.
    var agent: UserAgent
    /// The test user who signs in at the provider's login pages.
    let user: TestUser?
    var lastResponse: TransportResponse?
    var lastError: OAuthError?
    /// Set for an OAuth 1 provider.
    var oauth1: OAuth1State?
    /// Set for an OAuth 2 provider.
    var oauth2: OAuth2State?
    /// The client's back-channel logout endpoint, when it names one.
    var backchannel: BackChannelReceiver?

    init(
        oauth1: OAuth1State?,
        oauth2: OAuth2State?,
        provider: any ProviderUnderTest,
        recorder: RecordingTransport,
        clock: ManualClock,
        metadataCache: MetadataCache,
        user: TestUser?
    ) {
        self.oauth1 = oauth1
        self.oauth2 = oauth2
        self.provider = provider
        self.recorder = recorder
        self.clock = clock
        self.metadataCache = metadataCache
        self.user = user
        self.agent = UserAgent(transport: recorder, allowedHosts: provider.endpoints.allowedHosts)
    }

    func endpoint(_ url: String?, _ name: String, step: String) throws(OAuthError) -> String {
        guard let url, !url.isEmpty else {
            throw .client(OAuthErrorCode.invalidConfiguration, "the provider \(provider.name) has no \(name) endpoint", step: step)
        }
        return url
    }

    /// What the user does at the provider's pages in an `authorize` or `login` step.
    func intent(_ options: Step.Authorize) -> UserAgent.Intent {
        UserAgent.Intent(
            decision: options.consent == .approve ? .approve : .deny,
            user: options.user,
            username: user?.username,
            password: user?.password,
            fill: options.form
        )
    }

    /// Runs one step: the one switch over every action, routing each to its executor (in
    /// OAuth1Steps, OAuth2Steps, OpenIDSteps, or below for the steps every protocol has). The
    /// loader has already refused a step of the other protocol; the session accessors say so
    /// again for a scenario built by hand.
    mutating func execute(_ step: Step) async throws {
        let kind = step.kind
        switch step.action {
        case .authorize(let options):
            if let session = oauth1?.session {
                try await oauth1Authorize(options, session: session, step: kind)
            } else {
                try await authorize(options, session: try oauth2Session(kind), step: kind)
            }
        case .request(let method, let path, let concurrent):
            if let session = oauth1?.session {
                try await oauth1Request(method, path, concurrent: concurrent, session: session, step: kind)
            } else {
                try await oauth2Request(method, path, concurrent: concurrent, session: try oauth2Session(kind), step: kind)
            }
        case .requestToken: try await requestToken(session: try oauth1Session(kind), step: kind)
        case .accessToken(let verifier): try await accessToken(verifier, session: try oauth1Session(kind), step: kind)
        case .fetchToken(let options): try await fetchToken(options, session: try oauth2Session(kind), step: kind)
        case .refresh(let usePrevious, let scope):
            try await refresh(usePrevious: usePrevious, scope: scope, session: try oauth2Session(kind), step: kind)
        case .revoke(let which, let hint): try await revoke(which, hint: hint, session: try oauth2Session(kind), step: kind)
        case .introspect(let which, let hint): try await introspect(which, hint: hint, session: try oauth2Session(kind), step: kind)
        case .discover:
            _ = try oauth2Session(kind)
            try await discoverStep()
        case .login(let options): try await login(options, session: try oauth2Session(kind), step: kind)
        case .userinfo: try await userinfo(session: try oauth2Session(kind), step: kind)
        case .logout(let given): try await logout(given, session: try oauth2Session(kind), step: kind)
        case .backchannelLogout(let options): try await backchannelLogout(options, session: try oauth2Session(kind), step: kind)
        case .evil(let mode): try evil(mode, step: kind)
        case .rotateKeys: try rotateKeys(step: kind)
        case .expect(let assertions):
            let failures = assertions.compactMap(check)
            if !failures.isEmpty { throw AssertionFailure(message: failures.joined(separator: "; ")) }
        case .advanceClock(let seconds):
            clock.advance(by: seconds)
            recorder.transcript.note("clock advanced by \(Int(seconds)) s")
        case .fault(let fault):
            guard let mock = provider.mock else {
                throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "faults need a built-in mock provider", step: kind)
            }
            mock.arm(fault)
            if let fault { recorder.transcript.note("fault armed: \(fault.kind.rawValue) on \(fault.path ?? "every path")") }
        case .clearCookies:
            agent.cookies = CookieJar()
            recorder.transcript.note("the browser's cookies were cleared")
        case .misuseToken(let misuse, let path): try await misuseToken(misuse, path: path, session: try oauth2Session(kind), step: kind)
        case .deviceAuthorization(let scope): try await deviceAuthorization(scope: scope, session: try oauth2Session(kind), step: kind)
        case .deviceLogin(let options): try await deviceLogin(options, step: kind)
        case .exchangeToken(let options): try await exchangeToken(options, session: try oauth2Session(kind), step: kind)
        case .registerClient(let metadata, let token, let use):
            _ = try oauth2Session(kind)
            try await registerClient(metadata, initialAccessToken: token, use: use, step: kind)
        case .discoverResource(let path): try await discoverResource(path, session: try oauth2Session(kind), step: kind)
        case .clientConfiguration(let action):
            _ = try oauth2Session(kind)
            try await clientConfiguration(action, step: kind)
        case .pollDeviceToken(let polls, let waitFirst):
            try await pollDeviceToken(polls: polls, waitFirst: waitFirst, session: try oauth2Session(kind), step: kind)
        }
    }

    /// The OAuth 1 session, or an error naming the step for an OAuth 2 provider.
    func oauth1Session(_ kind: String) throws(OAuthError) -> OAuth1Session {
        guard let session = oauth1?.session else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(kind) is an OAuth 1 step", step: kind)
        }
        return session
    }

    /// The OAuth 2 session, or an error naming the step for an OAuth 1 provider.
    func oauth2Session(_ kind: String) throws(OAuthError) -> OAuth2Session {
        guard let session = oauth2?.session else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(kind) needs an OAuth 2 provider", step: kind)
        }
        return session
    }

    /// Sends `count` requests at once; the last response (or the first failing one) becomes the
    /// last response, and a non-2xx answer is an error.
    mutating func sendAll(_ count: Int, step: String, _ send: @escaping @Sendable () async throws -> TransportResponse) async throws {
        let responses = try await withThrowingTaskGroup(of: TransportResponse.self) { group in
            for _ in 0..<count { group.addTask { try await send() } }
            var all: [TransportResponse] = []
            for try await response in group { all.append(response) }
            return all
        }
        let response = responses.first { !(200..<300).contains($0.status) } ?? responses[responses.count - 1]
        lastResponse = response
        if !(200..<300).contains(response.status) {
            throw Self.resourceError(response, step: step)
        }
    }

    /// A protected-resource failure as an OAuth error: the `error` of `WWW-Authenticate`
    /// (RFC 6750 §3) or of a JSON body, else `http_<status>`.
    static func resourceError(_ response: TransportResponse, step: String) -> OAuthError {
        if let challenge = response.headers["WWW-Authenticate"], let match = challenge.firstMatch(of: #/error="([^"]*)"/#) {
            let description = challenge.firstMatch(of: #/error_description="([^"]*)"/#).map { String($0.1) }
            return OAuthError(
                code: OAuthErrorCode(String(match.1)),
                description: description,
                httpStatus: response.status,
                step: step,
                origin: .provider
            )
        }
        if let error = OAuthError.provider(body: response.body, httpStatus: response.status, step: step) { return error }
        return OAuthError(code: .http(response.status), httpStatus: response.status, step: step, origin: .provider)
    }

    static func replacingQueryParameter(_ name: String, with value: String, in url: String) -> String {
        var reference = URLReference(url)
        guard var items = try? reference.queryItems() else { return url }
        items.set(name, value)
        reference.query = items.queryEncoded
        return reference.description
    }

    /// The value an assertion subject names, as text; `nil` when absent.
    func value(of subject: Assertion.Subject) -> String? {
        func text(_ json: JSONValue?) -> String? {
            switch json {
            case nil, .null?: nil
            case .number(let number)?: number.text
            case let other?: other.description
            }
        }
        func at(_ members: [String: JSONValue]?, _ path: String) -> String? {
            text(members.map { JSONValue.object($0) }?.value(atPath: Substring(path)))
        }
        switch subject {
        case .token(let path):
            return oauth1 != nil ? at(oauth1?.token?.members, path) : at(oauth2?.session.token?.members, path)
        case .updateCallback("count"): return String(oauth2?.updates.count ?? 0)
        case .updateCallback("previous_refresh_token"): return oauth2?.updates.last?.previousRefreshToken
        case .updateCallback(let member): return at(oauth2?.updates.last?.token.members, member)
        case .providerTokenRequests(let grant):
            return provider.mock.map { String($0.tokenRequests(grantType: GrantType(scenarioName: grant).rawValue)) }
        case .idToken(let path): return at(oauth2?.openID.login?.idToken.claims, path)
        case .accessToken(let path): return at(Self.jwtPart(oauth2?.session.token?.accessToken, 1), path)
        case .accessTokenHeader(let path): return at(Self.jwtPart(oauth2?.session.token?.accessToken, 0), path)
        case .userinfo(let path): return at(oauth2?.openID.userInfo?.claims, path)
        case .jwksFetches: return oauth2?.openID.client.map { String($0.jwks.fetchCount) } ?? "0"
        case .logout("state"): return oauth2?.openID.logoutState?.state
        case .logout("post_logout_redirect_uri"): return oauth2?.openID.logoutState?.postLogoutRedirectURI
        case .logout: return nil
        case .metadata(let path): return at(oauth2?.metadata?.document, path)
        case .authorizationURL(let name): return oauth2?.authorizationRequest.flatMap { (try? URLReference($0.url).queryItems())?[name] }
        case .status: return lastResponse.map { String($0.status) }
        case .body: return lastResponse?.bodyText
        case .header(let name): return lastResponse?.headers[name]
        case .json(let path): return lastResponse.flatMap { text((try? JSONValue.parse($0.body))?.value(atPath: Substring(path))) }
        }
    }

    /// The JSON object of a compact JWS's header (0) or payload (1); `nil` for a token that is not one.
    static func jwtPart(_ token: String?, _ index: Int) -> [String: JSONValue]? {
        guard let parts = token?.split(separator: ".", omittingEmptySubsequences: false), parts.count == 3,
            let bytes = Base64URL.decode(String(parts[index]))
        else { return nil }
        return (try? JSONValue.parse(bytes))?.objectValue
    }

    /// `nil` when the assertion holds, else what was expected and found.
    func check(_ assertion: Assertion) -> String? {
        let actual = value(of: assertion.subject)
        let holds: Bool
        switch assertion.matcher {
        case .present: holds = actual != nil
        case .absent: holds = actual == nil
        case .equals(let expected): holds = actual == expected
        case .contains(let fragment): holds = actual?.contains(fragment) ?? false
        case .matches(let pattern): holds = (try? Regex(pattern)).map { actual?.contains($0) ?? false } ?? false
        }
        if holds { return nil }
        // Redacted before it is cut, so a cut secret never shows its first part.
        let found =
            actual.map { recorder.transcript.redactor.redact($0) }.map { "\"\($0.count > 200 ? String($0.prefix(200)) + "…" : $0)\"" } ?? "nothing"
        return "\(assertion.subject) (line \(assertion.line)): expected \(assertion.matcher), found \(found)"
    }
}
