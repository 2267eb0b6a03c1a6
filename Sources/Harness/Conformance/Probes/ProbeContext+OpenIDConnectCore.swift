import Foundation
import MockProviders
import OAuth2
import OAuthCore
import OpenIDConnect

// OpenID Connect Core 1.0, as the OpenID Foundation's Basic OP certification plan tests it: one
// probe per module (same name, same pass condition), over a login that validates the ID token
// as a careful RP does. A module whose verdict needs a person to look at a page is `skipped`
// with that reason, never passed.
extension ProbeContext {
    struct OpenIDLogin: Sendable {
        var answer: TokenAnswer
        var claims: IDTokenClaims
        var idToken: String
        var request: Authorization
    }

    var issuer: String? { endpoints.metadata?["issuer"]?.stringValue }

    /// The ID token validated as a careful RP does: signature from the JWKS, iss, aud, exp,
    /// iat, nonce, at_hash.
    func validateIDToken(
        _ token: String,
        nonce: String?,
        accessToken: String?,
        client: ProviderFile.Client? = nil
    ) async throws(CheckFailure)
        -> IDTokenClaims
    {
        guard let issuer, let jwks = endpoints.jwks else { throw CheckFailure(reason: "the discovery document names no issuer or jwks_uri") }
        let client = client ?? file.client
        let options = IDTokenValidationOptions(issuer: issuer, clientID: client.clientID, clientSecret: client.clientSecret)
        let validator = IDTokenValidator(options: options, jwks: JWKSCache(url: jwks, transport: transport))
        transport.setStep("id-token")
        do {
            return try await validator.validate(token, nonce: nonce, accessToken: accessToken)
        } catch {
            throw CheckFailure(reason: "the ID token is invalid: \(error.errorDescription ?? error.code.rawValue)")
        }
    }

    /// An OpenID Connect login through the provider's pages (this check's browser), the code
    /// exchange, and the ID token validated.
    mutating func openIDLogin(
        scope: [String]? = nil,
        overrides: [String: String?] = [:],
        client: ProviderFile.Client? = nil,
        method: String = "GET",
        step: String = "login"
    ) async throws(CheckFailure) -> OpenIDLogin {
        let request = authorization(client: client, scope: scope ?? openIDScope, overrides: overrides)
        let code = try await code(request, method: method, step: step)
        let answer = try await exchange(code, request, step: step)
        guard answer.succeeded else { throw CheckFailure(reason: "the code exchange failed: \(Self.describe(answer))") }
        guard let idToken = answer.idToken else { throw CheckFailure(reason: "the token response has no id_token") }
        let claims = try await validateIDToken(idToken, nonce: request.nonce, accessToken: answer.accessToken, client: request.client)
        return OpenIDLogin(answer: answer, claims: claims, idToken: idToken, request: request)
    }

    var openIDScope: [String] { file.scope.contains("openid") ? file.scope : ["openid"] + file.scope }

    var supportedScopes: [String]? { endpoints.advertised("scopes_supported") }

    /// How a UserInfo request carries the access token (OpenID Connect Core §5.3.1, RFC 6750 §2).
    enum UserInfoRequest: String {
        /// GET with `Authorization: Bearer` (RFC 6750 §2.1).
        case get
        /// POST with `Authorization: Bearer` (RFC 6750 §2.1).
        case postHeader = "post-header"
        /// POST with `access_token` in the form body (RFC 6750 §2.2).
        case postBody = "post-body"
    }

