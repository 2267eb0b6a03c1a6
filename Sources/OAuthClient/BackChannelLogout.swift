import Foundation
import OAuthCore
import OpenIDConnect
import Synchronization

/// Which browser sessions of the app signed in with which provider session, so that a logout
/// token (OpenID Connect Back-Channel Logout 1.0) can end them: by the ID token's `sid`, or,
/// when the token names only the user, every session of its `sub` (§2.6). Kept in memory, at
/// most `capacity` sessions (the oldest forgotten first); one instance per app process.
public final class BackChannelSessions: Sendable {
    struct Entry: Sendable {
        var session: String
        var app: String
        var issuer: String
        var subject: String
        var sessionID: String?
    }
    struct Storage {
        /// Each session's entry and the number of the sign-in that wrote it.
        var entries: [String: (entry: Entry, number: Int)] = [:]
        /// Sign-ins in order, oldest first from `head`; one whose session signed in again (or
        /// out) since no longer matches its entry's number and is skipped.
        var order: [(session: String, number: Int)] = []
        var head = 0
        var count = 0
    }
    private let storage = Mutex(Storage())
    /// The most sessions remembered.
    public let capacity: Int

    /// An empty record.
    ///
    /// - Parameter capacity: the most sessions remembered (default 100,000).
    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    /// Remembers that `session` signed in with `app` and got this ID token (its `iss`, `sub` and
    /// `sid`). A session signed in again replaces what was remembered for it.
    ///
    /// - Parameters:
    ///   - session: the app's browser-session id.
    ///   - app: the registered name of the provider.
    ///   - idToken: the validated ID token of the login.
    public func signedIn(session: String, app: String, idToken: IDTokenClaims) {
        let entry = Entry(session: session, app: app, issuer: idToken.issuer, subject: idToken.subject, sessionID: idToken["sid"]?.stringValue)
        storage.withLock { storage in
            storage.count += 1
            storage.entries[session] = (entry, storage.count)
            storage.order.append((session, storage.count))
            // The oldest sign-ins go first (amortised O(1): each is passed over once).
            while storage.entries.count > capacity, storage.head < storage.order.count {
                let oldest = storage.order[storage.head]
                storage.head += 1
                if storage.entries[oldest.session]?.number == oldest.number { storage.entries[oldest.session] = nil }
            }
            // Passed-over and stale sign-ins are dropped once they are most of the list.
            if storage.order.count > 2 * capacity + 16 {
                storage.order = storage.order[storage.head...].filter { storage.entries[$0.session]?.number == $0.number }
                storage.head = 0
            }
        }
    }

    /// Forgets `session` (the user signed out at the app).
    ///
    /// - Parameter session: the app's browser-session id.
    public func signedOut(session: String) {
        _ = storage.withLock { $0.entries.removeValue(forKey: session) }
    }

    /// Whether `session` is remembered as signed in.
    ///
    /// - Parameter session: the app's browser-session id.
    public func isSignedIn(session: String) -> Bool {
        storage.withLock { $0.entries[session] != nil }
    }

    /// The sessions `token` ends, forgotten: those of `app` with the token's issuer and, when it
    /// has one, its `sid`; when it also (or only) has a `sub`, that user's.
    ///
    /// - Parameters:
    ///   - token: a validated logout token.
    ///   - app: the registered name of the provider that sent it.
    /// - Returns: the ended sessions' ids, sorted.
    public func end(_ token: LogoutToken, app: String) -> [String] {
        storage.withLock { storage in
            let ended = storage.entries.values.map(\.entry).filter { entry in
                guard entry.app == app, entry.issuer == token.issuer else { return false }
                if let sid = token.sessionID, entry.sessionID != sid { return false }
                if let sub = token.subject, entry.subject != sub { return false }
                return true
            }.map(\.session).sorted()
            for session in ended { storage.entries[session] = nil }
            return ended
        }
    }
}

/// The answer to a provider's back-channel logout request, for any web framework to send, and
/// the browser sessions it ended.
public struct BackChannelLogoutResponse: Sendable {
    /// What to send the provider: 200 when the token was valid (whether or not a session
    /// matched), 400 with the reason when it was not (§2.8), 415 for a body that is not a form,
    /// 500 when the provider's keys could not be had; the validated token or the error.
    public var answer: BackChannelLogoutAnswer
    /// The app's browser sessions the token ended: end them (delete their data).
    public var endedSessions: [String]
}

extension RemoteApp {
    /// Validates a logout token of this app's provider (Back-Channel Logout 1.0 §2.6): signature
    /// with the provider's keys, `iss`, `aud`, `iat`, `exp`, `events`, `sub` or `sid`, no `nonce`,
    /// and a `jti` this app has not seen (one validator per app remembers them).
    ///
    /// - Parameter token: the `logout_token` the provider posted.
    /// - Returns: the token's subject and session.
    /// - Throws: `OAuthError` `invalid_logout_token` naming the failed check;
    ///   `invalid_configuration` without a server metadata URL; discovery and JWKS errors.
    public func validateLogoutToken(_ token: String) async throws -> LogoutToken {
        try await logoutTokenValidator().validate(token)
    }

    /// Handles the provider's POST to the app's `backchannel_logout_uri` (§2.5–§2.8): reads the
    /// `logout_token` form parameter, validates it, and ends the matching sessions in `sessions`.
    ///
    /// - Parameters:
    ///   - body: the request body (one larger than `LogoutTokenValidator.maxRequestBytes` is refused).
    ///   - contentType: the request's `Content-Type`.
    ///   - sessions: the record of who signed in where.
    /// - Returns: what to answer the provider, and the browser sessions to end.
    public func backChannelLogout(body: [UInt8], contentType: String?, sessions: BackChannelSessions) async -> BackChannelLogoutResponse {
        let answer: BackChannelLogoutAnswer
        do {
            answer = try await logoutTokenValidator().answer(body: body, contentType: contentType)
        } catch {
            // The provider's keys or configuration could not be had: a failure of ours (§2.8 lets
            // the provider retry), never a token accepted.
            answer = .refusal(500, error, code: "server_error")
        }
        return BackChannelLogoutResponse(answer: answer, endedSessions: answer.token.map { sessions.end($0, app: name) } ?? [])
    }

    /// The app's logout-token validator, made on first use from the discovered provider (its
    /// issuer, keys and the ID-token options of this app).
    func logoutTokenValidator() async throws(OAuthError) -> LogoutTokenValidator {
        if let existing = logoutTokens.withLock({ $0 }) { return existing }
        let session = try await oauth2Session()
        guard let openID = try await openID(session) else {
            throw .client(OAuthErrorCode.invalidConfiguration, "\(name) has no server metadata URL", step: "backchannel_logout")
        }
        return logoutTokens.withLock { stored in
            if let stored { return stored }
            let made = LogoutTokenValidator(options: openID.validator.options, jwks: openID.jwks, clock: registry.clock)
            stored = made
            return made
        }
    }
}
