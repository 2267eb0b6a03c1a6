import Foundation
import MockProviders
import OAuth2
import OAuthCore

/// The provider a scenario runs against: its endpoints, and mock controls when it is a built-in mock.
protocol ProviderUnderTest: Sendable {
    var name: String { get }
    var endpoints: ProviderEndpoints { get }
    var mock: (any MockControls)? { get }
}