    /// UserInfo with the token as the method asks; the claims, or a failure naming what came back.
    func userinfo(_ accessToken: String, method: UserInfoRequest) async throws(CheckFailure) -> [String: JSONValue] {
        guard let url = endpoints.userinfo ?? endpoints.resource else { throw CheckFailure(reason: "no userinfo_endpoint") }
        let request: TransportRequest
        switch method {
        case .postBody:
            request = .form(url, FormParameters([("access_token", accessToken)]), headers: ["User-Agent": Self.userAgent])
        case .postHeader:
            request = TransportRequest(method: "POST", url: url, headers: ["Authorization": "Bearer " + accessToken, "User-Agent": Self.userAgent])
        case .get:
            request = TransportRequest(method: "GET", url: url, headers: ["Authorization": "Bearer " + accessToken, "User-Agent": Self.userAgent])
        }
        let response = try await send(request, step: "userinfo-\(method.rawValue)")
        guard response.status == 200 else { throw CheckFailure(reason: "UserInfo (\(method.rawValue)) answered HTTP \(response.status)") }
        guard case .object(let claims)? = try? JSONValue.parse(response.body) else {
            throw CheckFailure(reason: "UserInfo (\(method.rawValue)) did not answer a JSON object (signed UserInfo is outside the Basic plan)")
        }
        findings.saw(claimsIn: response.body)
        return claims
    }

    mutating func oidccServer() async throws(CheckFailure) -> CheckVerdict {
        let login = try await openIDLogin()
        return .pass("code flow: ID token valid (iss, aud, exp, iat, nonce, signature\(login.claims.claims["at_hash"] != nil ? ", at_hash" : ""))")
    }

    /// oidcc-server-client-secret-post: the code flow with the client authenticated by
    /// client_secret_post at the token endpoint (Core §9), when the provider offers it.
    mutating func oidccServerClientSecretPost() async throws(CheckFailure) -> CheckVerdict {
        guard file.client.clientSecret != nil, file.client.authMethod != .none else { return .skipped("the client is public (no secret to post)") }
        if let methods = endpoints.advertised("token_endpoint_auth_methods_supported"), !methods.contains("client_secret_post") {
            return .skipped("token_endpoint_auth_methods_supported does not list client_secret_post (\(methods.joined(separator: ", ")))")
        }
        var client = file.client
        client.authMethod = .clientSecretPost
        let login = try await openIDLogin(client: client, step: "client-secret-post")
        return .pass("client_secret_post accepted; ID token valid (sub \(login.claims.claims["sub"]?.stringValue == nil ? "absent" : "present"))")
    }

    /// A client registered for this check (OpenID Connect Registration 1.0, RFC 7591) with
    /// `extra` metadata, or the reason the module cannot run; `cleanup` deletes it after.
    mutating func registeredClient(_ extra: [String: JSONValue]) async throws(CheckFailure) -> (ProviderFile.Client, [String: JSONValue])? {
        let key = try planKey()
        return try await registerDynamicClient(dynamicMetadata(extra, key: key), key: key)
    }

    static let noDynamicClient = CheckVerdict.skipped(
        "the module runs with a dynamically registered client: no open registration_endpoint (or give registration_token: in the provider file)"
    )

    /// oidcc-idtoken-signature: a registered client asking for ID tokens signed with the first
    /// asymmetric algorithm the provider lists gets tokens with that alg, whose signature verifies
    /// with the JWKS (Registration §2, Core §3.1.3.7).
    mutating func oidccIDTokenSignature() async throws(CheckFailure) -> CheckVerdict {
        let usable = ["RS256", "ES256", "PS256", "EdDSA"]
        let listed = endpoints.advertised("id_token_signing_alg_values_supported") ?? ["RS256"]
        guard let alg = listed.first(where: usable.contains) else {
            return .skipped("id_token_signing_alg_values_supported lists no algorithm the harness verifies (\(listed.joined(separator: ", ")))")
        }
        guard let (client, members) = try await registeredClient(["id_token_signed_response_alg": .string(alg)]) else { return Self.noDynamicClient }
        let login: OpenIDLogin
        do {
            login = try await openIDLogin(client: client, step: "registered-client-login")
        } catch {
            _ = await deleteRegistration(members)
            return .fail("the client registered with id_token_signed_response_alg \(alg): \(error.reason)")
        }
        _ = await deleteRegistration(members)
        let header = Self.jwsHeader(login.idToken)
        guard header["alg"]?.stringValue == alg else {
            return .fail("the ID token's alg is \(header["alg"]?.stringValue ?? "absent"), not the \(alg) the client registered")
        }
        return .pass("a client registered for \(alg) got \(alg) ID tokens whose signature verifies with the JWKS")
    }

