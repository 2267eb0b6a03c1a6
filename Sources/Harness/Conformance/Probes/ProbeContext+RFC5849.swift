import Foundation
import MockProviders
import OAuth1
import OAuthCore

// The probes of the `oauth1-provider` plan (RFC 5849 §2–§3): each signs requests with the
// library's RFC 5849 signer and judges what the provider does with them.

extension ProbeContext {
    func signer(
        method: SignatureMethod = .hmacSHA1,
        secret: String? = nil,
        token: (String, String)? = nil,
        verifier: String? = nil,
        clock: any OAuthClock = SystemClock()
    ) -> OAuth1Auth {
        let client = file.client
        return OAuth1Auth(
            clientID: client.clientID,
            clientSecret: secret ?? client.clientSecret ?? "",
            token: token?.0,
            tokenSecret: token?.1,
            callback: token == nil ? client.redirectURI : nil,
            verifier: verifier,
            rsaKey: method == .rsaSHA1 ? client.privateKeyPEM.flatMap { try? RSASigningKey(pem: $0) } : nil,
            signatureMethod: method,
            clock: clock
        )
    }

    func signed(_ auth: OAuth1Auth, _ url: String) throws(CheckFailure) -> TransportRequest {
        do {
            var request = try auth.sign(TransportRequest(method: "POST", url: url))
            request.headers["User-Agent"] = Self.userAgent
            return request
        } catch {
            throw CheckFailure(reason: "could not sign the request: \(error)")
        }
    }

    /// The temporary-credentials request (§2.1), signed as `auth` says; the response and its form.
    func temporaryCredentials(_ auth: OAuth1Auth, step: String) async throws(CheckFailure) -> (TransportResponse, FormParameters?) {
        let url = try require(endpoints.requestToken, "request_token (temporary credentials)")
        let response = try await send(try signed(auth, url), step: step)
        return (response, try? FormParameters(parsing: response.bodyText))
    }

    static func describe(_ response: TransportResponse) -> String {
        var text = "HTTP \(response.status)"
        if let problem = (try? FormParameters(parsing: response.bodyText))?["oauth_problem"] { text += ", oauth_problem=\(problem)" }
        return text
    }

    mutating func oauth1CallbackConfirmed() async throws(CheckFailure) -> CheckVerdict {
        let (response, form) = try await temporaryCredentials(signer(), step: "request-token")
        guard response.status == 200, let form, form["oauth_token"] != nil, form["oauth_token_secret"] != nil else {
            return .fail("temporary credentials were not issued: \(Self.describe(response))")
        }
        guard form["oauth_callback_confirmed"] == "true" else {
            findings.detected(DetectedQuirk(quirk: .callbackNotConfirmed, evidence: "temporary credentials without oauth_callback_confirmed=true"))
            return explained(.fail("no oauth_callback_confirmed=true (§2.1: it MUST be present and set to true)"), by: [.callbackNotConfirmed])
        }
        return .pass("oauth_token, oauth_token_secret and oauth_callback_confirmed=true")
    }

    mutating func oauth1ThreeLegged() async throws(CheckFailure) -> CheckVerdict {
        let (response, form) = try await temporaryCredentials(signer(), step: "request-token")
        guard response.status == 200, let token = form?["oauth_token"], let secret = form?["oauth_token_secret"] else {
            throw CheckFailure(reason: "temporary credentials were not issued: \(Self.describe(response))")
        }
        let authorize = try require(endpoints.authorize, "authorization")
        let start = URLReference.appending(FormParameters([("oauth_token", token)]), to: authorize)
        transport.setStep("authorize")
        let intent = UserAgent.Intent(decision: .approve, username: file.user?.username, password: file.user?.password)
        let callback: String
        do {
            callback = try await agent.navigate(from: start, to: file.client.redirectURI, intent: intent, step: "authorize")
        } catch {
            return .fail("the authorization step did not come back to the callback: \(error.errorDescription ?? error.code.rawValue)")
        }
        let parameters = (try? URLReference(callback).queryItems()) ?? FormParameters()
        guard parameters["oauth_token"] == token, let verifier = parameters["oauth_verifier"] else {
            return .fail("the callback did not carry the temporary oauth_token and an oauth_verifier (§2.2)")
        }
        let tokenURL = try require(endpoints.token, "access_token (token credentials)")
        let exchanged = try await send(try signed(signer(token: (token, secret), verifier: verifier), tokenURL), step: "access-token")
        let credentials = try? FormParameters(parsing: exchanged.bodyText)
        guard exchanged.status == 200, let access = credentials?["oauth_token"], let accessSecret = credentials?["oauth_token_secret"] else {
            return .fail("token credentials were not issued: \(Self.describe(exchanged))")
        }
        guard let resource = endpoints.resource else { return .pass("token credentials issued (no resource given to call)") }
        var call = TransportRequest(method: "GET", url: resource, headers: ["User-Agent": Self.userAgent])
        do { call = try signer(token: (access, accessSecret)).sign(call) } catch { throw CheckFailure(reason: "could not sign: \(error)") }
        let answer = try await send(call, step: "resource")
        guard (200..<300).contains(answer.status) else {
            return .fail("a signed request with the token credentials answered \(Self.describe(answer))")
        }
        return .pass("temporary credentials → authorization with a verifier → token credentials → HTTP \(answer.status) from the resource")
    }

