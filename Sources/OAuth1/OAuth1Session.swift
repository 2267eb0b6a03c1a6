import Foundation
import OAuthCore
import Synchronization

/// Temporary or token credentials from an OAuth 1 provider (RFC 5849 §2.1, §2.3).
/// Descriptions mask the secret.
public struct OAuth1Token: Sendable, Equatable, CustomStringConvertible {
    public var token: String
    public var tokenSecret: String
    /// `oauth_callback_confirmed` of a temporary-credentials response.
    public var callbackConfirmed: Bool?
    /// Other members (e.g. `user_id`, `screen_name`).
    public var extra: [String: String]

    public var description: String {
        "OAuth1Token(oauth_token: \(Redactor.mask), oauth_token_secret: \(Redactor.mask), extra: \(extra.keys.sorted()))"
    }

    /// All members as the provider sent them.
    public var members: [String: JSONValue] {
        var members = extra.mapValues(JSONValue.string)
        members["oauth_token"] = .string(token)
        members["oauth_token_secret"] = .string(tokenSecret)
        if let callbackConfirmed { members["oauth_callback_confirmed"] = .string(callbackConfirmed ? "true" : "false") }
        return members
    }
}

/// The three-legged OAuth 1.0a flow (RFC 5849 §2): temporary credentials, resource owner
/// authorization, token credentials; then signed resource requests.
public final class OAuth1Session: Sendable {
    public let clientID: String
    let clientSecret: String
    public let callbackURI: String?
    let rsaKey: RSASigningKey?
    public let signatureMethod: SignatureMethod
    public let signatureType: SignatureType
    public let realm: String?
    public let forceIncludeBody: Bool
    /// Compliance fix for providers that never send `oauth_callback_confirmed=true` (OAuth Core
    /// 1.0 before revision A). Off by default: without confirmation the callback may have been
    /// ignored, which is the session-fixation hole revision A closed.
    public let allowUnconfirmedCallback: Bool
    public let transport: any HTTPTransport
    public let clock: any OAuthClock
    let nonce: @Sendable () -> String

    struct State: Sendable {
        var token: String?
        var tokenSecret: String?
        var verifier: String?
    }
    private let state: Mutex<State>

    public init(
        clientID: String,
        clientSecret: String = "",
        token: String? = nil,
        tokenSecret: String? = nil,
        callbackURI: String? = nil,
        rsaKey: RSASigningKey? = nil,
        signatureMethod: SignatureMethod = .hmacSHA1,
        signatureType: SignatureType = .header,
        realm: String? = nil,
        forceIncludeBody: Bool = false,
        allowUnconfirmedCallback: Bool = false,
        transport: any HTTPTransport,
        clock: any OAuthClock = SystemClock(),
        nonce: @escaping @Sendable () -> String = { SecureRandom.token(bytes: 16) }
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.callbackURI = callbackURI
        self.rsaKey = rsaKey
        self.signatureMethod = signatureMethod
        self.signatureType = signatureType
        self.realm = realm
        self.forceIncludeBody = forceIncludeBody
        self.allowUnconfirmedCallback = allowUnconfirmedCallback
        self.transport = transport
        self.clock = clock
        self.nonce = nonce
        self.state = Mutex(State(token: token, tokenSecret: tokenSecret))
    }

    /// The current token credentials (temporary ones during the flow).
    public var token: (token: String, secret: String)? {
        state.withLock { state in state.token.map { ($0, state.tokenSecret ?? "") } }
    }

    func auth(callback: String? = nil, verifier: String? = nil, realm: String? = nil, clientCredentialsOnly: Bool = false) -> OAuth1Auth {
        let current = clientCredentialsOnly ? State() : state.withLock { $0 }
        return OAuth1Auth(
            clientID: clientID,
            clientSecret: clientSecret,
            token: current.token,
            tokenSecret: current.tokenSecret,
            callback: callback,
            verifier: verifier,
            rsaKey: rsaKey,
            signatureMethod: signatureMethod,
            signatureType: signatureType,
            realm: realm ?? self.realm,
            forceIncludeBody: forceIncludeBody,
            clock: clock,
            nonce: nonce
        )
    }

    // MARK: §2.1 temporary credentials

    /// POSTs a signed request with `oauth_callback` (the callback URI or `oob`) and keeps the
    /// temporary credentials. The answer must confirm the callback unless the fix is on.
    @discardableResult
    public func fetchRequestToken(
        _ url: String,
        realm: String? = nil,
        extraParameters: [(String, String)] = []
    ) async throws(OAuthError) -> OAuth1Token {
        let step = "request_token"
        // §2.1: signed with the client credentials only, whatever token a previous flow left.
        let request = try auth(callback: callbackURI ?? "oob", realm: realm, clientCredentialsOnly: true).sign(
            .form(url, FormParameters(extraParameters))
        )
        let token = try Self.parseTokenResponse(try await send(request, step: step), step: step)
        if token.callbackConfirmed != true, !allowUnconfirmedCallback {
            throw .client(
                "callback_not_confirmed",
                "the provider did not answer oauth_callback_confirmed=true (RFC 5849 §2.1); turn on the unconfirmed-callback fix only for providers known to be OAuth 1.0",
                step: step
            )
        }
        state.withLock { $0 = State(token: token.token, tokenSecret: token.tokenSecret) }
        return token
    }