    /// oidcc-idtoken-unsigned: a registered client asking for unsigned ID tokens (`none`, the
    /// code flow only, Core §3.1.3.7) gets them, with the right iss, aud and nonce.
    mutating func oidccIDTokenUnsigned() async throws(CheckFailure) -> CheckVerdict {
        let listed = endpoints.advertised("id_token_signing_alg_values_supported") ?? []
        guard listed.contains("none") else { return .skipped("id_token_signing_alg_values_supported does not list none") }
        guard let (client, members) = try await registeredClient(["id_token_signed_response_alg": .string("none")]) else {
            return Self.noDynamicClient
        }
        let request = authorization(client: client, scope: openIDScope)
        let answer: TokenAnswer
        do {
            let code = try await code(request, step: "registered-client-login")
            answer = try await exchange(code, request, step: "registered-client-login")
        } catch {
            _ = await deleteRegistration(members)
            throw error
        }
        _ = await deleteRegistration(members)
        guard answer.succeeded, let idToken = answer.idToken else { return .fail("the code exchange gave no ID token: \(Self.describe(answer))") }
        let parts = idToken.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, case .object(let header)? = Base64URL.decode(parts[0]).flatMap({ try? JSONValue.parse($0) }),
            case .object(let claims)? = Base64URL.decode(parts[1]).flatMap({ try? JSONValue.parse($0) })
        else { return .fail("the ID token is not a JWT") }
        guard header["alg"]?.stringValue == "none", parts[2].isEmpty else {
            return .fail("the ID token is signed (alg \(header["alg"]?.stringValue ?? "absent")), though the client registered none")
        }
        var problems: [String] = []
        if claims["iss"]?.stringValue != issuer { problems.append("iss is not the issuer") }
        let audience = claims["aud"]?.stringValue.map { [$0] } ?? claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !audience.contains(client.clientID) { problems.append("aud does not name the client") }
        if claims["nonce"]?.stringValue != request.nonce { problems.append("nonce is not the request's") }
        if case .number(let exp)? = claims["exp"], exp.double > Date().timeIntervalSince1970 {} else { problems.append("exp is absent or past") }
        guard problems.isEmpty else { return .fail("the unsigned ID token: " + problems.joined(separator: "; ")) }
        return .pass("a client registered for none got an unsigned ID token (alg none, no signature) with its iss, aud, nonce and exp")
    }

    /// oidcc-ensure-post-request-succeeds: the authorization request sent as a form POST
    /// (Core §3.1.2.1: the authorization endpoint MUST support GET and POST).
    mutating func oidccPostRequest() async throws(CheckFailure) -> CheckVerdict {
        _ = try await openIDLogin(method: "POST", step: "post-request")
        return .pass("the authorization request sent by POST gave a code; ID token valid")
    }

    mutating func oidccResponseTypeMissing() async throws(CheckFailure) -> CheckVerdict {
        let request = authorization(scope: openIDScope, overrides: ["response_type": nil])
        switch try await authorize(request, step: "no-response-type") {
        case .redirected(let parameters, _):
            if parameters["code"] != nil { return .fail("a code was issued for a request without response_type") }
            guard let error = parameters["error"] else { return .fail("redirected back with neither an error nor a code") }
            guard ["invalid_request", "unsupported_response_type"].contains(error) else {
                return .fail("error \(error), expected invalid_request or unsupported_response_type")
            }
            return .pass("redirected with error \(error)")
        case .page(let status, _):
            return .skipped(
                "the provider showed an error page\(status.map { " (HTTP \($0))" } ?? ""); the module asks a person to confirm it from a screenshot"
            )
        }
    }

    mutating func oidccUserinfo(_ method: UserInfoRequest) async throws(CheckFailure) -> CheckVerdict {
        let login = try await openIDLogin()
        guard let access = login.answer.accessToken else { throw CheckFailure(reason: "no access token") }
        let claims = try await userinfo(access, method: method)
        guard claims["sub"]?.stringValue == login.claims.subject else {
            return .fail("the UserInfo sub differs from the ID token's (OpenID Connect Core §5.3.2)")
        }
        return .pass("UserInfo (\(method.rawValue)) answered the ID token's sub with \(claims.keys.sorted().joined(separator: ", "))")
    }

