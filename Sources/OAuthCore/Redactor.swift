import Foundation
import Synchronization

/// Removes secrets from text before it reaches a report, a log or an error message.
///
/// Two mechanisms work together: values registered explicitly (client secrets, and every
/// token, code or verifier seen on the wire, in raw and encoded forms) are replaced wherever
/// they occur, and `Authorization` header values are masked by name.
public final class Redactor: Sendable {
    /// What a secret is replaced with: `[REDACTED]`.
    public static let mask = "[REDACTED]"

    /// Words that make a name a secret's, in any case and style (`accessToken`, `api-key`,
    /// `X-Auth-Token`, `incoming_webhook`): compared with the name lowercased and stripped of
    /// `_`, `-`, `.` and spaces.
    static let secretWords = [
        "token", "secret", "password", "passwd", "verifier", "assertion", "apikey", "privatekey", "webhook", "signature", "credential", "code",
        "sessionid", "authorization",
    ]
    /// Names that contain such a word but never carry a secret (metadata, types, hints, errors).
    static let publicNames: Set<String> = [
        "tokentype", "tokentypehint", "codechallenge", "codechallengemethod", "responsetype", "granttype", "errorcode", "statuscode",
        "countrycode", "postalcode", "zipcode", "languagecode", "localecode", "oauthsignaturemethod", "signaturemethod", "signaturetype",
        "oauthcallbackconfirmed", "tokenendpointauthmethod", "tokenendpointauthsigningalg", "authorizationservers",
    ]
    /// Whole names that are secrets though no secret word is in them: the `DPoP` proof header
    /// and the `request` parameter (a signed request object).
    static let exactSecretNames: Set<String> = ["dpop", "request"]
    static let publicSuffixes = ["endpoint", "uri", "url", "supported", "method", "methods", "type", "hint", "expiresin", "alg"]

