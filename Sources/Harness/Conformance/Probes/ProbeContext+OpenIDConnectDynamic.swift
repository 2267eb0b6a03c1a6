import Foundation
import OAuth2
import OAuthCore
import OpenIDConnect

// The OpenID Foundation's Dynamic OP modules (oidcc-dynamic-certification-test-plan): clients
// registered at run time (OpenID Connect Dynamic Client Registration 1.0, RFC 7591), with keys
// of their own, and the documents a client hosts for its provider (jwks_uri,
// sector_identifier_uri, request_uri).
extension ProbeContext {
    /// Whether the provider lets clients authenticate with `private_key_jwt` (its metadata
    /// lists it; RFC 8414 §2 defaults to client_secret_basic).
    var offersPrivateKeyJWT: Bool { endpoints.advertised("token_endpoint_auth_methods_supported")?.contains("private_key_jwt") == true }

    /// The metadata a Dynamic OP plan's client registers: the provider file's redirect URI, the
    /// code and refresh grants, the OpenID scope, and — in a plan whose clients are registered
    /// (or with `key`) — `private_key_jwt` with its key inline where the provider offers it.
    func dynamicMetadata(_ extra: [String: JSONValue], key: ClientKey?) -> [String: JSONValue] {
        var metadata = registrationMetadata()
        metadata["scope"] = .string(openIDScope.joined(separator: " "))
        if let key, offersPrivateKeyJWT {
            metadata["token_endpoint_auth_method"] = "private_key_jwt"
            metadata["jwks"] = ClientKey.set([key])
        }
        for (name, value) in extra { metadata[name] = value }
        if metadata["jwks_uri"] != nil { metadata["jwks"] = nil }
        return metadata
    }

    /// Registers `metadata`: the client it describes (with `key` when it authenticates by
    /// `private_key_jwt`, at its first redirect URI) and the answer's members; `nil` without an
    /// open registration endpoint. A refusal throws, naming the error.
    mutating func registerDynamicClient(
        _ metadata: [String: JSONValue],
        key: ClientKey?
    ) async throws(CheckFailure) -> (ProviderFile.Client, [String: JSONValue])? {
        guard let url = endpoints.registration else { return nil }
        let (response, members) = try await register(metadata, at: url, step: "register")
        guard (200..<300).contains(response.status), let clientID = members["client_id"]?.stringValue else {
            if Self.wantsInitialAccessToken(response), file.registrationToken == nil { return nil }
            throw CheckFailure(
                reason: "the registration answered HTTP \(response.status)\(members["error"]?.stringValue.map { ", error \($0)" } ?? "")"
                    + (members["error_description"]?.stringValue.map { " (\($0.prefix(120)))" } ?? "")
            )
        }
        var client = registeredClient(clientID, members)
        if client.authMethod == .privateKeyJWT, let key {
            client.signingKey = key
        } else if !ProviderFile.Client.authMethods.contains(client.authMethod) {
            client.authMethod = .clientSecretBasic
        }
        if let redirect = metadata["redirect_uris"]?.value(atPath: "0")?.stringValue { client.redirectURI = redirect }
        return (client, members)
    }

    /// The key a registered client gets: the run's, in a plan whose clients are registered.
    func planKey() throws(CheckFailure) -> ClientKey? { dynamicClient ? try findings.clientKey() : nil }

    /// Runs `check` as a client registered for it (`client_registration: dynamic`), then
    /// deletes the registration where the provider offers management.
    mutating func asRegisteredClient(_ id: CheckID) async throws(CheckFailure) -> CheckVerdict {
        let key = try findings.clientKey()
        guard let (client, members) = try await registerDynamicClient(dynamicMetadata([:], key: key), key: key) else {
            return Self.noDynamicClient
        }
        let saved = file.clients
        file.clients[0] = client
        let outcome: Result<CheckVerdict, CheckFailure>
        do throws(CheckFailure) { outcome = .success(try await probeCheck(id)) } catch { outcome = .failure(error) }
        file.clients = saved
        _ = await deleteRegistration(members)
        return try outcome.get()
    }

