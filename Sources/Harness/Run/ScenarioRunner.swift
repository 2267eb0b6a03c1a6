import Foundation
import MockProviders
import OAuth2
import OAuthCore
import Synchronization

/// The outcome of one scenario, ready for a report (all text already redacted).
public struct ScenarioResult: Sendable {
    public enum Outcome: Sendable, Equatable {
        case passed
        /// A step failed: which one, and why.
        case failed(step: String, message: String)
        case skipped(reason: String)
        /// The scenario could not run (invalid file, provider failed to start).
        case error(message: String)
    }

    public var name: String
    public var folder: String
    public var file: String
    public var outcome: Outcome
    public var seconds: Double
    /// What happened worth saying on success, e.g. which expected error was seen.
    public var notes: [String]
    public var transcript: String
}

/// Runs scenarios against in-process mock providers through the real client over real HTTP.
public final class ScenarioRunner: Sendable {
    public let catalog: ProviderCatalog
    let transport: any HTTPTransport

    public init(catalog: ProviderCatalog, transport: any HTTPTransport) {
        self.catalog = catalog
        self.transport = transport
    }

    public func run(_ scenario: Scenario) async -> ScenarioResult {
        let started = ContinuousClock.now
        let redactor = Redactor(secrets: [scenario.client.clientSecret].compactMap { $0 })
        let transcript = Transcript(redactor: redactor)
        var result = ScenarioResult(
            name: scenario.name, folder: scenario.folder, file: scenario.file, outcome: .passed, seconds: 0, notes: [], transcript: "")
        func finish(_ outcome: ScenarioResult.Outcome) -> ScenarioResult {
            result.outcome = Self.redacted(outcome, redactor)
            result.notes = result.notes.map(redactor.redact)
            result.transcript = transcript.text
            let elapsed = ContinuousClock.now - started
            result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return result
        }
        if !scenario.missingVariables.isEmpty {
            return finish(.skipped(reason: "needs the environment variable(s) \(scenario.missingVariables.joined(separator: ", "))"))
        }
        guard let profile = catalog[scenario.provider] else {
            return finish(.error(message: "unknown provider \(scenario.provider)"))
        }
        let clock = ManualClock(start: Date())
        let provider: RunningProvider
        do {
            provider = try await MockProviderServer.start(profile, clock: clock)
        } catch {
            return finish(.error(message: "the mock provider \(profile.name) did not start: \(error)"))
        }
        transcript.note("provider \(profile.name) at \(provider.baseURL)")
        let outcome = await runSteps(scenario, profile: profile, provider: provider, clock: clock, transcript: transcript, notes: &result.notes)
        await provider.stop()
        return finish(outcome)
    }

    func runSteps(
        _ scenario: Scenario, profile: ProviderProfile, provider: RunningProvider, clock: ManualClock, transcript: Transcript,
        notes: inout [String]
    ) async -> ScenarioResult.Outcome {
        let recorder = RecordingTransport(base: transport, transcript: transcript)
        let client = scenario.client
        transcript.redactor.register(client.privateKeyPEM)
        let redirectURI = client.redirectURI ?? profile.client(id: client.clientID)?.redirectURIs.first ?? "http://127.0.0.1/callback"
        let updates = UpdateLog()
        let session: OAuth2Session
        do {
            session = OAuth2Session(
                clientID: client.clientID, clientSecret: client.clientSecret, clientAuth: try await Self.clientAuthentication(client, clock: clock),
                redirectURI: redirectURI, scope: client.scope, codeChallengeMethod: client.pkce, tokenPlacement: client.tokenPlacement,
                tokenEndpoint: client.autoRefresh ? provider.url(profile.endpoints.token) : nil, leeway: client.leeway,
                updateToken: { token, previous in updates.append(token, previous) }, transport: recorder, clock: clock)
        } catch {
            return .failed(step: "client setup", message: error.description)
        }
        var context = StepContext(
            session: session, provider: provider, recorder: recorder, clock: clock, updates: updates, clientKeyPEM: client.privateKeyPEM)

        for (index, step) in scenario.steps.enumerated() {
            let label = "step \(index + 1) \(step.kind) (line \(step.line))"
            recorder.setStep(step.kind)
            do {
                try await context.execute(step)
                if let expected = step.expectError {
                    return .failed(step: label, message: "expected the error \(expected.code), but the step succeeded")
                }
            } catch let error as OAuthError {
                context.lastError = error
                guard let expected = step.expectError else { return .failed(step: label, message: error.description) }
                if let mismatch = Self.mismatch(expected, error) { return .failed(step: label, message: mismatch) }
                notes.append("\(label): expected error seen: \(error)")
            } catch let failure as AssertionFailure {
                return .failed(step: label, message: failure.message)
            } catch {
                return .failed(step: label, message: String(describing: error))
            }
        }
        return .passed
    }

