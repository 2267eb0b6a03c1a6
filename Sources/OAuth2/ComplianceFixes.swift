import Foundation
import OAuthCore

/// A named, reusable adaptation to a provider that deviates from the RFCs, built from
/// compliance hooks. Apply it to a session (`session.apply(fix)`), or name it in a scenario's
/// `compliance_fixes` or a registry entry.
public struct ComplianceFix: Sendable {
    /// The fix's name, as a scenario or registry entry gives it (`slack`, `string_expires_in`).
    public let name: String
    /// What it repairs, in a sentence.
    public let summary: String
    /// The hooks, in the order they are registered.
    public let hooks: [ComplianceHook]
    /// The names of the fixes this one combines, nested ones included (empty for a building block).
    public private(set) var parts: [String] = []

    /// A fix made of hooks.
    ///
    /// - Parameters:
    ///   - name: the fix's name.
    ///   - summary: what it repairs, in a sentence.
    ///   - hooks: its hooks, in order.
    public init(name: String, summary: String, hooks: [ComplianceHook]) {
        self.name = name
        self.summary = summary
        self.hooks = hooks
    }

    /// A fix made of several others, their hooks in order.
    ///
    /// - Parameters:
    ///   - name: the fix's name.
    ///   - summary: what it repairs, in a sentence.
    ///   - fixes: the fixes it combines, in order.
    public init(name: String, summary: String, combining fixes: [ComplianceFix]) {
        self.init(name: name, summary: summary, hooks: fixes.flatMap(\.hooks))
        parts = fixes.flatMap { [$0.name] + $0.parts }
    }
}

/// The library of fixes: generic ones for one deviation each, and one per provider combining them.
///
/// The fixes of token responses act on the responses of both grants and refreshes; those of
/// token requests on both kinds of request.
public enum ComplianceFixes {
    // MARK: Building blocks

    /// A hook on both token-response points (fetch and refresh) that edits a JSON object body.
    static func tokenResponse(_ edit: @escaping @Sendable (inout [String: JSONValue], inout Int) -> Void) -> [ComplianceHook] {
        let hook: ComplianceHook.ResponseHook = { response in
            guard case .object(var body)? = try? JSONValue.parse(response.body) else { return response }
            var response = response
            edit(&body, &response.status)
            response.body = JSONValue.object(body).jsonBytes
            response.headers["Content-Type"] = "application/json"
            return response
        }
        return [.accessTokenResponse(hook), .refreshTokenResponse(hook)]
    }

    /// A hook on the device authorization response (RFC 8628 §3.2) that edits a JSON object body.
    static func deviceResponse(_ edit: @escaping @Sendable (inout [String: JSONValue]) -> Void) -> ComplianceHook {
        .deviceAuthorizationResponse { response in
            guard case .object(var body)? = try? JSONValue.parse(response.body) else { return response }
            var response = response
            edit(&body)
            response.body = JSONValue.object(body).jsonBytes
            return response
        }
    }

    /// A hook on both token-request points (fetch and refresh).
    static func tokenRequest(_ edit: @escaping @Sendable (inout TransportRequest) throws -> Void) -> [ComplianceHook] {
        let hook: ComplianceHook.RequestHook = { request in
            var request = request
            try edit(&request)
            return request
        }
        return [.accessTokenRequest(hook), .refreshTokenRequest(hook)]
    }

    static func number(_ value: JSONValue?) -> JSONValue? {
        if case .string(let text)? = value, let number = JSONNumber(text) { return .number(number) }
        return value
    }

    // MARK: Generic fixes

    /// `form_encoded_token_response`: a token (or device authorization) response that is not JSON
    /// but a form (any content type) with `access_token`, `error` or `device_code` becomes the
    /// equivalent JSON object, with `expires_in`, `expires` and `interval` as numbers when they
    /// are numeric.
    public static let formEncodedTokenResponse: ComplianceFix = {
        let hook: ComplianceHook.ResponseHook = { response in
            guard (try? JSONValue.parse(response.body)) == nil, let form = try? FormParameters(parsing: response.bodyText),
                form["access_token"] != nil || form["error"] != nil || form["device_code"] != nil
            else { return response }
            var body: [String: JSONValue] = [:]
            for pair in form {
                body[pair.name] =
                    ["expires_in", "expires", "interval"].contains(pair.name)
                    ? (JSONNumber(pair.value).map(JSONValue.number) ?? .string(pair.value)) : .string(pair.value)
            }
            var response = response
            response.body = JSONValue.object(body).jsonBytes
            response.headers["Content-Type"] = "application/json"
            return response
        }
        return ComplianceFix(
            name: "form_encoded_token_response",
            summary: "reads a form-encoded (or text/plain) token or device authorization response as JSON",
            hooks: [.accessTokenResponse(hook), .refreshTokenResponse(hook), .deviceAuthorizationResponse(hook)]
        )
    }()

