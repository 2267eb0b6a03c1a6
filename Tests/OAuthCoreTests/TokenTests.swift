import Foundation
import Testing

@testable import OAuthCore

@Suite struct OAuth2TokenTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func members(_ json: String) throws -> [String: JSONValue] {
        try #require(try JSONValue.parse(Array(json.utf8)).objectValue)
    }

    @Test func fullResponseKeepsUnknownMembersAndComputesExpiry() throws {
        let token = try OAuth2Token(
            members: members(
                #"{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1","scope":"a b","id_token":"x.y.z","custom":{"n":1}}"#
            ),
            receivedAt: now
        )
        #expect(token.accessToken == "at-1")
        #expect(token.tokenType == "Bearer")
        #expect(token.expiresIn == 3600)
        #expect(token.expiresAt == now.addingTimeInterval(3600))
        #expect(token.refreshToken == "rt-1")
        #expect(token.scopes == ["a", "b"])
        #expect(token.idToken == "x.y.z")
        #expect(token.extra["custom"]?["n"] == .number(1))
        #expect(token.members["expires_at"] == .number(1_800_003_600))
    }

    @Test func expiryFollowsTheInjectedClock() throws {
        let clock = ManualClock(start: now)
        let token = try OAuth2Token(members: members(#"{"access_token":"a","token_type":"bearer","expires_in":60}"#), receivedAt: clock.now())
        #expect(!token.isExpired(at: clock.now()))
        clock.advance(by: 30)
        #expect(token.isExpired(at: clock.now(), leeway: 30))
        #expect(!token.isExpired(at: clock.now(), leeway: 29))
        clock.advance(by: 30)
        #expect(token.isExpired(at: clock.now()))
    }

    @Test(arguments: [
        (#"{"token_type":"Bearer"}"#, "access_token is missing"),
        (#"{"access_token":"","token_type":"Bearer"}"#, "access_token must be a non-empty string"),
        (#"{"access_token":42,"token_type":"Bearer"}"#, "access_token must be a non-empty string"),
        (#"{"access_token":"a"}"#, "token_type is missing"),
        (#"{"access_token":"a","token_type":"Bearer","expires_in":"3600"}"#, "expires_in must be a number, got string"),
        (#"{"access_token":"a","token_type":"Bearer","expires_in":-1}"#, "expires_in must be a non-negative integer"),
        (#"{"access_token":"a","token_type":"Bearer","expires_in":1.5}"#, "expires_in must be a non-negative integer"),
        (#"{"access_token":"a","token_type":"Bearer","refresh_token":7}"#, "refresh_token must be a string, got number"),
        (#"{"access_token":"a","token_type":"Bearer","scope":["a"]}"#, "scope must be a string, got array"),
    ])
    func malformedMembersAreRejectedWithAReason(json: String, reason: String) throws {
        let error = #expect(throws: OAuth2Token.InvalidResponse.self) {
            try OAuth2Token(members: members(json), receivedAt: now)
        }
        #expect(error?.reason.hasPrefix(reason) == true, "\(error?.reason ?? "no error")")
    }

    @Test func descriptionsNeverShowTokenValues() throws {
        let token = OAuth2Token(accessToken: "secret-access", refreshToken: "secret-refresh", idToken: "secret-id")
        for text in [token.description, token.debugDescription, String(describing: token), "\(token)"] {
            #expect(!text.contains("secret-"))
        }
    }
}

@Suite struct RedactorTests {
    @Test func registeredSecretsAreMaskedInEveryEncoding() {
        let redactor = Redactor(secrets: ["s3cr et/+"])
        let text = "raw s3cr et/+ pct s3cr%20et%2F%2B form s3cr+et%2F%2B"
        #expect(redactor.redact(text) == "raw [REDACTED] pct [REDACTED] form [REDACTED]")
    }

    @Test func secretsOnTheWireAreLearnt() {
        let redactor = Redactor()
        redactor.registerSecrets(
            in: TransportRequest.form(
                "http://x/token?access_token=query-token",
                FormParameters([("code", "the-code"), ("code_verifier", "the-verifier"), ("state", "st4te")]),
                headers: ["Authorization": "Basic " + Data("id:pass%20word".utf8).base64EncodedString()]
            )
        )
        redactor.registerSecrets(
            in: TransportResponse(
                status: 200,
                headers: ["Content-Type": "application/json"],
                body: Array(#"{"access_token":"tok-123","nested":{"refresh_token":"ref-456"}}"#.utf8)
            )
        )
        let text = "the-code the-verifier tok-123 ref-456 query-token pass word st4te"
        #expect(redactor.redact(text) == "[REDACTED] [REDACTED] [REDACTED] [REDACTED] [REDACTED] [REDACTED] st4te")
    }

    @Test func authorizationHeadersAreMaskedByName() {
        let redactor = Redactor()
        #expect(redactor.redactHeader(name: "authorization", value: "Bearer abc.def") == "Bearer [REDACTED]")
        #expect(redactor.redactHeader(name: "Cookie", value: "sid=abc; theme=dark") == "sid=[REDACTED]; theme=[REDACTED]")
        #expect(redactor.redactHeader(name: "Content-Type", value: "text/html") == "text/html")
    }

    @Test func tooShortValuesAreNotRegisteredButNamedOnesAreMaskedInPlace() {
        let redactor = Redactor(secrets: ["abc"])
        #expect(redactor.redact("abc") == "abc")
        #expect(redactor.redact("GET /cb?code=ab&state=xy") == "GET /cb?code=[REDACTED]&state=xy")
        #expect(redactor.redact(#"{"access_token": "z", "token_type": "Bearer"}"#) == #"{"access_token": "[REDACTED]", "token_type": "Bearer"}"#)
    }

    /// Token responses that are not valid JSON, or name their secrets differently, or escape
    /// them, still have every secret learnt and masked wherever it appears.
    @Test(arguments: [
        ("application/json", #"{"access_token":"tok-truncated-0001","token_ty"#, ["tok-truncated-0001"]),
        (
            "application/json", #"{"access_token":"tok-dup-0002","access_token":"tok-dup-0003","token_type":"Bearer"}"#,
            ["tok-dup-0002", "tok-dup-0003"]
        ),
        ("application/json", #"{"access_token":"tok\/slash\/0004","token_type":"Bearer"}"#, ["tok/slash/0004", #"tok\/slash\/0004"#]),
        (
            "application/x-www-form-urlencoded", "access_token=tok%2flower%2f0005&token_type=bearer",
            ["tok/lower/0005", "tok%2flower%2f0005", "tok%2Flower%2F0005"]
        ),
        ("text/html", "access_token=tok-html-0006&token_type=bearer", ["tok-html-0006"]),
        (
            "application/json",
            #"{"api_key":"key-0007","accessToken":"tok-camel-0008","incoming_webhook":{"url":"https://hooks.example/T0/B0/0009"}}"#,
            ["key-0007", "tok-camel-0008", "https://hooks.example/T0/B0/0009"]
        ),
        ("application/json", #"{"access_token":"tok-ok-0010","token_type":"Bearer","token_endpoint":"https://as.example/token"}"#, ["tok-ok-0010"]),
    ])
    func hostileTokenResponsesAreRedacted(type: String, body: String, secrets: [String]) {
        let redactor = Redactor()
        redactor.registerSecrets(in: TransportResponse(status: 200, headers: ["Content-Type": type], body: Array(body.utf8)))
        for secret in secrets {
            #expect(redactor.redact("echoed: \(secret) .") == "echoed: [REDACTED] .", "\(secret)")
        }
        let shown = redactor.redact(body)
        for secret in secrets { #expect(!shown.contains(secret), "\(secret) in \(shown)") }
        #expect(redactor.redact("https://as.example/token") == "https://as.example/token", "endpoint URLs are not secrets")
    }

    @Test func secretNamesAreRecognisedInAnyStyle() {
        for name in [
            "access_token", "accessToken", "X-Auth-Token", "api-key", "APIKey", "client_secret", "Password", "id_token_hint",
            "slack_incoming_webhook",
            "oauth_verifier", "private_key", "device_code", "csrfmiddlewaretoken",
        ] {
            #expect(Redactor.isSecretName(name), "\(name)")
        }
        for name in [
            "token_type", "token_endpoint", "code_challenge", "code_challenge_method", "token_endpoint_auth_methods_supported", "error_code",
            "jwks_uri", "state", "nonce", "scope", "expires_in", "refresh_token_expires_in", "authorization_endpoint", "oauth_signature_method",
        ] {
            #expect(!Redactor.isSecretName(name), "\(name)")
        }
    }
}
