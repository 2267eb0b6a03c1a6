import Crypto
import CryptoExtras
import Foundation
import OAuthCore

/// A JWT split into its decoded header and claims (signature not yet checked).
struct DecodedJWT {
    var header: [String: JSONValue]
    var claims: [String: JSONValue]

    init?(_ token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])), let claimBytes = Base64URL.decode(String(parts[1])),
            case .object(let header)? = try? JSONValue.parse(headerBytes), case .object(let claims)? = try? JSONValue.parse(claimBytes)
        else { return nil }
        self.header = header
        self.claims = claims
    }

    var algorithm: String? { header["alg"]?.stringValue }
}

struct ClientAuthFailure: Error {
    let response: TransportResponse
}

extension MockProvider {
    /// RFC 6749 §2.3 and RFC 7523 §2.2: exactly one authentication method per request, one the
    /// client is registered for. A failure is `invalid_client` with 401 and a `WWW-Authenticate`
    /// challenge. With `optional`, a request that carries no client credentials at all yields `nil`.
    func authenticateClient(
        _ request: TransportRequest,
        form: FormParameters,
        endpointPath: String,
        optional: Bool = false
    ) async -> Result<ProviderProfile.Client?, ClientAuthFailure> {
        func invalid(_ description: String) -> Result<ProviderProfile.Client?, ClientAuthFailure> {
            var response = Self.tokenError(401, "invalid_client", description)
            response.headers["WWW-Authenticate"] = "Basic realm=\"\(profile.name)\""
            return .failure(ClientAuthFailure(response: response))
        }
        let authorization = request.headers["Authorization"]
        let presented = [authorization != nil, form["client_secret"] != nil, form["client_assertion"] != nil].filter { $0 }.count
        if presented > 1 {
            return .failure(ClientAuthFailure(response: Self.tokenError(400, "invalid_request", "more than one client authentication method")))
        }
        let method: String
        let clientID: String
        var secret: String?
        if let authorization {
            guard HeaderList.value(authorization, hasLowercasePrefix: "basic ") else { return invalid("unsupported Authorization scheme") }
            guard let data = Base64Standard.decode(authorization.dropFirst(6).trimmingWhitespace()),
                let pair = String(validating: data, as: UTF8.self), let colon = pair.firstIndex(of: ":"),
                let id = try? PercentEncoding.decode(pair[..<colon], plusAsSpace: true),
                let password = try? PercentEncoding.decode(pair[pair.index(after: colon)...], plusAsSpace: true)
            else { return invalid("malformed Basic credentials") }
            if let bodyID = form["client_id"], bodyID != id { return invalid("client_id in the body differs from the Basic credentials") }
            (method, clientID, secret) = ("client_secret_basic", id, password)
        } else if let assertion = form["client_assertion"] {
            guard let client = await authenticateAssertion(assertion, request: request, form: form, endpointPath: endpointPath) else {
                return invalid("the client assertion is invalid")
            }
            return .success(client)
        } else if let id = form["client_id"] {
            secret = form["client_secret"]
            (method, clientID) = (secret == nil ? "none" : "client_secret_post", id)
        } else {
            return optional ? .success(nil) : invalid("no client authentication")
        }
        guard let client = self.client(id: clientID) else { return invalid("unknown client") }
        guard client.authMethods.contains(where: { $0.rawValue == method }) else {
            return invalid("client authentication method \(method) is not allowed for this client")
        }
        if method != "none" {
            guard let expected = client.clientSecret, let secret, constantTimeEquals(expected, secret) else {
                return invalid("client authentication failed")
            }
        }
        return .success(client)
    }

    /// RFC 7523 §2.2's assertion type. The mock spells the wire constants itself: it does not
    /// depend on the client library it grades.
    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// RFC 7518 §3.2: an HS256 key has at least 256 bits.
    static let minimumHMACKeyBytes = 32

