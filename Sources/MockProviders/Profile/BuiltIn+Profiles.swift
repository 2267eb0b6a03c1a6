import Foundation
import HarnessFiles

extension BuiltIn {
    /// The built-in profiles, parsed (they are tested to load).
    package static func profiles() -> (profiles: [ProviderProfile], texts: [String: String], errors: [YAMLLocatedError]) {
        var profiles: [ProviderProfile] = []
        var texts: [String: String] = [:]
        var errors: [YAMLLocatedError] = []
        for (file, text) in BuiltIn.files(in: "MockProviders", suffix: ".yaml")
        where !file.dropFirst(prefix.count).dropFirst("MockProviders/".count).contains("/") {
            do throws(YAMLLocatedError) {
                let profile = try ProviderProfile(yaml: YAMLNode.parse(text, file: file))
                profiles.append(profile)
                texts[profile.name] = text
            } catch {
                errors.append(error)
            }
        }
        return (profiles, texts, errors)
    }
}
