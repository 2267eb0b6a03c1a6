import Foundation
import OAuthCore

/// A token-endpoint client authentication method's registered name (RFC 6749 §2.3; OAuth
/// Dynamic Client Registration, RFC 7591 §2; RFC 7523 §2.2; OpenID Connect Core §9).
///
/// The set is open, as jwt-kit's algorithm names are: the methods this library implements are
/// static members and ``allCases``; a ``ClientAuthentication`` of your own names its method
/// with `ClientAuthMethod(rawValue:)`.
public struct ClientAuthMethod: RawRepresentable, Hashable, Sendable, CaseIterable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The registered name (`token_endpoint_auth_method`).
    public let rawValue: String

    /// A method by its registered name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A method by its registered name, written as a literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    /// HTTP Basic with the client's id and secret (RFC 6749 §2.3.1).
    public static let clientSecretBasic: ClientAuthMethod = "client_secret_basic"
    /// The id and secret in the form body (RFC 6749 §2.3.1).
    public static let clientSecretPost: ClientAuthMethod = "client_secret_post"
    /// A public client: only `client_id` (RFC 6749 §2.1).
    public static let none: ClientAuthMethod = "none"
    /// A JWT signed with HS256 keyed by the secret (RFC 7523 §2.2, OpenID Connect Core §9).
    public static let clientSecretJWT: ClientAuthMethod = "client_secret_jwt"
    /// A JWT signed with the client's private key (RFC 7523 §2.2, OpenID Connect Core §9).
    public static let privateKeyJWT: ClientAuthMethod = "private_key_jwt"

    /// The methods this library implements.
    public static let allCases: [ClientAuthMethod] = [.clientSecretBasic, .clientSecretPost, .none, .clientSecretJWT, .privateKeyJWT]

    /// Methods that need the client's secret.
    public var needsSecret: Bool { [.clientSecretBasic, .clientSecretPost, .clientSecretJWT].contains(self) }
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
    var method: ClientAuthMethod { get }
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
    public var method: ClientAuthMethod { .clientSecretBasic }

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
    public var method: ClientAuthMethod { .clientSecretPost }

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
    public var method: ClientAuthMethod { .none }

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