    mutating func oauth1NonceReplay() async throws(CheckFailure) -> CheckVerdict {
        let url = try require(endpoints.requestToken, "request_token")
        let request = try signed(signer(), url)
        let first = try await send(request, step: "first")
        guard first.status == 200 else { throw CheckFailure(reason: "the first request failed: \(Self.describe(first))") }
        let replay = try await send(request, step: "replay")
        if replay.status == 200 { return .fail("the same nonce and timestamp were accepted twice (§3.3)") }
        return .pass("the replayed request was refused: \(Self.describe(replay))")
    }

    mutating func oauth1StaleTimestamp() async throws(CheckFailure) -> CheckVerdict {
        let stale = OffsetClock(base: SystemClock(), offset: -86_400)
        let (response, _) = try await temporaryCredentials(signer(clock: stale), step: "stale-timestamp")
        if response.status == 200 { return .fail("a request timestamped a day ago was accepted (§3.3)") }
        return .pass("refused: \(Self.describe(response))")
    }

    mutating func oauth1InvalidSignature() async throws(CheckFailure) -> CheckVerdict {
        let (response, _) = try await temporaryCredentials(signer(secret: "wrong-" + SecureRandom.token(bytes: 8)), step: "wrong-signature")
        if response.status == 200 { return .fail("a request signed with a wrong client secret was accepted (§3.2)") }
        guard response.status == 401 else { return .fail("refused with HTTP \(response.status), expected 401 (§3.2)") }
        return .pass("refused: \(Self.describe(response))")
    }

    mutating func oauth1SignatureMethods() async throws(CheckFailure) -> CheckVerdict {
        var worked: [String] = []
        var failed: [String] = []
        var skipped: [String] = []
        for method in file.signatureMethods {
            let name = method.rawValue
            guard method != .rsaSHA1 || file.client.privateKeyPEM != nil else {
                skipped.append(name)
                continue
            }
            let (response, form) = try await temporaryCredentials(signer(method: method), step: name)
            if response.status == 200, form?["oauth_token"] != nil {
                worked.append(name)
            } else {
                failed.append("\(name) (\(Self.describe(response)))")
            }
        }
        if !failed.isEmpty { return .fail("claimed but refused: \(failed.joined(separator: ", "))") }
        guard !worked.isEmpty else { return .skipped("no signature method the check can sign with (\(skipped.joined(separator: ", ")))") }
        return .pass(
            "accepted: \(worked.joined(separator: ", "))\(skipped.isEmpty ? "" : "; not tried (give the client's private_key in the provider file): \(skipped.joined(separator: ", "))")"
        )
    }

    mutating func oauth1ProblemReporting() async throws(CheckFailure) -> CheckVerdict {
        let (response, form) = try await temporaryCredentials(signer(secret: "wrong-" + SecureRandom.token(bytes: 8)), step: "problem")
        guard response.status != 200 else { return .fail("a wrongly signed request was accepted") }
        let challenge = response.headers["WWW-Authenticate"] ?? ""
        let problem = form?["oauth_problem"]
        if challenge.lowercased().hasPrefix("oauth"), problem != nil { return .pass("WWW-Authenticate: OAuth and oauth_problem=\(problem!)") }
        if challenge.lowercased().hasPrefix("oauth") { return .fail("WWW-Authenticate: OAuth, but no oauth_problem in the body") }
        if let problem { return .fail("oauth_problem=\(problem), but no WWW-Authenticate: OAuth challenge (§3.2 401 responses)") }
        return .fail("neither a WWW-Authenticate: OAuth challenge nor an oauth_problem (OAuth Problem Reporting)")
    }
}
