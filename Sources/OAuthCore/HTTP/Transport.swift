import Foundation

/// An ordered list of HTTP header fields with case-insensitive lookup.
public struct HeaderList: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields in order, names spelled as given.
    public private(set) var fields: [(name: String, value: String)]

    /// Creates a list of fields in the given order.
    ///
    /// - Parameter fields: (name, value) pairs; repeated names are kept.
    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// Creates a list from a literal such as `["Accept": "application/json"]`, in its order.
    ///
    /// - Parameter elements: (name, value) pairs.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Whether both lists have the same fields in the same order (names compared exactly).
    ///
    /// - Parameters:
    ///   - lhs: a list.
    ///   - rhs: another list.
    public static func == (lhs: HeaderList, rhs: HeaderList) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    /// The first value of the field named `name`, compared without regard to ASCII case.
    /// Setting removes every field of that name, then appends one unless the value is `nil`.
    ///
    /// - Parameter name: the field name.
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
    package static func sameName(_ a: String, _ b: String) -> Bool {
        let (x, y) = (a.utf8, b.utf8)
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let folded = p | 0x20
            guard folded == q | 0x20, folded >= UInt8(ascii: "a"), folded <= UInt8(ascii: "z") else { return false }
        }
        return true
    }

    /// Appends a field, keeping any others of the same name.
    ///
    /// - Parameters:
    ///   - name: the field name.
    ///   - value: the field value.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Iterates over the fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}

/// One outgoing HTTP request, transport-independent.
public struct TransportRequest: Sendable, Equatable {
    /// The HTTP method, e.g. `GET` or `POST`.
    public var method: String
    /// The absolute URL, query included.
    public var url: String
    /// The header fields.
    public var headers: HeaderList
    /// The body (empty for none).
    public var body: [UInt8]
    /// The whole exchange's deadline (head and body); `nil` uses the transport's default.
    public var timeout: Duration?

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - url: the absolute URL, query included.
    ///   - headers: the header fields.
    ///   - body: the body (empty for none).
    ///   - timeout: the whole exchange's deadline; `nil` uses the transport's default.
    public init(method: String, url: String, headers: HeaderList = [:], body: [UInt8] = [], timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// A POST with an `application/x-www-form-urlencoded` body.
    ///
    /// `Accept: application/json` is added unless `headers` has an `Accept` field.
    ///
    /// - Parameters:
    ///   - url: the absolute URL.
    ///   - parameters: the form's parameters, serialized with ``FormParameters/encoded``.
    ///   - headers: further header fields; `Content-Type` is replaced.
    public static func form(_ url: String, _ parameters: FormParameters, headers: HeaderList = [:]) -> TransportRequest {
        var headers = headers
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Accept"] = headers["Accept"] ?? "application/json"
        return TransportRequest(method: "POST", url: url, headers: headers, body: Array(parameters.encoded.utf8))
    }
}

/// One HTTP response, transport-independent. Redirects are never followed by a transport.
public struct TransportResponse: Sendable, Equatable {
    /// The HTTP status code.
    public var status: Int
    /// The header fields.
    public var headers: HeaderList
    /// The body (empty for none).
    public var body: [UInt8]

    /// Creates a response.
    ///
    /// - Parameters:
    ///   - status: the HTTP status code.
    ///   - headers: the header fields.
    ///   - body: the body.
    public init(status: Int, headers: HeaderList = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body decoded as UTF-8, invalid sequences replaced by U+FFFD.
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
    /// Sends one request and returns the response, whatever its status; redirects are returned,
    /// not followed.
    ///
    /// - Parameter request: the request.
    /// - Throws: when the exchange itself fails (connection, timeout, size limit).
    func send(_ request: TransportRequest) async throws -> TransportResponse
}

extension HTTPTransport {
    /// Sends `request`; a failure of the exchange itself (connection, timeout, size limit) becomes
    /// an `OAuthError` with the `transport_error` code naming `step`.
    ///
    /// - Parameters:
    ///   - request: the request.
    ///   - step: the flow step the error names (``OAuthError/step``).
    /// - Throws: `OAuthError`: one the transport threw, as it is; any other failure as
    ///   ``OAuthErrorCode/transportError`` with origin ``OAuthError/Origin/transport``.
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
