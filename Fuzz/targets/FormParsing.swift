// libFuzzer target: form/query parsing (RFC 3986 percent-decoding, application/x-www-form-urlencoded).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    if let form = try? FormParameters(parsing: text) {
        // Round trip: what we encode, we parse back to the same pairs.
        let again = try! FormParameters(parsing: form.encoded)
        precondition(again == form, "form round trip changed the parameters")
    }
    _ = try? PercentEncoding.decode(text, plusAsSpace: true)
    return 0
}
