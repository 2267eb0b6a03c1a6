import Foundation

/// The closed set of probes plans can name. Adding one: a case here, its probe in the switch
/// below (the compiler points at it), and a line in a plan's `plan.yaml`.
public enum CheckID: String, Sendable, CaseIterable {
    // oauth2-authorization-server
    case metadataDocument = "metadata-document"
    case authorizationCodeGrant = "authorization-code-grant"
    case tokenResponseJSON = "token-response-json"
    case tokenResponseMembers = "token-response-members"
    case tokenResponseNoStore = "token-response-no-store"
    case tokenErrorResponse = "token-error-response"
    case invalidClient401 = "invalid-client-401"
    case unsupportedGrantType = "unsupported-grant-type"
    case repeatedParameters = "repeated-parameters"
    case codeSingleUse = "code-single-use"
    case codeBoundToRedirectURI = "code-bound-to-redirect-uri"
    case codeBoundToClient = "code-bound-to-client"
    case redirectURIExactMatch = "redirect-uri-exact-match"
    case unknownClientNoRedirect = "unknown-client-no-redirect"
    case unsupportedResponseType = "unsupported-response-type"
    case resourceBearerHeader = "resource-bearer-header"
    case resourceNoToken = "resource-no-token"
    case resourceInvalidToken = "resource-invalid-token"
    case pkceS256 = "pkce-s256"
    case pkceWrongVerifier = "pkce-wrong-verifier"
    case pkceMissingVerifier = "pkce-missing-verifier"
    case pkcePlainRefused = "pkce-plain-refused"
    case pkceRequired = "pkce-required"
    case refreshTokenGrant = "refresh-token-grant"
    case refreshTokenRotation = "refresh-token-rotation"
    case revocation
    case introspection
    case noPasswordGrant = "no-password-grant"
    case tokenEndpointQuirks = "token-endpoint-quirks"
}

extension ProbeContext {
    /// Asks the provider the check's question.
    mutating func probe(_ id: CheckID) async throws(CheckFailure) -> CheckVerdict {
        switch id {
        case .metadataDocument: try await metadataDocument()
        case .authorizationCodeGrant: try await authorizationCodeGrant()
        case .tokenResponseJSON: try await tokenResponseJSON()
        case .tokenResponseMembers: try await tokenResponseMembers()
        case .tokenResponseNoStore: try await tokenResponseNoStore()
        case .tokenErrorResponse: try await tokenErrorResponse()
        case .invalidClient401: try await invalidClient401()
        case .unsupportedGrantType: try await unsupportedGrantType()
        case .repeatedParameters: try await repeatedParameters()
        case .codeSingleUse: try await codeSingleUse()
        case .codeBoundToRedirectURI: try await codeBoundToRedirectURI()
        case .codeBoundToClient: try await codeBoundToClient()
        case .redirectURIExactMatch: try await redirectURIExactMatch()
        case .unknownClientNoRedirect: try await unknownClientNoRedirect()
        case .unsupportedResponseType: try await unsupportedResponseType()
        case .resourceBearerHeader: try await resourceBearerHeader()
        case .resourceNoToken: try await resourceNoToken()
        case .resourceInvalidToken: try await resourceInvalidToken()
        case .pkceS256: try await pkceS256()
        case .pkceWrongVerifier: try await pkceWrongVerifier()
        case .pkceMissingVerifier: try await pkceMissingVerifier()
        case .pkcePlainRefused: try await pkcePlainRefused()
        case .pkceRequired: try await pkceRequired()
        case .refreshTokenGrant: try await refreshTokenGrant()
        case .refreshTokenRotation: try await refreshTokenRotation()
        case .revocation: try await revocation()
        case .introspection: try await introspection()
        case .noPasswordGrant: try await noPasswordGrant()
        case .tokenEndpointQuirks: try await tokenEndpointQuirks()
        }
    }
}
