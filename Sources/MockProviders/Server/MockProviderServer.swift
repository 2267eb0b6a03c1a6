import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OAuthCore
import ServiceLifecycle

/// Puts a `MockProvider` on an HTTP port with Hummingbird, bound to loopback.
public enum MockProviderServer {
    /// The Hummingbird application serving `provider`. `onRunning` receives the bound port.
    public static func application(
        for provider: MockProvider, host: String = "127.0.0.1", port: Int = 0, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        // Every request goes to the provider's own dispatcher: one responder, no router.
        let responder = CallbackResponder<BasicRequestContext> { request, _ in try await respond(provider, request) }
        return Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "oauth-harness-mock"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    static func respond(_ provider: MockProvider, _ request: Request) async throws -> Response {
        var headers = HeaderList()
        // HTTP/1.1 Host arrives as the :authority pseudo-header in swift-http-types.
        if let authority = request.head.authority { headers.add("Host", authority) }
        for field in request.headers { headers.add(field.name.rawName, field.value) }
        var body: [UInt8] = []
        if request.method == .post {
            let buffer = try await request.body.collect(upTo: MockProvider.maxBodyBytes)
            body = Array(buffer.readableBytesView)
        }
        let answer = await provider.handle(
            TransportRequest(method: request.method.rawValue, url: request.uri.string, headers: headers, body: body))
        var fields = HTTPFields()
        for field in answer.headers {
            if let name = HTTPField.Name(field.name) { fields.append(HTTPField(name: name, value: field.value)) }
        }
        return Response(
            status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// Starts `profile` on an ephemeral loopback port (or `port`) and returns once it accepts connections.
    public static func start(
        _ profile: ProviderProfile, clock: any OAuthClock = SystemClock(), host: String = "127.0.0.1", port: Int = 0,
        logger: Logger = Logger(label: "oauth-harness.mock", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> RunningProvider {
        let provider = MockProvider(profile: profile, clock: clock)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = application(for: provider, host: host, port: port, logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        for await bound in ports {
            return RunningProvider(provider: provider, baseURL: "http://\(host.contains(":") ? "[\(host)]" : host):\(bound)", group: group, task: task)
        }
        try await task.value
        throw MockServerError(message: "the server for \(profile.name) stopped before it was running")
    }
}

public struct MockServerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A started mock provider. Call `stop()` when done.
public final class RunningProvider: Sendable {
    public let provider: MockProvider
    public let baseURL: String
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(provider: MockProvider, baseURL: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.provider = provider
        self.baseURL = baseURL
        self.group = group
        self.task = task
    }

    public var profile: ProviderProfile { provider.profile }

    public func url(_ path: String) -> String { baseURL + path }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
