import OAuthCore

/// The request parameters of one signature (RFC 5849 §3.4.1.3), each name and value already
/// percent-encoded (§3.6) into one shared byte buffer: no string per parameter, one sort of
/// small integers, and the normalized form written straight into the base string.
struct EncodedParameters {
    /// Encoded names and values back to back.
    private(set) var bytes: [UInt8] = []
    /// Where each parameter's encoded name and value lie in `bytes`.
    private(set) var entries: [Entry] = []

    struct Entry {
        /// The name is `start..<middle`, the value `middle..<end`.
        var start: Int32, middle: Int32, end: Int32
    }

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
        entries.reserveCapacity(12)
    }

    init(_ parameters: [(String, String)]) {
        self.init(capacity: parameters.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count } * 3 / 2)
        for (name, value) in parameters { append(name: name, value: value) }
    }

    var count: Int { entries.count }

    mutating func append(name: String, value: String) {
        let start = Int32(bytes.count)
        PercentEncoding.append(encoding: name, to: &bytes)
        let middle = Int32(bytes.count)
        PercentEncoding.append(encoding: value, to: &bytes)
        entries.append(Entry(start: start, middle: middle, end: Int32(bytes.count)))
    }

    /// Adds the pairs of `application/x-www-form-urlencoded` text (a query or a form body),
    /// exactly as `FormParameters(parsing:)` reads them — split on "&", empty pieces skipped,
    /// the name up to the first "=", "+" as a space, `%XX` decoded and UTF-8 checked — and
    /// encodes them again. A piece without "%" or "+" decodes to itself, so its bytes are
    /// encoded as they are. On an error nothing is added.
    mutating func append(formEncoded text: ArraySlice<UInt8>) throws(PercentEncoding.EncodingError) {
        let marks = (bytes.count, entries.count)
        do {
            try FormParameters.forEachPair(in: text) { (name, value) throws(PercentEncoding.EncodingError) in
                let entryStart = Int32(bytes.count)
                try appendDecoded(name)
                let middle = Int32(bytes.count)
                if let value { try appendDecoded(value) }
                entries.append(Entry(start: entryStart, middle: middle, end: Int32(bytes.count)))
            }
        } catch {
            bytes.removeSubrange(marks.0...)
            entries.removeSubrange(marks.1...)
            throw error
        }
    }

    private mutating func appendDecoded(_ raw: ArraySlice<UInt8>) throws(PercentEncoding.EncodingError) {
        if !raw.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") || $0 >= 0x80 }) {
            raw.withUnsafeBufferPointer { PercentEncoding.append(encoding: $0, to: &bytes) }
        } else {
            PercentEncoding.append(encoding: try PercentEncoding.decode(raw, plusAsSpace: true), to: &bytes)
        }
    }

    /// §3.4.1.3.2's order: by encoded name, then encoded value, byte by byte.
    func sortedEntries() -> [Entry] {
        bytes.withUnsafeBufferPointer { buffer in
            func less(_ a: ArraySlice<UInt8>.Indices, _ b: ArraySlice<UInt8>.Indices) -> Int {
                let count = min(a.count, b.count)
                for offset in 0..<count where buffer[a.lowerBound + offset] != buffer[b.lowerBound + offset] {
                    return buffer[a.lowerBound + offset] < buffer[b.lowerBound + offset] ? -1 : 1
                }
                return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
            }
            return entries.sorted { x, y in
                let names = less(Int(x.start)..<Int(x.middle), Int(y.start)..<Int(y.middle))
                return names != 0 ? names < 0 : less(Int(x.middle)..<Int(x.end), Int(y.middle)..<Int(y.end)) < 0
            }
        }
    }

    /// The normalized parameters (§3.4.1.3.2) appended to `out`; with `encodedAgain` (inside
    /// the base string, §3.4.1.1) "&" and "=" become "%26" and "%3D" and every "%" of an
    /// encoded value "%25" — the only byte an encoded value holds that encoding changes.
    func appendNormalized(to out: inout [UInt8], encodedAgain: Bool) {
        for (index, entry) in sortedEntries().enumerated() {
            if index > 0 {
                if encodedAgain { PercentEncoding.appendEscape(UInt8(ascii: "&"), to: &out) } else { out.append(UInt8(ascii: "&")) }
            }
            append(Int(entry.start)..<Int(entry.middle), to: &out, encodedAgain: encodedAgain)
            if encodedAgain { PercentEncoding.appendEscape(UInt8(ascii: "="), to: &out) } else { out.append(UInt8(ascii: "=")) }
            append(Int(entry.middle)..<Int(entry.end), to: &out, encodedAgain: encodedAgain)
        }
    }

    private func append(_ range: Range<Int>, to out: inout [UInt8], encodedAgain: Bool) {
        guard encodedAgain else {
            out += bytes[range]
            return
        }
        var runStart = range.lowerBound
        for index in range where bytes[index] == UInt8(ascii: "%") {
            out += bytes[runStart..<index]
            PercentEncoding.appendEscape(UInt8(ascii: "%"), to: &out)
            runStart = index + 1
        }
        out += bytes[runStart..<range.upperBound]
    }
}
