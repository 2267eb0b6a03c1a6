import Foundation
import OAuthCore

extension MockProvider {
    // MARK: Authorization endpoint (RFC 6749 §4.1.1–4.1.2)

    func authorize(parameters: FormParameters?, submitted: Bool) -> TransportResponse {
        guard let parameters else { return Self.badRequest("the query string is malformed") }
        for name in ["client_id", "redirect_uri"] where parameters.values(for: name).count > 1 {
            return Self.badRequest("\(name) is repeated")
        }
        // §4.1.2.1: with a missing/unknown client or a bad redirect_uri, never redirect.
        guard let clientID = parameters["client_id"], !clientID.isEmpty else { return Self.badRequest("client_id is missing") }
        guard let client = profile.client(id: clientID) else { return Self.badRequest("unknown client_id") }
        let redirectURI: String
        if let requested = parameters["redirect_uri"] {
            guard client.redirectURIs.contains(where: { Self.redirectURIMatches(registered: $0, requested: requested) }) else {
                return Self.badRequest("redirect_uri is not registered for this client")
            }
            redirectURI = requested
        } else {
            guard client.redirectURIs.count == 1 else { return Self.badRequest("redirect_uri is required: the client has several") }
            redirectURI = client.redirectURIs[0]
        }
        let state = parameters["state"]
        func fail(_ error: String, _ description: String) -> TransportResponse {
            Self.redirect(redirectURI, ["error": error, "error_description": description, "state": state])
        }
        for name in ["response_type", "scope", "state", "code_challenge", "code_challenge_method"] where parameters.values(for: name).count > 1 {
            return fail("invalid_request", "\(name) is repeated")
        }
        guard let responseType = parameters["response_type"] else { return fail("invalid_request", "response_type is missing") }
        guard responseType == "code" else { return fail("unsupported_response_type", "only response_type=code is supported") }
        let scope = parameters["scope"].map { $0.split(separator: " ").map(String.init) } ?? profile.defaultScope
        if !profile.scopes.isEmpty, let unknown = scope.first(where: { !profile.scopes.contains($0) }) {
            return fail("invalid_scope", "unknown scope \(unknown)")
        }
        let challenge = parameters["code_challenge"]
        var challengeMethod: String?
        if let challenge {
            let method = parameters["code_challenge_method"] ?? "plain"  // RFC 7636 §4.3 default
            guard profile.pkce.methods.contains(method) else {
                return fail("invalid_request", "code_challenge_method \(method) is not supported")
            }
            guard (43...128).contains(challenge.utf8.count), challenge.utf8.allSatisfy(PercentEncoding.isUnreserved) else {
                return fail("invalid_request", "code_challenge must be 43-128 unreserved characters")
            }
            challengeMethod = method
        } else if profile.pkce.required || client.requirePKCE {
            return fail("invalid_request", "code_challenge is required (PKCE)")
        }
        guard submitted else {
            return consentPage(parameters: parameters, client: client, scope: scope)
        }
        switch parameters["decision"] {
        case "approve":
            var sub = parameters["user"] ?? profile.users[0].sub
            if profile.loginForm {
                guard let username = parameters["username"], let user = profile.user(sub: username), let expected = user.password,
                    let password = parameters["password"], constantTimeEquals(expected, password)
                else { return Self.json(401, ["error": "login_failed", "error_description": "wrong username or password"]) }
                sub = user.sub
            }
            guard profile.user(sub: sub) != nil else { return Self.badRequest("unknown user") }
            let code = SecureRandom.token(bytes: 24)
            let grant = ProviderState.CodeGrant(
                clientID: clientID, redirectURI: parameters["redirect_uri"], sub: sub, scope: scope, challenge: challenge,
                challengeMethod: challengeMethod, nonce: parameters["nonce"], expiresAt: clock.now().addingTimeInterval(profile.codeLifetime), redeemed: false,
                issuedTokens: [])
            store.withStorage { $0.codes[code] = grant }
            return Self.redirect(redirectURI, ["code": code, "state": state])
        case "deny":
            return fail("access_denied", "the user denied the request")
        default:
            return Self.badRequest("decision must be approve or deny")
        }
    }

    /// Exact match, except that the port of a loopback IP redirect URI may differ
    /// (RFC 8252 §7.3), so native clients can listen on any free port.
    static func redirectURIMatches(registered: String, requested: String) -> Bool {
        if registered == requested { return true }
        guard var a = URLComponents(string: registered), var b = URLComponents(string: requested),
            a.scheme == "http", b.scheme == "http", ["127.0.0.1", "[::1]", "::1"].contains(a.host ?? "")
        else { return false }
        a.port = nil
        b.port = nil
        return a == b
    }

    func consentPage(parameters: FormParameters, client: ProviderProfile.Client, scope: [String]) -> TransportResponse {
        ConsentPage.render(
            profile: profile, clientID: client.clientID, detail: "Scope: " + scope.joined(separator: " "), action: profile.endpoints.authorize,
            hidden: parameters.filter { !["decision", "user", "username", "password"].contains($0.name) })
    }
}
