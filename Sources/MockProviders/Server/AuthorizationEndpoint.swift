import Foundation
import OAuthCore

extension MockProvider {
    // MARK: Authorization endpoint (RFC 6749 §4.1.1–4.1.2)

    func authorize(parameters incoming: FormParameters?, submitted: Bool, cookie: String? = nil, issuer: String = "") -> TransportResponse {
        guard let incoming else { return Self.badRequest("the query string is malformed") }
        // RFC 9126 §4 and RFC 9101 §6: a pushed request or a request object stands for the query.
        let resolved: ResolvedRequest
        switch resolveAuthorizationRequest(incoming, issuer: issuer) {
        case .success(let found): resolved = found
        case .failure(let problem): return refusedBeforeResolving(incoming, problem, issuer: issuer)
        }
        let parameters = resolved.parameters
        // The pages post back what came in (a request_uri is resolved again each time).
        let hidden = incoming.filter { !Self.loginFields.contains($0.name) }
        for name in ["client_id", "redirect_uri"] where parameters.values(for: name).count > 1 {
            return Self.badRequest("\(name) is repeated")
        }
        // §4.1.2.1: with a missing/unknown client or a bad redirect_uri, never redirect.
        guard let clientID = parameters["client_id"], !clientID.isEmpty else { return Self.badRequest("client_id is missing") }
        guard let client = self.client(id: clientID) else { return Self.badRequest("unknown client_id") }
        let redirectURI: String
        switch Self.registeredRedirect(parameters["redirect_uri"], of: client, mode: evilMode) {
        case .success(let uri): redirectURI = uri
        case .failure(let problem): return Self.badRequest(problem.message)
        }
        let state = parameters["state"]
        let iss = responseIssuer(issuer)
        // OAuth 2.0 Form Post Response Mode; the evil mode answers in the query regardless.
        let formPost = parameters["response_mode"] == "form_post" && evilMode != .formPostIgnored
        func fail(_ error: String, _ description: String) -> TransportResponse {
            Self.redirect(redirectURI, ["error": error, "error_description": description, "state": state, "iss": iss], formPost: formPost)
        }
        if let mode = parameters["response_mode"], !Self.responseModes.contains(mode) {
            return fail("invalid_request", "response_mode \(mode) is not supported (response_modes_supported: query, form_post)")
        }
        let valid: ValidRequest
        switch validated(parameters, client: client) {
        case .success(let checked): valid = checked
        case .failure(let problem): return fail(problem.error, problem.description)
        }
        let scope = valid.scope
        func issue(_ sub: String) -> TransportResponse {
            let code = issueCode(parameters, valid, clientID: clientID, sub: sub, requestURI: resolved.requestURI)
            return Self.redirect(redirectURI, ["code": code, "state": state, "iss": iss], formPost: formPost)
        }
        // §3.1.2.1 prompt=none: a code at once for a signed-in browser, else login_required; never a page.
        if parameters["prompt"]?.split(separator: " ").contains("none") == true {
            let id = cookie.flatMap(Self.cookieValue) ?? ""
            guard let sub = store.withStorage({ $0.sessions[id]?.sub }) else {
                return fail("login_required", "prompt=none and the browser has no session")
            }
            return issue(sub)
        }
        // A decision made beforehand (`/_harness/next-decision`, `auto_approve`): no page.
        let forced = store.withStorage { storage -> String? in
            defer { storage.nextDecision = nil }
            return storage.nextDecision
        }
        if forced == "deny" { return fail("access_denied", "the user denied the request") }
        if profile.autoApprove || forced == "approve" {
            return issue(parameters["login_hint"].flatMap { profile.user(sub: $0) }?.sub ?? profile.users[0].sub)
        }
        if let login = profile.login {
            return loginPages(
                login,
                parameters: parameters,
                hidden: hidden,
                submitted: submitted,
                cookie: cookie,
                client: client,
                scope: scope,
                action: profile.endpoints.authorize,
                issue: issue,
                deny: {
                    fail("access_denied", "the user denied the request")
                }
            )
        }
        guard submitted else {
            return consentPage(hidden: hidden, client: client, scope: scope)
        }
        return decide(parameters, issue: issue) { fail("access_denied", "the user denied the request") }
    }

