import Testing

@testable import OAuthCore

@Suite struct URLReferenceTests {
    /// RFC 3986 Appendix B's split written over Characters, as the splitter was before it read
    /// bytes: the two agree on every text without combining marks after a delimiter.
    static func characterSplit(_ text: String) -> [String?] {
        var rest = Substring(text)
        var scheme: String?
        var authority: String?
        var query: String?
        var fragment: String?
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        if let colon = rest.firstIndex(of: ":"), colon != rest.startIndex,
            rest[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = String(rest[..<end])
            rest = rest[end...]
        }
        return [scheme, authority, String(rest), query, fragment]
    }

    @Test func theByteSplitAgreesWithTheCharacterSplit() {
        let pieces = ["http", "HTTPS", "s+x.y-z", ":", "/", "//", "?", "#", "@", "[::1]", ":8443", "é", "☃", "a b", "%2F", "x=1", "&", "", "_"]
        var generator = SplitMix64(seed: 3986)
        for _ in 0..<20000 {
            let text = (0..<Int(generator.next() % 9)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            let url = URLReference(text)
            #expect([url.scheme, url.authority, url.path, url.query, url.fragment] == Self.characterSplit(text), "\(text)")
            #expect(URLReference(text[...]) == url)
        }
    }

    @Test(
        arguments: [
            ("https://User@Example.COM:8443/a/b?x=1&y=%20#frag?not-query", "https", "User@Example.COM:8443", "/a/b", "x=1&y=%20", "frag?not-query"),
            ("/token?grant_type=client_credentials", nil, nil, "/token", "grant_type=client_credentials", nil),
            ("http://[::1]:9000", "http", "[::1]:9000", "", nil, nil),
            ("HTTP://host/?", "http", "host", "/", "", nil),
            ("com.example.app:/callback#a", "com.example.app", nil, "/callback", nil, "a"),
            ("relative/path:with-colon", nil, nil, "relative/path:with-colon", nil, nil),
        ] as [(String, String?, String?, String, String?, String?)]
    )
    func splitsByTheRFC3986Grammar(text: String, scheme: String?, authority: String?, path: String, query: String?, fragment: String?) {
        let url = URLReference(text)
        #expect(url.scheme == scheme)
        #expect(url.authority == authority)
        #expect(url.path == path)
        #expect(url.query == query)
        #expect(url.fragment == fragment)
    }

    @Test func roundTripsExactlyAsWritten() {
        for text in ["https://a.example/p?q=%2F+x#f", "/x?", "http://h:1/#", "urn:ietf:params:oauth:grant-type:jwt-bearer"] {
            #expect(URLReference(text).description == text.replacingOccurrences(of: "HTTP", with: "http"))
        }
    }

    @Test func hostPortAndOrigin() {
        #expect(URLReference("https://Example.com:443/x").origin == "https://example.com")
        #expect(URLReference("http://127.0.0.1:8080/cb").origin == "http://127.0.0.1:8080")
        #expect(URLReference("http://[::1]:8080/cb").host == "[::1]")
        #expect(URLReference("http://u:p@host:81/").host == "host")
        #expect(URLReference("http://host:99999/").hasValidAuthority == false)
        #expect(URLReference("http://host:8x/").hasValidAuthority == false)
        #expect(URLReference("http:///path").hasValidAuthority == false)
        #expect(URLReference("/relative").origin == nil)
    }

    @Test func appendingGoesBeforeTheFragmentAndKeepsTheQuery() {
        let parameters = FormParameters([("code", "a b"), ("state", "s&t")])
        #expect(URLReference.appending(parameters, to: "https://c.example/cb") == "https://c.example/cb?code=a%20b&state=s%26t")
        #expect(URLReference.appending(parameters, to: "https://c.example/cb?x=1#top?y") == "https://c.example/cb?x=1&code=a%20b&state=s%26t#top?y")
        #expect(URLReference.appending(parameters, to: "https://c.example/cb?") == "https://c.example/cb?code=a%20b&state=s%26t")
        #expect(URLReference.appending(FormParameters(), to: "https://c.example/cb?x") == "https://c.example/cb?x")
    }

    @Test func queryItemsRefuseInvalidEscapesInsteadOfRepairingThem() throws {
        #expect(try URLReference("https://c/cb?code=abc&state=x%20y#ignored=1").queryItems()["state"] == "x y")
        #expect(throws: PercentEncoding.EncodingError.self) { try URLReference("https://c/cb?code=%zz").queryItems() }
        #expect(try URLReference("https://c/cb").queryItems().isEmpty)
    }
}
