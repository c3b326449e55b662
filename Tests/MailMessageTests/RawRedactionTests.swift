import Foundation
@testable import MailMessage
import Testing

/// `RawRedaction`: an address erased wherever a reader of the message would see it, and every
/// other byte left as it was.
struct RawRedactionTests {
    let address = "Greta.Glomsk@Example.se"
    let replacement = "raderad@raderad.invalid"

    func redact(_ raw: [UInt8]) -> [UInt8] { RawRedaction.redacting(address, with: replacement, in: raw) }

    func mentions(_ bytes: [UInt8]) -> Bool {
        RawRedaction.containsASCII(Array(address.lowercased().utf8), in: bytes)
    }

    /// Every text a reader sees: decoded header values, the text, the attachments' contents.
    func visible(_ message: Message) -> [UInt8] {
        var out: [UInt8] = []
        for header in message.headers { out += Array(header.value.utf8) + [10] }
        out += Array(message.text.utf8)
        for attachment in message.attachments { out += attachment.data }
        return out
    }

    func base64Lines(_ text: String) -> String {
        String(decoding: TransferEncoding.encodeBase64Lines(Array(text.utf8)), as: UTF8.self)
    }

    /// A message whose only mentions of the address are encoded: a B-encoded Subject, a base64
    /// text part, a quoted-printable HTML part with the address broken by a soft line break, and
    /// a binary attachment that must come through byte for byte.
    func encodedMessage(lineEnd: String = "\r\n") -> (raw: [UInt8], pdf: String) {
        let subjectWord = "=?utf-8?B?" + String(decoding: TransferEncoding.encodeBase64(Array("Fråga från GRETA.glomsk@example.se".utf8)), as: UTF8.self) + "?="
        let pdf = base64Lines("%PDF-1.4 binary \u{1} greta.glomsk@example.se stays in a file we cannot rewrite")
        let lines = [
            "From: Kvar <kvar@example.com>",
            "To: kontakt@kommun.example.se",
            "Subject: \(subjectWord)",
            "Message-ID: <redact-1@example.com>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"yttre\"",
            "",
            "--yttre",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines("Hej! Prata med greta.glomsk@example.se om lokalen.\r\nMvh Kvar\r\n").replacingOccurrences(of: "\r\n", with: lineEnd),
            "--yttre",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "<p>Skriv till Greta.Glom=",
            "sk@example.se =C3=A4nd&aring;.</p>",
            "--yttre",
            "Content-Type: application/pdf; name=\"bilaga.pdf\"",
            "Content-Disposition: attachment; filename=\"bilaga.pdf\"",
            "Content-Transfer-Encoding: base64",
            "",
            pdf.replacingOccurrences(of: "\r\n", with: lineEnd),
            "--yttre--",
            "",
        ]
        return (Array(lines.joined(separator: lineEnd).utf8), pdf)
    }

    @Test(arguments: ["\r\n", "\n"])
    func encodedMentionsAreRedactedAndTheRestIsUntouched(lineEnd: String) throws {
        let (raw, pdf) = encodedMessage(lineEnd: lineEnd)
        #expect(!mentions(raw), "the address is only there encoded")
        let before = try Message.parse(raw)
        #expect(String(decoding: visible(before), as: UTF8.self).lowercased().contains(address.lowercased()))

        let redacted = redact(raw)
        let after = try Message.parse(redacted)
        let seen = String(decoding: visible(after.withoutBinaryAttachments), as: UTF8.self)
        #expect(!seen.lowercased().contains(address.lowercased()), "\(seen)")
        #expect(after.subject == "Fråga från raderad@raderad.invalid")
        #expect(after.text.contains("Prata med raderad@raderad.invalid om lokalen."))
        #expect(after.text.contains("Mvh Kvar"))
        #expect(after.defects == before.defects, "the message parses as it did")
        #expect(after.attachments.map(\.filename) == before.attachments.map(\.filename))
        // The binary attachment is the same bytes, as it was encoded.
        #expect(String(decoding: redacted, as: UTF8.self).contains(pdf.replacingOccurrences(of: "\r\n", with: lineEnd)))
        #expect(after.attachments.first { $0.filename == "bilaga.pdf" }?.data == before.attachments.first { $0.filename == "bilaga.pdf" }?.data)
        if lineEnd == "\n" { #expect(!redacted.contains(13), "bare LF line ends are kept") }
        #expect(redact(redacted) == redacted, "redacting again changes nothing")
    }

    @Test func aForwardedMessageIsRedactedInsideItsOwnParts() throws {
        let inner = [
            "From: Greta <greta.glomsk@example.se>",
            "Subject: Originalet",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines("Svara mig på GRETA.GLOMSK@EXAMPLE.SE tack."),
        ].joined(separator: "\r\n")
        let outer = [
            "From: Kvar <kvar@example.com>",
            "Subject: Fwd: Originalet",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=b1",
            "",
            "--b1",
            "Content-Type: text/plain",
            "",
            "Se nedan.",
            "--b1",
            "Content-Type: message/rfc822",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines(inner),
            "--b1--",
            "",
        ].joined(separator: "\r\n")
        let raw = Array(outer.utf8)
        let redacted = redact(raw)
        let changed = redacted != raw
        #expect(changed)
        let after = try Message.parse(redacted)
        let forwarded = try #require(after.root.parts.last?.encapsulated)
        #expect(forwarded.text.contains("Svara mig på raderad@raderad.invalid tack."))
        #expect(forwarded.from.first?.address == "raderad@raderad.invalid")
        #expect(!String(decoding: visible(forwarded), as: UTF8.self).lowercased().contains(address.lowercased()))
    }

    @Test func plainMentionsInAnyCaseAreReplacedAndNothingElseMoves() {
        let raw = Array("To: Greta.GLOMSK@example.se\r\n\r\nSkriv till greta.glomsk@EXAMPLE.SE, inte glomsk@example.se.\r\n".utf8)
        let redacted = redact(raw)
        #expect(String(decoding: redacted, as: UTF8.self)
            == "To: raderad@raderad.invalid\r\n\r\nSkriv till raderad@raderad.invalid, inte glomsk@example.se.\r\n")
        let untouched = Array("Subject: nothing here\r\n\r\nhej\r\n".utf8)
        #expect(redact(untouched) == untouched)
    }

