import Foundation
import OAuthCore

/// A programmatic browser for the authorization step: it follows redirects, keeps cookies,
/// fills and submits the consent form, and stops when the provider redirects to the client's
/// `redirect_uri`, returning that URL as the client's callback would receive it.
/// Loops are bounded: at most `maxHops` requests per authorization.
struct UserAgent {
    let transport: any HTTPTransport
    var maxHops = 10
    private var cookies: [String: String] = [:]

    init(transport: any HTTPTransport) { self.transport = transport }

    enum Decision: String { case approve, deny }

    /// `fill` gives values for the page's text and password fields (a test user's login form).
    mutating func authorize(url start: String, redirectURI: String, decision: Decision, user: String?, fill: [String: String] = [:]) async throws(OAuthError) -> String {
        var next = TransportRequest(method: "GET", url: start)
        for _ in 0..<maxHops {
            if Self.isCallback(next.url, redirectURI: redirectURI) { return next.url }
            let response = try await send(next)
            if (300..<400).contains(response.status) {
                guard let location = response.headers["Location"], let target = Self.resolve(location, against: next.url) else {
                    throw .malformed(step: "authorize", httpStatus: response.status, "a redirect without a usable Location header")
                }
                next = TransportRequest(method: "GET", url: target)
                continue
            }
            guard response.status == 200 else {
                if let json = try? JSONValue.parse(response.body), let code = json["error"]?.stringValue {
                    throw OAuthError(code: code, description: json["error_description"]?.stringValue, httpStatus: response.status, step: "authorize", origin: .provider)
                }
                throw .malformed(step: "authorize", httpStatus: response.status, "the authorization endpoint answered neither a page nor a redirect")
            }
            guard let form = HTMLForm.first(in: response.bodyText) else {
                throw .malformed(step: "authorize", httpStatus: response.status, "the page has no form to submit (expected a consent form)")
            }
            var fields = form.fields
            if let user {
                guard form.selectOptions["user"]?.contains(user) ?? false else {
                    throw .client("unknown_user", "the consent form offers no user \"\(user)\"", step: "authorize")
                }
                fields.removeAll { $0.0 == "user" }
                fields.append(("user", user))
            }
            guard form.buttons.contains(where: { $0.name == "decision" && $0.value == decision.rawValue }) else {
                throw .malformed(step: "authorize", httpStatus: response.status, "the consent form has no \(decision.rawValue) button")
            }
            for (name, value) in fill.sorted(by: { $0.key < $1.key }) {
                guard form.inputs.contains(name) else {
                    throw .client("login_form_mismatch", "the page's form has no field \(name)", step: "authorize")
                }
                fields.removeAll { $0.0 == name }
                fields.append((name, value))
            }
            fields.append(("decision", decision.rawValue))
            guard let action = Self.resolve(form.action ?? next.url, against: next.url) else {
                throw .malformed(step: "authorize", httpStatus: response.status, "the form's action is not a valid URL")
            }
            let parameters = FormParameters(fields)
            next = form.method == "post"
                ? .form(action, parameters, headers: ["Accept": "text/html"])
                : TransportRequest(method: "GET", url: action + (action.contains("?") ? "&" : "?") + parameters.encoded)
        }
        throw .client("too_many_redirects", "no redirect to the client after \(maxHops) requests", step: "authorize")
    }

    /// GETs `url` and follows redirects (at most `maxHops`), keeping cookies; returns the final answer.
    mutating func follow(_ url: String) async throws(OAuthError) -> (url: String, response: TransportResponse) {
        var next = url
        for _ in 0..<maxHops {
            let response = try await send(TransportRequest(method: "GET", url: next))
            guard (300..<400).contains(response.status), let location = response.headers["Location"], let target = Self.resolve(location, against: next) else {
                return (next, response)
            }
            next = target
        }
        throw .client("too_many_redirects", "still redirected after \(maxHops) requests", step: "browse")
    }

