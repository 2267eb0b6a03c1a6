import Foundation
import OAuthCore
import Testing

@testable import OAuth1

@Suite struct EncodingTests {
    /// RFC 5849 §3.6 (and the examples every OAuth 1 implementation is checked against).
    @Test(arguments: [
        ("Ladies + Gentlemen", "Ladies%20%2B%20Gentlemen"), ("An encoded string!", "An%20encoded%20string%21"),
        ("Dogs, Cats & Mice", "Dogs%2C%20Cats%20%26%20Mice"), ("☃", "%E2%98%83"), ("-._~", "-._~"), ("%", "%25"), ("a/b?c=d", "a%2Fb%3Fc%3Dd"),
    ])
    func percentEncoding(input: String, expected: String) {
        #expect(SignatureBaseString.encode(input) == expected)
    }

    /// RFC 5849 §3.4.1.2.
    @Test(arguments: [
        ("HTTP://EXAMPLE.COM:80/r%20v/X?id=123", "http://example.com/r%20v/X"),
        ("https://www.example.net:8080/?q=1", "https://www.example.net:8080/"),
        ("https://www.example.net:443/a#frag", "https://www.example.net/a"),
        ("http://example.com", "http://example.com/"),
        ("http://127.0.0.1:8400/api?x", "http://127.0.0.1:8400/api"),
        ("https://user:pw@API.Example.com:8443/Path/A?b#c", "https://api.example.com:8443/Path/A"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"), ("http://[::1]/x", "http://[::1]/x"),
        ("http://example.com:/p", "http://example.com/p"), ("http://example.com?q=1", "http://example.com/"),
        ("http://example.com#f", "http://example.com/"),
    ])
    func baseStringURI(url: String, expected: String) throws {
        #expect(try SignatureBaseString.baseStringURI(url) == expected)
    }

    @Test(arguments: [
        "/photos", "photos.example.net/x", "http:/x", "://x", "1http://x/", "http://", "http:///path", "http://exa mple.com/",
        "http://example.com/a b", "http://example.com:99999/", "http://example.com:8o/", "http://[::1/x", "http://[::1]x/", "http://é.com/",
    ])
    func relativeOrInvalidURLsAreRejected(url: String) {
        #expect(throws: OAuthError.self) { try SignatureBaseString.baseStringURI(url) }
    }

    @Test func normalizationSortsByNameThenValueAfterEncoding() {
        let normalized = SignatureBaseString.normalizedParameters([("b", "2"), ("a", "z"), ("a", "a b"), ("a", "a"), ("A", "1"), ("c@", "")])
        #expect(normalized == "A=1&a=a&a=a%20b&a=z&b=2&c%40=")
    }
}

@Suite struct RFC5849VectorTests {
    /// §3.4.1.1: the example request and its base string; §3.4.1.3.2: its normalized parameters.
    @Test func section3411BaseString() throws {
        let url = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"
        let oauth = [
            ("realm", "Example"), ("oauth_consumer_key", "9djdj82h48djs9d2"), ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", "137131201"), ("oauth_nonce", "7d8f3e4a"),
            ("oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"),
        ]
        let parameters = try SignatureBaseString.collectParameters(
            url: url,
            oauthParameters: oauth,
            formBody: try FormParameters(parsing: "c2&a3=2+q")
        )
        #expect(
            SignatureBaseString.normalizedParameters(parameters)
                == "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
        )
        #expect(
            try SignatureBaseString.make(method: "POST", url: url, parameters: parameters)
                == "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        )
    }

