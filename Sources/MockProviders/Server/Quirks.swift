import Foundation
import OAuthCore

/// The closed set of deviations a mock provider can be configured with. Each one is a small,
/// composable transform of a request check or of a response, written here in Swift and
/// documented with the real behaviour it reproduces; a profile lists them by name.
public enum Quirk: String, Sendable, CaseIterable {
    // OAuth 1
    /// OAuth 1: temporary credentials come without `oauth_callback_confirmed=true`.
    case callbackNotConfirmed = "callback_not_confirmed"
    // Token response body
    /// Token responses are form-encoded with `Content-Type: text/plain`.
    case formEncodedTokenResponse = "form_encoded_token_response"
    /// Token responses are form-encoded unless the request's `Accept` names `application/json`.
    case formEncodedUnlessJSONAccepted = "form_encoded_unless_json_accepted"
    /// The lifetime is `expires` instead of `expires_in`.
    case expiresInsteadOfExpiresIn = "expires_instead_of_expires_in"
    /// No `token_type`.
    case omitTokenType = "omit_token_type"
    /// `token_type` is `bearer`.
    case lowercaseTokenType = "lowercase_token_type"
    /// `token_type` is `User Access Token`.
    case oddTokenType = "odd_token_type"
    /// `expires_in` is a string, with `expires_on` and `ext_expires_in` as strings too.
    case expiresInAsString = "expires_in_as_string"
    /// The granted `scope` is separated by commas.
    case scopeCommaSeparated = "scope_comma_separated"
    /// The granted `scope` is a JSON array.
    case scopeAsArray = "scope_as_array"
    /// The access token, scope, lifetime and refresh token move into `authed_user`, with no
    /// top-level `token_type`.
    case nestUserTokenUnderAuthedUser = "nest_user_token_under_authed_user"
    /// Successes carry `ok: true`; errors are `{"ok": false, "error": …}` with HTTP 200.
    case okEnvelope = "ok_envelope"
    /// Successes are wrapped as `{"status": 0, "body": {…}}`; errors are `{"status": 401, "error": …}`
    /// with HTTP 200.
    case statusBodyEnvelope = "status_body_envelope"
    /// Errors are `{"errors": [{"errorType", "message"}], "success": false}`.
    case errorsList = "errors_list"
    /// `expires_in` is 0 and `scope` is `null`.
    case zeroExpiresInNullScope = "zero_expires_in_null_scope"
    /// A refresh token comes with `refresh_token_expires_in`.
    case refreshTokenExpiresIn = "refresh_token_expires_in"
    // Requests
    /// A token request without a `User-Agent` gets HTTP 429.
    case requireUserAgent = "require_user_agent"
    /// The token endpoint reads a JSON object body and refuses anything else with HTTP 400.
    case requireJSONTokenRequest = "require_json_token_request"
    /// A token request without `action=requesttoken` gets `{"status": 503, "error": …}` with HTTP 200.
    case requireActionRequestToken = "require_action_requesttoken"
    /// The resource endpoint reads the token only from the `access_token` query parameter.
    case tokenInQueryOnly = "token_in_query_only"
    /// The device authorization response names `verification_url`, not `verification_uri`, and
    /// has no `verification_uri_complete`.
    case verificationURL = "verification_url"
    /// The device authorization response gives `interval` as a JSON string.
    case intervalAsString = "interval_as_string"

