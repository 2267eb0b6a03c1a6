import Foundation
import OAuthCore
import Synchronization

/// Passes requests on to another transport and keeps every exchange as it crossed the wire,
/// unredacted — for tests that check what was really sent and received (and that none of it
/// reached a report).
public final class CapturingTransport: HTTPTransport {
    private let base: any HTTPTransport
    private let kept = Mutex<[(request: TransportRequest, response: TransportResponse)]>([])

    /// - Parameter base: the transport that does the work.
    public init(base: any HTTPTransport) { self.base = base }

    /// Sends `request` through the base transport and keeps the exchange.
    ///
    /// - Parameter request: the request.
    /// - Throws: the base transport's error; the failed exchange is not kept.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let response = try await base.send(request)
        kept.withLock { $0.append((request, response)) }
        return response
    }

    /// The exchanges that got a response, in order.
    public var exchanges: [(request: TransportRequest, response: TransportResponse)] { kept.withLock { $0 } }
}
