import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

/// `${NAME}` and `${NAME:-default}` expansion for one scenario file. Names without a value and
/// without a default are collected: the scenario is then skipped, not failed.
final class ScenarioVariables {
    let environment: [String: String]
    private(set) var missing: [String] = []

    init(environment: [String: String]) { self.environment = environment }

    /// A string option with its variables expanded.
    func text(_ node: YAMLNode, _ what: String) throws(YAMLLocatedError) -> String {
        let (value, absent) = try Self.interpolate(try node.string(what), environment: environment, node: node, key: what)
        missing += absent
        return value
    }

    /// An optional string option with its variables expanded.
    func optionalText(_ node: YAMLNode?, _ what: String) throws(YAMLLocatedError) -> String? {
        guard let node else { return nil }
        return try text(node, what)
    }

    /// How many variable references so far had no value (a path that is only a missing
    /// variable is not checked for its leading `/`).
    var missingCount: Int { missing.count }

    /// `form: {field: value}`: values for a provider's login form.
    func form(_ node: YAMLNode?) throws(YAMLLocatedError) -> [String: String] {
        guard let node else { return [:] }
        var form: [String: String] = [:]
        for entry in try node.mapping("login form values").entries { form[entry.key] = try text(entry.value, entry.key) }
        return form
    }

    /// Expands `${NAME}` and `${NAME:-default}`. Returns the names that had no value and no default.
    /// An error names the location, and quotes the text only when `key` is not a secret's name
    /// (`client_secret: abc${` must not put the secret in the message and the report).
    static func interpolate(
        _ text: String,
        environment: [String: String],
        node: YAMLNode,
        key: String = ""
    ) throws(YAMLLocatedError) -> (String, [String]) {
        let secret = Redactor.isSecretName(key)
        guard text.contains("${") else { return (text, []) }
        var result = ""
        var missing: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw node.error(secret ? "unterminated ${ in the value of \(key) (not shown: a secret's)" : "unterminated ${ in \"\(text)\"")
            }
            let expression = rest[start.upperBound..<end]
            let name: Substring
            var fallback: Substring?
            if let separator = expression.range(of: ":-") {
                name = expression[..<separator.lowerBound]
                fallback = expression[separator.upperBound...]
            } else {
                name = expression
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw node.error(
                    secret
                        ? "invalid variable reference in the value of \(key) (not shown: a secret's); expected ${NAME} or ${NAME:-default}"
                        : "invalid variable reference ${\(expression)}; expected ${NAME} or ${NAME:-default}"
                )
            }
            if let value = environment[String(name)], !value.isEmpty {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                missing.append(String(name))
            }
            rest = rest[rest.index(after: end)...]
        }
        result += rest
        return (result, missing)
    }
}
