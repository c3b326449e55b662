/// A MIME media type with its parameters (RFC 2045 §5.1), parameters decoded per RFC 2231.
public struct MediaType: Sendable, Hashable {
    public var type: String
    public var subtype: String
    /// Lower-cased parameter names; values unquoted, RFC 2231 continuations joined and decoded.
    public var parameters: [String: String]

    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
    }

    public static let textPlain = MediaType(type: "text", subtype: "plain")
    public static let messageRFC822 = MediaType(type: "message", subtype: "rfc822")

    /// "type/subtype".
    public var essence: String { type + "/" + subtype }

    /// The "type/subtype" of a file, by its name's extension: the office and image files a
    /// director attaches and a resident sends. Anything else is an octet stream, which every
    /// mail client offers to save.
    public static func essence(forFileNamed name: String) -> String {
        let dot = name.lastIndex(of: ".").map { name.index(after: $0) } ?? name.endIndex
        switch name[dot...].lowercased() {
        case "pdf": return "application/pdf"
        case "txt": return "text/plain"
        case "csv": return "text/csv"
        case "html", "htm": return "text/html"
        case "ics": return "text/calendar"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "pptx": return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        case "docx": return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "ppt": return "application/vnd.ms-powerpoint"
        case "doc": return "application/msword"
        case "xls": return "application/vnd.ms-excel"
        case "odt": return "application/vnd.oasis.opendocument.text"
        case "odp": return "application/vnd.oasis.opendocument.presentation"
        case "ods": return "application/vnd.oasis.opendocument.spreadsheet"
        case "zip": return "application/zip"
        case "msg": return "application/vnd.ms-outlook"
        default: return "application/octet-stream"
        }
    }
    public var isMultipart: Bool { type == "multipart" }
    public var charset: String? { parameters["charset"] }

    /// Parses a Content-Type value. Returns nil for a value that is not `type/subtype`.
    static func parse(_ value: String, defects: inout [Defect]) -> MediaType? {
        let (head, params) = ParameterParser.parse(value, defects: &defects)
        let parts = head.split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let type = String(parts[0]).trimmingASCIIWhitespace().lowercased()
        let subtype = String(parts[1]).trimmingASCIIWhitespace().lowercased()
        guard !type.isEmpty, !subtype.isEmpty,
              type.utf8.allSatisfy(isTokenChar), subtype.utf8.allSatisfy(isTokenChar) else { return nil }
        return MediaType(type: type, subtype: subtype, parameters: params)
    }

    static func isTokenChar(_ c: UInt8) -> Bool {
        c > 32 && c < 127 && c != UInt8(ascii: "(") && c != UInt8(ascii: ")") && c != UInt8(ascii: "<") && c != UInt8(ascii: ">")
            && c != UInt8(ascii: "@") && c != UInt8(ascii: ",") && c != UInt8(ascii: ";") && c != UInt8(ascii: ":")
            && c != UInt8(ascii: "\\") && c != UInt8(ascii: "\"") && c != UInt8(ascii: "/") && c != UInt8(ascii: "[")
            && c != UInt8(ascii: "]") && c != UInt8(ascii: "?") && c != UInt8(ascii: "=")
    }
}

