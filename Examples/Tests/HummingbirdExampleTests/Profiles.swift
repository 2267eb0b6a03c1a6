import Foundation
import MockProviders

/// The repository root (this file is Examples/Tests/HummingbirdExampleTests/Profiles.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A built-in mock profile from the repository's MockProviders folder.
func profile(_ name: String) throws -> ProviderProfile {
    try ProviderProfile.load(contentsOf: repositoryRoot + "/MockProviders/\(name).yaml")
}
