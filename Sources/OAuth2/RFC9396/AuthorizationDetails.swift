import Foundation
import OAuthCore

/// Rich authorization requests (RAR, RFC 9396): `authorization_details`, a JSON array of
/// objects each with a `type`, sent with the authorization request (or pushed) and returned with
/// the token.
public enum AuthorizationDetails {
    /// The parameter and token-response member (RFC 9396 §2, §7).
    public static let parameter = "authorization_details"

    /// The parameter for `details`: an `authorization_details` pair for `extraParameters`.
    ///
    /// - Parameter details: the requested details; every element an object with a string `type`.
    /// - Returns: the parameter, its value the JSON text.
    /// - Throws: `OAuthError` `invalid_configuration` when an element is not an object with a
    ///   string `type` (RFC 9396 §2).
    public static func parameter(_ details: [JSONValue]) throws(OAuthError) -> (String, String) {
        for (index, detail) in details.enumerated() {
            guard case .object(let members) = detail, members["type"]?.stringValue != nil else {
                throw .client(
                    OAuthErrorCode.invalidConfiguration,
                    "authorization_details[\(index)] must be an object with a string type (RFC 9396 §2)",
                    step: "authorize"
                )
            }
        }
        return (parameter, JSONValue.array(details).jsonText)
    }
}

extension OAuth2Token {
    /// The `authorization_details` the server granted (RFC 9396 §7), when the token response
    /// has them as an array.
    public var authorizationDetails: [JSONValue]? {
        if case .array(let details)? = extra[AuthorizationDetails.parameter] { return details }
        return nil
    }
}
