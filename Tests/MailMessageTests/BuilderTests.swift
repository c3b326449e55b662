import Foundation
import Testing
@testable import MailMessage

@Suite struct MessageBuilderTests {
    static let stockholm = TimeZone(identifier: "Europe/Stockholm")!

    func sample() -> OutgoingMessage {
        var m = OutgoingMessage(
            from: Address(name: "Kontakt Chefens dag", address: "kontakt@kommun.example.se"),
            to: [Address(name: "Åsa Öberg", address: "asa.oberg@example.se"), Address(name: "Berg, Karin", address: "karin.berg@kommun.example.se")],
            subject: "SV: Fråga om seminariet \"Att styra och leda i en gemensam riktning vid förändring och komplexitet\"",
            text: "Hej Åsa!\n\nVälkommen – seminariet börjar 13.00.\nFrom now on we use room B.\n.\nMed vänliga hälsningar\nKansliet\n",
            messageID: "reply-1.abc@kommun.example.se",
            date: Date(timeIntervalSince1970: 1_795_976_400))
        m.timeZone = Self.stockholm
        m.inReplyTo = "orig-1@example.se"
        m.references = ["invite-0@kommun.example.se", "orig-1@example.se"]
        m.extraHeaders = [Header(name: "Auto-Submitted", value: "auto-replied"), Header(name: "X-Loop", value: "kontakt@kommun.example.se")]
        m.attachments = [OutgoingAttachment(filename: "Värdet vi skapar tillsammans – presentation åäö ÅÄÖ é.pdf", contentType: "application/pdf",
                                            source: .bytes(Array(0...255).map(UInt8.init) + Array("slut".utf8)))]
        return m
    }

