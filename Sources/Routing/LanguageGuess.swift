/// A tiny language guess used to pick reply templates and the stemmer: English or not.
///
/// It counts words that occur in only one of the two stop-word lists; texts in this
/// mailbox are Swedish unless shown otherwise, so a tie, or a text with Swedish letters in
/// its function words, counts as Swedish.
public enum LanguageGuess {
    /// English function words that are not also Swedish words.
    static let englishMarkers: Set<String> = StopWords.english.subtracting(StopWords.swedish).subtracting(StopWords.swedishFolded)
    /// Swedish function words that are not also English words.
    static let swedishMarkers: Set<String> = StopWords.swedish.union(StopWords.swedishFolded).subtracting(StopWords.english)

    public static func isEnglish(_ text: String) -> Bool {
        isEnglish(words: Tokenizer.words(text))
    }

    public static func isEnglish(words: [String]) -> Bool {
        Tally(words: words).isEnglish
    }

    /// The evidence of some words, counted once: tallies of a subject and of a text add up
    /// to the tally of both, so each is split and counted only once per message.
    public struct Tally: Sendable, Equatable {
        var english = 0
        var swedish = 0
        var words = 0

        public init(words: [String]) {
            self.init(words: words, occurrences: Array(repeating: 1, count: words.count))
        }

        /// The tally of a text in which each of `words` occurs as often as `occurrences` says.
        public init(words: [String], occurrences: [Int]) {
            for (word, count) in zip(words, occurrences) {
                self.words += count
                if englishMarkers.contains(word) { english += count }
                if swedishMarkers.contains(word) { swedish += count }
                if hasSwedishLetter(word) { swedish += count }
            }
        }

        public static func + (a: Tally, b: Tally) -> Tally {
            var sum = a
            sum.english += b.english
            sum.swedish += b.swedish
            sum.words += b.words
            return sum
        }

        public var isEnglish: Bool {
            guard english > swedish else { return false }
            // At least a modest share of the text should be English function words.
            return Double(english) / Double(max(words, 1)) >= 0.08 || english >= 3
        }
    }

    /// å, ä or ö, precomposed or as a letter and a combining ring or diaeresis. On scalars:
    /// comparing Characters cost more than the rest of the guess.
    static func hasSwedishLetter(_ word: String) -> Bool {
        var previous: Unicode.Scalar = " "
        for scalar in word.unicodeScalars {
            switch scalar.value {
            case 0xE5, 0xE4, 0xF6: return true
            case 0x30A where previous == "a": return true
            case 0x308 where previous == "a" || previous == "o": return true
            default: previous = scalar
            }
        }
        return false
    }
}
