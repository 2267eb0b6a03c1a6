/// Percent-encoding as defined by RFC 3986 §2.1, and the
/// `application/x-www-form-urlencoded` serialization that OAuth 2 (RFC 6749 Appendix B)
/// uses for request bodies, query components and client credentials.
public enum PercentEncoding {
    /// RFC 3986 §2.3 unreserved characters: ALPHA / DIGIT / "-" / "." / "_" / "~".
    @inlinable
    package static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Encodes every byte outside the unreserved set as `%XX` (uppercase hex, RFC 3986 §2.1).
    /// With `spaceAsPlus`, a space becomes `+` (form serialization).
    ///
    /// - Parameters:
    ///   - string: the text to encode, as UTF-8.
    ///   - spaceAsPlus: whether a space becomes `+` rather than `%20`.
    public static func encode(_ string: String, spaceAsPlus: Bool = false) -> String {
        var string = string
        return string.withUTF8 { bytes in
            // Most OAuth values (tokens, nonces, ids) need no escaping: return them as they are.
            if bytes.allSatisfy(isUnreserved) { return nil }
            var escapes = 0
            for byte in bytes where !isUnreserved(byte) && !(spaceAsPlus && byte == UInt8(ascii: " ")) { escapes += 1 }
            return String(unsafeUninitializedCapacity: bytes.count + 2 * escapes) { output in
                var count = 0
                for byte in bytes {
                    if isUnreserved(byte) {
                        output[count] = byte
                        count += 1
                    } else if spaceAsPlus && byte == UInt8(ascii: " ") {
                        output[count] = UInt8(ascii: "+")
                        count += 1
                    } else {
                        output[count] = UInt8(ascii: "%")
                        output[count + 1] = hexDigits[Int(byte >> 4)]
                        output[count + 2] = hexDigits[Int(byte & 0x0F)]
                        count += 3
                    }
                }
                return count
            }
        } ?? string
    }

    /// Appends the percent-encoding of `string` (as `encode` makes it, spaces as `%20`) to
    /// `out`: for building a signature base string or a header in one buffer.
    package static func append(encoding string: String, to out: inout [UInt8]) {
        var string = string
        string.withUTF8 { bytes in append(encoding: bytes, to: &out) }
    }

    /// Appends the percent-encoding of `bytes` to `out`: runs of unreserved bytes are copied
    /// whole, so the array's growth check runs once per run rather than once per byte.
    package static func append(encoding bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + bytes.count)
        var runStart = 0
        for index in 0..<bytes.count where !isUnreserved(bytes[index]) {
            if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            appendEscape(bytes[index], to: &out)
            runStart = index + 1
        }
        if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
    }

    /// Appends one byte, percent-encoded if it is not unreserved.
    @inlinable
    package static func append(byte: UInt8, to out: inout [UInt8]) {
        if isUnreserved(byte) {
            out.append(byte)
        } else {
            appendEscape(byte, to: &out)
        }
    }

    /// Appends `%XX` for `byte`, uppercase hex (RFC 3986 §2.1).
    @inlinable
    package static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        @inline(__always) func hex(_ nibble: UInt8) -> UInt8 { nibble < 10 ? nibble + 0x30 : nibble + 0x37 }
        out.append(UInt8(ascii: "%"))
        out.append(hex(byte >> 4))
        out.append(hex(byte & 0x0F))
    }

    /// Decodes `%XX` sequences (and `+` as space when `plusAsSpace`).
    /// Throws on a truncated or non-hex escape, or when the result is not UTF-8.
    ///
    /// - Parameters:
    ///   - string: the encoded text.
    ///   - plusAsSpace: whether `+` means a space (form encoding).
    /// - Throws: ``EncodingError`` for a truncated or non-hex escape, or bytes that are not UTF-8.
    public static func decode(_ string: some StringProtocol, plusAsSpace: Bool = false) throws(EncodingError) -> String {
        try decode(ArraySlice(string.utf8), plusAsSpace: plusAsSpace)
    }

    package static func decode(_ bytes: ArraySlice<UInt8>, plusAsSpace: Bool) throws(EncodingError) -> String {
        let plain = !bytes.contains { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }
        if plain {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw EncodingError(reason: "percent-decoded bytes are not valid UTF-8")
            }
            return text
        }
        var output = [UInt8]()
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex,
                    let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                else {
                    throw EncodingError(reason: "invalid percent-escape at offset \(index - bytes.startIndex)")
                }
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        guard let decoded = String(validating: output, as: UTF8.self) else {
            throw EncodingError(reason: "percent-decoded bytes are not valid UTF-8")
        }
        return decoded
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A malformed percent-encoded or form-encoded input.
    public struct EncodingError: Error, Equatable, CustomStringConvertible {
        /// What is wrong, e.g. which escape is invalid and where.
        public let reason: String
        /// The reason.
        public var description: String { reason }
    }
}

