import Foundation
import OAuthCore
import OAuthTesting
import Synchronization
import Testing

@testable import OAuth2

@Suite struct AuthorizationURLTests {
    let session = OAuth2Session(
        clientID: "client 1",
        clientSecret: "s",
        redirectURI: "http://127.0.0.1:8400/cb",
        scope: ["openid", "profile"],
        codeChallengeMethod: .s256,
        transport: ScriptedTransport(json: "{}")
    )

    @Test func carriesTheRequestParametersAndAPKCEChallenge() throws {
        let request = try session.createAuthorizationURL("https://as.example/authorize?prompt=login")
        let items = try #require(URLComponents(string: request.url)?.queryItems)
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
        #expect(value("prompt") == "login")
        #expect(value("response_type") == "code")
        #expect(value("client_id") == "client 1")
        #expect(value("redirect_uri") == "http://127.0.0.1:8400/cb")
        #expect(value("scope") == "openid profile")
        #expect(value("state") == request.state)
        #expect(value("code_challenge_method") == "S256")
        let verifier = try #require(request.codeVerifier)
        #expect(value("code_challenge") == PKCE.challenge(for: verifier, method: .s256))
    }

    @Test func stateIsFreshAndUnguessable() throws {
        let states = try (0..<20).map { _ in try session.createAuthorizationURL("https://as.example/authorize").state }
        #expect(Set(states).count == 20)
        #expect(states.allSatisfy { $0.count == 43 })
    }

    @Test func invalidInputsAreRejected() {
        #expect(throws: OAuthError.self) { try session.createAuthorizationURL("not a url") }
        #expect(throws: OAuthError.self) { try session.createAuthorizationURL("https://as.example/a", codeVerifier: "short") }
    }
}

@Suite struct AuthorizationResponseTests {
    @Test func returnsTheCodeWhenStateMatches() throws {
        #expect(try parseAuthorizationResponse("http://127.0.0.1/cb?code=abc&state=s1", expectedState: "s1") == "abc")
    }

    @Test(arguments: [
        ("http://127.0.0.1/cb?code=abc&state=other", "mismatching_state"),
        ("http://127.0.0.1/cb?code=abc", "mismatching_state"),
        ("http://127.0.0.1/cb?error=access_denied&state=other", "mismatching_state"),
        ("http://127.0.0.1/cb?error=access_denied&error_description=no+way&state=s1", "access_denied"),
        ("http://127.0.0.1/cb?state=s1", "missing_code"),
        ("http://127.0.0.1/cb?code=a&code=b&state=s1", "malformed_response"),
        ("http://127.0.0.1/cb?code=%ZZ&state=s1", "malformed_response"),
    ])
    func rejectsWithTheRightCode(url: String, code: String) {
        let error = #expect(throws: OAuthError.self) { try parseAuthorizationResponse(url, expectedState: "s1") }
        #expect(error?.code.rawValue == code)
        #expect(error?.step == "authorize")
    }

    @Test func providerErrorKeepsItsDescription() {
        let error = #expect(throws: OAuthError.self) {
            try parseAuthorizationResponse("http://x/cb?error=access_denied&error_description=no+way&state=s1", expectedState: "s1")
        }
        #expect(error?.errorDescription == "no way")
        #expect(error?.origin == .provider)
    }
}

