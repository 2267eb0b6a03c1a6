import Foundation
import OAuthCore

/// A session whose grant is a JWT bearer assertion (RFC 7523 §2.1): it signs a fresh assertion
/// (`iss` the issuer, `sub` the subject, `aud` the token endpoint) for each token and, when the
/// token nears expiry, simply makes a new one — no refresh token is involved.
public final class AssertionSession: Sendable {
    public let session: OAuth2Session
    public let issuer: String
    public let subject: String
    public let audience: [String]
    public let lifetime: TimeInterval
    let signer: AssertionSigner

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
    @discardableResult
    public func fetchToken() async throws(OAuthError) -> OAuth2Token {
        let claims = AssertionClaims(issuer: issuer, subject: subject, audience: audience, issuedAt: session.clock.now(), lifetime: lifetime)
        return try await session.fetchToken(grant: .jwtBearer(assertion: try await signer.sign(claims)))
    }

    /// A resource request; an expiring token is replaced by a new assertion grant first.
    public func request(_ method: String, _ url: String, headers: HeaderList = [:], body: [UInt8] = []) async throws(OAuthError) -> TransportResponse
    {
        try await session.request(method, url, headers: headers, body: body)
    }
}
