import Foundation
import MockProviders
import OAuthCore

/// A deviation of the provider that matches a quirk the mocks reproduce, and what the client
/// needs for it. The catalogue is shared by both directions: a quirk a mock profile can *play*
/// is one a check can *detect*, and its compliance fix is named in both.
package struct DetectedQuirk: Sendable, Equatable {
    package var quirk: Quirk
    /// What was seen, without secrets.
    package var evidence: String

    /// What a client needs for a quirk.
    package enum Remedy: Sendable, Equatable {
        /// Compliance fixes (`compliance_fixes:` in a scenario, `ComplianceFixes.named`), any one
        /// of which copes; the first is the generic one where it exists, else the provider fix
        /// that contains it. `note` says what the first does differently.
        case complianceFix([String], note: String? = nil)
        /// Nothing: a conforming client already copes, for the reason given.
        case noneNeeded(because: String)
    }

    /// The remedy for each quirk. Exhaustive: a new quirk does not build until it says its fix
    /// (and `QuirkCatalogueTests` holds every quirk to a profile that plays it, its detection
    /// and a scenario pair without and with the fix).
    package static func remedy(for quirk: Quirk) -> Remedy {
        switch quirk {
        case .callbackNotConfirmed: .complianceFix([ScenarioLoader.oauth1UnconfirmedCallback])
        case .formEncodedTokenResponse: .complianceFix(["form_encoded_token_response"])
        case .formEncodedUnlessJSONAccepted:
            .complianceFix(["github", "form_encoded_token_response"], note: "sends Accept: application/json")
        case .expiresInsteadOfExpiresIn: .complianceFix(["expires_to_expires_in"])
        case .omitTokenType: .complianceFix(["missing_token_type"])
        case .lowercaseTokenType: .noneNeeded(because: "token_type is case-insensitive (RFC 6749 §5.1)")
        case .oddTokenType: .complianceFix(["ebay"])
        case .expiresInAsString: .complianceFix(["string_expires_in", "azure_ad_v1"])
        case .scopeCommaSeparated: .complianceFix(["comma_separated_scope"])
        case .scopeAsArray: .complianceFix(["scope_array"])
        case .nestUserTokenUnderAuthedUser: .complianceFix(["slack"])
        case .okEnvelope: .complianceFix(["ok_false_errors"])
        case .statusBodyEnvelope: .complianceFix(["withings"])
        case .errorsList: .complianceFix(["fitbit"])
        case .zeroExpiresInNullScope: .complianceFix(["zero_expires_in"])
        case .refreshTokenExpiresIn: .noneNeeded(because: "an extension member the client ignores")
        case .requireUserAgent: .complianceFix(["reddit"])
        case .requireJSONTokenRequest: .complianceFix(["notion"])
        case .requireActionRequestToken: .complianceFix(["withings"])
        case .tokenInQueryOnly: .complianceFix(["instagram"])
        case .verificationURL: .complianceFix(["verification_url", "google"])
        case .intervalAsString: .complianceFix(["string_expires_in"], note: "reads a device response's interval too")
        }
    }

    /// The remedy as the report prints it.
    package var fix: String {
        switch Self.remedy(for: quirk) {
        case .complianceFix(let names, let note):
            ([names[0] + (note.map { " (\($0))" } ?? "")] + names.dropFirst()).joined(separator: ", or ")
        case .noneNeeded(let reason): "none needed: " + reason
        }
    }

    /// Quirks a successful token answer shows, read from its raw members.
    static func inSuccess(_ answer: TokenAnswer) -> [DetectedQuirk] {
        var found: [DetectedQuirk] = []
        func add(_ quirk: Quirk, _ evidence: String) { found.append(DetectedQuirk(quirk: quirk, evidence: evidence)) }
        let raw = answer.raw
        let token = answer.token
        if raw["access_token"] == nil, case .object(let user)? = raw["authed_user"], user["access_token"] != nil {
            add(.nestUserTokenUnderAuthedUser, "no top-level access_token; the user token is under authed_user")
        }
        if case .number(let status)? = raw["status"], status.int64 == 0, case .object = raw["body"] {
            add(.statusBodyEnvelope, "the token is wrapped in {status: 0, body: {…}}")
        }
        if raw["ok"] == .bool(true) { add(.okEnvelope, "the token response carries ok: true") }
        switch token["token_type"] {
        case nil:
            add(.omitTokenType, "no token_type member")
        case .string(let type)?:
            if type == "bearer" {
                add(.lowercaseTokenType, "token_type \"bearer\" in lower case")
            } else if !TokenAnswer.registeredTokenTypes.contains(type.lowercased()),
                // Slack's user token says "user" under authed_user: that is the nesting quirk's.
                !(type == "user" && raw["access_token"] == nil && raw["authed_user"] != nil)
            {
                add(.oddTokenType, "token_type \"\(type)\" is not an RFC 6750 / IANA-registered type")
            }
        default:
            break
        }
        if token["expires_in"] == nil, token["expires"] != nil { add(.expiresInsteadOfExpiresIn, "the lifetime is in expires, not expires_in") }
        if answer.isJSON, case .string? = token["expires_in"] { add(.expiresInAsString, "expires_in is a JSON string") }
        let zeroLifetime: Bool = {
            if case .number(let number)? = token["expires_in"] { return number.double == 0 }
            return false
        }()
        if zeroLifetime || token["scope"] == .null {
            add(
                .zeroExpiresInNullScope,
                [zeroLifetime ? "expires_in is 0" : nil, token["scope"] == .null ? "scope is null" : nil].compactMap { $0 }.joined(separator: ", ")
            )
        }
        if token["refresh_token_expires_in"] != nil { add(.refreshTokenExpiresIn, "a refresh_token_expires_in member") }
        switch token["scope"] {
        case .string(let scope)? where scope.contains(",") && !scope.contains(" "):
            add(.scopeCommaSeparated, "scope \"\(scope)\" is separated by commas")
        case .array?:
            add(.scopeAsArray, "scope is a JSON array")
        default:
            break
        }
        return found
    }

    /// Quirks an error answer (to an invalid code) shows.
    static func inError(_ answer: TokenAnswer) -> [DetectedQuirk] {
        var found: [DetectedQuirk] = []
        let raw = answer.raw
        if raw["ok"] == .bool(false), raw["error"] != nil {
            found.append(DetectedQuirk(quirk: .okEnvelope, evidence: "errors as {ok: false, error} with HTTP \(answer.status)"))
        }
        if case .number(let status)? = raw["status"], status.int64 != 0, raw["error"] != nil, raw["body"] == nil, answer.status == 200 {
            found.append(DetectedQuirk(quirk: .statusBodyEnvelope, evidence: "errors as {status: \(status.text), error} with HTTP 200"))
        }
        if case .array? = raw["errors"], raw["error"] == nil {
            found.append(DetectedQuirk(quirk: .errorsList, evidence: "errors as {errors: [{errorType, message}]} with HTTP \(answer.status)"))
        }
        return found
    }
}

