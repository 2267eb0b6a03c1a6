import Foundation
import MockProviders
import OAuth2
import OAuthCore

/// The controls only a built-in mock offers. Steps that need one are refused at load time for
/// an external provider; at run time they reach the mock through this, never by downcasting.
protocol MockControls: Sendable {
    /// The profile the mock serves (its clients' registered URIs are the scenario's defaults).
    var profile: ProviderProfile { get }
    /// How many token requests of `grantType` the mock has answered.
    func tokenRequests(grantType: String) -> Int
    func setEvilMode(_ mode: EvilMode) throws(OAuthError)
    func rotateSigningKeys() throws(OAuthError)
    /// Arms a transport fault, or clears them all with `nil`.
    func arm(_ fault: Fault?)
}
