import Foundation
import MockProviders
import OAuth2
import OAuthCore
import OpenIDConnect

/// What an OpenID Connect client keeps between steps, on top of the OAuth 2 state.
struct OpenIDState {
    /// `nil` when the scenario's client is not an OpenID client.
    let options: ClientSpec.OpenIDOptions?
    /// Discovered on first use.
    var client: OpenIDConnectClient?
    var login: OIDCLogin?
    var userInfo: UserInfo?
    var logoutState: LogoutState?
    /// Back-Channel Logout: the validator (it remembers the `jti`s seen), made on first use.
    var logoutTokens: LogoutTokenValidator?
}
