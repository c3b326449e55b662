import Foundation

/// Builds RFC 5322 / MIME messages: UTF-8 throughout, encoded-word headers folded under 78 columns,
/// quoted-printable text, base64 attachments with RFC 2231 file names, CRLF line ends.
///
/// `build` and `write` produce identical bytes: boundaries are derived from the Message-ID, not random.
public enum MessageBuilder {
    /// The whole message in memory.
    public static func build(_ m: OutgoingMessage) throws -> [UInt8] {
        var out = [UInt8]()
        try write(m) { chunk in out.append(contentsOf: chunk) }
        return out
    }

    /// Streams the message to `sink`. `.file` attachments are read in chunks of 57 KiB (a multiple of
    /// 57 bytes, so each chunk becomes whole 76-character base64 lines) and never held whole in memory.
    /// Throws `MessageBuildError`, or whatever `sink` throws.
    public static func write(_ m: OutgoingMessage, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try validate(m)
        try withoutActuallyEscaping(sink) { sink in
            var w = ChunkWriter(sink: sink)
            try writeValidated(m, to: &w)
        }
    }

    private static func writeValidated(_ m: OutgoingMessage, to w: inout ChunkWriter) throws {
        try w.put(headerBlock(m))
        let textPart = bodyPart(contentType: "text/plain; charset=utf-8", text: m.text)
        let mainPart: [UInt8]
        if let html = m.html {
            let b = boundary(m.messageID, level: 1)
            var alt = [UInt8]()
            alt += ascii("Content-Type: multipart/alternative;\r\n boundary=\"\(b)\"\r\n\r\n")
            alt += ascii("--\(b)\r\n") + textPart
            alt += ascii("\r\n--\(b)\r\n") + bodyPart(contentType: "text/html; charset=utf-8", text: html)
            alt += ascii("\r\n--\(b)--\r\n")
            mainPart = alt
        } else {
            mainPart = textPart
        }
        if m.attachments.isEmpty {
            try w.put(mainPart)
            try w.flush()
            return
        }
        let b = boundary(m.messageID, level: 0)
        try w.put(ascii("Content-Type: multipart/mixed;\r\n boundary=\"\(b)\"\r\n\r\nThis is a multi-part message in MIME format.\r\n"))
        try w.put(ascii("\r\n--\(b)\r\n"))
        try w.put(mainPart)
        for a in m.attachments {
            try w.put(ascii("\r\n--\(b)\r\n"))
            try w.put(attachmentHeaders(a))
            switch a.source {
            case .bytes(let data):
                try w.put(TransferEncoding.encodeBase64Lines(data))
            case .file(let path):
                try streamFile(path, into: &w)
            }
        }
        try w.put(ascii("\r\n--\(b)--\r\n"))
        try w.flush()
    }

