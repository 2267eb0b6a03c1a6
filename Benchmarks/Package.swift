// swift-tools-version:6.1
// The benchmark suite: a package of its own, so the main package's default build (and
// `swift test`) never compiles ordo-one/benchmark. Run from this folder:
//   swift package --allow-writing-to-package-directory benchmark
// or `bash Benchmarks/compare.sh` from the repository for the side-by-side with the Python reference.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, so the harness package's identity is the
// name of the folder this repository was cloned into.
let harness = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "OAuthHarnessBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-crypto", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64", from: "1.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "OAuthBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "OAuthCore", package: harness),
                .product(name: "OAuth1", package: harness),
                .product(name: "OAuth2", package: harness),
                .product(name: "OpenIDConnect", package: harness),
                .product(name: "MockProviders", package: harness),
                .product(name: "Harness", package: harness),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ],
            path: "Benchmarks/OAuthBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Authorization-code flows per second on the executor the CLI installs (NIO's event
        // loops), beside their floor: loopback round trips to a Hummingbird hello-world server
        // through the same client.
        .executableTarget(
            name: "FlowThroughput",
            dependencies: [
                .product(name: "OAuthCore", package: harness),
                .product(name: "OAuth2", package: harness),
                .product(name: "MockProviders", package: harness),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tools/FlowThroughput"
        ),
        // The framework ceiling for wrk: a Hummingbird hello-world endpoint configured and run
        // like `oauth-harness serve`.
        .executableTarget(
            name: "HelloCeiling",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/HelloCeiling"
        ),
    ]
)
