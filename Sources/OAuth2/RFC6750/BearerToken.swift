import Foundation
import OAuthCore

/// Where a Bearer token goes on a resource request (RFC 6750 §2).
public enum TokenPlacement: String, Sendable, CaseIterable {
    /// `Authorization: Bearer …` (§2.1), the one every resource server must support.
    case header
    /// `access_token` in an `application/x-www-form-urlencoded` body (§2.2).
    case body
    /// `access_token` in the query (§2.3).
    case uri
}

/// Signs requests with a Bearer token (RFC 6750), as a session does for its own requests; use it
/// to authorize requests sent by other code. A `DPoP` token (RFC 9449 §7.1) is signed with the
/// given ``DPoP`` key: `Authorization: DPoP …` and a proof carrying `ath`.
public struct OAuth2Auth: Sendable {
    /// The token whose `access_token` is added.
    public var token: OAuth2Token
    /// Where the token goes.
    public var placement: TokenPlacement
    /// The key a `DPoP` token is bound to.
    public var dpop: DPoP?

    /// Signs with `token` at `placement`.
    ///
    /// - Parameters:
    ///   - token: the token; its `token_type` must be Bearer, or DPoP with `dpop` given.
    ///   - placement: where the token goes.
    ///   - dpop: the key for a DPoP-bound token.
    public init(token: OAuth2Token, placement: TokenPlacement = .header, dpop: DPoP? = nil) {
        self.token = token
        self.placement = placement
        self.dpop = dpop
    }

    /// Whether the token is presented as a DPoP token.
    public var isDPoP: Bool { token.tokenType.caseInsensitiveCompare("DPoP") == .orderedSame }

    /// Adds the access token to `request` at ``placement``: an `Authorization: Bearer` header, an
    /// `access_token` query parameter, or an `access_token` parameter appended to the form body.
    /// A DPoP token goes in `Authorization: DPoP` with a fresh `DPoP` proof.
    ///
    /// - Parameters:
    ///   - request: the request to sign.
    ///   - step: the flow step errors name.
    /// - Returns: the signed request.
    /// - Throws: `OAuthError`: `unsupported_token_type` when the token's type is neither Bearer nor
    ///   DPoP, or DPoP without a key; `invalid_configuration` for body placement on a GET or HEAD
    ///   request or one whose body is not `application/x-www-form-urlencoded` (RFC 6750 §2.2), or a
    ///   DPoP token placed anywhere but the header (RFC 9449 §7.1).
    public func sign(_ request: TransportRequest, step: String = "request") throws(OAuthError) -> TransportRequest {
        if isDPoP {
            guard let dpop else {
                throw .client(.unsupportedTokenType, "token_type DPoP needs the DPoP key the token is bound to (RFC 9449)", step: step)
            }
            guard placement == .header else {
                throw .client(OAuthErrorCode.invalidConfiguration, "a DPoP token goes in the Authorization header (RFC 9449 §7.1)", step: step)
            }
            var request = request
            request.headers["Authorization"] = "DPoP \(token.accessToken)"
            request.headers["DPoP"] = try dpop.proof(method: request.method, url: request.url, accessToken: token.accessToken)
            return request
        }
        guard token.tokenType.caseInsensitiveCompare("bearer") == .orderedSame else {
            throw .client(.unsupportedTokenType, "token_type \(token.tokenType) is not Bearer (RFC 6750)", step: step)
        }
        var request = request
        switch placement {
        case .header:
            request.headers["Authorization"] = "Bearer \(token.accessToken)"
        case .uri:
            // The query is before the fragment: a `?` inside the fragment does not count.
            request.url = URLReference.appending(FormParameters([("access_token", token.accessToken)]), to: request.url)
        case .body:
            // §2.2: only for a single-part form body, and never with GET.
            guard request.method != "GET", request.method != "HEAD" else {
                throw .client(
                    OAuthErrorCode.invalidConfiguration,
                    "token placement body needs a request with a body, not \(request.method)",
                    step: step
                )
            }
            let type = request.headers["Content-Type"]?.lowercased() ?? "application/x-www-form-urlencoded"
            guard type.hasPrefix("application/x-www-form-urlencoded") else {
                throw .client(OAuthErrorCode.invalidConfiguration, "token placement body needs an application/x-www-form-urlencoded body", step: step)
            }
            let existing = String(decoding: request.body, as: UTF8.self)
            let parameter = "access_token=" + PercentEncoding.encode(token.accessToken, spaceAsPlus: true)
            request.body = Array((existing.isEmpty ? parameter : existing + "&" + parameter).utf8)
            request.headers["Content-Type"] = "application/x-www-form-urlencoded"
        }
        return request
    }
}
