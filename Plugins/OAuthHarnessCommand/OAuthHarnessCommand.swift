import Foundation
import PackagePlugin

/// `swift package oauth-harness [ARGUMENTS…]`: runs the `oauth-harness` command line in the
/// package's folder, so a package that depends on this one runs its scenarios (`Scenarios/`,
/// its own `MockProviders/`, reports under `reports/`) without installing anything.
/// The exit status is the command's: 1 when a scenario failed, 2 for bad input.
///
/// The executable is built when the plugin runs, in the package's debug build (what
/// `swift build` already compiled is reused), not declared as a plugin tool: a tool
/// dependency would make every `swift build` compile the whole harness a second time.
@main
struct OAuthHarnessCommand: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let build = try packageManager.build(.product("oauth-harness"), parameters: .init(configuration: .debug, logging: .concise))
        guard build.succeeded,
            let tool = build.builtArtifacts.first(where: { $0.kind == .executable && $0.url.lastPathComponent == "oauth-harness" })
        else {
            Diagnostics.error("building oauth-harness failed:\n\(build.logText)")
            exit(1)
        }
        let process = Process()
        process.executableURL = tool.url
        process.arguments = arguments
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        if process.terminationReason == .exit, process.terminationStatus == 0 { return }
        Diagnostics.error("oauth-harness \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
        exit(process.terminationStatus)
    }
}
