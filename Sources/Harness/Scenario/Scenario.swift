import Foundation
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

/// One scenario file: which provider, which client, and the steps to drive through it.
/// The format is documented in `Scenarios/README.md`.
public struct Scenario: Sendable {
    package var name: String
    package var description: String?
    /// The file it was read from.
    package var file: String
    /// The JUnit `classname`: the scenario's folder (e.g. `oauth2`).
    package var folder: String
    package var provider: String
    package var client: ClientSpec
    package var steps: [Step]
    /// `${VAR}` references without a value and without a default: the scenario is skipped.
    package var missingVariables: [String]
    /// Relying-party scenarios (`conformance:` in the file): the evil mode exercised and the verdict the client must reach.
    package var relyingParty: RelyingPartyExpectation?
    /// Set when the scenario targets an external provider by URL instead of a built-in profile.
    package var external: ProviderSpec?
    /// The test user who signs in at the provider's login pages (`user:`, or
    /// `OAUTH_HARNESS_USERNAME`/`OAUTH_HARNESS_PASSWORD` in the environment).
    package var user: TestUser?
}
