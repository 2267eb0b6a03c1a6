import Crypto
import Foundation
import OAuthCore

/// Why a client-hosted document could not be had.
struct DocumentProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// What the provider fetches from a dynamically registered client (OpenID Connect Registration
/// 1.0 §2, §5; Core §6.2): its key set at `jwks_uri`, its `sector_identifier_uri`, its request
/// objects at `request_uri`. Every fetch is bounded (one GET, 5 s, 64 KB, no redirects) and goes
/// only to https, or plain http on loopback.
extension MockProvider {
    /// How many keys a client's key set may hold.
    static let maximumClientKeys = 10

    /// One GET of a client-hosted document: its body, or why it could not be had.
    func fetchClientDocument(_ url: String, accept: String) async -> Result<[UInt8], DocumentProblem> {
        let reference = URLReference(url)
        guard let scheme = reference.scheme?.lowercased(),
            scheme == "https" || (scheme == "http" && reference.host.map(LoopbackHost.contains) == true)
        else { return .failure(DocumentProblem("\(reference.withoutQuery) is neither https nor http on loopback")) }
        var target = reference
        target.fragment = nil
        let request = TransportRequest(method: "GET", url: target.description, headers: ["Accept": accept], timeout: Self.deliveryTimeout)
        do {
            let transport: any HTTPTransport = Self.deliveryTransportOverride.withLock { $0 } ?? Self.backchannelTransport
            let response = try await transport.send(request)
            guard response.status == 200 else { return .failure(DocumentProblem("\(reference.withoutQuery) answered HTTP \(response.status)")) }
            return .success(response.body)
        } catch {
            return .failure(DocumentProblem("\(reference.withoutQuery) could not be fetched"))
        }
    }

    /// The keys of a JWK Set document (public keys only, at most ``maximumClientKeys``).
    static func clientKeys(in document: JSONValue?) -> [JSONValue]? {
        guard case .array(let keys)? = document?.value(atPath: "keys"), keys.count <= maximumClientKeys,
            keys.allSatisfy({ key in
                guard case .object(let members) = key else { return false }
                return members["kty"]?.stringValue != nil && members.keys.allSatisfy { !DPoPProofVerifier.privateMembers.contains($0) }
            })
        else { return nil }
        return keys
    }

    /// The client's public keys: the registered `jwks`, or the last copy fetched from its
    /// `jwks_uri`, fetched again when it lacks `kid` (a client that rotated its key).
    func clientJWKs(_ client: ProviderProfile.Client, kid: String?) async -> [JSONValue] {
        guard let uri = client.jwksURI else { return client.jwks }
        let cached = store.withStorage { $0.clientKeySets[uri] }
        if let cached, evilMode == .clientJWKSCached || kid == nil || cached.contains(where: { $0.value(atPath: "kid")?.stringValue == kid }) {
            return cached
        }
        guard case .success(let body) = await fetchClientDocument(uri, accept: "application/jwk-set+json, application/json"),
            let keys = Self.clientKeys(in: try? JSONValue.parse(body))
        else { return cached ?? [] }
        store.withStorage { $0.clientKeySets[uri] = keys }
        return keys
    }

    /// The keys a client signs with, as known without fetching (the registered `jwks`, or the
    /// last copy of its `jwks_uri`).
    func knownClientJWKs(_ client: ProviderProfile.Client) -> [JSONValue] {
        guard let uri = client.jwksURI else { return client.jwks }
        return store.withStorage { $0.clientKeySets[uri] } ?? []
    }

    /// Verifies a JWS by one of `keys`: the one its `kid` names, else the only one of its type.
    static func verify(_ token: String, alg: ProviderProfile.ClientSigningAlgorithm, kid: String?, keys: [JSONValue]) -> Bool {
        let candidates = keys.compactMap { key -> [String: JSONValue]? in
            guard case .object(let members) = key else { return nil }
            if let kid { return members["kid"]?.stringValue == kid ? members : nil }
            return members
        }
        guard kid != nil || candidates.count == 1, let jwk = candidates.first,
            case .success(let (key, _)) = DPoPProofVerifier.publicKey(jwk, alg: alg),
            let dot = token.utf8.lastIndex(of: UInt8(ascii: ".")), let signature = Base64URL.decode(String(token[token.index(after: dot)...]))
        else { return false }
        let input = Array(token.utf8[..<dot])
        return input.withUnsafeBytes { key.isValid(signature, for: $0) }
    }

    // MARK: Registration §5: sector identifiers; Core §8.1: pairwise subjects

