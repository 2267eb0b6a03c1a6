import ExtrasBase64

/// Unpadded base64url (RFC 4648 §5), as used by PKCE and JOSE.
///
/// This file is the package's one door to base64 (swift-extras-base64): ``Base64URL`` for JOSE
/// and PKCE, `Base64Standard` for HTTP Basic credentials and OAuth 1 signatures.
public enum Base64URL {
    /// Encodes bytes as unpadded base64url.
    ///
    /// - Parameter bytes: the bytes to encode.
    /// - Returns: the text, without `=` padding.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Base64.encodeToString(bytes: Array(bytes), options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Encodes an array without padding (specialized here: no copy, no generic dispatch).
    ///
    /// - Parameter bytes: the bytes.
    public static func encode(_ bytes: [UInt8]) -> String {
        Base64.encodeToString(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Encodes part of an array without padding (random bytes cut into several values).
    ///
    /// - Parameter bytes: the bytes.
    public static func encode(_ bytes: ArraySlice<UInt8>) -> String {
        Base64.encodeToString(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes unpadded base64url; `nil` for any other alphabet, padding or a bad length.
    ///
    /// - Parameter text: the base64url text, without padding.
    public static func decode(_ text: String) -> [UInt8]? {
        try? Base64.decode(string: text, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes unpadded base64url text held in part of an array (a segment of a JWS): this
    /// overload is specialized here, where the generic one below is not across modules.
    ///
    /// - Parameter bytes: the text's ASCII bytes, without padding.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        try? Base64.decode(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes unpadded base64url text given as bytes.
    ///
    /// - Parameter bytes: the text's ASCII bytes, without padding.
    public static func decode(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        try? Base64.decode(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }
}

/// Padded base64 with the standard alphabet (RFC 4648 §4): HTTP Basic credentials
/// (RFC 7617) and OAuth 1 signatures (RFC 5849 §3.4.2, §3.4.3).
package enum Base64Standard {
    /// Takes an array (not any sequence): a generic parameter would not be specialized across
    /// the module boundary, and iterating an unspecialized sequence costs allocations on the
    /// OAuth 1 signing path.
    ///
    /// - Parameter bytes: the bytes to encode.
    public static func encode(_ bytes: [UInt8]) -> String {
        Base64.encodeToString(bytes: bytes)
    }

    /// Decodes padded standard base64; `nil` for the URL alphabet, missing padding, whitespace
    /// or a bad length.
    ///
    /// - Parameter text: the base64 text, with padding.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        try? Base64.decode(bytes: Array(text.utf8))
    }
}
