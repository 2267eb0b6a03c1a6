import Foundation
import Testing

@testable import OAuthCore

/// `maskNamedValues` skips its regular expressions when a scan finds no name they could
/// capture that is a secret's. The scan must never skip a text they would change.
@Suite struct RedactorScanTests {
    static let pieces = [
        "\"", "\"", ":", " : ", "=", "&", "?", ";", " ", "\n", "\t", "\\", "\\\"", "access_token", "token_type", "client-secret",
        "Password", "pass_word", "code", "code_challenge", "state", "abc123", "x", "[0]", "api.key", "<p>", "#", "'", "é", "☃",
        "{", "}", ",", "token_endpoint", "X-Auth-Token", "id_token_hint", "webhook",
    ]

    @Test func theScanNeverSkipsWhatTheExpressionsWouldMask() {
        var generator = SplitMix64(seed: 19)
        var masked = 0
        for _ in 0..<20000 {
            let count = Int(generator.next() % 14) + 1
            let text = (0..<count).map { _ in Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))] }.joined()
            let expected = Redactor.maskNamedValuesByExpressions(in: text)
            #expect(Redactor.maskNamedValues(in: text) == expected, "\(text)")
            if expected != text { masked += 1 }
            let found = Redactor.namedValues(in: text).map { "\($0.name)=\($0.value)" }
            if !found.isEmpty { #expect(Redactor.mayNameASecret(text), "\(text)") }
        }
        #expect(masked > 20)  // the generated texts do exercise masking
    }

    /// A page's secret-named input fields are masked even when the user agent never posts them.
    @Test func secretNamedInputsOfAPageAreMasked() {
        let page = """
            <form method="post"><INPUT type="hidden" name="csrfmiddlewaretoken" value="Zq8-csrf-value-123">
            <input name='user_code' value='BCDF-GHJK' id="id_user_code"><input type=text name=country_code value=DE>
            <input name="username" value="alice"></form>
            """
        #expect(Redactor.secretInputValues(inHTML: page) == ["Zq8-csrf-value-123", "Zq8-csrf-value-123", "BCDF-GHJK", "BCDF-GHJK"])
        let redactor = Redactor()
        redactor.registerSecrets(in: TransportResponse(status: 200, headers: ["Content-Type": "text/html"], body: Array(page.utf8)))
        let shown = redactor.replaceSecrets(in: page)
        #expect(!shown.contains("Zq8-csrf-value-123") && !shown.contains("BCDF-GHJK") && shown.contains("alice") && shown.contains("DE"))
    }

    @Test func textsWithoutSecretNamesAreSkipped() {
        #expect(!Redactor.mayNameASecret(#"{"token_endpoint": "https://x/token", "kid": "k1", "n": "AQAB"}"#))
        #expect(!Redactor.mayNameASecret("GET /items?page=2&state=abc HTTP/1.1"))
        #expect(Redactor.mayNameASecret(#"{"access_token": "abc"}"#))
        #expect(Redactor.mayNameASecret("/cb?code=xyz&state=1"))
        #expect(Redactor.mayNameASecret("\"refresh_token\"\t:\n\"r\""))
    }
}

/// A small deterministic generator (SplitMix64) so the cases are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The byte scanners must give exactly what the expressions give on the text they take.
@Suite struct RedactorScannerTests {
    static let pieces = [
        "\"", "\"", "\"", ":", " : ", "=", "==", "&", "?", ";", " ", "\n", "\t", "\u{0B}", "\u{0C}", "\\", "\\\"", "\\\\", "\\\n",
        "access_token", "token_type", "client-secret", "Password", "pass_word", "code", "code_challenge", "state", "abc123", "x", "[0]",
        "api.key", "<p>", "#", "'", "{", "}", ",", "token_endpoint", "X-Auth-Token", "id_token_hint", "webhook", "[REDACTED]",
        String(repeating: "n", count: 40), String(repeating: "v", count: 79), "%2F", "+",
    ]