    static func clientAuthentication(_ client: ClientSpec, clock: any OAuthClock) async throws(OAuthError) -> any ClientAuthentication {
        switch client.authMethod {
        case .clientSecretBasic: ClientSecretBasic()
        case .clientSecretPost: ClientSecretPost()
        case .none: PublicClient()
        case .clientSecretJWT: JWTClientAuthentication.clientSecretJWT(clock: clock)
        case .privateKeyJWT:
            JWTClientAuthentication.privateKeyJWT(try await AssertionSigner.privateKey(pem: client.privateKeyPEM ?? ""), clock: clock)
        }
    }

    static func mismatch(_ expected: ErrorExpectation, _ error: OAuthError) -> String? {
        if error.code != expected.code {
            return "expected the error \(expected.code), got \(error)"
        }
        if let status = expected.status, error.httpStatus != status {
            return "expected the error \(expected.code) with HTTP \(status), got \(error)"
        }
        if let fragment = expected.descriptionContains, !(error.errorDescription ?? "").contains(fragment) {
            return "expected the error description to contain \"\(fragment)\", got \(error)"
        }
        return nil
    }

    static func redacted(_ outcome: ScenarioResult.Outcome, _ redactor: Redactor) -> ScenarioResult.Outcome {
        switch outcome {
        case .passed: .passed
        case .failed(let step, let message): .failed(step: step, message: redactor.redact(message))
        case .skipped(let reason): .skipped(reason: redactor.redact(reason))
        case .error(let message): .error(message: redactor.redact(message))
        }
    }
}

struct AssertionFailure: Error {
    let message: String
}

/// The calls of a session's token-update callback, as a scenario observes them.
final class UpdateLog: Sendable {
    private let entries = Mutex<[(token: OAuth2Token, previousRefreshToken: String?)]>([])

    func append(_ token: OAuth2Token, _ previous: String?) { entries.withLock { $0.append((token, previous)) } }
    var count: Int { entries.withLock { $0.count } }
    var last: (token: OAuth2Token, previousRefreshToken: String?)? { entries.withLock { $0.last } }
}

/// What the steps of one scenario share.
struct StepContext {
    let session: OAuth2Session
    let provider: RunningProvider
    let recorder: RecordingTransport
    let clock: ManualClock
    let updates: UpdateLog
    let clientKeyPEM: String?
    let metadataCache: MetadataCache
    var authorizationRequest: AuthorizationRequest?
    var code: String?
    var lastResponse: TransportResponse?
    var lastError: OAuthError?
    var metadata: AuthorizationServerMetadata?

    init(
        session: OAuth2Session, provider: RunningProvider, recorder: RecordingTransport, clock: ManualClock, updates: UpdateLog,
        clientKeyPEM: String?
    ) {
        self.clientKeyPEM = clientKeyPEM
        self.session = session
        self.provider = provider
        self.recorder = recorder
        self.clock = clock
        self.updates = updates
        self.metadataCache = MetadataCache(transport: recorder, clock: clock)
    }

    func endpoint(_ path: String?, _ name: String, step: String) throws(OAuthError) -> String {
        guard let path else {
            throw .client(OAuthError.invalidConfiguration, "the provider \(provider.profile.name) has no \(name) endpoint", step: step)
        }
        return provider.url(path)
    }

