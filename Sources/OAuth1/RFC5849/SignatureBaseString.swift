import Foundation
import OAuthCore

/// RFC 5849 §3.4.1: the signature base string, built from the request method, the base string
/// URI and the normalized request parameters.
public enum SignatureBaseString {
    /// §3.6: percent-encoding of every byte outside the unreserved set, uppercase hex.
    @inline(__always)
    public static func encode(_ value: String) -> String { PercentEncoding.encode(value) }

    /// §3.4.1.2: scheme and host lower-cased, default port (80 for http, 443 for https) dropped,
    /// query and fragment removed, an empty path as "/".
    public static func baseStringURI(_ url: String) throws(OAuthError) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased(),
            !host.isEmpty
        else {
            throw .client(OAuthError.invalidConfiguration, "the request URL is not absolute: cannot build the signature base string", step: "sign")
        }
        var uri = scheme + "://" + (host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host)
        if let port = components.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            uri += ":\(port)"
        }
        let path = components.percentEncodedPath
        return uri + (path.isEmpty ? "/" : path)
    }

    /// §3.4.1.3.2: each name and value encoded, sorted by name then value (byte order), joined
    /// as `name=value` with `&`.
    public static func normalizedParameters(_ parameters: [(String, String)]) -> String {
        parameters.map { (encode($0.0), encode($0.1)) }
            .sorted { $0.0 == $1.0 ? Array($0.1.utf8).lexicographicallyPrecedes(Array($1.1.utf8)) : Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
            .map { $0.0 + "=" + $0.1 }
            .joined(separator: "&")
    }

    /// §3.4.1.3.1: the request parameters: the query, the `oauth_*` protocol parameters (without
    /// `oauth_signature` and `realm`) and, for a single-part form body, its parameters.
    public static func collectParameters(url: String, oauthParameters: [(String, String)], formBody: FormParameters?) throws(OAuthError) -> [(String, String)] {
        var parameters: [(String, String)] = []
        if let query = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            .split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first
        {
            do {
                parameters += try FormParameters(parsing: query).map { ($0.name, $0.value) }
            } catch {
                throw .client(OAuthError.invalidConfiguration, "the request query is malformed: \(error.reason)", step: "sign")
            }
        }
        parameters += oauthParameters.filter { $0.0 != "oauth_signature" && $0.0 != "realm" }
        if let formBody { parameters += formBody.map { ($0.name, $0.value) } }
        return parameters
    }

    /// §3.4.1.1: `METHOD&encoded(base string URI)&encoded(normalized parameters)`.
    public static func make(method: String, url: String, parameters: [(String, String)]) throws(OAuthError) -> String {
        method.uppercased() + "&" + encode(try baseStringURI(url)) + "&" + encode(normalizedParameters(parameters))
    }
}
