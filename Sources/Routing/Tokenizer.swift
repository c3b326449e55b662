/// Turns mail text into classifier terms.
///
/// Pipeline per word: lowercase → drop stop words (checked before stemming, so "möte"
/// is not lost by stemming to the stop word "mot") → stem (Swedish Snowball, or the light
/// English stripper when the text as a whole reads as English) → a few Swedish endings
/// Snowball leaves alone → fold å/ä/ö/é to a/a/o/e. Folding comes *after* stemming so the
/// stemmer still sees the real vowels, yet "fråga" and "fraga" both end as "frag".
public enum Tokenizer {
    /// Words shorter than this after stemming carry no topic.
    static let minimumLength = 2

    public static func terms(_ text: String) -> [String] {
        let words = self.words(text)
        let english = LanguageGuess.isEnglish(words: words)
        var result: [String] = []
        result.reserveCapacity(words.count)
        for word in words {
            if StopWords.contains(word) { continue }
            if word.allSatisfy(\.isNumber) { continue }
            let stemmed = english ? EnglishStemmer.stem(word) : definiteFormReduced(SwedishStemmer.stem(word))
            let folded = Folding.fold(stemmed)
            if folded.count < minimumLength { continue }
            result.append(folded)
        }
        return result
    }

    /// Lowercased runs of letters and digits; apostrophes inside a word are kept ("don't").
    ///
    /// Walks Unicode scalars with an ASCII fast path rather than Characters: grapheme breaking
    /// and Character properties cost more than the rest of classification together (measured
    /// in the fetch benchmark). Combining marks stay inside the word they follow.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            while let last = current.last, last == "'" { current.removeLast() }
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.lowercased().unicodeScalars {
            let v = scalar.value
            let isWordScalar: Bool
            if v < 0x80 {
                isWordScalar = (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39)
            } else {
                let properties = scalar.properties
                isWordScalar = properties.isAlphabetic || properties.numericType != nil
                    || (!current.isEmpty && properties.generalCategory == .nonspacingMark)
            }
            if isWordScalar {
                current.append(scalar)
            } else if (v == 0x27 || v == 0x2019), !current.isEmpty {
                current.append("'")
            } else if !current.isEmpty {
                flush()
            }
        }
        flush()
        return words
    }

    /// Snowball keeps the definite singular "-an" ("frågan", "resan") and the Latin neuter
    /// "-iet"/"-ium" ("seminariet", "seminarium"), so those would not meet "frågor" or
    /// "seminarier". This extra step, outside the Snowball algorithm, strips them when at
    /// least three letters remain.
    static func definiteFormReduced(_ stem: String) -> String {
        if stem.count >= 6, stem.hasSuffix("an") { return String(stem.dropLast(2)) }
        if stem.count >= 6, stem.hasSuffix("iet") || stem.hasSuffix("ium") { return String(stem.dropLast(2)) }
        return stem
    }
}


