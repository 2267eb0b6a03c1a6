import Foundation
import OAuthCore

/// A programmatic browser for the steps that go through a provider's pages (authorization,
/// OAuth 1 authorization, RP-initiated logout). It keeps cookies for the whole scenario,
/// follows redirects, and handles the kinds of page real providers show:
///
/// - an immediate redirect (auto-approval, an existing session);
/// - a login form (the form with a password field): the username and password come from the
///   scenario's test user or `form:` values, every other field (CSRF tokens, hidden state) is
///   kept as the page sent it;
/// - an identifier-first login (a username page, then a password page);
/// - a consent page: the approving (or, when asked, the denying) button is pressed;
/// - a page that posts itself (only hidden fields, no button, e.g. `response_mode=form_post`);
/// - an error page: the step fails naming the HTTP status and a snippet of the page.
///
/// It stops when the provider sends it to the client's redirect URI and returns that URL as the
/// client would receive it. Bounded: at most `maxRequests` requests, never a non-web scheme,
/// never an https → http downgrade (except to loopback), and — when `allowedHosts` is set —
/// never a host outside it, except the redirect URI's.
struct UserAgent: Sendable {
    let transport: any HTTPTransport
    var maxRequests = 20
    /// Whether the last navigation reached the redirect URI by a POST (`response_mode=form_post`)
    /// rather than a redirect.
    private(set) var callbackPosted = false
    /// The pages the last navigation was shown (the first 64 KB of each of at most 8), for
    /// checks that read what the provider showed the user (a registered client's logo).
    private(set) var pages: [String] = []
    /// The frames the last navigation loaded (`<iframe src>`, resolved; at most 8 per page), as a
    /// browser loads them: OpenID Connect Front-Channel Logout's logout requests to the clients.
    private(set) var framesLoaded: [String] = []
    /// Hosts the provider's pages may live on; `nil` allows any.
    var allowedHosts: Set<String>?
    var cookies = CookieJar()

    init(transport: any HTTPTransport, allowedHosts: Set<String>? = nil) {
        self.transport = transport
        self.allowedHosts = allowedHosts
    }

    enum Decision: String, Sendable { case approve, deny }

    /// What the simulated user does on the provider's pages.
    struct Intent: Sendable {
        var decision: Decision = .approve
        /// A built-in mock's user to sign in as (its consent page offers a list).
        var user: String?
        /// The test user's credentials for a login form.
        var username: String?
        var password: String?
        /// Values for fields by name (override what the page has).
        var fill: [String: String] = [:]
        /// `false`: the user may not act on any page (prompt=none): a login or consent page is an error.
        var interactive = true
        /// RFC 8628: the user code to type where a page asks for one.
        var userCode: String?
    }

    /// Compatibility form of `navigate` for callers with a decision and a mock's user.
    mutating func authorize(
        url start: String,
        redirectURI: String,
        decision: Decision,
        user: String?,
        fill: [String: String] = [:],
        step: String = "authorize"
    ) async throws(OAuthError) -> String {
        try await navigate(from: start, to: redirectURI, intent: Intent(decision: decision, user: user, fill: fill), step: step)
    }

    /// Goes from `start` through the provider's pages until a redirect reaches `redirectURI`;
    /// returns that URL (for a `form_post` answer, with the posted fields as its query). Without a
    /// redirect URI (the device grant's verification page, RFC 8628 §3.3) it ends on the first
    /// page that offers nothing more to do, and returns that page's URL.
    mutating func navigate(from start: String, to redirectURI: String?, intent: Intent, step: String) async throws(OAuthError) -> String {
        try await navigate(from: TransportRequest(method: "GET", url: start), to: redirectURI, intent: intent, step: step)
    }