    // MARK: §2.2 resource owner authorization

    /// The URL to send the resource owner to, with `oauth_token` (default: the temporary token).
    public func createAuthorizationURL(
        _ url: String,
        requestToken: String? = nil,
        extraParameters: [(String, String)] = []
    ) throws(OAuthError) -> String {
        guard let token = requestToken ?? state.withLock({ $0.token }) else {
            throw .client(.missingToken, "no request token: call fetchRequestToken first", step: "authorize")
        }
        var parameters = FormParameters([("oauth_token", token)])
        for (name, value) in extraParameters { parameters.append(name, value) }
        return URLReference.appending(parameters, to: url)
    }

    /// Reads the callback: `oauth_token` must be the temporary token, `oauth_verifier` is kept.
    /// A `denied` parameter (the resource owner refused) is `access_denied`.
    @discardableResult
    public func parseAuthorizationResponse(_ url: String) throws(OAuthError) -> (token: String, verifier: String) {
        let step = "authorize"
        let parameters: FormParameters
        do {
            parameters = try URLReference(url).queryItems()
        } catch {
            throw .malformed(step: step, httpStatus: nil, "the callback's query is malformed: \(error.reason)")
        }
        if parameters["denied"] != nil {
            throw OAuthError(code: .accessDenied, description: "the resource owner denied the request", step: step, origin: .provider)
        }
        guard let token = parameters["oauth_token"], let verifier = parameters["oauth_verifier"] else {
            throw .malformed(step: step, httpStatus: nil, "the callback lacks oauth_token or oauth_verifier")
        }
        let expected = state.withLock { $0.token }
        if let expected, !constantTimeEquals(expected, token) {
            throw .client(.tokenMismatch, "the callback's oauth_token is not the temporary token of this flow", step: step)
        }
        state.withLock { $0.verifier = verifier }
        return (token, verifier)
    }

    // MARK: §2.3 token credentials

    /// Exchanges the temporary credentials and the verifier for token credentials.
    @discardableResult
    public func fetchAccessToken(
        _ url: String,
        verifier given: String? = nil,
        extraParameters: [(String, String)] = []
    ) async throws(OAuthError) -> OAuth1Token {
        let step = "access_token"
        guard let verifier = given ?? state.withLock({ $0.verifier }) else {
            throw .client(.missingVerifier, "no oauth_verifier: read the authorization response first", step: step)
        }
        let request = try auth(verifier: verifier).sign(.form(url, FormParameters(extraParameters)))
        let token = try Self.parseTokenResponse(try await send(request, step: step), step: step)
        state.withLock { $0 = State(token: token.token, tokenSecret: token.tokenSecret) }
        return token
    }

    // MARK: §3 authenticated requests

    /// Sends a request signed with the token credentials.
    public func request(
        _ method: String,
        _ url: String,
        headers: HeaderList = [:],
        body: [UInt8] = [],
        step: String = "request"
    ) async throws(OAuthError) -> TransportResponse {
        try await send(try auth().sign(TransportRequest(method: method, url: url, headers: headers, body: body)), step: step)
    }

    /// Reads a credentials response: form-encoded `oauth_token` and `oauth_token_secret` (§2.1,
    /// §2.3). Problem reports (`oauth_problem`) and other errors are typed.
    static func parseTokenResponse(_ response: TransportResponse, step: String) throws(OAuthError) -> OAuth1Token {
        let text = response.bodyText
        let form = try? FormParameters(parsing: text)
        guard (200..<300).contains(response.status) else {
            if let problem = form?["oauth_problem"] {
                throw OAuthError(
                    code: OAuthErrorCode(problem),
                    description: form?["oauth_problem_advice"],
                    httpStatus: response.status,
                    step: step,
                    origin: .provider
                )
            }
            if let json = try? JSONValue.parse(response.body),
                let message = json["errors"]?.value(atPath: "0.message")?.stringValue ?? json["error"]?.stringValue
            {
                throw OAuthError(code: .providerError, description: message, httpStatus: response.status, step: step, origin: .provider)
            }
            throw .malformed(
                step: step,
                httpStatus: response.status,
                "expected an OAuth problem report, got \(response.body.count) bytes of \(response.mediaType ?? "no Content-Type")"
            )
        }
        if response.body.first == UInt8(ascii: "{") || response.body.first == UInt8(ascii: "[") {
            throw .malformed(
                step: step,
                httpStatus: response.status,
                "the credentials are JSON; RFC 5849 §2.1 requires application/x-www-form-urlencoded"
            )
        }
        guard let form, let token = form["oauth_token"], let secret = form["oauth_token_secret"] else {
            throw .malformed(step: step, httpStatus: response.status, "expected form-encoded oauth_token and oauth_token_secret")
        }
        var extra: [String: String] = [:]
        for pair in form where !["oauth_token", "oauth_token_secret", "oauth_callback_confirmed"].contains(pair.name) {
            extra[pair.name] = pair.value
        }
        return OAuth1Token(token: token, tokenSecret: secret, callbackConfirmed: form["oauth_callback_confirmed"].map { $0 == "true" }, extra: extra)
    }

    func send(_ request: TransportRequest, step: String) async throws(OAuthError) -> TransportResponse {
        try await transport.send(request, step: step)
    }
}
