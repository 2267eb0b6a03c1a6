import Foundation
import PackagePlugin

/// Embeds the built-in provider profiles (MockProviders/*.yaml), their key fixtures
/// (MockProviders/keys/*.pem) and the conformance plans (Plans/*/plan.yaml) in the module it is
/// applied to, so the product finds them from any working directory and as a lone binary.
@main
struct EmbedBuiltIns: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let root = context.package.directoryURL
        let manager = FileManager.default
        func files(_ folder: String, _ keep: (String) -> Bool) -> [String] {
            let names = (try? manager.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
            return names.filter(keep).sorted().map { folder + "/" + $0 }
        }
        var relatives = files("MockProviders") { $0.hasSuffix(".yaml") } + files("MockProviders/keys") { $0.hasSuffix(".pem") }
        for plan in files("Plans", { !$0.hasPrefix(".") }) where manager.fileExists(atPath: root.appendingPathComponent(plan + "/plan.yaml").path) {
            relatives.append(plan + "/plan.yaml")
        }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuiltInFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(relatives.count) built-in profiles, key fixtures and plans",
                executable: try context.tool(named: "embed-built-ins").url,
                arguments: [output.path, root.path] + relatives,
                inputFiles: relatives.map { root.appendingPathComponent($0) },
                outputFiles: [output]
            )
        ]
    }
}