    /// §1.2: the photos request and its HMAC-SHA1 signature.
    @Test func section12PhotosHMACSHA1() throws {
        let url = "http://photos.example.net/photos?file=vacation.jpg&size=original"
        let oauth = [
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"), ("oauth_token", "nnch734d00sl2jdk"), ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"), ("oauth_nonce", "chapoH"),
        ]
        let base = try SignatureBaseString.make(
            method: "GET",
            url: url,
            parameters: SignatureBaseString.collectParameters(url: url, oauthParameters: oauth, formBody: nil)
        )
        #expect(
            base
                == "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
        )
        let signature = try SignatureMethod.hmacSHA1.sign(
            baseString: base,
            clientSecret: "kd94hf93k423kf44",
            tokenSecret: "pfkkdhi9sl3r4s00",
            rsaKey: nil
        )
        #expect(signature == "MdpQcU8iPSUjWoN/UDMsK2sui9I=")
        #expect(
            SignatureMethod.hmacSHA1.verify(
                signature: signature,
                baseString: base,
                clientSecret: "kd94hf93k423kf44",
                tokenSecret: "pfkkdhi9sl3r4s00",
                rsaPublicKey: nil
            )
        )
        #expect(
            !SignatureMethod.hmacSHA1.verify(
                signature: signature,
                baseString: base,
                clientSecret: "kd94hf93k423kf45",
                tokenSecret: "pfkkdhi9sl3r4s00",
                rsaPublicKey: nil
            )
        )
    }

    /// The RSA-SHA1 test case of the OAuth 1.0 test suite (the photos request signed with its
    /// published 1024-bit test key).
    @Test func rsaSHA1Vector() throws {
        let url = "http://photos.example.net/photos?file=vacaction.jpg&size=original"
        let oauth = [
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"), ("oauth_signature_method", "RSA-SHA1"), ("oauth_timestamp", "1196666512"),
            ("oauth_nonce", "13917289812797014437"), ("oauth_version", "1.0"),
        ]
        let base = try SignatureBaseString.make(
            method: "GET",
            url: url,
            parameters: SignatureBaseString.collectParameters(url: url, oauthParameters: oauth, formBody: nil)
        )
        #expect(
            base
                == "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacaction.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3D13917289812797014437%26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1196666512%26oauth_version%3D1.0%26size%3Doriginal"
        )
        let key = try RSASigningKey(pem: Self.testSuitePrivateKey)
        let signature = try SignatureMethod.rsaSHA1.sign(baseString: base, clientSecret: "", tokenSecret: nil, rsaKey: key)
        #expect(
            signature
                == "jvTp/wX1TYtByB1m+Pbyo0lnCOLIsyGCH7wke8AUs3BpnwZJtAuEJkvQL2/9n4s5wUmUl4aCI4BwpraNx4RtEXMe5qg5T1LVTGliMRpKasKsW//e+RinhejgCuzoH26dyF8iY2ZZ/5D1ilgeijhV/vBka5twt399mXwaYdCwFYE="
        )
        let publicKey = try RSAVerifyingKey(pem: key.key.publicKey.pemRepresentation)
        #expect(SignatureMethod.rsaSHA1.verify(signature: signature, baseString: base, clientSecret: nil, tokenSecret: nil, rsaPublicKey: publicKey))
        #expect(
            !SignatureMethod.rsaSHA1.verify(
                signature: signature,
                baseString: base + "x",
                clientSecret: nil,
                tokenSecret: nil,
                rsaPublicKey: publicKey
            )
        )
    }

    @Test func plaintextIsTheEncodedKey() throws {
        #expect(
            try SignatureMethod.plaintext.sign(baseString: "ignored", clientSecret: "djr9rjt0jd78jf88", tokenSecret: "jjd99$tj88uiths3", rsaKey: nil)
                == "djr9rjt0jd78jf88&jjd99%24tj88uiths3"
        )
        #expect(
            try SignatureMethod.plaintext.sign(baseString: "ignored", clientSecret: "djr9rjt0jd78jf88", tokenSecret: nil, rsaKey: nil)
                == "djr9rjt0jd78jf88&"
        )
    }

    /// The OAuth 1.0 test suite's 1024-bit RSA key (public test data, used only here).
    static let testSuitePrivateKey = """
        -----BEGIN PRIVATE KEY-----
        MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALRiMLAh9iimur8V
        A7qVvdqxevEuUkW4K+2KdMXmnQbG9Aa7k7eBjK1S+0LYmVjPKlJGNXHDGuy5Fw/d
        7rjVJ0BLB+ubPK8iA/Tw3hLQgXMRRGRXXCn8ikfuQfjUS1uZSatdLB81mydBETlJ
        hI6GH4twrbDJCR2Bwy/XWXgqgGRzAgMBAAECgYBYWVtleUzavkbrPjy0T5FMou8H
        X9u2AC2ry8vD/l7cqedtwMPp9k7TubgNFo+NGvKsl2ynyprOZR1xjQ7WgrgVB+mm
        uScOM/5HVceFuGRDhYTCObE+y1kxRloNYXnx3ei1zbeYLPCHdhxRYW7T0qcynNmw
        rn05/KO2RLjgQNalsQJBANeA3Q4Nugqy4QBUCEC09SqylT2K9FrrItqL2QKc9v0Z
        zO2uwllCbg0dwpVuYPYXYvikNHHg+aCWF+VXsb9rpPsCQQDWR9TT4ORdzoj+Nccn
        qkMsDmzt0EfNaAOwHOmVJ2RVBspPcxt5iN4HI7HNeG6U5YsFBb+/GZbgfBT3kpNG
        WPTpAkBI+gFhjfJvRw38n3g/+UeAkwMI2TJQS4n8+hid0uus3/zOjDySH3XHCUno
        cn1xOJAyZODBo47E+67R4jV1/gzbAkEAklJaspRPXP877NssM5nAZMU0/O/NGCZ+
        3jPgDUno6WbJn5cqm8MqWhW1xGkImgRk+fkDBquiq4gPiT898jusgQJAd5Zrr6Q8
        AO/0isr/3aa6O6NLQxISLKcPDk2NOccAfS/xOtfOz4sJYM3+Bs4Io9+dZGSDCA54
        Lw03eHTNQghS0A==
        -----END PRIVATE KEY-----
        """
}

