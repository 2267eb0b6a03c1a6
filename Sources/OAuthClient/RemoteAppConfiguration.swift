import Foundation
import OAuth1
import OAuth2
import OAuthCore
import OpenIDConnect

/// A token as an app stores it per user: OAuth 2 or OAuth 1 credentials.
public enum StoredToken: Sendable, Equatable {
    case oauth2(OAuth2Token)
    case oauth1(token: String, secret: String)

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
    public var clientID: String?
    public var clientSecret: String?
    /// Present for OAuth 1 apps: what tells OAuth 1 and OAuth 2 apart.
    public var requestTokenURL: String?
    public var requestTokenParams: [(String, String)] = []
    public var accessTokenURL: String?
    public var accessTokenParams: [(String, String)] = []
    public var authorizeURL: String?
    public var authorizeParams: [(String, String)] = []
    public var apiBaseURL: String?
    /// OpenID Connect discovery document (`server_metadata_url`).
    public var serverMetadataURL: String?
    // Session options (`client_kwargs`).
    public var scope: [String] = []
    public var tokenEndpointAuthMethod: ClientAuthMethod = .clientSecretBasic
    public var codeChallengeMethod: PKCE.Method?
    public var tokenPlacement: TokenPlacement = .header
    public var signatureMethod: SignatureMethod = .hmacSHA1
    public var signatureType: SignatureType = .header
    public var rsaKeyPEM: String?
    public var privateKeyPEM: String?
    /// Named compliance fixes (`compliance_fix`) and extra ones.
    public var complianceFixes: [ComplianceFix] = []
    public var userInfoComplianceFix: UserInfoComplianceFix?
    public var fetchToken: FetchTokenHandler?
    public var updateToken: UpdateTokenHandler?
    /// ID token checks (allowed algorithms, HS256, leeway).
    public var idTokenOptions: (@Sendable (inout IDTokenValidationOptions) -> Void)?

    public init() {}

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
                    guard let method = ClientAuthMethod(rawValue: item) else {
                        throw .client(OAuthErrorCode.invalidConfiguration, "\(prefix)CLIENT_KWARGS: unknown token_endpoint_auth_method \(item)")
                    }
                    tokenEndpointAuthMethod = method
                case "code_challenge_method": codeChallengeMethod = PKCE.Method(rawValue: item)
                case "token_placement": tokenPlacement = TokenPlacement(rawValue: item) ?? tokenPlacement
                case "signature_method": signatureMethod = SignatureMethod(rawValue: item) ?? signatureMethod
                case "signature_type": signatureType = SignatureType(rawValue: item.lowercased()) ?? signatureType
                default: break
                }
            }
        }
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