    /// The real behaviour, for profiles, docs and `oauth-harness list`.
    public var models: String {
        switch self {
        case .callbackNotConfirmed: "OAuth 1 temporary credentials without oauth_callback_confirmed (OAuth Core 1.0 before Revision A)"
        case .formEncodedTokenResponse: "token response as form-encoded text/plain (Facebook Graph API before v2.3)"
        case .formEncodedUnlessJSONAccepted: "form-encoded token response unless the request says Accept: application/json (GitHub)"
        case .expiresInsteadOfExpiresIn: "lifetime in `expires` instead of `expires_in` (Facebook)"
        case .omitTokenType: "no token_type in the token response (Slack v1, LinkedIn, Weibo, Douban)"
        case .lowercaseTokenType: "token_type `bearer` in lower case (Twitch, Dropbox; RFC 6749 §5.1 makes it case-insensitive)"
        case .oddTokenType: "a token_type that is not an RFC 6750 type: `User Access Token` (eBay)"
        case .expiresInAsString: "`expires_in` (and `expires_on`) as strings (Azure AD v1)"
        case .scopeCommaSeparated: "granted scope separated by commas (GitHub)"
        case .scopeAsArray: "granted scope as a JSON array (Twitch)"
        case .nestUserTokenUnderAuthedUser: "the user token nested under `authed_user`, no top-level access_token for user scopes (Slack OAuth v2)"
        case .okEnvelope: "`ok: true` on success and `{ok: false, error}` with HTTP 200 on errors (Slack)"
        case .statusBodyEnvelope: "`{status: 0, body: {…}}` envelope, errors as `{status: <non-zero>, error}` with HTTP 200 (Withings)"
        case .errorsList: "errors as `{errors: [{errorType, message}], success: false}` (Fitbit)"
        case .zeroExpiresInNullScope: "`expires_in: 0` for tokens that never expire, `scope: null` (Mailchimp)"
        case .refreshTokenExpiresIn: "`refresh_token_expires_in` next to `expires_in` (LinkedIn)"
        case .requireUserAgent: "429 Too Many Requests without a descriptive User-Agent (Reddit)"
        case .requireJSONTokenRequest: "the token endpoint reads a JSON body, not a form (Notion)"
        case .requireActionRequestToken: "token requests need `action=requesttoken` (Withings)"
        case .tokenInQueryOnly: "the API reads the token from the `access_token` query parameter only (Instagram Basic Display)"
        case .verificationURL: "`verification_url` instead of RFC 8628's `verification_uri` in the device response (Google)"
        case .intervalAsString: "the device response's `interval` as a JSON string (OpenAI's device login for Codex)"
        }
    }

    /// The quirk a profile names, or `nil` for an unknown name.
    ///
    /// - Parameter name: the quirk's name, e.g. `scope_comma_separated`.
    public static func named(_ name: String) -> Quirk? { Quirk(rawValue: name) }
}

extension MockProvider {
    func has(_ quirk: Quirk) -> Bool { profile.quirks.contains(quirk) }

    /// Request-side quirks of the token endpoint: a response refuses the request, `nil` lets it
    /// through. `form` is replaced by the JSON body's members with `require_json_token_request`.
    func tokenRequestQuirks(_ request: TransportRequest, form: inout FormParameters?) -> TransportResponse? {
        if has(.requireUserAgent), (request.headers["User-Agent"] ?? "").isEmpty {
            return Self.json(429, ["message": .string("Too Many Requests"), "error": .number(429)])
        }
        if has(.requireJSONTokenRequest) {
            guard request.headers["Content-Type"]?.lowercased().hasPrefix("application/json") == true,
                case .object(let members)? = try? JSONValue.parse(request.body)
            else {
                return Self.json(
                    400,
                    ["object": "error", "status": .number(400), "code": "invalid_request", "message": "body failed validation: expected JSON"]
                )
            }
            form = FormParameters(members.sorted { $0.key < $1.key }.compactMap { key, value in value.stringValue.map { (key, $0) } })
        }
        if has(.requireActionRequestToken), form?["action"] != "requesttoken" {
            return Self.json(200, ["status": .number(503), "error": "Invalid Params: action is missing or invalid"])
        }
        return nil
    }

