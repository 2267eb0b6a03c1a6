import ArgumentParser
import Foundation
import Harness
import MockProviders
import OAuthCore

/// The scenario paths and profile folder that `run`, `validate` and `list` read.
struct Inputs: ParsableArguments {
    @Argument(help: "Scenario files or folders (searched recursively for .yaml/.yml).")
    var paths: [String] = ["Scenarios"]

    @Option(help: "Folder of provider profiles; they add to the built-in ones and replace one of the same name.")
    var profiles = "MockProviders"
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scenarios and write a JUnit XML report.",
        discussion: """
            Each scenario starts its own mock provider on an ephemeral 127.0.0.1 port and drives the real \
            client through it over HTTP. One line per scenario goes to standard output, then a summary.
            """
    )

    @OptionGroup var inputs: Inputs

    @Option(help: "Where to write the JUnit XML report.")
    var junit = "reports/junit.xml"

    @Option(help: "Only run scenarios whose folder/name or file path contains this text (case-insensitive).")
    var filter: String?

    @Option(help: "How many scenarios run at once (default: the number of cores).")
    var jobs: Int?

    @Option(help: "Run only shard K of N, as K/N (e.g. 2/4); scenarios are dealt round-robin in path order.")
    var shard: String?

    @Option(help: "Output format: plain (one line per scenario) or github (plus ::error annotations for GitHub Actions).")
    var format: OutputFormat = .plain

    @Flag(help: "Print the redacted HTTP transcript of every failed scenario.")
    var verbose = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case plain, github
    }

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let shard { _ = try Self.parseShard(shard) }
    }

    static func parseShard(_ text: String) throws -> (Int, Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else {
            throw ValidationError("--shard must be K/N with 1 ≤ K ≤ N, got \(text)")
        }
        return (k, n)
    }

    mutating func run() async throws {
        var harness = HarnessRun()
        harness.paths = inputs.paths
        harness.junitPath = junit
        harness.filter = filter
        harness.profilesDirectory = inputs.profiles
        if let jobs { harness.jobs = jobs }
        if let shard { harness.shard = try Self.parseShard(shard) }
        // On a terminal, one progress line rewritten in place; otherwise one plain line per scenario.
        let progress = isatty(1) == 1 && format == .plain ? ProgressLine() : nil
        let summary = await harness.execute { line in
            if line.hasPrefix("error:") || line.hasPrefix("note:") {
                progress?.clear()
                printError(line)
            } else if let progress {
                progress.show(line)
            } else {
                print(line)
            }
            flushStandardOutput()
        }
        progress?.finish()
        if verbose {
            for result in summary.results {
                if case .failed = result.outcome { print("--- transcript of \(result.folder)/\(result.name)\n\(result.transcript)") }
            }
        }
        if format == .github {
            for line in GitHubAnnotations.lines(summary) { print(line) }
        }
        print("JUnit report: \(junit)")
        print(summary.line)
        if summary.exitCode != .passed { throw ExitCode(summary.exitCode.rawValue) }
    }
}

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check scenarios and provider profiles without running them.")

    @OptionGroup var inputs: Inputs

    mutating func run() async throws {
        let problems = HarnessRun.validate(paths: inputs.paths, profilesDirectory: inputs.profiles)
        for problem in problems.errors { printError("error: \(problem)") }
        print("\(problems.scenarios) scenario(s), \(problems.profiles) profile(s), \(problems.errors.count) error(s)")
        if !problems.errors.isEmpty { throw ExitCode(2) }
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List provider profiles and scenarios, one per line; `list plans` lists the conformance plans and their checks."
    )

    @OptionGroup var inputs: Inputs

    @Option(help: "Folder of conformance plans (for `list plans`).")
    var plansFolder = "Plans"

    mutating func run() async throws {
        // `list plans`: the conformance plans and their checks (unless a folder is named "plans").
        if inputs.paths == ["plans"], !FileManager.default.fileExists(atPath: "plans") {
            do {
                for plan in try ConformancePlan.loadAll(directory: plansFolder) {
                    print("plan \(plan.name) \(plan.file) — \(plan.title) (\(plan.checks.count) checks)")
                    for check in plan.checks {
                        print("  \(check.id.rawValue) [\(check.section)]\(check.level == .recommended ? " (recommended)" : "") — \(check.title)")
                    }
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            return
        }
        let listing = try HarnessRun.listing(paths: inputs.paths, profilesDirectory: inputs.profiles)
        for line in listing { print(line) }
    }
}

struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge JUnit files (e.g. from shards) into one.",
        discussion: "Suites with the same name are joined and every count is recomputed."
    )

    @Argument(help: "The merged file to write.")
    var output: String

    @Argument(help: "JUnit files to merge.")
    var inputs: [String]

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one input file") }
    }

    mutating func run() async throws {
        do {
            let merged = try JUnitMerge.merge(files: inputs)
            let url = URL(fileURLWithPath: output)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(merged.utf8).write(to: url, options: .atomic)
            print("merged \(inputs.count) file(s) into \(output)")
        } catch let error as JUnitMerge.MergeError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a starter scenario to edit.")

    @Argument(help: "Where to write it.")
    var path = "Scenarios/my-provider/login.yaml"

    @Option(help: "The provider profile it targets.")
    var provider = "standard-oauth2"

    mutating func run() async throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            printError("error: \(path) exists; choose another path")
            throw ExitCode(2)
        }
        let text = """
            # A starter scenario: the authorization code flow with PKCE, then an API call.
            # Format: Scenarios/README.md. Check it with `oauth-harness validate \(path)`.
            name: login with \(provider)
            provider: \(provider)
            client:
              client_id: ${CLIENT_ID:-harness-client}
              client_secret: ${CLIENT_SECRET:-harness-secret}
              pkce: S256
            steps:
              - authorize: { consent: approve }
              - fetch_token: {}
              - expect: { token.access_token: present, token.token_type: Bearer }
              - get: /api/me
              - expect: { status: 200 }

            """
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        print("wrote \(path)")
    }
}

struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario and save the provider's answers as a replay profile.",
        discussion: """
            Writes <profiles>/<name>.yaml (protocol: replay, secrets redacted) and <scenarios>/<name>.yaml, a copy \
            of the scenario that runs against it. Exit status 1 if the recorded run failed (the recording is still written).
            """
    )

    @Argument(help: "The scenario file to run and record.")
    var scenario: String

    @Option(help: "Name of the replay profile to write.")
    var name: String

    @Option(help: "Folder of provider profiles (the recording goes there too).")
    var profiles = "MockProviders"

    @Option(help: "Folder for the replaying copy of the scenario.")
    var scenarios = "Scenarios/replay"

    @Flag(help: "Replace existing files.")
    var force = false

    mutating func run() async throws {
        let profilePath = (profiles as NSString).appendingPathComponent(name + ".yaml")
        let scenarioPath = (scenarios as NSString).appendingPathComponent(name + ".yaml")
        for path in [profilePath, scenarioPath] where FileManager.default.fileExists(atPath: path) && !force {
            printError("error: \(path) exists; use --force to replace it")
            throw ExitCode(2)
        }
        let transport = AsyncHTTPClientTransport()
        let recording: ScenarioRecorder.Recording
        do {
            let catalog = try ProviderCatalog.load(directory: profiles)
            recording = try await ScenarioRecorder.record(
                scenarioPath: scenario,
                profileName: name,
                catalog: catalog,
                environment: ProcessInfo.processInfo.environment,
                transport: transport
            )
        } catch {
            try? await transport.shutdown()
            printError("error: \(error)")
            throw ExitCode(2)
        }
        try? await transport.shutdown()
        try FileManager.default.createDirectory(atPath: scenarios, withIntermediateDirectories: true)
        try Data(recording.profileYAML.utf8).write(to: URL(fileURLWithPath: profilePath))
        try Data(recording.scenarioYAML.utf8).write(to: URL(fileURLWithPath: scenarioPath))
        print(HarnessRun.describe(recording.result))
        print("recorded \(recording.exchanges) exchanges into \(profilePath); replay with: oauth-harness run \(scenarioPath)")
        if case .passed = recording.result.outcome { return }
        if case .skipped = recording.result.outcome { return }
        throw ExitCode(1)
    }
}

/// A single status line on a terminal: counts and the latest scenario; failures stay visible.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0, failed = 0

    func show(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if line.hasPrefix("FAIL") || line.hasPrefix("ERROR") {
            failed += 1
            print("\r\u{1B}[2K" + line)
        }
        let latest = line.count > 70 ? String(line.prefix(70)) + "…" : line
        print("\r\u{1B}[2K[\(done) done, \(failed) failed] \(latest)", terminator: "")
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        print("\r\u{1B}[2K", terminator: "")
    }

    func finish() {
        clear()
    }
}
