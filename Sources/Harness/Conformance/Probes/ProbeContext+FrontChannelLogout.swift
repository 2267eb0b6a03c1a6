import Foundation
import OAuth2
import OAuthCore

// OpenID Connect Front-Channel Logout 1.0: the OpenID Foundation's front-channel RP-initiated
// logout OP modules. The harness's user agent loads the logout page's frames as a browser does;
// the client's frontchannel_logout_uri is a loopback listener that sees what the frame asked.
extension ProbeContext {
    var frontchannelSkip: CheckVerdict? { channelSkip("frontchannel") }

    /// oidcc-frontchannel-logout-discovery-endpoint-verification (see ``channelDiscovery(_:)``).
    func frontchannelDiscovery() throws(CheckFailure) -> CheckVerdict { try channelDiscovery("frontchannel") }

    /// oidcc-frontchannel-rp-initiated-logout: a client with a frontchannel_logout_uri (and
    /// frontchannel_logout_session_required) signs in and logs out; the provider's logout page
    /// must load that URI with `iss` the issuer and `sid` the ID token's (§2, §3), then come back
    /// to the post_logout_redirect_uri with the state, and the user is signed out.
    mutating func frontchannelRPInitiatedLogout() async throws(CheckFailure) -> CheckVerdict {
        if let skip = frontchannelSkip { return skip }
        guard try endSession() != nil else { return .skipped("no end_session_endpoint advertised") }
        // The client: one the provider file names with its frontchannel_logout_uri (the harness
        // listens at that fixed address), else one registered with the listener's URI.
        if let listed = file.clients.first(where: { $0.frontchannelLogoutURI != nil }) {
            guard let target = listed.postLogoutRedirectURI else {
                return .skipped("the provider file's client with a frontchannel_logout_uri has no post_logout_redirect_uri")
            }
            guard let address = BackChannelReceiver.Address(listed.frontchannelLogoutURI!) else {
                return .fail("frontchannel_logout_uri is not an http URL on a loopback address")
            }
            let name = String(URLReference(address.path).path.dropFirst())
            return try await hosting(host: address.bindHost, port: address.port, prefix: "") { context, documents throws(CheckFailure) in
                documents.host(name, type: "text/html", body: Array("<!doctype html><p>signed out</p>".utf8))
                return try await context.frontchannelLogout(as: listed, target: target, documents: documents, name: name)
            }
        }
        guard endpoints.registration != nil else {
            return .skipped(
                "no client with a frontchannel_logout_uri: give one in the provider file (frontchannel_logout_uri:) or offer registration"
            )
        }
        guard let target = file.client.postLogoutRedirectURI else {
            return .skipped("the provider file's client has no post_logout_redirect_uri")
        }
        return try await hosting { context, documents throws(CheckFailure) in
            let uri = documents.host("frontchannel-logout", type: "text/html", body: Array("<!doctype html><p>signed out</p>".utf8))
            let extra: [String: JSONValue] = [
                "frontchannel_logout_uri": .string(uri), "frontchannel_logout_session_required": true,
                "post_logout_redirect_uris": [.string(target)],
            ]
            // Registered as the Dynamic OP plan registers (with the run's key, private_key_jwt
            // where offered): a client with keys is what every provider can register.
            return try await context.withRegisteredClient(extra, key: try context.findings.clientKey()) { context, client throws(CheckFailure) in
                try await context.frontchannelLogout(as: client, target: target, documents: documents, name: "frontchannel-logout")
            }
        }
    }

    mutating func frontchannelLogout(
        as client: ProviderFile.Client,
        target: String,
        documents: HostedDocuments,
        name: String
    ) async throws(CheckFailure) -> CheckVerdict {
        let login = try await openIDLogin(client: client, step: "login")
        let state = SecureRandom.token(bytes: 8)
        let outcome = try await logout(
            [("id_token_hint", login.idToken), ("post_logout_redirect_uri", target), ("state", state)],
            watching: target
        )
        guard let request = documents.requests(name).first else {
            return .fail("the logout did not load the client's frontchannel_logout_uri (no frame reached it; Front-Channel Logout §3)")
        }
        let parameters = (try? URLReference(request).queryItems()) ?? FormParameters()
        var problems: [String] = []
        if parameters["iss"] != issuer { problems.append(parameters["iss"] == nil ? "no iss" : "iss is not the issuer") }
        let sid = login.claims.claims["sid"]?.stringValue
        if sid == nil { problems.append("the ID token has no sid (frontchannel_logout_session_required)") }
        if parameters["sid"] == nil || parameters["sid"] != sid { problems.append(parameters["sid"] == nil ? "no sid" : "sid is not the ID token's") }
        if !problems.isEmpty { return .fail("the frontchannel_logout_uri was loaded, but: " + problems.joined(separator: "; ") + " (§2)") }
        switch outcome {
        case .page(let status, let reason):
            return .fail("the frame was loaded, but the browser did not come back to the post_logout_redirect_uri; " + Self.pageText(status, reason))
        case .redirected(let back, _):
            guard back["state"] == state else {
                return .fail("back at the post_logout_redirect_uri \(back["state"] == nil ? "without the state" : "with another state")")
            }
        }
        let again = authorization(client: client, scope: openIDScope, overrides: ["prompt": "none"])
        if case .redirected(let answer, _) = try await authorize(again, step: "prompt-none-after-logout"), answer["code"] != nil {
            return .fail("the frame was loaded with iss and sid, but the user is still signed in: prompt=none issued a code")
        }
        let unexpected = parameters.map(\.name).filter { !["iss", "sid"].contains($0) }
        if !unexpected.isEmpty {
            return .warning("iss and sid right, back with the state, signed out; but the frame also carried \(unexpected.joined(separator: ", "))")
        }
        return .pass(
            "the logout page loaded the frontchannel_logout_uri with the issuer and the login's sid, came back with the state, and the user is signed out"
        )
    }
}