    /// `navigate` from a first request of any method (an authorization request sent by POST,
    /// OpenID Connect Core §3.1.2.1).
    mutating func navigate(from start: TransportRequest, to redirectURI: String?, intent: Intent, step: String) async throws(OAuthError) -> String {
        var next = start
        var previous: String?
        var seen = PagesSeen()
        pages = []
        framesLoaded = []
        for _ in 0..<maxRequests {
            if Task.isCancelled { throw OAuthError(code: .transportError, description: "cancelled", step: step, origin: .transport) }
            if let redirectURI, Self.isCallback(next.url, redirectURI: redirectURI) {
                callbackPosted = next.method == "POST"
                guard next.method == "POST", !next.body.isEmpty else { return next.url }
                return URLReference(next.url).appending(encodedQuery: String(decoding: next.body, as: UTF8.self)).description
            }
            try check(next.url, from: previous, step: step)
            previous = next.url
            let response = try await send(next, step: step)
            if (300..<400).contains(response.status), response.status != 304 {
                guard let location = response.headers["Location"], let target = Self.resolve(location, against: next.url) else {
                    throw .malformed(
                        step: step,
                        httpStatus: response.status,
                        "a redirect from \(Self.withoutQuery(next.url)) without a usable Location header"
                    )
                }
                let keepsMethod = response.status == 307 || response.status == 308
                next =
                    keepsMethod
                    ? TransportRequest(method: next.method, url: target, headers: next.headers, body: next.body)
                    : TransportRequest(method: "GET", url: target)
                next.headers["Cookie"] = nil
                continue
            }
            guard (200..<300).contains(response.status) else { throw Self.errorPage(response, url: next.url, step: step) }
            if pages.count < 8 { pages.append(String(decoding: response.body.prefix(64 * 1024), as: UTF8.self)) }
            let page = HTMLPage.parse(response.bodyText)
            await loadFrames(of: page, at: next.url, step: step)
            guard let (form, kind) = Self.actionableForm(in: page, decision: intent.decision, userCode: intent.userCode != nil) else {
                if let refresh = page.refreshURL, let target = Self.resolve(refresh, against: next.url) {
                    next = TransportRequest(method: "GET", url: target)
                    continue
                }
                if redirectURI == nil { return next.url }
                throw OAuthError(
                    code: .unexpectedPage,
                    description:
                        "the page at \(Self.withoutQuery(next.url)) (HTTP \(response.status)) offers no form to continue: \"\(page.snippet())\"",
                    httpStatus: response.status,
                    step: step,
                    origin: .provider
                )
            }
            try seen.page(kind, form: form, page: page, status: response.status, interactive: intent.interactive, step: step)
            next = try Self.submission(of: form, kind: kind, on: next.url, intent: intent, step: step)
        }
        throw .client(.tooManyRedirects, "no redirect to the client after \(maxRequests) requests", step: step)
    }

    /// Loads a page's frames as a browser would (GET, with this browser's cookies; what they
    /// answer is not acted on): those the pages' own limits allow, and any on loopback (where
    /// the harness listens as a client). A frame that fails never ends the navigation.
    mutating func loadFrames(of page: HTMLPage, at url: String, step: String) async {
        for source in page.frames.prefix(8) {
            guard let target = Self.resolve(source, against: url) else { continue }
            let reference = URLReference(target)
            let onLoopback = reference.scheme == "http" && reference.host.map(LoopbackHost.contains) == true
            guard onLoopback || (try? check(target, from: url, step: step)) != nil else { continue }
            framesLoaded.append(target)
            // A browser does not hold the page for a frame: 2 s at most.
            _ = try? await send(TransportRequest(method: "GET", url: target, timeout: .seconds(2)), step: step)
        }
    }

    /// The pages a navigation has acted on: a login form shown again after the credentials, or
    /// a consent page over and over, ends it; so does any such page where none may be shown.
    struct PagesSeen {
        var passwordPages = 0
        var identifierPages = 0
        var consentPages = 0
        var userCodePages = 0

