import Foundation
import OAuth2
import OAuthCore

/// What an OAuth 2 scenario keeps between steps: the session, the calls of its token-update
/// callback, the authorization request in flight and its code, the metadata discovered, and
/// the OpenID Connect state on top.
struct OAuth2State {
    var session: OAuth2Session
    let updates: UpdateLog
    /// The client's private key, for the JWT bearer grant.
    let clientKeyPEM: String?
    var authorizationRequest: AuthorizationRequest?
    var code: String?
    var metadata: AuthorizationServerMetadata?
    /// The scenario's client as written, for a session rebuilt around a registered client.
    var clientSpec: ClientSpec? = nil
    /// RFC 9728 / 8707: the resource discovered, for which tokens are asked.
    var resource: String? = nil
    /// RFC 7591: the client the scenario registered.
    var registered: RegisteredClient? = nil
    /// RFC 8628: the device authorization in flight.
    var device: DeviceAuthorization?
    var openID: OpenIDState
}
