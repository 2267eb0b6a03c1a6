import Foundation
import OAuthCore
import OAuthTesting
import Synchronization
import Testing

@testable import Harness

/// A provider's pages as canned answers: `GET url` or `POST url` (without query) to a response
/// (OAuthTesting's RoutedTransport), with helpers for the pages and redirects tests need.
typealias FakeSite = RoutedTransport

extension RoutedTransport {
    static func html(_ text: String, status: Int = 200, headers: HeaderList = [:]) -> TransportResponse {
        var all: HeaderList = ["Content-Type": "text/html; charset=utf-8"]
        for field in headers { all.add(field.name, field.value) }
        return TransportResponse(status: status, headers: all, body: Array(text.utf8))
    }

    static func redirect(_ location: String, headers: HeaderList = [:]) -> TransportResponse {
        var all: HeaderList = ["Location": location]
        for field in headers { all.add(field.name, field.value) }
        return TransportResponse(status: 302, headers: all)
    }

    static func page(_ name: String) throws -> String {
        try String(contentsOfFile: repositoryRoot + "/Tests/fixtures/pages/" + name, encoding: .utf8)
    }
}

func formFields(_ request: TransportRequest) -> [String: String] {
    let parameters = (try? FormParameters(parsing: String(decoding: request.body, as: UTF8.self))) ?? FormParameters()
    var result: [String: String] = [:]
    for pair in parameters { result[pair.name] = pair.value }
    return result
}

@Suite struct UserAgentTests {
    let op = "https://op.example"
    let callback = "https://rp.example/callback"
    let alice = UserAgent.Intent(decision: .approve, username: "alice", password: "alice-password")

    @Test func anImmediateRedirectNeedsNoPage() async throws {
        let site = FakeSite(["GET https://op.example/authorize": { _ in FakeSite.redirect("https://rp.example/callback?code=c1&state=s1") }])
        var agent = UserAgent(transport: site, allowedHosts: ["op.example"])
        let back = try await agent.navigate(from: op + "/authorize?client_id=x&state=s1", to: callback, intent: .init(), step: "authorize")
        #expect(back == "https://rp.example/callback?code=c1&state=s1")
        #expect(site.requests.count == 1)
    }

    /// Django's `LoginView` as django-oauth-toolkit deployments show it (recorded page): a
    /// `csrfmiddlewaretoken` hidden field and a `csrftoken` cookie, then a redirect to `next`.
    @Test func aLoginFormKeepsItsCSRFTokenAndCookie() async throws {
        let login = try FakeSite.page("django-login.html")
        let site = FakeSite([
            "GET https://op.example/o/authorize/": { request in
                request.headers["Cookie"]?.contains("sessionid=s3ss10n") == true
                    ? FakeSite.redirect("https://rp.example/callback?code=c2&state=s")
                    : FakeSite.redirect("/accounts/login/?next=/o/authorize/%3Fclient_id%3Dx")
            },
            "GET https://op.example/accounts/login/": { _ in
                FakeSite.html(
                    login,
                    headers: ["Set-Cookie": "csrftoken=c00k1e; expires=Tue, 30 Nov 2027 16:00:00 GMT; Max-Age=31449600; Path=/; SameSite=Lax"]
                )
            },
            "POST https://op.example/accounts/login/": { request in
                let fields = formFields(request)
                guard fields["csrfmiddlewaretoken"] == "rEcOrDeDtOkEn", request.headers["Cookie"]?.contains("csrftoken=c00k1e") == true,
                    fields["username"] == "alice", fields["password"] == "alice-password"
                else { return FakeSite.html(login) }
                return FakeSite.redirect(fields["next"] ?? "/", headers: ["Set-Cookie": "sessionid=s3ss10n; HttpOnly; Path=/; SameSite=Lax"])
            },
        ])
        var agent = UserAgent(transport: site, allowedHosts: ["op.example"])
        let back = try await agent.navigate(from: op + "/o/authorize/?client_id=x", to: callback, intent: alice, step: "authorize")
        #expect(back.hasPrefix(callback + "?code=c2"))
        #expect(site.requests.map(\.method) == ["GET", "GET", "POST", "GET"])

        // Without credentials the step says what is missing instead of submitting an empty form.
        var anonymous = UserAgent(transport: site, allowedHosts: ["op.example"])
        let error = await #expect(throws: OAuthError.self) {
            try await anonymous.navigate(from: self.op + "/o/authorize/?client_id=x", to: self.callback, intent: .init(), step: "authorize")
        }
        #expect(error?.code == "missing_credentials")

