import Foundation
import MockProviders
import OAuth2
import OAuthCore
import Synchronization

/// What one check has at hand: the provider, its own transcript (the evidence in the report), a
/// fresh browser, and the findings of the run.
struct ProbeContext: Sendable {
    /// The provider file: its clients, test user, scopes and expectations (in a plan with
    /// dynamically registered clients, the first is the one registered for this check).
    var file: ProviderFile
    /// Where the provider's endpoints are, with its metadata document as sent.
    let endpoints: ProviderEndpoints
    let transport: RecordingTransport
    let findings: RunFindings
    /// The detected quirk that explains this check's failure, when one does.
    let cause = CheckCause()
    var agent: UserAgent
    static let userAgent = "oauth-harness-check/1.0 (+https://github.com/oauth-harness)"

    var transcript: Transcript { transport.transcript }

    /// The plan's `response_mode` (`form_post` for the Form Post OP plan), sent with every
    /// authorization request this context makes.
    var responseMode: String?
    /// The plan signs in as clients it registers (`client_registration: dynamic`).
    var dynamicClient = false

    init(file: ProviderFile, endpoints: ProviderEndpoints, transport: RecordingTransport, findings: RunFindings) {
        self.file = file
        self.endpoints = endpoints
        self.transport = transport
        self.findings = findings
        self.agent = UserAgent(transport: transport, allowedHosts: endpoints.allowedHosts)
    }

    func note(_ line: String) { transcript.note(line) }

    func require(_ url: String?, _ what: String) throws(CheckFailure) -> String {
        guard let url, !url.isEmpty else { throw CheckFailure(reason: "the provider has no \(what) endpoint") }
        return url
    }

    // MARK: Authorization

    /// The outcome of sending the browser to the authorization endpoint.
    enum AuthorizationOutcome: Sendable {
        /// The provider redirected to the client: the parameters it sent.
        case redirected(FormParameters, url: String)
        /// It stopped at a page (an error page, usually): status and why.
        case page(status: Int?, reason: String)
    }

    /// A request the way a careful client sends it (state, PKCE S256, nonce for OpenID),
    /// with `overrides` replacing (or, with `nil`, removing) parameters.
    struct Authorization: Sendable {
        var parameters: [(String, String)]
        var state: String
        var verifier: String?
        var nonce: String?
        var redirectURI: String
        var client: ProviderFile.Client
    }

