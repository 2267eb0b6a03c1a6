import Foundation
import MockProviders
import OAuthCore

// RFC 8628 (OAuth 2.0 Device Authorization Grant).
extension ProbeContext {
    /// §3.1–§3.2: the device authorization endpoint answers the client with a JSON object holding
    /// `device_code`, `user_code`, `verification_uri` (an absolute URI), a positive integer
    /// `expires_in`, and `interval` an integer when present. Google's `verification_url` and a
    /// string `interval` are recorded as the quirks they are.
    mutating func deviceAuthorizationResponse() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.deviceAuthorization else { return .skipped("no device authorization endpoint") }
        _ = try await baseline()
        var parameters: [(String, String)] = []
        if !file.scope.isEmpty { parameters.append(("scope", file.scope.joined(separator: " "))) }
        let answer = try await tokenRequest(parameters, url: url, step: "device-authorization")
        guard answer.status == 200 else {
            return .fail("the device authorization request answered HTTP \(answer.status)\(answer.error.map { " (\($0))" } ?? "")")
        }
        guard case .object(let members)? = try? JSONValue.parse(answer.response.body) else {
            return .fail("the answer is not a JSON object (§3.2: application/json)")
        }
        var problems: [(String, Quirk?)] = []
        for name in ["device_code", "user_code"] where members[name]?.stringValue?.isEmpty != false {
            problems.append(("no \(name) string", nil))
        }
        if members["verification_uri"] == nil, members["verification_url"]?.stringValue != nil {
            findings.detected(DetectedQuirk(quirk: .verificationURL, evidence: "the device response names verification_url, not verification_uri"))
            problems.append(("verification_url instead of verification_uri", .verificationURL))
        } else if let uri = members["verification_uri"]?.stringValue, URLReference(uri).scheme != nil {
            // present and absolute
        } else {
            problems.append(("no absolute verification_uri", nil))
        }
        if case .number(let number)? = members["expires_in"], let seconds = number.int64, seconds > 0 {
            // a positive integer
        } else {
            problems.append(("expires_in is not a positive integer", nil))
        }
        switch members["interval"] {
        case nil: break
        case .number(let number)? where number.int64.map({ $0 > 0 }) == true: break
        case .string(let text)? where Int(text) != nil:
            findings.detected(DetectedQuirk(quirk: .intervalAsString, evidence: "the device response's interval is a JSON string"))
            problems.append(("interval is a string", .intervalAsString))
        default: problems.append(("interval is not a positive integer", nil))
        }
        guard problems.isEmpty else { return explained(problems, section: "§3.2") }
        return .pass("device_code, user_code, verification_uri, expires_in\(members["interval"] == nil ? "" : ", interval") as §3.2 has them")
    }
}
