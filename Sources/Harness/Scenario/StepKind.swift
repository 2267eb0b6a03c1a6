/// Every kind of scenario step, by the key it is written with: the one registry that the
/// loader's accepted keys, the runner's dispatch, the JSON Schema and `Scenarios/README.md` are
/// held to (the last two by tests). Adding a step (docs/extending.md, recipe 1): a case here, an
/// `Action` case and its parser in Step.swift, its row in `StepContext.execute` and its executor
/// in the protocol's steps file — every `switch` over these is exhaustive, so the compiler
/// points at whatever is missing, and ExtensionRecipeTests wants a shipped scenario using it.
package enum StepKind: String, CaseIterable, Sendable {
    case authorize
    case fetchToken = "fetch_token"
    case refresh
    case revoke
    case introspect
    case discover
    case requestToken = "request_token"
    case accessToken = "access_token"
    case login
    case userinfo
    case logout
    case evil
    case rotateKeys = "rotate_keys"
    case fault
    case get
    case post
    case expect
    case advanceClock = "advance_clock"
    case clearCookies = "clear_cookies"
    case misuseToken = "misuse_token"
    case deviceAuthorization = "device_authorization"
    case deviceLogin = "device_login"
    case pollDeviceToken = "poll_device_token"
    case exchangeToken = "exchange_token"
    case registerClient = "register_client"
    case clientConfiguration = "client_configuration"
    case discoverResource = "discover_resource"
    case backchannelLogout = "backchannel_logout"

    /// The protocols whose providers have this step (`nil`: every protocol).
    var onlyFor: ProtocolKind? {
        switch self {
        case .requestToken, .accessToken: .oauth1
        case .fetchToken, .refresh, .revoke, .introspect, .discover, .login, .userinfo, .logout, .evil, .rotateKeys, .misuseToken,
            .deviceAuthorization, .deviceLogin, .pollDeviceToken, .exchangeToken, .registerClient, .clientConfiguration,
            .discoverResource, .backchannelLogout:
            .oauth2
        case .authorize, .fault, .get, .post, .expect, .advanceClock, .clearCookies: nil
        }
    }

    /// Needs an OpenID Connect client (`openid: true`).
    var needsOpenID: Bool {
        switch self {
        case .login, .userinfo, .logout, .rotateKeys, .backchannelLogout: true
        case .evil, .authorize, .fetchToken, .refresh, .revoke, .introspect, .discover, .requestToken, .accessToken, .fault, .get, .post, .expect,
            .advanceClock,
            .clearCookies, .misuseToken, .deviceAuthorization, .deviceLogin, .pollDeviceToken, .exchangeToken, .registerClient, .clientConfiguration,
            .discoverResource:
            false
        }
    }

    /// Needs a built-in mock's controls (its clock, evil modes, keys or faults).
    var needsMock: Bool {
        switch self {
        case .evil, .rotateKeys, .fault, .advanceClock: true
        case .authorize, .fetchToken, .refresh, .revoke, .introspect, .discover, .requestToken, .accessToken, .login, .userinfo, .logout, .get, .post,
            .expect, .clearCookies, .misuseToken, .deviceAuthorization, .deviceLogin, .pollDeviceToken, .exchangeToken, .registerClient,
            .clientConfiguration, .discoverResource, .backchannelLogout:
            false
        }
    }

    /// Talks to the provider, so it may carry `expect_error`.
    var talksToProvider: Bool {
        switch self {
        case .expect, .advanceClock, .clearCookies: false
        case .authorize, .fetchToken, .refresh, .revoke, .introspect, .discover, .requestToken, .accessToken, .login, .userinfo, .logout, .evil,
            .rotateKeys,
            .fault, .get, .post, .misuseToken, .deviceAuthorization, .deviceLogin, .pollDeviceToken, .exchangeToken, .registerClient,
            .clientConfiguration, .discoverResource, .backchannelLogout:
            true
        }
    }

    /// Its outcome is the client's verdict in the conformance table.
    var isJudged: Bool {
        switch self {
        case .login, .userinfo, .logout, .pollDeviceToken, .exchangeToken, .registerClient, .discoverResource, .backchannelLogout: true
        case .authorize, .fetchToken, .refresh, .revoke, .introspect, .discover, .requestToken, .accessToken, .evil, .rotateKeys, .fault, .get, .post,
            .expect,
            .advanceClock, .clearCookies, .misuseToken, .deviceAuthorization, .deviceLogin, .clientConfiguration:
            false
        }
    }
}

extension Step.Action {
    /// The registry entry of this action.
    var stepKind: StepKind {
        switch self {
        case .authorize: .authorize
        case .fetchToken: .fetchToken
        case .request(let method, _, _): method == "POST" ? .post : .get
        case .refresh: .refresh
        case .revoke: .revoke
        case .introspect: .introspect
        case .discover: .discover
        case .requestToken: .requestToken
        case .accessToken: .accessToken
        case .login: .login
        case .userinfo: .userinfo
        case .logout: .logout
        case .evil: .evil
        case .rotateKeys: .rotateKeys
        case .fault: .fault
        case .expect: .expect
        case .advanceClock: .advanceClock
        case .clearCookies: .clearCookies
        case .misuseToken: .misuseToken
        case .deviceAuthorization: .deviceAuthorization
        case .deviceLogin: .deviceLogin
        case .pollDeviceToken: .pollDeviceToken
        case .exchangeToken: .exchangeToken
        case .registerClient: .registerClient
        case .clientConfiguration: .clientConfiguration
        case .discoverResource: .discoverResource
        case .backchannelLogout: .backchannelLogout
        }
    }
}