    /// Remembers a new code for the request (its PKCE challenge, nonce, DPoP key, authorization
    /// details) and spends the pushed request it came from.
    func issueCode(_ parameters: FormParameters, _ valid: ValidRequest, clientID: String, sub: String, requestURI: String?) -> String {
        let code = SecureRandom.token(bytes: 24)
        let grant = ProviderState.CodeGrant(
            clientID: clientID,
            redirectURI: parameters["redirect_uri"],
            sub: sub,
            scope: valid.scope,
            challenge: parameters["code_challenge"],
            challengeMethod: valid.challengeMethod,
            nonce: parameters["nonce"],
            expiresAt: clock.now().addingTimeInterval(profile.codeLifetime),
            redeemed: false,
            issuedTokens: [],
            dpopJKT: profile.dpop == nil ? nil : parameters["dpop_jkt"],
            authorizationDetails: valid.authorizationDetails,
            resources: parameters.values(for: "resource")
        )
        store.withStorage { storage in
            storage.codes[code] = grant
            if let uri = requestURI { storage.pushedRequests[uri]?.used = true }
        }
        return code
    }

    /// RFC 9207 `iss` of every authorization response; the mix-up evil mode names another issuer.
    func responseIssuer(_ issuer: String) -> String { evilMode == .mixUpIssuer ? "https://attacker.example" : issuer }

    /// A pushed request or request object refused (RFC 9101 §6.3, RFC 9126 §4): redirected to the
    /// client when the query's client and redirect URI can be trusted (RFC 6749 §4.1.2.1), else
    /// shown as a 400 page.
    func refusedBeforeResolving(_ incoming: FormParameters, _ problem: AuthorizationError, issuer: String) -> TransportResponse {
        guard incoming.firstRepeatedName == nil, let client = incoming["client_id"].flatMap(self.client(id:)),
            case .success(let redirectURI) = Self.registeredRedirect(incoming["redirect_uri"] ?? problem.redirectURI, of: client)
        else { return Self.json(400, ["error": problem.error, "error_description": problem.description]) }
        let iss = responseIssuer(issuer)
        // The state the client sent: in the query, the pushed request, or the (unverified) request
        // object — as untrusted as a query's, and what the client needs to match the answer.
        let state = incoming["state"] ?? problem.state ?? incoming["request"].flatMap(DecodedJWT.init)?.claims["state"]?.stringValue
        return Self.redirect(
            redirectURI,
            ["error": problem.error, "error_description": problem.description, "state": state, "iss": iss],
            formPost: incoming["response_mode"] == "form_post" && evilMode != .formPostIgnored
        )
    }

    /// An error redirected to the client (RFC 6749 §4.1.2.1).
    struct AuthorizationError: Error {
        var error: String
        var description: String
        /// The request's `state` when it was not in the query (a pushed request's, §4.1.2.1).
        var state: String? = nil
        /// The pushed request's `redirect_uri`, checked when it was pushed.
        var redirectURI: String? = nil
    }

    /// What an authorization request asks for, once checked.
    struct ValidRequest {
        var scope: [String]
        var challengeMethod: String?
        /// RFC 9396: the `authorization_details` requested, when the profile takes them.
        var authorizationDetails: JSONValue?
    }

    /// What is wrong with the request itself once the client and redirect URI are known: the
    /// scope granted, the PKCE method and the authorization details when nothing is.
    func validated(_ parameters: FormParameters, client: ProviderProfile.Client) -> Result<ValidRequest, AuthorizationError> {
        // RFC 8707 §2: resource may repeat; nothing else may.
        if let repeated = FormParameters(parameters.filter { $0.name != "resource" }.map { ($0.name, $0.value) }).firstRepeatedName {
            return .failure(.init(error: "invalid_request", description: "\(repeated) is repeated"))
        }
        for resource in parameters.values(for: "resource") where URLReference(resource).scheme == nil || resource.contains("#") {
            return .failure(.init(error: "invalid_target", description: "resource must be an absolute URI without a fragment (RFC 8707 §2)"))
        }
        guard let responseType = parameters["response_type"] else {
            return .failure(.init(error: "invalid_request", description: "response_type is missing"))
        }
        guard responseType == "code" else {
            return .failure(.init(error: "unsupported_response_type", description: "only response_type=code is supported"))
        }
        let scope = parameters["scope"].map { $0.split(separator: " ").map(String.init) } ?? profile.defaultScope
        if !profile.scopes.isEmpty, let unknown = scope.first(where: { !profile.scopes.contains($0) }) {
            return .failure(.init(error: "invalid_scope", description: "unknown scope \(unknown)"))
        }
        let method: String?
        switch pkceChallenge(parameters, client: client) {
        case .success(let found): method = found
        case .failure(let problem): return .failure(.init(error: "invalid_request", description: problem.message))
        }
        // OpenID Connect Core §6.1: request objects are not supported (request_parameter_supported false).
        if parameters["request"] != nil { return .failure(.init(error: "request_not_supported", description: "request objects are not supported")) }
        if parameters["request_uri"] != nil {
            return .failure(.init(error: "request_uri_not_supported", description: "request_uri is not supported"))
        }
        var details: JSONValue?
        if !profile.authorizationDetailsTypes.isEmpty, let text = parameters["authorization_details"] {
            switch checkedAuthorizationDetails(text) {
            case .success(let checked): details = checked
            case .failure(let problem): return .failure(problem)
            }
        }
        return .success(ValidRequest(scope: scope, challengeMethod: method, authorizationDetails: details))
    }