    /// Runs `body` with a client registered with `extra` (and the plan's key), deleting the
    /// registration after; `noDynamicClient` without registration.
    mutating func withRegisteredClient(
        _ extra: [String: JSONValue],
        key: ClientKey? = nil,
        _ body: (inout ProbeContext, ProviderFile.Client) async throws(CheckFailure) -> CheckVerdict
    ) async throws(CheckFailure) -> CheckVerdict {
        var key = key
        if key == nil { key = try planKey() }
        guard let (client, members) = try await registerDynamicClient(dynamicMetadata(extra, key: key), key: key) else {
            return Self.noDynamicClient
        }
        let outcome: Result<CheckVerdict, CheckFailure>
        do throws(CheckFailure) { outcome = .success(try await body(&self, client)) } catch { outcome = .failure(error) }
        _ = await deleteRegistration(members)
        return try outcome.get()
    }

    /// Runs `body` with a loopback listener serving the client's documents, stopped after (by
    /// default on any free port under a random path; see ``HostedDocuments/start(host:port:prefix:)``).
    mutating func hosting<Answer>(
        host: String = "127.0.0.1",
        port: Int = 0,
        prefix: String? = nil,
        _ body: (inout ProbeContext, HostedDocuments) async throws(CheckFailure) -> Answer
    ) async throws(CheckFailure) -> Answer {
        let documents = try await HostedDocuments.start(host: host, port: port, prefix: prefix)
        let outcome: Result<Answer, CheckFailure>
        do throws(CheckFailure) { outcome = .success(try await body(&self, documents)) } catch { outcome = .failure(error) }
        await documents.stop()
        return try outcome.get()
    }

    /// The JWS header of a compact token.
    static func jwsHeader(_ token: String) -> [String: JSONValue] {
        guard let first = token.split(separator: ".").first, let bytes = Base64URL.decode(String(first)),
            case .object(let header)? = try? JSONValue.parse(bytes)
        else { return [:] }
        return header
    }

    // MARK: ID tokens and UserInfo

    /// oidcc-idtoken-rs256: a client registered for RS256 ID tokens gets RS256 tokens with a
    /// `kid` (Registration §2; Core §10.1: a kid names the key when the set may hold several).
    mutating func oidccIDTokenRS256() async throws(CheckFailure) -> CheckVerdict {
        try await withRegisteredClient(["id_token_signed_response_alg": "RS256"]) { context, client throws(CheckFailure) in
            let login: OpenIDLogin
            do throws(CheckFailure) {
                login = try await context.openIDLogin(client: client, step: "registered-client-login")
            } catch {
                return .fail("the client registered with id_token_signed_response_alg RS256: \(error.reason)")
            }
            let header = Self.jwsHeader(login.idToken)
            guard header["alg"]?.stringValue == "RS256" else {
                return .fail("the ID token's alg is \(header["alg"]?.stringValue ?? "absent"), not the RS256 the client registered")
            }
            guard let kid = header["kid"]?.stringValue, !kid.isEmpty else {
                return .fail("the RS256 ID token has no kid header (the suite's EnsureIdTokenContainsKid; Core §10.1)")
            }
            return .pass("RS256 ID tokens with kid \(kid), valid with the JWKS (signature, iss, aud, exp, iat, nonce)")
        }
    }

