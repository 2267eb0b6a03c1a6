import OAuthCore

/// A token-endpoint grant (RFC 6749 §4, RFC 7523 §2.1).
public enum Grant: Sendable {
    /// RFC 6749 §4.1.3: an authorization code, with the PKCE verifier (RFC 7636 §4.5) and the
    /// `redirect_uri` of the authorization request (`nil`: the session's).
    case authorizationCode(code: String, codeVerifier: String? = nil, redirectURI: String? = nil)
    /// RFC 6749 §6: a refresh token.
    case refreshToken(String)
    /// RFC 6749 §4.4: the client acting on its own behalf.
    case clientCredentials
    /// RFC 6749 §4.3: the resource owner's username and password.
    case password(username: String, password: String)
    /// RFC 7523 §2.1: a signed JWT as the grant.
    case jwtBearer(assertion: String)
    /// Any other grant type, with its parameters.
    case custom(grantType: GrantType, parameters: [(String, String)])

    /// The `grant_type` this grant sends.
    public var grantType: GrantType {
        switch self {
        case .authorizationCode: .authorizationCode
        case .refreshToken: .refreshToken
        case .clientCredentials: .clientCredentials
        case .password: .password
        case .jwtBearer: .jwtBearer
        case .custom(let type, _): type
        }
    }

    func parameters(defaultRedirectURI: String?) -> FormParameters {
        var form = FormParameters([("grant_type", grantType.rawValue)])
        switch self {
        case .authorizationCode(let code, let verifier, let redirectURI):
            form.append("code", code)
            form.append("redirect_uri", redirectURI ?? defaultRedirectURI)
            form.append("code_verifier", verifier)
        case .refreshToken(let token):
            form.append("refresh_token", token)
        case .clientCredentials:
            break
        case .password(let username, let password):
            form.append("username", username)
            form.append("password", password)
        case .jwtBearer(let assertion):
            form.append("assertion", assertion)
        case .custom(_, let parameters):
            for (name, value) in parameters { form.append(name, value) }
        }
        return form
    }
}
