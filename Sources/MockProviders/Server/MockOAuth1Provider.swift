import Foundation
import OAuthCore
import Synchronization

/// A mock OAuth 1.0a provider (RFC 5849), Twitter-style: temporary credentials with a
/// confirmed callback, a consent page, a verifier, token credentials with the user's id and
/// screen name, and a protected resource. Every request's signature is verified for every
/// method and placement the profile accepts; replayed nonces, timestamps outside the window,
/// wrong signatures and wrong verifiers are refused with OAuth problem reports
/// (`oauth_problem=…`, the convention of the OAuth Problem Reporting extension).
public final class MockOAuth1Provider: MockRequestHandler {
    /// The profile it follows.
    public let profile: ProviderProfile
    /// The clock that judges timestamps and lifetimes.
    public let clock: any OAuthClock
    let settings: ProviderProfile.OAuth1Settings

    struct Credentials {
        var clientID: String
        var secret: String
        var callback: String?
        var verifier: String?
        var sub: String?
        var used = false
        var issuedAt = Date.distantPast
    }

    /// Temporary credentials expire this long after they were issued.
    static let temporaryLifetime: TimeInterval = 600

    /// Bounded like the OAuth 2 mock's stores: under a flood the oldest entries are forgotten
    /// (a forgotten nonce is older than most: its timestamp soon falls out of the window).
    struct Storage {
        var temporary = BoundedStore<Credentials>(capacity: ProviderState.retention)
        var access = BoundedStore<Credentials>(capacity: ProviderState.retention)
        var nonces = BoundedStore<Bool>(capacity: ProviderState.retention)
    }
    private let store = Mutex(Storage())

    /// A provider for `profile`, with no credentials issued yet.
    ///
    /// - Parameters:
    ///   - profile: an `oauth1` profile.
    ///   - clock: the clock that judges timestamps and lifetimes.
    public init(profile: ProviderProfile, clock: any OAuthClock = SystemClock()) {
        self.profile = profile
        self.clock = clock
        self.settings = profile.oauth1 ?? .init(signatureMethods: [], signatureTypes: [], timestampWindow: 300)
    }

    /// Answers a request to one of the profile's endpoints: temporary credentials (POST), the
    /// authorization page (GET, and its form posted back), token credentials (POST) and the protected
    /// resource; anything else gets a 404 JSON error.
    ///
    /// - Parameter request: the request; only the path and query of its URL are read.
    public func handle(_ request: TransportRequest) async -> TransportResponse {
        let (path, query) = MockProvider.split(request.url)
        let endpoints = profile.endpoints
        switch (request.method, path) {
        case ("POST", endpoints.requestToken ?? "\u{0}"): return requestToken(request)
        case ("GET", endpoints.authorize): return authorize(query ?? FormParameters(), submitted: false)
        case ("POST", endpoints.authorize):
            let form = try? FormParameters(parsing: String(decoding: request.body, as: UTF8.self))
            return authorize(form ?? FormParameters(), submitted: true)
        case ("POST", endpoints.token): return accessToken(request)
        case ("GET", endpoints.resource), ("POST", endpoints.resource): return resource(request)
        default: return MockProvider.json(404, ["error": "not_found", "error_description": "no endpoint at \(path)"])
        }
    }

    // MARK: Problem reports

    func problem(_ status: Int, _ problem: String, _ advice: String, extra: [(String, String)] = []) -> TransportResponse {
        var body = FormParameters([("oauth_problem", problem), ("oauth_problem_advice", advice)])
        for (name, value) in extra { body.append(name, value) }
        var headers: HeaderList = ["Content-Type": "application/x-www-form-urlencoded"]
        if status == 401 { headers["WWW-Authenticate"] = "OAuth realm=\"\(profile.name)\"" }
        return TransportResponse(status: status, headers: headers, body: Array(body.encoded.utf8))
    }

    func form(_ pairs: [(String, String)]) -> TransportResponse {
        TransportResponse(
            status: 200,
            headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Array(FormParameters(pairs).encoded.utf8)
        )
    }

    // MARK: Signature verification (RFC 5849 §3.2)

    enum TokenKind { case none, temporary, access }

    struct Verified {
        var client: ProviderProfile.Client
        var parameters: FormParameters
        var token: String?
        var credentials: Credentials?
    }

    /// The OAuth protocol parameters as they arrived (§3.5: from exactly one of header, body or
    /// query), with everything else the signature covers.
    struct ArrivedParameters {
        var placement: String
        var oauth: FormParameters
        var header: [(String, String)]
        var query: FormParameters?
        var body: FormParameters?
    }

    func refusal(_ status: Int, _ name: String, _ advice: String, _ extra: [(String, String)] = []) -> ClientAuthFailure {
        ClientAuthFailure(response: problem(status, name, advice, extra: extra))
    }

