import AsyncHTTPClient
import Foundation
import OAuthCore
import Synchronization

extension MockProvider {
    // MARK: OpenID Connect Back-Channel Logout 1.0

    /// The `events` member every logout token carries (§2.4).
    static let backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"
    /// How long a logout token is valid (§2.4 recommends a short lifetime: two minutes).
    static let logoutTokenLifetime: TimeInterval = 120
    /// The deadline of one delivery (§2.7: the OP must not wait long for an RP).
    static let deliveryTimeout: Duration = .seconds(5)
    /// Deliveries go out on one HTTP client shared by every mock: no redirects followed, small
    /// answers, and a refused connection fails at once (no reconnection attempts until the
    /// deadline: an RP that is down must not hold up the user's logout).
    package static let backchannelTransport: AsyncHTTPClientTransport = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(5))
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        return AsyncHTTPClientTransport(client: client, timeout: deliveryTimeout, maxBodyBytes: 64 * 1024)
    }()

    /// Test seam: when set, deliveries go through this transport instead (a capturing wrapper
    /// around ``backchannelTransport``, for tests that audit every secret on the wire).
    package static let deliveryTransportOverride = Mutex<(any HTTPTransport)?>(nil)

    /// Whether the profile advertises back-channel logout: an OpenID profile with RP-initiated
    /// logout (its sessions end there and on the harness trigger).
    var offersBackchannelLogout: Bool { profile.oidc != nil && profile.endpoints.endSession != nil }

    /// One logout token delivered (or not) to a client's `backchannel_logout_uri`.
    struct BackchannelDelivery {
        var clientID: String
        var uri: String
        /// The RP's HTTP status, `nil` when the request failed.
        var status: Int?
        /// Why the request failed.
        var failure: String?

        var json: JSONValue {
            var member: [String: JSONValue] = ["client_id": .string(clientID), "backchannel_logout_uri": .string(uri)]
            if let status { member["status"] = .number(JSONNumber(status)) }
            if let failure { member["error"] = .string(failure) }
            return .object(member)
        }
    }

    /// A new session at the provider for an ID token (its `sid`, §2.1 / Front-Channel Logout
    /// §3): one per authorization, remembered with the user and the client until it is ended.
    func startSession(sub: String, clientID: String) -> String? {
        guard offersBackchannelLogout else { return nil }
        let sid = SecureRandom.token(bytes: 16)
        store.withStorage { $0.openIDSessions[sid] = ProviderState.OPSession(sub: sub, clientID: clientID) }
        return sid
    }

    /// Ends the sessions that `sid` names, or every session of `sub` (with `clientID`, only that
    /// client's), and sends each client that registered a `backchannel_logout_uri` a logout token
    /// (§2.5–§2.7), one at a time and each within ``deliveryTimeout``. Sessions of clients without
    /// one simply end.
    func endSessions(sid: String?, sub: String?, clientID: String? = nil, issuer: String) async -> [BackchannelDelivery] {
        await endSessionsAndSay(sid: sid, sub: sub, clientID: clientID, issuer: issuer).deliveries
    }

    /// ``endSessions(sid:sub:clientID:issuer:)``, also naming the sessions ended (for the
    /// front-channel logout page).
    func endSessionsAndSay(
        sid: String?,
        sub: String?,
        clientID: String? = nil,
        issuer: String
    ) async -> (deliveries: [BackchannelDelivery], ended: [(sid: String, clientID: String)]) {
        let ended: [(sid: String, session: ProviderState.OPSession)] = store.withStorage { storage in
            let chosen = sid.map { [$0] } ?? storage.openIDSessions.keys { $0.sub == sub }
            var ended: [(sid: String, session: ProviderState.OPSession)] = []
            for key in chosen {
                guard let session = storage.openIDSessions[key], sub == nil || session.sub == sub,
                    clientID == nil || session.clientID == clientID
                else { continue }
                storage.openIDSessions[key] = nil
                ended.append((key, session))
            }
            return ended
        }
        var deliveries: [BackchannelDelivery] = []
        for (sid, session) in ended.sorted(by: { $0.sid < $1.sid }) {
            guard let uri = client(id: session.clientID)?.backchannelLogoutURI else { continue }
            var delivery = BackchannelDelivery(clientID: session.clientID, uri: uri)
            guard let token = await logoutToken(issuer: issuer, clientID: session.clientID, sub: session.sub, sid: sid) else {
                delivery.failure = "no signing key"
                deliveries.append(delivery)
                continue
            }
            var body = FormParameters()
            body.append("logout_token", token)
            let request = TransportRequest(
                method: "POST",
                url: uri,
                headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Array(body.encoded.utf8),
                timeout: Self.deliveryTimeout
            )
            do {
                let transport: any HTTPTransport = Self.deliveryTransportOverride.withLock { $0 } ?? Self.backchannelTransport
                delivery.status = try await transport.send(request).status
            } catch {
                delivery.failure = "the request failed: \(error)"
            }
            deliveries.append(delivery)
        }
        return (deliveries, ended.map { ($0.sid, $0.session.clientID) })
    }

    /// A signed logout token (§2.4): `iss`, `aud`, `iat`, `exp`, `jti`, the back-channel event,
    /// `sub` and `sid`, never a `nonce`, typed `logout+jwt` (§2.4, RFC 8725 §3.11); the evil
    /// modes add a `nonce` or drop `events`.
    func logoutToken(issuer: String, clientID: String, sub: String, sid: String) async -> String? {
        let values = oidcState.withKeys { $0 }
        guard let key = activeSigningKey(values) else { return nil }
        let now = clock.now()
        let seconds = { (date: Date) in JSONValue.number(JSONNumber(date.timeIntervalSince1970.rounded())) }
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "aud": .string(clientID), "iat": seconds(now), "exp": seconds(now.addingTimeInterval(Self.logoutTokenLifetime)),
            "jti": .string(SecureRandom.token(bytes: 16)), "sub": .string(subject(sub, for: clientID)), "sid": .string(sid),
            "events": .object([Self.backchannelLogoutEvent: .object([:])]),
        ]
        switch values.mode {
        case .logoutTokenNonce: claims["nonce"] = .string(SecureRandom.token(bytes: 16))
        case .logoutTokenWithoutEvents: claims["events"] = nil
        default: break
        }
        return try? await key.sign(claims, withKid: true, type: "logout+jwt")
    }

    /// `POST /_harness/backchannel-logout` (`sid`, or `sub` with an optional `client_id`): the
    /// provider ends sessions on its own, as an administrator or a session timeout would, and
    /// answers with the deliveries it made.
    func harnessBackchannelLogout(_ request: TransportRequest) async -> TransportResponse {
        guard offersBackchannelLogout else {
            return Self.badRequest("back-channel logout needs an OpenID profile with an end_session endpoint")
        }
        guard let form = formBody(request), form["sid"] != nil || form["sub"] != nil else {
            return Self.badRequest("give the session to end: sid, or sub (and client_id)")
        }
        let deliveries = await endSessions(sid: form["sid"], sub: form["sub"], clientID: form["client_id"], issuer: Self.issuer(request))
        return Self.json(200, ["deliveries": .array(deliveries.map(\.json))])
    }
}
