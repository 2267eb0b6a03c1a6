import Foundation
import OAuthCore

/// The cookies of one scenario's user agent (RFC 6265 §5.3–5.4, the parts a login needs):
/// host-only and domain cookies, paths, `Secure`, `Max-Age`/`Expires` (a past date or
/// `Max-Age=0` deletes), a newer cookie of the same name, domain and path replacing the older.
/// Bounded: at most `limit` cookies, the oldest dropped first.
struct CookieJar: Sendable {
    struct Cookie: Sendable, Equatable {
        var name: String
        var value: String
        var domain: String
        var hostOnly: Bool
        var path: String
        var secure: Bool
        var expires: Date?
    }

    private(set) var cookies: [Cookie] = []
    var limit = 200

    /// Stores the `Set-Cookie` values of a response to `url`.
    mutating func store(_ setCookies: [String], from url: String, now: Date = Date()) {
        let components = URLReference(url)
        guard let host = components.host else { return }
        for header in setCookies {
            guard var cookie = Self.parse(header, host: host, requestPath: components.path, now: now) else { continue }
            // §5.3 step 6: a Domain attribute must domain-match the request host.
            if !cookie.hostOnly, !Self.domainMatches(host: host, domain: cookie.domain) { continue }
            if cookie.secure, components.scheme != "https", !LoopbackHost.contains(host) { continue }
            cookies.removeAll { $0.name == cookie.name && $0.domain == cookie.domain && $0.path == cookie.path }
            if let expires = cookie.expires, expires <= now { continue }
            cookie.value = String(cookie.value.prefix(4096))
            cookies.append(cookie)
            if cookies.count > limit { cookies.removeFirst(cookies.count - limit) }
        }
    }

    /// The `Cookie` header for a request to `url`, or `nil` when no cookie applies.
    func header(for url: String, now: Date = Date()) -> String? {
        let components = URLReference(url)
        guard let host = components.host else { return nil }
        let path = components.path.isEmpty ? "/" : components.path
        let secureChannel = components.scheme == "https" || LoopbackHost.contains(host)
        let matching = cookies.filter { cookie in
            (cookie.hostOnly ? cookie.domain == host : Self.domainMatches(host: host, domain: cookie.domain))
                && Self.pathMatches(path, cookie.path) && (!cookie.secure || secureChannel) && (cookie.expires.map { $0 > now } ?? true)
        }
        guard !matching.isEmpty else { return nil }
        // §5.4: longer paths first.
        return matching.sorted { $0.path.count > $1.path.count }.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
    }

    static func parse(_ header: String, host: String, requestPath: String, now: Date) -> Cookie? {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let pair = parts.first, let eq = pair.firstIndex(of: "=") else { return nil }
        let name = String(pair[..<eq]).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return nil }
        var cookie = Cookie(
            name: name,
            value: String(pair[pair.index(after: eq)...]).trimmingCharacters(in: .whitespaces),
            domain: host,
            hostOnly: true,
            path: defaultPath(requestPath),
            secure: false
        )
        var maxAge: Int?
        for attribute in parts.dropFirst() {
            let (key, value) =
                attribute.firstIndex(of: "=").map {
                    (
                        attribute[..<$0].trimmingCharacters(in: .whitespaces).lowercased(),
                        String(attribute[attribute.index(after: $0)...]).trimmingCharacters(in: .whitespaces)
                    )
                } ?? (attribute.lowercased(), "")
            switch key {
            case "domain":
                var domain = value.lowercased()
                if domain.hasPrefix(".") { domain.removeFirst() }
                if !domain.isEmpty {
                    cookie.domain = domain
                    cookie.hostOnly = false
                }
            case "path": cookie.path = value.hasPrefix("/") ? value : defaultPath(requestPath)
            case "secure": cookie.secure = true
            case "max-age": maxAge = Int(value)
            case "expires":
                if let date = HTTPDate.parse(value) { cookie.expires = date }
            default: break
            }
        }
        if let maxAge { cookie.expires = now.addingTimeInterval(TimeInterval(max(maxAge, 0)) - (maxAge <= 0 ? 1 : 0)) }
        return cookie
    }

    /// §5.1.4: the request path up to its last `/`.
    static func defaultPath(_ path: String) -> String {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func pathMatches(_ requestPath: String, _ cookiePath: String) -> Bool {
        if requestPath == cookiePath { return true }
        guard requestPath.hasPrefix(cookiePath) else { return false }
        return cookiePath.hasSuffix("/") || requestPath.dropFirst(cookiePath.count).hasPrefix("/")
    }

    static func domainMatches(host: String, domain: String) -> Bool {
        host == domain || (host.hasSuffix("." + domain) && !host.allSatisfy { $0.isNumber || $0 == "." })
    }
}
