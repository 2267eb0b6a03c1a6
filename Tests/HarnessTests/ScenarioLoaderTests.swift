import Foundation
import MockProviders
import Testing

@testable import Harness

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func catalog() throws -> ProviderCatalog {
    try ProviderCatalog.load(directory: repositoryRoot + "/MockProviders")
}

func parse(_ yaml: String, environment: [String: String] = [:]) throws -> Scenario {
    try ScenarioLoader.parse(YAMLNode.parse(yaml, file: "s.yaml"), folder: "t", catalog: try catalog(), environment: environment)
}

let validHead = """
    name: n
    provider: standard-oauth2
    client:
      client_id: harness-client
      client_secret: harness-secret

    """

@Suite struct ScenarioLoaderTests {
    @Test func everyShippedScenarioLoads() throws {
        let found = try HarnessRun.discover([repositoryRoot + "/Scenarios"])
        #expect(found.count >= 8)
        for file in found {
            _ = try ScenarioLoader.load(contentsOf: file.path, folder: file.folder, catalog: try catalog())
        }
    }

    @Test func stepsAndExpectationsAreRead() throws {
        let scenario = try parse(validHead + """
            steps:
              - authorize: { consent: deny, user: bob }
                expect_error: { error: access_denied, status: 302 }
              - expect: { token.access_token: absent, json.sub: { matches: "^a" } }
              - advance_clock: 2h
            """)
        #expect(scenario.steps.count == 3)
        #expect(scenario.steps[0].expectError?.code == "access_denied")
        #expect(scenario.steps[0].line == 7)
        guard case .advanceClock(let seconds) = scenario.steps[2].action else { Issue.record("not advance_clock"); return }
        #expect(seconds == 7200)
    }

    @Test(arguments: [
        (validHead + "steps:\n  - authorise: {}\n", 7, 5, "unknown key \"authorise\" in a step"),
        (validHead + "steps:\n  - authorize: { consent: maybe }\n", 7, 27, "unknown consent \"maybe\"; expected one of: approve, deny"),
        (validHead + "steps: {}\n", 6, 8, "expected steps (a list), found a mapping"),
        (validHead + "steps:\n  - expect: { tokens.x: present }\n", 7, 15, "unknown subject \"tokens.x\""),
        (validHead + "steps:\n  - advance_clock: soon\n", 7, 20, "expected advance_clock as a duration"),
        (validHead + "steps:\n  - get: /a\n    post: /b\n", 7, 5, "a step has one action, found get and post"),
        (validHead + "steps:\n  - get: /a\n  - expect: { status: [1 }\n", 8, 26, "invalid YAML"),
        ("name: n\nprovider: nowhere\nclient: { client_id: a }\nsteps: [get: /x]\n", 2, 11, "unknown provider \"nowhere\""),
        ("name: n\nprovider: standard-oauth2\nsteps: []\n", 1, 1, "missing the required key \"client\""),
        ("name: n\nprovider: standard-oauth2\nclient: { client_id: a, auth_method: client_secret_post }\nsteps: [get: /x]\n", 3, 38, "needs a client_secret"),
        (validHead.replacingOccurrences(of: "harness-secret", with: "${BROKEN") + "steps: [get: /x]\n", 5, 18, "unterminated ${"),
    ])
    func errorsNameFileLineColumnAndWhatWasExpected(yaml: String, line: Int, column: Int, message: String) {
        let error = #expect(throws: YAMLLocatedError.self) { try parse(yaml) }
        #expect(error?.file == "s.yaml")
        #expect(error?.line == line, "\(error?.description ?? "")")
        #expect(error?.column == column, "\(error?.description ?? "")")
        #expect(error?.message.contains(message) == true, "\(error?.description ?? "")")
    }

    @Test func environmentVariablesAndDefaults() throws {
        let yaml = validHead.replacingOccurrences(of: "harness-secret", with: "${SECRET:-fallback}") + "steps: [get: /x]\n"
        #expect(try parse(yaml).client.clientSecret == "fallback")
        #expect(try parse(yaml, environment: ["SECRET": "from-env"]).client.clientSecret == "from-env")
        let required = validHead.replacingOccurrences(of: "harness-secret", with: "${REQUIRED_SECRET}") + "steps: [get: /x]\n"
        #expect(try parse(required).missingVariables == ["REQUIRED_SECRET"])
    }
}
