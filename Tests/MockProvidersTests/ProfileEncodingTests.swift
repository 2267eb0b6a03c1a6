import Foundation
import HarnessFiles
import Testing
import Yams

@testable import MockProviders

/// The profile format has one reader and one writer: every built-in profile, written and read
/// back, is the profile it was (the file it came from aside).
@Suite struct ProfileEncodingTests {
    @Test func everyBuiltInProfileReadsBackAsItWasWritten() throws {
        let shipped = BuiltIn.profiles()
        #expect(shipped.errors.isEmpty)
        #expect(shipped.profiles.count >= 20)
        for profile in shipped.profiles {
            let text = try profile.yaml(comments: ["written by ProfileEncodingTests"])
            var decoded = try ProviderProfile(yaml: YAMLNode.parse(text, file: "/written/\(profile.name).yaml"))
            decoded.file = profile.file
            #expect(decoded == profile, "\(profile.name)")
        }
    }

    /// Settings no built-in profile uses, each away from its default.
    @Test func everySettingReadsBack() throws {
        for profile in try Self.settingsProfiles() {
            var decoded = try ProviderProfile(yaml: YAMLNode.parse(try profile.yaml(), file: "/written/\(profile.name).yaml"))
            decoded.file = profile.file
            #expect(decoded == profile, "\(profile.name)")
        }
    }

    /// Every key of the format is written by the encoder for some profile (a built-in one or one
    /// of `settingsProfiles`): a key the loader accepts but the encoder drops, or that no test
    /// profile sets, fails here.
    @Test func everyKeyIsWrittenForSomeProfile() throws {
        var seen: [String: Set<String>] = [:]
        func walk(_ node: Yams.Node, _ path: String) {
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    guard let name = key.string else { continue }
                    seen[path, default: []].insert(name)
                    walk(value, (path.isEmpty ? "" : path + "/") + "properties/" + name)
                }
            case .sequence(let sequence):
                for item in sequence { walk(item, path + "/items") }
            default:
                break
            }
        }
        for profile in BuiltIn.profiles().profiles + (try Self.settingsProfiles()) {
            walk(try #require(try Yams.compose(yaml: try profile.yaml())), "")
        }
        for (path, keys) in ProviderProfile.Keys.bySchemaPath {
            #expect(
                seen[path, default: []] == Set(keys),
                "\(path.isEmpty ? "top level" : path): never written: \(Set(keys).subtracting(seen[path, default: []]).sorted())"
            )
        }
        #expect(seen["properties/endpoints", default: []] == Set(ProviderProfile.Keys.oauth1Endpoints + ProviderProfile.Keys.oauth2Endpoints))
    }

    /// Profiles that set what no built-in profile sets, each away from its default.
    static func settingsProfiles() throws -> [ProviderProfile] {
        var oauth2 = try ProviderProfile.named("standard-oauth2")
        oauth2.faults = [Fault(kind: .status, path: "/oauth2/token", status: 429, count: 2), Fault(kind: .latency, milliseconds: 40)]
        oauth2.clients[0].requirePKCE = true
        oauth2.clients[0].authMethods = [.clientSecretPost]
        oauth2.codeLifetime = 1.5
        oauth2.refreshTokenLifetime = 86400
        oauth2.grantTypes = [.authorizationCode]
        (oauth2.endpoints[.deviceAuthorization], oauth2.endpoints[.deviceVerification], oauth2.tokenExchange) = (nil, nil, nil)
        oauth2.pkce = ProviderProfile.PKCEPolicy(required: true, methods: [.s256])
        oauth2.issueRefreshToken = false
        oauth2.refreshTokenRotation = false
        oauth2.defaultScope = ["profile", "email"]
        oauth2.login = ProviderProfile.LoginPages(pages: .identifierFirst, csrf: false, consent: false)
        var oauth1 = try ProviderProfile.named("twitter-style-oauth1")
        oauth1.oauth1 = ProviderProfile.OAuth1Settings(signatureMethods: [.plaintext], signatureTypes: [.query, .header], timestampWindow: 42)
        oauth2.accessTokenLifetime = 120
        var openID = try ProviderProfile.named("google-style-oidc")
        openID.oidc?.idTokenLifetime = 600
        openID.autoApprove = true
        let keys = try #require(openID.oidc?.signingKeys)
        var active = keys[1]
        active.kid = "at-ec"
        var standby = keys[0]
        (standby.kid, standby.standby) = ("at-rsa-next", true)
        openID.accessTokens = ProviderProfile.AccessTokenSettings(format: .jwt, alg: .es256, signingKeys: [active, standby])
        return [oauth2, oauth1, openID]
    }

    /// What a provider could put in a string stays data: line breaks, quotes, YAML indicators
    /// and keys-looking text, in values and in claim names.
    @Test func hostileTextStaysData() throws {
        var profile = try ProviderProfile.named("standard-oauth2")
        profile.models = "x\nauto_approve: true"
        profile.scopes = ["a: b", "- c", "#d", "'e'", "\"f\"", "&g *h !!i", "yes", "0x1F", ""]
        profile.users[0].claims["weird: key\n"] = "v\n  evil: 1"
        profile.users[0].claims["name"] = "|\n> folded"
        profile.users[0].claims["yes"] = "no"
        profile.users[0].claims["1"] = "true"
        let text = try profile.yaml()
        let root = try #require(try Yams.compose(yaml: text))
        #expect(root.mapping?["auto_approve"] == nil)
        #expect(text.contains("\"yes\": \"no\"") && text.contains("\"1\": \"true\""))
        var decoded = try ProviderProfile(yaml: YAMLNode.parse(text, file: "/written/hostile.yaml"))
        decoded.file = profile.file
        #expect(decoded == profile)
        #expect(!decoded.autoApprove)
    }

    /// The JSON Schema for profiles names exactly the keys the loader reads (and so the writer),
    /// section by section, and refuses any other.
    @Test func theSchemaNamesTheLoadersKeys() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/docs/schema/profile.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var sections: [String: [String: Any]] = [:]
        func walk(_ node: Any, _ path: String) {
            guard let object = node as? [String: Any] else { return }
            if object["properties"] is [String: Any], !path.hasPrefix("allOf") { sections[path] = object }
            for (key, child) in object { walk(child, path.isEmpty ? key : path + "/" + key) }
        }
        walk(schema, "")
        #expect(Set(sections.keys) == Set(ProviderProfile.Keys.bySchemaPath.keys), "sections differ")
        for (path, keys) in ProviderProfile.Keys.bySchemaPath {
            let section = try #require(sections[path], "no \(path) in the schema")
            let named = Set(try #require(section["properties"] as? [String: Any]).keys)
            #expect(named == Set(keys), "\(path): differ in \(named.symmetricDifference(keys).sorted())")
            #expect(section["additionalProperties"] as? Bool == false, "\(path) must refuse other keys")
        }
        let endpoints = try #require((schema["properties"] as? [String: Any])?["endpoints"] as? [String: Any])
        let names = try #require((endpoints["propertyNames"] as? [String: Any])?["enum"] as? [String])
        #expect(Set(names) == Set(ProviderProfile.Keys.oauth1Endpoints + ProviderProfile.Keys.oauth2Endpoints))
    }
}
