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

/// What the steps of one scenario share.
struct StepContext {
    let oauth2: OAuth2Session?
    let oauth1: OAuth1Session?
    var oauth1Token: OAuth1Token?
    let provider: any ProviderUnderTest
    let recorder: RecordingTransport
    let clock: ManualClock
    let updates: UpdateLog
    let clientKeyPEM: String?
    let metadataCache: MetadataCache
    /// The scenario's browser: its cookies last from the first step to the last.
    var agent: UserAgent
    /// The test user who signs in at the provider's login pages.
    let user: TestUser?
    var authorizationRequest: AuthorizationRequest?
    var code: String?
    var lastResponse: TransportResponse?
    var lastError: OAuthError?
    var metadata: AuthorizationServerMetadata?
    let openIDOptions: ClientSpec.OpenIDOptions?
    var openID: OpenIDConnectClient?
    var openIDLogin: OIDCLogin?
    var userInfo: UserInfo?
    var logoutState: LogoutState?

    init(
        oauth2: OAuth2Session?,
        oauth1: OAuth1Session?,
        provider: any ProviderUnderTest,
        recorder: RecordingTransport,
        clock: ManualClock,
        updates: UpdateLog,
        clientKeyPEM: String?,
        openIDOptions: ClientSpec.OpenIDOptions?,
        metadataCache: MetadataCache,
        user: TestUser?
    ) {
        self.clientKeyPEM = clientKeyPEM
        self.openIDOptions = openIDOptions
        self.oauth2 = oauth2
        self.oauth1 = oauth1
        self.provider = provider
        self.recorder = recorder
        self.clock = clock
        self.updates = updates
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

    func tokenValue(_ which: Step.TokenKind, step: String) throws(OAuthError) -> String {
        let value = which == .accessToken ? oauth2?.token?.accessToken : oauth2?.token?.refreshToken
        guard let value else { throw .client(.missingToken, "the session has no \(which.rawValue)", step: step) }
        return value
    }

    mutating func execute(_ step: Step) async throws {
        if let oauth1 {
            try await executeOAuth1(step, session: oauth1)
            return
        }
        guard let session = oauth2 else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(step.kind) needs an OAuth 2 provider", step: step.kind)
        }
        if try await executeOpenID(step, session: session) { return }
        let endpoints = provider.endpoints
        switch step.action {
        case .authorize(let options):
            code = nil
            let request = try session.createAuthorizationURL(
                try endpoint(endpoints.authorize, "authorization", step: step.kind),
                responseType: options.responseType
            )
            authorizationRequest = request
            var callback = try await agent.navigate(from: request.url, to: request.redirectURI ?? "", intent: intent(options), step: step.kind)
            if let forged = options.callbackState {
                callback = Self.replacingQueryParameter("state", with: forged, in: callback)
                recorder.transcript.note("callback state replaced with a forged value before the client reads it")
            }
            code = try parseAuthorizationResponse(callback, expectedState: request.state, issuer: endpoints.responseIssuer)
        case .fetchToken(let options):
            try await fetchToken(options, session: session, step: step.kind)
        case .refresh(let usePrevious, let scope):
            var refreshToken: String?
            if usePrevious {
                guard let previous = updates.last?.previousRefreshToken else {
                    throw OAuthError.client(.missingRefreshToken, "no earlier refresh replaced a refresh token", step: step.kind)
                }
                refreshToken = previous
            }
            try await session.refreshToken(try endpoint(endpoints.token, "token", step: step.kind), refreshToken: refreshToken, scope: scope)
        case .revoke(let which, let hint):
            try await session.revokeToken(
                try endpoint(endpoints.revoke, "revocation", step: step.kind),
                token: try tokenValue(which, step: step.kind),
                tokenTypeHint: hint?.rawValue
            )
        case .introspect(let which, let hint):
            let answer = try await session.introspectToken(
                try endpoint(endpoints.introspect, "introspection", step: step.kind),
                token: try tokenValue(which, step: step.kind),
                tokenTypeHint: hint?.rawValue
            )
            lastResponse = TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: answer.jsonBytes)
        case .discover:
            metadata = try await discover()
        case .request(let method, let path, let concurrent):
            let url = endpoints.url(path)
            let kind = step.kind
            try await sendAll(concurrent, step: kind) { try await session.request(method, url, step: kind) }
        case .expect, .advanceClock, .fault, .clearCookies:
            try await executeShared(step)
        case .requestToken, .accessToken:
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(step.kind) is an OAuth 1 step", step: step.kind)
        case .login, .userinfo, .logout, .evil, .rotateKeys:
            break  // handled by executeOpenID
        }
    }

    /// `fetch_token`: the grant the step names, at the provider's token endpoint.
    mutating func fetchToken(_ options: Step.FetchToken, session: OAuth2Session, step kind: String) async throws {
        let tokenURL = try endpoint(provider.endpoints.token, "token", step: kind)
        let extra = options.resource.map { [("resource", $0)] } ?? []
        switch options.grant {
        case .authorizationCode:
            guard let code, let request = authorizationRequest else {
                throw OAuthError.client(
                    OAuthErrorCode.missingCode,
                    "no authorization code to exchange: no earlier authorize step yielded one",
                    step: kind
                )
            }
            try await session.fetchToken(
                tokenURL,
                code: code,
                codeVerifier: options.codeVerifier ?? request.codeVerifier,
                redirectURI: options.redirectURI ?? request.redirectURI,
                extraParameters: extra
            )
        case .clientCredentials:
            try await session.fetchToken(tokenURL, grant: .clientCredentials, scope: options.scope, extraParameters: extra)
        case .password:
            try await session.fetchToken(
                tokenURL,
                grant: .password(username: options.username ?? "", password: options.password ?? ""),
                scope: options.scope,
                extraParameters: extra
            )
        case .jwtBearer:
            guard let pem = options.assertionKeyPEM ?? clientKeyPEM else {
                throw OAuthError.client(
                    OAuthErrorCode.invalidConfiguration,
                    "jwt_bearer needs a private_key in the client or an assertion_key",
                    step: kind
                )
            }
            recorder.transcript.redactor.register(pem)
            let claims = AssertionClaims(
                issuer: session.clientID,
                subject: options.subject ?? "",
                audience: [options.audience ?? tokenURL],
                issuedAt: clock.now(),
                lifetime: 300
            )
            let assertion = try await AssertionSigner.privateKey(pem: pem).sign(claims)
            try await session.fetchToken(tokenURL, grant: .jwtBearer(assertion: assertion), scope: options.scope, extraParameters: extra)
        default:
            try await session.fetchToken(
                tokenURL,
                grant: .custom(grantType: options.grant, parameters: []),
                scope: options.scope,
                extraParameters: extra
            )
        }
    }

    /// The provider's metadata: the document its entry names, else RFC 8414 metadata of its
    /// issuer, else its OpenID Connect Discovery document; the transcript says which.
    func discover() async throws(OAuthError) -> AuthorizationServerMetadata {
        if let url = provider.endpoints.discovery {
            let found = try await metadataCache.metadata(url: url, expectedIssuer: Discovery.expectedIssuer(forMetadataURL: url))
            recorder.transcript.note("discover: the provider's named document at \(url)")
            return found
        }
        let found = try await Discovery.metadata(forIssuer: provider.endpoints.issuer ?? provider.endpoints.baseURL, cache: metadataCache)
        recorder.transcript.note("discover: \(found.source)")
        return found.metadata
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

    /// Steps every protocol shares.
    mutating func executeShared(_ step: Step) async throws {
        switch step.action {
        case .expect(let assertions):
            let failures = assertions.compactMap(check)
            if !failures.isEmpty { throw AssertionFailure(message: failures.joined(separator: "; ")) }
        case .advanceClock(let seconds):
            clock.advance(by: seconds)
            recorder.transcript.note("clock advanced by \(Int(seconds)) s")
        case .fault(let fault):
            guard let mock = provider.mock else {
                throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "faults need a built-in mock provider", step: step.kind)
            }
            mock.arm(fault)
            if let fault { recorder.transcript.note("fault armed: \(fault.kind.rawValue) on \(fault.path ?? "every path")") }
        case .clearCookies:
            agent.cookies = CookieJar()
            recorder.transcript.note("the browser's cookies were cleared")
        case .authorize, .fetchToken, .request, .refresh, .revoke, .introspect, .discover, .requestToken, .accessToken, .login, .userinfo, .logout,
            .evil,
            .rotateKeys:
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(step.kind) is not a step every protocol shares", step: step.kind)
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
            return oauth1 != nil ? at(oauth1Token?.members, path) : at(oauth2?.token?.members, path)
        case .updateCallback("count"): return String(updates.count)
        case .updateCallback("previous_refresh_token"): return updates.last?.previousRefreshToken
        case .updateCallback(let member): return at(updates.last?.token.members, member)
        case .providerTokenRequests(let grant):
            return provider.mock.map { String($0.tokenRequests(grantType: GrantType(scenarioName: grant).rawValue)) }
        case .idToken(let path): return at(openIDLogin?.idToken.claims, path)
        case .accessToken(let path): return at(Self.jwtPart(oauth2?.token?.accessToken, 1), path)
        case .accessTokenHeader(let path): return at(Self.jwtPart(oauth2?.token?.accessToken, 0), path)
        case .userinfo(let path): return at(userInfo?.claims, path)
        case .jwksFetches: return openID.map { String($0.jwks.fetchCount) } ?? "0"
        case .logout("state"): return logoutState?.state
        case .logout("post_logout_redirect_uri"): return logoutState?.postLogoutRedirectURI
        case .logout: return nil
        case .metadata(let path): return at(metadata?.document, path)
        case .authorizationURL(let name): return authorizationRequest.flatMap { (try? URLReference($0.url).queryItems())?[name] }
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
