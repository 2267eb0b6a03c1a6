/// A URL (or a request target such as `/token?x=1`) split into its RFC 3986 §3 parts, exactly
/// as written: nothing is decoded, normalised or "repaired" (Foundation's URL types repair
/// invalid escapes, which a redirect check must not do).
///
/// This is the package's one URL splitter: reading a redirect's query, appending parameters
/// before the fragment, taking a URL's origin or host, and the mock's request targets all use it.
public struct URLReference: Sendable, Hashable, CustomStringConvertible {
    /// The scheme, lowercased (RFC 3986 §3.1 says schemes are case-insensitive); `nil` for a
    /// relative reference.
    public var scheme: String?
    /// The authority as written (`user@host:port`), `nil` when there is no `//`.
    public var authority: String?
    /// The path as written (may be empty).
    public var path: String
    /// The query without its `?`, as written; `nil` when there is no `?` (empty when there is).
    public var query: String?
    /// The fragment without its `#`, as written; `nil` when there is no `#`.
    public var fragment: String?

    /// Splits `text` by the RFC 3986 Appendix B grammar. Every string splits; use ``host`` and
    /// ``port`` to ask whether an absolute URL has a usable authority.
    ///
    /// - Parameter text: a URL or relative reference.
    public init(_ text: some StringProtocol) {
        self.init(splitting: Substring(text))
    }

    /// Splits `text` by the RFC 3986 Appendix B grammar (the `String` overload of the
    /// initializer above).
    ///
    /// - Parameter text: a URL or relative reference.
    public init(_ text: String) {
        self.init(splitting: Substring(text))
    }

    /// The delimiters are ASCII, so the split reads UTF-8 bytes (RFC 3986 works on characters,
    /// not on Swift's grapheme clusters: a `#` followed by a combining mark still ends the path).
    init(splitting text: Substring) {
        let utf8 = text.utf8
        func string(_ range: Range<String.Index>) -> String { String(Substring(utf8[range])) }
        var end = utf8.endIndex
        if let hash = utf8.firstIndex(of: UInt8(ascii: "#")) {
            fragment = string(utf8.index(after: hash)..<end)
            end = hash
        }
        if let mark = utf8[..<end].firstIndex(of: UInt8(ascii: "?")) {
            query = string(utf8.index(after: mark)..<end)
            end = mark
        }
        var start = utf8.startIndex
        if let colon = utf8[..<end].firstIndex(of: UInt8(ascii: ":")), colon != start,
            utf8[..<colon].allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                    return true
                default:
                    return false
                }
            })
        {
            scheme = String(decoding: utf8[..<colon].map { $0 | (($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) ? 0x20 : 0) }, as: UTF8.self)
            start = utf8.index(after: colon)
        }
        if utf8[start..<end].starts(with: "//".utf8) {
            start = utf8.index(start, offsetBy: 2)
            let slash = utf8[start..<end].firstIndex(of: UInt8(ascii: "/")) ?? end
            authority = string(start..<slash)
            start = slash
        }
        path = string(start..<end)
    }

    /// Creates a reference from its parts, as written; the scheme is lowercased.
    ///
    /// - Parameters:
    ///   - scheme: the scheme, or `nil` for a relative reference.
    ///   - authority: the authority, or `nil` for none (no `//`).
    ///   - path: the path.
    ///   - query: the query without its `?`, or `nil` for none.
    ///   - fragment: the fragment without its `#`, or `nil` for none.
    public init(scheme: String?, authority: String?, path: String, query: String? = nil, fragment: String? = nil) {
        self.scheme = scheme?.lowercased()
        self.authority = authority
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// The reference put back together (RFC 3986 §5.3).
    public var description: String {
        var text = ""
        if let scheme { text += scheme + ":" }
        if let authority { text += "//" + authority }
        text += path
        if let query { text += "?" + query }
        if let fragment { text += "#" + fragment }
        return text
    }

    /// The host, lowercased, IPv6 literals keeping their brackets (`[::1]`); `nil` without an
    /// authority or with an empty host.
    public var host: String? {
        guard let hostAndPort else { return nil }
        return hostAndPort.host.isEmpty ? nil : hostAndPort.host
    }

    /// The port when one is written; `nil` when absent. A port that is not 0…65535 makes the
    /// reference unusable: ``hasValidAuthority`` is false.
    public var port: Int? { hostAndPort?.port ?? nil }

    /// An absolute URL with a host and, if written, a port in 0…65535.
    public var hasValidAuthority: Bool { scheme != nil && host != nil && hostAndPort?.portIsValid == true }

    private var hostAndPort: (host: String, port: Int?, portIsValid: Bool)? {
        guard let authority else { return nil }
        var hostPort = Substring(authority)
        if let at = hostPort.lastIndex(of: "@") { hostPort = hostPort[hostPort.index(after: at)...] }
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return (hostPort.lowercased(), nil, false) }
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return (hostPort.lowercased(), nil, false) }
            hostPort = hostPort[...close]
        } else if let colon = hostPort.lastIndex(of: ":") {
            portText = hostPort[hostPort.index(after: colon)...]
            hostPort = hostPort[..<colon]
        }
        guard let portText, !portText.isEmpty else { return (hostPort.lowercased(), nil, true) }
        guard portText.count <= 5, portText.allSatisfy(\.isASCII), let port = Int(portText), (0...65535).contains(port) else {
            return (hostPort.lowercased(), nil, false)
        }
        return (hostPort.lowercased(), port, true)
    }

    /// `scheme://host[:port]` (RFC 6454 §4), the default port (80 for http, 443 for https)
    /// left out; `nil` for a reference without a valid authority.
    public var origin: String? {
        guard let scheme, let parts = hostAndPort, parts.portIsValid, !parts.host.isEmpty else { return nil }
        let defaultPort = ["http": 80, "https": 443][scheme]
        return scheme + "://" + parts.host + (parts.port.flatMap { $0 == defaultPort ? nil : ":\($0)" } ?? "")
    }

    /// The reference without query and fragment.
    public var withoutQuery: String {
        URLReference(scheme: scheme, authority: authority, path: path).description
    }

    /// The query parsed as `application/x-www-form-urlencoded` pairs (empty when there is no
    /// query); throws for an invalid escape rather than guessing.
    ///
    /// - Throws: ``PercentEncoding/EncodingError`` for an invalid escape.
    public func queryItems() throws(PercentEncoding.EncodingError) -> FormParameters {
        guard let query else { return FormParameters() }
        return try FormParameters(parsing: query)
    }

    /// `parameters` added to the query (after any existing parameters, before the fragment).
    ///
    /// - Parameter parameters: the parameters, encoded as ``FormParameters/queryEncoded``.
    public func appending(_ parameters: FormParameters) -> URLReference {
        appending(encodedQuery: parameters.queryEncoded)
    }

    /// Already-encoded `name=value&…` text added to the query, before the fragment.
    ///
    /// - Parameter added: the encoded pairs; empty text leaves the reference as it is.
    public func appending(encodedQuery added: String) -> URLReference {
        guard !added.isEmpty else { return self }
        var copy = self
        copy.query = query.map { $0.isEmpty ? added : $0 + "&" + added } ?? added
        return copy
    }

    /// `url` with `parameters` added to its query, before any fragment.
    ///
    /// - Parameters:
    ///   - parameters: the parameters, encoded as ``FormParameters/queryEncoded``.
    ///   - url: the URL to add them to.
    public static func appending(_ parameters: FormParameters, to url: String) -> String {
        URLReference(url).appending(parameters).description
    }
}
