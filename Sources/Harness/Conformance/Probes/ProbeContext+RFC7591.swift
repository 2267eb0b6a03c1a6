import Foundation
import OAuth2
import OAuthCore

// RFC 7591 (Dynamic Client Registration) and RFC 7592 (its management protocol).
extension ProbeContext {
    static let noRegistration = CheckVerdict.skipped("no registration_endpoint in the metadata (or registration: in the provider file)")

    /// The metadata a web client registers with: the provider file's redirect URI, the code
    /// grant, client_secret_basic.
    func registrationMetadata(redirectURIs: [String]? = nil) -> [String: JSONValue] {
        var members: [String: JSONValue] = [
            "redirect_uris": .array((redirectURIs ?? [file.client.redirectURI]).map(JSONValue.string)),
            "grant_types": .array([.string("authorization_code"), .string("refresh_token")]),
            "response_types": .array([.string("code")]),
            "token_endpoint_auth_method": .string("client_secret_basic"),
            "client_name": .string("oauth-harness check"),
        ]
        if !file.scope.isEmpty { members["scope"] = .string(file.scope.joined(separator: " ")) }
        return members
    }

    /// POSTs `metadata` to the registration endpoint (§3.1): the answer and its JSON members.
    func register(
        _ metadata: [String: JSONValue],
        at url: String,
        step: String
    ) async throws(CheckFailure) -> (TransportResponse, [String: JSONValue]) {
        var request = TransportRequest(
            method: "POST",
            url: url,
            headers: ["Content-Type": "application/json", "Accept": "application/json", "User-Agent": Self.userAgent],
            body: JSONValue.object(metadata).jsonBytes
        )
        if let token = file.registrationToken { request.headers["Authorization"] = "Bearer " + token }
        let response = try await send(request, step: step)
        let members: [String: JSONValue]
        if case .object(let object)? = try? JSONValue.parse(response.body) { members = object } else { members = [:] }
        if let secret = members["client_secret"]?.stringValue { transcript.redactor.register(secret) }
        if let token = members["registration_access_token"]?.stringValue { transcript.redactor.register(token) }
        return (response, members)
    }

    /// The client a registration answer describes, signing in at the provider file's redirect
    /// URI (client_secret_basic when the answer names no method the harness knows).
    func registeredClient(_ clientID: String, _ members: [String: JSONValue]) -> ProviderFile.Client {
        ProviderFile.Client(
            clientID: clientID,
            clientSecret: members["client_secret"]?.stringValue,
            redirectURI: file.client.redirectURI,
            authMethod: members["token_endpoint_auth_method"]?.stringValue.flatMap(ClientAuthMethod.init(rawValue:)) ?? .clientSecretBasic
        )
    }

    /// Whether an answer says the endpoint needs an initial access token (§3: it may).
    static func wantsInitialAccessToken(_ response: TransportResponse) -> Bool { response.status == 401 || response.status == 403 }

    var protectedRegistration: CheckVerdict {
        file.registrationToken == nil
            ? .skipped("the registration endpoint wants an initial access token (RFC 7591 §3): give registration_token: in the provider file")
            : .fail("the registration endpoint refused the provider file's registration_token (HTTP 401/403)")
    }

    /// Deletes a registration when the provider offers management (RFC 7592 §2.3), so a check
    /// leaves no client behind; the status, or nil when it cannot.
    func deleteRegistration(_ members: [String: JSONValue]) async -> Int? {
        guard let uri = members["registration_client_uri"]?.stringValue, let token = members["registration_access_token"]?.stringValue else {
            return nil
        }
        let request = TransportRequest(method: "DELETE", url: uri, headers: ["Authorization": "Bearer " + token, "User-Agent": Self.userAgent])
        return try? await send(request, step: "delete-registration").status
    }

