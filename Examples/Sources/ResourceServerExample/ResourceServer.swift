import Foundation
import Hummingbird
import JWTKit
import OAuthCore

/// A small API that accepts RFC 9068 JWT access tokens: what a team puts behind Auth0, Okta or
/// Keycloak. It verifies every token offline against the provider's JWKS — signature, header
/// `typ: at+jwt`, `iss`, `aud`, `exp` — and authorizes by `scope` and a `roles` claim.
///
/// `GET /notes` needs the scope `api.read`; `DELETE /notes` needs the role `admin` as well.
public enum ResourceServer {
    /// The claims the API reads (RFC 9068 §2.2 plus the provider's `roles`).
    public struct AccessToken: JWTPayload {
        public var iss: IssuerClaim
        public var sub: SubjectClaim
        public var aud: AudienceClaim
        public var exp: ExpirationClaim
        public var client_id: String
        public var scope: String?
        public var roles: [String]?

        public func verify(using algorithm: some JWTAlgorithm) throws { try exp.verifyNotExpired() }

        var scopes: Set<Substring> { Set((scope ?? "").split(separator: " ")) }
    }

    /// Verifies access tokens for one issuer and one audience with the issuer's published keys.
    public struct Verifier: Sendable {
        public let issuer: String
        public let audience: String
        let keys: JWTKeyCollection

        /// Fetches the JWKS once (a production API refreshes it on an unknown `kid`).
        public static func load(issuer: String, audience: String, jwksURL: String, transport: any HTTPTransport) async throws -> Verifier {
            let answer = try await transport.send(TransportRequest(method: "GET", url: jwksURL, timeout: .seconds(10)))
            guard answer.status == 200 else { throw HTTPError(.badGateway, message: "the JWKS answered HTTP \(answer.status)") }
            let keys = try await JWTKeyCollection().add(jwksJSON: String(decoding: answer.body, as: UTF8.self))
            return Verifier(issuer: issuer, audience: audience, keys: keys)
        }

        /// The token's claims, or an error saying why it is refused.
        public func verify(_ token: String) async throws -> AccessToken {
            // RFC 9068 §4: the header's typ must be at+jwt (an ID token is not an access token).
            let header = try JSONDecoder().decode(
                JWTHeader.self,
                from: Data(Base64URL.decode(String(token.prefix { $0 != "." })) ?? [])
            )
            guard header.typ?.lowercased() == "at+jwt" || header.typ?.lowercased() == "application/at+jwt" else {
                throw HTTPError(.unauthorized, message: "not an access token (typ \(header.typ ?? "absent"))")
            }
            let claims = try await keys.verify(token, as: AccessToken.self)
            guard claims.iss.value == issuer else { throw HTTPError(.unauthorized, message: "issued by \(claims.iss.value)") }
            try claims.aud.verifyIntendedAudience(includes: audience)
            return claims
        }
    }

    public static func router(verifier: Verifier) -> Router<BasicRequestContext> {
        let router = Router()
        @Sendable func authorize(_ request: Request, scope: String, role: String? = nil) async throws -> AccessToken {
            guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
                throw challenge(.unauthorized, "invalid_request", "send a Bearer token")
            }
            let claims: AccessToken
            do {
                claims = try await verifier.verify(String(header.dropFirst(7)))
            } catch {
                throw challenge(.unauthorized, "invalid_token", "the access token is not valid here")
            }
            guard claims.scopes.contains(Substring(scope)) else { throw challenge(.forbidden, "insufficient_scope", "needs scope \(scope)") }
            if let role, !(claims.roles ?? []).contains(role) { throw challenge(.forbidden, "insufficient_scope", "needs role \(role)") }
            return claims
        }
        router.get("/notes") { request, _ -> Response in
            let claims = try await authorize(request, scope: "api.read")
            let body = #"{"owner":"\#(claims.sub.value)","notes":["buy milk"]}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.delete("/notes") { request, _ -> HTTPResponse.Status in
            _ = try await authorize(request, scope: "api.read", role: "admin")
            return .noContent
        }
        return router
    }

    /// RFC 6750 §3: the status with a `WWW-Authenticate: Bearer` challenge naming the error.
    static func challenge(_ status: HTTPResponse.Status, _ error: String, _ description: String) -> HTTPError {
        HTTPError(status, headers: [.wwwAuthenticate: "Bearer error=\"\(error)\", error_description=\"\(description)\""], message: description)
    }
}
