/// The new text of a message: what the sender wrote this time, without quoted earlier messages and
/// without the signature. The classifier and the queue show and match on this.
///
/// Rules, in order:
/// 1. Cut at the start of a quoted original that is not marked with `>`: Outlook separators
///    ("-----Ursprungligt meddelande-----", "-----Original Message-----", a line of underscores
///    followed by a header block), Outlook header blocks ("Från: … Skickat: …", "From: … Sent: …"),
///    forwarded-message markers, and attribution lines ("Den … skrev:", "On … wrote:", Apple Mail's
///    "5 jan. 2026 kl. 10:00 skrev …:") that are not followed by a `>` block.
/// 2. Drop every `>` line and the attribution line right before a `>` block, keeping text written
///    between quotes (inline replies).
/// 3. Cut at the signature separator "-- ", and at a closing formula ("Med vänliga hälsningar",
///    "Mvh", "Hälsningar", "Best regards", "Kind regards", ...) when only a few short lines follow.
/// 4. Drop "Skickat från min iPhone" style lines and surrounding blank lines.
public enum NewText {
    /// A message's new text and the signature cut from its end.
    public struct Parts: Sendable, Equatable {
        public var newText: String
        /// What rule 3 cut: the closing formula, the lines after it and anything after "-- ".
        /// Not shown; read for who the sender is ("VD, Sjöberg Bygg AB", "Org.nr …").
        public var signature: String
    }

    public static func extract(from text: String) -> String {
        split(text).newText
    }

    /// The new text and the signature, from one pass.
    public static func split(_ text: String) -> Parts {
        // Split on UTF-8 bytes: Character-based splitting is several times slower.
        var lines = text.utf8.split(separator: 10, omittingEmptySubsequences: false).map { line -> String in
            let bytes = line.last == 13 ? line.dropLast() : line[...]
            return String(Substring(bytes))
        }
        // 1. Cut at unmarked quoted originals. Lines are trimmed and lower-cased once, up front, and
        //    dropped lines are only marked, so the pass stays linear on hostile input.
        let trimmedLines = lines.map(trimmed)
        let lowered = trimmedLines.map(lowerPrefix)
        var dropped = [Bool](repeating: false, count: lines.count)
        var cut = lines.count
        var k = 0
        while k < lines.count {
            if isSeparator(lowered[k]) || isHeaderBlockStart(trimmedLines, lowered, k) {
                cut = k
                break
            }
            if let span = attributionSpan(trimmedLines, k) {
                // Followed (after blank lines) by a ">" block: drop only the attribution.
                var j = k + span
                while j < lines.count && trimmedLines[j].isEmpty { j += 1 }
                if j < lines.count && isQuoted(lines[j]) {
                    for d in k..<(k + span) { dropped[d] = true }
                    k += span
                    continue
                }
                cut = k
                break
            }
            k += 1
        }
        lines = (0..<cut).compactMap { dropped[$0] ? nil : lines[$0] }
        // 2. Drop quoted lines.
        lines.removeAll(where: isQuoted)
        // 3. Signature.
        var signature: [String] = []
        if let sig = lines.firstIndex(where: { $0 == "-- " || $0 == "--" }) {
            signature = Array(lines[(sig + 1)...])
            lines.removeSubrange(sig...)
        }
        if let closing = closingFormulaIndex(lines) {
            signature = Array(lines[closing...]) + signature
            lines.removeSubrange(closing...)
        }
        // 4. Device footers and blank lines.
        lines.removeAll { isDeviceFooter(trimmed($0)) }
        var out: [String] = []
        var blank = 0
        for l in lines {
            let isBlank = trimmed(l).isEmpty
            if isBlank { blank += 1; if blank > 1 || out.isEmpty { continue } } else { blank = 0 }
            out.append(isBlank ? "" : trimTrailing(l))
        }
        while out.last?.isEmpty == true { out.removeLast() }
        while signature.last.map({ trimmed($0).isEmpty }) == true { signature.removeLast() }
        return Parts(newText: out.joined(separator: "\n"), signature: signature.joined(separator: "\n"))
    }

