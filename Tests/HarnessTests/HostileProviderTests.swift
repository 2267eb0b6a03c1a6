import Foundation
import MockProviders
import OAuthCore
import Synchronization
import Testing
import Yams

@testable import Harness

/// A provider built to attack the harness, served on a loopback port: it echoes the client
/// secret and the password in errors, builds a token type from the refresh token, answers
/// UserInfo with the secrets as innocent claims, puts YAML into its discovery document, floods
/// its token response with secret-named members, hides its login form behind thousands of
/// empty forms, and offers "Revoke all tokens" beside "Allow" (the outside review's findings).
final class HostileProvider: MockRequestHandler {
    enum Behaviour: Sendable {
        case leak, inject, consent, ambiguous
        case flood(members: Int)
        case forms(repeats: Int)
    }

    static let clientID = "hostile-client"
    static let clientSecret = "CSECRET-MARK-7f3a9c1e2b4d"
    static let username = "hostile-user"
    static let password = "PASSWD-MARK-5e8b2d7a1c9f"
    static let redirectURI = "http://127.0.0.1:8400/callback"
    static let injectedClaims: [String: String] = [
        "sub": "u2\nauto_approve: true", "name": "x\" : y\n- z", "nickname": "&anchor *alias !!python/object", "website": "# not a comment",
        "weird: key\n": "v", "locale": "'single' \"double\" \\ back",
    ]

    let profile: ProviderProfile
    let behaviour: Behaviour
    struct State {
        var codes: Set<String> = []
        var refreshTokens: Set<String> = []
        /// access token → its refresh token
        var tokens: [String: String] = [:]
        var issued: [String] = []
        var pressed: [String] = []
    }
    let state = Mutex(State())

    init(_ behaviour: Behaviour) throws {
        profile = try ProviderProfile.named("standard-oauth2")
        self.behaviour = behaviour
    }

    /// Every code and token it issued (each contains `-MARK-`).
    var issued: [String] { state.withLock { $0.issued } }
    var pressed: [String] { state.withLock { $0.pressed } }

    func issue(_ kind: String) -> String {
        let value = kind + "-MARK-" + SecureRandom.token(bytes: 9)
        state.withLock { $0.issued.append(value) }
        return value
    }

    func handle(_ request: TransportRequest) async -> TransportResponse {
        let (path, query) = MockProvider.split(request.url)
        let base = "http://" + (request.headers["Host"] ?? "")
        switch (request.method, path) {
        case ("GET", "/.well-known/oauth-authorization-server"), ("GET", "/.well-known/openid-configuration"):
            var document: [String: JSONValue] = [
                "issuer": .string(base), "authorization_endpoint": .string(base + "/authorize"), "token_endpoint": .string(base + "/token"),
                "userinfo_endpoint": .string(base + "/userinfo"), "response_types_supported": .array([.string("code")]),
                "jwks_uri": .string(base + "/jwks"), "subject_types_supported": .array([.string("public")]),
                "id_token_signing_alg_values_supported": .array([.string("RS256")]),
            ]
            if case .inject = behaviour {
                document["end_session_endpoint"] = .string(base + "/logout\nauto_approve: true")
                document["revocation_endpoint"] = .string(base + "/revoke\n  evil: /x")
            }
            return Self.json(200, document)
        case ("GET", "/jwks"):
            return Self.json(200, ["keys": .array([])])
        case ("GET", "/authorize"):
            return Self.html(loginPage(query ?? FormParameters()))
        case ("POST", "/login"):
            let form = MockProvider.formBody(request) ?? FormParameters()
            guard form["username"] == Self.username, form["password"] == Self.password else { return Self.html(loginPage(form)) }
            return Self.html(consentPage(form))
        case ("POST", "/consent"):
            let form = MockProvider.formBody(request) ?? FormParameters()
            let action = form["action"] ?? "(none)"
            state.withLock { $0.pressed.append(action) }
            var target = URLReference(form["redirect_uri"] ?? Self.redirectURI)
            if ["allow", "a", "b"].contains(action) {
                let code = issue("CODE")
                state.withLock { _ = $0.codes.insert(code) }
                target.query = FormParameters([("code", code), ("state", form["state"] ?? ""), ("iss", base)]).encoded
            } else {
                target.query = FormParameters([("error", "access_denied"), ("error_description", action), ("state", form["state"] ?? "")]).encoded
            }
            return TransportResponse(status: 302, headers: ["Location": target.description])
        case ("POST", "/token"):
            return token(request)
        case ("GET", "/userinfo"):
            return userinfo(request)
        default:
            return Self.json(404, ["error": .string("not_found")])
        }
    }

