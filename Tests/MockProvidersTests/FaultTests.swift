import Foundation
import HarnessFiles
import OAuthCore
import Testing

@testable import MockProviders

@Suite struct FaultTests {
    static func profile(appending yaml: String) throws -> ProviderProfile {
        let text = try String(contentsOfFile: repositoryRoot + "/MockProviders/standard-oauth2.yaml", encoding: .utf8) + yaml
        return try ProviderProfile(yaml: YAMLNode.parse(text, file: repositoryRoot + "/MockProviders/faulty.yaml"))
    }

    static func tokenRequest(_ running: RunningProvider) -> TransportRequest {
        TransportRequest(
            method: "POST",
            url: running.url("/oauth2/token"),
            headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Array("grant_type=client_credentials".utf8)
        )
    }

    @Test func profileFaultsAreArmedWhenTheProviderStarts() async throws {
        let profile = try Self.profile(appending: "faults:\n  - { kind: status, status: 503, path: /oauth2/token, count: 1 }\n")
        #expect(profile.faults == [Fault(kind: .status, path: "/oauth2/token", status: 503, count: 1)])
        let running = try await MockProviderServer.start(profile)
        let transport = AsyncHTTPClientTransport(timeout: .seconds(5))
        let first = try await transport.send(Self.tokenRequest(running))
        let second = try await transport.send(Self.tokenRequest(running))
        try await transport.shutdown()
        await running.stop()
        #expect(first.status == 503)
        #expect(second.status == 401)  // the fault was used up: the provider's own answer (no client credentials)
    }

    @Test func aBadProfileFaultNamesLineAndColumn() throws {
        #expect {
            _ = try Self.profile(appending: "faults:\n  - { kind: teleport }\n")
        } throws: { error in
            guard let located = error as? YAMLLocatedError else { return false }
            return located.line > 40 && located.column > 1 && located.message.contains("fault kind")
                && located.message.contains("close_before_response")
        }
        #expect(throws: YAMLLocatedError.self) { _ = try Self.profile(appending: "faults:\n  - { kind: status, status: 42 }\n") }
        #expect(throws: YAMLLocatedError.self) { _ = try Self.profile(appending: "faults:\n  - { kind: latency, count: 0 }\n") }
    }

    @Test func closeBeforeResponseIsATransportErrorWithinTheDeadline() async throws {
        let running = try await MockProviderServer.start(try standardProfile())
        running.faults.arm(Fault(kind: .closeBeforeResponse, path: "/oauth2/token", count: 1))
        let transport = AsyncHTTPClientTransport(timeout: .seconds(5))
        let started = ContinuousClock.now
        await #expect(throws: (any Error).self) { _ = try await transport.send(Self.tokenRequest(running)) }
        let elapsed = ContinuousClock.now - started
        let after = try await transport.send(Self.tokenRequest(running))
        try await transport.shutdown()
        await running.stop()
        #expect(elapsed < .seconds(4), "the client waited \(elapsed) instead of seeing the closed connection")
        #expect(after.status == 401)  // the next request on a new connection gets the provider's answer
    }
}
