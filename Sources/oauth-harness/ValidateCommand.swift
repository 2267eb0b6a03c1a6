import ArgumentParser
import Foundation
import Harness
import MockProviders
import OAuthCore

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
