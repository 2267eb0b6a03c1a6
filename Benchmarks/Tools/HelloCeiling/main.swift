// The framework ceiling for the wrk comparison: a Hummingbird hello-world endpoint, set up as
// `oauth-harness serve` sets up a mock (NIO's event loops as the concurrency executor, one
// responder without a router, the same HTTP/1.1 channel limits), answering every request with
// a fixed 12-byte body. Prints "hello http://127.0.0.1:PORT" once it accepts connections and
// runs until killed. Bound to loopback only.
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix

NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

let body = ByteBuffer(string: "hello, world")
let responder = CallbackResponder<BasicRequestContext> { _, _ in
    Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: body))
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
