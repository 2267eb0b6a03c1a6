import Foundation
import OAuth2
import OAuthCore
import Synchronization

/// The provider's endpoints and metadata as a check run found them. The metadata document is
/// kept raw: whether it is right is itself a check.
struct ResolvedProvider: Sendable {
    var underCheck: ProviderUnderCheck
    var endpoints: ProviderEndpoints
    /// The metadata document (RFC 8414 or OpenID Connect Discovery), unvalidated.
    var metadata: [String: JSONValue]?
    var metadataURL: String?
    var jwksURI: String?
    var userinfo: String?
    var endSession: String?

    var clients: [ProviderUnderCheck.Client] { underCheck.clients }
    var client: ProviderUnderCheck.Client { underCheck.clients[0] }

    func advertised(_ member: String) -> [String]? {
        guard case .array(let items)? = metadata?[member] else { return nil }
        return items.compactMap(\.stringValue)
    }

    /// Scopes to ask for: the file's, else (OpenID Connect) `openid`.
    var scope: [String] { underCheck.scope }
    var isOpenID: Bool { scope.contains("openid") }
}
