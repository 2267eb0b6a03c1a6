import Foundation
import MockProviders
import OAuthCore
import Synchronization

/// `oauth-harness record`: runs a scenario, keeps every HTTP exchange with the provider, and
/// writes them — secrets redacted — as a replay profile plus a copy of the scenario that uses
/// it, so behaviour seen once (a production quirk, say) can be reproduced offline.
package enum ScenarioRecorder {
    package struct Recording: Sendable {
        package var profileYAML: String
        package var scenarioYAML: String
        package var exchanges: Int
        package var result: ScenarioResult
    }

    final class Capture: HTTPTransport {
        let base: any HTTPTransport
        let exchanges = Mutex<[(TransportRequest, TransportResponse)]>([])

        init(base: any HTTPTransport) { self.base = base }

        func send(_ request: TransportRequest) async throws -> TransportResponse {
            let response = try await base.send(request)
            exchanges.withLock { $0.append((request, response)) }
            return response
        }
    }

    package static func record(
        scenarioPath: String,
        profileName: String,
        catalog: ProviderCatalog,
        environment: [String: String],
        transport: any HTTPTransport
    ) async throws -> Recording {
        let scenario = try ScenarioLoader.load(contentsOf: scenarioPath, folder: "record", catalog: catalog, environment: environment)
        let capture = Capture(base: transport)
        let result = await ScenarioRunner(catalog: catalog, transport: capture).run(scenario)
        let exchanges = capture.exchanges.withLock { $0 }
        let redactor = Redactor(
            secrets: [
                scenario.client.clientSecret, scenario.client.privateKeyPEM, scenario.client.preissuedToken?.accessToken,
                scenario.client.preissuedToken?.refreshToken,
            ].compactMap { $0 }
        )
        for (request, response) in exchanges {
            redactor.registerSecrets(in: request)
            redactor.registerSecrets(in: response)
        }
        var recorded: [ProviderProfile.RecordedExchange] = []
        for (request, response) in exchanges {
            let (path, query) = MockProvider.split(request.url)
            var parameters: [String: String] = [:]
            for pair in query ?? FormParameters() { parameters[pair.name] = redactor.redact(pair.value) }
            if request.headers["Content-Type"]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true,
                let form = try? FormParameters(parsing: String(decoding: request.body, as: UTF8.self))
            {
                for pair in form { parameters[pair.name] = redactor.redact(pair.value) }
            }
            var headers: [String: String] = [:]
            for field in response.headers where !["date", "content-length", "set-cookie", "server"].contains(field.name.lowercased()) {
                headers[field.name] = redactor.redactHeader(name: field.name, value: field.value)
            }
            recorded.append(
                ProviderProfile.RecordedExchange(
                    method: request.method,
                    path: path,
                    parameters: parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                    status: response.status,
                    headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                    body: redactor.redact(response.bodyText)
                )
            )
        }
        let original = catalog[scenario.provider]
        var profile = ProviderProfile(
            name: profileName,
            models:
                "a recording of \(scenario.name) (\((scenarioPath as NSString).lastPathComponent)) made with oauth-harness record on \(ISO8601DateFormatter().string(from: Date()))",
            protocolKind: .replay,
            // The original's endpoints (a replay serves OAuth 2 paths), none without one.
            endpoints: ProviderProfile.Endpoints(
                protocolKind: .oauth2,
                paths: [
                    "authorize": original?.endpoints.authorize, "token": original?.endpoints.token, "resource": original?.endpoints.resource,
                    "revoke": original?.endpoints.revoke, "introspect": original?.endpoints.introspect,
                ].compactMapValues { $0 }
            ),
            clients: original?.clients.map { ProviderProfile.Client(clientID: $0.clientID, clientSecret: nil, redirectURIs: $0.redirectURIs) } ?? [],
            users: []
        )
        profile.replay = recorded
        let profileYAML = try profile.yaml(
            comments: ["Recorded by `oauth-harness record`; secrets are replaced by \(Redactor.mask). Replayed in order per method and path."]
        )
        let text = try String(contentsOfFile: scenarioPath, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        if let index = lines.firstIndex(where: { $0.hasPrefix("provider:") }) { lines[index] = "provider: \(profileName)" }
        if let index = lines.firstIndex(where: { $0.hasPrefix("name:") }) {
            lines[index] = "name: \"replay of \(scenario.name.replacingOccurrences(of: "\"", with: "'"))\""
        }
        let scenarioYAML = "# Replays MockProviders/\(profileName).yaml, recorded from \(scenarioPath).\n" + lines.joined(separator: "\n")
        return Recording(profileYAML: profileYAML, scenarioYAML: scenarioYAML, exchanges: exchanges.count, result: result)
    }
}
