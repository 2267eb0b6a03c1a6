#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a host names this machine's loopback interface: `localhost`, an IPv4 address in
/// 127.0.0.0/8 or `::1` (bracketed or not). Decided by parsing the address, never by its
/// spelling's prefix: `127.evil.example` is a DNS name, not a loopback address.
public enum LoopbackHost {
    /// Whether `host` names the loopback interface, as described above.
    ///
    /// - Parameter host: a URL's host: a name, a dotted IPv4 address, or an IPv6 address with or
    ///   without brackets.
    public static func contains(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" { return true }
        var name = Substring(lowered)
        if name.hasPrefix("["), name.hasSuffix("]") { name = name.dropFirst().dropLast() }
        if name.utf8.contains(UInt8(ascii: ":")) {
            var address = in6_addr()
            guard inet_pton(AF_INET6, String(name), &address) == 1 else { return false }
            return withUnsafeBytes(of: &address) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        // Dotted quad only (inet_pton's AF_INET form): no octal, hex or shortened spellings.
        var address = in_addr()
        guard inet_pton(AF_INET, String(name), &address) == 1 else { return false }
        return withUnsafeBytes(of: &address) { $0[0] == 127 }
    }
}