    private mutating func send(_ request: TransportRequest) async throws(OAuthError) -> TransportResponse {
        var request = request
        let host = URLComponents(string: request.url)?.host ?? ""
        if let jar = cookies[host] { request.headers["Cookie"] = jar }
        let response: TransportResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw OAuthError(code: OAuthError.transportError, description: String(describing: error), step: "authorize", origin: .transport)
        }
        let set = response.headers.filter { $0.name.lowercased() == "set-cookie" }
            .compactMap { $0.value.split(separator: ";").first.map(String.init) }
        if !set.isEmpty {
            cookies[host] = ((cookies[host].map { [$0] } ?? []) + set).joined(separator: "; ")
        }
        return response
    }

    static func isCallback(_ url: String, redirectURI: String) -> Bool {
        func base(_ text: String) -> String { String(text.split(separator: "?", maxSplits: 1)[0].split(separator: "#", maxSplits: 1)[0]) }
        return base(url) == base(redirectURI)
    }

    static func resolve(_ reference: String, against base: String) -> String? {
        guard let baseURL = URL(string: base), let resolved = URL(string: reference, relativeTo: baseURL) else { return nil }
        return resolved.absoluteString
    }
}

/// The parts of an HTML form a consent page needs: hidden inputs, selects, submit buttons.
/// A small scanner, not a general HTML parser: it reads the first `<form>` of a page.
struct HTMLForm {
    var action: String?
    var method: String
    var fields: [(String, String)]
    var selectOptions: [String: [String]]
    var buttons: [(name: String, value: String)]
    /// Names of every field the form has (hidden, text, password, select).
    var inputs: Set<String> = []

    static func first(in html: String) -> HTMLForm? {
        guard let formStart = html.range(of: "<form", options: .caseInsensitive) else { return nil }
        let formEnd = html.range(of: "</form>", options: .caseInsensitive, range: formStart.upperBound..<html.endIndex)?.lowerBound ?? html.endIndex
        let formTagEnd = html[formStart.upperBound...].firstIndex(of: ">") ?? html.endIndex
        let formAttributes = attributes(String(html[formStart.upperBound..<formTagEnd]))
        let body = html[formTagEnd..<formEnd]
        var form = HTMLForm(
            action: formAttributes["action"], method: (formAttributes["method"] ?? "get").lowercased(), fields: [], selectOptions: [:], buttons: [])
        for tag in tags(named: "input", in: body) {
            let attrs = attributes(tag)
            guard let name = attrs["name"] else { continue }
            form.inputs.insert(name)
            let type = attrs["type"]?.lowercased() ?? "text"
            if type == "submit" {
                form.buttons.append((name, attrs["value"] ?? ""))
            } else if type != "checkbox" || attrs["checked"] != nil {
                form.fields.append((name, attrs["value"] ?? ""))
            }
        }
        for tag in tags(named: "button", in: body) {
            let attrs = attributes(tag)
            if let name = attrs["name"], (attrs["type"] ?? "submit").lowercased() == "submit" { form.buttons.append((name, attrs["value"] ?? "")) }
        }
        var rest = body[...]
        while let select = rest.range(of: "<select", options: .caseInsensitive) {
            let tagEnd = rest[select.upperBound...].firstIndex(of: ">") ?? rest.endIndex
            let end = rest.range(of: "</select>", options: .caseInsensitive, range: tagEnd..<rest.endIndex)?.lowerBound ?? rest.endIndex
            if let name = attributes(String(rest[select.upperBound..<tagEnd]))["name"] {
                let values = tags(named: "option", in: rest[tagEnd..<end]).compactMap { attributes($0)["value"] }
                form.selectOptions[name] = values
                if let first = values.first { form.fields.append((name, first)) }
            }
            rest = rest[end...].dropFirst(9)
        }
        return form
    }

    /// The attribute text of every `<name …>` tag.
    static func tags(named name: String, in text: Substring) -> [String] {
        var result: [String] = []
        var rest = text
        while let start = rest.range(of: "<\(name)", options: .caseInsensitive) {
            guard let end = rest[start.upperBound...].firstIndex(of: ">") else { break }
            result.append(String(rest[start.upperBound..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return result
    }

    /// `name="value"` pairs (double or single quotes, or bare), entity-decoded.
    static func attributes(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        let pattern = #/([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/#
        for match in text.matches(of: pattern) {
            let value = match.2 ?? match.3 ?? match.4 ?? ""
            result[String(match.1).lowercased()] = decodeEntities(String(value))
        }
        return result
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
