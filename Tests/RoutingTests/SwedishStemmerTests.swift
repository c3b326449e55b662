import Testing
@testable import Routing

@Suite struct SwedishStemmerTests {
    /// Outputs of the reference Snowball implementation (snowballstem.org, the Python
    /// `snowballstemmer` 3.1.1 package generated from swedish.sbl), recorded by hand.
    static let snowballOutputs: [(word: String, stem: String)] = [
        ("jaktkarlarne", "jaktkarl"), ("klokhet", "klok"), ("friskt", "frisk"), ("fullt", "fullt"),
        ("löst", "löst"), ("förlöst", "förlös"), ("kommunens", "kommun"), ("kommunen", "kommun"),
        ("kommuner", "kommun"), ("hjälpen", "hjälp"), ("anmälan", "anmälan"), ("anmälningar", "anmälning"),
        ("utvärderingar", "utvärdering"), ("presentationerna", "presentation"), ("bilderna", "bild"),
        ("seminariets", "seminariet"), ("seminariet", "seminariet"), ("seminarier", "seminari"),
        ("skickade", "skick"), ("skickat", "skick"), ("ledarskapet", "ledarskap"), ("cheferna", "chef"),
        ("arbetsmiljöansvaret", "arbetsmiljöansvar"), ("styrningen", "styrning"), ("förändringen", "förändring"),
        ("gemensamma", "gemensamm"), ("värdet", "värdet"), ("värden", "värd"), ("skapar", "skap"),
        ("tillsammans", "tillsamman"), ("utvecklingsresa", "utvecklingsres"), ("dagen", "dag"),
        ("medarbetarna", "medarbet"), ("kvinnlig", "kvinn"), ("verkligen", "verk"), ("lärarna", "lär"),
        ("kraftigt", "kraft"), ("frågor", "fråg"), ("frågan", "frågan"), ("fråga", "fråg"), ("frågorna", "fråg"),
        ("materialet", "material"), ("kometen", "komet"), ("hus", "hus"), ("och", "och"), ("fabet", "fabet"),
        ("ledigheten", "led"), ("vänlighetens", "vän"), ("möjligheterna", "möj"), ("lyckades", "lyck"),
        ("springande", "spring"), ("händelser", "händ"), ("snabbt", "snabbt"),
    ]

    @Test(arguments: snowballOutputs)
    func matchesReferenceSnowball(word: String, stem: String) {
        #expect(SwedishStemmer.stem(word) == stem)
    }

    @Test func regionOneStartsAfterFirstVowelConsonantButNotBeforeThree() {
        #expect(SwedishStemmer.regionOne(of: SwedishStemmer.letters("fråga")) == 4)   // f r å g | a
        #expect(SwedishStemmer.regionOne(of: SwedishStemmer.letters("ute")) == 3)     // u t → 2, raised to 3
        #expect(SwedishStemmer.regionOne(of: SwedishStemmer.letters("aaa")) == 3)     // no consonant: empty region
    }

    @Test func shortAndEmptyWordsAreUntouched() {
        #expect(SwedishStemmer.stem("") == "")
        #expect(SwedishStemmer.stem("ja") == "ja")
    }
}
