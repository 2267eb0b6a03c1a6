import Foundation

/// The ways a mock OpenID provider can misbehave on purpose, each modelled on an OpenID
/// Foundation RP conformance test module (`rp-id_token-…`, `rp-userinfo-…`, RP-initiated logout).
public enum EvilMode: String, Sendable, CaseIterable {
    /// No misbehaviour.
    case none
    /// The ID token's `iss` is another issuer.
    case wrongIssuer = "wrong_iss"
    /// The ID token has no `sub`.
    case missingSubject = "missing_sub"
    /// The ID token's `aud` is another client.
    case wrongAudience = "wrong_aud"
    /// The ID token has no `aud`.
    case missingAudience = "missing_aud"
    /// The ID token's `aud` lists the client and another one, with `azp` the client: valid.
    case audienceArray = "aud_array"
    /// The ID token has no `iat`.
    case missingIssuedAt = "missing_iat"
    /// The ID token expired an hour ago.
    case expired = "expired_exp"
    /// The ID token's header has no `kid`, and the JWKS holds only the signing key, without a
    /// `kid` either: valid.
    case kidAbsentSingleKey = "kid_absent_single_key"
    /// The ID token's header has no `kid` although the JWKS may hold several keys.
    case kidAbsentMultipleKeys = "kid_absent_multiple_keys"
    /// The ID token is unsigned (`alg: none`).
    case algNone = "alg_none"
    /// The ID token's signature is altered.
    case invalidSignature = "invalid_signature"
    /// The ID token is signed with HS256 keyed by the client secret.
    case hs256ClientSecret = "hs256_client_secret"
    /// The ID token's `nonce` is another flow's.
    case wrongNonce = "wrong_nonce"
    /// The ID token has no `nonce`.
    case missingNonce = "missing_nonce"
    /// The ID token's `at_hash` is not the access token's.
    case invalidAtHash = "invalid_at_hash"
    /// UserInfo answers with another user's `sub`.
    case userinfoSubjectMismatch = "userinfo_sub_mismatch"
    /// The logout redirect back carries a `state` the client never sent.
    case logoutWrongState = "logout_wrong_state"
    /// The logout redirect back carries no `state`.
    case logoutNoState = "logout_no_state"
    /// No misbehaviour of its own: the scenario rotates the signing key and logs in again.
    case keyRotation = "key_rotation"
    /// RFC 9207: the authorization response's `iss` names another issuer (a mix-up attack).
    case mixUpIssuer = "mix_up_iss"
    /// RFC 9449 §7.1: the resource accepts a DPoP-bound token without a proof (as Bearer).
    case dpopProofNotRequired = "dpop_proof_not_required"
    /// RFC 9449 §4.3: a proof made for another URI or method is accepted.
    case dpopProofForAnotherURI = "dpop_proof_any_uri"
    /// RFC 9449 §11.1: a proof's `jti` seen before is accepted again.
    case dpopProofReplay = "dpop_proof_replay"
    /// RFC 9126 §4: a `request_uri` already used is accepted again.
    case requestURIReplay = "request_uri_replay"
    /// RFC 9101 §6.2: a request object's signature is not checked.
    case requestObjectUnverified = "request_object_unverified"
    /// RFC 9101 §6.3: query parameters override the request object's.
    case requestObjectOverridden = "request_object_overridden"
    /// RFC 8628 §3.5: the device code never expires: polls past `expires_in` stay pending.
    case deviceCodeNeverExpires = "device_code_never_expires"
    /// RFC 8693 §2.1, §5: a subject token is exchanged for any client, whatever its audience.
    case tokenExchangeIgnoresAudience = "token_exchange_ignores_audience"
    /// RFC 7591 §2: the registration takes and echoes redirect URIs without validating them.
    case registrationUnvalidatedRedirect = "registration_unvalidated_redirect_uri"
    /// RFC 8707 §2, RFC 9728 §7.4: the protected resource takes a token issued for another resource.
    case resourceIgnoresAudience = "resource_ignores_audience"
    /// RP-Initiated Logout 1.0 §2, §4: the end-session endpoint trusts any `id_token_hint`, one
    /// whose signature does not verify or that is no JWT at all.
    case logoutHintUnverified = "logout_hint_unverified"
    /// RP-Initiated Logout 1.0 §2, §3: the end-session endpoint redirects to any
    /// `post_logout_redirect_uri`, registered or not (an open redirector).
    case logoutOpenRedirect = "logout_open_redirect"
    /// OpenID Connect Discovery 1.0 §4.3: the discovery document names another issuer than the
    /// one it is served for.
    case discoveryIssuerMismatch = "discovery_issuer_mismatch"
    /// OAuth 2.0 Form Post Response Mode §2: `response_mode=form_post` is advertised but answered
    /// in the redirect's query (where the code lands in logs and the Referer).
    case formPostIgnored = "form_post_ignored"
    /// Back-Channel Logout 1.0 §2.4: the logout token carries a `nonce`.
    case logoutTokenNonce = "logout_token_nonce"
    /// Back-Channel Logout 1.0 §2.4: the logout token has no `events` member.
    case logoutTokenWithoutEvents = "logout_token_no_events"
    /// Registration §2: a client registered `userinfo_signed_response_alg`, UserInfo still
    /// answers plain JSON.
    case userinfoUnsigned = "userinfo_unsigned"
    /// Core §3.1.2.1: an authorization request without `redirect_uri` is sent to the client's
    /// first registered URI though it has several.
    case redirectURIDefaulted = "redirect_uri_defaulted"
    /// RFC 6749 §3.1.2, Core §3.1.2.1: redirect URIs are compared without their query, and the
    /// answer goes to the URI without it (a registered query is dropped, an added one accepted).
    case redirectURIQueryIgnored = "redirect_uri_query_ignored"
    /// Registration §2: `logo_uri`, `policy_uri` and `tos_uri` are registered but never shown.
    case clientURIsHidden = "client_uris_hidden"
    /// Registration §2: `jwks_uri` is registered and echoed but never fetched, so the client's
    /// `private_key_jwt` assertions cannot be verified.
    case registrationJWKSURIIgnored = "registration_jwks_uri_ignored"
    /// Registration §5: `sector_identifier_uri` is registered without fetching it, so redirect
    /// URIs it does not list are accepted.
    case sectorIdentifierUnchecked = "sector_identifier_unchecked"
    /// The signing key is rotated but the new key is not published in the JWKS.
    case keyRotationUnpublished = "key_rotation_unpublished"
    /// Registration §2 `jwks_uri`: the client's keys are fetched once and never again, so a
    /// client that rotates its key is locked out.
    case clientJWKSCached = "client_jwks_cached"
    /// Core §6.2: `request_uri` is not fetched; the query's parameters are used instead.
    case requestURIIgnored = "request_uri_ignored"
    /// RFC 7523 §3: a client assertion whose `aud` is the issuer is refused (only the token
    /// endpoint's URL is taken).
    case assertionAudienceTokenEndpointOnly = "assertion_aud_token_endpoint_only"
    /// Front-Channel Logout 1.0 §2: the logout page loads the client's `frontchannel_logout_uri`
    /// without `iss` and `sid`, though the client asked for them.
    case frontchannelLogoutWithoutSession = "frontchannel_logout_no_sid"

