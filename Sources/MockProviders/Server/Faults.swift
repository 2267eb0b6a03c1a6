import Foundation
import HarnessFiles
import OAuthCore
import Synchronization

/// Transport-level misbehaviour a scenario can switch on for a running mock: what a provider
/// under load or behind a broken proxy does, as opposed to the protocol quirks of its JSON.
public struct Fault: Sendable, Equatable {
    /// What the fault does.
    public enum Kind: String, Sendable, CaseIterable {
        /// Answer normally after a delay.
        case latency
        /// Answer with this HTTP status (429 with Retry-After), a short text body.
        case status
        /// The normal answer with its body cut in half.
        case truncatedJSON = "truncated_json"
        /// A body that is not JSON at all where JSON is expected.
        case malformedJSON = "malformed_json"
        /// 50 MB of body, streamed.
        case hugeBody = "huge_body"
        /// The body dripped a byte every 200 ms (bounded to 60 s).
        case slowBody = "slow_body"
        /// The connection is closed before any byte of the response.
        case closeBeforeResponse = "close_before_response"
        /// The connection drops in the middle of the body.
        case closeMidBody = "close_mid_body"
        /// A redirect to the same URL, forever.
        case redirectLoop = "redirect_loop"
    }

    /// What the fault does.
    public var kind: Kind
    /// The path it applies to; `nil` for every request.
    public var path: String?
    /// The HTTP status of a ``Kind/status`` fault (default 503).
    public var status: Int
    /// The delay of a ``Kind/latency`` fault (default 250, at most 30,000 are waited).
    public var milliseconds: Int
    /// How many requests it affects; `nil` for all that follow.
    public var count: Int?

    /// A fault.
    ///
    /// - Parameters:
    ///   - kind: what it does.
    ///   - path: the path it applies to; `nil` for every request.
    ///   - status: the HTTP status of a ``Kind/status`` fault.
    ///   - milliseconds: the delay of a ``Kind/latency`` fault.
    ///   - count: how many requests it affects; `nil` for all that follow.
    public init(kind: Kind, path: String? = nil, status: Int = 503, milliseconds: Int = 250, count: Int? = nil) {
        self.kind = kind
        self.path = path
        self.status = status
        self.milliseconds = milliseconds
        self.count = count
    }
}

extension Fault {
    /// Reads `{kind, path?, status?, milliseconds?, count?}` (a scenario's `fault` step or an
    /// entry of a profile's `faults`).
    ///
    /// - Parameter node: the fault's YAML mapping.
    /// - Throws: `YAMLLocatedError` for an unknown key or kind, a status outside 100–599, negative
    ///   milliseconds or a count below 1.
    public init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        let options = try node.mapping("a fault")
        try options.allowOnly(ProviderProfile.Keys.fault, in: "fault")
        let kind = Fault.Kind(rawValue: try options.required("kind", in: "fault").choice("fault kind", Fault.Kind.allCases.map(\.rawValue)))!
        self.init(kind: kind, path: try options["path"]?.string("path"))
        if let node = options["status"] {
            status = try node.int("an HTTP status")
            guard (100...599).contains(status) else { throw node.error("expected an HTTP status between 100 and 599") }
        }
        if let node = options["milliseconds"] {
            milliseconds = try node.int("milliseconds")
            guard milliseconds >= 0 else { throw node.error("expected milliseconds >= 0") }
        }
        if let node = options["count"] {
            count = try node.int("count")
            guard count! > 0 else { throw node.error("expected a count > 0 (leave it out for every request)") }
        }
    }
}

/// The faults armed on a running provider.
public final class FaultInjector: Sendable {
    private let faults = Mutex<[Fault]>([])

    /// No faults armed.
    public init() {}

    /// Arms `fault` for the requests that follow; of several armed faults, the first one armed that
    /// applies to a request's path is used.
    ///
    /// - Parameter fault: the fault.
    public func arm(_ fault: Fault) { faults.withLock { $0.append(fault) } }

    /// Disarms every fault.
    public func clear() { faults.withLock { $0.removeAll() } }

    /// The fault for a request to `path`, counting it down.
    func take(path: String) -> Fault? {
        faults.withLock { faults in
            guard let index = faults.firstIndex(where: { $0.path == nil || $0.path == path }) else { return nil }
            let fault = faults[index]
            if let count = fault.count {
                if count <= 1 { faults.remove(at: index) } else { faults[index].count = count - 1 }
            }
            return fault
        }
    }
}