    /// oidcc-userinfo-rs256: a client registered for signed UserInfo gets `application/jwt`
    /// signed RS256 by the provider's key, with the ID token's `sub` and no `nonce` (Core §5.3.2).
    mutating func oidccUserinfoRS256() async throws(CheckFailure) -> CheckVerdict {
        let listed = endpoints.advertised("userinfo_signing_alg_values_supported") ?? []
        guard listed.contains("RS256") else {
            return .fail(
                "userinfo_signing_alg_values_supported \(listed.isEmpty ? "is absent" : "lists \(listed.joined(separator: ", "))"), without RS256 (the Dynamic OP profile requires signed UserInfo)"
            )
        }
        guard let url = endpoints.userinfo ?? endpoints.resource, let jwks = endpoints.jwks else {
            return .fail("the discovery document names no userinfo_endpoint or jwks_uri")
        }
        return try await withRegisteredClient(["userinfo_signed_response_alg": "RS256"]) { context, client throws(CheckFailure) in
            let login = try await context.openIDLogin(client: client, step: "registered-client-login")
            guard let access = login.answer.accessToken else { throw CheckFailure(reason: "no access token") }
            let response = try await context.send(
                TransportRequest(method: "GET", url: url, headers: ["Authorization": "Bearer " + access, "User-Agent": Self.userAgent]),
                step: "userinfo-signed"
            )
            guard response.status == 200 else { return .fail("UserInfo answered HTTP \(response.status)") }
            let type = response.headers["Content-Type"]?.lowercased() ?? ""
            guard type.hasPrefix("application/jwt") else {
                return .fail(
                    "UserInfo answered Content-Type \(type.isEmpty ? "absent" : type), not application/jwt, though the client registered RS256"
                )
            }
            let token = response.bodyText[...].trimmingWhitespace(newlines: true)
            let header = Self.jwsHeader(String(token))
            guard header["alg"]?.stringValue == "RS256" else {
                return .fail("the signed UserInfo's alg is \(header["alg"]?.stringValue ?? "absent"), not RS256")
            }
            guard await JWKSCache(url: jwks, transport: context.transport).verifies(String(token), alg: "RS256") else {
                return .fail("the signed UserInfo's signature does not verify with the provider's JWKS")
            }
            let parts = token.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, case .object(let claims)? = Base64URL.decode(String(parts[1])).flatMap({ try? JSONValue.parse($0) }) else {
                return .fail("the signed UserInfo's payload is not a JSON object")
            }
            if claims["sub"]?.stringValue != login.claims.subject {
                return .fail("the signed UserInfo's sub differs from the ID token's (Core §5.3.2)")
            }
            if claims["nonce"] != nil { return .fail("the signed UserInfo carries a nonce (the suite's EnsureUserInfoDoesNotContainNonce)") }
            if claims["iss"]?.stringValue != context.issuer
                || claims["aud"].map({ $0.stringValue == client.clientID || $0.arrayValue?.contains(.string(client.clientID)) == true }) != true
            {
                return .warning("signed RS256 and verified, but iss or aud is not the issuer and the client (Core §5.3.2 SHOULD)")
            }
            return .pass("UserInfo came as application/jwt, RS256, verified with the JWKS, with the ID token's sub, its iss and aud, no nonce")
        }
    }

    // MARK: Redirect URIs (Core §3.1.2.1, RFC 6749 §3.1.2)

    /// The provider file's redirect URI with `query` added.
    func redirectURI(adding query: String) -> String {
        file.client.redirectURI + (file.client.redirectURI.contains("?") ? "&" : "?") + query
    }

    /// An authorization that must end at an error page, never back at the client (the suite's
    /// placeholder modules pass on the page a person then checks).
    mutating func mustStopAtErrorPage(_ request: Authorization, _ what: String) async throws(CheckFailure) -> CheckVerdict {
        switch try await authorize(request, step: "authorize") {
        case .redirected(let parameters, _):
            let answer = parameters["error"].map { "error \($0)" } ?? (parameters["code"] != nil ? "a code" : "no code")
            return .fail(
                "\(what): the provider redirected back to the client with \(answer); it must show an error page (Core §3.1.2.1, RFC 6749 §4.1.2.1)"
            )
        case .page(let status, _):
            return .pass("\(what): the provider showed an error page\(status.map { " (HTTP \($0))" } ?? "") and did not redirect")
        }
    }

    mutating func oidccRedirectURIInRequest() async throws(CheckFailure) -> CheckVerdict {
        let uris: [JSONValue] = [.string(file.client.redirectURI), "https://example.org/redirect"]
        return try await withRegisteredClient(["redirect_uris": .array(uris)]) { context, client throws(CheckFailure) in
            let request = context.authorization(client: client, scope: context.openIDScope, overrides: ["redirect_uri": nil])
            return try await context.mustStopAtErrorPage(request, "a request without redirect_uri from a client with two")
        }
    }

