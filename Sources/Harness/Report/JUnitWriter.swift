import Foundation

/// Writes results as JUnit XML in the common Jenkins/Ant shape: `<testsuites>` holding one
/// `<testsuite>` per scenario folder, one `<testcase>` per scenario (`classname` = folder),
/// `<failure>`/`<error>`/`<skipped>` as the outcome says, and the redacted HTTP transcript in
/// `<system-out>`. Every text is taken from `ScenarioResult`, which is already redacted.
public enum JUnitWriter {
    public static func xml(_ results: [ScenarioResult], timestamp: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let stamp = formatter.string(from: timestamp)
        var folders: [String] = []
        var byFolder: [String: [ScenarioResult]] = [:]
        for result in results {
            if byFolder[result.folder] == nil { folders.append(result.folder) }
            byFolder[result.folder, default: []].append(result)
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"oauth-harness\" \(counts(results))>\n"
        for (index, folder) in folders.enumerated() {
            let cases = byFolder[folder]!
            out += "  <testsuite name=\"\(escape(folder))\" id=\"\(index)\" \(counts(cases)) timestamp=\"\(stamp)\" hostname=\"localhost\">\n"
            for result in cases {
                out += "    <testcase name=\"\(escape(result.name))\" classname=\"\(escape(folder))\" time=\"\(seconds(result.seconds))\">\n"
                switch result.outcome {
                case .passed:
                    break
                case .failed(let step, let message):
                    out += "      <failure message=\"\(escape(step + ": " + message))\" type=\"\(escape(step))\">\(escape(message))</failure>\n"
                case .error(let message):
                    out += "      <error message=\"\(escape(message))\" type=\"error\">\(escape(message))</error>\n"
                case .skipped(let reason):
                    out += "      <skipped message=\"\(escape(reason))\"/>\n"
                }
                var systemOut = "file: \(result.file)\n"
                for note in result.notes { systemOut += note + "\n" }
                if !result.transcript.isEmpty { systemOut += result.transcript + "\n" }
                out += "      <system-out>\(escape(systemOut))</system-out>\n"
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    public static func write(_ results: [ScenarioResult], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(xml(results).utf8).write(to: url, options: .atomic)
    }

    static func counts(_ results: [ScenarioResult]) -> String {
        var failures = 0
        var errors = 0
        var skipped = 0
        var total = 0.0
        for result in results {
            total += result.seconds
            switch result.outcome {
            case .failed: failures += 1
            case .error: errors += 1
            case .skipped: skipped += 1
            case .passed: break
            }
        }
        return "tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(seconds(total))\""
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// XML 1.0 text/attribute escaping; characters XML cannot carry become U+FFFD.
    static func escape(_ text: String) -> String {
        // Most text (names, transcripts of printable ASCII) needs nothing: returned as it is.
        let plain = text.utf8.allSatisfy { byte in
            byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "&") && byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">")
                && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
        }
        if plain { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            case "\r": out += "&#13;"
            default:
                let value = scalar.value
                let allowed = (0x20...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }
}
