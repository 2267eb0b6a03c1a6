import Foundation
import OAuth2
import OAuthCore
import OAuthTesting
import Synchronization
import Testing

@testable import MockProviders

/// The mock in memory (OAuthTesting), with a short pause on token requests so that concurrent
/// callers really overlap.
func inMemory(_ provider: MockProvider) -> InMemoryTransport {
    InMemoryTransport(handler: provider, baseURL: "http://mock.test:80") { request in
        if request.url.hasSuffix("/oauth2/token") { try await Task.sleep(for: .milliseconds(20)) }
    }
}

final class UpdateCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

@Suite struct ClientAgainstMockTests {
    @Test func fiftyConcurrentRequestsWithAnExpiredTokenCauseOneRefresh() async throws {
        let clock = ManualClock()
        let provider = MockProvider(profile: try standardProfile(), clock: clock)
        let flow = try InMemoryFlow(provider: provider, clock: clock)
        let code = try await flow.code()
        let updates = UpdateCounter()
        let session = OAuth2Session(
            clientID: "harness-client",
            clientSecret: "harness-secret",
            redirectURI: flow.redirect,
            tokenEndpoint: "http://mock.test:80/oauth2/token",
            updateToken: { _, _ in updates.increment() },
            transport: inMemory(provider),
            clock: clock
        )
        try await session.fetchToken(code: code)
        clock.advance(by: 3601)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 { group.addTask { try await session.request("GET", "http://mock.test:80/api/me").status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 50)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(provider.tokenRequests(grantType: "refresh_token") == 1)
        #expect(updates.value == 1)
    }

    @Test func privateKeyJWTAuthenticatesAndAWrongKeyDoesNot() async throws {
        let clock = ManualClock()
        let provider = MockProvider(profile: try standardProfile(), clock: clock)
        func session(_ keyFile: String) async throws -> OAuth2Session {
            let pem = try String(contentsOfFile: repositoryRoot + "/Scenarios/keys/" + keyFile, encoding: .utf8)
            return OAuth2Session(
                clientID: "harness-jwt-client",
                clientAuth: JWTClientAuthentication.privateKeyJWT(try await .privateKey(pem: pem), clock: clock),
                transport: inMemory(provider),
                clock: clock
            )
        }
        let good = try await session("test-fixture-jwt-client.private.pem")
        #expect(try await good.fetchToken("http://mock.test:80/oauth2/token", grant: .clientCredentials).accessToken.isEmpty == false)
        let bad = try await session("test-fixture-unregistered.private.pem")
        let error = await #expect(throws: OAuthError.self) { try await bad.fetchToken("http://mock.test:80/oauth2/token", grant: .clientCredentials) }
        #expect(error?.code == "invalid_client")
        #expect(error?.httpStatus == 401)
    }

    @Test func replayedClientAssertionIsRefused() async throws {
        let clock = ManualClock()
        let provider = MockProvider(profile: try standardProfile(), clock: clock)
        let pem = try String(contentsOfFile: repositoryRoot + "/Scenarios/keys/test-fixture-jwt-client.private.pem", encoding: .utf8)
        let auth = JWTClientAuthentication.privateKeyJWT(try await .privateKey(pem: pem), clock: clock)
        var form = FormParameters([("grant_type", "client_credentials")])
        var headers = HeaderList()
        try await auth.authenticate(
            form: &form,
            headers: &headers,
            endpoint: "http://mock.test:80/oauth2/token",
            client: .init(clientID: "harness-jwt-client", clientSecret: nil)
        )
        let transport = inMemory(provider)
        let request = TransportRequest.form("http://mock.test:80/oauth2/token", form, headers: headers)
        #expect(try await transport.send(request).status == 200)
        #expect(try await transport.send(request).status == 401)
    }

    @Test func assertionSessionRenewsWithAFreshAssertion() async throws {
        let clock = ManualClock()
        let provider = MockProvider(profile: try standardProfile(), clock: clock)
        let pem = try String(contentsOfFile: repositoryRoot + "/Scenarios/keys/test-fixture-jwt-client.private.pem", encoding: .utf8)
        let signer = try await AssertionSigner.privateKey(pem: pem)
        let session = AssertionSession(
            tokenEndpoint: "http://mock.test:80/oauth2/token",
            issuer: "harness-jwt-client",
            subject: "alice",
            signer: signer,
            clientAuth: JWTClientAuthentication.privateKeyJWT(signer, clock: clock),
            transport: inMemory(provider),
            clock: clock
        )
        try await session.fetchToken()
        #expect(try await session.request("GET", "http://mock.test:80/api/me").status == 200)
        clock.advance(by: 3600)
        #expect(try await session.request("GET", "http://mock.test:80/api/me").status == 200)
        #expect(provider.tokenRequests(grantType: GrantType.jwtBearer.rawValue) == 2)
    }
}
