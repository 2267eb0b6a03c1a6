import Foundation
import OAuth1
import OAuth2
import OAuthCore
import OpenIDConnect

/// A token as an app stores it per user: OAuth 2 or OAuth 1 credentials.
public enum StoredToken: Sendable, Equatable {
    /// An OAuth 2 token.
    case oauth2(OAuth2Token)
    /// OAuth 1 token credentials.
    case oauth1(token: String, secret: String)

    /// The OAuth 2 token, when it is one.
    public var oauth2: OAuth2Token? {
        if case .oauth2(let token) = self { return token }
        return nil
    }
}

/// Gets the current user's token for API calls (`fetch_token`).
public typealias FetchTokenHandler = @Sendable (_ app: String, _ user: String) async -> StoredToken?
/// Stores a refreshed token (`update_token`): the app, the user, the new token, the refresh token it replaced.
public typealias UpdateTokenHandler = @Sendable (_ app: String, _ user: String, _ token: OAuth2Token, _ previousRefreshToken: String?) async -> Void

/// Everything `register` accepts (the reference registry's parameters, and the
/// `{NAME}_…` settings that can provide them).
public struct RemoteAppConfiguration: Sendable {
    /// The client identifier (`{NAME}_CLIENT_ID`); required.
    public var clientID: String?
    /// The client secret (`{NAME}_CLIENT_SECRET`).
    public var clientSecret: String?
    /// Present for OAuth 1 apps: what tells OAuth 1 and OAuth 2 apart.
    public var requestTokenURL: String?
    /// OAuth 1: further parameters of the temporary credentials request (`{NAME}_REQUEST_TOKEN_PARAMS`).
    public var requestTokenParams: [(String, String)] = []
    /// The OAuth 2 token endpoint or the OAuth 1 token credentials URL (`{NAME}_ACCESS_TOKEN_URL`);
    /// OAuth 2 apps with a server metadata URL may leave it to discovery.
    public var accessTokenURL: String?
    /// Further parameters of the token request (`{NAME}_ACCESS_TOKEN_PARAMS`).
    public var accessTokenParams: [(String, String)] = []
    /// The authorization endpoint (`{NAME}_AUTHORIZE_URL`); OAuth 2 apps with a server metadata
    /// URL may leave it to discovery.
    public var authorizeURL: String?
    /// Further parameters of the authorization request (`{NAME}_AUTHORIZE_PARAMS`).
    public var authorizeParams: [(String, String)] = []
    /// The base of relative API paths (`{NAME}_API_BASE_URL`).
    public var apiBaseURL: String?
    /// OpenID Connect discovery document (`server_metadata_url`).
    public var serverMetadataURL: String?
    // Session options (`client_kwargs`).
    /// The scope to request (`scope` in `{NAME}_CLIENT_KWARGS`).
    public var scope: [String] = []
    /// How the client authenticates at the token endpoint (`token_endpoint_auth_method`).
    public var tokenEndpointAuthMethod: ClientAuthMethod = .clientSecretBasic
    /// The PKCE method (`code_challenge_method`); `nil` for no PKCE.
    public var codeChallengeMethod: PKCE.Method?
    /// Where OAuth 2 API requests carry the token (`token_placement`).
    public var tokenPlacement: TokenPlacement = .header
    /// OAuth 1: how requests are signed (`signature_method`).
    public var signatureMethod: SignatureMethod = .hmacSHA1
    /// OAuth 1: where the protocol parameters go (`signature_type`).
    public var signatureType: SignatureType = .header
    /// OAuth 1: the PEM private key for RSA-SHA1.
    public var rsaKeyPEM: String?
    /// The PEM private key for `private_key_jwt` client authentication.
    public var privateKeyPEM: String?
    /// Named compliance fixes (`compliance_fix`) and extra ones.
    public var complianceFixes: [ComplianceFix] = []
    /// Rewrites a provider's UserInfo answer into standard claims.
    public var userInfoComplianceFix: UserInfoComplianceFix?
    /// Gets a user's token for API calls; the registry's closure when `nil`.
    public var fetchToken: FetchTokenHandler?
    /// Stores a refreshed token; the registry's closure when `nil`.
    public var updateToken: UpdateTokenHandler?
    /// ID token checks (allowed algorithms, HS256, leeway).
    public var idTokenOptions: (@Sendable (inout IDTokenValidationOptions) -> Void)?

    /// An empty configuration: every value from the settings or set afterwards.
    public init() {}

