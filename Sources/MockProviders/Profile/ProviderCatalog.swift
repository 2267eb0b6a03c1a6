import Foundation
import HarnessFiles
import OAuthCore

/// All profiles of a folder and the built-in ones, by name.
public struct ProviderCatalog: Sendable {
    /// The profiles by name.
    public let profiles: [String: ProviderProfile]
    /// Profiles of the folder that replace a built-in one of the same name with other content.
    public var overrides: [String] = []

    /// A catalog of `profiles`; of two with one name, the first is kept.
    ///
    /// - Parameter profiles: the profiles.
    public init(profiles: [ProviderProfile]) {
        self.profiles = Dictionary(profiles.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The profiles' names, sorted.
    public var names: [String] { profiles.keys.sorted() }

    /// The profile with this name, or `nil`.
    ///
    /// - Parameter name: the profile's name.
    public subscript(name: String) -> ProviderProfile? { profiles[name] }

    /// Loads every `*.yaml`/`*.yml` file in `directory` (none when it does not exist), then the
    /// built-in profiles whose names the folder does not use. Two files with one name is an error.
    ///
    /// - Parameters:
    ///   - directory: the folder of profile files.
    ///   - builtIns: whether to add the built-in profiles.
    /// - Throws: `YAMLLocatedError` for the first profile that does not load, or
    ///   whose name another file of the folder already uses.
    public static func load(directory: String, builtIns: Bool = true) throws(YAMLLocatedError) -> ProviderCatalog {
        let (catalog, errors) = loadAll(directory: directory, builtIns: builtIns)
        if let first = errors.first { throw first }
        return catalog
    }

    /// Every profile of `directory` that loads, and an error for every one that does not
    /// (so `validate` reports them all, not just the first), plus the built-in profiles the
    /// folder does not replace.
    package static func loadAll(directory: String, builtIns: Bool = true) -> (catalog: ProviderCatalog, errors: [YAMLLocatedError]) {
        var (local, errors) = loadFolder(directory)
        guard builtIns else { return (local, errors) }
        let shipped = BuiltIn.profiles()
        errors += shipped.errors
        var profiles = Array(local.profiles.values)
        var overrides: [String] = []
        for profile in shipped.profiles {
            guard let mine = local.profiles[profile.name] else {
                profiles.append(profile)
                continue
            }
            let text = FileManager.default.contents(atPath: mine.file).map { String(decoding: $0, as: UTF8.self) }
            if text != shipped.texts[profile.name] { overrides.append(profile.name) }
        }
        local = ProviderCatalog(profiles: profiles)
        local.overrides = overrides.sorted()
        return (local, errors)
    }

    static func loadFolder(_ directory: String) -> (catalog: ProviderCatalog, errors: [YAMLLocatedError]) {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var profiles: [ProviderProfile] = []
        var errors: [YAMLLocatedError] = []
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file)
            do throws(YAMLLocatedError) {
                let profile = try ProviderProfile.load(contentsOf: path)
                if let other = profiles.first(where: { $0.name == profile.name }) {
                    throw YAMLLocatedError(file: path, line: 1, column: 1, message: "profile name \"\(profile.name)\" is also used by \(other.file)")
                }
                profiles.append(profile)
            } catch {
                errors.append(error)
            }
        }
        return (ProviderCatalog(profiles: profiles), errors)
    }
}
