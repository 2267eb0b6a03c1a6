import HarnessFiles
import OAuthCore
import Yams

extension YAMLNode {
    /// The node as JSON, for values passed on as JSON (a scenario's `authorization_details`, a
    /// profile user's claims): a
    /// plain `true`/`false`/`null` or number is that JSON value, any other scalar a string.
    package func jsonValue() throws(YAMLLocatedError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            switch scalar.string {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~": return .null
            default:
                if scalar.string.wholeMatch(of: #/-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/#) != nil, let number = JSONNumber(scalar.string) {
                    return .number(number)
                }
                return .string(scalar.string)
            }
        case .sequence:
            return .array(try sequence("a list").map { (item) throws(YAMLLocatedError) in try item.jsonValue() })
        case .mapping:
            var members: [String: JSONValue] = [:]
            for entry in try mapping("a mapping").entries { members[entry.key] = try entry.value.jsonValue() }
            return .object(members)
        case .alias:
            throw error("aliases are not supported here")
        }
    }
}
