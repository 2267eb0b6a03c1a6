import Foundation

/// `reports/summary.md`: what a person reads after a run — counts per area, failures with
/// their step and reason, the slowest scenarios, and where the other reports are.
package enum SummaryReport {
    package static func markdown(_ results: [ScenarioResult], junitPath: String) -> String {
        var folders: [String] = []
        var byFolder: [String: [ScenarioResult]] = [:]
        for result in results {
            if byFolder[result.folder] == nil { folders.append(result.folder) }
            byFolder[result.folder, default: []].append(result)
        }
        var text = "# oauth-harness run\n\n| area | scenarios | passed | failed | skipped |\n|---|---|---|---|---|\n"
        for folder in folders {
            let cases = byFolder[folder]!
            text += "| \(folder) | \(cases.count) | \(count(cases, .passed)) | \(failed(cases)) | \(skipped(cases)) |\n"
        }
        text += "| **all** | \(results.count) | \(count(results, .passed)) | \(failed(results)) | \(skipped(results)) |\n"
        let failures = results.filter { if case .failed = $0.outcome { true } else if case .error = $0.outcome { true } else { false } }
        if !failures.isEmpty {
            text += "\n## Failures\n\n"
            for result in failures { text += "- `\(result.folder)/\(result.name)` (\(result.file)): \(describe(result.outcome))\n" }
        }
        text += "\n## Slowest scenarios\n\n| scenario | seconds |\n|---|---|\n"
        for result in results.sorted(by: { $0.seconds > $1.seconds }).prefix(10) {
            text += "| \(result.folder)/\(result.name) | \(String(format: "%.3f", result.seconds)) |\n"
        }
        let quirks = results.filter { $0.folder == "quirks" }
        if !quirks.isEmpty {
            text += "\n## Quirk profiles\n\n| scenario | result |\n|---|---|\n"
            for result in quirks { text += "| \(result.name) | \(result.outcome == .passed ? "passed" : describe(result.outcome)) |\n" }
        }
        if results.contains(where: { $0.relyingParty != nil }) {
            // The conformance table, one heading level down.
            text += "\n#" + RelyingPartyReport.markdown(results)
        }
        text += "\nJUnit: `\(junitPath)`"
        return text + "\n"
    }

    static func count(_ results: [ScenarioResult], _ outcome: ScenarioResult.Outcome) -> Int { results.filter { $0.outcome == outcome }.count }
    static func failed(_ results: [ScenarioResult]) -> Int {
        results.filter { if case .failed = $0.outcome { true } else if case .error = $0.outcome { true } else { false } }.count
    }
    static func skipped(_ results: [ScenarioResult]) -> Int { results.filter { if case .skipped = $0.outcome { true } else { false } }.count }

    static func describe(_ outcome: ScenarioResult.Outcome) -> String {
        switch outcome {
        case .passed: "passed"
        case .failed(let step, let message): "\(step): \(message)"
        case .skipped(let reason): "skipped: \(reason)"
        case .error(let message): "error: \(message)"
        }
    }
}

/// GitHub Actions workflow commands for failures (`::error file=…,line=…::…`).
package enum GitHubAnnotations {
    package static func lines(_ summary: HarnessRun.Summary) -> [String] {
        var lines: [String] = []
        for error in summary.invalid {
            lines.append(
                "::error file=\(escapeProperty(error.file)),line=\(error.line),col=\(error.column),title=invalid scenario::\(escapeData(error.message))"
            )
        }
        for result in summary.results {
            guard case .failed(let step, let message) = result.outcome else { continue }
            let line = step.firstMatch(of: #/\(line (\d+)\)/#).map { String($0.1) } ?? "1"
            lines.append(
                "::error file=\(escapeProperty(result.file)),line=\(line),title=\(escapeProperty(result.folder + "/" + result.name))::\(escapeData(step + ": " + message))"
            )
        }
        return lines
    }

    /// Workflow-command escaping: data escapes %, CR, LF; properties also : and ,.
    package static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    package static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
