import CByteScan

/// Content-Transfer-Encoding (RFC 2045 §6): decoding for parsing, encoding for building.
///
/// Hand-written over `[UInt8]` because Foundation's `Data(base64Encoded:)` rejects the line breaks,
/// junk and missing padding that real mail contains, and has no quoted-printable at all.
enum TransferEncoding: Equatable {
    case identity      // 7bit, 8bit, binary
    case base64
    case quotedPrintable
    case unknown(String)

    /// Recognises the standard names and the misspellings seen in the wild ("8-bit", "base-64",
    /// "quoted_printable", "QP"). The second value is true when the spelling was non-standard.
    static func from(header value: String?) -> (TransferEncoding, misspelled: Bool) {
        guard let value else { return (.identity, false) }
        let lower = value.lowercased().trimmingASCIIWhitespace()
        switch lower {
        case "", "7bit", "8bit", "binary": return (.identity, false)
        case "base64": return (.base64, false)
        case "quoted-printable": return (.quotedPrintable, false)
        default: break
        }
        // Keep letters and digits only, then match again.
        let squeezed = String(lower.unicodeScalars.filter { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") })
        switch squeezed {
        case "7bit", "8bit", "binary", "7bits", "8bits", "none", "plain", "text", "utf8", "ascii", "usascii":
            return (.identity, true)
        case "base64", "b64", "base": return (.base64, true)
        case "quotedprintable", "qp", "quotedprint", "quoted", "quotedprintible": return (.quotedPrintable, true)
        default: return (.unknown(value), false)
        }
    }

    // MARK: Base64

    /// 0–63 for alphabet characters, 0xFF otherwise. URL-safe `-` and `_` are accepted too.
    static let base64Values: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// Lenient base64: skips whitespace and junk, stops at padding, keeps whole bytes of a truncated
    /// final group. `valid` is false when junk or a dangling 6-bit group was found.
    static func decodeBase64(_ input: ArraySlice<UInt8>) -> (bytes: [UInt8], valid: Bool) {
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: input.count * 3 / 4 + 3) { buffer, written in
            var writer = Base64Writer(buffer: buffer)
            valid = walkBase64(input, into: &writer)
            written = writer.count
        }
        return (out, valid)
    }

    /// How many bytes `decodeBase64(input)` returns, and its `valid`, without writing them: the
    /// same walk with a counter in place of the buffer. A poll stores an attachment's size but
    /// never its bytes (they stay inside the raw message), so it need not decode it.
    ///
    /// The clean stretch before any padding or junk — all of a well-formed attachment but its
    /// last line — is counted by a vectorised scan (`CByteScan`), four times as fast as the walk:
    /// there every four alphabet characters are three bytes, whatever their values.
    static func decodedBase64Count(_ input: ArraySlice<UInt8>) -> (count: Int, valid: Bool) {
        var alphabet = 0
        let clean = input.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { kontakt_base64_clean_prefix($0, buffer.count, &alphabet) } ?? 0
        }
        var counter = Base64Counter()
        counter.count = alphabet / 4 * 3
        let valid = walkBase64(input[(input.startIndex + clean)...], pending: alphabet % 4, into: &counter)
        return (counter.count, valid)
    }

    /// The one base64 walk behind both: returns `valid`, hands each decoded group to `output`.
    ///
    /// The hot loop takes four clean characters at a time, for as long as they last (a whole
    /// line), in a loop of its own: 1.7 times as fast as testing the state before every group.
    /// Anything else (line breaks, padding, junk) takes the careful one-character path.
    ///
    /// `pending` alphabet characters of an unfinished group come before `input` (their values
    /// are unknown, so only a counter may pass any).
    @inline(__always)
    private static func walkBase64<Output: Base64Output>(_ input: ArraySlice<UInt8>, pending: Int = 0,
                                                        into output: inout Output) -> Bool {
        var valid = true
        var acc: UInt32 = 0
        var n = pending
        var sawPadding = false
        input.withUnsafeBufferPointer { buf in
            base64Values.withUnsafeBufferPointer { table in
              base64Shifted.withUnsafeBufferPointer { shifted in
                let count = buf.count
                var i = 0
                while i < count {
                    if n == 0 && !sawPadding {
                        while i + 4 <= count {
                            let v = shifted[Int(buf[i])] | shifted[256 + Int(buf[i + 1])]
                                | shifted[512 + Int(buf[i + 2])] | shifted[768 + Int(buf[i + 3])]
                            if v & 0xFF00_0000 != 0 { break }
                            output.put(v, bytes: 3)
                            i += 4
                        }
                        if i >= count { break }
                    }
                    let ch = buf[i]
                    i += 1
                    let v = table[Int(ch)]
                    if v == 0xFF {
                        if ch == UInt8(ascii: "=") { sawPadding = true; continue }
                        if ch == 10 || ch == 13 || ch == 32 || ch == 9 { continue }
                        valid = false
                        continue
                    }
                    if sawPadding {
                        // Data after padding: concatenated base64 chunks; keep decoding but note it.
                        if n != 0 { valid = false; acc = 0; n = 0 }
                        sawPadding = false
                    }
                    acc = (acc << 6) | UInt32(v)
                    n += 1
                    if n == 4 {
                        output.put(acc, bytes: 3)
                        acc = 0; n = 0
                    }
                }
              }
            }
        }
        // A truncated final group: its whole bytes, aligned as a full group's would be.
        switch n {
        case 2: output.put(acc << 12, bytes: 1)
        case 3: output.put(acc << 6, bytes: 2)
        case 1: valid = false
        default: break
        }
        if n != 0 && !sawPadding { valid = false }
        return valid
    }

