import Foundation

/// The closed set of probes plans can name. Adding one: a case here, its probe in the switch
/// below (the compiler points at it), and a line in a plan's `plan.yaml`.
package enum CheckID: String, Sendable, CaseIterable {
    // oauth2-authorization-server
    case metadataDocument = "metadata-document"
    case endpointHosts = "endpoint-hosts"
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
    case deviceAuthorizationResponse = "device-authorization-response"
    case tokenEndpointQuirks = "token-endpoint-quirks"
    // oidc-basic-op: the OpenID Foundation Basic OP modules, by their names
    case oidccServer = "oidcc-server"
    case oidccServerClientSecretPost = "oidcc-server-client-secret-post"
    case oidccPostRequest = "oidcc-ensure-post-request-succeeds"
    case oidccResponseTypeMissing = "oidcc-response-type-missing"
    case oidccUserinfoGet = "oidcc-userinfo-get"
    case oidccUserinfoPostHeader = "oidcc-userinfo-post-header"
    case oidccUserinfoPostBody = "oidcc-userinfo-post-body"
    case oidccWithoutNonce = "oidcc-ensure-request-without-nonce-succeeds-for-code-flow"
    case oidccScopeProfile = "oidcc-scope-profile"
    case oidccScopeEmail = "oidcc-scope-email"
    case oidccScopeAddress = "oidcc-scope-address"
    case oidccScopePhone = "oidcc-scope-phone"
    case oidccScopeAll = "oidcc-scope-all"
    case oidccOtherScopeOrder = "oidcc-ensure-other-scope-order-succeeds"
    case oidccDisplayPage = "oidcc-display-page"
    case oidccDisplayPopup = "oidcc-display-popup"
    case oidccPromptLogin = "oidcc-prompt-login"
    case oidccPromptNoneNotLoggedIn = "oidcc-prompt-none-not-logged-in"
    case oidccPromptNoneLoggedIn = "oidcc-prompt-none-logged-in"
    case oidccMaxAge1 = "oidcc-max-age-1"
    case oidccMaxAge10000 = "oidcc-max-age-10000"
    case oidccUnknownParameter = "oidcc-ensure-request-with-unknown-parameter-succeeds"
    case oidccIDTokenHint = "oidcc-id-token-hint"
    case oidccLoginHint = "oidcc-login-hint"
    case oidccUILocales = "oidcc-ui-locales"
    case oidccClaimsLocales = "oidcc-claims-locales"
    case oidccACRValues = "oidcc-ensure-request-with-acr-values-succeeds"
    case oidccCodeReuse = "oidcc-codereuse"
    case oidccCodeReuse30Seconds = "oidcc-codereuse-30seconds"
    case oidccRegisteredRedirectURI = "oidcc-ensure-registered-redirect-uri"
    case oidccUnsignedRequestObject = "oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported"
    case oidccRequestURIUnsigned = "oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported"
    case oidccClaimsEssential = "oidcc-claims-essential"
    case oidccRequestObjectWithRedirectURI = "oidcc-ensure-request-object-with-redirect-uri"
    case oidccRefreshToken = "oidcc-refresh-token"
    case oidccIDTokenSignature = "oidcc-idtoken-signature"
    case oidccIDTokenUnsigned = "oidcc-idtoken-unsigned"
    case oidccValidPKCE = "oidcc-ensure-request-with-valid-pkce-succeeds"
    case jwksNoPrivateKeys = "jwks-no-private-keys"
    case jwksKidsUnique = "jwks-kids-unique"
    case idTokenAlgAdvertised = "id-token-alg-advertised"
    // oidc-dynamic-op (the OpenID Foundation's Dynamic OP modules; the plan also runs
    // oidcc-server, oidcc-idtoken-unsigned, oidcc-discovery-endpoint-verification,
    // oidcc-ensure-request-object-with-redirect-uri and oidcc-refresh-token)
    case oidccIDTokenRS256 = "oidcc-idtoken-rs256"
    case oidccUserinfoRS256 = "oidcc-userinfo-rs256"
    case oidccRedirectURIInRequest = "oidcc-ensure-redirect-uri-in-authorization-request"
    case oidccRedirectURIQueryOK = "oidcc-redirect-uri-query-OK"
    case oidccRedirectURIQueryMismatch = "oidcc-redirect-uri-query-mismatch"
    case oidccRedirectURIQueryAdded = "oidcc-redirect-uri-query-added"
    case oidccRedirectURIRegFrag = "oidcc-redirect-uri-regfrag"
    case oidccRegistrationLogoURI = "oidcc-registration-logo-uri"
    case oidccRegistrationPolicyURI = "oidcc-registration-policy-uri"
    case oidccRegistrationTosURI = "oidcc-registration-tos-uri"
    case oidccRegistrationJWKSURI = "oidcc-registration-jwks-uri"
    case oidccRegistrationSectorURI = "oidcc-registration-sector-uri"
    case oidccRegistrationSectorBad = "oidcc-registration-sector-bad"
    case oidccServerRotateKeys = "oidcc-server-rotate-keys"
    case oidccRefreshTokenRPKeyRotation = "oidcc-refresh-token-rp-key-rotation"
    case oidccRequestURIUnsignedDynamic = "oidcc-request-uri-unsigned"
    case oidccRequestURISignedRS256 = "oidcc-request-uri-signed-rs256"
    case oidccClientAssertionIssAud = "oidcc-ensure-client-assertion-with-iss-aud-succeeds"
    // oidc-config-op (the OpenID Foundation's Config OP module)
    case oidccDiscoveryEndpointVerification = "oidcc-discovery-endpoint-verification"
    // oidc-backchannel-logout (the OpenID Foundation's back-channel logout OP modules)
    case backchannelDiscovery = "oidcc-backchannel-logout-discovery-endpoint-verification"
    case backchannelRPInitiatedLogout = "oidcc-backchannel-rp-initiated-logout"
    // oidc-frontchannel-logout (the OpenID Foundation's front-channel logout OP modules)
    case frontchannelDiscovery = "oidcc-frontchannel-logout-discovery-endpoint-verification"
    case frontchannelRPInitiatedLogout = "oidcc-frontchannel-rp-initiated-logout"
    // oidc-rp-initiated-logout (the OpenID Foundation's RP-Initiated Logout OP modules)
    case logoutDiscovery = "oidcc-rp-initiated-logout-discovery-endpoint-verification"
    case logoutRPInitiated = "oidcc-rp-initiated-logout"
    case logoutBadPostLogoutRedirectURI = "oidcc-rp-initiated-logout-bad-post-logout-redirect-uri"
    case logoutModifiedIDTokenHint = "oidcc-rp-initiated-logout-modified-id-token-hint"
    case logoutBadIDTokenHint = "oidcc-rp-initiated-logout-bad-id-token-hint"
    case logoutNoIDTokenHint = "oidcc-rp-initiated-logout-no-id-token-hint"
    case logoutNoParams = "oidcc-rp-initiated-logout-no-params"
    case logoutNoPostLogoutRedirectURI = "oidcc-rp-initiated-logout-no-post-logout-redirect-uri"
    case logoutNoState = "oidcc-rp-initiated-logout-no-state"
    case logoutOnlyState = "oidcc-rp-initiated-logout-only-state"
    case logoutQueryAdded = "oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri"
    // par (RFC 9126)
    case parPushedRequest = "par-pushed-request"
    case parClientAuthentication = "par-client-authentication"
    case parRedirectURIValidated = "par-redirect-uri-validated"
    case parRequestURISingleUse = "par-request-uri-single-use"
    case parRequired = "par-required"
    // jar (RFC 9101)
    case jarSignedRequestObject = "jar-signed-request-object"
    case jarSignatureVerified = "jar-signature-verified"
    case jarRequestObjectWins = "jar-request-object-wins"
    // dpop (RFC 9449)
    case dpopTokenBinding = "dpop-token-binding"
    case dpopProofRequiredAtResource = "dpop-proof-required-at-resource"
    case dpopProofTarget = "dpop-proof-target"
    case dpopProofSignature = "dpop-proof-signature"
    case dpopProofReplay = "dpop-proof-replay"
    // device-authorization (RFC 8628)
    case deviceGrant = "device-grant"
    case deviceCodeSingleUse = "device-code-single-use"
    case deviceCodeExpires = "device-code-expires"
    // token-exchange (RFC 8693)
    case tokenExchange = "token-exchange"
    case tokenExchangeInvalidSubject = "token-exchange-invalid-subject"
    case tokenExchangeUnsupportedType = "token-exchange-unsupported-type"
    case tokenExchangeSubjectAudience = "token-exchange-subject-audience"
    // dynamic-registration (RFC 7591, RFC 7592)
    case registration
    case registrationInvalidRedirectURI = "registration-invalid-redirect-uri"
    case registrationManagement = "registration-management"
    // protected-resource (RFC 9728, RFC 8707)
    case protectedResourceMetadata = "protected-resource-metadata"
    case protectedResourceChallenge = "protected-resource-challenge"
    case resourceIndicatorToken = "resource-indicator-token"
    case resourceAudienceEnforced = "resource-audience-enforced"
    case resourceIndicatorInvalidTarget = "resource-indicator-invalid-target"
    // oauth1-provider
    case oauth1CallbackConfirmed = "oauth1-callback-confirmed"
    case oauth1ThreeLegged = "oauth1-three-legged"
    case oauth1NonceReplay = "oauth1-nonce-replay"
    case oauth1StaleTimestamp = "oauth1-stale-timestamp"
    case oauth1InvalidSignature = "oauth1-invalid-signature"
    case oauth1SignatureMethods = "oauth1-signature-methods"
    case oauth1ProblemReporting = "oauth1-problem-reporting"
}

