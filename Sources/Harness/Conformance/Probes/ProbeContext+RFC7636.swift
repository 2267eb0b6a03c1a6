import Foundation
import MockProviders
import OAuth2
import OAuthCore

// RFC 7636 (PKCE): S256 verified, wrong or missing verifiers refused, plain refused, PKCE required.
extension ProbeContext {

    mutating func pkceS256() async throws(CheckFailure) -> CheckVerdict {
        if let methods = endpoints.advertised("code_challenge_methods_supported"), !methods.contains("S256") {
            return .fail("code_challenge_methods_supported is \(methods) without S256")
        }
        let (answer, _) = try await signIn(step: "pkce-s256")
        return .pass("a code with an S256 challenge exchanged with its verifier: \(Self.describe(answer))")
    }

    mutating func pkceWrongVerifier() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        let request = authorization()
        let code = try await code(request)
        let answer = try await exchange(code, request, verifier: .some(PKCE.generateVerifier()), step: "wrong-verifier")
        if answer.succeeded { return .fail("a wrong code_verifier was accepted (the code_challenge was ignored)") }
        return judgeError(answer, expected: ["invalid_grant"])
    }

    mutating func pkceMissingVerifier() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        let request = authorization()
        let code = try await code(request)
        let answer = try await exchange(code, request, verifier: .some(nil), step: "no-verifier")
        if answer.succeeded { return .fail("a code bound to a challenge was exchanged without a code_verifier") }
        return judgeError(answer, expected: ["invalid_grant", "invalid_request"])
    }

    mutating func pkcePlainRefused() async throws(CheckFailure) -> CheckVerdict {
        guard let methods = endpoints.advertised("code_challenge_methods_supported") else {
            return .skipped("the metadata has no code_challenge_methods_supported")
        }
        guard !methods.contains("plain") else { return .skipped("the provider advertises plain (\(methods.joined(separator: ", ")))") }
        _ = try await baseline()
        let request = authorization(pkce: .plain)
        switch try await authorize(request, step: "pkce-plain") {
        case .page(let status, _):
            return .pass("refused at the authorization endpoint\(status.map { " (HTTP \($0))" } ?? "")")
        case .redirected(let parameters, _):
            if let error = parameters["error"] { return .pass("refused at the authorization endpoint: error \(error)") }
            guard let code = parameters["code"] else { return .pass("no code issued") }
            let answer = try await exchange(code, request, step: "pkce-plain")
            if answer.succeeded { return .fail("a plain challenge was accepted though only \(methods.joined(separator: ", ")) is advertised") }
            return .pass("refused at the token endpoint: \(Self.describe(answer))")
        }
    }

    mutating func pkceRequired() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        let request = authorization(pkce: nil)
        switch try await authorize(request, step: "no-pkce") {
        case .page(let status, _):
            return .pass("refused without a code_challenge\(status.map { " (HTTP \($0))" } ?? "")")
        case .redirected(let parameters, _):
            if let error = parameters["error"] { return .pass("refused without a code_challenge: error \(error)") }
            return .fail("a code was issued for a request without a code_challenge")
        }
    }
}
