import MockProviders

/// What a provider speaks, in the harness's words: plans (`protocol:`), providers and steps all
/// use this one type. The mocks keep a vocabulary of their own (``ProviderProfile/ProtocolKind``):
/// they must not share the client's words.
package enum ProtocolKind: String, Sendable, CaseIterable {
    /// OAuth 1.0a (RFC 5849).
    case oauth1
    /// OAuth 2 (RFC 6749).
    case oauth2
    /// OAuth 2 with OpenID Connect Core 1.0 on top.
    case oidc

    /// Whether what is written for `self` (a plan, a step) applies to a provider speaking
    /// `provider`: OAuth 2 applies to OpenID providers too, OpenID Connect only to them.
    package func covers(_ provider: ProtocolKind) -> Bool {
        self == provider || (self == .oauth2 && provider == .oidc)
    }

    /// What a built-in mock serving `profile` speaks (a replay mock answers OAuth 2 flows).
    init(_ profile: ProviderProfile) {
        switch profile.protocolKind {
        case .oauth1: self = .oauth1
        case .oauth2: self = profile.oidc == nil ? .oauth2 : .oidc
        case .replay: self = .oauth2
        }
    }
}
