import Foundation
import OAuthCore

/// The endpoint logic of a mock OAuth 2 provider, independent of any HTTP server:
/// `handle(_:)` takes a request (path and query in `url`) and returns the response.
/// `MockProviderServer` puts it on a loopback port; tests may call it directly.
///
/// Behaviour follows RFC 6749, 6750, 7009, 7523, 7636, 7662 and 8414 strictly: the standard
/// profile is the reference that the quirk profiles deviate from.
public final class MockProvider: MockRequestHandler {
    /// The profile it follows.
    public let profile: ProviderProfile
    /// The clock that judges lifetimes and dates tokens.
    public let clock: any OAuthClock
    let store = ProviderState()
    let oidcState: OIDCState
    static let maxBodyBytes = 64 * 1024
    /// Where the RFC 8414 metadata is served.
    public static let metadataPath = "/.well-known/oauth-authorization-server"

    /// A provider for `profile`, with no codes or tokens issued yet.
    ///
    /// - Parameters:
    ///   - profile: an `oauth2` profile.
    ///   - clock: the clock that judges lifetimes and dates tokens.
    public init(profile: ProviderProfile, clock: any OAuthClock = SystemClock()) {
        self.profile = profile
        self.clock = clock
        self.oidcState = OIDCState(profile: profile)
    }

    /// The client with this `client_id`: one of the profile's, or one registered at run time.
    ///
    /// - Parameter id: the `client_id`.
    public func client(id: String) -> ProviderProfile.Client? {
        profile.client(id: id) ?? store.withStorage { $0.registeredClients[id]?.client }
    }

    /// How many token-endpoint requests arrived with `grant_type` (valid or not).
    package func tokenRequests(grantType: String) -> Int {
        store.withStorage { $0.grantCounts[grantType] ?? 0 }
    }

