import Foundation
import OAuth2
import OAuthCore

// RFC 8693 (OAuth 2.0 Token Exchange).
extension ProbeContext {
    static let exchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"

    /// Whether the provider lists the grant (a provider file names no other way to know).
    var exchangeOffered: Bool { endpoints.advertised("grant_types_supported")?.contains(Self.exchangeGrant) ?? false }

    static let noExchange = CheckVerdict.skipped("grant_types_supported does not list \(exchangeGrant)")

    /// The client that exchanges: the first the provider file allows the grant.
    var exchanger: ProviderFile.Client { file.client(for: Self.exchangeGrant) }

    /// A subject token: an access token from a sign-in by the exchanger, or by the first client
    /// when the exchanger may not use the code flow (a service registered for the grant alone).
    mutating func subjectToken() async throws(CheckFailure) -> String {
        let holder = exchanger.allows("authorization_code") ? exchanger : file.client
        let (signedIn, _) = try await signIn(client: holder, step: "subject-sign-in")
        guard let subject = signedIn.accessToken else { throw CheckFailure(reason: "the sign-in gave no access token") }
        return subject
    }

    /// A token exchange request as the exchanger for `subject` of `type`.
    func exchangeRequest(subject: String, type: String = accessTokenType, step: String) async throws(CheckFailure) -> TokenAnswer {
        try await tokenRequest(
            [("grant_type", Self.exchangeGrant), ("subject_token", subject), ("subject_token_type", type)],
            client: exchanger,
            step: step
        )
    }

    mutating func tokenExchange() async throws(CheckFailure) -> CheckVerdict {
        guard exchangeOffered else { return Self.noExchange }
        let subject = try await subjectToken()
        let answer = try await exchangeRequest(subject: subject, step: "exchange")
        guard answer.succeeded else { return .fail("the exchange of an access token failed: \(Self.describe(answer))") }
        var missing: [String] = []
        if answer.token["issued_token_type"]?.stringValue == nil { missing.append("issued_token_type") }
        if answer.token["token_type"]?.stringValue == nil { missing.append("token_type") }
        guard missing.isEmpty else { return .fail("the answer lacks \(missing.joined(separator: " and ")) (§2.2.1: REQUIRED)") }
        if answer.accessToken == subject { return .warning("the issued token is the subject token itself") }
        return .pass(
            "exchanged: issued_token_type \(answer.token["issued_token_type"]!.stringValue!), token_type \(answer.token["token_type"]!.stringValue!)"
        )
    }

    mutating func tokenExchangeInvalidSubject() async throws(CheckFailure) -> CheckVerdict {
        guard exchangeOffered else { return Self.noExchange }
        _ = try await baseline()
        let answer = try await exchangeRequest(subject: "harness-not-a-token-" + SecureRandom.token(bytes: 12), step: "invalid-subject")
        if answer.succeeded { return .fail("an invalid subject token was exchanged: \(Self.describe(answer))") }
        return judgeError(answer, expected: ["invalid_request", "invalid_grant"])
    }

    mutating func tokenExchangeUnsupportedType() async throws(CheckFailure) -> CheckVerdict {
        guard exchangeOffered else { return Self.noExchange }
        let subject = try await subjectToken()
        let answer = try await exchangeRequest(subject: subject, type: "urn:oauth-harness:token-type:unknown", step: "unknown-type")
        if answer.succeeded { return .fail("a subject_token_type no registry or server defines was accepted: \(Self.describe(answer))") }
        return judgeError(answer, expected: ["invalid_request", "unsupported_token_type"])
    }

    mutating func tokenExchangeSubjectAudience() async throws(CheckFailure) -> CheckVerdict {
        guard exchangeOffered else { return Self.noExchange }
        let exchanger = self.exchanger
        guard let other = file.clients.first(where: { $0.clientID != exchanger.clientID && $0.allows("authorization_code") }) else {
            return .skipped("needs a second client in the provider file that signs in with a code")
        }
        let (signedIn, _) = try await signIn(client: other, step: "other-client-sign-in")
        guard let subject = signedIn.accessToken else { throw CheckFailure(reason: "the sign-in gave no access token") }
        let answer = try await exchangeRequest(subject: subject, step: "exchange-as-another-client")
        if answer.succeeded {
            return .fail(
                "a token issued to \(other.clientID) was exchanged by \(exchanger.clientID), which it does not name: any client holding a leaked token can trade it"
            )
        }
        return .pass("refused: \(Self.describe(answer))")
    }
}
