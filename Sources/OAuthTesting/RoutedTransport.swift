import Foundation
import OAuthCore
import Synchronization

/// A transport that answers by route — `"GET https://op.example/authorize"` (method, then the
/// URL without its query) to a closure — and hands anything else to `fallback` (or answers 404).
/// For tests of code that visits several endpoints or pages of a provider.
public final class RoutedTransport: HTTPTransport {
    /// Answers one route's requests.
    public typealias Route = @Sendable (TransportRequest) async throws -> TransportResponse
    private let routes: [String: Route]
    private let fallback: (any HTTPTransport)?
    private let sent = Mutex<[TransportRequest]>([])

    /// - Parameters:
    ///   - routes: answers by `"METHOD URL-without-query"`.
    ///   - fallback: where other requests go; without one they get a 404 HTML page.
    public init(_ routes: [String: Route], fallback: (any HTTPTransport)? = nil) {
        self.routes = routes
        self.fallback = fallback
    }

    /// Keeps `request`, then answers it from its route, else from the fallback, else with a 404.
    ///
    /// - Parameter request: the request.
    /// - Throws: the route's or the fallback's error.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        sent.withLock { $0.append(request) }
        let key = request.method + " " + String(request.url.split(separator: "?", maxSplits: 1).first ?? "")
        if let route = routes[key] { return try await route(request) }
        if let fallback { return try await fallback.send(request) }
        return TransportResponse(status: 404, headers: ["Content-Type": "text/html"], body: Array("<h1>Not Found</h1>".utf8))
    }

    /// The requests received so far, in order (those passed to the fallback included).
    public var requests: [TransportRequest] { sent.withLock { $0 } }
}