    func loginPage(_ parameters: FormParameters) -> String {
        var page = "<!doctype html><title>Sign in</title>"
        if case .forms(let repeats) = behaviour {
            page += String(repeating: "<form id=a></form><input form=zz name=x>", count: repeats)
        }
        page += "<form method=post action=/login>" + hidden(parameters, except: ["username", "password"])
        page += "<input name=username><input type=password name=password><button type=submit>Sign in</button></form>"
        return page
    }

    func consentPage(_ parameters: FormParameters) -> String {
        var page = "<!doctype html><title>Consent</title><form method=post action=/consent>"
        page += hidden(parameters, except: ["username", "password", "action"])
        switch behaviour {
        case .consent:
            page += "<button type=submit name=action value=revoke>Revoke all tokens</button>"
            page += "<button type=submit name=action value=allow>Allow</button>"
        case .ambiguous:
            page += "<button type=submit name=action value=a>Option A</button><button type=submit name=action value=b>Option B</button>"
        default:
            page += "<button type=submit name=action value=allow>Allow</button><button type=submit name=action value=deny>Deny</button>"
        }
        return page + "</form>"
    }

    func hidden(_ parameters: FormParameters, except: Set<String>) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(
                of: "<",
                with: "&lt;"
            )
        }
        return parameters.filter { !except.contains($0.name) }.map { "<input type=hidden name=\"\(escape($0.name))\" value=\"\(escape($0.value))\">" }
            .joined()
    }

    func token(_ request: TransportRequest) -> TransportResponse {
        let isJSON = request.headers["Content-Type"]?.lowercased().hasPrefix("application/json") == true
        var fields: [String: String] = [:]
        if isJSON, case .object(let members)? = try? JSONValue.parse(request.body) {
            for (name, value) in members { fields[name] = value.stringValue }
        } else if let form = MockProvider.formBody(request) {
            for pair in form where fields[pair.name] == nil { fields[pair.name] = pair.value }
        }
        if case .leak = behaviour, !isJSON {
            return Self.json(
                400,
                ["error": .string("invalid_client"), "error_description": .string("bad client \(Self.clientSecret) for user \(Self.password)")]
            )
        }
        var secret = fields["client_secret"]
        if let authorization = request.headers["Authorization"], authorization.hasPrefix("Basic "),
            let decoded = Base64Standard.decode(String(authorization.dropFirst(6))), let pair = String(validating: decoded, as: UTF8.self),
            let colon = pair.firstIndex(of: ":")
        {
            secret = try? PercentEncoding.decode(pair[pair.index(after: colon)...], plusAsSpace: true)
        }
        guard secret == Self.clientSecret else { return Self.json(401, ["error": .string("invalid_client")]) }
        switch fields["grant_type"] {
        case "authorization_code":
            guard let code = fields["code"], state.withLock({ $0.codes.remove(code) }) != nil else {
                return Self.json(400, ["error": .string("invalid_grant")])
            }
        case "refresh_token":
            guard let refresh = fields["refresh_token"], state.withLock({ $0.refreshTokens.contains(refresh) }) else {
                return Self.json(400, ["error": .string("invalid_grant")])
            }
        default:
            return Self.json(400, ["error": .string("unsupported_grant_type")])
        }
        let access = issue("ATOKEN")
        let refresh = issue("RTOKEN")
        state.withLock {
            $0.refreshTokens.insert(refresh)
            $0.tokens[access] = refresh
        }
        var members: [String: JSONValue] = [
            "access_token": .string(access), "refresh_token": .string(refresh), "expires_in": 3600, "token_type": .string("Bearer"),
        ]
        switch behaviour {
        case .leak: members["token_type"] = .string("Bearer-" + refresh)
        case .flood(let count):
            for index in 0..<count { members[String(format: "x_token_%06d", index)] = .string(SecureRandom.token(bytes: 18)) }
        default: break
        }
        return Self.json(200, members)
    }

    func userinfo(_ request: TransportRequest) -> TransportResponse {
        guard let authorization = request.headers["Authorization"], authorization.hasPrefix("Bearer ") else {
            return Self.json(401, ["error": .string("invalid_token")])
        }
        let access = String(authorization.dropFirst(7))
        guard let refresh = state.withLock({ $0.tokens[access] }) else { return Self.json(401, ["error": .string("invalid_token")]) }
        switch behaviour {
        case .leak:
            return Self.json(
                200,
                [
                    "sub": "u1", "name": .string(access), "nickname": .string(Self.password), "website": .string(Self.clientSecret),
                    "locale": .string(refresh), "email": "u1@example.test",
                ]
            )
        case .inject:
            return Self.json(200, Self.injectedClaims.mapValues(JSONValue.string))
        default:
            return Self.json(200, ["sub": "u3", "name": "Hostile User"])
        }
    }

    static func json(_ status: Int, _ members: [String: JSONValue]) -> TransportResponse {
        TransportResponse(
            status: status,
            headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
            body: JSONValue.object(members).jsonBytes
        )
    }

    static func html(_ text: String) -> TransportResponse {
        TransportResponse(status: 200, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(text.utf8))
    }
}