@Suite struct TokenResponseTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func response(_ status: Int, _ type: String?, _ body: String) -> TransportResponse {
        TransportResponse(status: status, headers: type.map { ["Content-Type": $0] } ?? [:], body: Array(body.utf8))
    }

    @Test(
        arguments: [
            (500, "text/html", "<html>oops</html>", "malformed_response", "expected a JSON error object"),
            (200, "application/json", "", "malformed_response", "expected a JSON object (RFC 6749 §5.1), got an empty body"),
            (200, "application/json", "[1]", "malformed_response", "got JSON array"),
            (200, "text/plain", "access_token=a&token_type=bearer", "malformed_response", "expected a JSON object"),
            (200, "application/json", #"{"token_type":"Bearer"}"#, "malformed_response", "access_token is missing"),
            (200, "application/json", #"{"error":"invalid_grant"}"#, "invalid_grant", nil),
            (400, "application/json", #"{"error":"invalid_grant","error_description":"code expired"}"#, "invalid_grant", "code expired"),
            (401, "application/json", #"{"error":42}"#, "malformed_response", "the error member is not a string"),
            (502, nil, "", "malformed_response", "an empty body (no Content-Type)"),
        ] as [(Int, String?, String, String, String?)]
    )
    func malformedAndErrorBodies(status: Int, type: String?, body: String, code: String, detail: String?) {
        let error = #expect(throws: OAuthError.self) {
            try parseTokenResponse(response(status, type, body), step: "fetch_token", receivedAt: now)
        }
        #expect(error?.code.rawValue == code)
        #expect(error?.httpStatus == status)
        #expect(error?.step == "fetch_token")
        if let detail { #expect(error?.errorDescription?.contains(detail) == true, "\(error?.description ?? "")") }
    }

    @Test func errorMessagesNameStepStatusAndReason() {
        let error = OAuthError.malformed(step: "fetch_token", httpStatus: 500, "expected a JSON error object")
        #expect(error.description == "fetch_token: malformed_response (HTTP 500): expected a JSON error object")
    }
}

@Suite struct FetchTokenTests {
    let okBody = #"{"access_token":"at","token_type":"Bearer","expires_in":60}"#

    @Test func clientSecretBasicFormEncodesBeforeBase64() async throws {
        // RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined by ":".
        let transport = ScriptedTransport(json: okBody)
        let session = OAuth2Session(
            clientID: "my:client",
            clientSecret: "p@ss word",
            clientAuth: .clientSecretBasic,
            redirectURI: "http://127.0.0.1/cb",
            transport: transport,
            clock: ManualClock()
        )
        _ = try await session.fetchToken("http://as/token", code: "c0de", codeVerifier: "v")
        let sent = try #require(transport.last)
        let expected = "Basic " + Data("my%3Aclient:p%40ss+word".utf8).base64EncodedString()
        #expect(sent.headers["Authorization"] == expected)
        let form = try FormParameters(parsing: String(decoding: sent.body, as: UTF8.self))
        #expect(
            form
                == FormParameters([
                    ("grant_type", "authorization_code"), ("code", "c0de"), ("redirect_uri", "http://127.0.0.1/cb"), ("code_verifier", "v"),
                ])
        )
        #expect(sent.headers["Content-Type"] == "application/x-www-form-urlencoded")
    }

    @Test func clientSecretPostPutsCredentialsInTheBody() async throws {
        let transport = ScriptedTransport(json: okBody)
        let clock = ManualClock()
        let session = OAuth2Session(
            clientID: "id",
            clientSecret: "secret",
            clientAuth: .clientSecretPost,
            transport: transport,
            clock: clock
        )
        let token = try await session.fetchToken("http://as/token", code: "c")
        let sent = try #require(transport.last)
        #expect(sent.headers["Authorization"] == nil)
        let form = try FormParameters(parsing: String(decoding: sent.body, as: UTF8.self))
        #expect(form["client_id"] == "id")
        #expect(form["client_secret"] == "secret")
        #expect(token.expiresAt == clock.now().addingTimeInterval(60))
        #expect(session.token == token)
    }

    @Test func bearerRequestsUseTheToken() async throws {
        let transport = ScriptedTransport(json: okBody)
        let session = OAuth2Session(clientID: "id", clientAuth: .none, transport: transport)
        await #expect(throws: OAuthError.self) { try await session.request("GET", "http://rs/api") }
        _ = try await session.fetchToken("http://as/token", code: "c")
        _ = try await session.request("GET", "http://rs/api")
        #expect(transport.last?.headers["Authorization"] == "Bearer at")
    }

    @Test func transportFailuresBecomeOAuthErrors() async {
        let session = OAuth2Session(clientID: "id", clientAuth: .none, transport: ScriptedTransport(failing: CancellationError()))
        let error = await #expect(throws: OAuthError.self) { try await session.fetchToken("http://as/token", code: "c") }
        #expect(error?.code == "transport_error")
        #expect(error?.origin == .transport)
        #expect(error?.step == "fetch_token")
    }
}
