import Foundation
import MockProviders
import OAuth2
import OAuthCore
import Testing

@testable import Harness

/// Every "with fix" quirk scenario must depend on its fix: run without it, it fails.
@Suite struct ComplianceFixTests {
    static let withFix: [String] = {
        let folder = repositoryRoot + "/Scenarios/quirks"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix("-with-fix.yaml") }.sorted()
    }()

    @Test func thereIsAQuirkProfileWithTwoScenariosForEachFix() throws {
        #expect(Self.withFix.count >= 15)
        for file in Self.withFix {
            let without = file.replacingOccurrences(of: "-with-fix.yaml", with: "-without-fix.yaml")
            #expect(FileManager.default.fileExists(atPath: repositoryRoot + "/Scenarios/quirks/" + without), "\(without) is missing")
        }
    }

    @Test(arguments: withFix)
    func removingTheFixMakesTheScenarioFail(file: String) async throws {
        let catalog = try catalog()
        var scenario = try ScenarioLoader.load(
            contentsOf: repositoryRoot + "/Scenarios/quirks/" + file,
            folder: "quirks",
            catalog: catalog,
            environment: [:]
        )
        #expect(!scenario.client.complianceFixes.isEmpty)
        let transport = AsyncHTTPClientTransport()
        let runner = ScenarioRunner(catalog: catalog, transport: transport)
        let with = await runner.run(scenario)
        scenario.client.complianceFixes = []
        let without = await runner.run(scenario)
        try await transport.shutdown()
        #expect(with.outcome == .passed, "\(file) with its fix: \(with.outcome)")
        guard case .failed = without.outcome else {
            Issue.record("\(file) still passes without its fix: the fix is not needed")
            return
        }
    }

    @Test func everyFixHasAUniqueName() {
        let names = ComplianceFixes.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(ComplianceFixes.named("slack")?.hooks.isEmpty == false)
        #expect(ComplianceFixes.named("nope") == nil)
    }
}
