import Foundation
import OAuthCore

/// Names of token-endpoint client authentication methods (RFC 6749 §2.3; OAuth Dynamic
/// Client Registration registry, RFC 7591 §2; RFC 7523 §2.2).
public enum ClientAuthMethod: String, Sendable, CaseIterable {
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    case none
    case clientSecretJWT = "client_secret_jwt"
    case privateKeyJWT = "private_key_jwt"
}

/// The client's identity, as authentication methods need it.
public struct ClientCredentials: Sendable {
    public let clientID: String
    public let clientSecret: String?

    public init(clientID: String, clientSecret: String?) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}

/// Authenticates the client on a request to the token, revocation or introspection endpoint
/// by adding to its form body and headers. Conform to add a method of your own (e.g. mTLS
/// headers set by a proxy, or a provider's proprietary signature) and pass it to the session.
public protocol ClientAuthentication: Sendable {
    /// The method's registered name (`token_endpoint_auth_method`).
    var method: String { get }
    func authenticate(
        form: inout FormParameters,
        headers: inout HeaderList,
        endpoint: String,
        client: ClientCredentials
    ) async throws(OAuthError)
}

/// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1).
public struct ClientSecretBasic: ClientAuthentication {
    public init() {}
    public var method: String { ClientAuthMethod.clientSecretBasic.rawValue }

    public func authenticate(form: inout FormParameters, headers: inout HeaderList, endpoint: String, client: ClientCredentials) throws(OAuthError) {
        guard let secret = client.clientSecret else {
            throw .client(OAuthErrorCode.invalidConfiguration, "client_secret_basic needs a client secret")
        }
        // Both parts are form-urlencoded before joining with ":" and Base64 (RFC 6749 §2.3.1).
        let pair = PercentEncoding.encode(client.clientID, spaceAsPlus: true) + ":" + PercentEncoding.encode(secret, spaceAsPlus: true)
        headers["Authorization"] = "Basic " + Base64Standard.encode(Array(pair.utf8))
    }
}

/// `client_id` and `client_secret` in the request body (RFC 6749 §2.3.1).
public struct ClientSecretPost: ClientAuthentication {
    public init() {}
    public var method: String { ClientAuthMethod.clientSecretPost.rawValue }

    public func authenticate(form: inout FormParameters, headers: inout HeaderList, endpoint: String, client: ClientCredentials) throws(OAuthError) {
        guard let secret = client.clientSecret else {
            throw .client(OAuthErrorCode.invalidConfiguration, "client_secret_post needs a client secret")
        }
        form.append("client_id", client.clientID)
        form.append("client_secret", secret)
    }
}

/// A public client: `client_id` in the body, no secret (RFC 6749 §2.1; use with PKCE).
public struct PublicClient: ClientAuthentication {
    public init() {}
    public var method: String { ClientAuthMethod.none.rawValue }

    public func authenticate(form: inout FormParameters, headers: inout HeaderList, endpoint: String, client: ClientCredentials) {
        form.append("client_id", client.clientID)
    }
}

extension ClientAuthentication where Self == ClientSecretBasic {
    public static var clientSecretBasic: ClientSecretBasic { ClientSecretBasic() }
}

extension ClientAuthentication where Self == ClientSecretPost {
    public static var clientSecretPost: ClientSecretPost { ClientSecretPost() }
}

extension ClientAuthentication where Self == PublicClient {
    public static var none: PublicClient { PublicClient() }
}