        mutating func page(_ kind: PageKind, form: HTMLPage.Form, page: HTMLPage, status: Int, interactive: Bool, step: String) throws(OAuthError) {
            if !interactive, kind != .autoSubmit {
                throw OAuthError(
                    code: .unexpectedPage,
                    description:
                        "the provider showed a \(kind == .login ? "login" : kind == .userCode ? "user-code" : "consent") page where none may be shown",
                    httpStatus: status,
                    step: step,
                    origin: .provider
                )
            }
            switch kind {
            case .login:
                if UserAgent.isPasswordPage(form) { passwordPages += 1 } else { identifierPages += 1 }
                if passwordPages > 1 || identifierPages > 2 {
                    throw OAuthError(
                        code: .loginFailed,
                        description:
                            "the provider showed its login form again after the credentials were sent (wrong username or password?): \"\(page.snippet())\"",
                        httpStatus: status,
                        step: step,
                        origin: .provider
                    )
                }
            case .consent:
                consentPages += 1
                if consentPages > 3 {
                    throw OAuthError(
                        code: .unexpectedPage,
                        description: "the provider keeps showing the same page: \"\(page.snippet())\"",
                        httpStatus: status,
                        step: step,
                        origin: .provider
                    )
                }
            case .userCode:
                userCodePages += 1
                if userCodePages > 1 {
                    throw OAuthError(
                        code: "user_code_refused",
                        description: "the provider asked for the user code again (a wrong or expired code?): \"\(page.snippet())\"",
                        httpStatus: status,
                        step: step,
                        origin: .provider
                    )
                }
            case .autoSubmit:
                break
            }
        }
    }

    /// GETs `url` and follows redirects (at most `maxRequests`), keeping cookies; returns the final answer.
    mutating func follow(_ url: String) async throws(OAuthError) -> (url: String, response: TransportResponse) {
        var next = url
        for _ in 0..<maxRequests {
            try check(next, step: "browse")
            let response = try await send(TransportRequest(method: "GET", url: next), step: "browse")
            guard (300..<400).contains(response.status), let location = response.headers["Location"],
                let target = Self.resolve(location, against: next)
            else {
                return (next, response)
            }
            next = target
        }
        throw .client(.tooManyRedirects, "still redirected after \(maxRequests) requests", step: "browse")
    }

    // MARK: Pages

    enum PageKind { case login, consent, autoSubmit, userCode }

    /// The form to act on: a login form (password or identifier field), else (when the user has
    /// a user code) a form asking for it, else a form with the button the decision needs, else a
    /// self-posting form of hidden fields.
    static func actionableForm(in page: HTMLPage, decision: Decision, userCode: Bool = false) -> (HTMLPage.Form, PageKind)? {
        if userCode, let form = page.forms.first(where: { !isPasswordPage($0) && userCodeField(in: $0) != nil }) {
            return (form, .userCode)
        }
        if let login = page.forms.first(where: { isPasswordPage($0) }) ?? page.forms.first(where: { identifierField(in: $0) != nil }) {
            return (login, .login)
        }
        let withButtons = page.forms.filter { !$0.submitButtons.isEmpty }
        let chosen = withButtons.first { if case .chosen = buttonChoice(in: $0, for: decision) { true } else { false } }
        let ambiguous = withButtons.first { if case .ambiguous = buttonChoice(in: $0, for: decision) { true } else { false } }
        if let form = chosen ?? ambiguous ?? withButtons.first { return (form, .consent) }
        if let form = page.forms.first(where: { $0.controls.allSatisfy(\.isHidden) && !$0.controls.isEmpty }) { return (form, .autoSubmit) }
        return nil
    }

    static func isPasswordPage(_ form: HTMLPage.Form) -> Bool { !form.passwordFields.isEmpty }

    static let usernameNames = [
        "username", "user", "login", "email", "identifier", "loginfmt", "user_name", "userid", "user_id", "j_username", "session[username_or_email]",
    ]

    /// The field that takes the username: a text or email field named like one, or the only one.
    static func identifierField(in form: HTMLPage.Form) -> HTMLPage.Control? {
        let fields = form.textFields
        if let named = fields.first(where: { field in
            let name = (field.name ?? "").lowercased()
            return field.type == "email" || usernameNames.contains(name)
                || usernameNames.contains { name.hasSuffix("[\($0)]") || name.hasSuffix(".\($0)") }
        }) {
            return named
        }
        return form.passwordFields.isEmpty ? nil : (fields.count == 1 ? fields[0] : nil)
    }

    static let userCodeNames = ["user_code", "usercode", "user-code", "code", "device_code_input", "otc"]