    /// §3.5: where the protocol parameters are, refusing two places, an unaccepted one or a repeat.
    func arrivedParameters(_ request: TransportRequest) -> Result<ArrivedParameters, ClientAuthFailure> {
        let (_, queryParameters) = MockProvider.split(request.url)
        let isForm = request.headers["Content-Type"]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        let body = isForm ? (try? FormParameters(parsing: String(decoding: request.body, as: UTF8.self))) : nil
        var headerParameters: [(String, String)] = []
        if let authorization = request.headers["Authorization"], authorization.lowercased().hasPrefix("oauth ") {
            for (rawName, rawValue) in Self.authorizationPairs(authorization.utf8.dropFirst(6)) {
                guard let name = try? PercentEncoding.decode(rawName), let value = try? PercentEncoding.decode(rawValue) else {
                    return .failure(refusal(400, "parameter_rejected", "the Authorization header is not correctly encoded"))
                }
                headerParameters.append((name, value))
            }
        }
        let places: [(String, [(String, String)])] = [
            ("header", headerParameters.filter { $0.0.hasPrefix("oauth_") }),
            ("body", body?.filter { $0.name.hasPrefix("oauth_") }.map { ($0.name, $0.value) } ?? []),
            ("query", queryParameters?.filter { $0.name.hasPrefix("oauth_") }.map { ($0.name, $0.value) } ?? []),
        ].filter { !$0.1.isEmpty }
        guard places.count <= 1 else {
            return .failure(refusal(400, "parameter_rejected", "protocol parameters in more than one place (RFC 5849 §3.5)"))
        }
        guard let (placement, oauth) = places.first else { return .failure(refusal(401, "parameter_absent", "no OAuth protocol parameters")) }
        guard settings.signatureTypes.contains(where: { $0.rawValue == placement }) else {
            return .failure(refusal(400, "parameter_rejected", "protocol parameters in the \(placement) are not accepted here"))
        }
        let protocolParameters = FormParameters(oauth)
        for (name, _) in oauth where protocolParameters.values(for: name).count > 1 {
            return .failure(refusal(400, "parameter_rejected", "\(name) is repeated"))
        }
        return .success(
            ArrivedParameters(placement: placement, oauth: protocolParameters, header: headerParameters, query: queryParameters, body: body)
        )
    }

    /// The credentials the request is signed with, for a step that needs them.
    func signingCredentials(_ kind: TokenKind, token: String?, client: ProviderProfile.Client) -> Result<Credentials?, ClientAuthFailure> {
        switch kind {
        case .none:
            return .success(nil)
        case .temporary, .access:
            guard let token else {
                return .failure(refusal(400, "parameter_absent", "oauth_token is missing", [("oauth_parameters_absent", "oauth_token")]))
            }
            let credentials = store.withLock { kind == .temporary ? $0.temporary[token] : $0.access[token] }
            guard let found = credentials, found.clientID == client.clientID else {
                return .failure(refusal(401, "token_rejected", "the token is unknown"))
            }
            if kind == .temporary, clock.now().timeIntervalSince(found.issuedAt) > Self.temporaryLifetime {
                return .failure(refusal(401, "token_expired", "the temporary credentials expired"))
            }
            if found.used { return .failure(refusal(401, "token_used", "the temporary credentials were already exchanged")) }
            return .success(found)
        }
    }

    /// §3.3: a timestamp outside the accepted window, refused with the window it accepts.
    func timestampRefusal(_ timestamp: String?) -> ClientAuthFailure? {
        guard let timestamp else { return nil }
        let now = clock.now().timeIntervalSince1970
        if let seconds = Double(timestamp), abs(seconds - now) <= settings.timestampWindow { return nil }
        let low = Int(now - settings.timestampWindow)
        let high = Int(now + settings.timestampWindow)
        return refusal(
            401,
            "timestamp_refused",
            "oauth_timestamp is outside the accepted window",
            [("oauth_acceptable_timestamps", "\(low)-\(high)")]
        )
    }

