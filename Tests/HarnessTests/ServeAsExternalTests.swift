import Foundation
import MockProviders
import OAuthCore
import Testing

@testable import Harness

/// `oauth-harness serve` started as another process, and used the way a team's CI uses a real
/// provider: by URL, through the scenarios of `Scenarios/external/`.
@Suite(.serialized) struct ServeAsExternalTests {
    /// A running `oauth-harness serve`: the process and each profile's base URL.
    struct Served {
        let process: Process
        let urls: [String: String]

        /// `options` are `serve`'s options with values (`--profiles DIR`); `arguments` the profile
        /// names and flags.
        init(_ arguments: [String], options: [String] = []) throws {
            process = Process()
            process.executableURL = try harnessBinary()
            process.arguments = ["serve"] + options + arguments
            process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
            let out = Pipe()
            process.standardOutput = out
            process.standardError = Pipe()
            try process.run()
            let expected = arguments.filter { !$0.hasPrefix("--") }.count
            var text = ""
            // One line per profile once every listener is bound; the pipe's end (a crash) ends the wait too.
            while text.filter({ $0 == "\n" }).count < expected {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            var urls: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2 { urls[String(parts[0])] = String(parts[1]) }
            }
            self.urls = urls
        }

        /// SIGTERM, then the exit status.
        func stop() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test func theExternalScenarioFolderPassesAgainstServedMocksGivenByURL() async throws {
        // Back-channel logout: the served OpenID mock's client has the harness's receiver URI
        // registered, at a port free now (the profile replaces the built-in one for this run).
        let probe = try await RunningEndpoint.start { _ in TransportResponse(status: 404) }
        let backchannel = "http://127.0.0.1:\(probe.port)/backchannel-logout"
        await probe.stop()
        var loginPages = try ProviderProfile.named("login-pages-oidc")
        let rp = try #require(loginPages.clients.firstIndex { $0.clientID == "harness-rp" })
        loginPages.clients[rp].backchannelLogoutURI = backchannel
        let profiles = try temporaryDirectory()
        try loginPages.yaml().write(toFile: profiles + "/login-pages-oidc.yaml", atomically: true, encoding: .utf8)
        let served = try Served(["login-pages-oidc", "twitter-style-oauth1", "mcp-style"], options: ["--profiles", profiles])
        let oidc = try #require(served.urls["login-pages-oidc"], "\(served.urls)")
        let mcp = try #require(served.urls["mcp-style"], "\(served.urls)")
        let oauth1 = try #require(served.urls["twitter-style-oauth1"], "\(served.urls)")
        let clientKey = repositoryRoot + "/Scenarios/keys/test-fixture-jwt-client.private.pem"
        let environment = [
            "EXTERNAL_OIDC_URL": oidc, "EXTERNAL_OIDC_DISCOVERY": oidc + "/.well-known/openid-configuration", "EXTERNAL_OIDC_ISSUER": oidc,
            "EXTERNAL_CLIENT_ID": "harness-rp", "EXTERNAL_CLIENT_SECRET": "harness-rp-secret-at-least-32-bytes-long",
            "EXTERNAL_AUTO_CLIENT_ID": "harness-rp", "EXTERNAL_AUTO_CLIENT_SECRET": "harness-rp-secret-at-least-32-bytes-long",
            "EXTERNAL_CC_CLIENT_ID": "harness-service", "EXTERNAL_CC_CLIENT_SECRET": "harness-service-secret",
            "EXTERNAL_USERNAME": "alice", "EXTERNAL_PASSWORD": "alice-login-password",
            "EXTERNAL_REDIRECT_URI": "http://127.0.0.1:8400/callback", "EXTERNAL_POST_LOGOUT_REDIRECT_URI": "http://127.0.0.1:8400/logged-out",
            "EXTERNAL_API_PATH": "/oidc/userinfo", "EXTERNAL_REVOKE_PATH": "/oidc/revoke", "EXTERNAL_INTROSPECT_PATH": "/oidc/introspect",
            "EXTERNAL_OAUTH1_URL": oauth1, "EXTERNAL_OAUTH1_CLIENT_KEY": "harness-consumer",
            "EXTERNAL_OAUTH1_CLIENT_SECRET": "harness-consumer-secret",
            "EXTERNAL_OAUTH1_API_PATH": "/1.1/account/verify_credentials.json",
            // PAR, DPoP and JAR (idpyoidc's and Authlib's roles in CI): the same served OpenID mock.
            "EXTERNAL_IDPY_URL": oidc, "EXTERNAL_IDPY_DISCOVERY": oidc + "/.well-known/openid-configuration",
            "EXTERNAL_IDPY_CLIENT_ID": "harness-rp", "EXTERNAL_IDPY_CLIENT_SECRET": "harness-rp-secret-at-least-32-bytes-long",
            "EXTERNAL_IDPY_PKJWT_CLIENT_ID": "harness-jwt-rp", "EXTERNAL_IDPY_PKJWT_CLIENT_KEY_FILE": clientKey,
            "EXTERNAL_IDPY_API_PATH": "/oidc/userinfo",
            "EXTERNAL_IDPY_RP_CLIENT_ID": "harness-rp", "EXTERNAL_IDPY_RP_CLIENT_SECRET": "harness-rp-secret-at-least-32-bytes-long",
            "EXTERNAL_IDPY_BACKCHANNEL_LOGOUT_URI": backchannel,
            "EXTERNAL_JAR_URL": oidc, "EXTERNAL_JAR_DISCOVERY": oidc + "/.well-known/openid-configuration",
            "EXTERNAL_JAR_CLIENT_ID": "harness-jwt-rp", "EXTERNAL_JAR_CLIENT_KEY_FILE": clientKey,
            "EXTERNAL_JAR_SECRET_CLIENT_ID": "harness-rp", "EXTERNAL_JAR_SECRET_CLIENT_SECRET": "harness-rp-secret-at-least-32-bytes-long",
            "EXTERNAL_JAR_API_PATH": "/oidc/userinfo",
            "EXTERNAL_DEVICE_CLIENT_ID": "harness-device", "EXTERNAL_DEVICE_AUTHORIZATION_PATH": "/oidc/device_authorization",
            "EXTERNAL_REGISTRATION_PATH": "/oidc/register", "EXTERNAL_REGISTRATION_TOKEN": "harness-initial-access-token",
            "EXTERNAL_MCP_URL": mcp, "EXTERNAL_MCP_DISCOVERY": mcp + "/.well-known/oauth-authorization-server", "EXTERNAL_MCP_API_PATH": "/mcp",
            "EXTERNAL_MCP_REGISTRATION_PATH": "/register", "EXTERNAL_MCP_USERNAME": "alice", "EXTERNAL_MCP_PASSWORD": "alice-password",
        ]
        let directory = try temporaryDirectory()
        let result = try await runCLIOffPool(["run", "Scenarios/external", "--junit", directory + "/junit.xml"], environment: environment)
        #expect(served.stop() == 0, "serve ends with status 0 on SIGTERM")
        let total = try HarnessRun.discover([repositoryRoot + "/Scenarios/external"]).count
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("\(total) passed, 0 failed, 0 skipped"), "\(result.stdout)")
        let xml = try String(contentsOfFile: directory + "/junit.xml", encoding: .utf8)
        // Real HTTP through the served provider's pages, recorded, with every secret masked.
        #expect(xml.contains("POST \(oidc)/oidc/authorize"))
        #expect(xml.contains("GET \(oidc)/oidc/logout"))
        #expect(xml.contains("POST \(oauth1)/oauth/request_token"))
        for secret in ["alice-login-password", "harness-rp-secret-at-least-32-bytes-long", "harness-service-secret", "harness-consumer-secret"] {
            #expect(!xml.contains(secret), "\(secret) leaked into the report")
        }
    }

