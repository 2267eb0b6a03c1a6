import Foundation
import Synchronization

/// The source of "now" for token expiry, code lifetimes and ID-token time checks.
/// Injected everywhere time matters so that tests and scenarios can move time deterministically.
public protocol OAuthClock: Sendable {
    /// The current time as this clock sees it.
    func now() -> Date
}

/// Wall-clock time.
public struct SystemClock: OAuthClock {
    /// Creates a clock that reads the system's time.
    public init() {}
    /// The system's current time.
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to. Shared by a scenario's client and its mock provider,
/// so `advance_clock: 2h` expires codes and tokens on both sides at once.
public final class ManualClock: OAuthClock {
    private let current: Mutex<Date>

    /// Creates a clock stopped at `start`.
    ///
    /// - Parameter start: the time it shows until advanced (default: 2027-01-15 08:00:00 UTC).
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    /// The start time plus every advance so far.
    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock by `seconds` for everyone who reads it.
    ///
    /// - Parameter seconds: how far to move it (negative values move it back).
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// Another clock shifted by a fixed offset: a client whose clock is wrong, for tests of
/// timestamp checks.
package struct OffsetClock: OAuthClock {
    /// The clock whose time is shifted.
    public let base: any OAuthClock
    /// Seconds added to the base clock's time (negative: behind it).
    public let offset: TimeInterval

    /// Creates a clock that reads `base` and adds `offset`.
    ///
    /// - Parameters:
    ///   - base: the clock whose time is shifted.
    ///   - offset: seconds added to its time (negative: behind it).
    public init(base: any OAuthClock, offset: TimeInterval) {
        self.base = base
        self.offset = offset
    }

    /// The base clock's time plus the offset.
    public func now() -> Date { base.now().addingTimeInterval(offset) }
}
