import Foundation
import MockProviders
import Testing

@testable import Harness

/// `check --baseline` / `--write-baseline`: the file's format and errors, the comparison (new
/// failures and listed checks that no longer fail, by name), and a real run against a quirky
/// mock whose written baseline makes the next run pass until the provider changes.
@Suite struct BaselineTests {
    static func result(_ check: CheckID, _ verdict: CheckVerdict, plan: String = "oauth2-authorization-server") -> CheckResult {
        CheckResult(
            plan: plan,
            check: ConformancePlan.Check(id: check, section: "RFC 6749", title: "t", level: .required),
            verdict: verdict,
            seconds: 0,
            transcript: ""
        )
    }

    @Test(arguments: [
        ("oauth2-authorization-server/pkce-s256\n", 1, "expected PLAN/CHECK — REASON"),
        ("# why\n\noauth2-authorization-server/pkce-s256 — \n", 3, "has no reason"),
        ("a/b — one\na/b -- two\n", 2, "listed twice (first on line 1)"),
        ("not an id — reason\n", 1, "is not a PLAN/CHECK id"),
        ("a/b/c — reason\n", 1, "is not a PLAN/CHECK id"),
    ])
    func aMalformedLineIsAnErrorNamingTheFileAndLine(text: String, line: Int, message: String) {
        let error = #expect(throws: CheckFailure.self) { try ConformanceBaseline.parse(text, file: "b.baseline") }
        #expect(error?.reason.hasPrefix("b.baseline:\(line):") == true, "\(String(describing: error))")
        #expect(error?.reason.contains(message) == true, "\(String(describing: error))")
    }

    @Test func theComparisonNamesNewFailuresAndListedChecksThatNoLongerFail() throws {
        let baseline = try ConformanceBaseline.parse(
            """
            # a provider's deviations
            oauth2-authorization-server/repeated-parameters — takes one value per name
            oauth2-authorization-server/pkce-s256 -- fixed since
            warning oauth2-authorization-server/token-response-no-store — no Cache-Control
            oauth2-authorization-server/revocation — its plan was not run
            """,
            file: "p.baseline"
        )
        let results = [
            Self.result(.repeatedParameters, .fail("a token for grant_type twice")),
            Self.result(.pkceS256, .pass("ok")),
            Self.result(.codeSingleUse, .fail("HTTP 200\u{2028}expected 400")),
            Self.result(.tokenResponseNoStore, .warning("no Cache-Control")),
        ]
        let failuresOnly = baseline.compare(results, warnings: false)
        #expect(failuresOnly.matched == 1)
        #expect(failuresOnly.new.map(\.id) == ["oauth2-authorization-server/code-single-use"])
        #expect(failuresOnly.gone.map(\.entry.id) == ["oauth2-authorization-server/pkce-s256", "oauth2-authorization-server/revocation"])
        #expect(failuresOnly.gone.map(\.outcome) == ["now passes", "was not run (no such check in the plans run, or filtered out)"])
        #expect(!failuresOnly.matches)
        let lines = failuresOnly.lines(file: "p.baseline")
        #expect(lines.first == "baseline: new failure oauth2-authorization-server/code-single-use: HTTP 200 expected 400")
        #expect(lines.contains("baseline: oauth2-authorization-server/pkce-s256 (p.baseline:3) now passes"))
        #expect(lines.last == "baseline: 3 difference(s) from p.baseline")
        // With warnings compared, the listed warning matches as well.
        #expect(baseline.compare(results, warnings: true).matched == 2)
        // A warning the baseline does not list is new only when warnings are compared.
        let unlisted = try ConformanceBaseline.parse("oauth2-authorization-server/repeated-parameters — one\n", file: "q")
        let warned = [Self.result(.repeatedParameters, .fail("x")), Self.result(.tokenResponseNoStore, .warning("no-store missing"))]
        #expect(unlisted.compare(warned, warnings: false).matches)
        #expect(unlisted.compare(warned, warnings: true).new.map(\.verdict) == ["warning"])
    }

    @Test func aWrittenBaselineIsOneLinePerCheckAndReadsBackAsAMatch() throws {
        let hostile = String(repeating: "x", count: 300) + "\n" + "oauth2-authorization-server/pkce-s256 — injected"
        let results = [
            Self.result(.repeatedParameters, .fail(hostile)),
            Self.result(.tokenResponseNoStore, .warning("tab\there")),
            Self.result(.pkceS256, .pass("ok")),
        ]
        let text = ConformanceBaseline.render(results, warnings: true, provider: "p")
        let entries = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(entries.count == 2)
        #expect(entries[0].hasPrefix("oauth2-authorization-server/repeated-parameters — xxx"))
        #expect(entries[0].hasSuffix("…"))
        #expect(entries[1] == "warning oauth2-authorization-server/token-response-no-store — tab here")
        let read = try ConformanceBaseline.parse(text, file: "written")
        #expect(read.entries.map(\.id) == ["oauth2-authorization-server/repeated-parameters", "oauth2-authorization-server/token-response-no-store"])
        #expect(read.compare(results, warnings: true).matches)
    }

    /// The whole loop against `slack-style` (eight failures): write, then pass with it; drop a
    /// line and the run fails naming that check.
    @Test func checkPassesWithItsOwnBaselineAndFailsNamingWhatChanged() async throws {
        let profile = try #require(try ProviderCatalog.load(directory: repositoryRoot + "/MockProviders")["slack-style"])
        let running = try await MockProviderServer.start(profile)
        let file = try temporaryDirectory() + "/slack.baseline"
        var first = try ConformanceCheckTests.configuredRun(profile, running)
        first.writeBaseline = file
        let written = await first.execute()
        #expect(written.exitCode == .failed)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let failed = written.results.filter { $0.verdict.name == "fail" }.map { "\($0.plan)/\($0.check.id.rawValue)" }
        #expect(failed.count >= 5)
        #expect(failed.allSatisfy { text.contains($0 + " — ") })

        var second = try ConformanceCheckTests.configuredRun(profile, running)
        second.baseline = file
        let matched = await second.execute()
        #expect(matched.exitCode == .passed, "\(matched.baseline?.lines(file: file) ?? [])")
        #expect(matched.baseline?.matched == failed.count)

        let dropped = failed[0]
        try text.split(separator: "\n").filter { !$0.hasPrefix(dropped + " ") }.joined(separator: "\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        var third = try ConformanceCheckTests.configuredRun(profile, running)
        third.baseline = file
        let changed = await third.execute()
        #expect(changed.exitCode == .failed)
        #expect(changed.baseline?.new.map(\.id) == [dropped])
        await running.stop()
    }
}
