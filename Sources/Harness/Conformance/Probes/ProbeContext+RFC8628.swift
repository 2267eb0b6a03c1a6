import Foundation
import MockProviders
import OAuthCore

// RFC 8628 (OAuth 2.0 Device Authorization Grant).
extension ProbeContext {
    /// §3.1–§3.2: the device authorization endpoint answers the client with a JSON object holding
    /// `device_code`, `user_code`, `verification_uri` (an absolute URI), a positive integer
    /// `expires_in`, and `interval` an integer when present. Google's `verification_url` and a
    /// string `interval` are recorded as the quirks they are.
    mutating func deviceAuthorizationResponse() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.deviceAuthorization else { return .skipped("no device authorization endpoint") }
        _ = try await baseline()
        var parameters: [(String, String)] = []
        if !file.scope.isEmpty { parameters.append(("scope", file.scope.joined(separator: " "))) }
        let answer = try await tokenRequest(parameters, url: url, step: "device-authorization")
        guard answer.status == 200 else {
            return .fail("the device authorization request answered HTTP \(answer.status)\(answer.error.map { " (\($0))" } ?? "")")
        }
        guard case .object(let members)? = try? JSONValue.parse(answer.response.body) else {
            return .fail("the answer is not a JSON object (§3.2: application/json)")
        }
        var problems: [(String, Quirk?)] = []
        for name in ["device_code", "user_code"] where members[name]?.stringValue?.isEmpty != false {
            problems.append(("no \(name) string", nil))
        }
        if members["verification_uri"] == nil, members["verification_url"]?.stringValue != nil {
            findings.detected(DetectedQuirk(quirk: .verificationURL, evidence: "the device response names verification_url, not verification_uri"))
            problems.append(("verification_url instead of verification_uri", .verificationURL))
        } else if let uri = members["verification_uri"]?.stringValue, URLReference(uri).scheme != nil {
            // present and absolute
        } else {
            problems.append(("no absolute verification_uri", nil))
        }
        if case .number(let number)? = members["expires_in"], let seconds = number.int64, seconds > 0 {
            // a positive integer
        } else {
            problems.append(("expires_in is not a positive integer", nil))
        }
        switch members["interval"] {
        case nil: break
        case .number(let number)? where number.int64.map({ $0 > 0 }) == true: break
        case .string(let text)? where Int(text) != nil:
            findings.detected(DetectedQuirk(quirk: .intervalAsString, evidence: "the device response's interval is a JSON string"))
            problems.append(("interval is a string", .intervalAsString))
        default: problems.append(("interval is not a positive integer", nil))
        }
        guard problems.isEmpty else { return explained(problems, section: "§3.2") }
        return .pass("device_code, user_code, verification_uri, expires_in\(members["interval"] == nil ? "" : ", interval") as §3.2 has them")
    }
}

// RFC 8628 §3.3–§3.5: the grant itself, polled in real time (bounded by the check's timeout).
extension ProbeContext {
    /// A device authorization the checks can use: its codes, verification URI, lifetime and interval.
    struct DeviceCodes: Sendable {
        var deviceCode: String
        var userCode: String
        var verificationURI: String
        var verificationURIComplete: String?
        var expiresIn: Int
        var interval: Int
    }

    static let noDevice = CheckVerdict.skipped("no device authorization endpoint")

    static let deviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

    /// The client the device checks use: the first the provider file allows the device grant.
    var deviceClient: ProviderFile.Client { file.client(for: Self.deviceGrantType) }

    /// Asks the device authorization endpoint for codes (client_id always in the body too, as
    /// §3.1 has a client that does not authenticate send it).
    func deviceCodes(step: String = "device-authorization") async throws(CheckFailure) -> DeviceCodes? {
        guard let url = endpoints.deviceAuthorization else { return nil }
        var parameters: [(String, String)] = []
        if !file.scope.isEmpty { parameters.append(("scope", file.scope.joined(separator: " "))) }
        let client = deviceClient
        if client.authMethod == .clientSecretBasic { parameters.append(("client_id", client.clientID)) }
        let answer = try await tokenRequest(parameters, client: client, style: TokenRequestStyle(acceptJSON: true), url: url, step: step)
        let members = answer.raw
        guard answer.status == 200, let device = members["device_code"]?.stringValue, let user = members["user_code"]?.stringValue,
            let uri = (members["verification_uri"] ?? members["verification_url"])?.stringValue
        else {
            throw CheckFailure(reason: "the device authorization request failed: \(Self.describe(answer))")
        }
        func integer(_ name: String) -> Int? {
            switch members[name] {
            case .number(let number)?: number.int64.map(Int.init)
            case .string(let text)?: Int(text)
            default: nil
            }
        }
        return DeviceCodes(
            deviceCode: device,
            userCode: user,
            verificationURI: uri,
            verificationURIComplete: members["verification_uri_complete"]?.stringValue,
            expiresIn: integer("expires_in") ?? 1800,
            interval: max(1, integer("interval") ?? 5)
        )
    }

