import Foundation
import MockProviders
import OAuth2
import OAuthCore

// RFC 9700 (OAuth 2.0 Security Best Current Practice): what a provider should no longer offer.
extension ProbeContext {
    mutating func noPasswordGrant() async throws(CheckFailure) -> CheckVerdict {
        guard let grants = endpoints.advertised("grant_types_supported") else { return .skipped("the metadata has no grant_types_supported") }
        if grants.contains("password") { return .fail("grant_types_supported advertises password") }
        return .pass("grant_types_supported: \(grants.joined(separator: ", "))")
    }
}
