import AsyncHTTPClient
import Foundation
import NIOCore

/// `HTTPTransport` over AsyncHTTPClient. Redirects are not followed (OAuth endpoints answer
/// redirects that the caller must see), every request has a deadline and every body a size cap.
public final class AsyncHTTPClientTransport: HTTPTransport {
    /// The AsyncHTTPClient client that sends the requests.
    public let client: HTTPClient
    private let ownsClient: Bool
    /// The deadline of an exchange (head and body) for requests without their own
    /// ``TransportRequest/timeout``.
    public let timeout: Duration
    /// The largest response body accepted; a larger one fails the exchange.
    public let maxBodyBytes: Int

    /// Creates a transport with its own `HTTPClient`; call `shutdown()` when done.
    ///
    /// - Parameters:
    ///   - timeout: the default deadline of an exchange (also the client's read timeout).
    ///   - maxBodyBytes: the largest response body accepted (default 4 MiB).
    public init(timeout: Duration = .seconds(10), maxBodyBytes: Int = 4 << 20) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(Int64(timeout.components.seconds)))
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.ownsClient = true
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// Uses an existing client (not shut down by this transport).
    ///
    /// - Parameters:
    ///   - client: the client to send with; its own configuration (redirects included) applies.
    ///   - timeout: the default deadline of an exchange.
    ///   - maxBodyBytes: the largest response body accepted (default 4 MiB).
    public init(client: HTTPClient, timeout: Duration = .seconds(10), maxBodyBytes: Int = 4 << 20) {
        self.client = client
        self.ownsClient = false
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// Sends `request` and collects the whole response within the request's deadline (else
    /// ``timeout``).
    ///
    /// - Parameter request: the request.
    /// - Throws: ``TimeoutError`` when the deadline passes first; AsyncHTTPClient's errors when
    ///   the connection fails or the body is larger than ``maxBodyBytes``.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = .init(rawValue: request.method)
        for field in request.headers {
            outgoing.headers.add(name: field.name, value: field.value)
        }
        if !request.body.isEmpty {
            outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let deadline = request.timeout ?? timeout
        let limit = maxBodyBytes
        let client = self.client
        // One deadline for head and body: a provider that drips its body cannot hold a run.
        let prepared = outgoing
        let headDeadline = TimeAmount.nanoseconds(
            Int64(deadline.components.seconds) * 1_000_000_000 + deadline.components.attoseconds / 1_000_000_000
        )
        let (response, buffer) = try await Self.within(deadline) {
            let response = try await client.execute(prepared, timeout: max(headDeadline, .milliseconds(1)))
            return (response, try await response.body.collect(upTo: limit))
        }
        var headers = HeaderList()
        for header in response.headers {
            headers.add(header.name, header.value)
        }
        return TransportResponse(status: Int(response.status.code), headers: headers, body: Array(buffer.readableBytesView))
    }

    /// Runs `operation`, cancelling it and throwing `TimeoutError` when `limit` passes first.
    static func within<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimeoutError(limit: limit) }
            return value
        }
    }

    /// The exchange did not finish within its deadline.
    public struct TimeoutError: Error, CustomStringConvertible {
        /// The deadline that passed.
        public let limit: Duration
        /// A message naming the deadline.
        public var description: String { "no complete response within \(limit)" }
    }

    /// Shuts the client down if this transport created it; a client passed to
    /// ``init(client:timeout:maxBodyBytes:)`` is left running.
    ///
    /// - Throws: the client's error when it cannot shut down.
    public func shutdown() async throws {
        if ownsClient { try await client.shutdown() }
    }
}
