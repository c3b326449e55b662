/// Snowball's Swedish stemmer (the algorithm as published at snowballstem.org, version 3),
/// written by hand because no Swift package with Snowball stemmers is available to this
/// project. Tests compare it against outputs of the reference implementation.
///
/// The algorithm only strips suffixes inside R1, the part of the word after the first
/// non-vowel that follows a vowel, but never closer than three letters to the start. That
/// keeps short words intact ("hus" stays "hus") while "frågorna" and "frågor" both become
/// "fråg". Three steps run in order on the result of the previous one:
///
/// 1. main suffixes (`-arna`, `-heten`, `-ande`, `-s` after certain letters, `-et` when the
///    stem looks like it can carry it, …), longest match first;
/// 2. a final consonant pair `dd gd nn dt gt kt tt` loses its last letter;
/// 3. `-lig`, `-ig`, `-els` go, `-öst` becomes `-ös` after certain letters, `-fullt` becomes `-full`.
///
/// Input should be one lowercased word; the stemmer does not lowercase or fold diacritics
/// itself, because folding before stemming would change which letters count as vowels.
public enum SwedishStemmer {
    static let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y", "ä", "å", "ö"]
    /// Letters after which a final `-s` is a genitive or passive ending that can be dropped.
    static let sEndings: Set<Character> = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "o", "p", "r", "t", "v", "y"]
    /// Letters before `-öst` for which it becomes `-ös` (as in "förlöst" → "förlös").
    static let ostEndings: Set<Character> = ["i", "k", "l", "n", "p", "r", "t", "u", "v"]

    enum MainAction { case delete, sEnding, etEnding }

    /// Step 1 suffixes; longest match wins, so order does not matter here.
    static let mainSuffixes: [(suffix: [Character], action: MainAction)] = {
        let deleted = ["a", "arna", "erna", "heterna", "orna", "ad", "e", "ade", "ande", "arne", "are", "aste",
                       "en", "anden", "aren", "heten", "ern", "ar", "er", "heter", "or", "as", "arnas", "ernas",
                       "ornas", "es", "ades", "andes", "ens", "arens", "hetens", "erns", "at", "andet", "het", "ast"]
        var list = deleted.map { (suffix: Array($0), action: MainAction.delete) }
        list.append((Array("s"), .sEnding))
        list.append((Array("et"), .etEnding))
        return list.sorted { $0.suffix.count > $1.suffix.count }
    }()

    /// Stems on which `-et` is part of the word rather than an ending ("fabet", "kometen", "kvitet"...).
    static let etExceptions: [[Character]] = ["fab", "h", "pak", "rak", "stak", "kom", "iet", "cit", "dit", "alit",
                                              "ilit", "mit", "nit", "pit", "rit", "sit", "tit", "uit", "ivit", "kvit", "xit"].map(Array.init)

    static let consonantPairs: [[Character]] = ["dd", "gd", "nn", "dt", "gt", "kt", "tt"].map(Array.init)

    public static func stem(_ word: String) -> String {
        var letters = Array(word)
        let r1 = regionOne(of: letters)
        mainSuffix(&letters, r1: r1)
        consonantPair(&letters, r1: r1)
        otherSuffix(&letters, r1: r1)
        return String(letters)
    }

    /// Start of R1: after the first non-vowel that follows a vowel, at least 3 letters in.
    /// Equal to the word length when there is no such position (nothing can be stripped).
    static func regionOne(of letters: [Character]) -> Int {
        guard letters.count >= 3 else { return letters.count }
        var index = 0
        while index < letters.count, !vowels.contains(letters[index]) { index += 1 }
        while index < letters.count, vowels.contains(letters[index]) { index += 1 }
        guard index < letters.count else { return letters.count }
        return max(index + 1, 3)
    }

    /// Whether `letters[..<end]` ends with `suffix`, the suffix starting at or after `lowerBound`.
    static func endsWith(_ letters: [Character], _ suffix: [Character], end: Int, lowerBound: Int = 0) -> Bool {
        let start = end - suffix.count
        guard start >= lowerBound, start >= 0 else { return false }
        return Array(letters[start..<end]) == suffix
    }

    /// `-et` is an ending only after vowel + consonant with something before them,
    /// and not after the stems listed in `etExceptions`.
    static func etCondition(_ letters: [Character], stemEnd: Int) -> Bool {
        guard stemEnd >= 3 else { return false }
        guard !vowels.contains(letters[stemEnd - 1]), vowels.contains(letters[stemEnd - 2]) else { return false }
        return !etExceptions.contains { endsWith(letters, $0, end: stemEnd) }
    }

    static func mainSuffix(_ letters: inout [Character], r1: Int) {
        guard let match = mainSuffixes.first(where: { endsWith(letters, $0.suffix, end: letters.count, lowerBound: r1) }) else { return }
        let start = letters.count - match.suffix.count
        switch match.action {
        case .delete:
            letters.removeSubrange(start...)
        case .etEnding:
            if etCondition(letters, stemEnd: start) { letters.removeSubrange(start...) }
        case .sEnding:
            // "-ets" goes as a whole when "-et" would have gone; otherwise "-s" after an s-ending letter.
            if endsWith(letters, Array("et"), end: start), etCondition(letters, stemEnd: start - 2) {
                letters.removeSubrange((start - 2)...)
            } else if start > 0, sEndings.contains(letters[start - 1]) {
                letters.removeSubrange(start...)
            }
        }
    }

    static func consonantPair(_ letters: inout [Character], r1: Int) {
        guard consonantPairs.contains(where: { endsWith(letters, $0, end: letters.count, lowerBound: r1) }) else { return }
        letters.removeLast()
    }

    static func otherSuffix(_ letters: inout [Character], r1: Int) {
        let end = letters.count
        if endsWith(letters, Array("fullt"), end: end, lowerBound: r1) {
            letters.removeLast()
        } else if endsWith(letters, Array("öst"), end: end, lowerBound: r1) {
            if end - 3 > 0, ostEndings.contains(letters[end - 4]) { letters.removeLast() }
        } else if endsWith(letters, Array("lig"), end: end, lowerBound: r1) {
            letters.removeLast(3)
        } else if endsWith(letters, Array("els"), end: end, lowerBound: r1) || endsWith(letters, Array("ig"), end: end, lowerBound: r1) {
            letters.removeLast(letters.last == "s" ? 3 : 2)
        }
    }
}
