import Crypto

/// Random values for `state`, `nonce`, PKCE verifiers, codes and tokens, from swift-crypto's
/// CSPRNG (BoringSSL `RAND_bytes` seeded from the OS; one call per value, no system call per byte).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
    }

    /// `count` random bytes as unpadded base64url (RFC 4648 §5): 32 bytes → 43 characters.
    public static func token(bytes count: Int = 32) -> String {
        Base64URL.encode(bytes(count))
    }
}
