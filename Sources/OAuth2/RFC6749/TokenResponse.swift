import Foundation
import OAuthCore

/// Reads a token-endpoint response (RFC 6749 §5.1 success, §5.2 error).
///
/// - A JSON object with an `error` member is the provider's error, whatever the status.
/// - A non-2xx status without such an object is a malformed response naming the status.
/// - A 2xx JSON object is validated by `OAuth2Token(members:receivedAt:)`.
///
/// - Parameters:
///   - response: the token endpoint's response.
///   - step: the flow step errors name.
///   - now: when the response arrived; the token's expiry counts from it.
/// - Returns: the token.
/// - Throws: `OAuthError`: the provider's error (RFC 6749 §5.2), or `malformed_response` for an
///   error object without a string `error`, a non-2xx answer without an error object, a body that
///   is not a JSON object or one that is not a valid token.
public func parseTokenResponse(_ response: TransportResponse, step: String, receivedAt now: Date) throws(OAuthError) -> OAuth2Token {
    let json = try? JSONValue.parse(response.body)
    let success = (200..<300).contains(response.status)
    if case .object(let members)? = json, members["error"] != nil {
        throw OAuthError.provider(members, httpStatus: response.status, step: step)
            ?? .malformed(step: step, httpStatus: response.status, "the error member is not a string")
    }
    guard success else {
        throw .malformed(
            step: step,
            httpStatus: response.status,
            "expected a JSON error object (RFC 6749 §5.2), got \(describeBody(response))"
        )
    }
    guard case .object(let members)? = json else {
        throw .malformed(
            step: step,
            httpStatus: response.status,
            "expected a JSON object (RFC 6749 §5.1), got \(describeBody(response))"
        )
    }
    do {
        return try OAuth2Token(members: members, receivedAt: now)
    } catch {
        throw .malformed(step: step, httpStatus: response.status, error.reason)
    }
}

/// A short, secret-free description of a body for error messages.
func describeBody(_ response: TransportResponse) -> String {
    let type = response.mediaType ?? "no Content-Type"
    if response.body.isEmpty { return "an empty body (\(type))" }
    if let json = try? JSONValue.parse(response.body) {
        return "JSON \(json.kindName) (\(type))"
    }
    return "\(response.body.count) bytes of \(type)"
}
