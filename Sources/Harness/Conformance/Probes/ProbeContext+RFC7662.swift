import Foundation
import MockProviders
import OAuth2
import OAuthCore

// RFC 7662 (Token Introspection).
extension ProbeContext {
    mutating func introspection() async throws(CheckFailure) -> CheckVerdict {
        guard let url = try optionalEndpoint(endpoints.introspect, expected: file.expect.introspection, "introspection") else {
            return .skipped("no introspection endpoint")
        }
        _ = try await baseline()
        let (token, _) = try await signIn()
        guard let access = token.accessToken else { throw CheckFailure(reason: "no access token") }
        let active = try await tokenRequest([("token", access)], url: url, step: "introspect")
        guard active.status == 200, active.isJSON else { return .fail("introspecting a valid token answered \(Self.describe(active))") }
        guard active.raw["active"] == .bool(true) else { return .fail("a fresh access token is not active") }
        let inactive = try await tokenRequest([("token", Self.invalidCode())], url: url, step: "introspect-invalid")
        guard inactive.status == 200, inactive.raw["active"] == .bool(false) else {
            return .fail("an invalid token was not answered {\"active\": false} with HTTP 200 (\(Self.describe(inactive)))")
        }
        let members = active.raw.keys.sorted().joined(separator: ", ")
        return .pass("active: true with \(members); an invalid token is active: false")
    }
}
