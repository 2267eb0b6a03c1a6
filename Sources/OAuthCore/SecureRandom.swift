import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Random values for `state`, `nonce`, PKCE verifiers, codes and tokens, straight from the
/// operating system's CSPRNG (`getrandom(2)` through `getentropy(3)` on Linux, `arc4random_buf` on Darwin).
///
/// swift-crypto's `SymmetricKey(size:)`, used here before, fills its bytes from
/// `SystemRandomNumberGenerator` eight at a time — one `getrandom` system call per eight bytes,
/// four for a 32-byte token. Here the kernel fills a 4 KiB pool, 256 bytes a call; values are cut from
/// it and their bytes wiped from the pool as they are handed out, so no byte is ever given twice
/// and none stays behind in memory once used. Requests larger than a quarter of the pool go to
/// the kernel directly.
public enum SecureRandom {
    static let poolSize = 4096

    /// Owned by `pool`'s lock alone.
    struct Pool: ~Copyable, @unchecked Sendable {
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: SecureRandom.poolSize, alignment: 16)
        /// Bytes before `next` have been handed out (and wiped); the pool starts empty.
        var next = SecureRandom.poolSize

        mutating func take(into target: UnsafeMutableRawBufferPointer) {
            var filled = 0
            while filled < target.count {
                if next == bytes.count {
                    SecureRandom.systemFill(bytes)
                    next = 0
                }
                let count = min(target.count - filled, bytes.count - next)
                let source = UnsafeMutableRawBufferPointer(rebasing: bytes[next..<(next + count)])
                UnsafeMutableRawBufferPointer(rebasing: target[filled..<(filled + count)]).copyMemory(from: UnsafeRawBufferPointer(source))
                source.initializeMemory(as: UInt8.self, repeating: 0)
                next += count
                filled += count
            }
        }

        deinit { bytes.deallocate() }
    }

    static let pool = Mutex(Pool())

    /// The caller's buffer, written inside the lock and never kept by the pool.
    struct Target: @unchecked Sendable { let buffer: UnsafeMutableRawBufferPointer }

    /// Fills `buffer` with random bytes.
    ///
    /// - Parameter buffer: the memory to fill, all of it.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard !buffer.isEmpty else { return }
        if buffer.count > poolSize / 4 {
            systemFill(buffer)
        } else {
            let target = Target(buffer: buffer)
            pool.withLock { $0.take(into: target.buffer) }
        }
    }

    /// Random bytes.
    ///
    /// - Parameter count: how many; none for zero or less.
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// `count` random bytes as unpadded base64url (RFC 4648 §5): 32 bytes → 43 characters.
    ///
    /// - Parameter count: how many random bytes the token encodes.
    public static func token(bytes count: Int = 32) -> String {
        Base64URL.encode(bytes(count))
    }

    /// The kernel's CSPRNG, until `buffer` is full. Without a kernel generator the standard
    /// library's is used, which stops the process rather than return weak bytes.
    static func systemFill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        #if canImport(Darwin)
        arc4random_buf(base, buffer.count)
        #else
        // getentropy(3) (glibc 2.25+, musl): getrandom(2) for at most 256 bytes per call.
        var filled = 0
        while filled < buffer.count {
            let count = min(256, buffer.count - filled)
            guard getentropy(base + filled, count) == 0 else {
                // No getrandom (pre-3.17 kernels, seccomp): the standard library's generator.
                var generator = SystemRandomNumberGenerator()
                for index in filled..<buffer.count { buffer[index] = generator.next() }
                return
            }
            filled += count
        }
        #endif
    }
}
