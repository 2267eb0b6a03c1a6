import Foundation
import MockProviders
import OAuth1
import OAuth2
import OAuthCore
import Synchronization

/// The outcome of one scenario, ready for a report (all text already redacted).
public struct ScenarioResult: Sendable {
    /// How the scenario ended; JUnit's `<failure>`, `<skipped>` and `<error>` follow it.
    public enum Outcome: Sendable, Equatable {
        case passed
        /// A step failed: which one, and why.
        case failed(step: String, message: String)
        case skipped(reason: String)
        /// The scenario could not run (invalid file, provider failed to start).
        case error(message: String)

        package var isSkipped: Bool {
            if case .skipped = self { return true }
            return false
        }
    }

    package var name: String
    package var folder: String
    package var file: String
    package var outcome: Outcome
    package var seconds: Double
    /// What happened worth saying on success, e.g. which expected error was seen.
    package var notes: [String]
    package var transcript: String
    /// Relying-party scenarios: the evil mode exercised and the verdict the client had to reach.
    package var relyingParty: RelyingPartyExpectation?
    package var verdict: String?

    /// A result as a report shows it; every text must already be redacted.
    /// - Parameters:
    ///   - name: the scenario's `name`, the JUnit test case.
    ///   - folder: the scenario's folder, the JUnit `classname` and suite.
    ///   - file: the scenario file.
    ///   - outcome: how it ended.
    ///   - seconds: how long it took.
    ///   - notes: what is worth saying on success.
    ///   - transcript: the HTTP exchanges, for `<system-out>`.
    ///   - relyingParty: for relying-party scenarios, the evil mode and the verdict expected.
    ///   - verdict: for relying-party scenarios, the verdict the client reached.
    public init(
        name: String,
        folder: String,
        file: String,
        outcome: Outcome,
        seconds: Double,
        notes: [String] = [],
        transcript: String = "",
        relyingParty: RelyingPartyExpectation? = nil,
        verdict: String? = nil
    ) {
        self.name = name
        self.folder = folder
        self.file = file
        self.outcome = outcome
        self.seconds = seconds
        self.notes = notes
        self.transcript = transcript
        self.relyingParty = relyingParty
        self.verdict = verdict
    }
}