        // A wrong password brings the same login form back: login_failed, with the page's text.
        var wrong = UserAgent(transport: site, allowedHosts: ["op.example"])
        let failed = await #expect(throws: OAuthError.self) {
            try await wrong.navigate(
                from: self.op + "/o/authorize/?client_id=x",
                to: self.callback,
                intent: .init(username: "alice", password: "nope"),
                step: "authorize"
            )
        }
        #expect(failed?.code == "login_failed")
        #expect(failed?.errorDescription?.contains("Sign in") == true)
    }

    @Test func anIdentifierFirstLoginTakesTwoPages() async throws {
        let site = FakeSite([
            "GET https://op.example/authorize": { _ in FakeSite.redirect("https://login.op.example/u/login/identifier?state=abc") },
            "GET https://login.op.example/u/login/identifier": { _ in
                FakeSite.html(
                    """
                    <html><body><form method='POST' action='/u/login/identifier?state=abc' class=c>
                    <input type=hidden name=state value=abc>
                    <input type="email" name="username" id=username inputmode="email" autocomplete='username' value="">
                    <button type=submit name=action value=default>Continue</button>
                    <button type=button>Sign up</button>
                    </form></body></html>
                    """
                )
            },
            "POST https://login.op.example/u/login/identifier": { request in
                formFields(request)["username"] == "alice" && formFields(request)["action"] == "default"
                    ? FakeSite.redirect("/u/login/password?state=abc") : FakeSite.html("<p>unexpected</p>", status: 400)
            },
            "GET https://login.op.example/u/login/password": { _ in
                FakeSite.html(
                    """
                    <form method="post"><input type="hidden" name="state" value="abc"><input type="text" name="username" value="alice" readonly>
                    <input type="password" name="password"><button type="submit" name="action" value="default">Continue</button></form>
                    """
                )
            },
            "POST https://login.op.example/u/login/password": { request in
                formFields(request)["password"] == "alice-password"
                    ? FakeSite.redirect("https://rp.example/callback?code=c3&state=s") : FakeSite.html("<p>Wrong</p>", status: 400)
            },
        ])
        var agent = UserAgent(transport: site, allowedHosts: ["op.example", "login.op.example"])
        let back = try await agent.navigate(from: op + "/authorize?x=1", to: callback, intent: alice, step: "authorize")
        #expect(back.hasPrefix(callback + "?code=c3"))
        #expect(site.requests.count == 5)
    }

    /// django-oauth-toolkit's consent page (recorded): "Authorize" is a submit input named
    /// `allow`, "Cancel" an unnamed one; denying sends the form without `allow`.
    @Test func aConsentPageIsApprovedOrDenied() async throws {
        let consent = try FakeSite.page("dot-authorize.html")
        let site = FakeSite([
            "GET https://op.example/o/authorize/": { _ in FakeSite.html(consent) },
            "POST https://op.example/o/authorize/": { request in
                let fields = formFields(request)
                let target = fields["redirect_uri"] ?? ""
                return fields["allow"] == "Authorize"
                    ? FakeSite.redirect(target + "?code=c4&state=" + (fields["state"] ?? ""))
                    : FakeSite.redirect(target + "?error=access_denied&state=" + (fields["state"] ?? ""))
            },
        ])
        var agent = UserAgent(transport: site, allowedHosts: ["op.example"])
        let approved = try await agent.navigate(
            from: op + "/o/authorize/?client_id=x",
            to: "http://127.0.0.1:8400/callback",
            intent: alice,
            step: "authorize"
        )
        #expect(approved.contains("code=c4"))
        let posted = formFields(try #require(site.requests.last))
        #expect(posted["csrfmiddlewaretoken"] != nil && posted["client_id"] != nil && posted["code_challenge"] != nil)
        var denier = UserAgent(transport: site, allowedHosts: ["op.example"])
        let denied = try await denier.navigate(
            from: op + "/o/authorize/?client_id=x",
            to: "http://127.0.0.1:8400/callback",
            intent: .init(decision: .deny),
            step: "authorize"
        )
        #expect(denied.contains("error=access_denied"))
    }

    @Test func errorPagesFailTheStepWithStatusAndText() async throws {
        let site = FakeSite([
            "GET https://op.example/bad": { _ in
                FakeSite.html(
                    "<html><head><title>Error 400</title><style>h1{}</style></head><body><h1>invalid_request</h1><p>Invalid redirect_uri &amp; client.</p></body></html>",
                    status: 400
                )
            },
            "GET https://op.example/json": { _ in
                TransportResponse(
                    status: 400,
                    headers: ["Content-Type": "application/json"],
                    body: Array(#"{"error":"unauthorized_client","error_description":"no"}"#.utf8)
                )
            },
            "GET https://op.example/nothing": { _ in FakeSite.html("<p>Please enable JavaScript to continue.</p>") },
        ])
        var agent = UserAgent(transport: site, allowedHosts: ["op.example"])
        let page = await #expect(throws: OAuthError.self) {
            try await agent.navigate(from: self.op + "/bad?code=secret", to: self.callback, intent: .init(), step: "authorize")
        }
        #expect(page?.httpStatus == 400)
        #expect(
            page?.errorDescription
                == "the provider answered https://op.example/bad with HTTP 400: \"Error 400 — invalid_request Invalid redirect_uri & client.\""
        )
        let json = await #expect(throws: OAuthError.self) {
            try await agent.navigate(from: self.op + "/json", to: self.callback, intent: .init(), step: "authorize")
        }
        #expect(json?.code == "unauthorized_client")
        let empty = await #expect(throws: OAuthError.self) {
            try await agent.navigate(from: self.op + "/nothing", to: self.callback, intent: .init(), step: "authorize")
        }
        #expect(empty?.code == "unexpected_page")
        #expect(empty?.errorDescription?.contains("Please enable JavaScript") == true)
    }

    @Test func redirectsStayWithinLimits() async throws {
        let site = FakeSite([
            "GET https://op.example/away": { _ in FakeSite.redirect("https://tracker.example/collect") },
            "GET https://op.example/script": { _ in FakeSite.redirect("javascript:alert(1)") },
            "GET https://op.example/down": { _ in FakeSite.redirect("http://op.example/plain") },
            "GET https://op.example/loop": { _ in FakeSite.redirect("/loop") },
            "GET https://op.example/app": { _ in FakeSite.redirect("com.example.app:/oauth?code=c5") },
        ])
        var agent = UserAgent(transport: site, allowedHosts: ["op.example"])
        for (path, fragment) in [
            ("/away", "third-party host tracker.example"), ("/script", "a javascript: URL"), ("/down", "from https to plain http"),
            ("/loop", "after 20 requests"),
        ] {
            let error = await #expect(throws: OAuthError.self) {
                try await agent.navigate(from: self.op + path, to: self.callback, intent: .init(), step: "authorize")
            }
            #expect(error?.errorDescription?.contains(fragment) == true, "\(path): \(error?.description ?? "")")
        }
        // A native app's custom-scheme redirect URI is the one non-web target allowed.
        #expect(
            try await agent.navigate(from: op + "/app", to: "com.example.app:/oauth", intent: .init(), step: "authorize")
                == "com.example.app:/oauth?code=c5"
        )
        #expect(site.requests.filter { $0.url.hasSuffix("/loop") }.count == 20)
    }

    @Test func aSelfPostingFormIsSubmitted() async throws {
        let site = FakeSite([
            "GET https://op.example/authorize": { _ in
                FakeSite.html(
                    """
                    <html><body onload="document.forms[0].submit()"><form method="post" action="https://rp.example/callback">
                    <input type="hidden" name="code" value="c6"><input type="hidden" name="state" value="s6"></form></body></html>
                    """
                )
            }
        ])
        var agent = UserAgent(transport: site, allowedHosts: ["op.example"])
        #expect(try await agent.navigate(from: op + "/authorize", to: callback, intent: .init(), step: "authorize") == callback + "?code=c6&state=s6")
    }
}

