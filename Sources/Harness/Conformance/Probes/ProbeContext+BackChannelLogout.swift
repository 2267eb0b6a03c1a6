import Foundation
import OAuth2
import OAuthCore
import OpenIDConnect

// OpenID Connect Back-Channel Logout 1.0: the OpenID Foundation's back-channel RP-initiated
// logout OP modules. The harness is the client's backchannel_logout_uri (a loopback listener,
// as in scenarios) and validates what the provider POSTs there as an RP must (§2.6).
extension ProbeContext {

    static func flag(_ value: JSONValue?) -> Bool? {
        if case .bool(let flag)? = value { return flag }
        return nil
    }

    /// Why a logout channel's checks (`backchannel`, `frontchannel`) cannot run: the provider
    /// does not say it offers it.
    func channelSkip(_ channel: String) -> CheckVerdict? {
        endpoints.metadata?["\(channel)_logout_supported"] == .bool(true)
            ? nil : .skipped("the discovery document does not say \(channel)_logout_supported: true")
    }

    var backchannelSkip: CheckVerdict? { channelSkip("backchannel") }

    /// A logout channel's discovery module (Back-Channel Logout §2.1, Front-Channel Logout §3,
    /// the OpenID Foundation's `oidcc-<channel>-logout-discovery-endpoint-verification`): both
    /// members booleans, the channel offered, sessions supported (the certification profiles
    /// require `sid`), and an end_session_endpoint to log out at.
    func channelDiscovery(_ channel: String) throws(CheckFailure) -> CheckVerdict {
        let supported = endpoints.metadata?["\(channel)_logout_supported"]
        if supported != nil, Self.flag(supported) == nil { return .fail("\(channel)_logout_supported is not a boolean") }
        if let skip = channelSkip(channel) { return skip }
        let session = endpoints.metadata?["\(channel)_logout_session_supported"]
        if session != nil, Self.flag(session) == nil { return .fail("\(channel)_logout_session_supported is not a boolean") }
        guard let advertised = try endSession() else {
            return .fail("\(channel)_logout_supported: true, but no end_session_endpoint to start a logout at")
        }
        guard Self.flag(session) == true else {
            let misnamed = endpoints.metadata?["\(channel)_logout_session_required"] != nil
            return .fail(
                "\(channel)_logout_session_supported is not true (the certification profile needs sid in ID tokens and logout requests)"
                    + (misnamed ? "; the document has \(channel)_logout_session_required, the client metadata's name, instead" : "")
            )
        }
        return .pass("\(channel)_logout_supported and \(channel)_logout_session_supported: true; end_session_endpoint \(advertised)")
    }

    func backchannelDiscovery() throws(CheckFailure) -> CheckVerdict { try channelDiscovery("backchannel") }

    mutating func backchannelRPInitiatedLogout() async throws(CheckFailure) -> CheckVerdict {
        if let skip = backchannelSkip { return skip }
        guard try endSession() != nil else { return .skipped("no end_session_endpoint advertised") }
        guard let issuer, let jwks = endpoints.jwks else { return .fail("the discovery document names no issuer or jwks_uri") }
        // The client: one the provider file names with its backchannel_logout_uri (the harness
        // listens at that fixed port), else one registered with the listener's URI.
        let receiver: BackChannelReceiver
        var client: ProviderFile.Client
        var registration: [String: JSONValue]?
        do {
            if let listed = file.clients.first(where: { $0.backchannelLogoutURI != nil }) {
                client = listed
                receiver = try await BackChannelReceiver.start(listed.backchannelLogoutURI!, transcript: transcript)
            } else {
                guard endpoints.registration != nil else {
                    return .skipped(
                        "no client with a backchannel_logout_uri: give one in the provider file (backchannel_logout_uri:) or offer registration"
                    )
                }
                receiver = try await BackChannelReceiver.start("http://127.0.0.1:0/backchannel-logout", transcript: transcript)
                var extra: [String: JSONValue] = ["backchannel_logout_uri": .string(receiver.uri)]
                if let target = file.client.postLogoutRedirectURI { extra["post_logout_redirect_uris"] = .array([.string(target)]) }
                guard let (registered, members) = try await registeredClient(extra) else {
                    await receiver.stop()
                    return Self.noDynamicClient
                }
                client = registered
                client.postLogoutRedirectURI = file.client.postLogoutRedirectURI
                registration = members
            }
        } catch let failure as CheckFailure {
            throw failure
        } catch {
            return .fail("the harness could not listen at the backchannel_logout_uri: \(error)")
        }
        let verdict: CheckVerdict
        do {
            let options = IDTokenValidationOptions(issuer: issuer, clientID: client.clientID, clientSecret: client.clientSecret)
            receiver.expect(LogoutTokenValidator(options: options, jwks: JWKSCache(url: jwks, transport: transport)))
            verdict = try await backchannelLogout(as: client, receiver: receiver)
        } catch {
            await receiver.stop()
            if let registration { _ = await deleteRegistration(registration) }
            throw error
        }
        await receiver.stop()
        if let registration { _ = await deleteRegistration(registration) }
        return verdict
    }

    /// Signs in as `client`, logs out at the end_session_endpoint with the ID token as the hint,
    /// and reads what reached `receiver`.
    mutating func backchannelLogout(as client: ProviderFile.Client, receiver: BackChannelReceiver) async throws(CheckFailure) -> CheckVerdict {
        let login = try await openIDLogin(client: client, step: "login")
        let target = client.postLogoutRedirectURI ?? "https://no-post-logout-redirect.oauth-harness.invalid/"
        let parameters: [(String, String?)] = [
            ("id_token_hint", login.idToken), ("post_logout_redirect_uri", client.postLogoutRedirectURI),
            ("state", client.postLogoutRedirectURI == nil ? nil : SecureRandom.token(bytes: 8)),
        ]
        _ = try await logout(parameters, watching: target)
        let deliveries = await receiver.deliveries()
        guard !deliveries.isEmpty else {
            return .fail("no logout token reached the backchannel_logout_uri within \(BackChannelReceiver.wait.components.seconds) s of the logout")
        }
        if let refused = deliveries.first(where: { $0.token == nil }) {
            return .fail("a logout token was refused (§2.6): \(refused.error?.errorDescription ?? "HTTP \(refused.status)")")
        }
        let sid = login.claims.claims["sid"]?.stringValue
        let tokens = deliveries.compactMap(\.token)
        guard
            let token = tokens.first(where: { token in
                (sid != nil && token.sessionID == sid) || (token.sessionID == nil && token.subject == login.claims.subject)
            })
        else {
            return .fail("\(tokens.count) valid logout token(s), none naming the login's \(sid == nil ? "sub" : "sid")")
        }
        let named = [token.subject.map { _ in "sub" }, token.sessionID.map { _ in "sid" }].compactMap { $0 }.joined(separator: " and ")
        return .pass(
            "a valid logout token (signature, iss, aud, iat, jti, the back-channel event, no nonce) naming the login's \(named); answered 200"
        )
    }
}
