import Foundation
import OAuth1
import OAuthCore

/// What an OAuth 1 scenario keeps between steps: the session and the credentials it obtained.
struct OAuth1State {
    let session: OAuth1Session
    /// The temporary credentials, then the token credentials (RFC 5849 §2.1, §2.3).
    var token: OAuth1Token?
}

extension StepContext {
    /// The steps of an OAuth 1.0a scenario (RFC 5849 §2–3).
    mutating func executeOAuth1(_ step: Step, session: OAuth1Session) async throws {
        let endpoints = provider.endpoints
        switch step.action {
        case .requestToken:
            let token = try await session.fetchRequestToken(try endpoint(endpoints.requestToken, "request token", step: step.kind))
            oauth1?.token = token
        case .authorize(let options):
            let url = try session.createAuthorizationURL(try endpoint(endpoints.authorize, "authorization", step: step.kind))
            let callback = try await agent.navigate(from: url, to: session.callbackURI ?? "", intent: intent(options), step: step.kind)
            try session.parseAuthorizationResponse(callback)
        case .accessToken(let verifier):
            let token = try await session.fetchAccessToken(try endpoint(endpoints.token, "token-credentials", step: step.kind), verifier: verifier)
            oauth1?.token = token
        case .request(let method, let path, let concurrent):
            let url = endpoints.url(path)
            let kind = step.kind
            try await sendAll(concurrent, step: kind) {
                try await session.request(
                    method,
                    url,
                    headers: method == "POST" ? ["Content-Type": "application/x-www-form-urlencoded"] : [:],
                    step: kind
                )
            }
        case .expect, .advanceClock, .fault, .clearCookies:
            try await executeShared(step)
        case .fetchToken, .refresh, .revoke, .introspect, .discover, .login, .userinfo, .logout, .evil, .rotateKeys:
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(step.kind) is not an OAuth 1 step", step: step.kind)
        }
    }
}
