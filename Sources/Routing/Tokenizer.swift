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
        terms(words: words(text))
    }

    /// Terms of a text already split by `words` (to split a text once for several uses).
    public static func terms(words: [String]) -> [String] {
        let english = LanguageGuess.isEnglish(words: words)
        var result: [String] = []
        result.reserveCapacity(words.count)
        // Mail repeats its words; each distinct word is stemmed once per text.
        var known: [String: String?] = [:]
        for word in words {
            if let term = known[word] {
                if let term { result.append(term) }
                continue
            }
            let term = self.term(word, english: english)
            known[word] = term
            if let term { result.append(term) }
        }
        return result
    }

    /// The classifier term for one lowercased word, nil when it carries no topic.
    static func term(_ word: String, english: Bool) -> String? {
        if StopWords.contains(word) { return nil }
        if word.unicodeScalars.allSatisfy({ $0.properties.numericType != nil }) { return nil }
        if english {
            let folded = Folding.fold(EnglishStemmer.stem(word))
            return folded.count < minimumLength ? nil : folded
        }
        var letters = SwedishStemmer.letters(word)
        SwedishStemmer.stem(&letters)
        reduceDefiniteForm(&letters)
        var folded = String.UnicodeScalarView()
        for scalar in letters {
            guard let replacement = Folding.fold(scalar) else { continue }
            folded.append(replacement)
        }
        let term = String(folded)
        return term.count < minimumLength ? nil : term
    }

    /// Lowercased runs of letters and digits; apostrophes inside a word are kept ("don't").
    ///
    /// Walks Unicode scalars with fast paths for ASCII and Latin-1 (Swedish letters) rather than
    /// Characters: grapheme breaking, Character properties and lowercasing the whole text first
    /// cost more than the rest of classification together (measured in the fetch benchmark).
    /// Combining marks stay inside the word they follow.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            while let last = current.last, last == "'" { current.removeLast() }
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    current.append(scalar)
                } else if v >= 0x41 && v <= 0x5A {
                    current.append(Unicode.Scalar(UInt8(v + 0x20)))
                } else if v == 0x27, !current.isEmpty {
                    current.append("'")
                } else if !current.isEmpty {
                    flush()
                }
            } else if v >= 0xC0 && v <= 0xFF && v != 0xD7 && v != 0xF7 {
                // Latin-1 letters: upper case (À–Þ) is lower case + 0x20; ß and ÿ have no
                // one-scalar upper case here.
                current.append(v <= 0xDE ? Unicode.Scalar(UInt8(v + 0x20)) : scalar)
            } else if v == 0x2019 {
                if !current.isEmpty { current.append("'") }
            } else {
                let properties = scalar.properties
                if properties.isAlphabetic || properties.numericType != nil {
                    current.append(contentsOf: properties.changesWhenLowercased ? properties.lowercaseMapping.unicodeScalars
                                                                                 : String(scalar).unicodeScalars)
                } else if !current.isEmpty, properties.generalCategory == .nonspacingMark {
                    current.append(scalar)
                } else if !current.isEmpty {
                    flush()
                }
            }
        }
        flush()
        return words
    }

    /// Snowball keeps the definite singular "-an" ("frågan", "resan") and the Latin neuter
    /// "-iet"/"-ium" ("seminariet", "seminarium"), so those would not meet "frågor" or
    /// "seminarier". This extra step, outside the Snowball algorithm, strips them when at
    /// least three letters remain.
    static func reduceDefiniteForm(_ stem: inout [Unicode.Scalar]) {
        guard stem.count >= 6 else { return }
        let last3 = stem.suffix(3), last2 = stem.suffix(2)
        if last2.elementsEqual("an".unicodeScalars) || last3.elementsEqual("iet".unicodeScalars) || last3.elementsEqual("ium".unicodeScalars) {
            stem.removeLast(2)
        }
    }
}


