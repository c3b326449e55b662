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
        terms(TextWords(text))
    }

    /// Terms of a text already split (to split a text once for several uses), stemmed as
    /// English when the text as a whole reads as English.
    public static func terms(_ text: TextWords) -> [String] {
        let terms = distinctTerms(text)
        return text.sequence.compactMap { terms[$0] }
    }

    /// The term of each of `text.distinct` (nil for a stop word or a number): mail repeats its
    /// words, so each distinct word is stemmed once per text.
    static func distinctTerms(_ text: TextWords) -> [String?] {
        let english = text.language.isEnglish
        return text.distinct.map { term($0, english: english) }
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
        split(text) { words.append($0) }
        return words
    }

    /// Calls `body` with each word of `words(text)` in turn.
    ///
    /// A word is gathered as UTF-8 bytes and made a String once: appending scalar by scalar
    /// to a String was most of the cost of splitting.
    static func split(_ text: String, _ body: (String) -> Void) {
        var current: [UInt8] = []
        current.reserveCapacity(64)
        func flush() {
            while current.last == UInt8(ascii: "'") { current.removeLast() }
            if !current.isEmpty { body(String(decoding: current, as: UTF8.self)) }
            current.removeAll(keepingCapacity: true)
        }
        func append(_ scalar: Unicode.Scalar) {
            UTF8.encode(scalar) { current.append($0) }
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    current.append(UInt8(v))
                } else if v >= 0x41 && v <= 0x5A {
                    current.append(UInt8(v + 0x20))
                } else if v == 0x27, !current.isEmpty {
                    current.append(UInt8(ascii: "'"))
                } else if !current.isEmpty {
                    flush()
                }
            } else if v >= 0xC0 && v <= 0xFF && v != 0xD7 && v != 0xF7 {
                // Latin-1 letters: upper case (À–Þ) is lower case + 0x20; ß and ÿ have no
                // one-scalar upper case here.
                append(v <= 0xDE ? Unicode.Scalar(UInt8(v + 0x20)) : scalar)
            } else if v == 0x2019 {
                if !current.isEmpty { current.append(UInt8(ascii: "'")) }
            } else {
                let properties = scalar.properties
                if properties.isAlphabetic || properties.numericType != nil {
                    if properties.changesWhenLowercased {
                        for lower in properties.lowercaseMapping.unicodeScalars { append(lower) }
                    } else {
                        append(scalar)
                    }
                } else if !current.isEmpty, properties.generalCategory == .nonspacingMark {
                    append(scalar)
                } else if !current.isEmpty {
                    flush()
                }
            }
        }
        flush()
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



/// A text split by `Tokenizer.words` once, with its language tally, for every step of routing
/// that reads it: the classifier's terms and the language of a new conversation.
///
/// Why distinct words and a sequence of indices rather than a list of words: mail repeats its
/// words, and each step then does its work (stop-word and marker lookups, stemming, the model's
/// counts) once per distinct word. Splitting, counting and looking up every occurrence two or
/// three times over was a visible part of a poll.
public struct TextWords: Sendable {
    /// Each word once, in order of first appearance.
    public let distinct: [String]
    /// How often each of `distinct` occurs.
    public let occurrences: [Int]
    /// The text's words in order, as indices into `distinct`.
    public let sequence: [Int]
    public let language: LanguageGuess.Tally

    public init(_ text: String) {
        var distinct: [String] = []
        var occurrences: [Int] = []
        var sequence: [Int] = []
        var index: [String: Int] = [:]
        // About one word in six characters, half of them distinct: fewer rehashes.
        index.reserveCapacity(text.utf8.count / 12)
        Tokenizer.split(text) { word in
            let position = index[word, default: distinct.count]
            if position == distinct.count {
                index[word] = position
                distinct.append(word)
                occurrences.append(0)
            }
            occurrences[position] += 1
            sequence.append(position)
        }
        self.distinct = distinct
        self.occurrences = occurrences
        self.sequence = sequence
        language = LanguageGuess.Tally(words: distinct, occurrences: occurrences)
    }

    /// The words in order, as `Tokenizer.words` gives them.
    public var words: [String] { sequence.map { distinct[$0] } }
}