    /// Nested multiparts are redacted at any depth the parser reads, and hostile nesting far
    /// deeper than that ends at the parser's limit instead of exhausting the stack.
    @Test(arguments: [10, 5_000])
    func nestedMultipartsAreRedactedWithinTheParsersDepth(levels: Int) throws {
        var lines: [String] = ["From: kvar@example.com", "Subject: djup", "MIME-Version: 1.0"]
        for level in 0..<levels {
            lines += ["Content-Type: multipart/mixed; boundary=\"n\(level)\"", "", "--n\(level)"]
        }
        lines += ["Content-Type: text/plain", "Content-Transfer-Encoding: base64", "",
                  base64Lines("Djupt nere: greta.glomsk@example.se").trimmingCharacters(in: .newlines)]
        for level in (0..<levels).reversed() { lines += ["--n\(level)--"] }
        let raw = Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
        let redacted = redact(raw)
        let reachable = levels < ParseOptions.lenient.maxDepth
        let changed = redacted != raw
        #expect(changed == reachable)
        if reachable {
            let text = try Message.parse(redacted).text
            #expect(text.contains("Djupt nere: raderad@raderad.invalid"), "\(text)")
        }
    }

    /// Hostile input: random cuts and splices of a real message, and random bytes, never crash the
    /// redaction, and whatever comes out mentions the address nowhere in its plain bytes.
    @Test func hostileInputNeverCrashesAndNeverKeepsAPlainMention() {
        var generator = SystemRandomNumberGenerator()
        let (raw, _) = encodedMessage()
        for round in 0..<400 {
            var bytes = raw
            let cuts = Int.random(in: 1...4, using: &generator)
            for _ in 0..<cuts where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...200, using: &generator)))
                case 1: bytes.insert(contentsOf: Array("\r\n--yttre\r\n=?x?B?Zz?= greta.glomsk@example.se".utf8), at: at)
                default: bytes[at] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            if round % 10 == 0 { bytes = (0..<Int.random(in: 0...600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) } }
            let redacted = redact(bytes)
            #expect(!mentions(redacted), "round \(round)")
        }
    }

    /// `text` as encoded words of `charset`, cut every `size` bytes as a mailer cuts a long
    /// subject (even inside the address), folded with `lineEnd` and a space.
    func encodedWords(_ bytes: [UInt8], charset: String = "utf-8", encoding: Character, size: Int, lineEnd: String) -> String {
        stride(from: 0, to: bytes.count, by: size).map { start -> String in
            let piece = Array(bytes[start..<min(start + size, bytes.count)])
            let text = encoding == "B"
                ? String(decoding: TransferEncoding.encodeBase64(piece), as: UTF8.self)
                : piece.map { b in
                    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                        ? String(UnicodeScalar(b)) : String(format: "=%02X", b)
                }.joined()
            return "=?\(charset)?\(encoding)?\(text)?="
        }.joined(separator: lineEnd + " ")
    }

    /// Mailers cut a long subject into words wherever 75 characters run out, so an address can
    /// begin in one word and end in the next: the run of words is rewritten whole.
    @Test(arguments: ["B", "Q"], ["\r\n", "\n"])
    func anAddressSplitAcrossAdjacentWordsIsRedacted(encoding: String, lineEnd: String) throws {
        // Redacted, its 90th byte is inside "å": a cut there would split the character.
        let subject = "Fråga från Greta.Glomsk@example.se om mötet i höstas – går det att få bilderna från seminariet?"
        let subjectBytes = Array(subject.utf8)
        let words = encodedWords(subjectBytes, encoding: Character(encoding), size: 17, lineEnd: lineEnd)
        let raw = Array((["From: Kvar <kvar@example.com>", "Subject: " + words, "Message-ID: <split@example.com>", "",
                          "Hej!", ""].joined(separator: lineEnd)).utf8)
        let before = try Message.parse(raw)
        #expect(before.subject == subject)
        #expect(!mentions(raw), "the address is only there encoded, and cut in two")

        let redacted = redact(raw)
        let after = try Message.parse(redacted)
        #expect(after.subject == subject.replacingOccurrences(of: "Greta.Glomsk@example.se", with: replacement))
        #expect(after.messageID == before.messageID && after.text == before.text)
        #expect(after.defects == before.defects)
        #expect(redact(redacted) == redacted, "redacting again changes nothing")
        // The new words keep to RFC 2047's length, each holds whole characters, and they are
        // folded as the old ones were.
        let header = String(decoding: redacted, as: UTF8.self).components(separatedBy: lineEnd + lineEnd)[0]
        let rewritten = header.components(separatedBy: lineEnd).filter { $0.contains("=?utf-8?B?") }
        #expect(rewritten.count > 1)
        for line in rewritten {
            let word = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "Subject: ", with: "")
            #expect(word.count <= 75, "\(word)")
            let text = word.dropFirst("=?utf-8?B?".count).dropLast(2)
            let bytes = TransferEncoding.decodeBase64(Array(text.utf8)[...]).bytes
            #expect(String(validating: bytes, as: UTF8.self) != nil, "a word ends inside a character: \(word)")
        }
        if lineEnd == "\n" { #expect(!redacted.contains(13), "bare LF line ends are kept") }
    }

    /// An address cut where the charset changes is found too: the decoder joins such words, so
    /// the run goes on, is read into UTF-8 and written back as UTF-8. Its other characters (å in
    /// ISO-8859-1 here) come through whole.
    @Test(arguments: ["B", "Q"])
    func anAddressCutWhereTheCharsetChangesIsRedacted(encoding: String) throws {
        let half = Array("Från Greta.Glo".unicodeScalars.map { UInt8($0.value) }), rest = Array("msk@example.se i höstas".utf8)
        let subject = "Subject: " + encodedWords(half, charset: "iso-8859-1", encoding: Character(encoding), size: 100, lineEnd: "\r\n")
            + " " + encodedWords(rest, encoding: Character(encoding), size: 100, lineEnd: "\r\n")
        let raw = Array("From: kvar@example.com\r\n\(subject)\r\n\r\nHej!\r\n".utf8)
        #expect(try Message.parse(raw).subject == "Från Greta.Glomsk@example.se i höstas")
        let redacted = redact(raw)
        #expect(try Message.parse(redacted).subject == "Från \(replacement) i höstas")
        #expect(String(decoding: redacted, as: UTF8.self).contains("=?utf-8?B?"))
        #expect(redact(redacted) == redacted)
    }

    /// A run ends at a charset whose ASCII is not ASCII, and at a new header field.
    @Test func runsStopAtAnotherKindOfCharsetAndAtTheNextField() throws {
        let half = Array("Greta.Glo".utf8), rest = Array("msk@example.se".utf8)
        // UTF-16 words: the bytes of "msk@…" are not those of the address.
        let utf16 = Array("msk@example.se".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let otherKind = encodedWords(half, encoding: "B", size: 100, lineEnd: "\r\n")
            + " " + encodedWords(utf16, charset: "utf-16be", encoding: "B", size: 100, lineEnd: "\r\n")
        let twoFields = "Subject: " + encodedWords(half, encoding: "B", size: 100, lineEnd: "\r\n")
            + "\r\nX-Note: " + encodedWords(rest, encoding: "B", size: 100, lineEnd: "\r\n")
        // A line that is no fold and no field ends the header block; what follows is body text.
        let notAFold = "Subject: " + encodedWords(half, encoding: "B", size: 100, lineEnd: "\r\n")
            + "\r\n" + encodedWords(rest, encoding: "B", size: 100, lineEnd: "\r\n")
        for header in ["Subject: " + otherKind, twoFields, notAFold] {
            let raw = Array("From: kvar@example.com\r\n\(header)\r\n\r\nHej!\r\n".utf8)
            #expect(redact(raw) == raw, "\(header)")
        }
    }

    @Test func quotedPrintableOfBytesRoundTrips() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            // Lines of random bytes other than CR and LF, joined by CRLF, with or without a final one.
            let lines = (0..<Int.random(in: 1...5, using: &generator)).map { _ in
                (0..<Int.random(in: 0...200, using: &generator)).map { _ -> UInt8 in
                    let b = UInt8.random(in: 0...255, using: &generator)
                    return b == 10 || b == 13 ? 32 : b
                }
            }
            var bytes = Array(lines.joined(separator: [13, 10]))
            if Bool.random(using: &generator) { bytes += [13, 10] }
            let encoded = TransferEncoding.encodeQuotedPrintable(bytes)
            #expect(TransferEncoding.decodeQuotedPrintable(encoded[...]).bytes == bytes)
            #expect(encoded.split(separator: 10).allSatisfy { $0.count <= 77 }, "lines of at most 76 characters and CR")
        }
    }
}

private extension Message {
    /// The message with only text and message attachments: binary files keep the address by design.
    var withoutBinaryAttachments: Message {
        var copy = self
        copy.attachments = attachments.filter { $0.contentType.hasPrefix("text/") || $0.contentType.hasPrefix("message/") }
        return copy
    }
}
