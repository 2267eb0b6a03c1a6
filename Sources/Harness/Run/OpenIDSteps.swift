import Foundation
import MockProviders
import OAuth2
import OAuthCore
import OpenIDConnect

extension StepContext {
    /// The OpenID Connect client of the scenario, discovered on first use.
    mutating func openIDClient(_ session: OAuth2Session) async throws(OAuthError) -> OpenIDConnectClient {
        if let openID { return openID }
        let options = openIDOptions ?? .init()
        let client = try await OpenIDConnectClient.discover(
            issuer: provider.baseURL, session: session, cache: metadataCache,
            configure: { validation in
                validation.allowSymmetricAlgorithms = options.allowHS256
                validation.leeway = options.leeway
                if let algorithms = options.algorithms { validation.allowedAlgorithms = Set(algorithms) }
            })
        openID = client
        return client
    }

    /// The OpenID Connect steps; `nil` when the step is not one of them.
    mutating func executeOpenID(_ step: Step, session: OAuth2Session) async throws -> Bool {
        switch step.action {
        case .login(let options):
            let client = try await openIDClient(session)
            let request = try client.createAuthorizationURL()
            authorizationRequest = request.authorization
            var agent = UserAgent(transport: recorder)
            let callback = try await agent.authorize(
                url: request.url, redirectURI: request.authorization.redirectURI ?? "", decision: options.consent == .approve ? .approve : .deny,
                user: options.user)
            openIDLogin = try await client.fetchToken(authorizationResponse: callback, request: request)
        case .userinfo:
            let client = try await openIDClient(session)
            guard let login = openIDLogin else {
                throw OAuthError.client("missing_token", "no validated ID token: a login step must succeed first", step: step.kind)
            }
            let info = try await client.userInfo(expectedSubject: login.idToken.subject)
            userInfo = info
            lastResponse = TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: Array(JSONValue.object(info.claims).jsonText.utf8))
        case .logout(let given):
            let client = try await openIDClient(session)
            guard let logout = client.logout else {
                throw OAuthError.client(OAuthError.invalidConfiguration, "the provider has no end_session_endpoint", step: step.kind)
            }
            let target = given ?? provider.profile.client(id: session.clientID)?.postLogoutRedirectURIs.first
            let redirect = logout.logoutRedirect(postLogoutRedirectURI: target, idTokenHint: session.token?.idToken)
            var agent = UserAgent(transport: recorder)
            let back = try await agent.authorize(url: redirect.url, redirectURI: target ?? "", decision: .approve, user: nil)
            logoutState = try logout.validateLogoutResponse(back)
        case .evil(let mode):
            guard let mock = provider.oauth2, let evil = EvilMode(rawValue: mode) else {
                throw OAuthError.client(OAuthError.invalidConfiguration, "evil modes need a built-in OpenID provider", step: step.kind)
            }
            mock.setEvilMode(evil)
            recorder.transcript.note("provider evil mode: \(mode)")
        case .rotateKeys:
            guard let mock = provider.oauth2 else {
                throw OAuthError.client(OAuthError.invalidConfiguration, "key rotation needs a built-in OpenID provider", step: step.kind)
            }
            mock.rotateSigningKeys()
            recorder.transcript.note("provider rotated its signing key")
        default:
            return false
        }
        return true
    }
}
