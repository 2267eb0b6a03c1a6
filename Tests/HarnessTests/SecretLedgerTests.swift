import Foundation
import MockProviders
import OAuthCore
import OAuthTesting
import Synchronization
import Testing

@testable import Harness

/// Every secret a run issued or received, read off the wire independently of the redactor,
/// and every text the run produced: reports, the lines it printed, the results' messages.
struct SecretLedger {
    var secrets: Set<String> = []
    /// How many RFC 8628 device codes, RFC 8693 subject tokens and RFC 7591 registration access
    /// tokens passed (the run must have some of each for the test to mean it).
    var deviceCodes = 0
    var subjectTokens = 0
    var registrationTokens = 0
    /// Back-Channel Logout tokens the mocks POSTed to the harness.
    var logoutTokens = 0

    /// Codes, tokens, verifiers, passwords, client credentials and assertions of every exchange.
    mutating func record(_ request: TransportRequest, _ response: TransportResponse) {
        let names = [
            "code", "code_verifier", "client_secret", "client_assertion", "assertion", "password", "refresh_token", "access_token", "token",
            "id_token_hint", "request", "device_code", "user_code", "subject_token", "actor_token", "logout_token",
            "oauth_verifier", "oauth_token", "oauth_signature",
        ]
        // RFC 9449 proofs, each a signed JWT.
        if let proof = request.headers["DPoP"] { secrets.insert(proof) }
        if let form = try? FormParameters(parsing: String(decoding: request.body, as: UTF8.self)) {
            for name in names { secrets.formUnion(form.values(for: name)) }
            subjectTokens += form.values(for: "subject_token").count
            logoutTokens += form.values(for: "logout_token").count
        }
        if let query = request.url.split(separator: "?", maxSplits: 1).dropFirst().first, let form = try? FormParameters(parsing: query) {
            for name in names { secrets.formUnion(form.values(for: name)) }
        }
        if let authorization = request.headers["Authorization"] {
            if authorization.hasPrefix("OAuth ") {
                for match in authorization.matches(of: #/oauth_(?:signature|token|verifier)="([^"]*)"/#) {
                    secrets.insert((try? PercentEncoding.decode(match.1)) ?? String(match.1))
                }
            } else if let credentials = authorization.split(separator: " ").dropFirst().first {
                secrets.insert(String(credentials))
                if authorization.hasPrefix("Basic "),
                    let pair = Data(base64Encoded: String(credentials)).map({ String(decoding: $0, as: UTF8.self) }),
                    let colon = pair.firstIndex(of: ":")
                {
                    secrets.insert(
                        (try? PercentEncoding.decode(pair[pair.index(after: colon)...], plusAsSpace: true))
                            ?? String(pair[pair.index(after: colon)...])
                    )
                }
            }
        }
        if let location = response.headers["Location"], let items = URLComponents(string: location)?.queryItems {
            secrets.formUnion(items.filter { ["code", "oauth_verifier"].contains($0.name) }.compactMap(\.value))
        }
        if let form = try? FormParameters(parsing: response.bodyText) {
            for name in ["oauth_token", "oauth_token_secret"] { secrets.formUnion(form.values(for: name)) }
        }
        if let json = try? JSONValue.parse(response.body) {
            for name in ["access_token", "refresh_token", "id_token", "device_code", "user_code", "registration_access_token", "client_secret"] {
                if let value = json[name]?.stringValue {
                    secrets.insert(value)
                    if name == "device_code" { deviceCodes += 1 }
                    if name == "registration_access_token" { registrationTokens += 1 }
                }
            }
        }
        secrets.remove(Redactor.mask)
        secrets = secrets.filter { $0.count >= 4 }
    }

