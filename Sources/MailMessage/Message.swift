import Foundation

/// A parsed email message: headers, MIME tree, human text, attachments, and the defects found.
public struct Message: Sendable {
    public var headers: [Header]
    public var subject: String?
    public var from: [Address]
    public var sender: Address?
    public var replyTo: [Address]
    public var to: [Address]
    public var cc: [Address]
    public var date: Date?
    /// Without angle brackets.
    public var messageID: String?
    /// Without angle brackets, in order.
    public var inReplyTo: [String]
    public var references: [String]
    public var root: MIMEPart
    /// The human text body: text/plain preferred, else text derived from HTML; "" when there is none.
    /// Line ends are LF; trailing line breaks are removed.
    public var text: String
    /// The HTML body as text markup, if the message has one.
    public var html: String?
    public var attachments: [Attachment]
    public var defects: [Defect]

    /// The text without quoted earlier messages and without the signature (see `NewText`).
    public var newText: String { NewText.extract(from: text) }

    /// Parses raw message bytes (CRLF or LF line ends). Lenient mode never throws and never traps;
    /// strict mode throws the first defect.
    public static func parse(_ bytes: [UInt8], options: ParseOptions = .lenient) throws(MessageParseError) -> Message {
        var parser = MIMEParser(bytes: bytes, options: options)
        if bytes.withUnsafeBufferPointer({ $0.count > 0 && memchr($0.baseAddress!, 0, $0.count) != nil }) {
            parser.defects.append(.nulBytes)
        }
        let root = parser.parseEntity(range: 0..<bytes.count, depth: 0, defaultType: .textPlain)
        let message = Message(root: root, defects: parser.defects)
        if options.strict, let first = message.defects.first { throw MessageParseError(defect: first) }
        return message
    }

    /// Derives the convenience fields from a parsed tree.
    init(root: MIMEPart, defects initialDefects: [Defect]) {
        var defects = initialDefects
        let headers = root.headers
        self.headers = headers
        self.root = root
        subject = headers.first(named: "Subject")?.value
        func addresses(_ name: String) -> [Address] {
            var all: [Address] = []
            for h in headers where h.hasName(name) { all += AddressListParser.parse(h.rawValue, defects: &defects) }
            return all
        }
        from = addresses("From")
        sender = addresses("Sender").first
        replyTo = addresses("Reply-To")
        to = addresses("To")
        cc = addresses("Cc")
        if let d = headers.first(named: "Date")?.value {
            date = DateParser.parse(d)
            if date == nil { defects.append(.invalidDate(String(d.prefix(100)))) }
        } else {
            date = nil
        }
        messageID = MessageIDs.parse(headers.first(named: "Message-ID")?.rawValue ?? "").first
        inReplyTo = MessageIDs.parse(headers.first(named: "In-Reply-To")?.rawValue ?? "")
        references = MessageIDs.parse(headers.first(named: "References")?.rawValue ?? "")

        var body = BodyExtractor()
        body.collect(root)
        defects += body.defects
        var plainTexts: [String] = []
        var htmlTexts: [String] = []
        for part in body.textParts {
            let s = BodyExtractor.decodeText(part, defects: &defects)
            if s.utf8.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 9 }) { continue }   // empty parts add no text
            if part.mediaType.subtype == "html" { htmlTexts.append(s) } else { plainTexts.append(s) }
        }
        if htmlTexts.isEmpty {
            for part in body.alternativeHTML { htmlTexts.append(BodyExtractor.decodeText(part, defects: &defects)) }
        }
        html = htmlTexts.isEmpty ? nil : BodyExtractor.trimTrailingNewlines(htmlTexts.joined(separator: "\n"))
        if !plainTexts.isEmpty {
            text = BodyExtractor.trimTrailingNewlines(plainTexts.joined(separator: "\n"))
        } else if let h = html {
            text = HTMLText.text(fromHTML: h)
        } else {
            text = ""
        }
        attachments = body.attachments
        self.defects = defects
    }

    /// First header with this name (case-insensitive), decoded.
    public func header(_ name: String) -> String? { headers.first(named: name)?.value }

    /// All values of headers with this name, in order.
    public func headers(named name: String) -> [String] { headers.filter { $0.hasName(name) }.map(\.value) }

    /// Every part, depth-first, starting with the root; includes parts of encapsulated messages.
    public func allParts() -> [MIMEPart] {
        var out: [MIMEPart] = []
        var stack: [MIMEPart] = [root]
        while let p = stack.popLast() {
            out.append(p)
            if let inner = p.encapsulated { stack.append(inner.root) }
            stack.append(contentsOf: p.parts.reversed())
        }
        return out
    }
}