    /// Whether the app uses OAuth 1 (it has a request token URL).
    public var isOAuth1: Bool { requestTokenURL != nil }

    /// The settings keys read for an app named `name` (the reference list).
    public static let settingKeys = [
        "CLIENT_ID", "CLIENT_SECRET", "REQUEST_TOKEN_URL", "REQUEST_TOKEN_PARAMS", "ACCESS_TOKEN_URL", "ACCESS_TOKEN_PARAMS", "AUTHORIZE_URL",
        "AUTHORIZE_PARAMS", "API_BASE_URL", "CLIENT_KWARGS", "SERVER_METADATA_URL",
    ]

    /// Fills values from `{NAME}_…` settings: missing ones always, present ones when `overwrite`.
    mutating func merge(settings: [String: String], name: String, overwrite: Bool) throws(OAuthError) {
        let prefix = name.uppercased().replacingOccurrences(of: "-", with: "_") + "_"
        func value(_ key: String) -> String? { settings[prefix + key].flatMap { $0.isEmpty ? nil : $0 } }
        func take(_ key: String, _ current: inout String?) {
            if let found = value(key), overwrite || current == nil { current = found }
        }
        func params(_ key: String, _ current: inout [(String, String)]) throws(OAuthError) {
            guard let text = value(key), overwrite || current.isEmpty else { return }
            current = try Self.parseParameters(text, key: prefix + key)
        }
        take("CLIENT_ID", &clientID)
        take("CLIENT_SECRET", &clientSecret)
        take("REQUEST_TOKEN_URL", &requestTokenURL)
        take("ACCESS_TOKEN_URL", &accessTokenURL)
        take("AUTHORIZE_URL", &authorizeURL)
        take("API_BASE_URL", &apiBaseURL)
        take("SERVER_METADATA_URL", &serverMetadataURL)
        try params("REQUEST_TOKEN_PARAMS", &requestTokenParams)
        try params("ACCESS_TOKEN_PARAMS", &accessTokenParams)
        try params("AUTHORIZE_PARAMS", &authorizeParams)
        if let text = value("CLIENT_KWARGS") {
            for (key, item) in try Self.parseParameters(text, key: prefix + "CLIENT_KWARGS") {
                switch key {
                case "scope" where overwrite || scope.isEmpty: scope = item.split(separator: " ").map(String.init)
                case "token_endpoint_auth_method":
                    tokenEndpointAuthMethod = try Self.choice(ClientAuthMethod.self, item, key: key, in: prefix + "CLIENT_KWARGS")
                case "code_challenge_method":
                    codeChallengeMethod = try Self.choice(PKCE.Method.self, item, key: key, in: prefix + "CLIENT_KWARGS")
                case "token_placement": tokenPlacement = try Self.choice(TokenPlacement.self, item, key: key, in: prefix + "CLIENT_KWARGS")
                case "signature_method": signatureMethod = try Self.choice(SignatureMethod.self, item, key: key, in: prefix + "CLIENT_KWARGS")
                case "signature_type":
                    signatureType = try Self.choice(SignatureType.self, item.lowercased(), key: key, in: prefix + "CLIENT_KWARGS")
                default: break
                }
            }
        }
    }

    /// One of the values `T` knows, or an error naming the setting, the value and the choices
    /// (a typo must not silently fall back to a default).
    static func choice<T: RawRepresentable & CaseIterable>(
        _ type: T.Type,
        _ text: String,
        key: String,
        in setting: String
    ) throws(OAuthError) -> T where T.RawValue == String {
        guard let value = T.allCases.first(where: { $0.rawValue == text }) else {
            let known = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw .client(OAuthErrorCode.invalidConfiguration, "\(setting): unknown \(key) \(text); expected one of: \(known)")
        }
        return value
    }

    /// `{"a": "b"}` (JSON object of strings) or `a=b&c=d`.
    static func parseParameters(_ text: String, key: String) throws(OAuthError) -> [(String, String)] {
        if text.trimmingCharacters(in: .whitespaces).hasPrefix("{") {
            guard case .object(let members)? = try? JSONValue.parse(Array(text.utf8)) else {
                throw .client(OAuthErrorCode.invalidConfiguration, "\(key) is not a JSON object")
            }
            return members.sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) }
        }
        do {
            return try FormParameters(parsing: text).map { ($0.name, $0.value) }
        } catch {
            throw .client(OAuthErrorCode.invalidConfiguration, "\(key) is neither JSON nor name=value pairs")
        }
    }
}
