import Foundation
import OAuthCore
import Synchronization

/// A transport that answers from a script, for unit tests of code that speaks HTTP through
/// `HTTPTransport`: each request gets the next scripted response (the last one repeats), or
/// the error given, and every request is kept for the test to inspect.
///
/// ```swift
/// let transport = ScriptedTransport(json: #"{"access_token":"at","token_type":"Bearer"}"#)
/// let session = OAuth2Session(clientID: "id", clientSecret: "s", transport: transport)
/// _ = try await session.fetchToken("https://as.example/token", code: "c")
/// #expect(try transport.form(0)["code"] == "c")
/// ```
public final class ScriptedTransport: HTTPTransport {
    private let responses: [Result<TransportResponse, any Error>]
    private let sent = Mutex<[TransportRequest]>([])

    /// Answers with `responses` in turn; the last one repeats. With none, every request fails
    /// (for code that must not send anything).
    ///
    /// - Parameter responses: the answers, in order.
    public init(responses: [TransportResponse]) {
        self.responses = responses.map { .success($0) }
    }

    /// Answers every request with `response`.
    ///
    /// - Parameter response: the answer.
    public convenience init(_ response: TransportResponse) { self.init(responses: [response]) }

    /// Answers with JSON bodies in turn (`Content-Type: application/json`), all with `status`.
    ///
    /// - Parameters:
    ///   - bodies: the JSON texts, in order.
    ///   - status: the HTTP status of every answer.
    public convenience init(json bodies: String..., status: Int = 200) { self.init(json: bodies, status: status) }

    /// Answers with JSON bodies in turn (`Content-Type: application/json`), all with `status`.
    ///
    /// - Parameters:
    ///   - bodies: the JSON texts, in order.
    ///   - status: the HTTP status of every answer.
    public convenience init(json bodies: [String], status: Int = 200) {
        self.init(responses: bodies.map { Self.json($0, status: status) })
    }

    /// Fails every request with `error`, as a transport that cannot reach the server does.
    ///
    /// - Parameter error: the error every request fails with.
    public init(failing error: any Error) { responses = [.failure(error)] }

    /// A JSON response.
    ///
    /// - Parameters:
    ///   - body: the JSON text.
    ///   - status: the HTTP status.
    public static func json(_ body: String, status: Int = 200) -> TransportResponse {
        TransportResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(body.utf8))
    }

    /// Keeps `request` and answers it with the next scripted response.
    ///
    /// - Parameter request: the request.
    /// - Throws: the scripted error; `OAuthError` with `transport_error` when the script is empty.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let index = sent.withLock { sent in
            sent.append(request)
            return sent.count - 1
        }
        guard !responses.isEmpty else {
            throw OAuthError.client(.transportError, "the script has no response for \(request.method) \(request.url)", step: "send")
        }
        return try responses[min(index, responses.count - 1)].get()
    }

    /// The requests received so far, in order.
    public var requests: [TransportRequest] { sent.withLock { $0 } }

    /// The last request received.
    public var last: TransportRequest? { sent.withLock { $0.last } }

    /// The form body of the request at `index`.
    ///
    /// - Parameter index: the request's position in ``requests``, from 0; it must exist.
    /// - Throws: `PercentEncoding.EncodingError` when the body is not a valid form.
    public func form(_ index: Int) throws -> FormParameters {
        try FormParameters(parsing: String(decoding: requests[index].body, as: UTF8.self))
    }
}