    /// A fresh Message-ID "random@domain" (without brackets): 128 random bits in hex plus a time
    /// stamp, so collisions are practically impossible even across machines.
    public static func makeMessageID(domain: String) -> String {
        var rng = SystemRandomNumberGenerator()
        let a = rng.next() as UInt64, b = rng.next() as UInt64
        let t = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        let cleanDomain = domain.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "@") })
            && !domain.isEmpty ? domain : "kontakt.invalid"
        return "\(String(t, radix: 36)).\(String(a, radix: 16))\(String(b, radix: 16))@\(cleanDomain)"
    }

    // MARK: Validation

    static let reservedHeaders: Set<String> = [
        "date", "from", "to", "cc", "bcc", "reply-to", "subject", "message-id", "in-reply-to", "references",
        "mime-version", "content-type", "content-transfer-encoding", "content-disposition", "sender",
    ]

    static func validate(_ m: OutgoingMessage) throws {
        guard m.from.isValidForEnvelope else { throw MessageBuildError.invalidAddress(field: "From", index: 0) }
        guard !m.to.isEmpty || !m.cc.isEmpty else { throw MessageBuildError.noRecipients }
        for (field, list) in [("To", m.to), ("Cc", m.cc), ("Reply-To", m.replyTo)] {
            for (k, a) in list.enumerated() where !a.isValidForEnvelope {
                throw MessageBuildError.invalidAddress(field: field, index: k)
            }
        }
        for id in [m.messageID] + (m.inReplyTo.map { [$0] } ?? []) + m.references where !isValidMessageID(id) {
            throw MessageBuildError.invalidMessageID
        }
        for h in m.extraHeaders {
            guard HeaderSanitizer.isValidName(h.name) else { throw MessageBuildError.invalidHeaderName(h.name) }
            if reservedHeaders.contains(h.name.lowercased()) { throw MessageBuildError.reservedHeader(h.name) }
        }
        var ignored: [Defect] = []
        for a in m.attachments {
            guard MediaType.parse(a.contentType, defects: &ignored) != nil,
                  !a.contentType.contains(";") else {
                throw MessageBuildError.invalidContentType(HeaderSanitizer.clean(a.contentType))
            }
        }
    }

    static func isValidMessageID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 250 && id.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }

    // MARK: Headers

    static func headerBlock(_ m: OutgoingMessage) -> [UInt8] {
        var out = [UInt8]()
        let offset = m.timeZone.secondsFromGMT(for: m.date)
        out += fold("Date", tokens: [DateParser.format(m.date, offsetSeconds: offset)])
        out += addressHeader("From", [m.from])
        if !m.to.isEmpty { out += addressHeader("To", m.to) }
        if !m.cc.isEmpty { out += addressHeader("Cc", m.cc) }
        if !m.replyTo.isEmpty { out += addressHeader("Reply-To", m.replyTo) }
        out += unstructured("Subject", m.subject)
        out += fold("Message-ID", tokens: ["<\(m.messageID)>"])
        if let r = m.inReplyTo { out += fold("In-Reply-To", tokens: ["<\(r)>"]) }
        if !m.references.isEmpty { out += fold("References", tokens: m.references.map { "<\($0)>" }) }
        for h in m.extraHeaders { out += unstructured(h.name, h.value) }
        out += ascii("MIME-Version: 1.0\r\n")
        return out
    }

    /// An unstructured header: plain words when ASCII and short, else RFC 2047 encoded words.
    static func unstructured(_ name: String, _ value: String) -> [UInt8] {
        let clean = HeaderSanitizer.clean(value)
        let words = clean.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if !EncodedWord.needsEncoding(clean) && words.allSatisfy({ $0.utf8.count <= 70 }) {
            return fold(name, tokens: words)
        }
        return fold(name, tokens: EncodedWord.encode(clean, firstMax: 76 - name.utf8.count))
    }

    static func addressHeader(_ name: String, _ list: [Address]) -> [UInt8] {
        var tokens: [String] = []
        for (k, a) in list.enumerated() {
            var parts = a.formatted.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if k < list.count - 1, !parts.isEmpty { parts[parts.count - 1] += "," }
            tokens += parts
        }
        return fold(name, tokens: tokens)
    }

    /// "Name: t1 t2 ..." with a fold (CRLF + space) instead of a space wherever the line would pass
    /// 78 columns. Unfolding restores the value exactly.
    static func fold(_ name: String, tokens: [String]) -> [UInt8] {
        var out = Array(name.utf8)
        out.append(UInt8(ascii: ":"))
        var column = out.count
        for (k, t) in tokens.enumerated() {
            let len = t.utf8.count
            if k == 0 {
                if column + 1 + len > 78 && len > 0 {
                    out += [13, 10]; column = 0
                }
                out.append(32); column += 1
            } else if column + 1 + len > 78 {
                out += [13, 10, 32]; column = 1
            } else {
                out.append(32); column += 1
            }
            out += t.utf8
            column += len
        }
        out += [13, 10]
        return out
    }

    // MARK: Body

    static func bodyPart(contentType: String, text: String) -> [UInt8] {
        ascii("Content-Type: \(contentType)\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
            + TransferEncoding.encodeQuotedPrintableText(text)
    }

    static func attachmentHeaders(_ a: OutgoingAttachment) -> [UInt8] {
        let name = HeaderSanitizer.clean(a.filename)
        let ct = HeaderSanitizer.clean(a.contentType).lowercased()
        var typeTokens = [ct + ";"]
        if EncodedWord.needsEncoding(name) {
            // Old Outlook reads only name= with encoded words; modern clients read filename*.
            var words = EncodedWord.encode(name, firstMax: 60)
            words[0] = "name=\"" + words[0]
            words[words.count - 1] += "\""
            typeTokens += words
        } else {
            typeTokens += ParameterParser.encode(name: "name", value: name)
        }
        var out = fold("Content-Type", tokens: typeTokens)
        let params = ParameterParser.encode(name: "filename", value: name)
        var dispTokens = ["attachment;"]
        for (k, p) in params.enumerated() { dispTokens.append(k < params.count - 1 ? p + ";" : p) }
        out += fold("Content-Disposition", tokens: dispTokens)
        out += ascii("Content-Transfer-Encoding: base64\r\n\r\n")
        return out
    }

    static func streamFile(_ path: String, into w: inout ChunkWriter) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MessageBuildError.attachmentUnreadable(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        let chunkSize = 57 * 1024
        while true {
            let data: Data?
            do { data = try handle.read(upToCount: chunkSize) } catch {
                throw MessageBuildError.attachmentUnreadable(path: path, reason: String(describing: error))
            }
            guard let data, !data.isEmpty else { break }
            try w.put(TransferEncoding.encodeBase64Lines(data))
            if data.count < chunkSize { break }
        }
    }

    /// "=_kontakt_<hex>": `=_` cannot occur in quoted-printable or base64 text, so the boundary never
    /// collides with content; the hash of the Message-ID makes it deterministic.
    static func boundary(_ messageID: String, level: Int) -> String {
        "=_kontakt_" + Digest.sha256Hex(Array("\(messageID)/\(level)".utf8)).prefix(28)
    }

    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }
}

/// Buffers small writes into 64 KiB chunks for the sink.
struct ChunkWriter {
    let sink: (UnsafeRawBufferPointer) throws -> Void
    var buffer: [UInt8] = []

    init(sink: @escaping (UnsafeRawBufferPointer) throws -> Void) { self.sink = sink }

    mutating func put(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= 64 * 1024 { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try sink($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