    func verify(_ request: TransportRequest, token kind: TokenKind) -> Result<Verified, ClientAuthFailure> {
        func fail(_ status: Int, _ name: String, _ advice: String, _ extra: [(String, String)] = []) -> Result<Verified, ClientAuthFailure> {
            .failure(refusal(status, name, advice, extra))
        }
        let arrived: ArrivedParameters
        switch arrivedParameters(request) {
        case .success(let found): arrived = found
        case .failure(let failure): return .failure(failure)
        }
        let protocolParameters = arrived.oauth
        let methodName = protocolParameters["oauth_signature_method"]
        var required = ["oauth_consumer_key", "oauth_signature_method", "oauth_signature"]
        if methodName != "PLAINTEXT" { required += ["oauth_timestamp", "oauth_nonce"] }
        let absent = required.filter { protocolParameters[$0] == nil }
        if !absent.isEmpty {
            return fail(
                400,
                "parameter_absent",
                "missing \(absent.joined(separator: ", "))",
                [("oauth_parameters_absent", absent.joined(separator: "&"))]
            )
        }
        if let version = protocolParameters["oauth_version"], version != "1.0" { return fail(400, "version_rejected", "oauth_version must be 1.0") }
        guard let client = profile.client(id: protocolParameters["oauth_consumer_key"]!) else {
            return fail(401, "consumer_key_unknown", "unknown oauth_consumer_key")
        }
        guard let methodName, settings.signatureMethods.contains(where: { $0.rawValue == methodName }) else {
            return fail(400, "signature_method_rejected", "accepted: \(settings.signatureMethods.map(\.rawValue).joined(separator: ", "))")
        }
        if methodName == "RSA-SHA1", client.publicKeyPEM == nil {
            return fail(400, "signature_method_rejected", "no RSA key is registered for this consumer")
        }
        if methodName != "RSA-SHA1", client.clientSecret == nil {
            return fail(400, "signature_method_rejected", "this consumer has no shared secret")
        }
        if let refused = timestampRefusal(protocolParameters["oauth_timestamp"]) { return .failure(refused) }
        // The token the request is signed with.
        let token = protocolParameters["oauth_token"]
        let credentials: Credentials?
        switch signingCredentials(kind, token: token, client: client) {
        case .success(let found): credentials = found
        case .failure(let failure): return .failure(failure)
        }
        // §3.4: recompute the base string from what arrived.
        var parameters: [(String, String)] = arrived.query?.map { ($0.name, $0.value) } ?? []
        if arrived.placement == "header" { parameters += arrived.header.filter { $0.0 != "realm" } }
        if let body = arrived.body { parameters += body.map { ($0.name, $0.value) } }
        parameters.removeAll { $0.0 == "oauth_signature" }
        let url = MockProvider.issuer(request) + MockProvider.split(request.url).path
        // The mock's own RFC 5849 implementation, never the client's signing code.
        guard let baseString = IndependentVerification.signatureBaseString(method: request.method, url: url, parameters: parameters),
            IndependentVerification.verifyOAuth1(
                method: methodName,
                signature: protocolParameters["oauth_signature"]!,
                baseString: baseString,
                clientSecret: client.clientSecret,
                tokenSecret: credentials?.secret,
                rsaPublicKeyPEM: client.publicKeyPEM
            )
        else { return fail(401, "signature_invalid", "the signature does not match the request") }
        // §3.3: a nonce is accepted once per consumer, token and timestamp.
        if let nonce = protocolParameters["oauth_nonce"] {
            let key = [client.clientID, token ?? "", protocolParameters["oauth_timestamp"] ?? "", nonce].joined(separator: "\u{0}")
            let fresh = store.withLock { storage -> Bool in
                guard storage.nonces[key] == nil else { return false }
                storage.nonces[key] = true
                return true
            }
            if !fresh { return fail(401, "nonce_used", "this nonce was already used with this timestamp") }
        }
        return .success(Verified(client: client, parameters: FormParameters(parameters), token: token, credentials: credentials))
    }

    // MARK: §2.1 temporary credentials

    func requestToken(_ request: TransportRequest) -> TransportResponse {
        let verified: Verified
        switch verify(request, token: .none) {
        case .success(let value): verified = value
        case .failure(let failure): return failure.response
        }
        guard let callback = verified.parameters["oauth_callback"] else {
            return problem(
                400,
                "parameter_absent",
                "oauth_callback is required (RFC 5849 §2.1)",
                extra: [("oauth_parameters_absent", "oauth_callback")]
            )
        }
        if callback != "oob", !verified.client.redirectURIs.contains(where: { MockProvider.redirectURIMatches(registered: $0, requested: callback) })
        {
            return problem(400, "parameter_rejected", "oauth_callback is not registered for this consumer")
        }
        let token = SecureRandom.token(bytes: 18)
        let secret = SecureRandom.token(bytes: 24)
        let now = clock.now()
        store.withLock { $0.temporary[token] = Credentials(clientID: verified.client.clientID, secret: secret, callback: callback, issuedAt: now) }
        var pairs = [("oauth_token", token), ("oauth_token_secret", secret)]
        if !profile.quirks.contains(.callbackNotConfirmed) { pairs.append(("oauth_callback_confirmed", "true")) }
        return form(pairs)
    }

    // MARK: §2.2 resource owner authorization

