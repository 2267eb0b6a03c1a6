import Testing

@testable import OAuthCore

@Suite struct PercentEncodingTests {
    @Test func unreservedCharactersStayAsTheyAre() {
        let unreserved = "ABCXYZabcxyz0189-._~"
        #expect(PercentEncoding.encode(unreserved) == unreserved)
    }

    @Test(arguments: [
        ("a b", "a%20b", "a+b"), ("a+b", "a%2Bb", "a%2Bb"), ("&=?/#", "%26%3D%3F%2F%23", "%26%3D%3F%2F%23"),
        ("é", "%C3%A9", "%C3%A9"), ("😀", "%F0%9F%98%80", "%F0%9F%98%80"), ("%", "%25", "%25"),
    ])
    func reservedAndNonASCIIAreEscapedAsUTF8(input: String, percent: String, form: String) throws {
        #expect(PercentEncoding.encode(input) == percent)
        #expect(PercentEncoding.encode(input, spaceAsPlus: true) == form)
        #expect(try PercentEncoding.decode(percent) == input)
        #expect(try PercentEncoding.decode(form, plusAsSpace: true) == input)
    }

    @Test(arguments: ["%", "%4", "%zz", "abc%G1", "%C3"])
    func malformedEscapesAreRejected(input: String) {
        #expect(throws: PercentEncoding.EncodingError.self) { try PercentEncoding.decode(input) }
    }

    @Test func lowercaseHexDecodes() throws {
        #expect(try PercentEncoding.decode("%c3%a9") == "é")
    }
}

@Suite struct FormParametersTests {
    @Test func roundTripKeepsOrderAndRepeats() throws {
        let form = FormParameters([("scope", "a b"), ("redirect_uri", "http://x/cb?y=1"), ("scope", "c")])
        #expect(form.encoded == "scope=a+b&redirect_uri=http%3A%2F%2Fx%2Fcb%3Fy%3D1&scope=c")
        let parsed = try FormParameters(parsing: form.encoded)
        #expect(parsed == form)
        #expect(parsed.values(for: "scope") == ["a b", "c"])
        #expect(parsed["scope"] == "a b")
    }

    @Test func emptySegmentsAndBareNames() throws {
        let parsed = try FormParameters(parsing: "&a=1&&flag&b=")
        #expect(parsed.pairs.map(\.name) == ["a", "flag", "b"])
        #expect(parsed["flag"] == "")
        #expect(parsed["b"] == "")
    }

    @Test func malformedFormIsAnError() {
        #expect(throws: PercentEncoding.EncodingError.self) { try FormParameters(parsing: "code=%ZZ") }
    }
}

@Suite struct Base64URLTests {
    @Test func unpaddedURLSafeAlphabet() {
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
        #expect(Base64URL.decode("a") == nil)
    }

    @Test func secureRandomTokensAreDistinctAndSized() {
        let tokens = Set((0..<100).map { _ in SecureRandom.token(bytes: 32) })
        #expect(tokens.count == 100)
        #expect(tokens.allSatisfy { $0.count == 43 })
    }
}
