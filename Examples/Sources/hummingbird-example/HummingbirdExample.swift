import Foundation
import Hummingbird
import HummingbirdExampleApp
import OAuthClient
import OAuthCore
import OAuthHummingbird

/// Runs the example on 127.0.0.1:8400 (or $PORT) with providers from the environment, e.g. for
/// the mocks of `oauth-harness serve github-style twitter-style-oauth1 google-style-oidc`:
/// GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, GITHUB_AUTHORIZE_URL, GITHUB_ACCESS_TOKEN_URL, GITHUB_API_BASE_URL, …
@main
struct HummingbirdExample {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let transport = AsyncHTTPClientTransport()
        let registry = OAuthRegistry(transport: transport, settings: environment)
        try ExampleApp.register(registry, settings: environment)
        let port = Int(environment["PORT"] ?? "") ?? 8400
        let app = Application(router: ExampleApp.router(registry: registry), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
        try await transport.shutdown()
    }
}