    /// `client_secret_jwt` (HS256 with the secret) or `private_key_jwt` (the registered public key).
    func authenticateAssertion(
        _ assertion: String,
        request: TransportRequest,
        form: FormParameters,
        endpointPath: String
    ) async -> ProviderProfile.Client? {
        let failure: ProviderProfile.Client? = nil
        guard form["client_assertion_type"] == Self.assertionType, let jwt = DecodedJWT(assertion),
            let issuer = jwt.claims["iss"]?.stringValue, jwt.claims["sub"]?.stringValue == issuer,
            let client = self.client(id: issuer), form["client_id"].map({ $0 == issuer }) ?? true
        else { return failure }
        let method = jwt.algorithm?.hasPrefix("HS") == true ? "client_secret_jwt" : "private_key_jwt"
        guard client.authMethods.contains(where: { $0.rawValue == method }) else { return failure }
        let base = MockProvider.issuer(request)
        // A client with a jwks_uri may have rotated its key: fetched again for an unknown kid.
        if method == "private_key_jwt", client.jwksURI != nil { _ = await clientJWKs(client, kid: jwt.header["kid"]?.stringValue) }
        // RFC 7523 §3: the token endpoint's URL; the issuer too (as OpenID Connect Core §9 allows).
        let audiences = [base + profile.endpoints.token, base + endpointPath] + (evilMode == .assertionAudienceTokenEndpointOnly ? [] : [base])
        guard verifySignature(assertion, jwt: jwt, client: client, allowSecret: method == "client_secret_jwt"),
            checkClaims(jwt.claims, audiences: audiences) == nil
        else { return failure }
        return client
    }

    /// Checks an assertion's signature with the client's secret (HS256, `allowSecret`) or public
    /// key (ES256, RS256).
    func verifySignature(_ token: String, jwt: DecodedJWT, client: ProviderProfile.Client, allowSecret: Bool) -> Bool {
        guard let name = jwt.algorithm, let alg = ProviderProfile.ClientSigningAlgorithm(rawValue: name), [.hs256, .es256, .rs256].contains(alg),
            (alg == .hs256) == allowSecret
        else { return false }
        return verifyClientSignature(token, jwt: jwt, client: client, alg: alg)
    }

    /// A JWT's signature by the client: HS256 with its secret (at least 32 bytes), the others with
    /// its registered `public_key`, or its registered key set (`jwks`, `jwks_uri`; swift-crypto
    /// directly; the mock never uses the client's code).
    func verifyClientSignature(_ token: String, jwt: DecodedJWT, client: ProviderProfile.Client, alg: ProviderProfile.ClientSigningAlgorithm) -> Bool
    {
        guard let dot = token.utf8.lastIndex(of: UInt8(ascii: ".")) else { return false }
        let input = Array(token.utf8[..<dot])
        guard let signature = Base64URL.decode(String(token[token.index(after: dot)...])) else { return false }
        if alg == .hs256 {
            guard let secret = client.clientSecret, secret.utf8.count >= Self.minimumHMACKeyBytes else { return false }
            let expected = Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: Array(secret.utf8))))
            return IndependentVerification.constantTime(expected, signature)
        }
        guard let pem = client.publicKeyPEM else {
            return Self.verify(token, alg: alg, kid: jwt.header["kid"]?.stringValue, keys: knownClientJWKs(client))
        }
        switch alg {
        case .es256:
            guard let key = try? P256.Signing.PublicKey(pemRepresentation: pem),
                let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(sig, for: input)
        case .es384:
            guard let key = try? P384.Signing.PublicKey(pemRepresentation: pem),
                let sig = try? P384.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(sig, for: input)
        case .es512:
            guard let key = try? P521.Signing.PublicKey(pemRepresentation: pem),
                let sig = try? P521.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(sig, for: input)
        case .rs256, .ps256:
            guard let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) else { return false }
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: SHA256.hash(data: input),
                padding: alg == .ps256 ? .PSS : .insecurePKCS1v1_5
            )
        case .edDSA, .hs256:
            return false
        }
    }

    /// RFC 7523 §3 claim checks against the provider clock: `aud` names this provider, `exp` is
    /// in the future, `iat`/`nbf` not, and a `jti` is never accepted twice. Returns the problem.
    func checkClaims(_ claims: [String: JSONValue], audiences: [String]) -> String? {
        let now = clock.now().timeIntervalSince1970
        let audience: [String]
        switch claims["aud"] {
        case .string(let value)?: audience = [value]
        case .array(let values)?: audience = values.compactMap(\.stringValue)
        default: return "the assertion has no aud"
        }
        guard audience.contains(where: audiences.contains) else { return "the assertion's aud does not name this provider" }
        guard case .number(let exp)? = claims["exp"] else { return "the assertion has no exp" }
        guard exp.double > now else { return "the assertion has expired" }
        if case .number(let iat)? = claims["iat"], iat.double > now + 60 { return "the assertion is issued in the future" }
        if case .number(let nbf)? = claims["nbf"], nbf.double > now + 60 { return "the assertion is not yet valid" }
        if let jti = claims["jti"]?.stringValue {
            let fresh = store.withStorage { $0.usedAssertionIDs.insert(jti).inserted }
            guard fresh else { return "the assertion's jti was already used" }
        }
        return nil
    }
}
