import ArgumentParser
import Foundation
import Harness
import MockProviders
import OAuthCore

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
