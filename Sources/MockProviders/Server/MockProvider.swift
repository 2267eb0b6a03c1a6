import Foundation
import OAuth2
import OAuthCore

/// The endpoint logic of a mock OAuth 2 provider, independent of any HTTP server:
/// `handle(_:)` takes a request (path and query in `url`) and returns the response.
/// `MockProviderServer` puts it on a loopback port; tests may call it directly.
///
/// Behaviour follows RFC 6749 (§4.1 authorization code grant, §5.2 errors), RFC 6750 (§3
/// WWW-Authenticate) and RFC 7636 (PKCE), strictly: the mock is the reference that the
/// quirk profiles deviate from.
public final class MockProvider: Sendable {
    public let profile: ProviderProfile
    public let clock: any OAuthClock
    let store = ProviderState()
    static let maxBodyBytes = 64 * 1024

    public init(profile: ProviderProfile, clock: any OAuthClock = SystemClock()) {
        self.profile = profile
        self.clock = clock
    }

    public func handle(_ request: TransportRequest) -> TransportResponse {
        let (path, query) = Self.split(request.url)
        let endpoints = profile.endpoints
        switch (request.method, path) {
        case ("GET", endpoints.authorize):
            return authorize(parameters: query, submitted: false)
        case ("POST", endpoints.authorize):
            guard let form = formBody(request) else { return Self.badRequest("the body must be application/x-www-form-urlencoded") }
            return authorize(parameters: form, submitted: true)
        case ("POST", endpoints.token):
            return token(request)
        case ("GET", endpoints.resource), ("POST", endpoints.resource):
            return resource(request)
        case (_, endpoints.authorize), (_, endpoints.token), (_, endpoints.resource):
            return Self.json(405, ["error": "invalid_request", "error_description": "method \(request.method) not allowed here"])
        default:
            return Self.json(404, ["error": "not_found", "error_description": "no endpoint at \(path)"])
        }
    }

    static func split(_ url: String) -> (path: String, query: FormParameters?) {
        var target = Substring(url)
        if let schemeEnd = target.range(of: "://") {
            target = target[schemeEnd.upperBound...]
            target = target.firstIndex(of: "/").map { target[$0...] } ?? "/"
        }
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        guard let mark = target.firstIndex(of: "?") else { return (String(target), FormParameters()) }
        let query = try? FormParameters(parsing: target[target.index(after: mark)...])
        return (String(target[..<mark]), query)
    }

