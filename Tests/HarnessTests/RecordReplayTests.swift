import Foundation
import HarnessFiles
import MockProviders
import OAuthCore
import Testing

@testable import Harness

@Suite(.serialized) struct RecordReplayTests {
    /// Record a run against the mock, replay the recording offline: the replayed scenario passes,
    /// and nothing secret was written.
    @Test func recordThenReplayRoundTrip() async throws {
        let directory = try temporaryDirectory()
        let profiles = directory + "/profiles"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/MockProviders", toPath: profiles)
        let transport = AsyncHTTPClientTransport()
        let recording = try await ScenarioRecorder.record(
            scenarioPath: repositoryRoot + "/Scenarios/oauth2/post-auth-success.yaml",
            profileName: "recorded",
            catalog: try ProviderCatalog.load(directory: profiles),
            environment: [:],
            transport: transport
        )
        try await transport.shutdown()
        #expect(recording.result.outcome == .passed)
        #expect(recording.exchanges == 4)
        #expect(!recording.profileYAML.contains("harness-secret"))
        for line in recording.profileYAML.split(separator: "\n") where line.contains("access_token") || line.contains("refresh_token") {
            #expect(line.contains(Redactor.mask) || !line.contains(":"), "\(line)")
        }
        try recording.profileYAML.write(toFile: profiles + "/recorded.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/replay", withIntermediateDirectories: true)
        try recording.scenarioYAML.write(toFile: directory + "/replay/recorded.yaml", atomically: true, encoding: .utf8)

        var run = harness(paths: [directory + "/replay"], junit: directory + "/junit.xml")
        run.profilesDirectory = profiles
        let replayed = await run.execute()
        #expect(replayed.results.map(\.outcome) == [.passed], "\(replayed.results.map(HarnessRun.describe))")
        #expect(replayed.results.first?.transcript.contains("provider recorded at http://127.0.0.1:") == true)
    }

    @Test func replayingPastTheRecordingIsAClearError() async throws {
        let profile = try ProviderProfile(
            yaml: YAMLNode.parse(
                """
                name: tiny
                models: a test
                protocol: replay
                exchanges:
                  - request: { method: GET, path: /api/me }
                    response: { status: 200, headers: { Content-Type: application/json }, body: '{"sub":"x"}' }
                """,
                file: "tiny.yaml"
            )
        )
        let provider = MockReplayProvider(profile: profile)
        #expect(await provider.handle(TransportRequest(method: "GET", url: "/api/me")).status == 200)
        let second = await provider.handle(TransportRequest(method: "GET", url: "/api/me"))
        #expect(second.status == 404)
        #expect(second.bodyText.contains("no recorded answer #2 for GET /api/me"))
    }
}
