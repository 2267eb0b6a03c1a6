import Foundation

/// What the user agent needs of an HTML page: its forms (with their controls and the text of
/// their buttons), its title, its visible text and a `<meta http-equiv="refresh">` target.
///
/// A small tokenizer after the WHATWG HTML syntax (§13.2.5), not a DOM: tags, attributes
/// (double-, single- or unquoted, entity-decoded), comments, `<script>`/`<style>` raw text
/// (skipped) and `<textarea>`/`<title>` text. Malformed markup never fails: unclosed tags end
/// at the end of the text, like a browser's recovery would.
struct HTMLPage: Sendable {
    struct Control: Sendable, Equatable {
        /// `input`, `button`, `select` or `textarea`.
        var element: String
        /// The `type` attribute, lowercased (`text` for inputs and `submit` for buttons by default).
        var type: String
        var name: String?
        var value: String
        /// A button's visible text (its `value` for `<input type=submit>`); a select's option values.
        var label: String = ""
        var options: [String] = []
        var checked = false
        var disabled = false
        var id: String?

        var isSubmit: Bool { (element == "button" && type == "submit") || (element == "input" && (type == "submit" || type == "image")) }
        var isTextEntry: Bool { element == "input" && ["text", "email", "tel", "", "search"].contains(type) }
        var isPassword: Bool { element == "input" && type == "password" }
        var isHidden: Bool { element == "input" && type == "hidden" }
    }

    struct Form: Sendable, Equatable {
        var action: String?
        var method: String
        var id: String?
        var controls: [Control] = []

        var submitButtons: [Control] { controls.filter { $0.isSubmit && !$0.disabled } }
        var passwordFields: [Control] { controls.filter { $0.isPassword && $0.name != nil } }
        var textFields: [Control] { controls.filter { $0.isTextEntry && $0.name != nil && !$0.disabled } }
    }

    var forms: [Form] = []
    var title: String?
    /// The visible text, white space collapsed.
    var text: String = ""
    var refreshURL: String?
    /// The `src` of each `<iframe>` (at most 16), which a browser loads with the page.
    var frames: [String] = []

    /// The page's text for an error message: title and visible text, at most `limit` characters.
    func snippet(limit: Int = 240) -> String {
        var parts: [String] = []
        if let title, !title.isEmpty { parts.append(title) }
        if !text.isEmpty, text != title { parts.append(text) }
        let joined = parts.joined(separator: " — ")
        return joined.count > limit ? String(joined.prefix(limit)) + "…" : joined
    }

