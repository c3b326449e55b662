/// RFC 2047 encoded words (`=?charset?Q?...?=` and `=?charset?B?...?=`) in header values.
enum EncodedWord {
    /// Decodes every encoded word in `value`.
    ///
    /// Adjacent encoded words in the same charset have their *bytes* joined before charset decoding,
    /// so a UTF-8 character that a sender split across two words comes out whole. Whitespace between
    /// two encoded words is dropped (RFC 2047 §6.2). Tolerates what real mailers send: lower-case
    /// `q`/`b`, missing base64 padding, encoded words glued to text, spaces inside Q text, RFC 2231
    /// language suffixes (`utf-8*sv`). Anything that does not parse is kept as literal text.
    static func decode(_ value: String, defects: inout [Defect]) -> String {
        guard value.utf8.count >= 8, value.utf8.contains(UInt8(ascii: "?")) else { return value }
        let b = Array(value.utf8)
        let n = b.count
        var out = [UInt8]()
        out.reserveCapacity(n)
        var pending = [UInt8]()
        var pendingCharset: String? = nil
        var literalStart = 0
        var i = 0

        func flush(_ out: inout [UInt8], _ pending: inout [UInt8], _ pendingCharset: inout String?, _ defects: inout [Defect]) {
            guard let cs = pendingCharset else { return }
            out.append(contentsOf: Charset.decode(pending, label: cs, defects: &defects).utf8)
            pending.removeAll(keepingCapacity: true)
            pendingCharset = nil
        }

        while i + 1 < n {
            guard let word = word(in: b, at: i, before: n) else {
                i += 1
                continue
            }
            let literal = b[literalStart..<i]
            let onlySpace = literal.allSatisfy { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }
            if !(pendingCharset != nil && onlySpace) {
                flush(&out, &pending, &pendingCharset, &defects)
                out.append(contentsOf: literal)
            }
            let charset = word.charset.lowercased()
            if pendingCharset != nil && pendingCharset != charset {
                flush(&out, &pending, &pendingCharset, &defects)
            }
            let (bytes, valid) = decodedBytes(of: word, in: b)
            if !valid { defects.append(.invalidEncodedWord(String(decoding: b[i..<word.end], as: UTF8.self))) }
            pending.append(contentsOf: bytes)
            pendingCharset = charset
            i = word.end
            literalStart = i
        }
        flush(&out, &pending, &pendingCharset, &defects)
        if literalStart < n { out.append(contentsOf: b[literalStart..<n]) }
        return String(decoding: out, as: UTF8.self)
    }

    private struct Word { var charset: String; var encoding: UInt8; var textRange: Range<Int>; var end: Int }

    /// The encoded words in `range` of `bytes` (a header block, folded as it came) whose decoded
    /// bytes contain `needle` (lowercase; ASCII case-insensitively), each with what replaces it:
    /// B-encoded words in the same charset with the needle replaced (`RawRedaction`).
    ///
    /// Words are taken in runs, as `decode` joins them: adjacent words in one charset with only
    /// white space (or a fold) between them. Mailers split a long subject into words of 75
    /// characters wherever the limit falls, so an address can start in one word and end in the
    /// next; a run whose joined bytes hold it is rewritten whole, in words of at most
    /// `redactedWordBytes` decoded bytes joined by the run's own separator.
    static func redactions(in bytes: [UInt8], range: Range<Int>, needle: [UInt8],
                           replacement: [UInt8]) -> [(Range<Int>, [UInt8])] {
        var edits: [(Range<Int>, [UInt8])] = []
        var i = range.lowerBound
        while i + 1 < range.upperBound {
            guard let first = word(in: bytes, at: i, before: range.upperBound) else {
                i += 1
                continue
            }
            var run = [(start: i, word: first)]
            var separator: ArraySlice<UInt8>?
            while let last = run.last, let next = nextWordOfRun(in: bytes, after: last.word, before: range.upperBound) {
                if separator == nil { separator = bytes[last.word.end..<next.start] }
                run.append(next)
            }
            // One charset: the words' bytes join as they are and are written back in it. Several
            // (each one Kontakt decodes, all ASCII-compatible, see `nextWordOfRun`): each word is
            // read into UTF-8 first, and the run is written back as UTF-8.
            let mixed = run.contains { $0.word.charset.lowercased() != first.charset.lowercased() }
            let decoded = run.flatMap { item -> [UInt8] in
                let raw = decodedBytes(of: item.word, in: bytes).bytes
                guard mixed else { return raw }
                var ignored: [Defect] = []
                return Array(Charset.decode(raw, label: item.word.charset, defects: &ignored).utf8)
            }
            let redacted = RawRedaction.replacingASCII(needle, with: replacement, in: decoded)
            if redacted != decoded {
                let label = first.charset.isEmpty || mixed ? "utf-8" : first.charset
                let pieces = split(redacted, charset: label.lowercased())
                var out: [UInt8] = []
                for (index, piece) in pieces.enumerated() {
                    if index > 0 { out += separator.map(Array.init) ?? [32] }
                    out += Array("=?\(label)?B?".utf8) + TransferEncoding.encodeBase64(piece) + Array("?=".utf8)
                }
                edits.append((i..<run.last!.word.end, out))
            }
            i = run.last!.word.end
        }
        return edits
    }