    mutating func oidccWithoutNonce() async throws(CheckFailure) -> CheckVerdict {
        let login = try await openIDLogin(overrides: ["nonce": nil])
        if login.claims.nonce != nil { return .fail("the ID token carries a nonce though the request had none") }
        return .pass("a request without nonce succeeded; the ID token has no nonce")
    }

    mutating func oidccScope(_ scopes: [String], claims expected: [String]) async throws(CheckFailure) -> CheckVerdict {
        if let supported = supportedScopes, let missing = scopes.first(where: { !supported.contains($0) }) {
            return .skipped("scopes_supported does not list \(missing)")
        }
        let login = try await openIDLogin(scope: ["openid"] + scopes)
        var found = login.claims.claims
        if let access = login.answer.accessToken, let info = try? await userinfo(access, method: .get) { found.merge(info) { first, _ in first } }
        let absent = expected.filter { found[$0] == nil }
        if !absent.isEmpty { return .warning("scope \(scopes.joined(separator: " ")) granted, but no \(absent.joined(separator: ", ")) returned") }
        return .pass("\(expected.joined(separator: ", ")) returned for scope \(scopes.joined(separator: " "))")
    }

    mutating func oidccOtherScopeOrder() async throws(CheckFailure) -> CheckVerdict {
        let others = openIDScope.filter { $0 != "openid" }
        let reordered = others.isEmpty ? ["openid"] : others.reversed() + ["openid"]
        _ = try await openIDLogin(scope: reordered)
        return .pass("scope \"\(reordered.joined(separator: " "))\" succeeded")
    }

    /// Modules whose pass condition is "the login with this extra parameter succeeds".
    mutating func oidccSucceeds(with parameters: [String: String?], _ what: String) async throws(CheckFailure) -> CheckVerdict {
        _ = try await openIDLogin(overrides: parameters)
        return .pass("a login with \(what) succeeded and its ID token is valid")
    }

    mutating func oidccPromptLogin() async throws(CheckFailure) -> CheckVerdict {
        let first = try await openIDLogin(step: "first-login")
        try? await Task.sleep(for: .milliseconds(1100))
        let second = try await openIDLogin(overrides: ["prompt": "login"], step: "prompt-login")
        guard second.claims.subject == first.claims.subject else { return .fail("the second login has another sub") }
        guard let before = first.claims.authTime, let after = second.claims.authTime else {
            return .skipped("the ID tokens have no auth_time; a person must confirm that the login page was shown again")
        }
        guard after > before else { return .fail("auth_time did not advance with prompt=login: the user was not re-authenticated") }
        return .pass("re-authenticated: auth_time advanced by \(Int(after.timeIntervalSince(before))) s")
    }

    static let promptNoneErrors: Set<String> = ["login_required", "interaction_required", "consent_required", "account_selection_required"]

    mutating func oidccPromptNoneNotLoggedIn() async throws(CheckFailure) -> CheckVerdict {
        let request = authorization(scope: openIDScope, overrides: ["prompt": "none"])
        switch try await authorize(request, step: "prompt-none") {
        case .redirected(let parameters, _):
            if parameters["code"] != nil { return .fail("a code was issued with prompt=none to a browser with no session") }
            guard let error = parameters["error"], Self.promptNoneErrors.contains(error) else {
                return .fail("error \(parameters["error"] ?? "none"), expected login_required or another OpenID Connect Core §3.1.2.6 error")
            }
            guard parameters["state"] == request.state else { return .fail("the error redirect lost the state") }
            return .pass("redirected with error \(error) and the state")
        case .page(let status, let reason):
            return .fail("prompt=none showed a page\(status.map { " (HTTP \($0))" } ?? "") instead of redirecting: \(reason)")
        }
    }

