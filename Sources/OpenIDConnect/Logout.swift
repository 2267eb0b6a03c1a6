import Foundation
import OAuthCore
import Synchronization

/// What was remembered about a logout redirect, returned when the provider sends the user back.
public struct LogoutState: Sendable, Equatable {
    public var state: String
    public var postLogoutRedirectURI: String?
    public var createdAt: Date
}

/// OpenID Connect RP-Initiated Logout 1.0: builds the end-session URL with a state it
/// remembers, and checks the state that comes back. Each state is used once.
public final class RPInitiatedLogout: Sendable {
    public let endSessionEndpoint: String
    let clock: any OAuthClock
    /// Remembered states expire after this long.
    public let lifetime: TimeInterval
    private let pending = Mutex<[String: LogoutState]>([:])

    public init(endSessionEndpoint: String, clock: any OAuthClock = SystemClock(), lifetime: TimeInterval = 600) {
        self.endSessionEndpoint = endSessionEndpoint
        self.clock = clock
        self.lifetime = lifetime
    }

    public struct Redirect: Sendable, Equatable {
        public var url: String
        public var state: String
    }

    /// The URL to send the user to (§2). `state` is generated when not given and remembered.
    public func logoutRedirect(
        postLogoutRedirectURI: String? = nil,
        idTokenHint: String? = nil,
        state: String? = nil,
        clientID: String? = nil,
        logoutHint: String? = nil,
        uiLocales: String? = nil
    ) -> Redirect {
        let state = state ?? SecureRandom.token(bytes: 32)
        var parameters = FormParameters()
        parameters.append("id_token_hint", idTokenHint)
        parameters.append("logout_hint", logoutHint)
        parameters.append("client_id", clientID)
        parameters.append("post_logout_redirect_uri", postLogoutRedirectURI)
        parameters.append("state", state)
        parameters.append("ui_locales", uiLocales)
        let now = clock.now()
        pending.withLock { pending in
            pending = pending.filter { now.timeIntervalSince($0.value.createdAt) < lifetime }
            pending[state] = LogoutState(state: state, postLogoutRedirectURI: postLogoutRedirectURI, createdAt: now)
        }
        return Redirect(url: URLReference.appending(parameters, to: endSessionEndpoint), state: state)
    }

    /// Checks the redirect back: it must carry a state this object issued (and not yet used).
    public func validateLogoutResponse(_ url: String) throws(OAuthError) -> LogoutState {
        let step = "logout"
        guard let parameters = try? URLReference(url).queryItems() else {
            throw .malformed(step: step, httpStatus: nil, "the logout redirect's query is malformed")
        }
        guard let state = parameters["state"] else {
            throw .client(OAuthErrorCode.mismatchingState, "the logout redirect carries no state", step: step)
        }
        let now = clock.now()
        let found = pending.withLock { $0.removeValue(forKey: state) }
        guard let found, now.timeIntervalSince(found.createdAt) < lifetime else {
            throw .client(
                OAuthErrorCode.mismatchingState,
                "the logout redirect's state was not issued by this client (or was used or expired)",
                step: step
            )
        }
        return found
    }
}
