import Foundation
import MockProviders
import OAuth2
import OAuthCore

// RFC 8414 (Authorization Server Metadata): the document, and the hosts its endpoints are on.
extension ProbeContext {
    mutating func metadataDocument() async throws(CheckFailure) -> CheckVerdict {
        guard let document = endpoints.metadata, let url = endpoints.discovery else {
            return .skipped("the provider publishes no RFC 8414 or OpenID Connect Discovery document")
        }
        let expected = AuthorizationServerMetadata.expectedIssuer(forMetadataURL: url)
        do {
            _ = try AuthorizationServerMetadata(document: document, expectedIssuer: expected)
        } catch {
            return .fail("the document at \(url) is not valid metadata: \(error.errorDescription ?? error.code.rawValue)")
        }
        var required = ["issuer", "response_types_supported", "authorization_endpoint", "token_endpoint"]
        if url.hasSuffix("openid-configuration") { required += ["jwks_uri", "subject_types_supported", "id_token_signing_alg_values_supported"] }
        let missing = required.filter { document[$0] == nil }
        guard missing.isEmpty else { return .fail("the document lacks \(missing.joined(separator: ", "))") }
        return .pass("issuer \(document["issuer"]?.stringValue ?? "") matches \(url); \(required.joined(separator: ", ")) present")
    }

    /// The endpoints that receive the client's secret or its tokens, on the issuer's host or
    /// not. RFC 8414 lets metadata name any host, and the harness sends the secret and tokens
    /// wherever it points (its user agent's host rule covers pages, not these endpoints): a
    /// warning names each one elsewhere, so that a mix-up or a tampered document is seen.
    func endpointHosts() -> CheckVerdict {
        let issuer = endpoints.metadata?["issuer"]?.stringValue ?? endpoints.baseURL
        guard let issuerHost = URLReference(issuer).host?.lowercased(), !issuerHost.isEmpty else {
            return .skipped("no issuer to compare the endpoints' hosts with")
        }
        let named = [
            ("token", endpoints.token), ("UserInfo", endpoints.userinfo), ("revocation", endpoints.revoke), ("introspection", endpoints.introspect),
        ]
        var checked: [String] = []
        var elsewhere: [String] = []
        for (what, url) in named {
            guard let url, let host = URLReference(url).host?.lowercased() else { continue }
            checked.append(what)
            if host != issuerHost { elsewhere.append("the \(what) endpoint is on \(host)") }
        }
        guard elsewhere.isEmpty else {
            return .fail(
                elsewhere.joined(separator: "; ") + ", not on the issuer's host \(issuerHost): the client secret and tokens are sent there "
                    + "(RFC 8414 allows it; make sure the host is the provider's)"
            )
        }
        return .pass("the \(checked.joined(separator: ", ")) endpoint(s) are on the issuer's host \(issuerHost)")
    }
}
