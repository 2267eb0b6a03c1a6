// The framework ceiling for the wrk comparison: a Hummingbird hello-world endpoint, set up as
// `oauth-harness serve` sets up a mock (NIO's event loops as the concurrency executor, one
// responder without a router, the same HTTP/1.1 channel limits), answering every request with
// a fixed 12-byte body (or, with --form-json, reading the form body and answering a fixed token
// response). Prints "hello http://127.0.0.1:PORT" once it accepts connections and runs until
// killed. Bound to loopback only.
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix

NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

// `--form-json`: the second ceiling, what any token endpoint on this framework does besides its
// own work — the POST body collected (as the mock collects it) and a fixed RFC 6749 §5.1
// answer of the mock's size with its three headers (JSON, no-store, no-cache).
let formJSON = CommandLine.arguments.contains("--form-json")
let body = ByteBuffer(string: "hello, world")
let tokenBody = ByteBuffer(
    string: #"{"access_token":"Nw3VvUeB1k2T1oQm5h0l8eZc4YpXz7RaGdFqJsLkHbI","expires_in":3600,"scope":"profile","token_type":"Bearer"}"#
)
let responder = CallbackResponder<BasicRequestContext> { request, _ in
    guard formJSON else { return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: body)) }
    let form = try await request.body.collect(upTo: 1 << 20)
    guard form.readableBytes > 0 else { return Response(status: .badRequest) }
    return Response(
        status: .ok,
        headers: [.contentType: "application/json", .cacheControl: "no-store", .init("Pragma")!: "no-cache"],
        body: .init(byteBuffer: tokenBody)
    )
}
var logger = Logger(label: "hello-ceiling")
logger.logLevel = .warning
let app = Application(
    responder: responder,
    server: .http1(
        configuration: .init(
            idleTimeout: .seconds(30),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
        )
    ),
    configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "hello-ceiling"),
    onServerRunning: { channel in
        print("hello http://127.0.0.1:\(channel.localAddress?.port ?? 0)")
        fflush(nil)
    },
    logger: logger
)
try await app.runService()
