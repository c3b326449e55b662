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
    // Works on arrays of Unicode scalars: comparing Characters (each a small String) made
    // stemming the costliest step of classifying a message (BENCHMARKS.md "## Fetching").
    typealias Letters = [Unicode.Scalar]

    static func isVowel(_ letter: Unicode.Scalar) -> Bool {
        switch letter {
        case "a", "e", "i", "o", "u", "y", "ä", "å", "ö": true
        default: false
        }
    }

    /// Letters after which a final `-s` is a genitive or passive ending that can be dropped.
    static func isSEnding(_ letter: Unicode.Scalar) -> Bool {
        switch letter {
        case "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "o", "p", "r", "t", "v", "y": true
        default: false
        }
    }

    /// Letters before `-öst` for which it becomes `-ös` (as in "förlöst" → "förlös").
    static func isOstEnding(_ letter: Unicode.Scalar) -> Bool {
        switch letter {
        case "i", "k", "l", "n", "p", "r", "t", "u", "v": true
        default: false
        }
    }

    enum MainAction { case delete, sEnding, etEnding }

    /// Step 1 suffixes, longest first, so the first match is the longest.
    static let mainSuffixes: [(suffix: Letters, action: MainAction)] = {
        let deleted = ["a", "arna", "erna", "heterna", "orna", "ad", "e", "ade", "ande", "arne", "are", "aste",
                       "en", "anden", "aren", "heten", "ern", "ar", "er", "heter", "or", "as", "arnas", "ernas",
                       "ornas", "es", "ades", "andes", "ens", "arens", "hetens", "erns", "at", "andet", "het", "ast"]
        var list = deleted.map { (suffix: letters($0), action: MainAction.delete) }
        list.append((letters("s"), .sEnding))
        list.append((letters("et"), .etEnding))
        return list.sorted { $0.suffix.count > $1.suffix.count }
    }()

    /// Stems on which `-et` is part of the word rather than an ending ("fabet", "kometen", "kvitet"...).
    static let etExceptions: [Letters] = ["fab", "h", "pak", "rak", "stak", "kom", "iet", "cit", "dit", "alit",
                                         "ilit", "mit", "nit", "pit", "rit", "sit", "tit", "uit", "ivit", "kvit", "xit"].map(letters)

    static let consonantPairs: [Letters] = ["dd", "gd", "nn", "dt", "gt", "kt", "tt"].map(letters)
    static let et = letters("et"), fullt = letters("fullt"), ost = letters("öst"), lig = letters("lig"),
               els = letters("els"), ig = letters("ig")

    static func letters(_ word: String) -> Letters { Array(word.unicodeScalars) }

    public static func stem(_ word: String) -> String {
        var letters = letters(word)
        stem(&letters)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: letters)
        return String(result)
    }

    /// Stems `letters` in place (one lowercased word).
    static func stem(_ letters: inout Letters) {
        let r1 = regionOne(of: letters)
        mainSuffix(&letters, r1: r1)
        consonantPair(&letters, r1: r1)
        otherSuffix(&letters, r1: r1)
    }

    /// Start of R1: after the first non-vowel that follows a vowel, at least 3 letters in.
    /// Equal to the word length when there is no such position (nothing can be stripped).
    static func regionOne(of letters: Letters) -> Int {
        guard letters.count >= 3 else { return letters.count }
        var index = 0
        while index < letters.count, !isVowel(letters[index]) { index += 1 }
        while index < letters.count, isVowel(letters[index]) { index += 1 }
        guard index < letters.count else { return letters.count }
        return max(index + 1, 3)
    }

    /// Whether `letters[..<end]` ends with `suffix`, the suffix starting at or after `lowerBound`.
    static func endsWith(_ letters: Letters, _ suffix: Letters, end: Int, lowerBound: Int = 0) -> Bool {
        let start = end - suffix.count
        guard start >= lowerBound, start >= 0 else { return false }
        for offset in 0..<suffix.count where letters[start + offset] != suffix[offset] { return false }
        return true
    }

    /// `-et` is an ending only after vowel + consonant with something before them,
    /// and not after the stems listed in `etExceptions`.
    static func etCondition(_ letters: Letters, stemEnd: Int) -> Bool {
        guard stemEnd >= 3 else { return false }
        guard !isVowel(letters[stemEnd - 1]), isVowel(letters[stemEnd - 2]) else { return false }
        return !etExceptions.contains { endsWith(letters, $0, end: stemEnd) }
    }

    static func mainSuffix(_ letters: inout Letters, r1: Int) {
        guard let match = mainSuffixes.first(where: { endsWith(letters, $0.suffix, end: letters.count, lowerBound: r1) }) else { return }
        let start = letters.count - match.suffix.count
        switch match.action {
        case .delete:
            letters.removeSubrange(start...)
        case .etEnding:
            if etCondition(letters, stemEnd: start) { letters.removeSubrange(start...) }
        case .sEnding:
            // "-ets" goes as a whole when "-et" would have gone; otherwise "-s" after an s-ending letter.
            if endsWith(letters, et, end: start), etCondition(letters, stemEnd: start - 2) {
                letters.removeSubrange((start - 2)...)
            } else if start > 0, isSEnding(letters[start - 1]) {
                letters.removeSubrange(start...)
            }
        }
    }

    static func consonantPair(_ letters: inout Letters, r1: Int) {
        guard consonantPairs.contains(where: { endsWith(letters, $0, end: letters.count, lowerBound: r1) }) else { return }
        letters.removeLast()
    }

    static func otherSuffix(_ letters: inout Letters, r1: Int) {
        let end = letters.count
        if endsWith(letters, fullt, end: end, lowerBound: r1) {
            letters.removeLast()
        } else if endsWith(letters, ost, end: end, lowerBound: r1) {
            if end - 3 > 0, isOstEnding(letters[end - 4]) { letters.removeLast() }
        } else if endsWith(letters, lig, end: end, lowerBound: r1) {
            letters.removeLast(3)
        } else if endsWith(letters, els, end: end, lowerBound: r1) || endsWith(letters, ig, end: end, lowerBound: r1) {
            letters.removeLast(letters.last == "s" ? 3 : 2)
        }
    }
}