    /// The field that takes an RFC 8628 user code: a text field named like one.
    static func userCodeField(in form: HTMLPage.Form) -> HTMLPage.Control? {
        form.textFields.first { field in
            let name = (field.name ?? "").lowercased()
            return userCodeNames.contains(name) || userCodeNames.contains { name.hasSuffix("[\($0)]") || name.hasSuffix(".\($0)") }
        }
    }

    /// Words a button's name, value and text are read for, whole words and in order (so that
    /// "ok" is not found in "revoke" or "tokens"). A denying word rules a button out for
    /// approval; a destructive one rules it out for either decision.
    static let denyPhrases = words([
        "deny", "cancel", "reject", "decline", "refuse", "disallow", "don't allow", "do not allow", "not now", "no thanks", "no",
    ])
    static let destructivePhrases = words(["revoke", "remove", "delete", "forget", "disconnect", "unlink", "reset", "report"])
    /// Approval, strongest first: a consent word, then a word that only moves on.
    static let approvePhrases = [
        words(["approve", "allow", "accept", "authorize", "authorise", "consent", "grant", "yes", "agree", "confirm"]),
        words([
            "continue", "proceed", "ok", "okay", "next", "submit", "sign in", "signin", "log in", "login", "log out", "logout", "sign out",
            "sign me out", "go",
        ]),
    ]

    static func words(_ phrases: [String]) -> [[Substring]] { phrases.map(words(in:)) }

    /// The lowercased words of `text`: runs of letters, digits and apostrophes.
    static func words(in text: String) -> [Substring] {
        Substring(text.lowercased().replacingOccurrences(of: "\u{2019}", with: "'")).split { !($0.isLetter || $0.isNumber || $0 == "'") }
    }

    static func says(_ words: [Substring], any phrases: [[Substring]]) -> Bool {
        phrases.contains { phrase in
            guard !phrase.isEmpty, phrase.count <= words.count else { return false }
            return (0...(words.count - phrase.count)).contains { start in words[start..<(start + phrase.count)].elementsEqual(phrase) }
        }
    }

    static func words(of control: HTMLPage.Control) -> [Substring] {
        words(in: "\(control.name ?? "") \(control.value) \(control.label)")
    }

    /// Which button of a form says the decision.
    enum ButtonChoice {
        case chosen(HTMLPage.Control)
        /// More than one button could say it, none more clearly: the user agent does not guess.
        case ambiguous([HTMLPage.Control])
        case none
    }

    /// The button that says `decision`. For approval: among the buttons without a denying or
    /// destructive word, those with the strongest approving word; with none, the only button
    /// left. For denial: the buttons with a denying word and no destructive one. Buttons that
    /// submit the same name and value count as one.
    static func buttonChoice(in form: HTMLPage.Form, for decision: Decision) -> ButtonChoice {
        let buttons = form.submitButtons.map { ($0, words(of: $0)) }.filter { !says($0.1, any: destructivePhrases) }
        func pick(_ candidates: [HTMLPage.Control]) -> ButtonChoice? {
            var distinct: [HTMLPage.Control] = []
            for control in candidates where !distinct.contains(where: { $0.name == control.name && $0.value == control.value }) {
                distinct.append(control)
            }
            switch distinct.count {
            case 0: return nil
            case 1: return .chosen(distinct[0])
            default: return .ambiguous(candidates)
            }
        }
        switch decision {
        case .deny:
            return pick(buttons.filter { says($0.1, any: denyPhrases) }.map(\.0)) ?? .none
        case .approve:
            let candidates = buttons.filter { !says($0.1, any: denyPhrases) }
            for tier in approvePhrases {
                if let choice = pick(candidates.filter { says($0.1, any: tier) }.map(\.0)) { return choice }
            }
            return pick(candidates.map(\.0)) ?? .none
        }
    }

    /// The button to press on a login form: the one ``buttonChoice(in:for:)`` chooses, else
    /// (pressing it grants nothing) the first with an approving word, else the first that does
    /// not deny.
    static func loginButton(in form: HTMLPage.Form, for decision: Decision) -> HTMLPage.Control? {
        if case .chosen(let control) = buttonChoice(in: form, for: decision) { return control }
        guard decision == .approve else { return nil }
        let candidates = form.submitButtons.filter { !says(words(of: $0), any: denyPhrases + destructivePhrases) }
        return candidates.first { says(words(of: $0), any: approvePhrases.flatMap { $0 }) } ?? candidates.first
    }

