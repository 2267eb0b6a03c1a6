import Crypto
import OAuthCore

/// Proof Key for Code Exchange (RFC 7636).
public enum PKCE {
    /// `code_challenge_method` values (RFC 7636 §4.2–4.3).
    public enum Method: String, Sendable, CaseIterable {
        case s256 = "S256"
        case plain

        public init?(parameter: String) { self.init(rawValue: parameter) }
    }

    /// A fresh `code_verifier`: 32 CSPRNG bytes as base64url, 43 characters (RFC 7636 §4.1).
    public static func generateVerifier() -> String {
        SecureRandom.token(bytes: 32)
    }

    /// RFC 7636 §4.1: 43–128 characters from `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    public static func isValidVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count) && verifier.utf8.allSatisfy(PercentEncoding.isUnreserved)
    }

    /// The `code_challenge` for a verifier (RFC 7636 §4.2):
    /// S256 is `BASE64URL(SHA256(ASCII(code_verifier)))`, plain is the verifier itself.
    public static func challenge(for verifier: String, method: Method) -> String {
        switch method {
        case .plain: verifier
        case .s256: Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)))
        }
    }

    /// Server-side check (RFC 7636 §4.6), in constant time over the challenge bytes.
    public static func verify(verifier: String, challenge: String, method: Method) -> Bool {
        guard isValidVerifier(verifier) else { return false }
        return constantTimeEquals(Self.challenge(for: verifier, method: method), challenge)
    }
}