    mutating func oidccPromptNoneLoggedIn() async throws(CheckFailure) -> CheckVerdict {
        let first = try await openIDLogin(step: "first-login")
        let second: OpenIDLogin
        do {
            second = try await openIDLogin(overrides: ["prompt": "none"], step: "prompt-none")
        } catch {
            return .fail("prompt=none with a signed-in browser: \(error.reason)")
        }
        guard second.claims.subject == first.claims.subject else { return .fail("prompt=none answered for another sub") }
        return .pass("a signed-in browser got a code at once with prompt=none; same sub")
    }

    mutating func oidccMaxAge(_ seconds: Int) async throws(CheckFailure) -> CheckVerdict {
        let first = try await openIDLogin(step: "first-login")
        if seconds == 1 { try? await Task.sleep(for: .milliseconds(1600)) }
        let second = try await openIDLogin(overrides: ["max_age": String(seconds)], step: "max-age-\(seconds)")
        guard let after = second.claims.authTime else {
            return .fail("no auth_time in the ID token though max_age was sent (OpenID Connect Core §2)")
        }
        if seconds == 1 {
            guard let before = first.claims.authTime else { return .fail("the first ID token has no auth_time") }
            guard after > before else { return .fail("auth_time did not advance: max_age=1 did not re-authenticate the user") }
            return .pass("re-authenticated after max_age elapsed; auth_time advanced")
        }
        return .pass("max_age=\(seconds) within the session: auth_time present")
    }

    mutating func oidccIDTokenHint() async throws(CheckFailure) -> CheckVerdict {
        let first = try await openIDLogin(step: "first-login")
        let second = try await openIDLogin(overrides: ["prompt": "none", "id_token_hint": first.idToken], step: "id-token-hint")
        guard second.claims.subject == first.claims.subject else { return .fail("the hinted login answered for another sub") }
        return .pass("prompt=none with id_token_hint succeeded for the same sub")
    }

    mutating func oidccCodeReuse(wait: TimeInterval) async throws(CheckFailure) -> CheckVerdict {
        let request = authorization(scope: openIDScope)
        let code = try await code(request)
        let first = try await exchange(code, request, step: "first-exchange")
        guard first.succeeded, let access = first.accessToken else {
            throw CheckFailure(reason: "the first exchange failed: \(Self.describe(first))")
        }
        if wait > 0 {
            note("waiting \(Int(wait)) s before reusing the code")
            try? await Task.sleep(for: .seconds(wait))
        }
        let second = try await exchange(code, request, step: "reuse")
        if second.succeeded { return .fail("the code was exchanged a second time") }
        let verdict = judgeError(second, expected: ["invalid_grant"])
        guard case .pass = verdict else { return verdict }
        if let url = endpoints.userinfo ?? endpoints.resource {
            let response = try await get(url, headers: ["Authorization": "Bearer " + access], step: "first-token-after-reuse")
            if response.status == 200 {
                return .warning("reuse refused, but the token issued for the code still works (RFC 6749 §4.1.2 SHOULD revoke it)")
            }
        }
        return .pass("reuse refused (invalid_grant); the token from the first exchange no longer works")
    }

    mutating func oidccRegisteredRedirectURI() async throws(CheckFailure) -> CheckVerdict {
        let request = authorization(scope: openIDScope, overrides: ["redirect_uri": "https://unregistered.oauth-harness.invalid/callback"])
        switch try await authorize(request, step: "unregistered-redirect-uri") {
        case .redirected:
            return .fail("the provider redirected to an unregistered redirect_uri")
        case .page(let status, _):
            return .skipped(
                "no redirect; an error page\(status.map { " (HTTP \($0))" } ?? "") was shown, which the module asks a person to confirm from a screenshot"
            )
        }
    }

