import Foundation
import HarnessFiles
import MockProviders
import Testing

@testable import Harness

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct ShardingTests {
    @Test(arguments: [2, 3, 5, 8])
    func shardsPartitionTheSuiteEvenly(count: Int) throws {
        let catalog = try catalog()
        let scenarios = try HarnessRun.discover([repositoryRoot + "/Scenarios"]).map {
            try ScenarioLoader.load(contentsOf: $0.path, folder: $0.folder, catalog: catalog, environment: [:])
        }
        var run = HarnessRun()
        var seen: [String] = []
        var sizes: [Int] = []
        for k in 1...count {
            run.shard = (k, count)
            let shard = run.select(scenarios).map(\.file)
            sizes.append(shard.count)
            seen += shard
        }
        #expect(seen.count == scenarios.count, "no scenario in two shards")
        #expect(Set(seen) == Set(scenarios.map(\.file)), "every scenario in a shard")
        #expect(sizes.max()! - sizes.min()! <= 1, "balanced: \(sizes)")
    }
}

@Suite struct ReportTests {
    func result(_ name: String, _ folder: String, _ outcome: ScenarioResult.Outcome, seconds: Double = 0.5) -> ScenarioResult {
        ScenarioResult(
            name: name,
            folder: folder,
            file: "Scenarios/\(folder)/\(name).yaml",
            outcome: outcome,
            seconds: seconds,
            notes: [],
            transcript: ""
        )
    }

    @Test func mergeJoinsSuitesAndRecounts() throws {
        let directory = try temporaryDirectory()
        try JUnitWriter.write(
            [result("a", "oauth2", .passed), result("b", "oidc", .failed(step: "step 1 login (line 3)", message: "nope"))],
            to: directory + "/1.xml"
        )
        try JUnitWriter.write(
            [result("c", "oauth2", .skipped(reason: "needs X")), result("d", "quirks", .error(message: "bad"))],
            to: directory + "/2.xml"
        )
        let merged = try JUnitMerge.merge(files: [directory + "/1.xml", directory + "/2.xml"])
        #expect(merged.contains(#"<testsuites name="oauth-harness" tests="4" failures="1" errors="1" skipped="1" time="2.000">"#), "\(merged)")
        #expect(merged.contains(#"<testsuite name="oauth2" id="0" tests="2" failures="0" errors="0" skipped="1""#))
        #expect(merged.components(separatedBy: "<testcase ").count - 1 == 4)
        #expect(throws: JUnitMerge.MergeError.self) { try JUnitMerge.merge(files: [directory + "/missing.xml"]) }
    }

    @Test func githubAnnotationsPointAtTheFailingLine() {
        let summary = HarnessRun.Summary(
            results: [
                result("b", "oidc", .failed(step: "step 2 login (line 14)", message: "id_token: invalid_id_token: iss, wrong\nsecond line")),
                result("a", "x", .passed),
            ],
            invalid: [YAMLLocatedError(file: "Scenarios/x.yaml", line: 3, column: 7, message: "unknown key \"authorise\"")],
            exitCode: .invalid
        )
        let lines = GitHubAnnotations.lines(summary)
        #expect(
            lines == [
                "::error file=Scenarios/x.yaml,line=3,col=7,title=invalid scenario::unknown key \"authorise\"",
                "::error file=Scenarios/oidc/b.yaml,line=14,title=oidc/b::step 2 login (line 14): id_token: invalid_id_token: iss, wrong%0Asecond line",
            ]
        )
    }

    @Test func summaryCountsPerArea() {
        let text = SummaryReport.markdown(
            [
                result("a", "oauth2", .passed, seconds: 0.2), result("b", "oauth2", .failed(step: "s", message: "m"), seconds: 0.9),
                result("c", "quirks", .passed),
            ],
            junitPath: "reports/junit.xml"
        )
        #expect(text.contains("| oauth2 | 2 | 1 | 1 | 0 |"))
        #expect(text.contains("| **all** | 3 | 2 | 1 | 0 |"))
        #expect(text.contains("- `oauth2/b` (Scenarios/oauth2/b.yaml): s: m"))
        #expect(text.contains("| oauth2/b | 0.900 |"))
    }
}

