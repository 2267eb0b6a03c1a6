import Foundation
import MockProviders
import OAuth2
import OAuthCore

// RFC 7009 (Token Revocation), and the optional-endpoint rule RFC 7009 and RFC 7662 share.
extension ProbeContext {
    func optionalEndpoint(_ url: String?, expected: Bool?, _ what: String) throws(CheckFailure) -> String? {
        if expected == false { return nil }
        guard let url else {
            if expected == true { throw CheckFailure(reason: "the provider file expects \(what), but no \(what) endpoint is known") }
            return nil
        }
        return url
    }

    mutating func revocation() async throws(CheckFailure) -> CheckVerdict {
        guard let url = try optionalEndpoint(endpoints.revoke, expected: file.expect.revocation, "revocation") else {
            return .skipped("no revocation endpoint")
        }
        _ = try await baseline()
        let (token, _) = try await signIn()
        guard let access = token.accessToken else { throw CheckFailure(reason: "no access token") }
        let revoked = try await tokenRequest([("token", access), ("token_type_hint", "access_token")], url: url, step: "revoke")
        guard revoked.status == 200 else { return .fail("revoking a valid token answered HTTP \(revoked.status)") }
        let unknown = try await tokenRequest([("token", Self.invalidCode())], url: url, step: "revoke-unknown")
        guard unknown.status == 200 else { return .fail("revoking an unknown token answered HTTP \(unknown.status), expected 200 (§2.2)") }
        if let introspect = endpoints.introspect {
            let answer = try await tokenRequest([("token", access)], url: introspect, step: "introspect-revoked")
            if answer.raw["active"] == .bool(true) { return .fail("the revoked token is still active at the introspection endpoint") }
        } else if let resource = endpoints.resourceOrUserInfo {
            let response = try await get(resource, headers: ["Authorization": "Bearer " + access], step: "use-revoked")
            if (200..<300).contains(response.status) { return .fail("the revoked token still reads the protected resource") }
        }
        return .pass("revoked (200), no longer accepted; an unknown token is 200 too")
    }
}
