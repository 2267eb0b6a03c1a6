/// An OAuth failure, from the provider or detected by the client.
///
/// Provider errors carry the RFC 6749 §5.2 / §4.1.2.1 members (`error`, `error_description`,
/// `error_uri`) and the HTTP status; client-side failures use their own codes
/// (`mismatching_state`, `malformed_response`, …). `step` names the flow step
/// (`authorize`, `fetch_token`, …) so that a report says where it happened.
/// Messages never contain secrets: only codes, descriptions and reasons.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Origin: String, Sendable {
        /// The provider answered with an OAuth error.
        case provider
        /// The client rejected what it received or was asked to do.
        case client
        /// The HTTP exchange itself failed (connection, timeout, size limit).
        case transport
    }

    public var code: String
    public var errorDescription: String?
    public var errorURI: String?
    public var httpStatus: Int?
    public var step: String?
    public var origin: Origin

    public init(
        code: String, description: String? = nil, uri: String? = nil, httpStatus: Int? = nil,
        step: String? = nil, origin: Origin
    ) {
        self.code = code
        self.errorDescription = description
        self.errorURI = uri
        self.httpStatus = httpStatus
        self.step = step
        self.origin = origin
    }

    /// Client-side codes used by this library.
    public static let mismatchingState = "mismatching_state"
    public static let missingCode = "missing_code"
    public static let malformedResponse = "malformed_response"
    public static let invalidConfiguration = "invalid_configuration"
    public static let transportError = "transport_error"

    public static func client(_ code: String, _ description: String, step: String? = nil, httpStatus: Int? = nil) -> OAuthError {
        OAuthError(code: code, description: description, httpStatus: httpStatus, step: step, origin: .client)
    }

    public static func malformed(step: String, httpStatus: Int?, _ reason: String) -> OAuthError {
        OAuthError(code: malformedResponse, description: reason, httpStatus: httpStatus, step: step, origin: .client)
    }

    public var description: String {
        var text = ""
        if let step { text += "\(step): " }
        text += code
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if let errorDescription, !errorDescription.isEmpty { text += ": \(errorDescription)" }
        if origin == .provider { text += " [from provider]" }
        return text
    }
}
