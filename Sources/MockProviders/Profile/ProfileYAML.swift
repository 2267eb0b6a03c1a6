import Foundation
import OAuthCore
import Yams

/// The one writer of the profile format: a profile is built as a tree of values and emitted by
/// a YAML emitter (libyaml, through Yams), never by joining strings. Every string is written as
/// a double-quoted scalar — line breaks, quotes, `#`, `: `, `&`, `*` and `!` stay data — so text
/// that came from a provider (a discovery document's URL, a claim, its name) cannot add a key.
/// `ProviderProfile.yaml()` writes every profile with it (`check --write-profile`, `record`).
public enum ProfileYAML {
    /// A value of the document tree.
    public indirect enum Value: Sendable, Equatable {
        /// A string, written double-quoted.
        case text(String)
        /// `true` or `false`.
        case flag(Bool)
        /// An integer.
        case number(Int)
        /// A number as JSON writes it (`-1.5`, `2e3`), written plain.
        case numeral(String)
        /// `null`.
        case null
        /// A sequence.
        case list([Value])
        /// A mapping, its keys in order.
        case map([(String, Value)])
        /// A multi-line text written as a literal block (`|`), for PEM keys.
        case block(String)

        /// Whether two values are the same tree (mappings with their keys in the same order).
        ///
        /// - Parameters:
        ///   - lhs: a value.
        ///   - rhs: another value.
        public static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.text(let a), .text(let b)), (.block(let a), .block(let b)): a == b
            case (.flag(let a), .flag(let b)): a == b
            case (.number(let a), .number(let b)): a == b
            case (.numeral(let a), .numeral(let b)): a == b
            case (.null, .null): true
            case (.list(let a), .list(let b)): a == b
            case (.map(let a), .map(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
            default: false
            }
        }
    }

    /// A JSON value as a document value: strings double-quoted, booleans, numbers and `null`
    /// plain, an object's members in name order — it reads back as the same JSON value.
    ///
    /// - Parameter json: the value.
    public static func value(_ json: JSONValue) -> Value {
        switch json {
        case .string(let text): .text(text)
        case .bool(let flag): .flag(flag)
        case .number(let number): .numeral(number.description)
        case .null: .null
        case .array(let items): .list(items.map(value))
        case .object(let members): .map(members.sorted { $0.key < $1.key }.map { ($0.key, value($0.value)) })
        }
    }

    /// The document as YAML, after `comments` (each one line; line breaks in them become spaces).
    ///
    /// - Parameters:
    ///   - document: the top-level mapping, its keys in order.
    ///   - comments: lines written as `#` comments before the document.
    /// - Throws: Yams's error when the tree cannot be serialized.
    public static func encode(_ document: [(String, Value)], comments: [String] = []) throws -> String {
        var text = ""
        for comment in comments {
            let line = comment.map { $0.isNewline ? " " : $0 }
            text += "# " + String(line) + "\n"
        }
        return text + (try Yams.serialize(node: node(.map(document)), width: -1, allowUnicode: true))
    }

    static func node(_ value: Value) -> Node {
        switch value {
        case .text(let text): .scalar(.init(text, .implicit, .doubleQuoted))
        case .flag(let flag): .scalar(.init(flag ? "true" : "false", .implicit, .plain))
        case .number(let number): .scalar(.init(String(number), .implicit, .plain))
        case .numeral(let number): .scalar(.init(number, .implicit, .plain))
        case .null: .scalar(.init("null", .implicit, .plain))
        case .block(let text): .scalar(.init(text, .implicit, .literal))
        case .list(let items): .sequence(.init(items.map(node)))
        case .map(let pairs): .mapping(.init(pairs.map { (key(String($0.0)), node($0.1)) }))
        }
    }

    /// Words YAML 1.1 readers take for booleans or null when plain.
    static let reservedWords: Set<String> = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"]

    /// A key: plain when it is a bare word (a letter, then letters, digits and `_`, and no word
    /// another reader would take for a boolean), double-quoted otherwise.
    static func key(_ name: String) -> Node {
        let bare =
            (name.utf8.first.map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } ?? false)
            && !reservedWords.contains(name)
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_")
            }
        return .scalar(.init(name, .implicit, bare ? .plain : .doubleQuoted))
    }
}
