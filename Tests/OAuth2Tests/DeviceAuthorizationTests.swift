import Foundation
import OAuthCore
import OAuthTesting
import Synchronization
import Testing

@testable import OAuth2

/// RFC 8628 on the client: the device authorization response read, the polling's waits
/// (`authorization_pending`, `slow_down` adding 5 s), its ends (approval, denial, expiry), all on
/// a manual clock: no real waiting.
@Suite struct DeviceAuthorizationTests {
    static let device =
        #"{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","verification_uri_complete":"https://example.com/device?user_code=WDJB-MJHT","expires_in":1800,"interval":5}"#

    static func error(_ code: String) -> TransportResponse { ScriptedTransport.json(#"{"error":"\#(code)"}"#, status: 400) }

    static func session(_ transport: ScriptedTransport, clock: ManualClock) -> OAuth2Session {
        OAuth2Session(clientID: "device-client", clientAuth: PublicClient(), scope: ["read"], transport: transport, clock: clock)
    }

    /// Waits recorded and the clock moved by them.
    final class Sleeper: Sendable {
        let clock: ManualClock
        let waits = Mutex<[Int]>([])
        init(_ clock: ManualClock) { self.clock = clock }
        func sleep(_ duration: Duration) async throws {
            let seconds = Int(duration.components.seconds)
            waits.withLock { $0.append(seconds) }
            clock.advance(by: TimeInterval(seconds))
        }
    }

    @Test func pendingThenSlowDownThenApproved() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(responses: [
            ScriptedTransport.json(Self.device), Self.error("authorization_pending"), Self.error("slow_down"),
            Self.error("authorization_pending"), ScriptedTransport.json(#"{"access_token":"at-1","token_type":"Bearer","expires_in":60}"#),
        ])
        let session = Self.session(transport, clock: clock)
        let authorization = try await session.requestDeviceAuthorization("https://as.example/device")
        #expect(authorization.userCode == "WDJB-MJHT" && authorization.interval == 5 && authorization.expiresIn == 1800)
        #expect(authorization.instructions == "Open https://example.com/device?user_code=WDJB-MJHT")
        #expect(!"\(authorization)".contains(authorization.deviceCode))
        #expect(try transport.form(0)["scope"] == "read" && transport.form(0)["client_id"] == "device-client")
        let sleeper = Sleeper(clock)
        let token = try await session.pollDeviceToken("https://as.example/token", authorization: authorization, sleep: sleeper.sleep)
        #expect(token.accessToken == "at-1" && session.token == token)
        // slow_down adds 5 s for that poll and every later one (§3.5).
        #expect(sleeper.waits.withLock { $0 } == [5, 5, 10, 10])
        let poll = try transport.form(1)
        #expect(poll["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code" && poll["device_code"] == authorization.deviceCode)
    }

    @Test(arguments: ["access_denied", "expired_token"])
    func aDenialOrAnExpiryFromTheProviderEndsPolling(_ code: String) async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(responses: [ScriptedTransport.json(Self.device), Self.error("authorization_pending"), Self.error(code)])
        let session = Self.session(transport, clock: clock)
        let authorization = try await session.requestDeviceAuthorization("https://as.example/device")
        let error = await #expect(throws: OAuthError.self) {
            try await session.pollDeviceToken("https://as.example/token", authorization: authorization, sleep: Sleeper(clock).sleep)
        }
        #expect(error?.code.rawValue == code && error?.step == "device_token")
    }

    /// The codes expire while the user has not acted: polling stops at expires_in, bounded even
    /// when the sleep does not move the clock.
    @Test func pollingStopsWhenTheCodesExpire() async throws {
        let clock = ManualClock()
        let short = #"{"device_code":"dc-1234","user_code":"ABCD","verification_uri":"https://e.example/d","expires_in":12,"interval":5}"#
        let pending = Array(repeating: Self.error("authorization_pending"), count: 10)
        let transport = ScriptedTransport(responses: [ScriptedTransport.json(short)] + pending)
        let session = Self.session(transport, clock: clock)
        let authorization = try await session.requestDeviceAuthorization("https://as.example/device")
        let error = await #expect(throws: OAuthError.self) {
            try await session.pollDeviceToken("https://as.example/token", authorization: authorization, sleep: Sleeper(clock).sleep)
        }
        #expect(error?.code.rawValue == "expired_token" && transport.requests.count == 3)
        let still = await #expect(throws: OAuthError.self) {
            try await session.pollDeviceToken("https://as.example/token", authorization: authorization, sleep: { _ in })
        }
        #expect(still?.code.rawValue == "expired_token" && transport.requests.count <= 3 + 3)
    }

    /// `maximumPolls`: the provider's last answer after that many polls, with the waits it asked for.
    @Test func aPollLimitEndsWithTheProvidersLastAnswer() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(responses: [
            ScriptedTransport.json(Self.device), Self.error("authorization_pending"), Self.error("slow_down"),
        ])
        let session = Self.session(transport, clock: clock)
        let authorization = try await session.requestDeviceAuthorization("https://as.example/device")
        let sleeper = Sleeper(clock)
        let error = await #expect(throws: OAuthError.self) {
            try await session.pollDeviceToken("https://as.example/token", authorization: authorization, maximumPolls: 2, sleep: sleeper.sleep)
        }
        #expect(error?.code.rawValue == "slow_down" && error?.errorDescription?.contains("after 2 polls") == true && transport.requests.count == 3)
        #expect(sleeper.waits.withLock { $0 } == [5, 5])
    }

    /// A compliance hook sees the device response before it is read.
    @Test func aComplianceHookAdaptsTheDeviceResponse() async throws {
        let google =
            #"{"device_code":"dc-1","user_code":"ABCD-EFGH","verification_url":"https://www.google.com/device","expires_in":"1800","interval":"5"}"#
        let transport = ScriptedTransport(responses: [ScriptedTransport.json(google)])
        let session = Self.session(transport, clock: ManualClock())
        session.apply(ComplianceFixes.google)
        session.apply(ComplianceFixes.stringExpiresIn)
        let authorization = try await session.requestDeviceAuthorization("https://as.example/device")
        #expect(authorization.verificationURI == "https://www.google.com/device" && authorization.expiresIn == 1800 && authorization.interval == 5)
    }

    @Test(arguments: [
        (#"{"user_code":"A","verification_uri":"https://e/d","expires_in":60}"#, "device_code"),
        (#"{"device_code":"d","user_code":"A","verification_uri":"https://e/d","expires_in":"60"}"#, "expires_in"),
        (#"{"device_code":"d","user_code":"A","verification_uri":"https://e/d"}"#, "expires_in"),
        (#"{"device_code":"d","user_code":"A","expires_in":60}"#, "verification_uri"),
    ])
    func aMalformedDeviceResponseNamesWhatIsWrong(_ body: String, _ named: String) async throws {
        let transport = ScriptedTransport(responses: [ScriptedTransport.json(body)])
        let session = Self.session(transport, clock: ManualClock())
        let error = await #expect(throws: OAuthError.self) { try await session.requestDeviceAuthorization("https://as.example/device") }
        #expect(error?.code == .malformedResponse && error?.step == "device_authorization" && error?.errorDescription?.contains(named) == true)
    }
}
