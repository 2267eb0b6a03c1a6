import ArgumentParser
import Foundation
import Harness
import Logging
import MockProviders
import OAuthCore
import ServiceLifecycle

/// SIGINT and SIGTERM as events instead of the default termination: until `onSignal` names
/// what to do, a signal exits at once with status 0 (nothing is listening yet).
final class StopSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var action: (@Sendable () -> Void)?
    private var received = false
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.fire() }
            source.resume()
            sources.append(source)
        }
    }

    private func fire() {
        lock.lock()
        let action = self.action
        received = true
        lock.unlock()
        guard let action else {
            printError("stopped before serving")
            exit(0)
        }
        action()
    }

    /// What a signal does from now on (at once, if one already arrived).
    func onSignal(_ action: @escaping @Sendable () -> Void) {
        lock.lock()
        self.action = action
        let already = received
        lock.unlock()
        if already { action() }
    }
}
