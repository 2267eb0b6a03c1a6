import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Merges JUnit files (e.g. from CI shards) into one: suites with the same name are joined,
/// every count and time is recomputed, test cases keep their order (file by file).
package enum JUnitMerge {
    package struct MergeError: Error, CustomStringConvertible {
        package let description: String
    }

    package static func merge(files: [String]) throws -> String {
        var order: [String] = []
        var suites: [String: [XMLElement]] = [:]
        for file in files {
            let document: XMLDocument
            do {
                document = try XMLDocument(contentsOf: URL(fileURLWithPath: file), options: [])
            } catch {
                throw MergeError(description: "\(file): not a readable XML file")
            }
            guard let root = document.rootElement(), ["testsuites", "testsuite"].contains(root.name ?? "") else {
                throw MergeError(description: "\(file): the root element is neither testsuites nor testsuite")
            }
            let fileSuites = root.name == "testsuite" ? [root] : root.elements(forName: "testsuite")
            for suite in fileSuites {
                let name = suite.attribute(forName: "name")?.stringValue ?? "(unnamed)"
                if suites[name] == nil { order.append(name) }
                suites[name, default: []] += suite.elements(forName: "testcase")
            }
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let all = order.flatMap { suites[$0]! }
        out += "<testsuites name=\"oauth-harness\" \(counts(all))>\n"
        for (index, name) in order.enumerated() {
            let cases = suites[name]!
            out += "  <testsuite name=\"\(JUnitWriter.escape(name))\" id=\"\(index)\" \(counts(cases)) hostname=\"localhost\">\n"
            for testcase in cases { out += "    " + testcase.xmlString + "\n" }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    static func counts(_ cases: [XMLElement]) -> String {
        let failures = cases.filter { !$0.elements(forName: "failure").isEmpty }.count
        let errors = cases.filter { !$0.elements(forName: "error").isEmpty }.count
        let skipped = cases.filter { !$0.elements(forName: "skipped").isEmpty }.count
        let time = cases.reduce(0.0) { $0 + (Double($1.attribute(forName: "time")?.stringValue ?? "") ?? 0) }
        return
            "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", time))\""
    }
}