@Suite struct HTMLPageTests {
    @Test func formsControlsAndText() {
        let page = HTMLPage.parse(
            """
            <!doctype html><html><head><title>Sign in &ndash; Example</title>
            <script>var s = "<form action='/evil'>";</script></head>
            <body><!-- <form action="/commented"></form> -->
            <form id=f action="/login?next=%2Fa&amp;b=1" METHOD=POST>
              <input type=hidden name=csrf value='a&quot;b'>
              <input name=user>
              <input type="checkbox" name="remember" checked>
              <input type="checkbox" name="marketing">
              <select name="tenant"><option value="t1">One<option value="t2" selected>Two</select>
              <textarea name="note">x &lt; y</textarea>
              <button name="go" value="1"><span>Sign</span> in</button>
              <input type="submit" value="Cancel" disabled>
            </form>
            <input form="f" type="hidden" name="outside" value="o">
            <p>Forgot&nbsp;password?</p>
            """
        )
        #expect(page.forms.count == 1)
        let form = page.forms[0]
        #expect(form.action == "/login?next=%2Fa&b=1")
        #expect(form.method == "post")
        #expect(page.title == "Sign in – Example")
        #expect(form.controls.first { $0.name == "csrf" }?.value == "a\"b")
        #expect(form.controls.first { $0.name == "user" }?.type == "text")
        #expect(form.controls.first { $0.name == "remember" }?.checked == true)
        #expect(form.controls.first { $0.name == "tenant" }?.value == "t2")
        #expect(form.controls.first { $0.name == "tenant" }?.options == ["t1", "t2"])
        #expect(form.controls.first { $0.name == "note" }?.value == "x < y")
        #expect(form.submitButtons.map(\.label) == ["Sign in"])
        #expect(form.controls.contains { $0.name == "outside" })
        #expect(page.text.contains("Forgot password?"))
        #expect(!page.text.contains("evil"))
    }

