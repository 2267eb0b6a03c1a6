import Foundation
import MockProviders
import OAuth2
import OAuthCore

/// A built-in mock started for one scenario.
struct MockProviderUnderTest: ProviderUnderTest, MockControls {
    let running: RunningProvider
    let endpoints: ProviderEndpoints

    init(_ running: RunningProvider) {
        self.running = running
        endpoints = ProviderEndpoints(mock: running)
    }

    var name: String { running.profile.name }
    var mock: (any MockControls)? { self }
    var profile: ProviderProfile { running.profile }

    func tokenRequests(grantType: String) -> Int { running.oauth2?.tokenRequests(grantType: grantType) ?? 0 }

    func setEvilMode(_ mode: EvilMode) throws(OAuthError) {
        guard let engine = running.oauth2 else {
            throw .client(OAuthErrorCode.invalidConfiguration, "evil modes need a built-in OAuth 2 provider; \(name) is not one", step: "evil")
        }
        engine.setEvilMode(mode)
    }

    func rotateSigningKeys() throws(OAuthError) {
        guard let engine = running.oauth2, profile.oidc != nil else {
            throw .client(
                OAuthErrorCode.invalidConfiguration,
                "key rotation needs a built-in OpenID provider; \(name) is not one",
                step: "rotate_keys"
            )
        }
        engine.rotateSigningKeys()
    }

    func arm(_ fault: Fault?) {
        if let fault { running.faults.arm(fault) } else { running.faults.clear() }
    }
}
