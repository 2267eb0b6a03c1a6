import Foundation
import OAuthCore

/// Where the protocol parameters go (RFC 5849 §3.5).
public enum SignatureType: String, Sendable, CaseIterable {
    /// `Authorization: OAuth …` (§3.5.1), with `realm` if set.
    case header
    /// In an `application/x-www-form-urlencoded` body (§3.5.2).
    case body
    /// In the query (§3.5.3).
    case query
}

/// Signs requests for OAuth 1.0a (RFC 5849): the client credentials, the token credentials
/// when there are some, and per-flow parameters (`oauth_callback`, `oauth_verifier`).
public struct OAuth1Auth: Sendable {
    /// `oauth_consumer_key`: the client identifier.
    public var clientID: String
    var clientSecret: String { didSet { rekey() } }
    /// `oauth_token`: the temporary or token credentials' identifier, when there are some.
    public var token: String?
    var tokenSecret: String? { didSet { rekey() } }
    /// `oauth_callback`, sent when set (temporary credentials request, §2.1).
    public var callback: String?
    /// `oauth_verifier`, sent when set (token credentials request, §2.3).
    public var verifier: String?
    var rsaKey: RSASigningKey?
    /// How requests are signed (§3.4).
    public var signatureMethod: SignatureMethod { didSet { rekey() } }
    /// The HMAC keyed with the secrets (nil for RSA-SHA1 and PLAINTEXT).
    private var keyed: KeyedHMAC?
    /// Where the protocol parameters go (§3.5).
    public var signatureType: SignatureType
    /// The `realm` of the `Authorization` header (§3.5.1); not signed, and not sent with the other
    /// signature types.
    public var realm: String?
    /// Include a body's parameters in the signature even when it is not declared as a form.
    public var forceIncludeBody: Bool
    /// Where `oauth_timestamp` comes from.
    public var clock: any OAuthClock
    /// Makes `oauth_nonce` values; unique per request by default (16 CSPRNG bytes).
    public var nonce: @Sendable () -> String

    /// Creates a signer.
    ///
    /// - Parameters:
    ///   - clientID: the client identifier (`oauth_consumer_key`).
    ///   - clientSecret: the client shared-secret.
    ///   - token: the temporary or token credentials' identifier, if any.
    ///   - tokenSecret: the secret that goes with `token`.
    ///   - callback: `oauth_callback`, for a temporary credentials request.
    ///   - verifier: `oauth_verifier`, for a token credentials request.
    ///   - rsaKey: the private key; required for RSA-SHA1.
    ///   - signatureMethod: how requests are signed.
    ///   - signatureType: where the protocol parameters go.
    ///   - realm: the `realm` of the `Authorization` header.
    ///   - forceIncludeBody: whether a body that is not declared as a form is signed as one.
    ///   - clock: where `oauth_timestamp` comes from.
    ///   - nonce: makes each request's `oauth_nonce`.
    public init(
        clientID: String,
        clientSecret: String = "",
        token: String? = nil,
        tokenSecret: String? = nil,
        callback: String? = nil,
        verifier: String? = nil,
        rsaKey: RSASigningKey? = nil,
        signatureMethod: SignatureMethod = .hmacSHA1,
        signatureType: SignatureType = .header,
        realm: String? = nil,
        forceIncludeBody: Bool = false,
        clock: any OAuthClock = SystemClock(),
        nonce: @escaping @Sendable () -> String = { SecureRandom.token(bytes: 16) }
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.token = token
        self.tokenSecret = tokenSecret
        self.callback = callback
        self.verifier = verifier
        self.rsaKey = rsaKey
        self.signatureMethod = signatureMethod
        self.signatureType = signatureType
        self.realm = realm
        self.forceIncludeBody = forceIncludeBody
        self.clock = clock
        self.nonce = nonce
        rekey()
    }

    private mutating func rekey() {
        keyed = KeyedHMAC(method: signatureMethod, clientSecret: clientSecret, tokenSecret: tokenSecret)
    }

    /// The protocol parameters of one request (§3.1), before the signature.
    func protocolParameters(extra: [(String, String)]) -> [(String, String)] {
        var parameters = [("oauth_consumer_key", clientID)]
        if let token { parameters.append(("oauth_token", token)) }
        parameters.append(("oauth_signature_method", signatureMethod.rawValue))
        parameters.append(("oauth_timestamp", String(Int(clock.now().timeIntervalSince1970))))
        parameters.append(("oauth_nonce", nonce()))
        parameters.append(("oauth_version", "1.0"))
        if let callback { parameters.append(("oauth_callback", callback)) }
        if let verifier { parameters.append(("oauth_verifier", verifier)) }
        return parameters + extra
    }

