import Foundation
import OAuth2
import OAuthCore
import OpenIDConnect

// OpenID Connect Discovery 1.0 §3 and RFC 7517: the JWKS and what the metadata advertises.
extension ProbeContext {

    mutating func jwksKeys() async throws(CheckFailure) -> [JSONValue] {
        guard let url = endpoints.jwks else { throw CheckFailure(reason: "the discovery document has no jwks_uri") }
        let document = try await getJSON(url, step: "jwks")
        guard case .array(let keys)? = document["keys"] else { throw CheckFailure(reason: "the JWKS has no keys array") }
        return keys
    }

    mutating func jwksNoPrivateKeys() async throws(CheckFailure) -> CheckVerdict {
        let keys = try await jwksKeys()
        let privateMembers = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"]
        for key in keys {
            if let member = privateMembers.first(where: { key[$0] != nil }) {
                return .fail("the key \(key["kid"]?.stringValue ?? "(no kid)") publishes the private member \(member)")
            }
        }
        return .pass("\(keys.count) package keys, no private members")
    }

    mutating func jwksKidsUnique() async throws(CheckFailure) -> CheckVerdict {
        let kids = try await jwksKeys().map { $0["kid"]?.stringValue }
        if kids.count > 1, kids.contains(where: { $0 == nil }) { return .fail("several keys and one without a kid") }
        let named = kids.compactMap { $0 }
        if Set(named).count != named.count { return .fail("a kid is repeated: \(named.joined(separator: ", "))") }
        return .pass("kids: \(named.joined(separator: ", "))")
    }

    mutating func idTokenAlgAdvertised() async throws(CheckFailure) -> CheckVerdict {
        guard let advertised = endpoints.advertised("id_token_signing_alg_values_supported") else {
            return .fail("the discovery document has no id_token_signing_alg_values_supported")
        }
        let login = try await openIDLogin()
        let header = login.idToken.split(separator: ".").first.flatMap { Base64URL.decode(String($0)) }.flatMap { try? JSONValue.parse($0) }
        guard let alg = header?["alg"]?.stringValue else { return .fail("the ID token's header has no alg") }
        guard advertised.contains(alg) else { return .fail("the ID token is signed with \(alg), not among \(advertised.joined(separator: ", "))") }
        return .pass("signed with \(alg), advertised (\(advertised.joined(separator: ", ")))")
    }
}
