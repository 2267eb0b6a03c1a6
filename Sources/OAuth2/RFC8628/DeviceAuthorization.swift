import Foundation
import OAuthCore

extension GrantType {
    /// The device authorization grant (RFC 8628 §3.4).
    public static let deviceCode: GrantType = "urn:ietf:params:oauth:grant-type:device_code"
}

/// The device authorization response (RFC 8628 §3.2): what to show the user, and the device
/// code the client polls with. Its description never shows the device code.
public struct DeviceAuthorization: Sendable, Equatable, CustomStringConvertible {
    /// `device_code`: the client's secret for polling.
    public let deviceCode: String
    /// `user_code`: what the user types at the verification URI.
    public let userCode: String
    /// `verification_uri` (some providers say `verification_url`; a compliance hook can rename it).
    public let verificationURI: String
    /// `verification_uri_complete`: the URI with the user code in it, when given (show it, e.g. as a QR code).
    public let verificationURIComplete: String?
    /// `expires_in`: seconds the device and user codes are valid.
    public let expiresIn: Int
    /// `interval`: seconds between polls (5 when absent, §3.2).
    public let interval: Int
    /// When the response arrived, by the session's clock.
    public let receivedAt: Date

    /// The user code and where to enter it; never the device code.
    public var description: String {
        "DeviceAuthorization(user_code: \(userCode), verification_uri: \(verificationURI), expires_in: \(expiresIn), interval: \(interval))"
    }

    /// What to show the user: the complete URI when there is one, else the URI and the code.
    public var instructions: String {
        verificationURIComplete.map { "Open \($0)" } ?? "Open \(verificationURI) and enter \(userCode)"
    }
}

extension OAuth2Session {
    // MARK: RFC 8628 — device authorization grant

    /// The longest wait between polls that a provider's `interval` and `slow_down` may ask for.
    public static let maximumPollInterval = 300

    /// Asks the device authorization endpoint for a device code and a user code (RFC 8628 §3.1),
    /// with the client's authentication.
    ///
    /// - Parameters:
    ///   - endpoint: the `device_authorization_endpoint`.
    ///   - scope: the scopes to request; `nil` uses the session's.
    ///   - extraParameters: further form parameters.
    /// - Returns: the codes and the verification URI.
    /// - Throws: `OAuthError`: the provider's error; `malformed_response` (step `device_authorization`)
    ///   for an answer without the string members or positive integers §3.2 requires.
    public func requestDeviceAuthorization(
        _ endpoint: String,
        scope: [String]? = nil,
        extraParameters: [(String, String)] = []
    ) async throws(OAuthError) -> DeviceAuthorization {
        let step = "device_authorization"
        var form = FormParameters()
        let requested = scope ?? self.scope
        if !requested.isEmpty { form.append("scope", requested.joined(separator: " ")) }
        for (name, value) in extraParameters { form.append(name, value) }
        let request = try await authenticatedForm(endpoint, form: form, step: step, hooks: [])
        let response = try await ComplianceHookSet.apply(hooks.deviceAuthorizationResponse, to: try await send(request, step: step), step: step)
        guard response.status == 200 else { throw providerError(response, step: step) }
        guard case .object(let members)? = try? JSONValue.parse(response.body) else {
            throw .malformed(step: step, httpStatus: response.status, "expected a JSON object (RFC 8628 §3.2), got \(describeBody(response))")
        }
        func text(_ name: String) throws(OAuthError) -> String {
            guard case .string(let value)? = members[name], !value.isEmpty else {
                throw .malformed(step: step, httpStatus: response.status, "the response has no \(name) string (RFC 8628 §3.2)")
            }
            return value
        }
        func seconds(_ name: String, default fallback: Int?) throws(OAuthError) -> Int {
            guard let member = members[name] else {
                if let fallback { return fallback }
                throw .malformed(step: step, httpStatus: response.status, "the response has no \(name) (RFC 8628 §3.2)")
            }
            guard case .number(let number) = member, let value = number.int64, value > 0, value <= Int64(Int32.max) else {
                throw .malformed(step: step, httpStatus: response.status, "\(name) is not a positive integer (RFC 8628 §3.2)")
            }
            return Int(value)
        }
        return DeviceAuthorization(
            deviceCode: try text("device_code"),
            userCode: try text("user_code"),
            verificationURI: try text("verification_uri"),
            verificationURIComplete: members["verification_uri_complete"]?.stringValue,
            expiresIn: try seconds("expires_in", default: nil),
            interval: min(try seconds("interval", default: 5), Self.maximumPollInterval),
            receivedAt: clock.now()
        )
    }

