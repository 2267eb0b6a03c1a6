import Foundation
import OAuth2
import OAuthCore

// RFC 9449 (DPoP): tokens bound to the client's key, proofs checked at both servers.
extension ProbeContext {
    static let noDPoP = CheckVerdict.skipped("the metadata has no dpop_signing_alg_values_supported")

    /// A fresh key of an algorithm the provider lists (ES256 when it does), or why there is none.
    func dpopKey() throws(CheckFailure) -> DPoP? {
        guard let algorithms = endpoints.advertised("dpop_signing_alg_values_supported") else { return nil }
        let usable = JWSKey.asymmetricAlgorithms.filter { algorithms.contains($0.rawValue) }
        guard let algorithm = usable.first(where: { $0 == .es256 }) ?? usable.first else {
            throw CheckFailure(
                reason: "dpop_signing_alg_values_supported lists no algorithm the harness signs with (\(algorithms.joined(separator: ", ")))"
            )
        }
        do {
            return try DPoP(key: try JWSKey.generate(algorithm), bindsAuthorizationCode: false)
        } catch {
            throw CheckFailure(reason: "cannot make a DPoP key: \(error.errorDescription ?? error.code.rawValue)")
        }
    }

    /// How a proof differs from a correct one, for the negative checks.
    struct ProofFault: Sendable {
        /// Sign for this method and URI instead of the request's.
        var target: (method: String, url: String)? = nil
        /// Break the signature.
        var badSignature = false
    }

    /// Sends `request` with a proof (and `ath` for `accessToken`); once more, with a fresh proof
    /// and the nonce, when the server asks for one (§8, §9). Returns the answer and the proof sent.
    func sendWithProof(
        _ request: TransportRequest,
        dpop: DPoP,
        accessToken: String? = nil,
        fault: ProofFault = ProofFault(),
        step: String
    ) async throws(CheckFailure) -> (TransportResponse, String) {
        var request = request
        var attempt = 0
        while true {
            attempt += 1
            let (method, url) = fault.target ?? (request.method, request.url)
            var proof: String
            do {
                proof = try dpop.proof(method: method, url: url, accessToken: accessToken, nonce: dpop.nonce(for: request.url))
            } catch {
                throw CheckFailure(reason: "cannot sign a DPoP proof: \(error.errorDescription ?? error.code.rawValue)")
            }
            if fault.badSignature { proof = Self.brokenSignature(proof) }
            request.headers["DPoP"] = proof
            let response = try await send(request, step: step)
            dpop.remember(response, from: request.url)
            if attempt == 1, DPoP.asksForNonce(response) {
                note("the server asked for a DPoP nonce; sent again with it")
                continue
            }
            return (response, proof)
        }
    }

    /// The JWS with its signature's first bytes changed (still base64url).
    static func brokenSignature(_ jws: String) -> String {
        guard let dot = jws.lastIndex(of: ".") else { return jws }
        var signature = Array(jws[jws.index(after: dot)...])
        for index in signature.indices.prefix(4) { signature[index] = signature[index] == "A" ? "B" : "A" }
        return String(jws[...dot]) + String(signature)
    }

    /// A sign-in whose code exchange carries a proof: the answer (DPoP-bound when it worked).
    mutating func dpopSignIn(_ dpop: DPoP, fault: ProofFault = ProofFault(), step: String = "dpop-sign-in") async throws(CheckFailure) -> TokenAnswer
    {
        _ = try await baseline()
        let request = authorization()
        let code = try await code(request, step: step)
        var parameters = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", request.redirectURI)]
        if let verifier = request.verifier { parameters.append(("code_verifier", verifier)) }
        let http = try tokenHTTPRequest(parameters, client: request.client, style: baselineStyle, secret: nil)
        return TokenAnswer(try await sendWithProof(http, dpop: dpop, fault: fault, step: step).0)
    }

    /// A DPoP-bound access token, or a failure naming what the token endpoint answered.
    mutating func boundToken(_ dpop: DPoP) async throws(CheckFailure) -> String {
        let answer = try await dpopSignIn(dpop)
        guard answer.succeeded, let token = answer.accessToken else {
            throw CheckFailure(reason: "a code exchange with a DPoP proof failed: \(Self.describe(answer))")
        }
        guard answer.token["token_type"]?.stringValue?.lowercased() == "dpop" else {
            throw CheckFailure(
                reason: "a token request with a proof got token_type \(answer.token["token_type"]?.stringValue ?? "(none)"), not DPoP (§5)"
            )
        }
        return token
    }

