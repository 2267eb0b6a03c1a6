import Foundation
import OAuth1
import OAuthCore
import Testing

@testable import MockProviders

func oauth1Profile(_ name: String = "twitter-style-oauth1") throws -> ProviderProfile {
    try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/\(name).yaml")
}

@Suite struct OAuth1MockTests {
    let clock = ManualClock()

    func provider() throws -> MockOAuth1Provider { MockOAuth1Provider(profile: try oauth1Profile(), clock: clock) }

    func auth(
        _ type: SignatureType = .header,
        method: SignatureMethod = .hmacSHA1,
        secret: String = "harness-consumer-secret",
        nonce: String? = nil
    ) -> OAuth1Auth {
        OAuth1Auth(
            clientID: "harness-consumer",
            clientSecret: secret,
            callback: "http://127.0.0.1:8400/callback",
            signatureMethod: method,
            signatureType: type,
            clock: clock,
            nonce: { nonce ?? SecureRandom.token(bytes: 8) }
        )
    }

    func send(_ provider: MockOAuth1Provider, _ request: TransportRequest) async -> (Int, FormParameters) {
        var request = request
        request.headers["Host"] = "mock.test"
        let response = await provider.handle(request)
        return (response.status, (try? FormParameters(parsing: response.bodyText)) ?? FormParameters())
    }

    @Test(arguments: SignatureType.allCases)
    func requestTokenInEveryPlacement(type: SignatureType) async throws {
        let provider = try provider()
        let (status, body) = await send(provider, try auth(type).sign(.form("http://mock.test/oauth/request_token", FormParameters())))
        #expect(status == 200)
        #expect(body["oauth_callback_confirmed"] == "true")
    }

    @Test func parametersInTwoPlacesAreRejected() async throws {
        let provider = try provider()
        var request = try auth(.header).sign(.form("http://mock.test/oauth/request_token", FormParameters()))
        request.url += "?oauth_nonce=extra"
        let (status, body) = await send(provider, request)
        #expect(status == 400)
        #expect(body["oauth_problem"] == "parameter_rejected")
    }

    @Test func tamperedRequestsFailTheSignature() async throws {
        let provider = try provider()
        var request = try auth().sign(.form("http://mock.test/oauth/request_token", FormParameters([("x", "1")])))
        request.body = Array("x=2".utf8)
        let (status, body) = await send(provider, request)
        #expect(status == 401)
        #expect(body["oauth_problem"] == "signature_invalid")
    }

    @Test func unknownConsumerAndMissingParameters() async throws {
        let provider = try provider()
        var unknown = auth()
        unknown.clientID = "nobody"
        #expect(
            await send(provider, try unknown.sign(.form("http://mock.test/oauth/request_token", FormParameters()))).1["oauth_problem"]
                == "consumer_key_unknown"
        )
        let (status, body) = await send(
            provider,
            .form("http://mock.test/oauth/request_token", FormParameters([("oauth_consumer_key", "harness-consumer")]))
        )
        #expect(status == 400)
        #expect(body["oauth_problem"] == "parameter_absent")
        #expect(body["oauth_parameters_absent"]?.contains("oauth_signature") == true)
    }

    @Test func timestampWindowFollowsTheProviderClock() async throws {
        let provider = try provider()
        let request = try auth().sign(.form("http://mock.test/oauth/request_token", FormParameters()))
        clock.advance(by: 301)
        let (status, body) = await send(provider, request)
        #expect(status == 401)
        #expect(body["oauth_problem"] == "timestamp_refused")
        #expect(body["oauth_acceptable_timestamps"] != nil)
    }

    @Test func temporaryCredentialsWorkOnce() async throws {
        let provider = try provider()
        let (_, temporary) = await send(provider, try auth().sign(.form("http://mock.test/oauth/request_token", FormParameters())))
        let token = try #require(temporary["oauth_token"])
        let approval = await provider.handle(.form("/oauth/authorize", FormParameters([("oauth_token", token), ("decision", "approve")])))
        let verifier = try #require(
            URLComponents(string: approval.headers["Location"] ?? "")?.queryItems?.first { $0.name == "oauth_verifier" }?.value
        )
        func exchange() async throws -> (Int, FormParameters) {
            let signer = OAuth1Auth(
                clientID: "harness-consumer",
                clientSecret: "harness-consumer-secret",
                token: token,
                tokenSecret: temporary["oauth_token_secret"],
                verifier: verifier,
                clock: clock
            )
            return await send(provider, try signer.sign(.form("http://mock.test/oauth/access_token", FormParameters())))
        }
        let first = try await exchange()
        #expect(first.0 == 200)
        #expect(first.1["user_id"] == "1001")
        let second = try await exchange()
        #expect(second.0 == 401)
        #expect(second.1["oauth_problem"] == "token_used")
    }

    @Test func legacyProfileDoesNotConfirmTheCallback() async throws {
        let provider = MockOAuth1Provider(profile: try oauth1Profile("legacy-oauth1"), clock: clock)
        var signer = auth()
        signer.clientID = "legacy-consumer"
        let request = try OAuth1Auth(clientID: "legacy-consumer", clientSecret: "legacy-consumer-secret", callback: "oob", clock: clock)
            .sign(.form("http://mock.test/oauth/request_token", FormParameters()))
        let (status, body) = await send(provider, request)
        #expect(status == 200)
        #expect(body["oauth_token"] != nil)
        #expect(body["oauth_callback_confirmed"] == nil)
        // The legacy profile accepts HMAC-SHA1 in the header only.
        let query = try OAuth1Auth(
            clientID: "legacy-consumer",
            clientSecret: "legacy-consumer-secret",
            callback: "oob",
            signatureType: .query,
            clock: clock
        )
        .sign(.form("http://mock.test/oauth/request_token", FormParameters()))
        #expect(await send(provider, query).1["oauth_problem"] == "parameter_rejected")
    }
}

@Suite struct OAuth1HostileInputTests {
    @Test func authorizationHeaderPairsAreReadInOnePass() {
        let pairs = MockOAuth1Provider.authorizationPairs(#"realm="x", oauth_nonce = "n%20e",bad, =="", oauth_token="t""#.utf8[...])
        #expect(pairs.map { "\($0.0)=\($0.1)" } == ["realm=x", "oauth_nonce=n%20e", "oauth_token=t"])
        // 32,000 characters without a pair (40 s per request with a backtracking regex): read once.
        let long = String(repeating: "a", count: 32_000) + "=" + String(repeating: " ", count: 16_000) + "x"
        #expect(MockOAuth1Provider.authorizationPairs(long.utf8[...]).isEmpty)
        #expect(MockOAuth1Provider.authorizationPairs(String(repeating: "a=\"", count: 10_000).utf8[...]).count == 5_000)
    }

    @Test func temporaryCredentialsExpire() async throws {
        let clock = ManualClock()
        let tests = OAuth1MockTests()
        let provider = MockOAuth1Provider(profile: try oauth1Profile(), clock: clock)
        let (_, temporary) = await tests.send(provider, try tests.auth().sign(.form("http://mock.test/oauth/request_token", FormParameters())))
        let token = try #require(temporary["oauth_token"])
        clock.advance(by: 601)
        let auth = OAuth1Auth(
            clientID: "harness-consumer",
            clientSecret: "harness-consumer-secret",
            token: token,
            tokenSecret: temporary["oauth_token_secret"],
            verifier: "v",
            clock: clock
        )
        let (status, problem) = await tests.send(provider, try auth.sign(.form("http://mock.test/oauth/access_token", FormParameters())))
        #expect(status == 401)
        #expect(problem["oauth_problem"] == "token_expired")
    }
}
