import Foundation
import MockProviders
import OAuthCore

/// What a run saw a provider do, in the terms a mock profile plays it: its endpoint paths, the
/// quirks detected, the test user's claims and their JSON types, its tokens' lifetime and
/// refresh behaviour, and the grants, client authentication and PKCE methods and scopes its
/// metadata lists. `--write-profile` writes a profile from these; `--against PROFILE` sees them
/// for the provider and for the profile (served as a mock, checked by the same plans) and
/// reports every difference as drift.
package struct ProviderTraits: Sendable, Equatable {
    /// Endpoint name (the profile's key) → path.
    var endpoints: [String: String] = [:]
    /// Whether the provider publishes an RFC 8414 or OpenID Connect metadata document.
    var publishesMetadata = false
    var quirks: Set<Quirk> = []
    /// Claim name → JSON type (`string`, `number`, `boolean`, `array`, `object`, `null`).
    var claims: [String: String] = [:]
    /// `expires_in` (or Facebook's `expires`) of the authorization-code grant's answer, seconds.
    var accessTokenLifetime: Int?
    /// Whether the authorization-code grant's answer carried a refresh token.
    var issuesRefreshToken: Bool?
    /// Whether a refresh answered a new refresh token (rotation); `nil` when no check refreshed.
    var rotatesRefreshToken: Bool?
    /// Metadata list → the values the mocks can play.
    var lists: [String: Set<String>] = [:]
    /// Metadata list → the values it names that no mock can play (not compared, said).
    var unplayable: [String: Set<String>] = [:]

    /// The metadata lists compared, with the values a mock profile can play in each (`nil`: any).
    static let comparedLists: [(member: String, vocabulary: Set<String>?)] = [
        ("grant_types_supported", Set(ProviderProfile.GrantType.allCases.map(\.rawValue))),
        ("token_endpoint_auth_methods_supported", Set(ProviderProfile.AuthMethod.allCases.map(\.rawValue))),
        ("code_challenge_methods_supported", Set(ProviderProfile.PKCEMethod.allCases.map(\.rawValue))),
        ("scopes_supported", nil),
    ]

    /// At most this many values of one metadata list are kept (a hostile provider's list is long).
    static let listLimit = 100

    /// The traits of one run: `endpoints` as the run resolved them, the rest from its findings.
    init(file: ProviderFile, endpoints: ProviderEndpoints, findings: RunFindings) {
        for (name, url) in Self.endpointURLs(file, endpoints) {
            guard let url else { continue }
            let path = URLReference(url).path
            self.endpoints[name] = path.isEmpty ? "/" : path
        }
        publishesMetadata = endpoints.metadata != nil
        quirks = Set(findings.quirks.map(\.quirk))
        claims = findings.claims.mapValues(Self.typeName)
        if case .success(let baseline)? = findings.baseline {
            let token = baseline.answer.token
            // A 0 with zero_expires_in_null_scope says no lifetime (the quirk is the difference).
            accessTokenLifetime = (token["expires_in"] ?? token["expires"]).flatMap(Self.seconds)
            if quirks.contains(.zeroExpiresInNullScope), accessTokenLifetime == 0 { accessTokenLifetime = nil }
            issuesRefreshToken = baseline.answer.refreshToken != nil
        }
        rotatesRefreshToken = findings.refreshRotation
        for (member, vocabulary) in Self.comparedLists {
            guard case .array(let items)? = endpoints.metadata?[member] else { continue }
            let values = Set(items.prefix(Self.listLimit).compactMap(\.stringValue))
            lists[member] = vocabulary.map(values.intersection) ?? values
            if let vocabulary, !values.subtracting(vocabulary).isEmpty { unplayable[member] = values.subtracting(vocabulary) }
        }
    }

    init() {}

    /// The endpoints by the name a profile gives them (`access_token` is OAuth 1's token endpoint).
    static func endpointURLs(_ file: ProviderFile, _ endpoints: ProviderEndpoints) -> [(String, String?)] {
        if file.protocolKind == .oauth1 {
            return [
                ("request_token", endpoints.requestToken), ("authorize", endpoints.authorize), ("access_token", endpoints.token),
                ("resource", endpoints.resourceOrUserInfo),
            ]
        }
        return [
            ("authorize", endpoints.authorize), ("token", endpoints.token), ("revoke", endpoints.revoke),
            ("introspect", endpoints.introspect), ("resource", endpoints.resourceOrUserInfo), ("jwks", endpoints.jwks),
            ("end_session", endpoints.endSession), ("par", endpoints.par), ("device_authorization", endpoints.deviceAuthorization),
            ("registration", endpoints.registration),
        ]
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .array: "array"
        case .object: "object"
        case .null: "null"
        }
    }

    /// A lifetime as a number or a numeric string (`expires_in_as_string`).
    static func seconds(_ value: JSONValue) -> Int? {
        switch value {
        case .number(let number): number.int64.map { Int(clamping: $0) }
        case .string(let text): Int(text.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    // MARK: Drift

    /// One difference between what the provider does and what the profile plays.
    package struct Difference: Sendable, Equatable {
        /// `endpoints`, `quirks`, `claims`, `tokens` or `grants and methods`.
        package var dimension: String
        package var subject: String
        package var provider: String
        package var profile: String

        package var detail: String { "\(subject) — the provider: \(provider); the profile: \(profile)" }
        package var line: String { "\(dimension): \(detail)" }
    }

    static let dimensions = ["endpoints", "quirks", "claims", "tokens", "grants and methods"]

    /// Every difference of `profile` from `provider`, by dimension, then by subject.
    static func drift(provider: ProviderTraits, profile: ProviderTraits) -> [Difference] {
        var found: [Difference] = []
        func add(_ dimension: String, _ subject: String, _ provider: String, _ profile: String) {
            found.append(Difference(dimension: dimension, subject: subject, provider: provider, profile: profile))
        }
        for name in Set(provider.endpoints.keys).union(profile.endpoints.keys).sorted() where provider.endpoints[name] != profile.endpoints[name] {
            add("endpoints", name, provider.endpoints[name] ?? "none", profile.endpoints[name] ?? "none")
        }
        for quirk in provider.quirks.union(profile.quirks).sorted(by: { $0.rawValue < $1.rawValue }) {
            let (seen, played) = (provider.quirks.contains(quirk), profile.quirks.contains(quirk))
            if seen != played { add("quirks", quirk.rawValue, seen ? "shows it" : "does not show it", played ? "plays it" : "does not play it") }
        }
        // The mocks always answer sub; a provider whose API leaves it out (GitHub's /user) is not
        // compared on it.
        let claimNames = Set(provider.claims.keys).union(profile.claims.keys).subtracting(provider.claims["sub"] == nil ? ["sub"] : [])
        for name in claimNames.sorted() where provider.claims[name] != profile.claims[name] {
            add("claims", name, provider.claims[name].map { "a \($0)" } ?? "no such claim", profile.claims[name].map { "a \($0)" } ?? "no such claim")
        }
        if let seen = provider.accessTokenLifetime, let played = profile.accessTokenLifetime, !sameLifetime(seen, played) {
            add("tokens", "access token lifetime (expires_in)", "\(seen) s", "\(played) s")
        }
        if let seen = provider.issuesRefreshToken, let played = profile.issuesRefreshToken, seen != played {
            add("tokens", "refresh token with the code grant", seen ? "issued" : "none", played ? "issued" : "none")
        }
        if let seen = provider.rotatesRefreshToken, let played = profile.rotatesRefreshToken, seen != played {
            add("tokens", "refresh token rotation", seen ? "rotates" : "keeps the refresh token", played ? "rotates" : "keeps the refresh token")
        }
        if provider.publishesMetadata, profile.publishesMetadata {
            // A list the provider leaves out is not compared (the mocks list every one).
            for (member, _) in comparedLists {
                guard let seen = provider.lists[member], seen != profile.lists[member] else { continue }
                func describe(_ values: Set<String>?) -> String {
                    values.map { $0.isEmpty ? "none" : $0.sorted().joined(separator: " ") } ?? "not listed"
                }
                add("grants and methods", member, describe(seen), describe(profile.lists[member]))
            }
        }
        return found
    }

    /// Lifetimes count as the same within 60 s or 5 %, whichever is larger (a provider may answer
    /// what is left of a cached token's lifetime).
    static func sameLifetime(_ a: Int, _ b: Int) -> Bool {
        abs(a - b) <= max(60, max(a, b) / 20)
    }

    /// What was not compared, and why (said in the report, never drift).
    static func notCompared(provider: ProviderTraits, profile: ProviderTraits) -> [String] {
        var notes: [String] = []
        if !provider.publishesMetadata {
            notes.append("grants and methods: the provider publishes no metadata document, so its lists were not compared")
        }
        if provider.publishesMetadata {
            let unlisted = comparedLists.map(\.member).filter { provider.lists[$0] == nil }
            if !unlisted.isEmpty { notes.append("grants and methods: the provider's metadata does not list \(unlisted.joined(separator: ", "))") }
        }
        for (member, values) in provider.unplayable.sorted(by: { $0.key < $1.key }) {
            notes.append("\(member): \(values.sorted().joined(separator: " ")) — no mock profile plays these")
        }
        if provider.claims["sub"] == nil, !provider.claims.isEmpty {
            notes.append("claims: the provider's answer has no sub (the mocks always give one), so sub was not compared")
        }
        for (side, traits) in [("the provider", provider), ("the profile", profile)]
        where traits.issuesRefreshToken != nil && traits.accessTokenLifetime == nil {
            notes.append("tokens: \(side) gives no access token lifetime, so lifetimes were not compared")
        }
        if provider.rotatesRefreshToken == nil || profile.rotatesRefreshToken == nil {
            notes.append("refresh token rotation: no check refreshed a token on both sides")
        }
        return notes
    }
}
