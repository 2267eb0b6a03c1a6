import OAuthCore
import Synchronization

/// Answers every request with one response, which a test can swap at any time, and keeps the
/// requests: a JWKS or metadata document that changes between fetches, or an endpoint that
/// always fails the same way (to count retries).
///
/// ```swift
/// let jwks = StaticTransport(json: #"{"keys":[]}"#)
/// jwks.json(#"{"keys":[…]}"#, headers: ["Cache-Control": "max-age=120"])   // the provider rotated
/// #expect(jwks.count == 2)
/// ```
public final class StaticTransport: HTTPTransport {
    private let state: Mutex<(response: TransportResponse, sent: [TransportRequest])>

    /// Answers `response` until told otherwise.
    /// - Parameter response: the response every request gets.
    public init(_ response: TransportResponse) { state = Mutex((response, [])) }

    /// Answers a JSON body (`Content-Type: application/json`) until told otherwise.
    /// - Parameters:
    ///   - body: the JSON text.
    ///   - status: the HTTP status.
    ///   - headers: more response headers.
    public convenience init(json body: String, status: Int = 200, headers: HeaderList = [:]) {
        self.init(Self.jsonResponse(body, status: status, headers: headers))
    }

    /// Answers `status` with an empty body and the given headers until told otherwise.
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - headers: the response headers (e.g. `Retry-After`).
    public convenience init(status: Int, headers: HeaderList = [:]) {
        self.init(TransportResponse(status: status, headers: headers))
    }

    /// Answers `response` from now on.
    /// - Parameter response: the response later requests get.
    public func answer(_ response: TransportResponse) { state.withLock { $0.response = response } }

    /// Answers a JSON body from now on.
    /// - Parameters:
    ///   - body: the JSON text.
    ///   - status: the HTTP status.
    ///   - headers: more response headers.
    public func json(_ body: String, status: Int = 200, headers: HeaderList = [:]) {
        answer(Self.jsonResponse(body, status: status, headers: headers))
    }

    /// Records the request and returns the current response.
    /// - Parameter request: the request.
    /// - Throws: never; the protocol's signature.
    public func send(_ request: TransportRequest) async throws(OAuthError) -> TransportResponse {
        state.withLock {
            $0.sent.append(request)
            return $0.response
        }
    }

    /// The requests received, in order.
    public var requests: [TransportRequest] { state.withLock { $0.sent } }

    /// How many requests were received.
    public var count: Int { state.withLock { $0.sent.count } }

    private static func jsonResponse(_ body: String, status: Int, headers: HeaderList) -> TransportResponse {
        var all = headers
        all["Content-Type"] = "application/json"
        return TransportResponse(status: status, headers: all, body: Array(body.utf8))
    }
}