    /// Decoded bytes per word of a rewritten run: 45 bytes are 60 base64 characters, so a word
    /// with a charset label stays near RFC 2047's 75.
    static let redactedWordBytes = 45

    private static func word(in bytes: [UInt8], at i: Int, before end: Int) -> Word? {
        guard i + 1 < end, bytes[i] == UInt8(ascii: "="), bytes[i + 1] == UInt8(ascii: "?"),
              let word = parseWord(bytes, at: i), word.end <= end else { return nil }
        return word
    }

    /// The word that continues a run after `previous`: between them only spaces, tabs and line
    /// breaks, and the same charset — or another one, when both are charsets Kontakt decodes in
    /// which ASCII is ASCII (UTF-8, ISO-8859-1/-15, Windows-1252), since the decoder joins such
    /// words too and an address may be cut at the change. The breaks are folds: a new field
    /// starts with its name, and a line that is neither ends the header block, so the range ends
    /// there.
    private static func nextWordOfRun(in bytes: [UInt8], after previous: Word, before end: Int) -> (start: Int, word: Word)? {
        var j = previous.end
        while j < end, bytes[j] == 32 || bytes[j] == 9 || bytes[j] == 13 || bytes[j] == 10 { j += 1 }
        guard let next = word(in: bytes, at: j, before: end) else { return nil }
        func asciiCompatible(_ label: String) -> Bool {
            switch Charset.lookup(label) {
            case .utf8?, .ascii?, .windows1252?, .iso885915?: true
            default: false
            }
        }
        guard next.charset.lowercased() == previous.charset.lowercased()
                || (asciiCompatible(next.charset) && asciiCompatible(previous.charset)) else { return nil }
        return (j, next)
    }

    /// The word's text decoded from B or Q, still in its charset; `valid` is false for broken base64.
    private static func decodedBytes(of word: Word, in bytes: [UInt8]) -> (bytes: [UInt8], valid: Bool) {
        let text = bytes[word.textRange]
        return word.encoding == UInt8(ascii: "B") || word.encoding == UInt8(ascii: "b")
            ? TransferEncoding.decodeBase64(text) : (decodeQ(text), true)
    }

