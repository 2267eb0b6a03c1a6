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

    /// Values cut from the pool across its refills (odd sizes straddle the 4 KiB edge), from
    /// requests that bypass it, and from several threads at once: never a repeated 16-byte
    /// window, never a run of zeros (the pool wipes what it hands out), and byte frequencies a
    /// uniform source gives (chi-square over 256 values, 255 degrees of freedom: a sound
    /// generator exceeds 400 with probability below 1e-8).
    @Test func secureRandomPoolHandsOutEveryByteOnceAndUniformly() async {
        let sizes = [1, 7, 16, 33, 100, 1023, 1024, 1025, 5000]
        let draws = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<60).map { SecureRandom.bytes(sizes[$0 % sizes.count]) } }
            }
            return await group.reduce(into: [[UInt8]]()) { $0 += $1 }
        }
        #expect(draws.count == 240)
        #expect(draws.enumerated().allSatisfy { $0.element.count == sizes[($0.offset % 60) % sizes.count] })
        var windows = Set<[UInt8]>()
        var counts = [Int](repeating: 0, count: 256)
        var total = 0
        for draw in draws {
            for byte in draw { counts[Int(byte)] += 1 }
            total += draw.count
            var zeros = 0
            for byte in draw {
                zeros = byte == 0 ? zeros + 1 : 0
                #expect(zeros < 8, "a run of zero bytes: the pool handed out wiped bytes")
            }
            for start in stride(from: 0, to: draw.count - 15, by: 16) {
                #expect(windows.insert(Array(draw[start..<(start + 16)])).inserted, "a 16-byte window came out twice")
            }
        }
        let expected = Double(total) / 256
        let chiSquare = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 400, "byte frequencies far from uniform: chi-square \(chiSquare) over \(total) bytes")
        #expect(SecureRandom.bytes(0).isEmpty)
    }
}
