import Foundation

/// A JSON document as a value (RFC 8259). Token responses, error bodies and scenario
/// assertions use it so that unknown members are kept rather than dropped.
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as written.
    case number(JSONNumber)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; member names are unique.
    case object([String: JSONValue])

    /// Decodes whatever JSON value the decoder holds: `null`, a Boolean, an integer, a number, a
    /// string, an array or an object, tried in that order.
    ///
    /// - Parameter decoder: the decoder to read from.
    /// - Throws: `DecodingError` when the value is none of these.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(JSONNumber(value))
        } else if let value = try? container.decode(Double.self) {
            self = .number(JSONNumber(value))
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value; a number as an integer when its text is one within `Int64`, else as a
    /// `Double`.
    ///
    /// - Parameter encoder: the encoder to write to.
    /// - Throws: the encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if let integer = value.int64 { try container.encode(integer) } else { try container.encode(value.double) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Why a text is not valid JSON.
    public struct ParseError: Error, CustomStringConvertible {
        /// What is wrong and at which byte offset.
        public let reason: String
        /// The reason.
        public var description: String { reason }

        /// Creates an error.
        ///
        /// - Parameter reason: what is wrong and where.
        public init(reason: String) { self.reason = reason }
    }

    /// A string as it is (no quotes or escapes); any other value as compact JSON text
    /// (``jsonText``).
    public var description: String {
        if case .string(let value) = self { return value }
        return jsonText
    }

    /// The member named `key` when the value is an object; `nil` otherwise.
    ///
    /// - Parameter key: the member name.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The JSON type's name, for error messages.
    package var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The string, when the value is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements, when the value is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, when the value is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Follows a dotted path (`a.b.0.c`); numeric segments index arrays.
    ///
    /// - Parameter path: member names and array indices separated by `.`.
    /// - Returns: the value there, or `nil` when any segment does not match.
    public func value(atPath path: some StringProtocol) -> JSONValue? {
        var current: JSONValue? = self
        for segment in path.split(separator: ".") {
            switch current {
            case .object(let members): current = members[String(segment)]
            case .array(let items):
                guard let index = Int(segment), items.indices.contains(index) else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A string value.
    ///
    /// - Parameter value: the string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A Boolean value.
    ///
    /// - Parameter value: the Boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer value.
    ///
    /// - Parameter value: the integer.
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    /// A number value, written as ``JSONNumber/init(_:)-(Double)`` writes it.
    ///
    /// - Parameter value: the number.
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    /// An array value.
    ///
    /// - Parameter elements: the items.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A later duplicate key wins, as in a parsed document.
    ///
    /// - Parameter elements: the members, as (name, value) pairs.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// A JSON number that keeps the text it was written with (RFC 8259 §6), so that an integer of
/// any size — an `id` above 2^53, a provider's 64-bit `exp` — round-trips exactly.
/// ``double`` is the value as a `Double` for arithmetic; ``int64`` is exact when the text is an
/// integer that fits.
public struct JSONNumber: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// The number's JSON text: as parsed, or the shortest text of a value made in code.
    public let text: String
    /// The value as a `Double` (may round an integer above 2^53).
    public let double: Double

    /// From parsed text that the JSON grammar already accepted; `double` is its value.
    init(validatedText text: String, double: Double) {
        self.text = text
        self.double = double
    }

    /// A value made in code: integral values below 2^53 are written without a fraction (the
    /// one place that rule lives); non-finite values are written as `null`.
    ///
    /// - Parameter value: the number.
    public init(_ value: Double) {
        double = value
        if !value.isFinite {
            text = "null"
        } else if value.rounded() == value, abs(value) < 9_007_199_254_740_992 {
            text = String(Int64(value))
        } else {
            text = value.description
        }
    }

    /// An integer, exact at any `Int64` value.
    ///
    /// - Parameter value: the integer.
    public init(_ value: Int64) {
        double = Double(value)
        text = String(value)
    }

    /// An integer, exact at any `Int` value.
    ///
    /// - Parameter value: the integer.
    public init(_ value: Int) { self.init(Int64(value)) }

    /// Parses `text` as one JSON number (RFC 8259 §6 grammar, no surrounding spaces); `nil`
    /// for anything else. Used to turn a provider's quoted number (`"3600"`) into a number.
    ///
    /// - Parameter text: the number's text, e.g. `3600` or `-1.5e3`.
    public init?(_ text: some StringProtocol) {
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
            case .number(let number)? = try? JSONValue.parse(Array(text.utf8))
        else { return nil }
        self = number
    }
    /// An integer from a literal.
    ///
    /// - Parameter value: the integer.
    public init(integerLiteral value: Int64) { self.init(value) }
    /// A number from a literal, written as ``init(_:)-(Double)`` writes it.
    ///
    /// - Parameter value: the number.
    public init(floatLiteral value: Double) { self.init(value) }

    /// Whether the text is an integer literal (no fraction, no exponent).
    public var isInteger: Bool { text != "null" && !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) }

    /// The exact integer when the text is an integer literal within `Int64`.
    public var int64: Int64? { isInteger ? Int64(text) : nil }

    /// The number's JSON text.
    public var description: String { text }

    /// Two integer literals are equal when their texts are (exact at any size, `-0` being `0`);
    /// otherwise the values are compared.
    ///
    /// - Parameters:
    ///   - lhs: a number.
    ///   - rhs: another number.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.isInteger, rhs.isInteger { return lhs.canonicalInteger == rhs.canonicalInteger }
        return lhs.double == rhs.double
    }

    /// Hashes the value as a `Double`, so that equal numbers hash alike.
    ///
    /// - Parameter hasher: the hasher to feed.
    public func hash(into hasher: inout Hasher) { hasher.combine(double) }

    /// Orders by value: exactly for two integers within `Int64`, else as `Double`s.
    ///
    /// - Parameters:
    ///   - lhs: a number.
    ///   - rhs: another number.
    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.isInteger, rhs.isInteger, let a = lhs.int64, let b = rhs.int64 { return a < b }
        return lhs.double < rhs.double
    }

    private var canonicalInteger: Substring { text == "-0" ? "0" : Substring(text) }
}
