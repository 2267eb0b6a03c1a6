import Foundation
import OAuth2
import OAuthCore
import OpenIDConnect

// OpenID Connect RP-Initiated Logout 1.0.
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

    mutating func logoutEndSessionEndpoint() async throws(CheckFailure) -> CheckVerdict {
        guard let url = try endSession() else { return .skipped("no end_session_endpoint advertised") }
        return .pass("end_session_endpoint \(url)")
    }

    mutating func logout(_ login: OpenIDLogin, to target: String, state: String) async throws(CheckFailure) -> ProbeContext.AuthorizationOutcome {
        guard let url = try endSession() else { throw CheckFailure(reason: "no end_session_endpoint") }
        let start = URLReference.appending(
            FormParameters([
                ("id_token_hint", login.idToken), ("client_id", file.client.clientID), ("post_logout_redirect_uri", target), ("state", state),
            ]),
            to: url
        )
        transport.setStep("logout")
        let intent = UserAgent.Intent(decision: .approve, username: file.user?.username, password: file.user?.password)
        do {
            let back = try await agent.navigate(from: start, to: target, intent: intent, step: "logout")
            return .redirected((try? URLReference(back).queryItems()) ?? FormParameters(), url: back)
        } catch {
            return .page(status: error.httpStatus, reason: error.errorDescription ?? error.code.rawValue)
        }
    }

    mutating func logoutUnregisteredRedirect() async throws(CheckFailure) -> CheckVerdict {
        guard try endSession() != nil else { return .skipped("no end_session_endpoint advertised") }
        let login = try await openIDLogin()
        switch try await logout(login, to: "https://unregistered.oauth-harness.invalid/logged-out", state: SecureRandom.token(bytes: 8)) {
        case .redirected: return .fail("the provider redirected to an unregistered post_logout_redirect_uri")
        case .page(let status, _): return .pass("no redirect to an unregistered post_logout_redirect_uri\(status.map { " (HTTP \($0))" } ?? "")")
        }
    }

    mutating func logoutStateReturned() async throws(CheckFailure) -> CheckVerdict {
        guard try endSession() != nil else { return .skipped("no end_session_endpoint advertised") }
        guard let target = file.client.postLogoutRedirectURI else {
            return .skipped("the client has no post_logout_redirect_uri in the provider file")
        }
        let login = try await openIDLogin()
        let state = SecureRandom.token(bytes: 8)
        switch try await logout(login, to: target, state: state) {
        case .page(let status, let reason):
            return .fail("no redirect to the registered post_logout_redirect_uri\(status.map { " (HTTP \($0))" } ?? ""): \(reason)")
        case .redirected(let parameters, _):
            guard parameters["state"] == state else { return .fail("redirected back without the state") }
            return .pass("redirected to the registered post_logout_redirect_uri with the state")
        }
    }
}
