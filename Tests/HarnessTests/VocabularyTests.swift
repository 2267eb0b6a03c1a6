import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore
import Testing

@testable import Harness

/// One type per concept, and a bad value is a located error — never a silent default.
@Suite struct VocabularyTests {
    @Test func anUnknownIDTokenAlgorithmInAScenarioIsALocatedError() throws {
        let text =
            validHead.replacingOccurrences(
                of: "  client_secret: harness-secret\n",
                with: "  client_secret: harness-secret\n  openid: { algorithms: [RS256, RS265] }\n"
            )
            .replacingOccurrences(of: "standard-oauth2", with: "google-style-oidc") + "steps:\n  - login: {}\n"
        let error = #expect(throws: YAMLLocatedError.self) { try parse(text) }
        #expect(error?.line == 6)
        #expect(error?.message.contains("unknown algorithm \"RS265\"") == true, "\(error?.message ?? "")")
        let fine = try parse(text.replacingOccurrences(of: "RS265", with: "ES256"))
        #expect(fine.client.openID?.algorithms == [.rs256, .es256])
    }

    @Test func unknownSignatureMethodsAndAuthMethodsInACheckFileAreLocatedErrors() throws {
        let base = """
            name: p
            provider: { url: "http://127.0.0.1:9", request_token: /rt, authorize: /a, access_token: /at }
            clients: [{ client_id: c, client_secret: s, redirect_uri: "http://127.0.0.1/cb", auth_method: client_secret_post }]

            """
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vocabulary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func load(_ text: String) throws -> ProviderFile {
            let path = directory.appendingPathComponent("p.yaml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return try ProviderFile.load(contentsOf: path, environment: [:])
        }
        let good = try load(base + "signature_methods: [HMAC-SHA1, PLAINTEXT]\n")
        #expect(good.signatureMethods == [.hmacSHA1, .plaintext])
        #expect(good.client.authMethod == .clientSecretPost)
        #expect(good.protocolKind == .oauth1)

        let typo = #expect(throws: YAMLLocatedError.self) { try load(base + "signature_methods: [HMAC-SHA1, HMAC-SHA-1]\n") }
        #expect(typo?.line == 4)
        #expect(typo?.message.contains("unknown signature_methods \"HMAC-SHA-1\"") == true, "\(typo?.message ?? "")")

        let method = #expect(throws: YAMLLocatedError.self) {
            try load(base.replacingOccurrences(of: "auth_method: client_secret_post", with: "auth_method: private_key_jwt"))
        }
        #expect(method?.line == 3)
        #expect(method?.message.contains("expected one of: client_secret_basic, client_secret_post, none") == true, "\(method?.message ?? "")")
    }

    @Test func protocolKindsCoverWhatTheyShould() {
        #expect(ProtocolKind.oauth2.covers(.oidc))
        #expect(!ProtocolKind.oidc.covers(.oauth2))
        #expect(!ProtocolKind.oauth1.covers(.oauth2))
        #expect(ProtocolKind.allCases.allSatisfy { $0.covers($0) })
    }

    @Test func scenarioGrantNamesMapToTheWireValues() {
        #expect(GrantType(scenarioName: "jwt_bearer") == .jwtBearer)
        #expect(GrantType(scenarioName: GrantType.jwtBearer.rawValue) == .jwtBearer)
        #expect(GrantType(scenarioName: "client_credentials") == .clientCredentials)
        #expect(GrantType(scenarioName: "urn:example:mine").rawValue == "urn:example:mine")
        #expect(Grant.custom(grantType: "urn:example:mine", parameters: []).grantType == "urn:example:mine")
    }
}