    /// `string_expires_in`: `expires_in` and `expires_at` given as numeric strings become numbers,
    /// and so do a device authorization response's `expires_in` and `interval`.
    public static let stringExpiresIn = ComplianceFix(
        name: "string_expires_in",
        summary: "turns expires_in (and expires_at, a device response's interval) given as strings into numbers",
        hooks: tokenResponse { body, _ in
            for key in ["expires_in", "expires_at"] where body[key] != nil { body[key] = number(body[key]) }
        } + [deviceNumbers]
    )

    /// A device authorization response's `expires_in` and `interval` as numbers.
    static let deviceNumbers = deviceResponse { body in
        for key in ["expires_in", "interval"] where body[key] != nil { body[key] = number(body[key]) }
    }

    /// `verification_url`: a device authorization response that names `verification_url`
    /// (Google) gets it as RFC 8628's `verification_uri`.
    public static let verificationURL = ComplianceFix(
        name: "verification_url",
        summary: "reads a device response's verification_url as verification_uri",
        hooks: [
            deviceResponse { body in
                if body["verification_uri"] == nil, let url = body["verification_url"] { body["verification_uri"] = url }
            }
        ]
    )

    /// `missing_token_type`: a response with an `access_token` but no `token_type` gets `Bearer`.
    public static let missingTokenType = ComplianceFix(
        name: "missing_token_type",
        summary: "assumes token_type Bearer when the response has none",
        hooks: tokenResponse { body, _ in
            if body["access_token"] != nil, body["token_type"] == nil { body["token_type"] = .string("Bearer") }
        }
    )