    mutating func oidccRedirectURIQueryOK() async throws(CheckFailure) -> CheckVerdict {
        let registered = redirectURI(adding: "bar=foo")
        return try await withRegisteredClient(["redirect_uris": [.string(registered)]]) { context, client throws(CheckFailure) in
            let request = context.authorization(client: client, scope: context.openIDScope)
            guard case .redirected(let parameters, _) = try await context.authorize(request, step: "authorize") else {
                return .fail("the redirect URI with a query (registered so) was refused")
            }
            guard parameters["error"] == nil, parameters["state"] == request.state, let code = parameters["code"] else {
                return .fail("the redirect carried \(parameters["error"].map { "error \($0)" } ?? "no code or another state")")
            }
            guard parameters["bar"] == "foo" else {
                return .fail("the redirect dropped the registered query bar=foo (RFC 6749 §3.1.2: the query MUST be retained)")
            }
            let answer = try await context.exchange(code, request, step: "token")
            guard answer.succeeded, let idToken = answer.idToken else { return .fail("the code exchange failed: \(Self.describe(answer))") }
            _ = try await context.validateIDToken(idToken, nonce: request.nonce, accessToken: answer.accessToken, client: client)
            return .pass("a redirect URI registered with ?bar=foo got the code with its query kept; ID token valid")
        }
    }

    mutating func oidccRedirectURIQueryMismatch() async throws(CheckFailure) -> CheckVerdict {
        let registered = redirectURI(adding: "bar=foo")
        return try await withRegisteredClient(["redirect_uris": [.string(registered)]]) { context, client throws(CheckFailure) in
            var changed = client
            changed.redirectURI = context.redirectURI(adding: "foo=bar")
            let request = context.authorization(client: changed, scope: context.openIDScope)
            return try await context.mustStopAtErrorPage(request, "registered with ?bar=foo, asked with ?foo=bar")
        }
    }

    mutating func oidccRedirectURIQueryAdded() async throws(CheckFailure) -> CheckVerdict {
        try await withRegisteredClient([:]) { context, client throws(CheckFailure) in
            var changed = client
            changed.redirectURI = context.redirectURI(adding: "foo=bar")
            let request = context.authorization(client: changed, scope: context.openIDScope)
            return try await context.mustStopAtErrorPage(request, "registered without a query, asked with ?foo=bar")
        }
    }

    // MARK: Registration (OpenID Connect Registration 1.0 §2, §3.3, §5)

    /// A registration that must be refused: 400, JSON, with one of `errors` (another error
    /// code is a warning, as the suite has it).
    mutating func mustRefuseRegistration(_ metadata: [String: JSONValue], errors: [String], _ what: String) async throws(CheckFailure) -> CheckVerdict
    {
        guard let url = endpoints.registration else { return Self.noDynamicClient }
        let (response, members) = try await register(metadata, at: url, step: "register")
        if Self.wantsInitialAccessToken(response), file.registrationToken == nil { return Self.noDynamicClient }
        if (200..<300).contains(response.status) || members["client_id"] != nil {
            _ = await deleteRegistration(members)
            return .fail("\(what) was registered (HTTP \(response.status))")
        }
        guard response.status == 400 else { return .fail("\(what) was refused with HTTP \(response.status), §3.3 wants 400") }
        let type = response.headers["Content-Type"]?.lowercased() ?? ""
        guard type.hasPrefix("application/json"), let error = members["error"]?.stringValue else {
            return .fail("\(what) was refused with HTTP 400 but no JSON error (§3.3)")
        }
        guard errors.contains(error) else {
            return .warning("\(what) was refused with error \(error); §3.3 names \(errors.joined(separator: " or "))")
        }
        return .pass("\(what) was refused: HTTP 400, error \(error)")
    }