    func authorize(_ parameters: FormParameters, submitted: Bool) -> TransportResponse {
        guard let token = parameters["oauth_token"], let credentials = store.withLock({ $0.temporary[token] }), !credentials.used else {
            return MockProvider.badRequest("unknown or used oauth_token")
        }
        guard submitted else {
            return ConsentPage.render(
                profile: profile,
                clientID: credentials.clientID,
                detail: "OAuth 1.0a authorization",
                action: profile.endpoints.authorize,
                hidden: [("oauth_token", token)]
            )
        }
        let callback = credentials.callback ?? "oob"
        switch parameters["decision"] {
        case "approve":
            let sub = parameters["user"] ?? profile.users[0].sub
            guard profile.user(sub: sub) != nil else { return MockProvider.badRequest("unknown user") }
            let verifier = SecureRandom.token(bytes: 12)
            store.withLock {
                $0.temporary[token]?.verifier = verifier
                $0.temporary[token]?.sub = sub
            }
            if callback == "oob" {
                let page =
                    "<!doctype html><html><body><p>Enter this code in the application: <code id=\"oauth_verifier\">\(verifier)</code></p></body></html>"
                return TransportResponse(status: 200, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(page.utf8))
            }
            return Self.redirect(callback, [("oauth_token", token), ("oauth_verifier", verifier)])
        case "deny":
            store.withLock { $0.temporary[token] = nil }
            // Twitter's convention: back to the callback with `denied=<token>`.
            return Self.redirect(callback, [("denied", token)])
        default:
            return MockProvider.badRequest("decision must be approve or deny")
        }
    }

    static func redirect(_ base: String, _ pairs: [(String, String)]) -> TransportResponse {
        TransportResponse(status: 302, headers: ["Location": URLReference.appending(FormParameters(pairs), to: base)])
    }

    // MARK: §2.3 token credentials

    func accessToken(_ request: TransportRequest) -> TransportResponse {
        let verified: Verified
        switch verify(request, token: .temporary) {
        case .success(let value): verified = value
        case .failure(let failure): return failure.response
        }
        guard let verifier = verified.parameters["oauth_verifier"] else {
            return problem(400, "parameter_absent", "oauth_verifier is required", extra: [("oauth_parameters_absent", "oauth_verifier")])
        }
        guard let temporary = verified.credentials, let expected = temporary.verifier, let sub = temporary.sub, constantTimeEquals(expected, verifier)
        else {
            return problem(401, "verifier_invalid", "oauth_verifier does not match the authorization")
        }
        let token = SecureRandom.token(bytes: 18)
        let secret = SecureRandom.token(bytes: 24)
        store.withLock {
            $0.temporary[verified.token!]?.used = true
            $0.access[token] = Credentials(clientID: verified.client.clientID, secret: secret, sub: sub)
        }
        return form([
            ("oauth_token", token), ("oauth_token_secret", secret), ("user_id", sub), ("screen_name", profile.user(sub: sub)?.text("name") ?? sub),
        ])
    }

    // MARK: §3 protected resource

    func resource(_ request: TransportRequest) -> TransportResponse {
        let verified: Verified
        switch verify(request, token: .access) {
        case .success(let value): verified = value
        case .failure(let failure): return failure.response
        }
        guard let sub = verified.credentials?.sub, let user = profile.user(sub: sub) else { return MockProvider.json(500, ["error": "server_error"]) }
        var claims = user.claims
        claims["id"] = .string(sub)
        claims["consumer_key"] = .string(verified.client.clientID)
        return MockProvider.json(200, claims)
    }

    /// The `name="value"` pairs of an `Authorization: OAuth …` header (RFC 5849 §3.5.1), in
    /// one linear pass: text that is not a pair is skipped a run at a time, never re-scanned.
    static func authorizationPairs(_ header: Substring.UTF8View) -> [(Substring, Substring)] {
        func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) || [0x5F, 0x2E, 0x7E, 0x25, 0x2D].contains(byte)
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var pairs: [(Substring, Substring)] = []
        var index = header.startIndex
        while index < header.endIndex {
            guard isNameByte(header[index]) else {
                index = header.index(after: index)
                continue
            }
            let nameStart = index
            while index < header.endIndex, isNameByte(header[index]) { index = header.index(after: index) }
            let nameEnd = index
            while index < header.endIndex, isSpace(header[index]) { index = header.index(after: index) }
            guard index < header.endIndex, header[index] == UInt8(ascii: "=") else { continue }
            index = header.index(after: index)
            while index < header.endIndex, isSpace(header[index]) { index = header.index(after: index) }
            guard index < header.endIndex, header[index] == UInt8(ascii: "\"") else { continue }
            let valueStart = header.index(after: index)
            guard let valueEnd = header[valueStart...].firstIndex(of: UInt8(ascii: "\"")) else { break }
            pairs.append((Substring(header[nameStart..<nameEnd]), Substring(header[valueStart..<valueEnd])))
            index = header.index(after: valueEnd)
        }
        return pairs
    }
}
