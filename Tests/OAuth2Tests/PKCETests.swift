import Testing

@testable import OAuth2

@Suite struct PKCETests {
    /// RFC 7636 Appendix B: the S256 example.
    @Test func appendixBVector() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(PKCE.isValidVerifier(verifier))
        #expect(PKCE.challenge(for: verifier, method: .s256) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.verify(verifier: verifier, challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", method: .s256))
        #expect(!PKCE.verify(verifier: verifier, challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", method: .s256))
    }

    @Test func plainChallengeIsTheVerifier() {
        let verifier = String(repeating: "a", count: 43)
        #expect(PKCE.challenge(for: verifier, method: .plain) == verifier)
    }

    @Test(arguments: [
        (String(repeating: "a", count: 42), false), (String(repeating: "a", count: 43), true),
        (String(repeating: "a", count: 128), true), (String(repeating: "a", count: 129), false),
        (String(repeating: "a", count: 42) + "+", false), (String(repeating: "a", count: 42) + "~", true),
    ])
    func verifierSyntax(verifier: String, valid: Bool) {
        #expect(PKCE.isValidVerifier(verifier) == valid)
    }

    @Test func generatedVerifiersAreValidAndDistinct() {
        let verifiers = (0..<50).map { _ in PKCE.generateVerifier() }
        #expect(Set(verifiers).count == 50)
        #expect(verifiers.allSatisfy(PKCE.isValidVerifier))
    }
}
