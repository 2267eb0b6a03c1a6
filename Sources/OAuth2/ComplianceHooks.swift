import OAuthCore

/// Hooks that adapt requests and responses of non-conforming providers, run in registration
/// order, each on the previous one's result. Six points are those of the reference client:
/// before a token response is parsed, around refresh, before protected requests, revocation
/// and introspection; two are ours: before a token request and before a device authorization
/// response is read.
public enum ComplianceHook: Sendable {
    /// Returns the request to send instead of the one it is given. An error it throws that is not
    /// an `OAuthError` fails the step as `compliance_hook_failed`.
    public typealias RequestHook = @Sendable (TransportRequest) async throws -> TransportRequest
    /// Returns the response to read instead of the one it is given. An error it throws that is not
    /// an `OAuthError` fails the step as `compliance_hook_failed`.
    public typealias ResponseHook = @Sendable (TransportResponse) async throws -> TransportResponse

    /// Before a token request (other than a refresh) is sent. Not one of the reference
    /// client's six points: providers that want a JSON body or extra parameters need it.
    case accessTokenRequest(RequestHook)
    /// Before a token-endpoint response (other than a refresh) is parsed.
    case accessTokenResponse(ResponseHook)
    /// Before a refresh request is sent.
    case refreshTokenRequest(RequestHook)
    /// Before a refresh response is parsed.
    case refreshTokenResponse(ResponseHook)
    /// Before a protected-resource request is sent (after the token is added).
    case protectedRequest(RequestHook)
    /// Before a revocation request is sent.
    case revokeTokenRequest(RequestHook)
    /// Before an introspection request is sent.
    case introspectTokenRequest(RequestHook)
    /// Before a device authorization response (RFC 8628 §3.2) is parsed. Not one of the
    /// reference client's points: it has no device grant.
    case deviceAuthorizationResponse(ResponseHook)
}

/// The registered hooks of a session, by point.
struct ComplianceHookSet: Sendable {
    var accessTokenRequest: [ComplianceHook.RequestHook] = []
    var accessTokenResponse: [ComplianceHook.ResponseHook] = []
    var refreshTokenRequest: [ComplianceHook.RequestHook] = []
    var refreshTokenResponse: [ComplianceHook.ResponseHook] = []
    var protectedRequest: [ComplianceHook.RequestHook] = []
    var revokeTokenRequest: [ComplianceHook.RequestHook] = []
    var introspectTokenRequest: [ComplianceHook.RequestHook] = []
    var deviceAuthorizationResponse: [ComplianceHook.ResponseHook] = []

    mutating func add(_ hook: ComplianceHook) {
        switch hook {
        case .accessTokenRequest(let hook): accessTokenRequest.append(hook)
        case .accessTokenResponse(let hook): accessTokenResponse.append(hook)
        case .refreshTokenRequest(let hook): refreshTokenRequest.append(hook)
        case .refreshTokenResponse(let hook): refreshTokenResponse.append(hook)
        case .protectedRequest(let hook): protectedRequest.append(hook)
        case .revokeTokenRequest(let hook): revokeTokenRequest.append(hook)
        case .introspectTokenRequest(let hook): introspectTokenRequest.append(hook)
        case .deviceAuthorizationResponse(let hook): deviceAuthorizationResponse.append(hook)
        }
    }

    static func apply<Value>(_ hooks: [@Sendable (Value) async throws -> Value], to value: Value, step: String) async throws(OAuthError) -> Value {
        var value = value
        for hook in hooks {
            do {
                value = try await hook(value)
            } catch let error as OAuthError {
                throw error
            } catch {
                throw .client(.complianceHookFailed, "a compliance hook threw: \(error)", step: step)
            }
        }
        return value
    }
}
