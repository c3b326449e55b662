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
        var english = 0
        var swedish = 0
        for word in words {
            if englishMarkers.contains(word) { english += 1 }
            if swedishMarkers.contains(word) { swedish += 1 }
            if hasSwedishLetter(word) { swedish += 1 }
        }
        guard english > swedish else { return false }
        // At least a modest share of the text should be English function words.
        return Double(english) / Double(max(words.count, 1)) >= 0.08 || english >= 3
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