    /// How a button is named in an error message.
    static func describe(_ control: HTMLPage.Control) -> String {
        let text = HTMLPage.collapse(control.label.isEmpty ? control.value : control.label)
        return "\"\(text.isEmpty ? control.name ?? "(unnamed)" : String(text.prefix(60)))\""
    }

    /// The request that submits `form` the way the simulated user would.
    static func submission(
        of form: HTMLPage.Form,
        kind: PageKind,
        on pageURL: String,
        intent: Intent,
        step: String
    ) throws(OAuthError) -> TransportRequest {
        var fields: [(String, String)] = []
        for control in form.controls where !control.disabled && !control.isSubmit {
            guard let name = control.name, !name.isEmpty else { continue }
            if ["checkbox", "radio"].contains(control.type), !control.checked { continue }
            if ["button", "reset", "file"].contains(control.type) { continue }
            fields.append((name, control.value))
        }
        func set(_ name: String, _ value: String) {
            if let index = fields.firstIndex(where: { $0.0 == name }) { fields[index].1 = value } else { fields.append((name, value)) }
        }
        if let user = intent.user, kind != .userCode {
            guard let select = form.controls.first(where: { $0.element == "select" && $0.name == "user" }), select.options.contains(user) else {
                throw .client(.unknownUser, "the provider's page offers no user \"\(user)\"", step: step)
            }
            set("user", user)
        }
        if kind == .login {
            let wanted: [(field: HTMLPage.Control?, value: String?, what: String)] = [
                (
                    identifierField(in: form), intent.username,
                    "credentials (user: {username: …, password: …} in the scenario, or OAUTH_HARNESS_USERNAME and OAUTH_HARNESS_PASSWORD)"
                ),
                (form.passwordFields.first, intent.password, "password (user: {password: …} in the scenario, or OAUTH_HARNESS_PASSWORD)"),
            ]
            for (field, value, what) in wanted {
                guard let name = field?.name, intent.fill[name] == nil else { continue }
                guard let value else {
                    throw .client(
                        .missingCredentials,
                        "the provider asks for a login at \(withoutQuery(pageURL)); give the test user's \(what)",
                        step: step
                    )
                }
                set(name, value)
            }
        }
        if kind == .userCode, let code = intent.userCode, let name = userCodeField(in: form)?.name, intent.fill[name] == nil { set(name, code) }
        for (name, value) in intent.fill.sorted(by: { $0.key < $1.key }) where form.controls.contains(where: { $0.name == name }) {
            set(name, value)
        }
        let pressed = try button(toPress: form, kind: kind, on: pageURL, intent: intent, step: step)
        if let pressed, let name = pressed.name, !name.isEmpty { fields.append((name, pressed.value)) }
        guard let action = resolve(form.action.flatMap { $0.isEmpty ? nil : $0 } ?? pageURL, against: pageURL) else {
            throw .malformed(step: step, httpStatus: nil, "the form's action is not a valid URL")
        }
        let parameters = FormParameters(fields)
        if form.method == "post" { return .form(action, parameters, headers: ["Accept": "text/html"]) }
        // HTML's "mutate action URL": the form's fields replace the action's query.
        var target = URLReference(action)
        target.query = parameters.encoded
        return TransportRequest(method: "GET", url: target.description)
    }