    static func parse(_ html: String) -> HTMLPage {
        var parser = Parser(bytes: Array(html.utf8))
        parser.run()
        var page = parser.page
        page.text = collapse(parser.visibleText)
        page.title = page.title.map(collapse)
        return page
    }

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        var page = HTMLPage()
        var visibleText = ""
        var currentForm: Int?
        /// The first form with each `id`, for controls that name their form (`form=…`): one
        /// lookup per control, not a search of every earlier form.
        var formsByID: [String: Int] = [:]
        /// The control whose text is being read: a `<button>`, `<option>` or `<select>`.
        var openButton: Int?
        var openSelect: Int?
        var openOption: (value: String?, text: String)?

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() {
            var textStart = index
            var tags = 0
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "<"), index + 1 < bytes.count else {
                    index += 1
                    continue
                }
                let next = bytes[index + 1]
                let isTag = isLetter(next) || next == UInt8(ascii: "/") || next == UInt8(ascii: "!") || next == UInt8(ascii: "?")
                guard isTag else {
                    index += 1
                    continue
                }
                appendText(textStart, index)
                // One pass over the page, and a cancelled check (past its time limit) stops
                // reading it: what was read so far is the page.
                tags += 1
                if tags & 0x3FF == 0, Task.isCancelled { return }
                if starts(with: "<!--", at: index) {
                    index = find("-->", from: index + 4).map { $0 + 3 } ?? bytes.count
                } else if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                    index = (firstIndex(of: UInt8(ascii: ">"), from: index) ?? bytes.count - 1) + 1
                } else if next == UInt8(ascii: "/") {
                    index += 2
                    let name = readName()
                    index = (firstIndex(of: UInt8(ascii: ">"), from: index) ?? bytes.count - 1) + 1
                    endTag(name)
                } else {
                    index += 1
                    let name = readName()
                    let attributes = readAttributes()
                    startTag(name, attributes)
                }
                textStart = index
            }
            appendText(textStart, bytes.count)
        }

        mutating func appendText(_ start: Int, _ end: Int) {
            guard start < end else { return }
            let text = HTMLPage.decodeEntities(String(decoding: bytes[start..<end], as: UTF8.self))
            visibleText += text
            if let button = openButton, let form = currentForm { page.forms[form].controls[button].label += text }
            if openOption != nil { openOption!.text += text }
        }

        mutating func startTag(_ name: String, _ attributes: [String: String]) {
            switch name {
            case "form":
                page.forms.append(Form(action: attributes["action"], method: (attributes["method"] ?? "get").lowercased(), id: attributes["id"]))
                currentForm = page.forms.count - 1
                if let id = attributes["id"], formsByID[id] == nil { formsByID[id] = page.forms.count - 1 }
            case "input":
                let type = (attributes["type"] ?? "text").lowercased()
                var control = Control(
                    element: "input",
                    type: type,
                    name: attributes["name"],
                    value: attributes["value"] ?? (type == "checkbox" || type == "radio" ? "on" : "")
                )
                control.label = type == "submit" ? (attributes["value"] ?? "Submit") : ""
                control.checked = attributes["checked"] != nil
                control.disabled = attributes["disabled"] != nil
                control.id = attributes["id"]
                add(control, formAttribute: attributes["form"])
            case "button":
                var control = Control(
                    element: "button",
                    type: (attributes["type"] ?? "submit").lowercased(),
                    name: attributes["name"],
                    value: attributes["value"] ?? ""
                )
                control.disabled = attributes["disabled"] != nil
                control.id = attributes["id"]
                openButton = add(control, formAttribute: attributes["form"])
            case "select":
                var control = Control(element: "select", type: "select", name: attributes["name"], value: "")
                control.disabled = attributes["disabled"] != nil
                openSelect = add(control, formAttribute: attributes["form"])
            case "option":
                closeOption()
                openOption = (attributes["value"], "")
                if attributes["selected"] != nil, let select = openSelect, let form = currentForm {
                    page.forms[form].controls[select].value = attributes["value"] ?? ""
                    page.forms[form].controls[select].checked = true
                }
            case "textarea":
                let end = findCaseInsensitive("</textarea", from: index) ?? bytes.count
                let value = HTMLPage.decodeEntities(String(decoding: bytes[index..<end], as: UTF8.self))
                index = end
                add(Control(element: "textarea", type: "textarea", name: attributes["name"], value: value), formAttribute: attributes["form"])
            case "script", "style", "template", "noscript":
                index = findCaseInsensitive("</\(name)", from: index) ?? bytes.count
            case "title":
                let end = findCaseInsensitive("</title", from: index) ?? bytes.count
                page.title = page.title ?? HTMLPage.decodeEntities(String(decoding: bytes[index..<end], as: UTF8.self))
                index = end
            case "iframe":
                if let source = attributes["src"], !source.isEmpty, page.frames.count < 16 { page.frames.append(source) }
            case "meta":
                if attributes["http-equiv"]?.lowercased() == "refresh", let content = attributes["content"],
                    let range = content.range(of: "url=", options: .caseInsensitive)
                {
                    page.refreshURL = content[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: " '\""))
                }
            case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "label":
                visibleText += " "
            default:
                break
            }
        }

        mutating func endTag(_ name: String) {
            switch name {
            case "form":
                closeOption()
                currentForm = nil
                openButton = nil
                openSelect = nil
            case "button": openButton = nil
            case "select":
                closeOption()
                openSelect = nil
            case "option": closeOption()
            default: visibleText += " "
            }
        }

        mutating func closeOption() {
            guard let option = openOption else { return }
            openOption = nil
            guard let select = openSelect, let form = currentForm else { return }
            let value = option.value ?? HTMLPage.collapse(option.text)
            page.forms[form].controls[select].options.append(value)
            if page.forms[form].controls[select].options.count == 1, !page.forms[form].controls[select].checked {
                page.forms[form].controls[select].value = value  // the first option is selected by default
            }
        }

        /// Adds a control to the open form, or to the form its `form` attribute names.
        @discardableResult
        mutating func add(_ control: Control, formAttribute: String?) -> Int? {
            var target = currentForm
            if let formAttribute { target = formsByID[formAttribute] ?? target }
            guard let target else { return nil }
            page.forms[target].controls.append(control)
            return target == currentForm ? page.forms[target].controls.count - 1 : nil
        }

        mutating func readName() -> String {
            let start = index
            while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">"), bytes[index] != UInt8(ascii: "/") { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self).lowercased()
        }

        /// Attributes up to and past the tag's `>`; the first of a repeated name wins.
        mutating func readAttributes() -> [String: String] {
            var attributes: [String: String] = [:]
            while index < bytes.count {
                while index < bytes.count, isSpace(bytes[index]) || bytes[index] == UInt8(ascii: "/") { index += 1 }
                guard index < bytes.count else { break }
                if bytes[index] == UInt8(ascii: ">") {
                    index += 1
                    break
                }
                let start = index
                while index < bytes.count, !isSpace(bytes[index]), ![UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "/")].contains(bytes[index]) {
                    index += 1
                }
                let name = String(decoding: bytes[start..<index], as: UTF8.self).lowercased()
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                var value = ""
                if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
                    index += 1
                    while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                        let quote = bytes[index]
                        let end = firstIndex(of: quote, from: index + 1) ?? bytes.count
                        value = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                        index = min(end + 1, bytes.count)
                    } else {
                        let valueStart = index
                        while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">") { index += 1 }
                        value = String(decoding: bytes[valueStart..<index], as: UTF8.self)
                    }
                }
                if !name.isEmpty, attributes[name] == nil { attributes[name] = HTMLPage.decodeEntities(value) }
            }
            return attributes
        }

        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C }
        func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }

        func starts(with text: String, at position: Int) -> Bool {
            let pattern = Array(text.utf8)
            guard position + pattern.count <= bytes.count else { return false }
            return bytes[position..<(position + pattern.count)].elementsEqual(pattern)
        }

        func firstIndex(of byte: UInt8, from position: Int) -> Int? {
            guard position < bytes.count else { return nil }
            return bytes[position...].firstIndex(of: byte)
        }

        func find(_ text: String, from position: Int) -> Int? {
            var position = position
            while position < bytes.count {
                if starts(with: text, at: position) { return position }
                position += 1
            }
            return nil
        }

        func findCaseInsensitive(_ text: String, from position: Int) -> Int? {
            let pattern = Array(text.lowercased().utf8)
            var position = position
            while position + pattern.count <= bytes.count {
                if zip(bytes[position..<(position + pattern.count)], pattern).allSatisfy({ ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) == $1 }) {
                    return position
                }
                position += 1
            }
            return nil
        }
    }

    static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "#39": "'", "copy": "©", "hellip": "…", "mdash": "—", "ndash": "–",
    ]

    /// Decodes character references: the common named ones and every numeric one.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semicolon = after.prefix(12).firstIndex(of: ";") else {
                result += "&"
                rest = after
                continue
            }
            let name = String(after[..<semicolon])
            var decoded: String?
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                decoded = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else if name.hasPrefix("#") {
                decoded = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else {
                decoded = namedEntities[name]
            }
            if let decoded {
                result += decoded
                rest = after[after.index(after: semicolon)...]
            } else {
                result += "&"
                rest = after
            }
        }
        result += rest
        return result
    }
}