    @Test func wireFormatRules() throws {
        let bytes = try MessageBuilder.build(sample())
        // CRLF everywhere, no bare LF or CR, 7-bit clean, lines ≤ 78.
        for (k, b) in bytes.enumerated() {
            if b == 10 { #expect(k > 0 && bytes[k - 1] == 13) }
            if b == 13 { #expect(k + 1 < bytes.count && bytes[k + 1] == 10) }
            #expect(b < 128 && b != 0)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
        #expect(text.hasPrefix("Date: Sun, 29 Nov 2026 19:20:00 +0100\r\n"))
        #expect(text.contains("\r\nMessage-ID: <reply-1.abc@kommun.example.se>\r\n"))
        #expect(text.contains("\r\nIn-Reply-To: <orig-1@example.se>\r\n"))
        #expect(text.contains("\r\nReferences: <invite-0@kommun.example.se> <orig-1@example.se>\r\n"))
        #expect(text.contains("\r\nMIME-Version: 1.0\r\n"))
        #expect(text.contains("\r\nAuto-Submitted: auto-replied\r\n"))
        #expect(text.contains("Content-Type: multipart/mixed;"))
        #expect(text.contains("filename*0*=utf-8''V%C3%A4rdet"))
        #expect(text.contains("\r\n=46rom now on we use room B.\r\n=2E\r\n"))
        #expect(text.hasSuffix("--\r\n"))
    }

    @Test func parsesBackStrictlyWithSameContent() throws {
        let m = sample()
        let parsed = try Message.parse(try MessageBuilder.build(m), options: .strict)
        #expect(parsed.subject == m.subject)
        #expect(parsed.from == [m.from])
        #expect(parsed.to == m.to)
        #expect(parsed.date == m.date)
        #expect(parsed.messageID == m.messageID)
        #expect(parsed.inReplyTo == ["orig-1@example.se"])
        #expect(parsed.references == m.references)
        #expect(parsed.header("X-Loop") == "kontakt@kommun.example.se")
        #expect(parsed.text == "Hej Åsa!\n\nVälkommen – seminariet börjar 13.00.\nFrom now on we use room B.\n.\nMed vänliga hälsningar\nKansliet")
        #expect(parsed.newText == "Hej Åsa!\n\nVälkommen – seminariet börjar 13.00.\nFrom now on we use room B.\n.")
        #expect(parsed.attachments.count == 1)
        #expect(parsed.attachments.first?.filename == m.attachments[0].filename)
        #expect(parsed.attachments.first?.contentType == "application/pdf")
        if case .bytes(let data) = m.attachments[0].source { #expect(parsed.attachments.first?.data == data) }
    }

    @Test func alternativeWithHTML() throws {
        var m = sample()
        m.attachments = []
        m.html = "<p>Hej Åsa!</p>"
        let parsed = try Message.parse(try MessageBuilder.build(m), options: .strict)
        #expect(parsed.root.mediaType.essence == "multipart/alternative")
        #expect(parsed.html == "<p>Hej Åsa!</p>")
        #expect(parsed.text.hasPrefix("Hej Åsa!"))
    }

    @Test func buildAndWriteAreIdenticalAndStreamFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kontakt-builder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: 42)
        let big = (0..<(57 * 1024 * 2 + 1234)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let path = dir.appendingPathComponent("slides.pdf").path
        FileManager.default.createFile(atPath: path, contents: Data(big))
        var m = sample()
        m.attachments.append(OutgoingAttachment(filename: "Chefens ansvar i vardagen.pdf", contentType: "application/pdf", source: .file(path: path)))
        let built = try MessageBuilder.build(m)
        var streamed = [UInt8]()
        var chunks = 0
        try MessageBuilder.write(m) { chunk in streamed.append(contentsOf: chunk); chunks += 1 }
        #expect(built == streamed)
        #expect(chunks > 1)
        #expect(try MessageBuilder.build(m) == built)   // deterministic
        let parsed = try Message.parse(built, options: .strict)
        #expect(parsed.attachments.count == 2)
        #expect(parsed.attachments[1].data == big)
        #expect(parsed.attachments[1].filename == "Chefens ansvar i vardagen.pdf")
    }

    @Test func typedErrors() throws {
        var m = sample()
        m.attachments = [OutgoingAttachment(filename: "saknas.pdf", contentType: "application/pdf", source: .file(path: "/nonexistent/saknas.pdf"))]
        #expect(throws: MessageBuildError.attachmentUnreadable(path: "/nonexistent/saknas.pdf", reason: "cannot open")) { try MessageBuilder.build(m) }
        do { _ = try MessageBuilder.build(m) } catch { #expect("\(error)".contains("/nonexistent/saknas.pdf")) }

        m = sample(); m.to = [Address(address: "evil@example.se>\r\nRCPT TO:<x@example.com")]
        #expect(throws: MessageBuildError.invalidAddress(field: "To", index: 0)) { try MessageBuilder.build(m) }
        m = sample(); m.to = []
        #expect(throws: MessageBuildError.noRecipients) { try MessageBuilder.build(m) }
        m = sample(); m.messageID = "<bad id>"
        #expect(throws: MessageBuildError.invalidMessageID) { try MessageBuilder.build(m) }
        m = sample(); m.extraHeaders = [Header(name: "Bad Name", value: "x")]
        #expect(throws: MessageBuildError.invalidHeaderName("Bad Name")) { try MessageBuilder.build(m) }
        m = sample(); m.extraHeaders = [Header(name: "Content-Type", value: "text/html")]
        #expect(throws: MessageBuildError.reservedHeader("Content-Type")) { try MessageBuilder.build(m) }
        m = sample(); m.attachments[0].contentType = "pdf"
        #expect(throws: MessageBuildError.invalidContentType("pdf")) { try MessageBuilder.build(m) }
    }

    @Test func headerInjectionIsImpossible() throws {
        var m = sample()
        m.subject = "Fråga\r\nBcc: evil@example.com"
        m.from.name = "Kansliet\nBcc: evil@example.com"
        m.extraHeaders = [Header(name: "X-Note", value: "a\r\nBcc: evil@example.com")]
        m.attachments[0].filename = "a\r\nBcc: evil@example.com.pdf"
        let parsed = try Message.parse(try MessageBuilder.build(m), options: .strict)
        #expect(parsed.headers(named: "Bcc").isEmpty)
        #expect(parsed.allParts().allSatisfy { $0.headers.allSatisfy { !$0.hasName("Bcc") } })
        #expect(parsed.subject == "Fråga  Bcc: evil@example.com")
    }

    @Test func messageIDs() {
        let a = MessageBuilder.makeMessageID(domain: "kommun.example.se")
        let b = MessageBuilder.makeMessageID(domain: "kommun.example.se")
        #expect(a != b)
        #expect(a.hasSuffix("@kommun.example.se"))
        #expect(!a.contains("<") && !a.contains(">"))
        #expect(MessageBuilder.isValidMessageID(a))
        #expect(MessageBuilder.makeMessageID(domain: "bad domain\r\n").hasSuffix("@kontakt.invalid"))
    }
}

/// Property-style round trip: random Swedish text, subjects, names and binary attachments.
@Suite struct RoundTripTests {
    static let alphabet: [Character] = Array("abcdefghijklmnopqrstuvwxyzåäöÅÄÖéABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;!?-–=\"'()<>@/_€“”\t")

    func randomText(_ rng: inout SplitMix64, maxLines: Int) -> String {
        var lines: [String] = []
        for _ in 0..<Int.random(in: 1...maxLines, using: &rng) {
            let len = Int.random(in: 0...(Bool.random(using: &rng) ? 20 : 200), using: &rng)
            var line = String((0..<len).map { _ in Self.alphabet.randomElement(using: &rng)! })
            switch Int.random(in: 0..<12, using: &rng) {
            case 0: line = "From " + line
            case 1: line = "."
            case 2: line = "-- "
            case 3: line += "   "
            default: break
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    func randomLine(_ rng: inout SplitMix64, max: Int) -> String {
        let s = String((0..<Int.random(in: 1...max, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)! })
        return HeaderSanitizer.clean(s)
    }

    @Test func buildThenParseReturnsTheSameMessage() throws {
        var rng = SplitMix64(seed: 20261129)
        for iteration in 0..<150 {
            let text = randomText(&rng, maxLines: 30)
            var subject = randomLine(&rng, max: 150)
            if subject.isEmpty { subject = "x" }
            // Runs of spaces inside an unencoded subject are kept, but leading/trailing ones are trimmed by design.
            var m = OutgoingMessage(
                from: Address(name: randomLine(&rng, max: 40), address: "kontakt@kommun.example.se"),
                to: (0..<Int.random(in: 1...4, using: &rng)).map { k in Address(name: Bool.random(using: &rng) ? randomLine(&rng, max: 60) : nil, address: "person\(k)@example.se") },
                subject: subject, text: text,
                messageID: "rt-\(iteration)@kommun.example.se",
                date: Date(timeIntervalSince1970: TimeInterval(Int.random(in: 0...2_000_000_000, using: &rng))))
            m.cc = Bool.random(using: &rng) ? [Address(name: "Åsa", address: "asa@example.se")] : []
            m.references = (0..<Int.random(in: 0...12, using: &rng)).map { "ref\($0)-\(iteration)@example.se" }
            m.inReplyTo = m.references.last
            if Bool.random(using: &rng) { m.html = "<p>" + randomLine(&rng, max: 100) + "</p>" }
            for k in 0..<Int.random(in: 0...3, using: &rng) {
                let size = Int.random(in: 0...(Bool.random(using: &rng) ? 100 : 20_000), using: &rng)
                let data = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
                m.attachments.append(OutgoingAttachment(filename: randomLine(&rng, max: 90) + ".\(k).bin", contentType: "application/octet-stream", source: .bytes(data)))
            }
            let bytes = try MessageBuilder.build(m)
            #expect(!bytes.contains(0))
            for (k, b) in bytes.enumerated() where b == 10 { #expect(bytes[k - 1] == 13) }
            var column = 0
            var longest = 0
            for b in bytes { if b == 10 { column = 0 } else if b != 13 { column += 1; longest = max(longest, column) } }
            #expect(longest <= 78, "iteration \(iteration): a line of \(longest) characters")
            let p = try Message.parse(bytes, options: .strict)
            let expectedNames = { (list: [Address]) in list.map { Address(name: ($0.name?.isEmpty ?? true) ? nil : $0.name, address: $0.address) } }
            #expect(p.subject == subject, "iteration \(iteration)")
            #expect(p.from == expectedNames([m.from]), "iteration \(iteration)")
            #expect(p.to == expectedNames(m.to), "iteration \(iteration)")
            #expect(p.cc == m.cc)
            #expect(p.messageID == m.messageID)
            #expect(p.date == m.date)
            #expect(p.references == m.references)
            #expect(p.inReplyTo == (m.inReplyTo.map { [$0] } ?? []))
            #expect(p.text == BodyExtractor.trimTrailingNewlines(text), "iteration \(iteration)")
            #expect(p.attachments.count == m.attachments.count)
            for (a, b) in zip(p.attachments, m.attachments) {
                #expect(a.filename == b.filename, "iteration \(iteration)")
                if case .bytes(let data) = b.source { #expect(a.data == data) }
            }
        }
    }
}