    /// Polls the token endpoint with the device code until the user approves (RFC 8628 §3.4,
    /// §3.5): `authorization_pending` waits `interval` seconds more, `slow_down` adds 5 seconds to
    /// it for this and every later poll, and polling stops when the codes expire. Bounded in time
    /// (`expires_in`, by the session's clock) and in count (one poll per interval at most).
    ///
    /// - Parameters:
    ///   - tokenEndpoint: the token endpoint; `nil` uses the session's.
    ///   - authorization: the device authorization response.
    ///   - maximumPolls: give up after this many polls (a tool that asks the user again); `nil`
    ///     polls until the codes expire.
    ///   - sleep: waits between polls; by default `Task.sleep`. Tests pass one that moves a
    ///     `ManualClock` instead of waiting.
    /// - Returns: the token, which the session now holds.
    /// - Throws: `OAuthError`: `access_denied` or `expired_token` from the provider (§3.5);
    ///   `expired_token` (client) when the codes expire while pending; after `maximumPolls`, the
    ///   provider's last answer (`authorization_pending` or `slow_down`); another error of the
    ///   provider or the transport as it came; the sleep's cancellation as `renewal_failed`.
    @discardableResult
    public func pollDeviceToken(
        _ tokenEndpoint: String? = nil,
        authorization: DeviceAuthorization,
        maximumPolls: Int? = nil,
        sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async throws(OAuthError) -> OAuth2Token {
        let step = "device_token"
        let endpoint = try endpointOrDefault(tokenEndpoint, step: step)
        let deadline = authorization.receivedAt.addingTimeInterval(TimeInterval(authorization.expiresIn))
        var interval = authorization.interval
        let form = FormParameters([("grant_type", GrantType.deviceCode.rawValue), ("device_code", authorization.deviceCode)])
        // Bounded in count too, should the clock not move (a sleep that does not wait).
        let limit = min(authorization.expiresIn / max(authorization.interval, 1) + 1, max(maximumPolls ?? .max, 0))
        var lastAnswer: OAuthError?
        for _ in 0..<limit {
            guard clock.now().addingTimeInterval(TimeInterval(interval)) < deadline else {
                throw .client("expired_token", "the device code expired before the user approved (RFC 8628 §3.5)", step: step)
            }
            do {
                try await sleep(.seconds(interval))
            } catch {
                throw .client(.renewalFailed, "polling was cancelled", step: step)
            }
            do {
                let token = try await grantRequest(endpoint, form: form, step: step)
                self.token = token
                return token
            } catch  where error.code.rawValue == "authorization_pending" {
                lastAnswer = error
            } catch  where error.code.rawValue == "slow_down" {
                lastAnswer = error
                interval = min(interval + 5, Self.maximumPollInterval)
            }
        }
        if let maximumPolls, limit == maximumPolls, let lastAnswer {
            throw OAuthError(
                code: lastAnswer.code,
                description: "still \(lastAnswer.code.rawValue) after \(maximumPolls) poll\(maximumPolls == 1 ? "" : "s")",
                httpStatus: lastAnswer.httpStatus,
                step: step,
                origin: .provider
            )
        }
        throw .client("expired_token", "the device code expired before the user approved (RFC 8628 §3.5)", step: step)
    }
}
