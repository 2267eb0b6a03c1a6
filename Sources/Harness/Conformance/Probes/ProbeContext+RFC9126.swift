import Foundation
import OAuth2
import OAuthCore

// RFC 9126 (Pushed Authorization Requests).
extension ProbeContext {
    static let noPAR = CheckVerdict.skipped("no pushed_authorization_request_endpoint in the metadata (or par: in the provider file)")

    /// The authorization request pushed as a form, authenticated as at the token endpoint (§2.1).
    func push(_ request: Authorization, to url: String, secret: String? = nil, step: String) async throws(CheckFailure) -> TokenAnswer {
        // client_id stays in the body beside HTTP Basic (§2.1's example); the other methods add it.
        let parameters = request.parameters.filter { $0.0 != "client_id" || request.client.authMethod == .clientSecretBasic }
        let http = try tokenHTTPRequest(parameters, client: request.client, style: TokenRequestStyle(acceptJSON: true), secret: secret, url: url)
        return TokenAnswer(try await send(http, step: step))
    }

    /// The browser's request for a pushed one: client_id and request_uri (§4), and for an
    /// OpenID request response_type and scope too, which OpenID Connect Core §6.1–§6.2 has a
    /// client repeat in the OAuth syntax beside a request object or its URI.
    static func withRequestURI(_ request: Authorization, _ uri: String) -> Authorization {
        var sent = request
        let openID = request.parameters.contains { $0.0 == "scope" && $0.1.split(separator: " ").contains("openid") }
        sent.parameters =
            [("client_id", request.client.clientID), ("request_uri", uri)]
            + (openID ? request.parameters.filter { ["response_type", "scope"].contains($0.0) } : [])
        return sent
    }

    /// A pushed request and its `request_uri`, or a failure naming what the endpoint answered.
    mutating func pushedRequestURI(_ request: Authorization, to url: String, step: String) async throws(CheckFailure) -> String {
        let answer = try await push(request, to: url, step: step)
        guard (200..<300).contains(answer.status), let uri = answer.raw["request_uri"]?.stringValue, !uri.isEmpty else {
            throw CheckFailure(reason: "the pushed request was not accepted: \(Self.describe(answer))")
        }
        return uri
    }

    mutating func parPushedRequest() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.par else { return Self.noPAR }
        let request = authorization()
        let answer = try await push(request, to: url, step: "push")
        var problems: [String] = []
        if answer.status != 201 { problems.append("HTTP \(answer.status), §2.2 wants 201") }
        guard let uri = answer.raw["request_uri"]?.stringValue, !uri.isEmpty else {
            return .fail("no request_uri: \(Self.describe(answer))")
        }
        if case .number(let number)? = answer.raw["expires_in"], let seconds = number.int64, seconds > 0 {
            // a positive integer
        } else {
            problems.append("expires_in is not a positive integer")
        }
        let code = try await code(Self.withRequestURI(request, uri), step: "authorize-request-uri")
        let exchanged = try await exchange(code, request, step: "token")
        guard exchanged.succeeded else { return .fail("the code of the pushed request was not exchanged: \(Self.describe(exchanged))") }
        if !problems.isEmpty { return .fail(problems.joined(separator: "; ") + " (the flow itself worked)") }
        return .pass("201 with request_uri and expires_in; the request_uri gave a code with the pushed state, exchanged: \(Self.describe(exchanged))")
    }

    mutating func parClientAuthentication() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.par else { return Self.noPAR }
        guard file.client.clientSecret != nil, file.client.authMethod != .none else {
            return .skipped("the client is public (no secret to get wrong)")
        }
        let answer = try await push(authorization(), to: url, secret: "harness-wrong-" + SecureRandom.token(bytes: 8), step: "push-wrong-secret")
        if (200..<300).contains(answer.status) || answer.raw["request_uri"] != nil {
            return .fail("a push with a wrong client secret was accepted: \(Self.describe(answer))")
        }
        guard answer.error == "invalid_client" else { return .warning("refused, but not with invalid_client: \(Self.describe(answer))") }
        return .pass("refused: \(Self.describe(answer))")
    }

    mutating func parRedirectURIValidated() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.par else { return Self.noPAR }
        let unregistered = Self.unregisteredRedirectURI
        let answer = try await push(authorization(overrides: ["redirect_uri": unregistered]), to: url, step: "push-unregistered-redirect")
        if (200..<300).contains(answer.status) || answer.raw["request_uri"] != nil {
            return .fail("a push naming the unregistered redirect_uri \(unregistered) was accepted (§2.1: validated as an authorization request)")
        }
        return .pass("refused at the PAR endpoint: \(Self.describe(answer))")
    }

    /// A redirect URI no client registers (the redirect-URI checks at both endpoints).
    static let unregisteredRedirectURI = "https://unregistered.oauth-harness.invalid/callback"

    mutating func parRequestURISingleUse() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.par else { return Self.noPAR }
        let request = authorization()
        let uri = try await pushedRequestURI(request, to: url, step: "push")
        do {
            _ = try await code(Self.withRequestURI(request, uri), step: "first-use")
        } catch {
            return .skipped("the first use of a request_uri gave no code either (see par-pushed-request): \(error.reason)")
        }
        switch try await authorize(Self.withRequestURI(request, uri), step: "second-use") {
        case .page(let status, _):
            return .pass("the second use showed an error page\(status.map { " (HTTP \($0))" } ?? "")")
        case .redirected(let parameters, _):
            if let error = parameters["error"] { return .pass("the second use was refused: error \(error)") }
            if parameters["code"] != nil { return .fail("the request_uri gave a second code") }
            return .pass("no second code")
        }
    }

    mutating func parRequired() async throws(CheckFailure) -> CheckVerdict {
        guard endpoints.metadata?["require_pushed_authorization_requests"] == .bool(true) else {
            return .skipped("require_pushed_authorization_requests is not true: requests that are not pushed are allowed")
        }
        switch try await authorize(authorization(), step: "not-pushed") {
        case .page(let status, _): return .pass("a request that was not pushed showed an error page\(status.map { " (HTTP \($0))" } ?? "")")
        case .redirected(let parameters, _):
            if let error = parameters["error"] { return .pass("a request that was not pushed was refused: error \(error)") }
            return .fail("the metadata requires pushed requests, but one sent directly gave a code")
        }
    }
}