@Suite(.serialized) struct CLIAuthoringTests {
    @Test func initWritesAScenarioThatValidates() throws {
        let directory = try temporaryDirectory()
        let file = directory + "/starter/login.yaml"
        #expect(try runCLI(["init", file]).status == 0)
        #expect(try runCLI(["init", file]).status == 2, "never overwrites")
        let validation = try runCLI(["validate", file])
        #expect(validation.status == 0, "\(validation.stderr)")
        let run = try runCLI(["run", file, "--junit", directory + "/out/junit.xml"])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(FileManager.default.fileExists(atPath: directory + "/out/summary.md"))
    }

    @Test func mergeCommandAndGitHubFormat() throws {
        let directory = try temporaryDirectory()
        try (validHead + "steps:\n  - authorize: { consent: deny }\n").write(toFile: directory + "/deny.yaml", atomically: true, encoding: .utf8)
        let run = try runCLI(["run", directory + "/deny.yaml", "--junit", directory + "/a.xml", "--format", "github", "--verbose"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("::error file=\(directory)/deny.yaml,line=7,"), "\(run.stdout)")
        #expect(run.stdout.contains("--- transcript of"))
        let merge = try runCLI(["merge", directory + "/all.xml", directory + "/a.xml", directory + "/a.xml"])
        #expect(merge.status == 0)
        let merged = try String(contentsOfFile: directory + "/all.xml", encoding: .utf8)
        #expect(merged.contains(#"tests="2" failures="2""#))
    }
}

@Suite struct ParallelismTests {
    /// `--jobs N` changes how fast, never what: outcomes and order equal a serial run.
    @Test func parallelRunsReportLikeSerialRuns() async throws {
        let directory = try temporaryDirectory()
        var run = harness(paths: [repositoryRoot + "/Scenarios/oauth2", repositoryRoot + "/Scenarios/quirks"], junit: directory + "/serial.xml")
        run.jobs = 1
        let serial = await run.execute()
        run.jobs = 4
        run.junitPath = directory + "/parallel.xml"
        let parallel = await run.execute()
        #expect(serial.results.map(\.file) == parallel.results.map(\.file))
        #expect(serial.results.map(\.outcome) == parallel.results.map(\.outcome))
    }
}

/// The JUnit output against the structure of the Jenkins/Ant JUnit schema: element nesting,
/// required attributes, numeric formats, counts that add up.
@Suite struct JUnitSchemaTests {
    @Test func shippedRunMatchesTheSchemaStructure() async throws {
        let directory = try temporaryDirectory()
        _ = await harness(paths: [repositoryRoot + "/Scenarios/oauth2"], junit: directory + "/junit.xml").execute()
        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: directory + "/junit.xml"), options: [])
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        var total = 0
        for suite in root.elements(forName: "testsuite") {
            for attribute in ["name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "id"] {
                #expect(suite.attribute(forName: attribute) != nil, "testsuite lacks \(attribute)")
            }
            let cases = suite.elements(forName: "testcase")
            #expect(Int(suite.attribute(forName: "tests")?.stringValue ?? "") == cases.count)
            #expect(Double(suite.attribute(forName: "time")?.stringValue ?? "") != nil)
            total += cases.count
            for testcase in cases {
                for attribute in ["name", "classname", "time"] { #expect(testcase.attribute(forName: attribute) != nil) }
                let children = (testcase.children ?? []).compactMap { $0 as? XMLElement }.compactMap(\.name)
                #expect(Set(children).isSubset(of: ["failure", "error", "skipped", "system-out", "system-err"]), "\(children)")
                #expect(children.filter { ["failure", "error", "skipped"].contains($0) }.count <= 1)
                for failure in testcase.elements(forName: "failure") { #expect(failure.attribute(forName: "message") != nil) }
            }
            #expect(suite.elements(forName: "testsuite").isEmpty, "no nested suites in the Ant schema")
        }
        #expect(Int(root.attribute(forName: "tests")?.stringValue ?? "") == total)
    }
}

/// The JUnit files validated by xmllint against docs/schema/junit.xsd (the Ant/Jenkins shape).
/// Skipped, not passed, where xmllint is not installed (`.ci/run` installs libxml2-utils).
@Suite struct JUnitXSDTests {
    static let xmllint = ["/usr/bin/xmllint", "/usr/local/bin/xmllint"].first { FileManager.default.isExecutableFile(atPath: $0) }

