// libFuzzer target: the YAML loaders (Yams → YAMLNode → ScenarioLoader / ProviderProfile).
// Any input must end in a value or a YAMLLocatedError whose position lies inside the input —
// never a crash, a hang or an error that points nowhere.
import Harness
import HarnessFiles
import MockProviders

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLoader(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    // YAML's line breaks (1.1 §5.4): LF, CR (CR LF counts once, so this is an upper bound),
    // NEL, LS and PS.
    let lines = 1 + text.unicodeScalars.filter { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) }.count
    func check(_ error: YAMLLocatedError) {
        precondition(error.file == "fuzz.yaml", "the error names another file: \(error)")
        precondition(error.line >= 1 && error.line <= lines, "line \(error.line) outside 1...\(lines): \(error)")
        precondition(error.column >= 1, "column \(error.column) < 1: \(error)")
        precondition(!error.message.isEmpty, "an error without a message")
    }
    let root: YAMLNode
    do {
        root = try YAMLNode.parse(text, file: "fuzz.yaml")
    } catch {
        check(error)
        return 0
    }
    do { _ = try ScenarioLoader.parse(root, folder: "fuzz", environment: ["FUZZ_SECRET": "s3cr3t"]) } catch { check(error) }
    do { _ = try ProviderProfile(yaml: root) } catch { check(error) }
    return 0
}