@Suite struct OAuth1AuthTests {
    let clock = ManualClock(start: Date(timeIntervalSince1970: 137_131_202))

    func auth(_ type: SignatureType, method: SignatureMethod = .hmacSHA1) -> OAuth1Auth {
        OAuth1Auth(
            clientID: "dpf43f3p2l4k3l03",
            clientSecret: "kd94hf93k423kf44",
            token: "nnch734d00sl2jdk",
            tokenSecret: "pfkkdhi9sl3r4s00",
            signatureMethod: method,
            signatureType: type,
            realm: "Photos",
            clock: clock,
            nonce: { "chapoH" }
        )
    }

    func parameters(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        for match in header.matches(of: #/([a-z_]+)="([^"]*)"/#) { result[String(match.1)] = try? PercentEncoding.decode(match.2) }
        return result
    }

    @Test func headerCarriesRealmAndEncodedValues() throws {
        let signed = try auth(.header).sign(TransportRequest(method: "GET", url: "http://photos.example.net/photos?file=vacation.jpg&size=original"))
        let header = try #require(signed.headers["Authorization"])
        #expect(header.hasPrefix("OAuth realm=\"Photos\", oauth_consumer_key=\"dpf43f3p2l4k3l03\""))
        let values = parameters(header)
        #expect(values["oauth_timestamp"] == "137131202")
        #expect(values["oauth_nonce"] == "chapoH")
        #expect(values["oauth_version"] == "1.0")
        // Same base string as §1.2 plus oauth_version: the signature differs from the RFC's only by it.
        #expect(values["oauth_signature"] != nil)
    }

    @Test func queryAndBodyPlacementsSignTheSameBaseString() throws {
        let query = try auth(.query).sign(TransportRequest(method: "POST", url: "http://example.com/a?x=1"))
        let body = try auth(.body).sign(TransportRequest(method: "POST", url: "http://example.com/a?x=1"))
        let header = try auth(.header).sign(TransportRequest(method: "POST", url: "http://example.com/a?x=1"))
        let fromQuery = try FormParameters(parsing: String(query.url.split(separator: "?")[1]))["oauth_signature"]
        let fromBody = try FormParameters(parsing: String(decoding: body.body, as: UTF8.self))["oauth_signature"]
        #expect(fromQuery != nil)
        #expect(fromQuery == fromBody)
        #expect(fromQuery == parameters(header.headers["Authorization"] ?? "")["oauth_signature"])
        #expect(body.headers["Content-Type"] == "application/x-www-form-urlencoded")
    }

    @Test func formBodiesAreSignedAndOtherBodiesAreNotUnlessForced() throws {
        let form = TransportRequest(
            method: "POST",
            url: "http://example.com/a",
            headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Array("status=hi".utf8)
        )
        let json = TransportRequest(
            method: "POST",
            url: "http://example.com/a",
            headers: ["Content-Type": "application/json"],
            body: Array("status=hi".utf8)
        )
        let empty = TransportRequest(method: "POST", url: "http://example.com/a")
        func signature(_ request: TransportRequest, force: Bool = false) throws -> String? {
            var signer = auth(.header)
            signer.forceIncludeBody = force
            return parameters(try signer.sign(request).headers["Authorization"] ?? "")["oauth_signature"]
        }
        #expect(try signature(form) != signature(empty))
        #expect(try signature(json) == signature(empty))
        #expect(try signature(json, force: true) == signature(form))
    }

    @Test func bodyPlacementNeedsAFormRequest() {
        #expect(throws: OAuthError.self) { try auth(.body).sign(TransportRequest(method: "GET", url: "http://example.com/a")) }
    }
}

@Suite struct TokenResponseTests {
    func response(_ status: Int, _ body: String, type: String = "application/x-www-form-urlencoded") -> TransportResponse {
        TransportResponse(status: status, headers: ["Content-Type": type], body: Array(body.utf8))
    }

