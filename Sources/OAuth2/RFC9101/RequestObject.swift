import Foundation
import OAuthCore

/// Signed authorization requests (JAR, RFC 9101): the request's parameters as the claims of a
/// JWT signed with the client's key, sent by value (`request`) or pushed (RFC 9126) and then
/// referenced by `request_uri`.
///
/// With a `RequestObject` on the session, ``OAuth2Session/createAuthorizationURL(_:state:codeVerifier:responseType:extraParameters:)``
/// sends `client_id` and `request` (and the ``repeatedParameters``, for OpenID providers that
/// want `response_type` and `scope` outside the object too, RFC 9101 §5), and
/// ``OAuth2Session/pushAuthorizationRequest(_:authorizationEndpoint:state:codeVerifier:responseType:extraParameters:repeatedParameters:)``
/// pushes the object.
public struct RequestObject: Sendable {
    /// The media type of the `typ` header (RFC 9101 §10.8).
    public static let mediaType = "oauth-authz-req+jwt"

    /// The key that signs: the client's private key (the one registered for `private_key_jwt`)
    /// or HS256 with the client secret where the provider allows it.
    public let key: JWSKey
    /// The `aud` claim: the authorization server's issuer (RFC 9101 §4).
    public let audience: String
    /// The `kid` header, naming the key the provider holds.
    public let keyID: String?
    /// The `typ` header; `nil` sends none (some providers predate §10.8).
    public let type: String?
    /// Seconds from `iat` to `exp`.
    public let lifetime: TimeInterval
    /// Parameters sent beside the object as well as in it (RFC 9101 §5 allows it; OpenID Connect
    /// Core §6.1 wants `response_type` and `scope`).
    public let repeatedParameters: [String]
    /// The clock that dates the object.
    public let clock: any OAuthClock

    /// Request objects signed with `key` for the issuer `audience`.
    ///
    /// - Parameters:
    ///   - key: the signing key.
    ///   - audience: the authorization server's issuer.
    ///   - keyID: the `kid` header.
    ///   - type: the `typ` header.
    ///   - lifetime: seconds from `iat` to `exp`.
    ///   - repeatedParameters: parameters repeated outside the object.
    ///   - clock: the clock that dates the object.
    public init(
        key: JWSKey,
        audience: String,
        keyID: String? = nil,
        type: String? = RequestObject.mediaType,
        lifetime: TimeInterval = 300,
        repeatedParameters: [String] = ["response_type", "scope"],
        clock: any OAuthClock = SystemClock()
    ) {
        self.key = key
        self.audience = audience
        self.keyID = keyID
        self.type = type
        self.lifetime = lifetime
        self.repeatedParameters = repeatedParameters
        self.clock = clock
    }

    /// Members whose values are JSON in the object rather than strings (RFC 9396 §3, OpenID
    /// Connect Core §5.5, §6.1).
    static let jsonMembers: Set<String> = ["authorization_details", "claims"]

    /// The signed object for `parameters`: each parameter a claim (JSON where the value is
    /// JSON), then `iss` and `client_id` the client, `aud` ``audience``, `iat`, `nbf`, `exp`, `jti`.
    ///
    /// - Parameters:
    ///   - parameters: the authorization request's parameters.
    ///   - clientID: the client's `client_id`.
    /// - Returns: the JWT.
    /// - Throws: `OAuthError` `invalid_configuration` when a JSON parameter is not JSON or
    ///   signing fails.
    public func sign(_ parameters: FormParameters, clientID: String) throws(OAuthError) -> String {
        var claims: [String: JSONValue] = [:]
        for (name, value) in parameters {
            if Self.jsonMembers.contains(name) {
                guard let json = try? JSONValue.parse(Array(value.utf8)) else {
                    throw .client(OAuthErrorCode.invalidConfiguration, "\(name) is not JSON", step: "authorize")
                }
                claims[name] = json
            } else {
                claims[name] = .string(value)
            }
        }
        let now = Int64(clock.now().timeIntervalSince1970)
        claims["iss"] = .string(clientID)
        claims["client_id"] = .string(clientID)
        claims["aud"] = .string(audience)
        claims["iat"] = .number(JSONNumber(now))
        claims["nbf"] = .number(JSONNumber(now))
        claims["exp"] = .number(JSONNumber(now + Int64(lifetime)))
        claims["jti"] = .string(SecureRandom.token(bytes: 16))
        var header: [String: JSONValue] = [:]
        if let type { header["typ"] = .string(type) }
        if let keyID { header["kid"] = .string(keyID) }
        return try key.sign(claims, header: header)
    }

    /// What an authorization URL carries with the object by value: `client_id`, `request` and
    /// the ``repeatedParameters`` present.
    func byValue(_ parameters: FormParameters, clientID: String) throws(OAuthError) -> FormParameters {
        var sent = FormParameters([("client_id", clientID)])
        for name in repeatedParameters { sent.append(name, parameters[name]) }
        sent.append("request", try sign(parameters, clientID: clientID))
        return sent
    }
}
