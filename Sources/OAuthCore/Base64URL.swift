import ExtrasBase64

/// Unpadded base64url (RFC 4648 §5), as used by PKCE and JOSE (swift-extras-base64).
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Base64.encodeToString(bytes: Array(bytes), options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes unpadded base64url; `nil` for any other alphabet, padding or a bad length.
    public static func decode(_ text: String) -> [UInt8]? {
        try? Base64.decode(string: text, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes unpadded base64url text given as bytes (e.g. a slice of a JWS).
    public static func decode(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        try? Base64.decode(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }
}
