/// Who wrote: decides templates and how the director's queue groups mail.
public enum SenderKind: String, Sendable, Codable, CaseIterable {
    case colleague, business, resident
}

/// Sorts senders into colleagues, businesses and residents.
///
/// Configured domains decide first (a subdomain of an internal domain is internal too:
/// `skola.kommun.example.se` under `kommun.example.se`). Otherwise organisational cues in the
/// text — company forms and registration numbers typical of Swedish and English signatures —
/// mark a business; everybody else is a resident.
public enum SenderKindClassifier {
    /// Cues matched as whole words, case-sensitively: "AB" and "VD" in lowercase are ordinary text.
    static let caseSensitiveCues: Set<String> = ["AB", "VD", "HB", "KB"]
    /// Cues matched as whole words (or word sequences), case-insensitively.
    static let caseInsensitiveCues: [[String]] = [
        ["aktiebolag"], ["org.nr"], ["org", "nr"], ["orgnr"], ["organisationsnummer"], ["inc"], ["ltd"], ["gmbh"], ["llc"],
    ]

    public static func kind(address: String, text: String, internalDomains: [String], businessDomains: [String]) -> SenderKind {
        let domain = address.split(separator: "@").last.map { $0.lowercased().trimmingCharacters(in: "> .") } ?? ""
        if !domain.isEmpty {
            if internalDomains.contains(where: { matches(domain: domain, configured: $0) }) { return .colleague }
            if businessDomains.contains(where: { matches(domain: domain, configured: $0) }) { return .business }
        }
        return hasOrganisationalCue(text) ? .business : .resident
    }

    static func matches(domain: String, configured: String) -> Bool {
        let configured = configured.lowercased().trimmingCharacters(in: "@. ")
        guard !configured.isEmpty else { return false }
        return domain == configured || domain.hasSuffix("." + configured)
    }

    /// Organisational cues stand in the closing lines, so only the last part of a long text is read.
    public static let cueWindow = 3_000

    static func hasOrganisationalCue(_ text: String) -> Bool {
        // Works on the UTF-8 bytes: every cue is ASCII, and splitting into Strings, lowercasing
        // them and looking up Unicode properties for each scalar dominated this check's cost.
        // Words keep inner dots so "Org.nr" survives; surrounding punctuation is trimmed.
        var text = text
        return text.withUTF8 { bytes -> Bool in
            // The last `cueWindow` scalars: count scalar starts (bytes other than 10xxxxxx) from the end.
            var start = bytes.count
            var scalars = 0
            while start > 0, scalars < cueWindow {
                start -= 1
                if bytes[start] & 0xC0 != 0x80 { scalars += 1 }
            }
            var previous: Range<Int>? = nil
            var wordStart = start
            var index = start
            while index <= bytes.count {
                var separatorLength = 0
                if index == bytes.count {
                    separatorLength = 1
                } else {
                    let byte = bytes[index]
                    switch byte {
                    case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "("),
                         UInt8(ascii: ")"), UInt8(ascii: ":"), UInt8(ascii: "|"), UInt8(ascii: "/"):
                        separatorLength = 1
                    case 0xC2...0xF4:
                        // Non-ASCII whitespace (no-break space in signatures, …) separates too.
                        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                        if index + length <= bytes.count,
                           let scalar = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]),
                                               as: UTF8.self).unicodeScalars.first,
                           scalar.properties.isWhitespace {
                            separatorLength = length
                        }
                    default: break
                    }
                }
                if separatorLength > 0 {
                    var word = wordStart..<index
                    if !word.isEmpty {
                        while !word.isEmpty, isTrimmed(bytes[word.upperBound - 1]) { word = word.lowerBound..<(word.upperBound - 1) }
                        while !word.isEmpty, isTrimmed(bytes[word.lowerBound]) { word = (word.lowerBound + 1)..<word.upperBound }
                        if !word.isEmpty {
                            if isCue(word, after: previous, in: bytes) { return true }
                            previous = word
                        }
                    }
                    wordStart = index + separatorLength
                }
                index += max(separatorLength, 1)
            }
            return false
        }
    }

    private static func isTrimmed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "?"), UInt8(ascii: "\""), UInt8(ascii: "'"): true
        default: false
        }
    }

    /// Whether the word at `word`, or the two-word sequence it ends, is an organisational cue.
    private static func isCue(_ word: Range<Int>, after previous: Range<Int>?, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let slice = UnsafeBufferPointer(rebasing: bytes[word])
        if caseSensitiveCueBytes.contains(where: { slice.elementsEqual($0) }) { return true }
        if singleWordCueBytes.contains(where: { equalsIgnoringASCIICase(slice, $0) }) { return true }
        if let previous {
            let before = UnsafeBufferPointer(rebasing: bytes[previous])
            if twoWordCueBytes.contains(where: { equalsIgnoringASCIICase(before, $0.0) && equalsIgnoringASCIICase(slice, $0.1) }) {
                return true
            }
        }
        // "Org.nr556677-8899" written without a space.
        let prefix = organisationNumberPrefix
        guard slice.count > prefix.count, equalsIgnoringASCIICase(UnsafeBufferPointer(rebasing: slice[..<prefix.count]), prefix) else {
            return false
        }
        return String(decoding: UnsafeBufferPointer(rebasing: slice[prefix.count...]), as: UTF8.self).first?.isNumber == true
    }

    private static func equalsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: [UInt8]) -> Bool {
        guard bytes.count == lowercase.count else { return false }
        for (byte, expected) in zip(bytes, lowercase) {
            let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
            if folded != expected { return false }
        }
        return true
    }

    private static let organisationNumberPrefix = Array("org.nr".utf8)
    private static let caseSensitiveCueBytes = caseSensitiveCues.map { Array($0.utf8) }
    private static let singleWordCueBytes = caseInsensitiveCues.filter { $0.count == 1 }.map { Array($0[0].utf8) }
    private static let twoWordCueBytes = caseInsensitiveCues.filter { $0.count == 2 }.map { (Array($0[0].utf8), Array($0[1].utf8)) }
}
