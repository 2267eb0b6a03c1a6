import Foundation
import MockProviders
import OAuthCore
import Testing

@testable import Harness

/// `oauth-harness check` against the built-in mocks, each served on a loopback port and judged
/// by URL like any provider: the plans pass on the standard mocks, detect exactly each quirk
/// profile's declared quirks, and fail the check each OpenID evil mode breaks.
@Suite(.serialized) struct ConformanceCheckTests {
    static let catalog = try! ProviderCatalog.load(directory: repositoryRoot + "/MockProviders")

    static func run(
        _ name: String,
        filter: String? = nil,
        writeProfile: String? = nil,
        profiles: String = repositoryRoot + "/MockProviders",
        checkTimeout: Duration = .seconds(120),
        configure: (RunningProvider) -> Void = { _ in },
        adjust: (inout ProviderProfile) -> Void = { _ in }
    ) async throws -> ConformanceRun.Outcome {
        var profile = try #require(try ProviderCatalog.load(directory: profiles)[name])
        // Devices poll every second here (the checks wait the interval the provider gives; no
        // verdict depends on its length), so the device plan takes 2 s a profile, not 10.
        profile.device.interval = 1
        adjust(&profile)
        let running = try await MockProviderServer.start(profile)
        configure(running)
        let outcome = await (try configuredRun(profile, running, filter: filter, writeProfile: writeProfile, checkTimeout: checkTimeout)).execute()
        await running.stop()
        return outcome
    }

    /// The run `check` makes of a served mock, judged by URL, with reports in a fresh folder.
    static func configuredRun(
        _ profile: ProviderProfile,
        _ running: RunningProvider,
        filter: String? = nil,
        writeProfile: String? = nil,
        checkTimeout: Duration = .seconds(120)
    ) throws -> ConformanceRun {
        var provider = ProviderFile(mock: profile, baseURL: running.baseURL)
        provider.codeReuseWait = 1
        // The OAuth 1 consumer's private half (the profile has only the public key), for RSA-SHA1.
        if profile.oauth1 != nil, !provider.clients.isEmpty {
            provider.clients[0].privateKeyPEM = try String(
                contentsOfFile: repositoryRoot + "/Scenarios/keys/test-fixture-oauth1-rsa.private.pem",
                encoding: .utf8
            )
        }
        var run = ConformanceRun(providerFile: "")
        run.provider = provider
        run.plansDirectory = repositoryRoot + "/Plans"
        run.reportDirectory = NSTemporaryDirectory() + "oauth-harness-check-" + UUID().uuidString
        run.filter = filter
        run.writeProfile = writeProfile
        run.profilesDirectory = run.reportDirectory
        run.checkTimeout = checkTimeout
        // Independent checks at once, as `check --jobs 4` runs them (the device checks wait).
        run.jobs = 4
        return run
    }

    static func failures(_ outcome: ConformanceRun.Outcome) -> [String] {
        outcome.results.filter { $0.verdict.name == "fail" }.map { "\($0.check.id.rawValue): \($0.verdict.reason)" }
    }

