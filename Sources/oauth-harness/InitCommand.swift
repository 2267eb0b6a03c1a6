import ArgumentParser
import Foundation
import Harness
import MockProviders
import OAuthCore

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a starter scenario to edit.")

    @Argument(help: "Where to write it.")
    var path = "Scenarios/my-provider/login.yaml"

    @Option(help: "The provider profile it targets.")
    var provider = "standard-oauth2"

    mutating func run() async throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            printError("error: \(path) exists; choose another path")
            throw ExitCode(2)
        }
        let text = """
            # A starter scenario: the authorization code flow with PKCE, then an API call.
            # Format: Scenarios/README.md. Check it with `oauth-harness validate \(path)`.
            name: login with \(provider)
            provider: \(provider)
            client:
              client_id: ${CLIENT_ID:-harness-client}
              client_secret: ${CLIENT_SECRET:-harness-secret}
              pkce: S256
            steps:
              - authorize: { consent: approve }
              - fetch_token: {}
              - expect: { token.access_token: present, token.token_type: Bearer }
              - get: /api/me
              - expect: { status: 200 }

            """
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        print("wrote \(path)")
    }
}
