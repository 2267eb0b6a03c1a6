import Foundation
import OAuthCore
import Synchronization

/// A validated logout token (OpenID Connect Back-Channel Logout 1.0 §2.4): whose session at the
/// provider ended. Its description shows the subject and session, never the token.
public struct LogoutToken: Sendable, Equatable {
    /// `iss`.
    public let issuer: String
    /// `sub`, when the provider names the user.
    public let subject: String?
    /// `sid`, when the provider names the session.
    public let sessionID: String?
    /// `jti`.
    public let tokenID: String
    /// `iat`.
    public let issuedAt: Date
    /// Every claim.
    public let claims: [String: JSONValue]
}

/// Validates the logout tokens a provider POSTs to the client's `backchannel_logout_uri`
/// (Back-Channel Logout 1.0 §2.6): signed as ID tokens are (the same keys, algorithms and
/// relaxations as ``IDTokenValidator``, never `none`), `typ` `logout+jwt` (or the generic `JWT`)
/// when typed, `iss`, `aud`,
/// `iat` (not in the future, not older than ``maximumAge``), `exp`, `jti` never seen before, the
/// back-channel `events` member, `sub` or `sid`, and no `nonce` (so an ID token can never pass as
/// a logout token). The `jti`s seen are kept (at most ``replayCapacity``, each until its token
/// is too old anyway).
public final class LogoutTokenValidator: Sendable {
    /// The event a logout token must carry in `events`.
    public static let event = "http://schemas.openid.net/event/backchannel-logout"
    /// How many `jti`s are remembered.
    public static let replayCapacity = 10_000
    /// The oldest `iat` accepted, in seconds before now.
    public let maximumAge: TimeInterval
    let signatures: IDTokenValidator
    let clock: any OAuthClock
    let seen = Mutex<[String: Date]>([:])

    /// A validator.
    ///
    /// - Parameters:
    ///   - options: the issuer, the client, the algorithms, as for ID tokens.
    ///   - jwks: the provider's keys.
    ///   - maximumAge: the oldest `iat` accepted, in seconds (default 5 minutes).
    ///   - clock: the clock that judges `iat` and `exp`.
    public init(options: IDTokenValidationOptions, jwks: JWKSCache, maximumAge: TimeInterval = 300, clock: any OAuthClock = SystemClock()) {
        self.signatures = IDTokenValidator(options: options, jwks: jwks, clock: clock)
        self.maximumAge = maximumAge
        self.clock = clock
    }

    static func reject(_ reason: String) -> OAuthError { .client("invalid_logout_token", reason, step: "backchannel_logout") }

    /// Validates a logout token, as the `logout_token` form parameter of the provider's POST
    /// carried it, and records its `jti`.
    ///
    /// - Parameter token: the logout token.
    /// - Returns: the token's subject and session, for ending the matching sessions.
    /// - Throws: `OAuthError` `invalid_logout_token` (step `backchannel_logout`) naming the first
    ///   check that failed (the client answers the provider 400, §2.8); a failure to fetch the JWKS.
    public func validate(_ token: String) async throws(OAuthError) -> LogoutToken {
        let jws = try IDTokenValidator.decode(token, reject: Self.reject)
        // §2.4 recommends logout+jwt; the generic JWT is what most providers send. Another
        // explicit type (at+jwt, dpop+jwt, …) is a token of another kind.
        if let typ = jws.header["typ"]?.stringValue, !["logout+jwt", "application/logout+jwt", "jwt"].contains(typ.lowercased()) {
            throw Self.reject("typ \(typ) is not logout+jwt (§2.4)")
        }
        do {
            try await signatures.verifySignature(
                signingInput: jws.signingInput,
                signature: jws.signature,
                alg: jws.alg,
                kid: jws.header["kid"]?.stringValue
            )
        } catch {
            throw error.code == .invalidIDToken ? Self.reject(error.errorDescription ?? "the signature does not verify") : error
        }
        return try checkClaims(jws.claims)
    }

