import Foundation
import OAuthCore

extension MockProvider {
    // MARK: RFC 8628 — device authorization grant

    /// The characters of user codes: consonants only, so that no word is spelled and none is
    /// mistaken for another (RFC 8628 §6.1).
    static let userCodeAlphabet = Array("BCDFGHJKLMNPQRSTVWXZ")
    /// The longest user code the verification page reads (anything longer is refused unread).
    static let maxUserCodeInput = 64

    /// §3.1–§3.2: client authentication, the scope checked, a device code and a user code issued.
    func deviceAuthorization(_ request: TransportRequest) async -> TransportResponse {
        guard let path = profile.endpoints[.deviceAuthorization], let verification = profile.endpoints[.deviceVerification] else {
            return Self.json(404, ["error": "not_found", "error_description": "no device authorization endpoint"])
        }
        guard let form = formBody(request) else {
            return Self.tokenError(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        }
        if let repeated = form.firstRepeatedName { return Self.tokenError(400, "invalid_request", "\(repeated) is repeated") }
        let client: ProviderProfile.Client
        switch await authenticateClient(request, form: form, endpointPath: path) {
        case .success(let authenticated?): client = authenticated
        case .success(nil): return Self.tokenError(401, "invalid_client", "no client authentication")
        case .failure(let failure): return failure.response
        }
        return await withScope(form) { scope in
            let now = clock.now()
            let deviceCode = SecureRandom.token(bytes: 32)
            let userCode = Self.newUserCode()
            let lifetime = profile.device.lifetime
            store.withStorage { storage in
                storage.deviceGrants[deviceCode] = ProviderState.DeviceGrant(
                    clientID: client.clientID,
                    scope: scope,
                    userCode: userCode,
                    expiresAt: now.addingTimeInterval(lifetime),
                    interval: profile.device.interval,
                    lastPoll: now
                )
                storage.deviceCodesByUserCode[userCode] = deviceCode
            }
            let uri = MockProvider.issuer(request) + verification
            var body: [String: JSONValue] = [
                "device_code": .string(deviceCode), "user_code": .string(Self.display(userCode)), "verification_uri": .string(uri),
                "expires_in": .number(JSONNumber(lifetime.rounded())), "interval": .number(JSONNumber(profile.device.interval)),
            ]
            if profile.device.verificationURIComplete {
                body["verification_uri_complete"] = .string(URLReference.appending(FormParameters([("user_code", Self.display(userCode))]), to: uri))
            }
            return deviceResponseQuirks(body, request: request)
        }
    }

    /// A fresh user code: 8 characters of ``userCodeAlphabet`` (about 34 bits, §5.1).
    static func newUserCode() -> String {
        // Bytes below 240 only (a multiple of 20), so every character is equally likely; four
        // rounds of 32 bytes all but never run out, and the last one falls back to the modulo.
        var code: [Character] = []
        for round in 0..<4 where code.count < 8 {
            for byte in SecureRandom.bytes(32) where code.count < 8 && (byte < 240 || round == 3) {
                code.append(userCodeAlphabet[Int(byte) % userCodeAlphabet.count])
            }
        }
        return String(code)
    }

    /// `BCDF-GHJK`: the code as the user reads it.
    static func display(_ code: String) -> String { code.count == 8 ? "\(code.prefix(4))-\(code.suffix(4))" : code }

    /// What the user typed, as stored: upper case, without dashes or spaces (§6.1); `nil` when it
    /// is too long to be one.
    static func normalizedUserCode(_ typed: String) -> String? {
        guard typed.utf8.count <= maxUserCodeInput else { return nil }
        return String(typed.uppercased().filter { $0 != "-" && !$0.isWhitespace })
    }

    /// How the quirk profiles deviate in the device response: Google's `verification_url`, a
    /// string `interval`, GitHub's form encoding.
    func deviceResponseQuirks(_ body: [String: JSONValue], request: TransportRequest) -> TransportResponse {
        var body = body
        if has(.verificationURL) {
            body["verification_url"] = body.removeValue(forKey: "verification_uri")
            body["verification_uri_complete"] = nil
        }
        if has(.intervalAsString) { body["interval"] = body["interval"].map { .string($0.description) } }
        if has(.formEncodedUnlessJSONAccepted), request.headers["Accept"]?.lowercased().contains("application/json") != true {
            var form = FormParameters()
            for (key, value) in body.sorted(by: { $0.key < $1.key }) { form.append(key, value.stringValue ?? value.description) }
            return TransportResponse(
                status: 200,
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Cache-Control": "no-store"],
                body: Array(form.encoded.utf8)
            )
        }
        return Self.json(200, body)
    }

    /// §3.4–§3.5 at the token endpoint: pending, `slow_down` for a poll sooner than the interval
    /// (which then grows by 5 seconds), denied, expired, or the tokens — once.
    func deviceToken(_ request: TransportRequest, form: FormParameters, client: ProviderProfile.Client, jkt: String?) async -> TransportResponse {
        guard let deviceCode = form["device_code"], !deviceCode.isEmpty else {
            return Self.tokenError(400, "invalid_request", "device_code is missing")
        }
        let now = clock.now()
        let neverExpires = evilMode == .deviceCodeNeverExpires
        let outcome: Result<ProviderState.DeviceGrant, ClientAuthFailure> = store.withStorage { storage in
            func fail(_ error: String, _ description: String) -> Result<ProviderState.DeviceGrant, ClientAuthFailure> {
                .failure(ClientAuthFailure(response: Self.tokenError(400, error, description)))
            }
            guard var grant = storage.deviceGrants[deviceCode] else { return fail("invalid_grant", "the device code is invalid") }
            guard grant.clientID == client.clientID else { return fail("invalid_grant", "the device code was issued to another client") }
            if grant.status == .redeemed { return fail("invalid_grant", "the device code was already used") }
            if now >= grant.expiresAt, !neverExpires { return fail("expired_token", "the device code has expired (RFC 8628 §3.5)") }
            defer { storage.deviceGrants[deviceCode] = grant }
            let early = now < grant.lastPoll.addingTimeInterval(TimeInterval(grant.interval))
            grant.lastPoll = now
            switch grant.status {
            case .denied:
                return fail("access_denied", "the user denied the request")
            case .pending:
                if early {
                    grant.interval += 5
                    return fail("slow_down", "polled sooner than every \(grant.interval - 5) s; now every \(grant.interval) s (RFC 8628 §3.5)")
                }
                return fail("authorization_pending", "the user has not yet approved the request")
            case .approved:
                let approved = grant
                grant.status = .redeemed
                return .success(approved)
            case .redeemed:
                return fail("invalid_grant", "the device code was already used")
            }
        }
        switch outcome {
        case .failure(let failure): return failure.response
        case .success(let grant):
            guard case .approved(let sub) = grant.status else { return Self.tokenError(500, "server_error", "unreachable") }
            return await issueTokens(
                request,
                form: form,
                clientID: client.clientID,
                sub: sub,
                scope: grant.scope,
                now: now,
                fromCode: nil,
                refresh: profile.issueRefreshToken,
                jkt: jkt
            )
        }
    }

    // MARK: The verification page (§3.3)

    /// The page a user opens on another device: it asks for the user code (filled in from
    /// `verification_uri_complete`, for the user to confirm, §3.3.1), then signs the user in as
    /// the authorization endpoint does, then asks for consent; approving or denying ends on a
    /// page with no form, telling the user to go back to the device.
    func deviceVerification(_ parameters: FormParameters?, submitted: Bool, cookie: String?) -> TransportResponse {
        guard let parameters else { return Self.badRequest("the query string is malformed") }
        let action = profile.endpoints[.deviceVerification] ?? ""
        guard let typed = parameters["user_code"], submitted || parameters["confirmed"] != nil else {
            return Self.userCodePage(profile: profile, action: action, prefilled: parameters["user_code"], error: nil)
        }
        let now = clock.now()
        let found = Self.normalizedUserCode(typed).flatMap { code in
            store.withStorage { storage -> (String, ProviderState.DeviceGrant)? in
                guard let deviceCode = storage.deviceCodesByUserCode[code], let grant = storage.deviceGrants[deviceCode],
                    grant.status == .pending, now < grant.expiresAt
                else { return nil }
                return (deviceCode, grant)
            }
        }
        guard let (deviceCode, grant) = found, let client = self.client(id: grant.clientID) else {
            return Self.userCodePage(
                profile: profile,
                action: action,
                prefilled: nil,
                error: "That code is not valid or has expired. Check it and try again."
            )
        }
        let hidden: [(name: String, value: String)] = [("user_code", Self.display(grant.userCode)), ("confirmed", "1")]
        func decide(_ status: ProviderState.DeviceGrant.Status) -> TransportResponse {
            store.withStorage { storage in
                guard storage.deviceGrants[deviceCode]?.status == .pending else { return }
                storage.deviceGrants[deviceCode]?.status = status
            }
            if case .approved = status {
                return Self.devicePage(
                    profile: profile,
                    title: "Device connected",
                    message: "You approved \(client.clientID). Return to your device."
                )
            }
            return Self.devicePage(profile: profile, title: "Access denied", message: "You denied \(client.clientID). You may close this window.")
        }
        let approve: (String) -> TransportResponse = { sub in decide(.approved(sub: sub)) }
        if let login = profile.login {
            return loginPages(
                login,
                parameters: parameters,
                hidden: hidden,
                submitted: submitted && parameters["login_step"] != nil || parameters["decision"] != nil,
                cookie: cookie,
                client: client,
                scope: grant.scope,
                action: action,
                issue: approve,
                deny: { decide(.denied) }
            )
        }
        guard parameters["decision"] != nil else {
            return ConsentPage.render(
                profile: profile,
                clientID: client.clientID,
                detail: "Scope: " + grant.scope.joined(separator: " ") + " — on the device showing \(Self.display(grant.userCode))",
                action: action,
                hidden: hidden
            )
        }
        return self.decide(parameters, issue: approve) { decide(.denied) }
    }

    static func userCodePage(profile: ProviderProfile, action: String, prefilled: String?, error: String?) -> TransportResponse {
        let html = ConsentPage.html
        let value = prefilled.flatMap { $0.utf8.count <= maxUserCodeInput ? $0 : nil } ?? ""
        let message = error.map { "<p class=\"error\" role=\"alert\">\(html($0))</p>\n" } ?? ""
        return page(
            """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(html(profile.name)): connect a device</title></head>
            <body>
            <h1>Connect a device</h1>
            \(message)<p>Enter the code shown on your device.</p>
            <form method="post" action="\(html(action))">
            <label for="user_code">Code</label> <input id="user_code" type="text" name="user_code" value="\(html(value))" autocomplete="off">
            <button type="submit">Continue</button>
            </form>
            </body></html>
            """
        )
    }

    static func devicePage(profile: ProviderProfile, title: String, message: String) -> TransportResponse {
        let html = ConsentPage.html
        return page(
            """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(html(profile.name)): \(html(title))</title></head>
            <body><h1>\(html(title))</h1><p>\(html(message))</p></body></html>
            """
        )
    }

    static func page(_ text: String) -> TransportResponse {
        TransportResponse(status: 200, headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"], body: Array(text.utf8))
    }
}
