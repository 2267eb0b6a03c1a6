import Foundation
import MockProviders
import OAuth2
import OAuthCore

// RFC 6749 (The OAuth 2.0 Authorization Framework): the authorization code grant, the token
// endpoint's answers and errors, how codes are bound, redirect URI matching, refresh (§6).
extension ProbeContext {
    static func invalidCode() -> String { "invalid-" + SecureRandom.token(bytes: 8) }

    /// `url` with one more path segment (a redirect URI a prefix-matching provider would accept).
    static func extendingPath(_ url: String, _ segment: String) -> String {
        var reference = URLReference(url)
        reference.path += (reference.path.hasSuffix("/") ? "" : "/") + segment
        return reference.description
    }

    mutating func authorizationCodeGrant() async throws(CheckFailure) -> CheckVerdict {
        let baseline = try await baseline()
        if baseline.style.jsonBody || !baseline.style.extra.isEmpty {
            let needed = baseline.style.jsonBody ? "a JSON body" : baseline.style.extra.keys.sorted().map { "\($0)=…" }.joined(separator: ", ")
            return explained(
                .fail("the token endpoint refused the RFC 6749 §4.1.3 form request and answered only with \(needed)"),
                by: [.requireJSONTokenRequest, .requireActionRequestToken]
            )
        }
        return .pass("code with state returned; exchanged with a form request: \(Self.describe(baseline.answer))")
    }

    mutating func tokenResponseJSON() async throws(CheckFailure) -> CheckVerdict {
        let baseline = try await baseline()
        if let form = findings.quirks.first(where: { [.formEncodedTokenResponse, .formEncodedUnlessJSONAccepted].contains($0.quirk) }) {
            return explained(.fail(form.evidence), by: [form.quirk])
        }
        let type = baseline.answer.response.headers["Content-Type"] ?? "no Content-Type"
        guard baseline.answer.isJSON else { return .fail("the token response is not a JSON object (\(type))") }
        return .pass("a JSON object, \(type)")
    }

    mutating func tokenResponseMembers() async throws(CheckFailure) -> CheckVerdict {
        let raw = try await baseline().answer.raw
        // Each problem with the catalogued quirk that would explain it.
        var problems: [(String, Quirk?)] = []
        var concerns: [String] = []
        // A token nested in an envelope (Slack's authed_user, Withings' body) lacks both members.
        let nested: Quirk? = raw["authed_user"] != nil ? .nestUserTokenUnderAuthedUser : raw["body"] != nil ? .statusBodyEnvelope : nil
        if raw["access_token"]?.stringValue == nil { problems.append(("no string access_token at the top level", nested)) }
        switch raw["token_type"] {
        case .string(let type)?:
            if !TokenAnswer.registeredTokenTypes.contains(type.lowercased()) {
                problems.append(
                    (
                        "token_type \"\(type)\" is not a registered type (RFC 6749 §7.1: a client must not use a token it does not understand)",
                        .oddTokenType
                    )
                )
            }
        case nil: problems.append(("no token_type", nested ?? .omitTokenType))
        default: problems.append(("token_type is not a string", nil))
        }
        switch raw["expires_in"] {
        case .number(let number)?: if number.double <= 0 { concerns.append("expires_in is \(number.text)") }
        case nil:
            if raw["expires"] != nil { concerns.append("the lifetime is in expires, not expires_in") }
        case .string?: problems.append(("expires_in is not a number", .expiresInAsString))
        default: problems.append(("expires_in is not a number", nil))
        }
        switch raw["scope"] {
        case .string(let scope)?:
            if scope.contains(","), !scope.contains(" ") {
                problems.append(("scope is separated by commas, not spaces (§3.3)", .scopeCommaSeparated))
            }
        case nil: break
        case .array?: problems.append(("scope is not a string", .scopeAsArray))
        case .null?: problems.append(("scope is null", .zeroExpiresInNullScope))
        default: problems.append(("scope is not a string", nil))
        }
        if !problems.isEmpty { return explained(problems, concerns: concerns) }
        if !concerns.isEmpty { return .warning(concerns.joined(separator: "; ")) }
        return .pass("members: \(raw.keys.sorted().joined(separator: ", "))")
    }

