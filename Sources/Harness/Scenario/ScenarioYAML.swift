import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

// Each part of a scenario reads itself from YAML beside its type (ClientSpec, TestUser, Step, …),
// with nothing but its own keys;
// `ScenarioLoader.parse` puts the parts together and checks how they fit. Every error names
// file:line:column and what was expected there.

extension YAMLNode {
    /// `nil` for an empty option block (`authorize:`), else the mapping.
    func optionalMapping(_ what: String) throws(YAMLLocatedError) -> YAMLMapping? {
        if isNull { return nil }
        return try mapping(what)
    }
}