    /// RFC 6749 §3.1.2.3: the redirect URI requested, when registered for the client (RFC 8252
    /// §7.3 port rule), or the client's only one when none is requested.
    static func registeredRedirect(_ requested: String?, of client: ProviderProfile.Client, mode: EvilMode = .none) -> Result<String, MockServerError>
    {
        guard let requested else {
            guard client.redirectURIs.count == 1 || (mode == .redirectURIDefaulted && !client.redirectURIs.isEmpty) else {
                return .failure(MockServerError(message: "redirect_uri is required: the client has several"))
            }
            return .success(client.redirectURIs[0])
        }
        if mode == .redirectURIQueryIgnored {
            // The evil mode: compared and answered without the query.
            let bare = URLReference(requested).withoutQuery
            guard client.redirectURIs.contains(where: { URLReference($0).withoutQuery == bare }) else {
                return .failure(MockServerError(message: "redirect_uri is not registered for this client"))
            }
            return .success(bare)
        }
        guard client.redirectURIs.contains(where: { redirectURIMatches(registered: $0, requested: requested) }) else {
            return .failure(MockServerError(message: "redirect_uri is not registered for this client"))
        }
        return .success(requested)
    }

    /// RFC 7636 §4.3/§4.4.1: the challenge method of a request with a `code_challenge` (`plain`
    /// when absent), `nil` without one, or what is wrong with it.
    func pkceChallenge(_ parameters: FormParameters, client: ProviderProfile.Client) -> Result<String?, MockServerError> {
        guard let challenge = parameters["code_challenge"] else {
            return profile.pkce.required || client.requirePKCE
                ? .failure(MockServerError(message: "code_challenge is required (PKCE)")) : .success(nil)
        }
        let method = parameters["code_challenge_method"] ?? "plain"
        guard let known = ProviderProfile.PKCEMethod(rawValue: method), profile.pkce.methods.contains(known) else {
            return .failure(MockServerError(message: "code_challenge_method \(method) is not supported"))
        }
        guard (43...128).contains(challenge.utf8.count), challenge.utf8.allSatisfy(PercentEncoding.isUnreserved) else {
            return .failure(MockServerError(message: "code_challenge must be 43-128 unreserved characters"))
        }
        return .success(method)
    }

