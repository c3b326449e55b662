import Testing
@testable import Routing

@Suite struct TokenizerTests {
    @Test func foldingMakesSpellingsWithoutDiacriticsMeet() {
        #expect(Tokenizer.terms("fråga") == Tokenizer.terms("fraga"))
        #expect(Tokenizer.terms("fråga") == ["frag"])
        #expect(Tokenizer.terms("utvärdering") == Tokenizer.terms("utvardering"))
        #expect(Tokenizer.terms("förändring") == Tokenizer.terms("forandring"))
        #expect(Tokenizer.terms("idén") == Tokenizer.terms("iden"))
    }

    @Test func inflectedFormsStemTogether() {
        let stems = Set(["frågor", "frågan", "fråga", "frågorna", "fragan"].flatMap(Tokenizer.terms))
        #expect(stems == ["frag"])
        #expect(Tokenizer.terms("seminariet") == Tokenizer.terms("seminarier"))
        #expect(Tokenizer.terms("seminarium") == Tokenizer.terms("seminarierna"))
    }

    @Test func dropsStopWordsNumbersAndPunctuationAndLowercases() {
        let terms = Tokenizer.terms("Hej! Jag har en FRÅGA om materialet, 2025-03-01. Mvh")
        #expect(terms == ["frag", "material"])
        // Stop words written without Swedish letters are stop words too.
        #expect(Tokenizer.terms("jag ar pa semester") == ["semest"])
    }

    @Test func englishTextUsesTheEnglishStripper() {
        let terms = Tokenizer.terms("Could you please send the slides from the seminars you recorded?")
        #expect(terms.contains("slide"))
        #expect(terms.contains("seminar"))
        #expect(terms.contains("record"))
        #expect(!terms.contains("the"))
    }

    @Test func englishStemmerUndoesDoubledConsonants() {
        #expect(EnglishStemmer.stem("planned") == "plan")
        #expect(EnglishStemmer.stem("called") == "call")
        #expect(EnglishStemmer.stem("policies") == "policy")
        #expect(EnglishStemmer.stem("address") == "address")
    }
}
