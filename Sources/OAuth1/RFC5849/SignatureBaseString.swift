import Foundation
import OAuthCore

/// RFC 5849 §3.4.1: the signature base string, built from the request method, the base string
/// URI and the normalized request parameters.
public enum SignatureBaseString {
    /// §3.6: percent-encoding of every byte outside the unreserved set, uppercase hex.
    ///
    /// - Parameter value: the text to encode, as UTF-8.
    @inline(__always)
    public static func encode(_ value: String) -> String { PercentEncoding.encode(value) }

    /// §3.4.1.2: scheme and host lower-cased, default port (80 for http, 443 for https) dropped,
    /// userinfo, query and fragment removed, an empty path as "/". The URL must be absolute
    /// (`scheme://host…`) and contain only characters a URI may contain (RFC 3986 §2).
    ///
    /// - Parameter url: the request URL.
    /// - Throws: `OAuthError` with `invalid_configuration` when the URL is not absolute, has a
    ///   character a URI may not contain, or has an invalid port.
    public static func baseStringURI(_ url: String) throws(OAuthError) -> String {
        var out: [UInt8] = []
        try appendBaseStringURI(url, to: &out, encoded: false)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the base string URI of `url` to `out`, percent-encoded for the base string
    /// (§3.4.1.1) when `encoded`: no intermediate strings.
    static func appendBaseStringURI(_ url: String, to out: inout [UInt8], encoded: Bool) throws(OAuthError) {
        var url = url
        let result = url.withUTF8 { bytes in
            Result { () throws(OAuthError) in try appendBaseStringURI(bytes, to: &out, encoded: encoded) }
        }
        try result.get()
    }

    private static func appendBaseStringURI(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8], encoded: Bool) throws(OAuthError) {
        func invalid() -> OAuthError {
            .client(OAuthErrorCode.invalidConfiguration, "the request URL is not absolute: cannot build the signature base string", step: "sign")
        }
        for byte in bytes {
            switch byte {
            case 0...0x20, 0x7F...0xFF, UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "^"),
                UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"):
                throw invalid()
            default: continue
            }
        }
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://"
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, bytes.count > colon + 2,
            bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/"),
            bytes[0].isASCIILetter,
            bytes[..<colon].allSatisfy({
                $0.isASCIILetter || $0.isASCIIDigit || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            })
        else { throw invalid() }
        let authorityStart = colon + 3
        let authorityEnd =
            bytes[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        var hostStart = authorityStart
        if let at = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) { hostStart = at + 1 }
        var hostEnd = authorityEnd
        var port: Int?
        if hostStart < authorityEnd, bytes[hostStart] == UInt8(ascii: "[") {
            guard let close = bytes[hostStart..<authorityEnd].firstIndex(of: UInt8(ascii: "]")) else { throw invalid() }
            hostEnd = close + 1
            if hostEnd < authorityEnd {
                guard bytes[hostEnd] == UInt8(ascii: ":") else { throw invalid() }
            }
        } else if let portColon = bytes[hostStart..<authorityEnd].lastIndex(of: UInt8(ascii: ":")) {
            hostEnd = portColon
        }
        if hostEnd < authorityEnd {
            let digits = bytes[(hostEnd + 1)..<authorityEnd]
            if !digits.isEmpty {
                guard digits.count <= 5, digits.allSatisfy(\.isASCIIDigit) else { throw invalid() }
                let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                guard value <= 65535 else { throw invalid() }
                port = value
            }
        }
        guard hostEnd > hostStart else { throw invalid() }
        let pathEnd = bytes[authorityEnd...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        func write(_ byte: UInt8) {
            if encoded { PercentEncoding.append(byte: byte, to: &out) } else { out.append(byte) }
        }
        func lowercased(_ byte: UInt8) -> UInt8 { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte }
        let schemeStart = out.count
        for byte in bytes[..<colon] { write(lowercased(byte)) }
        let scheme = out[schemeStart...]
        let isHTTP = scheme.elementsEqual("http".utf8)
        let isHTTPS = scheme.elementsEqual("https".utf8)
        for byte in "://".utf8 { write(byte) }
        for byte in bytes[hostStart..<hostEnd] { write(lowercased(byte)) }
        if let port, !(isHTTP && port == 80), !(isHTTPS && port == 443) {
            write(UInt8(ascii: ":"))
            for byte in String(port).utf8 { write(byte) }
        }
        if pathEnd > authorityEnd {
            let path = UnsafeBufferPointer(rebasing: bytes[authorityEnd..<pathEnd])
            if encoded { PercentEncoding.append(encoding: path, to: &out) } else { out.append(contentsOf: path) }
        } else {
            write(UInt8(ascii: "/"))
        }
    }

