import Foundation
import OAuthCore
import Synchronization

/// Serves a recorded conversation back: the n-th request for a method and path gets the n-th
/// recorded answer for them. Values of the recorded request's parameters that appear in the
/// answer (state, redirect_uri, …) are replaced by the current request's, so a new run of the
/// same scenario sees its own values. Secrets were redacted when recording.
public final class MockReplayProvider: MockRequestHandler {
    /// The replay profile whose recorded exchanges it serves.
    public let profile: ProviderProfile
    private let cursors = Mutex<[String: Int]>([:])

    /// A provider that serves `profile`'s exchanges from the first.
    ///
    /// - Parameter profile: a `replay` profile.
    public init(profile: ProviderProfile) { self.profile = profile }

    /// Answers with the next recorded response for the request's method and path, its recorded
    /// parameter values replaced by the request's (in the body and the `Location` header); past the
    /// last one, a 404 JSON error `not_recorded`.
    ///
    /// - Parameter request: the request.
    public func handle(_ request: TransportRequest) async -> TransportResponse {
        let (path, query) = MockProvider.split(request.url)
        let key = request.method + " " + path
        let recorded = profile.replay.filter { $0.method == request.method && $0.path == path }
        let index = cursors.withLock { cursors -> Int in
            let index = cursors[key, default: 0]
            cursors[key] = index + 1
            return index
        }
        guard index < recorded.count else {
            return MockProvider.json(404, ["error": "not_recorded", "error_description": "no recorded answer #\(index + 1) for \(key)"])
        }
        let exchange = recorded[index]
        var current: [String: String] = [:]
        for pair in query ?? FormParameters() { current[pair.name] = pair.value }
        if request.headers["Content-Type"]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true,
            let form = try? FormParameters(parsing: String(decoding: request.body, as: UTF8.self))
        {
            for pair in form { current[pair.name] = pair.value }
        }
        // Longest values first, so that one value inside another is replaced whole.
        let substitutions = exchange.parameters.compactMap { name, old -> (String, String)? in
            guard let new = current[name], !old.isEmpty, old != new, old.count >= 4, !old.contains(Redactor.mask) else { return nil }
            return (old, new)
        }.sorted { $0.0.count > $1.0.count }
        func rewrite(_ text: String) -> String {
            var text = text
            for (old, new) in substitutions {
                text = text.replacingOccurrences(of: old, with: new)
                text = text.replacingOccurrences(of: PercentEncoding.encode(old), with: PercentEncoding.encode(new))
            }
            return text
        }
        var headers = HeaderList()
        for (name, value) in exchange.headers where !["content-length", "date"].contains(name.lowercased()) {
            headers.add(name, name.lowercased() == "location" ? rewrite(value) : value)
        }
        return TransportResponse(status: exchange.status, headers: headers, body: Array(rewrite(exchange.body).utf8))
    }
}