extension CheckID {
    /// Checks that register the clients they need themselves (or need none): in a plan with
    /// `client_registration: dynamic`, every other check runs as a client registered for it.
    var registersItsOwnClient: Bool {
        switch self {
        case .oidccIDTokenRS256, .oidccIDTokenSignature, .oidccIDTokenUnsigned, .oidccUserinfoRS256, .oidccRedirectURIInRequest,
            .oidccRedirectURIQueryOK, .oidccRedirectURIQueryMismatch, .oidccRedirectURIQueryAdded, .oidccRedirectURIRegFrag,
            .oidccRegistrationLogoURI, .oidccRegistrationPolicyURI, .oidccRegistrationTosURI, .oidccRegistrationJWKSURI,
            .oidccRegistrationSectorURI, .oidccRegistrationSectorBad, .oidccRefreshTokenRPKeyRotation, .oidccRequestURIUnsignedDynamic,
            .oidccRequestURISignedRS256, .oidccDiscoveryEndpointVerification, .registration, .registrationInvalidRedirectURI,
            .registrationManagement:
            true
        default: false
        }
    }
}

extension ProbeContext {
    /// Asks the provider the check's question (as a client registered for it, in a plan whose
    /// clients are registered).
    mutating func probe(_ id: CheckID) async throws(CheckFailure) -> CheckVerdict {
        if dynamicClient {
            // The plan is about clients that register themselves: without registration, nothing to judge.
            guard endpoints.registration != nil else { return Self.noDynamicClient }
            if !id.registersItsOwnClient { return try await asRegisteredClient(id) }
        }
        return try await probeCheck(id)
    }