/// Runs scenarios against in-process mock providers through the real client over real HTTP.
package final class ScenarioRunner: Sendable {
    package let catalog: ProviderCatalog
    let transport: any HTTPTransport

    package init(catalog: ProviderCatalog, transport: any HTTPTransport) {
        self.catalog = catalog
        self.transport = transport
    }

    package func run(_ scenario: Scenario) async -> ScenarioResult {
        let started = ContinuousClock.now
        let redactor = Redactor(secrets: [scenario.client.clientSecret].compactMap { $0 })
        let transcript = Transcript(redactor: redactor)
        var result = ScenarioResult(
            name: scenario.name,
            folder: scenario.folder,
            file: scenario.file,
            outcome: .passed,
            seconds: 0,
            notes: [],
            transcript: "",
            relyingParty: scenario.relyingParty
        )
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
        let clock = ManualClock(start: Date())
        var verdict: String?
        let recorder = RecordingTransport(base: transport, transcript: transcript, timeout: scenario.client.timeout)
        let metadataCache = MetadataCache(transport: recorder, clock: clock)
        let provider: any ProviderUnderTest
        var running: RunningProvider?
        // Back-Channel Logout: the harness listens at the client's backchannel_logout_uri for
        // the whole scenario (port 0 picks one; a mock's client then has that URL registered).
        var receiver: BackChannelReceiver?
        if let uri = scenario.client.openID?.backchannelLogoutURI {
            if scenario.external != nil, BackChannelReceiver.Address(uri)?.port == 0 {
                return finish(.error(message: "backchannel_logout_uri \(uri): a provider given by URL must know the port; give a fixed one"))
            }
            do {
                receiver = try await BackChannelReceiver.start(uri, transcript: transcript)
            } catch {
                return finish(.error(message: "the back-channel logout endpoint \(uri) did not start: \(error)"))
            }
            transcript.note("back-channel logout endpoint at \(receiver!.uri)")
        }
        if let external = scenario.external {
            recorder.setStep("setup")
            do {
                provider = try await ExternalProvider.resolve(external, metadataCache: metadataCache, transcript: transcript)
            } catch {
                await receiver?.stop()
                return finish(.error(message: "the external provider could not be resolved: \(error.description)"))
            }
            transcript.note("external provider at \(provider.endpoints.baseURL)")
        } else {
            guard var profile = catalog[scenario.provider] else {
                await receiver?.stop()
                return finish(.error(message: "unknown provider \(scenario.provider)"))
            }
            if let receiver, let index = profile.clients.firstIndex(where: { $0.clientID == scenario.client.clientID }) {
                profile.clients[index].backchannelLogoutURI = receiver.uri
            }
            do {
                running = try await MockProviderServer.start(profile, clock: clock)
            } catch {
                await receiver?.stop()
                return finish(.error(message: "the mock provider \(profile.name) did not start: \(error)"))
            }
            provider = MockProviderUnderTest(running!)
            transcript.note("provider \(profile.name) at \(running!.baseURL)")
        }
        let outcome = await runSteps(
            scenario,
            provider: provider,
            backchannel: receiver,
            recorder: recorder,
            metadataCache: metadataCache,
            clock: clock,
            notes: &result.notes,
            verdict: &verdict
        )
        result.verdict = verdict.map(redactor.redact)
        await running?.stop()
        await receiver?.stop()
        return finish(outcome)
    }

    func runSteps(
        _ scenario: Scenario,
        provider: any ProviderUnderTest,
        backchannel: BackChannelReceiver? = nil,
        recorder: RecordingTransport,
        metadataCache: MetadataCache,
        clock: ManualClock,
        notes: inout [String],
        verdict: inout String?
    ) async -> ScenarioResult.Outcome {
        let client = scenario.client
        let transcript = recorder.transcript
        transcript.redactor.register(client.privateKeyPEM)
        transcript.redactor.register(client.preissuedToken?.accessToken)
        transcript.redactor.register(client.preissuedToken?.refreshToken)
        transcript.redactor.register(scenario.user?.password)
        let redirectURI = client.redirectURI ?? provider.mock?.profile.client(id: client.clientID)?.redirectURIs.first ?? "http://127.0.0.1/callback"
        let updates = UpdateLog()
        let oauth2: OAuth2Session?
        let oauth1: OAuth1Session?
        do {
            (oauth1, oauth2) = try await Self.sessions(
                for: client,
                provider: provider,
                redirectURI: redirectURI,
                over: recorder,
                clock: clock,
                updates: updates
            )
        } catch {
            return .failed(step: "client setup", message: error.description)
        }
        var context = StepContext(
            oauth1: oauth1.map { OAuth1State(session: $0) },
            oauth2: oauth2.map {
                OAuth2State(
                    session: $0,
                    updates: updates,
                    clientKeyPEM: client.privateKeyPEM,
                    clientSpec: client,
                    openID: OpenIDState(options: client.openID)
                )
            },
            provider: provider,
            recorder: recorder,
            clock: clock,
            metadataCache: metadataCache,
            user: scenario.user
        )
        context.backchannel = backchannel

        for (index, step) in scenario.steps.enumerated() {
            let label = "step \(index + 1) \(step.kind) (line \(step.line))"
            recorder.setStep(step.kind)
            let judged = step.action.stepKind.isJudged
            do {
                try await context.execute(step)
                if judged { verdict = "accept" }
                if let expected = step.expectError {
                    return .failed(step: label, message: "expected the error \(expected.code), but the step succeeded")
                }
            } catch let error as OAuthError {
                context.lastError = error
                if judged { verdict = "reject — \(error.errorDescription ?? error.code.rawValue)" }
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

    /// The client session a scenario drives: OAuth 1 or OAuth 2 as the provider speaks, set up
    /// as the scenario's client says (keys, signature method, authentication, PKCE, fixes).
    static func sessions(
        for client: ClientSpec,
        provider: any ProviderUnderTest,
        redirectURI: String,
        over recorder: RecordingTransport,
        clock: ManualClock,
        updates: UpdateLog
    ) async throws(OAuthError) -> (OAuth1Session?, OAuth2Session?) {
        if provider.endpoints.protocolKind == .oauth1 {
            var rsaKey: RSASigningKey?
            if let pem = client.privateKeyPEM { rsaKey = try RSASigningKey(pem: pem) }
            let fixedNonce = client.oauth1.fixedNonce
            let nonce: @Sendable () -> String = { fixedNonce ?? SecureRandom.token(bytes: 16) }
            let session = OAuth1Session(
                clientID: client.clientID,
                clientSecret: client.clientSecret ?? "",
                callbackURI: redirectURI,
                rsaKey: rsaKey,
                signatureMethod: client.oauth1.signatureMethod,
                signatureType: client.oauth1.signatureType,
                realm: client.oauth1.realm,
                allowUnconfirmedCallback: client.complianceFixes.contains(ScenarioLoader.oauth1UnconfirmedCallback),
                transport: recorder,
                clock: OffsetClock(base: clock, offset: client.oauth1.timestampOffset),
                nonce: nonce
            )
            return (session, nil)
        }
        let session = OAuth2Session(
            clientID: client.clientID,
            clientSecret: client.clientSecret,
            clientAuth: try await clientAuthentication(client, clock: clock),
            redirectURI: redirectURI,
            scope: client.scope,
            codeChallengeMethod: client.pkce,
            token: client.preissuedToken.map { OAuth2Token(accessToken: $0.accessToken, refreshToken: $0.refreshToken) },
            tokenPlacement: client.tokenPlacement,
            tokenEndpoint: client.autoRefresh ? provider.endpoints.token : nil,
            leeway: client.leeway,
            updateToken: { token, previous in updates.append(token, previous) },
            dpop: try client.dpop.map { (options) throws(OAuthError) in
                try DPoP(key: JWSKey.generate(options.algorithm), bindsAuthorizationCode: options.bindCode, clock: clock)
            },
            requestObject: try client.requestObject.map { (options) throws(OAuthError) in
                try requestObject(options, client: client, endpoints: provider.endpoints, clock: clock)
            },
            transport: recorder,
            clock: clock
        )
        for fix in client.complianceFixes.compactMap(ComplianceFixes.named) { session.apply(fix) }
        return (nil, session)
    }

    /// The request-object signer: the client's key (or its secret for HS256), `aud` the issuer.
    static func requestObject(
        _ options: ClientSpec.RequestObjectOptions,
        client: ClientSpec,
        endpoints: ProviderEndpoints,
        clock: any OAuthClock
    ) throws(OAuthError) -> RequestObject {
        let key: JWSKey
        switch options.key {
        case .privateKey: key = try JWSKey(pem: client.privateKeyPEM ?? "")
        case .clientSecret: key = try JWSKey.hmac(secret: client.clientSecret ?? "")
        }
        return RequestObject(
            key: key,
            audience: options.audience ?? endpoints.issuer ?? endpoints.baseURL,
            type: options.type ? RequestObject.mediaType : nil,
            clock: clock
        )
    }

    static func clientAuthentication(_ client: ClientSpec, clock: any OAuthClock) async throws(OAuthError) -> any ClientAuthentication {
        try await client.authMethod.authentication(privateKeyPEM: client.privateKeyPEM, clock: clock)
    }

    static func mismatch(_ expected: ErrorExpectation, _ error: OAuthError) -> String? {
        if !expected.codes.contains(error.code.rawValue) {
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
