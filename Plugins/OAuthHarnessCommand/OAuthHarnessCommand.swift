import Foundation
import PackagePlugin

/// `swift package oauth-harness [ARGUMENTS…]`: runs the `oauth-harness` command line in the
/// package's folder, so a package that depends on this one runs its scenarios (`Scenarios/`,
/// its own `MockProviders/`, reports under `reports/`) without installing anything.
/// The exit status is the command's: 1 when a scenario failed, 2 for bad input.
@main
struct OAuthHarnessCommand: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "oauth-harness")
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
