import ArgumentParser
import Foundation
import Harness
import Logging
import MockProviders
import OAuthCore
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve mock providers until SIGINT or SIGTERM.",
        discussion: """
            Prints one line "<profile> <base-url>" per profile on standard output once all are listening, \
            then serves until interrupted and shuts down cleanly. Servers bind to loopback only. \
            With --port P and several profiles, the i-th profile listens on P+i.
            """
    )

    @Argument(help: "Profile names to serve (default: all in the profiles folder).")
    var names: [String] = []

    @Option(help: "Loopback address to bind: 127.0.0.1 (default), another 127.x.y.z, or ::1.")
    var host = "127.0.0.1"

    @Option(help: "Port for the first profile; 0 picks free ephemeral ports.")
    var port = 0

    @Option(help: "Folder of provider profiles; they add to the built-in ones and replace one of the same name.")
    var profiles = "MockProviders"

    @Flag(
        help: ArgumentHelp(
            "Approve every authorization request at once: GET on the authorization endpoint redirects back with a code.",
            discussion: """
                The code is for the profile's first user, or the user that login_hint names. POST decision=deny to /_harness/next-decision to deny the next request instead (access_denied). Same as auto_approve: true in a profile.
                """
        )
    )
    var autoApprove = false

    func validate() throws {
        guard LoopbackHost.contains(host) else {
            throw ValidationError("--host must be a loopback address (127.x.y.z or ::1); the mock providers never listen elsewhere")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    }

    mutating func run() async throws {
        // SIGINT/SIGTERM end `serve` with status 0 whenever they arrive: before the listeners
        // are up there is nothing to close; after, the service group closes them first.
        let stop = StopSignals()
        let catalog: ProviderCatalog
        do {
            catalog = try ProviderCatalog.load(directory: profiles)
            for name in catalog.overrides { printError("note: the profile \(name) in \(profiles) replaces the built-in one") }
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        let selected = names.isEmpty ? catalog.names : names
        var chosen: [ProviderProfile] = []
        for name in selected {
            guard let profile = catalog[name] else {
                printError("error: unknown profile \(name); known: \(catalog.names.joined(separator: ", "))")
                throw ExitCode(2)
            }
            var served = profile
            if autoApprove, served.protocolKind == .oauth2 {
                served.autoApprove = true
                served.login = nil
                served.loginForm = false
            }
            chosen.append(served)
        }
        guard !chosen.isEmpty else {
            printError("error: no profiles in \(profiles)")
            throw ExitCode(2)
        }
        var logger = Logger(label: "oauth-harness.serve")
        logger.logLevel = .warning
        let (bound, continuation) = AsyncStream<(Int, Int)>.makeStream()
        let host = self.host == "localhost" ? "127.0.0.1" : self.host
        let firstPort = port
        let services: [any Service] = chosen.enumerated().map { index, profile in
            MockProviderServer.application(
                for: MockProviderServer.handler(for: profile),
                host: host,
                port: firstPort == 0 ? 0 : firstPort + index,
                logger: logger
            ) { port in continuation.yield((index, port)) }
        }
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        stop.onSignal { Task { await group.triggerGracefulShutdown() } }
        let displayHost = host.contains(":") ? "[\(host)]" : host
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                try await group.run()
            }
            var ports: [Int: Int] = [:]
            for await (index, port) in bound {
                ports[index] = port
                if ports.count == chosen.count { break }
            }
            if ports.count == chosen.count {
                for (index, profile) in chosen.enumerated() {
                    print("\(profile.name) http://\(displayHost):\(ports[index]!)")
                }
                flushStandardOutput()
                printError("serving \(chosen.count) profile(s); stop with Ctrl-C (SIGINT) or SIGTERM")
            }
            try await tasks.waitForAll()
        }
        printError("stopped")
    }
}