@Suite(.serialized) struct HostileProviderTests {
    struct Checked {
        var ledgered: LedgeredCheck
        var provider: HostileProvider
        var outcome: ConformanceRun.Outcome { ledgered.outcome }
        var outputs: [String: String] { ledgered.outputs }
        var profileText: String? { outcome.profilePath == nil ? nil : ledgered.outputs["profile"] }
    }

    /// `oauth-harness check` of a hostile provider, as the CLI runs it (the lines it prints
    /// included), with `--write-profile`.
    static func check(_ behaviour: HostileProvider.Behaviour, scope: [String] = ["profile"], filter: String? = nil) async throws -> Checked {
        let hostile = try HostileProvider(behaviour)
        let running = try await MockProviderServer.start(handler: hostile)
        let directory = try temporaryDirectory()
        var run = ConformanceRun(providerFile: "")
        run.provider = ProviderFile(
            name: "hostile",
            file: "hostile.yaml",
            spec: ProviderSpec(
                url: running.baseURL,
                discovery: running.baseURL + "/.well-known/oauth-authorization-server",
                endpoints: ["resource": running.baseURL + "/userinfo"]
            ),
            clients: [
                .init(
                    clientID: HostileProvider.clientID,
                    clientSecret: HostileProvider.clientSecret,
                    redirectURI: HostileProvider.redirectURI,
                    authMethod: .clientSecretBasic
                )
            ],
            user: TestUser(username: HostileProvider.username, password: HostileProvider.password),
            scope: scope,
            expect: .init(),
            signatureMethods: [],
            codeReuseWait: 0,
            missingVariables: []
        )
        run.plansDirectory = repositoryRoot + "/Plans"
        run.reportDirectory = directory
        run.profilesDirectory = directory
        run.writeProfile = "hostile-written"
        run.filter = filter
        run.checkTimeout = .seconds(60)
        var ledgered = try await LedgeredCheck.run(run)
        await running.stop()
        ledgered.ledger.secrets.formUnion(hostile.issued + [HostileProvider.clientSecret, HostileProvider.password])
        return Checked(ledgered: ledgered, provider: hostile)
    }

    /// The outputs that contain a secret, or a value the provider marked as one.
    static func leaks(_ checked: Checked) async -> [String] {
        await checked.ledgered.leaks() + checked.outputs.filter { $0.value.contains("-MARK-") }.keys.sorted().map { "\($0): a -MARK- value" }
    }

