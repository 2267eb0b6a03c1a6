import Foundation
import MockProviders
import OAuthCore
import OpenIDConnect
import Synchronization

/// The harness as a relying party's `backchannel_logout_uri` (OpenID Connect Back-Channel
/// Logout 1.0): a loopback listener, started for a scenario whose client names one, that
/// answers the provider's POSTs as an RP must (§2.8: 200 for a valid logout token, 400 with the
/// reason otherwise) and keeps what arrived for the `backchannel_logout` step. Tokens are
/// registered with the scenario's redactor as they arrive: never in a report.
final class BackChannelReceiver: Sendable {
    /// Where to listen: an `http` URL on a loopback address.
    struct Address: Sendable {
        /// The address to bind (`localhost` binds 127.0.0.1).
        var bindHost: String
        /// The host as written (kept in the URL the provider is given).
        var host: String
        var port: Int
        /// The path with its query, as the provider must POST to it.
        var path: String

        init?(_ uri: String) {
            let reference = URLReference(uri)
            guard reference.scheme?.lowercased() == "http", reference.fragment == nil, let host = reference.host, LoopbackHost.contains(host),
                let authority = reference.authority, !authority.contains("@")
            else { return nil }
            let port = reference.port ?? 80
            guard (0...65535).contains(port) else { return nil }
            self.host = host
            self.bindHost = host.lowercased() == "localhost" ? "127.0.0.1" : (host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host)
            self.port = port
            self.path = (reference.path.isEmpty ? "/" : reference.path) + (reference.query.map { "?" + $0 } ?? "")
        }
    }

    /// One POST the provider made.
    struct Delivery: Sendable {
        /// What the harness answered.
        var status: Int
        /// The validated token.
        var token: LogoutToken?
        /// Why it was refused.
        var error: OAuthError?
    }

    struct Inbox {
        var validator: LogoutTokenValidator?
        var deliveries: [Delivery] = []
    }

    /// How many deliveries are kept (a provider that floods the endpoint is answered, not stored).
    static let kept = 16
    /// How long the step waits for a delivery.
    static let wait: Duration = .seconds(5)

    let endpoint: RunningEndpoint
    /// The URL the provider must POST to (with the port bound).
    let uri: String
    private let inbox = Mutex(Inbox())

    private init(endpoint: RunningEndpoint, uri: String) {
        self.endpoint = endpoint
        self.uri = uri
    }

    /// Starts listening at `uri` (port 0: any free port).
    static func start(_ uri: String, transcript: Transcript) async throws -> BackChannelReceiver {
        guard let address = Address(uri) else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "backchannel_logout_uri \(uri) is not an http URL on a loopback address")
        }
        let box = Box()
        let endpoint = try await RunningEndpoint.start(host: address.bindHost, port: address.port) { request in
            await box.receiver.withLock({ $0 })?.receive(request, path: address.path, transcript: transcript) ?? TransportResponse(status: 503)
        }
        let host = address.host.contains(":") && !address.host.hasPrefix("[") ? "[\(address.host)]" : address.host
        let receiver = BackChannelReceiver(endpoint: endpoint, uri: "http://\(host):\(endpoint.port)\(address.path)")
        box.receiver.withLock { $0 = receiver }
        return receiver
    }

    /// From now on, tokens are validated with `validator` and deliveries kept from scratch.
    func expect(_ validator: LogoutTokenValidator) {
        inbox.withLock { $0 = Inbox(validator: validator) }
    }

    /// The deliveries since ``expect(_:)``, after waiting (at most ``wait``, polling every 10 ms)
    /// for the first.
    func deliveries() async -> [Delivery] {
        let deadline = ContinuousClock.now + Self.wait
        while ContinuousClock.now < deadline {
            if !inbox.withLock({ $0.deliveries.isEmpty }) { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return inbox.withLock { $0.deliveries }
    }

    func stop() async { await endpoint.stop() }

    /// Answers one request (§2.5–§2.8) and keeps the outcome.
    func receive(_ request: TransportRequest, path: String, transcript: Transcript) async -> TransportResponse {
        guard URLReference(request.url).path == URLReference(path).path else {
            return TransportResponse(status: 404, headers: ["Content-Type": "text/plain"], body: Array("not the back-channel logout URI".utf8))
        }
        guard request.method == "POST" else { return TransportResponse(status: 405, headers: ["Allow": "POST"]) }
        if let form = try? FormParameters(parsing: String(decoding: request.body.prefix(LogoutTokenValidator.maxRequestBytes), as: UTF8.self)) {
            transcript.redactor.registerSecrets(in: form)
        }
        let answer: BackChannelLogoutAnswer
        if let validator = inbox.withLock({ $0.validator }) {
            answer = await validator.answer(body: request.body, contentType: request.headers["Content-Type"])
        } else {
            answer = BackChannelLogoutAnswer.refusal(
                503,
                .client(
                    "unexpected_logout_token",
                    "the harness was not waiting for a logout token (no backchannel_logout step)",
                    step: "backchannel_logout"
                )
            )
        }
        let delivery = Delivery(status: answer.status, token: answer.token, error: answer.error)
        inbox.withLock { inbox in
            if inbox.deliveries.count < Self.kept { inbox.deliveries.append(delivery) }
        }
        // The token and its sid stay out of the transcript (a sid names a live session).
        let named = answer.token.map { token in [token.subject.map { _ in "sub" }, token.sessionID.map { _ in "sid" }].compactMap { $0 } }
        let outcome =
            named.map { "a valid logout token naming its \($0.joined(separator: " and "))" } ?? (answer.error?.errorDescription ?? "refused")
        transcript.note("back-channel logout: the provider POSTed to \(path); answered \(answer.status): \(outcome)")
        return TransportResponse(status: answer.status, headers: answer.headers, body: answer.body)
    }

    /// Lets the endpoint's closure reach the receiver made after it.
    private final class Box: Sendable {
        let receiver = Mutex<BackChannelReceiver?>(nil)
    }
}
