/// Text decoding for the charsets that Swedish mail actually uses.
///
/// Written by hand rather than through Foundation's `String.Encoding` because (1) ISO-8859-1 must be
/// read as Windows-1252, as browsers and mail clients do: Outlook labels text containing €, curly quotes
/// and dashes (bytes 0x80–0x9F) as iso-8859-1; (2) the tables are tiny; (3) decoding straight into
/// UTF-8 bytes keeps parsing linear and allocation-light.
enum Charset {
    /// Canonical charsets we decode.
    enum Known: Equatable {
        case utf8, ascii, windows1252, iso885915, utf16, utf16LE, utf16BE
    }

    /// Maps a charset label (any case, with the usual aliases) to a known charset, or nil.
    static func lookup(_ label: String) -> Known? {
        var key = label.lowercased()
        // Strip quotes, RFC 2231 language suffixes (utf-8*sv) and stray spaces.
        key = String(key.filter { $0 != "\"" && $0 != "'" && $0 != " " })
        if let star = key.firstIndex(of: "*") { key = String(key[..<star]) }
        switch key {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8": return .utf8
        case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "iso-ir-6", "cp367", "ibm367", "": return .ascii
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819", "iso-ir-100",
             "iso_8859-1:1987", "windows-1252", "cp1252", "x-cp1252", "windows1252", "cp-1252", "win-1252":
            return .windows1252
        case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin-9", "latin9", "l9", "latin0", "csisolatin9": return .iso885915
        case "utf-16", "utf16", "ucs-2", "unicode": return .utf16
        case "utf-16le", "utf16le": return .utf16LE
        case "utf-16be", "utf16be": return .utf16BE
        default: return nil
        }
    }

    /// Unicode scalars for Windows-1252 bytes 0x80–0x9F. The five undefined slots map to the C1 control
    /// of the same value, as the WHATWG encoding standard does.
    static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// Appends the UTF-8 encoding of a scalar value.
    @inline(__always)
    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Windows-1252 (and so ISO-8859-1) to String. Every byte maps, so this never fails.
    static func decodeWindows1252<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes {
            if b < 0x80 { out.append(b) }
            else if b < 0xA0 { appendUTF8(windows1252High[Int(b) - 0x80], to: &out) }
            else { appendUTF8(UInt32(b), to: &out) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ISO-8859-15: Latin-1 with eight slots replaced (€ at 0xA4 and letters for French and Finnish).
    static func decodeISO885915<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes {
            let v: UInt32
            switch b {
            case 0xA4: v = 0x20AC
            case 0xA6: v = 0x0160
            case 0xA8: v = 0x0161
            case 0xB4: v = 0x017D
            case 0xB8: v = 0x017E
            case 0xBC: v = 0x0152
            case 0xBD: v = 0x0153
            case 0xBE: v = 0x0178
            default: v = UInt32(b)
            }
            appendUTF8(v, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// UTF-16 with optional byte-order mark; big-endian when there is none (RFC 2781).
    static func decodeUTF16(_ bytes: [UInt8], bigEndian defaultBE: Bool, honourBOM: Bool) -> String {
        var start = 0
        var be = defaultBE
        if honourBOM, bytes.count >= 2 {
            if bytes[0] == 0xFE && bytes[1] == 0xFF { be = true; start = 2 }
            else if bytes[0] == 0xFF && bytes[1] == 0xFE { be = false; start = 2 }
        }
        var units = [UInt16]()
        units.reserveCapacity((bytes.count - start) / 2)
        var i = start
        while i + 1 < bytes.count {
            let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
            units.append(be ? (a << 8 | b) : (b << 8 | a))
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// UTF-8 when valid, else Windows-1252: the rule for undeclared 8-bit text.
    static func decodeGuessing(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return decodeWindows1252(bytes)
    }

    /// Whether every byte is 7-bit.
    @inline(__always)
    static func isASCII(_ bytes: [UInt8]) -> Bool {
        for b in bytes where b >= 0x80 { return false }
        return true
    }

    /// Decodes text in the labelled charset. Unknown labels and invalid data fall back (UTF-8 if valid,
    /// else Windows-1252) and report a defect; the result is never nil, so no text is ever lost.
    static func decode(_ bytes: [UInt8], label: String?, defects: inout [Defect]) -> String {
        guard let label, !label.isEmpty else { return decodeGuessing(bytes) }
        guard let known = lookup(label) else {
            defects.append(.unknownCharset(label))
            return decodeGuessing(bytes)
        }
        switch known {
        case .utf8, .ascii:
            if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
            if let s = String(validating: bytes, as: UTF8.self) { return s }
            // us-ascii labels on 8-bit text are usually Windows-1252; utf-8 labels on Latin-1 likewise.
            if known == .utf8 { defects.append(.invalidCharsetData(label)) }
            return decodeWindows1252(bytes)
        case .windows1252:
            return isASCII(bytes) ? String(decoding: bytes, as: UTF8.self) : decodeWindows1252(bytes)
        case .iso885915:
            return isASCII(bytes) ? String(decoding: bytes, as: UTF8.self) : decodeISO885915(bytes)
        case .utf16: return decodeUTF16(bytes, bigEndian: true, honourBOM: true)
        case .utf16LE: return decodeUTF16(bytes, bigEndian: false, honourBOM: false)
        case .utf16BE: return decodeUTF16(bytes, bigEndian: true, honourBOM: false)
        }
    }
}
