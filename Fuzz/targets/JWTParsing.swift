import Foundation

// libFuzzer target: JWT compact serialization and JWKS document parsing (header, claims, keys).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    if parts.count == 3, let header = Base64URL.decode(String(parts[0])), let claims = Base64URL.decode(String(parts[1])) {
        _ = try? JSONValue.parse(header)
        _ = try? JSONValue.parse(claims)
    }
    if case .array(let keys)? = (try? JSONValue.parse(Array(text.utf8)))?["keys"] {
        for key in keys { _ = key["kid"]?.stringValue }
    }
    return 0
}