    @Test func credentialsAndExtras() throws {
        let token = try OAuth1Session.parseTokenResponse(
            response(200, "oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=true&user_id=7"),
            step: "request_token"
        )
        #expect(token.token == "t")
        #expect(token.tokenSecret == "s")
        #expect(token.callbackConfirmed == true)
        #expect(token.extra == ["user_id": "7"])
        #expect(!token.description.contains("t&"))
    }

    @Test(arguments: [
        (200, #"{"oauth_token":"t","oauth_token_secret":"s"}"#, "malformed_response", "JSON"),
        (200, "oauth_token=t", "malformed_response", "oauth_token_secret"),
        (401, "oauth_problem=signature_invalid&oauth_problem_advice=bad", "signature_invalid", "bad"),
        (401, #"{"errors":[{"code":32,"message":"Could not authenticate you."}]}"#, "provider_error", "Could not authenticate you."),
        (500, "<html></html>", "malformed_response", "problem report"),
    ])
    func errorsAreTyped(status: Int, body: String, code: String, detail: String) {
        let error = #expect(throws: OAuthError.self) { try OAuth1Session.parseTokenResponse(response(status, body), step: "access_token") }
        #expect(error?.code.rawValue == code)
        #expect(error?.httpStatus == status)
        #expect(error?.step == "access_token")
        #expect(error?.errorDescription?.contains(detail) == true, "\(error?.description ?? "")")
    }
}

/// The HMAC path encodes parameters straight into one buffer (EncodedParameters); the reference
/// is the string construction of RFC 5849 §3.4.1 (collectParameters + make). They must agree
/// on every input, including the awkward ones.
@Suite struct FastSigningPathTests {
    static let cases: [(url: String, contentType: String?, body: String, force: Bool)] = [
        ("https://photos.example.net/photos?file=vacation.jpg&size=original&type=jpg", nil, "", false),
        ("HTTP://Example.COM:80/r%20v/X?id=123&a=%2B+b&empty=&bare&&z=%E2%98%83#frag", nil, "", false),
        ("https://example.com:8443/p?b=2&a=z&a=a%20b&a=a&A=1&c%40=", nil, "", false),
        ("http://[::1]:8080/x?q=1", nil, "", false),
        ("https://photos.example.net/photos", "application/x-www-form-urlencoded", "file=vacation.jpg&size=original&type=jpg", false),
        ("https://example.com/?x=1", "application/x-www-form-urlencoded; charset=utf-8", "a=b+c&d=%2F%7E&a=&&e", false),
        ("https://example.com/", "application/json", "x=1&y=%41", true),
        ("https://example.com/", "text/plain", "not%zz a form", true),
        ("https://example.com/", "application/x-www-form-urlencoded", "caf\u{e9}=cr\u{e8}me&x=%C3%A9", false),
    ]

    @Test(arguments: 0..<cases.count)
    func agreesWithTheReferenceConstruction(index: Int) throws {
        let example = Self.cases[index]
        var headers: HeaderList = [:]
        if let type = example.contentType { headers["Content-Type"] = type }
        let request = TransportRequest(method: "post", url: example.url, headers: headers, body: Array(example.body.utf8))
        let clock = ManualClock(start: Date(timeIntervalSince1970: 137_131_202))
        for method in [SignatureMethod.hmacSHA1, .hmacSHA256] {
            let auth = OAuth1Auth(
                clientID: "dpf43f3p2l4k3l03",
                clientSecret: "kd94 hf93&k423kf44",
                token: "nnch734d00sl2jdk",
                tokenSecret: "pfkkdhi9sl3r4s00",
                callback: "https://client.example/cb?x=1",
                signatureMethod: method,
                forceIncludeBody: example.force,
                clock: clock,
                nonce: { "chapoH" }
            )
            let signed = try auth.sign(request)
            let header = try #require(signed.headers["Authorization"])
            let sent = header.split(separator: ",").compactMap { part -> String? in
                let trimmed = part.trimmingCharacters(in: CharacterSet.whitespaces)
                guard trimmed.hasPrefix("oauth_signature=") else { return nil }
                return try? PercentEncoding.decode(trimmed.dropFirst("oauth_signature=\"".count).dropLast())
            }.first

            let isForm = example.contentType?.hasPrefix("application/x-www-form-urlencoded") ?? false
            let form = try? FormParameters(parsing: example.body)
            let protocolParameters = auth.protocolParameters(extra: [])
            let collected = try SignatureBaseString.collectParameters(
                url: example.url,
                oauthParameters: protocolParameters,
                formBody: isForm || example.force ? form : nil
            )
            let baseString = try SignatureBaseString.make(method: "POST", url: example.url, parameters: collected)
            let expected = try method.sign(baseString: baseString, clientSecret: "kd94 hf93&k423kf44", tokenSecret: "pfkkdhi9sl3r4s00", rsaKey: nil)
            #expect(sent == expected, "\(example.url) \(example.body) \(method)")
        }
    }

    @Test func aMalformedQueryOrFormIsRefusedAsBefore() {
        let auth = OAuth1Auth(clientID: "c", clientSecret: "s")
        #expect(throws: OAuthError.self) { try auth.sign(TransportRequest(method: "GET", url: "https://example.com/?a=%zz")) }
        #expect(throws: OAuthError.self) {
            try auth.sign(
                TransportRequest(
                    method: "POST",
                    url: "https://example.com/",
                    headers: ["Content-Type": "application/x-www-form-urlencoded"],
                    body: Array("a=%4".utf8)
                )
            )
        }
        #expect(throws: OAuthError.self) { try auth.sign(TransportRequest(method: "GET", url: "/relative?a=1")) }
    }
}
