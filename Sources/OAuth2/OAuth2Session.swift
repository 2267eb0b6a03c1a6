import Foundation
import OAuthCore
import Synchronization

/// An OAuth 2.0 client session (RFC 6749, RFC 6750, RFC 7636).
///
/// It builds authorization URLs (with a CSPRNG `state` and, when configured, a PKCE S256
/// verifier), reads the redirect back, exchanges the code for a token, and sends
/// Bearer-authenticated requests with the token it holds. All HTTP goes through `transport`.
public final class OAuth2Session: Sendable {
    public let clientID: String
    let clientSecret: String?
    public let authMethod: ClientAuthMethod
    public let redirectURI: String?
    public let scope: [String]
    /// PKCE method for authorization requests; `nil` sends no challenge.
    public let codeChallengeMethod: PKCE.Method?
    public let transport: any HTTPTransport
    public let clock: any OAuthClock
    private let currentToken: Mutex<OAuth2Token?>

    public init(
        clientID: String, clientSecret: String? = nil, authMethod: ClientAuthMethod = .clientSecretBasic,
        redirectURI: String? = nil, scope: [String] = [], codeChallengeMethod: PKCE.Method? = nil,
        token: OAuth2Token? = nil, transport: any HTTPTransport, clock: any OAuthClock = SystemClock()
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authMethod = authMethod
        self.redirectURI = redirectURI
        self.scope = scope
        self.codeChallengeMethod = codeChallengeMethod
        self.transport = transport
        self.clock = clock
        self.currentToken = Mutex(token)
    }

    /// The token this session holds (set by `fetchToken`).
    public var token: OAuth2Token? {
        get { currentToken.withLock { $0 } }
        set { currentToken.withLock { $0 = newValue } }
    }

    // MARK: RFC 6749 §4.1.1 — authorization request

    /// Builds the authorization URL. `state` defaults to 32 CSPRNG bytes; with a PKCE method
    /// configured, a verifier is generated (or the given one used) and its challenge sent.
    public func createAuthorizationURL(
        _ endpoint: String, state: String? = nil, codeVerifier: String? = nil,
        extraParameters: [(String, String)] = []
    ) throws(OAuthError) -> AuthorizationRequest {
        guard var components = URLComponents(string: endpoint), components.scheme != nil, components.host != nil else {
            throw .client(OAuthError.invalidConfiguration, "the authorization endpoint is not an absolute URL", step: "authorize")
        }
        let state = state ?? SecureRandom.token(bytes: 32)
        var parameters = FormParameters([("response_type", "code"), ("client_id", clientID)])
        parameters.append("redirect_uri", redirectURI)
        if !scope.isEmpty { parameters.append("scope", scope.joined(separator: " ")) }
        parameters.append("state", state)
        var verifier: String?
        if let method = codeChallengeMethod {
            let chosen = codeVerifier ?? PKCE.generateVerifier()
            guard PKCE.isValidVerifier(chosen) else {
                throw .client(OAuthError.invalidConfiguration, "code_verifier must be 43-128 unreserved characters (RFC 7636 §4.1)", step: "authorize")
            }
            verifier = chosen
            parameters.append("code_challenge", PKCE.challenge(for: chosen, method: method))
            parameters.append("code_challenge_method", method.rawValue)
        }
        for (name, value) in extraParameters { parameters.append(name, value) }
        // Keep any query the endpoint already has (RFC 6749 §3.1).
        let existing = components.percentEncodedQuery.map { $0.isEmpty ? "" : $0 + "&" } ?? ""
        components.percentEncodedQuery = existing + parameters.queryEncoded
        return AuthorizationRequest(url: components.string ?? endpoint, state: state, codeVerifier: verifier, redirectURI: redirectURI)
    }

    // MARK: RFC 6749 §4.1.3 — access token request

    /// Exchanges an authorization code for a token and keeps it in the session.
    public func fetchToken(
        _ tokenEndpoint: String, code: String, codeVerifier: String? = nil, redirectURI: String? = nil,
        extraParameters: [(String, String)] = []
    ) async throws(OAuthError) -> OAuth2Token {
        var form = FormParameters([("grant_type", "authorization_code"), ("code", code)])
        form.append("redirect_uri", redirectURI ?? self.redirectURI)
        form.append("code_verifier", codeVerifier)
        for (name, value) in extraParameters { form.append(name, value) }
        let token = try await tokenRequest(tokenEndpoint, form: form, step: "fetch_token")
        self.token = token
        return token
    }

    /// Reads the redirect back (checking `state`) and exchanges its code in one call.
    public func fetchToken(
        _ tokenEndpoint: String, authorizationResponse redirect: String, request: AuthorizationRequest
    ) async throws(OAuthError) -> OAuth2Token {
        let code = try parseAuthorizationResponse(redirect, expectedState: request.state)
        return try await fetchToken(tokenEndpoint, code: code, codeVerifier: request.codeVerifier, redirectURI: request.redirectURI)
    }

    /// POSTs a grant to the token endpoint with this client's authentication and reads the answer.
    func tokenRequest(_ endpoint: String, form: FormParameters, step: String) async throws(OAuthError) -> OAuth2Token {
        var form = form
        var headers = HeaderList()
        try authMethod.apply(clientID: clientID, clientSecret: clientSecret, to: &form, headers: &headers)
        let response = try await send(.form(endpoint, form, headers: headers), step: step)
        return try parseTokenResponse(response, step: step, receivedAt: clock.now())
    }

    // MARK: RFC 6750 §2.1 — protected resource requests

    /// Sends a request with `Authorization: Bearer <access token>`.
    public func request(
        _ method: String, _ url: String, headers: HeaderList = [:], body: [UInt8] = [], step: String = "request"
    ) async throws(OAuthError) -> TransportResponse {
        guard let token else {
            throw .client("missing_token", "no token: run the authorization flow first", step: step)
        }
        guard token.tokenType.caseInsensitiveCompare("bearer") == .orderedSame else {
            throw .client("unsupported_token_type", "token_type \(token.tokenType) is not Bearer (RFC 6750)", step: step)
        }
        var headers = headers
        headers["Authorization"] = "Bearer \(token.accessToken)"
        return try await send(TransportRequest(method: method, url: url, headers: headers, body: body), step: step)
    }

    func send(_ request: TransportRequest, step: String) async throws(OAuthError) -> TransportResponse {
        do {
            return try await transport.send(request)
        } catch let error as OAuthError {
            throw error
        } catch {
            throw OAuthError(code: OAuthError.transportError, description: transportReason(error), step: step, origin: .transport)
        }
    }
}

/// A secret-free reason for a transport failure: the error's type and, for known kinds, its text.
func transportReason(_ error: any Error) -> String {
    let text = String(describing: error)
    return text.count > 200 ? String(text.prefix(200)) + "…" : text
}
