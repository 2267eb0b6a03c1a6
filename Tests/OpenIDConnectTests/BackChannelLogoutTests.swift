import Foundation
import JWTKit
import OAuthCore
import OAuthTesting
import Testing

@testable import OpenIDConnect

/// OpenID Connect Back-Channel Logout 1.0 §2.6 on the client: every check of a logout token.
@Suite struct BackChannelLogoutTests {
    static func logoutClaims(_ fixture: Fixture) -> [String: JSONValue] {
        let now = fixture.clock.now().timeIntervalSince1970
        return [
            "iss": .string(fixture.issuer), "aud": .string(fixture.clientID), "iat": .number(JSONNumber(now)),
            "exp": .number(JSONNumber(now + 120)), "jti": "logout-1", "sid": "session-1", "sub": "user-1",
            "events": .object([LogoutTokenValidator.event: .object([:])]),
        ]
    }

    static func validator(_ fixture: Fixture) -> LogoutTokenValidator {
        fixture.server.serve([fixture.jwk(fixture.key, kid: "k1")])
        return LogoutTokenValidator(
            options: IDTokenValidationOptions(issuer: fixture.issuer, clientID: fixture.clientID),
            jwks: JWKSCache(url: "https://op.example/jwks", transport: fixture.server, clock: fixture.clock),
            clock: fixture.clock
        )
    }

    @Test func aValidTokenOnceThenItsReplayIsRefused() async throws {
        let fixture = Fixture()
        let validator = Self.validator(fixture)
        let token = try await fixture.sign(Self.logoutClaims(fixture))
        let logout = try await validator.validate(token)
        #expect(logout.subject == "user-1" && logout.sessionID == "session-1" && logout.tokenID == "logout-1")
        let replay = await #expect(throws: OAuthError.self) { try await validator.validate(token) }
        #expect(replay?.code.rawValue == "invalid_logout_token" && replay?.errorDescription?.contains("already used") == true)
    }

    @Test(arguments: [
        ("nonce", "must not carry a nonce"), ("events", "events is missing"), ("wrong-event", "backchannel-logout member"),
        ("no-sub-sid", "neither sub nor sid"), ("aud", "aud does not contain"), ("iss", "is not the issuer"), ("jti", "jti is missing"),
        ("exp", "exp is missing"), ("old", "older than"), ("future", "in the future"),
    ])
    func eachFaultIsNamed(_ fault: String, _ reason: String) async throws {
        let fixture = Fixture()
        var claims = Self.logoutClaims(fixture)
        let now = fixture.clock.now().timeIntervalSince1970
        switch fault {
        case "nonce": claims["nonce"] = "n-1"
        case "events": claims["events"] = nil
        case "wrong-event": claims["events"] = .object(["http://schemas.openid.net/event/other": .object([:])])
        case "no-sub-sid": (claims["sub"], claims["sid"]) = (nil, nil)
        case "aud": claims["aud"] = "another-client"
        case "iss": claims["iss"] = "https://attacker.example"
        case "jti": claims["jti"] = nil
        case "exp": claims["exp"] = nil
        case "old": claims["iat"] = .number(JSONNumber(now - 3600))
        default: claims["iat"] = .number(JSONNumber(now + 3600))
        }
        let error = await #expect(throws: OAuthError.self) { try await Self.validator(fixture).validate(try await fixture.sign(claims)) }
        #expect(error?.code.rawValue == "invalid_logout_token" && error?.errorDescription?.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func aWrongSignatureOrAnUnsignedTokenIsRefused() async throws {
        let fixture = Fixture()
        let validator = Self.validator(fixture)
        let forged = try await fixture.sign(Self.logoutClaims(fixture), with: fixture.otherKey)
        let error = await #expect(throws: OAuthError.self) { try await validator.validate(forged) }
        #expect(error?.code.rawValue == "invalid_logout_token" && error?.errorDescription?.contains("signature") == true)
        let parts = forged.split(separator: ".")
        let unsigned = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + parts[1] + "."
        let none = await #expect(throws: OAuthError.self) { try await validator.validate(unsigned) }
        #expect(none?.errorDescription?.contains("none") == true)
    }
}