    mutating func oidccRedirectURIRegFrag() async throws(CheckFailure) -> CheckVerdict {
        let bad = file.client.redirectURI + "#foobar"
        return try await mustRefuseRegistration(
            dynamicMetadata(["redirect_uris": [.string(bad)]], key: try planKey()),
            errors: ["invalid_redirect_uri", "invalid_client_metadata"],
            "a redirect URI with a fragment (\(bad))"
        )
    }

    /// oidcc-registration-logo-uri, -policy-uri, -tos-uri: a client registered with the URI
    /// signs in, and the provider's pages show it (the suite asks a person to confirm that from a
    /// screenshot; pages that do not contain it are a warning, since a page may draw it by script).
    /// The URI is on the redirect URI's scheme and host, as RFC 7591 §5 advises providers to
    /// require (the suite hosts it beside its redirect URI too); nothing needs to be served there.
    mutating func oidccRegistrationDisplayURI(_ member: String) async throws(CheckFailure) -> CheckVerdict {
        let origin = URLReference(file.client.redirectURI)
        let name = member == "logo_uri" ? "logo.png" : member.replacingOccurrences(of: "_uri", with: ".html")
        let uri = URLReference(scheme: origin.scheme, authority: origin.authority, path: "/oauth-harness/" + name).description
        return try await withRegisteredClient([member: .string(uri)]) { context, client throws(CheckFailure) in
            let request = context.authorization(client: client, scope: context.openIDScope)
            _ = try await context.code(request, step: "authorize")
            let escaped = uri.replacingOccurrences(of: "&", with: "&amp;")
            guard context.agent.pages.contains(where: { $0.contains(uri) || $0.contains(escaped) }) else {
                return .warning(
                    "registered with \(member) and signed in, but none of the \(context.agent.pages.count) pages shown contains the URI (Registration §2: it is shown to the user)"
                )
            }
            return .pass("registered with \(member); the provider's pages show it")
        }
    }

    mutating func oidccRegistrationJWKSURI() async throws(CheckFailure) -> CheckVerdict {
        guard offersPrivateKeyJWT else {
            return .skipped("token_endpoint_auth_methods_supported does not list private_key_jwt (the module runs with it)")
        }
        let key = try findings.clientKey()
        return try await hosting { context, documents throws(CheckFailure) in
            let uri = documents.host("jwks", json: ClientKey.set([key]))
            return try await context.withRegisteredClient(["jwks_uri": .string(uri)], key: key) { context, client throws(CheckFailure) in
                let login: OpenIDLogin
                do throws(CheckFailure) {
                    login = try await context.openIDLogin(client: client, step: "registered-client-login")
                } catch {
                    return .fail("a client registered with a jwks_uri could not sign in with private_key_jwt: \(error.reason)")
                }
                return .pass(
                    "registered with jwks_uri (fetched \(documents.fetches("jwks")) time(s)); private_key_jwt accepted, ID token valid (sub \(login.claims.subject.isEmpty ? "absent" : "present"))"
                )
            }
        }
    }

    var offersPairwise: Bool { endpoints.advertised("subject_types_supported")?.contains("pairwise") == true }

    mutating func oidccRegistrationSectorURI() async throws(CheckFailure) -> CheckVerdict {
        guard offersPairwise else { return .skipped("subject_types_supported does not list pairwise") }
        return try await hosting { context, documents throws(CheckFailure) in
            let uri = documents.host("redirect_uris.json", json: [.string(context.file.client.redirectURI)])
            let extra: [String: JSONValue] = ["subject_type": "pairwise", "sector_identifier_uri": .string(uri)]
            return try await context.withRegisteredClient(extra) { _, _ throws(CheckFailure) in
                guard documents.fetches("redirect_uris.json") > 0 else {
                    return .fail("the client was registered without its sector_identifier_uri being fetched (Registration §5: the OP MUST verify it)")
                }
                return .pass("registered as pairwise with a sector_identifier_uri listing its redirect URI (fetched by the provider)")
            }
        }
    }

