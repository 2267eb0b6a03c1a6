import Foundation
import OAuthCore
import Synchronization

/// Temporary or token credentials from an OAuth 1 provider (RFC 5849 §2.1, §2.3).
/// Descriptions mask the secret.
public struct OAuth1Token: Sendable, Equatable, CustomStringConvertible {
    /// `oauth_token`: the credentials' identifier.
    public var token: String
    /// `oauth_token_secret`: the shared secret that, with the client secret, keys signatures.
    public var tokenSecret: String
    /// `oauth_callback_confirmed` of a temporary-credentials response.
    public var callbackConfirmed: Bool?
    /// Other members (e.g. `user_id`, `screen_name`).
    public var extra: [String: String]

    /// The credentials with both values masked, and the names of the extra members.
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
    /// The client identifier (`oauth_consumer_key`).
    public let clientID: String
    let clientSecret: String
    /// The `oauth_callback` of the temporary credentials request; `oob` is sent when `nil` (§2.1).
    public let callbackURI: String?
    let rsaKey: RSASigningKey?
    /// How requests are signed (§3.4).
    public let signatureMethod: SignatureMethod
    /// Where the protocol parameters go (§3.5).
    public let signatureType: SignatureType
    /// The `realm` of the `Authorization` header (§3.5.1), unless a call gives its own.
    public let realm: String?
    /// Whether a body that is not declared as a form is signed as one.
    public let forceIncludeBody: Bool
    /// Compliance fix for providers that never send `oauth_callback_confirmed=true` (OAuth Core
    /// 1.0 before revision A). Off by default: without confirmation the callback may have been
    /// ignored, which is the session-fixation hole revision A closed.
    public let allowUnconfirmedCallback: Bool
    /// Sends the requests.
    public let transport: any HTTPTransport
    /// Where `oauth_timestamp` comes from.
    public let clock: any OAuthClock
    let nonce: @Sendable () -> String

    struct State: Sendable {
        var token: String?
        var tokenSecret: String?
        var verifier: String?
    }
    private let state: Mutex<State>

    /// Creates a session, with token credentials when they are known already.
    ///
    /// - Parameters:
    ///   - clientID: the client identifier (`oauth_consumer_key`).
    ///   - clientSecret: the client shared-secret.
    ///   - token: token credentials from an earlier flow, if any.
    ///   - tokenSecret: the secret that goes with `token`.
    ///   - callbackURI: the `oauth_callback` of the temporary credentials request.
    ///   - rsaKey: the private key; required for RSA-SHA1.
    ///   - signatureMethod: how requests are signed.
    ///   - signatureType: where the protocol parameters go.
    ///   - realm: the `realm` of the `Authorization` header.
    ///   - forceIncludeBody: whether a body that is not declared as a form is signed as one.
    ///   - allowUnconfirmedCallback: see ``allowUnconfirmedCallback``.
    ///   - transport: sends the requests.
    ///   - clock: where `oauth_timestamp` comes from.
    ///   - nonce: makes each request's `oauth_nonce`.
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
    ///
    /// - Parameters:
    ///   - url: the temporary credentials request URL.
    ///   - realm: the `realm` for this request, instead of the session's.
    ///   - extraParameters: further parameters, sent in the form body.
    /// - Returns: the temporary credentials.
    /// - Throws: `OAuthError`: the provider's `oauth_problem` or error message,
    ///   `callback_not_confirmed`, `malformed_response` for an answer that is not form-encoded
    ///   credentials, or a signing or transport error.
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
    ///
    /// - Parameters:
    ///   - url: the provider's resource owner authorization URL.
    ///   - requestToken: the temporary token to send, instead of the session's.
    ///   - extraParameters: further query parameters.
    /// - Throws: `OAuthError` with `missing_token` when there is no temporary token.
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
    ///
    /// - Parameter url: the callback URL the provider redirected to.
    /// - Returns: the callback's `oauth_token` and `oauth_verifier`.
    /// - Throws: `OAuthError`: `access_denied` for a `denied` callback, `malformed_response` for
    ///   a malformed query or one without `oauth_token` and `oauth_verifier`, `token_mismatch`
    ///   for another flow's token.
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
    ///
    /// - Parameters:
    ///   - url: the token credentials request URL.
    ///   - given: the verifier, instead of the one read from the callback.
    ///   - extraParameters: further parameters, sent in the form body.
    /// - Returns: the token credentials, which the session keeps for later requests.
    /// - Throws: `OAuthError`: `missing_verifier`, the provider's `oauth_problem` or error
    ///   message, `malformed_response`, or a signing or transport error.
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
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - url: the absolute URL.
    ///   - headers: the header fields.
    ///   - body: the body; signed too when it is a form.
    ///   - step: the flow step errors name.
    /// - Returns: the response, whatever its status.
    /// - Throws: `OAuthError`: a signing error (see ``OAuth1Auth/sign(_:extraProtocolParameters:)``)
    ///   or a transport error.
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
