import Foundation
import OAuth2
import OAuthCore

// RFC 9728 (OAuth 2.0 Protected Resource Metadata) and RFC 8707 (Resource Indicators).
extension ProbeContext {
    /// The resource's identifier (its URL without query or fragment) and where its metadata is
    /// (§3.1: the well-known path inserted between the host and the resource's path).
    func protectedResource() -> (identifier: String, metadataURL: String)? {
        guard let url = endpoints.resource else { return nil }
        let reference = URLReference(url)
        guard let scheme = reference.scheme, let authority = reference.authority else { return nil }
        let path = reference.path == "/" ? "" : reference.path
        return (scheme + "://" + authority + reference.path, scheme + "://" + authority + "/.well-known/oauth-protected-resource" + path)
    }

    /// The resource's metadata document, or why the plan's checks are skipped.
    func resourceMetadata() async throws(CheckFailure) -> Result<(identifier: String, url: String, members: [String: JSONValue]), CheckVerdict.Skip> {
        guard let resource = protectedResource() else { return .failure(.init("no protected resource (give resource: in the provider file)")) }
        let response = try await get(resource.metadataURL, headers: ["Accept": "application/json"], step: "resource-metadata")
        guard response.status == 200 else {
            return .failure(.init("the resource publishes no RFC 9728 metadata (GET \(resource.metadataURL) answered HTTP \(response.status))"))
        }
        guard case .object(let members)? = try? JSONValue.parse(response.body) else {
            throw CheckFailure(reason: "the resource metadata at \(resource.metadataURL) is not a JSON object")
        }
        return .success((resource.identifier, resource.metadataURL, members))
    }

    mutating func protectedResourceMetadata() async throws(CheckFailure) -> CheckVerdict {
        let found: (identifier: String, url: String, members: [String: JSONValue])
        switch try await resourceMetadata() {
        case .success(let metadata): found = metadata
        case .failure(let skip): return .skipped(skip.reason)
        }
        var problems: [String] = []
        let named = found.members["resource"]?.stringValue
        if named != found.identifier { problems.append("resource is \(named ?? "absent"), not \(found.identifier) (§3.3: identical)") }
        let servers = found.members["authorization_servers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if servers.isEmpty {
            problems.append("no authorization_servers")
        } else if let issuer, !servers.contains(issuer) {
            problems.append("authorization_servers \(servers) does not name the issuer \(issuer)")
        }
        guard problems.isEmpty else { return .fail(problems.joined(separator: "; ")) }
        return .pass("resource \(found.identifier); authorization_servers names the issuer")
    }

    mutating func protectedResourceChallenge() async throws(CheckFailure) -> CheckVerdict {
        let found: (identifier: String, url: String, members: [String: JSONValue])
        switch try await resourceMetadata() {
        case .success(let metadata): found = metadata
        case .failure(let skip): return .skipped(skip.reason)
        }
        let response = try await get(found.identifier, step: "no-token")
        guard response.status == 401 else { return .fail("HTTP \(response.status) without a token, expected 401") }
        guard let challenge = response.headers["WWW-Authenticate"], challenge.lowercased().hasPrefix("bearer") else {
            return .fail("401 without a Bearer challenge")
        }
        guard challenge.contains("resource_metadata=\"\(found.url)\"") else {
            return .fail("the challenge does not name resource_metadata=\"\(found.url)\": \(challenge.prefix(200))")
        }
        return .pass("401, the challenge names the metadata URL")
    }

    /// A sign-in whose authorization and token requests name `resource` (RFC 8707 §2.1, §2.2).
    mutating func signIn(forResource resource: String, step: String) async throws(CheckFailure) -> TokenAnswer {
        let request = authorization(overrides: ["resource": resource])
        let code = try await code(request, step: step)
        var parameters = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", request.redirectURI), ("resource", resource)]
        if let verifier = request.verifier { parameters.append(("code_verifier", verifier)) }
        return try await tokenRequest(parameters, client: request.client, step: step)
    }

    mutating func resourceIndicatorToken() async throws(CheckFailure) -> CheckVerdict {
        let found: (identifier: String, url: String, members: [String: JSONValue])
        switch try await resourceMetadata() {
        case .success(let metadata): found = metadata
        case .failure(let skip): return .skipped(skip.reason)
        }
        let answer = try await signIn(forResource: found.identifier, step: "token-for-the-resource")
        guard answer.succeeded, let token = answer.accessToken else { return .fail("no token for the resource: \(Self.describe(answer))") }
        let response = try await get(found.identifier, headers: ["Authorization": "Bearer " + token], step: "resource")
        guard (200..<300).contains(response.status) else {
            return .fail("the token asked for \(found.identifier) answered HTTP \(response.status) there")
        }
        findings.saw(claimsIn: response.body)
        return .pass("a token asked for \(found.identifier) works there (HTTP \(response.status))")
    }

    mutating func resourceAudienceEnforced() async throws(CheckFailure) -> CheckVerdict {
        let found: (identifier: String, url: String, members: [String: JSONValue])
        switch try await resourceMetadata() {
        case .success(let metadata): found = metadata
        case .failure(let skip): return .skipped(skip.reason)
        }
        let other = "https://other-resource.example.test/api"
        let answer = try await signIn(forResource: other, step: "token-for-another-resource")
        guard answer.succeeded, let token = answer.accessToken else {
            return .skipped("the authorization server issues no token for another resource (\(Self.describe(answer))), so none can be misused here")
        }
        let response = try await get(found.identifier, headers: ["Authorization": "Bearer " + token], step: "resource-with-another-resource's-token")
        if (200..<300).contains(response.status) {
            return .fail("a token asked for \(other) was accepted by \(found.identifier) (HTTP \(response.status)): its audience is not checked")
        }
        return .pass("refused: HTTP \(response.status)")
    }

    mutating func resourceIndicatorInvalidTarget() async throws(CheckFailure) -> CheckVerdict {
        let found: (identifier: String, url: String, members: [String: JSONValue])
        switch try await resourceMetadata() {
        case .success(let metadata): found = metadata
        case .failure(let skip): return .skipped(skip.reason)
        }
        let request = authorization(overrides: ["resource": found.identifier + "#fragment"])
        switch try await authorize(request, step: "resource-with-fragment") {
        case .page(let status, _): return .pass("refused with an error page\(status.map { " (HTTP \($0))" } ?? "")")
        case .redirected(let parameters, _):
            if parameters["code"] != nil { return .fail("a resource with a fragment was accepted (§2: it MUST NOT include one)") }
            guard let error = parameters["error"] else { return .fail("redirected with neither a code nor an error") }
            guard error == "invalid_target" else { return .warning("refused with error \(error); §2 names invalid_target") }
            return .pass("refused: error invalid_target")
        }
    }
}
