import Crypto
import Foundation
import MockProviders
import OAuthCore

/// `--write-profile NAME`: a mock profile that reproduces what the check saw — the provider's
/// endpoint paths, scopes and user claims, and the quirks detected — with the harness's own
/// client credentials, never the provider's secrets.
///
/// Everything the provider supplied is data: the profile is emitted by ``ProfileYAML`` (a YAML
/// emitter, every string double-quoted), a path that is not a URL path is left out, and a claim
/// is left out when its name is a secret's or its value contains any secret the run knows (the
/// client secret, the password, every token and code seen on the wire).
enum ProfileWriter {
    /// What is written, and why some of what the provider answered was not.
    struct Written {
        var document: [(String, ProfileYAML.Value)]
        var comments: [String]
    }

    static func yaml(name: String, provider: ResolvedProvider, findings: RunFindings) throws -> String {
        let written = document(name: name, provider: provider, findings: findings)
        return try ProfileYAML.encode(written.document, comments: written.comments)
    }

    static func document(name: String, provider: ResolvedProvider, findings: RunFindings) -> Written {
        var leftOut: [String] = []
        func path(_ key: String, _ url: String?) -> String? {
            guard let url else { return nil }
            let reference = URLReference(url)
            let path = reference.path.isEmpty ? "/" : reference.path
            guard isURLPath(path) else {
                leftOut.append("the \(key) endpoint (its path is not a URL path)")
                return nil
            }
            return path
        }
        let endpoints = provider.endpoints
        let isOAuth1 = provider.underCheck.isOAuth1
        var paths: [(String, String?)] = [("authorize", path("authorize", endpoints.authorize))]
        if isOAuth1 {
            paths += [("request_token", path("request_token", endpoints.requestToken)), ("access_token", path("access_token", endpoints.token))]
        } else {
            paths += [
                ("token", path("token", endpoints.token)), ("revoke", path("revoke", endpoints.revoke)),
                ("introspect", path("introspect", endpoints.introspect)),
            ]
        }
        paths.append(("resource", path("resource", endpoints.resource ?? provider.userinfo) ?? "/api/me"))
        let openID = !isOAuth1 && provider.isOpenID && provider.jwksURI != nil
        if openID {
            paths += [
                ("jwks", path("jwks", provider.jwksURI) ?? ProviderProfile.defaultJWKSPath),
                ("end_session", path("end_session", provider.endSession)),
            ]
        }
        let client = provider.client
        var registered: [(String, ProfileYAML.Value)] = [
            ("client_id", .text("harness-client")), ("client_secret", .text("harness-secret")),
            ("redirect_uris", .list([.text(client.redirectURI)])),
        ]
        if let logout = client.postLogoutRedirectURI, openID { registered.append(("post_logout_redirect_uris", .list([.text(logout)]))) }

        // The test user as the provider described it (its API or UserInfo), under a sub of its own.
        var claims = findings.claims
        let redactor = findings.redactor
        func carriesSecret(_ name: String, _ value: String) -> Bool {
            Redactor.isSecretName(name) || redactor.replaceSecrets(in: value) != value || Redactor.maskNamedValues(in: value) != value
        }
        var sub = claims.removeValue(forKey: "sub") ?? "harness-user"
        if carriesSecret("sub", sub) {
            leftOut.append("the user's sub (it contained a secret)")
            sub = "harness-user"
        }
        claims["password"] = nil
        var user: [(String, ProfileYAML.Value)] = [("sub", .text(sub))]
        var withheld = 0
        for (name, value) in claims.sorted(by: { $0.key < $1.key }) {
            if carriesSecret(name, value) {
                withheld += 1
                continue
            }
            user.append((name, .text(value)))
        }
        if withheld > 0 { leftOut.append("\(withheld) claim(s) of the test user (their values contained a secret the run knows)") }
        if user.count == 1 { user.append(("name", .text("Harness User"))) }

        let models = "\(provider.underCheck.name) as oauth-harness check saw it at \(endpoints.baseURL)"
        var document: [(String, ProfileYAML.Value)] = [
            ("name", .text(name)), ("models", .text(models)), ("protocol", .text(isOAuth1 ? "oauth1" : "oauth2")),
            ("endpoints", .map(paths.compactMap { key, value in value.map { (key, .text($0)) } })),
            ("clients", .list([.map(registered)])),
            ("users", .list([.map(user)])),
        ]
        if openID {
            // The mock signs with a key of its own, made for this profile (the provider's keys stay private).
            let key: [(String, ProfileYAML.Value)] = [
                ("kid", .text("written-es256")), ("alg", .text("ES256")), ("private_key", .block(P256.Signing.PrivateKey().pemRepresentation)),
            ]
            document.append(("oidc", .map([("id_token_alg", .text("ES256")), ("signing_keys", .list([.map(key)]))])))
        }
        if !isOAuth1 {
            document.append(("scopes", .list(provider.scope.map(ProfileYAML.Value.text))))
            if case .success(let baseline)? = findings.baseline { document.append(("refresh_tokens", .flag(baseline.answer.refreshToken != nil))) }
        }
        document.append(("quirks", .list(findings.quirks.map { .text($0.quirk.rawValue) })))
        var comments = [
            "Written by `oauth-harness check \(provider.underCheck.file) --write-profile \(name)`: the provider's",
            "endpoint paths and scopes, and the quirks the check detected. Credentials are the harness's own.",
        ]
        if !leftOut.isEmpty { comments.append("Left out: " + leftOut.joined(separator: "; ") + ".") }
        return Written(document: document, comments: comments)
    }

    /// Whether `path` is an absolute URL path (RFC 3986 §3.3): `/` then path characters and
    /// percent-escapes, nothing else (no white space, no control character, no quote).
    static func isURLPath(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        return path.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "-._~!$&'()*+,;=:@/%".utf8.contains(byte)
            }
        }
    }
}
