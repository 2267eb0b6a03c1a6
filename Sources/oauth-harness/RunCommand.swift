import ArgumentParser
import Foundation
import Harness

/// The scenario paths and profile folder that `run`, `validate` and `list` read.
struct Inputs: ParsableArguments {
    @Argument(help: "Scenario files or folders (searched recursively for .yaml/.yml).")
    var paths: [String] = ["Scenarios"]

    @Option(help: "Folder of provider profiles.")
    var profiles = "MockProviders"
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scenarios and write a JUnit XML report.",
        discussion: """
            Each scenario starts its own mock provider on an ephemeral 127.0.0.1 port and drives the real \
            client through it over HTTP. One line per scenario goes to standard output, then a summary.
            """)

    @OptionGroup var inputs: Inputs

    @Option(help: "Where to write the JUnit XML report.")
    var junit = "reports/junit.xml"

    @Option(help: "Only run scenarios whose folder/name or file path contains this text (case-insensitive).")
    var filter: String?

    @Option(help: "How many scenarios run at once (default: the number of cores).")
    var jobs: Int?

    @Option(help: "Run only shard K of N, as K/N (e.g. 2/4); scenarios are dealt round-robin in path order.")
    var shard: String?

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
        let summary = await harness.execute { line in
            if line.hasPrefix("error:") { printError(line) } else { print(line) }
            flushStandardOutput()
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
    static let configuration = CommandConfiguration(abstract: "List provider profiles and scenarios, one per line.")

    @OptionGroup var inputs: Inputs

    mutating func run() async throws {
        let listing = try HarnessRun.listing(paths: inputs.paths, profilesDirectory: inputs.profiles)
        for line in listing { print(line) }
    }
}
