import Foundation
import OAuthCore
import Testing

@testable import MockProviders

/// `serve`'s test controls (`/_harness/*`) and the issuer under a hostile `Host`: what a web
/// page a developer visits while `serve` runs, or a DNS-rebinding name, can make the mock do.
@Suite struct ServeControlsTests {
    static func withMock(_ name: String, _ body: (RunningProvider, AsyncHTTPClientTransport) async throws -> Void) async throws {
        let running = try await MockProviderServer.start(try ProviderProfile.named(name))
        let transport = AsyncHTTPClientTransport(timeout: .seconds(5))
        do {
            try await body(running, transport)
        } catch {
            try await transport.shutdown()
            await running.stop()
            throw error
        }
        try await transport.shutdown()
        await running.stop()
    }

    static func control(_ running: RunningProvider, _ headers: HeaderList) -> TransportRequest {
        var all = headers
        all["Content-Type"] = "application/x-www-form-urlencoded"
        return TransportRequest(method: "POST", url: running.url("/_harness/next-decision"), headers: all, body: Array("decision=deny".utf8))
    }

    @Test func crossSiteRequestsCannotDriveTheControls() async throws {
        try await Self.withMock("standard-oauth2") { running, transport in
            let port = URLReference(running.baseURL).port!
            let refused: [HeaderList] = [
                ["Origin": "https://evil.example"], ["Origin": "null"], ["Origin": "http://127.0.0.1:\(port + 1)"],
                ["Sec-Fetch-Site": "cross-site"], ["Sec-Fetch-Site": "same-site"], ["Host": "attacker.example:\(port)"],
            ]
            for headers in refused {
                let answer = try await transport.send(Self.control(running, headers))
                #expect(answer.status == 403, "\(headers.map { "\($0.name): \($0.value)" })")
                #expect(answer.bodyText.contains("_harness"))
            }
            // A script or test on this machine (no Origin), and the mock's own pages, may.
            let allowed: [HeaderList] = [
                [:], ["Origin": running.baseURL], ["Sec-Fetch-Site": "same-origin"], ["Sec-Fetch-Site": "none"], ["Host": "localhost:\(port)"],
            ]
            for headers in allowed {
                let answer = try await transport.send(Self.control(running, headers))
                #expect(answer.status == 200, "\(headers.map { "\($0.name): \($0.value)" })")
            }
        }
    }

    @Test func theIssuerIsTheAddressServedNotTheHostHeader() async throws {
        try await Self.withMock("google-style-oidc") { running, transport in
            let port = URLReference(running.baseURL).port!
            func issuer(_ host: String?) async throws -> String? {
                var headers: HeaderList = [:]
                if let host { headers["Host"] = host }
                let answer = try await transport.send(
                    TransportRequest(method: "GET", url: running.url("/.well-known/openid-configuration"), headers: headers)
                )
                return (try? JSONValue.parse(answer.body))?["issuer"]?.stringValue
            }
            for host in [nil, "attacker.example", "attacker.example:\(port)", "127.evil.example:\(port)", "localhost:\(port + 1)"] {
                let found = try await issuer(host)
                #expect(found == running.baseURL, "Host: \(host ?? "(none)")")
            }
            // Loopback names for this very server stay as the client wrote them.
            let local = try await issuer("localhost:\(port)")
            #expect(local == "http://localhost:\(port)")
        }
    }

    @Test func rotatingKeysKeepsTheNewestFew() async throws {
        try await Self.withMock("google-style-oidc") { running, transport in
            func kids() async throws -> [String] {
                let answer = try await transport.send(TransportRequest(method: "GET", url: running.url(running.profile.jwksPath)))
                guard case .array(let keys)? = (try? JSONValue.parse(answer.body))?["keys"] else { return [] }
                return keys.compactMap { $0["kid"]?.stringValue }
            }
            let before = try await kids()
            for _ in 0..<30 {
                let answer = try await transport.send(
                    TransportRequest(
                        method: "POST",
                        url: running.url("/_harness/rotate-keys"),
                        headers: ["Content-Type": "application/x-www-form-urlencoded"]
                    )
                )
                #expect(answer.status == 200)
            }
            let after = try await kids()
            #expect(after.count <= MockProvider.retainedSigningKeys + running.profile.accessTokens.signingKeys.count)
            #expect(after.count >= min(before.count, MockProvider.retainedSigningKeys))
            #expect(after.contains("rotated-30") && !after.contains("rotated-1"))
        }
    }

    @Test func loopbackIsDecidedByTheParsedAddress() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "[::1]", "::1", "[0:0:0:0:0:0:0:1]"] {
            #expect(LoopbackHost.contains(host), "\(host)")
        }
        for host in ["127.evil.example", "127.0.0.1.evil.example", "128.0.0.1", "[::2]", "localhost.evil.example", "0x7f000001", "", "127"] {
            #expect(!LoopbackHost.contains(host), "\(host)")
        }
    }
}
