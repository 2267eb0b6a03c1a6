/// The release this build is: printed by `oauth-harness --version`. Bump `number` with every
/// release: the CI recipes in docs/ci/ cache the binary under it.
package enum OAuthHarnessVersion {
    package static let number = "0.9.0"

    /// `oauth-harness 0.9.0 (Linux x86_64)`.
    package static var description: String { "oauth-harness \(number) (\(platform))" }

    static var platform: String {
        #if os(Linux)
        let system = "Linux"
        #elseif os(macOS)
        let system = "macOS"
        #else
        let system = "unknown system"
        #endif
        #if arch(x86_64)
        return system + " x86_64"
        #elseif arch(arm64)
        return system + " arm64"
        #else
        return system
        #endif
    }
}
