import ArgumentParser
import Foundation
import Harness
import MockProviders
import OAuthCore

/// A single status line on a terminal: counts and the latest scenario; failures stay visible.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0, failed = 0

    func show(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if line.hasPrefix("FAIL") || line.hasPrefix("ERROR") {
            failed += 1
            print("\r\u{1B}[2K" + line)
        }
        let latest = line.count > 70 ? String(line.prefix(70)) + "…" : line
        print("\r\u{1B}[2K[\(done) done, \(failed) failed] \(latest)", terminator: "")
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        print("\r\u{1B}[2K", terminator: "")
    }

    func finish() {
        clear()
    }
}
