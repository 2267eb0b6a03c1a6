import Foundation
import OAuthCore
import OAuthTesting
import Testing

@testable import OAuth2

/// RFC 9728 on the client: the challenge read, the well-known URL, the metadata checked.
@Suite struct ProtectedResourceTests {
    @Test func theChallengeNamesTheMetadata() {
        let header = #"Bearer realm="mcp", error="invalid_token", resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp""#
        #expect(ProtectedResourceMetadata.metadataURL(fromChallenge: header) == "https://mcp.example/.well-known/oauth-protected-resource/mcp")
        #expect(ProtectedResourceMetadata.metadataURL(fromChallenge: #"Bearer realm="x""#) == nil)
        #expect(
            ProtectedResourceMetadata.wellKnownURL(for: "https://mcp.example/mcp") == "https://mcp.example/.well-known/oauth-protected-resource/mcp"
        )
        #expect(ProtectedResourceMetadata.wellKnownURL(for: "https://api.example") == "https://api.example/.well-known/oauth-protected-resource")
    }

    @Test func theMetadataMustNameTheResourceCalled() async throws {
        let good = #"{"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"],"scopes_supported":["mcp:tools"]}"#
        let transport = ScriptedTransport(responses: [
            ScriptedTransport.json(good),
            ScriptedTransport.json(#"{"resource":"https://evil.example/mcp","authorization_servers":["https://evil.example"]}"#),
            ScriptedTransport.json(#"{"resource":"https://mcp.example/mcp"}"#),
        ])
        let url = "https://mcp.example/.well-known/oauth-protected-resource/mcp"
        let metadata = try await ProtectedResourceMetadata.fetch(url, resource: "https://MCP.example/mcp", transport: transport)
        #expect(metadata.authorizationServers == ["https://as.example"] && metadata.scopesSupported == ["mcp:tools"])
        let other = await #expect(throws: OAuthError.self) {
            try await ProtectedResourceMetadata.fetch(url, resource: "https://mcp.example/mcp", transport: transport)
        }
        #expect(other?.code.rawValue == "invalid_resource_metadata" && other?.errorDescription?.contains("evil.example") == true)
        let noServer = await #expect(throws: OAuthError.self) {
            try await ProtectedResourceMetadata.fetch(url, resource: "https://mcp.example/mcp", transport: transport)
        }
        #expect(noServer?.errorDescription?.contains("authorization_servers") == true)
    }
}
