import Foundation
import Testing

@testable import OAuthCore

@Suite struct JSONTextTests {
    static func parse(_ text: String) throws(JSONValue.ParseError) -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test func parsesEveryKindOfValue() throws {
        let value = try Self.parse(
            #" { "s": "a\"b\\c\/d\n\u00e9\ud83d\ude00", "n": -12.5e2, "z": 0, "t": true, "f": false, "x": null, "a": [1, [], {}] } "#
        )
        #expect(value["s"] == .string("a\"b\\c/d\né😀"))
        #expect(value["n"] == .number(-1250))
        #expect(value["z"] == .number(0))
        #expect(value["t"] == .bool(true) && value["f"] == .bool(false) && value["x"] == .null)
        #expect(value["a"] == .array([.number(1), .array([]), .object([:])]))
        #expect(try Self.parse("\"plain\"") == .string("plain"))
    }

    @Test func numbersKeepTheirTextSoAnyIntegerRoundTripsExactly() throws {
        // 2^53 + 1 and a 64-bit value: a Double would round both.
        let text = #"{"big":9007199254740993,"e":1E3,"f":1.50,"id":18446744073709551615,"neg":-9223372036854775808}"#
        let value = try Self.parse(text)
        #expect(value.jsonText == text)
        guard case .number(let big)? = value["big"], case .number(let neg)? = value["neg"] else {
            Issue.record("not numbers")
            return
        }
        #expect(big.text == "9007199254740993")
        #expect(big != JSONNumber(9_007_199_254_740_992), "integers compare exactly, not as Doubles")
        #expect(neg.int64 == Int64.min)
        #expect(value["f"] == .number(1.5), "non-integers compare by value")
        #expect(value["e"] == .number(1000))
        #expect(JSONNumber("3600")?.int64 == 3600)
        #expect(JSONNumber(" 3600") == nil && JSONNumber("0x10") == nil && JSONNumber("1e") == nil)
        #expect(JSONValue.number(JSONNumber(3600.0)).jsonText == "3600")
    }

    @Test(arguments: [
        "", "{", "{\"a\":1,}", "[1,]", "01", "1.", "-", "1e", "+1", "tru", "nul", "{\"a\" 1}", "{a:1}", "[1 2]", "\"abc", "\"a\u{01}b\"",
        #""\x""#, #""\u12""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, "{\"a\":1,\"a\":2}", "1 2", "NaN", "1e999",
    ])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try Self.parse(text) }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        let deep = String(repeating: "[", count: JSONValue.maximumDepth + 1) + String(repeating: "]", count: JSONValue.maximumDepth + 1)
        #expect(throws: JSONValue.ParseError.self) { try Self.parse(deep) }
        let allowed = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect((try? Self.parse(allowed)) != nil)
    }

    @Test func serializesSortedAndRoundTrips() throws {
        let value: JSONValue = .object([
            "b": .number(3600), "a": .string("x\"y\\z\n\u{01}/é"), "c": .array([.bool(true), .null, .number(0.25), .number(-2)]),
        ])
        #expect(value.jsonText == #"{"a":"x\"y\\z\n\u0001/é","b":3600,"c":[true,null,0.25,-2]}"#)
        #expect(try JSONValue.parse(Array(value.jsonText.utf8)) == value)
        // Foundation reads what we write.
        let foundation = try JSONSerialization.jsonObject(with: Data(value.jsonText.utf8)) as? [String: Any]
        #expect(foundation?["a"] as? String == "x\"y\\z\n\u{01}/é")
        #expect(JSONValue.number(JSONNumber(.infinity)).jsonText == "null")
    }

    @Test func errorsSayWhereWithoutEchoingTheInput() {
        #expect {
            try Self.parse(#"{"access_token":"s3cr3t-value","x":}"#)
        } throws: { error in
            let reason = (error as? JSONValue.ParseError)?.reason ?? ""
            return reason.contains("at byte 35") && !reason.contains("s3cr3t")
        }
    }
}