extension ProbeContext {
    /// The run's baseline: one code flow, adapting to the token endpoint until it answers a
    /// token, and every quirk the answers show. Computed once, by the first check that needs it.
    mutating func baseline() async throws(CheckFailure) -> RunFindings.Baseline {
        if let known = findings.baseline { return try known.get() }
        do {
            let found = try await detectBaseline()
            findings.baseline = .success(found)
            return found
        } catch {
            findings.baseline = .failure(error)
            throw error
        }
    }

    private mutating func detectBaseline() async throws(CheckFailure) -> RunFindings.Baseline {
        // A plain RFC 6749 form request, without Accept: JSON unless the provider needs it.
        var style = TokenRequestStyle.plain
        var request = authorization()
        var answer = try await exchange(try await code(request, step: "baseline"), request, style: style, step: "baseline")
        if !answer.succeeded {
            let plainFailure = Self.describe(answer)
            let variants: [(Quirk, TokenRequestStyle, String)] = [
                (.requireJSONTokenRequest, TokenRequestStyle(jsonBody: true), "answered only a JSON request body"),
                (.requireActionRequestToken, TokenRequestStyle(extra: ["action": "requesttoken"]), "answered only with action=requesttoken"),
            ]
            var adapted = false
            for (quirk, variant, what) in variants {
                request = authorization()
                let retry = try await exchange(try await code(request, step: "baseline"), request, style: variant, step: "baseline")
                if retry.succeeded {
                    findings.detected(DetectedQuirk(quirk: quirk, evidence: "the token endpoint \(what); a plain form got \(plainFailure)"))
                    (style, answer, adapted) = (variant, retry, true)
                    break
                }
            }
            guard adapted else { throw CheckFailure(reason: "the code exchange failed: \(plainFailure)") }
        }
        if answer.isForm {
            request = authorization()
            var json = style
            json.acceptJSON = true
            let retry = try await exchange(try await code(request, step: "baseline"), request, style: json, step: "baseline")
            if retry.succeeded, retry.isJSON {
                findings.detected(
                    DetectedQuirk(
                        quirk: .formEncodedUnlessJSONAccepted,
                        evidence: "form-encoded (\(answer.response.headers["Content-Type"] ?? "no Content-Type")) unless Accept: application/json"
                    )
                )
                style = json
                answer = retry
            } else {
                findings.detected(
                    DetectedQuirk(
                        quirk: .formEncodedTokenResponse,
                        evidence:
                            "the token response is a form (\(answer.response.headers["Content-Type"] ?? "no Content-Type")), even with Accept: application/json"
                    )
                )
            }
        }
        for quirk in DetectedQuirk.inSuccess(answer) { findings.detected(quirk) }
        // Errors: an invalid code, with the style that works.
        let invalid = try await tokenRequest(
            [
                ("grant_type", "authorization_code"), ("code", "invalid-" + SecureRandom.token(bytes: 8)),
                ("redirect_uri", file.client.redirectURI),
            ],
            style: style,
            step: "baseline-error"
        )
        for quirk in DetectedQuirk.inError(invalid) { findings.detected(quirk) }
        // Without a User-Agent header.
        var bare = style
        bare.userAgent = false
        let anonymous = try await tokenRequest(
            [
                ("grant_type", "authorization_code"), ("code", "invalid-" + SecureRandom.token(bytes: 8)),
                ("redirect_uri", file.client.redirectURI),
            ],
            style: bare,
            step: "baseline-no-user-agent"
        )
        if anonymous.status == 429, invalid.status != 429 {
            findings.detected(
                DetectedQuirk(quirk: .requireUserAgent, evidence: "HTTP 429 without a User-Agent header, HTTP \(invalid.status) with one")
            )
        }
        return RunFindings.Baseline(style: style, answer: answer, grantedScope: answer.token["scope"]?.stringValue)
    }

    mutating func tokenEndpointQuirks() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        let quirks = findings.quirks
        guard !quirks.isEmpty else { return .pass("no deviation from the mocks' quirk catalogue was seen") }
        return .fail(quirks.map { "\($0.quirk.rawValue) (\($0.evidence); fix: \($0.fix))" }.joined(separator: "; "))
    }
}
