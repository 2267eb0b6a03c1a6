import Foundation
import OAuth2
import OAuthCore
import OpenIDConnect

// OpenID Connect RP-Initiated Logout 1.0: the OpenID Foundation's RP-Initiated Logout OP
// modules. Each sends the browser to the end_session_endpoint and reads the verdict from where
// it ends: a redirect to the client's post_logout_redirect_uri, or a page of the provider.
extension ProbeContext {

    func endSession() throws(CheckFailure) -> String? {
        if file.expect.logout == false { return nil }
        guard let url = endpoints.endSession else {
            if file.expect.logout == true {
                throw CheckFailure(reason: "the file expects logout, but there is no end_session_endpoint")
            }
            return nil
        }
        return url
    }

    /// Why the logout checks cannot run, if they cannot: no end_session_endpoint, or no
    /// registered post_logout_redirect_uri to come back to (or to watch for).
    func logoutSkip() throws(CheckFailure) -> CheckVerdict? {
        guard try endSession() != nil else { return .skipped("no end_session_endpoint advertised") }
        guard file.client.postLogoutRedirectURI != nil else {
            return .skipped("the client has no post_logout_redirect_uri in the provider file")
        }
        return nil
    }

    func logoutDiscovery() throws(CheckFailure) -> CheckVerdict {
        guard let url = try endSession() else { return .skipped("no end_session_endpoint advertised") }
        guard let advertised = endpoints.metadata?["end_session_endpoint"]?.stringValue else {
            return .fail("the discovery document has no end_session_endpoint (the provider file names \(url))")
        }
        guard Self.isSecureEndpoint(advertised) else {
            return .fail("end_session_endpoint \(advertised) is not an absolute https URL (RP-Initiated Logout 1.0 §2.1)")
        }
        return .pass("end_session_endpoint \(advertised)\(Self.loopbackNote(advertised))")
    }

    /// The browser sent to the end_session_endpoint with `parameters` (those without a value are
    /// left out), followed until a redirect reaches `target` or it stops at a page.
    mutating func logout(
        _ parameters: [(String, String?)],
        watching target: String,
        step: String = "logout"
    ) async throws(CheckFailure)
        -> ProbeContext.AuthorizationOutcome
    {
        guard let url = try endSession() else { throw CheckFailure(reason: "no end_session_endpoint") }
        let start = URLReference.appending(FormParameters(parameters.compactMap { name, value in value.map { (name, $0) } }), to: url)
        transport.setStep(step)
        let intent = UserAgent.Intent(decision: .approve, username: file.user?.username, password: file.user?.password)
        do {
            let back = try await agent.navigate(from: start, to: target, intent: intent, step: step)
            return .redirected((try? URLReference(back).queryItems()) ?? FormParameters(), url: back)
        } catch {
            return .page(status: error.httpStatus, reason: error.errorDescription ?? error.code.rawValue)
        }
    }

    static func pageText(_ status: Int?, _ reason: String) -> String {
        "stopped at the provider's page\(status.map { " (HTTP \($0))" } ?? ""): \(reason)"
    }

    mutating func logoutRPInitiated() async throws(CheckFailure) -> CheckVerdict {
        if let skip = try logoutSkip() { return skip }
        let target = file.client.postLogoutRedirectURI!
        let login = try await openIDLogin()
        let state = SecureRandom.token(bytes: 8)
        switch try await logout([("id_token_hint", login.idToken), ("post_logout_redirect_uri", target), ("state", state)], watching: target) {
        case .page(let status, let reason):
            return .fail("no redirect to the registered post_logout_redirect_uri; " + Self.pageText(status, reason))
        case .redirected(let back, _):
            guard back["state"] == state else {
                return .fail(back["state"] == nil ? "redirected back without the state" : "redirected back with another state")
            }
        }
        // §2: the OP logs the End-User out: the same browser asking with prompt=none is refused.
        let again = authorization(scope: openIDScope, overrides: ["prompt": "none"])
        switch try await authorize(again, step: "prompt-none-after-logout") {
        case .redirected(let answer, _):
            if answer["code"] != nil { return .fail("redirected back with the state, but the user is still signed in: prompt=none issued a code") }
            return .pass("redirected back with the state; then prompt=none answered \(answer["error"] ?? "no code")")
        case .page(let status, _):
            return .pass("redirected back with the state; then prompt=none issued no code (a page\(status.map { ", HTTP \($0)" } ?? ""))")
        }
    }

    mutating func logoutBadPostLogoutRedirectURI() async throws(CheckFailure) -> CheckVerdict {
        guard try endSession() != nil else { return .skipped("no end_session_endpoint advertised") }
        let login = try await openIDLogin()
        let unregistered = "https://unregistered.oauth-harness.invalid/logged-out"
        let parameters: [(String, String?)] = [
            ("id_token_hint", login.idToken), ("post_logout_redirect_uri", unregistered), ("state", SecureRandom.token(bytes: 8)),
        ]
        switch try await logout(parameters, watching: unregistered) {
        case .redirected: return .fail("the provider redirected to an unregistered post_logout_redirect_uri")
        case .page(let status, _): return .pass("no redirect to an unregistered post_logout_redirect_uri\(status.map { " (HTTP \($0))" } ?? "")")
        }
    }

