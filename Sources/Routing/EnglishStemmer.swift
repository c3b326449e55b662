/// A deliberately light English suffix stripper: plurals, `-ing`, `-ed`, `-ly`, possessives.
///
/// English mail is the minority here and the classifier only needs "seminars" and "seminar",
/// "recorded" and "recording" to meet; a full Porter stemmer would buy little. It leaves
/// at least three letters and undoes doubled consonants ("planned" → "plan").
enum EnglishStemmer {
    static func stem(_ word: String) -> String {
        var w = word
        if w.hasSuffix("'s") || w.hasSuffix("’s") { w.removeLast(2) }
        if w.count <= 3 { return w }
        if w.hasSuffix("ies"), w.count > 4 { return String(w.dropLast(3)) + "y" }
        if w.hasSuffix("sses") || w.hasSuffix("xes") || w.hasSuffix("ches") || w.hasSuffix("shes") { return String(w.dropLast(2)) }
        if w.hasSuffix("s"), !w.hasSuffix("ss"), !w.hasSuffix("us"), !w.hasSuffix("is") { w.removeLast() }
        for suffix in ["ingly", "edly", "ing", "ed", "ly"] where w.hasSuffix(suffix) {
            let base = String(w.dropLast(suffix.count))
            guard base.count >= 3, base.contains(where: { "aeiouy".contains($0) }) else { break }
            return undoubled(base)
        }
        return w
    }

    /// "planned" → "plann" → "plan", but "called" → "call" keeps its double l.
    static func undoubled(_ base: String) -> String {
        guard let last = base.last, base.count >= 4 else { return base }
        let chars = Array(base)
        if chars[chars.count - 2] == last, !"lsz".contains(last), !"aeiou".contains(last) {
            return String(base.dropLast())
        }
        return base
    }
}