    /// The decode table pre-shifted for each of the four positions of a group, with invalid
    /// characters marked in the top byte, so a clean group costs four loads and three ORs.
    static let base64Shifted: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 4 * 256)
        for c in 0..<256 {
            let v = base64Values[c]
            for pos in 0..<4 {
                t[pos * 256 + c] = v == 0xFF ? 0xFF00_0000 : UInt32(v) << UInt32(18 - 6 * pos)
            }
        }
        return t
    }()

    static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Plain base64 without line breaks.
    static func encodeBase64<C: Collection>(_ input: C) -> [UInt8] where C.Element == UInt8 {
        let bytes = Array(input)
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(base64Alphabet[Int(v >> 18)])
            out.append(base64Alphabet[Int((v >> 12) & 63)])
            out.append(base64Alphabet[Int((v >> 6) & 63)])
            out.append(base64Alphabet[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(base64Alphabet[Int(v >> 18)])
            out.append(base64Alphabet[Int((v >> 12) & 63)])
            out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "="))
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(base64Alphabet[Int(v >> 18)])
            out.append(base64Alphabet[Int((v >> 12) & 63)])
            out.append(base64Alphabet[Int((v >> 6) & 63)])
            out.append(UInt8(ascii: "="))
        }
        return out
    }

    /// Base64 in CRLF-terminated lines of 76 characters, as RFC 2045 requires for bodies.
    static func encodeBase64Lines<C: Collection>(_ input: C) -> [UInt8] where C.Element == UInt8 {
        let flat = encodeBase64(input)
        var out = [UInt8]()
        out.reserveCapacity(flat.count + flat.count / 76 * 2 + 2)
        var i = 0
        while i < flat.count {
            let end = min(i + 76, flat.count)
            out.append(contentsOf: flat[i..<end])
            out.append(13); out.append(10)
            i = end
        }
        return out
    }

    // MARK: Quoted-printable

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    /// Lenient quoted-printable: soft breaks (`=` CRLF or `=` LF), hex in either case, trailing
    /// whitespace on encoded lines dropped (RFC 2045 §6.7 rule 3), invalid escapes kept literally.
    static func decodeQuotedPrintable(_ input: ArraySlice<UInt8>) -> (bytes: [UInt8], valid: Bool) {
        var out = [UInt8]()
        out.reserveCapacity(input.count)
        var valid = true
        input.withUnsafeBufferPointer { buf in
            let n = buf.count
            var i = 0
            while i < n {
                let c = buf[i]
                if c == UInt8(ascii: "=") {
                    // Soft line break, possibly with whitespace between = and the line end.
                    var j = i + 1
                    while j < n && (buf[j] == 32 || buf[j] == 9) { j += 1 }
                    if j < n && buf[j] == 13 && j + 1 < n && buf[j + 1] == 10 { i = j + 2; continue }
                    if j < n && (buf[j] == 10 || buf[j] == 13) { i = j + 1; continue }
                    if j == n { i = n; continue }
                    if i + 2 < n, let h = hexValue(buf[i + 1]), let l = hexValue(buf[i + 2]) {
                        out.append(h << 4 | l)
                        i += 3
                        continue
                    }
                    valid = false
                    out.append(c)
                    i += 1
                } else if c == 32 || c == 9 {
                    // Whitespace before a line end was added in transport: drop it.
                    var j = i
                    while j < n && (buf[j] == 32 || buf[j] == 9) { j += 1 }
                    if j == n || buf[j] == 10 || (buf[j] == 13 && j + 1 < n && buf[j + 1] == 10) {
                        i = j
                    } else {
                        while i < j { out.append(buf[i]); i += 1 }
                    }
                } else {
                    out.append(c)
                    i += 1
                }
            }
        }
        return (out, valid)
    }

    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Quoted-printable for text: CRLF line ends, lines at most 76 characters (soft breaks with `=`),
    /// trailing whitespace encoded, and two line starts protected: "From " (mangled to ">From " by
    /// mbox tools) as `=46rom`, and a leading "." (SMTP dot-stuffing mishaps) as `=2E`.
    static func encodeQuotedPrintableText(_ text: String) -> [UInt8] {
        encodeQuotedPrintable(Array(text.utf8)) + [13, 10]
    }

    /// Quoted-printable of any bytes, as `encodeQuotedPrintableText` but with no line break added
    /// after the last line: the lines (split on CRLF, LF or a lone CR) joined by CRLF, so bytes
    /// that end with a line break come back with one and bytes that do not, without.
    static func encodeQuotedPrintable(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + bytes.count / 8 + 8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 10 {
                lines.append(bytes[start..<i]); i += 1; start = i
            } else if bytes[i] == 13 {
                lines.append(bytes[start..<i])
                i += (i + 1 < bytes.count && bytes[i + 1] == 10) ? 2 : 1
                start = i
            } else { i += 1 }
        }
        lines.append(bytes[start..<bytes.count])
        for (index, line) in lines.enumerated() {
            if index > 0 { out.append(13); out.append(10) }
            encodeQPLine(line, into: &out)
        }
        return out
    }

    private static func encodeQPLine(_ line: ArraySlice<UInt8>, into out: inout [UInt8]) {
        var column = 0
        let fromPrefix: [UInt8] = Array("From ".utf8)
        var idx = line.startIndex
        let end = line.endIndex
        while idx < end {
            let c = line[idx]
            let atLineStart = idx == line.startIndex
            let isLast = idx == end - 1
            var token: [UInt8]
            let needsEscape: Bool
            if c == UInt8(ascii: "=") || c >= 0x7F || (c < 32 && c != 9) {
                needsEscape = true
            } else if (c == 32 || c == 9) && isLast {
                needsEscape = true
            } else if atLineStart && c == UInt8(ascii: ".") {
                needsEscape = true
            } else if atLineStart && c == UInt8(ascii: "F") && line.count >= 5 && Array(line.prefix(5)) == fromPrefix {
                needsEscape = true
            } else {
                needsEscape = false
            }
            if needsEscape {
                token = [UInt8(ascii: "="), hexDigits[Int(c >> 4)], hexDigits[Int(c & 15)]]
            } else {
                token = [c]
            }
            // Room for the token plus a soft-break "=" unless this is the final token of the line.
            let limit = isLast ? 76 : 75
            if column + token.count > limit {
                out.append(UInt8(ascii: "=")); out.append(13); out.append(10)
                column = 0
                // A "." or "From " that lands at the start of a continuation line is harmless inside
                // QP for parsers, but escape "." anyway for the same SMTP reason.
                if token == [UInt8(ascii: ".")] { token = Array("=2E".utf8) }
            }
            out.append(contentsOf: token)
            column += token.count
            idx += 1
        }
    }
}

