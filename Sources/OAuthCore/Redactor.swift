import Foundation
import Synchronization

/// Removes secrets from text before it reaches a report, a log or an error message.
///
/// Two mechanisms work together: values registered explicitly (client secrets, and every
/// token, code or verifier seen on the wire, in raw and encoded forms) are replaced wherever
/// they occur, and `Authorization` header values are masked by name.
public final class Redactor: Sendable {
    public static let mask = "[REDACTED]"

    /// Parameter and JSON member names whose values are secrets (RFC 6749, 7636, 7009, 7523, 5849).
    public static let secretNames: Set<String> = [
        "access_token", "refresh_token", "id_token", "code", "code_verifier", "client_secret",
        "client_assertion", "assertion", "password", "token", "device_code", "oauth_token",
        "oauth_token_secret", "oauth_verifier", "oauth_signature", "private_key", "logout_token",
    ]

    /// Values shorter than this are not registered: masking "a" everywhere would make reports
    /// unreadable, and such values are not credentials.
    public static let minimumLength = 4

    private let secrets = Mutex<Set<String>>([])

    public init(secrets: [String] = []) {
        for secret in secrets { register(secret) }
    }

    public func register(_ secret: String?) {
        guard let secret, secret.count >= Self.minimumLength else { return }
        let forms = [
            secret, PercentEncoding.encode(secret), PercentEncoding.encode(secret, spaceAsPlus: true),
            Data(secret.utf8).base64EncodedString(), Base64URL.encode(Array(secret.utf8)),
        ]
        secrets.withLock { set in
            for form in forms where form.count >= Self.minimumLength { set.insert(form) }
        }
    }

    /// Registers the values of secret-named parameters.
    public func registerSecrets(in parameters: FormParameters) {
        for pair in parameters where Self.secretNames.contains(pair.name) { register(pair.value) }
    }

    /// Registers the values of secret-named members anywhere in a JSON document.
    public func registerSecrets(in json: JSONValue) {
        switch json {
        case .object(let members):
            for (key, value) in members {
                if Self.secretNames.contains(key), case .string(let secret) = value { register(secret) }
                registerSecrets(in: value)
            }
        case .array(let items):
            for item in items { registerSecrets(in: item) }
        default:
            break
        }
    }

    /// Registers the secret parts of an HTTP exchange: form bodies, query strings,
    /// JSON bodies and the `Authorization` header's credentials.
    public func registerSecrets(in request: TransportRequest) {
        if let query = request.url.split(separator: "?", maxSplits: 1).dropFirst().first,
            let parameters = try? FormParameters(parsing: query.split(separator: "#").first ?? "")
        {
            registerSecrets(in: parameters)
        }
        registerCredentials(request.headers["Authorization"])
        registerSecrets(body: request.body, contentType: request.headers["Content-Type"])
    }

    public func registerSecrets(in response: TransportResponse) {
        if let location = response.headers["Location"], let url = URLComponents(string: location) {
            registerSecrets(in: FormParameters((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }))
            if let fragment = url.fragment, let parameters = try? FormParameters(parsing: fragment) {
                registerSecrets(in: parameters)
            }
        }
        registerSecrets(body: response.body, contentType: response.headers["Content-Type"])
    }

    private func registerCredentials(_ authorization: String?) {
        guard let authorization, let space = authorization.firstIndex(of: " ") else { return }
        let credentials = String(authorization[authorization.index(after: space)...]).trimmingCharacters(in: .whitespaces)
        register(credentials)
        if authorization.lowercased().hasPrefix("basic "), let data = Data(base64Encoded: credentials),
            let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        {
            let password = String(pair[pair.index(after: colon)...])
            register(password)
            register(try? PercentEncoding.decode(password, plusAsSpace: true))
        }
    }

    private func registerSecrets(body: [UInt8], contentType: String?) {
        guard !body.isEmpty else { return }
        let type = contentType?.lowercased() ?? ""
        if type.contains("json") || body.first == UInt8(ascii: "{") {
            if let json = try? JSONValue.parse(body) { registerSecrets(in: json) }
        } else if type.contains("x-www-form-urlencoded") || type.contains("text/plain") {
            if let parameters = try? FormParameters(parsing: String(decoding: body, as: UTF8.self)) {
                registerSecrets(in: parameters)
            }
        }
    }

    /// Replaces every registered secret in `text` with `[REDACTED]`.
    public func redact(_ text: String) -> String {
        let known = secrets.withLock { $0 }
        guard !known.isEmpty else { return text }
        var result = text
        // Longest first, so that a secret containing another is masked whole.
        for secret in known.sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        return result
    }

    /// A header value as it may appear in a report.
    public func redactHeader(name: String, value: String) -> String {
        let lowered = name.lowercased()
        if lowered == "authorization" || lowered == "proxy-authorization" {
            let scheme = value.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            return scheme.isEmpty ? Self.mask : "\(scheme) \(Self.mask)"
        }
        if lowered == "cookie" || lowered == "set-cookie" {
            // Every value of a Cookie header; only the value of a Set-Cookie (its attributes are no secret).
            return redact(value.split(separator: ";").enumerated().map { index, part -> String in
                guard let eq = part.firstIndex(of: "="), lowered == "cookie" || index == 0 else { return String(part) }
                return String(part[...eq]) + Self.mask
            }.joined(separator: ";"))
        }
        return redact(value)
    }
}
