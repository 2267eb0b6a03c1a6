// Authorization-code flows per second on the executor the CLI installs (NIO's event loops as
// Swift concurrency's global executor), and their floor: loopback HTTP/1.1 round trips to a
// Hummingbird hello-world endpoint through the same client, one at a time and 16 at a time.
// A flow makes two exchanges (the approval, the code redemption), so its floor is half the
// round trips per second. Prints one JSON object; every phase is bounded in time.
//   FlowThroughput [--seconds S (per phase, default 5)]
import Foundation
import Hummingbird
import MockProviders
import NIOCore
import NIOPosix
import OAuth2
import OAuthCore

NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

struct FlowError: Error, CustomStringConvertible {
    let description: String
}

let arguments = CommandLine.arguments
let seconds = arguments.firstIndex(of: "--seconds").flatMap { Double(arguments[$0 + 1]) } ?? 5
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The hello-world endpoint, in process, on a loopback port.
func startHello() async throws -> (url: String, task: Task<Void, any Error>) {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let body = ByteBuffer(string: "hello, world")
    let app = Application(
        responder: CallbackResponder<BasicRequestContext> { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: body))
        },
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
    )
    let task = Task { try await app.runService() }
    for await port in ports { return ("http://127.0.0.1:\(port)/", task) }
    throw FlowError(description: "the hello-world server did not start")
}

/// One flow: the client builds the authorization URL (state + PKCE S256), the user agent
/// submits the approval, the client reads the redirect (checking state) and redeems the code.
func flow(_ provider: RunningProvider, _ transport: any HTTPTransport) async throws {
    let session = OAuth2Session(
        clientID: "harness-client",
        clientSecret: "harness-secret",
        redirectURI: "http://127.0.0.1:8400/callback",
        scope: ["profile"],
        codeChallengeMethod: .s256,
        tokenEndpoint: provider.url("/oauth2/token"),
        transport: transport
    )
    let request = try session.createAuthorizationURL(provider.url("/oauth2/authorize"))
    let query = request.url[request.url.index(after: request.url.firstIndex(of: "?")!)...]
    let approval = try await transport.send(
        TransportRequest(
            method: "POST",
            url: provider.url("/oauth2/authorize"),
            headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Array((query + "&decision=approve").utf8)
        )
    )
    guard approval.status == 302, let location = approval.headers["Location"] else {
        throw FlowError(description: "the approval answered HTTP \(approval.status) without a redirect")
    }
    let token = try await session.fetchToken(authorizationResponse: location, request: request)
    guard !token.accessToken.isEmpty else { throw FlowError(description: "empty access token") }
}

/// Runs `operation` from `concurrency` tasks for `seconds` (after a one-second warm-up) and
/// gives operations per second: the median of one-second windows.
func measure(concurrency: Int, _ operation: @escaping @Sendable () async throws -> Void) async throws -> Double {
    let clock = ContinuousClock()
    func run(for duration: Duration) async throws -> Int {
        let deadline = clock.now + duration
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var done = 0
                    while clock.now < deadline {
                        try await operation()
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
    }
    _ = try await run(for: .seconds(1))
    var rates: [Double] = []
    for _ in 0..<max(1, Int(seconds)) {
        let started = clock.now
        let count = try await run(for: .seconds(1))
        let elapsed = clock.now - started
        rates.append(Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
    }
    return rates.sorted()[rates.count / 2]
}

let profile = try ProviderProfile.load(contentsOf: repository + "/MockProviders/standard-oauth2.yaml")
if arguments.contains("--start-stop") {
    // How long a mock takes to start and to stop (the harness does both per scenario).
    let clock = ContinuousClock()
    let startStopTransport = AsyncHTTPClientTransport()
    var starts: [Duration] = []
    var stops: [Duration] = []
    for _ in 0..<50 {
        let t0 = clock.now
        let running = try await MockProviderServer.start(profile)
        if arguments.contains("--with-request") {
            _ = try await startStopTransport.send(TransportRequest(method: "GET", url: running.url("/.well-known/oauth-authorization-server")))
        }
        let t1 = clock.now
        await running.stop()
        starts.append(t1 - t0)
        stops.append(clock.now - t1)
    }
    print("start median \(starts.sorted()[25]), stop median \(stops.sorted()[25])")
    exit(0)
}
let provider = try await MockProviderServer.start(profile)
let hello = try await startHello()
let transport = AsyncHTTPClientTransport()
try await flow(provider, transport)  // fails loudly before measuring if a flow does not complete
let helloRequest = TransportRequest(method: "GET", url: hello.url)
guard try await transport.send(helloRequest).status == 200 else { throw FlowError(description: "hello-world did not answer 200") }

var results: [String: Double] = [:]
results["round_trips_per_s"] = try await measure(concurrency: 1) { _ = try await transport.send(helloRequest) }
results["round_trips_per_s_x16"] = try await measure(concurrency: 16) { _ = try await transport.send(helloRequest) }
results["flows_per_s"] = try await measure(concurrency: 1) { try await flow(provider, transport) }
results["flows_per_s_x16"] = try await measure(concurrency: 16) { try await flow(provider, transport) }
results["exchanges_per_flow"] = 2
results["seconds_per_phase"] = seconds

try await transport.shutdown()
await provider.stop()
hello.task.cancel()
let text = results.keys.sorted().map { "\"\($0)\": \(results[$0]!)" }.joined(separator: ", ")
print("{\(text)}")