    /// An unsigned request object (`alg: none`) carrying `members`.
    func unsignedRequestObject(_ members: [String: String]) -> String {
        var claims: [String: JSONValue] = members.mapValues { .string($0) }
        claims["iss"] = .string(file.client.clientID)
        if let issuer { claims["aud"] = .string(issuer) }
        let header = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8))
        return header + "." + Base64URL.encode(JSONValue.object(claims).jsonBytes) + "."
    }

    /// An authorization whose state, nonce and redirect_uri travel in an unsigned request object
    /// (only response_type, client_id, scope and, when asked, redirect_uri stay in the query).
    func requestObjectAuthorization(redirectURIInQuery: Bool) -> Authorization {
        let state = SecureRandom.token(bytes: 12)
        let nonce = SecureRandom.token(bytes: 12)
        let client = file.client
        var members = [
            "response_type": "code", "client_id": client.clientID, "redirect_uri": client.redirectURI, "scope": openIDScope.joined(separator: " "),
            "state": state, "nonce": nonce,
        ]
        // The plan's response mode travels in the object too (RFC 9101 §6.3: only its parameters count).
        if let responseMode { members["response_mode"] = responseMode }
        let object = unsignedRequestObject(members)
        var overrides: [String: String?] = ["state": nil, "nonce": nil, "request": object]
        if !redirectURIInQuery { overrides["redirect_uri"] = .some(nil) }
        var request = authorization(pkce: nil, scope: openIDScope, overrides: overrides)
        request.state = state
        request.nonce = nonce
        return request
    }

    /// Whether the provider takes unsigned request objects: the provider file says so, else it
    /// advertises `request_parameter_supported` and does not list its request-object algorithms
    /// without `none` (Discovery §3: an OP that lists them may refuse what is not listed).
    var requestObjectsSupported: Bool {
        if let expected = file.expect.requestObjects { return expected }
        guard endpoints.metadata?["request_parameter_supported"] == .bool(true) else { return false }
        return endpoints.advertised("request_object_signing_alg_values_supported")?.contains("none") ?? true
    }

    mutating func oidccUnsignedRequestObject() async throws(CheckFailure) -> CheckVerdict {
        let request = requestObjectAuthorization(redirectURIInQuery: true)
        let (state, nonce) = (request.state, request.nonce)
        switch try await authorize(request, step: "unsigned-request-object") {
        case .page(let status, _):
            return .skipped("an error page\(status.map { " (HTTP \($0))" } ?? ""); the module asks a person to confirm it from a screenshot")
        case .redirected(let parameters, _):
            if let error = parameters["error"] {
                guard !requestObjectsSupported else { return .fail("request objects are advertised, but an unsigned one was refused: \(error)") }
                guard ["request_not_supported", "invalid_request_object", "invalid_request"].contains(error) else {
                    return .fail("refused with error \(error), expected request_not_supported")
                }
                return .pass("rejected as unsupported: error \(error)")
            }
            guard let code = parameters["code"] else { return .fail("redirected with neither a code nor an error") }
            guard parameters["state"] == state else {
                return .fail("a code came back without the request object's state: the request object was ignored")
            }
            let answer = try await exchange(code, request, verifier: .some(nil), step: "unsigned-request-object")
            guard answer.succeeded, let idToken = answer.idToken else { return .fail("the code exchange failed: \(Self.describe(answer))") }
            _ = try await validateIDToken(idToken, nonce: nonce, accessToken: answer.accessToken)
            return .pass("supported: the request object's state and nonce came back")
        }
    }

    /// oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported (Core §6.2):
    /// the unsigned request object served by the harness on loopback, its URL sent as
    /// request_uri; the provider fetches and honours it, or answers request_uri_not_supported.
    mutating func oidccRequestURIUnsigned() async throws(CheckFailure) -> CheckVerdict {
        guard let host = endpoints.authorize.flatMap({ URLReference($0).host }), LoopbackHost.contains(host) else {
            return .skipped("the provider is not on this machine: it cannot fetch a request object the harness serves on loopback")
        }
        let supported = endpoints.metadata?["request_uri_parameter_supported"] != .bool(false)
        var request = requestObjectAuthorization(redirectURIInQuery: true)
        let object = request.parameters.first { $0.0 == "request" }!.1
        let outcome = try await hosting { context, documents throws(CheckFailure) in
            let uri = documents.host("request-object.jwt", type: "application/oauth-authz-req+jwt", body: Array(object.utf8))
            request.parameters = request.parameters.filter { $0.0 != "request" } + [("request_uri", uri)]
            context.note("the unsigned request object is served at \(uri)")
            return try await context.authorize(request, step: "request-uri")
        }
        switch outcome {
        case .page(let status, _):
            return .skipped("an error page\(status.map { " (HTTP \($0))" } ?? ""); the module asks a person to confirm it from a screenshot")
        case .redirected(let parameters, _):
            if let error = parameters["error"] {
                guard error == "request_uri_not_supported" else {
                    return .fail("refused with error \(error), expected request_uri_not_supported (§6.2)")
                }
                guard !supported else {
                    return .fail("request_uri_not_supported, though request_uri_parameter_supported is absent or true (Discovery §3)")
                }
                return .pass("rejected as unsupported: error request_uri_not_supported, as the metadata says")
            }
            guard let code = parameters["code"] else { return .fail("redirected with neither a code nor an error") }
            guard parameters["state"] == request.state else {
                return .fail("a code came back without the request object's state: the request_uri was ignored")
            }
            let answer = try await exchange(code, request, verifier: .some(nil), step: "request-uri")
            guard answer.succeeded, let idToken = answer.idToken else { return .fail("the code exchange failed: \(Self.describe(answer))") }
            _ = try await validateIDToken(idToken, nonce: request.nonce, accessToken: answer.accessToken)
            return .pass("supported: the provider fetched the request object; its state and nonce came back")
        }
    }

    mutating func oidccRequestObjectWithRedirectURI() async throws(CheckFailure) -> CheckVerdict {
        guard requestObjectsSupported else {
            return .skipped("unsigned request objects are not supported (request_parameter_supported is not true, or alg none is not listed)")
        }
        let request = requestObjectAuthorization(redirectURIInQuery: false)
        let nonce = request.nonce
        let code = try await code(request, step: "request-object-redirect-uri")
        let answer = try await exchange(code, request, verifier: .some(nil), step: "request-object-redirect-uri")
        guard answer.succeeded, let idToken = answer.idToken else { return .fail("the code exchange failed: \(Self.describe(answer))") }
        _ = try await validateIDToken(idToken, nonce: nonce, accessToken: answer.accessToken)
        return .pass("the redirect_uri in the request object was used")
    }

    mutating func oidccClaimsEssential() async throws(CheckFailure) -> CheckVerdict {
        let claims = #"{"userinfo":{"name":{"essential":true}}}"#
        let login = try await openIDLogin(overrides: ["claims": claims])
        guard let access = login.answer.accessToken else { throw CheckFailure(reason: "no access token") }
        let info = try await userinfo(access, method: .get)
        guard info["name"] != nil else { return .warning("the essential claim name was not returned in UserInfo") }
        return .pass("the essential claim name was returned in UserInfo")
    }

    mutating func oidccRefreshToken() async throws(CheckFailure) -> CheckVerdict {
        if let grants = endpoints.advertised("grant_types_supported"), !grants.contains("refresh_token") {
            return .skipped("grant_types_supported does not list refresh_token")
        }
        let login = try await openIDLogin()
        guard let refresh = login.answer.refreshToken else {
            if file.expect.refreshTokens == true { return .fail("no refresh_token was issued") }
            return .skipped("no refresh token issued (offline_access may be needed)")
        }
        let answer = try await tokenRequest([("grant_type", "refresh_token"), ("refresh_token", refresh)], step: "refresh")
        findings.refreshed(refresh, answer: answer)
        guard answer.succeeded else { return .fail("the refresh failed: \(Self.describe(answer))") }
        if let idToken = answer.idToken {
            let claims = try await validateIDToken(idToken, nonce: nil, accessToken: answer.accessToken)
            guard claims.subject == login.claims.subject, claims.issuer == login.claims.issuer, claims.audience == login.claims.audience else {
                return .fail("the refreshed ID token's iss, sub or aud differ from the original (OpenID Connect Core §12.2)")
            }
            return .pass("refreshed; the new ID token has the same iss, sub and aud")
        }
        return .pass("refreshed (no new ID token)")
    }
}