    @Test func brokenMarkupNeverTraps() {
        for html in [
            "<", "<form", "<form action=\"", "<input name='x", "<!--", "<script>", "&#99999999;&#x;&", "<select><option>", "</form></form><button>",
        ] {
            _ = HTMLPage.parse(html)
        }
        #expect(HTMLPage.decodeEntities("&#65;&#x42;&amp;&unknown;&") == "AB&&unknown;&")
        // URLs a hostile page can produce never trap the helpers either.
        for url in ["", "?", "#", "?#", "??x"] {
            _ = UserAgent.withoutQuery(url)
            _ = UserAgent.isCallback(url, redirectURI: "?")
        }
    }
}

@Suite struct CookieJarTests {
    @Test func cookiesFollowDomainPathExpiryAndReplacement() {
        var jar = CookieJar()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        jar.store(["sid=1; Path=/", "pref=a; Path=/app", "wide=w; Domain=.example.com; Path=/"], from: "https://login.example.com/start", now: now)
        #expect(jar.header(for: "https://login.example.com/app/x", now: now) == "pref=a; sid=1; wide=w")
        #expect(jar.header(for: "https://login.example.com/other", now: now) == "sid=1; wide=w")
        #expect(jar.header(for: "https://api.example.com/", now: now) == "wide=w", "host-only cookies stay with their host")
        #expect(jar.header(for: "https://evil.example.org/", now: now) == nil)
        jar.store(["sid=2; Path=/"], from: "https://login.example.com/", now: now)
        #expect(
            jar.header(for: "https://login.example.com/", now: now) == "wide=w; sid=2",
            "a newer cookie replaces the older (and sorts after older ones of the same path length)"
        )
        jar.store(
            ["sid=; Max-Age=0; Path=/", "wide=; Domain=example.com; Path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT"],
            from: "https://login.example.com/",
            now: now
        )
        #expect(jar.header(for: "https://login.example.com/", now: now) == nil)
        jar.store(["s=1; Secure"], from: "https://a.example.net/", now: now)
        #expect(jar.header(for: "http://a.example.net/", now: now) == nil, "Secure cookies never go over plain http")
        jar.store(["x=1; Domain=other.net"], from: "https://a.example.net/", now: now)
        #expect(jar.cookies.allSatisfy { $0.domain != "other.net" }, "a Domain the host is not in is ignored")
        jar.store(["late=1; Max-Age=60"], from: "https://t.example/", now: now)
        #expect(jar.header(for: "https://t.example/", now: now.addingTimeInterval(61)) == nil)
    }
}
