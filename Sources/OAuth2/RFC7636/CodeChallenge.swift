import Crypto
import OAuthCore

/// Proof Key for Code Exchange (RFC 7636).
public enum PKCE {
    /// `code_challenge_method` values (RFC 7636 §4.2–4.3).
    public enum Method: String, Sendable, CaseIterable {
        /// `S256`: the challenge is the base64url SHA-256 of the verifier.
        case s256 = "S256"
        /// `plain`: the challenge is the verifier itself (RFC 7636 §4.2 allows it only when S256 cannot
        /// be used).
        case plain

        /// The method a `code_challenge_method` value names, or `nil` for an unknown one.
        ///
        /// - Parameter parameter: the value, `S256` or `plain`.
        public init?(parameter: String) { self.init(rawValue: parameter) }
    }

    /// A fresh `code_verifier`: 32 CSPRNG bytes as base64url, 43 characters (RFC 7636 §4.1).
    public static func generateVerifier() -> String {
        SecureRandom.token(bytes: 32)
    }

    /// RFC 7636 §4.1: 43–128 characters from `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    ///
    /// - Parameter verifier: the `code_verifier` to check.
    public static func isValidVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count) && verifier.utf8.allSatisfy(PercentEncoding.isUnreserved)
    }

    /// The `code_challenge` for a verifier (RFC 7636 §4.2):
    /// S256 is `BASE64URL(SHA256(ASCII(code_verifier)))`, plain is the verifier itself.
    ///
    /// - Parameters:
    ///   - verifier: the `code_verifier`.
    ///   - method: the `code_challenge_method`.
    public static func challenge(for verifier: String, method: Method) -> String {
        switch method {
        case .plain: verifier
        case .s256: Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)))
        }
    }

    /// Server-side check (RFC 7636 §4.6), in constant time over the challenge bytes.
    /// An invalid verifier never matches.
    ///
    /// - Parameters:
    ///   - verifier: the `code_verifier` the client sent with the code.
    ///   - challenge: the `code_challenge` of the authorization request.
    ///   - method: the `code_challenge_method` of the authorization request.
    public static func verify(verifier: String, challenge: String, method: Method) -> Bool {
        guard isValidVerifier(verifier) else { return false }
        return constantTimeEquals(Self.challenge(for: verifier, method: method), challenge)
    }
}
