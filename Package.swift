// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "OAuthHarness",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "OAuthCore", targets: ["OAuthCore"]),
        .library(name: "OAuth1", targets: ["OAuth1"]),
        .library(name: "OAuth2", targets: ["OAuth2"]),
        .library(name: "OpenIDConnect", targets: ["OpenIDConnect"]),
        .library(name: "OAuthClient", targets: ["OAuthClient"]),
        .library(name: "OAuthHummingbird", targets: ["OAuthHummingbird"]),
        .library(name: "OAuthVapor", targets: ["OAuthVapor"]),
        .library(name: "MockProviders", targets: ["MockProviders"]),
        .library(name: "HarnessFiles", targets: ["HarnessFiles"]),
        .library(name: "OAuthTesting", targets: ["OAuthTesting"]),
        .library(name: "Harness", targets: ["Harness"]),
        .executable(name: "oauth-harness", targets: ["oauth-harness"]),
        // `swift package oauth-harness …` in a package that depends on this one.
        .plugin(name: "OAuthHarnessCommand", targets: ["OAuthHarnessCommand"]),
    ],
    traits: [
        .trait(
            name: "Vapor",
            description: "Builds the Vapor 4 integration (OAuthVapor); off by default so that the harness never compiles Vapor."
        )
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64", from: "1.2.0"),
    ],
    targets: [
        .target(
            name: "OAuthCore",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ]
        ),
        .target(
            name: "OAuth1",
            dependencies: [
                "OAuthCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "OAuth2",
            dependencies: [
                "OAuthCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .target(
            name: "OpenIDConnect",
            dependencies: [
                "OAuthCore",
                "OAuth2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .target(
            name: "OAuthClient",
            dependencies: ["OAuthCore", "OAuth1", "OAuth2", "OpenIDConnect"]
        ),
        .target(
            name: "OAuthHummingbird",
            dependencies: [
                "OAuthClient", "OAuthCore", "OpenIDConnect", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .target(
            name: "OAuthVapor",
            dependencies: [
                "OAuthClient", "OAuthCore", "OpenIDConnect", .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        .target(
            name: "MockProviders",
            dependencies: [
                // Never OAuth1 or OAuth2: the mock verifies signatures, PKCE and assertions with its
                // own code and spells the wire constants itself (it grades that client library).
                "OAuthCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                "HarnessFiles",
            ]
        ),
        .target(
            // The files the harness reads: YAML with file/line/column on every node
            // (YAMLNode), and the built-in profiles, key fixtures and plans compiled in, found from
            // any folder (BuiltIn). Shared by the mocks and the harness; owned by neither.
            name: "HarnessFiles",
            dependencies: [.product(name: "Yams", package: "Yams")],
            plugins: ["EmbedBuiltIns"]
        ),
        .executableTarget(
            name: "embed-built-ins",
            path: "Sources/embed-built-ins"
        ),
        .plugin(
            name: "EmbedBuiltIns",
            capability: .buildTool(),
            dependencies: ["embed-built-ins"]
        ),
        .plugin(
            name: "OAuthHarnessCommand",
            capability: .command(
                intent: .custom(
                    verb: "oauth-harness",
                    description: "Runs oauth-harness (run, check, serve, list, validate, init, …) in this package"
                ),
                permissions: [
                    .writeToPackageDirectory(reason: "oauth-harness writes its JUnit and Markdown reports under reports/"),
                    .allowNetworkConnections(
                        scope: .all(),
                        reason: "the mock providers listen on 127.0.0.1 and scenarios may reach providers given by URL"
                    ),
                ]
            )
        ),
        .target(
            // Test doubles for code that speaks HTTPTransport: in-memory mock providers (no
            // socket), scripted, routed and capturing transports. The project's tests use them.
            name: "OAuthTesting",
            dependencies: ["OAuthCore", "MockProviders"]
        ),
        .target(
            name: "Harness",
            dependencies: [
                "OAuthCore",
                "OAuth1",
                "OAuth2",
                "OpenIDConnect",
                "MockProviders",
                "HarnessFiles",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "oauth-harness",
            dependencies: [
                "Harness",
                "MockProviders",
                "OAuthCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "OAuthCoreTests", dependencies: ["OAuthCore", "OAuthTesting"]),
        .testTarget(name: "OAuth1Tests", dependencies: ["OAuth1", "OAuthCore"]),
        .testTarget(name: "OAuth2Tests", dependencies: ["OAuth2", "OAuthCore", "OAuthTesting", "MockProviders"]),
        .testTarget(
            name: "OpenIDConnectTests",
            dependencies: ["OpenIDConnect", "OAuth2", "OAuthCore", "OAuthTesting", .product(name: "JWTKit", package: "jwt-kit")]
        ),
        .testTarget(
            name: "OAuthClientTests",
            dependencies: [
                "OAuthClient", "OAuthCore", "OAuth2", "OpenIDConnect", "MockProviders", "Harness", "OAuthHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "MockProvidersTests",
            dependencies: [
                "MockProviders", "HarnessFiles", "OAuthCore", "OAuth1", "OAuth2", "OpenIDConnect", "OAuthTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "HarnessTests",
            dependencies: ["Harness", "HarnessFiles", "MockProviders", "OAuthCore", "OAuth1", "OAuth2", "OAuthTesting", "oauth-harness"]
        ),
    ]
)