    /// The resource asked with `Authorization: DPoP` and a proof.
    func dpopResource(
        _ url: String,
        token: String,
        dpop: DPoP,
        fault: ProofFault = ProofFault(),
        step: String
    ) async throws(CheckFailure) -> (TransportResponse, String) {
        let request = TransportRequest(method: "GET", url: url, headers: ["Authorization": "DPoP " + token, "User-Agent": Self.userAgent])
        return try await sendWithProof(request, dpop: dpop, accessToken: token, fault: fault, step: step)
    }

    mutating func dpopTokenBinding() async throws(CheckFailure) -> CheckVerdict {
        guard let dpop = try dpopKey() else { return Self.noDPoP }
        let token = try await boundToken(dpop)
        guard let resource = endpoints.resourceOrUserInfo else {
            return .pass("token_type DPoP for a request with a proof (no resource to present it to)")
        }
        let (response, _) = try await dpopResource(resource, token: token, dpop: dpop, step: "resource")
        guard (200..<300).contains(response.status) else {
            return .fail("the DPoP-bound token with a proof answered HTTP \(response.status) at \(URLReference(resource).withoutQuery)")
        }
        findings.saw(claimsIn: response.body)
        return .pass("token_type DPoP; the resource answered HTTP \(response.status) to the token with a proof")
    }

    mutating func dpopProofRequiredAtResource() async throws(CheckFailure) -> CheckVerdict {
        guard let dpop = try dpopKey() else { return Self.noDPoP }
        guard let resource = endpoints.resourceOrUserInfo else { return Self.noResource }
        let token = try await boundToken(dpop)
        let bearer = try await get(resource, headers: ["Authorization": "Bearer " + token], step: "as-bearer")
        if (200..<300).contains(bearer.status) {
            return .fail(
                "the DPoP-bound token was accepted as a Bearer token without a proof (HTTP \(bearer.status)): a stolen token works without the key"
            )
        }
        let bare = try await get(resource, headers: ["Authorization": "DPoP " + token], step: "no-proof")
        if (200..<300).contains(bare.status) {
            return .fail("the DPoP-bound token was accepted with the DPoP scheme but no proof (HTTP \(bare.status))")
        }
        return .pass("refused as Bearer (HTTP \(bearer.status)) and without a proof (HTTP \(bare.status))")
    }

    mutating func dpopProofTarget() async throws(CheckFailure) -> CheckVerdict {
        guard let dpop = try dpopKey() else { return Self.noDPoP }
        guard let resource = endpoints.resourceOrUserInfo, let token = endpoints.token else {
            return Self.noResource
        }
        let access = try await boundToken(dpop)
        let fault = ProofFault(target: ("POST", token))
        let (response, _) = try await dpopResource(resource, token: access, dpop: dpop, fault: fault, step: "proof-for-another-uri")
        if (200..<300).contains(response.status) {
            return .fail(
                "a proof made for POST \(URLReference(token).withoutQuery) was accepted at GET \(URLReference(resource).withoutQuery) (htm/htu not checked)"
            )
        }
        return .pass("refused: HTTP \(response.status)\(response.headers["WWW-Authenticate"].map { ", \($0)" } ?? "")")
    }

    mutating func dpopProofSignature() async throws(CheckFailure) -> CheckVerdict {
        guard let dpop = try dpopKey() else { return Self.noDPoP }
        let answer = try await dpopSignIn(dpop, fault: ProofFault(badSignature: true), step: "broken-proof")
        if answer.succeeded { return .fail("a proof whose signature does not verify got a token: \(Self.describe(answer))") }
        guard answer.error == "invalid_dpop_proof" else { return .warning("refused, but not with invalid_dpop_proof (§5): \(Self.describe(answer))") }
        return .pass("refused: \(Self.describe(answer))")
    }

    mutating func dpopProofReplay() async throws(CheckFailure) -> CheckVerdict {
        guard let dpop = try dpopKey() else { return Self.noDPoP }
        guard let resource = endpoints.resourceOrUserInfo else { return Self.noResource }
        let token = try await boundToken(dpop)
        let (first, proof) = try await dpopResource(resource, token: token, dpop: dpop, step: "first-use")
        guard (200..<300).contains(first.status) else {
            throw CheckFailure(reason: "the bound token with a fresh proof answered HTTP \(first.status)")
        }
        let again = try await send(
            TransportRequest(method: "GET", url: resource, headers: ["Authorization": "DPoP " + token, "DPoP": proof, "User-Agent": Self.userAgent]),
            step: "same-proof-again"
        )
        if (200..<300).contains(again.status) {
            return .fail("the same proof (same jti) was accepted twice (HTTP \(again.status)): a captured request can be replayed")
        }
        return .pass("the proof's second use was refused: HTTP \(again.status)")
    }
}
