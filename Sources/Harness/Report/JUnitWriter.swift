import Foundation

/// Writes results as JUnit XML in the common Jenkins/Ant shape: `<testsuites>` holding one
/// `<testsuite>` per scenario folder, one `<testcase>` per scenario (`classname` = folder),
/// `<failure>`/`<error>`/`<skipped>` as the outcome says, and the redacted HTTP transcript in
/// `<system-out>`. Every text is taken from `ScenarioResult`, which is already redacted.
public enum JUnitWriter {
    /// The JUnit document for `results`.
    /// - Parameters:
    ///   - results: the scenarios' results, in the order to report them.
    ///   - timestamp: the suites' `timestamp` attribute.
    /// - Returns: the XML text, every value escaped.
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

    /// Writes the JUnit document for `results` to `path`, creating its folder.
    /// - Parameters:
    ///   - results: the scenarios' results.
    ///   - path: the file to write (replaced atomically).
    /// - Throws: when the folder or the file cannot be written.
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
        var text = text
        return text.withUTF8 { bytes in
            // Most text (names, messages) needs nothing: returned as it is.
            guard bytes.contains(where: { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 || $0 >= 0x7F || Self.entities[Int($0)] != nil }) else {
                return nil
            }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + bytes.count / 8)
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if let entity = Self.entities[Int(byte)] {
                    out += entity
                } else if byte < 0x20 && byte != 0x0A && byte != 0x09 {
                    out += [0xEF, 0xBF, 0xBD]  // XML 1.0 §2.2 forbids the other C0 controls: U+FFFD
                } else if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
                    out += [0xEF, 0xBF, 0xBD]  // U+FFFE and U+FFFF are not XML characters either
                    index += 2
                } else {
                    out.append(byte)  // the rest of UTF-8 (a Swift string holds no surrogates)
                }
                index += 1
            }
            return String(decoding: out, as: UTF8.self)
        } ?? text
    }

    /// The bytes escaped as entities: the markup characters, and CR (kept through XML's
    /// line-end normalization).
    static let entities: [[UInt8]?] = (0..<256).map { byte -> [UInt8]? in
        switch UInt8(byte) {
        case UInt8(ascii: "&"): Array("&amp;".utf8)
        case UInt8(ascii: "<"): Array("&lt;".utf8)
        case UInt8(ascii: ">"): Array("&gt;".utf8)
        case UInt8(ascii: "\""): Array("&quot;".utf8)
        case UInt8(ascii: "'"): Array("&apos;".utf8)
        case 0x0D: Array("&#13;".utf8)
        default: nil
        }
    }
}