/// Message-ID lists (RFC 5322 §3.6.4), tolerant of missing brackets and junk between ids.
enum MessageIDs {
    static func parse(_ value: String) -> [String] {
        guard !value.isEmpty else { return [] }
        var ids: [String] = []
        let b = Array(value.utf8)
        var i = 0
        var sawBracket = false
        while i < b.count {
            if b[i] == UInt8(ascii: "<") {
                sawBracket = true
                var j = i + 1
                while j < b.count && b[j] != UInt8(ascii: ">") && b[j] != UInt8(ascii: "<") { j += 1 }
                let id = String(decoding: b[(i + 1)..<j].filter { $0 > 32 }, as: UTF8.self)
                if !id.isEmpty { ids.append(id) }
                i = (j < b.count && b[j] == UInt8(ascii: ">")) ? j + 1 : j
            } else if b[i] == UInt8(ascii: "(") {
                // Skip comments ("(Anna's message of ...)").
                var depth = 0
                while i < b.count {
                    if b[i] == UInt8(ascii: "(") { depth += 1 }
                    if b[i] == UInt8(ascii: ")") { depth -= 1; if depth == 0 { i += 1; break } }
                    i += 1
                }
            } else { i += 1 }
        }
        if !sawBracket {
            // "abc@example.se" without brackets: take whitespace-separated tokens with an @.
            ids = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init).filter { $0.contains("@") }
        }
        return ids
    }
}

/// Picks the human text parts and the attachments from a MIME tree.
struct BodyExtractor {
    var textParts: [MIMEPart] = []
    var attachments: [Attachment] = []
    var defects: [Defect] = []
    /// HTML versions of a text/plain body chosen from an alternative; they give `Message.html`.
    var alternativeHTML: [MIMEPart] = []

    /// Walks the tree. The body is: in `multipart/alternative`, the text/plain branch if any, else
    /// the first other branch; in `related`, the root part; in `signed`/`encrypted`, the first part;
    /// in `mixed`, `report` and others, every inline text part. Everything else that is not a
    /// container or a not-chosen alternative is an attachment.
    mutating func collect(_ root: MIMEPart) {
        walk(root, inBody: true)
    }

    private mutating func walk(_ part: MIMEPart, inBody: Bool) {
        let mt = part.mediaType
        if mt.isMultipart {
            switch mt.subtype {
            case "alternative":
                let pick = inBody ? Self.preferredAlternative(part.parts) : nil
                for (k, child) in part.parts.enumerated() {
                    if k == pick { walk(child, inBody: true) }
                    else { walkAlternativeLoser(child) }
                }
            case "related":
                var rootIndex = 0
                if let start = mt.parameters["start"] {
                    let id = start.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
                    if let k = part.parts.firstIndex(where: { MessageIDs.parse($0.header("Content-ID") ?? "").first == id }) { rootIndex = k }
                }
                for (k, child) in part.parts.enumerated() { walk(child, inBody: inBody && k == rootIndex) }
            case "signed", "encrypted", "report":
                for (k, child) in part.parts.enumerated() { walk(child, inBody: inBody && k == 0) }
            default:
                for child in part.parts { walk(child, inBody: inBody) }
            }
            return
        }
        if inBody && Self.isBodyText(part) {
            textParts.append(part)
            return
        }
        if TNEF.isTNEF(contentType: mt.essence) && unpackTNEF(part) { return }
        attachments.append(Attachment(filename: part.filename, contentType: mt.essence, storage: part.storage))
    }

