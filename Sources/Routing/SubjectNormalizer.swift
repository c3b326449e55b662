/// Subject lines as threading sees them.
///
/// Mail clients in Sweden and elsewhere prepend their own reply and forward markers
/// ("SV:", "VB:", "AW:", "Re[2]:", "Fwd:"), often several deep, and some gateways add
/// "[EXTERN]". `normalize` removes all of that plus our own thread tag so that a reply and
/// the original compare equal. Swedish letters are kept: "fråga" and "fraga" are different
/// subjects to a human, and subject matching is only a weak fallback anyway.
///
/// Written with a small hand scanner instead of regular expressions so the rules stay
/// readable one by one and the type has no shared mutable state.
public enum SubjectNormalizer {
    /// Reply/forward markers, lowercased, as they appear before the colon.
    static let replyPrefixes: Set<String> = ["re", "sv", "svar", "vb", "vs", "fwd", "fw", "aw", "wg", "ang", "antw", "tr", "rv"]
    /// Bracketed markers added by mail gateways in front of external mail.
    static let gatewayMarkers: Set<String> = ["extern", "external", "ext", "externt"]

    public static func normalize(_ subject: String) -> String {
        var text = removingTags(from: subject, tagName: "Kontakt")
        while true {
            let stripped = strippingOnePrefix(text)
            if stripped == text { break }
            text = stripped
        }
        return text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ").lowercased()
    }

    /// The number in the first `[Kontakt #42]` tag, if any (spacing and case are forgiven).
    public static func threadTag(in subject: String, tagName: String = "Kontakt") -> Int? {
        tagRanges(in: Array(subject), tagName: tagName).first?.number
    }

    /// The subject with exactly one tag for `id`, placed after any leading reply markers:
    /// "SV: Fråga" → "SV: [Kontakt #42] Fråga". Other tags of ours are replaced.
    public static func tagged(_ subject: String, id: Int, tagName: String = "Kontakt") -> String {
        let untagged = removingTags(from: subject, tagName: tagName)
        let tag = "[\(tagName) #\(id)]"
        // Find where the leading markers end in the untagged subject.
        var rest = untagged.trimmingSpaces()
        var prefix = ""
        while true {
            let stripped = strippingOnePrefix(rest)
            if stripped == rest { break }
            prefix += String(rest.dropLast(stripped.count)).trimmingSpaces() + " "
            rest = stripped
        }
        let body = rest.trimmingSpaces()
        return (prefix + tag + (body.isEmpty ? "" : " " + body))
    }

    // MARK: - Scanning

    /// Removes one leading reply marker ("SV:", "Re[2]:", "AW :") or gateway marker
    /// ("[EXTERN]"), returning the remainder with leading spaces trimmed, or `text` unchanged.
    static func strippingOnePrefix(_ text: String) -> String {
        let chars = Array(text)
        var i = 0
        while i < chars.count, chars[i].isWhitespace { i += 1 }
        let start = i
        if i < chars.count, chars[i] == "[" {
            var j = i + 1
            while j < chars.count, chars[j] != "]" { j += 1 }
            if j < chars.count, gatewayMarkers.contains(String(chars[(i + 1)..<j]).trimmingSpaces().lowercased()) {
                return String(chars[(j + 1)...]).trimmingSpaces()
            }
            return String(chars[start...])
        }
        while i < chars.count, chars[i].isLetter, i - start < 5 { i += 1 }
        guard i > start, replyPrefixes.contains(String(chars[start..<i]).lowercased()) else { return String(chars[start...]) }
        while i < chars.count, chars[i] == " " { i += 1 }
        // Optional counter: Re[2]: or Re(2):
        if i < chars.count, chars[i] == "[" || chars[i] == "(" {
            let close: Character = chars[i] == "[" ? "]" : ")"
            var j = i + 1
            while j < chars.count, chars[j].isNumber { j += 1 }
            guard j > i + 1, j < chars.count, chars[j] == close else { return String(chars[start...]) }
            i = j + 1
            while i < chars.count, chars[i] == " " { i += 1 }
        }
        guard i < chars.count, chars[i] == ":" || chars[i] == "：" else { return String(chars[start...]) }
        return String(chars[(i + 1)...]).trimmingSpaces()
    }

    static func removingTags(from subject: String, tagName: String) -> String {
        let chars = Array(subject)
        let ranges = tagRanges(in: chars, tagName: tagName)
        guard !ranges.isEmpty else { return subject }
        var result = ""
        var position = 0
        for tag in ranges {
            result += String(chars[position..<tag.range.lowerBound])
            position = tag.range.upperBound
        }
        result += String(chars[position...])
        return result.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// Every `[<tagName> #<digits>]` in the subject, with forgiving spacing and case.
    static func tagRanges(in chars: [Character], tagName: String) -> [(range: Range<Int>, number: Int)] {
        let name = Array(tagName.lowercased())
        var found: [(range: Range<Int>, number: Int)] = []
        var i = 0
        while i < chars.count {
            guard chars[i] == "[" else { i += 1; continue }
            var j = i + 1
            func skipSpaces() { while j < chars.count, chars[j] == " " { j += 1 } }
            skipSpaces()
            guard j + name.count <= chars.count,
                  chars[j..<(j + name.count)].map({ Character($0.lowercased()) }) == name else { i += 1; continue }
            j += name.count
            skipSpaces()
            guard j < chars.count, chars[j] == "#" else { i += 1; continue }
            j += 1
            skipSpaces()
            let digitsStart = j
            while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1 }
            guard j > digitsStart, j - digitsStart <= 18, let number = Int(String(chars[digitsStart..<j])) else { i += 1; continue }
            skipSpaces()
            guard j < chars.count, chars[j] == "]" else { i += 1; continue }
            found.append((i..<(j + 1), number))
            i = j + 1
        }
        return found
    }
}
