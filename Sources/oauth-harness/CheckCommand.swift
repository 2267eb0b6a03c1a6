import ArgumentParser
import Foundation
import Harness

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Judge a provider: run conformance plans against it and name its quirks.",
        discussion: """
            PROVIDER is a YAML file (docs/conformance.md): the provider by URL or discovery document, one or two \
            registered clients with ${ENV} secrets, a test user and the optional features to expect. Every check's \
            verdict is pass, fail, warning or skipped, citing the section it enforces; the evidence (the redacted \
            exchange) is in the JUnit system-out, and reports/conformance-<name>.md has one table per plan. \
            Exit status: 0 no check failed (with --baseline: the failed checks are exactly the listed ones) · \
            1 some check failed (with --baseline: a difference from it) · 2 bad input.
            """
    )

    @Argument(help: "The provider file (not with --mock).")
    var provider: String?

    @Option(help: "Check a built-in mock profile instead, served on a loopback port and judged by URL like any provider.")
    var mock: String?

    @Option(help: "Instead of a file: the provider's URL (its metadata is looked up there).")
    var url: String?

    @Option(help: "Instead of a file: the provider's metadata document (OpenID Connect Discovery or RFC 8414).")
    var discovery: String?

    @Option(help: "With --url/--discovery: the registered client.")
    var clientID: String?

    @Option(help: "With --url/--discovery: the environment variable that holds the client secret (none: a public client).")
    var clientSecretEnv: String?

    @Option(help: "With --url/--discovery: the client's registered redirect URI.")
    var redirectURI = "http://127.0.0.1:8400/callback"

    @Option(help: "With --url/--discovery: a scope to ask for (repeatable; openid makes the OpenID plan apply).")
    var scope: [String] = []

    @Option(help: "With --url/--discovery: the test user's name at the provider's login page.")
    var username: String?

    @Option(help: "With --url/--discovery: the environment variable that holds the test user's password.")
    var passwordEnv: String?

    @Option(name: .customLong("plan"), help: "A plan to run (repeatable; default: every plan that applies to the provider).")
    var plans: [String] = []

    @Option(help: "Folder of conformance plans.")
    var plansFolder = "Plans"

    @Option(help: "Where to write the JUnit XML report (default: reports/conformance-<name>.xml).")
    var junit: String?

    @Option(help: "Folder for the Markdown report.")
    var reports = "reports"

    @Option(help: "Only run checks whose plan/check id contains this text (case-insensitive).")
    var filter: String?

    @Option(help: "Write a mock profile NAME.yaml with the provider's paths, scopes and detected quirks (never its secrets).")
    var writeProfile: String?

    @Option(help: "Folder of provider profiles: --mock and --against read it, --write-profile writes there.")
    var profiles = "MockProviders"

    @Option(
        help: ArgumentHelp(
            "Compare the failed checks with this baseline: exit 0 exactly when they are the ones it lists.",
            discussion: """
                One check per line, PLAN/CHECK — REASON (a # starts a comment; `warning PLAN/CHECK — …` lists a warned one). \
                A failure the file does not list, and a listed check that now passes (or is skipped, or was not run), are \
                printed by name; either makes the exit status 1.
                """
        )
    )
    var baseline: String?

    @Flag(help: "With --baseline or --write-baseline: warned checks are compared and written too.")
    var baselineWarnings = false

    @Option(help: "Write the failed (and, with --baseline-warnings, warned) checks as a baseline to start from; edit each reason.")
    var writeBaseline: String?

    @Option(
        help: ArgumentHelp(
            "Run up to N checks at once (default 1: one after another, in the plans' order).",
            discussion: """
                Each check has its own browser. The first check runs alone (it reads the provider's metadata); then the \
                longest waits (a code reused after 30 s, device polling) start first; RP-initiated logout checks, which \
                may end the test user's other sessions, and the quirk summary run last, one after another.
                """
        )
    )
    var jobs = 1

    @Option(
        help: ArgumentHelp(
            "Compare the provider with a mock profile (a name, or a profile YAML file): exit 1 when they differ.",
            discussion: """
                The profile is served on loopback and checked by the same plans. Every difference of what it plays from \
                what the provider does is drift: endpoint paths, quirks, the test user's claims and their JSON types, the \
                access token's lifetime, refresh tokens and their rotation, and the grants, client authentication and \
                PKCE methods and scopes the metadata lists. With --against, failed checks make the exit status 1 only \
                with --baseline.
                """,
            valueName: "profile"
        )
    )
    var against: String?

    @Option(help: "Output format: plain (one line per check) or github (plus ::error annotations for GitHub Actions).")
    var format: Run.OutputFormat = .plain

    func validate() throws {
        let byFlags = url != nil || discovery != nil
        guard [provider != nil, mock != nil, byFlags].filter({ $0 }).count == 1 else {
            throw ValidationError("give one of: a provider file, --mock PROFILE, or --url/--discovery with --client-id")
        }
        if byFlags, clientID == nil { throw ValidationError("--url/--discovery need --client-id") }
        if jobs < 1 || jobs > 64 { throw ValidationError("--jobs must be between 1 and 64") }
    }

    mutating func run() async throws {
        var run = ConformanceRun(providerFile: provider ?? "")
        run.mock = mock
        if let clientID, url != nil || discovery != nil {
            do {
                run.provider = try ProviderFile.flags(
                    url: url,
                    discovery: discovery,
                    clientID: clientID,
                    clientSecretVariable: clientSecretEnv,
                    redirectURI: redirectURI,
                    scope: scope,
                    username: username,
                    passwordVariable: passwordEnv,
                    environment: ProcessInfo.processInfo.environment
                )
            } catch {
                printError("error: \(error.reason)")
                throw ExitCode(2)
            }
        }
        run.plans = plans
        run.plansDirectory = plansFolder
        run.junitPath = junit
        run.reportDirectory = reports
        run.filter = filter
        run.writeProfile = writeProfile
        run.profilesDirectory = profiles
        run.baseline = baseline
        run.baselineWarnings = baselineWarnings
        run.writeBaseline = writeBaseline
        run.jobs = jobs
        run.against = against
        let progress = isatty(1) == 1 && format == .plain ? ProgressLine() : nil
        let outcome = await run.execute { line in
            if let progress { progress.show(line) } else { print(line) }
            flushStandardOutput()
        }
        progress?.finish()
        for problem in outcome.invalid { printError("error: \(problem)") }
        if outcome.exitCode == .invalid && outcome.results.isEmpty { throw ExitCode(2) }
        if progress != nil {
            for result in outcome.results where result.verdict.name == "fail" { print(ConformanceRun.describe(result)) }
        }
        if format == .github {
            for result in outcome.results {
                guard case .fail(let reason) = result.verdict else { continue }
                print(
                    "::error title=\(GitHubAnnotations.escapeProperty(result.plan + "/" + result.check.id.rawValue))::\(GitHubAnnotations.escapeData(result.check.section + ": " + reason))"
                )
            }
        }
        for quirk in outcome.quirks { print("quirk \(quirk.quirk.rawValue): \(quirk.evidence) — compliance fix: \(quirk.fix)") }
        if let path = outcome.profilePath {
            print(
                "profile written: \(path) (serve it with: oauth-harness serve \((path as NSString).deletingPathExtension.split(separator: "/").last ?? ""))"
            )
        }
        if let file = writeBaseline, outcome.exitCode != .invalid { print("baseline written: \(file)") }
        if let comparison = outcome.baseline, let file = baseline {
            for line in comparison.lines(file: file) { print(line) }
        }
        if let drift = outcome.drift, let against {
            for difference in drift { print("drift " + difference.line) }
            for note in outcome.driftNotes { print("not compared: " + note) }
            print(drift.isEmpty ? "no drift against \(against)" : "\(drift.count) difference\(drift.count == 1 ? "" : "s") against \(against)")
        }
        print("JUnit report: \(outcome.junitPath)")
        print("Markdown report: \(outcome.reportPath)")
        print(outcome.line)
        if outcome.exitCode != .passed { throw ExitCode(outcome.exitCode.rawValue) }
    }
}
