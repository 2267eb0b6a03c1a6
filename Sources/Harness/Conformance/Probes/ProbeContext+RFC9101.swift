import Foundation
import OAuth2
import OAuthCore

// RFC 9101 (JWT-Secured Authorization Request): request objects signed with the client secret.
extension ProbeContext {
    /// The key the client signs request objects with (HS256 keyed by its secret), or why the
    /// plan cannot sign one.
    func requestObjectSigner(secret: String? = nil) throws(CheckFailure) -> Result<RequestObject, CheckVerdict.Skip> {
        guard let algorithms = endpoints.advertised("request_object_signing_alg_values_supported") else {
            return .failure(.init("the metadata has no request_object_signing_alg_values_supported"))
        }
        // A registered client with a key of its own signs with it (its jwks is registered).
        if secret == nil, let key = file.client.signingKey, algorithms.contains(key.key.algorithm.rawValue), let issuer {
            return .success(RequestObject(key: key.key, audience: issuer, keyID: key.kid))
        }
        guard algorithms.contains("HS256") else {
            return .failure(
                .init(
                    "no HS256 among the request-object algorithms (\(algorithms.joined(separator: ", "))): a provider file gives no client key to sign with"
                )
            )
        }
        guard let clientSecret = file.client.clientSecret, file.client.authMethod != .none else {
            return .failure(.init("the client is public: no secret to sign an HS256 request object with"))
        }
        guard let issuer else { return .failure(.init("the provider's issuer is unknown (no metadata document)")) }
        guard (secret ?? clientSecret).utf8.count >= 32 else {
            return .failure(.init("the client secret is shorter than the 32 bytes an HS256 key needs (RFC 7518 §3.2)"))
        }
        do {
            return .success(RequestObject(key: try JWSKey.hmac(secret: secret ?? clientSecret), audience: issuer))
        } catch {
            throw CheckFailure(reason: "cannot make the request-object key: \(error.errorDescription ?? error.code.rawValue)")
        }
    }

    /// An authorization whose parameters travel in a request object signed by `signer`; the
    /// query keeps client_id, response_type and scope (§5: repeated for OAuth 2.0 parsers), and
    /// `query` adds or replaces parameters outside the object.
    func signedRequestObjectAuthorization(_ signer: RequestObject, query: [String: String] = [:]) throws(CheckFailure) -> Authorization {
        var request = authorization()
        let object: String
        do {
            object = try signer.sign(FormParameters(request.parameters), clientID: request.client.clientID)
        } catch {
            throw CheckFailure(reason: "cannot sign the request object: \(error.errorDescription ?? error.code.rawValue)")
        }
        var outside = request.parameters.filter { ["client_id", "response_type", "scope"].contains($0.0) }
        for (name, value) in query.sorted(by: { $0.key < $1.key }) {
            outside.removeAll { $0.0 == name }
            outside.append((name, value))
        }
        request.parameters = outside + [("request", object)]
        return request
    }

    /// Whether a correctly signed request object gives a code at all: the negative checks mean
    /// nothing when every request object is refused (jar-signed-request-object says why).
    mutating func signedRequestObjectsWork(_ signer: RequestObject) async throws(CheckFailure) -> Bool {
        let request = try signedRequestObjectAuthorization(signer)
        guard case .redirected(let parameters, _) = try await authorize(request, step: "valid-request-object") else { return false }
        return parameters["code"] != nil && parameters["state"] == request.state
    }

    static let requestObjectsRefused = CheckVerdict.skipped("a correctly signed request object is refused too (see jar-signed-request-object)")

    mutating func jarSignedRequestObject() async throws(CheckFailure) -> CheckVerdict {
        let signer: RequestObject
        switch try requestObjectSigner() {
        case .success(let found): signer = found
        case .failure(let skip): return .skipped(skip.reason)
        }
        let request = try signedRequestObjectAuthorization(signer)
        let code = try await code(request, step: "signed-request-object")
        let answer = try await exchange(code, request, step: "token")
        guard answer.succeeded else { return .fail("the code was not exchanged: \(Self.describe(answer))") }
        return .pass("the request object's state came back with a code, exchanged: \(Self.describe(answer))")
    }

    mutating func jarSignatureVerified() async throws(CheckFailure) -> CheckVerdict {
        let forger: RequestObject
        switch try requestObjectSigner(secret: "harness-not-the-client-secret-" + SecureRandom.token(bytes: 16)) {
        case .success(let found): forger = found
        case .failure(let skip): return .skipped(skip.reason)
        }
        if case .success(let signer) = try requestObjectSigner(), !(try await signedRequestObjectsWork(signer)) { return Self.requestObjectsRefused }
        let request = try signedRequestObjectAuthorization(forger)
        switch try await authorize(request, step: "forged-request-object") {
        case .page(let status, _): return .pass("refused with an error page\(status.map { " (HTTP \($0))" } ?? "")")
        case .redirected(let parameters, _):
            if let error = parameters["error"] { return .pass("refused: error \(error)") }
            if parameters["code"] != nil {
                return .fail("a request object signed with another key than the client's gave a code (its signature was not checked)")
            }
            return .pass("no code issued")
        }
    }

    mutating func jarRequestObjectWins() async throws(CheckFailure) -> CheckVerdict {
        let signer: RequestObject
        switch try requestObjectSigner() {
        case .success(let found): signer = found
        case .failure(let skip): return .skipped(skip.reason)
        }
        let outsideState = "harness-query-state-" + SecureRandom.token(bytes: 6)
        let request = try signedRequestObjectAuthorization(signer, query: ["state": outsideState])
        switch try await authorize(request, step: "query-beside-request-object") {
        case .page(let status, _):
            guard try await signedRequestObjectsWork(signer) else { return Self.requestObjectsRefused }
            return .pass("refused a request whose query repeats state with another value\(status.map { " (HTTP \($0))" } ?? "")")
        case .redirected(let parameters, _):
            if let error = parameters["error"] {
                guard try await signedRequestObjectsWork(signer) else { return Self.requestObjectsRefused }
                return .pass("refused a request whose query contradicts its object: error \(error)")
            }
            if parameters["state"] == outsideState {
                return .fail("the query's state overrode the request object's (§6.3: only the object's parameters are used)")
            }
            guard parameters["state"] == request.state else { return .fail("the redirect carried neither the object's state nor the query's") }
            return .pass("the request object's state came back, not the query's")
        }
    }
}
