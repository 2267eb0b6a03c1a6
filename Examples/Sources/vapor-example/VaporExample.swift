#if Vapor
import Foundation
import OAuthClient
import OAuthCore
import Vapor
import VaporExampleApp

/// `swift run --traits Vapor vapor-example`: the Vapor example on 127.0.0.1:8400 (or $PORT),
/// providers from the environment (see the Hummingbird example for the variable names).
@main
struct VaporExample {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let app = try await Application.make(.detect())
        let transport = AsyncHTTPClientTransport()
        let registry = OAuthRegistry(transport: transport, settings: environment)
        try VaporExampleApp.configure(app, registry: registry, settings: environment)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = Int(environment["PORT"] ?? "") ?? 8400
        try await app.execute()
        try await app.asyncShutdown()
        try await transport.shutdown()
    }
}
#else
/// Built without the Vapor trait: say how to get the real example.
@main
struct VaporExample {
    static func main() {
        print("vapor-example needs the Vapor trait: swift run --traits Vapor vapor-example")
    }
}
#endif