extension String {
    /// Trims spaces, tabs, CR and LF at both ends without Foundation's CharacterSet machinery.
    func trimmingASCIIWhitespace() -> String {
        let u = self.utf8
        var s = u.startIndex, e = u.endIndex
        while s < e, let c = Optional(u[s]), c == 32 || c == 9 || c == 10 || c == 13 { s = u.index(after: s) }
        while e > s {
            let p = u.index(before: e)
            let c = u[p]
            if c == 32 || c == 9 || c == 10 || c == 13 { e = p } else { break }
        }
        if s == u.startIndex && e == u.endIndex { return self }
        return String(self[s..<e])
    }
}

/// Where `TransferEncoding.walkBase64` puts a decoded group: the first `bytes` of the 24-bit
/// value `group`, most significant first.
protocol Base64Output {
    mutating func put(_ group: UInt32, bytes: Int)
}

/// Stores the decoded bytes (room for them is the caller's promise: 3 per 4 input bytes, plus 3).
struct Base64Writer: Base64Output {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    @inline(__always)
    mutating func put(_ group: UInt32, bytes: Int) {
        buffer[count] = UInt8(truncatingIfNeeded: group >> 16)
        if bytes > 1 { buffer[count + 1] = UInt8(truncatingIfNeeded: group >> 8) }
        if bytes > 2 { buffer[count + 2] = UInt8(truncatingIfNeeded: group) }
        count += bytes
    }
}

/// Counts the decoded bytes.
struct Base64Counter: Base64Output {
    var count = 0

    @inline(__always)
    mutating func put(_ group: UInt32, bytes: Int) { count += bytes }
}
