/// Removes a piece of ASCII text — the address `kontakt forget` erases — from a raw message,
/// wherever a reader of the message would see it:
///
/// - in the bytes as they are (headers, 7bit and 8bit bodies);
/// - inside the base64 or quoted-printable body of a text part (`text/*`: plain, HTML, CSV,
///   vCard, calendar) or an attached message (`message/rfc822`, whose own parts are redacted
///   the same way, recursively);
/// - inside RFC 2047 encoded words of header fields (`=?utf-8?B?…?=`), at any depth.
///
/// Matching is ASCII case-insensitive, as addresses are compared. Everything else keeps its
/// bytes: a redacted part is re-encoded in its own transfer encoding, and the parts, headers
/// and boundaries around it are untouched, so the message still parses as it did.
///
/// Not redacted, by design: binary attachments (a PDF or a Word file). Changing bytes inside
/// them would corrupt the file without reliably removing the address (compressed streams hide
/// it); `forget`'s documentation says so. Also not found: an address split across encoded
/// words in two different charsets, or written in a charset that does not keep ASCII (UTF-16).
///
/// Written by hand: the MIME parser builds a decoded tree and forgets where each part came
/// from; redaction needs the byte ranges, to change one part and leave every other byte alone.
public enum RawRedaction {
    /// `raw` with every occurrence of `needle` replaced by `replacement` (see the type).
    public static func redacting(_ needle: String, with replacement: String, in raw: [UInt8]) -> [UInt8] {
        let n = Array(needle.lowercased().utf8)
        let r = Array(replacement.utf8)
        guard !n.isEmpty else { return raw }
        let plain = replacingASCII(n, with: r, in: raw)
        return redactEntity(plain, range: 0..<plain.count, needle: n, replacement: r, depth: 0, defaultType: .textPlain) ?? plain
    }

    /// Case-insensitive (ASCII) replacement of a byte string, in bytes that need not be valid
    /// UTF-8. `needle` must be lowercase.
    public static func replacingASCII(_ needle: [UInt8], with replacement: [UInt8], in haystack: [UInt8]) -> [UInt8] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return haystack }
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if lower(haystack[i]) == needle[0], matches(needle, haystack, at: i) {
                if out.isEmpty { out.reserveCapacity(haystack.count) }
                out.append(contentsOf: haystack[copied..<i])
                out.append(contentsOf: replacement)
                i += needle.count
                copied = i
            } else {
                i += 1
            }
        }
        guard copied > 0 else { return haystack }
        out.append(contentsOf: haystack[copied...])
        return out
    }

    /// Whether `haystack` contains `needle` (lowercase), ASCII case-insensitively.
    public static func containsASCII(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for i in 0...(haystack.count - needle.count) where lower(haystack[i]) == needle[0] {
            if matches(needle, haystack, at: i) { return true }
        }
        return false
    }

    private static func matches(_ needle: [UInt8], _ haystack: [UInt8], at start: Int) -> Bool {
        for k in 0..<needle.count where lower(haystack[start + k]) != needle[k] { return false }
        return true
    }

    private static func lower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b + 32 : b }

    /// The entity (header block and body) in `range` of `bytes`, redacted; nil when nothing
    /// changed. Plain occurrences are already gone: this finds the encoded ones. Parts of a
    /// multipart are worked on in place, by range, so hostile nesting costs no copies.
    static func redactEntity(_ bytes: [UInt8], range: Range<Int>, needle: [UInt8], replacement: [UInt8], depth: Int,
                             defaultType: MediaType) -> [UInt8]? {
        let options = ParseOptions.lenient
        guard depth < options.maxDepth else { return nil }
        var defects: [Defect] = []
        let head = HeaderParser.parse(bytes, range: range, maxHeaders: options.maxHeaders, defects: &defects)
        var edits = EncodedWord.redactions(in: bytes, range: range.lowerBound..<head.bodyStart,
                                           needle: needle, replacement: replacement)

        let body = head.bodyStart..<range.upperBound
        // Its multipart splitting and transfer decoding, the same the parser applies.
        var parser = MIMEParser(bytes: bytes, options: options)
        var mediaType = defaultType
        if let ct = head.headers.first(named: "Content-Type") {
            mediaType = MediaType.parse(ct.rawValue, defects: &defects) ?? .textPlain
        }
        if mediaType.isMultipart {
            if let boundary = mediaType.parameters["boundary"], !boundary.isEmpty {
                let childDefault: MediaType = mediaType.subtype == "digest" ? .messageRFC822 : .textPlain
                for range in parser.splitMultipart(body, boundary: Array(boundary.utf8)) ?? [] {
                    if let part = redactEntity(bytes, range: range, needle: needle, replacement: replacement,
                                               depth: depth + 1, defaultType: childDefault) {
                        edits.append((range, part))
                    }
                }
            }
        } else if mediaType.type == "text" || mediaType.type == "message" {
            let isMessage = mediaType.type == "message" && (mediaType.subtype == "rfc822" || mediaType.subtype == "global")
            let (encoding, _) = TransferEncoding.from(header: head.headers.first(named: "Content-Transfer-Encoding")?.value)
            let encoded = bytes[body]
            let decoded = parser.decodeTransfer(headers: head.headers, range: body)
            var redacted = replacingASCII(needle, with: replacement, in: decoded)
            if isMessage, let inner = redactEntity(redacted, range: 0..<redacted.count, needle: needle,
                                                  replacement: replacement, depth: depth + 1, defaultType: .textPlain) {
                redacted = inner
            }
            if redacted != decoded {
                var reencoded: [UInt8]
                switch encoding {
                case .base64: reencoded = TransferEncoding.encodeBase64Lines(redacted)
                case .quotedPrintable: reencoded = TransferEncoding.encodeQuotedPrintable(redacted)
                case .identity, .unknown: reencoded = redacted
                }
                if encoding == .base64, encoded.last != 10, reencoded.last == 10 {
                    // The base64 lines end with CRLF; keep the body's own ending (in a multipart
                    // the line break before the next delimiter belongs to the delimiter).
                    reencoded.removeLast(2)
                }
                if (encoding == .base64 || encoding == .quotedPrintable), !encoded.contains(13) {
                    // A message stored with bare LF line ends keeps them.
                    reencoded.removeAll { $0 == 13 }
                }
                edits.append((body, reencoded))
            }
        }
        guard !edits.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var copied = range.lowerBound
        for (edited, replacementBytes) in edits.sorted(by: { $0.0.lowerBound < $1.0.lowerBound }) {
            out.append(contentsOf: bytes[copied..<edited.lowerBound])
            out.append(contentsOf: replacementBytes)
            copied = edited.upperBound
        }
        out.append(contentsOf: bytes[copied..<range.upperBound])
        return out
    }
}