    /// Registration §5: the sector identifier document is a JSON array of the client's redirect
    /// URIs; every registered one must be in it. The problem, or `nil`.
    func sectorProblem(_ uri: String, redirectURIs: [String]) async -> String? {
        if evilMode == .sectorIdentifierUnchecked { return nil }
        switch await fetchClientDocument(uri, accept: "application/json") {
        case .failure(let problem): return "sector_identifier_uri: \(problem.message)"
        case .success(let body):
            guard case .array(let items)? = try? JSONValue.parse(body), items.count <= 64 else {
                return "sector_identifier_uri is not a JSON array of redirect URIs"
            }
            let listed = Set(items.compactMap { $0.stringValue })
            if let missing = redirectURIs.first(where: { !listed.contains($0) }) {
                return "redirect URI \(missing) is not in the sector_identifier_uri document"
            }
            return nil
        }
    }

    /// Core §8.1: the subject a client sees: the user's own, or for a pairwise client a value
    /// derived from its sector and the user (the same across the sector's clients, unlinkable
    /// across sectors).
    func subject(_ sub: String, for clientID: String) -> String {
        guard let sector = client(id: clientID)?.sector else { return sub }
        let salt = store.withStorage { $0.pairwiseSalt }
        let mac = HMAC<SHA256>.authenticationCode(for: Array((sector + " " + sub).utf8), using: SymmetricKey(data: salt))
        return Base64URL.encode(Array(mac))
    }

    // MARK: Core §6.2: request_uri

    /// An authorization request whose `request_uri` is a client's URL (not a PAR URN): the
    /// object fetched and put in its place as `request`, when the provider takes request
    /// objects and the client registered the URI. Other requests come back unchanged.
    func dereferenceRequestURI(_ incoming: FormParameters?) async -> Result<FormParameters?, AuthorizationError> {
        guard var parameters = incoming, let uri = parameters["request_uri"], !uri.hasPrefix(Self.requestURIPrefix),
            profile.requestObjects != nil, evilMode != .requestURIIgnored
        else {
            if evilMode == .requestURIIgnored, let parameters = incoming { return .success(Self.without("request_uri", parameters)) }
            return .success(incoming)
        }
        guard parameters.values(for: "request_uri").count == 1, parameters["request"] == nil else {
            return .failure(.init(error: "invalid_request", description: "one request_uri and no request, please (Core §6.2)"))
        }
        guard let client = parameters["client_id"].flatMap({ self.client(id: $0) }) else {
            return .failure(.init(error: "invalid_request", description: "client_id is missing or unknown"))
        }
        // Core §6.2: the OP may require the URI to be pre-registered; this one does (a fragment
        // that names the object's hash may differ).
        let bare = { (text: String) -> String in
            var reference = URLReference(text)
            reference.fragment = nil
            return reference.description
        }
        guard client.requestURIs.contains(where: { bare($0) == bare(uri) }) else {
            return .failure(.init(error: "invalid_request_uri", description: "request_uri is not one of the client's registered request_uris"))
        }
        switch await fetchClientDocument(uri, accept: "application/oauth-authz-req+jwt, application/jwt") {
        case .failure(let problem): return .failure(.init(error: "invalid_request_uri", description: problem.message))
        case .success(let body):
            guard body.count <= Self.maxBodyBytes, let object = String(validating: body, as: UTF8.self) else {
                return .failure(.init(error: "invalid_request_object", description: "the request_uri document is not a JWT"))
            }
            if let jwt = DecodedJWT(object[...].trimmingWhitespace(newlines: true)) {
                _ = await clientJWKs(client, kid: jwt.header["kid"]?.stringValue)
            }
            parameters = Self.without("request_uri", parameters)
            parameters.append("request", String(object[...].trimmingWhitespace(newlines: true)))
            return .success(parameters)
        }
    }

    static func without(_ name: String, _ parameters: FormParameters) -> FormParameters {
        FormParameters(parameters.filter { $0.name != name }.map { ($0.name, $0.value) })
    }

    /// Before a request object by value is checked: the client's `jwks_uri` fetched again when
    /// the object names a key the last copy lacks.
    func prefetchRequestObjectKey(_ parameters: FormParameters?) async {
        guard let object = parameters?["request"], let jwt = DecodedJWT(object),
            let client = parameters?["client_id"].flatMap({ self.client(id: $0) }), client.jwksURI != nil
        else { return }
        _ = await clientJWKs(client, kid: jwt.header["kid"]?.stringValue)
    }
}