    func checkClaims(_ claims: [String: JSONValue]) throws(OAuthError) -> LogoutToken {
        let options = signatures.options
        let now = clock.now()
        guard let iss = claims["iss"]?.stringValue, iss == options.issuer else { throw Self.reject("iss is not the issuer \(options.issuer)") }
        _ = try IDTokenValidator.audience(claims, clientID: options.clientID, reject: Self.reject)
        guard case .number(let iatNumber)? = claims["iat"] else { throw Self.reject("iat is missing") }
        let issuedAt = Date(timeIntervalSince1970: iatNumber.double)
        guard issuedAt.timeIntervalSince(now) <= options.leeway else { throw Self.reject("iat is in the future") }
        guard now.timeIntervalSince(issuedAt) <= maximumAge + options.leeway else {
            throw Self.reject("the token is older than \(Int(maximumAge)) s (iat)")
        }
        guard case .number(let expNumber)? = claims["exp"] else { throw Self.reject("exp is missing (§2.4)") }
        guard now.timeIntervalSince1970 < expNumber.double + options.leeway else { throw Self.reject("the token expired (exp)") }
        guard case .object(let events)? = claims["events"] else { throw Self.reject("events is missing (§2.4)") }
        guard case .object? = events[Self.event] else { throw Self.reject("events has no \(Self.event) member object (§2.4)") }
        guard claims["nonce"] == nil else { throw Self.reject("a logout token must not carry a nonce (§2.4)") }
        let sub = claims["sub"]?.stringValue
        let sid = claims["sid"]?.stringValue
        guard sub != nil || sid != nil else { throw Self.reject("neither sub nor sid (§2.4)") }
        guard let jti = claims["jti"]?.stringValue, !jti.isEmpty else { throw Self.reject("jti is missing (§2.4)") }
        let horizon = now.addingTimeInterval(-(maximumAge + options.leeway))
        let fresh = seen.withLock { seen -> Bool in
            if seen.count >= Self.replayCapacity { seen = seen.filter { $0.value > horizon } }
            if seen.count >= Self.replayCapacity, let oldest = seen.min(by: { $0.value < $1.value }) { seen[oldest.key] = nil }
            return seen.updateValue(issuedAt, forKey: jti) == nil
        }
        guard fresh else { throw Self.reject("jti \(jti) was already used (a replayed logout token)") }
        return LogoutToken(issuer: iss, subject: sub, sessionID: sid, tokenID: jti, issuedAt: issuedAt, claims: claims)
    }
}

/// The answer to a provider's POST to a `backchannel_logout_uri` (Back-Channel Logout 1.0
/// §2.5–§2.8), for any server to send: 200 with `Cache-Control: no-store` for a valid token,
/// 400 with a JSON error naming the failed check otherwise, 415 for a body that is not a form.
public struct BackChannelLogoutAnswer: Sendable {
    /// The HTTP status.
    public var status: Int
    /// `Cache-Control: no-store`, and the content type of an error body.
    public var headers: HeaderList
    /// Empty on success; `{"error": "invalid_request", "error_description": …}` otherwise.
    public var body: [UInt8]
    /// The validated token.
    public var token: LogoutToken?
    /// Why the request was refused.
    public var error: OAuthError?
}

extension BackChannelLogoutAnswer {
    /// A refusal: `status` with `{"error": code, "error_description": …}` (the error's
    /// description, which names no secret).
    ///
    /// - Parameters:
    ///   - status: the HTTP status (400 for an invalid token, §2.8).
    ///   - error: why.
    ///   - code: the `error` member.
    public static func refusal(_ status: Int, _ error: OAuthError, code: String = "invalid_request") -> BackChannelLogoutAnswer {
        let json = JSONValue.object(["error": .string(code), "error_description": .string(error.errorDescription ?? error.code.rawValue)])
        return BackChannelLogoutAnswer(
            status: status,
            headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
            body: json.jsonBytes,
            error: error
        )
    }
}

extension LogoutTokenValidator {
    /// The largest request body read.
    public static let maxRequestBytes = 64 * 1024

    /// Reads the provider's request (one `logout_token` in a form body, §2.5) and validates the
    /// token.
    ///
    /// - Parameters:
    ///   - body: the request body; one larger than ``maxRequestBytes`` is refused.
    ///   - contentType: the request's `Content-Type`.
    /// - Returns: what to answer, with the token when it was valid.
    public func answer(body: [UInt8], contentType: String?) async -> BackChannelLogoutAnswer {
        guard let contentType, HeaderList.value(contentType, hasLowercasePrefix: "application/x-www-form-urlencoded") else {
            return .refusal(
                415,
                .client(OAuthErrorCode.invalidRequest, "the body must be application/x-www-form-urlencoded (§2.5)", step: "backchannel_logout")
            )
        }
        guard body.count <= Self.maxRequestBytes, let form = try? FormParameters(parsing: String(decoding: body, as: UTF8.self)),
            form.values(for: "logout_token").count == 1, let token = form["logout_token"]
        else {
            return .refusal(400, .client(OAuthErrorCode.invalidRequest, "the body must carry one logout_token (§2.5)", step: "backchannel_logout"))
        }
        do {
            return BackChannelLogoutAnswer(status: 200, headers: ["Cache-Control": "no-store"], body: [], token: try await validate(token))
        } catch {
            return .refusal(400, error)
        }
    }
}