    mutating func registration() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.registration else { return Self.noRegistration }
        let (response, members) = try await register(registrationMetadata(), at: url, step: "register")
        if Self.wantsInitialAccessToken(response) { return protectedRegistration }
        guard response.status == 201, let clientID = members["client_id"]?.stringValue, !clientID.isEmpty else {
            return .fail(
                "the registration answered HTTP \(response.status)\(members["error"]?.stringValue.map { ", error \($0)" } ?? ""), §3.2.1 wants 201 with a client_id"
            )
        }
        var problems: [String] = []
        let echoed = members["redirect_uris"]?.arrayValue?.compactMap(\.stringValue)
        if echoed != [file.client.redirectURI] { problems.append("redirect_uris came back as \(echoed.map { "\($0)" } ?? "absent")") }
        let method = members["token_endpoint_auth_method"]?.stringValue ?? "client_secret_basic"
        let client = registeredClient(clientID, members)
        guard ProviderFile.Client.authMethods.contains(client.authMethod) else {
            _ = await deleteRegistration(members)
            return .fail("registered with token_endpoint_auth_method \(method), not the client_secret_basic asked for")
        }
        let signedIn: TokenAnswer
        do {
            signedIn = try await signIn(client: client, step: "registered-client-sign-in").0
        } catch {
            _ = await deleteRegistration(members)
            return .fail("the registered client could not sign in: \(error.reason)")
        }
        _ = await deleteRegistration(members)
        if !problems.isEmpty { return .fail(problems.joined(separator: "; ")) }
        return .pass("201 with a client_id and secret; the new client signed in: \(Self.describe(signedIn))")
    }

    mutating func registrationInvalidRedirectURI() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.registration else { return Self.noRegistration }
        let bad = file.client.redirectURI + "#fragment"
        let (response, members) = try await register(registrationMetadata(redirectURIs: [bad]), at: url, step: "register-fragment")
        if Self.wantsInitialAccessToken(response) { return protectedRegistration }
        if (200..<300).contains(response.status) || members["client_id"] != nil {
            _ = await deleteRegistration(members)
            return .fail("a redirect_uri with a fragment (\(bad)) was registered (RFC 6749 §3.1.2: it MUST NOT include one)")
        }
        guard let error = members["error"]?.stringValue else { return .fail("refused with HTTP \(response.status) but no error member (§3.2.2)") }
        guard response.status == 400 else { return .fail("refused with error \(error) but HTTP \(response.status), §3.2.2 wants 400") }
        guard error == "invalid_redirect_uri" else { return .warning("refused with error \(error); §3.2.2 names invalid_redirect_uri") }
        return .pass("refused: HTTP 400, error invalid_redirect_uri")
    }

    mutating func registrationManagement() async throws(CheckFailure) -> CheckVerdict {
        guard let url = endpoints.registration else { return Self.noRegistration }
        let (response, members) = try await register(registrationMetadata(), at: url, step: "register")
        if Self.wantsInitialAccessToken(response) { return protectedRegistration }
        guard (200..<300).contains(response.status), let clientID = members["client_id"]?.stringValue else {
            throw CheckFailure(reason: "the registration failed: HTTP \(response.status)")
        }
        guard let uri = members["registration_client_uri"]?.stringValue, let token = members["registration_access_token"]?.stringValue else {
            return .skipped("no registration_client_uri and registration_access_token: RFC 7592 management is not offered")
        }
        let read = try await send(
            TransportRequest(
                method: "GET",
                url: uri,
                headers: ["Authorization": "Bearer " + token, "Accept": "application/json", "User-Agent": Self.userAgent]
            ),
            step: "read-registration"
        )
        guard read.status == 200, case .object(let current)? = try? JSONValue.parse(read.body) else {
            _ = await deleteRegistration(members)
            return .fail("reading the registration answered HTTP \(read.status), §2.1 wants 200 with the client's metadata")
        }
        guard current["client_id"]?.stringValue == clientID else {
            _ = await deleteRegistration(members)
            return .fail("the registration read back names another client_id")
        }
        let deleted = await deleteRegistration(members)
        guard deleted == 204 else { return .fail("deleting the registration answered \(deleted.map { "HTTP \($0)" } ?? "nothing"), §2.3 wants 204") }
        let after = try await send(
            TransportRequest(method: "GET", url: uri, headers: ["Authorization": "Bearer " + token, "User-Agent": Self.userAgent]),
            step: "read-after-delete"
        )
        if (200..<300).contains(after.status) { return .fail("the deleted registration can still be read (HTTP \(after.status))") }
        return .pass("read back with the registration access token (200), deleted (204), gone after (HTTP \(after.status))")
    }
}
