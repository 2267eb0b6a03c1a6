import Foundation
import OAuthCore
import Synchronization

/// What was remembered about a logout redirect, returned when the provider sends the user back.
public struct LogoutState: Sendable, Equatable {
    /// The `state` sent to the end-session endpoint.
    public var state: String
    /// The `post_logout_redirect_uri` sent with it, if any.
    public var postLogoutRedirectURI: String?
    /// When the logout redirect was made.
    public var createdAt: Date
}

/// OpenID Connect RP-Initiated Logout 1.0: builds the end-session URL with a state it
/// remembers, and checks the state that comes back. Each state is used once.
public final class RPInitiatedLogout: Sendable {
    /// The provider's `end_session_endpoint`.
    public let endSessionEndpoint: String
    let clock: any OAuthClock
    /// Remembered states expire after this long.
    public let lifetime: TimeInterval
    private let pending = Mutex<[String: LogoutState]>([:])

    /// Logout through `endSessionEndpoint`.
    ///
    /// - Parameters:
    ///   - endSessionEndpoint: the provider's `end_session_endpoint`.
    ///   - clock: the clock that ages the remembered states.
    ///   - lifetime: how long a state is remembered, in seconds.
    public init(endSessionEndpoint: String, clock: any OAuthClock = SystemClock(), lifetime: TimeInterval = 600) {
        self.endSessionEndpoint = endSessionEndpoint
        self.clock = clock
        self.lifetime = lifetime
    }

    /// Where to send the user to log out.
    public struct Redirect: Sendable, Equatable {
        /// The end-session URL with its parameters.
        public var url: String
        /// The `state` it carries.
        public var state: String
    }

    /// The URL to send the user to (§2). `state` is generated when not given and remembered.
    /// The parameters that are given are sent; states older than ``lifetime`` are forgotten.
    ///
    /// - Parameters:
    ///   - postLogoutRedirectURI: where the provider sends the user back.
    ///   - idTokenHint: the ID token, as a hint of the user and session.
    ///   - state: the `state`; `nil` generates one from 32 CSPRNG bytes.
    ///   - clientID: the `client_id`.
    ///   - logoutHint: the `logout_hint`.
    ///   - uiLocales: the `ui_locales` (space-separated BCP 47 tags).
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
    ///
    /// - Parameter url: the URL the provider sent the user back to.
    /// - Returns: what was remembered about the logout; the state cannot be used again.
    /// - Throws: `OAuthError`: `malformed_response` for a malformed query; `mismatching_state` when
    ///   there is no state, or one this object did not issue, already used or older than ``lifetime``.
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
