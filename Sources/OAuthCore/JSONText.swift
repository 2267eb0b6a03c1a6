/// RFC 8259 JSON text ⇄ `JSONValue`, strict and allocation-lean. Foundation's decoders cost
/// 15 µs (JSONDecoder) and 3 µs (JSONSerialization) for one small token response on Linux, and
/// every token response, ID token header and claim set goes through here, so the project parses
/// JSON itself: a recursive-descent parser over the bytes (no copy for contiguous input).
///
/// Strict where lenient parsing would be a security or interoperability risk: invalid UTF-8,
/// unescaped control characters, lone surrogates, leading zeros, trailing garbage and duplicate
/// member names are all errors. On duplicates RFC 8259 §4 only says names SHOULD be unique and
/// that receivers differ; RFC 7515 §4 lets a JWS parser either reject them or keep the last
/// (lexically last) one. This parser rejects: a token response with two `access_token`s, or a
/// JOSE header with two `alg`s, is not one to guess about. Nesting is limited to
/// `maximumDepth` so hostile input cannot exhaust the stack.
extension JSONValue {
    /// The deepest nesting of arrays and objects that parsing accepts; deeper input is a
    /// ``ParseError``.
    public static let maximumDepth = 256

    /// Parses a JSON text.
    ///
    /// - Parameter bytes: the text's UTF-8 bytes.
    /// - Throws: ``ParseError`` with a short reason and the byte offset.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(ParseError) in try parse(buffer: buffer) }
    }

    /// Parses a JSON text held in part of an array (an ID token's decoded segment, a body slice).
    ///
    /// - Parameter bytes: the text's UTF-8 bytes.
    /// - Throws: ``ParseError`` with a short reason and the byte offset.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(ParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(ParseError) in try parse(buffer: buffer) }
    }

    static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(ParseError) -> JSONValue {
        if buffer.isEmpty { throw ParseError(reason: "empty body") }
        var parser = JSONParser(buffer)
        return try parser.document()
    }

    /// Parses a JSON text from any collection of bytes. Arrays and array slices take the
    /// overloads above, which the compiler specializes: this generic one goes through witness
    /// tables and costs a few hundred nanoseconds more per document.
    ///
    /// - Parameter bytes: the text's UTF-8 bytes.
    /// - Throws: ``ParseError`` with a short reason and the byte offset.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> JSONValue {
        if bytes.isEmpty { throw ParseError(reason: "empty body") }
        let result: Result<JSONValue, ParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONParser(buffer)
            return Result(catching: { () throws(ParseError) -> JSONValue in try parser.document() })
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer throws(ParseError) in
            var parser = JSONParser(buffer)
            return try parser.document()
        }
    }

    /// Serializes compactly with sorted keys (stable output for reports and tests). Numbers are
    /// written as their ``JSONNumber/text``: parsed numbers exactly as they came.
    public var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// ``jsonText`` as UTF-8 bytes, for a body (no string made and read back).
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        // An object's members are mostly short: about 48 bytes each, so most bodies are written
        // without growing the array.
        if case .object(let members) = self { out.reserveCapacity(16 + 48 * members.count) } else { out.reserveCapacity(128) }
        write(to: &out)
        return out
    }

    func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let value): out += (value ? "true" : "false").utf8
        case .number(let value): out += value.text.utf8
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Sorted as pairs: no second hash lookup per member.
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: runs that need no escape are copied at once (tokens, URLs and names are
    /// nearly all such), the rest escaped byte by byte.
    static func writeString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                switch byte {
                case UInt8(ascii: "\""): out += #"\""#.utf8
                case UInt8(ascii: "\\"): out += #"\\"#.utf8
                case 0x0A: out += #"\n"#.utf8
                case 0x0D: out += #"\r"#.utf8
                case 0x09: out += #"\t"#.utf8
                case 0x08: out += #"\b"#.utf8
                case 0x0C: out += #"\f"#.utf8
                default:
                    out += [
                        UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)],
                        hexDigits[Int(byte & 0xF)],
                    ]
                }
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func fail(_ reason: String) -> JSONValue.ParseError {
        JSONValue.ParseError(reason: "not valid JSON: \(reason) at byte \(index)")
    }

    mutating func document() throws(JSONValue.ParseError) -> JSONValue {
        let value = try self.value()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected text after the value") }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func value() throws(JSONValue.ParseError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected character")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONValue.ParseError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw fail("unexpected end") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw fail("unknown literal") }
        index += count
    }

    mutating func enter() throws(JSONValue.ParseError) {
        depth += 1
        guard depth <= JSONValue.maximumDepth else { throw fail("nesting deeper than \(JSONValue.maximumDepth)") }
        index += 1
    }

    mutating func object() throws(JSONValue.ParseError) -> JSONValue {
        try enter()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object([:])
        }
        // Token responses, JOSE headers and claim sets rarely have more than 12 members: storage
        // for them allocated once, directly (reserveCapacity on the empty singleton goes through
        // a resize).
        var members = [String: JSONValue](minimumCapacity: 12)
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            let value = try self.value()
            guard members.updateValue(value, forKey: key) == nil else { throw fail("duplicate member name") }
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return .object(members)
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }

    mutating func array() throws(JSONValue.ParseError) -> JSONValue {
        try enter()
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            items.append(try value())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return .array(items)
            } else {
                throw fail("expected ',' or ']'")
            }
        }
    }

    mutating func number() throws(JSONValue.ParseError) -> JSONNumber {
        let start = index
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.index
            while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                parser.index += 1
            }
            return parser.index - first
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fail("unexpected end in a number") }
        var digitCount = 1
        var integral = true
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            digitCount = digits(&self)
            if digitCount == 0 { throw fail("expected a digit") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            integral = false
            guard digits(&self) > 0 else { throw fail("expected a digit after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            integral = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail("expected a digit in the exponent") }
        }
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
        let text = JSONParser.asciiString(slice)
        // Integers of up to 15 digits (timestamps, lifetimes) are exact in a Double: computed
        // here instead of by strtod.
        if integral, digitCount <= 15 {
            var value: Int64 = 0
            for byte in slice where byte != UInt8(ascii: "-") { value = value * 10 + Int64(byte - UInt8(ascii: "0")) }
            return JSONNumber(validatedText: text, double: slice[0] == UInt8(ascii: "-") ? -Double(value) : Double(value))
        }
        guard let value = Double(text), value.isFinite else { throw fail("number out of range") }
        return JSONNumber(validatedText: text, double: value)
    }

    mutating func hexQuad() throws(JSONValue.ParseError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw fail("unexpected end in \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// A string of bytes already known to be ASCII. `String(decoding:as:)` would look for
    /// contiguous storage with a dynamic cast (a protocol-conformance lookup per call).
    static func asciiString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            _ = buffer.initialize(fromContentsOf: bytes)
            return bytes.count
        }
    }

    /// A string starting at the opening quote.
    mutating func string() throws(JSONValue.ParseError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes — the slice as it is; ASCII needs no UTF-8 validation.
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                guard let text = ascii ? JSONParser.asciiString(slice) : String(validating: slice, as: UTF8.self) else {
                    throw fail("invalid UTF-8 in a string")
                }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw fail("unescaped control character in a string") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail("unexpected end in an escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hexQuad()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw fail("lone high surrogate")
                        }
                        index += 2
                        let low = try hexQuad()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("high surrogate without a low one") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("lone low surrogate")
                    }
                    out += String(Character(Unicode.Scalar(scalar)!)).utf8
                default: throw fail("unknown escape")
                }
            default:
                guard byte >= 0x20 else { throw fail("unescaped control character in a string") }
                out.append(byte)
                index += 1
            }
        }
        throw fail("unterminated string")
    }
}
