import Foundation
import HarnessFiles
import MockProviders
import OAuthCore

/// What `oauth-harness run` does, as a library call: find scenario files, load them,
/// run the selected ones in parallel, write the JUnit file, and choose the exit code.
package struct HarnessRun: Sendable {
    package var paths: [String] = ["Scenarios"]
    package var junitPath = "reports/junit.xml"
    package var profilesDirectory = "MockProviders"
    package var filter: String?
    package var jobs = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// `(k, n)`: run the k-th of n shards (1-based).
    package var shard: (index: Int, count: Int)?
    package var environment = ProcessInfo.processInfo.environment

    package init() {}

    /// Exit codes of the CLI contract.
    package enum ExitCode: Int32, Sendable {
        case passed = 0
        case failed = 1
        case invalid = 2
    }

    package struct Summary: Sendable {
        package var results: [ScenarioResult]
        package var invalid: [YAMLLocatedError]
        package var exitCode: ExitCode

        package var line: String {
            var passed = 0
            var failed = 0
            var skipped = 0
            for result in results {
                switch result.outcome {
                case .passed: passed += 1
                case .failed, .error: failed += 1
                case .skipped: skipped += 1
                }
            }
            return "\(passed) passed, \(failed) failed, \(skipped) skipped"
        }
    }

    /// A scenario file and its JUnit folder.
    package struct Found: Sendable, Equatable {
        package var path: String
        package var folder: String
    }

    /// Scenario files under `paths`, sorted, each with its folder name relative to the root given.
    package static func discover(_ paths: [String]) throws(YAMLLocatedError) -> [Found] {
        var found: [Found] = []
        let manager = FileManager.default
        for root in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: root, isDirectory: &isDirectory) else {
                throw YAMLLocatedError(file: root, line: 1, column: 1, message: "no such file or folder")
            }
            if !isDirectory.boolValue {
                let parent = (root as NSString).deletingLastPathComponent
                found.append(Found(path: root, folder: parent.isEmpty ? "." : (parent as NSString).lastPathComponent))
                continue
            }
            let rootName = (root as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? root
            let files = (manager.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .filter { !$0.split(separator: "/").contains { $0.hasPrefix(".") } }
                .sorted()
            for relative in files {
                let folder = (relative as NSString).deletingLastPathComponent
                found.append(Found(path: (root as NSString).appendingPathComponent(relative), folder: folder.isEmpty ? rootName : folder))
            }
        }
        return found
    }

    /// The JUnit file, `summary.md` beside it and, when evil-mode scenarios ran, `conformance.md`.
    func writeReports(_ results: [ScenarioResult]) throws {
        try JUnitWriter.write(results, to: junitPath)
        let folder = (junitPath as NSString).deletingLastPathComponent
        try Data(SummaryReport.markdown(results, junitPath: junitPath).utf8)
            .write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("summary.md")), options: .atomic)
        if results.contains(where: { $0.relyingParty != nil }) {
            let path = (folder as NSString).appendingPathComponent("conformance.md")
            try Data(RelyingPartyReport.markdown(results).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    /// Runs everything. `transport` replaces the HTTP client (tests wrap it to watch the wire);
    /// by default a fresh AsyncHTTPClient transport is made and shut down.
    package func execute(transport given: (any HTTPTransport)? = nil, log: @Sendable (String) -> Void = { _ in }) async -> Summary {
        var invalid: [YAMLLocatedError] = []
        var results: [ScenarioResult] = []
        let catalog: ProviderCatalog
        do {
            catalog = try ProviderCatalog.load(directory: profilesDirectory)
            for name in catalog.overrides { log("note: the profile \(name) in \(profilesDirectory) replaces the built-in one") }
        } catch {
            invalid.append(error)
            catalog = ProviderCatalog(profiles: [])
        }
        var scenarios: [Scenario] = []
        var found: [Found] = []
        do {
            found = try Self.discover(paths)
        } catch {
            invalid.append(error)
        }
        for (file, loaded) in zip(found, await Self.load(found, catalog: catalog, environment: environment)) {
            switch loaded {
            case .success(let scenario):
                scenarios.append(scenario)
            case .failure(let error):
                invalid.append(error)
                results.append(
                    ScenarioResult(
                        name: (file.path as NSString).lastPathComponent,
                        folder: file.folder,
                        file: file.path,
                        outcome: .error(message: error.description),
                        seconds: 0,
                        notes: [],
                        transcript: ""
                    )
                )
            }
        }
        scenarios = select(scenarios)
        for error in invalid { log("error: \(error)") }

        let owned = given == nil ? AsyncHTTPClientTransport() : nil
        let runner = ScenarioRunner(catalog: catalog, transport: given ?? owned!)
        // Nothing lost: the JUnit file is rewritten (atomically) as scenarios finish, so a run that
        // is killed or crashes still leaves a valid report of what finished.
        let invalidResults = results
        let junitPath = self.junitPath
        // Each rewrite costs time in proportion to the results so far; the next waits at least
        // twenty times as long as the last took (and `progressInterval`), so a large run spends
        // a twentieth of its time on them at most instead of rewriting after every scenario.
        var nextWrite = ContinuousClock.now
        let ran = await Self.runAll(scenarios, runner: runner, jobs: jobs, log: log) { finished in
            let started = ContinuousClock.now
            guard started >= nextWrite else { return }
            try? JUnitWriter.write(invalidResults + finished(), to: junitPath)
            let cost = ContinuousClock.now - started
            nextWrite = ContinuousClock.now + max(Self.progressInterval, cost * 20)
        }
        try? await owned?.shutdown()
        // Report in path order, invalid files in their place among the others.
        let order = Dictionary(found.enumerated().map { ($0.element.path, $0.offset) }, uniquingKeysWith: { first, _ in first })
        results = (results + ran).enumerated().sorted {
            (order[$0.element.file] ?? Int.max, $0.offset) < (order[$1.element.file] ?? Int.max, $1.offset)
        }.map(\.element)

        var code: ExitCode = .passed
        if results.contains(where: { if case .failed = $0.outcome { true } else if case .error = $0.outcome { true } else { false } }) {
            code = .failed
        }
        if !invalid.isEmpty { code = .invalid }
        var summary = Summary(results: results, invalid: invalid, exitCode: code)
        do {
            try writeReports(results)
        } catch {
            log("error: cannot write the reports next to \(junitPath): \(error)")
            summary.exitCode = .invalid
        }
        return summary
    }

    /// Loads the scenario files on every core (a large suite spends a tenth of its run parsing
    /// YAML, which would otherwise happen on one core before the first scenario starts); the
    /// results come back in the order of `found`.
    static func load(
        _ found: [Found],
        catalog: ProviderCatalog,
        environment: [String: String]
    ) async -> [Result<Scenario, YAMLLocatedError>] {
        @Sendable func loadOne(_ file: Found) -> Result<Scenario, YAMLLocatedError> {
            Result { () throws(YAMLLocatedError) -> Scenario in
                try ScenarioLoader.load(contentsOf: file.path, folder: file.folder, catalog: catalog, environment: environment)
            }
        }
        // Files are cheap to load one by one: a worker only pays off with a few dozen of them.
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, found.count / 32)
        guard workers > 1 else { return found.map(loadOne) }
        return await withTaskGroup(of: (Int, [Result<Scenario, YAMLLocatedError>]).self) { group in
            // Worker w loads files w, w + workers, w + 2 × workers …
            for worker in 0..<workers {
                group.addTask { (worker, stride(from: worker, to: found.count, by: workers).map { loadOne(found[$0]) }) }
            }
            var byWorker = [[Result<Scenario, YAMLLocatedError>]](repeating: [], count: workers)
            for await (worker, loaded) in group { byWorker[worker] = loaded }
            return found.indices.map { byWorker[$0 % workers][$0 / workers] }
        }
    }

    /// Applies `--filter` (case-insensitive, against "folder/name" and the file path) and `--shard`.
    func select(_ scenarios: [Scenario]) -> [Scenario] {
        var selected = scenarios
        if let filter, !filter.isEmpty {
            selected = selected.filter {
                "\($0.folder)/\($0.name)".localizedCaseInsensitiveContains(filter) || $0.file.localizedCaseInsensitiveContains(filter)
            }
        }
        if let shard {
            selected = selected.enumerated().filter { $0.offset % shard.count == shard.index - 1 }.map(\.element)
        }
        return selected
    }

    /// Runs at most `jobs` scenarios at a time; results come back in input order.
    /// How often, at most, the JUnit file is rewritten while scenarios finish.
    static let progressInterval: Duration = .milliseconds(100)

    static func runAll(
        _ scenarios: [Scenario],
        runner: ScenarioRunner,
        jobs: Int,
        log: @Sendable (String) -> Void,
        progress: (() -> [ScenarioResult]) -> Void = { _ in }
    ) async -> [ScenarioResult] {
        var results = [ScenarioResult?](repeating: nil, count: scenarios.count)
        await withTaskGroup(of: (Int, ScenarioResult).self) { group in
            var next = 0
            func launch() {
                let index = next
                next += 1
                group.addTask { (index, await runner.run(scenarios[index])) }
            }
            while next < min(max(jobs, 1), scenarios.count) { launch() }
            for await (index, result) in group {
                results[index] = result
                // The next scenario starts before anything is written: both jobs stay busy.
                if next < scenarios.count { launch() }
                log(Self.describe(result))
                progress { results.compactMap { $0 } }
            }
        }
        return results.compactMap { $0 }
    }

    package static func describe(_ result: ScenarioResult) -> String {
        let where_ = "\(result.folder)/\(result.name)"
        let time = String(format: "%.3fs", result.seconds)
        switch result.outcome {
        case .passed:
            return "PASS \(where_) (\(time))"
        case .failed(let step, let message):
            return "FAIL \(where_) (\(time)) — \(step): \(message)"
        case .skipped(let reason):
            return "SKIP \(where_) — \(reason)"
        case .error(let message):
            return "ERROR \(where_) — \(message)"
        }
    }
}

