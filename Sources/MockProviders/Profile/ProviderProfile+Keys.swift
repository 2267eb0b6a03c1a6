extension ProviderProfile {
    /// Every key the profile format has, by section: the one list the loader accepts, the
    /// encoder writes and `docs/schema/profile.schema.json` is held to (ProfileEncodingTests
    /// compares each section with the schema's). A new setting: its key here, its field in the
    /// model, its line in the loader and the encoder, its property in the schema.
    package enum Keys {
        package static let top = [
            "name", "models", "protocol", "endpoints", "clients", "users", "scopes", "default_scope", "lifetimes", "refresh_tokens",
            "refresh_token_rotation", "grant_types", "pkce", "signature_methods", "signature_types", "timestamp_window", "quirks", "oidc",
            "exchanges", "login_form", "faults", "login", "auto_approve", "access_tokens",
        ]
        package static let oauth2Endpoints = ["authorize", "token", "resource", "revoke", "introspect", "jwks", "end_session"]
        /// OAuth 1 (and replay) profiles also name the temporary- and token-credentials endpoints.
        package static let oauth1Endpoints = ["request_token", "access_token"] + oauth2Endpoints
        package static let client = [
            "client_id", "client_secret", "redirect_uris", "auth_methods", "require_pkce", "public_key", "post_logout_redirect_uris",
        ]
        package static let lifetimes = ["code", "access_token", "refresh_token"]
        package static let pkce = ["required", "methods"]
        package static let oidc = ["signing_keys", "id_token_alg", "id_token_lifetime"]
        package static let accessTokens = ["format", "audience", "alg", "signing_keys"]
        package static let signingKey = ["kid", "alg", "private_key", "standby"]
        package static let login = ["pages", "csrf", "consent"]
        package static let fault = ["kind", "path", "status", "milliseconds", "count"]
        package static let exchange = ["request", "response"]
        package static let recordedRequest = ["method", "path", "parameters"]
        package static let recordedResponse = ["status", "headers", "body"]

        /// Each section by its path in the JSON Schema (`properties/…`, `items` for list entries).
        package static let bySchemaPath: [String: [String]] = [
            "": top,
            "properties/clients/items": client,
            "properties/lifetimes": lifetimes,
            "properties/pkce": pkce,
            "properties/oidc": oidc,
            "properties/oidc/properties/signing_keys/items": signingKey,
            "properties/access_tokens": accessTokens,
            "properties/access_tokens/properties/signing_keys/items": signingKey,
            "properties/login": login,
            "properties/faults/items": fault,
            "properties/exchanges/items": exchange,
            "properties/exchanges/items/properties/request": recordedRequest,
            "properties/exchanges/items/properties/response": recordedResponse,
        ]
    }
}
