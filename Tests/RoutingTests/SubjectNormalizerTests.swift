import Testing
@testable import Routing

@Suite struct SubjectNormalizerTests {
    @Test(arguments: [
        ("SV: Fråga om materialet", "fråga om materialet"),
        ("Re: SV: VB: Fwd: AW: WG:  Fråga   om Materialet ", "fråga om materialet"),
        ("Sv: Re[2]: Anmälan", "anmälan"),
        ("RE (3): Anmälan", "anmälan"),
        ("Vs: Ang: FW: Värdet vi skapar", "värdet vi skapar"),
        ("SV: [Kontakt #42] Återkoppling på dagen", "återkoppling på dagen"),
        ("[EXTERN] Re: Övrigt", "övrigt"),
        ("Re:", ""),
        ("Reklam för stolar", "reklam för stolar"),      // "Re" inside a word is not a prefix
        ("Svar på enkäten", "svar på enkäten"),            // no colon: not a marker
    ])
    func normalizes(subject: String, expected: String) {
        #expect(SubjectNormalizer.normalize(subject) == expected)
    }

    @Test func findsTheThreadTag() {
        #expect(SubjectNormalizer.threadTag(in: "SV: [Kontakt #42] Fråga") == 42)
        #expect(SubjectNormalizer.threadTag(in: "[kontakt# 7]") == 7)
        #expect(SubjectNormalizer.threadTag(in: "[Kontakt 42]") == nil)
        #expect(SubjectNormalizer.threadTag(in: "Fråga #42") == nil)
        #expect(SubjectNormalizer.threadTag(in: "[Ärende #5]", tagName: "Ärende") == 5)
        #expect(SubjectNormalizer.threadTag(in: "[Kontakt #99999999999999999999999]") == nil)
    }

    @Test func tagsOnceAndKeepsReplyMarkers() {
        #expect(SubjectNormalizer.tagged("Fråga om material", id: 42) == "[Kontakt #42] Fråga om material")
        #expect(SubjectNormalizer.tagged("SV: Fråga", id: 42) == "SV: [Kontakt #42] Fråga")
        #expect(SubjectNormalizer.tagged("SV: [Kontakt #42] Fråga", id: 42) == "SV: [Kontakt #42] Fråga")
        #expect(SubjectNormalizer.tagged("Re: [Kontakt #7] Fråga", id: 42) == "Re: [Kontakt #42] Fråga")
        #expect(SubjectNormalizer.tagged("", id: 1) == "[Kontakt #1]")
    }
}