    /// The secrets (or, for random ones, any 8-character slice of them) that `text` contains.
    /// Fast enough for megabytes of reports: every 8-byte window of the text is hashed once.
    func leaks(in text: String) -> [String] {
        let bytes = Data(text.utf8)
        var windows = Set<UInt64>()
        if bytes.count >= 8 {
            windows.reserveCapacity(bytes.count)
            bytes.withUnsafeBytes { raw in
                for start in 0...(raw.count - 8) { windows.insert(raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)) }
            }
        }
        func window(_ part: ArraySlice<UInt8>) -> UInt64 {
            part.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        }
        return secrets.filter { secret in
            if bytes.range(of: Data(secret.utf8)) != nil || bytes.range(of: Data(PercentEncoding.encode(secret).utf8)) != nil { return true }
            // Random values: no part of them either. Not for fixed secrets (harness-secret shares
            // "harness-" with client ids), URLs ("https://") or a JWT's header and payload (every
            // JWT starts alike): its signature is random.
            // Nor HTTP Basic credentials: their start is the client id's base64, which an unsigned
            // request object carrying the client id may share.
            let basic = Data(base64Encoded: secret).map { String(decoding: $0, as: UTF8.self).contains(":") } ?? false
            // The fixtures' own values (harness-…) are words, not random either.
            let random =
                secret.count >= 20 && !secret.contains("-secret") && !secret.contains("password") && !secret.contains("://") && !basic
                && !secret.hasPrefix("harness-")
            guard random else { return false }
            let part = Array((secret.split(separator: ".").count == 3 ? String(secret.split(separator: ".")[2]) : secret).utf8)
            guard part.count >= 8 else { return false }
            return (0...(part.count - 8)).contains { windows.contains(window(part[$0..<($0 + 8)])) }
        }.sorted()
    }
}

extension CapturingTransport {
    /// The secrets of every exchange this transport saw.
    var ledger: SecretLedger {
        var ledger = SecretLedger()
        for (request, response) in exchanges { ledger.record(request, response) }
        return ledger
    }
}