    /// Trims spaces, tabs, no-break spaces and the `*` Outlook puts around bold labels.
    static func trimmed(_ s: String) -> String {
        let u = s.unicodeScalars
        func strip(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\u{A0}" || c == "*" }
        guard let first = u.first, let last = u.last, strip(first) || strip(last) else { return s }
        var start = u.startIndex, end = u.endIndex
        while start < end && strip(u[start]) { start = u.index(after: start) }
        while end > start && strip(u[u.index(before: end)]) { end = u.index(before: end) }
        return String(u[start..<end])
    }

    /// Lower-cased start of a trimmed line: enough for every prefix test, without lower-casing long lines.
    /// Only lines that could start a separator or a header label are lower-cased; others give "".
    static func lowerPrefix(_ t: String) -> String {
        guard let f = t.unicodeScalars.first, "-_bBvVfFsSdDtTäÄkKcC".unicodeScalars.contains(f) else { return "" }
        // Most lines are ASCII or Latin-1 (Swedish: å ä ö é). In that range every scalar is one
        // Character (a line holds no CR LF pair) and lower-casing is per scalar: ASCII A-Z, and
        // U+00C0-U+00DE except U+00D7, which in UTF-8 is C3 80-9E plus 0x20 on the second byte.
        // So the first 64 Characters are lower-cased byte by byte. Taking a Character prefix and
        // lower-casing it as a String was half of this step's time for ASCII lines, and most of
        // the new-text extraction for Swedish ones. Anything else takes that general path.
        // 64 scalars of at most two bytes each.
        let limit = min(t.utf8.count, 64 * 2)
        var inRange = false
        let fast = String(unsafeUninitializedCapacity: limit) { buffer in
            var count = 0
            var scalars = 0
            var bytes = t.utf8.prefix(limit).makeIterator()
            while scalars < 64, let byte = bytes.next() {
                if byte < 0x80 {
                    buffer[count] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
                    count += 1
                } else if byte == 0xC2 || byte == 0xC3, let next = bytes.next() {
                    let upper = byte == 0xC3 && (0x80...0x9E).contains(next) && next != 0x97
                    buffer[count] = byte
                    buffer[count + 1] = upper ? next + 0x20 : next
                    count += 2
                } else {
                    return 0
                }
                scalars += 1
            }
            inRange = true
            return count
        }
        if inRange { return fast }
        return t.utf8.count <= 64 ? t.lowercased() : String(t.prefix(64)).lowercased()
    }

    static func trimTrailing(_ s: String) -> String {
        var t = Substring(s)
        while let last = t.last, last == " " || last == "\t" { t.removeLast() }
        return String(t)
    }

    static func isQuoted(_ s: String) -> Bool {
        s.drop(while: { $0 == " " }).hasPrefix(">")
    }

    static let separators = [
        "-----ursprungligt meddelande-----", "-----original message-----", "-----originalmeddelande-----",
        "-------- vidarebefordrat meddelande --------", "---------- forwarded message ---------",
        "-------- original message --------", "-------- ursprungligt meddelande --------",
        "början på vidarebefordrat brev:", "begin forwarded message:", "vidarebefordrat meddelande",
    ]

    /// `l` is the lower-cased trimmed line (see `lowerPrefix`).
    static func isSeparator(_ l: String) -> Bool {
        guard let f = l.utf8.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "b") || f == UInt8(ascii: "v") else { return false }
        if separators.contains(where: { l.hasPrefix($0) }) { return true }
        // "-----Ursprungligt meddelande-----" with other dash counts.
        if l.hasPrefix("---"), l.contains("ursprungligt meddelande") || l.contains("original message")
            || l.contains("forwarded message") || l.contains("vidarebefordrat") { return true }
        return false
    }

    static let fromLabels = ["från:", "from:"]
    static let headerLabels = ["skickat:", "sent:", "datum:", "date:", "till:", "to:", "ämne:", "subject:", "kopia:", "cc:"]

    /// "Från: …" followed within a few lines by "Skickat:"/"Sent:"/"Datum:"/"Date:" — an Outlook or
    /// forwarded header block. A line of underscores right before it also starts the block.
    static func isHeaderBlockStart(_ lines: [String], _ lowered: [String], _ k: Int) -> Bool {
        var start = k
        let t = lines[k]
        guard let f = t.utf8.first, f == UInt8(ascii: "_") || f == UInt8(ascii: "F") || f == UInt8(ascii: "f") else { return false }
        if f == UInt8(ascii: "_") {
            guard t.utf8.count >= 10, t.utf8.allSatisfy({ $0 == UInt8(ascii: "_") }) else { return false }
            start = k + 1
            while start < lines.count && lines[start].isEmpty { start += 1 }
            guard start < lines.count else { return false }
        }
        let first = lowered[start]
        guard fromLabels.contains(where: { first.hasPrefix($0) }) else { return false }
        var j = start + 1
        var seen = 0
        while j < lines.count && j <= start + 5 {
            let l = lowered[j]
            if ["skickat:", "sent:", "datum:", "date:"].contains(where: { l.hasPrefix($0) }) { return true }
            if headerLabels.contains(where: { l.hasPrefix($0) }) { seen += 1 }
            j += 1
        }
        return seen >= 2
    }

