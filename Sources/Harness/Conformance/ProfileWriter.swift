import Crypto
import CryptoExtras
import Foundation
import MockProviders
import OAuthCore

/// `--write-profile NAME`: a mock profile that reproduces what the check saw (its
/// ``ProviderTraits``) — the provider's endpoint paths, scopes, user claims of their types, token
/// lifetime, refresh behaviour, listed grants and methods, and the quirks detected — with the
/// harness's own client credentials, never the provider's secrets. `check --against` the
/// profile then reports no drift until the provider changes.
///
/// Everything the provider supplied is data: the profile is built as a ``ProviderProfile`` and
/// written by its encoder (a YAML emitter, every string double-quoted), and the text must read
/// back as that profile before it is written; a path that is not a URL path is left out, and a claim
/// is left out when its name is a secret's or its value contains any secret the run knows (the
/// client secret, the password, every token and code seen on the wire).
enum ProfileWriter {
    /// The profile, and why some of what the provider answered is not in it.
    struct Written {
        var profile: ProviderProfile
        var comments: [String]
    }

    /// The profile's text, checked to read back as the profile before it is returned.
    static func yaml(name: String, file: ProviderFile, endpoints: ProviderEndpoints, findings: RunFindings) throws -> String {
        let written = profile(name: name, file: file, endpoints: endpoints, findings: findings)
        let text = try written.profile.yaml(comments: written.comments)
        guard written.profile.readsBack(from: text) else {
            throw CheckFailure(reason: "the profile \(name) does not read back as it was written; it was not written")
        }
        return text
    }

    static func profile(name: String, file: ProviderFile, endpoints: ProviderEndpoints, findings: RunFindings) -> Written {
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
        let isOAuth1 = file.protocolKind == .oauth1
        let openID = file.protocolKind == .oidc && endpoints.jwks != nil
        // The endpoints by the names drift compares them under; the key set and the logout
        // endpoint only for an OpenID provider.
        var paths: [String: String] = [:]
        for (key, url) in ProviderTraits.endpointURLs(file, endpoints) where openID || !["jwks", "end_session"].contains(key) {
            paths[key] = path(key, url)
        }
        paths["resource"] = paths["resource"] ?? "/api/me"
        if openID { paths["jwks"] = paths["jwks"] ?? ProviderProfile.defaultJWKSPath }
        // The page the user types a device code on; the provider's is not checked by path.
        if paths["device_authorization"] != nil { paths["device_verification"] = "/device" }
        let client = file.client
        let traits = ProviderTraits(file: file, endpoints: endpoints, findings: findings)
        var registered = ProviderProfile.Client(
            clientID: "harness-client",
            clientSecret: "harness-secret",
            redirectURIs: [client.redirectURI],
            postLogoutRedirectURIs: openID ? [client.postLogoutRedirectURI].compactMap { $0 } : []
        )
        // The client authentication methods the metadata lists (a key of the profile's own for
        // private_key_jwt), so that the mock lists the same.
        if let methods = traits.lists["token_endpoint_auth_methods_supported"] {
            let listed = ProviderProfile.AuthMethod.allCases.filter { methods.contains($0.rawValue) }
            if !listed.isEmpty { registered.authMethods = listed }
            if listed.contains(.privateKeyJWT) { registered.publicKeyPEM = P256.Signing.PrivateKey().publicKey.pemRepresentation }
        }

        let user = testUser(findings, leftOut: &leftOut)
        var profile = ProviderProfile(
            name: name,
            models: "\(file.name) as oauth-harness check saw it at \(endpoints.baseURL)",
            protocolKind: isOAuth1 ? .oauth1 : .oauth2,
            endpoints: ProviderProfile.Endpoints(protocolKind: isOAuth1 ? .oauth1 : .oauth2, paths: paths),
            clients: [registered],
            users: [user]
        )
        if openID {
            // The mock signs with a key of its own, made for this profile (the provider's keys stay
            // private): RS256, which every OpenID provider must offer (Core §15.1).
            let key = (try? _RSA.Signing.PrivateKey(keySize: .bits2048)).map {
                ProviderProfile.OIDCSettings.SigningKey(kid: "written-rs256", alg: .rs256, pem: $0.pemRepresentation)
            }
            profile.oidc = ProviderProfile.OIDCSettings(
                signingKey: key ?? .init(kid: "written-es256", alg: .es256, pem: P256.Signing.PrivateKey().pemRepresentation)
            )
        }
        if !isOAuth1 {
            // The scopes the metadata lists when they include those the file asks for.
            let listed = traits.lists["scopes_supported"].map { $0.sorted() } ?? []
            profile.scopes = Set(file.scope).isSubset(of: listed) ? listed : file.scope
            profile.issueRefreshToken = traits.issuesRefreshToken ?? profile.issueRefreshToken
            profile.refreshTokenRotation = traits.rotatesRefreshToken ?? profile.refreshTokenRotation
            if let lifetime = traits.accessTokenLifetime, lifetime > 0 { profile.accessTokenLifetime = TimeInterval(lifetime) }
            var grants = ProviderProfile.GrantType.allCases.filter { traits.lists["grant_types_supported"]?.contains($0.rawValue) ?? false }
            if !grants.isEmpty {
                // The device grant comes with the device endpoints, and token exchange with its settings.
                grants.removeAll { $0 == .deviceCode }
                if paths["device_authorization"] != nil { grants.append(.deviceCode) }
                if grants.contains(.tokenExchange) { profile.tokenExchange = .init() }
                profile.grantTypes = grants
            } else {
                profile.grantTypes = ProviderProfile.GrantType.defaults(for: profile.endpoints)
            }
            let methods = ProviderProfile.PKCEMethod.allCases.filter {
                traits.lists["code_challenge_methods_supported"]?.contains($0.rawValue) ?? false
            }
            if !methods.isEmpty { profile.pkce.methods = methods }
        }
        profile.quirks = Set(findings.quirks.map(\.quirk))
        var comments = [
            "Written by `oauth-harness check \(file.file) --write-profile \(name)`: the provider's",
            "endpoint paths, scopes, user claims, token lifetime, refresh behaviour, listed grants and methods, and the",
            "quirks the check detected. Credentials are the harness's own. `check --against` this profile reports drift.",
        ]
        if !leftOut.isEmpty { comments.append("Left out: " + leftOut.joined(separator: "; ") + ".") }
        return Written(profile: profile, comments: comments)
    }

    /// The test user as the provider described it (its API or UserInfo), under a sub of its
    /// own: without the claims whose name is a secret's or whose value holds a secret of the run.
    static func testUser(_ findings: RunFindings, leftOut: inout [String]) -> ProviderProfile.User {
        var claims = findings.claims
        func carriesSecret(_ name: String, _ value: JSONValue) -> Bool {
            let text = value.jsonText
            return Redactor.isSecretName(name) || findings.redactor.redact(text) != text
        }
        var sub = claims.removeValue(forKey: "sub")?.stringValue ?? "harness-user"
        if carriesSecret("sub", .string(sub)) {
            leftOut.append("the user's sub (it contained a secret)")
            sub = "harness-user"
        }
        claims["password"] = nil
        var kept: [String: JSONValue] = [:]
        for (name, value) in claims where !carriesSecret(name, value) { kept[name] = value }
        if kept.count < claims.count {
            leftOut.append("\(claims.count - kept.count) claim(s) of the test user (their values contained a secret the run knows)")
        }
        if kept.isEmpty { kept["name"] = "Harness User" }
        return ProviderProfile.User(sub: sub, claims: kept)
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
