import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import OAuthCore
import ServiceLifecycle

/// A mock provider's endpoint logic: requests in (path and query in `url`), responses out.
public protocol MockRequestHandler: Sendable {
    /// The profile the handler follows.
    var profile: ProviderProfile { get }
    /// Answers one request; never fails: errors are HTTP answers.
    ///
    /// - Parameter request: the request; its `url` is the request target (path and query).
    func handle(_ request: TransportRequest) async -> TransportResponse
}

/// Puts a mock provider on an HTTP port with Hummingbird, bound to loopback.
public enum MockProviderServer {
    /// The engine for a profile's protocol.
    ///
    /// - Parameters:
    ///   - profile: the profile.
    ///   - clock: the clock of the provider (ignored by a replay).
    /// - Returns: a ``MockOAuth1Provider``, ``MockProvider`` or ``MockReplayProvider``.
    public static func handler(for profile: ProviderProfile, clock: any OAuthClock = SystemClock()) -> any MockRequestHandler {
        switch profile.protocolKind {
        case .oauth1: MockOAuth1Provider(profile: profile, clock: clock)
        case .replay: MockReplayProvider(profile: profile)
        case .oauth2: MockProvider(profile: profile, clock: clock)
        }
    }

    /// The Hummingbird application serving `provider`. `onRunning` receives the bound port.
    ///
    /// The profile's own `faults` are armed first. Requests to `/_harness/` controls from another
    /// site, origin or host name are refused with a 403.
    ///
    /// - Parameters:
    ///   - provider: the request handler to serve.
    ///   - host: the address to bind.
    ///   - port: the port to bind; 0 for an ephemeral one.
    ///   - logger: Hummingbird's logger.
    ///   - faults: the transport faults to inject.
    ///   - log: where requests are counted and kept, if anywhere.
    ///   - onRunning: called with the bound port once the server accepts connections.
    public static func application(
        for provider: any MockRequestHandler,
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger,
        faults: FaultInjector = FaultInjector(),
        log: RequestLog? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        for fault in provider.profile.faults { faults.arm(fault) }
        // Every request goes to the provider's own dispatcher: one responder, no router.
        let responder = CallbackResponder<MockRequestContext> { request, context in
            log?.count(path: request.uri.path)
            if request.uri.path.hasPrefix("/_harness/"), let refusal = controlRefusal(request, port: served(context).port) {
                return response(MockProvider.json(403, ["error": "access_denied", "error_description": refusal]))
            }
            if let fault = faults.take(path: request.uri.path) { return try await inject(fault, provider, request, context, log) }
            return try await respond(provider, request, context, log)
        }
        return Application(
            responder: responder,
            server: .http1(configuration: httpConfiguration),
            configuration: .init(address: .hostname(host, port: port), serverName: "oauth-harness-mock"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// Answers with `fault` instead of (or around) the provider's answer.
    static func inject(
        _ fault: Fault,
        _ provider: any MockRequestHandler,
        _ request: Request,
        _ context: MockRequestContext,
        _ log: RequestLog? = nil
    ) async throws -> Response {
        switch fault.kind {
        case .closeBeforeResponse:
            // Close the connection under Hummingbird: the client reads end-of-stream before any
            // status line; the error Hummingbird then meets writing this answer is its own.
            try? await context.channel.close()
            throw MockServerError(message: "connection closed before the response, on purpose")
        case .latency:
            try await Task.sleep(for: .milliseconds(min(fault.milliseconds, 30_000)))
            return try await respond(provider, request, context, log)
        case .status:
            var headers: HTTPFields = [.contentType: "text/plain"]
            if fault.status == 429 { headers[.retryAfter] = "1" }
            return Response(
                status: .init(code: fault.status),
                headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: "injected HTTP \(fault.status)"))
            )
        case .truncatedJSON:
            var answer = await provider.handle(try await transportRequest(request, served: served(context)))
            answer.body = Array(answer.body.prefix(answer.body.count / 2))
            return response(answer)
        case .malformedJSON:
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"access_token\": \"abc\", \"token_type\": "))
            )
        case .hugeBody:
            let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 1 << 20)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init { writer in
                    for _ in 0..<50 { try await writer.write(chunk) }
                    try await writer.finish(nil)
                }
            )
        case .slowBody:
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init { writer in
                    for _ in 0..<300 {
                        try await writer.write(ByteBuffer(string: " "))
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    try await writer.finish(nil)
                }
            )
        case .closeMidBody:
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .contentLength: "1000"],
                body: .init { writer in
                    try await writer.write(ByteBuffer(string: "{\"access_token\": \"abc"))
                    throw MockServerError(message: "connection dropped on purpose")
                }
            )
        case .redirectLoop:
            return .redirect(to: request.uri.string, type: .found)
        }
    }

    /// Limits against hostile clients: a connection that sends nothing for 30 s is closed
    /// (half-sent bodies, held-open sockets), headers are capped at 16 KiB each, 64 KiB in all
    /// and 100 fields.
    static let httpConfiguration = HTTP1Channel.Configuration(
        idleTimeout: .seconds(30),
        httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
    )

    static func respond(
        _ provider: any MockRequestHandler,
        _ request: Request,
        _ context: MockRequestContext,
        _ log: RequestLog? = nil
    ) async throws -> Response {
        let incoming: TransportRequest
        do {
            incoming = try await transportRequest(request, served: served(context))
        } catch {
            // A body over the limit (or one that broke off): a JSON error, never an empty 500.
            return response(
                MockProvider.json(
                    413,
                    ["error": "invalid_request", "error_description": "the request body exceeds \(MockProvider.maxBodyBytes) bytes"]
                )
            )
        }
        let answer = await provider.handle(incoming)
        log?.record(incoming, status: answer.status)
        return response(answer)
    }

    /// The request as the provider's logic reads it. Its `Host` (from which the mock builds its
    /// issuer and every URL it advertises) is the one the client used when that names this
    /// server — a loopback name (`localhost`, 127.x.y.z, `[::1]`) with the port served — and
    /// the address served otherwise: `Host: attacker.example` gets no issuer on attacker.example.
    static func transportRequest(_ request: Request, served: (host: String, port: Int)) async throws -> TransportRequest {
        var headers = HeaderList()
        // HTTP/1.1 Host arrives as the :authority pseudo-header in swift-http-types.
        headers.add("Host", servedAuthority(request.head.authority, host: served.host, port: served.port))
        for field in request.headers { headers.add(field.name.rawName, field.value) }
        var body: [UInt8] = []
        if request.method == .post || request.method == .put {
            let buffer = try await request.body.collect(upTo: MockProvider.maxBodyBytes)
            body = Array(buffer.readableBytesView)
        }
        return TransportRequest(method: request.method.rawValue, url: request.uri.string, headers: headers, body: body)
    }

    /// The address and port the connection arrived at.
    static func served(_ context: MockRequestContext) -> (host: String, port: Int) {
        (context.channel.localAddress?.ipAddress ?? "127.0.0.1", context.channel.localAddress?.port ?? 0)
    }

    /// `authority` when it names this server (a loopback host and the port served), else the
    /// address served.
    static func servedAuthority(_ authority: String?, host: String, port: Int) -> String {
        if let authority, let (name, given) = splitAuthority(authority), LoopbackHost.contains(name), (given ?? 80) == port {
            return authority
        }
        return (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }

    /// `host[:port]` or `[v6][:port]`; `nil` when it is neither.
    static func splitAuthority(_ authority: String) -> (host: String, port: Int?)? {
        var rest = Substring(authority)
        let name: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            name = rest[...close]
            rest = rest[rest.index(after: close)...]
        } else {
            let colon = rest.firstIndex(of: ":") ?? rest.endIndex
            name = rest[..<colon]
            rest = rest[colon...]
        }
        guard !name.isEmpty else { return nil }
        if rest.isEmpty { return (String(name), nil) }
        guard rest.first == ":", let port = Int(rest.dropFirst()), (0...65535).contains(port) else { return nil }
        return (String(name), port)
    }

    /// Why a request to a `/_harness/*` control is refused, or `nil` to allow it. The controls
    /// are for tests and scripts on this machine: a browser's cross-site request (a form any web
    /// page can post while `serve` runs) is refused by its `Sec-Fetch-Site` and `Origin`, and a
    /// request under another host name (DNS rebinding) by its `Host`.
    static func controlRefusal(_ request: Request, port: Int) -> String? {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased(), site != "same-origin", site != "none" {
            return "the /_harness controls refuse cross-site requests (Sec-Fetch-Site: \(site))"
        }
        if let origin = request.headers[.origin] {
            let reference = URLReference(origin)
            let allowed =
                origin != "null" && reference.scheme == "http" && reference.host.map(LoopbackHost.contains) == true
                && (reference.port ?? 80) == port
            if !allowed { return "the /_harness controls refuse requests from another origin (Origin: \(origin.prefix(100)))" }
        }
        if let authority = request.head.authority {
            guard let (name, _) = splitAuthority(authority), LoopbackHost.contains(name) else {
                return "the /_harness controls answer only under a loopback host name"
            }
        }
        return nil
    }

    static func response(_ answer: TransportResponse) -> Response {
        var fields = HTTPFields()
        for field in answer.headers {
            if let name = HTTPField.Name(field.name) { fields.append(HTTPField(name: name, value: field.value)) }
        }
        return Response(
            status: .init(code: answer.status),
            headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body))
        )
    }

    /// Starts `profile` on an ephemeral loopback port (or `port`) and returns once it accepts connections.
    ///
    /// - Parameters:
    ///   - profile: the profile.
    ///   - clock: the provider's clock.
    ///   - host: the address to bind.
    ///   - port: the port to bind; 0 for an ephemeral one.
    ///   - logger: Hummingbird's logger; by default nothing is logged.
    /// - Returns: the running provider; call ``RunningProvider/stop()`` when done.
    /// - Throws: the server's error when it cannot start (e.g. the port is taken), or
    ///   ``MockServerError`` when it stopped before it was running.
    public static func start(
        _ profile: ProviderProfile,
        clock: any OAuthClock = SystemClock(),
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger = Logger(label: "oauth-harness.mock", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> RunningProvider {
        try await start(handler: handler(for: profile, clock: clock), host: host, port: port, logger: logger)
    }

    /// Starts any request handler (one of the mocks, or a test's own provider) the same way.
    ///
    /// - Parameters:
    ///   - provider: the request handler to serve.
    ///   - host: the address to bind.
    ///   - port: the port to bind; 0 for an ephemeral one.
    ///   - logger: Hummingbird's logger; by default nothing is logged.
    /// - Returns: the running provider; call ``RunningProvider/stop()`` when done.
    /// - Throws: the server's error when it cannot start (e.g. the port is taken), or
    ///   ``MockServerError`` when it stopped before it was running.
    public static func start(
        handler provider: any MockRequestHandler,
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger = Logger(label: "oauth-harness.mock", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> RunningProvider {
        let faults = FaultInjector()
        let log = RequestLog()
        let launched = try await launch(host: host, logger: logger, what: "the server for \(provider.profile.name)") { onRunning in
            application(for: provider, host: host, port: port, logger: logger, faults: faults, log: log, onRunning: onRunning)
        }
        return RunningProvider(provider: provider, baseURL: launched.baseURL, group: launched.group, task: launched.task, faults: faults, log: log)
    }

    /// Runs the service `make` builds (given the callback it must call with the bound port) in
    /// a service group, and returns once it listens: the one start-up of the mocks and of the
    /// harness's own endpoints.
    static func launch(
        host: String,
        logger: Logger,
        what: String,
        make: (@escaping @Sendable (Int) async -> Void) -> some Service
    ) async throws -> (group: ServiceGroup, task: Task<Void, any Error>, port: Int, baseURL: String) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let service = make { port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        for await bound in ports {
            return (group, task, bound, "http://\(host.contains(":") ? "[\(host)]" : host):\(bound)")
        }
        try await task.value
        throw MockServerError(message: "\(what) stopped before it was running")
    }
}

/// Hummingbird's basic context plus the connection, which the `close_before_response` fault closes.
public struct MockRequestContext: RequestContext {
    /// Hummingbird's request context storage.
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    /// The context of a request on a connection.
    ///
    /// - Parameter source: Hummingbird's source, which carries the connection's channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// A failure of the mock servers or their test helpers, with a message that says what happened.
public struct MockServerError: Error, CustomStringConvertible {
    /// What happened.
    public let message: String
    /// The message.
    public var description: String { message }
}

/// A started mock provider. Call `stop()` when done.
public final class RunningProvider: Sendable {
    /// The request handler it serves.
    public let provider: any MockRequestHandler
    /// The server's base URL, `http://<host>:<port>` with the host it was bound to (by default
    /// `127.0.0.1`) and the port it got.
    public let baseURL: String
    /// Transport-level faults to arm for the requests that follow.
    package let faults: FaultInjector
    /// What the mock received: request counts by path and the last requests.
    public let log: RequestLog
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(
        provider: any MockRequestHandler,
        baseURL: String,
        group: ServiceGroup,
        task: Task<Void, any Error>,
        faults: FaultInjector,
        log: RequestLog
    ) {
        self.provider = provider
        self.baseURL = baseURL
        self.group = group
        self.task = task
        self.faults = faults
        self.log = log
    }

    /// The profile the provider follows.
    public var profile: ProviderProfile { provider.profile }

    /// The OAuth 2 engine, for its counters; `nil` for other protocols.
    package var oauth2: MockProvider? { provider as? MockProvider }

    /// The absolute URL of `path` on this server; an absolute URL is returned as it is.
    ///
    /// - Parameter path: a path such as `profile.endpoints.token`, or an absolute URL.
    public func url(_ path: String) -> String { path.hasPrefix("http://") || path.hasPrefix("https://") ? path : baseURL + path }

    /// Shuts the server down gracefully and waits until it has stopped.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A loopback HTTP endpoint that answers with a closure: the harness's own listeners, such as a
/// relying party's `backchannel_logout_uri`. Bound like the mocks (loopback, same limits).
package final class RunningEndpoint: Sendable {
    /// `http://<host>:<port>` as bound.
    package let baseURL: String
    /// The port bound.
    package let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(baseURL: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.port = port
        self.group = group
        self.task = task
    }

    /// Starts an endpoint.
    ///
    /// - Parameters:
    ///   - host: the loopback address to bind.
    ///   - port: the port; 0 for an ephemeral one.
    ///   - respond: the answer to each request (its body read up to the mocks' limit).
    package static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        respond: @escaping @Sendable (TransportRequest) async -> TransportResponse
    ) async throws -> RunningEndpoint {
        let logger = Logger(label: "oauth-harness.endpoint", factory: { _ in SwiftLogNoOpLogHandler() })
        let responder = CallbackResponder<MockRequestContext> { request, context in
            guard let incoming = try? await MockProviderServer.transportRequest(request, served: MockProviderServer.served(context)) else {
                return MockProviderServer.response(TransportResponse(status: 413))
            }
            return MockProviderServer.response(await respond(incoming))
        }
        let launched = try await MockProviderServer.launch(host: host, logger: logger, what: "the endpoint on \(host):\(port)") { onRunning in
            Application(
                responder: responder,
                server: .http1(configuration: MockProviderServer.httpConfiguration),
                configuration: .init(address: .hostname(host, port: port), serverName: "oauth-harness"),
                onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                logger: logger
            )
        }
        return RunningEndpoint(baseURL: launched.baseURL, port: launched.port, group: launched.group, task: launched.task)
    }

    /// Shuts the endpoint down and waits until it has stopped.
    package func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