@Suite(.serialized) struct SecretLedgerTests {
    /// Token responses as broken or unusual as providers send them, each carrying secrets.
    static let hostile: [(type: String, body: String, secrets: [String])] = [
        ("application/json", #"{"access_token":"Hq7vT2mKpL9xW4rN8cZ1","token_ty"#, ["Hq7vT2mKpL9xW4rN8cZ1"]),
        (
            "application/json", #"{"access_token":"dUp1aCcEsStOkEnAaAa1","access_token":"dUp2aCcEsStOkEnBbBb2","token_type":"Bearer"}"#,
            ["dUp1aCcEsStOkEnAaAa1", "dUp2aCcEsStOkEnBbBb2"]
        ),
        ("application/json", #"{"access_token":"sLaSh\/eScApEd\/ToKeN77","token_type":"Bearer","expires_in":"x"}"#, ["sLaSh/eScApEd/ToKeN77"]),
        ("application/x-www-form-urlencoded", "access_token=lOwEr%2fpErCeNt%2fToKeN88&token_type=bearer&expires_in=zz", ["lOwEr/pErCeNt/ToKeN88"]),
        ("text/html", "access_token=hTmLlAbElLeDfOrMtOk99&token_type=bearer&expires_in=zz", ["hTmLlAbElLeDfOrMtOk99"]),
        (
            "application/json",
            #"{"api_key":"aPiKeYvAlUe0123456789","accessToken":"cAmElCaSeToKeN012345","incoming_webhook":{"url":"https://hooks.example/T0/B0/wEbHoOkSeCrEt012"}}"#,
            ["aPiKeYvAlUe0123456789", "cAmElCaSeToKeN012345", "https://hooks.example/T0/B0/wEbHoOkSeCrEt012"]
        ),
        (
            "application/json",
            #"{"error":"invalid_grant","error_description":"refresh token rEfReShInErRoR0123456 is revoked","refresh_token":"rEfReShInErRoR0123456"}"#,
            ["rEfReShInErRoR0123456"]
        ),
        (
            "application/json", "{\"access_token\":\"" + String(repeating: "p", count: 2030) + "sTrAdDlEtHeCuT0123456789\"}",
            ["sTrAdDlEtHeCuT0123456789"]
        ),
    ]

    @Test func noReportLineOrMessageOfAFullRunContainsASecret() async throws {
        let directory = try temporaryDirectory()
        var scripted: [String: TransportResponse] = [:]
        var hostileSecrets: [String] = []
        try FileManager.default.createDirectory(atPath: directory + "/hostile", withIntermediateDirectories: true)
        for (index, answer) in Self.hostile.enumerated() {
            scripted["http://hostile.test/token/\(index)"] = TransportResponse(
                status: 200,
                headers: ["Content-Type": answer.type],
                body: Array(answer.body.utf8)
            )
            hostileSecrets += answer.secrets
            try """
            name: hostile token response \(index)
            provider: { url: "http://hostile.test", token: /token/\(index) }
            client: { client_id: c, client_secret: hostile-client-secret-\(index) }
            steps:
              - fetch_token: { grant: client_credentials }
              - expect: { token.access_token: { equals: "not what came back" } }

            """.write(toFile: directory + "/hostile/h\(index).yaml", atomically: true, encoding: .utf8)
        }
        let network = AsyncHTTPClientTransport()
        // Canned answers by URL for the hostile token endpoints, the network for the rest.
        var routes: [String: RoutedTransport.Route] = [:]
        for (url, response) in scripted { routes["POST " + url] = { _ in response } }
        let transport = CapturingTransport(base: RoutedTransport(routes, fallback: network))
        // The mocks' back-channel logout POSTs go to the harness's receiver, not through the
        // run's transport: they are captured on their own way out.
        let deliveries = CapturingTransport(base: MockProvider.backchannelTransport)
        MockProvider.deliveryTransportOverride.withLock { $0 = deliveries }
        defer { MockProvider.deliveryTransportOverride.withLock { $0 = nil } }
        let printed = Mutex<[String]>([])
        let summary = await harness(paths: [repositoryRoot + "/Scenarios", directory + "/hostile"], junit: directory + "/reports/junit.xml")
            .execute(transport: transport) { line in printed.withLock { $0.append(line) } }
        try await network.shutdown()
        #expect(summary.results.count > 140)
        var ledger = transport.ledger
        let logoutLedger = deliveries.ledger
        ledger.secrets.formUnion(logoutLedger.secrets)
        ledger.logoutTokens = logoutLedger.logoutTokens
        ledger.secrets.formUnion(hostileSecrets)
        ledger.secrets.formUnion([
            "harness-secret", "harness-jwt-secret-for-hs256-0123456789", "harness-consumer-secret", "legacy-consumer-secret",
            "harness-rp-secret-at-least-32-bytes-long",
            "alice-login-password", "test-user-password",
        ])
        #expect(ledger.secrets.count > 500, "the run issued and received \(ledger.secrets.count) secrets")
        #expect(ledger.deviceCodes >= 10, "the run issued \(ledger.deviceCodes) device codes")
        #expect(ledger.subjectTokens >= 5, "the run exchanged \(ledger.subjectTokens) subject tokens")
        #expect(ledger.registrationTokens >= 3, "the run issued \(ledger.registrationTokens) registration access tokens")
        #expect(ledger.logoutTokens >= 5, "the mocks sent \(ledger.logoutTokens) logout tokens")
        var outputs = printed.withLock { $0 }
        for file in ["junit.xml", "summary.md", "conformance.md"] {
            outputs.append(try String(contentsOfFile: directory + "/reports/" + file, encoding: .utf8))
        }
        for result in summary.results {
            switch result.outcome {
            case .failed(let step, let message): outputs.append(step + message)
            case .skipped(let reason): outputs.append(reason)
            case .error(let message): outputs.append(message)
            case .passed: break
            }
            outputs += result.notes  // (transcripts are in junit.xml)
        }
        let text = outputs.joined(separator: "\n")
        #expect(text.contains("hostile.test/token/7"), "the hostile exchanges are in the reports")
        // Count, never print: a failure message must not show the secrets either. The search is
        // CPU work: off Swift's cooperative pool, so other tests' timers are not starved.
        let snapshot = ledger
        let leaked = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: snapshot.leaks(in: text)) }
        }
        #expect(
            leaked.isEmpty,
            "\(leaked.count) of \(ledger.secrets.count) secrets (or 8-character slices of them) reached a report, a printed line or a message"
        )
    }
}

