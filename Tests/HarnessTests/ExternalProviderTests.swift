import Foundation
import HarnessFiles
import MockProviders
import OAuth2
import OAuthCore
import Testing

@testable import Harness

/// Scenarios against a provider given by URL (here a mock on loopback standing in for a real one).
@Suite(.serialized) struct ExternalProviderTests {
    static let byURL = """
        name: client credentials at an external provider
        provider:
          url: ${REAL_PROVIDER_URL}
          token: /oauth2/token
          resource: /api/me
          introspect: /oauth2/introspect
        client:
          client_id: harness-client
          client_secret: ${REAL_CLIENT_SECRET}
        steps:
          - fetch_token: { grant: client_credentials, scope: [api.read] }
          - expect: { token.access_token: present, token.scope: api.read }
          - get: /api/me
          - expect: { status: 200, json.client_id: harness-client }
          - introspect: {}
          - expect: { json.active: "true" }

        """

    static let byDiscovery = """
        name: discovery, client credentials and UserInfo
        provider: { discovery: "${REAL_DISCOVERY_URL}" }
        client:
          client_id: harness-rp.apps.example
          client_secret: ${REAL_CLIENT_SECRET}
        steps:
          - fetch_token: { grant: client_credentials, scope: [openid] }
          - expect: { token.access_token: present }
          - get: /v1/userinfo
          - expect: { status: 200 }

        """

    func write(_ text: String) throws -> (directory: String, file: String) {
        let directory = try temporaryDirectory()
        try text.write(toFile: directory + "/external.yaml", atomically: true, encoding: .utf8)
        return (directory, directory + "/external.yaml")
    }