    /// Whether values under this parameter, member or header name are secrets.
    ///
    /// - Parameter name: a parameter, JSON member or header name.
    public static func isSecretName(_ name: Substring) -> Bool {
        var folded = ""
        folded.reserveCapacity(name.utf8.count)
        for scalar in name.unicodeScalars where scalar != "_" && scalar != "-" && scalar != "." && scalar != " " {
            if scalar.isASCII {
                folded.unicodeScalars.append(scalar >= "A" && scalar <= "Z" ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else {
                folded.unicodeScalars.append(scalar.properties.lowercaseMapping.unicodeScalars.first ?? scalar)
            }
        }
        // A DPoP proof (RFC 9449) and a request object (RFC 9101) are signed credentials by name.
        if exactSecretNames.contains(folded) { return true }
        // Byte searches: Foundation's String.contains was a tenth of a scenario's time, the
        // standard library's generic one more.
        guard secretWords.contains(where: { contains(folded, $0) }) else { return false }
        // A webhook URL is a credential; an id_token_hint is an ID token (but the metadata's
        // id_token_signing_alg_values_supported names algorithms).
        if contains(folded, "webhook") || (folded.hasPrefix("idtoken") && folded.hasSuffix("hint")) { return true }
        if publicNames.contains(folded) { return false }
        return !publicSuffixes.contains { folded.hasSuffix($0) }
    }

    /// Whether values under this parameter, member or header name are secrets.
    ///
    /// - Parameter name: a parameter, JSON member or header name.
    public static func isSecretName(_ name: String) -> Bool { isSecretName(Substring(name)) }

    /// Whether `text` contains `word`, byte for byte.
    static func contains(_ text: String, _ word: String) -> Bool {
        var text = text
        var word = word
        return text.withUTF8 { text in word.withUTF8 { word in firstOccurrence(of: word, in: text, from: 0) != nil } }
    }

    /// Where `word` next occurs in `text` at or after `start` (the redactor's one byte search).
    static func firstOccurrence(of word: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = word.first else { return start <= text.count ? start : nil }
        guard word.count <= text.count else { return nil }
        var index = start
        while index <= text.count - word.count {
            if text[index] == first, memcmp(text.baseAddress! + index, word.baseAddress!, word.count) == 0 { return index }
            index += 1
        }
        return nil
    }

    /// Values shorter than this are not registered: masking "a" everywhere would make reports
    /// unreadable, and such values are not credentials.
    public static let minimumLength = 4

    private let secrets = Mutex(Known())

    /// At most this many values are registered (each with its encoded forms), and their forms
    /// at most ``maximumSecretBytes`` bytes in all: a provider that answers with a hundred
    /// thousand secret-named members cannot make the redactor's memory or its search grow
    /// without bound. Values past either limit are counted (``unregistered``) and reported with
    /// the transcript; they are still masked wherever they appear under a secret's name.
    public static let maximumSecrets = 4096
    /// The most bytes that all registered forms may take together (8 MiB); see ``maximumSecrets``.
    public static let maximumSecretBytes = 8 << 20
    /// Forms registered since the automaton was built are searched one by one, up to this many.
    static let pendingLimit = 256

    /// The registered forms: an automaton over most of them, searched once per text, and the
    /// few registered since it was built, each searched on its own.
    struct Known {
        var set: Set<String> = []
        var matcher: SecretMatcher?
        var pending: [[UInt8]] = []
        /// The values given to `register` (their forms are in `set`): the same token or client
        /// secret is seen in many exchanges of a run and its forms are derived once.
        var registered: Set<String> = []
        var bytes = 0
        var unregistered = 0
    }

    /// Creates a redactor that knows `secrets`, each registered as ``register(_:)`` does.
    ///
    /// - Parameter secrets: values to mask from the start.
    public init(secrets: [String] = []) {
        for secret in secrets { register(secret) }
    }

    /// A redactor that knows what this one knows (its secrets, and its search built so far),
    /// and learns on its own from then on: one check's, started from its run's.
    package func copy() -> Redactor {
        let copy = Redactor()
        let known = secrets.withLock { known in
            // Built here once half the pending room is used, so that a copy (one check) has the
            // other half for what it learns and seldom builds a search of its own.
            if known.pending.count > Self.pendingLimit / 2 { Self.compact(&known) }
            return known
        }
        copy.secrets.withLock { $0 = known }
        return copy
    }

    /// Every registered form into the automaton; none pending.
    static func compact(_ known: inout Known) {
        known.matcher = SecretMatcher(known.set.map { Array($0.utf8) })
        known.pending = []
    }

    /// Registers every value `other` registered (a run's redactor gathering its checks').
    package func absorb(_ other: Redactor) {
        let values = other.secrets.withLock { $0.registered }
        let known = secrets.withLock { $0.registered }
        for value in values where !known.contains(value) { register(value) }
    }

    /// How many values were not registered because a limit was reached.
    public var unregistered: Int { secrets.withLock { $0.unregistered } }

    /// Registers a secret: from now on the value and its encoded forms (percent-encoded with `%20`
    /// or `+` and either case of hex, JSON-escaped with or without `\/`, base64 and base64url) are
    /// masked wherever they occur. `nil` and values shorter than ``minimumLength`` are ignored;
    /// values past ``maximumSecrets`` or ``maximumSecretBytes`` are counted in ``unregistered``.
    ///
    /// - Parameter secret: the value to mask.
    public func register(_ secret: String?) {
        guard let secret, secret.count >= Self.minimumLength else { return }
        let state = secrets.withLock { known -> Bool? in
            if known.registered.contains(secret) { return nil }
            if known.registered.count >= Self.maximumSecrets || known.bytes + secret.utf8.count > Self.maximumSecretBytes {
                known.unregistered += 1
                return nil
            }
            return true
        }
        guard state != nil else { return }
        let percent = PercentEncoding.encode(secret)
        let json = String(JSONValue.string(secret).jsonText.dropFirst().dropLast())
        let forms = [
            secret, percent, PercentEncoding.encode(secret, spaceAsPlus: true), Self.lowercasingEscapes(percent),
            Self.lowercasingEscapes(PercentEncoding.encode(secret, spaceAsPlus: true)), json, Self.escapingSlashes(json),
            Base64Standard.encode(Array(secret.utf8)), Base64URL.encode(Array(secret.utf8)),
        ]
        secrets.withLock { known in
            guard known.registered.insert(secret).inserted else { return }
            for form in forms where form.count >= Self.minimumLength {
                if known.set.insert(form).inserted {
                    known.pending.append(Array(form.utf8))
                    known.bytes += form.utf8.count
                }
            }
        }
    }

    /// Registers the values of secret-named parameters.
    ///
    /// - Parameter parameters: the parameters to look through.
    public func registerSecrets(in parameters: FormParameters) {
        for pair in parameters where Self.isSecretName(pair.name) { register(pair.value) }
    }

    /// Registers the values of secret-named members anywhere in a JSON document.
    ///
    /// - Parameter json: the document to look through.
    public func registerSecrets(in json: JSONValue) {
        switch json {
        case .object(let members):
            for (key, value) in members {
                if Self.isSecretName(key) {
                    registerEveryString(in: value)
                } else {
                    registerSecrets(in: value)
                }
            }
        case .array(let items):
            for item in items { registerSecrets(in: item) }
        default:
            break
        }
    }

    /// Registers every string inside a secret-named member (`incoming_webhook: {url: …}`).
    private func registerEveryString(in json: JSONValue) {
        switch json {
        case .string(let secret): register(secret)
        case .object(let members): for value in members.values { registerEveryString(in: value) }
        case .array(let items): for item in items { registerEveryString(in: item) }
        default: break
        }
    }

    /// Registers the secret parts of an HTTP exchange: form bodies, query strings,
    /// JSON bodies, the `Authorization` header's credentials, secret-named headers and cookies.
    ///
    /// - Parameter request: the request to look through.
    public func registerSecrets(in request: TransportRequest) {
        let url = URLReference(request.url)
        if let query = url.query { registerSecrets(inQuery: query) }
        registerCredentials(request.headers["Authorization"])
        registerSecretHeaders(request.headers)
        registerSecrets(body: request.body, contentType: request.headers["Content-Type"])
    }

    /// Headers named like secrets (`X-Api-Key`, `X-Auth-Token`); cookies by value.
    private func registerSecretHeaders(_ headers: HeaderList) {
        for field in headers {
            let isCookie = HeaderList.sameName(field.name, "cookie")
            if isCookie || HeaderList.sameName(field.name, "set-cookie") {
                for (index, part) in field.value.split(separator: ";").enumerated() where isCookie || index == 0 {
                    if let eq = part.firstIndex(of: "=") { register(part[part.index(after: eq)...].trimmingWhitespace()) }
                }
            } else if !HeaderList.sameName(field.name, "authorization"), Self.isSecretName(field.name) {
                register(field.value)
            }
        }
    }

    /// A query (or fragment) read as form pairs; when an escape is invalid the raw pairs are
    /// registered instead, so a malformed redirect cannot carry a secret past the redactor.
    func registerSecrets(inQuery query: String) {
        if let parameters = try? FormParameters(parsing: query) {
            registerSecrets(in: parameters)
        } else {
            registerSecrets(
                in: FormParameters(
                    query.split(separator: "&").map { pair in
                        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
                    }
                )
            )
        }
    }

    /// Registers the secret parts of an HTTP response: secret-named headers, cookies, the
    /// secret-named parameters of a `Location` header's query and fragment, and the body's
    /// secret-named members and parameters.
    ///
    /// - Parameter response: the response to look through.
    public func registerSecrets(in response: TransportResponse) {
        registerSecretHeaders(response.headers)
        if let location = response.headers["Location"] {
            let url = URLReference(location)
            if let query = url.query { registerSecrets(inQuery: query) }
            if let fragment = url.fragment { registerSecrets(inQuery: fragment) }
        }
        registerSecrets(body: response.body, contentType: response.headers["Content-Type"])
    }

    private func registerCredentials(_ authorization: String?) {
        guard let authorization, let space = authorization.firstIndex(of: " ") else { return }
        let credentials = authorization[authorization.index(after: space)...].trimmingWhitespace()
        register(credentials)
        if HeaderList.value(authorization, hasLowercasePrefix: "basic "), let data = Base64Standard.decode(credentials),
            let pair = String(validating: data, as: UTF8.self), let colon = pair.firstIndex(of: ":")
        {
            let password = String(pair[pair.index(after: colon)...])
            register(password)
            register(try? PercentEncoding.decode(password, plusAsSpace: true))
        }
    }

    /// A body of any content type: as JSON when it parses, as a form when it parses, and
    /// always scanned as text for secret-named members and parameters (a truncated or
    /// otherwise invalid JSON document, a form labelled text/html).
    private func registerSecrets(body: [UInt8], contentType: String?) {
        guard !body.isEmpty else { return }
        if let json = try? JSONValue.parse(body) { registerSecrets(in: json) }
        let text = String(decoding: body, as: UTF8.self)
        if !body.contains(UInt8(ascii: "{")), let parameters = try? FormParameters(parsing: Substring(text).trimmingWhitespace(newlines: true)) {
            registerSecrets(in: parameters)
        }
        for (_, value) in Self.namedValues(in: text) { register(value) }
        for value in Self.secretInputValues(inHTML: text) { register(value) }
    }

    /// The values of HTML `<input>` fields whose name is a secret's (a CSRF token, a user code
    /// in a page the user agent never posted back), in the first 256 KiB of a page.
    static func secretInputValues(inHTML text: String) -> [String] {
        var found: [String] = []
        let bytes = Array(text.utf8.prefix(256 * 1024))
        let lower = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        let open = Array("<input".utf8)
        var index = 0
        while index + open.count <= lower.count {
            guard lower[index..<(index + open.count)].elementsEqual(open) else {
                index += 1
                continue
            }
            let end = lower[index...].firstIndex(of: UInt8(ascii: ">")) ?? lower.count
            let tag = lower[index..<end]
            func attribute(_ name: String) -> String? {
                let key = Array((name + "=").utf8)
                var at = tag.startIndex
                while at + key.count <= tag.endIndex {
                    let before = at > tag.startIndex ? tag[at - 1] : UInt8(ascii: " ")
                    if tag[at..<(at + key.count)].elementsEqual(key),
                        before == UInt8(ascii: " ") || before == UInt8(ascii: "\n") || before == UInt8(ascii: "\t")
                    {
                        var start = at + key.count
                        let quote = start < tag.endIndex ? tag[start] : 0
                        let quoted = quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'")
                        if quoted { start += 1 }
                        var stop = start
                        while stop < tag.endIndex, quoted ? tag[stop] != quote : !(tag[stop] == UInt8(ascii: " ") || tag[stop] == UInt8(ascii: "/")) {
                            stop += 1
                        }
                        return String(decoding: bytes[start..<stop], as: UTF8.self)
                    }
                    at += 1
                }
                return nil
            }
            if let name = attribute("name"), isSecretName(name), let value = attribute("value"), !value.isEmpty {
                found.append(value)
                found.append(value.replacingOccurrences(of: "&amp;", with: "&"))
            }
            index = end
        }
        return found
    }

    /// `"name": "value"` members (JSON-escaped values also unescaped, an unterminated last
    /// string included) and `name=value` parameters whose name is a secret's, found in any text.
    static func namedValues(in text: String) -> [(name: String, value: String)] {
        guard mayNameASecret(text) else { return [] }
        let raw = RedactorScanner.scannable(text).map(namedRawValuesByScanning) ?? namedRawValuesByExpressions(text)
        var found: [(String, String)] = []
        for (name, value) in raw.json {
            found.append((name, value))
            if value.utf8.contains(UInt8(ascii: "\\")), let decoded = (try? JSONValue.parse(Array(("\"" + value + "\"").utf8)))?.stringValue {
                found.append((name, decoded))
            }
        }
        for (name, value) in raw.form {
            found.append((name, value))
            if let decoded = try? PercentEncoding.decode(value, plusAsSpace: true) { found.append((name, decoded)) }
        }
        return found
    }

    /// The secret-named (name, raw value) pairs of `jsonMember` and `formParameter`.
    static func namedRawValuesByExpressions(_ text: String) -> (json: [(String, String)], form: [(String, String)]) {
        (
            text.matches(of: jsonMember).filter { isSecretName($0.1) }.map { (String($0.1), String($0.2)) },
            text.matches(of: formParameter).filter { isSecretName($0.1) }.map { (String($0.1), String($0.2)) }
        )
    }

    /// Whether `jsonMember` or `formParameter` could match `text` with a secret's name: every
    /// name either could capture is checked, so `false` means neither regular expression has
    /// anything to do (they cost far more than this scan). A JSON name is the text between two
    /// consecutive quotes when a colon follows (after whitespace; a non-ASCII byte there counts
    /// as a colon, as it may be Unicode whitespace); a form name is the run of name characters
    /// just before an "=".
    static func mayNameASecret(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            func colonFollows(_ start: Int) -> Bool {
                var index = start
                while index < bytes.count, bytes[index] == 0x20 || (0x09...0x0D).contains(bytes[index]) { index += 1 }
                return index < bytes.count && (bytes[index] == UInt8(ascii: ":") || bytes[index] >= 0x80)
            }
            var previousQuote: Int?
            for index in 0..<bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    if let start = previousQuote, index > start + 1, colonFollows(index + 1),
                        isSecretName(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<index]), as: UTF8.self))
                    {
                        return true
                    }
                    previousQuote = index
                case UInt8(ascii: "="):
                    var start = index
                    while start > 0, isFormNameByte(bytes[start - 1]) { start -= 1 }
                    if start < index, isSecretName(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)) {
                        return true
                    }
                default: continue
                }
            }
            return false
        }
    }

    /// `formParameter`'s name characters: `[A-Za-z0-9_.\-\[\]]`.
    static func isFormNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "["), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }

    nonisolated(unsafe) static let jsonMember = #/"([^"\\]{1,80})"\s*:\s*"((?:[^"\\]|\\.){1,8192})(?:"|$)/#
    nonisolated(unsafe) static let formParameter = #/(?:^|[?&;\s])([A-Za-z0-9_.\-\[\]]{1,80})=([^&\s"'<>;#]{1,8192})/#

    /// `\/` for `/`, as some JSON writers escape it.
    static func escapingSlashes(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "/")) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        for byte in text.utf8 {
            if byte == UInt8(ascii: "/") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `%2f` for `%2F`: providers and proxies use either case.
    static func lowercasingEscapes(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var result = ""
        var rest = Substring(text)
        while let percent = rest.firstIndex(of: "%") {
            result += rest[..<percent]
            let escape = rest[percent...].prefix(3)
            result += escape.lowercased()
            rest = rest[escape.endIndex...]
        }
        return result + rest
    }

    /// Replaces every registered secret in `text` with `[REDACTED]`, and the values of
    /// secret-named JSON members and parameters (`"access_token": "…"`, `code=…`) however short,
    /// whether or not they were registered.
    ///
    /// - Parameter text: the text to redact.
    public func redact(_ text: String) -> String {
        replaceSecrets(in: Self.maskNamedValues(in: text))
    }

    /// Only the registered secrets (not the values of secret-named members and parameters):
    /// for text whose parts already went through ``maskNamedValues(in:)`` (a transcript).
    /// Every byte that belongs to an occurrence of any registered form is masked (overlapping
    /// occurrences become one mask), in time linear in the text whatever the number of secrets.
    package func replaceSecrets(in text: String) -> String {
        let (matcher, pending) = secrets.withLock { known -> (SecretMatcher?, [[UInt8]]) in
            if known.pending.count > Self.pendingLimit { Self.compact(&known) }
            return (known.matcher, known.pending)
        }
        guard matcher != nil || !pending.isEmpty else { return text }
        var text = text
        return text.withUTF8 { bytes -> String? in
            var found: [Range<Int>] = []
            matcher?.forEachMatch(in: bytes) { found.append($0) }
            for secret in pending { Self.occurrences(of: secret, in: bytes) { found.append($0) } }
            guard !found.isEmpty else { return nil }
            return String(decoding: Self.masking(Self.merged(found), in: bytes), as: UTF8.self)
        } ?? text
    }

    private static let maskBytes = Array(mask.utf8)

    /// Every occurrence of `secret` in `text`, overlapping ones included.
    static func occurrences(of secret: [UInt8], in text: UnsafeBufferPointer<UInt8>, _ found: (Range<Int>) -> Void) {
        secret.withUnsafeBufferPointer { secret in
            var from = 0
            while let start = firstOccurrence(of: secret, in: text, from: from) {
                found(start..<(start + secret.count))
                from = start + 1
            }
        }
    }

    /// The ranges sorted, overlapping ones joined.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound < last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// `text` with each of the (sorted, disjoint) ranges replaced by the mask. A valid UTF-8
    /// secret only matches at character boundaries of valid UTF-8 text, so the result stays valid.
    static func masking(_ ranges: [Range<Int>], in text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count + ranges.count * maskBytes.count)
        var copied = 0
        for range in ranges {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied..<range.lowerBound]))
            output.append(contentsOf: maskBytes)
            copied = range.upperBound
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied...]))
        return output
    }

    /// Masks, in place, the values of secret-named JSON members and parameters — however
    /// short, whether or not they were seen on the wire.
    package static func maskNamedValues(in text: String) -> String {
        guard mayNameASecret(text) else { return text }
        return RedactorScanner.scannable(text).map(maskNamedValuesByScanning) ?? maskNamedValuesByExpressions(in: text)
    }

    /// `maskNamedValues` without the scan that skips texts with no secret names.
    static func maskNamedValuesByExpressions(in text: String) -> String {
        var result = text
        result.replace(jsonMember) { match in
            isSecretName(match.1) && !match.2.hasPrefix(mask) ? "\"\(match.1)\": \"\(mask)\"" : String(match.0)
        }
        result.replace(formParameter) { match in
            guard isSecretName(match.1), match.2 != mask else { return String(match.0) }
            let whole = String(match.0)
            return String(whole.prefix(whole.count - match.2.count)) + mask
        }
        return result
    }

    /// A header value as it may appear in a report.
    /// With `valuesLater`, a value that is not masked by its header's name is returned as it is:
    /// for text that goes through `redact` as a whole afterwards (a transcript).
    ///
    /// - Parameters:
    ///   - name: the header name.
    ///   - value: the header value.
    ///   - valuesLater: whether the value will be redacted later with the rest of the text.
    public func redactHeader(name: String, value: String, valuesLater: Bool = false) -> String {
        let lowered = name.lowercased()
        if lowered != "authorization", lowered != "cookie", lowered != "set-cookie", Self.isSecretName(name) { return Self.mask }
        if lowered == "authorization" || lowered == "proxy-authorization" {
            let scheme = value.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            return scheme.isEmpty ? Self.mask : "\(scheme) \(Self.mask)"
        }
        if lowered == "cookie" || lowered == "set-cookie" {
            // Every value of a Cookie header; only the value of a Set-Cookie (its attributes are no secret).
            return redact(
                value.split(separator: ";").enumerated().map { index, part -> String in
                    guard let eq = part.firstIndex(of: "="), lowered == "cookie" || index == 0 else { return String(part) }
                    return String(part[...eq]) + Self.mask
                }.joined(separator: ";")
            )
        }
        return valuesLater ? value : redact(value)
    }
}
