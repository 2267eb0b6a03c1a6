import Foundation
import HarnessFiles
import Logging
import OAuthCore
import Synchronization

/// What a running mock received, for a test to read: how many requests reached each path
/// (injected faults included) and the last requests the provider answered, with their status.
///
/// The entries hold requests as sent, secrets included: they stay in memory for the test and
/// are never logged or written to a report.
public final class RequestLog: Sendable {
    /// One request the provider answered.
    public struct Entry: Sendable {
        /// The HTTP method.
        public let method: String
        /// The path, without the query.
        public let path: String
        /// The request target as received (path and query).
        public let url: String
        /// The request's headers, as received.
        public let headers: HeaderList
        /// The request's body, as received.
        public let body: [UInt8]
        /// The status the mock answered with.
        public let status: Int

        /// The query's parameters, or the form body's for a form POST (`nil` when neither parses).
        public var parameters: FormParameters? {
            if method == "POST" { return MockProvider.formBody(TransportRequest(method: method, url: url, headers: headers, body: body)) }
            return MockProvider.split(url).query
        }
    }

    /// How many entries `lastRequests` keeps, and how many distinct paths are counted (past it,
    /// other paths count under `"(other)"`): a hostile client cannot grow the log.
    public static let capacity = 100
    static let maxPaths = 1_000

    struct Storage {
        var counts: [String: Int] = [:]
        var entries: [Entry] = []
        var total = 0
    }
    private let storage = Mutex(Storage())

    /// An empty log.
    public init() {}

    func count(path: String) {
        storage.withLock { storage in
            storage.total += 1
            let key = storage.counts[path] != nil || storage.counts.count < Self.maxPaths ? path : "(other)"
            storage.counts[key, default: 0] += 1
        }
    }

    func record(_ request: TransportRequest, status: Int) {
        let entry = Entry(
            method: request.method,
            path: MockProvider.split(request.url).path,
            url: request.url,
            headers: request.headers,
            body: request.body,
            status: status
        )
        storage.withLock { storage in
            if storage.entries.count == Self.capacity { storage.entries.removeFirst() }
            storage.entries.append(entry)
        }
    }

    /// Every request received.
    public var totalCount: Int { storage.withLock { $0.total } }

    /// Requests received at `path` (e.g. `/token`).
    ///
    /// - Parameter path: the path, without a query.
    public func count(of path: String) -> Int { storage.withLock { $0.counts[path] ?? 0 } }

    /// The last requests the provider answered, oldest first (at most `capacity`).
    public var lastRequests: [Entry] { storage.withLock { $0.entries } }

    /// The last request to `path`, if any.
    ///
    /// - Parameter path: the path, without a query.
    public func lastRequest(to path: String) -> Entry? { storage.withLock { $0.entries.last { $0.path == path } } }

    /// Forgets the counts and the requests.
    public func reset() { storage.withLock { $0 = Storage() } }
}

extension ProviderProfile {
    /// A built-in profile by name (`standard-oauth2`, `google-style-oidc`, … — `oauth-harness
    /// list` shows them all), or a profile file when `name` ends in `.yaml`/`.yml`.
    ///
    /// - Parameter name: a built-in profile's name, or the path of a profile file.
    /// - Throws: `YAMLLocatedError` for a file that does not load; ``MockServerError`` for an
    ///   unknown name.
    public static func named(_ name: String) throws -> ProviderProfile {
        if name.hasSuffix(".yaml") || name.hasSuffix(".yml") { return try load(contentsOf: name) }
        let shipped = BuiltIn.profiles()
        guard let profile = shipped.profiles.first(where: { $0.name == name }) else {
            throw MockServerError(message: "unknown profile \"\(name)\"; built in: \(shipped.profiles.map(\.name).sorted().joined(separator: ", "))")
        }
        return profile
    }
}

extension MockProviderServer {
    /// Runs `body` with `profile` started in-process on an ephemeral loopback port, and stops the
    /// server when `body` returns or throws: the scoped form for Swift Testing and XCTest.
    ///
    /// ```swift
    /// try await MockProviderServer.withRunning("standard-oauth2") { mock in
    ///     let token = try await mock.issueToken(subject: "alice", claims: ["roles": ["admin"]])
    ///     // point the code under test at mock.issuer / mock.jwksURL …
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - profile: the profile to serve.
    ///   - clock: the provider's clock.
    ///   - body: the test, given the running provider.
    /// - Returns: what `body` returns.
    /// - Throws: what starting the server or `body` throws.
    public static func withRunning<Result: Sendable>(
        _ profile: ProviderProfile,
        clock: any OAuthClock = SystemClock(),
        _ body: (RunningProvider) async throws -> Result
    ) async throws -> Result {
        let running = try await start(profile, clock: clock)
        do {
            let result = try await body(running)
            await running.stop()
            return result
        } catch {
            await running.stop()
            throw error
        }
    }