    @Test func runsAgainstAProviderGivenByURL() async throws {
        let mock = try await MockProviderServer.start(try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/standard-oauth2.yaml"))
        let (directory, file) = try write(Self.byURL)
        var run = harness(paths: [file], junit: directory + "/junit.xml")
        run.environment = ["REAL_PROVIDER_URL": mock.baseURL, "REAL_CLIENT_SECRET": "harness-secret"]
        let summary = await run.execute()
        #expect(summary.results.first?.outcome == .passed, "\(summary.results.map(HarnessRun.describe))")
        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        #expect(!xml.contains("harness-secret"))
        #expect(xml.contains("external provider at \(mock.baseURL)"))
        await mock.stop()
    }

    @Test func runsAgainstAProviderGivenByDiscovery() async throws {
        let mock = try await MockProviderServer.start(try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/google-style-oidc.yaml"))
        let (directory, file) = try write(Self.byDiscovery)
        var run = harness(paths: [file], junit: directory + "/junit.xml")
        run.environment = [
            "REAL_DISCOVERY_URL": mock.url("/.well-known/openid-configuration"), "REAL_CLIENT_SECRET": "harness-rp-secret-at-least-32-bytes-long",
        ]
        let summary = await run.execute()
        #expect(summary.results.first?.outcome == .passed, "\(summary.results.map(HarnessRun.describe))")
        await mock.stop()
    }

    @Test func preIssuedTokensAreUsedAndRedacted() async throws {
        let mock = try await MockProviderServer.start(try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/standard-oauth2.yaml"))
        let (directory, file) = try write(
            """
            name: a pre-issued token the provider does not know
            provider: { url: "${REAL_PROVIDER_URL}", token: /oauth2/token }
            client:
              client_id: harness-client
              token: { access_token: "${REAL_ACCESS_TOKEN}" }
            steps:
              - get: /api/me
                expect_error: { error: invalid_token, status: 401 }

            """
        )
        var run = harness(paths: [file], junit: directory + "/junit.xml")
        run.environment = ["REAL_PROVIDER_URL": mock.baseURL, "REAL_ACCESS_TOKEN": "pre-issued-token-from-ci-secrets"]
        let summary = await run.execute()
        #expect(summary.results.first?.outcome == .passed, "\(summary.results.map(HarnessRun.describe))")
        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        #expect(!xml.contains("pre-issued-token-from-ci-secrets"))
        await mock.stop()
    }

    @Test func aTestUserLogsInThroughTheProvidersForm() async throws {
        let mock = try await MockProviderServer.start(try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/login-form-oauth2.yaml"))
        let (directory, file) = try write(
            """
            name: authorization code with a test user at an external provider
            provider: { url: "${REAL_PROVIDER_URL}", authorize: /login/authorize, token: /login/token, resource: /api/me }
            client:
              client_id: harness-client
              client_secret: ${REAL_CLIENT_SECRET}
              redirect_uri: http://127.0.0.1:8400/callback
            steps:
              - authorize: { form: { username: "${TEST_USER}", password: "${TEST_PASSWORD}" } }
              - fetch_token: {}
              - get: /api/me
              - expect: { json.sub: test-user }

            """
        )
        var run = harness(paths: [file], junit: directory + "/junit.xml")
        run.environment = [
            "REAL_PROVIDER_URL": mock.baseURL, "REAL_CLIENT_SECRET": "harness-secret", "TEST_USER": "test-user",
            "TEST_PASSWORD": "test-user-password",
        ]
        let summary = await run.execute()
        #expect(summary.results.first?.outcome == .passed, "\(summary.results.map(HarnessRun.describe))")
        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        #expect(!xml.contains("test-user-password"), "the password is a secret")
        await mock.stop()
    }

    @Test func discoverReadsTheDocumentTheProviderEntryNames() async throws {
        let mock = try await MockProviderServer.start(try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/google-style-oidc.yaml"))
        let (directory, file) = try write(
            """
            name: discover with a named OpenID Connect Discovery document
            provider: { discovery: "${REAL_DISCOVERY_URL}" }
            client: { client_id: harness-rp.apps.example, client_secret: "${REAL_CLIENT_SECRET}" }
            steps:
              - discover: {}
              - expect: { metadata.end_session_endpoint: present, metadata.userinfo_endpoint: present }

            """
        )
        var run = harness(paths: [file], junit: directory + "/junit.xml")
        run.environment = [
            "REAL_DISCOVERY_URL": mock.url("/.well-known/openid-configuration"), "REAL_CLIENT_SECRET": "harness-rp-secret-at-least-32-bytes-long",
        ]
        let summary = await run.execute()
        #expect(summary.results.first?.outcome == .passed, "\(summary.results.map(HarnessRun.describe))")
        let transcript = summary.results.first?.transcript ?? ""
        #expect(transcript.contains("discover: the provider's named document at \(mock.url("/.well-known/openid-configuration"))"))
        #expect(!transcript.contains("oauth-authorization-server"), "RFC 8414 is not asked when a document is named")
        await mock.stop()
    }

    @Test func aBareIssuerFallsBackFromRFC8414ToOpenIDConnectDiscovery() async throws {
        let document =
            #"{"issuer":"https://op.example/tenant","authorization_endpoint":"https://op.example/tenant/authorize","token_endpoint":"https://op.example/tenant/token","jwks_uri":"https://op.example/tenant/jwks"}"#
        let site = FakeSite([
            "GET https://op.example/tenant/.well-known/openid-configuration": { _ in
                TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: Array(document.utf8))
            }
        ])
        let cache = MetadataCache(transport: site)
        let found = try await Discovery.metadata(forIssuer: "https://op.example/tenant/", cache: cache)
        #expect(found.metadata.tokenEndpoint == "https://op.example/tenant/token")
        #expect(
            found.source == "OpenID Connect Discovery at https://op.example/tenant/.well-known/openid-configuration (RFC 8414 metadata: HTTP 404)"
        )
        #expect(
            site.requests.map(\.url) == [
                "https://op.example/.well-known/oauth-authorization-server/tenant", "https://op.example/tenant/.well-known/openid-configuration",
            ]
        )
        let neither = await #expect(throws: OAuthError.self) { try await Discovery.metadata(forIssuer: "https://op.example/other", cache: cache) }
        #expect(neither?.errorDescription?.hasPrefix("neither RFC 8414 metadata") == true)
        #expect(Discovery.expectedIssuer(forMetadataURL: "https://op.example/t/.well-known/openid-configuration") == "https://op.example/t")
        #expect(
            Discovery.expectedIssuer(forMetadataURL: "https://op.example:8443/.well-known/oauth-authorization-server/t")
                == "https://op.example:8443/t"
        )
        #expect(Discovery.expectedIssuer(forMetadataURL: "https://op.example/metadata.json") == nil)
    }

    @Test func missingCredentialsSkipWithTheReason() async throws {
        let (directory, file) = try write(Self.byURL)
        let summary = await harness(paths: [file], junit: directory + "/junit.xml").execute()
        #expect(summary.exitCode == .passed)
        #expect(summary.results.first?.outcome == .skipped(reason: "needs the environment variable(s) REAL_PROVIDER_URL, REAL_CLIENT_SECRET"))
    }

    @Test func mockOnlyStepsAreRefusedWithLocation() throws {
        for (step, fragment) in [
            ("advance_clock: 2h", "advance_clock needs a built-in mock provider"), ("evil: wrong_iss", "evil needs a built-in mock provider"),
            ("rotate_keys: {}", "rotate_keys needs a built-in mock provider"), ("fault: none", "fault needs a built-in mock provider"),
            ("expect: { provider.token_requests.client_credentials: \"1\" }", "reads a built-in mock's counters"),
            ("authorize: { user: bob }", "picks a built-in mock's user"), ("request_token: {}", "request_token is not an action of oauth2 providers"),
        ] {
            let text = Self.byURL.replacingOccurrences(of: "  - fetch_token: { grant: client_credentials, scope: [api.read] }", with: "  - " + step)
            let error = #expect(throws: YAMLLocatedError.self) {
                try ScenarioLoader.parse(YAMLNode.parse(text, file: "x.yaml"), folder: "t", catalog: try catalog(), environment: [:])
            }
            #expect(error?.line == 11, "\(step)")
            #expect(error?.column == 5, "\(step)")
            #expect(error?.message.contains(fragment) == true, "\(step): \(error?.message ?? "")")
        }
        // Every step that talks to a provider is accepted for one given by URL.
        for step in ["authorize: {}", "login: {}", "userinfo: {}", "logout: {}", "discover: {}", "refresh: {}", "revoke: {}"] {
            let text = Self.byURL.replacingOccurrences(of: "  - fetch_token: { grant: client_credentials, scope: [api.read] }", with: "  - " + step)
                .replacingOccurrences(of: "  client_id: harness-client\n", with: "  client_id: harness-client\n  openid: true\n")
            _ = try ScenarioLoader.parse(YAMLNode.parse(text, file: "x.yaml"), folder: "t", catalog: try catalog(), environment: [:])
        }
    }

