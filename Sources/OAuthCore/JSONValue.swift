import Foundation

/// A JSON document as a value (RFC 8259). Token responses, error bodies and scenario
/// assertions use it so that unknown members are kept rather than dropped.
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

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

    public struct ParseError: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }

        public init(reason: String) { self.reason = reason }
    }

    public var description: String {
        if case .string(let value) = self { return value }
        return jsonText
    }

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

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Follows a dotted path (`a.b.0.c`); numeric segments index arrays.
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
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A later duplicate key wins, as in a parsed document.
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

    public init(_ value: Int64) {
        double = Double(value)
        text = String(value)
    }

    public init(_ value: Int) { self.init(Int64(value)) }

    /// Parses `text` as one JSON number (RFC 8259 §6 grammar, no surrounding spaces); `nil`
    /// for anything else. Used to turn a provider's quoted number (`"3600"`) into a number.
    public init?(_ text: some StringProtocol) {
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
            case .number(let number)? = try? JSONValue.parse(Array(text.utf8))
        else { return nil }
        self = number
    }
    public init(integerLiteral value: Int64) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }

    /// Whether the text is an integer literal (no fraction, no exponent).
    public var isInteger: Bool { text != "null" && !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) }

    /// The exact integer when the text is an integer literal within `Int64`.
    public var int64: Int64? { isInteger ? Int64(text) : nil }

    public var description: String { text }

    /// Two integer literals are equal when their texts are (exact at any size, `-0` being `0`);
    /// otherwise the values are compared.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.isInteger, rhs.isInteger { return lhs.canonicalInteger == rhs.canonicalInteger }
        return lhs.double == rhs.double
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(double) }

    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.isInteger, rhs.isInteger, let a = lhs.int64, let b = rhs.int64 { return a < b }
        return lhs.double < rhs.double
    }

    private var canonicalInteger: Substring { text == "-0" ? "0" : Substring(text) }
}
