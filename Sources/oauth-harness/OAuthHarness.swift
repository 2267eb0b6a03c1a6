import ArgumentParser
import Foundation
import Harness
import NIOCore
import NIOPosix

@main
struct OAuthHarness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oauth-harness",
        abstract: "Run OAuth 2 conformance scenarios against mock providers, and serve the mock providers.",
        discussion: """
            Exit codes: 0 all scenarios passed · 1 some scenario failed · 2 bad invocation or an invalid \
            scenario/profile (the message names file:line:column).
            """,
        version: OAuthHarnessVersion.description,
        subcommands: [Run.self, Check.self, Serve.self, List.self, Validate.self, Merge.self, Init.self, Record.self],
        defaultSubcommand: Run.self
    )

    /// Like ArgumentParser's `main`, but a usage error exits with 2 as the CLI contract says.
    static func main() async {
        // Swift concurrency runs on NIO's event loops: the mock servers and the client do their
        // I/O there, so a request does not hop between thread pools.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Flushes standard output so that line-reading parents (CI, scripts) see lines at once.
func flushStandardOutput() {
    fflush(nil)  // nil flushes every output stream, stdout included
}