    /// A failure of several problems, each with the quirk that would explain it: one cause
    /// when a single detected quirk explains them all.
    func explained(_ problems: [(String, Quirk?)], concerns: [String] = [], section: String? = nil) -> CheckVerdict {
        let verdict = CheckVerdict.fail((problems.map(\.0) + concerns).joined(separator: "; ") + (section.map { " (\($0))" } ?? ""))
        let quirks = Set(problems.map(\.1))
        guard quirks.count == 1, let quirk = quirks.first ?? nil else { return verdict }
        return explained(verdict, by: [quirk])
    }

    /// A failure one of `quirks` would explain: the run names the first it detected as the
    /// cause once every check is done (ConformanceRun.attributeCauses).
    func explained(_ verdict: CheckVerdict, by quirks: [Quirk]) -> CheckVerdict {
        if case .fail = verdict { cause.suspect(quirks) }
        return verdict
    }

    mutating func tokenResponseNoStore() async throws(CheckFailure) -> CheckVerdict {
        let response = try await baseline().answer.response
        let cacheControl = response.headers["Cache-Control"] ?? ""
        guard cacheControl.lowercased().contains("no-store") else {
            return .fail("Cache-Control is \(cacheControl.isEmpty ? "absent" : "\"\(cacheControl)\"")")
        }
        return .pass("Cache-Control: \(cacheControl)")
    }

    /// RFC 6749 §5.2: HTTP 400 (401 for invalid_client), a JSON object, the expected `error`.
    /// A refusal whose only fault is a detected error envelope (Slack's `ok: false`, Withings'
    /// `status`, Fitbit's `errors` list) says what was refused and names that quirk as the cause.
    func judgeError(_ answer: TokenAnswer, expected: Set<String>, status: Set<Int> = [400]) -> CheckVerdict {
        if answer.succeeded { return .fail("a token was issued: \(Self.describe(answer))") }
        var problems: [String] = []
        let wrongStatus = !status.contains(answer.status)
        if wrongStatus {
            problems.append("HTTP \(answer.status), expected \(status.sorted().map(String.init).joined(separator: " or "))")
        }
        if !answer.isJSON { problems.append("not a JSON object (\(answer.response.headers["Content-Type"] ?? "no Content-Type"))") }
        // The code wherever the provider put it (an envelope's own member counts here).
        let codeProblem = answer.error.map { !expected.contains($0) } ?? true
        if answer.raw["error"]?.stringValue == nil {
            problems.append("no error member")
        } else if let error = answer.error, !expected.contains(error) {
            problems.append("error \(error), expected \(expected.sorted().joined(separator: " or "))")
        }
        if problems.isEmpty { return .pass(Self.describe(answer)) }
        // The answer itself shows the envelope. Withings' carries a status number and a
        // sentence, never an RFC 6749 code.
        if let envelope = DetectedQuirk.inError(answer).first, !codeProblem || envelope.quirk == .statusBodyEnvelope, let error = answer.error {
            findings.detected(envelope)
            cause.record(envelope)
            let shape = Self.envelopeShape[envelope.quirk] ?? "an error envelope"
            let refused = envelope.quirk == .statusBodyEnvelope ? "refused (\"\(error.prefix(80))\")" : "refused with error \(error) as it should be"
            return .fail(
                "\(refused), but \(shape) at HTTP \(answer.status)"
                    + (wrongStatus ? " where §5.2 wants \(status.sorted().map(String.init).joined(separator: " or "))" : "")
                    + " — cause: quirk \(envelope.quirk.rawValue)"
            )
        }
        return .fail(problems.joined(separator: "; "))
    }

    /// How each error-envelope quirk wraps an error, for verdicts it explains.
    static let envelopeShape: [Quirk: String] = [
        .okEnvelope: "inside an {ok: false} envelope", .statusBodyEnvelope: "inside a {status, error} envelope",
        .errorsList: "as an errors list",
    ]