/// Parses `value; name=token; name="quoted"; name*=utf-8''%C3%A5; name*0*=...; name*1=...`.
enum ParameterParser {
    /// Returns the part before the first `;` and the decoded parameters.
    static func parse(_ value: String, defects: inout [Defect]) -> (String, [String: String]) {
        let b = Array(value.utf8)
        let n = b.count
        var i = 0
        // Head: up to the first ';' (outside quotes, which a broken mailer might put there).
        while i < n && b[i] != UInt8(ascii: ";") { i += 1 }
        let head = String(decoding: b[0..<i], as: UTF8.self).trimmingASCIIWhitespace()
        var simple: [String: String] = [:]
        // name → [(index, extended, value)]
        var segments: [String: [(Int, Bool, String)]] = [:]
        var order: [String] = []
        while i < n {
            // Skip ';' and whitespace.
            while i < n && (b[i] == UInt8(ascii: ";") || b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13) { i += 1 }
            if i >= n { break }
            let nameStart = i
            while i < n && b[i] != UInt8(ascii: "=") && b[i] != UInt8(ascii: ";") { i += 1 }
            let rawName = String(decoding: b[nameStart..<i], as: UTF8.self).trimmingASCIIWhitespace().lowercased()
            if i >= n || b[i] == UInt8(ascii: ";") {
                if !rawName.isEmpty { defects.append(.invalidParameter(rawName)) }
                continue
            }
            i += 1 // '='
            while i < n && (b[i] == 32 || b[i] == 9) { i += 1 }
            var val: String
            if i < n && b[i] == UInt8(ascii: "\"") {
                i += 1
                var out = [UInt8]()
                while i < n && b[i] != UInt8(ascii: "\"") {
                    if b[i] == UInt8(ascii: "\\") && i + 1 < n { i += 1 }
                    out.append(b[i]); i += 1
                }
                i += 1
                val = String(decoding: out, as: UTF8.self)
                // Skip junk until ';'.
                while i < n && b[i] != UInt8(ascii: ";") { i += 1 }
            } else {
                let vStart = i
                while i < n && b[i] != UInt8(ascii: ";") { i += 1 }
                val = String(decoding: b[vStart..<i], as: UTF8.self).trimmingASCIIWhitespace()
            }
            guard !rawName.isEmpty else { continue }
            // RFC 2231: name*, name*N, name*N*
            if let star = rawName.firstIndex(of: "*") {
                let base = String(rawName[..<star])
                let rest = rawName[rawName.index(after: star)...]
                var index = 0
                var extended = false
                if rest.isEmpty { extended = true }
                else {
                    var digits = rest
                    if digits.hasSuffix("*") { extended = true; digits = digits.dropLast() }
                    guard let k = Int(digits), k >= 0, k < 1000 else {
                        defects.append(.invalidParameter(rawName)); continue
                    }
                    index = k
                }
                if segments[base] == nil { order.append(base) }
                segments[base, default: []].append((index, extended, val))
            } else {
                if simple[rawName] == nil { simple[rawName] = val }
            }
        }
        var result = simple
        for (name, value) in simple where value.contains("=?") {
            // Not allowed by RFC 2047, but Outlook and Gmail put encoded words in quoted file names.
            result[name] = EncodedWord.decode(value, defects: &defects)
        }
        for name in order {
            guard let segs = segments[name] else { continue }
            let sorted = segs.sorted { $0.0 < $1.0 }
            var bytes = [UInt8]()
            var charset: String? = nil
            // Extended segments are percent-decoded as one run, which also tolerates a sender that
            // split a %XX escape across two segments.
            var encodedRun = ""
            for (k, seg) in sorted.enumerated() {
                if seg.1 {
                    var text = Substring(seg.2)
                    if k == 0 {
                        // charset'language'value
                        let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                        if pieces.count == 3 {
                            charset = String(pieces[0])
                            text = pieces[2]
                        } else {
                            defects.append(.invalidParameter(name))
                        }
                    }
                    encodedRun += text
                } else {
                    bytes.append(contentsOf: percentDecode(Substring(encodedRun)))
                    encodedRun = ""
                    bytes.append(contentsOf: seg.2.utf8)
                }
            }
            bytes.append(contentsOf: percentDecode(Substring(encodedRun)))
            let decoded = Charset.decode(bytes, label: (charset?.isEmpty ?? true) ? nil : charset, defects: &defects)
            result[name] = decoded      // RFC 2231 form wins over a plain fallback of the same name
        }
        return (head, result)
    }

    static func percentDecode(_ s: Substring) -> [UInt8] {
        let b = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count,
               let h = TransferEncoding.hexValue(b[i + 1]), let l = TransferEncoding.hexValue(b[i + 2]) {
                out.append(h << 4 | l); i += 3
            } else { out.append(b[i]); i += 1 }
        }
        return out
    }

    /// RFC 2231 encoding of a parameter for building: plain quoted when ASCII, else `name*0*=utf-8''...`
    /// continuations. Returns the `;`-separated pieces, each short enough to sit on its own folded line.
    static func encode(name: String, value: String) -> [String] {
        if !EncodedWord.needsEncoding(value) && value.utf8.count <= 60 {
            var q = "\""
            for ch in value { if ch == "\"" || ch == "\\" { q.append("\\") }; q.append(ch) }
            return [name + "=" + q + "\""]
        }
        // Percent-encode, never splitting a %XX triple across segments.
        var encoded: [String] = []
        for c in value.utf8 {
            if MediaType.isTokenChar(c) && c != UInt8(ascii: "%") && c != UInt8(ascii: "'") && c != UInt8(ascii: "*") {
                encoded.append(String(UnicodeScalar(c)))
            } else {
                encoded.append("%" + String(TransferEncoding.hexDigits[Int(c >> 4)].asChar) + String(TransferEncoding.hexDigits[Int(c & 15)].asChar))
            }
        }
        let first = "utf-8''"
        var pieces: [String] = []
        var current = first
        for tok in encoded {
            if current.utf8.count + tok.utf8.count > 50 {
                pieces.append(current); current = ""
            }
            current += tok
        }
        pieces.append(current)
        if pieces.count == 1 { return [name + "*=" + pieces[0]] }
        return pieces.enumerated().map { "\(name)*\($0.offset)*=\($0.element)" }
    }
}

extension UInt8 {
    var asChar: Character { Character(UnicodeScalar(self)) }
}
