import Foundation
import OAuth2
import OAuthClient

/// What the Hummingbird and Vapor examples share: the three providers they sign in with, the API
/// each one calls, and the settings that point them at the `oauth-harness serve` mocks.
public enum ExampleSupport {
    /// Registers `github`, `twitter` and `google` when their `{NAME}_CLIENT_ID` setting is present.
    public static func registerProviders(_ registry: OAuthRegistry, settings: [String: String]) throws {
        if settings["GITHUB_CLIENT_ID"] != nil {
            var github = RemoteAppConfiguration()
            github.complianceFixes = [ComplianceFixes.github]
            github.scope = ["read:user", "user:email"]
            try registry.register("github", github)
        }
        if settings["TWITTER_CLIENT_ID"] != nil { try registry.register("twitter") }
        if settings["GOOGLE_CLIENT_ID"] != nil {
            var google = RemoteAppConfiguration()
            google.scope = ["openid", "profile", "email"]
            google.codeChallengeMethod = .s256
            try registry.register("google", google)
        }
    }

    /// The API each provider's "call an API" link uses, relative to its API base URL.
    public static let apiPaths = ["github": "user", "twitter": "account/verify_credentials.json", "google": "v1/userinfo"]

    /// Settings for the mocks `github-style`, `twitter-style-oauth1` and `google-style-oidc` at these base URLs.
    public static func mockSettings(github: String, twitter: String, google: String) -> [String: String] {
        [
            "GITHUB_CLIENT_ID": "github-style-client", "GITHUB_CLIENT_SECRET": "github-style-secret",
            "GITHUB_AUTHORIZE_URL": github + "/login/oauth/authorize", "GITHUB_ACCESS_TOKEN_URL": github + "/login/oauth/access_token",
            "GITHUB_API_BASE_URL": github,
            "TWITTER_CLIENT_ID": "harness-consumer", "TWITTER_CLIENT_SECRET": "harness-consumer-secret",
            "TWITTER_REQUEST_TOKEN_URL": twitter + "/oauth/request_token", "TWITTER_AUTHORIZE_URL": twitter + "/oauth/authorize",
            "TWITTER_ACCESS_TOKEN_URL": twitter + "/oauth/access_token", "TWITTER_API_BASE_URL": twitter + "/1.1",
            "GOOGLE_CLIENT_ID": "harness-rp.apps.example", "GOOGLE_CLIENT_SECRET": "harness-rp-secret-at-least-32-bytes-long",
            "GOOGLE_SERVER_METADATA_URL": google + "/.well-known/openid-configuration", "GOOGLE_API_BASE_URL": google,
        ]
    }
}
