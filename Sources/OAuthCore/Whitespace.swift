import Foundation

extension Substring {
    /// The text trimmed as Foundation's `.whitespaces` (or, with `newlines`,
    /// `.whitespacesAndNewlines`) would trim it: ASCII space and tab (and LF, VT, FF, CR) by
    /// bytes; when a non-ASCII character is at either end (it may be Unicode whitespace),
    /// Foundation decides. For header values, credentials and bodies on hot paths.
    package func trimmingWhitespace(newlines: Bool = false) -> String {
        func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || (newlines && (0x0A...0x0D).contains(byte))
        }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else { return "" }
        guard utf8[first] < 0x80, utf8[last] < 0x80 else {
            return trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces)
        }
        return String(Substring(utf8[first...last]))
    }
}
