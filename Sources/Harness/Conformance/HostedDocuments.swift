import Foundation
import MockProviders
import OAuth2
import OAuthCore
import Synchronization

/// A dynamically registered client's key, with the `kid` the provider knows it by.
struct ClientKey: Sendable {
    var key: JWSKey
    var kid: String

    /// A fresh RS256 key (the algorithm every OpenID provider must support, Core §15.1).
    static func fresh() throws(CheckFailure) -> ClientKey {
        do {
            let key = try JWSKey.generate(.rs256)
            return ClientKey(key: key, kid: "harness-" + String((key.thumbprint ?? SecureRandom.token(bytes: 8)).prefix(12)))
        } catch {
            throw CheckFailure(reason: "cannot make the client's RSA key: \(error.errorDescription ?? error.code.rawValue)")
        }
    }

    /// The public key as a JWK with its `kid`, `use` and `alg`.
    var publicJWK: JSONValue {
        var members = key.publicJWK ?? [:]
        members["kid"] = .string(kid)
        members["use"] = "sig"
        members["alg"] = .string(key.algorithm.rawValue)
        return .object(members)
    }

    /// A JWK Set of `keys`.
    static func set(_ keys: [ClientKey]) -> JSONValue { .object(["keys": .array(keys.map(\.publicJWK))]) }
}

/// What a client hosts for its provider to fetch (OpenID Connect Registration 1.0 §2, §5; Core
/// §6.2): a key set at `jwks_uri`, a `sector_identifier_uri`, request objects at `request_uri`,
/// a logo. A loopback listener for one check, under a random path; it counts each fetch, so a
/// check can tell whether the provider fetched a document at all.
final class HostedDocuments: Sendable {
    struct Document: Sendable {
        var type: String
        var body: [UInt8]
        var fetches = 0
        /// The URLs it was fetched at, with their queries (the first 16).
        var requests: [String] = []
    }

    let endpoint: RunningEndpoint
    /// `http://127.0.0.1:<port>/<random>`: every document's URL starts so.
    let base: String
    private let box: Box

    private init(endpoint: RunningEndpoint, base: String, box: Box) {
        self.endpoint = endpoint
        self.base = base
        self.box = box
    }

    /// Listens on `host`:`port` (0: any free port), serving under `prefix` (by default a random
    /// path; empty for a URI the provider already knows, such as a registered logout URI).
    static func start(host: String = "127.0.0.1", port: Int = 0, prefix given: String? = nil) async throws(CheckFailure) -> HostedDocuments {
        let prefix = given ?? "/" + SecureRandom.token(bytes: 9)
        let box = Box()
        do {
            let endpoint = try await RunningEndpoint.start(host: host, port: port) { request in
                let path = URLReference(request.url).path
                guard request.method == "GET", path.hasPrefix(prefix) else { return TransportResponse(status: 404) }
                let found = box.documents.withLock { documents -> Document? in
                    documents[path]?.fetches += 1
                    if (documents[path]?.requests.count ?? 16) < 16 { documents[path]?.requests.append(request.url) }
                    return documents[path]
                }
                guard let found else { return TransportResponse(status: 404) }
                return TransportResponse(status: 200, headers: ["Content-Type": found.type, "Cache-Control": "no-store"], body: found.body)
            }
            let shown = host.contains(":") ? "[\(host)]" : host
            return HostedDocuments(endpoint: endpoint, base: "http://\(shown):\(endpoint.port)" + prefix, box: box)
        } catch {
            throw CheckFailure(reason: "cannot listen on loopback for the client's documents: \(error)")
        }
    }

    /// Serves `body` at `name` (replacing what was there); its URL.
    @discardableResult
    func host(_ name: String, type: String, body: [UInt8]) -> String {
        let path = URLReference(base).path + "/" + name
        box.documents.withLock { $0[path] = Document(type: type, body: body, fetches: $0[path]?.fetches ?? 0, requests: $0[path]?.requests ?? []) }
        return base + "/" + name
    }

    func host(_ name: String, json: JSONValue) -> String { host(name, type: "application/json", body: json.jsonBytes) }

    /// How many times the document at `name` was fetched.
    func fetches(_ name: String) -> Int { box.documents.withLock { $0[URLReference(base).path + "/" + name]?.fetches ?? 0 } }

    /// The URLs `name` was fetched at (each with its query).
    func requests(_ name: String) -> [String] { box.documents.withLock { $0[URLReference(base).path + "/" + name]?.requests ?? [] } }

    func stop() async { await endpoint.stop() }

    private final class Box: Sendable {
        let documents = Mutex<[String: Document]>([:])
    }
}
