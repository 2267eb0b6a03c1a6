import Foundation

// libFuzzer target: token response parsing (JSON, RFC 6749 §5.1 member checks).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    if case .object(let members)? = try? JSONValue.parse(bytes) {
        if let token = try? OAuth2Token(members: members, receivedAt: Date(timeIntervalSince1970: 0)) {
            precondition(!token.accessToken.isEmpty, "an accepted token has an access_token")
            precondition(token.description.contains("access_token: \(Redactor.mask)"), "descriptions mask the token")
        }
    }
    return 0
}