    /// The button the simulated user presses: none on a self-posting form, the approving (or
    /// denying) one on a login form, and on a consent page the one that clearly says the
    /// decision — an ambiguous or missing one fails the step, naming the buttons.
    static func button(
        toPress form: HTMLPage.Form,
        kind: PageKind,
        on pageURL: String,
        intent: Intent,
        step: String
    ) throws(OAuthError) -> HTMLPage.Control? {
        switch kind {
        case .autoSubmit: return nil
        case .login: return (intent.decision == .deny ? loginButton(in: form, for: .deny) : nil) ?? loginButton(in: form, for: .approve)
        case .userCode: return loginButton(in: form, for: .approve)
        case .consent:
            switch buttonChoice(in: form, for: intent.decision) {
            case .chosen(let chosen): return chosen
            case .ambiguous(let buttons):
                throw OAuthError(
                    code: .unexpectedPage,
                    description:
                        "the provider's page at \(withoutQuery(pageURL)) has several buttons that could \(intent.decision.rawValue) "
                        + "(\(buttons.map(describe).joined(separator: ", "))); the user agent does not guess which",
                    step: step,
                    origin: .provider
                )
            case .none:
                let offered = form.submitButtons.map(describe).joined(separator: ", ")
                throw OAuthError(
                    code: .unexpectedPage,
                    description:
                        "the provider's page at \(withoutQuery(pageURL)) has no button to \(intent.decision.rawValue)"
                        + (offered.isEmpty ? "" : " (its buttons: \(offered))"),
                    step: step,
                    origin: .provider
                )
            }
        }
    }

    /// A failed answer: the provider's OAuth error when it sent one (JSON or a redirect
    /// `error`), else the status and a snippet of the page.
    static func errorPage(_ response: TransportResponse, url: String, step: String) -> OAuthError {
        if let error = OAuthError.provider(body: response.body, httpStatus: response.status, step: step) { return error }
        let snippet = HTMLPage.parse(response.bodyText).snippet()
        return OAuthError(
            code: .http(response.status),
            description: "the provider answered \(withoutQuery(url)) with HTTP \(response.status): \"\(snippet)\"",
            httpStatus: response.status,
            step: step,
            origin: .provider
        )
    }

    // MARK: Requests

    /// Refuses targets a browser following an OAuth flow must not go to.
    func check(_ url: String, from previous: String? = nil, step: String) throws(OAuthError) {
        let target = URLReference(url)
        if let scheme = target.scheme, scheme != "http", scheme != "https" {
            throw .client(.unsafeRedirect, "the provider sent the user agent to a \(scheme): URL that is not the client's redirect URI", step: step)
        }
        guard target.hasValidAuthority, let host = target.host else {
            throw .client(.unsafeRedirect, "the provider sent the user agent to \(Self.withoutQuery(url)), which is not an absolute URL", step: step)
        }
        if target.scheme == "http", let previous, previous.lowercased().hasPrefix("https://"), !LoopbackHost.contains(host) {
            throw .client(.unsafeRedirect, "the provider sent the user agent from https to plain http (\(Self.withoutQuery(url)))", step: step)
        }
        if let allowedHosts, !allowedHosts.contains(host) {
            throw .client(
                "unsafe_redirect",
                "the provider sent the user agent to the third-party host \(host), which is neither the provider's (\(allowedHosts.sorted().joined(separator: ", "))) "
                    + "nor the client's redirect URI; list it in the provider's allowed_hosts if it belongs to the provider",
                step: step
            )
        }
    }

    private mutating func send(_ request: TransportRequest, step: String) async throws(OAuthError) -> TransportResponse {
        var request = request
        request.headers["Cookie"] = cookies.header(for: request.url)
        if request.headers["Accept"] == nil { request.headers["Accept"] = "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8" }
        let response: TransportResponse
        do {
            response = try await transport.send(request)
        } catch let error as OAuthError {
            throw error
        } catch {
            throw OAuthError(code: OAuthErrorCode.transportError, description: String(describing: error), step: step, origin: .transport)
        }
        cookies.store(response.headers.filter { $0.name.lowercased() == "set-cookie" }.map(\.value), from: request.url)
        return response
    }

    static func isCallback(_ url: String, redirectURI: String) -> Bool {
        !redirectURI.isEmpty && withoutQuery(url) == withoutQuery(redirectURI)
    }

    static func resolve(_ reference: String, against base: String) -> String? {
        guard let baseURL = URL(string: base), let resolved = URL(string: reference, relativeTo: baseURL) else { return nil }
        return resolved.absoluteString
    }

    /// A URL for a message: without its query and fragment, which may carry codes or state.
    static func withoutQuery(_ url: String) -> String {
        URLReference(url).withoutQuery
    }
}
