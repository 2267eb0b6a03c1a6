import Foundation
import OAuthCore

extension GrantType {
    /// The token exchange grant (RFC 8693 §2.1).
    public static let tokenExchange: GrantType = "urn:ietf:params:oauth:grant-type:token-exchange"
}

/// A token type identifier (RFC 8693 §3): what kind of token a subject, actor or issued token
/// is. An open set, as the IANA registry is: the RFC's members are static members, and any
/// other URI can be written as a string literal.
public struct TokenTypeIdentifier: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The URI.
    public let rawValue: String

    /// The identifier `rawValue`.
    /// - Parameter rawValue: the token type URI.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The identifier `value`.
    /// - Parameter value: the token type URI.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// An OAuth 2 access token.
    public static let accessToken: TokenTypeIdentifier = "urn:ietf:params:oauth:token-type:access_token"
    /// An OAuth 2 refresh token.
    public static let refreshToken: TokenTypeIdentifier = "urn:ietf:params:oauth:token-type:refresh_token"
    /// An OpenID Connect ID token.
    public static let idToken: TokenTypeIdentifier = "urn:ietf:params:oauth:token-type:id_token"
    /// A JWT (RFC 7519).
    public static let jwt: TokenTypeIdentifier = "urn:ietf:params:oauth:token-type:jwt"
    /// A base64url-encoded SAML 1.1 assertion.
    public static let saml1: TokenTypeIdentifier = "urn:ietf:params:oauth:token-type:saml1"
    /// A base64url-encoded SAML 2.0 assertion.
    public static let saml2: TokenTypeIdentifier = "urn:ietf:params:oauth:token-type:saml2"

    /// The URI.
    public var description: String { rawValue }
}

/// What a token exchange asks for (RFC 8693 §2.1): the subject token, an optional actor token
/// (delegation: the issued token says who acts, `act`), and where the new token is to be used.
public struct TokenExchangeRequest: Sendable {
    /// `subject_token`: the token that represents the party on whose behalf the request is made.
    public var subjectToken: String
    /// `subject_token_type`.
    public var subjectTokenType: TokenTypeIdentifier
    /// `actor_token`: the token of the party that acts, for delegation.
    public var actorToken: String?
    /// `actor_token_type` (required with an actor token).
    public var actorTokenType: TokenTypeIdentifier?
    /// `requested_token_type`; the provider chooses when `nil`.
    public var requestedTokenType: TokenTypeIdentifier?
    /// `audience` values: logical names of the target services.
    public var audience: [String]
    /// `resource` values (RFC 8707): absolute URIs of the target services.
    public var resource: [String]
    /// `scope`; `nil` leaves it to the provider (often the subject token's).
    public var scope: [String]?

    /// A token exchange request.
    ///
    /// - Parameters:
    ///   - subjectToken: the subject token.
    ///   - subjectTokenType: its type.
    ///   - actorToken: the actor token, for delegation.
    ///   - actorTokenType: its type (required with an actor token).
    ///   - requestedTokenType: the type of token wanted.
    ///   - audience: target service names.
    ///   - resource: target service URIs.
    ///   - scope: the scope wanted.
    public init(
        subjectToken: String,
        subjectTokenType: TokenTypeIdentifier,
        actorToken: String? = nil,
        actorTokenType: TokenTypeIdentifier? = nil,
        requestedTokenType: TokenTypeIdentifier? = nil,
        audience: [String] = [],
        resource: [String] = [],
        scope: [String]? = nil
    ) {
        self.subjectToken = subjectToken
        self.subjectTokenType = subjectTokenType
        self.actorToken = actorToken
        self.actorTokenType = actorTokenType
        self.requestedTokenType = requestedTokenType
        self.audience = audience
        self.resource = resource
        self.scope = scope
    }
}

/// The answer to a token exchange (RFC 8693 §2.2.1): the issued token (in `access_token`, whatever
/// its type) and what kind of token it is.
public struct ExchangedToken: Sendable, Equatable {
    /// The issued token; `token_type` is `N_A` when it is not an access token.
    public let token: OAuth2Token
    /// `issued_token_type`.
    public let issuedTokenType: TokenTypeIdentifier
}

extension OAuth2Session {
    // MARK: RFC 8693 — token exchange

    /// Exchanges a token at the token endpoint (RFC 8693 §2), with the client's authentication.
    /// The session's own token is left as it is: the issued one is for another audience.
    ///
    /// - Parameters:
    ///   - tokenEndpoint: the token endpoint; `nil` uses the session's.
    ///   - request: the subject (and actor) token and the target.
    /// - Returns: the issued token and its type.
    /// - Throws: `OAuthError`: the provider's error (`invalid_request`, `invalid_target`, …);
    ///   `invalid_configuration` for an actor token without its type or the reverse;
    ///   `malformed_response` (step `token_exchange`) for an answer without a token, or without
    ///   `issued_token_type` (§2.2.1 requires it).
    public func exchangeToken(_ tokenEndpoint: String? = nil, _ request: TokenExchangeRequest) async throws(OAuthError) -> ExchangedToken {
        let step = "token_exchange"
        guard (request.actorToken == nil) == (request.actorTokenType == nil) else {
            throw .client(.invalidConfiguration, "actor_token and actor_token_type go together (RFC 8693 §2.1)", step: step)
        }
        let endpoint = try endpointOrDefault(tokenEndpoint, step: step)
        var form = FormParameters([
            ("grant_type", GrantType.tokenExchange.rawValue), ("subject_token", request.subjectToken),
            ("subject_token_type", request.subjectTokenType.rawValue),
        ])
        if let actor = request.actorToken, let type = request.actorTokenType {
            form.append("actor_token", actor)
            form.append("actor_token_type", type.rawValue)
        }
        if let requested = request.requestedTokenType { form.append("requested_token_type", requested.rawValue) }
        for audience in request.audience { form.append("audience", audience) }
        for resource in request.resource { form.append("resource", resource) }
        if let scope = request.scope, !scope.isEmpty { form.append("scope", scope.joined(separator: " ")) }
        let token = try await grantRequest(endpoint, form: form, step: step)
        guard let issued = token.extra["issued_token_type"]?.stringValue, !issued.isEmpty else {
            throw .malformed(step: step, httpStatus: 200, "the response has no issued_token_type (RFC 8693 §2.2.1)")
        }
        return ExchangedToken(token: token, issuedTokenType: TokenTypeIdentifier(rawValue: issued))
    }
}
