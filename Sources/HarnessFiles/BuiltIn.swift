import Foundation

/// The profiles, key fixtures and plans compiled into the product (`BuiltInFiles`, made by the
/// EmbedBuiltIns plugin from MockProviders/ and Plans/), so that `run`, `serve`, `list`, `init`
/// and `check` work from any folder. A built-in file's name in messages is `built-in:<path>`.
package enum BuiltIn {
    package static let prefix = "built-in:"

    /// `MockProviders/x.yaml` for `built-in:MockProviders/x.yaml`; `nil` for a file on disk.
    package static func path(of file: String) -> String? {
        file.hasPrefix(prefix) ? String(file.dropFirst(prefix.count)) : nil
    }

    /// The built-in files under `folder` (e.g. `MockProviders`, `Plans`) whose paths end with
    /// `suffix`, sorted, as (name for messages, text).
    package static func files(in folder: String, suffix: String) -> [(file: String, text: String)] {
        BuiltInFiles.files.filter { $0.key.hasPrefix(folder + "/") && $0.key.hasSuffix(suffix) }
            .sorted { $0.key < $1.key }
            .map { (prefix + $0.key, $0.value) }
    }
}
