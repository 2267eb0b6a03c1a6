import Foundation
import Testing

@testable import OAuthCore

/// The redactor's search over many secrets (an Aho–Corasick automaton) against the search per
/// secret it replaces once there are more than a few hundred forms, and the limits that bound
/// what a provider can make it keep.
@Suite struct SecretMatcherTests {
    /// Every byte inside any occurrence of any pattern, found one pattern at a time.
    static func covered(_ patterns: [[UInt8]], in text: [UInt8]) -> [Bool] {
        var covered = [Bool](repeating: false, count: text.count)
        for pattern in patterns where !pattern.isEmpty && pattern.count <= text.count {
            for start in 0...(text.count - pattern.count) where Array(text[start..<(start + pattern.count)]) == pattern {
                for index in start..<(start + pattern.count) { covered[index] = true }
            }
        }
        return covered
    }

    @Test func theAutomatonCoversExactlyWhatASearchPerPatternCovers() {
        var generator = SplitMix64(seed: 27)
        // A small alphabet, so that patterns overlap, nest and share prefixes and suffixes.
        func random(_ length: Int) -> [UInt8] { (0..<length).map { _ in UInt8(ascii: "a") + UInt8(generator.next() % 3) } }
        for _ in 0..<3000 {
            let patterns = (0..<Int(generator.next() % 8 + 1)).map { _ in random(Int(generator.next() % 5) + 1) }
            let text = random(Int(generator.next() % 40))
            var found = [Bool](repeating: false, count: text.count)
            text.withUnsafeBufferPointer { buffer in
                SecretMatcher(patterns).forEachMatch(in: buffer) { range in for index in range { found[index] = true } }
            }
            #expect(
                found == Self.covered(patterns, in: text),
                "\(patterns.map { String(decoding: $0, as: UTF8.self) }) in \(String(decoding: text, as: UTF8.self))"
            )
        }
    }

    /// Above the number of forms where the redactor switches from one search per secret to the
    /// automaton, it masks exactly the runs a search per secret finds (the secrets are separated
    /// by spaces here, so each run is one mask), and so it does below it.
    @Test func theRedactorMasksWhatASearchPerSecretFinds() {
        var generator = SplitMix64(seed: 41)
        let secrets = (0..<400).map { index in
            "s\(index)-"
                + String((0..<Int(generator.next() % 12) + 4).map { _ in Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(generator.next() % 4))) })
        }
        func reference(_ text: String, _ secrets: [String]) -> String {
            let bytes = Array(text.utf8)
            let covered = Self.covered(secrets.map { Array($0.utf8) }, in: bytes)
            var output: [UInt8] = []
            for index in bytes.indices {
                if !covered[index] { output.append(bytes[index]) } else if index == 0 || !covered[index - 1] { output += Array(Redactor.mask.utf8) }
            }
            return String(decoding: output, as: UTF8.self)
        }
        let many = Redactor(secrets: secrets)
        let few = Redactor(secrets: Array(secrets.prefix(20)))
        var masked = 0
        for _ in 0..<300 {
            let text = (0..<Int(generator.next() % 6)).map { _ in
                generator.next() % 2 == 0
                    ? secrets[Int(generator.next() % UInt64(secrets.count))] + (generator.next() % 3 == 0 ? "abc" : "") : "plain, é ☃"
            }.joined(separator: " ")
            let expected = reference(text, secrets)
            #expect(many.replaceSecrets(in: text) == expected, "\(text)")
            #expect(few.replaceSecrets(in: text) == reference(text, Array(secrets.prefix(20))), "\(text)")
            if expected != text { masked += 1 }
        }
        #expect(masked > 100)
    }

    @Test func overlappingSecretsBecomeOneMask() {
        let redactor = Redactor(secrets: ["abcdef", "defghi"])
        #expect(redactor.replaceSecrets(in: "x abcdefghi y") == "x \(Redactor.mask) y")
        #expect(redactor.replaceSecrets(in: "abcdefdefghi") == "\(Redactor.mask)\(Redactor.mask)")
    }

    /// A provider's flood of secret-named values: the redactor keeps at most `maximumSecrets`,
    /// counts the rest, and still masks what it keeps.
    @Test func theNumberOfSecretsKeptIsBoundedAndTheRestCounted() {
        let redactor = Redactor(secrets: ["the-client-secret"])
        var members: [String: JSONValue] = [:]
        for index in 0..<(Redactor.maximumSecrets + 500) { members[String(format: "x_token_%06d", index)] = .string("value-\(index)-padding") }
        redactor.registerSecrets(in: JSONValue.object(members))
        #expect(redactor.unregistered == 501)
        #expect(redactor.redact("the-client-secret") == Redactor.mask)
        let kept = members.values.filter { redactor.replaceSecrets(in: $0.stringValue!) == Redactor.mask }.count
        #expect(kept == Redactor.maximumSecrets - 1)
    }

    /// A discovery document's algorithm lists are no secrets (`id_token_signing_alg_values_supported`
    /// once made "RS256" one, and "cannot be used for RS256" read "cannot be used for [REDACTED]").
    @Test func metadataNamesAreNotSecrets() throws {
        let redactor = Redactor()
        let document = try JSONValue.parse(
            Array(#"{"id_token_signing_alg_values_supported":["RS256","ES256"],"id_token_encryption_alg_values_supported":["RSA-OAEP"]}"#.utf8)
        )
        redactor.registerSecrets(in: document)
        #expect(redactor.redact("the provider's key cannot be used for RS256") == "the provider's key cannot be used for RS256")
        #expect(Redactor.isSecretName("id_token_hint") && Redactor.isSecretName("id_token"))
    }
}
