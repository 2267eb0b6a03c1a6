import OAuthCore

/// The consent page every mock shows: a form that posts the request's parameters back with
/// the chosen user and `decision=approve` or `decision=deny`. Machine-readable on purpose: the
/// harness's user agent and any scripted client fill it in.
enum ConsentPage {
    static func render(
        profile: ProviderProfile,
        clientID: String,
        detail: String,
        action: String,
        hidden: [(name: String, value: String)],
        links: String = ""
    ) -> TransportResponse {
        let fields = hidden.map { "<input type=\"hidden\" name=\"\(html($0.name))\" value=\"\(html($0.value))\">" }.joined(separator: "\n")
        let options = profile.users.map { "<option value=\"\(html($0.sub))\">\(html($0.text("name") ?? $0.sub))</option>" }.joined()
        let identity =
            profile.loginForm
            ? "<label>Username <input type=\"text\" name=\"username\"></label> <label>Password <input type=\"password\" name=\"password\"></label>"
            : "<label>Sign in as <select name=\"user\">\(options)</select></label>"
        let page = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(html(profile.name)): authorize \(html(clientID))</title></head>
            <body>
            <h1>\(html(clientID)) asks for access</h1>
            <p>\(html(detail))</p>
            \(links)<form method="post" action="\(html(action))">
            \(fields)
            \(identity)
            <button type="submit" name="decision" value="approve">Approve</button>
            <button type="submit" name="decision" value="deny">Deny</button>
            </form>
            </body></html>
            """
        return TransportResponse(
            status: 200,
            headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"],
            body: Array(page.utf8)
        )
    }

    /// OpenID Connect Registration §2: a registered client's logo, privacy policy and terms of
    /// service, shown to the user (the logo as an image, the others as links).
    static func clientLinks(_ client: ProviderProfile.Client) -> String {
        var parts: [String] = []
        if let logo = client.displayURIs["logo_uri"] { parts.append("<img src=\"\(html(logo))\" alt=\"\(html(client.clientID)) logo\">") }
        if let home = client.displayURIs["client_uri"] { parts.append("<a href=\"\(html(home))\">About the application</a>") }
        if let policy = client.displayURIs["policy_uri"] { parts.append("<a href=\"\(html(policy))\">Privacy policy</a>") }
        if let terms = client.displayURIs["tos_uri"] { parts.append("<a href=\"\(html(terms))\">Terms of service</a>") }
        return parts.isEmpty ? "" : "<p class=\"client\">" + parts.joined(separator: " ") + "</p>\n"
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

/// The pages of a profile's `login:` flow, shaped like real providers' pages: a form that
/// posts to the authorization endpoint with the request's parameters, a CSRF token and the
/// step it answers.
enum LoginPage {
    enum Kind: String {
        /// Username and password on one page.
        case credentials
        /// Identifier first: the username alone, then `password`.
        case identifier
        case password
        /// Approve or deny, after signing in.
        case consent
    }

    static func render(
        profile: ProviderProfile,
        kind: Kind,
        clientID: String,
        scope: [String],
        action: String,
        hidden: [(name: String, value: String)],
        csrf: String?,
        username: String?,
        error: String?,
        links: String = ""
    ) -> TransportResponse {
        let html = ConsentPage.html
        var fields = hidden.map { "<input type=\"hidden\" name=\"\(html($0.name))\" value=\"\(html($0.value))\">" }
        if let csrf { fields.append("<input type=\"hidden\" name=\"csrf_token\" value=\"\(html(csrf))\">") }
        let body: String
        switch kind {
        case .credentials:
            fields.append("<input type=\"hidden\" name=\"login_step\" value=\"credentials\">")
            body = """
                <h1>Sign in to \(html(profile.name))</h1>
                <label for="username">Username</label> <input id="username" type="text" name="username" autocomplete="username">
                <label for="password">Password</label> <input id="password" type="password" name="password" autocomplete="current-password">
                <button type="submit">Sign in</button>
                """
        case .identifier:
            fields.append("<input type=\"hidden\" name=\"login_step\" value=\"identifier\">")
            body = """
                <h1>Sign in to \(html(profile.name))</h1>
                <label for="username">Email or username</label> <input id="username" type="text" name="username" autocomplete="username">
                <button type="submit">Next</button>
                """
        case .password:
            fields.append("<input type=\"hidden\" name=\"login_step\" value=\"password\">")
            body = """
                <h1>Welcome, \(html(username ?? ""))</h1>
                <label for="password">Password</label> <input id="password" type="password" name="password" autocomplete="current-password">
                <button type="submit">Sign in</button>
                """
        case .consent:
            body = """
                <h1>\(html(clientID)) asks for access</h1>
                <p>Scope: \(html(scope.joined(separator: " ")))</p>
                <button type="submit" name="decision" value="deny">Cancel</button>
                <button type="submit" name="decision" value="approve">Allow access</button>
                """
        }
        let message = error.map { "<p class=\"error\" role=\"alert\">\(html($0))</p>\n" } ?? ""
        let page = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(html(profile.name)): \(kind == .consent ? "authorize" : "sign in")</title></head>
            <body>
            \(message)\(links)<form method="post" action="\(html(action))">
            \(fields.joined(separator: "\n"))
            \(body)
            </form>
            </body></html>
            """
        return TransportResponse(
            status: 200,
            headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"],
            body: Array(page.utf8)
        )
    }
}
