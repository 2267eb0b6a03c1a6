// swift-tools-version:6.1
// libFuzzer target for the scenario and profile loaders, which need Yams: built by SwiftPM with
// `swift build --sanitize=fuzzer --sanitize=address` (Fuzz/run.sh does it), never by the main
// package's build or CI.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder: the folder this repository was cloned into.
let harness = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "FuzzLoader",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "FuzzLoader",
            dependencies: [
                .product(name: "Harness", package: harness),
                .product(name: "MockProviders", package: harness),
                .product(name: "HarnessFiles", package: harness),
            ]
        )
    ]
)
