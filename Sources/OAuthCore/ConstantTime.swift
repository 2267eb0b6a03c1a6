/// Compares two strings without an early exit on the first differing byte, for secrets,
/// `state` values and PKCE challenges.
package func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    var lhs = lhs
    var rhs = rhs
    // Both compared in place (native strings are contiguous UTF-8), without copying either.
    return lhs.withUTF8 { a in
        rhs.withUTF8 { b in
            guard a.count == b.count else { return false }
            var difference: UInt8 = 0
            for index in 0..<a.count { difference |= a[index] ^ b[index] }
            return difference == 0
        }
    }
}
