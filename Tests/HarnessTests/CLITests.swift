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
func runCLIOffPool(
    _ arguments: [String],
    in directory: String = repositoryRoot,
    environment: [String: String] = [:]
) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runCLI(arguments, in: directory, environment: environment) })
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

/// The binary outside this repository: the built-in profiles and plans are compiled in.
@Suite(.serialized) struct AnyFolderTests {
    @Test func initRunListServeAndCheckWorkFromAnEmptyFolder() async throws {
        let directory = try temporaryDirectory()
        func cli(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runCLIOffPool(arguments, in: directory)
        }
        #expect(try await cli(["init"]).status == 0)
        let run = try await cli(["run", "Scenarios/my-provider/login.yaml"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("1 passed, 0 failed"))
        #expect(FileManager.default.fileExists(atPath: directory + "/reports/junit.xml"))
        let list = try await cli(["list"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("profile standard-oauth2 built-in:MockProviders/standard-oauth2.yaml"))
        #expect(list.stdout.contains("profile google-style-oidc"))
        let plans = try await cli(["list", "plans"])
        #expect(plans.stdout.contains("plan oidc-basic-op built-in:Plans/oidc-basic-op/plan.yaml"))
        // A built-in OpenID profile: its signing keys are built in too.
        let check = try await cli(["check", "--mock", "google-style-oidc", "--filter", "oidcc-server"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let validate = try await cli(["validate", "Scenarios"])
        #expect(validate.status == 0, "\(validate.stderr)")
    }

    @Test func aProjectProfileAddsToTheBuiltInsAndReplacesOneByNameSayingSo() async throws {
        let directory = try temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/MockProviders", withIntermediateDirectories: true)
        let github = try String(contentsOfFile: repositoryRoot + "/MockProviders/github-style.yaml", encoding: .utf8)
        try github.replacingOccurrences(of: "models: \"", with: "models: \"project copy: ")
            .write(toFile: directory + "/MockProviders/github-style.yaml", atomically: true, encoding: .utf8)
        try github.replacingOccurrences(of: "name: github-style", with: "name: my-provider")
            .write(toFile: directory + "/MockProviders/my-provider.yaml", atomically: true, encoding: .utf8)
        func cli(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runCLIOffPool(arguments, in: directory)
        }
        let list = try await cli(["list"])
        #expect(list.stdout.contains("profile my-provider MockProviders/my-provider.yaml"), "\(list.stdout)\(list.stderr)")
        #expect(list.stdout.contains("profile github-style MockProviders/github-style.yaml — project copy: "))
        #expect(list.stdout.contains("profile standard-oauth2 built-in:MockProviders/standard-oauth2.yaml"))
        let run = try await cli(["run", repositoryRoot + "/Scenarios/quirks/github-style-with-fix.yaml"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("note: the profile github-style in MockProviders replaces the built-in one"), "\(run.stderr)")
    }
}
