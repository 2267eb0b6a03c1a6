import Foundation
import HarnessFiles
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

    /// Numbers that would trap a conversion or overflow a clock are load errors with a location.
    @Test(arguments: [
        ("steps:\n  - advance_clock: 1e300\n", 7, 20), ("steps:\n  - advance_clock: nan\n", 7, 20), ("steps:\n  - advance_clock: -5\n", 7, 20),
        ("steps:\n  - advance_clock: inf\n", 7, 20),
    ])
    func outOfRangeDurationsAreLoadErrors(tail: String, line: Int, column: Int) throws {
        let error = #expect(throws: YAMLLocatedError.self) { try parse(validHead + tail) }
        #expect(error?.line == line)
        #expect(error?.column == column)
        #expect(error?.message.contains("between 0 and 10 years") == true, "\(error?.message ?? "")")
    }

    @Test func outOfRangeOAuth1AndProfileNumbersAreLoadErrors() throws {
        let oauth1 = """
            name: n
            provider: twitter-style-oauth1
            client: { client_id: harness-consumer, client_secret: harness-consumer-secret, timestamp_offset: 1e300 }
            steps:
              - request_token: {}

            """
        let error = #expect(throws: YAMLLocatedError.self) { try parse(oauth1) }
        #expect(error?.line == 3)
        for (key, value) in [("timestamp_window", "nan"), ("lifetimes", "{ access_token: 1e300 }")] {
            var text = try String(contentsOfFile: repositoryRoot + "/MockProviders/twitter-style-oauth1.yaml", encoding: .utf8)
            if key == "lifetimes" { text = try String(contentsOfFile: repositoryRoot + "/MockProviders/azure-ad-v1-style.yaml", encoding: .utf8) }
            text = text.replacingOccurrences(of: "\ntimestamp_window: 5m\n", with: "\n")
            text += "\n\(key): \(value)\n"
            let profileError = #expect(throws: YAMLLocatedError.self) { try ProviderProfile(yaml: YAMLNode.parse(text, file: "p.yaml")) }
            #expect(profileError?.message.contains("between 0 and 10 years") == true, "\(key): \(profileError?.message ?? "")")
        }
    }

    /// The classic alias bombs are refused before Yams builds (or hashes) anything; a file with
    /// a few aliases still loads.
    @Test func aliasBombsAreRefusedBeforeParsing() throws {
        var laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        var keys = "k0: &k0 [lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            laughs += "l\(level): &l\(level) [" + Array(repeating: level == 1 ? "*a" : "*l\(level - 1)", count: 9).joined(separator: ",") + "]\n"
            keys += "k\(level): &k\(level) {" + (0..<4).map { "? [*k\(level - 1), \($0)] : \($0)" }.joined(separator: ", ") + "}\n"
        }
        for bomb in [laughs, keys, "name: n\nsteps: [{ get: *x }]\nx: &x /api\n" + String(repeating: "y: *x\n", count: 40)] {
            let error = #expect(throws: YAMLLocatedError.self) { try YAMLNode.parse(bomb, file: "bomb.yaml") }
            #expect(error?.message.contains("more than 32 YAML aliases") == true, "\(error?.message ?? "")")
            #expect((error?.line ?? 0) > 1)
        }
        let shared = try YAMLNode.parse("a: &secret harness-secret\nb: *secret\nc: '*not-an-alias'\n# *comment\n", file: "ok.yaml")
        #expect(try shared.mapping("m")["b"]?.string("b") == "harness-secret")
    }

    @Test func aDuplicateKeyIsReportedWhereItIsRepeated() throws {
        let error = #expect(throws: YAMLLocatedError.self) {
            try YAMLNode.parse("name: a\nclient:\n  client_id: x\n  scope: [a]\n  client_id: y\nsteps: []\n", file: "d.yaml")
        }
        #expect(error?.line == 5)
        #expect(error?.column == 3)
        #expect(error?.message == "duplicate key client_id in a mapping")
        // Keys are read as text, so a plain and a quoted spelling of one key are the same key.
        let quoted = #expect(throws: YAMLLocatedError.self) { try YAMLNode.parse("name: a\n1: x\n'1': y\n", file: "q.yaml") }
        #expect(quoted?.line == 3)
        #expect(quoted?.message == "duplicate key 1 in a mapping")
        // Scalars keep the text written: no number, boolean or null is made of them.
        let scalars = try YAMLNode.parse("a: 0x1F\nb: yes\nc: 1_000\nd: ~\n", file: "s.yaml").mapping("m")
        #expect(try scalars["a"]?.string("a") == "0x1F")
        #expect(try scalars["b"]?.string("b") == "yes")
        #expect(try scalars["c"]?.string("c") == "1_000")
        #expect(scalars["d"]?.isNull == true)
    }

    @Test func validateReportsEveryBadProfile() throws {
        let directory = try temporaryDirectory()
        let good = try String(contentsOfFile: repositoryRoot + "/MockProviders/login-form-oauth2.yaml", encoding: .utf8)
        try good.write(toFile: directory + "/a-good.yaml", atomically: true, encoding: .utf8)
        try good.replacingOccurrences(of: "name: login-form-oauth2", with: "name: other\nlogin_form: maybe")
            .write(toFile: directory + "/b-bad.yaml", atomically: true, encoding: .utf8)
        try "name: [unclosed\n".write(toFile: directory + "/c-bad.yaml", atomically: true, encoding: .utf8)
        let validation = HarnessRun.validate(paths: [], profilesDirectory: directory)
        #expect(validation.profiles == 1)
        #expect(
            Set(validation.errors.map { URL(fileURLWithPath: $0.file).lastPathComponent }) == ["b-bad.yaml", "c-bad.yaml"],
            "\(validation.errors)"
        )
    }

    @Test func expectationSubjectsAreParsedWhenTheScenarioLoads() throws {
        #expect(Assertion.Subject(key: "token.access_token") == .token("access_token"))
        #expect(Assertion.Subject(key: "provider.token_requests.jwt_bearer") == .providerTokenRequests("jwt_bearer"))
        #expect(Assertion.Subject(key: "jwks.fetches") == .jwksFetches)
        for unknown in ["token.", "status.code", "tokens.x", "jwks.fetches.x", ""] { #expect(Assertion.Subject(key: unknown) == nil, "\(unknown)") }
        for key in [
            "token.a.b", "status", "body", "header.WWW-Authenticate", "json.x.0", "authorization_url.nonce", "update_callback.count",
            "provider.token_requests.password", "metadata.issuer", "id_token.sub", "userinfo.email", "jwks.fetches", "logout.state",
        ] {
            #expect(Assertion.Subject(key: key)?.description == key)
        }
        let error = #expect(throws: YAMLLocatedError.self) { try parse(validHead + "steps:\n  - expect: { tokens.access_token: present }\n") }
        #expect(error?.line == 7)
        #expect(error?.message.contains("unknown subject \"tokens.access_token\"") == true)
    }

    @Test func stepsAndExpectationsAreRead() throws {
        let scenario = try parse(
            validHead + """
                steps:
                  - authorize: { consent: deny, user: bob }
                    expect_error: { error: access_denied, status: 302 }
                  - expect: { token.access_token: absent, json.sub: { matches: "^a" } }
                  - advance_clock: 2h
                """
        )
        #expect(scenario.steps.count == 3)
        #expect(scenario.steps[0].expectError?.code == "access_denied")
        #expect(scenario.steps[0].line == 7)
        guard case .advanceClock(let seconds) = scenario.steps[2].action else {
            Issue.record("not advance_clock")
            return
        }
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
        (
            "name: n\nprovider: standard-oauth2\nclient: { client_id: a, auth_method: client_secret_post }\nsteps: [get: /x]\n", 3, 38,
            "needs a client_secret"
        ),
        (validHead.replacingOccurrences(of: "harness-secret", with: "${BROKEN") + "steps: [get: /x]\n", 5, 18, "unterminated ${"),
        // The harness listens at the back-channel URI: loopback http only.
        (
            validHead + "  openid: { backchannel_logout_uri: \"https://rp.example/bcl\" }\nsteps: [get: /x]\n", 6, 37,
            "backchannel_logout_uri must be an http URL on a loopback address"
        ),
        (validHead + "steps:\n  - backchannel_logout: { by: admin }\n", 7, 31, "unknown by \"admin\""),
    ])
    func errorsNameFileLineColumnAndWhatWasExpected(yaml: String, line: Int, column: Int, message: String) {
        let error = #expect(throws: YAMLLocatedError.self) { try parse(yaml) }
        #expect(error?.file == "s.yaml")
        #expect(error?.line == line, "\(error?.description ?? "")")
        #expect(error?.column == column, "\(error?.description ?? "")")
        #expect(error?.message.contains(message) == true, "\(error?.description ?? "")")
    }

    /// A secret-named key's value is never quoted in an error (it reaches the terminal and the
    /// JUnit file): the key and the location are.
    @Test func aBrokenReferenceInASecretDoesNotShowTheSecret() {
        for broken in ["s3cr3t-Value-42${BROKEN", "s3cr3t-Value-42${BAD NAME}"] {
            let yaml = validHead.replacingOccurrences(of: "harness-secret", with: broken) + "steps: [get: /x]\n"
            let error = #expect(throws: YAMLLocatedError.self) { try parse(yaml) }
            #expect(error?.line == 5 && error?.message.contains("client_secret") == true, "\(error?.description ?? "")")
            #expect(error?.description.contains("s3cr3t") == false)
        }
        // Elsewhere the text is shown, as it helps.
        let yaml = validHead.replacingOccurrences(of: "harness-client", with: "public-id${OOPS") + "steps: [get: /x]\n"
        let error = #expect(throws: YAMLLocatedError.self) { try parse(yaml) }
        #expect(error?.message.contains("public-id${OOPS") == true, "\(error?.description ?? "")")
    }

    @Test func environmentVariablesAndDefaults() throws {
        let yaml = validHead.replacingOccurrences(of: "harness-secret", with: "${SECRET:-fallback}") + "steps: [get: /x]\n"
        #expect(try parse(yaml).client.clientSecret == "fallback")
        #expect(try parse(yaml, environment: ["SECRET": "from-env"]).client.clientSecret == "from-env")
        let required = validHead.replacingOccurrences(of: "harness-secret", with: "${REQUIRED_SECRET}") + "steps: [get: /x]\n"
        #expect(try parse(required).missingVariables == ["REQUIRED_SECRET"])
    }
}

/// The step registry (`StepKind`) is the one source: the JSON Schema and the scenario docs
/// must name exactly its steps.
@Suite struct StepRegistryTests {
    @Test func theSchemaAndTheDocsNameEveryStepOfTheRegistry() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/docs/schema/scenario.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let steps = try #require(((schema["properties"] as? [String: Any])?["steps"] as? [String: Any])?["items"] as? [String: Any])
        let keys = Set(try #require(steps["properties"] as? [String: Any]).keys).subtracting(["expect_error"])
        #expect(keys == Set(StepKind.allCases.map(\.rawValue)), "schema: \(keys.symmetricDifference(StepKind.allCases.map(\.rawValue)).sorted())")
        let docs = try String(contentsOfFile: repositoryRoot + "/Scenarios/README.md", encoding: .utf8)
        for kind in StepKind.allCases { #expect(docs.contains("`\(kind.rawValue)"), "Scenarios/README.md does not document \(kind.rawValue)") }
        #expect(ScenarioLoader.actions == StepKind.allCases.map(\.rawValue))
    }
}
