// swift-tools-version:6.1
// The example apps, in a package of their own so that building the root package (what users
// install) compiles no example. They depend on the root package by path, like a user's app
// would by URL. `swift run --package-path Examples hummingbird-example`;
// `swift test --package-path Examples --traits Vapor` builds and tests both apps.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder: the folder this repository was cloned into.
let harness = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "OAuthHarnessExamples",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hummingbird-example", targets: ["hummingbird-example"]),
        .executable(name: "vapor-example", targets: ["vapor-example"]),
    ],
    traits: [
        .trait(name: "Vapor", description: "Builds the Vapor example (and the root package's OAuthVapor with Vapor).")
    ],
    dependencies: [
        .package(path: "..", traits: [.trait(name: "Vapor", condition: .when(traits: ["Vapor"]))]),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
    ],
    targets: [
        .target(
            name: "ExampleSupport",
            dependencies: [.product(name: "OAuthClient", package: harness), .product(name: "OAuth2", package: harness)]
        ),
        .target(
            name: "HummingbirdExampleApp",
            dependencies: [
                "ExampleSupport", .product(name: "OAuthClient", package: harness), .product(name: "OAuthHummingbird", package: harness),
                .product(name: "OAuth2", package: harness), .product(name: "OAuthCore", package: harness),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "hummingbird-example",
            dependencies: [
                "HummingbirdExampleApp", .product(name: "OAuthHummingbird", package: harness), .product(name: "OAuthClient", package: harness),
                .product(name: "OAuthCore", package: harness), .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .target(
            name: "VaporExampleApp",
            dependencies: [
                "ExampleSupport", .product(name: "OAuthVapor", package: harness), .product(name: "OAuthClient", package: harness),
                .product(name: "OAuth2", package: harness), .product(name: "OAuthCore", package: harness),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        .executableTarget(
            name: "vapor-example",
            dependencies: [
                "VaporExampleApp", .product(name: "OAuthClient", package: harness), .product(name: "OAuthCore", package: harness),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        .testTarget(
            name: "HummingbirdExampleTests",
            dependencies: [
                "HummingbirdExampleApp", "ExampleSupport", .product(name: "OAuthClient", package: harness),
                .product(name: "OAuthCore", package: harness), .product(name: "MockProviders", package: harness),
                .product(name: "Harness", package: harness), .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A Hummingbird API that accepts RFC 9068 JWT access tokens, and its test against an
        // in-process mock provider (the DocC article "Test your app against a mock provider").
        .target(
            name: "ResourceServerExample",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "OAuthCore", package: harness),
            ]
        ),
        .testTarget(
            name: "ResourceServerTests",
            dependencies: [
                "ResourceServerExample", .product(name: "MockProviders", package: harness), .product(name: "OAuth2", package: harness),
                .product(name: "OAuthCore", package: harness), .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "VaporExampleTests",
            dependencies: [
                "VaporExampleApp", "ExampleSupport", .product(name: "OAuthClient", package: harness),
                .product(name: "OAuthCore", package: harness), .product(name: "MockProviders", package: harness),
                .product(name: "Harness", package: harness),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
    ]
)