    mutating func tokenErrorResponse() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        let answer = try await tokenRequest(
            [("grant_type", "authorization_code"), ("code", Self.invalidCode()), ("redirect_uri", file.client.redirectURI)],
            step: "invalid-code"
        )
        return judgeError(answer, expected: ["invalid_grant"])
    }

    mutating func invalidClient401() async throws(CheckFailure) -> CheckVerdict {
        guard file.client.clientSecret != nil, file.client.authMethod != .none else {
            return .skipped("the client is package (no secret to get wrong)")
        }
        _ = try await baseline()
        let answer = try await tokenRequest(
            [("grant_type", "authorization_code"), ("code", Self.invalidCode()), ("redirect_uri", file.client.redirectURI)],
            secret: "wrong-" + SecureRandom.token(bytes: 8),
            step: "wrong-secret"
        )
        let verdict = judgeError(
            answer,
            expected: ["invalid_client"],
            status: file.client.authMethod == .clientSecretBasic ? [401] : [400, 401]
        )
        if case .pass = verdict, answer.status == 401, answer.response.headers["WWW-Authenticate"] == nil {
            return .fail("HTTP 401 without a WWW-Authenticate header (§5.2)")
        }
        return verdict
    }

    mutating func unsupportedGrantType() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        let answer = try await tokenRequest([("grant_type", "urn:oauth-harness:unknown-grant")], step: "unknown-grant")
        return judgeError(answer, expected: ["unsupported_grant_type"])
    }

    mutating func repeatedParameters() async throws(CheckFailure) -> CheckVerdict {
        if try await baseline().style.jsonBody {
            return .skipped("the token endpoint answers only JSON bodies, in which a member cannot repeat (quirk require_json_token_request)")
        }
        let request = authorization()
        let code = try await code(request)
        var parameters = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", request.redirectURI), ("grant_type", "authorization_code"),
        ]
        if let verifier = request.verifier { parameters.append(("code_verifier", verifier)) }
        let answer = try await tokenRequest(parameters, client: request.client, step: "repeated-grant-type")
        if answer.succeeded { return .fail("a request with grant_type twice was answered with a token") }
        if answer.error == "invalid_request" { return .pass(Self.describe(answer)) }
        return .warning("refused, but not as invalid_request: \(Self.describe(answer))")
    }

    mutating func codeSingleUse() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        let request = authorization()
        let code = try await code(request)
        let first = try await exchange(code, request, step: "first-exchange")
        guard first.succeeded else { throw CheckFailure(reason: "the first exchange failed: \(Self.describe(first))") }
        let second = try await exchange(code, request, step: "second-exchange")
        if second.succeeded { return .fail("the same code was exchanged twice") }
        return judgeError(second, expected: ["invalid_grant"])
    }

    mutating func codeBoundToRedirectURI() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        let request = authorization()
        let code = try await code(request)
        let other = Self.extendingPath(request.redirectURI, "other")
        let answer = try await exchange(code, request, redirectURI: other, step: "other-redirect-uri")
        if answer.succeeded { return .fail("the code was exchanged with a redirect_uri it was not issued for") }
        return judgeError(answer, expected: ["invalid_grant"])
    }

    mutating func codeBoundToClient() async throws(CheckFailure) -> CheckVerdict {
        guard let other = file.secondClient else { return .skipped("needs a second client in the provider file") }
        _ = try await baseline()
        let request = authorization()
        let code = try await code(request)
        let answer = try await exchange(code, request, client: other, step: "other-client")
        if answer.succeeded { return .fail("another client exchanged the code") }
        return judgeError(answer, expected: ["invalid_grant", "invalid_client", "unauthorized_client"], status: [400, 401])
    }

    mutating func redirectURIExactMatch() async throws(CheckFailure) -> CheckVerdict {
        let registered = file.client.redirectURI
        let probes = [
            ("an unregistered host", Self.unregisteredRedirectURI),
            ("a longer path (prefix match)", Self.extendingPath(registered, "extra")),
        ]
        var seen: [String] = []
        for (what, uri) in probes {
            agent.cookies = CookieJar()
            let request = authorization(overrides: ["redirect_uri": uri])
            switch try await authorize(request, step: "unregistered-redirect-uri") {
            case .redirected:
                return .fail("the provider redirected to \(what) that is not registered: \(uri)")
            case .page(let status, _):
                seen.append("\(what): error page\(status.map { " (HTTP \($0))" } ?? "")")
            }
        }
        return .pass(seen.joined(separator: "; "))
    }

    mutating func unknownClientNoRedirect() async throws(CheckFailure) -> CheckVerdict {
        let unknown = ProviderFile.Client(
            clientID: "unknown-" + SecureRandom.token(bytes: 6),
            clientSecret: nil,
            redirectURI: file.client.redirectURI,
            authMethod: .none
        )
        switch try await authorize(authorization(client: unknown), step: "unknown-client") {
        case .redirected(let parameters, _):
            return .fail("the provider redirected for an unknown client (\(parameters["error"].map { "error \($0)" } ?? "with a code"))")
        case .page(let status, _):
            return .pass("error page\(status.map { " (HTTP \($0))" } ?? ""), no redirect")
        }
    }

    mutating func unsupportedResponseType() async throws(CheckFailure) -> CheckVerdict {
        let request = authorization(overrides: ["response_type": "oauth_harness_unknown"])
        switch try await authorize(request, step: "unknown-response-type") {
        case .redirected(let parameters, _):
            if parameters["code"] != nil { return .fail("a code was issued for an unknown response_type") }
            guard parameters["state"] == request.state else { return .fail("the error redirect did not carry the state") }
            if parameters["error"] == "unsupported_response_type" { return .pass("redirected with error unsupported_response_type and the state") }
            return .warning("redirected with error \(parameters["error"] ?? "none"), expected unsupported_response_type")
        case .page(let status, let reason):
            return .fail(
                "an error page\(status.map { " (HTTP \($0))" } ?? "") instead of a redirect with the error (client and redirect_uri were valid): \(reason)"
            )
        }
    }

    /// A fresh sign-in's refresh token, or why the checks about it do not apply.
    mutating func freshRefreshToken() async throws(CheckFailure) -> (String, TokenAnswer)? {
        if file.expect.refreshTokens == false { return nil }
        let (answer, _) = try await signIn(step: "sign-in")
        guard let refresh = answer.refreshToken else {
            if file.expect.refreshTokens == true {
                throw CheckFailure(reason: "no refresh_token was issued, though the file expects one")
            }
            return nil
        }
        return (refresh, answer)
    }

    mutating func refreshTokenGrant() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        guard let (refresh, _) = try await freshRefreshToken() else { return .skipped("no refresh token issued to this client") }
        let answer = try await tokenRequest([("grant_type", "refresh_token"), ("refresh_token", refresh)], step: "refresh")
        findings.refreshed(refresh, answer: answer)
        guard answer.succeeded else { return .fail("the refresh failed: \(Self.describe(answer))") }
        return .pass("a new access token: \(Self.describe(answer))")
    }

    mutating func refreshTokenRotation() async throws(CheckFailure) -> CheckVerdict {
        _ = try await baseline()
        guard let (refresh, _) = try await freshRefreshToken() else { return .skipped("no refresh token issued to this client") }
        let answer = try await tokenRequest([("grant_type", "refresh_token"), ("refresh_token", refresh)], step: "refresh")
        findings.refreshed(refresh, answer: answer)
        guard answer.succeeded else { throw CheckFailure(reason: "the refresh failed: \(Self.describe(answer))") }
        if let rotated = answer.refreshToken, rotated != refresh {
            let again = try await tokenRequest([("grant_type", "refresh_token"), ("refresh_token", refresh)], step: "old-refresh-token")
            if again.succeeded { return .fail("a new refresh token was issued, but the old one still works") }
            return .pass("rotated: the old refresh token is refused (\(Self.describe(again)))")
        }
        guard file.client.authMethod != .none, file.client.clientSecret != nil else {
            return .fail("a package client's refresh token is neither rotated nor sender-constrained")
        }
        let stolen = try await tokenRequest(
            [("grant_type", "refresh_token"), ("refresh_token", refresh)],
            secret: "wrong-" + SecureRandom.token(bytes: 8),
            step: "refresh-wrong-secret"
        )
        if stolen.succeeded { return .fail("not rotated, and usable with a wrong client secret") }
        return .pass("not rotated, but bound to the confidential client's authentication (\(Self.describe(stolen)) with a wrong secret)")
    }
}