    /// An ID token of this login with its signature altered (`modified`), or text that is no JWT.
    static func spoiledHint(_ idToken: String, modified: Bool) -> String {
        guard modified else { return "not-a-jwt-" + SecureRandom.token(bytes: 8) }
        var parts = idToken.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[2].count > 4 else { return idToken + "x" }
        var signature = Array(parts[2])
        let middle = signature.count / 2
        signature[middle] = signature[middle] == "A" ? "B" : "A"
        parts[2] = String(signature)
        return parts.joined(separator: ".")
    }

    mutating func logoutBadHint(modified: Bool) async throws(CheckFailure) -> CheckVerdict {
        if let skip = try logoutSkip() { return skip }
        let target = file.client.postLogoutRedirectURI!
        let login = try await openIDLogin()
        let hint = Self.spoiledHint(login.idToken, modified: modified)
        let what = modified ? "an id_token_hint whose signature was altered" : "an id_token_hint that is not a JWT"
        let parameters: [(String, String?)] = [
            ("id_token_hint", hint), ("post_logout_redirect_uri", target), ("state", SecureRandom.token(bytes: 8)),
        ]
        switch try await logout(parameters, watching: target) {
        case .redirected: return .fail("the provider trusted \(what): it redirected to the client's post_logout_redirect_uri")
        case .page(let status, let reason): return .pass("\(what) was not trusted; " + Self.pageText(status, reason))
        }
    }

    mutating func logoutNoIDTokenHint() async throws(CheckFailure) -> CheckVerdict {
        if let skip = try logoutSkip() { return skip }
        let target = file.client.postLogoutRedirectURI!
        _ = try await openIDLogin()
        let state = SecureRandom.token(bytes: 8)
        switch try await logout([("client_id", file.client.clientID), ("post_logout_redirect_uri", target), ("state", state)], watching: target) {
        case .redirected(let back, _):
            guard back["state"] == state else { return .fail("redirected back without the state it was sent") }
            return .pass("logged out back to the registered post_logout_redirect_uri with the state")
        case .page(let status, let reason):
            return .pass("the provider asked or declined without an id_token_hint (§2 allows either); " + Self.pageText(status, reason))
        }
    }

    /// A logout that names no post_logout_redirect_uri must end at the provider, whatever else it carries.
    mutating func logoutStaysAtProvider(hint: Bool, state: Bool) async throws(CheckFailure) -> CheckVerdict {
        if let skip = try logoutSkip() { return skip }
        let registered = file.client.postLogoutRedirectURI!
        let login = try await openIDLogin()
        let parameters: [(String, String?)] = [
            ("id_token_hint", hint ? login.idToken : nil), ("state", state ? SecureRandom.token(bytes: 8) : nil),
        ]
        switch try await logout(parameters, watching: registered) {
        case .redirected:
            return .fail("redirected to the client's post_logout_redirect_uri though the request did not name it")
        case .page(let status, let reason):
            if let status, status >= 500 { return .fail("the provider failed: HTTP \(status): \(reason)") }
            return .pass(Self.pageText(status, reason))
        }
    }

    mutating func logoutNoState() async throws(CheckFailure) -> CheckVerdict {
        if let skip = try logoutSkip() { return skip }
        let target = file.client.postLogoutRedirectURI!
        let login = try await openIDLogin()
        switch try await logout([("id_token_hint", login.idToken), ("post_logout_redirect_uri", target)], watching: target) {
        case .redirected(let back, _):
            guard back["state"] == nil else { return .fail("a state came back though none was sent") }
            return .pass("redirected to the registered post_logout_redirect_uri, no state")
        case .page(let status, let reason):
            return .fail("no redirect to the registered post_logout_redirect_uri without a state; " + Self.pageText(status, reason))
        }
    }

    mutating func logoutQueryAdded() async throws(CheckFailure) -> CheckVerdict {
        if let skip = try logoutSkip() { return skip }
        let registered = file.client.postLogoutRedirectURI!
        let login = try await openIDLogin()
        let added = URLReference.appending(FormParameters([("harness_added", "1")]), to: registered)
        let parameters: [(String, String?)] = [
            ("id_token_hint", login.idToken), ("post_logout_redirect_uri", added), ("state", SecureRandom.token(bytes: 8)),
        ]
        switch try await logout(parameters, watching: registered) {
        case .redirected(_, let url):
            return .fail("the registered URI with a query added was taken as registered: redirected to \(url)")
        case .page(let status, let reason):
            return .pass("not a registered URI (exact comparison); " + Self.pageText(status, reason))
        }
    }
}