    @Test(arguments: ["standard-oauth2", "google-style-oidc", "twitter-style-oauth1", "login-pages-oidc"])
    func everyApplicableCheckPassesOnTheStandardMocks(_ name: String) async throws {
        let outcome = try await Self.run(name)
        #expect(Self.failures(outcome) == [])
        #expect(outcome.quirks.map(\.quirk) == [])
        #expect(outcome.exitCode == .passed)
        #expect(outcome.results.filter { $0.verdict.name == "pass" }.count >= 7)
        // Skips and warnings each give their reason.
        for result in outcome.results where result.verdict.name != "pass" { #expect(!result.verdict.reason.isEmpty) }
    }

    static let quirkProfiles = catalog.names.filter { !(catalog[$0]?.quirks.isEmpty ?? true) }

    @Test(arguments: quirkProfiles)
    func detectedQuirksAreExactlyTheDeclaredOnes(_ name: String) async throws {
        let profile = try #require(Self.catalog[name])
        let outcome = try await Self.run(name)
        #expect(Set(outcome.quirks.map(\.quirk)) == profile.quirks, "\(name): \(outcome.quirks.map(\.quirk.rawValue))")
        for quirk in outcome.quirks { #expect(!quirk.fix.isEmpty && !quirk.evidence.isEmpty) }
        // Every check a quirk profile fails is explained by one of its quirks (issue #31 item 4).
        for result in outcome.results where result.verdict.name == "fail" {
            #expect(result.cause.map { profile.quirks.contains($0) } == true, "\(name): \(result.check.id.rawValue) — \(result.verdict.reason)")
        }
    }

    /// Slack's one deviation, errors as HTTP 200 inside {ok: false}, is one root cause of seven
    /// failures: each verdict says what the check found (the wrong verifier refused) and names it.
    @Test func aQuirkIsOneCauseOfTheFailuresItExplains() async throws {
        let outcome = try await Self.run("slack-style", filter: "oauth2-authorization-server/")
        let wrong = try #require(outcome.results.first { $0.check.id == .pkceWrongVerifier })
        #expect(wrong.verdict.name == "fail" && wrong.cause == .okEnvelope)
        #expect(wrong.verdict.reason.hasPrefix("refused with error invalid_grant as it should be"))
        #expect(wrong.verdict.reason.hasSuffix("cause: quirk ok_envelope"))
        let causes = outcome.rootCauses
        #expect(causes.count == 2)
        #expect(causes.first { $0.quirk == .okEnvelope }?.checks.count == 7)
        #expect(outcome.line.contains("8 failed from 2 root causes (nest_user_token_under_authed_user explains 1, ok_envelope explains 7)"))
        let markdown = try String(contentsOfFile: outcome.reportPath, encoding: .utf8)
        #expect(
            markdown.contains("## Root causes") && markdown.contains("| quirk `ok_envelope` | `oauth2-authorization-server/token-error-response`")
        )
        #expect(markdown.contains("❌ fail (cause: `ok_envelope`)"))
    }

    /// Each evil mode breaks one provider obligation; the check for it (`plan/check`) fails, or
    /// warns when the check is a SHOULD. Modes that are legal OP behaviour (an aud array with azp,
    /// one key without kid, a key rotation) fail nothing.
    static let evilExpectations: [(EvilMode, String?)] = [
        (.wrongIssuer, "oidc-basic-op/oidcc-server"), (.missingSubject, "oidc-basic-op/oidcc-server"),
        (.wrongAudience, "oidc-basic-op/oidcc-server"), (.missingAudience, "oidc-basic-op/oidcc-server"),
        (.missingIssuedAt, "oidc-basic-op/oidcc-server"), (.expired, "oidc-basic-op/oidcc-server"), (.algNone, "oidc-basic-op/oidcc-server"),
        (.invalidSignature, "oidc-basic-op/oidcc-server"), (.hs256ClientSecret, "oidc-basic-op/oidcc-server"),
        (.wrongNonce, "oidc-basic-op/oidcc-server"), (.missingNonce, "oidc-basic-op/oidcc-server"),
        (.invalidAtHash, "oidc-basic-op/oidcc-server"), (.kidAbsentMultipleKeys, "oidc-basic-op/oidcc-server"),
        (.mixUpIssuer, "oidc-basic-op/oidcc-server"), (.userinfoSubjectMismatch, "oidc-basic-op/oidcc-userinfo-get"),
        (.logoutWrongState, "oidc-rp-initiated-logout/oidcc-rp-initiated-logout"),
        (.logoutNoState, "oidc-rp-initiated-logout/oidcc-rp-initiated-logout"),
        (.logoutHintUnverified, "oidc-rp-initiated-logout/oidcc-rp-initiated-logout-modified-id-token-hint"),
        (.logoutOpenRedirect, "oidc-rp-initiated-logout/oidcc-rp-initiated-logout-bad-post-logout-redirect-uri"),
        (.discoveryIssuerMismatch, "oidc-config-op/oidcc-discovery-endpoint-verification"),
        (.formPostIgnored, "oidc-form-post-op/oidcc-server"),
        (.audienceArray, nil), (.keyRotation, nil),
        // A single key without kid: only a module that requires the kid flags it.
        (.kidAbsentSingleKey, "oidc-dynamic-op/oidcc-idtoken-rs256"),
        (.dpopProofNotRequired, "dpop/dpop-proof-required-at-resource"), (.dpopProofForAnotherURI, "dpop/dpop-proof-target"),
        (.dpopProofReplay, "dpop/dpop-proof-replay"), (.requestURIReplay, "par/par-request-uri-single-use"),
        (.requestObjectUnverified, "jar/jar-signature-verified"), (.requestObjectOverridden, "jar/jar-request-object-wins"),
        (.deviceCodeNeverExpires, "device-authorization/device-code-expires"),
        (.tokenExchangeIgnoresAudience, "token-exchange/token-exchange-subject-audience"),
        (.registrationUnvalidatedRedirect, "dynamic-registration/registration-invalid-redirect-uri"),
        (.resourceIgnoresAudience, "protected-resource/resource-audience-enforced"),
        // A logout token's faults, seen by the harness as the client's backchannel_logout_uri.
        (.logoutTokenNonce, "oidc-backchannel-logout/oidcc-backchannel-rp-initiated-logout"),
        (.logoutTokenWithoutEvents, "oidc-backchannel-logout/oidcc-backchannel-rp-initiated-logout"),
        // The Dynamic OP plan, on login-pages-oidc (registration with an initial access token).
        (.userinfoUnsigned, "oidc-dynamic-op/oidcc-userinfo-rs256"),
        (.redirectURIDefaulted, "oidc-dynamic-op/oidcc-ensure-redirect-uri-in-authorization-request"),
        (.redirectURIQueryIgnored, "oidc-dynamic-op/oidcc-redirect-uri-query-mismatch"),
        (.clientURIsHidden, "oidc-dynamic-op/oidcc-registration-logo-uri"),
        (.registrationJWKSURIIgnored, "oidc-dynamic-op/oidcc-registration-jwks-uri"),
        (.sectorIdentifierUnchecked, "oidc-dynamic-op/oidcc-registration-sector-bad"),
        (.keyRotationUnpublished, "oidc-dynamic-op/oidcc-server-rotate-keys"),
        (.clientJWKSCached, "oidc-dynamic-op/oidcc-refresh-token-rp-key-rotation"),
        (.requestURIIgnored, "oidc-dynamic-op/oidcc-request-uri-unsigned"),
        (.assertionAudienceTokenEndpointOnly, "oidc-dynamic-op/oidcc-ensure-client-assertion-with-iss-aud-succeeds"),
        (.frontchannelLogoutWithoutSession, "oidc-frontchannel-logout/oidcc-frontchannel-rp-initiated-logout"),
    ]

    @Test func everyEvilModeIsCovered() {
        let covered = Set(Self.evilExpectations.map(\.0))
        #expect(Set(EvilMode.allCases).subtracting([.none]) == covered)
    }

    /// The mock that offers what a check needs: the OpenID plan on google-style-oidc, open
    /// registration on standard-oauth2 (login-pages-oidc wants an initial access token), the rest
    /// on login-pages-oidc; a device code that expires within the check's wait for the expiry check.
    static func evilRun(_ mode: EvilMode, _ check: String) async throws -> ConformanceRun.Outcome {
        let name =
            check.hasPrefix("oidc-basic-op/") || check.hasPrefix("oidc-rp-initiated-logout/") || check.hasPrefix("oidc-config-op/")
                || check.hasPrefix("oidc-form-post-op/")
            ? "google-style-oidc"
            : check.hasPrefix("protected-resource/")
                ? "mcp-style"
                : check.hasPrefix("dynamic-registration/") || check.hasPrefix("device-") ? "standard-oauth2" : "login-pages-oidc"
        return try await Self.run(
            name,
            filter: check,
            configure: { $0.oauth2?.setEvilMode(mode) },
            adjust: { profile in
                guard check.hasSuffix("device-code-expires") else { return }
                profile.device.lifetime = 3
                profile.device.interval = 1
            }
        )
    }

    @Test(arguments: evilExpectations.map { $0.0 })
    func theCheckAnEvilModeBreaksFails(_ mode: EvilMode) async throws {
        let expected = Self.evilExpectations.first { $0.0 == mode }!.1
        let check = expected ?? "oidc-basic-op/oidcc-server"
        // The filter is a substring: oidcc-server also selects oidcc-server-client-secret-post.
        func exactly(_ outcome: ConformanceRun.Outcome) -> [CheckResult] { outcome.results.filter { "\($0.plan)/\($0.check.id.rawValue)" == check } }
        let outcome = try await Self.evilRun(mode, check)
        let failed = Set(outcome.results.filter { ["fail", "warning"].contains($0.verdict.name) }.map { "\($0.plan)/\($0.check.id.rawValue)" })
        if let expected {
            #expect(failed.contains(expected), "\(mode.rawValue): failed \(failed.sorted())")
            // The same check passes on the same mock without the mode.
            let honest = exactly(try await Self.evilRun(.none, expected))
            #expect(honest.map(\.verdict.name) == ["pass"], "\(expected): \(honest.map(\.verdict))")
        } else {
            #expect(failed.isEmpty, "\(mode.rawValue): failed \(failed.sorted())")
            #expect(exactly(outcome).map(\.verdict.name) == ["pass"])
        }
    }

    /// Check a quirk profile, write a profile from what was seen, serve that, check it again.
    @Test(arguments: ["github-style", "slack-style", "facebook-style", "withings-style", "instagram-style", "google-style-oidc"])
    func writtenProfilesReproduceTheQuirks(_ name: String) async throws {
        let first = try await Self.run(name, writeProfile: "\(name)-detected")
        let path = try #require(first.profilePath)
        let folder = (path as NSString).deletingLastPathComponent
        let written = try String(contentsOfFile: path, encoding: .utf8)
        let original = try #require(Self.catalog[name])
        for client in original.clients { if let secret = client.clientSecret { #expect(!written.contains(secret)) } }
        let second = try await Self.run("\(name)-detected", profiles: folder)
        #expect(Set(second.quirks.map(\.quirk)) == Set(first.quirks.map(\.quirk)))
        #expect(Set(second.quirks.map(\.quirk)) == original.quirks)
        // The written profile keeps the user's claims and, for an OpenID provider, is one too.
        #expect(written.contains("users:\n- sub: "))
        if original.oidc != nil {
            #expect(written.contains("oidc:") && written.contains("email"))
            #expect(Self.failures(second) == [])
            #expect(second.results.contains { $0.plan == "oidc-basic-op" && $0.verdict.name == "pass" })
        }
    }

    @Test func reportsNameEveryCheckAndCarryNoSecrets() async throws {
        let outcome = try await Self.run("standard-oauth2")
        let junit = try String(contentsOfFile: outcome.junitPath, encoding: .utf8)
        let markdown = try String(contentsOfFile: outcome.reportPath, encoding: .utf8)
        let plan = try ConformancePlan.load(contentsOf: repositoryRoot + "/Plans/oauth2-authorization-server/plan.yaml")
        for check in plan.checks {
            #expect(junit.contains("name=\"\(check.id.rawValue)\""))
            #expect(markdown.contains("`\(check.id.rawValue)`"))
        }
        #expect(junit.contains("<system-out>"))
        for secret in ["harness-secret", "alice-password"] {
            #expect(!junit.contains(secret))
            #expect(!markdown.contains(secret))
        }
        #expect(!junit.contains("code_verifier=") || junit.contains("code_verifier=[REDACTED]"))
    }

    /// Every built-in profile checked by URL; the table goes to reports/conformance-mocks.md
    /// (docs/conformance-mocks.md is a copy). Declared and detected quirks must agree everywhere.
    @Test func theMockTable() async throws {
        var text = """
            # The conformance plans against the built-in mocks

            Generated by `swift test --filter theMockTable` (ConformanceCheckTests): every profile in MockProviders/ \
            served on a loopback port and judged by URL with `oauth-harness check`'s plans. A quirk profile fails the checks \
            its quirks break; the detected quirks must equal the declared ones.

            | profile | pass | fail | warning | skipped | declared quirks | detected quirks | |
            |---|---:|---:|---:|---:|---|---|---|

            """
        for name in Self.catalog.names {
            let profile = try #require(Self.catalog[name])
            guard profile.replay.isEmpty, !profile.autoApprove else { continue }
            let outcome = try await Self.run(name)
            let counts = Dictionary(grouping: outcome.results, by: { $0.verdict.name }).mapValues(\.count)
            let declared = profile.quirks.map(\.rawValue).sorted()
            let detected = outcome.quirks.map(\.quirk.rawValue).sorted()
            #expect(declared == detected, "\(name)")
            let cells = [counts["pass"], counts["fail"], counts["warning"], counts["skipped"]].map { String($0 ?? 0) }
            text +=
                "| `\(name)` | \(cells.joined(separator: " | ")) | \(declared.joined(separator: ", ")) | \(detected.joined(separator: ", ")) | \(declared == detected ? "✅" : "❌") |\n"
        }
        text += "\n## Evil modes (theCheckAnEvilModeBreaksFails)\n\n"
        text +=
            "Each mode on the mock that offers the feature; the check fails (or warns, for a SHOULD) and passes on the same mock without the mode.\n\n"
        text += "| mode | check that fails |\n|---|---|\n"
        for (mode, check) in Self.evilExpectations {
            // Legal behaviour a correct RP accepts: no check fails.
            text += "| `\(mode.rawValue)` | \(check.map { "`\($0)`" } ?? "none: legal OP behaviour, oidcc-server passes") |\n"
        }
        try FileManager.default.createDirectory(atPath: repositoryRoot + "/reports", withIntermediateDirectories: true)
        try text.write(toFile: repositoryRoot + "/reports/conformance-mocks.md", atomically: true, encoding: .utf8)
    }

    /// `--jobs`: the same verdicts as one check after another, reported in the plans' order.
    @Test func checksAtOnceGiveTheSameVerdictsInTheSameOrder() async throws {
        let profile = try #require(Self.catalog["login-pages-oidc"])
        var verdicts: [[String]] = []
        for jobs in [1, 6] {
            var adjusted = profile
            adjusted.device.interval = 1
            let running = try await MockProviderServer.start(adjusted)
            var run = try Self.configuredRun(adjusted, running)
            run.jobs = jobs
            let outcome = await run.execute()
            await running.stop()
            verdicts.append(outcome.results.map { "\($0.plan)/\($0.check.id.rawValue) \($0.verdict.name)" })
        }
        #expect(verdicts[0] == verdicts[1])
        #expect(verdicts[0].count > 80)
    }

    @Test func everySignatureMethodTheOAuth1MockClaimsIsTried() async throws {
        let outcome = try await Self.run("twitter-style-oauth1", filter: "signature-methods")
        #expect(outcome.results.map(\.verdict) == [.pass("accepted: HMAC-SHA1, HMAC-SHA256, RSA-SHA1, PLAINTEXT")])
    }

    /// A broken token endpoint gets a verdict that says what was wrong, within the check's time
    /// limit, and the reports are still written: never a crash or a hang.
    @Test(arguments: [
        Fault.Kind.truncatedJSON, .malformedJSON, .hugeBody, .closeBeforeResponse, .closeMidBody, .redirectLoop, .status, .slowBody, .latency,
    ])
    func aBrokenTokenEndpointFailsTheCheckAndNothingElseBreaks(_ kind: Fault.Kind) async throws {
        let started = ContinuousClock.now
        let outcome = try await Self.run("standard-oauth2", filter: "authorization-code-grant", checkTimeout: .seconds(2)) { running in
            running.faults.arm(Fault(kind: kind, path: "/oauth2/token", status: 500, milliseconds: 5000))
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        let result = try #require(outcome.results.first)
        guard case .fail(let reason) = result.verdict else {
            Issue.record("\(kind.rawValue): \(result.verdict)")
            return
        }
        #expect(!reason.isEmpty)
        #expect(outcome.exitCode == .failed)
        #expect(FileManager.default.fileExists(atPath: outcome.junitPath))
        #expect(FileManager.default.fileExists(atPath: outcome.reportPath))
    }

    @Test func everyProbeIsInAShippedPlan() throws {
        let plans = try ConformancePlan.loadAll(directory: repositoryRoot + "/Plans")
        #expect(
            plans.map(\.name).sorted() == [
                "device-authorization", "dpop", "dynamic-registration", "jar", "oauth1-provider", "oauth2-authorization-server",
                "oidc-backchannel-logout", "oidc-basic-op", "oidc-config-op", "oidc-dynamic-op", "oidc-form-post-op", "oidc-frontchannel-logout",
                "oidc-rp-initiated-logout", "par",
                "protected-resource",
                "token-exchange",
            ]
        )
        let listed = Set(plans.flatMap { $0.checks.map(\.id) })
        #expect(Set(CheckID.allCases).subtracting(listed) == [])
        let modules = try #require(plans.first { $0.name == "oidc-basic-op" }).checks.filter { $0.id.rawValue.hasPrefix("oidcc-") }
        #expect(modules.count == 38)
        // The OpenID Foundation's RP-Initiated Logout OP plan: 11 modules.
        #expect(try #require(plans.first { $0.name == "oidc-rp-initiated-logout" }).checks.count == 11)
        // The OpenID Foundation's Dynamic OP plan: 23 modules, all named oidcc-*.
        let dynamic = try #require(plans.first { $0.name == "oidc-dynamic-op" })
        #expect(dynamic.checks.count == 23 && dynamic.checks.allSatisfy { $0.id.rawValue.hasPrefix("oidcc-") } && dynamic.dynamicClient)
    }

    @Test func aBadProviderFileIsExitTwoWithItsLocation() async throws {
        let folder = NSTemporaryDirectory() + "oauth-harness-check-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/provider.yaml"
        try
            "name: x\nprovider: { url: http://127.0.0.1:9 }\nclients:\n  - client_id: a\n    redirect_uri: http://127.0.0.1/cb\n    auth_method: magic\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        var run = ConformanceRun(providerFile: file)
        run.plansDirectory = repositoryRoot + "/Plans"
        run.reportDirectory = folder
        let outcome = await run.execute()
        #expect(outcome.exitCode == .invalid)
        #expect(outcome.invalid.first?.contains("provider.yaml:6:") == true)
    }

    @Test func missingCredentialsSkipEveryCheck() async throws {
        let folder = NSTemporaryDirectory() + "oauth-harness-check-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/provider.yaml"
        try
            "name: absent\nprovider: { url: http://127.0.0.1:9 }\nclients:\n  - { client_id: a, client_secret: \"${NO_SUCH_SECRET_FOR_TEST}\", redirect_uri: http://127.0.0.1/cb }\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        var run = ConformanceRun(providerFile: file)
        run.plansDirectory = repositoryRoot + "/Plans"
        run.reportDirectory = folder
        run.environment = [:]
        let outcome = await run.execute()
        #expect(outcome.exitCode == .passed)
        #expect(!outcome.results.isEmpty)
        #expect(outcome.results.allSatisfy { $0.verdict == .skipped("no value for NO_SUCH_SECRET_FOR_TEST") })
    }
}

/// `oauth-harness check` as a process: exit codes, reports, flags, `list plans`.
@Suite(.serialized) struct CheckCommandTests {
    @Test func checkAMockByURLExitsZeroAndWritesBothReports() async throws {
        let directory = try temporaryDirectory()
        let result = try await runCLIOffPool(["check", "--mock", "standard-oauth2", "--reports", directory, "--format", "github", "--jobs", "4"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("PASS oauth2-authorization-server/code-single-use"))
        #expect(FileManager.default.fileExists(atPath: directory + "/conformance-standard-oauth2.xml"))
        #expect(FileManager.default.fileExists(atPath: directory + "/conformance-standard-oauth2.md"))
    }

    @Test func aQuirkProviderExitsOneAndNamesTheFix() async throws {
        let directory = try temporaryDirectory()
        let result = try await runCLIOffPool(
            ["check", "--mock", "github-style", "--plan", "oauth2-authorization-server", "--reports", directory, "--format", "github"]
        )
        #expect(result.status == 1)
        #expect(result.stdout.contains("quirk scope_comma_separated"))
        #expect(result.stdout.contains("compliance fix: comma_separated_scope"))
        #expect(result.stdout.contains("::error title=oauth2-authorization-server/token-response-json::"))
    }

    @Test func flagsWithAMissingSecretVariableSkipEverything() async throws {
        let directory = try temporaryDirectory()
        let result = try await runCLIOffPool([
            "check", "--url", "http://127.0.0.1:9", "--client-id", "c", "--client-secret-env", "OAUTH_HARNESS_TEST_UNSET_SECRET", "--reports",
            directory,
        ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("0 passed, 0 failed, 0 warnings, 59 skipped"), "\(result.stdout)")
    }

    @Test func badInvocationsExitTwo() async throws {
        #expect(try await runCLIOffPool(["check"]).status == 2)
        #expect(try await runCLIOffPool(["check", "--url", "http://127.0.0.1:9"]).status == 2)
        #expect(try await runCLIOffPool(["check", "--mock", "no-such-profile"]).status == 2)
        #expect(try await runCLIOffPool(["check", "--mock", "standard-oauth2", "--plan", "no-such-plan"]).status == 2)
    }

    @Test func listPlansNamesEveryCheckWithItsSection() async throws {
        let result = try await runCLIOffPool(["list", "plans"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("plan oidc-basic-op"))
        #expect(result.stdout.contains("  oidcc-codereuse-30seconds [OpenID Connect Core 1.0 §3.1.3.2; RFC 6749 §4.1.2]"))
        #expect(result.stdout.contains("  redirect-uri-exact-match [RFC 6749 §3.1.2, §4.1.2.1; RFC 9700 §4.1.3]"))
    }
}
