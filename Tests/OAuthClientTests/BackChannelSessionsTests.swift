import Foundation
import OAuthClient
import OAuthCore
import Testing

@testable import OpenIDConnect

/// The record the web integrations end sessions from: matching by sid or sub, and its bound.
@Suite struct BackChannelSessionsTests {
    static func idToken(sub: String, sid: String?) -> IDTokenClaims {
        var claims: [String: JSONValue] = [:]
        if let sid { claims["sid"] = .string(sid) }
        return IDTokenClaims(
            issuer: "https://op.example",
            subject: sub,
            audience: ["rp"],
            expiresAt: Date(),
            issuedAt: Date(),
            claims: claims
        )
    }

    static func token(sub: String?, sid: String?) -> LogoutToken {
        LogoutToken(issuer: "https://op.example", subject: sub, sessionID: sid, tokenID: "j", issuedAt: Date(), claims: [:])
    }

    @Test func aTokenEndsTheSessionsItNames() {
        let sessions = BackChannelSessions()
        sessions.signedIn(session: "b1", app: "op", idToken: Self.idToken(sub: "alice", sid: "s1"))
        sessions.signedIn(session: "b2", app: "op", idToken: Self.idToken(sub: "alice", sid: "s2"))
        sessions.signedIn(session: "b3", app: "op", idToken: Self.idToken(sub: "bob", sid: "s3"))
        #expect(sessions.end(Self.token(sub: nil, sid: "s2"), app: "other").isEmpty)
        #expect(sessions.end(Self.token(sub: "bob", sid: "s1"), app: "op").isEmpty)
        #expect(sessions.end(Self.token(sub: nil, sid: "s2"), app: "op") == ["b2"])
        #expect(sessions.end(Self.token(sub: "alice", sid: nil), app: "op") == ["b1"])
        #expect(sessions.isSignedIn(session: "b3"))
    }

    /// At capacity the oldest sign-in still remembered goes: not one that signed out and in
    /// again since, however often sessions sign in again.
    @Test func theOldestLiveSignInIsForgottenFirst() {
        let sessions = BackChannelSessions(capacity: 2)
        sessions.signedIn(session: "a", app: "op", idToken: Self.idToken(sub: "u", sid: "1"))
        sessions.signedIn(session: "b", app: "op", idToken: Self.idToken(sub: "u", sid: "2"))
        sessions.signedOut(session: "a")
        for round in 0..<1_000 { sessions.signedIn(session: "a", app: "op", idToken: Self.idToken(sub: "u", sid: "a\(round)")) }
        sessions.signedIn(session: "c", app: "op", idToken: Self.idToken(sub: "u", sid: "3"))
        #expect(!sessions.isSignedIn(session: "b"))
        #expect(sessions.isSignedIn(session: "a"))
        #expect(sessions.isSignedIn(session: "c"))
    }
}
