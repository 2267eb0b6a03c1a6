import Foundation
import OAuthCore

/// A session whose grant is a JWT bearer assertion (RFC 7523 §2.1): it signs a fresh assertion
/// (`iss` the issuer, `sub` the subject, `aud` the token endpoint) for each token and, when the
/// token nears expiry, simply makes a new one — no refresh token is involved.
public final class AssertionSession: Sendable {
    /// The underlying session: it holds the token and sends the requests.
    public let session: OAuth2Session
    /// The assertions' `iss` (RFC 7523 §3).
    public let issuer: String
    /// The assertions' `sub`: the principal the token is for (RFC 7523 §3).
    public let subject: String
    /// The assertions' `aud`: by default the token endpoint (RFC 7523 §3).
    public let audience: [String]
    /// How long each assertion is valid, in seconds: its `exp` is `iat` plus this.
    public let lifetime: TimeInterval
    let signer: AssertionSigner

    /// Creates a session; nothing is sent until a method is called.
    ///
    /// - Parameters:
    ///   - tokenEndpoint: the token endpoint, also the default audience.
    ///   - issuer: the assertions' `iss`.
    ///   - subject: the assertions' `sub`.
    ///   - audience: the assertions' `aud`; `nil` means `[tokenEndpoint]`.
    ///   - signer: the key that signs the assertions.
    ///   - scope: the scopes to request.
    ///   - lifetime: each assertion's lifetime, in seconds.
    ///   - clientID: the `client_id`; `nil` uses `issuer`.
    ///   - clientSecret: the client's secret, for an authentication method that needs one.
    ///   - clientAuth: how the client authenticates at the token endpoint; by default it does not
    ///     (the assertion is the credential).
    ///   - tokenPlacement: where resource requests carry the token.
    ///   - leeway: how many seconds before its expiry a token is replaced.
    ///   - updateToken: told about every token a renewal obtains.
    ///   - transport: the transport for every request.
    ///   - clock: the clock that dates assertions and judges expiry.
    public init(
        tokenEndpoint: String,
        issuer: String,
        subject: String,
        audience: [String]? = nil,
        signer: AssertionSigner,
        scope: [String] = [],
        lifetime: TimeInterval = 300,
        clientID: String? = nil,
        clientSecret: String? = nil,
        clientAuth: some ClientAuthentication = PublicClient(),
        tokenPlacement: TokenPlacement = .header,
        leeway: TimeInterval = 60,
        updateToken: TokenUpdateHandler? = nil,
        transport: any HTTPTransport,
        clock: any OAuthClock = SystemClock()
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience ?? [tokenEndpoint]
        self.lifetime = lifetime
        self.signer = signer
        let audience = self.audience
        session = OAuth2Session(
            clientID: clientID ?? issuer,
            clientSecret: clientSecret,
            clientAuth: clientAuth,
            scope: scope,
            tokenPlacement: tokenPlacement,
            tokenEndpoint: tokenEndpoint,
            leeway: leeway,
            updateToken: updateToken,
            transport: transport,
            clock: clock,
            renewal: { session throws(OAuthError) in
                let claims = AssertionClaims(issuer: issuer, subject: subject, audience: audience, issuedAt: session.clock.now(), lifetime: lifetime)
                let token = try await session.fetchToken(grant: .jwtBearer(assertion: try await signer.sign(claims)))
                await updateToken?(token, nil)
                return token
            }
        )
    }

    /// Signs an assertion and exchanges it for a token.
    ///
    /// - Returns: the token, which ``session`` now holds.
    /// - Throws: `OAuthError`: `invalid_configuration` when the assertion cannot be signed, else as
    ///   `OAuth2Session.fetchToken(_:grant:scope:extraParameters:)` does.
    @discardableResult
    public func fetchToken() async throws(OAuthError) -> OAuth2Token {
        let claims = AssertionClaims(issuer: issuer, subject: subject, audience: audience, issuedAt: session.clock.now(), lifetime: lifetime)
        return try await session.fetchToken(grant: .jwtBearer(assertion: try await signer.sign(claims)))
    }

    /// A resource request; an expiring token is replaced by a new assertion grant first.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - url: the resource URL.
    ///   - headers: the request's headers.
    ///   - body: the request's body.
    /// - Returns: the resource server's response, whatever its status.
    /// - Throws: `OAuthError`, as ``OAuth2Session/request(_:_:headers:body:step:)`` does.
    public func request(_ method: String, _ url: String, headers: HeaderList = [:], body: [UInt8] = []) async throws(OAuthError) -> TransportResponse
    {
        try await session.request(method, url, headers: headers, body: body)
    }
}
