import OAuthCore

/// The consent page every mock shows: a form that posts the request's parameters back with
/// the chosen user and `decision=approve` or `decision=deny`. Machine-readable on purpose: the
/// harness's user agent and any scripted client fill it in.
enum ConsentPage {
    static func render(profile: ProviderProfile, clientID: String, detail: String, action: String, hidden: [(name: String, value: String)]) -> TransportResponse {
        let fields = hidden.map { "<input type=\"hidden\" name=\"\(html($0.name))\" value=\"\(html($0.value))\">" }.joined(separator: "\n")
        let options = profile.users.map { "<option value=\"\(html($0.sub))\">\(html($0.claims["name"] ?? $0.sub))</option>" }.joined()
        let identity = profile.loginForm
            ? "<label>Username <input type=\"text\" name=\"username\"></label> <label>Password <input type=\"password\" name=\"password\"></label>"
            : "<label>Sign in as <select name=\"user\">\(options)</select></label>"
        let page = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(html(profile.name)): authorize \(html(clientID))</title></head>
            <body>
            <h1>\(html(clientID)) asks for access</h1>
            <p>\(html(detail))</p>
            <form method="post" action="\(html(action))">
            \(fields)
            \(identity)
            <button type="submit" name="decision" value="approve">Approve</button>
            <button type="submit" name="decision" value="deny">Deny</button>
            </form>
            </body></html>
            """
        return TransportResponse(status: 200, headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"], body: Array(page.utf8))
    }

    static func html(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
