import Foundation

/// The ways a mock OpenID provider can misbehave on purpose, each modelled on an OpenID
/// Foundation RP conformance test module (`rp-id_token-…`, `rp-userinfo-…`, RP-initiated logout).
public enum EvilMode: String, Sendable, CaseIterable {
    case none
    case wrongIssuer = "wrong_iss"
    case missingSubject = "missing_sub"
    case wrongAudience = "wrong_aud"
    case missingAudience = "missing_aud"
    case audienceArray = "aud_array"
    case missingIssuedAt = "missing_iat"
    case expired = "expired_exp"
    case kidAbsentSingleKey = "kid_absent_single_key"
    case kidAbsentMultipleKeys = "kid_absent_multiple_keys"
    case algNone = "alg_none"
    case invalidSignature = "invalid_signature"
    case hs256ClientSecret = "hs256_client_secret"
    case wrongNonce = "wrong_nonce"
    case missingNonce = "missing_nonce"
    case invalidAtHash = "invalid_at_hash"
    case userinfoSubjectMismatch = "userinfo_sub_mismatch"
    case logoutWrongState = "logout_wrong_state"
    case logoutNoState = "logout_no_state"
    /// No misbehaviour of its own: the scenario rotates the signing key and logs in again.
    case keyRotation = "key_rotation"
    /// RFC 9207: the authorization response's `iss` names another issuer (a mix-up attack).
    case mixUpIssuer = "mix_up_iss"

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
        }
    }
}
