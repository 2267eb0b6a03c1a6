import Foundation
import OAuthCore
import Testing

@testable import Harness

/// JUnit escaping works on bytes and transcripts are masked per entry; both must keep what
/// the character-by-character versions did.
@Suite struct ReportEscapingTests {
    @Test(arguments: [
        ("plain text, nothing to do", "plain text, nothing to do"),
        (#"a & b < c > d "e" 'f'"#, "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;"),
        ("line\r\nnext\ttab", "line&#13;\nnext\ttab"),
        ("bell\u{07} nul\u{00} esc\u{1B}", "bell\u{FFFD} nul\u{FFFD} esc\u{FFFD}"),
        ("non-characters \u{FFFE}\u{FFFF} kept \u{FFFD}\u{FFFC}", "non-characters \u{FFFD}\u{FFFD} kept \u{FFFD}\u{FFFC}"),
        ("caf\u{E9} \u{2603} \u{1F600} del\u{7F}", "caf\u{E9} \u{2603} \u{1F600} del\u{7F}"),
    ])
    func escapesLikeXMLNeeds(input: String, expected: String) {
        #expect(JUnitWriter.escape(input) == expected)
    }

    @Test func transcriptMasksNamedValuesPerEntryAndSecretsLearnedLater() throws {
        let redactor = Redactor()
        let transcript = Transcript(redactor: redactor)
        transcript.record(
            step: "call",
            request: TransportRequest(
                method: "GET",
                url: "https://api.example/items?access_token=short1&page=2",
                headers: ["X-Trace": "opaque-value-learned-later", "X-Debug": "client_secret=s3cr3t-in-a-header", "Authorization": "Bearer abcdefgh"]
            ),
            response: TransportResponse(
                status: 200,
                headers: ["Content-Type": "application/json"],
                body: Array(#"{"refresh_token":"r-123456"}"#.utf8)
            ),
            error: nil,
            elapsed: .milliseconds(3)
        )
        transcript.note(#"note: {"id_token": "eyJ.hdr.sig"} and password=hunter22"#)
        // A value seen only after it was recorded (here: registered by hand) is masked when read.
        redactor.register("opaque-value-learned-later")
        let text = transcript.text
        for secret in ["short1", "opaque-value-learned-later", "s3cr3t-in-a-header", "abcdefgh", "r-123456", "eyJ.hdr.sig", "hunter22"] {
            #expect(!text.contains(secret), "\(secret) leaked: \(text)")
        }
        #expect(text.contains("page=2"))
        #expect(text.contains("Authorization: Bearer [REDACTED]"))
    }
}