    @Test func aMockOnlyStepAgainstAProviderByURLExitsTwoNamingTheLocation() throws {
        let directory = try temporaryDirectory()
        let file = directory + "/clock.yaml"
        try """
        name: a clock step against a real provider
        provider: { url: "http://127.0.0.1:9", token: /token }
        client: { client_id: c, client_secret: s }
        steps:
          - fetch_token: { grant: client_credentials }
          - advance_clock: 2h

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runCLI(["run", file, "--junit", directory + "/junit.xml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(file):6:5: advance_clock needs a built-in mock provider"), "\(result.stderr)")
    }

    @Test func autoApproveRedirectsAtOnceAndTheDenySwitchDeniesTheNextRequest() async throws {
        let served = try Served(["standard-oauth2", "--auto-approve"])
        let base = try #require(served.urls["standard-oauth2"])
        let http = AsyncHTTPClientTransport()
        let authorize =
            base + "/oauth2/authorize?response_type=code&client_id=harness-client&redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2Fcallback&state=s1"
        func location(_ url: String) async throws -> String {
            let response = try await http.send(TransportRequest(method: "GET", url: url))
            #expect(response.status == 302)
            return response.headers["Location"] ?? ""
        }
        #expect(try await location(authorize).hasPrefix("http://127.0.0.1:8400/callback?code="))
        let switched = try await http.send(.form(base + "/_harness/next-decision", FormParameters([("decision", "deny")])))
        #expect(switched.status == 200)
        #expect(
            try await location(authorize)
                == "http://127.0.0.1:8400/callback?error=access_denied&error_description=the%20user%20denied%20the%20request&state=s1&iss="
                + PercentEncoding.encode(base)
        )
        #expect(try await location(authorize).contains("code="), "the switch applies to the next request only")
        #expect(try await location(authorize + "&login_hint=bob").contains("code="))
        try await http.shutdown()
        #expect(served.stop() == 0)
    }
}
