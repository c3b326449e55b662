/// Makes user- or mail-supplied text safe to put in a header value.
///
/// A CR or LF that reached a header would start a new header (header injection: a reply subject
/// copied from an inbound message could add `Bcc:`), and one that reached the SMTP envelope would
/// start a new SMTP command. Every value the builder writes goes through here.
public enum HeaderSanitizer {
    /// CR, LF, NUL, other C0 controls except tab, DEL, and the Unicode line breaks (NEL, U+2028,
    /// U+2029) become spaces; the result is trimmed.
    public static func clean(_ value: String) -> String {
        var needs = false
        for u in value.unicodeScalars where isBreaking(u) { needs = true; break }
        if !needs { return value.trimmingASCIIWhitespace() }
        var out = String.UnicodeScalarView()
        for u in value.unicodeScalars { out.append(isBreaking(u) ? " " : u) }
        return String(out).trimmingASCIIWhitespace()
    }

    @inline(__always)
    static func isBreaking(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return (v < 32 && v != 9) || v == 127 || v == 0x85 || v == 0x2028 || v == 0x2029
    }

    /// A header name: 1–76 printable ASCII characters other than colon and space (RFC 5322 §2.2).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 76 && name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }
    }
}
