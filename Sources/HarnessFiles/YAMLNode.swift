import Foundation
import Yams

/// An invalid YAML file: where (file:line:column, 1-based) and what was expected.
public struct YAMLLocatedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's name in messages: a path, or `built-in:<path>` for a built-in file.
    public let file: String
    /// The 1-based line.
    public let line: Int
    /// The 1-based column.
    public let column: Int
    /// What is wrong, or what was expected.
    public let message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - file: the file's name in messages.
    ///   - line: the 1-based line.
    ///   - column: the 1-based column.
    ///   - message: what is wrong.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// The error as `file:line:column: message`.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// A YAML node that knows its file and position, with typed accessors whose errors say
/// where the problem is and what was expected. Scenario and profile loaders read through it.
public struct YAMLNode {
    /// The Yams node (`Node`) read from the file.
    public let node: Node
    /// The file's name in messages: a path, or `built-in:<path>` for a built-in file.
    public let file: String
    /// Where the text ends (its last line and that line's length), so that no position given
    /// in an error lies past it.
    let end: TextEnd

    struct TextEnd {
        var line: Int
        var length: Int

        /// The last line of `text` (YAML 1.1 §5.4 line breaks: LF, CR, CR LF, NEL, LS, PS).
        init(of text: String) {
            var breaks = 0
            var lastLineLength = 0
            var afterCR = false
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\n":
                    if !afterCR { breaks += 1 }  // CR LF is one break
                    lastLineLength = 0
                case "\r", "\u{85}", "\u{2028}", "\u{2029}":
                    breaks += 1
                    lastLineLength = 0
                default:
                    lastLineLength += 1
                }
                afterCR = scalar == "\r"
            }
            line = breaks + 1
            length = lastLineLength
        }

        /// `line`:`column`, or the end of the last line when that is past it (libyaml puts the
        /// end of a text without a final line break on the line after it).
        func clamp(line: Int, column: Int) -> (line: Int, column: Int) {
            line > self.line ? (self.line, length + 1) : (line, column)
        }
    }

    /// Parses `text`. Syntax errors (and duplicate keys) carry libyaml's position.
    ///
    /// Scalars are kept as written (tags are not resolved); the typed accessors read them.
    ///
    /// - Parameters:
    ///   - text: the YAML text.
    ///   - file: the file's name in messages.
    /// - Throws: ``YAMLLocatedError`` when the text is empty, is not valid YAML, has a duplicate key
    ///   in a mapping or uses more than ``maximumAliases`` aliases.
    public static func parse(_ text: String, file: String) throws(YAMLLocatedError) -> YAMLNode {
        try checkAliases(text, file: file)
        do {
            // Scalars are read as the text written (`string(_:)`, `int(_:)` … here), never by
            // their resolved tag, so tags are not resolved: Yams's default resolver runs seven
            // regular expressions over every plain scalar, a fifth of the time spent loading a
            // scenario. (Duplicate keys are then compared as text: `1:` and `'1':` collide, as
            // they would as the same key here.)
            guard let root = try Yams.compose(yaml: text, .basic) else {
                throw YAMLLocatedError(file: file, line: 1, column: 1, message: "the file is empty; expected a mapping")
            }
            return YAMLNode(node: root, file: file, end: TextEnd(of: text))
        } catch let error as YAMLLocatedError {
            throw error
        } catch let error as YamlError {
            throw clamp(locate(error, file: file, text: text), to: text)
        } catch {
            throw YAMLLocatedError(file: file, line: 1, column: 1, message: "cannot parse YAML: \(error)")
        }
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Parameter path: the file's path, also its name in messages.
    /// - Throws: ``YAMLLocatedError`` when the file cannot be read, is not UTF-8 text or cannot be
    ///   parsed (see ``parse(_:file:)``).
    public static func load(contentsOf path: String) throws(YAMLLocatedError) -> YAMLNode {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw YAMLLocatedError(file: path, line: 1, column: 1, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw YAMLLocatedError(file: path, line: 1, column: 1, message: "the file is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// How many aliases (`*name`) a file may use. Each alias can at most triple what an
    /// anchor expands to, so 32 of them bound any node, key or value, to about 10^5 nodes:
    /// "billion laughs" files (nested anchors, aliases as mapping keys) are refused before Yams
    /// builds — and hashes — anything.
    public static let maximumAliases = 32

    /// Counts the aliases of defined anchors, outside quotes and comments, before parsing.
    static func checkAliases(_ text: String, file: String) throws(YAMLLocatedError) {
        guard text.utf8.contains(UInt8(ascii: "*")) else { return }
        let bytes = Array(text.utf8)
        var anchors = Set<ArraySlice<UInt8>>()
        var aliases: [(name: ArraySlice<UInt8>, offset: Int)] = []
        var quote: UInt8?
        var index = 0
        func isBoundary(_ byte: UInt8) -> Bool { [0x20, 0x09, 0x0A, 0x0D, 0x5B, 0x7B, 0x2C, 0x3A, 0x2D, 0x3F].contains(byte) }
        func isNameByte(_ byte: UInt8) -> Bool { ![0x20, 0x09, 0x0A, 0x0D, 0x5B, 0x5D, 0x7B, 0x7D, 0x2C].contains(byte) }
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil } else if byte == UInt8(ascii: "\\"), open == UInt8(ascii: "\""), index + 1 < bytes.count { index += 1 }
                index += 1
                continue
            }
            let atBoundary = index == 0 || isBoundary(bytes[index - 1])
            if (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")) && atBoundary {
                quote = byte
            } else if byte == UInt8(ascii: "#") && (index == 0 || [0x20, 0x09, 0x0A].contains(bytes[index - 1])) {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                continue
            } else if (byte == UInt8(ascii: "&") || byte == UInt8(ascii: "*")) && atBoundary {
                var end = index + 1
                while end < bytes.count, isNameByte(bytes[end]) { end += 1 }
                let name = bytes[(index + 1)..<end]
                if !name.isEmpty {
                    if byte == UInt8(ascii: "&") { anchors.insert(name) } else { aliases.append((name, index)) }
                }
                index = end
                continue
            }
            index += 1
        }
        let used = aliases.filter { anchors.contains($0.name) }
        guard used.count > maximumAliases else { return }
        let offset = used[maximumAliases].offset
        let before = bytes[..<offset]
        let line = before.filter { $0 == 0x0A }.count + 1
        let column = offset - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
        throw YAMLLocatedError(
            file: file,
            line: line,
            column: column,
            message: "more than \(maximumAliases) YAML aliases (\(used.count)); aliases this many can expand without bound, so the file is refused"
        )
    }

    static func clamp(_ error: YAMLLocatedError, to text: String) -> YAMLLocatedError {
        let (line, column) = TextEnd(of: text).clamp(line: error.line, column: error.column)
        return YAMLLocatedError(file: error.file, line: line, column: column, message: error.message)
    }

    /// Line and column of the second line at or after `line` that starts (after indentation or
    /// `- `) with `key:`, at the indentation of the first.
    static func secondOccurrence(of key: String, in text: String, after line: Int) -> (Int, Int)? {
        var firstIndent: Int?
        for (offset, content) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where offset + 1 >= line {
            var rest = content.drop { $0 == " " }
            if rest.hasPrefix("- ") { rest = rest.dropFirst(2).drop { $0 == " " } }
            let indent = content.count - rest.count
            let quoted = ["\"\(key)\"", "'\(key)'", key]
            guard quoted.contains(where: { rest.hasPrefix($0) && rest.dropFirst($0.count).drop { $0 == " " }.hasPrefix(":") }) else { continue }
            if let firstIndent {
                if indent == firstIndent { return (offset + 1, indent + 1) }
            } else {
                firstIndent = indent
            }
        }
        return nil
    }

    static func locate(_ error: YamlError, file: String, text: String = "") -> YAMLLocatedError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var detail = problem
            if let context, !context.text.isEmpty {
                detail = "\(context.text) (started at line \(context.mark.line), column \(context.mark.column)): \(problem)"
            }
            return YAMLLocatedError(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the mapping; point at the key's second occurrence instead.
            let (line, column) =
                secondOccurrence(of: duplicates.first ?? "", in: text, after: context.mark.line) ?? (context.mark.line, context.mark.column)
            return YAMLLocatedError(
                file: file,
                line: line,
                column: column,
                message: "duplicate key\(duplicates.count > 1 ? "s" : "") \(duplicates.joined(separator: ", ")) in a mapping"
            )
        case .reader(let problem, _, _, _):
            return YAMLLocatedError(file: file, line: 1, column: 1, message: "cannot read YAML: \(problem)")
        default:
            return YAMLLocatedError(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
    }

    /// The node's line and column, never past the end of the text.
    var position: (line: Int, column: Int) { end.clamp(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1) }
    /// The node's 1-based line, never past the end of the text.
    public var line: Int { position.line }
    /// The node's 1-based column, never past the end of the text.
    public var column: Int { position.column }

    /// An error at this node's position.
    ///
    /// - Parameter message: what is wrong.
    public func error(_ message: String) -> YAMLLocatedError {
        let (line, column) = position
        return YAMLLocatedError(file: file, line: line, column: column, message: message)
    }

    var kindName: String {
        switch node {
        case .scalar: "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// A mapping's entries in order, keys as strings.
    ///
    /// - Parameter what: what the node should be, for the error message (`"the profile"`).
    /// - Throws: ``YAMLLocatedError`` when the node is not a mapping or has a key that is not a scalar.
    public func mapping(_ what: String) throws(YAMLLocatedError) -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw error("expected \(what) (a mapping), found \(kindName)") }
        var entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
        for pair in mapping {
            let keyNode = YAMLNode(node: pair.key, file: file, end: end)
            guard case .scalar(let scalar) = pair.key else { throw keyNode.error("expected a plain key, found \(keyNode.kindName)") }
            entries.append((scalar.string, keyNode, YAMLNode(node: pair.value, file: file, end: end)))
        }
        return YAMLMapping(node: self, entries: entries)
    }

    /// A list's items.
    ///
    /// - Parameter what: what the node should be, for the error message.
    /// - Throws: ``YAMLLocatedError`` when the node is not a list.
    public func sequence(_ what: String) throws(YAMLLocatedError) -> [YAMLNode] {
        guard case .sequence(let sequence) = node else { throw error("expected \(what) (a list), found \(kindName)") }
        return sequence.map { YAMLNode(node: $0, file: file, end: end) }
    }

    /// Whether the node is a null scalar: `~`, `null` or an empty plain scalar.
    public var isNull: Bool {
        if case .scalar(let scalar) = node {
            return scalar.string == "~" || scalar.string == "null" || (scalar.string.isEmpty && scalar.style == .plain)
        }
        return false
    }

    /// A scalar as text (numbers and booleans as written).
    ///
    /// - Parameter what: what the node should be, for the error message.
    /// - Throws: ``YAMLLocatedError`` when the node is not a scalar.
    public func string(_ what: String) throws(YAMLLocatedError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected \(what) (a string), found \(kindName)") }
        return scalar.string
    }

    /// A scalar as a decimal integer.
    ///
    /// - Parameter what: what the node should be, for the error message.
    /// - Throws: ``YAMLLocatedError`` when the node is not a scalar that is an integer.
    public func int(_ what: String) throws(YAMLLocatedError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error("expected \(what) (an integer)")
        }
        return value
    }

    /// A scalar as a boolean: `true`, `yes`, `on` or `false`, `no`, `off`, in any case.
    ///
    /// - Parameter what: what the node should be, for the error message.
    /// - Throws: ``YAMLLocatedError`` when the node is not a scalar or is none of those words.
    public func bool(_ what: String) throws(YAMLLocatedError) -> Bool {
        guard case .scalar(let scalar) = node else { throw error("expected \(what) (true or false), found \(kindName)") }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected \(what) (true or false), found \"\(scalar.string)\"")
        }
    }

    /// A string or a list of strings.
    ///
    /// A scalar is split at spaces (`"openid email"` gives two items); a list's items must be scalars.
    ///
    /// - Parameter what: what the node should be, for the error message.
    /// - Throws: ``YAMLLocatedError`` when the node is neither a scalar nor a list of scalars.
    public func stringList(_ what: String) throws(YAMLLocatedError) -> [String] {
        if case .sequence = node {
            var result: [String] = []
            for item in try sequence(what) { result.append(try item.string("an item of \(what)")) }
            return result
        }
        return try string(what).split(separator: " ").map(String.init)
    }

    /// A PEM key given inline or as the path of a file, relative to this YAML file (for a
    /// built-in file, among the built-in files).
    ///
    /// The value is inline when it contains `-----BEGIN`; otherwise it is a path, absolute or relative
    /// to this file's folder.
    ///
    /// - Throws: ``YAMLLocatedError`` when the node is not a scalar, or the file cannot be read or
    ///   holds no PEM text.
    public func pem() throws(YAMLLocatedError) -> String {
        try pem(try string("a PEM key or the path of a .pem file"))
    }

    /// A PEM key given as `value` (this node's text after variable substitution): the key itself,
    /// or the path of a `.pem` file relative to the file the node is in.
    ///
    /// - Parameter value: the PEM text or the path.
    /// - Throws: ``YAMLLocatedError`` when no PEM key can be read from it.
    public func pem(_ value: String) throws(YAMLLocatedError) -> String {
        if value.contains("-----BEGIN") { return value }
        if let builtIn = BuiltIn.path(of: file), !value.hasPrefix("/") {
            let path = ((builtIn as NSString).deletingLastPathComponent as NSString).appendingPathComponent(value)
            guard let text = BuiltInFiles.files[(path as NSString).standardizingPath] else {
                throw error("no built-in key file \(path)")
            }
            return text
        }
        let path = value.hasPrefix("/") ? value : ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(value)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN")
        else {
            throw error("cannot read a PEM key from \(path)")
        }
        return text
    }

    /// A string among `choices`.
    ///
    /// - Parameters:
    ///   - what: what the node should be, for the error message.
    ///   - choices: the allowed values, listed in the error message.
    /// - Throws: ``YAMLLocatedError`` when the node is not a scalar or not one of `choices`.
    public func choice(_ what: String, _ choices: [String]) throws(YAMLLocatedError) -> String {
        let value = try string(what)
        guard choices.contains(value) else {
            throw error("unknown \(what) \"\(value)\"; expected one of: \(choices.joined(separator: ", "))")
        }
        return value
    }

    /// A string naming one case of `T` (an enum of the profile or scenario vocabulary).
    ///
    /// - Parameters:
    ///   - what: what the node should be, for the error message.
    ///   - type: the enum whose raw values are the allowed values.
    /// - Throws: ``YAMLLocatedError`` when the node is not a scalar or names no case of `T`.
    public func choice<T: RawRepresentable & CaseIterable>(_ what: String, as type: T.Type) throws(YAMLLocatedError) -> T where T.RawValue == String {
        let value = try choice(what, T.allCases.map(\.rawValue))
        return T(rawValue: value)!
    }

    /// A string or list of strings, each naming a case of `T`; repeats are refused.
    ///
    /// - Parameters:
    ///   - what: what the node should be, for the error message.
    ///   - type: the enum whose raw values are the allowed values.
    /// - Throws: ``YAMLLocatedError`` when the node is not a scalar or list of scalars, an item names
    ///   no case of `T`, or a case is listed twice.
    public func choices<T: RawRepresentable & CaseIterable & Equatable>(_ what: String, as type: T.Type) throws(YAMLLocatedError) -> [T]
    where T.RawValue == String {
        var result: [T] = []
        for value in try stringList(what) {
            guard let item = T.allCases.first(where: { $0.rawValue == value }) else {
                throw error("unknown \(what) \"\(value)\"; expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard !result.contains(item) else { throw error("\(what) \"\(value)\" is listed twice") }
            result.append(item)
        }
        return result
    }

    /// A duration that may be negative (`-1h`).
    ///
    /// Its magnitude is read as by ``duration(_:)``.
    ///
    /// - Parameter what: what the node should be, for the error message.
    /// - Throws: ``YAMLLocatedError`` when the node is not a scalar or its magnitude is not a
    ///   duration up to ``maximumDuration``.
    public func signedDuration(_ what: String) throws(YAMLLocatedError) -> TimeInterval {
        let text = try string(what).trimmingCharacters(in: .whitespaces)
        return text.hasPrefix("-") ? -(try parseDuration(String(text.dropFirst()), what)) : try parseDuration(text, what)
    }

    /// A duration: seconds as an integer, or a number with a unit (`90s`, `10m`, `2h`, `1d`).
    ///
    /// - Parameter what: what the node should be, for the error message.
    /// - Throws: ``YAMLLocatedError`` when the node is not a scalar, is not a duration, or is
    ///   negative or longer than ``maximumDuration``.
    public func duration(_ what: String) throws(YAMLLocatedError) -> TimeInterval {
        try parseDuration(try string(what).trimmingCharacters(in: .whitespaces), what)
    }

    /// The longest duration any file may give: ten years. Larger values (and NaN or infinity)
    /// would overflow the clocks and integer conversions downstream.
    public static let maximumDuration: TimeInterval = 10 * 365 * 86400

    func parseDuration(_ text: String, _ what: String) throws(YAMLLocatedError) -> TimeInterval {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var seconds: Double?
        if let plain = Double(text) {
            seconds = plain
        } else if let unit = text.last, let factor = units[unit], let amount = Double(text.dropLast()) {
            seconds = amount * factor
        }
        guard let seconds else { throw error("expected \(what) as a duration like 90, 90s, 10m, 2h or 1d; found \"\(text)\"") }
        guard seconds.isFinite, seconds >= 0, seconds <= Self.maximumDuration else {
            throw error("expected \(what) between 0 and 10 years (3650d); found \"\(text)\"")
        }
        return seconds
    }
}