    /// Lists the files inside a `winmail.dat` in its place; false (the part stays an attachment
    /// as it is) when it holds none, holds something that is not unpacked (an embedded
    /// message), or cannot be read: nothing it carries is ever hidden.
    private mutating func unpackTNEF(_ part: MIMEPart) -> Bool {
        do {
            let contents = try TNEF.contents(of: part.storage.bytes)
            attachments += contents.files.map { Attachment(filename: $0.filename, contentType: $0.contentType, data: $0.data) }
            return !contents.files.isEmpty && contents.notUnpacked == 0
        } catch {
            defects.append(.unreadableTNEF(error.reason))
            return false
        }
    }

    /// A not-chosen alternative: its text is not the body, but files inside (e.g. inline images in a
    /// related HTML branch) are still attachments.
    private mutating func walkAlternativeLoser(_ part: MIMEPart) {
        if part.mediaType.isMultipart {
            for child in part.parts { walkAlternativeLoser(child) }
            return
        }
        let mt = part.mediaType
        if mt.type == "text" && part.filename == nil && !part.isAttachmentDisposition {
            if mt.subtype == "html" { alternativeHTML.append(part) }
            return
        }
        attachments.append(Attachment(filename: part.filename, contentType: mt.essence, storage: part.storage))
    }

    static func isBodyText(_ part: MIMEPart) -> Bool {
        let mt = part.mediaType
        return mt.type == "text" && (mt.subtype == "plain" || mt.subtype == "html") && part.filename == nil && !part.isAttachmentDisposition
    }

    /// Index of the alternative to show: one containing text/plain, else the first containing text.
    static func preferredAlternative(_ parts: [MIMEPart]) -> Int? {
        func contains(_ p: MIMEPart, subtype: String) -> Bool {
            if p.mediaType.isMultipart { return p.parts.contains { contains($0, subtype: subtype) } }
            return p.mediaType.type == "text" && p.mediaType.subtype == subtype && isBodyText(p)
        }
        if let k = parts.firstIndex(where: { contains($0, subtype: "plain") }) { return k }
        if let k = parts.firstIndex(where: { contains($0, subtype: "html") }) { return k }
        return parts.isEmpty ? nil : 0
    }

    /// Charset-decodes a text part, normalises line ends to LF, and undoes format=flowed.
    static func decodeText(_ part: MIMEPart, defects: inout [Defect]) -> String {
        var s = Charset.decode(part.body, label: part.mediaType.charset, defects: &defects)
        if s.utf8.contains(13) { s = normalizeLineEnds(s) }
        if part.mediaType.subtype == "plain", part.mediaType.parameters["format"]?.lowercased() == "flowed" {
            s = unflow(s, delsp: part.mediaType.parameters["delsp"]?.lowercased() == "yes")
        }
        return s
    }

    /// RFC 3676: a line ending in a space continues on the next line; space-stuffing is removed.
    static func unflow(_ s: String, delsp: Bool) -> String {
        var out: [String] = []
        var current = ""
        var continuing = false
        for var line in s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix(" ") { line.removeFirst() }
            let flowed = line.hasSuffix(" ") && line != "-- "
            if flowed && delsp { line.removeLast() }
            current += line
            continuing = flowed
            if !continuing { out.append(current); current = "" }
        }
        if continuing { out.append(current) }
        return out.joined(separator: "\n")
    }

    /// CRLF and lone CR to LF, on UTF-8 bytes (Foundation's replacingOccurrences is far slower).
    static func normalizeLineEnds(_ s: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        var previousCR = false
        for c in s.utf8 {
            if c == 13 { out.append(10); previousCR = true; continue }
            if c == 10 && previousCR { previousCR = false; continue }
            previousCR = false
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func trimTrailingNewlines(_ s: String) -> String {
        var end = s.endIndex
        while end > s.startIndex {
            let p = s.index(before: end)
            if s[p] == "\n" || s[p] == "\r\n" { end = p } else { break }
        }
        return String(s[..<end])
    }
}