    /// Finding 1 and 2: the quirk evidence (printed and in the Markdown table) and the written
    /// profile's claims carried the client secret, the password and the tokens.
    @Test func aProviderThatEchoesSecretsGetsThemIntoNoOutput() async throws {
        let checked = try await Self.check(.leak)
        let quirks = Set(checked.outcome.quirks.map(\.quirk))
        #expect(quirks.contains(.requireJSONTokenRequest) && quirks.contains(.oddTokenType), "the evidence under test was produced")
        #expect(checked.outputs["quirk lines"]!.contains(Redactor.mask))
        #expect(checked.provider.issued.count > 10 && checked.ledgered.ledger.secrets.count > 10)
        #expect(await Self.leaks(checked) == [])
        // The profile keeps the claim that carries no secret and says why the others are not there.
        let profile = try #require(checked.profileText)
        #expect(profile.contains("u1@example.test"))
        #expect(profile.contains("Left out: 4 claim(s) of the test user"))
    }

    /// Finding 3: a discovery document and claims written to inject YAML into the profile.
    @Test func aWrittenProfileKeepsProviderTextAsData() async throws {
        let checked = try await Self.check(.inject, scope: ["openid", "profile"])
        let text = try #require(checked.profileText)
        let root = try #require(try Yams.compose(yaml: text))
        let keys = Set((root.mapping ?? [:]).keys.compactMap(\.string))
        #expect(keys.isSubset(of: Set(ProviderProfile.topKeys)) && !keys.contains("auto_approve"))
        #expect(["name", "models", "protocol", "endpoints", "clients", "users", "oidc", "scopes"].allSatisfy(keys.contains))
        let endpoints = Set((root.mapping?["endpoints"]?.mapping ?? [:]).keys.compactMap(\.string))
        #expect(endpoints == ["authorize", "token", "resource", "jwks"])
        #expect(text.contains("Left out: the revoke endpoint (its path is not a URL path); the end_session endpoint"))
        // Loaded back as the mocks load it: what was intended, and nothing else.
        let path = try #require(checked.outcome.profilePath)
        let profile = try ProviderProfile.load(contentsOf: path)
        #expect(!profile.autoApprove)
        #expect(profile.endpoints.revoke == nil && profile.endpoints.endSession == nil)
        let user = try #require(profile.users.first)
        #expect(user.sub == HostileProvider.injectedClaims["sub"])
        for (name, value) in HostileProvider.injectedClaims where name != "sub" {
            #expect(user.claims[name] == .string(value), "claim \(name.debugDescription)")
        }
        #expect(await Self.leaks(checked) == [])
    }

    /// Finding 4: a token response with thousands of secret-named members. Every value the
    /// redactor keeps is masked, the rest are counted and reported, and the check finishes.
    @Test func aFloodOfSecretNamedMembersIsBoundedAndReported() async throws {
        let checked = try await Self.check(.flood(members: 12_000), filter: "authorization-code-grant")
        let result = try #require(checked.outcome.results.first)
        #expect(result.verdict.name == "pass", "\(result.verdict.reason)")
        #expect(result.transcript.contains("more secret values than the redactor keeps"))
        #expect(await Self.leaks(checked) == [])
    }

    /// Finding 4: thousands of empty forms before the login form; the form is still found.
    @Test func aLoginPageBehindThousandsOfFormsSignsIn() async throws {
        let checked = try await Self.check(.forms(repeats: 20_000), filter: "authorization-code-grant")
        let result = try #require(checked.outcome.results.first)
        #expect(result.verdict.name == "pass", "\(result.verdict.reason)")
    }

    /// Finding 5: "Revoke all tokens" beside "Allow": Allow is pressed, Revoke never.
    @Test func theConsentButtonPressedIsTheOneThatAllows() async throws {
        let checked = try await Self.check(.consent, filter: "authorization-code-grant")
        #expect(checked.outcome.results.first?.verdict.name == "pass")
        #expect(checked.provider.pressed == ["allow"])
    }

    /// Finding 5: two buttons, neither approving: the step fails naming both.
    @Test func anAmbiguousConsentPageFailsNamingItsButtons() async throws {
        let checked = try await Self.check(.ambiguous, filter: "authorization-code-grant")
        let reason = checked.outcome.results.first?.verdict.reason ?? ""
        #expect(checked.outcome.results.first?.verdict.name == "fail")
        #expect(reason.contains("\"Option A\"") && reason.contains("\"Option B\"") && reason.contains("does not guess"), "\(reason)")
        #expect(checked.provider.pressed.isEmpty)
    }
}

