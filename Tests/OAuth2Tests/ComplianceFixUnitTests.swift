import Foundation
import OAuthCore
import OAuthTesting
import Testing

@testable import OAuth2

@Suite struct GenericComplianceFixTests {
    /// Each generic fix turns a deviating token response into one the strict parser accepts;
    /// without the fix the same response is refused.
    @Test(arguments: [
        ("form_encoded_token_response", "text/plain", "access_token=a&token_type=bearer&expires_in=60"),
        ("string_expires_in", "application/json", #"{"access_token":"a","token_type":"Bearer","expires_in":"60"}"#),
        ("missing_token_type", "application/json", #"{"access_token":"a","expires_in":60}"#),
        ("scope_array", "application/json", #"{"access_token":"a","token_type":"Bearer","scope":["x","y"]}"#),
        ("expires_to_expires_in", "text/plain", "access_token=a&token_type=bearer&expires=60"),
    ])
    func fixRepairsWhatTheStrictParserRefuses(name: String, type: String, body: String) async throws {
        let response = TransportResponse(status: 200, headers: ["Content-Type": type], body: Array(body.utf8))
        let strict = OAuth2Session(clientID: "id", clientAuth: .none, transport: ScriptedTransport(responses: [response]), clock: ManualClock())
        if name != "expires_to_expires_in" {
            await #expect(throws: OAuthError.self) { try await strict.fetchToken("http://as/token", grant: .clientCredentials) }
        }
        let fixed = OAuth2Session(clientID: "id", clientAuth: .none, transport: ScriptedTransport(responses: [response]), clock: ManualClock())
        fixed.apply(try #require(ComplianceFixes.named(name)))
        if name == "expires_to_expires_in" { fixed.apply(ComplianceFixes.formEncodedTokenResponse) }
        let token = try await fixed.fetchToken("http://as/token", grant: .clientCredentials)
        #expect(token.accessToken == "a")
    }

    @Test func commaScopesAndOkFalseErrors() async throws {
        let comma = OAuth2Session(
            clientID: "id",
            clientAuth: .none,
            transport: ScriptedTransport(json: [#"{"access_token":"a","token_type":"Bearer","scope":"a,b"}"#])
        )
        comma.apply(ComplianceFixes.commaSeparatedScope)
        #expect(try await comma.fetchToken("http://as/token", grant: .clientCredentials).scopes == ["a", "b"])

        let slack = OAuth2Session(clientID: "id", clientAuth: .none, transport: ScriptedTransport(json: [#"{"ok":false,"error":"invalid_code"}"#]))
        slack.apply(ComplianceFixes.okFalseErrors)
        let error = await #expect(throws: OAuthError.self) { try await slack.fetchToken("http://as/token", grant: .clientCredentials) }
        #expect(error?.code == "invalid_code")
        #expect(error?.httpStatus == 400)
    }

    @Test func zeroExpiresInMeansNoExpiry() async throws {
        let session = OAuth2Session(
            clientID: "id",
            clientAuth: .none,
            transport: ScriptedTransport(json: [#"{"access_token":"a","token_type":"Bearer","expires_in":0,"scope":null}"#])
        )
        session.apply(ComplianceFixes.zeroExpiresIn)
        let token = try await session.fetchToken("http://as/token", grant: .clientCredentials)
        #expect(token.expiresAt == nil)
        #expect(token.scope == nil)
    }
}

@Suite struct HostileNumbersTests {
    /// A Withings-style `{status, body}` envelope whose status is not a small integer is an
    /// error named so, never a trap converting it.
    @Test(arguments: ["1e300", "-1e300", "1.5", "123456789012345678901234567890"])
    func withingsStatusOutOfRange(status: String) async throws {
        let session = OAuth2Session(
            clientID: "id",
            clientAuth: .none,
            transport: ScriptedTransport(json: [#"{"status":"# + status + #","body":{}}"#])
        )
        session.apply(try #require(ComplianceFixes.named("withings")))
        let error = await #expect(throws: OAuthError.self) { try await session.fetchToken("http://as/token", grant: .clientCredentials) }
        #expect(error?.code == "withings_status_invalid")
    }
}