    /// The consent form posted back: `decision=approve` (as `user`, or as the login form's user)
    /// issues a code, `decision=deny` denies.
    func decide(_ parameters: FormParameters, issue: (String) -> TransportResponse, deny: () -> TransportResponse) -> TransportResponse {
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
            var answer = issue(sub)
            // An OpenID provider remembers the approving browser (for prompt=none and id_token_hint).
            if profile.oidc != nil {
                let id = SecureRandom.token(bytes: 24)
                store.withStorage { $0.sessions[id] = ProviderState.LoginSession(csrf: SecureRandom.token(bytes: 16), sub: sub) }
                answer.headers["Set-Cookie"] = "\(Self.sessionCookie)=\(id); Path=/; HttpOnly; SameSite=Lax"
            }
            return answer
        case "deny":
            return deny()
        default:
            return Self.badRequest("decision must be approve or deny")
        }
    }

    /// Exact match, except that the port of a loopback IP redirect URI may differ
    /// (RFC 8252 §7.3), so native clients can listen on any free port.
    static func redirectURIMatches(registered: String, requested: String) -> Bool {
        if registered == requested { return true }
        let a = URLReference(registered)
        let b = URLReference(requested)
        guard a.scheme == "http", b.scheme == "http", a.hasValidAuthority, b.hasValidAuthority, let host = a.host,
            ["127.0.0.1", "[::1]"].contains(host),
            b.host == host, a.authority?.contains("@") == false, b.authority?.contains("@") == false, b.port.map({ (1...65535).contains($0) }) ?? true
        else { return false }
        return a.path == b.path && a.query == b.query && a.fragment == b.fragment
    }

    func consentPage(hidden: [(name: String, value: String)], client: ProviderProfile.Client, scope: [String]) -> TransportResponse {
        ConsentPage.render(
            profile: profile,
            clientID: client.clientID,
            detail: "Scope: " + scope.joined(separator: " "),
            action: profile.endpoints.authorize,
            hidden: hidden,
            links: evilMode == .clientURIsHidden ? "" : ConsentPage.clientLinks(client)
        )
    }

    /// RFC 9396 §2, §5: a JSON array of objects, each with a `type` the profile declares.
    func checkedAuthorizationDetails(_ text: String) -> Result<JSONValue, AuthorizationError> {
        func invalid(_ description: String) -> Result<JSONValue, AuthorizationError> {
            .failure(.init(error: "invalid_authorization_details", description: description))
        }
        guard case .array(let details)? = try? JSONValue.parse(Array(text.utf8)) else {
            return invalid("authorization_details is not a JSON array")
        }
        for (index, detail) in details.enumerated() {
            guard case .object(let members) = detail, let type = members["type"]?.stringValue else {
                return invalid("authorization_details[\(index)] has no string type")
            }
            guard profile.authorizationDetailsTypes.contains(type) else {
                return invalid("authorization_details type \(type) is not supported")
            }
        }
        return .success(.array(details))
    }

    // MARK: Login pages (profile `login:`)

    static let sessionCookie = "mock_session"
    static let loginFields: Set<String> = ["decision", "user", "username", "password", "csrf_token", "login_step"]

    /// The browser-facing login (at `action`: the authorization endpoint, or the device
    /// verification page): a session cookie, a CSRF token bound to it, one or two login
    /// pages (identifier first), then a consent page or the code at once. A wrong password
    /// shows the login page again with a message, as real providers do.
    func loginPages(
        _ login: ProviderProfile.LoginPages,
        parameters: FormParameters,
        hidden: [(name: String, value: String)],
        submitted: Bool,
        cookie: String?,
        client: ProviderProfile.Client,
        scope: [String],
        action: String,
        issue: (String) -> TransportResponse,
        deny: () -> TransportResponse
    ) -> TransportResponse {
        let sessionID = cookie.flatMap(Self.cookieValue) ?? ""
        var session = store.withStorage { $0.sessions[sessionID] }
        var setCookie: String?
        let id: String
        if session == nil {
            id = SecureRandom.token(bytes: 24)
            session = ProviderState.LoginSession(csrf: SecureRandom.token(bytes: 16))
            setCookie = "\(Self.sessionCookie)=\(id); Path=/; HttpOnly; SameSite=Lax"
        } else {
            id = sessionID
        }
        var current = session!
        func page(_ kind: LoginPage.Kind, error: String? = nil) -> TransportResponse {
            store.withStorage { $0.sessions[id] = current }
            var answer = LoginPage.render(
                profile: profile,
                kind: kind,
                clientID: client.clientID,
                scope: scope,
                action: action,
                hidden: hidden,
                csrf: login.csrf ? current.csrf : nil,
                username: current.pendingUsername,
                error: error,
                links: evilMode == .clientURIsHidden ? "" : ConsentPage.clientLinks(client)
            )
            if let setCookie { answer.headers["Set-Cookie"] = setCookie }
            return answer
        }
        let firstPage: LoginPage.Kind = login.pages == .single ? .credentials : .identifier
        guard submitted else {
            guard current.sub != nil else { return page(firstPage) }
            return login.consent ? page(.consent) : issue(current.sub!)
        }
        if login.csrf, !constantTimeEquals(current.csrf, parameters["csrf_token"] ?? "") {
            return TransportResponse(
                status: 403,
                headers: ["Content-Type": "text/html; charset=utf-8"],
                body: Array(
                    "<!doctype html><html><head><title>Forbidden</title></head><body><p>CSRF token missing or incorrect.</p></body></html>".utf8
                )
            )
        }
        switch parameters["login_step"] {
        case "identifier":
            guard let username = parameters["username"], !username.isEmpty else { return page(.identifier, error: "Enter your username.") }
            current.pendingUsername = username
            return page(.password)
        case "password", "credentials":
            let username = parameters["username"] ?? current.pendingUsername ?? ""
            guard let user = profile.user(sub: username), let expected = user.password, constantTimeEquals(expected, parameters["password"] ?? "")
            else {
                current.pendingUsername = nil
                return page(firstPage, error: "Wrong username or password.")
            }
            current.sub = user.sub
            current.pendingUsername = nil
            current.csrf = SecureRandom.token(bytes: 16)  // a new session after login gets a new token
            if login.consent { return page(.consent) }
            store.withStorage { $0.sessions[id] = current }
            return issue(user.sub)
        default:
            guard let sub = current.sub else { return page(firstPage, error: "Sign in first.") }
            switch parameters["decision"] {
            case "approve": return issue(sub)
            case "deny": return deny()
            default: return Self.badRequest("decision must be approve or deny")
            }
        }
    }

    static func cookieValue(_ header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0] == sessionCookie { return pair[1] }
        }
        return nil
    }
}
