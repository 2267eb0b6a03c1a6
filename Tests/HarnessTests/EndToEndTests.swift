import Foundation
import FoundationXML
import MockProviders
import OAuthCore
import OAuthTesting
import Synchronization
import Testing

@testable import Harness

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "oauth-harness-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func harness(paths: [String], junit: String) -> HarnessRun {
    var run = HarnessRun()
    run.paths = paths
    run.junitPath = junit
    run.profilesDirectory = repositoryRoot + "/MockProviders"
    run.environment = [:]
    return run
}

@Suite struct EndToEndTests {
    @Test func shippedScenariosPassAgainstTheMockOverHTTP() async throws {
        let directory = try temporaryDirectory()
        let network = AsyncHTTPClientTransport()
        let capture = CapturingTransport(base: network)
        let summary = await harness(paths: [repositoryRoot + "/Scenarios"], junit: directory + "/junit.xml").execute(transport: capture)
        try await network.shutdown()
        #expect(summary.exitCode == .passed, "\(summary.results.map(HarnessRun.describe))")
        #expect(summary.results.count >= 60)
        // Scenarios/external/ needs a provider's URL from the environment: skipped, never passed.
        #expect(summary.results.allSatisfy { $0.folder == "external" ? $0.outcome.isSkipped : $0.outcome == .passed })
        // Real traffic happened: authorization, token and resource endpoints were all hit.
        let urls = capture.exchanges.map(\.request.url)
        #expect(urls.contains { $0.contains("/oauth2/authorize") })
        #expect(urls.contains { $0.contains("/oauth2/token") })
        #expect(urls.contains { $0.contains("/api/me") })
        #expect(urls.contains { $0.contains("/oauth2/revoke") })
        #expect(urls.contains { $0.contains("/oauth2/introspect") })

        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        #expect(xml.components(separatedBy: "<testcase ").count - 1 == summary.results.count)
        let privateKey = try String(contentsOfFile: repositoryRoot + "/Scenarios/keys/test-fixture-jwt-client.private.pem", encoding: .utf8)
        let keyLines = privateKey.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        let secrets = capture.ledger.secrets.union([
            "harness-secret", "not-the-registered-secret", "harness-jwt-secret-for-hs256-0123456789", "harness-consumer-secret",
            "legacy-consumer-secret",
        ])
        .union(keyLines)
        #expect(secrets.count > 20)
        // Count leaks rather than print the report: a failure message must not show the secrets either.
        // Replay profiles answer with the placeholder itself: it is not a secret.
        let leaked = secrets.subtracting([Redactor.mask]).filter { xml.contains($0) || xml.contains(PercentEncoding.encode($0)) }
        #expect(leaked.isEmpty, "\(leaked.count) of \(secrets.count) secrets leaked into the JUnit report")
        #expect(XMLParser(data: Data(xml.utf8)).parse(), "the JUnit file is well-formed XML")
    }

    @Test func negativeScenarioSaysWhichErrorItSaw() async throws {
        let directory = try temporaryDirectory()
        let summary = await harness(paths: [repositoryRoot + "/Scenarios/oauth2/code-reuse.yaml"], junit: directory + "/junit.xml").execute()
        #expect(summary.exitCode == .passed)
        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        #expect(xml.contains("expected error seen: fetch_token: invalid_grant (HTTP 400): the authorization code was already used"))
        #expect(xml.contains("expected error seen: get: invalid_token (HTTP 401)"))
    }

    @Test func failingScenarioExitsOneAndStillWritesTheReport() async throws {
        let directory = try temporaryDirectory()
        try
            (validHead + """
                steps:
                  - authorize: {}
                  - fetch_token: {}
                  - expect: { token.token_type: MAC }
                """).write(toFile: directory + "/wrong.yaml", atomically: true, encoding: .utf8)
        let summary = await harness(paths: [directory + "/wrong.yaml"], junit: directory + "/out/junit.xml").execute()
        #expect(summary.exitCode == .failed)
        let xml = try String(contentsOfFile: directory + "/out/junit.xml", encoding: .utf8)
        #expect(
            xml.contains(
                #"<failure message="step 3 expect (line 9): token.token_type (line 9): expected equal to &quot;MAC&quot;, found &quot;Bearer&quot;""#
            )
        )
    }

    @Test func unexpectedProviderErrorFailsTheStep() async throws {
        let directory = try temporaryDirectory()
        try
            (validHead.replacingOccurrences(of: "harness-secret", with: "wrong-secret-value") + """
                steps:
                  - authorize: {}
                  - fetch_token: {}
                """).write(toFile: directory + "/s.yaml", atomically: true, encoding: .utf8)
        let summary = await harness(paths: [directory + "/s.yaml"], junit: directory + "/junit.xml").execute()
        #expect(
            summary.results.first?.outcome
                == .failed(
                    step: "step 2 fetch_token (line 8)",
                    message: "fetch_token: invalid_client (HTTP 401): client authentication failed [from provider]"
                )
        )
        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        #expect(!xml.contains("wrong-secret-value"))
    }

    @Test func missingCredentialsSkipNeverPass() async throws {
        let directory = try temporaryDirectory()
        try (validHead.replacingOccurrences(of: "harness-secret", with: "${NOT_SET_ANYWHERE_SECRET}") + "steps: [authorize: {}]\n")
            .write(toFile: directory + "/s.yaml", atomically: true, encoding: .utf8)
        let summary = await harness(paths: [directory + "/s.yaml"], junit: directory + "/junit.xml").execute()
        #expect(summary.exitCode == .passed)
        #expect(summary.results.first?.outcome == .skipped(reason: "needs the environment variable(s) NOT_SET_ANYWHERE_SECRET"))
        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        #expect(xml.contains("<skipped message=\"needs the environment variable(s) NOT_SET_ANYWHERE_SECRET\"/>"))
    }

    @Test func filterAndShardSelect() async throws {
        let directory = try temporaryDirectory()
        var run = harness(paths: [repositoryRoot + "/Scenarios/oauth2"], junit: directory + "/junit.xml")
        run.filter = "AUTHORIZATION CODE WITH CLIENT_SECRET_"
        #expect(
            await run.execute().results.map(\.name).sorted() == [
                "authorization code with client_secret_basic", "authorization code with client_secret_post",
            ]
        )
        run.filter = "oauth2/pkce-s256"
        #expect(await run.execute().results.count == 1)
        run.filter = nil
        var total = 0
        for k in 1...3 {
            run.shard = (k, 3)
            total += await run.execute().results.count
        }
        #expect(total == (try HarnessRun.discover([repositoryRoot + "/Scenarios/oauth2"])).count)
    }
}
