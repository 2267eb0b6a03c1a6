import Foundation
import OAuthCore

/// How the client authenticates at the token endpoint (RFC 6749 §2.3; names from the
/// OAuth Dynamic Client Registration registry, RFC 7591 §2).
public enum ClientAuthMethod: String, Sendable, CaseIterable {
    /// HTTP Basic with form-encoded id and secret (RFC 6749 §2.3.1).
    case clientSecretBasic = "client_secret_basic"
    /// `client_id` and `client_secret` in the request body (RFC 6749 §2.3.1).
    case clientSecretPost = "client_secret_post"
    /// Public client: `client_id` in the body, no secret (RFC 6749 §2.1, used with PKCE).
    case none

    /// Adds this method's credentials to a token-endpoint request.
    func apply(clientID: String, clientSecret: String?, to form: inout FormParameters, headers: inout HeaderList) throws(OAuthError) {
        switch self {
        case .clientSecretBasic:
            guard let clientSecret else {
                throw .client(OAuthError.invalidConfiguration, "client_secret_basic needs a client secret")
            }
            // RFC 6749 §2.3.1: both parts are form-urlencoded before joining with ":".
            let pair = PercentEncoding.encode(clientID, spaceAsPlus: true) + ":" + PercentEncoding.encode(clientSecret, spaceAsPlus: true)
            headers["Authorization"] = "Basic " + Data(pair.utf8).base64EncodedString()
        case .clientSecretPost:
            guard let clientSecret else {
                throw .client(OAuthError.invalidConfiguration, "client_secret_post needs a client secret")
            }
            form.append("client_id", clientID)
            form.append("client_secret", clientSecret)
        case .none:
            form.append("client_id", clientID)
        }
    }
}
