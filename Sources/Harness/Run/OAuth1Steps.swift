import Foundation
import OAuth1
import OAuthCore

extension StepContext {
    /// The steps of an OAuth 1.0a scenario (RFC 5849 §2–3).
    mutating func executeOAuth1(_ step: Step, session: OAuth1Session) async throws {
        let endpoints = provider.profile.endpoints
        switch step.action {
        case .requestToken:
            oauth1Token = try await session.fetchRequestToken(try endpoint(endpoints.requestToken, "request token", step: step.kind))
        case .authorize(let options):
            let url = try session.createAuthorizationURL(provider.url(endpoints.authorize))
            var agent = UserAgent(transport: recorder)
            let callback = try await agent.authorize(
                url: url, redirectURI: session.callbackURI ?? "", decision: options.consent == .approve ? .approve : .deny, user: options.user)
            try session.parseAuthorizationResponse(callback)
        case .accessToken(let verifier):
            oauth1Token = try await session.fetchAccessToken(provider.url(endpoints.token), verifier: verifier)
        case .request(let method, let path, let concurrent):
            let url = provider.url(path)
            let kind = step.kind
            try await sendAll(concurrent, step: kind) { try await session.request(method, url, headers: method == "POST" ? ["Content-Type": "application/x-www-form-urlencoded"] : [:], step: kind) }
        case .expect, .advanceClock, .fault:
            try await executeShared(step)
        default:
            throw OAuthError.client(OAuthError.invalidConfiguration, "\(step.kind) is not an OAuth 1 step", step: step.kind)
        }
    }
}