    /// The OpenID Foundation RP test module each mode follows.
    public var conformanceModule: String {
        switch self {
        case .none: "rp-response_type-code"
        case .wrongIssuer: "rp-id_token-issuer-mismatch"
        case .missingSubject: "rp-id_token-sub"
        case .wrongAudience: "rp-id_token-aud"
        case .missingAudience: "rp-id_token-aud (absent)"
        case .audienceArray: "rp-id_token-aud (array with azp)"
        case .missingIssuedAt: "rp-id_token-iat"
        case .expired: "rp-id_token-exp"
        case .kidAbsentSingleKey: "rp-id_token-kid-absent-single-jwks"
        case .kidAbsentMultipleKeys: "rp-id_token-kid-absent-multiple-jwks"
        case .algNone: "rp-id_token-sig-none"
        case .invalidSignature: "rp-id_token-bad-sig-rs256"
        case .hs256ClientSecret: "rp-id_token-sig-hs256"
        case .wrongNonce: "rp-nonce-invalid"
        case .missingNonce: "rp-nonce-unless-code-flow (absent)"
        case .invalidAtHash: "rp-id_token-bad-at_hash"
        case .userinfoSubjectMismatch: "rp-userinfo-bad-sub-claim"
        case .logoutWrongState: "rp-init-logout (state mismatch)"
        case .logoutNoState: "rp-init-logout (state absent)"
        case .keyRotation: "rp-key-rotation-op-sign-key"
        case .mixUpIssuer: "RFC 9207 mix-up (authorization response iss)"
        case .dpopProofNotRequired: "RFC 9449 §7.1 (bound token without a proof)"
        case .dpopProofForAnotherURI: "RFC 9449 §4.3 (htm/htu not checked)"
        case .dpopProofReplay: "RFC 9449 §11.1 (proof jti replay)"
        case .requestURIReplay: "RFC 9126 §4 (request_uri reuse)"
        case .requestObjectUnverified: "RFC 9101 §6.2 (request object signature)"
        case .requestObjectOverridden: "RFC 9101 §6.3 (query overrides the request object)"
        case .deviceCodeNeverExpires: "RFC 8628 §3.5 (device code past expires_in)"
        case .tokenExchangeIgnoresAudience: "RFC 8693 §2.1, §5 (subject token not meant for the client)"
        case .registrationUnvalidatedRedirect: "RFC 7591 §2, §5 (redirect_uris not validated)"
        case .resourceIgnoresAudience: "RFC 8707 §2, RFC 9728 §7.4 (a token for another resource accepted)"
        case .logoutHintUnverified: "oidcc-rp-initiated-logout-modified-id-token-hint (OP side)"
        case .logoutOpenRedirect: "oidcc-rp-initiated-logout-bad-post-logout-redirect-uri (OP side)"
        case .discoveryIssuerMismatch: "rp-discovery-issuer-not-matching-config"
        case .formPostIgnored: "oidcc-server with response_mode=form_post (OP side)"
        case .logoutTokenNonce: "rp-backchannel-rpinitlogout-lt-with-nonce"
        case .logoutTokenWithoutEvents: "rp-backchannel-rpinitlogout-lt-no-event"
        case .userinfoUnsigned: "oidcc-userinfo-rs256 (OP side)"
        case .redirectURIDefaulted: "oidcc-ensure-redirect-uri-in-authorization-request (OP side)"
        case .redirectURIQueryIgnored: "oidcc-redirect-uri-query-mismatch, -added, -OK (OP side)"
        case .clientURIsHidden: "oidcc-registration-logo-uri, -policy-uri, -tos-uri (OP side)"
        case .registrationJWKSURIIgnored: "oidcc-registration-jwks-uri (OP side)"
        case .sectorIdentifierUnchecked: "oidcc-registration-sector-bad (OP side)"
        case .keyRotationUnpublished: "oidcc-server-rotate-keys (OP side)"
        case .clientJWKSCached: "oidcc-refresh-token-rp-key-rotation (OP side)"
        case .requestURIIgnored: "oidcc-request-uri-unsigned, -signed-rs256 (OP side)"
        case .assertionAudienceTokenEndpointOnly: "oidcc-ensure-client-assertion-with-iss-aud-succeeds (OP side)"
        case .frontchannelLogoutWithoutSession: "oidcc-frontchannel-rp-initiated-logout (OP side)"
        }
    }
}