extension HarnessRun {
    package struct Validation: Sendable {
        package var scenarios = 0
        package var profiles = 0
        package var errors: [YAMLLocatedError] = []
    }

    /// Loads every profile and scenario and collects all errors (not only the first).
    package static func validate(paths: [String], profilesDirectory: String) -> Validation {
        var validation = Validation()
        let (loaded, profileErrors) = ProviderCatalog.loadAll(directory: profilesDirectory)
        validation.errors += profileErrors
        // The folder's own profiles (the built-in ones are checked when they are compiled in).
        validation.profiles = loaded.profiles.values.filter { BuiltIn.path(of: $0.file) == nil }.count
        // With a bad profile, scenarios naming it would fail for that reason alone: check them without the catalog.
        let catalog: ProviderCatalog? = profileErrors.isEmpty ? loaded : nil
        do {
            for file in try discover(paths) {
                do {
                    _ = try ScenarioLoader.load(contentsOf: file.path, folder: file.folder, catalog: catalog)
                    validation.scenarios += 1
                } catch {
                    validation.errors.append(error)
                }
            }
        } catch {
            validation.errors.append(error)
        }
        return validation
    }

    /// `profile <name> <file> — <models>` and `scenario <folder>/<name> <file>` lines.
    package static func listing(paths: [String], profilesDirectory: String) throws -> [String] {
        let catalog = try ProviderCatalog.load(directory: profilesDirectory)
        var lines = catalog.names.compactMap { name in catalog[name].map { "profile \(name) \($0.file) — \($0.models)" } }
        // Outside a project (no Scenarios/ here), the default lists the profiles alone.
        let scenarios = paths == ["Scenarios"] && !FileManager.default.fileExists(atPath: "Scenarios") ? [] : paths
        for file in try discover(scenarios) {
            let scenario = try ScenarioLoader.load(contentsOf: file.path, folder: file.folder, catalog: catalog)
            lines.append("scenario \(scenario.folder)/\(scenario.name) \(file.path)")
        }
        return lines
    }
}
