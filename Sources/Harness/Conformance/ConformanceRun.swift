import Foundation
import HarnessFiles
import MockProviders
import OAuth2
import OAuthCore

/// One check's outcome, ready for the reports (all text redacted).
package struct CheckResult: Sendable {
    package var plan: String
    package var check: ConformancePlan.Check
    package var verdict: CheckVerdict
    package var seconds: Double
    package var transcript: String
    /// The detected quirk that explains a failure (one cause for every check it breaks).
    package var cause: Quirk? = nil
    /// Quirks that would explain the failure, if the run detected one of them.
    var suspects: [Quirk] = []
    /// The check's place in the plans' order.
    var index = 0
}

/// What `oauth-harness check` does, as a library call: load the provider file and the plans,
/// run every selected check against the provider in order, write the JUnit file and
/// `conformance-<provider>.md`, and choose the exit code (0 no check failed, 1 some did,
/// 2 bad input).
package struct ConformanceRun: Sendable {
    package var providerFile: String
    package var plans: [String] = []
    package var plansDirectory = "Plans"
    package var junitPath: String?
    package var reportDirectory = "reports"
    package var filter: String?
    /// `--write-profile NAME`: a mock profile reproducing the provider's quirks.
    package var writeProfile: String?
    package var profilesDirectory = "MockProviders"
    package var environment = ProcessInfo.processInfo.environment
    /// `--mock NAME`: serve this built-in profile on a loopback port and check it by URL.
    package var mock: String?
    /// A provider given directly (tests), instead of the file.
    package var provider: ProviderFile?
    /// How long one check may take (plus the provider file's code_reuse_wait): a provider that
    /// answers slowly or never cannot hold the run for longer than checks × this.
    package var checkTimeout: Duration = .seconds(120)
    /// `--baseline FILE`: the run passes exactly when the failed checks are the file's.
    package var baseline: String?
    /// `--baseline-warnings`: warned checks are compared (and written) too.
    package var baselineWarnings = false
    /// `--write-baseline FILE`: the failed (and warned) checks written as a baseline to edit.
    package var writeBaseline: String?
    /// `--jobs N`: how many checks run at once (1: one after another, in the plans' order).
    package var jobs = 1
    /// `--against PROFILE`: the profile (a name in the profiles folder or built in, or a YAML
    /// file) served as a mock and checked by the same plans; every difference of what it plays
    /// from what the provider does is drift, and drift is what the exit code says.
    package var against: String?
    /// Changes a served profile before it starts (tests: a shorter device interval).
    package var adjustProfile: @Sendable (inout ProviderProfile) -> Void = { _ in }

    package init(providerFile: String) { self.providerFile = providerFile }

    package struct Outcome: Sendable {
        package var provider: String
        package var results: [CheckResult]
        package var quirks: [DetectedQuirk]
        package var invalid: [String]
        package var exitCode: HarnessRun.ExitCode
        package var junitPath: String
        package var reportPath: String
        package var profilePath: String?
        /// With `--baseline`: the run against the listed checks.
        package var baseline: ConformanceBaseline.Comparison?
        /// What the run saw the provider do, once it resolved.
        var traits: ProviderTraits?
        /// With `--against`: every difference of the profile from the provider (empty: none).
        package var drift: [ProviderTraits.Difference]?
        /// With `--against`: what was not compared, and why.
        package var driftNotes: [String] = []

        package var line: String {
            let counts = Dictionary(grouping: results, by: { $0.verdict.name }).mapValues(\.count)
            let labels = [("pass", "passed"), ("fail", "failed"), ("warning", "warnings"), ("skipped", "skipped")]
            var parts = labels.map { "\(counts[$0.0] ?? 0) \($0.1)" }
            let failed = results.filter { $0.verdict.name == "fail" }
            if failed.contains(where: { $0.cause != nil }) {
                let causes = rootCauses
                parts[1] +=
                    " from \(causes.count) root cause\(causes.count == 1 ? "" : "s") ("
                    + causes.compactMap { cause in cause.quirk.map { "\($0.rawValue) explains \(cause.checks.count)" } }.joined(separator: ", ")
                    + ")"
            }
            return parts.joined(separator: ", ")
        }

        /// The failures grouped by cause: each quirk that explains failures, with them, then
        /// every failure no quirk explains as a cause of its own.
        package var rootCauses: [(quirk: Quirk?, checks: [CheckResult])] {
            let failed = results.filter { $0.verdict.name == "fail" }
            var groups: [(quirk: Quirk?, checks: [CheckResult])] = []
            for result in failed {
                if let quirk = result.cause, let index = groups.firstIndex(where: { $0.quirk == quirk }) {
                    groups[index].checks.append(result)
                } else {
                    groups.append((result.cause, [result]))
                }
            }
            return groups
        }
    }

    /// The plans that apply to `provider` (or those named), or an error for an unknown name.
    static func select(_ all: [ConformancePlan], named: [String], for provider: ProviderFile) throws(CheckFailure) -> [ConformancePlan] {
        if !named.isEmpty {
            return try named.map { name throws(CheckFailure) in
                guard let plan = all.first(where: { $0.name == name }) else {
                    throw CheckFailure(reason: "unknown plan \"\(name)\"; expected one of: \(all.map(\.name).joined(separator: ", "))")
                }
                return plan
            }
        }
        return all.filter { plan in
            plan.protocolKind.covers(provider.protocolKind)
        }
    }

    package func execute(transport given: (any HTTPTransport)? = nil, log: @Sendable (String) -> Void = { _ in }) async -> Outcome {
        var outcome = Outcome(
            provider: (providerFile as NSString).deletingPathExtension.split(separator: "/").last.map(String.init) ?? "provider",
            results: [],
            quirks: [],
            invalid: [],
            exitCode: .passed,
            junitPath: junitPath ?? "",
            reportPath: ""
        )
        let provider: ProviderFile
        let plans: [ConformancePlan]
        let served: RunningProvider?
        switch await inputs() {
        case .success(let inputs): (provider, plans, served) = inputs
        case .failure(let problem):
            outcome.invalid.append(problem.reason)
            outcome.exitCode = .invalid
            return outcome
        }
        outcome.provider = provider.name
        outcome.junitPath = junitPath ?? (reportDirectory as NSString).appendingPathComponent("conformance-\(provider.name).xml")
        outcome.reportPath = (reportDirectory as NSString).appendingPathComponent("conformance-\(provider.name).md")
        var listed: ConformanceBaseline?
        if let file = baseline {
            do throws(CheckFailure) {
                guard let data = FileManager.default.contents(atPath: file) else { throw CheckFailure(reason: "\(file): cannot read the baseline") }
                listed = try ConformanceBaseline.parse(String(decoding: data, as: UTF8.self), file: file)
            } catch {
                await served?.stop()
                outcome.invalid.append(error.reason)
                outcome.exitCode = .invalid
                return outcome
            }
        }
        let selected = plans.map { plan in
            (plan, plan.checks.filter { check in filter.map { "\(plan.name)/\(check.id.rawValue)".localizedCaseInsensitiveContains($0) } ?? true })
        }
        let owned = given == nil ? AsyncHTTPClientTransport() : nil
        let findings = RunFindings(
            secrets: provider.clients.compactMap(\.clientSecret) + [provider.user?.password, provider.registrationToken].compactMap { $0 }
        )
        let resolved = await runChecks(selected, of: provider, over: given ?? owned!, findings: findings, into: &outcome, log: log)
        try? await owned?.shutdown()
        await served?.stop()
        if case .success(let target)? = resolved { outcome.traits = ProviderTraits(file: provider, endpoints: target, findings: findings) }
        Self.attributeCauses(&outcome.results, detected: findings.quirks.map(\.quirk))
        // A later check may have learned a secret an earlier verdict or transcript shows.
        for index in outcome.results.indices {
            outcome.results[index].verdict = Self.redacted(outcome.results[index].verdict, findings.redactor)
            outcome.results[index].transcript = findings.redactor.replaceSecrets(in: outcome.results[index].transcript)
        }
        outcome.quirks = findings.quirks
        if outcome.results.contains(where: { if case .fail = $0.verdict { true } else { false } }) { outcome.exitCode = .failed }
        if let listed {
            let comparison = listed.compare(outcome.results, warnings: baselineWarnings)
            outcome.baseline = comparison
            outcome.exitCode = comparison.matches ? .passed : .failed
        }
        if let against {
            // The question is drift: failed checks count only against a baseline.
            if listed == nil { outcome.exitCode = .passed }
            switch await drift(against: against, provider: outcome.traits, log: log) {
            case .success(let (differences, notes)):
                outcome.drift = differences.map { difference in
                    var difference = difference
                    (difference.subject, difference.provider) = (
                        findings.redactor.redact(difference.subject), findings.redactor.redact(difference.provider)
                    )
                    return difference
                }
                outcome.driftNotes = notes.map(findings.redactor.redact)
                if !differences.isEmpty { outcome.exitCode = .failed }
            case .failure(let problem):
                outcome.invalid.append(problem.reason)
                outcome.exitCode = .invalid
            }
        }
        do {
            if let file = writeBaseline {
                try ConformanceBaseline.render(outcome.results, warnings: baselineWarnings, provider: provider.name)
                    .write(toFile: file, atomically: true, encoding: .utf8)
            }
            try writeReports(
                outcome,
                plans: plans,
                source: (mock.map { "--mock \($0)" } ?? (self.provider != nil ? provider.file : providerFile))
                    + (against.map { " --against \($0)" } ?? "")
            )
            if let name = writeProfile, case .success(let target)? = resolved {
                outcome.profilePath = try writeProfile(name, of: provider, at: target, findings: findings)
            }
        } catch {
            outcome.invalid.append("cannot write the reports: \(error)")
            outcome.exitCode = .invalid
        }
        return outcome
    }

    /// `--against`: the profile served as a mock and checked by the same plans (reports in a
    /// folder of their own), and the differences of what it plays from what the provider did.
    func drift(
        against name: String,
        provider: ProviderTraits?,
        log: @Sendable (String) -> Void
    ) async -> Result<([ProviderTraits.Difference], [String]), CheckFailure> {
        guard let provider else {
            return .failure(CheckFailure(reason: "--against \(name): the provider could not be resolved, so there is nothing to compare"))
        }
        var mockRun = ConformanceRun(providerFile: "")
        mockRun.mock = name
        mockRun.profilesDirectory = profilesDirectory
        mockRun.plans = plans
        mockRun.plansDirectory = plansDirectory
        mockRun.filter = filter
        // The mock is the harness's own, on loopback: its checks run at once even when the
        // provider's must not (django-oauth-toolkit's SQLite).
        mockRun.jobs = max(jobs, 4)
        mockRun.checkTimeout = checkTimeout
        mockRun.reportDirectory = (reportDirectory as NSString).appendingPathComponent("against")
        mockRun.adjustProfile = adjustProfile
        let played = await mockRun.execute { line in log("profile: " + line) }
        if let problem = played.invalid.first { return .failure(CheckFailure(reason: "--against \(name): \(problem)")) }
        guard let profile = played.traits else {
            return .failure(CheckFailure(reason: "--against \(name): the profile's mock could not be resolved"))
        }
        return .success(
            (ProviderTraits.drift(provider: provider, profile: profile), ProviderTraits.notCompared(provider: provider, profile: profile))
        )
    }

    /// The provider (from the file, the flags, or a served mock) and the plans that apply, or
    /// the reason there are none.
    func inputs() async -> Result<(ProviderFile, [ConformancePlan], RunningProvider?), CheckFailure> {
        var served: RunningProvider?
        do {
            let provider: ProviderFile
            if let given = self.provider {
                provider = given
            } else if let mock {
                var profile: ProviderProfile
                if mock.hasSuffix(".yaml") || mock.hasSuffix(".yml") {
                    profile = try ProviderProfile.load(contentsOf: mock)
                } else {
                    guard let named = try ProviderCatalog.load(directory: profilesDirectory)[mock] else {
                        throw CheckFailure(reason: "unknown profile \"\(mock)\" in \(profilesDirectory)")
                    }
                    profile = named
                }
                adjustProfile(&profile)
                let running = try await MockProviderServer.start(profile)
                served = running
                provider = ProviderFile(mock: profile, baseURL: running.baseURL)
            } else {
                provider = try ProviderFile.load(contentsOf: providerFile, environment: environment)
            }
            let plans = try Self.select(try ConformancePlan.loadAll(directory: plansDirectory), named: self.plans, for: provider)
            return .success((provider, plans, served))
        } catch let error as YAMLLocatedError {
            await served?.stop()
            return .failure(CheckFailure(reason: error.description))
        } catch {
            await served?.stop()
            return .failure((error as? CheckFailure) ?? CheckFailure(reason: "\(error)"))
        }
    }

    /// A selected check and its place in the plans' order.
    struct Scheduled: Sendable {
        var index: Int
        var plan: String
        var check: ConformancePlan.Check
        /// The plan's `response_mode`.
        var responseMode: String? = nil
        /// The plan signs in with dynamically registered clients.
        var dynamicClient = false
    }

    /// Checks that run after all others with `--jobs`: RP-initiated logout may end every session
    /// of the test user (other checks' browsers too), and the quirk summary reads what all
    /// other checks found.
    static func runsLast(_ id: CheckID) -> Bool {
        id.rawValue.hasPrefix("oidcc-rp-initiated-logout") || id == .backchannelRPInitiatedLogout || id == .frontchannelRPInitiatedLogout
            || id == .tokenEndpointQuirks
            || id == .oidccServerRotateKeys
    }

    /// Roughly how long a check waits on purpose (seconds), so that `--jobs` starts the longest
    /// first and the plan's wall time approaches its longest wait.
    static func expectedWait(_ id: CheckID, _ provider: ProviderFile) -> Int {
        switch id {
        case .oidccCodeReuse30Seconds: Int(provider.codeReuseWait)
        case .deviceCodeExpires: 30
        case .deviceGrant, .deviceCodeSingleUse: 10
        case .oidccRefreshTokenRPKeyRotation: Int(provider.jwksRefreshWait)
        default: 0
        }
    }

    /// Runs every selected check, each with its own transcript and browser, and appends the
    /// results in the plans' order; returns how the provider resolved (once, by the first check).
    /// With `jobs` > 1 the first check runs alone, then up to `jobs` at once (the longest waits
    /// first), then those of ``runsLast(_:)`` one after another.
    func runChecks(
        _ selected: [(ConformancePlan, [ConformancePlan.Check])],
        of provider: ProviderFile,
        over base: any HTTPTransport,
        findings: RunFindings,
        into outcome: inout Outcome,
        log: @Sendable (String) -> Void
    ) async -> Result<ProviderEndpoints, CheckFailure>? {
        let unresolved: CheckVerdict? =
            if !provider.missingVariables.isEmpty {
                .skipped("no value for \(Array(Set(provider.missingVariables)).sorted().joined(separator: ", "))")
            } else if provider.clients.isEmpty {
                // A mock whose clients all authenticate with keys (fapi2-style: private_key_jwt only).
                .skipped("no client the checks can authenticate as (client_secret_basic, client_secret_post or none)")
            } else {
                nil
            }
        let scheduled = selected.flatMap { plan, checks in checks.map { (plan, $0) } }.enumerated().map {
            Scheduled(
                index: $0.offset,
                plan: $0.element.0.name,
                check: $0.element.1,
                responseMode: $0.element.0.responseMode,
                dynamicClient: $0.element.0.dynamicClient
            )
        }
        guard var first = scheduled.first else { return nil }
        if jobs > 1, let quick = scheduled.first(where: { Self.expectedWait($0.check.id, provider) == 0 && !Self.runsLast($0.check.id) }) {
            first = quick
        }
        var results = [CheckResult?](repeating: nil, count: scheduled.count)
        // Resolved once, by the first check (with --jobs, the first that does not wait on
        // purpose): the provider, or the verdict every check gets instead.
        let (opening, resolved) = await runCheck(first, of: provider, over: base, findings: findings, resolved: nil, unresolved: unresolved)
        results[first.index] = opening
        log(Self.describe(opening))
        let rest = scheduled.filter { $0.index != first.index }
        if jobs <= 1 {
            for item in rest {
                let result = await runCheck(item, of: provider, over: base, findings: findings, resolved: resolved, unresolved: unresolved).0
                results[item.index] = result
                log(Self.describe(result))
            }
        } else {
            let together = rest.filter { !Self.runsLast($0.check.id) }.sorted {
                (Self.expectedWait($0.check.id, provider), -$0.index) > (Self.expectedWait($1.check.id, provider), -$1.index)
            }
            await withTaskGroup(of: CheckResult.self) { group in
                var pending = together.makeIterator()
                func start(_ item: Scheduled) {
                    group.addTask {
                        await runCheck(item, of: provider, over: base, findings: findings, resolved: resolved, unresolved: unresolved).0
                    }
                }
                for _ in 0..<jobs { if let item = pending.next() { start(item) } }
                for await result in group {
                    results[result.index] = result
                    log(Self.describe(result))
                    if let item = pending.next() { start(item) }
                }
            }
            for item in rest where Self.runsLast(item.check.id) {
                let result = await runCheck(item, of: provider, over: base, findings: findings, resolved: resolved, unresolved: unresolved).0
                results[item.index] = result
                log(Self.describe(result))
            }
        }
        outcome.results += results.compactMap { $0 }
        return resolved
    }

    /// One check with its own transcript: resolves the provider first when nothing has yet.
    func runCheck(
        _ item: Scheduled,
        of provider: ProviderFile,
        over base: any HTTPTransport,
        findings: RunFindings,
        resolved given: Result<ProviderEndpoints, CheckFailure>?,
        unresolved: CheckVerdict?
    ) async -> (CheckResult, Result<ProviderEndpoints, CheckFailure>?) {
        let started = ContinuousClock.now
        let transcript = Transcript(redactor: findings.redactor.copy())
        let transport = RecordingTransport(base: base, transcript: transcript, timeout: .seconds(15))
        var resolved = given
        var verdict: CheckVerdict
        var cause: Quirk?
        var suspects: [Quirk] = []
        if resolved == nil, unresolved == nil {
            transport.setStep("discovery")
            do { resolved = .success(try await Self.resolve(provider, transport: transport)) } catch { resolved = .failure(error) }
        }
        switch resolved {
        case .success(let target)?:
            var context = ProbeContext(file: provider, endpoints: target, transport: transport, findings: findings)
            context.responseMode = item.responseMode
            context.dynamicClient = item.dynamicClient
            // Discovery §3: without response_modes_supported, query and fragment only.
            let modes = target.advertised("response_modes_supported") ?? ["query", "fragment"]
            if let mode = item.responseMode, !modes.contains(mode) {
                verdict = .skipped("response_modes_supported does not list \(mode) (\(modes.joined(separator: ", ")))")
            } else {
                verdict = await Self.probe(
                    item.check,
                    context,
                    within: checkTimeout + .seconds(provider.codeReuseWait)
                        + .seconds(item.check.id == .oidccRefreshTokenRPKeyRotation ? provider.jwksRefreshWait : 0)
                )
            }
            if verdict.name != "pass" { (cause, suspects) = (context.cause.recorded?.quirk, context.cause.suspects) }
        case .failure(let failure)?: verdict = .fail(failure.reason)
        case nil: verdict = unresolved ?? .fail("the provider could not be resolved")
        }
        verdict = Self.redacted(verdict, transcript.redactor)
        findings.redactor.absorb(transcript.redactor)
        let elapsed = ContinuousClock.now - started
        let result = CheckResult(
            plan: item.plan,
            check: item.check,
            verdict: verdict,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            transcript: transcript.text,
            cause: cause,
            suspects: suspects,
            index: item.index
        )
        return (result, resolved)
    }

    /// Names the cause of each failure one of its suspected quirks explains, now that the run
    /// knows every quirk it detected (whichever check saw it, in whatever order).
    static func attributeCauses(_ results: inout [CheckResult], detected: [Quirk]) {
        for index in results.indices where results[index].cause == nil {
            guard case .fail(let reason) = results[index].verdict, let quirk = results[index].suspects.first(where: detected.contains) else {
                continue
            }
            results[index].cause = quirk
            results[index].verdict = .fail(reason + " — cause: quirk \(quirk.rawValue)")
        }
    }

    /// The JUnit file and `conformance-<provider>.md`.
    func writeReports(_ outcome: Outcome, plans: [ConformancePlan], source: String) throws {
        try JUnitWriter.write(outcome.results.map(Self.scenarioResult) + Self.driftResults(outcome, against: against), to: outcome.junitPath)
        try FileManager.default.createDirectory(atPath: reportDirectory, withIntermediateDirectories: true)
        try Data(ConformanceMarkdown.report(outcome, plans: plans, source: source).utf8)
            .write(to: URL(fileURLWithPath: outcome.reportPath), options: .atomic)
    }

    /// `--write-profile NAME`: the profile written to the profiles folder; its path.
    func writeProfile(_ name: String, of file: ProviderFile, at endpoints: ProviderEndpoints, findings: RunFindings) throws -> String {
        let path = (profilesDirectory as NSString).appendingPathComponent(name + ".yaml")
        try FileManager.default.createDirectory(atPath: profilesDirectory, withIntermediateDirectories: true)
        try Data(ProfileWriter.yaml(name: name, file: file, endpoints: endpoints, findings: findings).utf8).write(
            to: URL(fileURLWithPath: path),
            options: .atomic
        )
        return path
    }

    /// Runs one check's probe, bounded in time: past `limit` it is cancelled and fails.
    static func probe(_ check: ConformancePlan.Check, _ context: ProbeContext, within limit: Duration) async -> CheckVerdict {
        await withTaskGroup(of: CheckVerdict?.self) { group in
            group.addTask {
                var context = context
                do {
                    return try await context.probe(check.id).softened(check.level)
                } catch {
                    return CheckVerdict.fail((error as? CheckFailure)?.reason ?? "\(error)").softened(check.level)
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            guard let first else {
                let seconds = limit.components.seconds
                return CheckVerdict.fail("the check did not finish within \(seconds) s (the provider answers too slowly or not at all)")
                    .softened(check.level)
            }
            return first
        }
    }

    static func redacted(_ verdict: CheckVerdict, _ redactor: Redactor) -> CheckVerdict {
        switch verdict {
        case .pass(let text): .pass(redactor.redact(text))
        case .fail(let text): .fail(redactor.redact(text))
        case .warning(let text): .warning(redactor.redact(text))
        case .skipped(let text): .skipped(redactor.redact(text))
        }
    }

    package static func describe(_ result: CheckResult) -> String {
        let label = ["pass": "PASS", "fail": "FAIL", "warning": "WARN", "skipped": "SKIP"][result.verdict.name]!
        return "\(label) \(result.plan)/\(result.check.id.rawValue) — \(result.verdict.reason)"
    }

    /// A check as a JUnit test case: suite = plan, name = check id; a warning passes and says so.
    static func scenarioResult(_ result: CheckResult) -> ScenarioResult {
        let outcome: ScenarioResult.Outcome
        switch result.verdict {
        case .pass, .warning: outcome = .passed
        case .fail(let reason): outcome = .failed(step: result.check.id.rawValue, message: reason)
        case .skipped(let reason): outcome = .skipped(reason: reason)
        }
        return ScenarioResult(
            name: result.check.id.rawValue,
            folder: result.plan,
            file: result.check.section,
            outcome: outcome,
            seconds: result.seconds,
            notes: [
                "check: \(result.check.title)", "section: \(result.check.section)", "verdict: \(result.verdict.name) — \(result.verdict.reason)",
            ],
            transcript: result.transcript
        )
    }

    /// `--against`: one JUnit test case per dimension (suite `drift`), failed with every
    /// difference in it.
    static func driftResults(_ outcome: Outcome, against: String?) -> [ScenarioResult] {
        guard let drift = outcome.drift, let against else { return [] }
        return ProviderTraits.dimensions.map { dimension in
            let found = drift.filter { $0.dimension == dimension }
            return ScenarioResult(
                name: dimension,
                folder: "drift",
                file: against,
                outcome: found.isEmpty
                    ? .passed : .failed(step: dimension, message: found.map(\.detail).joined(separator: "\n")),
                seconds: 0,
                notes: ["drift of \(dimension) against the profile \(against)"] + outcome.driftNotes.filter { $0.hasPrefix(dimension) },
                transcript: ""
            )
        }
    }

    // MARK: Endpoints and metadata

    /// The provider's endpoints: its metadata document (named, or found at the RFC 8414 and
    /// OpenID Connect Discovery locations of its URL), then the file's paths on top.
    static func resolve(_ provider: ProviderFile, transport: RecordingTransport) async throws(CheckFailure) -> ProviderEndpoints {
        let spec = provider.spec
        var metadata: [String: JSONValue]?
        var metadataURL: String?
        var candidates: [String] = []
        if let discovery = spec.discovery {
            candidates = [discovery]
        } else if spec.protocolKind != .oauth1, let url = spec.url {
            let issuer = url.hasSuffix("/") ? String(url.dropLast()) : url
            let rfc8414 = AuthorizationServerMetadata.metadataURL(issuer: issuer)
            let openID = issuer + "/.well-known/openid-configuration"
            // An OpenID provider's Discovery document has what the OpenID checks need.
            candidates = (provider.scope.contains("openid") ? [openID, rfc8414] : [rfc8414, openID]).compactMap { $0 }
        }
        for candidate in candidates {
            let response: TransportResponse
            do {
                response = try await transport.send(TransportRequest(method: "GET", url: candidate, headers: ["Accept": "application/json"]))
            } catch {
                if spec.discovery != nil { throw CheckFailure(reason: "GET \(candidate) failed: \(error)") }
                continue
            }
            if response.status == 200, case .object(let document)? = try? JSONValue.parse(response.body) {
                (metadata, metadataURL) = (document, candidate)
                break
            }
            if spec.discovery != nil {
                throw CheckFailure(reason: "the discovery document \(candidate) answered HTTP \(response.status), not a JSON object")
            }
        }
        let endpoints = ProviderEndpoints(spec: spec, metadata: metadata, documentURL: metadataURL)
        guard endpoints.token != nil, endpoints.authorize != nil else {
            throw CheckFailure(reason: "no authorization and token endpoints: give discovery: or the paths in the provider file")
        }
        return endpoints
    }
}
