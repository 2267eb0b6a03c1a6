import Foundation
import OAuth1
import OAuthCore

extension StepContext {
    /// `request_token`: temporary credentials (RFC 5849 §2.1).
    mutating func requestToken(session: OAuth1Session, step kind: String) async throws {
        let token = try await session.fetchRequestToken(try endpoint(provider.endpoints.requestToken, "request token", step: kind))
        oauth1?.token = token
    }

    /// `authorize`: the browser through the provider's pages to the callback (RFC 5849 §2.2).
    mutating func oauth1Authorize(_ options: Step.Authorize, session: OAuth1Session, step kind: String) async throws {
        let url = try session.createAuthorizationURL(try endpoint(provider.endpoints.authorize, "authorization", step: kind))
        let callback = try await agent.navigate(from: url, to: session.callbackURI ?? "", intent: intent(options), step: kind)
        try session.parseAuthorizationResponse(callback)
    }

    /// `access_token`: token credentials for the verifier (RFC 5849 §2.3).
    mutating func accessToken(_ verifier: String?, session: OAuth1Session, step kind: String) async throws {
        let token = try await session.fetchAccessToken(try endpoint(provider.endpoints.token, "token-credentials", step: kind), verifier: verifier)
        oauth1?.token = token
    }

    /// `get`/`post` signed with the token credentials (RFC 5849 §3).
    mutating func oauth1Request(_ method: String, _ path: String, concurrent: Int, session: OAuth1Session, step kind: String) async throws {
        let url = provider.endpoints.url(path)
        try await sendAll(concurrent, step: kind) {
            try await session.request(
                method,
                url,
                headers: method == "POST" ? ["Content-Type": "application/x-www-form-urlencoded"] : [:],
                step: kind
            )
        }
    }
}