    /// §3.4.1.3.2: each name and value encoded, sorted by name then value (byte order), joined
    /// as `name=value` with `&`.
    ///
    /// - Parameter parameters: the request parameters, decoded.
    public static func normalizedParameters(_ parameters: [(String, String)]) -> String {
        var out: [UInt8] = []
        EncodedParameters(parameters).appendNormalized(to: &out, encodedAgain: false)
        return String(decoding: out, as: UTF8.self)
    }

    /// §3.4.1.3.1: the request parameters: the query, the `oauth_*` protocol parameters (without
    /// `oauth_signature` and `realm`) and, for a single-part form body, its parameters.
    ///
    /// - Parameters:
    ///   - url: the request URL, whose query is read.
    ///   - oauthParameters: the protocol parameters.
    ///   - formBody: the parameters of a single-part form body, if the request has one.
    /// - Returns: the parameters, decoded, in that order.
    /// - Throws: `OAuthError` with `invalid_configuration` when the query is malformed.
    public static func collectParameters(
        url: String,
        oauthParameters: [(String, String)],
        formBody: FormParameters?
    ) throws(OAuthError) -> [(String, String)] {
        var parameters: [(String, String)] = []
        if let query = query(of: url) {
            do {
                parameters += try FormParameters(parsing: query).map { ($0.name, $0.value) }
            } catch {
                throw malformedQuery(error)
            }
        }
        parameters += oauthParameters.filter { $0.0 != "oauth_signature" && $0.0 != "realm" }
        if let formBody { parameters += formBody.map { ($0.name, $0.value) } }
        return parameters
    }

    /// The query of `url`: after the first "?", before any "#".
    static func query(of url: String) -> Substring? {
        let utf8 = url.utf8
        let beforeFragment = utf8.firstIndex(of: UInt8(ascii: "#")) ?? utf8.endIndex
        guard let question = utf8[..<beforeFragment].firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return url[utf8.index(after: question)..<beforeFragment]
    }

    static func malformedQuery(_ error: PercentEncoding.EncodingError) -> OAuthError {
        .client(OAuthErrorCode.invalidConfiguration, "the request query is malformed: \(error.reason)", step: "sign")
    }

    /// §3.4.1.1: `METHOD&encoded(base string URI)&encoded(normalized parameters)`.
    ///
    /// - Parameters:
    ///   - method: the HTTP method; uppercased.
    ///   - url: the request URL.
    ///   - parameters: the request parameters, decoded (as ``collectParameters(url:oauthParameters:formBody:)`` returns them).
    /// - Throws: `OAuthError` with `invalid_configuration` when the URL cannot make a base string
    ///   URI (see ``baseStringURI(_:)``).
    public static func make(method: String, url: String, parameters: [(String, String)]) throws(OAuthError) -> String {
        String(decoding: try bytes(method: method, url: url, parameters: EncodedParameters(parameters)), as: UTF8.self)
    }

    /// The base string as bytes, built in one buffer: the normalized parameters (§3.4.1.3.2)
    /// are encoded a second time as they are written, never joined into a string first.
    static func bytes(method: String, url: String, parameters: EncodedParameters) throws(OAuthError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(method.utf8.count + 2 * url.utf8.count + parameters.bytes.count * 3 / 2 + 8 * parameters.count)
        for byte in method.utf8 { out.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte) }
        out.append(UInt8(ascii: "&"))
        try appendBaseStringURI(url, to: &out, encoded: true)
        out.append(UInt8(ascii: "&"))
        parameters.appendNormalized(to: &out, encodedAgain: true)
        return out
    }
}

extension UInt8 {
    var isASCIILetter: Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self | 0x20) }
    var isASCIIDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}