    /// Answers a request: the authorization endpoint (GET, and its forms posted back), token,
    /// resource (GET or POST), revocation, introspection, end-session, the RFC 8414 metadata and
    /// the JWKS, for OpenID profiles the discovery document, and the `/_harness/` test controls.
    /// Another method on an endpoint gets a 405, an unknown path a 404, both as JSON errors.
    ///
    /// - Parameter request: the request; only the path and query of its URL are read.
    public func handle(_ request: TransportRequest) async -> TransportResponse {
        let (path, query) = Self.split(request.url)
        let endpoints = profile.endpoints
        switch (request.method, path) {
        case ("GET", endpoints.authorize):
            switch await dereferenceRequestURI(query) {
            case .failure(let problem): return Self.json(400, ["error": problem.error, "error_description": problem.description])
            case .success(let parameters):
                await prefetchRequestObjectKey(parameters)
                return authorize(parameters: parameters, submitted: false, cookie: request.headers["Cookie"], issuer: MockProvider.issuer(request))
            }
        case ("POST", endpoints.authorize):
            guard let form = formBody(request) else { return Self.badRequest("the body must be application/x-www-form-urlencoded") }
            // A form without any field of the pages' own is the request itself, sent by POST
            // (OpenID Connect Core §3.1.2.1: the endpoint MUST take GET and POST).
            let submitted = form.contains { Self.loginFields.contains($0.name) }
            switch await dereferenceRequestURI(form) {
            case .failure(let problem): return Self.json(400, ["error": problem.error, "error_description": problem.description])
            case .success(let parameters):
                await prefetchRequestObjectKey(parameters)
                return authorize(
                    parameters: parameters,
                    submitted: submitted,
                    cookie: request.headers["Cookie"],
                    issuer: MockProvider.issuer(request)
                )
            }
        case ("POST", endpoints.token):
            return await token(request)
        case ("GET", endpoints.resource), ("POST", endpoints.resource):
            return await resource(request, query: query)
        case ("POST", endpoints.revoke ?? "\u{0}"):
            return await revoke(request)
        case ("POST", endpoints.introspect ?? "\u{0}"):
            return await introspect(request)
        case ("POST", endpoints[.par] ?? "\u{0}"):
            return await pushedAuthorization(request)
        case ("POST", endpoints[.deviceAuthorization] ?? "\u{0}"):
            return await deviceAuthorization(request)
        case ("GET", endpoints[.deviceVerification] ?? "\u{0}"):
            return deviceVerification(query, submitted: false, cookie: request.headers["Cookie"])
        case ("POST", endpoints[.deviceVerification] ?? "\u{0}"):
            guard let form = formBody(request) else { return Self.badRequest("the body must be application/x-www-form-urlencoded") }
            return deviceVerification(form, submitted: true, cookie: request.headers["Cookie"])
        case ("GET", Self.metadataPath):
            return metadata(request)
        case ("GET", "/.well-known/oauth-protected-resource" + (endpoints.resource == "/" ? "" : endpoints.resource))
        where profile.protectedResource != nil:
            return protectedResourceMetadata(request)
        case ("GET", "/.well-known/openid-configuration") where profile.oidc != nil:
            return openIDConfiguration(request)
        case ("GET", profile.jwksPath):
            return jwksDocument()
        case ("GET", endpoints.endSession ?? "\u{0}"):
            return await endSession(query, browser: request.headers["Cookie"].flatMap(Self.cookieValue), issuer: Self.issuer(request))
        case ("POST", "/_harness/evil"):
            // Test control for clients outside the harness: mode=<evil mode> (none to reset).
            guard let mode = formBody(request)?["mode"].flatMap(EvilMode.init(rawValue:)) else {
                return Self.badRequest("mode must be one of: \(EvilMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            setEvilMode(mode)
            return Self.json(200, ["mode": mode.rawValue])
        case ("POST", "/_harness/next-decision"):
            // Test control for clients outside the harness: decision=deny (or approve) for the next authorization request.
            guard let decision = formBody(request)?["decision"], ["approve", "deny"].contains(decision) else {
                return Self.badRequest("decision must be approve or deny")
            }
            store.withStorage { $0.nextDecision = decision }
            return Self.json(200, ["next_decision": decision])
        case ("POST", "/_harness/backchannel-logout"):
            // Test control: the provider ends sessions itself and sends the logout tokens.
            return await harnessBackchannelLogout(request)
        case ("POST", "/_harness/rotate-keys") where profile.oidc != nil:
            rotateSigningKeys()
            return Self.json(200, ["rotated": "true"])
        case (_, endpoints[.registration] ?? "\u{0}"):
            return request.method == "POST"
                ? await registerClient(request)
                : Self.json(405, ["error": "invalid_request", "error_description": "method \(request.method) not allowed here"])
        case (_, _) where endpoints[.registration].map({ path.hasPrefix($0 + "/") }) == true:
            return await clientConfiguration(request, clientID: String(path.dropFirst(endpoints[.registration]!.count + 1)))
        case (_, endpoints.authorize), (_, endpoints.token), (_, endpoints.resource), (_, endpoints.revoke ?? "\u{0}"),
            (_, endpoints.introspect ?? "\u{0}"), (_, endpoints[.par] ?? "\u{0}"), (_, endpoints[.deviceAuthorization] ?? "\u{0}"),
            (_, endpoints[.deviceVerification] ?? "\u{0}"):
            return Self.json(405, ["error": "invalid_request", "error_description": "method \(request.method) not allowed here"])
        default:
            return Self.json(404, ["error": "not_found", "error_description": "no endpoint at \(path)"])
        }
    }

    /// The provider's issuer (and base URL) as the client reached it: the one place the mock
    /// builds it. The mocks serve plain HTTP on loopback, so the scheme is always `http`.
    static func issuer(_ request: TransportRequest) -> String {
        "http://" + (request.headers["Host"] ?? "mock.invalid")
    }

    /// The path and the parsed query of a URL or request target.
    package static func split(_ url: String) -> (path: String, query: FormParameters?) {
        let reference = URLReference(url)
        let path = reference.authority != nil && reference.path.isEmpty ? "/" : reference.path
        return (path, try? reference.queryItems())
    }

    func formBody(_ request: TransportRequest) -> FormParameters? { Self.formBody(request) }

    /// The parameters of an `application/x-www-form-urlencoded` body; `nil` for any other body.
    package static func formBody(_ request: TransportRequest) -> FormParameters? {
        guard let type = request.headers["Content-Type"], HeaderList.value(type, hasLowercasePrefix: "application/x-www-form-urlencoded") else {
            return nil
        }
        return try? FormParameters(parsing: String(decoding: request.body, as: UTF8.self))
    }

    // MARK: RFC 8414 metadata

    func metadata(_ request: TransportRequest) -> TransportResponse {
        let issuer = MockProvider.issuer(request)
        var document: [String: JSONValue] = [
            "issuer": .string(issuer),
            "response_types_supported": .array([.string("code")]),
            "grant_types_supported": .array(profile.grantTypes.map { .string($0.rawValue) }),
            "token_endpoint_auth_methods_supported": .array(
                ProviderProfile.AuthMethod.allCases.filter { method in profile.clients.contains { $0.authMethods.contains(method) } }.map {
                    .string($0.rawValue)
                }
            ),
            "code_challenge_methods_supported": .array(profile.pkce.methods.map { .string($0.rawValue) }),
            "response_modes_supported": .array(Self.responseModes.map(JSONValue.string)),
            // RFC 9207: every authorization response names the issuer.
            "authorization_response_iss_parameter_supported": .bool(true),
        ]
        if !profile.scopes.isEmpty { document["scopes_supported"] = .array(profile.scopes.map(JSONValue.string)) }
        for endpoint in ProviderProfile.Endpoint.allCases {
            if let member = endpoint.metadataMember, let path = profile.endpoints[endpoint] { document[member] = .string(issuer + path) }
        }
        if profile.oidc != nil || profile.accessTokens.format == .jwt { document["jwks_uri"] = .string(issuer + profile.jwksPath) }
        func names(_ algorithms: [ProviderProfile.ClientSigningAlgorithm]) -> JSONValue { .array(algorithms.map { .string($0.rawValue) }) }
        if profile.endpoints[.par] != nil { document["require_pushed_authorization_requests"] = .bool(profile.par.required) }
        // A mock with request objects fetches a request_uri its client registered (Core §6.2);
        // without, only its own PAR URNs stand for a request. Discovery §3 takes an absent member
        // as true, so it is said either way.
        document["request_uri_parameter_supported"] = .bool(profile.requestObjects != nil)
        if let objects = profile.requestObjects {
            document["request_parameter_supported"] = .bool(true)
            document["require_signed_request_object"] = .bool(objects.required)
            var algorithms = objects.algorithms.map { JSONValue.string($0.rawValue) }
            if objects.unsigned { algorithms.append("none") }
            document["request_object_signing_alg_values_supported"] = .array(algorithms)
        }
        if let dpop = profile.dpop { document["dpop_signing_alg_values_supported"] = names(dpop.algorithms) }
        if !profile.authorizationDetailsTypes.isEmpty {
            document["authorization_details_types_supported"] = .array(profile.authorizationDetailsTypes.map(JSONValue.string))
        }
        // RFC 8414 §3.3, Discovery §4.3: the evil mode names another issuer than the one asked for.
        if evilMode == .discoveryIssuerMismatch { document["issuer"] = .string(issuer + "/another-tenant") }
        return Self.json(200, document)
    }

    // MARK: Helpers

    static func json(_ status: Int, _ members: [String: JSONValue]) -> TransportResponse {
        TransportResponse(
            status: status,
            headers: ["Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"],
            body: JSONValue.object(members).jsonBytes
        )
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

    /// The authorization response (RFC 6749 §4.1.2): in the redirect's query, or with
    /// `formPost` (OAuth 2.0 Form Post Response Mode §2) as a page whose form posts itself to
    /// the redirect URI, every value HTML-escaped.
    static func redirect(_ base: String, _ parameters: [String: String?], formPost: Bool = false) -> TransportResponse {
        var query = FormParameters()
        for key in ["code", "error", "error_description", "state", "iss"] { query.append(key, parameters[key] ?? nil) }
        guard formPost else {
            return TransportResponse(status: 302, headers: ["Location": URLReference.appending(query, to: base), "Cache-Control": "no-store"])
        }
        let fields = query.map { "<input type=\"hidden\" name=\"\(ConsentPage.html($0.name))\" value=\"\(ConsentPage.html($0.value))\">" }.joined()
        let page =
            "<!doctype html><html><head><title>Submit this form</title></head><body onload=\"document.forms[0].submit()\">"
            + "<form method=\"post\" action=\"\(ConsentPage.html(base))\">\(fields)</form></body></html>"
        return TransportResponse(
            status: 200,
            headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"],
            body: Array(page.utf8)
        )
    }

    /// The response modes the authorization endpoint answers in (`response_modes_supported`).
    static let responseModes = ["query", "form_post"]
}
