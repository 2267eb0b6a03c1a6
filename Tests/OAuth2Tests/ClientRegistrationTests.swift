import Foundation
import MockProviders
import OAuthCore
import OAuthTesting
import Testing

@testable import OAuth2

/// RFC 7591 / 7592 on the client, against scripted answers and against the mock in memory.
@Suite struct ClientRegistrationTests {
    @Test func theRegistrationIsSentAsJSONAndReadBack() async throws {
        let transport = ScriptedTransport(responses: [
            ScriptedTransport.json(
                #"{"client_id":"c-1","client_secret":"s3cret-value","client_secret_expires_at":0,"registration_access_token":"rat-1","registration_client_uri":"https://as.example/register/c-1","redirect_uris":["https://app.example/cb"],"client_name":"App"}"#,
                status: 201
            )
        ])
        let metadata = ClientMetadata(
            redirectURIs: ["https://app.example/cb"],
            grantTypes: [.authorizationCode],
            clientName: "App",
            scope: ["a", "b"]
        )
        let client = try await ClientRegistration(transport: transport).register(
            "https://as.example/register",
            metadata: metadata,
            initialAccessToken: "iat-1"
        )
        #expect(client.clientID == "c-1" && client.clientSecret == "s3cret-value" && client.clientSecretExpiresAt == Date(timeIntervalSince1970: 0))
        #expect(client.metadata.redirectURIs == ["https://app.example/cb"] && client.metadata.members["client_name"] == .string("App"))
        #expect(!client.description.contains("s3cret-value") && !client.description.contains("rat-1"))
        let sent = transport.requests[0]
        #expect(sent.headers["Authorization"] == "Bearer iat-1" && sent.headers["Content-Type"] == "application/json")
        let body = try JSONValue.parse(sent.body)
        #expect(body["scope"] == .string("a b") && body["grant_types"] == .array([.string("authorization_code")]))
    }

    @Test(arguments: [
        (#"{"client_secret":"x"}"#, 201, "malformed_response"),
        (#"{"client_id":"c","client_secret_expires_at":"never"}"#, 201, "malformed_response"),
        (#"{"client_id":"c","redirect_uris":["https://app.example/cb#frag"]}"#, 201, "invalid_redirect_uri"),
        (#"{"client_id":"c","redirect_uris":["http://app.example/cb"]}"#, 201, "invalid_redirect_uri"),
        (#"{"error":"invalid_client_metadata","error_description":"no"}"#, 400, "invalid_client_metadata"),
        (#"{"client_id":"c"}"#, 200, "malformed_response"),
    ])
    func aBadAnswerIsNamed(_ body: String, _ status: Int, _ code: String) async throws {
        let transport = ScriptedTransport(responses: [ScriptedTransport.json(body, status: status)])
        let error = await #expect(throws: OAuthError.self) {
            try await ClientRegistration(transport: transport).register("https://as.example/register", metadata: ClientMetadata())
        }
        #expect(error?.code.rawValue == code && error?.step == "register", "\(String(describing: error))")
    }

    @Test func registerUseReadUpdateDeleteAgainstTheMock() async throws {
        let transport = try InMemoryTransport(profile: "standard-oauth2")
        let registration = ClientRegistration(transport: transport)
        let metadata = ClientMetadata(
            redirectURIs: ["http://127.0.0.1:8400/callback"],
            grantTypes: [.authorizationCode, .refreshToken, .clientCredentials],
            clientName: "first",
            scope: ["api.read"]
        )
        let client = try await registration.register(transport.url("/oauth2/register"), metadata: metadata)
        #expect(client.clientID.hasPrefix("dyn-") && client.registrationClientURI == transport.url("/oauth2/register/" + client.clientID))
        let session = OAuth2Session(clientID: client.clientID, clientSecret: client.clientSecret, transport: transport)
        _ = try await session.fetchToken(transport.url("/oauth2/token"), grant: .clientCredentials, scope: ["api.read"])
        var renamed = metadata
        renamed.members["client_name"] = .string("second")
        let updated = try await registration.update(client, metadata: renamed)
        #expect(try await registration.read(updated).metadata.members["client_name"] == .string("second"))
        try await registration.delete(updated)
        let gone = await #expect(throws: OAuthError.self) {
            try await session.fetchToken(transport.url("/oauth2/token"), grant: .clientCredentials, scope: ["api.read"])
        }
        #expect(gone?.code.rawValue == "invalid_client")
        let unread = await #expect(throws: OAuthError.self) { try await registration.read(updated) }
        #expect(unread?.code.rawValue == "invalid_token" && unread?.httpStatus == 401)
    }

    @Test(arguments: ["https://a.example/cb", "http://127.0.0.1:9/cb", "http://[::1]/cb", "com.example.app:/cb"])
    func acceptableRedirectURIs(_ uri: String) { #expect(RegisteredClient.redirectURIProblem(uri) == nil) }

    @Test(arguments: ["/cb", "https://a.example/cb#x", "http://a.example/cb", "javascript:alert(1)", "https:///cb"])
    func forbiddenRedirectURIs(_ uri: String) { #expect(RegisteredClient.redirectURIProblem(uri) != nil) }
}
