import Foundation
import HarnessFiles
import OAuthCore
import Testing

@testable import MockProviders

/// A mock endpoint is a case of `ProviderProfile.Endpoint`, a route and a handler: the loader,
/// encoder, keys and metadata follow the case; these hold the route and the docs to it.
@Suite struct EndpointRegistryTests {
    static let profiles = BuiltIn.profiles().profiles

    /// Every endpoint is served by some built-in profile, and its engine routes it (a 404 means
    /// the case was added without its row in `handle`).
    @Test(arguments: ProviderProfile.Endpoint.allCases)
    func everyEndpointIsRouted(endpoint: ProviderProfile.Endpoint) async throws {
        let profile = try #require(
            Self.profiles.first { $0.protocolKind != .replay && $0.endpoints[endpoint] != nil },
            "no built-in profile serves \(endpoint.rawValue)"
        )
        let path = try #require(profile.endpoints[endpoint])
        var statuses: [Int] = []
        for method in ["GET", "POST"] {
            let request = TransportRequest(method: method, url: "http://127.0.0.1:1" + path)
            let response =
                profile.protocolKind == .oauth1
                ? await MockOAuth1Provider(profile: profile).handle(request) : await MockProvider(profile: profile).handle(request)
            statuses.append(response.status)
        }
        #expect(statuses.contains { $0 != 404 }, "\(profile.name) answers 404 at \(path) (\(endpoint.rawValue)): GET and POST → \(statuses)")
    }

    /// Every endpoint key is in the README's annotated profile or its examples.
    @Test(arguments: ProviderProfile.Endpoint.allCases)
    func everyEndpointIsDocumented(endpoint: ProviderProfile.Endpoint) throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/MockProviders/README.md", encoding: .utf8)
        #expect(readme.contains("\(endpoint.rawValue):"), "MockProviders/README.md does not show the \(endpoint.rawValue) endpoint")
    }

    /// The metadata documents advertise exactly the endpoints the profile gives (RFC 8414 §2,
    /// OpenID Connect Discovery §3).
    @Test func metadataAdvertisesTheGivenEndpoints() async throws {
        let profile = try #require(Self.profiles.first { $0.name == "google-style-oidc" })
        let provider = MockProvider(profile: profile)
        let response = await provider.handle(TransportRequest(method: "GET", url: "http://127.0.0.1:1/.well-known/openid-configuration"))
        guard case .object(let document) = try JSONValue.parse(response.body) else {
            Issue.record("not an object")
            return
        }
        let issuer = try #require(document["issuer"]?.stringValue)
        for endpoint in ProviderProfile.Endpoint.allCases {
            for member in [endpoint.metadataMember, endpoint.openIDMember].compactMap({ $0 }) {
                #expect(document[member]?.stringValue == profile.endpoints[endpoint].map { issuer + $0 }, "\(member)")
            }
        }
    }
}
