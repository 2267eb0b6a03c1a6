import Foundation
import OAuth2
import OAuthCore
import OpenIDConnect
import Synchronization

/// What the apps of one registry share.
final class OAuthRegistryContext: Sendable {
    let integration: any FrameworkIntegration
    let transport: any HTTPTransport
    let clock: any OAuthClock
    let metadata: MetadataCache
    let fetchToken: FetchTokenHandler?
    let updateToken: UpdateTokenHandler?
    private let observers = Mutex<[@Sendable (TokenUpdate) -> Void]>([])
    private let logouts = Mutex<[String: RPInitiatedLogout]>([:])

    init(
        integration: any FrameworkIntegration,
        transport: any HTTPTransport,
        clock: any OAuthClock,
        fetchToken: FetchTokenHandler?,
        updateToken: UpdateTokenHandler?
    ) {
        self.integration = integration
        self.transport = transport
        self.clock = clock
        self.metadata = MetadataCache(transport: transport, clock: clock)
        self.fetchToken = fetchToken
        self.updateToken = updateToken
    }

    func observe(_ observer: @escaping @Sendable (TokenUpdate) -> Void) { observers.withLock { $0.append(observer) } }

    func announce(_ update: TokenUpdate) {
        for observer in observers.withLock({ $0 }) { observer(update) }
    }

    /// One logout state store per app, so states survive between the redirect and the callback.
    func logout(for app: String, endpoint: String?) -> RPInitiatedLogout? {
        guard let endpoint else { return nil }
        return logouts.withLock { logouts in
            if let existing = logouts[app] { return existing }
            let logout = RPInitiatedLogout(endSessionEndpoint: endpoint, clock: clock)
            logouts[app] = logout
            return logout
        }
    }
}

/// The registry of remote apps (the reference client's `OAuth` object): register providers by
/// name, look them up (`oauth["github"]` or `oauth.github`), share fetch/update-token closures,
/// and observe token updates.
@dynamicMemberLookup
public final class OAuthRegistry: Sendable {
    let context: OAuthRegistryContext
    let settings: [String: String]
    private let apps = Mutex<[String: RemoteApp]>([:])

    /// `settings` provides `{NAME}_CLIENT_ID`, `{NAME}_CLIENT_SECRET`, … (default: the environment).
    ///
    /// - Parameters:
    ///   - integration: where flow data is kept between the redirect and the callback.
    ///   - transport: sends every app's requests.
    ///   - clock: the time for flow lifetimes, token expiry and ID token checks.
    ///   - settings: the `{NAME}_…` settings.
    ///   - fetchToken: gets a user's token for API calls, for apps without their own.
    ///   - updateToken: stores a refreshed token, for apps without their own.
    public init(
        integration: any FrameworkIntegration = InMemoryFlowStore(),
        transport: any HTTPTransport,
        clock: any OAuthClock = SystemClock(),
        settings: [String: String] = ProcessInfo.processInfo.environment,
        fetchToken: FetchTokenHandler? = nil,
        updateToken: UpdateTokenHandler? = nil
    ) {
        context = OAuthRegistryContext(integration: integration, transport: transport, clock: clock, fetchToken: fetchToken, updateToken: updateToken)
        self.settings = settings
    }

    /// Registers (or, with the same name, replaces) an app. Values missing from `configuration`
    /// come from the `{NAME}_…` settings; with `overwrite`, settings win over given values.
    ///
    /// - Parameters:
    ///   - name: the app's name, also the prefix of its settings (`github` reads `GITHUB_…`).
    ///   - overwrite: whether settings win over values given in `configuration`.
    ///   - configuration: the app's values.
    /// - Returns: the registered app.
    /// - Throws: `OAuthError` with `invalid_configuration` when a `…_PARAMS` or `CLIENT_KWARGS`
    ///   setting cannot be read, or the app has no client id, or neither an access token URL nor
    ///   a server metadata URL.
    @discardableResult
    public func register(
        _ name: String,
        overwrite: Bool = false,
        _ configuration: RemoteAppConfiguration = RemoteAppConfiguration()
    ) throws -> RemoteApp {
        var configuration = configuration
        try configuration.merge(settings: settings, name: name, overwrite: overwrite)
        guard configuration.clientID != nil else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(name): no client id given or in \(name.uppercased())_CLIENT_ID")
        }
        guard configuration.accessTokenURL != nil || configuration.serverMetadataURL != nil else {
            throw OAuthError.client(OAuthErrorCode.invalidConfiguration, "\(name): no access token URL and no server metadata URL")
        }
        let app = RemoteApp(name: name, configuration: configuration, registry: context)
        apps.withLock { $0[name] = app }
        return app
    }

    /// The app registered as `name`, if any.
    ///
    /// - Parameter name: the app's name.
    public subscript(name: String) -> RemoteApp? { apps.withLock { $0[name] } }

    /// The app registered as `name`, if any, as `oauth.github`.
    ///
    /// - Parameter name: the app's name.
    public subscript(dynamicMember name: String) -> RemoteApp? { self[name] }

    /// The registered apps' names, sorted.
    public var names: [String] { apps.withLock { $0.keys.sorted() } }

    /// Called after every token refresh of any app (Django's `token_update` signal).
    ///
    /// - Parameter observer: called with each refresh, after the app's update-token closure.
    public func onTokenUpdate(_ observer: @escaping @Sendable (TokenUpdate) -> Void) { context.observe(observer) }
}
