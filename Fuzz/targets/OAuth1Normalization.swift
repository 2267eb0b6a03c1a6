// libFuzzer target: OAuth 1 parameter collection and normalization (RFC 5849 §3.4.1).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let parts = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    let url = "http://example.com/p?" + (parts.first ?? "")
    let body = parts.count > 1 ? try? FormParameters(parsing: parts[1]) : nil
    if let parameters = try? SignatureBaseString.collectParameters(url: url, oauthParameters: [("oauth_nonce", parts.last ?? "")], formBody: body) {
        let normalized = SignatureBaseString.normalizedParameters(parameters)
        precondition(normalized == SignatureBaseString.normalizedParameters(parameters.reversed()), "normalization ignores order")
        _ = try? SignatureBaseString.make(method: "POST", url: url, parameters: parameters)
    }
    return 0
}
