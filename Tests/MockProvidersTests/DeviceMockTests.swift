import Foundation
import OAuthCore
import OAuthTesting
import Testing

@testable import MockProviders
@testable import OAuth2

/// RFC 8628 on the mock, request by request: the device response, the verification page, and
/// the token endpoint's answers while pending, too soon, denied, expired and spent, all on a
/// manual clock.
@Suite struct DeviceMockTests {
    static func provider(_ name: String = "standard-oauth2") throws -> (InMemoryTransport, ManualClock) {
        let clock = ManualClock()
        let transport = InMemoryTransport(handler: MockProvider(profile: try ProviderProfile.named(name), clock: clock))
        return (transport, clock)
    }

    static func post(
        _ transport: InMemoryTransport,
        _ path: String,
        _ fields: [(String, String)],
        headers: HeaderList = [:]
    ) async throws
        -> TransportResponse
    {
        var request = TransportRequest.form(transport.url(path), FormParameters(fields))
        for (name, value) in headers { request.headers[name] = value }
        return try await transport.send(request)
    }

    static func json(_ response: TransportResponse) -> [String: JSONValue] { (try? JSONValue.parse(response.body))?.objectValue ?? [:] }

    /// A device code for the public client, and its user code.
    static func start(_ transport: InMemoryTransport) async throws -> (device: String, user: String, members: [String: JSONValue]) {
        let answer = try await post(transport, "/oauth2/device_authorization", [("client_id", "harness-public"), ("scope", "api.read")])
        #expect(answer.status == 200)
        let members = json(answer)
        return (try #require(members["device_code"]?.stringValue), try #require(members["user_code"]?.stringValue), members)
    }

    static func poll(_ transport: InMemoryTransport, _ device: String, client: String = "harness-public") async throws -> (Int, String?) {
        let answer = try await post(
            transport,
            "/oauth2/token",
            [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", device), ("client_id", client)]
        )
        return (answer.status, json(answer)["error"]?.stringValue ?? json(answer)["token_type"]?.stringValue)
    }

    /// The user approves at the verification page: the code typed, then the consent form.
    static func approve(_ transport: InMemoryTransport, _ userCode: String, decision: String = "approve") async throws -> TransportResponse {
        let page = try await post(transport, "/device", [("user_code", userCode)])
        #expect(page.bodyText.contains("asks for access"), "\(page.bodyText)")
        return try await post(transport, "/device", [("user_code", userCode), ("confirmed", "1"), ("user", "bob"), ("decision", decision)])
    }

    @Test func theResponseHasWhatSection32Requires() async throws {
        let (transport, _) = try Self.provider()
        let (_, user, members) = try await Self.start(transport)
        #expect(user.count == 9 && user.dropFirst(4).first == "-" && user.allSatisfy { $0 == "-" || "BCDFGHJKLMNPQRSTVWXZ".contains($0) })
        #expect(members["verification_uri"]?.stringValue == "http://mock.test/device")
        #expect(members["verification_uri_complete"]?.stringValue?.hasSuffix("?user_code=" + user) == true)
        #expect(members["expires_in"] == .number(600) && members["interval"] == .number(5))
        let metadata = Self.json(try await transport.send(TransportRequest(method: "GET", url: transport.url(MockProvider.metadataPath))))
        #expect(metadata["device_authorization_endpoint"]?.stringValue == "http://mock.test/oauth2/device_authorization")
        #expect(metadata["grant_types_supported"]?.description.contains("urn:ietf:params:oauth:grant-type:device_code") == true)
    }

    @Test func pendingSlowDownApprovedThenSpent() async throws {
        let (transport, clock) = try Self.provider()
        let (device, user, _) = try await Self.start(transport)
        // Sooner than the interval after the codes were issued: slow_down, and 10 s from now on.
        #expect(try await Self.poll(transport, device) == (400, "slow_down"))
        clock.advance(by: 5)
        #expect(try await Self.poll(transport, device) == (400, "slow_down"))
        clock.advance(by: 15)
        #expect(try await Self.poll(transport, device) == (400, "authorization_pending"))
        // Another client cannot use the code.
        #expect(try await Self.poll(transport, device, client: "harness-client").0 == 401)
        let done = try await Self.approve(transport, user.lowercased().replacingOccurrences(of: "-", with: " "))
        #expect(done.bodyText.contains("Device connected"))
        #expect(try await Self.poll(transport, device) == (200, "Bearer"))
        #expect(try await Self.poll(transport, device) == (400, "invalid_grant"))
        // The spent user code is refused at the page.
        let again = try await Self.post(transport, "/device", [("user_code", user)])
        #expect(again.bodyText.contains("not valid or has expired"))
    }

    @Test func deniedThenExpired() async throws {
        let (transport, clock) = try Self.provider()
        let (device, user, _) = try await Self.start(transport)
        _ = try await Self.approve(transport, user, decision: "deny")
        clock.advance(by: 5)
        #expect(try await Self.poll(transport, device) == (400, "access_denied"))
        let (other, otherUser, _) = try await Self.start(transport)
        clock.advance(by: 600)
        #expect(try await Self.poll(transport, other) == (400, "expired_token"))
        let late = try await Self.post(transport, "/device", [("user_code", otherUser)])
        #expect(late.bodyText.contains("not valid or has expired"))
    }

    @Test func theEvilModeKeepsAnExpiredCodePending() async throws {
        let (transport, clock) = try Self.provider()
        let provider = try #require(transport.handler as? MockProvider)
        provider.setEvilMode(.deviceCodeNeverExpires)
        let (device, _, _) = try await Self.start(transport)
        clock.advance(by: 3600)
        #expect(try await Self.poll(transport, device) == (400, "authorization_pending"))
    }

    @Test func aHugeOrUnknownUserCodeIsRefusedUnread() async throws {
        let (transport, _) = try Self.provider()
        let huge = try await Self.post(transport, "/device", [("user_code", String(repeating: "B", count: 100_000))])
        #expect(huge.status == 200 && huge.bodyText.contains("not valid"))
        #expect(!huge.bodyText.contains("BBBBBBBB"))
        let page = try await transport.send(TransportRequest(method: "GET", url: transport.url("/device?user_code=%3Cscript%3E")))
        #expect(page.bodyText.contains("&lt;script&gt;") && !page.bodyText.contains("<script>"))
    }

    @Test func theQuirkProfilesDeviateAsTheirProvidersDo() async throws {
        // Google: verification_url, no complete URI; the fix reads it.
        let (google, _) = try Self.provider("google-style-device")
        let answer = try await Self.post(
            google,
            "/device/code",
            [("client_id", "harness-tv.apps.example"), ("client_secret", "harness-tv-secret"), ("scope", "openid")]
        )
        let members = Self.json(answer)
        #expect(members["verification_url"] != nil && members["verification_uri"] == nil && members["verification_uri_complete"] == nil)
        let session = OAuth2Session(
            clientID: "harness-tv.apps.example",
            clientSecret: "harness-tv-secret",
            clientAuth: ClientSecretPost(),
            scope: ["openid"],
            transport: google
        )
        await #expect(throws: OAuthError.self) { try await session.requestDeviceAuthorization(google.url("/device/code")) }
        session.apply(ComplianceFixes.google)
        #expect(try await session.requestDeviceAuthorization(google.url("/device/code")).verificationURI == "http://mock.test/device")
        // GitHub: form-encoded unless JSON is asked for; the github fix reads the form.
        let (github, _) = try Self.provider("github-style")
        let fields = [("client_id", "github-style-client"), ("client_secret", "github-style-secret")]
        let form = try await Self.post(github, "/login/device/code", fields, headers: ["Accept": "*/*"])
        #expect(form.headers["Content-Type"] == "application/x-www-form-urlencoded" && form.bodyText.contains("device_code="))
        let read = try await ComplianceHookSet.apply(
            ComplianceFixes.github.hooks.compactMap { if case .deviceAuthorizationResponse(let hook) = $0 { hook } else { nil } },
            to: form,
            step: "test"
        )
        #expect(Self.json(read)["interval"] == .number(5) && Self.json(read)["verification_uri"]?.stringValue == "http://mock.test/login/device")
        // A string interval: string_expires_in makes it a number.
        let (openai, _) = try Self.provider("openai-style-device")
        let codex = OAuth2Session(clientID: "harness-cli", clientAuth: PublicClient(), scope: ["openid"], transport: openai)
        let refused = await #expect(throws: OAuthError.self) {
            try await codex.requestDeviceAuthorization(openai.url("/api/accounts/deviceauth/usercode"))
        }
        #expect(refused?.errorDescription?.contains("interval") == true)
        codex.apply(ComplianceFixes.stringExpiresIn)
        #expect(try await codex.requestDeviceAuthorization(openai.url("/api/accounts/deviceauth/usercode")).interval == 5)
    }
}