    /// One poll of the token endpoint for `codes`.
    func poll(_ codes: DeviceCodes, step: String) async throws(CheckFailure) -> TokenAnswer {
        let client = deviceClient
        return try await tokenRequest(
            [("grant_type", Self.deviceGrantType), ("device_code", codes.deviceCode)]
                + (client.authMethod == .clientSecretBasic ? [("client_id", client.clientID)] : []),
            client: client,
            style: TokenRequestStyle(acceptJSON: true),
            step: step
        )
    }

    /// The user opens the verification URI, types the user code, signs in and approves.
    mutating func approve(_ codes: DeviceCodes) async throws(CheckFailure) {
        transport.setStep("device-login")
        let intent = UserAgent.Intent(decision: .approve, username: file.user?.username, password: file.user?.password, userCode: codes.userCode)
        do {
            _ = try await agent.navigate(from: codes.verificationURI, to: nil, intent: intent, step: "device-login")
        } catch {
            throw CheckFailure(
                reason:
                    "the user could not approve at \(URLReference(codes.verificationURI).withoutQuery): \(error.errorDescription ?? error.code.rawValue)"
            )
        }
    }

    /// Waits the interval, as §3.5 has a client wait between requests.
    func waitInterval(_ seconds: Int) async throws(CheckFailure) {
        do { try await Task.sleep(for: .seconds(seconds)) } catch { throw CheckFailure(reason: "cancelled while polling") }
    }

    /// Polls, each time after the interval (5 s longer after slow_down), until an answer other
    /// than pending, at most `polls` times.
    func pollUntilDecided(_ codes: DeviceCodes, polls: Int = 6) async throws(CheckFailure) -> TokenAnswer {
        var interval = codes.interval
        var last: TokenAnswer?
        for index in 0..<polls {
            try await waitInterval(interval)
            let answer = try await poll(codes, step: "poll-\(index + 1)")
            last = answer
            switch answer.error {
            case "authorization_pending": continue
            case "slow_down":
                interval += 5
                guard interval <= Self.deviceIntervalLimit else {
                    throw CheckFailure(reason: "slow_down raised the interval past \(Self.deviceIntervalLimit) s")
                }
            default: return answer
            }
        }
        return last!
    }

    mutating func deviceGrant() async throws(CheckFailure) -> CheckVerdict {
        guard let codes = try await deviceCodes() else { return Self.noDevice }
        if codes.interval > Self.deviceIntervalLimit { return Self.intervalTooLong(codes) }
        try await waitInterval(codes.interval)
        let early = try await poll(codes, step: "poll-before-approval")
        if early.succeeded { return .fail("a token was issued before the user approved") }
        var notes: [String] = []
        if early.error != "authorization_pending" {
            notes.append("the poll before approval answered \(early.error ?? "HTTP \(early.status)"), §3.5 names authorization_pending")
        }
        try await approve(codes)
        let answer = try await pollUntilDecided(codes)
        guard answer.succeeded else { return .fail("after the user approved, polling answered \(Self.describe(answer))") }
        if !notes.isEmpty { return .fail(notes.joined(separator: "; ") + " (a token came after approval)") }
        return .pass("authorization_pending before approval; a token after: \(Self.describe(answer))")
    }

    mutating func deviceCodeSingleUse() async throws(CheckFailure) -> CheckVerdict {
        guard let codes = try await deviceCodes() else { return Self.noDevice }
        if codes.interval > Self.deviceIntervalLimit { return Self.intervalTooLong(codes) }
        try await approve(codes)
        let first = try await pollUntilDecided(codes)
        guard first.succeeded else { throw CheckFailure(reason: "after the user approved, polling answered \(Self.describe(first))") }
        try await waitInterval(codes.interval)
        let second = try await poll(codes, step: "poll-after-token")
        if second.succeeded { return .fail("the device code gave a second token") }
        return .pass("refused after its token: \(Self.describe(second))")
    }

    /// The longest polling interval the checks wait (a provider's interval bounds nothing else).
    static let deviceIntervalLimit = 30

    static func intervalTooLong(_ codes: DeviceCodes) -> CheckVerdict {
        .skipped("the polling interval is \(codes.interval) s; the checks wait at most \(deviceIntervalLimit) s between polls")
    }

    /// The longest `expires_in` the expiry check waits for.
    static let deviceExpiryWait = 30

    mutating func deviceCodeExpires() async throws(CheckFailure) -> CheckVerdict {
        guard let codes = try await deviceCodes() else { return Self.noDevice }
        if codes.interval > Self.deviceIntervalLimit { return Self.intervalTooLong(codes) }
        guard codes.expiresIn <= Self.deviceExpiryWait else {
            return .skipped("expires_in is \(codes.expiresIn) s; the check waits at most \(Self.deviceExpiryWait) s")
        }
        note("waiting \(codes.expiresIn + 1) s for the device code to expire")
        try await waitInterval(codes.expiresIn + 1)
        let answer = try await poll(codes, step: "poll-after-expiry")
        if answer.succeeded { return .fail("an expired device code gave a token") }
        switch answer.error {
        case "expired_token": return .pass("expired_token after expires_in")
        case "authorization_pending", "slow_down":
            return .fail("still \(answer.error!) \(codes.expiresIn + 1) s after an expires_in of \(codes.expiresIn) s: the code never expires")
        default: return .warning("refused, but not with expired_token (§3.5): \(Self.describe(answer))")
        }
    }
}