    func validate(_ file: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.xmllint))
        process.arguments = ["--noout", "--schema", repositoryRoot + "/docs/schema/junit.xsd", file]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// A run killed midway (SIGKILL: no cleanup at all) leaves a valid JUnit file naming the
    /// scenarios that had finished.
    @Test(.enabled(if: xmllint != nil, "needs xmllint (libxml2-utils)"))
    func aKilledRunLeavesAValidReportOfWhatFinished() async throws {
        let directory = try temporaryDirectory()
        for index in 0..<30 {
            try """
            name: slow \(index)
            provider: standard-oauth2
            client: { client_id: harness-client, client_secret: harness-secret, timeout: 5s }
            steps:
              - fault: { kind: latency, milliseconds: 1000 }
              - fetch_token: { grant: client_credentials }

            """.write(toFile: directory + "/slow-\(String(format: "%02d", index)).yaml", atomically: true, encoding: .utf8)
        }
        let process = Process()
        process.executableURL = try harnessBinary()
        process.arguments = ["run", directory, "--jobs", "1", "--junit", directory + "/junit.xml"]
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        // Wait (bounded by the wall clock, not by a count of sleeps that a busy test pool can
        // stretch) until some scenarios finished, then kill without warning. The run needs
        // 30 s or more, so the kill lands well before its end even when a loaded machine
        // starves this polling task for a while (12 scenarios once all finished first).
        let deadline = ContinuousClock.now + .seconds(9)
        while ContinuousClock.now < deadline, (try? String(contentsOfFile: directory + "/junit.xml", encoding: .utf8))?.contains("slow 2") != true {
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let report = try validate(directory + "/junit.xml")
        #expect(report.status == 0, "\(report.output)")
        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        let cases = xml.components(separatedBy: "<testcase ").count - 1
        #expect(cases >= 3 && cases < 30, "\(cases) cases in the report of a killed run")
    }

    @Test(.enabled(if: xmllint != nil, "needs xmllint (libxml2-utils)"))
    func runAndMergedReportsValidate() async throws {
        let directory = try temporaryDirectory()
        try (validHead + "steps:\n  - authorize: { consent: deny }\n").write(toFile: directory + "/deny.yaml", atomically: true, encoding: .utf8)
        _ = await harness(paths: [repositoryRoot + "/Scenarios/oauth2", directory + "/deny.yaml"], junit: directory + "/junit.xml").execute()
        let run = try validate(directory + "/junit.xml")
        #expect(run.status == 0, "\(run.output)")
        try Data(try JUnitMerge.merge(files: [directory + "/junit.xml", directory + "/junit.xml"]).utf8).write(
            to: URL(fileURLWithPath: directory + "/merged.xml")
        )
        let merged = try validate(directory + "/merged.xml")
        #expect(merged.status == 0, "\(merged.output)")
        // And the schema does reject what it should.
        let broken = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8).replacingOccurrences(of: "classname=", with: "klass=")
        try broken.write(toFile: directory + "/broken.xml", atomically: true, encoding: .utf8)
        #expect(try validate(directory + "/broken.xml").status != 0)
    }
}