    mutating func probeCheck(_ id: CheckID) async throws(CheckFailure) -> CheckVerdict {
        switch id {
        case .metadataDocument: try await metadataDocument()
        case .endpointHosts: endpointHosts()
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
        case .deviceAuthorizationResponse: try await deviceAuthorizationResponse()
        case .tokenEndpointQuirks: try await tokenEndpointQuirks()
        case .oidccServer: try await oidccServer()
        case .oidccServerClientSecretPost: try await oidccServerClientSecretPost()
        case .oidccPostRequest: try await oidccPostRequest()
        case .oidccResponseTypeMissing: try await oidccResponseTypeMissing()
        case .oidccUserinfoGet: try await oidccUserinfo(.get)
        case .oidccUserinfoPostHeader: try await oidccUserinfo(.postHeader)
        case .oidccUserinfoPostBody: try await oidccUserinfo(.postBody)
        case .oidccWithoutNonce: try await oidccWithoutNonce()
        case .oidccScopeProfile: try await oidccScope(["profile"], claims: ["name"])
        case .oidccScopeEmail: try await oidccScope(["email"], claims: ["email"])
        case .oidccScopeAddress: try await oidccScope(["address"], claims: ["address"])
        case .oidccScopePhone: try await oidccScope(["phone"], claims: ["phone_number"])
        case .oidccScopeAll: try await oidccScope(["profile", "email", "address", "phone"], claims: ["name", "email", "address", "phone_number"])
        case .oidccOtherScopeOrder: try await oidccOtherScopeOrder()
        case .oidccDisplayPage: try await oidccSucceeds(with: ["display": "page"], "display=page")
        case .oidccDisplayPopup: try await oidccSucceeds(with: ["display": "popup"], "display=popup")
        case .oidccPromptLogin: try await oidccPromptLogin()
        case .oidccPromptNoneNotLoggedIn: try await oidccPromptNoneNotLoggedIn()
        case .oidccPromptNoneLoggedIn: try await oidccPromptNoneLoggedIn()
        case .oidccMaxAge1: try await oidccMaxAge(1)
        case .oidccMaxAge10000: try await oidccMaxAge(10000)
        case .oidccUnknownParameter: try await oidccSucceeds(with: ["oauth_harness_extra": "ignored"], "an unknown parameter")
        case .oidccIDTokenHint: try await oidccIDTokenHint()
        case .oidccLoginHint: try await oidccSucceeds(with: ["login_hint": file.user?.username ?? "user@example.test"], "login_hint")
        case .oidccUILocales: try await oidccSucceeds(with: ["ui_locales": "se"], "ui_locales=se")
        case .oidccClaimsLocales: try await oidccSucceeds(with: ["claims_locales": "se"], "claims_locales=se")
        case .oidccACRValues: try await oidccSucceeds(with: ["acr_values": "1 2"], "acr_values=1 2")
        case .oidccCodeReuse: try await oidccCodeReuse(wait: 0)
        case .oidccCodeReuse30Seconds: try await oidccCodeReuse(wait: file.codeReuseWait)
        case .oidccRegisteredRedirectURI: try await oidccRegisteredRedirectURI()
        case .oidccUnsignedRequestObject: try await oidccUnsignedRequestObject()
        case .oidccRequestURIUnsigned: try await oidccRequestURIUnsigned()
        case .oidccClaimsEssential: try await oidccClaimsEssential()
        case .oidccRequestObjectWithRedirectURI: try await oidccRequestObjectWithRedirectURI()
        case .oidccRefreshToken: try await oidccRefreshToken()
        case .oidccIDTokenSignature: try await oidccIDTokenSignature()
        case .oidccIDTokenUnsigned: try await oidccIDTokenUnsigned()
        case .oidccValidPKCE: try await oidccSucceeds(with: [:], "an S256 code_challenge")
        case .jwksNoPrivateKeys: try await jwksNoPrivateKeys()
        case .jwksKidsUnique: try await jwksKidsUnique()
        case .idTokenAlgAdvertised: try await idTokenAlgAdvertised()
        case .oidccDiscoveryEndpointVerification: try await oidccDiscoveryEndpointVerification()
        case .oidccIDTokenRS256: try await oidccIDTokenRS256()
        case .oidccUserinfoRS256: try await oidccUserinfoRS256()
        case .oidccRedirectURIInRequest: try await oidccRedirectURIInRequest()
        case .oidccRedirectURIQueryOK: try await oidccRedirectURIQueryOK()
        case .oidccRedirectURIQueryMismatch: try await oidccRedirectURIQueryMismatch()
        case .oidccRedirectURIQueryAdded: try await oidccRedirectURIQueryAdded()
        case .oidccRedirectURIRegFrag: try await oidccRedirectURIRegFrag()
        case .oidccRegistrationLogoURI: try await oidccRegistrationDisplayURI("logo_uri")
        case .oidccRegistrationPolicyURI: try await oidccRegistrationDisplayURI("policy_uri")
        case .oidccRegistrationTosURI: try await oidccRegistrationDisplayURI("tos_uri")
        case .oidccRegistrationJWKSURI: try await oidccRegistrationJWKSURI()
        case .oidccRegistrationSectorURI: try await oidccRegistrationSectorURI()
        case .oidccRegistrationSectorBad: try await oidccRegistrationSectorBad()
        case .oidccServerRotateKeys: try await oidccServerRotateKeys()
        case .oidccRefreshTokenRPKeyRotation: try await oidccRefreshTokenRPKeyRotation()
        case .oidccRequestURIUnsignedDynamic: try await oidccRequestURIUnsignedDynamic()
        case .oidccRequestURISignedRS256: try await oidccRequestURISignedRS256()
        case .oidccClientAssertionIssAud: try await oidccClientAssertionIssAud()
        case .backchannelDiscovery: try backchannelDiscovery()
        case .frontchannelDiscovery: try frontchannelDiscovery()
        case .frontchannelRPInitiatedLogout: try await frontchannelRPInitiatedLogout()
        case .backchannelRPInitiatedLogout: try await backchannelRPInitiatedLogout()
        case .logoutDiscovery: try logoutDiscovery()
        case .logoutRPInitiated: try await logoutRPInitiated()
        case .logoutBadPostLogoutRedirectURI: try await logoutBadPostLogoutRedirectURI()
        case .logoutModifiedIDTokenHint: try await logoutBadHint(modified: true)
        case .logoutBadIDTokenHint: try await logoutBadHint(modified: false)
        case .logoutNoIDTokenHint: try await logoutNoIDTokenHint()
        case .logoutNoParams: try await logoutStaysAtProvider(hint: false, state: false)
        case .logoutNoPostLogoutRedirectURI: try await logoutStaysAtProvider(hint: true, state: false)
        case .logoutNoState: try await logoutNoState()
        case .logoutOnlyState: try await logoutStaysAtProvider(hint: false, state: true)
        case .logoutQueryAdded: try await logoutQueryAdded()
        case .parPushedRequest: try await parPushedRequest()
        case .parClientAuthentication: try await parClientAuthentication()
        case .parRedirectURIValidated: try await parRedirectURIValidated()
        case .parRequestURISingleUse: try await parRequestURISingleUse()
        case .parRequired: try await parRequired()
        case .jarSignedRequestObject: try await jarSignedRequestObject()
        case .jarSignatureVerified: try await jarSignatureVerified()
        case .jarRequestObjectWins: try await jarRequestObjectWins()
        case .dpopTokenBinding: try await dpopTokenBinding()
        case .dpopProofRequiredAtResource: try await dpopProofRequiredAtResource()
        case .dpopProofTarget: try await dpopProofTarget()
        case .dpopProofSignature: try await dpopProofSignature()
        case .dpopProofReplay: try await dpopProofReplay()
        case .deviceGrant: try await deviceGrant()
        case .deviceCodeSingleUse: try await deviceCodeSingleUse()
        case .deviceCodeExpires: try await deviceCodeExpires()
        case .tokenExchange: try await tokenExchange()
        case .tokenExchangeInvalidSubject: try await tokenExchangeInvalidSubject()
        case .tokenExchangeUnsupportedType: try await tokenExchangeUnsupportedType()
        case .tokenExchangeSubjectAudience: try await tokenExchangeSubjectAudience()
        case .registration: try await registration()
        case .registrationInvalidRedirectURI: try await registrationInvalidRedirectURI()
        case .registrationManagement: try await registrationManagement()
        case .protectedResourceMetadata: try await protectedResourceMetadata()
        case .protectedResourceChallenge: try await protectedResourceChallenge()
        case .resourceIndicatorToken: try await resourceIndicatorToken()
        case .resourceAudienceEnforced: try await resourceAudienceEnforced()
        case .resourceIndicatorInvalidTarget: try await resourceIndicatorInvalidTarget()
        case .oauth1CallbackConfirmed: try await oauth1CallbackConfirmed()
        case .oauth1ThreeLegged: try await oauth1ThreeLegged()
        case .oauth1NonceReplay: try await oauth1NonceReplay()
        case .oauth1StaleTimestamp: try await oauth1StaleTimestamp()
        case .oauth1InvalidSignature: try await oauth1InvalidSignature()
        case .oauth1SignatureMethods: try await oauth1SignatureMethods()
        case .oauth1ProblemReporting: try await oauth1ProblemReporting()
        }
    }
}
