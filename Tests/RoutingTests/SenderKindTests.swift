import Testing
@testable import Routing

@Suite struct SenderKindTests {
    let internalDomains = ["kommun.example.se"]
    let businesses = ["leverantor.example.com"]

    func kind(_ address: String, _ text: String = "Hej, en fråga.") -> SenderKind {
        SenderKindClassifier.kind(address: address, text: text, internalDomains: internalDomains, businessDomains: businesses)
    }

    @Test func domainsDecideFirst() {
        #expect(kind("anna@kommun.example.se") == .colleague)
        #expect(kind("Anna@Skola.Kommun.Example.SE") == .colleague)
        #expect(kind("anna@notkommun.example.se") == .resident, "a look-alike domain is not a subdomain")
        #expect(kind("sales@leverantor.example.com") == .business)
        #expect(kind("olle@example.com") == .resident)
    }

    @Test(arguments: ["Mvh\nOlle\nBygg & Måleri AB", "Org.nr 556677-8899", "org nr: 556677-8899", "Karin Ek, VD",
                      "Acme Ltd.", "Example Inc", "Muster GmbH", "Fastighets Aktiebolag Väst"])
    func signatureCuesMakeABusiness(signature: String) {
        #expect(kind("someone@gmail.example", "Hej!\n\(signature)") == .business)
    }

    @Test func lowercaseLookalikesAreNotCues() {
        #expect(kind("x@example.com", "vi ska ab testa det, vd vet jag inte, inc-luderat") == .resident)
    }

    @Test func languageGuess() {
        #expect(LanguageGuess.isEnglish("Could you please send me the slides from the seminar? Thanks"))
        #expect(!LanguageGuess.isEnglish("Kan ni skicka bilderna från seminariet? Tack"))
        #expect(!LanguageGuess.isEnglish("kan ni skicka bilderna fran seminariet, jag har inte fatt dem"))
        #expect(!LanguageGuess.isEnglish(""))
    }
}
