import Foundation
import OAuthCore

/// RFC 5849 §3.4.1: the signature base string, built from the request method, the base string
/// URI and the normalized request parameters.
public enum SignatureBaseString {
    /// §3.6: percent-encoding of every byte outside the unreserved set, uppercase hex.
    @inline(__always)
    public static func encode(_ value: String) -> String { PercentEncoding.encode(value) }

    /// §3.4.1.2: scheme and host lower-cased, default port (80 for http, 443 for https) dropped,
    /// userinfo, query and fragment removed, an empty path as "/". The URL must be absolute
    /// (`scheme://host…`) and contain only characters a URI may contain (RFC 3986 §2).
    public static func baseStringURI(_ url: String) throws(OAuthError) -> String {
        func invalid() -> OAuthError {
            .client(OAuthErrorCode.invalidConfiguration, "the request URL is not absolute: cannot build the signature base string", step: "sign")
        }
        let bytes = Array(url.utf8)
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
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
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
                guard digits.count <= 5, digits.allSatisfy(\.isASCIIDigit), let value = Int(String(decoding: digits, as: UTF8.self)), value <= 65535
                else {
                    throw invalid()
                }
                port = value
            }
        }
        guard hostEnd > hostStart else { throw invalid() }
        let host = String(decoding: bytes[hostStart..<hostEnd], as: UTF8.self).lowercased()
        var uri = scheme + "://" + host
        if let port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            uri += ":\(port)"
        }
        let pathEnd = bytes[authorityEnd...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        return uri + (pathEnd > authorityEnd ? String(decoding: bytes[authorityEnd..<pathEnd], as: UTF8.self) : "/")
    }

    /// §3.4.1.3.2: each name and value encoded, sorted by name then value (byte order), joined
    /// as `name=value` with `&`.
    public static func normalizedParameters(_ parameters: [(String, String)]) -> String {
        let encoded = encodedAndSorted(parameters)
        var output = ""
        output.reserveCapacity(encoded.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 })
        for (index, pair) in encoded.enumerated() {
            if index > 0 { output += "&" }
            output += pair.0
            output += "="
            output += pair.1
        }
        return output
    }

    /// §3.4.1.3.1: the request parameters: the query, the `oauth_*` protocol parameters (without
    /// `oauth_signature` and `realm`) and, for a single-part form body, its parameters.
    public static func collectParameters(
        url: String,
        oauthParameters: [(String, String)],
        formBody: FormParameters?
    ) throws(OAuthError) -> [(String, String)] {
        var parameters: [(String, String)] = []
        let utf8 = url.utf8
        let beforeFragment = utf8.firstIndex(of: UInt8(ascii: "#")) ?? utf8.endIndex
        if let question = utf8[..<beforeFragment].firstIndex(of: UInt8(ascii: "?")) {
            let query = url[utf8.index(after: question)..<beforeFragment]
            do {
                parameters += try FormParameters(parsing: query).map { ($0.name, $0.value) }
            } catch {
                throw .client(OAuthErrorCode.invalidConfiguration, "the request query is malformed: \(error.reason)", step: "sign")
            }
        }
        parameters += oauthParameters.filter { $0.0 != "oauth_signature" && $0.0 != "realm" }
        if let formBody { parameters += formBody.map { ($0.name, $0.value) } }
        return parameters
    }

    /// §3.4.1.1: `METHOD&encoded(base string URI)&encoded(normalized parameters)`.
    public static func make(method: String, url: String, parameters: [(String, String)]) throws(OAuthError) -> String {
        String(decoding: try bytes(method: method, url: url, parameters: parameters), as: UTF8.self)
    }

    /// The base string as bytes, built in one buffer: the normalized parameters (§3.4.1.3.2)
    /// are encoded a second time as they are written, never joined into a string first.
    static func bytes(method: String, url: String, parameters: [(String, String)]) throws(OAuthError) -> [UInt8] {
        let uri = try baseStringURI(url)
        let encoded = encodedAndSorted(parameters)
        var out: [UInt8] = []
        out.reserveCapacity(method.utf8.count + 2 * uri.utf8.count + encoded.reduce(8) { $0 + 2 * ($1.0.utf8.count + $1.1.utf8.count) + 6 })
        for byte in method.utf8 { out.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte) }
        out.append(UInt8(ascii: "&"))
        PercentEncoding.append(encoding: uri, to: &out)
        out.append(UInt8(ascii: "&"))
        for (index, pair) in encoded.enumerated() {
            if index > 0 { out += [UInt8(ascii: "%"), UInt8(ascii: "2"), UInt8(ascii: "6")] }  // "&"
            PercentEncoding.append(encoding: pair.0, to: &out)
            out += [UInt8(ascii: "%"), UInt8(ascii: "3"), UInt8(ascii: "D")]  // "="
            PercentEncoding.append(encoding: pair.1, to: &out)
        }
        return out
    }

    /// §3.4.1.3.2's order: each name and value encoded, sorted by name then value. Encoded
    /// values are ASCII, for which String's order is byte order.
    static func encodedAndSorted(_ parameters: [(String, String)]) -> [(String, String)] {
        var encoded: [(String, String)] = parameters.map { (encode($0.0), encode($0.1)) }
        encoded.sort { (a: (String, String), b: (String, String)) -> Bool in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        return encoded
    }
}

extension UInt8 {
    var isASCIILetter: Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self | 0x20) }
    var isASCIIDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}
