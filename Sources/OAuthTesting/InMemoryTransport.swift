import Foundation
import MockProviders
import OAuthCore

/// Hands requests straight to a mock provider's request handler: no server, no socket, no
/// port. Any built-in profile (its quirks, its evil modes) or one of your own answers your
/// OAuth client code in a unit test as it would over HTTP, at the base URL you choose.
///
/// ```swift
/// let slack = try InMemoryTransport(profile: "slack-style")
/// let session = OAuth2Session(clientID: "harness-client", clientSecret: "harness-secret", transport: slack)
/// session.apply(ComplianceFixes.slack)
/// ```
///
/// Requests must go to `baseURL` (other hosts are refused, as a test should not reach them).
/// Transport faults (`faults:` in a profile) are a server's doing and are not played here;
/// use `MockProviderServer.withRunning(_:_:)` (MockProviders) for them.
public struct InMemoryTransport: HTTPTransport {
    /// The provider logic that answers the requests.
    public let handler: any MockRequestHandler
    /// Where the provider appears to be: its issuer and the base of every URL it advertises.
    public let baseURL: String
    /// Called before each request is handled (a pause, to make concurrent callers overlap).
    let before: (@Sendable (TransportRequest) async throws -> Void)?

    /// - Parameters:
    ///   - handler: the provider logic, e.g. `MockProviderServer.handler(for: profile)`.
    ///   - baseURL: an `http://host[:port]` origin (no path).
    ///   - before: called with each request before it is handled.
    public init(
        handler: any MockRequestHandler,
        baseURL: String = "http://mock.test",
        before: (@Sendable (TransportRequest) async throws -> Void)? = nil
    ) {
        self.handler = handler
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.before = before
    }

    /// A built-in profile by name (`slack-style`, `google-style-oidc`, …) or a profile file.
    ///
    /// - Parameters:
    ///   - name: a built-in profile's name, or the path of a `.yaml` or `.yml` profile file.
    ///   - baseURL: an `http://host[:port]` origin (no path).
    ///   - clock: the provider's time (codes, tokens, ID tokens).
    /// - Throws: when there is no such profile or the file is not a valid profile.
    public init(profile name: String, baseURL: String = "http://mock.test", clock: any OAuthClock = SystemClock()) throws {
        let profile = name.hasSuffix(".yaml") || name.hasSuffix(".yml") ? try ProviderProfile.load(contentsOf: name) : try ProviderProfile.named(name)
        self.init(handler: MockProviderServer.handler(for: profile, clock: clock), baseURL: baseURL)
    }

    /// `path` on the provider, e.g. `transport.url(profile.endpoints.token)`.
    ///
    /// - Parameter path: a path starting with `/`.
    public func url(_ path: String) -> String { baseURL + path }

    /// Hands `request` to the provider, with `Host` set to the URL's authority.
    ///
    /// - Parameter request: the request; its URL must be on ``baseURL``.
    /// - Throws: `OAuthError` with `transport_error` for a URL on another origin; the `before`
    ///   closure's errors.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let target = URLReference(request.url)
        guard let authority = target.authority, target.scheme.map({ "\($0)://\(authority)" }) == baseURL else {
            throw OAuthError.client(
                .transportError,
                "the in-memory provider is at \(baseURL), not \(URLReference(request.url).withoutQuery)",
                step: "send"
            )
        }
        try await before?(request)
        var forwarded = request
        forwarded.headers["Host"] = authority
        return await handler.handle(forwarded)
    }
}