    /// An attribution ("Den 5 jan. 2026 kl. 10:00 skrev Anna <anna@example.se>:", "On Mon, ... wrote:"),
    /// possibly wrapped over two lines. Returns how many lines it spans.
    static func attributionSpan(_ lines: [String], _ k: Int) -> Int? {
        let one = lines[k]
        guard !one.isEmpty, one.utf8.count < 600 else { return nil }
        if one.utf8.last == UInt8(ascii: ":") && endsAsAttribution(one) && looksLikeAttributionStart(one) { return 1 }
        if k + 1 < lines.count, lines[k + 1].utf8.last == UInt8(ascii: ":") {
            let two = one + " " + lines[k + 1]
            if two.count < 300 && endsAsAttribution(two) && looksLikeAttributionStart(one) { return 2 }
        }
        return nil
    }

    static func endsAsAttribution(_ s: String) -> Bool {
        let l = s.lowercased()
        guard l.hasSuffix(":") else { return false }
        // "… skrev:", "… skrev Anna <anna@example.se>:", "… wrote:", "… skrev följande:"
        return l.hasSuffix("skrev:") || l.hasSuffix("wrote:") || l.hasSuffix("skrev följande:") || l.hasSuffix("writes:")
            || l.contains(" skrev ") || l.contains(" wrote ") || l.hasPrefix("skrev ") 
    }

    /// "Den …", "On …", or an Apple Mail style date line ("5 jan. 2026 kl. 10:00 skrev …").
    static func looksLikeAttributionStart(_ s: String) -> Bool {
        let l = s.lowercased()
        if l.hasPrefix("den ") || l.hasPrefix("on ") || l.hasPrefix("le ") || l.hasPrefix("am ") { return true }
        if let f = l.first, f.isNumber { return true }
        // "Anna Andersson <anna@example.se> skrev:"
        return l.contains("@") || l.contains(" skrev") || l.contains(" wrote")
    }

    static let closingFormulas = [
        "med vänliga hälsningar", "med vänlig hälsning", "vänliga hälsningar", "vänlig hälsning",
        "bästa hälsningar", "med bästa hälsningar", "varma hälsningar", "hälsningar", "hälsning", "mvh", "m.v.h", "vh",
        "best regards", "kind regards", "warm regards", "with kind regards", "with best regards", "regards",
        "many thanks and best regards", "all the best",
    ]

    /// First two UTF-8 bytes (lower-cased) of every closing formula, for a fast pre-check.
    static let formulaStarts: Set<UInt16> = Set(closingFormulas.map { f in
        let u = Array(f.utf8)
        return UInt16(u[0]) << 8 | UInt16(u[1])
    })

    /// The first line holding a closing formula after which only a few short lines (name, title,
    /// phone) follow. "Mvh Anna" and "Mvh /Anna" count; a formula inside a long sentence does not.
    static func closingFormulaIndex(_ lines: [String]) -> Int? {
        // Only the tail can qualify: at most 6 non-empty lines may follow the formula, none longer
        // than 60 characters. Find where that tail starts so the scan below is linear.
        var nonEmptySeen = 0
        var earliest = lines.count
        for k in stride(from: lines.count - 1, through: 0, by: -1) {
            let t = trimmed(lines[k])
            if t.isEmpty { earliest = k; continue }
            // Line k may itself be the formula line; lines after it must be short and few.
            earliest = k
            if nonEmptySeen >= 6 || t.count > 60 { break }
            nonEmptySeen += 1
        }
        guard earliest < lines.count else { return nil }
        for k in earliest..<lines.count {
            let line = lines[k]
            let t = trimmed(line)
            guard t.utf8.count < 120, t.utf8.count >= 2 else { continue }
            // Cheap filter on the first two bytes (ASCII-lower-cased) before lower-casing the line.
            var it = t.utf8.makeIterator()
            let b0 = it.next()! | 0x20, b1 = it.next()!
            let b1l = b1 >= 65 && b1 <= 90 ? b1 | 0x20 : b1
            guard formulaStarts.contains(UInt16(b0) << 8 | UInt16(b1l)) else { continue }
            var l = t.lowercased()
            while let last = l.last, last == "," || last == "!" || last == "." { l.removeLast() }
            guard let formula = closingFormulas.first(where: { l.hasPrefix($0) }) else { continue }
            let rest = l.dropFirst(formula.count)
            guard rest.isEmpty || ((rest.first == " " || rest.first == "," || rest.first == "/") && rest.count <= 30) else { continue }
            let after = lines[(k + 1)...].map(trimmed).filter { !$0.isEmpty }
            if after.count <= 6 && after.allSatisfy({ $0.count <= 60 }) { return k }
        }
        return nil
    }

    static func isDeviceFooter(_ t: String) -> Bool {
        guard let f = t.utf8.first, "sShHgG".utf8.contains(f), t.utf8.count < 80 else { return false }
        let l = t.lowercased()
        return l.hasPrefix("skickat från min ") || l.hasPrefix("sent from my ") || l == "skickat från outlook för ios"
            || l.hasPrefix("hämta outlook för ") || l.hasPrefix("get outlook for ")
    }
}
