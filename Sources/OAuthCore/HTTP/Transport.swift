import Foundation

/// An ordered list of HTTP header fields with case-insensitive lookup.
public struct HeaderList: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public static func == (lhs: HeaderList, rhs: HeaderList) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    public subscript(name: String) -> String? {
        get { fields.first { Self.sameName($0.name, name) }?.value }
        set {
            fields.removeAll { Self.sameName($0.name, name) }
            if let newValue { fields.append((name: name, value: newValue)) }
        }
    }

    /// Whether `value` starts with `prefix` (ASCII, lowercase) regardless of ASCII case: for
    /// media types and authentication schemes, without lowercasing a copy of the value.
    package static func value(_ value: String, hasLowercasePrefix prefix: String) -> Bool {
        let (x, y) = (value.utf8, prefix.utf8)
        guard x.count >= y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            guard p >= UInt8(ascii: "A"), p <= UInt8(ascii: "Z"), p | 0x20 == q else { return false }
        }
        return true
    }

    /// Field names are ASCII tokens (RFC 9110 §5.1) compared without regard to ASCII case: a
    /// byte comparison (Foundation's `caseInsensitiveCompare` was a tenth of a mock's time
    /// per request under load).
    static func sameName(_ a: String, _ b: String) -> Bool {
        let (x, y) = (a.utf8, b.utf8)
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let folded = p | 0x20
            guard folded == q | 0x20, folded >= UInt8(ascii: "a"), folded <= UInt8(ascii: "z") else { return false }
        }
        return true
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}

/// One outgoing HTTP request, transport-independent.
public struct TransportRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: HeaderList
    public var body: [UInt8]
    /// The whole exchange's deadline (head and body); `nil` uses the transport's default.
    public var timeout: Duration?

    public init(method: String, url: String, headers: HeaderList = [:], body: [UInt8] = [], timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// A POST with an `application/x-www-form-urlencoded` body.
    public static func form(_ url: String, _ parameters: FormParameters, headers: HeaderList = [:]) -> TransportRequest {
        var headers = headers
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Accept"] = headers["Accept"] ?? "application/json"
        return TransportRequest(method: "POST", url: url, headers: headers, body: Array(parameters.encoded.utf8))
    }
}

/// One HTTP response, transport-independent. Redirects are never followed by a transport.
public struct TransportResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HeaderList
    public var body: [UInt8]

    public init(status: Int, headers: HeaderList = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The media type of `Content-Type`, lowercased, without parameters.
    public var mediaType: String? {
        headers["Content-Type"].map {
            $0.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        }
    }
}

/// Sends HTTP requests. The library talks to providers only through this protocol so that
/// the harness can record exchanges and tests can substitute an in-memory transport.
public protocol HTTPTransport: Sendable {
    func send(_ request: TransportRequest) async throws -> TransportResponse
}

extension HTTPTransport {
    /// Sends `request`; a failure of the exchange itself (connection, timeout, size limit) becomes
    /// an `OAuthError` with the `transport_error` code naming `step`.
    public func send(_ request: TransportRequest, step: String) async throws(OAuthError) -> TransportResponse {
        do {
            return try await send(request)
        } catch let error as OAuthError {
            throw error
        } catch {
            // Whole: a report redacts it before anything is cut.
            throw OAuthError(code: OAuthErrorCode.transportError, description: String(describing: error), step: step, origin: .transport)
        }
    }
}

extension HTTPTransport {
    /// For idempotent metadata requests only (discovery, JWKS): up to `attempts` tries when the
    /// exchange fails or the answer is 5xx or 429, waiting Retry-After (at most 2 s) or 100 ms ×
    /// attempt between them. Never used for code exchanges or other token requests.
    package func sendRetryingIdempotent(_ request: TransportRequest, step: String, attempts: Int = 3) async throws(OAuthError) -> TransportResponse {
        // Only safe methods are worth a second try; anything else goes out once.
        let attempts = request.method == "GET" || request.method == "HEAD" ? max(attempts, 1) : 1
        var last: OAuthError?
        for attempt in 1...attempts {
            do {
                let response = try await send(request, step: step)
                guard response.status >= 500 || response.status == 429, attempt < attempts else { return response }
                try? await Task.sleep(for: .milliseconds(Self.retryDelayMilliseconds(response.headers["Retry-After"], attempt: attempt)))
            } catch {
                last = error
                if attempt < attempts { try? await Task.sleep(for: .milliseconds(100 * attempt)) }
            }
        }
        throw last ?? OAuthError(code: OAuthErrorCode.transportError, description: "no answer", step: step, origin: .transport)
    }

    /// Retry-After in seconds (RFC 9110 §10.2.3), as milliseconds between 0 and 2,000; any
    /// other value (an HTTP date, NaN, negative, huge) means the default 100 ms × attempt.
    static func retryDelayMilliseconds(_ retryAfter: String?, attempt: Int) -> Int {
        if let text = retryAfter?.trimmingCharacters(in: .whitespaces), let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            return Int(min(seconds, 2) * 1000)
        }
        return 100 * min(max(attempt, 1), 20)
    }
}