    /// `withRunning(_:clock:_:)` for a built-in profile's name or a profile file's path.
    ///
    /// - Parameters:
    ///   - name: a built-in profile's name, or the path of a profile file.
    ///   - clock: the provider's clock.
    ///   - body: the test, given the running provider.
    /// - Returns: what `body` returns.
    /// - Throws: what ``ProviderProfile/named(_:)``, starting the server or `body` throws.
    public static func withRunning<Result: Sendable>(
        _ name: String,
        clock: any OAuthClock = SystemClock(),
        _ body: (RunningProvider) async throws -> Result
    ) async throws -> Result {
        try await withRunning(try ProviderProfile.named(name), clock: clock, body)
    }
}

extension RunningProvider {
    /// The issuer (`iss`) of the tokens it signs: its base URL, as its metadata says.
    public var issuer: String { baseURL }

    /// Where its signing keys are published (RFC 7517 JWK Set).
    public var jwksURL: String { baseURL + profile.jwksPath }

    /// The authorization endpoint's URL.
    public var authorizationURL: String { url(profile.endpoints.authorize) }
    /// The token endpoint's URL.
    public var tokenURL: String { url(profile.endpoints.token) }
    /// The protected resource's URL: the UserInfo endpoint for OpenID profiles.
    public var resourceURL: String { url(profile.endpoints.resource) }

    /// RFC 8414 (`/.well-known/oauth-authorization-server`) or, for OpenID profiles, OpenID
    /// Discovery metadata.
    public var metadataURL: String {
        url(profile.oidc != nil ? "/.well-known/openid-configuration" : MockProvider.metadataPath)
    }

    func oauth2Engine() throws -> MockProvider {
        guard let engine = oauth2 else { throw MockServerError(message: "\(profile.name) is not an OAuth 2 profile: it signs no JWTs") }
        return engine
    }

    /// An RFC 9068 JWT access token (`typ: at+jwt`; `iss`, `sub`, `aud`, `client_id`, `iat`,
    /// `exp`, `jti`, `scope`) signed by a key in ``jwksURL``. `audience` defaults to the
    /// profile's `access_tokens.audience`, else the issuer; `claims` are added last. The mock's
    /// resource endpoint and introspection accept the token until it expires.
    ///
    /// - Parameters:
    ///   - subject: the `sub`.
    ///   - audience: the `aud`.
    ///   - claims: further claims.
    ///   - lifetime: seconds until `exp`; `nil` for the profile's access-token lifetime.
    ///   - clientID: the `client_id`; `nil` for the profile's first client.
    ///   - scope: the `scope`; `nil` for the profile's default scope.
    /// - Returns: the signed JWT.
    /// - Throws: ``MockServerError`` for a provider that is not OAuth 2 or has no active signing
    ///   key; jwt-kit's error when signing fails.
    public func issueToken(
        subject: String,
        audience: String? = nil,
        claims: [String: JSONValue] = [:],
        lifetime: TimeInterval? = nil,
        clientID: String? = nil,
        scope: [String]? = nil
    ) async throws -> String {
        try await oauth2Engine().issueToken(
            issuer: issuer,
            subject: subject,
            audience: audience.map { [$0] },
            clientID: clientID,
            scope: scope,
            claims: claims,
            lifetime: lifetime
        )
    }

    /// An OpenID Connect ID token signed by the key that signs the mock's ID tokens (a key in
    /// ``jwksURL``). `audience` defaults to the profile's first client.
    ///
    /// - Parameters:
    ///   - subject: the `sub`.
    ///   - audience: the `aud`.
    ///   - nonce: the `nonce`, if any.
    ///   - claims: further claims, added last.
    ///   - lifetime: seconds until `exp`; `nil` for the profile's ID-token lifetime.
    /// - Returns: the signed JWT.
    /// - Throws: ``MockServerError`` for a provider that is not OAuth 2 or has no active signing
    ///   key; jwt-kit's error when signing fails.
    public func issueIDToken(
        subject: String,
        audience: String? = nil,
        nonce: String? = nil,
        claims: [String: JSONValue] = [:],
        lifetime: TimeInterval? = nil
    ) async throws -> String {
        try await oauth2Engine().issueIDToken(
            issuer: issuer,
            subject: subject,
            audience: audience,
            nonce: nonce,
            claims: claims,
            lifetime: lifetime
        )
    }

    /// Requests received at `path` (e.g. `profile.endpoints.token`).
    ///
    /// - Parameter path: the path, without a query.
    public func requestCount(_ path: String) -> Int { log.count(of: path) }

    /// The last requests the mock answered, oldest first.
    public var lastRequests: [RequestLog.Entry] { log.lastRequests }
}
