import Foundation
import Testing

@testable import Harness

/// The built `oauth-harness` binary (a product of this package, built with the tests).
func harnessBinary() throws -> URL {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oauth-harness").path,
        repositoryRoot + "/.build/debug/oauth-harness",
    ]
    return URL(fileURLWithPath: try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "oauth-harness is not built"))
}

func runCLI(
    _ arguments: [String],
    in directory: String = repositoryRoot,
    environment: [String: String] = [:]
) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = try harnessBinary()
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// `runCLI` off Swift's cooperative pool: waiting for a process blocks its thread, and on two
/// cores a blocked pool starves every other test's timers.
func runCLIOffPool(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runCLI(arguments, environment: environment) })
        }
    }
}

@Suite(.serialized) struct CLITests {
    @Test func invalidScenarioExitsTwoNamingFileLineColumn() throws {
        let directory = try temporaryDirectory()
        let file = directory + "/typo.yaml"
        try (validHead + "steps:\n  - authorise: {}\n").write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runCLI(["run", file, "--junit", directory + "/junit.xml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(file):7:5: unknown key \"authorise\" in a step"), "\(result.stderr)")
        // Nothing is lost: the report exists and records the invalid file as an error.
        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        #expect(xml.contains("<error message=\"\(file):7:5"))
    }

    @Test func failingScenarioExitsOne() throws {
        let directory = try temporaryDirectory()
        try (validHead + "steps:\n  - authorize: { consent: deny }\n").write(toFile: directory + "/deny.yaml", atomically: true, encoding: .utf8)
        let result = try runCLI(["run", directory, "--junit", directory + "/junit.xml"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("0 passed, 1 failed, 0 skipped"))
        #expect(FileManager.default.fileExists(atPath: directory + "/junit.xml"))
    }

    @Test func badInvocationExitsTwo() throws {
        #expect(try runCLI(["run", "--shard", "5/2"]).status == 2)
        #expect(try runCLI(["run", "--jobs", "zero"]).status == 2)
        #expect(try runCLI(["serve", "--host", "0.0.0.0"]).status == 2)
        #expect(try runCLI(["run", "/no/such/folder", "--junit", try temporaryDirectory() + "/j.xml"]).status == 2)
    }

    @Test func listShowsProfilesAndScenarios() throws {
        let result = try runCLI(["list"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("profile standard-oauth2 "))
        #expect(result.stdout.contains("scenario oauth2/PKCE S256 with a public client Scenarios/oauth2/pkce-s256-success.yaml"))
    }

    @Test func serveAnnouncesBaseURLAndStopsOnSIGTERM() async throws {
        let process = Process()
        process.executableURL = try harnessBinary()
        process.arguments = ["serve", "standard-oauth2"]
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        // The first line arrives once the server listens; readLine-style, bounded by the pipe closing.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.range(of: #"^standard-oauth2 http://127\.0\.0\.1:\d+\n$"#, options: .regularExpression) != nil, "\(text)")
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