    /// `bytes` in pieces of at most `redactedWordBytes`, never inside a character: a UTF-8
    /// piece ends before a continuation byte; a charset of one byte per character splits
    /// anywhere; any other charset (several bytes per character, shift states) stays whole.
    private static func split(_ bytes: [UInt8], charset: String) -> [[UInt8]] {
        let singleByte = charset.hasPrefix("iso-8859-") || charset.hasPrefix("windows-125") || charset == "us-ascii"
            || charset.hasPrefix("cp125")
        guard charset == "utf-8" || charset == "utf8" || singleByte, bytes.count > redactedWordBytes else { return [bytes] }
        var pieces: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            var end = min(start + redactedWordBytes, bytes.count)
            if !singleByte {
                while end < bytes.count, end > start + 1, bytes[end] & 0xC0 == 0x80 { end -= 1 }
            }
            pieces.append(Array(bytes[start..<end]))
            start = end
        }
        return pieces
    }

    /// Parses `=?charset?X?text?=` starting at `start`, or returns nil.
    private static func parseWord(_ b: [UInt8], at start: Int) -> Word? {
        let n = b.count
        var i = start + 2
        let csStart = i
        while i < n, b[i] != UInt8(ascii: "?") {
            let c = b[i]
            if c <= 32 || c >= 127 || i - csStart > 40 { return nil }
            i += 1
        }
        guard i + 2 < n, i > csStart else { return nil }
        var charset = String(decoding: b[csStart..<i], as: UTF8.self)
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        let enc = b[i + 1]
        guard enc == UInt8(ascii: "Q") || enc == UInt8(ascii: "q") || enc == UInt8(ascii: "B") || enc == UInt8(ascii: "b"),
              b[i + 2] == UInt8(ascii: "?") else { return nil }
        let textStart = i + 3
        var j = textStart
        // The RFC caps a word at 75 characters; allow much longer but bound the scan.
        let limit = min(n, textStart + 2000)
        while j + 1 < limit {
            if b[j] == UInt8(ascii: "?") && b[j + 1] == UInt8(ascii: "=") {
                return Word(charset: charset, encoding: enc, textRange: textStart..<j, end: j + 2)
            }
            if b[j] == 10 || b[j] == 13 { return nil }
            j += 1
        }
        return nil
    }

    /// The Q encoding: `_` is space, `=XX` a byte; invalid escapes stay literal.
    private static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == UInt8(ascii: "_") { out.append(32); i += 1; continue }
            if c == UInt8(ascii: "="), i + 2 < text.endIndex,
               let h = TransferEncoding.hexValue(text[i + 1]), let l = TransferEncoding.hexValue(text[i + 2]) {
                out.append(h << 4 | l); i += 3; continue
            }
            out.append(c)
            i += 1
        }
        return out
    }

    // MARK: Encoding

    /// Whether a header value must be encoded: non-ASCII, control characters, or text that a decoder
    /// would mistake for an encoded word.
    static func needsEncoding(_ s: String) -> Bool {
        for c in s.utf8 where c >= 0x7F || (c < 32 && c != 9) { return true }
        return s.contains("=?")
    }

    /// Encodes `text` as UTF-8 encoded words, each at most 75 characters, never splitting a character
    /// between two words. The first word is at most `firstMax` characters so that it fits after the
    /// header name. Q is used when it is shorter than B (mostly-ASCII Swedish text), else B.
    static func encode(_ text: String, firstMax: Int = 75) -> [String] {
        let prefix = "=?utf-8?q?", suffix = "?="
        // Decide Q or B from the whole text.
        var qLength = 0
        for c in text.utf8 { qLength += isQSafe(c) || c == 32 ? 1 : 3 }
        let bLength = (text.utf8.count + 2) / 3 * 4
        let useB = bLength < qLength
        let bPrefix = "=?utf-8?b?"
        var words: [String] = []
        var current = [UInt8]()      // raw bytes in the current word
        var currentLength = 0        // encoded length (Q) of current
        func budget() -> Int { (words.isEmpty ? max(firstMax, 20) : 75) - prefix.count - suffix.count }
        func emit() {
            guard !current.isEmpty else { return }
            if useB {
                words.append(bPrefix + String(decoding: TransferEncoding.encodeBase64(current), as: UTF8.self) + suffix)
            } else {
                var q = [UInt8]()
                for c in current {
                    if c == 32 { q.append(UInt8(ascii: "_")) }
                    else if isQSafe(c) { q.append(c) }
                    else { q.append(UInt8(ascii: "=")); q.append(TransferEncoding.hexDigits[Int(c >> 4)]); q.append(TransferEncoding.hexDigits[Int(c & 15)]) }
                }
                words.append(prefix + String(decoding: q, as: UTF8.self) + suffix)
            }
            current.removeAll()
            currentLength = 0
        }
        for ch in text.unicodeScalars {
            var bytes = [UInt8]()
            Charset.appendUTF8(ch.value, to: &bytes)
            let add: Int
            if useB {
                let newCount = current.count + bytes.count
                add = (newCount + 2) / 3 * 4 - currentLength
            } else {
                add = bytes.reduce(0) { $0 + ((isQSafe($1) || $1 == 32) ? 1 : 3) }
            }
            if currentLength + add > budget() { emit() }
            current.append(contentsOf: bytes)
            currentLength = useB ? (current.count + 2) / 3 * 4 : currentLength + add
        }
        emit()
        return words
    }

    /// Characters that may appear unencoded in a Q-encoded word in any header position (RFC 2047 §5 (3)).
    @inline(__always)
    static func isQSafe(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
            || c == UInt8(ascii: "!") || c == UInt8(ascii: "*") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: "/")
    }
}
