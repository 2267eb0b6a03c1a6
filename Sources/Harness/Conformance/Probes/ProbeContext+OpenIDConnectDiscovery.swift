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
        return .pass("\(keys.count) public keys, no private members")
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

    /// Whether `url` is an absolute https URL, or http on a loopback host (a local server; said).
    static func isSecureEndpoint(_ url: String) -> Bool {
        let reference = URLReference(url)
        guard let scheme = reference.scheme?.lowercased(), let host = reference.host, !host.isEmpty else { return false }
        return scheme == "https" || (scheme == "http" && LoopbackHost.contains(host))
    }

    /// What a passing verdict adds for an endpoint that is http (on loopback, or it would not pass).
    static func loopbackNote(_ url: String) -> String {
        URLReference(url).scheme?.lowercased() == "http" ? " (http on loopback: a local server)" : ""
    }

    /// The OpenID Foundation's Config OP module: the discovery document as it is served, and the
    /// values OpenID Connect Discovery 1.0 §3, §4 require of it, and its JWKS (RFC 7517).
    mutating func oidccDiscoveryEndpointVerification() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.discovery, let issuer = issuer else {
            return .skipped("no OpenID Connect discovery document was read")
        }
        var failures: [String] = []
        var warnings: [String] = []
        // §4: HTTP 200 with a JSON body.
        let response = try await get(url, headers: ["Accept": "application/json"], step: "discovery")
        if response.status != 200 { failures.append("the document answered HTTP \(response.status) (§4.2: 200)") }
        let type = response.headers["Content-Type"]?.lowercased() ?? ""
        if !type.hasPrefix("application/json") { failures.append("Content-Type \(type.isEmpty ? "absent" : type), not application/json (§4.2)") }
        guard case .object(let document)? = try? JSONValue.parse(response.body) else {
            return .fail((failures + ["the body is not a JSON object"]).joined(separator: "; "))
        }
        func strings(_ member: String) -> [String]? { document[member]?.arrayValue?.compactMap(\.stringValue) }
        // §4.3: the issuer is the URL the document was asked for, without the well-known suffix.
        let expected = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        if url != expected + "/.well-known/openid-configuration" {
            failures.append("the document at \(url) names the issuer \(issuer) (§4.3: issuer + /.well-known/openid-configuration)")
        }
        let issuerURL = URLReference(issuer)
        if !Self.isSecureEndpoint(issuer) || issuerURL.query != nil || issuerURL.fragment != nil {
            failures.append("the issuer \(issuer) is not an https URL without query or fragment (§3)")
        }
        if !(strings("response_types_supported") ?? []).contains("code") { failures.append("response_types_supported lacks code (§3)") }
        if dynamicClient {
            // Core §15.2 for Dynamic OPs (the suite's OIDCCCheckDiscEndpointResponseTypesSupportedDynamic):
            // code, id_token and id_token token; a warning here, since the implicit flows these
            // name are deprecated (RFC 9700 §2.1.2).
            let listed = Set((strings("response_types_supported") ?? []).map { Set($0.split(separator: " ")) })
            let missing = ["id_token", "token id_token"].filter { !listed.contains(Set($0.split(separator: " "))) }
            if !missing.isEmpty {
                warnings.append(
                    "response_types_supported lacks \(missing.joined(separator: " and ")) (Core §15.2 for Dynamic OPs; the suite fails this, the harness warns: the implicit flows are deprecated by RFC 9700 §2.1.2)"
                )
            }
        }
        let subjectTypes = strings("subject_types_supported") ?? []
        if subjectTypes.isEmpty || !Set(subjectTypes).isSubset(of: ["public", "pairwise"]) {
            failures.append(
                "subject_types_supported is \(subjectTypes.isEmpty ? "absent or empty" : subjectTypes.joined(separator: " ")) (§3: public, pairwise)"
            )
        }
        if !(strings("id_token_signing_alg_values_supported") ?? []).contains("RS256") {
            failures.append("id_token_signing_alg_values_supported does not include RS256 (§3: it MUST)")
        }
        if let grants = strings("grant_types_supported"), !grants.contains("authorization_code") {
            failures.append("grant_types_supported lacks authorization_code")
        }
        if let scopes = strings("scopes_supported") {
            if !scopes.contains("openid") { failures.append("scopes_supported lacks openid (§3: it MUST)") }
        } else {
            warnings.append("no scopes_supported (§3: RECOMMENDED)")
        }
        if document["claims_supported"] == nil { warnings.append("no claims_supported (§3: RECOMMENDED)") }
        if document["userinfo_endpoint"] == nil { warnings.append("no userinfo_endpoint (§3: RECOMMENDED)") }
        if let algorithms = strings("request_object_signing_alg_values_supported"), !algorithms.contains("RS256") {
            warnings.append("request_object_signing_alg_values_supported does not include RS256 (§3: SHOULD)")
        }
        // §3: every endpoint is an https URL (http on loopback: a local server).
        for (member, value) in document.sorted(by: { $0.key < $1.key }) where member.hasSuffix("_endpoint") || member == "jwks_uri" {
            guard let endpoint = value.stringValue else {
                failures.append("\(member) is not a string")
                continue
            }
            if !Self.isSecureEndpoint(endpoint) { failures.append("\(member) \(endpoint) is not an https URL") }
        }
        for member in ["authorization_endpoint", "token_endpoint", "jwks_uri"] where document[member] == nil {
            failures.append("no \(member) (§3: REQUIRED)")
        }
        // The JWKS: a keys array whose every key has kty, none private or symmetric (RFC 7517 §5, RFC 7518 §6.3.2.1).
        if let jwks = document["jwks_uri"]?.stringValue {
            let keys = try await getJSON(jwks, step: "jwks")
            if case .array(let items)? = keys["keys"] {
                if items.isEmpty { failures.append("the JWKS has no key") }
                for key in items {
                    let kid = key["kid"]?.stringValue ?? "(no kid)"
                    guard let kty = key["kty"]?.stringValue else {
                        failures.append("the key \(kid) has no kty")
                        continue
                    }
                    if kty == "oct" { failures.append("the key \(kid) is symmetric (kty oct) in a public JWKS") }
                    if let member = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"].first(where: { key[$0] != nil }) {
                        failures.append("the key \(kid) publishes the private member \(member)")
                    }
                }
            } else {
                failures.append("the JWKS has no keys array")
            }
        }
        if !failures.isEmpty { return .fail(failures.joined(separator: "; ")) }
        if !warnings.isEmpty { return .warning(warnings.joined(separator: "; ")) }
        return .pass(
            "served as JSON at issuer + /.well-known/openid-configuration; the required members and values are there; the JWKS holds public keys only\(Self.loopbackNote(issuer))"
        )
    }
}
