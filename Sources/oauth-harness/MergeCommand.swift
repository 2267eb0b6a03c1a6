import ArgumentParser
import Foundation
import Harness
import MockProviders
import OAuthCore

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
