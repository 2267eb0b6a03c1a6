import ArgumentParser
import Foundation
import Harness
import MockProviders
import OAuthCore

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
