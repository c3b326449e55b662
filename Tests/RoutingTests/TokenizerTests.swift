import Testing
@testable import Routing

@Suite struct TokenizerTests {
    /// Splitting by bytes gives the words the scalar-by-scalar splitter it replaced gave, and
    /// `TextWords` holds the same words as distinct words, counts and a sequence.
    @Test func splittingMatchesTheScalarReferenceAndTextWordsHoldsTheSameWords() {
        func reference(_ text: String) -> [String] {
            var words: [String] = []
            var current = String.UnicodeScalarView()
            func flush() {
                while let last = current.last, last == "'" { current.removeLast() }
                if !current.isEmpty { words.append(String(current)) }
                current = String.UnicodeScalarView()
            }
            for scalar in text.unicodeScalars {
                let p = scalar.properties
                if scalar == "'" || scalar == "\u{2019}" {
                    if !current.isEmpty { current.append("'") }
                } else if p.isAlphabetic || p.numericType != nil {
                    current.append(contentsOf: p.lowercaseMapping.unicodeScalars)
                } else if !current.isEmpty, p.generalCategory == .nonspacingMark {
                    current.append(scalar)
                } else if !current.isEmpty {
                    flush()
                }
            }
            flush()
            return words
        }
        var samples = ["Hej! Jag har en FRÅGA om materialet, 2025-03-01. Mvh", "don't ’til 'quoted' it's''", "ÀÉÎÕÜ ß ÿ × ÷ Þþ",
                       "ΣΟΦΙΑ İstanbul Ǆemal ½ ² Ⅻ", "a\u{308}r o\u{30A} \u{301}x", "👋🏽emoji中文テキスト", ""]
        samples += Fixtures.randomTexts(1_000, from: "aZ09åÄÖé ,.'’-\u{308}ßÿ×ΣİǄ½Ⅻ中👋\u{A0}\t\n", maxLength: 60)
        for text in samples {
            let words = Tokenizer.words(text)
            #expect(words == reference(text), "\(text.debugDescription)")
            let split = TextWords(text)
            #expect(split.words == words)
            #expect(Set(split.distinct).count == split.distinct.count)
            #expect(split.occurrences.reduce(0, +) == words.count)
            #expect(split.language == LanguageGuess.Tally(words: words))
        }
    }

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
