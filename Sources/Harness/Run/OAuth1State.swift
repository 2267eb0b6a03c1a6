import Foundation
import OAuth1
import OAuthCore

/// What an OAuth 1 scenario keeps between steps: the session and the credentials it obtained.
struct OAuth1State {
    let session: OAuth1Session
    /// The temporary credentials, then the token credentials (RFC 5849 §2.1, §2.3).
    var token: OAuth1Token?
}