    mutating func oidccRegistrationSectorBad() async throws(CheckFailure) -> CheckVerdict {
        guard offersPairwise else { return .skipped("subject_types_supported does not list pairwise") }
        return try await hosting { context, documents throws(CheckFailure) in
            let uri = documents.host("redirect_uris.json", json: ["https://example.com/op"])
            let metadata = context.dynamicMetadata(["subject_type": "pairwise", "sector_identifier_uri": .string(uri)], key: try context.planKey())
            return try await context.mustRefuseRegistration(
                metadata,
                errors: ["invalid_client_metadata"],
                "a sector_identifier_uri that does not list the redirect URI"
            )
        }
    }

    // MARK: Keys

    /// The provider's JWKS, checked as the suite checks it: keys with distinct `kid`s, none private.
    func checkedProviderKeys(step: String) async throws(CheckFailure) -> [[String: JSONValue]] {
        guard let url = endpoints.jwks else { throw CheckFailure(reason: "the discovery document names no jwks_uri") }
        let document = try await getJSON(url, step: step)
        guard case .array(let items)? = document["keys"] else { throw CheckFailure(reason: "the JWKS has no keys array") }
        let keys = items.compactMap(\.objectValue)
        let kids = keys.compactMap { $0["kid"]?.stringValue }
        guard kids.count == keys.count else { throw CheckFailure(reason: "a key of the JWKS has no kid") }
        guard Set(kids).count == kids.count else { throw CheckFailure(reason: "the JWKS has two keys with the same kid") }
        let secret: Set<String> = ["d", "p", "q", "dp", "dq", "qi", "k"]
        if keys.contains(where: { !secret.isDisjoint(with: $0.keys) }) {
            throw CheckFailure(reason: "the JWKS publishes private or symmetric key material")
        }
        return keys
    }

    /// oidcc-server-rotate-keys: after the provider rotates its keys, its JWKS has a new signing
    /// key (new kid, new material; the old one still there is RECOMMENDED), and sign-in works.
    mutating func oidccServerRotateKeys() async throws(CheckFailure) -> CheckVerdict {
        guard let rotate = file.rotateKeysURL else {
            return .skipped(
                "give rotate_keys: (a URL whose POST rotates the signing keys) in the provider file; the suite asks a person to rotate them"
            )
        }
        let before = try await checkedProviderKeys(step: "jwks-before")
        let answer = try await send(TransportRequest(method: "POST", url: rotate, headers: ["User-Agent": Self.userAgent]), step: "rotate-keys")
        guard (200..<300).contains(answer.status) else { throw CheckFailure(reason: "rotating the keys answered HTTP \(answer.status)") }
        let after = try await checkedProviderKeys(step: "jwks-after")
        func material(_ key: [String: JSONValue]) -> String { (key["n"] ?? key["x"])?.stringValue ?? "" }
        let old = Set(before.map(material))
        let oldKids = Set(before.compactMap { $0["kid"]?.stringValue })
        let fresh = after.filter {
            ($0["use"]?.stringValue ?? "sig") == "sig" && !old.contains(material($0)) && !oldKids.contains($0["kid"]?.stringValue ?? "")
        }
        guard let newKid = fresh.first?["kid"]?.stringValue else {
            return .fail("after the rotation the JWKS has no new signing key with a new kid (the suite's VerifyNewJwksHasNewSigningKey)")
        }
        let login = try await openIDLogin(step: "login-after-rotation")
        let signedBy = Self.jwsHeader(login.idToken)["kid"]?.stringValue ?? "no kid"
        let kept = Set(after.map(material)).isSuperset(of: old)
        if !kept {
            return .warning("a new signing key \(newKid) is published, but the old keys were removed at once (tokens they signed no longer verify)")
        }
        return .pass("a new signing key \(newKid) is published beside the old ones; the next ID token (kid \(signedBy)) is valid")
    }

