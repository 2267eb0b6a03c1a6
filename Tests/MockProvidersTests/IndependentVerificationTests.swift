import Crypto
import Foundation
import OAuthCore
import Testing

@testable import MockProviders
@testable import OAuth1

/// The mock's own RFC 5849 and RFC 7636 code: the RFCs' vectors, and signatures a client got
/// wrong on purpose are refused.
@Suite struct IndependentVerificationTests {
    /// RFC 5849 §3.4.1.1: the example's base string (the parameters as §3.4.1.3.1 collects them).
    @Test func section3411BaseString() {
        let parameters = [
            ("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b"), ("oauth_consumer_key", "9djdj82h48djs9d2"), ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", "137131201"), ("oauth_nonce", "7d8f3e4a"), ("c2", ""), ("a3", "2 q"),
        ]
        #expect(
            IndependentVerification.signatureBaseString(method: "post", url: "HTTP://Example.com:80/request", parameters: parameters)
                == "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        )
        #expect(IndependentVerification.baseStringURI("https://www.example.net:8080/?q=1") == "https://www.example.net:8080/")
        #expect(IndependentVerification.rfc5849Encode("jjd99$tj88uiths3 ~é") == "jjd99%24tj88uiths3%20~%C3%A9")
    }

    /// RFC 5849 §1.2: the photos request's HMAC-SHA1 signature, and the same request signed
    /// with the OAuth test suite's published RSA key (RSA-SHA1) and in PLAINTEXT.
    @Test func publishedSignaturesVerify() throws {
        let photos = [
            ("file", "vacation.jpg"), ("size", "original"), ("oauth_consumer_key", "dpf43f3p2l4k3l03"), ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", "137131202"), ("oauth_nonce", "chapoH"),
        ]
        let base = try #require(
            IndependentVerification.signatureBaseString(method: "GET", url: "http://photos.example.net/photos", parameters: photos)
        )
        func hmac(_ signature: String, secret: String = "kd94hf93k423kf44", token: String? = "pfkkdhi9sl3r4s00") -> Bool {
            IndependentVerification.verifyOAuth1(
                method: "HMAC-SHA1",
                signature: signature,
                baseString: base,
                clientSecret: secret,
                tokenSecret: token,
                rsaPublicKeyPEM: nil
            )
        }
        #expect(hmac("MdpQcU8iPSUjWoN/UDMsK2sui9I="))
        #expect(!hmac("MdpQcU8iPSUjWoN/UDMsK2sui9I=", secret: "kd94hf93k423kf45"), "wrong key")
        #expect(!hmac("MdpQcU8jPSUjWoN/UDMsK2sui9I="))
        #expect(!hmac("MdpQcU8iPSUjWoN/UDMsK2sui9J="), "non-canonical base64 is not the signature")
        #expect(!hmac("not base64!"))

