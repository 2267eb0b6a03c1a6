import Foundation
import OAuthCore

/// The checks a provider is known to fail (and, optionally, to warn on), each with why: a team
/// runs `check --baseline FILE` in CI and the run passes exactly while the provider's deviations
/// are these, and says by name what is new and what no longer fails.
///
/// One check per line, `PLAN/CHECK — REASON` (`--` may stand for the dash), prefixed with
/// `warning ` for a warned check; `#` starts a comment. Every line needs its reason.
package struct ConformanceBaseline: Sendable, Equatable {
    package struct Entry: Sendable, Equatable {
        /// `plan/check`.
        package var id: String
        /// `fail` or `warning`.
        package var verdict: String
        package var reason: String
        package var line: Int
    }

    package var entries: [Entry]

    /// The largest baseline read (a file of one line per check is far smaller).
    static let maxBytes = 1 << 20
    /// How long a reason written by `--write-baseline` may be.
    static let reasonLimit = 200

    /// Reads a baseline; a malformed line is an error naming the file and the line.
    package static func parse(_ text: String, file: String) throws(CheckFailure) -> ConformanceBaseline {
        guard text.utf8.count <= maxBytes else { throw CheckFailure(reason: "\(file): larger than \(maxBytes) bytes") }
        var entries: [Entry] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingWhitespace(newlines: true)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let number = index + 1
            if line.hasSuffix(" —") || line.hasSuffix(" --") {
                throw CheckFailure(
                    reason: "\(file):\(number): \(line.dropLast(line.hasSuffix(" --") ? 3 : 2).trimmingWhitespace()) has no reason after the dash"
                )
            }
            guard let dash = line.range(of: " — ") ?? line.range(of: " -- ") else {
                throw CheckFailure(reason: "\(file):\(number): expected PLAN/CHECK — REASON (every listed check says why)")
            }
            var head = line[..<dash.lowerBound].trimmingWhitespace()
            let reason = line[dash.upperBound...].trimmingWhitespace()
            var verdict = "fail"
            if head.hasPrefix("warning ") {
                verdict = "warning"
                head = head.dropFirst("warning ".count).trimmingWhitespace()
            } else if head.hasPrefix("fail ") {
                head = head.dropFirst("fail ".count).trimmingWhitespace()
            }
            let parts = head.split(separator: "/")
            guard parts.count == 2, !head.contains(" ") else {
                throw CheckFailure(reason: "\(file):\(number): \"\(head.prefix(80))\" is not a PLAN/CHECK id")
            }
            guard !reason.isEmpty else { throw CheckFailure(reason: "\(file):\(number): \(head) has no reason after the dash") }
            if let earlier = entries.first(where: { $0.id == head }) {
                throw CheckFailure(reason: "\(file):\(number): \(head) is listed twice (first on line \(earlier.line))")
            }
            entries.append(Entry(id: head, verdict: verdict, reason: reason, line: number))
        }
        return ConformanceBaseline(entries: entries)
    }

    /// What a run found against the baseline.
    package struct Comparison: Sendable {
        /// Failed (or warned) checks the baseline does not list: `(id, verdict, message)`.
        package var new: [(id: String, verdict: String, message: String)] = []
        /// Listed checks that did not fail (or warn) as listed: the entry and what happened.
        package var gone: [(entry: Entry, outcome: String)] = []
        /// Listed checks that failed (or warned) as listed.
        package var matched = 0

        package var matches: Bool { new.isEmpty && gone.isEmpty }

        /// One line per difference, then the verdict.
        package func lines(file: String) -> [String] {
            var lines = new.map { "baseline: new \($0.verdict == "fail" ? "failure" : "warning") \($0.id): \($0.message)" }
            lines += gone.map { "baseline: \($0.entry.id) (\(file):\($0.entry.line)) \($0.outcome)" }
            lines.append(
                matches
                    ? "baseline: \(matched) listed check(s), each failing as \(file) says"
                    : "baseline: \(new.count + gone.count) difference(s) from \(file)"
            )
            return lines
        }
    }

    /// Compares the run's verdicts with the baseline: with `warnings`, warned checks count as
    /// failed ones do (and must be listed as `warning`).
    package func compare(_ results: [CheckResult], warnings: Bool) -> Comparison {
        var comparison = Comparison()
        var byID: [String: CheckResult] = [:]
        for result in results { byID["\(result.plan)/\(result.check.id.rawValue)"] = result }
        let listed = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for result in results {
            let id = "\(result.plan)/\(result.check.id.rawValue)"
            let name = result.verdict.name
            guard name == "fail" || (warnings && name == "warning") else { continue }
            if listed[id]?.verdict == name { comparison.matched += 1 } else { comparison.new.append((id, name, Self.oneLine(result.verdict.reason))) }
        }
        for entry in entries {
            guard let result = byID[entry.id] else {
                comparison.gone.append((entry, "was not run (no such check in the plans run, or filtered out)"))
                continue
            }
            let name = result.verdict.name
            if name == entry.verdict { continue }
            if entry.verdict == "warning", !warnings { continue }
            let what =
                name == "pass" ? "now passes" : name == "skipped" ? "is now skipped: \(Self.oneLine(result.verdict.reason))" : "now gives \(name)"
            // A listed failure that now fails as a warning (or the reverse) is new under its own
            // verdict too; say once what changed for the listed one.
            comparison.gone.append((entry, what))
        }
        return comparison
    }

    /// A baseline of the run's failed (and, with `warnings`, warned) checks, each with its
    /// verdict's message as the reason to edit.
    package static func render(_ results: [CheckResult], warnings: Bool, provider: String) -> String {
        var text = """
            # oauth-harness check baseline for \(provider): the checks it fails\(warnings ? " or warns on" : ""), one per line,
            # PLAN/CHECK — why (replace each reason below, the check's own message, with the deviation's cause).
            # `oauth-harness check … --baseline FILE` exits 0 while the failures are exactly these.

            """
        for result in results {
            let name = result.verdict.name
            guard name == "fail" || (warnings && name == "warning") else { continue }
            text += "\(name == "warning" ? "warning " : "")\(result.plan)/\(result.check.id.rawValue) — \(oneLine(result.verdict.reason))\n"
        }
        return text
    }

    /// A message as one short line: control characters (a provider's text may carry any)
    /// become spaces, and it is cut at ``reasonLimit`` characters.
    static func oneLine(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" ? " " : scalar)
        }
        let flat = Substring(String(scalars)).trimmingWhitespace()
        let cut = flat.count > reasonLimit ? String(flat.prefix(reasonLimit)) + "…" : flat
        return cut.isEmpty ? "(no message)" : cut
    }
}
