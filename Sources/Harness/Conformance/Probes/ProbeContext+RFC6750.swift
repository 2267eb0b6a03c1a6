import Foundation
import MockProviders
import OAuth2
import OAuthCore

// RFC 6750 (Bearer Token Usage): how the protected resource takes and refuses tokens.
extension ProbeContext {
    static let noResource = CheckVerdict.skipped("no protected resource (give resource: in the provider file)")

    mutating func resourceBearerHeader() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.resourceOrUserInfo else { return Self.noResource }
        let token = try await signIn().0
        guard let access = token.accessToken else { throw CheckFailure(reason: "no access token") }
        let header = try await get(url, headers: ["Authorization": "Bearer " + access], step: "bearer-header")
        if (200..<300).contains(header.status) {
            findings.saw(claimsIn: header.body)
            return .pass("HTTP \(header.status) with the token in the Authorization header")
        }
        let query = try await get(URLReference.appending(FormParameters([("access_token", access)]), to: url), step: "query-parameter")
        if (200..<300).contains(query.status) {
            findings.saw(claimsIn: query.body)
            findings.detected(
                DetectedQuirk(
                    quirk: .tokenInQueryOnly,
                    evidence: "the resource answered HTTP \(header.status) to the Authorization header and HTTP \(query.status) to ?access_token="
                )
            )
            return explained(
                .fail("the token is accepted only as the access_token query parameter (HTTP \(header.status) with the header)"),
                by: [.tokenInQueryOnly]
            )
        }
        return .fail("HTTP \(header.status) with a fresh token in the Authorization header")
    }

    mutating func resourceNoToken() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.resourceOrUserInfo else { return Self.noResource }
        let response = try await get(url, step: "no-token")
        guard response.status == 401 else { return explainedByQueryOnly(.fail("HTTP \(response.status), expected 401"), status: response.status) }
        guard let challenge = response.headers["WWW-Authenticate"], challenge.lowercased().hasPrefix("bearer") else {
            return .fail("401 without a Bearer WWW-Authenticate challenge")
        }
        return .pass("401, WWW-Authenticate: \(challenge)")
    }

    mutating func resourceInvalidToken() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.resourceOrUserInfo else { return Self.noResource }
        let response = try await get(url, headers: ["Authorization": "Bearer " + Self.invalidCode()], step: "invalid-token")
        guard response.status == 401 else { return explainedByQueryOnly(.fail("HTTP \(response.status), expected 401"), status: response.status) }
        let challenge = response.headers["WWW-Authenticate"] ?? ""
        guard challenge.lowercased().hasPrefix("bearer") else { return .fail("401 without a Bearer WWW-Authenticate challenge") }
        guard challenge.contains("error=\"invalid_token\"") else {
            return .warning("401, but the challenge has no error=\"invalid_token\": \(challenge)")
        }
        return .pass("401, WWW-Authenticate: \(challenge)")
    }

    /// A resource that takes tokens only in the query (Instagram's) refuses a request without
    /// one with HTTP 400, as its own API errors: the quirk explains that, once detected.
    func explainedByQueryOnly(_ verdict: CheckVerdict, status: Int) -> CheckVerdict {
        status == 400 ? explained(verdict, by: [.tokenInQueryOnly]) : verdict
    }
}
