import Foundation
import OAuthCore
import Synchronization

/// The HTTP exchanges of one scenario, written for a report. Secrets are registered with the
/// scenario's redactor as they pass, and the text is redacted once more when it is read.
public final class Transcript: Sendable {
    private let lines = Mutex<[String]>([])
    let redactor: Redactor
    static let bodyPreviewLimit = 2048

    public init(redactor: Redactor) { self.redactor = redactor }

    public func note(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    func record(step: String, request: TransportRequest, response: TransportResponse?, error: (any Error)?, elapsed: Duration) {
        var text = "--- [\(step)] \(request.method) \(request.url)\n"
        // Header values are masked by name here (Authorization, cookies, secret-named headers);
        // other values are left to `text`, which redacts the whole transcript once more with
        // every secret known by then.
        for field in request.headers {
            text += "> \(field.name): \(redactor.redactHeader(name: field.name, value: field.value, valuesLater: true))\n"
        }
        if !request.body.isEmpty { text += "> \n> " + preview(request.body) + "\n" }
        if let response {
            let millis = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            text += "< HTTP \(response.status) (\(String(format: "%.1f", millis)) ms)\n"
            for field in response.headers {
                text += "< \(field.name): \(redactor.redactHeader(name: field.name, value: field.value, valuesLater: true))\n"
            }
            if !response.body.isEmpty { text += "< \n< " + preview(response.body) + "\n" }
        } else if let error {
            text += "! transport error: \(error)\n"
        }
        note(text)
    }

    /// The start of a body, redacted before it is cut: a secret that straddles the cut is
    /// masked whole, never shown in part. (Redaction reads the first 64 KiB.)
    func preview(_ body: [UInt8]) -> String {
        let redacted = redactor.redact(String(decoding: body.prefix(64 * 1024), as: UTF8.self))
        guard redacted.count > Self.bodyPreviewLimit || body.count > 64 * 1024 else { return redacted }
        return String(redacted.prefix(Self.bodyPreviewLimit)) + "… (\(body.count) bytes)"
    }

    /// The transcript with every known secret masked.
    public var text: String {
        redactor.redact(lines.withLock { $0.joined(separator: "\n") })
    }
}

/// Wraps a transport: records every exchange in a transcript (with the current step's name)
/// and registers the secrets it carries before anything is written.
public final class RecordingTransport: HTTPTransport {
    let base: any HTTPTransport
    let transcript: Transcript
    /// A deadline for every exchange that does not set one.
    let timeout: Duration?
    private let currentStep = Mutex("")

    public init(base: any HTTPTransport, transcript: Transcript, timeout: Duration? = nil) {
        self.base = base
        self.transcript = transcript
        self.timeout = timeout
    }

    public func setStep(_ step: String) { currentStep.withLock { $0 = step } }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        var request = request
        if request.timeout == nil { request.timeout = timeout }
        transcript.redactor.registerSecrets(in: request)
        let started = ContinuousClock.now
        do {
            let response = try await base.send(request)
            transcript.redactor.registerSecrets(in: response)
            transcript.record(
                step: currentStep.withLock { $0 },
                request: request,
                response: response,
                error: nil,
                elapsed: ContinuousClock.now - started
            )
            return response
        } catch {
            transcript.record(
                step: currentStep.withLock { $0 },
                request: request,
                response: nil,
                error: error,
                elapsed: ContinuousClock.now - started
            )
            throw error
        }
    }
}