    @Test func scannersMatchTheExpressions() throws {
        var generator = SplitMix64(seed: 1219)
        var masked = 0
        for _ in 0..<20000 {
            let count = Int(generator.next() % 16) + 1
            let text = (0..<count).map { _ in Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))] }.joined()
            let bytes = try #require(RedactorScanner.scannable(text))
            let expected = Redactor.maskNamedValuesByExpressions(in: text)
            #expect(Redactor.maskNamedValuesByScanning(bytes) == expected, "\(text.debugDescription)")
            if expected != text { masked += 1 }
            let scanned = Redactor.namedRawValuesByScanning(bytes)
            let matched = Redactor.namedRawValuesByExpressions(text)
            #expect(scanned.json.map { "\($0.0)\u{0}\($0.1)" } == matched.json.map { "\($0.0)\u{0}\($0.1)" }, "\(text.debugDescription)")
            #expect(scanned.form.map { "\($0.0)\u{0}\($0.1)" } == matched.form.map { "\($0.0)\u{0}\($0.1)" }, "\(text.debugDescription)")
        }
        #expect(masked > 300)
    }

    @Test(arguments: [8191, 8192, 8193])
    func longValuesAreCutWhereTheExpressionsCutThem(length: Int) throws {
        for text in [
            #"{"access_token": ""# + String(repeating: "a", count: length) + #""}"#,
            "x?access_token=" + String(repeating: "a", count: length) + "&y=1",
            #"{"client_secret": ""# + String(repeating: "\\n", count: length / 2) + #"" "#,
            "\"" + String(repeating: "k", count: 80 + length % 3 - 1) + "_token\": \"v\"",
        ] {
            let bytes = try #require(RedactorScanner.scannable(text))
            #expect(Redactor.maskNamedValuesByScanning(bytes) == Redactor.maskNamedValuesByExpressions(in: text))
        }
    }

    @Test func nonASCIIAndCarriageReturnsGoToTheExpressions() {
        #expect(RedactorScanner.scannable("caf\u{E9} token=x") == nil)
        #expect(RedactorScanner.scannable("a\r\nb") == nil)
        #expect(
            Redactor.maskNamedValues(in: "caf\u{E9}\r\naccess_token=abc")
                == Redactor.maskNamedValuesByExpressions(in: "caf\u{E9}\r\naccess_token=abc")
        )
    }

    /// The byte trimming around cookie and credential values strips what Foundation's
    /// `.whitespaces` / `.whitespacesAndNewlines` strip, Unicode spaces at the ends included.
    @Test func valueTrimmingMatchesFoundation() {
        let pieces = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{A0}", "\u{2003}", "\u{85}", "\u{2028}", "a", "tok=en", "é", ";", "☃"]
        var generator = SplitMix64(seed: 7)
        for _ in 0..<5000 {
            let text = (0..<Int(generator.next() % 7)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            #expect(
                Substring(text).trimmingWhitespace(newlines: false) == text.trimmingCharacters(in: .whitespaces),
                "\(text.debugDescription)"
            )
            #expect(
                Substring(text).trimmingWhitespace(newlines: true) == text.trimmingCharacters(in: .whitespacesAndNewlines),
                "\(text.debugDescription)"
            )
        }
        #expect(Redactor.escapingSlashes("a/b//c") == #"a\/b\/\/c"#)
    }

    /// A value is registered with all its forms even when it is itself a form of a secret
    /// registered earlier (its percent-encoding is then a new form); registering again adds nothing.
    @Test func aValueThatIsAnotherSecretsFormGetsItsOwnForms() {
        let redactor = Redactor()
        redactor.register("abc/def+ghi")
        redactor.register("abc%2Fdef%2Bghi")  // the first one's percent-encoding, now a secret itself
        #expect(redactor.redact("x=abc%252Fdef%252Bghi") == "x=\(Redactor.mask)")
        #expect(redactor.redact(#"{"v":"abc\/def+ghi"}"#) == #"{"v":"\#(Redactor.mask)"}"#)
        redactor.register("abc/def+ghi")
        #expect(redactor.redact("abc%2fdef%2bghi") == Redactor.mask)
    }
}