    static let malformedForm = OAuthError.client(OAuthErrorCode.invalidConfiguration, "the form body is malformed", step: "sign")

    /// Signs `request`: collects its parameters (§3.4.1.3), computes the signature and puts the
    /// protocol parameters where `signatureType` says.
    ///
    /// - Parameters:
    ///   - request: the request to sign; its URL must be absolute.
    ///   - extraProtocolParameters: further protocol parameters, signed and sent with the
    ///     `oauth_*` ones.
    /// - Returns: the request with the protocol parameters and `oauth_signature` added.
    /// - Throws: `OAuthError` with `invalid_configuration` when the URL is not absolute, the
    ///   query or a form body is malformed, signature type body is used for a GET, a HEAD or a
    ///   body that is not a form, or RSA-SHA1 has no key or fails.
    public func sign(_ request: TransportRequest, extraProtocolParameters: [(String, String)] = []) throws(OAuthError) -> TransportRequest {
        var request = request
        let isForm = request.headers["Content-Type"].map { HeaderList.value($0, hasLowercasePrefix: "application/x-www-form-urlencoded") } ?? false
        let includesBody = isForm || (forceIncludeBody && !request.body.isEmpty)
        var form: FormParameters?
        // The form is read into strings only where it is needed as such: to add the protocol
        // parameters to it (signature type body), for RSA-SHA1 and PLAINTEXT, and for a body
        // that is not ASCII (read as UTF-8 with repair, as ever).
        if includesBody && (signatureType == .body || keyed == nil || request.body.contains { $0 >= 0x80 }) {
            form = try? FormParameters(parsing: String(decoding: request.body, as: UTF8.self))
            if isForm, form == nil { throw Self.malformedForm }
        }
        if signatureType == .body {
            guard request.method != "GET", request.method != "HEAD", isForm || request.body.isEmpty else {
                throw .client(
                    OAuthErrorCode.invalidConfiguration,
                    "signature type body needs a form-encoded request that has a body (not \(request.method))",
                    step: "sign"
                )
            }
        }
        var parameters = protocolParameters(extra: extraProtocolParameters)
        let signature: String
        if let keyed {
            // HMAC: the parameters are encoded once into one buffer (EncodedParameters).
            var encoded = EncodedParameters(capacity: 2 * request.url.utf8.count + 64 * parameters.count + request.body.count)
            if let query = SignatureBaseString.query(of: request.url) {
                do { try encoded.append(formEncoded: ArraySlice(query.utf8)) } catch { throw SignatureBaseString.malformedQuery(error) }
            }
            for (name, value) in parameters where name != "oauth_signature" && name != "realm" { encoded.append(name: name, value: value) }
            if let form {
                for parameter in form { encoded.append(name: parameter.name, value: parameter.value) }
            } else if includesBody {
                do { try encoded.append(formEncoded: request.body[...]) } catch { if isForm { throw Self.malformedForm } }
            }
            signature = keyed.signature(of: try SignatureBaseString.bytes(method: request.method, url: request.url, parameters: encoded))
        } else {
            let collected = try SignatureBaseString.collectParameters(url: request.url, oauthParameters: parameters, formBody: form)
            let baseString = try SignatureBaseString.make(method: request.method, url: request.url, parameters: collected)
            signature = try signatureMethod.sign(baseString: baseString, clientSecret: clientSecret, tokenSecret: tokenSecret, rsaKey: rsaKey)
        }
        parameters.append(("oauth_signature", signature))
        switch signatureType {
        case .header:
            var header = Array("OAuth ".utf8)
            header.reserveCapacity(parameters.reduce(64) { $0 + $1.0.utf8.count + 3 * $1.1.utf8.count + 4 })
            if let realm {
                header += "realm=\"".utf8
                PercentEncoding.append(encoding: realm, to: &header)
                header.append(UInt8(ascii: "\""))
            }
            for (index, (name, value)) in parameters.enumerated() {
                if index > 0 || realm != nil { header += ", ".utf8 }
                PercentEncoding.append(encoding: name, to: &header)
                header += "=\"".utf8
                PercentEncoding.append(encoding: value, to: &header)
                header.append(UInt8(ascii: "\""))
            }
            request.headers["Authorization"] = String(decoding: header, as: UTF8.self)
        case .body:
            var body = form ?? FormParameters()
            for (name, value) in parameters { body.append(name, value) }
            request.body = Array(body.encoded.utf8)
            request.headers["Content-Type"] = "application/x-www-form-urlencoded"
        case .query:
            request.url = URLReference.appending(FormParameters(parameters), to: request.url)
        }
        return request
    }
}
