/// Function words that say nothing about what a mail is about, in both languages the
/// contact address receives. Matching is done on lowercased words and, for Swedish, also on
/// the diacritic-folded form, so "pa" and "ar" (written without å and ä) are stop words too.
///
/// Greetings and sign-offs ("hej", "mvh", "regards") are included: every topic has them,
/// so they only add noise to the classifier.
enum StopWords {
    static let swedish: Set<String> = [
        "och", "det", "att", "i", "en", "jag", "hon", "som", "han", "på", "den", "med", "var", "sig", "för", "så",
        "till", "är", "men", "ett", "om", "hade", "de", "av", "icke", "mig", "du", "henne", "då", "sin", "nu",
        "har", "inte", "hans", "honom", "skulle", "hennes", "där", "min", "man", "ej", "vid", "kunde", "något",
        "från", "ut", "när", "efter", "upp", "vi", "dem", "vara", "vad", "över", "än", "dig", "kan", "sina", "här",
        "ha", "mot", "alla", "under", "någon", "eller", "allt", "mycket", "sedan", "ju", "denna", "själv", "detta",
        "åt", "utan", "varit", "hur", "ingen", "mitt", "ni", "bli", "blev", "oss", "din", "dessa", "några", "deras",
        "blir", "mina", "samma", "vilken", "er", "sådan", "vår", "blivit", "dess", "inom", "mellan", "sådant",
        "varför", "varje", "vilka", "ditt", "vem", "vilket", "sitta", "sådana", "vart", "dina", "vars", "vårt",
        "våra", "ert", "era", "vilkas", "också", "även", "bara", "skall", "ska", "vill", "får", "fick", "finns",
        "hej", "hejsan", "tjena", "mvh", "hälsningar", "vänliga", "vänlig", "hälsning", "bästa", "tack",
        "hallå",
    ]

    static let english: Set<String> = [
        "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself", "he", "him",
        "his", "she", "her", "hers", "it", "its", "they", "them", "their", "what", "which", "who", "whom", "this",
        "that", "these", "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had",
        "having", "do", "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because", "as",
        "until", "while", "of", "at", "by", "for", "with", "about", "against", "between", "into", "through",
        "during", "before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over",
        "under", "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "all", "any",
        "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same",
        "so", "than", "too", "very", "can", "will", "just", "should", "now", "would", "could", "also", "get", "got",
        "hi", "hello", "dear", "regards", "kind", "best", "thanks", "thank", "cheers", "sincerely", "please",
        "i'm", "it's", "don't", "dont", "im",
    ]

    /// The Swedish list folded (å→a, ä→a, ö→o), for people who write without Swedish letters.
    static let swedishFolded: Set<String> = Set(swedish.map(Folding.fold))

    static let all: Set<String> = swedish.union(english).union(swedishFolded)

    static func contains(_ lowercasedWord: String) -> Bool {
        all.contains(lowercasedWord)
    }
}

/// Diacritic folding applied after stemming, so "fråga" and "fraga" end up as the same term.
enum Folding {
    /// Works on Unicode scalars: a `switch` over Characters compares grapheme clusters, which
    /// profiling showed to be one of the costliest steps of classifying a message.
    static func fold(_ word: String) -> String {
        guard word.unicodeScalars.contains(where: { $0.value > 0x7F }) else { return word }
        var result = String.UnicodeScalarView()
        for scalar in word.unicodeScalars {
            if let folded = fold(scalar) { result.append(folded) }
        }
        return String(result)
    }

    /// One scalar folded; nil for a combining accent, which folding drops.
    static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0xE5, 0xE4, 0xE0, 0xE1, 0xE2, 0xE6: "a"  // å ä à á â æ
        case 0xF6, 0xF8, 0xF3, 0xF2, 0xF4: "o"        // ö ø ó ò ô
        case 0xE9, 0xE8, 0xEA, 0xEB: "e"              // é è ê ë
        case 0xFC, 0xFA, 0xF9: "u"                    // ü ú ù
        case 0xED, 0xEC, 0xEF: "i"                    // í ì ï
        case 0x301, 0x300, 0x302, 0x308, 0x30A: nil   // combining accents of decomposed text
        default: scalar
        }
    }
}
