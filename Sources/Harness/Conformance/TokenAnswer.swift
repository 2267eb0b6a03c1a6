import Foundation
import OAuth2
import OAuthCore
import Synchronization

/// A token endpoint's answer, read leniently: the raw members as sent and the token members
/// once envelopes and nesting are undone (so later checks can use the token).
struct TokenAnswer: Sendable {
    /// The `token_type` values a client may understand, lowercased: the OAuth Access Token Types
    /// registry's Bearer (RFC 6750), N_A (RFC 8693) and DPoP (RFC 9449), and the MAC type of the
    /// expired draft some providers still send. One list for the members check and the quirk
    /// detector (which lets Slack's "user" through only where the nesting quirk explains it).
    static let registeredTokenTypes: Set<String> = ["bearer", "mac", "dpop", "n_a"]

    var response: TransportResponse
    var isJSON: Bool
    var isForm: Bool
    /// The top-level members as sent (form values as strings).
    var raw: [String: JSONValue]
    /// The token: `raw` without an envelope, the user token lifted from `authed_user`.
    var token: [String: JSONValue]

    var status: Int { response.status }
    var accessToken: String? { token["access_token"]?.stringValue }
    var refreshToken: String? { token["refresh_token"]?.stringValue }
    var idToken: String? { token["id_token"]?.stringValue }
    /// The error code, wherever the provider put it.
    var error: String? {
        if let error = raw["error"]?.stringValue { return error }
        if case .array(let errors)? = raw["errors"], let first = errors.first?["errorType"]?.stringValue { return first }
        if let code = raw["code"]?.stringValue, raw["object"]?.stringValue == "error" { return code }
        return nil
    }
    var succeeded: Bool { accessToken != nil && error == nil }

    init(_ response: TransportResponse) {
        self.response = response
        let contentType = response.headers["Content-Type"]?.lowercased() ?? ""
        if case .object(let members)? = try? JSONValue.parse(response.body) {
            isJSON = contentType.contains("json")
            isForm = false
            raw = members
        } else if let form = try? FormParameters(parsing: response.bodyText),
            form.contains(where: { $0.name == "access_token" || $0.name == "error" })
        {
            isJSON = false
            isForm = true
            raw = Dictionary(form.map { ($0.name, JSONValue.string($0.value)) }, uniquingKeysWith: { first, _ in first })
        } else {
            isJSON = false
            isForm = false
            raw = [:]
        }
        var token = raw
        if case .number(let status)? = raw["status"], case .object(let body)? = raw["body"], status.int64 == 0 { token = body }
        if token["access_token"] == nil, case .object(let user)? = token["authed_user"], user["access_token"] != nil {
            for key in ["access_token", "refresh_token", "expires_in", "scope"] { token[key] = user[key] }
            if token["token_type"] == nil { token["token_type"] = user["token_type"] }
        }
        self.token = token
    }
}