    func authorization(
        client: ProviderFile.Client? = nil,
        pkce: PKCE.Method? = .s256,
        scope: [String]? = nil,
        overrides: [String: String?] = [:]
    ) -> Authorization {
        let client = client ?? file.client
        let state = SecureRandom.token(bytes: 12)
        let verifier = pkce.map { _ in PKCE.generateVerifier() }
        let scope = scope ?? file.scope
        let nonce = scope.contains("openid") ? SecureRandom.token(bytes: 12) : nil
        var parameters: [(String, String)] = [
            ("response_type", "code"), ("client_id", client.clientID), ("redirect_uri", client.redirectURI), ("state", state),
        ]
        if !scope.isEmpty { parameters.append(("scope", scope.joined(separator: " "))) }
        if let nonce { parameters.append(("nonce", nonce)) }
        if let pkce, let verifier {
            parameters += [("code_challenge", PKCE.challenge(for: verifier, method: pkce)), ("code_challenge_method", pkce.rawValue)]
        }
        if let responseMode { parameters.append(("response_mode", responseMode)) }
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            parameters.removeAll { $0.0 == name }
            if let value { parameters.append((name, value)) }
        }
        let redirect = overrides["redirect_uri"].flatMap { $0 } ?? client.redirectURI
        return Authorization(
            parameters: parameters,
            state: state,
            verifier: verifier,
            nonce: overrides["nonce"] == nil ? nonce : overrides["nonce"]!,
            redirectURI: redirect,
            client: client
        )
    }

    /// Sends the browser through the provider's pages (signing in as the test user, approving).
    mutating func authorize(
        _ request: Authorization,
        method: String = "GET",
        step: String = "authorize"
    ) async throws(CheckFailure) -> AuthorizationOutcome {
        let authorize = try require(endpoints.authorize, "authorization")
        transport.setStep(step)
        var first: TransportRequest
        if method == "POST" {
            first = TransportRequest(
                method: "POST",
                url: authorize,
                headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Array(FormParameters(request.parameters).encoded.utf8)
            )
        } else {
            var url = URLReference(authorize)
            let existing = url.query.map { $0 + "&" } ?? ""
            url.query = existing + FormParameters(request.parameters).queryEncoded
            first = TransportRequest(method: "GET", url: url.description)
        }
        var intent = UserAgent.Intent(decision: .approve, username: file.user?.username, password: file.user?.password)
        intent.interactive = !request.parameters.contains { $0.0 == "prompt" && $0.1.split(separator: " ").contains("none") }
        let callback: String
        do {
            callback = try await agent.navigate(from: first, to: request.redirectURI, intent: intent, step: step)
        } catch {
            if error.code == .missingCredentials { throw CheckFailure(reason: error.errorDescription ?? "the test user's credentials are missing") }
            return .page(status: error.httpStatus, reason: error.errorDescription ?? error.code.rawValue)
        }
        // OAuth 2.0 Form Post Response Mode §2: asked for, the answer must come as a POST.
        if request.parameters.contains(where: { $0 == ("response_mode", "form_post") }), !agent.callbackPosted {
            throw CheckFailure(
                reason: "response_mode=form_post was asked for, but the answer came in the redirect's query (Form Post Response Mode §2)"
            )
        }
        return .redirected((try? URLReference(callback).queryItems()) ?? FormParameters(), url: callback)
    }

    /// An authorization that must yield a code: the code, or a failure naming what came back.
    mutating func code(_ request: Authorization, method: String = "GET", step: String = "authorize") async throws(CheckFailure) -> String {
        switch try await authorize(request, method: method, step: step) {
        case .redirected(let parameters, _):
            if let error = parameters["error"] {
                throw CheckFailure(reason: "the authorization request was answered with error \(error): \(parameters["error_description"] ?? "")")
            }
            guard parameters["state"] == request.state else {
                throw CheckFailure(reason: "the redirect did not carry the state sent (RFC 6749 §4.1.2)")
            }
            // RFC 9207 §2.4: an authorization response naming another issuer is a mix-up.
            if let issuer = endpoints.metadata?["issuer"]?.stringValue {
                if let iss = parameters["iss"], iss != issuer {
                    throw CheckFailure(reason: "the authorization response's iss \(iss) is not the issuer \(issuer) (RFC 9207 §2.4)")
                }
                if parameters["iss"] == nil, endpoints.metadata?["authorization_response_iss_parameter_supported"] == .bool(true) {
                    throw CheckFailure(reason: "no iss in the authorization response, though the metadata promises it (RFC 9207 §3)")
                }
            }
            guard let code = parameters["code"], !code.isEmpty else { throw CheckFailure(reason: "the redirect carried no code") }
            return code
        case .page(let status, let reason):
            throw CheckFailure(reason: "no redirect back to the client\(status.map { " (HTTP \($0))" } ?? ""): \(reason)")
        }
    }

    // MARK: Token endpoint

    /// A token request with the client's authentication and the run's request style.
    func tokenRequest(
        _ parameters: [(String, String)],
        client: ProviderFile.Client? = nil,
        style: TokenRequestStyle? = nil,
        secret: String? = nil,
        url: String? = nil,
        step: String = "token"
    ) async throws(CheckFailure) -> TokenAnswer {
        let response = try await send(
            tokenHTTPRequest(parameters, client: client, style: style ?? baselineStyle, secret: secret, url: url),
            step: step
        )
        return TokenAnswer(response)
    }

    /// A POST authenticated as the client (token, revocation, introspection endpoints).
    func tokenHTTPRequest(
        _ parameters: [(String, String)],
        client: ProviderFile.Client?,
        style: TokenRequestStyle,
        secret: String?,
        url: String? = nil
    ) throws(CheckFailure) -> TransportRequest {
        let client = client ?? file.client
        var fields = parameters
        var headers: HeaderList = [:]
        let secret = secret ?? client.clientSecret
        switch client.authMethod {
        case .clientSecretBasic:
            let pair = PercentEncoding.encode(client.clientID, spaceAsPlus: true) + ":" + PercentEncoding.encode(secret ?? "", spaceAsPlus: true)
            headers["Authorization"] = "Basic " + Base64Standard.encode(Array(pair.utf8))
        case .clientSecretPost:
            fields += [("client_id", client.clientID), ("client_secret", secret ?? "")]
        case .privateKeyJWT where client.signingKey != nil:
            // RFC 7523 §2.2, §3: an assertion signed with the client's key, for the token endpoint.
            let key = client.signingKey!
            let now = Date().timeIntervalSince1970.rounded()
            let audience: String
            if let given = client.assertionAudience ?? url { audience = given } else { audience = try require(endpoints.token, "token") }
            let claims: [String: JSONValue] = [
                "iss": .string(client.clientID), "sub": .string(client.clientID), "aud": .string(audience),
                "jti": .string(SecureRandom.token(bytes: 16)), "iat": .number(JSONNumber(Int64(now))), "exp": .number(JSONNumber(Int64(now) + 60)),
            ]
            do {
                let assertion = try key.key.sign(claims, header: ["kid": .string(key.kid), "typ": "JWT"])
                fields += [
                    ("client_id", client.clientID), ("client_assertion_type", JWTClientAuthentication.assertionType), ("client_assertion", assertion),
                ]
            } catch {
                throw CheckFailure(reason: "cannot sign the client assertion: \(error.errorDescription ?? error.code.rawValue)")
            }
        default:  // none: the provider file allows no other method (ProviderFile.Client.authMethods)
            fields.append(("client_id", client.clientID))
        }
        for (name, value) in style.extra.sorted(by: { $0.key < $1.key }) { fields.append((name, value)) }
        if style.acceptJSON { headers["Accept"] = "application/json" }
        if style.userAgent { headers["User-Agent"] = Self.userAgent }
        let target: String
        if let url { target = url } else { target = try require(endpoints.token, "token") }
        if style.jsonBody {
            var members: [String: JSONValue] = [:]
            for (name, value) in fields { members[name] = .string(value) }
            headers["Content-Type"] = "application/json"
            return TransportRequest(method: "POST", url: target, headers: headers, body: JSONValue.object(members).jsonBytes)
        }
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return TransportRequest(method: "POST", url: target, headers: headers, body: Array(FormParameters(fields).encoded.utf8))
    }

    /// The code exchange of RFC 6749 §4.1.3 for `request`'s code.
    func exchange(
        _ code: String,
        _ request: Authorization,
        verifier: String?? = nil,
        redirectURI: String? = nil,
        client: ProviderFile.Client? = nil,
        style: TokenRequestStyle? = nil,
        step: String = "token"
    ) async throws(CheckFailure) -> TokenAnswer {
        var parameters = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI ?? request.redirectURI)]
        if let verifier = verifier ?? request.verifier { parameters.append(("code_verifier", verifier)) }
        return try await tokenRequest(parameters, client: client ?? request.client, style: style, step: step)
    }

    var baselineStyle: TokenRequestStyle {
        if case .success(let baseline)? = findings.baseline { return baseline.style }
        return TokenRequestStyle(acceptJSON: true)
    }

    /// A full sign-in ending with a token: authorization, then the exchange.
    mutating func signIn(
        scope: [String]? = nil,
        overrides: [String: String?] = [:],
        client: ProviderFile.Client? = nil,
        step: String = "sign-in"
    ) async throws(CheckFailure) -> (TokenAnswer, Authorization) {
        let request = authorization(client: client, scope: scope, overrides: overrides)
        let code = try await code(request, step: step)
        let answer = try await exchange(code, request, step: step)
        guard answer.succeeded else { throw CheckFailure(reason: "the code exchange failed: \(Self.describe(answer))") }
        return (answer, request)
    }

    // MARK: HTTP

    func send(_ request: TransportRequest, step: String) async throws(CheckFailure) -> TransportResponse {
        transport.setStep(step)
        do {
            return try await transport.send(request)
        } catch {
            throw CheckFailure(reason: "\(request.method) \(URLReference(request.url).withoutQuery) failed: \(error)")
        }
    }

    func get(_ url: String, headers: HeaderList = [:], step: String) async throws(CheckFailure) -> TransportResponse {
        var headers = headers
        headers["User-Agent"] = Self.userAgent
        return try await send(TransportRequest(method: "GET", url: url, headers: headers), step: step)
    }

    func getJSON(_ url: String, step: String) async throws(CheckFailure) -> [String: JSONValue] {
        let response = try await get(url, headers: ["Accept": "application/json"], step: step)
        guard response.status == 200 else { throw CheckFailure(reason: "GET \(URLReference(url).withoutQuery) answered HTTP \(response.status)") }
        guard case .object(let members)? = try? JSONValue.parse(response.body) else {
            throw CheckFailure(reason: "GET \(URLReference(url).withoutQuery) did not answer a JSON object")
        }
        return members
    }

    /// A short, secret-free description of a token answer for a verdict.
    static func describe(_ answer: TokenAnswer) -> String {
        var text = "HTTP \(answer.status)"
        if let type = answer.response.headers["Content-Type"] { text += ", \(type)" }
        if let error = answer.error { text += ", error \(error)" }
        if let description = answer.raw["error_description"]?.stringValue { text += " (\(description.prefix(120)))" }
        if answer.error == nil, !answer.succeeded {
            text += answer.raw.isEmpty ? ", a body that is neither JSON nor a form" : ", members \(answer.raw.keys.sorted().joined(separator: ", "))"
        }
        return text
    }
}

/// The one root cause of a check's failure: a quirk the answer itself showed (an error
/// envelope), or the quirks that would explain it, resolved against every quirk the run
/// detected once all checks are done (so the verdict does not depend on which check ran first).
final class CheckCause: Sendable {
    private let state = Mutex<(found: DetectedQuirk?, suspects: [Quirk])>((nil, []))

    func record(_ found: DetectedQuirk) { state.withLock { $0.found = found } }
    func suspect(_ quirks: [Quirk]) { state.withLock { $0.suspects = quirks } }
    var recorded: DetectedQuirk? { state.withLock { $0.found } }
    var suspects: [Quirk] { state.withLock { $0.suspects } }
}