    /// oidcc-refresh-token-rp-key-rotation: a client with a `jwks_uri` rotates its key; after
    /// `jwks_refresh_wait` its refresh, signed with the new key, must succeed.
    mutating func oidccRefreshTokenRPKeyRotation() async throws(CheckFailure) -> CheckVerdict {
        guard offersPrivateKeyJWT else {
            return .skipped("token_endpoint_auth_methods_supported does not list private_key_jwt (the module runs with it)")
        }
        if file.expect.refreshTokens == false { return .skipped("the provider file says refresh tokens are not offered") }
        let first = try findings.clientKey()
        return try await hosting { context, documents throws(CheckFailure) in
            let uri = documents.host("jwks", json: ClientKey.set([first]))
            return try await context.withRegisteredClient(["jwks_uri": .string(uri)], key: first) { context, client throws(CheckFailure) in
                let scope = context.openIDScope + (context.openIDScope.contains("offline_access") ? [] : ["offline_access"])
                let login = try await context.openIDLogin(scope: scope, overrides: ["prompt": "consent"], client: client, step: "login")
                guard let refresh = login.answer.refreshToken else {
                    let grants = context.endpoints.advertised("grant_types_supported")
                    if let grants, !grants.contains("refresh_token") { return .skipped("grant_types_supported does not list refresh_token") }
                    return .fail("no refresh token for scope \(scope.joined(separator: " ")) with prompt=consent")
                }
                let second = try ClientKey.fresh()
                documents.host("jwks", json: ClientKey.set([second]))
                try? await Task.sleep(for: .seconds(context.file.jwksRefreshWait))
                var rotated = client
                rotated.signingKey = second
                let answer = try await context.tokenRequest(
                    [("grant_type", "refresh_token"), ("refresh_token", refresh)],
                    client: rotated,
                    step: "refresh"
                )
                guard answer.succeeded, answer.accessToken != nil else {
                    return .fail(
                        "after the client rotated its key (jwks_uri fetched \(documents.fetches("jwks")) time(s)), its refresh signed with the new key failed: \(Self.describe(answer))"
                    )
                }
                return .pass(
                    "the client rotated its key; \(Int(context.file.jwksRefreshWait)) s later the provider took an assertion signed with the new one"
                )
            }
        }
    }

    // MARK: request_uri (Core §6.2)

    /// The query of an authorization whose parameters travel in the object at `requestURI`
    /// (client_id, response_type and scope stay outside, as Core §6.1 asks).
    static func byReference(_ request: Authorization, requestURI: String) -> Authorization {
        var outside = request
        outside.parameters = request.parameters.filter { ["client_id", "response_type", "scope"].contains($0.0) } + [("request_uri", requestURI)]
        return outside
    }

    /// Core §6.2 and Discovery §3: `request_uri_parameter_supported` defaults to true; false is a failure here.
    var requestURIRefused: CheckVerdict? {
        endpoints.metadata?["request_uri_parameter_supported"] == .bool(false)
            ? .fail("request_uri_parameter_supported is false (the Dynamic OP profile requires request_uri)") : nil
    }

    mutating func oidccRequestURIUnsignedDynamic() async throws(CheckFailure) -> CheckVerdict {
        if let refused = requestURIRefused { return refused }
        if let algorithms = endpoints.advertised("request_object_signing_alg_values_supported"), !algorithms.contains("none") {
            return .skipped("request_object_signing_alg_values_supported does not list none")
        }
        return try await hosting { context, documents throws(CheckFailure) in
            let name = "request-" + SecureRandom.token(bytes: 8) + ".jwt"
            let uri = documents.base + "/" + name
            return try await context.withRegisteredClient(["request_uris": [.string(uri)]]) { context, client throws(CheckFailure) in
                let request = context.authorization(client: client, scope: context.openIDScope)
                var claims: [String: JSONValue] = [:]
                for (key, value) in request.parameters { claims[key] = .string(value) }
                let object =
                    Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + Base64URL.encode(JSONValue.object(claims).jsonBytes) + "."
                documents.host(name, type: "application/oauth-authz-req+jwt", body: Array(object.utf8))
                return try await context.requestURISignIn(request, uri: uri, documents: documents, name: name, "an unsigned request object")
            }
        }
    }