/// `application/x-www-form-urlencoded` parameters, order-preserving and allowing repeats
/// (RFC 6749 §3.1 forbids repeated OAuth parameters; callers check with `values(for:)`).
public struct FormParameters: Sendable, Equatable, Sequence {
    /// The parameters in order, repeats included, decoded.
    public private(set) var pairs: [(name: String, value: String)]

    /// Creates parameters in the given order.
    ///
    /// - Parameter pairs: decoded (name, value) pairs; repeats are kept.
    public init(_ pairs: [(String, String)] = []) {
        self.pairs = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// Whether both have the same pairs in the same order.
    ///
    /// - Parameters:
    ///   - lhs: some parameters.
    ///   - rhs: other parameters.
    public static func == (lhs: FormParameters, rhs: FormParameters) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Replaces every value of `name` with this one (appended when absent).
    ///
    /// - Parameters:
    ///   - name: the parameter name.
    ///   - value: its one value.
    public mutating func set(_ name: String, _ value: String) {
        pairs.removeAll { $0.name == name }
        pairs.append((name, value))
    }

    /// Appends a parameter, keeping any others of the same name; nothing when `value` is `nil`.
    ///
    /// - Parameters:
    ///   - name: the parameter name.
    ///   - value: the value, or `nil` to add nothing.
    public mutating func append(_ name: String, _ value: String?) {
        if let value { pairs.append((name: name, value: value)) }
    }

    /// The first value for `name`.
    ///
    /// - Parameter name: the parameter name.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// The first name that occurs more than once (RFC 6749 §3.1: parameters MUST NOT be
    /// repeated), in one pass.
    public var firstRepeatedName: String? {
        var seen = Set<String>()
        for pair in pairs where !seen.insert(pair.name).inserted { return pair.name }
        return nil
    }

    /// Every value of `name`, in order.
    ///
    /// - Parameter name: the parameter name.
    public func values(for name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// Whether there are no parameters.
    public var isEmpty: Bool { pairs.isEmpty }

    /// Iterates over the pairs in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        pairs.makeIterator()
    }

    /// Serializes with `&` and `=`, spaces as `+` (RFC 6749 Appendix B): for request bodies.
    public var encoded: String { encoded(spaceAsPlus: true) }

    /// Serializes for a URI query: spaces as `%20`, which every URI parser reads as a space
    /// (some, such as `URLComponents.queryItems`, keep a `+` literally).
    public var queryEncoded: String { encoded(spaceAsPlus: false) }

    func encoded(spaceAsPlus: Bool) -> String {
        pairs.map {
            PercentEncoding.encode($0.name, spaceAsPlus: spaceAsPlus) + "=" + PercentEncoding.encode($0.value, spaceAsPlus: spaceAsPlus)
        }.joined(separator: "&")
    }

    /// Parses a form body or a URI query component. Empty segments are skipped; a segment
    /// without `=` is a parameter with an empty value.
    ///
    /// - Parameter string: the encoded text, without a leading `?`; `+` is read as a space.
    /// - Throws: ``PercentEncoding/EncodingError`` for an invalid escape or a name or value
    ///   that is not UTF-8 once decoded.
    public init(parsing string: some StringProtocol) throws(PercentEncoding.EncodingError) {
        let bytes = Array(string.utf8)
        var pairs: [(String, String)] = []
        try Self.forEachPair(in: bytes[...]) { (name, value) throws(PercentEncoding.EncodingError) in
            pairs.append(
                (
                    try PercentEncoding.decode(name, plusAsSpace: true),
                    try value.map { (value) throws(PercentEncoding.EncodingError) in try PercentEncoding.decode(value, plusAsSpace: true) } ?? ""
                )
            )
        }
        self.init(pairs)
    }

    /// The form's split, the one place it is written: segments between "&" (empty ones skipped),
    /// each cut at its first "=" into the raw name and value (`nil` without "=").
    package static func forEachPair(
        in bytes: ArraySlice<UInt8>,
        _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>?) throws(PercentEncoding.EncodingError) -> Void
    ) throws(PercentEncoding.EncodingError) {
        var start = bytes.startIndex
        while start <= bytes.endIndex {
            var end = start
            var equals: Int?
            while end < bytes.endIndex, bytes[end] != UInt8(ascii: "&") {
                if equals == nil, bytes[end] == UInt8(ascii: "=") { equals = end }
                end += 1
            }
            if end > start {
                if let equals {
                    try body(bytes[start..<equals], bytes[(equals + 1)..<end])
                } else {
                    try body(bytes[start..<end], nil)
                }
            }
            start = end + 1
        }
    }
}