    /// `comma_separated_scope`: a comma-separated `scope` becomes space-separated (RFC 6749 §3.3).
    public static let commaSeparatedScope = ComplianceFix(
        name: "comma_separated_scope",
        summary: "reads a comma-separated scope as the RFC 6749 space-separated list",
        hooks: tokenResponse { body, _ in
            if let scope = body["scope"]?.stringValue, scope.contains(",") {
                body["scope"] = .string(scope.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " "))
            }
        }
    )

    /// `scope_array`: a `scope` given as a JSON array becomes a space-separated string; a `null`
    /// scope is dropped.
    public static let scopeArray = ComplianceFix(
        name: "scope_array",
        summary: "reads a scope given as a JSON array (or null) as a space-separated string",
        hooks: tokenResponse { body, _ in
            switch body["scope"] {
            case .array(let items)?: body["scope"] = .string(items.compactMap(\.stringValue).joined(separator: " "))
            case .null?: body["scope"] = nil
            default: break
            }
        }
    )

    /// `expires_to_expires_in`: without `expires_in`, the `expires` member is moved there (as a number).
    public static let expiresToExpiresIn = ComplianceFix(
        name: "expires_to_expires_in",
        summary: "reads the lifetime from `expires` when `expires_in` is absent",
        hooks: tokenResponse { body, _ in
            if body["expires_in"] == nil, let expires = body.removeValue(forKey: "expires") { body["expires_in"] = number(expires) }
        }
    )

    /// `ok_false_errors`: an HTTP 200 answer `{"ok": false, "error": …}` becomes an HTTP 400 error.
    public static let okFalseErrors = ComplianceFix(
        name: "ok_false_errors",
        summary: "treats `{ok: false, error}` answered with HTTP 200 as an HTTP 400 error",
        hooks: tokenResponse { body, status in
            if case .bool(false)? = body["ok"], body["error"] != nil, status == 200 { status = 400 }
        }
    )

    /// `zero_expires_in`: `expires_in: 0` is dropped (the token does not expire), and so is a
    /// `null` scope.
    public static let zeroExpiresIn = ComplianceFix(
        name: "zero_expires_in",
        summary: "treats expires_in 0 as \"does not expire\" and drops a null scope",
        hooks: tokenResponse { body, _ in
            if case .number(0)? = body["expires_in"] { body["expires_in"] = nil }
            if case .null? = body["scope"] { body["scope"] = nil }
        }
    )

    // MARK: Provider fixes

    /// `slack` (OAuth v2 `oauth.v2.access`): ``okFalseErrors``, and a user token in `authed_user`
    /// (with no top-level `access_token`) is lifted to the top level with `token_type` `Bearer`.
    public static let slack = ComplianceFix(
        name: "slack",
        summary: "Slack OAuth v2: lifts the user token out of `authed_user`; `ok: false` errors become HTTP 400",
        hooks: okFalseErrors.hooks
            + tokenResponse { body, _ in
                guard body["access_token"] == nil, case .object(let user)? = body["authed_user"], user["access_token"] != nil else { return }
                for key in ["access_token", "scope", "refresh_token", "expires_in"] { body[key] = user[key] }
                body["token_type"] = .string("Bearer")
            }
    )

    /// `slack_v1` (`oauth.access`): ``okFalseErrors`` and ``missingTokenType``.
    public static let slackV1 = ComplianceFix(
        name: "slack_v1",
        summary: "Slack oauth.access: no token_type, `ok: false` errors with HTTP 200",
        combining: [okFalseErrors, missingTokenType]
    )

    /// `github`: ``formEncodedTokenResponse`` and ``commaSeparatedScope``.
    public static let github = ComplianceFix(
        name: "github",
        summary: "GitHub: form-encoded responses when JSON was not asked for, comma-separated scopes",
        combining: [formEncodedTokenResponse, commaSeparatedScope]
    )

    /// `facebook`: ``formEncodedTokenResponse``, ``expiresToExpiresIn`` and ``missingTokenType``.
    public static let facebook = ComplianceFix(
        name: "facebook",
        summary: "Facebook: text/plain form body, `expires` instead of `expires_in`, no token_type",
        combining: [formEncodedTokenResponse, expiresToExpiresIn, missingTokenType]
    )

    /// `azure_ad_v1`: `expires_in`, `expires_on` and `ext_expires_in` given as strings become numbers.
    public static let azureADv1 = ComplianceFix(
        name: "azure_ad_v1",
        summary: "Azure AD v1: expires_in, expires_on and ext_expires_in as strings",
        hooks: tokenResponse { body, _ in
            for key in ["expires_in", "expires_on", "ext_expires_in"] where body[key] != nil { body[key] = number(body[key]) }
        }
    )

    /// `google`: ``verificationURL`` (the device flow for TVs and limited-input devices).
    public static let google = ComplianceFix(
        name: "google",
        summary: "Google: verification_url in the device authorization response",
        combining: [verificationURL]
    )

    /// `twitch`: ``scopeArray``.
    public static let twitch = ComplianceFix(name: "twitch", summary: "Twitch: scope as a JSON array", combining: [scopeArray])

    /// `linkedin`: ``missingTokenType``.
    public static let linkedin = ComplianceFix(name: "linkedin", summary: "LinkedIn: no token_type", combining: [missingTokenType])

    /// `weibo` (also for Douban): ``missingTokenType``.
    public static let weibo = ComplianceFix(name: "weibo", summary: "Weibo and Douban: no token_type", combining: [missingTokenType])

    /// `mailchimp`: ``zeroExpiresIn``.
    public static let mailchimp = ComplianceFix(
        name: "mailchimp",
        summary: "Mailchimp: expires_in 0 means the token does not expire; scope null",
        combining: [zeroExpiresIn]
    )

    /// `reddit`: token requests (fetch and refresh) carry a descriptive `User-Agent`, without which
    /// Reddit answers HTTP 429.
    public static let reddit = ComplianceFix(
        name: "reddit",
        summary: "Reddit: a descriptive User-Agent on token requests (else 429)",
        hooks: tokenRequest { request in
            request.headers["User-Agent"] = "swift:oauth-harness:1.0 (by /u/oauth-harness)"
        }
    )

    /// `notion`: token requests (fetch and refresh) send their form parameters as a JSON object body
    /// (`Content-Type: application/json`).
    public static let notion = ComplianceFix(
        name: "notion",
        summary: "Notion: token requests as a JSON body",
        hooks: tokenRequest { request in
            let form = try FormParameters(parsing: String(decoding: request.body, as: UTF8.self))
            var members: [String: JSONValue] = [:]
            for pair in form { members[pair.name] = .string(pair.value) }
            request.body = JSONValue.object(members).jsonBytes
            request.headers["Content-Type"] = "application/json"
        }
    )

    /// `withings`: token requests get `action=requesttoken`; a response `{"status": 0, "body": {…}}`
    /// is replaced by its `body` (with `token_type` `Bearer` when missing), and a non-zero status
    /// becomes an HTTP 400 error `withings_status_<status>`.
    public static let withings = ComplianceFix(
        name: "withings",
        summary: "Withings: `action=requesttoken` on token requests; unwraps `{status, body}`, non-zero status is an error",
        hooks: tokenRequest { request in
            let body = String(decoding: request.body, as: UTF8.self)
            request.body = Array((body.isEmpty ? "action=requesttoken" : body + "&action=requesttoken").utf8)
        }
            + tokenResponse { body, status in
                guard case .number(let code)? = body["status"] else { return }
                if code == 0, case .object(let inner)? = body["body"] {
                    body = inner
                    if body["token_type"] == nil { body["token_type"] = .string("Bearer") }
                } else if code != 0 {
                    let name = code.int64.map(String.init) ?? "invalid"
                    body = ["error": .string("withings_status_\(name)"), "error_description": body["error"] ?? .null]
                    status = 400
                }
            }
    )

    /// `fitbit`: an error answer `{"errors": [{"errorType", "message"}]}` becomes an RFC 6749 §5.2
    /// error object from its first error.
    public static let fitbit = ComplianceFix(
        name: "fitbit",
        summary: "Fitbit: errors as `{errors: [{errorType, message}]}` become RFC 6749 error objects",
        hooks: tokenResponse { body, _ in
            guard body["error"] == nil, case .array(let errors)? = body["errors"], let first = errors.first?.objectValue else { return }
            body = ["error": first["errorType"] ?? .string("unknown_error"), "error_description": first["message"] ?? .null]
        }
    )

    /// `instagram`: on protected-resource requests the Bearer token moves from the `Authorization`
    /// header to the `access_token` query parameter.
    public static let instagram = ComplianceFix(
        name: "instagram",
        summary: "Instagram Basic Display: the API token goes in the access_token query parameter",
        hooks: [
            .protectedRequest { request in
                guard let authorization = request.headers["Authorization"], authorization.lowercased().hasPrefix("bearer ") else { return request }
                var request = request
                request.headers["Authorization"] = nil
                request.url = URLReference.appending(FormParameters([("access_token", String(authorization.dropFirst(7)))]), to: request.url)
                return request
            }
        ]
    )

    /// `ebay`: any `token_type` other than Bearer (eBay's `User Access Token`) becomes `Bearer`.
    public static let ebay = ComplianceFix(
        name: "ebay",
        summary: "eBay: token_type `User Access Token` is a Bearer token",
        hooks: tokenResponse { body, _ in
            if let type = body["token_type"]?.stringValue, type.caseInsensitiveCompare("bearer") != .orderedSame {
                body["token_type"] = .string("Bearer")
            }
        }
    )

    /// Every fix by name.
    public static let all: [ComplianceFix] = [
        formEncodedTokenResponse, stringExpiresIn, missingTokenType, commaSeparatedScope, scopeArray, expiresToExpiresIn, okFalseErrors,
        zeroExpiresIn, verificationURL,
        slack, slackV1, github, facebook, azureADv1, google, twitch, linkedin, weibo, mailchimp, reddit, notion, withings, fitbit, instagram, ebay,
    ]

    /// The fix of ``all`` with this name, or `nil`.
    ///
    /// - Parameter name: the fix's name (`slack`, `string_expires_in`, …).
    public static func named(_ name: String) -> ComplianceFix? { all.first { $0.name == name } }
}