    mutating func oidccRequestURISignedRS256() async throws(CheckFailure) -> CheckVerdict {
        if let refused = requestURIRefused { return refused }
        guard endpoints.advertised("request_object_signing_alg_values_supported")?.contains("RS256") == true else {
            return .fail("request_object_signing_alg_values_supported does not list RS256 (the Dynamic OP profile requires it)")
        }
        guard let issuer else { return .fail("the provider's issuer is unknown") }
        let key = try findings.clientKey()
        return try await hosting { context, documents throws(CheckFailure) in
            let name = "request-" + SecureRandom.token(bytes: 8) + ".jwt"
            let uri = documents.base + "/" + name
            let extra: [String: JSONValue] = ["request_uris": [.string(uri)], "request_object_signing_alg": "RS256", "jwks": ClientKey.set([key])]
            return try await context.withRegisteredClient(extra, key: key) { context, client throws(CheckFailure) in
                let request = context.authorization(client: client, scope: context.openIDScope)
                let object: String
                do throws(OAuthError) {
                    object = try RequestObject(key: key.key, audience: issuer, keyID: key.kid).sign(
                        FormParameters(request.parameters),
                        clientID: client.clientID
                    )
                } catch {
                    throw CheckFailure(reason: "cannot sign the request object: \(error.errorDescription ?? error.code.rawValue)")
                }
                documents.host(name, type: "application/oauth-authz-req+jwt", body: Array(object.utf8))
                return try await context.requestURISignIn(request, uri: uri, documents: documents, name: name, "an RS256 request object")
            }
        }
    }

    /// Signs in with `request` passed by reference; passes when the provider fetched the object
    /// and the flow completes with a valid ID token.
    mutating func requestURISignIn(
        _ request: Authorization,
        uri: String,
        documents: HostedDocuments,
        name: String,
        _ what: String
    ) async throws(CheckFailure) -> CheckVerdict {
        let code: String
        do throws(CheckFailure) {
            code = try await self.code(Self.byReference(request, requestURI: uri), step: "authorize")
        } catch {
            return .fail("\(what) at a registered request_uri: \(error.reason)")
        }
        guard documents.fetches(name) > 0 else { return .fail("the provider issued a code without fetching the request_uri (Core §6.2)") }
        let answer = try await exchange(code, request, step: "token")
        guard answer.succeeded, let idToken = answer.idToken else { return .fail("the code exchange failed: \(Self.describe(answer))") }
        _ = try await validateIDToken(idToken, nonce: request.nonce, accessToken: answer.accessToken, client: request.client)
        return .pass("\(what) fetched from its request_uri was used; ID token valid")
    }

    // MARK: Client assertions

    /// oidcc-ensure-client-assertion-with-iss-aud-succeeds: a `private_key_jwt` assertion whose
    /// `aud` is the issuer (Core §9 allows the issuer as well as the token endpoint); a refusal
    /// that is a proper `invalid_client` is a warning, as the suite has it.
    mutating func oidccClientAssertionIssAud() async throws(CheckFailure) -> CheckVerdict {
        guard file.client.authMethod == .privateKeyJWT, file.client.signingKey != nil else {
            return .skipped("the module runs with a client that authenticates by private_key_jwt (a plan with registered clients)")
        }
        guard let issuer else { return .fail("the provider's issuer is unknown") }
        var client = file.client
        client.assertionAudience = issuer
        let request = authorization(client: client, scope: openIDScope)
        let code = try await code(request, step: "authorize")
        let answer = try await exchange(code, request, step: "token")
        if answer.succeeded { return .pass("a client assertion with aud = the issuer was accepted") }
        let type = answer.response.headers["Content-Type"]?.lowercased() ?? ""
        guard type.hasPrefix("application/json"), answer.error == "invalid_client", [400, 401].contains(answer.status) else {
            return .fail("a client assertion with aud = the issuer was refused improperly: \(Self.describe(answer)) (RFC 6749 §5.2)")
        }
        return .warning("a client assertion with aud = the issuer was refused (invalid_client); Core §9 allows the issuer as aud")
    }
}