        let rsaBase = try #require(
            IndependentVerification.signatureBaseString(
                method: "GET",
                url: "http://photos.example.net/photos",
                parameters: [
                    ("file", "vacaction.jpg"), ("size", "original"), ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
                    ("oauth_signature_method", "RSA-SHA1"),
                    ("oauth_timestamp", "1196666512"), ("oauth_nonce", "13917289812797014437"), ("oauth_version", "1.0"),
                ]
            )
        )
        let privatePEM = try String(contentsOfFile: repositoryRoot + "/Tests/fixtures/keys/oauth-test-suite-rsa1024.private.pem", encoding: .utf8)
        let publicPEM = try RSASigningKey(pem: privatePEM).key.publicKey.pemRepresentation
        let published =
            "jvTp/wX1TYtByB1m+Pbyo0lnCOLIsyGCH7wke8AUs3BpnwZJtAuEJkvQL2/9n4s5wUmUl4aCI4BwpraNx4RtEXMe5qg5T1LVTGliMRpKasKsW//e+RinhejgCuzoH26dyF8iY2ZZ/5D1ilgeijhV/vBka5twt399mXwaYdCwFYE="
        #expect(
            IndependentVerification.verifyOAuth1(
                method: "RSA-SHA1",
                signature: published,
                baseString: rsaBase,
                clientSecret: nil,
                tokenSecret: nil,
                rsaPublicKeyPEM: publicPEM
            )
        )
        #expect(
            !IndependentVerification.verifyOAuth1(
                method: "RSA-SHA1",
                signature: published,
                baseString: rsaBase + "x",
                clientSecret: nil,
                tokenSecret: nil,
                rsaPublicKeyPEM: publicPEM
            )
        )
        #expect(
            IndependentVerification.verifyOAuth1(
                method: "PLAINTEXT",
                signature: "djr9rjt0jd78jf88&jjd99%24tj88uiths3",
                baseString: "",
                clientSecret: "djr9rjt0jd78jf88",
                tokenSecret: "jjd99$tj88uiths3",
                rsaPublicKeyPEM: nil
            )
        )
    }

    /// RFC 7636 Appendix B.
    @Test func pkceAppendixB() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(IndependentVerification.verifyPKCE(verifier: verifier, challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", method: "S256"))
        #expect(!IndependentVerification.verifyPKCE(verifier: verifier, challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", method: "S256"))
        #expect(IndependentVerification.verifyPKCE(verifier: verifier, challenge: verifier, method: "plain"))
        #expect(!IndependentVerification.verifyPKCE(verifier: "short", challenge: "short", method: "plain"), "43-128 characters")
        #expect(!IndependentVerification.verifyPKCE(verifier: verifier, challenge: verifier, method: "S512"))
    }

    /// A client whose signing is wrong in a chosen way — normalization (unsorted parameters),
    /// encoding (lower-case hex, `+` for space), the key — is refused by the mock with
    /// signature_invalid, while the correct signature of the same request is accepted.
    @Test(arguments: ["correct", "unsorted", "lowercase hex", "plus for space", "wrong key", "query left out"])
    func brokenClientSignaturesAreRefused(breakage: String) async throws {
        let clock = ManualClock()
        let provider = MockOAuth1Provider(profile: try oauth1Profile(), clock: clock)
        let timestamp = String(Int(clock.now().timeIntervalSince1970))
        let nonce = "n-" + breakage.replacingOccurrences(of: " ", with: "-")
        var oauth = [
            ("oauth_consumer_key", "harness-consumer"), ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", timestamp),
            ("oauth_nonce", nonce),
            ("oauth_callback", "http://127.0.0.1:8400/callback"), ("oauth_version", "1.0"),
        ]
        let query = [("q", "a b"), ("z", "1")]
        func encode(_ text: String) -> String {
            var encoded = IndependentVerification.rfc5849Encode(text)
            if breakage == "lowercase hex" {
                encoded = encoded.replacingOccurrences(of: "%3A", with: "%3a").replacingOccurrences(of: "%2F", with: "%2f")
            }
            if breakage == "plus for space" { encoded = encoded.replacingOccurrences(of: "%20", with: "+") }
            return encoded
        }
        var pairs = (oauth + (breakage == "query left out" ? [] : query)).map { (encode($0.0), encode($0.1)) }
        if breakage != "unsorted" { pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 } }
        let normalized = pairs.map { $0.0 + "=" + $0.1 }.joined(separator: "&")
        let base = "POST&" + encode("http://mock.test/oauth/request_token") + "&" + encode(normalized)
        let key = (breakage == "wrong key" ? "harness-consumer-secreT" : "harness-consumer-secret") + "&"
        let signature = Data(HMAC<Insecure.SHA1>.authenticationCode(for: Array(base.utf8), using: SymmetricKey(data: Array(key.utf8))))
            .base64EncodedString()
        oauth.append(("oauth_signature", signature))
        let header =
            "OAuth "
            + oauth.map { "\(IndependentVerification.rfc5849Encode($0.0))=\"\(IndependentVerification.rfc5849Encode($0.1))\"" }.joined(
                separator: ", "
            )
        let response = await provider.handle(
            TransportRequest(method: "POST", url: "/oauth/request_token?q=a%20b&z=1", headers: ["Authorization": header, "Host": "mock.test"])
        )
        let problem = try FormParameters(parsing: response.bodyText)
        if breakage == "correct" {
            #expect(response.status == 200, "\(response.bodyText)")
        } else {
            #expect(response.status == 401, "\(breakage): \(response.bodyText)")
            #expect(problem["oauth_problem"] == "signature_invalid")
        }
    }
}