    /// Response-side quirks of the token endpoint, applied in a fixed order so that they compose.
    func tokenResponseQuirks(_ response: TransportResponse, request: TransportRequest) -> TransportResponse {
        // A profile without quirks answers as the standard says: no need to re-read the body.
        guard !profile.quirks.isEmpty, case .object(var body)? = try? JSONValue.parse(response.body) else { return response }
        var status = response.status
        if let error = body["error"]?.stringValue, status >= 400 || body["ok"] != nil {
            let description = body["error_description"]?.stringValue ?? error
            if has(.okEnvelope) { (status, body) = (200, ["ok": .bool(false), "error": .string(error)]) }
            if has(.statusBodyEnvelope) { (status, body) = (200, ["status": .number(401), "error": .string(description)]) }
            if has(.errorsList) {
                body = ["errors": .array([.object(["errorType": .string(error), "message": .string(description)])]), "success": .bool(false)]
            }
            return Self.reencode(response, status: status, body)
        }
        guard status == 200, body["access_token"] != nil else { return response }
        if has(.expiresInAsString) {
            if case .number(let number)? = body["expires_in"] {
                let seconds = number.double
                body["expires_in"] = .string(String(Int(seconds)))
                body["expires_on"] = .string(String(Int(clock.now().timeIntervalSince1970 + seconds)))
                body["ext_expires_in"] = .string(String(Int(seconds)))
            }
        }
        if has(.expiresInsteadOfExpiresIn) { body["expires"] = body.removeValue(forKey: "expires_in") }
        if has(.zeroExpiresInNullScope) {
            body["expires_in"] = .number(0)
            body["scope"] = .null
        }
        if has(.refreshTokenExpiresIn), body["refresh_token"] != nil { body["refresh_token_expires_in"] = .number(31_536_000) }
        if has(.scopeCommaSeparated), let scope = body["scope"]?.stringValue {
            body["scope"] = .string(scope.split(separator: " ").joined(separator: ","))
        }
        if has(.scopeAsArray), let scope = body["scope"]?.stringValue {
            body["scope"] = .array(scope.split(separator: " ").map { .string(String($0)) })
        }
        if has(.lowercaseTokenType) { body["token_type"] = .string("bearer") }
        if has(.oddTokenType) { body["token_type"] = .string("User Access Token") }
        if has(.omitTokenType) { body["token_type"] = nil }
        if has(.nestUserTokenUnderAuthedUser) {
            var user: [String: JSONValue] = ["token_type": .string("user"), "id": .string("U0HARNESS1")]
            for key in ["access_token", "scope", "expires_in", "refresh_token"] { user[key] = body.removeValue(forKey: key) }
            body["token_type"] = nil
            body["authed_user"] = .object(user)
            body["app_id"] = .string("A0HARNESS1")
            body["team"] = .object(["id": .string("T0HARNESS1"), "name": .string("Harness")])
        }
        if has(.okEnvelope) { body["ok"] = .bool(true) }
        if has(.statusBodyEnvelope) { body = ["status": .number(0), "body": .object(body)] }
        let formEncoded =
            has(.formEncodedTokenResponse)
            || (has(.formEncodedUnlessJSONAccepted) && request.headers["Accept"]?.lowercased().contains("application/json") != true)
        if formEncoded {
            var form = FormParameters()
            for (key, value) in body.sorted(by: { $0.key < $1.key }) { form.append(key, value.description) }
            let type = has(.formEncodedTokenResponse) ? "text/plain; charset=UTF-8" : "application/x-www-form-urlencoded"
            return TransportResponse(status: status, headers: ["Content-Type": type, "Cache-Control": "no-store"], body: Array(form.encoded.utf8))
        }
        return Self.reencode(response, status: status, body)
    }

    static func reencode(_ response: TransportResponse, status: Int, _ body: [String: JSONValue]) -> TransportResponse {
        var response = response
        response.status = status
        response.body = JSONValue.object(body).jsonBytes
        if status == 200 { response.headers["WWW-Authenticate"] = nil }
        return response
    }
}
