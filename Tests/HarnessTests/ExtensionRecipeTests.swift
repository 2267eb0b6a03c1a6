import Foundation
import MockProviders
import Testing

@testable import Harness

/// The tripwires of docs/extending.md: an addition made through a recipe but missing one of its
/// parts fails here (the compiler catches the rest).
@Suite struct ExtensionRecipeTests {
    static let catalog = try! ProviderCatalog.load(directory: repositoryRoot + "/MockProviders")
    static let scenarios: [Scenario] = try! HarnessRun.discover([repositoryRoot + "/Scenarios"]).map {
        try ScenarioLoader.load(contentsOf: $0.path, folder: $0.folder, catalog: catalog)
    }
    static func text(_ path: String) throws -> String { try String(contentsOfFile: repositoryRoot + "/" + path, encoding: .utf8) }

    /// Recipe 1: a step no shipped scenario uses is untested; EndToEndTests runs every scenario.
    @Test(arguments: StepKind.allCases)
    func everyStepIsUsedByAShippedScenario(kind: StepKind) {
        #expect(Self.scenarios.contains { $0.steps.contains { $0.action.stepKind == kind } }, "no scenario in Scenarios/ uses \(kind.rawValue)")
    }

    /// Recipe 5: each evil mode has its relying-party scenario (its row in reports/conformance.md)
    /// and its row in the README's table.
    @Test(arguments: EvilMode.allCases.filter { $0 != .none })  // none: the provider behaves
    func everyEvilModeHasAScenarioAndARow(mode: EvilMode) throws {
        #expect(Self.scenarios.contains { $0.relyingParty?.mode == mode }, "no scenario has conformance: {mode: \(mode.rawValue)}")
        #expect(
            try Self.text("MockProviders/README.md").contains("`\(mode.rawValue)`"),
            "MockProviders/README.md's Evil modes table lacks \(mode.rawValue)"
        )
    }

    /// Recipe 4: each quirk has its rows in the README and in docs/conformance.md (the profile,
    /// remedy and scenario pair are QuirkCatalogueTests').
    @Test(arguments: Quirk.allCases)
    func everyQuirkHasItsRows(quirk: Quirk) throws {
        #expect(try Self.text("MockProviders/README.md").contains("`\(quirk.rawValue)`"), "MockProviders/README.md lacks \(quirk.rawValue)")
        #expect(try Self.text("docs/conformance.md").contains("`\(quirk.rawValue)`"), "docs/conformance.md lacks \(quirk.rawValue)")
    }

    /// Recipes 2 and 3: every plan has its row in docs/conformance.md, with its check count.
    @Test func everyPlanHasItsRowWithItsCount() throws {
        let docs = try Self.text("docs/conformance.md")
        for plan in try ConformancePlan.loadAll(directory: repositoryRoot + "/Plans") {
            let row = docs.split(separator: "\n").first { $0.hasPrefix("| `\(plan.name)` |") }
            try #require(row != nil, "docs/conformance.md's Plans table has no row for \(plan.name)")
            let modules = plan.checks.filter { $0.id.rawValue.hasPrefix("oidcc-") }.count
            let counted =
                row!.contains("| \(plan.checks.count): ") || row!.contains("| \(plan.checks.count) checks")
                || (modules > 0 && row!.contains("the \(modules) modules"))
            #expect(counted, "\(plan.name): the row does not give its \(plan.checks.count) checks (\(modules) modules)")
        }
    }
}
