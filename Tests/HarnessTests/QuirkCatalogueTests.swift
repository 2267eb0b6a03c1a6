import Foundation
import MockProviders
import OAuth2
import OAuthCore
import Testing

@testable import Harness

/// A quirk lives on one typed path: the mock plays it (a built-in profile lists it), `check`
/// detects it (ConformanceCheckTests: detected == declared for every quirk profile), the
/// client copes with it (`DetectedQuirk.remedy`, an exhaustive switch), and a scenario pair shows
/// both sides: without the fix the named failure, with it the whole flow.
@Suite struct QuirkCatalogueTests {
    static let catalog = try! ProviderCatalog.load(directory: repositoryRoot + "/MockProviders")
    static let scenarios: [Scenario] = try! HarnessRun.discover([repositoryRoot + "/Scenarios"]).map {
        try ScenarioLoader.load(contentsOf: $0.path, folder: $0.folder, catalog: catalog)
    }

    /// The fixes a scenario applies, with the building blocks of provider fixes.
    static func applied(_ scenario: Scenario) -> Set<String> {
        Set(scenario.client.complianceFixes.flatMap { [$0] + (ComplianceFixes.named($0)?.parts ?? []) })
    }

    @Test(arguments: Quirk.allCases)
    func everyQuirkHasAProfileARemedyAndAScenarioPair(quirk: Quirk) async throws {
        let players = Self.catalog.names.filter { Self.catalog[$0]?.quirks.contains(quirk) ?? false }
        try #require(!players.isEmpty, "no built-in profile plays \(quirk.rawValue)")
        let remedy = DetectedQuirk.remedy(for: quirk)
        let onPlayers = Self.scenarios.filter { players.contains($0.provider) && $0.external == nil }
        let failsAsNamed = { (scenario: Scenario) in scenario.steps.contains { $0.expectError != nil } }

        var pair: [Scenario] = []
        switch remedy {
        case .complianceFix(let names, _):
            for name in names { #expect(ScenarioLoader.complianceFixes.contains(name), "\(quirk.rawValue): unknown fix \(name)") }
            // Without: no fix, and the failure named (an expect_error, or the deviation asserted).
            let without = onPlayers.first { $0.client.complianceFixes.isEmpty && (failsAsNamed($0) || $0.name.contains("without")) }
            let with = onPlayers.first { !Self.applied($0).isDisjoint(with: names) }
            try #require(without != nil, "\(quirk.rawValue): no scenario on \(players) shows the failure without a fix")
            try #require(with != nil, "\(quirk.rawValue): no scenario on \(players) completes the flow with \(names)")
            pair = [without!, with!]
        case .noneNeeded:
            let plain = onPlayers.first { !failsAsNamed($0) }
            try #require(plain != nil, "\(quirk.rawValue): no scenario on \(players) shows a flow that needs no fix for it")
            pair = [plain!]
        }
        // Each one really runs: the failure is the one the scenario names, the flow completes.
        let transport = AsyncHTTPClientTransport()
        let runner = ScenarioRunner(catalog: Self.catalog, transport: transport)
        for scenario in pair {
            let result = await runner.run(scenario)
            #expect(result.outcome == .passed, "\(quirk.rawValue): \(scenario.name): \(HarnessRun.describe(result))")
        }
        try await transport.shutdown()
    }

    @Test func remediesPrintAsTheReportShowsThem() {
        #expect(
            DetectedQuirk(quirk: .formEncodedUnlessJSONAccepted, evidence: "").fix
                == "github (sends Accept: application/json), or form_encoded_token_response"
        )
        #expect(DetectedQuirk(quirk: .lowercaseTokenType, evidence: "").fix == "none needed: token_type is case-insensitive (RFC 6749 §5.1)")
        #expect(DetectedQuirk(quirk: .callbackNotConfirmed, evidence: "").fix == "oauth1_unconfirmed_callback")
        #expect(ComplianceFixes.named("facebook")?.parts.contains("form_encoded_token_response") == true)
    }
}
