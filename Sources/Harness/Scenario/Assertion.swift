import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

/// One check in an `expect` step: a subject (`token.access_token`, `status`, `json.sub`,
/// `header.WWW-Authenticate`, `authorization_url.code_challenge_method`) and a matcher.
package struct Assertion: Sendable {
    package enum Matcher: Sendable, CustomStringConvertible {
        case present
        case absent
        case equals(String)
        case contains(String)
        case matches(String)

        package var description: String {
            switch self {
            case .present: "present"
            case .absent: "absent"
            case .equals(let value): "equal to \"\(value)\""
            case .contains(let value): "containing \"\(value)\""
            case .matches(let pattern): "matching /\(pattern)/"
            }
        }
    }

    /// What an `expect` key names, parsed when the scenario loads (`token.access_token` →
    /// `.token("access_token")`). One table, `Subject.kinds`, says which keys exist.
    package enum Subject: Sendable, Equatable, CustomStringConvertible {
        case token(String)
        case status
        case body
        case header(String)
        case json(String)
        case authorizationURL(String)
        case updateCallback(String)
        /// A built-in mock's counter: token requests of a grant type.
        case providerTokenRequests(String)
        case metadata(String)
        case idToken(String)
        /// A claim of a JWT access token (RFC 9068), read without verifying it; absent for an opaque one.
        case accessToken(String)
        /// A member of a JWT access token's header (`typ`, `alg`, `kid`).
        case accessTokenHeader(String)
        case userinfo(String)
        case jwksFetches
        case logout(String)

        /// Every subject: its prefix (or whole key) and how to build it from the rest.
        static let kinds: [(key: String, takesPath: Bool, make: @Sendable (String) -> Subject)] = [
            ("token.", true, { .token($0) }), ("status", false, { _ in .status }), ("body", false, { _ in .body }),
            ("header.", true, { .header($0) }),
            ("json.", true, { .json($0) }), ("authorization_url.", true, { .authorizationURL($0) }),
            ("update_callback.", true, { .updateCallback($0) }),
            ("provider.token_requests.", true, { .providerTokenRequests($0) }), ("metadata.", true, { .metadata($0) }),
            ("id_token.", true, { .idToken($0) }), ("access_token.", true, { .accessToken($0) }),
            ("access_token_header.", true, { .accessTokenHeader($0) }),
            ("userinfo.", true, { .userinfo($0) }), ("jwks.fetches", false, { _ in .jwksFetches }), ("logout.", true, { .logout($0) }),
        ]

        /// The subject a key names, or `nil` for an unknown key.
        package init?(key: String) {
            for kind in Self.kinds {
                if kind.takesPath, key.hasPrefix(kind.key), key.count > kind.key.count {
                    self = kind.make(String(key.dropFirst(kind.key.count)))
                    return
                }
                if !kind.takesPath, key == kind.key {
                    self = kind.make("")
                    return
                }
            }
            return nil
        }

        /// Reads a built-in mock's state (refused for providers given by URL).
        package var needsMock: Bool {
            if case .providerTokenRequests = self { return true }
            return false
        }

        package var description: String {
            switch self {
            case .token(let path): "token.\(path)"
            case .status: "status"
            case .body: "body"
            case .header(let name): "header.\(name)"
            case .json(let path): "json.\(path)"
            case .authorizationURL(let name): "authorization_url.\(name)"
            case .updateCallback(let member): "update_callback.\(member)"
            case .providerTokenRequests(let grant): "provider.token_requests.\(grant)"
            case .metadata(let path): "metadata.\(path)"
            case .idToken(let path): "id_token.\(path)"
            case .accessToken(let path): "access_token.\(path)"
            case .accessTokenHeader(let path): "access_token_header.\(path)"
            case .userinfo(let path): "userinfo.\(path)"
            case .jwksFetches: "jwks.fetches"
            case .logout(let member): "logout.\(member)"
            }
        }
    }

    package var subject: Subject
    package var matcher: Matcher
    package var line: Int
}

extension Assertion {
    /// One `subject: matcher` line of an `expect` step.
    init(key keyNode: YAMLNode, yaml value: YAMLNode) throws(YAMLLocatedError) {
        let key = try keyNode.string("an expectation subject")
        guard let subject = Subject(key: key) else {
            throw keyNode.error(
                "unknown subject \"\(key)\"; expected status, body, or token.<member>, json.<path>, header.<name>, "
                    + "authorization_url.<parameter>, update_callback.<count|previous_refresh_token>, provider.token_requests.<grant>, metadata.<member>"
            )
        }
        self.init(subject: subject, matcher: try Matcher(yaml: value), line: keyNode.line)
    }
}

extension Assertion.Matcher {
    /// A scalar is `present`, `absent` or a value to equal; a mapping names one matcher:
    /// `{equals: x}`, `{contains: x}`, `{matches: regex}`, `{present: true}`.
    init(yaml node: YAMLNode) throws(YAMLLocatedError) {
        if case .scalar = node.node {
            let value = try node.string("an expected value")
            switch value {
            case "present": self = .present
            case "absent": self = .absent
            default: self = .equals(value)
            }
            return
        }
        let map = try node.mapping("a matcher")
        try map.allowOnly(["equals", "contains", "matches", "present"], in: "a matcher")
        guard map.entries.count == 1, let entry = map.entries.first else {
            throw node.error("a matcher has exactly one of: equals, contains, matches, present")
        }
        switch entry.key {
        case "equals": self = .equals(try entry.value.string("a value"))
        case "contains": self = .contains(try entry.value.string("a value"))
        case "matches":
            let pattern = try entry.value.string("a regular expression")
            guard (try? Regex(pattern)) != nil else { throw entry.value.error("invalid regular expression /\(pattern)/") }
            self = .matches(pattern)
        default: self = try entry.value.bool("true or false") ? .present : .absent
        }
    }
}
