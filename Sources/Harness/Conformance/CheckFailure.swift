import Foundation

/// A check that could not reach its question (the flow broke earlier): failed with this reason.
public struct CheckFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
