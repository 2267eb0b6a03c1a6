import Foundation

/// A check that could not reach its question (the flow broke earlier): failed with this reason.
package struct CheckFailure: Error, Sendable, CustomStringConvertible {
    package var reason: String
    package var description: String { reason }
}
