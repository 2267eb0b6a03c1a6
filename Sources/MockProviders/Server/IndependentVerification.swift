import Crypto
import CryptoExtras
import Foundation
import OAuthCore

/// The mock's own checks of what a client computed, written from the RFCs for the mock and
/// sharing no code with the client library (`OAuth1`, `OAuth2`): a conformance harness must not
/// grade the client with the client's own answer sheet. Only wire constants, the crypto
/// primitives of swift-crypto and the package's base64 codec (`OAuthCore`) are common to both sides.
enum IndependentVerification {
    // MARK: RFC 5849 §3.4 signatures

    /// §3.6 percent-encoding: every octet except ALPHA, DIGIT, `-`, `.`, `_`, `~` as `%XX`
    /// with upper-case hex, over the UTF-8 bytes.
    static func rfc5849Encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// §3.4.1.2: scheme and host lower-case, the port only when it is not the scheme's
    /// default, the path (`/` when empty), no query or fragment. `nil` for a URL without them.
    static func baseStringURI(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased(),
            scheme == "http" || scheme == "https"
        else { return nil }
        var authority = host
        if let port = components.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) { authority += ":\(port)" }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        return scheme + "://" + authority + path
    }

    /// §3.4.1: `METHOD&encode(base URI)&encode(normalized parameters)`, where the parameters
    /// (query, `Authorization` header without `realm`, form body — decoded, without
    /// `oauth_signature`) are encoded, sorted by name then value, and joined (§3.4.1.3.2).
    static func signatureBaseString(method: String, url: String, parameters: [(String, String)]) -> String? {
        guard let uri = baseStringURI(url) else { return nil }
        var encoded: [(name: String, value: String)] = parameters.map { (rfc5849Encode($0.0), rfc5849Encode($0.1)) }
        encoded.sort { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name != b.name ? a.name < b.name : a.value < b.value
        }
        let normalized = encoded.map { (pair: (name: String, value: String)) -> String in pair.name + "=" + pair.value }.joined(separator: "&")
        return method.uppercased() + "&" + rfc5849Encode(uri) + "&" + rfc5849Encode(normalized)
    }

    /// Checks `signature` over `baseString` for `method` (`HMAC-SHA1`, `HMAC-SHA256`,
    /// `RSA-SHA1`, `PLAINTEXT`; §3.4.2–3.4.4). HMAC and PLAINTEXT compare in constant time.
    static func verifyOAuth1(
        method: String,
        signature: String,
        baseString: String,
        clientSecret: String?,
        tokenSecret: String?,
        rsaPublicKeyPEM: String?
    ) -> Bool {
        let key = rfc5849Encode(clientSecret ?? "") + "&" + rfc5849Encode(tokenSecret ?? "")
        switch method {
        case "PLAINTEXT":
            guard clientSecret != nil else { return false }
            return constantTime(Array(signature.utf8), Array(key.utf8))
        case "HMAC-SHA1", "HMAC-SHA256":
            guard clientSecret != nil else { return false }
            let symmetric = SymmetricKey(data: Array(key.utf8))
            let message = Array(baseString.utf8)
            // §3.4.2: the signature is the base64 of the digest, compared as sent (canonical form only).
            let expected =
                method == "HMAC-SHA1"
                ? Base64Standard.encode(Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetric)))
                : Base64Standard.encode(Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetric)))
            return constantTime(Array(signature.utf8), Array(expected.utf8))
        case "RSA-SHA1":
            // RFC 5849's own example key is 1024 bits: the mock accepts such keys where a profile registers them.
            guard let pem = rsaPublicKeyPEM, let given = Base64Standard.decode(signature),
                let publicKey = try? _RSA.Signing.PublicKey(unsafePEMRepresentation: pem)
            else { return false }
            return publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: given),
                for: Insecure.SHA1.hash(data: Array(baseString.utf8)),
                padding: .insecurePKCS1v1_5
            )
        default:
            return false
        }
    }

    // MARK: RFC 7636 §4.6 PKCE

    /// `S256`: BASE64URL(SHA256(ASCII(code_verifier))) equals the challenge; `plain`: the verifier
    /// equals it. The verifier must be 43–128 unreserved characters (§4.1).
    static func verifyPKCE(verifier: String, challenge: String, method: String) -> Bool {
        let unreserved = verifier.utf8.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || [0x2D, 0x2E, 0x5F, 0x7E].contains(byte)
        }
        guard (43...128).contains(verifier.utf8.count), unreserved else { return false }
        switch method {
        case "plain":
            return constantTime(Array(verifier.utf8), Array(challenge.utf8))
        case "S256":
            let digest = Base64Standard.encode(Array(SHA256.hash(data: Array(verifier.utf8))))
            let base64url = digest.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                of: "=",
                with: ""
            )
            return constantTime(Array(base64url.utf8), Array(challenge.utf8))
        default:
            return false
        }
    }

    static func constantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
