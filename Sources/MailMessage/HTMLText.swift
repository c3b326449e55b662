/// Readable text from an HTML body: tags dropped, `<script>`/`<style>`/`<head>` skipped, entities
/// decoded, block elements as line breaks, whitespace collapsed as a browser would.
///
/// A single linear pass over UTF-8 bytes, not an HTML parser: mail HTML is only read for its words, and
/// a real parser (none is available as a Swift package here) would be far heavier than needed.
public enum HTMLText {
    public static func text(fromHTML html: String) -> String {
        let b = Array(html.utf8)
        let n = b.count
        var out = [UInt8]()
        out.reserveCapacity(n / 2)
        var i = 0
        var pendingSpace = false
        var pre = 0

        func newline(_ out: inout [UInt8], count: Int = 1) {
            // Trim trailing spaces, then ensure `count` line breaks (at most two in a row overall).
            while out.last == 32 { out.removeLast() }
            var existing = 0
            var k = out.count - 1
            while k >= 0 && out[k] == 10 { existing += 1; k -= 1 }
            if out.isEmpty { return }
            for _ in existing..<max(existing, min(count, 2)) { out.append(10) }
        }

        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "<") {
                // Comment.
                if i + 3 < n && b[i + 1] == UInt8(ascii: "!") && b[i + 2] == UInt8(ascii: "-") && b[i + 3] == UInt8(ascii: "-") {
                    var j = i + 4
                    while j + 2 < n && !(b[j] == UInt8(ascii: "-") && b[j + 1] == UInt8(ascii: "-") && b[j + 2] == UInt8(ascii: ">")) { j += 1 }
                    i = min(n, j + 3)
                    continue
                }
                // Tag name.
                var j = i + 1
                let closing = j < n && b[j] == UInt8(ascii: "/")
                if closing { j += 1 }
                let nameStart = j
                while j < n, isNameChar(b[j]) { j += 1 }
                if j == nameStart && !closing && !(j < n && b[j] == UInt8(ascii: "!")) {
                    // A lone "<" in text.
                    if pendingSpace { out.append(32); pendingSpace = false }
                    out.append(c); i += 1; continue
                }
                // ASCII lower-casing on bytes: tag names are ASCII, and String.lowercased() is slow.
                let name = String(decoding: b[nameStart..<j].map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
                // Skip to the end of the tag, honouring quoted attribute values.
                var quote: UInt8 = 0
                while j < n {
                    let d = b[j]
                    if quote != 0 { if d == quote { quote = 0 } }
                    else if d == UInt8(ascii: "\"") || d == UInt8(ascii: "'") { quote = d }
                    else if d == UInt8(ascii: ">") { break }
                    j += 1
                }
                i = min(n, j + 1)
                if !closing && (name == "script" || name == "style" || name == "head" || name == "title") {
                    // Skip to the matching close tag.
                    let close = Array("</\(name)".utf8)
                    var k = i
                    var found = false
                    while k + close.count <= n {
                        if b[k] == UInt8(ascii: "<") {
                            var match = true
                            for (m, cc) in close.enumerated() {
                                let x = b[k + m]
                                if (x >= 65 && x <= 90 ? x + 32 : x) != cc { match = false; break }
                            }
                            if match { found = true; break }
                        }
                        k += 1
                    }
                    if found {
                        while k < n && b[k] != UInt8(ascii: ">") { k += 1 }
                        i = min(n, k + 1)
                    } else {
                        i = n
                    }
                    continue
                }
                switch name {
                case "br":
                    while out.last == 32 { out.removeLast() }
                    out.append(10); pendingSpace = false
                case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "pre", "hr", "section", "article", "header", "footer", "address":
                    newline(&out, count: name == "div" ? 1 : 2); pendingSpace = false
                    if name == "pre" { pre += closing ? -1 : 1; pre = max(0, pre) }
                case "tr", "li", "dt", "dd":
                    newline(&out); pendingSpace = false
                    if name == "li" && !closing { out.append(contentsOf: "- ".utf8) }
                case "td", "th":
                    if closing { pendingSpace = true }
                default:
                    break
                }
                continue
            }
            if c == UInt8(ascii: "&") {
                if let (bytes, len) = decodeEntity(b, at: i) {
                    if pendingSpace && !out.isEmpty && out.last != 10 { out.append(32) }
                    pendingSpace = false
                    out.append(contentsOf: bytes)
                    i += len
                    continue
                }
            }
            if pre == 0 && (c == 32 || c == 9 || c == 10 || c == 13) {
                pendingSpace = true
                i += 1
                continue
            }
            if pendingSpace && !out.isEmpty && out.last != 10 { out.append(32) }
            pendingSpace = false
            out.append(c == 13 ? 10 : c)
            i += 1
        }
        // Non-breaking spaces (C2 A0) become plain spaces, soft hyphens (C2 AD) vanish; then each line
        // is trimmed and runs of blank lines collapse to one. All on bytes.
        var cleaned = [UInt8]()
        cleaned.reserveCapacity(out.count)
        var k = 0
        while k < out.count {
            if out[k] == 0xC2 && k + 1 < out.count && (out[k + 1] == 0xA0 || out[k + 1] == 0xAD) {
                if out[k + 1] == 0xA0 { cleaned.append(32) }
                k += 2
                continue
            }
            cleaned.append(out[k]); k += 1
        }
        var result = [UInt8]()
        result.reserveCapacity(cleaned.count)
        var blank = 0
        var lineStart = 0
        while lineStart <= cleaned.count {
            var lineEnd = lineStart
            while lineEnd < cleaned.count && cleaned[lineEnd] != 10 { lineEnd += 1 }
            var s = lineStart, e = lineEnd
            while s < e && cleaned[s] == 32 { s += 1 }
            while e > s && cleaned[e - 1] == 32 { e -= 1 }
            if s == e {
                blank += 1
                if blank == 1 && !result.isEmpty { result.append(10) }
            } else {
                if !result.isEmpty { result.append(10) }
                blank = 0
                result.append(contentsOf: cleaned[s..<e])
            }
            lineStart = lineEnd + 1
        }
        while result.last == 10 { result.removeLast() }
        return String(decoding: result, as: UTF8.self)
    }

    private static func isNameChar(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == UInt8(ascii: ":") || c == UInt8(ascii: "-")
    }

    /// Decodes `&name;`, `&#123;` or `&#x7B;` at `i`; returns the UTF-8 bytes and the length consumed.
    static func decodeEntity(_ b: [UInt8], at i: Int) -> ([UInt8], Int)? {
        let n = b.count
        var j = i + 1
        if j < n && b[j] == UInt8(ascii: "#") {
            j += 1
            var hex = false
            if j < n && (b[j] == UInt8(ascii: "x") || b[j] == UInt8(ascii: "X")) { hex = true; j += 1 }
            var v: UInt32 = 0
            let start = j
            while j < n && j - start < 8 {
                let d = b[j]
                if let h = TransferEncoding.hexValue(d), hex { v = v * 16 + UInt32(h) }
                else if d >= 48 && d <= 57 && !hex { v = v * 10 + UInt32(d - 48) }
                else { break }
                j += 1
            }
            guard j > start else { return nil }
            if j < n && b[j] == UInt8(ascii: ";") { j += 1 }
            // Numeric references in 0x80–0x9F mean Windows-1252 (HTML5 rule).
            if v >= 0x80 && v <= 0x9F { v = Charset.windows1252High[Int(v) - 0x80] }
            if v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) { v = 0xFFFD }
            var out = [UInt8]()
            Charset.appendUTF8(v, to: &out)
            return (out, j - i)
        }
        let start = j
        while j < n && j - start < 10 && ((b[j] >= 65 && b[j] <= 90) || (b[j] >= 97 && b[j] <= 122) || (b[j] >= 48 && b[j] <= 57)) { j += 1 }
        guard j > start else { return nil }
        let name = String(decoding: b[start..<j], as: UTF8.self)
        guard let v = entities[name] else { return nil }
        if j < n && b[j] == UInt8(ascii: ";") { j += 1 }
        var out = [UInt8]()
        Charset.appendUTF8(v, to: &out)
        return (out, j - i)
    }

    /// The named entities that mail HTML actually uses (Outlook, Gmail, Apple Mail, Swedish text).
    static let entities: [String: UInt32] = [
        "amp": 38, "lt": 60, "gt": 62, "quot": 34, "apos": 39, "nbsp": 0xA0,
        "aring": 0xE5, "auml": 0xE4, "ouml": 0xF6, "Aring": 0xC5, "Auml": 0xC4, "Ouml": 0xD6,
        "eacute": 0xE9, "Eacute": 0xC9, "egrave": 0xE8, "uuml": 0xFC, "Uuml": 0xDC, "szlig": 0xDF,
        "oslash": 0xF8, "Oslash": 0xD8, "aelig": 0xE6, "AElig": 0xC6, "ccedil": 0xE7, "aacute": 0xE1,
        "euro": 0x20AC, "hellip": 0x2026, "ndash": 0x2013, "mdash": 0x2014, "lsquo": 0x2018, "rsquo": 0x2019,
        "ldquo": 0x201C, "rdquo": 0x201D, "sbquo": 0x201A, "bdquo": 0x201E, "laquo": 0xAB, "raquo": 0xBB,
        "copy": 0xA9, "reg": 0xAE, "trade": 0x2122, "shy": 0xAD, "middot": 0xB7, "bull": 0x2022,
        "deg": 0xB0, "sect": 0xA7, "times": 0xD7, "zwnj": 0x200C, "zwj": 0x200D, "ensp": 0x2002, "emsp": 0x2003, "thinsp": 0x2009,
    ]
}

extension String {
    func replacingNBSP() -> String {
        guard self.unicodeScalars.contains(where: { $0.value == 0xA0 || $0.value == 0xAD }) else { return self }
        var s = String.UnicodeScalarView()
        for u in self.unicodeScalars {
            if u.value == 0xA0 { s.append(" ") } else if u.value == 0xAD { continue } else { s.append(u) }
        }
        return String(s)
    }
}
