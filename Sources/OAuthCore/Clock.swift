import Foundation
import Synchronization

/// The source of "now" for token expiry, code lifetimes and ID-token time checks.
/// Injected everywhere time matters so that tests and scenarios can move time deterministically.
public protocol OAuthClock: Sendable {
    func now() -> Date
}

/// Wall-clock time.
public struct SystemClock: OAuthClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to. Shared by a scenario's client and its mock provider,
/// so `advance_clock: 2h` expires codes and tokens on both sides at once.
public final class ManualClock: OAuthClock {
    private let current: Mutex<Date>

    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// Another clock shifted by a fixed offset: a client whose clock is wrong, for tests of
/// timestamp checks.
package struct OffsetClock: OAuthClock {
    public let base: any OAuthClock
    public let offset: TimeInterval

    public init(base: any OAuthClock, offset: TimeInterval) {
        self.base = base
        self.offset = offset
    }

    public func now() -> Date { base.now().addingTimeInterval(offset) }
}