    func formBody(_ request: TransportRequest) -> FormParameters? {
        guard let type = request.headers["Content-Type"]?.lowercased(), type.hasPrefix("application/x-www-form-urlencoded") else {
            return nil
        }
        return try? FormParameters(parsing: String(decoding: request.body, as: UTF8.self))
    }

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
            let sub = parameters["user"] ?? profile.users[0].sub
            guard profile.user(sub: sub) != nil else { return Self.badRequest("unknown user") }
            let code = SecureRandom.token(bytes: 24)
            let grant = ProviderState.CodeGrant(
                clientID: clientID, redirectURI: parameters["redirect_uri"], sub: sub, scope: scope, challenge: challenge,
                challengeMethod: challengeMethod, expiresAt: clock.now().addingTimeInterval(profile.codeLifetime), redeemed: false,
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
        let hidden = parameters.filter { $0.name != "decision" && $0.name != "user" }
            .map { "<input type=\"hidden\" name=\"\(Self.html($0.name))\" value=\"\(Self.html($0.value))\">" }
            .joined(separator: "\n")
        let options = profile.users.map { "<option value=\"\(Self.html($0.sub))\">\(Self.html($0.claims["name"] ?? $0.sub))</option>" }
            .joined()
        let page = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(Self.html(profile.name)): authorize \(Self.html(client.clientID))</title></head>
            <body>
            <h1>\(Self.html(client.clientID)) asks for access</h1>
            <p>Scope: \(Self.html(scope.joined(separator: " ")))</p>
            <form method="post" action="\(Self.html(profile.endpoints.authorize))">
            \(hidden)
            <label>Sign in as <select name="user">\(options)</select></label>
            <button type="submit" name="decision" value="approve">Approve</button>
            <button type="submit" name="decision" value="deny">Deny</button>
            </form>
            </body></html>
            """
        return TransportResponse(
            status: 200, headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"], body: Array(page.utf8))
    }

    // MARK: Token endpoint (RFC 6749 §3.2, §4.1.3, §5)

    func token(_ request: TransportRequest) -> TransportResponse {
        guard let form = formBody(request) else {
            return Self.tokenError(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        }
        for pair in form where form.values(for: pair.name).count > 1 {
            return Self.tokenError(400, "invalid_request", "\(pair.name) is repeated")
        }
        let client: ProviderProfile.Client
        switch authenticateClient(request, form: form) {
        case .success(let authenticated): client = authenticated
        case .failure(let failure): return failure.response
        }
        switch form["grant_type"] {
        case nil:
            return Self.tokenError(400, "invalid_request", "grant_type is missing")
        case "authorization_code":
            return exchangeCode(form: form, client: client)
        case let other?:
            return Self.tokenError(400, "unsupported_grant_type", "grant_type \(other) is not supported")
        }
    }

    struct ClientAuthFailure: Error {
        let response: TransportResponse
    }

    /// RFC 6749 §2.3: exactly one authentication method per request; a failure is
    /// `invalid_client` with 401 and a `WWW-Authenticate` challenge.
    func authenticateClient(_ request: TransportRequest, form: FormParameters) -> Result<ProviderProfile.Client, ClientAuthFailure> {
        func invalid(_ description: String) -> Result<ProviderProfile.Client, ClientAuthFailure> {
            var response = Self.tokenError(401, "invalid_client", description)
            response.headers["WWW-Authenticate"] = "Basic realm=\"\(profile.name)\""
            return .failure(ClientAuthFailure(response: response))
        }
        var method: String
        var clientID: String
        var secret: String?
        if let authorization = request.headers["Authorization"] {
            guard authorization.lowercased().hasPrefix("basic ") else { return invalid("unsupported Authorization scheme") }
            if form["client_secret"] != nil {
                return .failure(ClientAuthFailure(response: Self.tokenError(400, "invalid_request", "more than one client authentication method")))
            }
            guard let data = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":"),
                let id = try? PercentEncoding.decode(pair[..<colon], plusAsSpace: true),
                let password = try? PercentEncoding.decode(pair[pair.index(after: colon)...], plusAsSpace: true)
            else { return invalid("malformed Basic credentials") }
            if let bodyID = form["client_id"], bodyID != id { return invalid("client_id in the body differs from the Basic credentials") }
            method = "client_secret_basic"
            clientID = id
            secret = password
        } else if let id = form["client_id"] {
            clientID = id
            secret = form["client_secret"]
            method = secret == nil ? "none" : "client_secret_post"
        } else {
            return invalid("no client authentication")
        }
        guard let client = profile.client(id: clientID) else { return invalid("unknown client") }
        guard client.authMethods.contains(method) else { return invalid("client authentication method \(method) is not allowed for this client") }
        if method != "none" {
            guard let expected = client.clientSecret, let secret, constantTimeEquals(expected, secret) else {
                return invalid("client authentication failed")
            }
        }
        return .success(client)
    }

    func exchangeCode(form: FormParameters, client: ProviderProfile.Client) -> TransportResponse {
        guard let code = form["code"], !code.isEmpty else { return Self.tokenError(400, "invalid_request", "code is missing") }
        let now = clock.now()
        enum Outcome {
            case failure(String)
            case success(ProviderState.CodeGrant)
        }
        let outcome: Outcome = store.withStorage { storage in
            guard var grant = storage.codes[code] else { return .failure("the authorization code is invalid") }
            if grant.redeemed {
                // A replayed code: revoke what it produced (RFC 6749 §4.1.2, §10.5).
                for token in grant.issuedTokens {
                    storage.accessTokens[token]?.revoked = true
                    storage.refreshTokens[token]?.revoked = true
                }
                return .failure("the authorization code was already used")
            }
            guard grant.clientID == client.clientID else { return .failure("the authorization code was issued to another client") }
            guard now < grant.expiresAt else { return .failure("the authorization code has expired") }
            if let registered = grant.redirectURI, form["redirect_uri"] != registered {
                return .failure("redirect_uri does not match the authorization request")
            }
            if let challenge = grant.challenge {
                guard let verifier = form["code_verifier"] else { return .failure("code_verifier is missing (PKCE)") }
                guard let method = PKCE.Method(parameter: grant.challengeMethod ?? "plain"),
                    PKCE.verify(verifier: verifier, challenge: challenge, method: method)
                else {
                    return .failure("code_verifier does not match the code_challenge (PKCE)")
                }
            } else if form["code_verifier"] != nil {
                return .failure("code_verifier sent but no code_challenge was in the authorization request")
            }
            grant.redeemed = true
            storage.codes[code] = grant
            return .success(grant)
        }
        switch outcome {
        case .failure(let description):
            return Self.tokenError(400, "invalid_grant", description)
        case .success(let grant):
            return issueTokens(clientID: client.clientID, sub: grant.sub, scope: grant.scope, now: now, fromCode: code)
        }
    }

    func issueTokens(clientID: String, sub: String, scope: [String], now: Date, fromCode code: String?) -> TransportResponse {
        let accessToken = SecureRandom.token(bytes: 32)
        let refreshToken = profile.issueRefreshToken ? SecureRandom.token(bytes: 32) : nil
        let expiresAt = now.addingTimeInterval(profile.accessTokenLifetime)
        store.withStorage { storage in
            storage.accessTokens[accessToken] = .init(clientID: clientID, sub: sub, scope: scope, expiresAt: expiresAt, revoked: false)
            if let refreshToken {
                storage.refreshTokens[refreshToken] = .init(clientID: clientID, sub: sub, scope: scope, expiresAt: nil, revoked: false)
            }
            if let code { storage.codes[code]?.issuedTokens += [accessToken] + (refreshToken.map { [$0] } ?? []) }
        }
        var body: [String: JSONValue] = [
            "access_token": .string(accessToken), "token_type": .string("Bearer"),
            "expires_in": .number(profile.accessTokenLifetime.rounded()), "scope": .string(scope.joined(separator: " ")),
        ]
        if let refreshToken { body["refresh_token"] = .string(refreshToken) }
        return Self.json(200, body)
    }

    // MARK: Protected resource (RFC 6750)

    func resource(_ request: TransportRequest) -> TransportResponse {
        let realm = "Bearer realm=\"\(profile.name)\""
        guard let authorization = request.headers["Authorization"], authorization.lowercased().hasPrefix("bearer ") else {
            // §3.1: a request without credentials gets a challenge without an error code.
            return TransportResponse(status: 401, headers: ["WWW-Authenticate": realm, "Content-Type": "application/json"], body: Array(#"{"error":"unauthorized"}"#.utf8))
        }
        let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let now = clock.now()
        let grant = store.withStorage { $0.accessTokens[token] }
        let problem: String? =
            switch grant {
            case nil: "the access token is invalid"
            case let grant? where grant.revoked: "the access token was revoked"
            case let grant? where grant.expiresAt.map { now >= $0 } ?? false: "the access token expired"
            default: nil
            }
        if let problem {
            var response = Self.json(401, ["error": "invalid_token", "error_description": problem])
            response.headers["WWW-Authenticate"] = "\(realm), error=\"invalid_token\", error_description=\"\(problem)\""
            return response
        }
        guard let grant, let user = profile.user(sub: grant.sub) else { return Self.json(500, ["error": "server_error"]) }
        var claims = user.claims.mapValues(JSONValue.string)
        claims["sub"] = .string(user.sub)
        claims["client_id"] = .string(grant.clientID)
        claims["scope"] = .string(grant.scope.joined(separator: " "))
        return Self.json(200, claims)
    }

    // MARK: Helpers

    static func json(_ status: Int, _ members: [String: JSONValue]) -> TransportResponse {
        TransportResponse(
            status: status,
            headers: ["Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"],
            body: Array(JSONValue.object(members).jsonText.utf8))
    }

    static func json(_ status: Int, _ members: [String: String]) -> TransportResponse {
        json(status, members.mapValues(JSONValue.string))
    }

    static func tokenError(_ status: Int, _ error: String, _ description: String) -> TransportResponse {
        json(status, ["error": error, "error_description": description])
    }

    /// An error that must not be redirected (RFC 6749 §4.1.2.1): shown to the user as 400.
    static func badRequest(_ description: String) -> TransportResponse {
        json(400, ["error": "invalid_request", "error_description": description])
    }

    static func redirect(_ base: String, _ parameters: [String: String?]) -> TransportResponse {
        var query = FormParameters()
        for key in ["code", "error", "error_description", "state"] { query.append(key, parameters[key] ?? nil) }
        let separator = base.contains("?") ? "&" : "?"
        return TransportResponse(status: 302, headers: ["Location": base + separator + query.queryEncoded, "Cache-Control": "no-store"])
    }

    static func html(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