    func tokenValue(_ which: String, step: String) throws(OAuthError) -> String {
        let value = which == "access_token" ? session.token?.accessToken : session.token?.refreshToken
        guard let value else { throw .client("missing_token", "the session has no \(which)", step: step) }
        return value
    }

    mutating func execute(_ step: Step) async throws {
        let endpoints = provider.profile.endpoints
        switch step.action {
        case .authorize(let options):
            code = nil
            let request = try session.createAuthorizationURL(provider.url(endpoints.authorize), responseType: options.responseType)
            authorizationRequest = request
            var agent = UserAgent(transport: recorder)
            var callback = try await agent.authorize(
                url: request.url, redirectURI: request.redirectURI ?? "", decision: options.consent == .approve ? .approve : .deny,
                user: options.user)
            if let forged = options.callbackState {
                callback = Self.replacingQueryParameter("state", with: forged, in: callback)
                recorder.transcript.note("callback state replaced with a forged value before the client reads it")
            }
            code = try parseAuthorizationResponse(callback, expectedState: request.state)
        case .fetchToken(let options):
            let tokenURL = provider.url(endpoints.token)
            switch options.grant {
            case "authorization_code":
                guard let code, let request = authorizationRequest else {
                    throw OAuthError.client(
                        OAuthError.missingCode, "no authorization code to exchange: no earlier authorize step yielded one", step: step.kind)
                }
                try await session.fetchToken(
                    tokenURL, code: code, codeVerifier: options.codeVerifier ?? request.codeVerifier,
                    redirectURI: options.redirectURI ?? request.redirectURI)
            case "client_credentials":
                try await session.fetchToken(tokenURL, grant: .clientCredentials, scope: options.scope)
            case "password":
                try await session.fetchToken(tokenURL, grant: .password(username: options.username ?? "", password: options.password ?? ""), scope: options.scope)
            case "jwt_bearer":
                guard let pem = options.assertionKeyPEM ?? clientKeyPEM else {
                    throw OAuthError.client(OAuthError.invalidConfiguration, "jwt_bearer needs a private_key in the client or an assertion_key", step: step.kind)
                }
                recorder.transcript.redactor.register(pem)
                let claims = AssertionClaims(
                    issuer: session.clientID, subject: options.subject ?? "", audience: [options.audience ?? tokenURL], issuedAt: clock.now(), lifetime: 300)
                let assertion = try await AssertionSigner.privateKey(pem: pem).sign(claims)
                try await session.fetchToken(tokenURL, grant: .jwtBearer(assertion: assertion), scope: options.scope)
            case let other:
                try await session.fetchToken(tokenURL, grant: .custom(grantType: other, parameters: []), scope: options.scope)
            }
        case .refresh(let usePrevious, let scope):
            var refreshToken: String?
            if usePrevious {
                guard let previous = updates.last?.previousRefreshToken else {
                    throw OAuthError.client("missing_refresh_token", "no earlier refresh replaced a refresh token", step: step.kind)
                }
                refreshToken = previous
            }
            try await session.refreshToken(provider.url(endpoints.token), refreshToken: refreshToken, scope: scope)
        case .revoke(let which, let hint):
            try await session.revokeToken(
                try endpoint(endpoints.revoke, "revocation", step: step.kind), token: try tokenValue(which, step: step.kind), tokenTypeHint: hint)
        case .introspect(let which, let hint):
            let answer = try await session.introspectToken(
                try endpoint(endpoints.introspect, "introspection", step: step.kind), token: try tokenValue(which, step: step.kind), tokenTypeHint: hint)
            lastResponse = TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: Array(answer.jsonText.utf8))
        case .discover:
            metadata = try await metadataCache.metadata(issuer: provider.baseURL)
        case .request(let method, let path, let concurrent):
            let session = self.session
            let url = provider.url(path)
            let kind = step.kind
            let responses = try await withThrowingTaskGroup(of: TransportResponse.self) { group in
                for _ in 0..<concurrent {
                    group.addTask { try await session.request(method, url, step: kind) }
                }
                var all: [TransportResponse] = []
                for try await response in group { all.append(response) }
                return all
            }
            let response = responses.first { !(200..<300).contains($0.status) } ?? responses[responses.count - 1]
            lastResponse = response
            if !(200..<300).contains(response.status) {
                throw Self.resourceError(response, step: step.kind)
            }
        case .expect(let assertions):
            let failures = assertions.compactMap(check)
            if !failures.isEmpty { throw AssertionFailure(message: failures.joined(separator: "; ")) }
        case .advanceClock(let seconds):
            clock.advance(by: seconds)
            recorder.transcript.note("clock advanced by \(Int(seconds)) s")
        }
    }

    /// A protected-resource failure as an OAuth error: the `error` of `WWW-Authenticate`
    /// (RFC 6750 §3) or of a JSON body, else `http_<status>`.
    static func resourceError(_ response: TransportResponse, step: String) -> OAuthError {
        if let challenge = response.headers["WWW-Authenticate"], let match = challenge.firstMatch(of: #/error="([^"]*)"/#) {
            let description = challenge.firstMatch(of: #/error_description="([^"]*)"/#).map { String($0.1) }
            return OAuthError(code: String(match.1), description: description, httpStatus: response.status, step: step, origin: .provider)
        }
        if let json = try? JSONValue.parse(response.body), let code = json["error"]?.stringValue {
            return OAuthError(
                code: code, description: json["error_description"]?.stringValue, httpStatus: response.status, step: step, origin: .provider)
        }
        return OAuthError(code: "http_\(response.status)", httpStatus: response.status, step: step, origin: .provider)
    }

    static func replacingQueryParameter(_ name: String, with value: String, in url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        var items = (components.queryItems ?? []).filter { $0.name != name }
        items.append(URLQueryItem(name: name, value: value))
        components.queryItems = items
        return components.string ?? url
    }

    /// The value an assertion subject names, as text; `nil` when absent.
    func value(of subject: String) -> String? {
        func text(_ json: JSONValue?) -> String? {
            switch json {
            case nil, .null?: nil
            case .number(let number)?: number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            case let other?: other.description
            }
        }
        if subject.hasPrefix("token.") {
            return text(session.token.map { JSONValue.object($0.members) }?.value(atPath: subject.dropFirst(6)))
        }
        if subject.hasPrefix("update_callback.") {
            switch subject.dropFirst("update_callback.".count) {
            case "count": return String(updates.count)
            case "previous_refresh_token": return updates.last?.previousRefreshToken
            case let member: return text(updates.last.map { JSONValue.object($0.token.members) }?.value(atPath: member))
            }
        }
        if subject.hasPrefix("provider.token_requests.") {
            let grant = String(subject.dropFirst("provider.token_requests.".count))
            return String(provider.provider.tokenRequests(grantType: grant == "jwt_bearer" ? Grant.jwtBearerType : grant))
        }
        if subject.hasPrefix("metadata.") {
            return text(metadata.map { JSONValue.object($0.document) }?.value(atPath: subject.dropFirst("metadata.".count)))
        }
        if subject.hasPrefix("authorization_url.") {
            let name = String(subject.dropFirst("authorization_url.".count))
            return authorizationRequest.flatMap { URLComponents(string: $0.url)?.queryItems?.first { $0.name == name }?.value }
        }
        guard let response = lastResponse else { return nil }
        if subject == "status" { return String(response.status) }
        if subject == "body" { return response.bodyText }
        if subject.hasPrefix("header.") { return response.headers[String(subject.dropFirst(7))] }
        if subject.hasPrefix("json.") { return text((try? JSONValue.parse(response.body))?.value(atPath: subject.dropFirst(5))) }
        return nil
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
        let found = actual.map { "\"\($0.count > 200 ? String($0.prefix(200)) + "…" : $0)\"" } ?? "nothing"
        return "\(assertion.subject) (line \(assertion.line)): expected \(assertion.matcher), found \(found)"
    }
}
