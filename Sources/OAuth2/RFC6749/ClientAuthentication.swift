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
    ///
    /// - Parameter rawValue: the name, e.g. `tls_client_auth`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A method by its registered name, written as a literal.
    ///
    /// - Parameter value: the name.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The registered name.
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
    /// The `client_id`.
    public let clientID: String
    /// The client secret; `nil` for a client without one.
    public let clientSecret: String?

    /// The client's identity.
    ///
    /// - Parameters:
    ///   - clientID: the `client_id`.
    ///   - clientSecret: the client secret, if it has one.
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
    /// Adds the client's authentication to a request.
    ///
    /// - Parameters:
    ///   - form: the request's form body, to add parameters to.
    ///   - headers: the request's headers, to add to.
    ///   - endpoint: the URL the request goes to (the audience of an assertion).
    ///   - client: the client's identity.
    /// - Throws: `OAuthError`, e.g. `invalid_configuration` when the method needs a secret or key
    ///   that the client does not have.
    func authenticate(
        form: inout FormParameters,
        headers: inout HeaderList,
        endpoint: String,
        client: ClientCredentials
    ) async throws(OAuthError)
}

/// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1).
public struct ClientSecretBasic: ClientAuthentication {
    /// Creates the method.
    public init() {}
    /// ``ClientAuthMethod/clientSecretBasic``.
    public var method: ClientAuthMethod { .clientSecretBasic }

    /// Sets `Authorization: Basic` to the Base64 of the form-urlencoded `client_id`, a colon and the
    /// form-urlencoded secret (RFC 6749 §2.3.1).
    ///
    /// - Parameters:
    ///   - form: the form body, left as it is.
    ///   - headers: the headers, which get `Authorization`.
    ///   - endpoint: the URL the request goes to (not used).
    ///   - client: the client's identity.
    /// - Throws: `OAuthError` `invalid_configuration` when the client has no secret.
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
    /// Creates the method.
    public init() {}
    /// ``ClientAuthMethod/clientSecretPost``.
    public var method: ClientAuthMethod { .clientSecretPost }

    /// Appends `client_id` and `client_secret` to the form body.
    ///
    /// - Parameters:
    ///   - form: the form body, which gets the two parameters.
    ///   - headers: the headers, left as they are.
    ///   - endpoint: the URL the request goes to (not used).
    ///   - client: the client's identity.
    /// - Throws: `OAuthError` `invalid_configuration` when the client has no secret.
    public func authenticate(form: inout FormParameters, headers: inout HeaderList, endpoint: String, client: ClientCredentials) throws(OAuthError) {
        guard let secret = client.clientSecret else {
            throw .client(OAuthErrorCode.invalidConfiguration, "client_secret_post needs a client secret")
        }
        form.set("client_id", client.clientID)
        form.append("client_secret", secret)
    }
}

/// A public client: `client_id` in the body, no secret (RFC 6749 §2.1; use with PKCE).
public struct PublicClient: ClientAuthentication {
    /// Creates the method.
    public init() {}
    /// ``ClientAuthMethod/none``.
    public var method: ClientAuthMethod { .none }

    /// Appends `client_id` to the form body.
    ///
    /// - Parameters:
    ///   - form: the form body, which gets `client_id`.
    ///   - headers: the headers, left as they are.
    ///   - endpoint: the URL the request goes to (not used).
    ///   - client: the client's identity.
    public func authenticate(form: inout FormParameters, headers: inout HeaderList, endpoint: String, client: ClientCredentials) {
        form.set("client_id", client.clientID)
    }
}

extension ClientAuthentication where Self == ClientSecretBasic {
    /// HTTP Basic authentication (``ClientSecretBasic``), as `clientAuth: .clientSecretBasic`.
    public static var clientSecretBasic: ClientSecretBasic { ClientSecretBasic() }
}

extension ClientAuthentication where Self == ClientSecretPost {
    /// The id and secret in the body (``ClientSecretPost``), as `clientAuth: .clientSecretPost`.
    public static var clientSecretPost: ClientSecretPost { ClientSecretPost() }
}

extension ClientAuthentication where Self == PublicClient {
    /// A public client (``PublicClient``), as `clientAuth: .none`.
    public static var none: PublicClient { PublicClient() }
}
