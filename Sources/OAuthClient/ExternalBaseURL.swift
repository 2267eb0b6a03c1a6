import Foundation

/// Where a web app is reached from outside, for the redirect URIs it sends to providers.
///
/// Behind a TLS-terminating proxy the request's own scheme and `Host` are the proxy's view
/// (`http://app:8080`), not the browser's (`https://app.example.com`): a redirect URI built from
/// them is wrong. Configure the external base URL, or — only when the proxy sets them and
/// nothing else can — trust `X-Forwarded-Proto` and `X-Forwarded-Host`.
public struct ExternalBaseURL: Sendable, Equatable {
    /// The app's external base URL, e.g. `https://app.example.com` (a path prefix is kept).
    public var configured: String?
    /// Read `X-Forwarded-Proto` / `X-Forwarded-Host` (first value each) when no base is configured.
    public var trustForwardedHeaders: Bool

    /// Creates the setting.
    ///
    /// - Parameters:
    ///   - configured: the app's external base URL, e.g. `https://app.example.com`.
    ///   - trustForwardedHeaders: whether to read `X-Forwarded-Proto` and `X-Forwarded-Host`
    ///     when no base is configured.
    public init(_ configured: String? = nil, trustForwardedHeaders: Bool = false) {
        self.configured = configured
        self.trustForwardedHeaders = trustForwardedHeaders
    }

    /// `path` on the app's external URL: the configured base; else, when trusted, the
    /// forwarded scheme and host; else `http://` and the request's `Host` (development only).
    ///
    /// - Parameters:
    ///   - path: the path on the app, starting with `/`.
    ///   - host: the request's `Host` (`127.0.0.1` when `nil`).
    ///   - forwardedProto: the request's `X-Forwarded-Proto`; only `http` and `https` are taken.
    ///   - forwardedHost: the request's `X-Forwarded-Host`; ignored when it has characters a host
    ///     and port cannot have.
    public func url(_ path: String, host: String?, forwardedProto: String? = nil, forwardedHost: String? = nil) -> String {
        if var base = configured, !base.isEmpty {
            while base.hasSuffix("/") { base.removeLast() }
            return base + path
        }
        func first(_ header: String?) -> String? {
            header?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var scheme = "http"
        var authority = host ?? "127.0.0.1"
        if trustForwardedHeaders {
            if let proto = first(forwardedProto)?.lowercased(), proto == "https" || proto == "http" { scheme = proto }
            if let forwarded = first(forwardedHost), forwarded.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) }) {
                authority = forwarded
            }
        }
        return "\(scheme)://\(authority)\(path)"
    }
}