@Suite struct ConsentButtonTests {
    static func form(_ buttons: String) -> HTMLPage.Form {
        HTMLPage.parse("<form method=post>\(buttons)</form>").forms[0]
    }

    static func chosen(_ buttons: String, _ decision: UserAgent.Decision = .approve) -> String? {
        if case .chosen(let control) = UserAgent.buttonChoice(in: form(buttons), for: decision) {
            return control.label.isEmpty ? control.value : control.label
        }
        return nil
    }

    @Test func wordsNotSubstringsDecide() {
        #expect(Self.chosen("<button name=a value=r>Revoke all tokens</button><button name=a value=o>Allow</button>") == "Allow")
        #expect(Self.chosen("<button name=a value=r>Revoke all tokens</button><button name=a value=o>Allow</button>", .deny) == nil)
        #expect(Self.chosen("<button>Book a demo</button><button name=go>OK</button>") == "OK")
        // A denying word rules a button out for approval, whatever else it says.
        #expect(Self.chosen("<button name=d value=x>Don't allow</button><button name=d value=y>Allow</button>") == "Allow")
        #expect(Self.chosen("<button name=d value=x>Don’t allow</button><button name=d value=y>Allow</button>", .deny) == "Don’t allow")
        // The strongest approving word wins over one that only moves on.
        #expect(Self.chosen("<button name=n value=1>Continue</button><button name=n value=2>Authorize</button>") == "Authorize")
    }

    @Test func realConsentPages() {
        // django-oauth-toolkit, Keycloak, GitHub, the mocks.
        let dot = #"<input type="submit" class="btn" value="Cancel"/><input type="submit" class="btn" name="allow" value="Authorize"/>"#
        #expect(Self.chosen(dot) == "Authorize" && Self.chosen(dot, .deny) == "Cancel")
        let keycloak = #"<input name="accept" type="submit" value="Yes"><input name="cancel" type="submit" value="No">"#
        #expect(Self.chosen(keycloak) == "Yes" && Self.chosen(keycloak, .deny) == "No")
        let github =
            #"<button type="submit" name="authorize" value="1">Authorize octo-app</button><button type="submit" name="authorize" value="0">Cancel</button>"#
        #expect(Self.chosen(github) == "Authorize octo-app" && Self.chosen(github, .deny) == "Cancel")
        let mock =
            #"<button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="deny">Deny</button>"#
        #expect(Self.chosen(mock) == "Approve" && Self.chosen(mock, .deny) == "Deny")
        // The same button twice (a desktop and a mobile layout) is one choice.
        #expect(Self.chosen("<button name=ok value=1>Allow</button><button name=ok value=1>Allow</button>") == "Allow")
    }

    @Test func ambiguityIsNamedNotGuessed() {
        guard
            case .ambiguous(let buttons) = UserAgent.buttonChoice(
                in: Self.form("<button name=c value=a>Option A</button><button name=c value=b>Option B</button>"),
                for: .approve
            )
        else {
            Issue.record("two buttons without approving words must be ambiguous")
            return
        }
        #expect(buttons.map(UserAgent.describe) == ["\"Option A\"", "\"Option B\""])
        guard
            case .ambiguous = UserAgent.buttonChoice(
                in: Self.form("<button name=c value=a>Allow</button><button name=c value=b>Allow all</button>"),
                for: .approve
            )
        else {
            Issue.record("two approving buttons that submit different values are ambiguous")
            return
        }
    }

    @Test func formsNamedByThousandsOfControlsParseInOnePass() {
        let page = HTMLPage.parse(
            "<form id=login method=post></form>" + String(repeating: "<form id=a></form><input form=zz name=x>", count: 40_000)
                + "<input form=login type=password name=p><input form=login name=u>"
        )
        #expect(page.forms.count == 40_001)
        #expect(page.forms[0].controls.map(\.name) == ["p", "u"])
        // `form=zz` names no form, and none is open: those inputs belong to no form.
        #expect(page.forms.dropFirst().allSatisfy { $0.controls.isEmpty })
    }
}
