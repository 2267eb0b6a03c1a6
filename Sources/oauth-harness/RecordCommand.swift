import ArgumentParser
import Foundation
import Harness
import MockProviders
import OAuthCore

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
