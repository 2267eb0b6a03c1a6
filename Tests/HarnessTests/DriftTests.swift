import Foundation
import MockProviders
import OAuthCore
import Testing

@testable import Harness

/// `check PROVIDER --against PROFILE` (issue #31 item 5): a profile written from a provider
/// plays what the provider does until someone changes it, and a provider that stops showing
/// one of a quirk profile's quirks drifts from that profile by exactly that quirk.
@Suite(.serialized) struct DriftTests {
    static let catalog = ConformanceCheckTests.catalog

    /// `profile` served as the provider, checked `--against` (a catalogue name or a YAML file),
    /// both sides by `plans` (all that apply when empty).
    static func against(
        _ against: String,
        provider profile: ProviderProfile,
        plans: [String] = [],
        profiles: String = repositoryRoot + "/MockProviders"
    ) async throws -> ConformanceRun.Outcome {
        var profile = profile
        profile.device.interval = 1
        let running = try await MockProviderServer.start(profile)
        var run = try ConformanceCheckTests.configuredRun(profile, running)
        run.plans = plans
        run.against = against
        run.profilesDirectory = profiles
        run.adjustProfile = { $0.device.interval = 1 }
        let outcome = await run.execute()
        await running.stop()
        return outcome
    }

    /// The plan that detects the quirks of a profile's protocol.
    static func quirkPlan(_ profile: ProviderProfile) -> [String] {
        [profile.protocolKind == .oauth1 ? "oauth1-provider" : "oauth2-authorization-server"]
    }

    static let quirkProfiles = ConformanceCheckTests.quirkProfiles

    /// Each quirk profile against a provider that plays it without one of its quirks: the drift
    /// is that quirk, and nothing else; against itself, no drift.
    @Test(arguments: quirkProfiles)
    func aProviderLackingOneQuirkDriftsByThatQuirk(_ name: String) async throws {
        let profile = try #require(Self.catalog[name])
        let quirk = try #require(profile.quirks.sorted { $0.rawValue < $1.rawValue }.first)
        var lacking = profile
        lacking.quirks.remove(quirk)
        let outcome = try await Self.against(name, provider: lacking, plans: Self.quirkPlan(profile))
        #expect(outcome.invalid == [])
        let drift = try #require(outcome.drift)
        #expect(
            drift.map(\.line) == ["quirks: \(quirk.rawValue) — the provider: does not show it; the profile: plays it"],
            "\(name) without \(quirk.rawValue)"
        )
        #expect(outcome.exitCode == .failed)
        let junit = try String(contentsOfFile: outcome.junitPath, encoding: .utf8)
        #expect(junit.contains(#"<testcase name="quirks" classname="drift""#) && junit.contains("<failure"))

        let same = try await Self.against(name, provider: profile, plans: Self.quirkPlan(profile))
        #expect(same.drift == [], "\(name) against itself: \(same.drift?.map(\.line) ?? [])")
        #expect(same.exitCode == .passed)
    }

    /// A profile written by `--write-profile` from a provider: no drift against that provider;
    /// then edited by hand in each dimension, each edit is reported, and only the edits.
    @Test(arguments: ["google-style-oidc", "github-style"])
    func aWrittenProfileDriftsOnlyWhereItWasEdited(_ name: String) async throws {
        let first = try await ConformanceCheckTests.run(name, writeProfile: "\(name)-seen")
        let path = try #require(first.profilePath)
        let provider = try #require(Self.catalog[name])
        let clean = try await Self.against(path, provider: provider)
        #expect(clean.invalid == [])
        #expect(clean.drift == [], "\(clean.drift?.map(\.line) ?? [])")
        #expect(clean.exitCode == .passed)

        // By hand: the user's name becomes a number, a quirk the provider lacks is added, the
        // access token lives 10 minutes, and the token endpoint moves.
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let token = try #require(clean.traits?.endpoints["token"])
        text = text.replacing(#/\n  name: "[^"\n]*"/#, maxReplacements: 1) { _ in "\n  name: 42" }
        for (old, new) in [
            ("quirks:\n", "quirks:\n- \"lowercase_token_type\"\n"), ("endpoints:\n", "lifetimes:\n  access_token: 600s\nendpoints:\n"),
            ("  token: \"\(token)\"", "  token: \"/moved/token\""),
        ] {
            text = text.replacingOccurrences(of: old, with: new)
        }
        if !text.contains("lowercase_token_type") { text += "quirks: [lowercase_token_type]\n" }
        let edited = (path as NSString).deletingLastPathComponent + "/\(name)-edited.yaml"
        try text.write(toFile: edited, atomically: true, encoding: .utf8)
        let outcome = try await Self.against(edited, provider: provider)
        let lines = try #require(outcome.drift).map(\.line)
        let lifetime = Int(provider.accessTokenLifetime)
        #expect(
            lines == [
                "endpoints: token — the provider: \(token); the profile: /moved/token",
                "quirks: lowercase_token_type — the provider: does not show it; the profile: plays it",
                "claims: name — the provider: a string; the profile: a number",
                "tokens: access token lifetime (expires_in) — the provider: \(lifetime) s; the profile: 600 s",
            ],
            "\(name)"
        )
        #expect(outcome.exitCode == .failed)
        let markdown = try String(contentsOfFile: outcome.reportPath, encoding: .utf8)
        #expect(markdown.contains("## Drift\n\n4 differences between the provider and the profile"))
    }

    /// Grants and methods are compared as the metadata lists them, within what the mocks play.
    @Test func listedGrantsAndMethodsDrift() {
        var provider = ProviderTraits()
        provider.publishesMetadata = true
        provider.lists = ["grant_types_supported": ["authorization_code", "refresh_token"], "code_challenge_methods_supported": ["S256"]]
        var profile = provider
        profile.lists["grant_types_supported"] = ["authorization_code"]
        profile.lists["code_challenge_methods_supported"] = ["S256", "plain"]
        #expect(
            ProviderTraits.drift(provider: provider, profile: profile).map(\.line) == [
                "grants and methods: grant_types_supported — the provider: authorization_code refresh_token; the profile: authorization_code",
                "grants and methods: code_challenge_methods_supported — the provider: S256; the profile: S256 plain",
            ]
        )
        // Lifetimes within 60 s or 5 % are the same (a cached token's remaining lifetime).
        #expect(ProviderTraits.sameLifetime(3600, 3599) && ProviderTraits.sameLifetime(86_400, 84_000))
        #expect(!ProviderTraits.sameLifetime(3600, 600))
        // A provider without metadata has its lists not compared, and that is said.
        provider.publishesMetadata = false
        #expect(ProviderTraits.drift(provider: provider, profile: profile) == [])
        #expect(ProviderTraits.notCompared(provider: provider, profile: profile).first?.contains("publishes no metadata") == true)
    }

    /// An unknown profile is bad input (exit 2), named.
    @Test func anUnknownProfileIsExitTwo() async throws {
        let profile = try #require(Self.catalog["standard-oauth2"])
        let outcome = try await Self.against("no-such-profile", provider: profile, plans: ["oauth2-authorization-server"])
        #expect(outcome.exitCode == .invalid)
        #expect(outcome.invalid.first?.contains("unknown profile \"no-such-profile\"") == true)
    }
}
