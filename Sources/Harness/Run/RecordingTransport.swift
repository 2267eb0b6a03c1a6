import Foundation
import OAuthCore
import Synchronization

/// The HTTP exchanges of one scenario, written for a report. Secrets are registered with the
/// scenario's redactor as they pass; each entry's secret-named values are masked when it is
/// recorded (bodies already are, by `preview`), and every registered secret — those learned
/// later included — is replaced when the text is read.
package final class Transcript: Sendable {
    private let lines = Mutex<[String]>([])
    let redactor: Redactor
    static let bodyPreviewLimit = 2048

    package init(redactor: Redactor) { self.redactor = redactor }

    package func note(_ line: String) {
        let masked = Redactor.maskNamedValues(in: line)
        lines.withLock { $0.append(masked) }
    }

    private func append(masked entry: String) {
        lines.withLock { $0.append(entry) }
    }

    func record(step: String, request: TransportRequest, response: TransportResponse?, error: (any Error)?, elapsed: Duration) {
        // Header values are masked by name (Authorization, cookies, secret-named headers);
        // the request line and headers then go through maskNamedValues, the body previews are
        // redacted already, and `text` replaces every registered secret in the end.
        var head = "--- [\(step)] \(request.method) \(request.url)\n"
        for field in request.headers {
            head += "> \(field.name): \(redactor.redactHeader(name: field.name, value: field.value, valuesLater: true))\n"
        }
        var text = Redactor.maskNamedValues(in: head)
        if !request.body.isEmpty { text += "> \n> " + preview(request.body) + "\n" }
        if let response {
            let millis = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            var status = "< HTTP \(response.status) (\(String(format: "%.1f", millis)) ms)\n"
            for field in response.headers {
                status += "< \(field.name): \(redactor.redactHeader(name: field.name, value: field.value, valuesLater: true))\n"
            }
            text += Redactor.maskNamedValues(in: status)
            if !response.body.isEmpty { text += "< \n< " + preview(response.body) + "\n" }
        } else if let error {
            text += Redactor.maskNamedValues(in: "! transport error: \(error)\n")
        }
        append(masked: text)
    }

    /// The start of a body, redacted before it is cut: a secret that straddles the cut is
    /// masked whole, never shown in part. (Redaction reads the first 64 KiB.)
    func preview(_ body: [UInt8]) -> String {
        let redacted = redactor.redact(String(decoding: body.prefix(64 * 1024), as: UTF8.self))
        guard redacted.count > Self.bodyPreviewLimit || body.count > 64 * 1024 else { return redacted }
        return String(redacted.prefix(Self.bodyPreviewLimit)) + "… (\(body.count) bytes)"
    }

    /// The transcript with every known secret masked.
    package var text: String {
        var text = redactor.replaceSecrets(in: lines.withLock { $0.joined(separator: "\n") })
        let unregistered = redactor.unregistered
        if unregistered > 0 {
            text +=
                "\n! the provider sent more secret values than the redactor keeps (\(Redactor.maximumSecrets) values, "
                + "\(Redactor.maximumSecretBytes >> 20) MiB): \(unregistered) more are masked where a secret's name carries them, not elsewhere"
        }
        return text
    }
}

/// Wraps a transport: records every exchange in a transcript (with the current step's name)
/// and registers the secrets it carries before anything is written.
package final class RecordingTransport: HTTPTransport {
    let base: any HTTPTransport
    let transcript: Transcript
    /// A deadline for every exchange that does not set one.
    let timeout: Duration?
    private let currentStep = Mutex("")

    package init(base: any HTTPTransport, transcript: Transcript, timeout: Duration? = nil) {
        self.base = base
        self.transcript = transcript
        self.timeout = timeout
    }

    package func setStep(_ step: String) { currentStep.withLock { $0 = step } }

    package func send(_ request: TransportRequest) async throws -> TransportResponse {
        // A check past its time limit is cancelled: it sends nothing more.
        try Task.checkCancellation()
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
