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
    public var clientID: String
    var clientSecret: String { didSet { rekey() } }
    public var token: String?
    var tokenSecret: String? { didSet { rekey() } }
    public var callback: String?
    public var verifier: String?
    var rsaKey: RSASigningKey?
    public var signatureMethod: SignatureMethod { didSet { rekey() } }
    /// The HMAC keyed with the secrets (nil for RSA-SHA1 and PLAINTEXT).
    private var keyed: KeyedHMAC?
    public var signatureType: SignatureType
    public var realm: String?
    /// Include a body's parameters in the signature even when it is not declared as a form.
    public var forceIncludeBody: Bool
    /// Where `oauth_timestamp` comes from.
    public var clock: any OAuthClock
    /// Makes `oauth_nonce` values; unique per request by default (16 CSPRNG bytes).
    public var nonce: @Sendable () -> String

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