    @Test func oauth1ProvidersByURLNeedTheirEndpoints() throws {
        let head = "name: o\nclient: { client_id: k, client_secret: s }\nsteps:\n  - request_token: {}\n"
        let ok = try ScenarioLoader.parse(
            YAMLNode.parse(head + "provider: { url: http://127.0.0.1:1, request_token: /rt, authorize: /a, access_token: /at }\n", file: "o.yaml"),
            folder: "t",
            environment: [:]
        )
        #expect(ok.external?.protocolKind == .oauth1)
        let missing = #expect(throws: YAMLLocatedError.self) {
            try ScenarioLoader.parse(
                YAMLNode.parse(head + "provider: { url: http://127.0.0.1:1, request_token: /rt, authorize: /a }\n", file: "o.yaml"),
                folder: "t",
                environment: [:]
            )
        }
        #expect(missing?.message.contains("needs access_token") == true)
        let foreign = #expect(throws: YAMLLocatedError.self) {
            try ScenarioLoader.parse(
                YAMLNode.parse(
                    head.replacingOccurrences(of: "request_token: {}", with: "refresh: {}")
                        + "provider: { url: http://127.0.0.1:1, request_token: /rt, authorize: /a, access_token: /at }\n",
                    file: "o.yaml"
                ),
                folder: "t",
                environment: [:]
            )
        }
        #expect(foreign?.message.contains("refresh is not an action of oauth1 providers") == true)
        #expect(foreign?.line == 4)
    }
}