/// A check run as the CLI makes it, over a ledger: the outcome, and every output by name (the
/// printed lines, the `quirk` lines `check` prints after them, verdicts with their transcripts,
/// the JUnit and Markdown reports, the written profile).
struct LedgeredCheck {
    var outcome: ConformanceRun.Outcome
    var outputs: [String: String]
    var ledger: SecretLedger

    static func run(_ run: ConformanceRun) async throws -> LedgeredCheck {
        let network = AsyncHTTPClientTransport()
        let transport = CapturingTransport(base: network)
        let printed = Mutex<[String]>([])
        let outcome = await run.execute(transport: transport) { line in printed.withLock { $0.append(line) } }
        try await network.shutdown()
        var outputs = ["printed": printed.withLock { $0.joined(separator: "\n") }]
        // As Sources/oauth-harness/CheckCommand.swift prints them.
        outputs["quirk lines"] = outcome.quirks.map { "quirk \($0.quirk.rawValue): \($0.evidence) — compliance fix: \($0.fix)" }
            .joined(separator: "\n")
        outputs["verdicts"] = outcome.results.map { $0.verdict.reason + "\n" + $0.transcript }.joined(separator: "\n")
        outputs["junit"] = try String(contentsOfFile: outcome.junitPath, encoding: .utf8)
        outputs["markdown"] = try String(contentsOfFile: outcome.reportPath, encoding: .utf8)
        outputs["profile"] = try outcome.profilePath.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        return LedgeredCheck(outcome: outcome, outputs: outputs, ledger: transport.ledger)
    }

    /// The names of the outputs that contain a secret (never the secrets themselves). The search
    /// is CPU work: off Swift's cooperative pool, so other tests' timers are not starved.
    func leaks() async -> [String] {
        let (outputs, ledger) = (outputs, ledger)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: outputs.sorted { $0.key < $1.key }.compactMap { name, text in
                        let found = ledger.leaks(in: text)
                        return found.isEmpty ? nil : "\(name): \(found.count) of \(ledger.secrets.count) secrets"
                    }
                )
            }
        }
    }
}

@Suite(.serialized) struct CheckSecretLedgerTests {
    /// `check --write-profile` against mocks of every protocol, each judged by URL: no secret
    /// the run sent or received reaches a printed line, a verdict, a quirk's evidence, the JUnit
    /// or Markdown report or the written profile. (The hostile provider's ledger test is in
    /// HostileProviderTests.)
    @Test(arguments: ["standard-oauth2", "google-style-oidc", "slack-style", "twitter-style-oauth1"])
    func noCheckOutputOrWrittenProfileContainsASecret(_ name: String) async throws {
        let profile = try #require(try ProviderCatalog.load(directory: repositoryRoot + "/MockProviders")[name])
        let running = try await MockProviderServer.start(profile)
        var checked = try await LedgeredCheck.run(try ConformanceCheckTests.configuredRun(profile, running, writeProfile: name + "-written"))
        await running.stop()
        checked.ledger.secrets.formUnion(profile.clients.compactMap(\.clientSecret) + profile.users.compactMap(\.password))
        #expect(checked.ledger.secrets.count > 20, "the run issued and received \(checked.ledger.secrets.count) secrets")
        // The written profile has the harness's own client (harness-client / harness-secret), which
        // is also the standard mocks' client: that one value is the profile's, on purpose.
        #expect(checked.outputs["profile"]!.contains("client_secret: \"harness-secret\""))
        checked.outputs["profile"] = checked.outputs["profile"]!.replacingOccurrences(of: "client_secret: \"harness-secret\"", with: "")
        #expect(await checked.leaks() == [])
    }
}