/// A YAML mapping whose keys are checked against what the reader expects.
public struct YAMLMapping {
    /// The mapping's node, where errors about the mapping as a whole point.
    public let node: YAMLNode
    /// The entries in file order: each key as a string, the key's node (for errors about the key) and
    /// the value.
    public let entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)]

    /// The keys in file order.
    public var keys: [String] { entries.map(\.key) }

    /// The value of `key`, or `nil` when the mapping has no such key.
    ///
    /// - Parameter key: the key.
    public subscript(key: String) -> YAMLNode? {
        entries.first { $0.key == key }?.value
    }

    /// The value of `key`, which must be present.
    ///
    /// - Parameters:
    ///   - key: the key.
    ///   - what: what the mapping is, for the error message (`"a client"`).
    /// - Throws: ``YAMLLocatedError`` at the mapping when the key is missing.
    public func required(_ key: String, in what: String) throws(YAMLLocatedError) -> YAMLNode {
        guard let value = self[key] else { throw node.error("\(what) is missing the required key \"\(key)\"") }
        return value
    }

    /// Rejects keys outside `allowed`, naming the first unknown key's position.
    ///
    /// - Parameters:
    ///   - allowed: the keys the reader knows.
    ///   - what: what the mapping is, for the error message.
    /// - Throws: ``YAMLLocatedError`` at the first key not in `allowed`.
    public func allowOnly(_ allowed: [String], in what: String) throws(YAMLLocatedError) {
        for entry in entries where !allowed.contains(entry.key) {
            throw entry.keyNode.error("unknown key \"\(entry.key)\" in \(what); expected one of: \(allowed.joined(separator: ", "))")
        }
    }
}
