import AsyncHTTPClient
import Foundation
import NIOCore

/// `HTTPTransport` over AsyncHTTPClient. Redirects are not followed (OAuth endpoints answer
/// redirects that the caller must see), every request has a deadline and every body a size cap.
public final class AsyncHTTPClientTransport: HTTPTransport {
    public let client: HTTPClient
    private let ownsClient: Bool
    public let timeout: Duration
    public let maxBodyBytes: Int

    /// Creates a transport with its own `HTTPClient`; call `shutdown()` when done.
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
    public init(client: HTTPClient, timeout: Duration = .seconds(10), maxBodyBytes: Int = 4 << 20) {
        self.client = client
        self.ownsClient = false
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = .init(rawValue: request.method)
        for field in request.headers {
            outgoing.headers.add(name: field.name, value: field.value)
        }
        if !request.body.isEmpty {
            outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let seconds = Int64(timeout.components.seconds)
        let response = try await client.execute(outgoing, timeout: .seconds(max(seconds, 1)))
        let buffer = try await response.body.collect(upTo: maxBodyBytes)
        var headers = HeaderList()
        for header in response.headers {
            headers.add(header.name, header.value)
        }
        return TransportResponse(status: Int(response.status.code), headers: headers, body: Array(buffer.readableBytesView))
    }

    public func shutdown() async throws {
        if ownsClient { try await client.shutdown() }
    }
}
