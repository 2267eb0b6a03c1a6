import Foundation
import HarnessFiles
import MockProviders

/// What a check concluded about the provider, with a one-line reason.
package enum CheckVerdict: Sendable, Equatable {
    case pass(String)
    case fail(String)
    case warning(String)
    case skipped(String)

    package var name: String {
        switch self {
        case .pass: "pass"
        case .fail: "fail"
        case .warning: "warning"
        case .skipped: "skipped"
        }
    }

    package var reason: String {
        switch self {
        case .pass(let text), .fail(let text), .warning(let text), .skipped(let text): text
        }
    }

    /// Why a plan's checks cannot run against this provider (a lookup's failure the checks
    /// report as `.skipped`).
    struct Skip: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// A `recommended` check reports a failure as a warning.
    func softened(_ level: ConformancePlan.Check.Level) -> CheckVerdict {
        if level == .recommended, case .fail(let reason) = self { return .warning(reason) }
        return self
    }
}

/// A conformance plan: which checks run, in which order, each citing the section it enforces.
/// Plans are data (`Plans/<name>/plan.yaml`); the probes they name are a closed set in Swift
/// (`CheckID`), so a plan can choose and cite but never invent a check.
package struct ConformancePlan: Sendable {
    package struct Check: Sendable {
        package enum Level: String, Sendable, CaseIterable {
            /// A MUST: failing is `fail`.
            case required
            /// A SHOULD or best-current-practice advice: failing is `warning`.
            case recommended
        }

        package var id: CheckID
        package var section: String
        package var title: String
        package var level: Level
    }

    package var name: String
    package var title: String
    package var protocolKind: ProtocolKind
    package var checks: [Check]
    package var file: String
    /// `response_mode:` sent with every authorization request of the plan (`form_post`: the
    /// OpenID Foundation's Form Post OP plan); the plan's checks are skipped when the provider's
    /// `response_modes_supported` does not list it.
    package var responseMode: String?
    /// `client_registration: dynamic`: every check of the plan that signs in does so as a client
    /// it has just registered (RFC 7591; the OpenID Foundation's Dynamic OP plan), with a key of
    /// its own (`private_key_jwt` where the provider offers it); skipped without registration.
    package var dynamicClient = false

    init(
        name: String,
        title: String,
        protocolKind: ProtocolKind,
        checks: [Check],
        file: String,
        responseMode: String? = nil,
        dynamicClient: Bool = false
    ) {
        self.name = name
        self.title = title
        self.protocolKind = protocolKind
        self.checks = checks
        self.file = file
        self.responseMode = responseMode
        self.dynamicClient = dynamicClient
    }

    /// The plans of `directory` (one folder per plan holding `plan.yaml`; none when it does not
    /// exist), then the built-in plans it does not replace, by name.
    package static func loadAll(directory: String) throws(YAMLLocatedError) -> [ConformancePlan] {
        var plans = try loadFolder(directory)
        for (file, text) in BuiltIn.files(in: "Plans", suffix: "/plan.yaml") {
            let plan = try ConformancePlan(yaml: try YAMLNode.parse(text, file: file))
            if !plans.contains(where: { $0.name == plan.name }) { plans.append(plan) }
        }
        return plans.sorted { $0.name < $1.name }
    }

    static func loadFolder(_ directory: String) throws(YAMLLocatedError) -> [ConformancePlan] {
        let manager = FileManager.default
        let folders = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
        var plans: [ConformancePlan] = []
        for folder in folders.sorted() where !folder.hasPrefix(".") {
            let path = ((directory as NSString).appendingPathComponent(folder) as NSString).appendingPathComponent("plan.yaml")
            guard manager.fileExists(atPath: path) else { continue }
            let plan = try load(contentsOf: path)
            guard plan.name == folder else {
                throw YAMLLocatedError(
                    file: path,
                    line: 1,
                    column: 1,
                    message: "the plan's name \"\(plan.name)\" differs from its folder \"\(folder)\""
                )
            }
            plans.append(plan)
        }
        return plans
    }

    package static func load(contentsOf path: String) throws(YAMLLocatedError) -> ConformancePlan {
        try ConformancePlan(yaml: try YAMLNode.load(contentsOf: path))
    }

    init(yaml root: YAMLNode) throws(YAMLLocatedError) {
        let path = root.file
        let map = try root.mapping("a conformance plan")
        try map.allowOnly(["name", "title", "protocol", "response_mode", "client_registration", "checks"], in: "a conformance plan")
        var seen: Set<CheckID> = []
        var checks: [Check] = []
        for node in try map.required("checks", in: "a conformance plan").sequence("checks") {
            let entry = try node.mapping("a check")
            try entry.allowOnly(["id", "section", "title", "level"], in: "a check")
            let idNode = try entry.required("id", in: "a check")
            let id = try idNode.choice("check", as: CheckID.self)
            guard seen.insert(id).inserted else { throw idNode.error("check \(id.rawValue) is listed twice") }
            checks.append(
                Check(
                    id: id,
                    section: try entry.required("section", in: "a check").string("section"),
                    title: try entry.required("title", in: "a check").string("title"),
                    level: try entry["level"]?.choice("level", as: Check.Level.self) ?? .required
                )
            )
        }
        self.init(
            name: try map.required("name", in: "a conformance plan").string("name"),
            title: try map.required("title", in: "a conformance plan").string("title"),
            protocolKind: try map.required("protocol", in: "a conformance plan").choice("protocol", as: ProtocolKind.self),
            checks: checks,
            file: path,
            responseMode: try map["response_mode"]?.choice("response_mode", ["form_post"]),
            dynamicClient: try map["client_registration"]?.choice("client_registration", ["static", "dynamic"]) == "dynamic"
        )
    }
}
