import Foundation
@testable import KontaktCore
import MailMessage
import Store
import Testing

/// Issue 7: sending through the real Postfix, read back over the real Dovecot.
///
/// The test that stops Postfix lives in `SendingOutageTests`, which scripts/test runs alone.
@Suite(.enabled(if: MailStack.available), .serialized)
struct SendingTests {
    let stack = MailStack.shared!

    struct Entry: Decodable {
        var id: Int64
        var state: String
        var unconfirmed: Bool
        var lastError: String?
        var attempts: Int
        var recipientResults: [Result]
        struct Result: Decodable { var address: String; var code: Int; var reply: String; var accepted: Bool }
    }

    struct Summary: Decodable {
        var sent: Int
        var deferred: Int
        var failed: Int
        var unconfirmed: Int
        var requeuedAfterInterruption: Int
    }

    /// A resident writes in; Kontakt polls; returns the conversation id and the question's Message-ID.
    func question(to kontakt: KontaktInstance, from resident: String, subject: String = "Fråga om seminariet",
                  extraHeaders: [String] = []) throws -> (conversationId: Int64, messageID: String) {
        let messageID = "\(UUID().uuidString)@invanare.example.se"
        try kontakt.receive(testMessage(from: resident, to: kontakt.address, subject: subject,
                                        body: "Hej!\nNär börjar seminariet om ”Värdet vi skapar tillsammans”?\nÅsa",
                                        messageID: messageID, extraHeaders: extraHeaders), from: resident)
        let poll = try kontakt.run("poll")
        #expect(poll.status == 0, "\(poll.stderr)")
        let store = try Store(path: kontakt.storePath)
        let id = try store.read { tx in try tx.conversationId(containingMessageID: messageID) }
        return (try #require(id), messageID)
    }

    func config(_ kontakt: KontaktInstance) throws -> KontaktConfig { try KontaktConfig.load(path: kontakt.configPath) }

    /// Queues a director's reply through the core (what `kontakt reply` does).
    func queueReply(_ kontakt: KontaktInstance, conversationId: Int64, body: String,
                    attachments: [OutgoingAttachment] = []) throws -> OutboxRecord {
        let config = try config(kontakt)
        let desk = ReplyDesk(config: config, store: try Store(path: kontakt.storePath),
                             catalog: try Router.topicCatalog(config: config), actor: "test")
        return try desk.queue(conversationId, body: body, attachments: attachments)
    }

    @Test func replyArrivesThreadedWithAttachmentAndTheAnswerThreadsBack() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let resident = MailStack.uniqueAddress("asa", domain: "example.se")
        let (conversationId, questionID) = try question(to: kontakt, from: resident)

        let pdf = kontakt.directory + "/Program för chefens dag.pdf"
        var bytes = Array("%PDF-1.7\n".utf8)
        for _ in 0..<300_000 { bytes.append(UInt8.random(in: 0...255)) }
        try Data(bytes).write(to: URL(fileURLWithPath: pdf))
        let body = "Hej Åsa!\n\nSeminariet börjar 09.00 i Stora salen. Programmet bifogas.\n\nMed vänliga hälsningar\nKommundirektören"
        let entry = try queueReply(kontakt, conversationId: conversationId,
                                          body: body, attachments: [OutgoingAttachment(filename: "Program för chefens dag.pdf",
                                                                                       contentType: "application/pdf", source: .file(path: pdf))])
        let summary = try kontakt.json(Summary.self, "send")
        #expect(summary.sent == 1)

        let raw = try #require(try stack.waitForMessages(user: resident, count: 1).first)
        let reply = try Message.parse(raw)
        #expect(reply.from.first?.name == "Kommundirektören" && reply.from.first?.address == kontakt.address)
        #expect(reply.to.map(\.address) == [resident])
        let subject = try #require(reply.subject)
        #expect(subject.hasPrefix("SV: ") && subject.contains("Fråga om seminariet") && subject.contains("[Kontakt #\(conversationId)]"),
                "\(subject)")
        #expect(reply.messageID == entry.messageID)
        #expect(reply.messageID?.hasSuffix("@" + kontakt.address.split(separator: "@")[1]) == true)
        #expect(reply.inReplyTo == [questionID] && reply.references == [questionID])
        #expect(reply.date != nil)
        #expect(reply.text.contains("Seminariet börjar 09.00 i Stora salen"))
        #expect(reply.attachments.count == 1)
        #expect(reply.attachments.first?.filename == "Program för chefens dag.pdf")
        #expect(reply.attachments.first?.data == bytes, "the attachment must arrive byte for byte")
        #expect(!reply.headers.contains { $0.name.lowercased() == "auto-submitted" }, "a director's reply is not automatic")
        // Every line of what arrived ends in CRLF (Dovecot hands back what Postfix stored).
        #expect(!raw.enumerated().contains { $0.element == 10 && ($0.offset == 0 || raw[$0.offset - 1] != 13) })

        let store = try Store(path: kontakt.storePath)
        var conversation = try #require(try store.read { tx in try tx.conversation(id: conversationId) })
        #expect(conversation.status == .answered && conversation.firstAnsweredAt != nil)
        let thread = try store.read { tx in try tx.messages(inConversation: conversationId) }
        #expect(thread.map(\.direction) == [.inbound, .outbound])

        // The resident answers the reply from their own client: it threads into the same conversation.
        try kontakt.receive(testMessage(from: resident, to: kontakt.address, subject: "SV: SV: Fråga om seminariet",
                                        body: "Tack! Då kommer jag.", extraHeaders: [
                                            "In-Reply-To: <\(entry.messageID)>",
                                            "References: <\(questionID)> <\(entry.messageID)>",
                                        ]), from: resident)
        #expect(try kontakt.run("poll").status == 0)
        let after = try store.read { tx in try tx.messages(inConversation: conversationId) }
        #expect(after.map(\.direction) == [.inbound, .outbound, .inbound])
        conversation = try #require(try store.read { tx in try tx.conversation(id: conversationId) })
        #expect(conversation.status == .open, "an answer reopens the conversation")
    }

    @Test func permanentlyRefusedRecipientFailsVisiblyAndReopensTheThread() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let (conversationId, _) = try question(to: kontakt, from: "avvisad@kommun.example.se")
        let store = try Store(path: kontakt.storePath)
        try store.write { tx in
            var c = try tx.conversation(id: conversationId)!
            c.status = .answered
            try tx.update(c)
        }
        let entry = try queueReply(kontakt, conversationId: conversationId, body: "Svar.")
        let result = try kontakt.run("send", "--json")
        #expect(result.status == 0, "a refused message is the message's problem, not the run's: \(result.stderr)")
        let listed = try kontakt.json([Entry].self, "outbox")
        let failed = try #require(listed.first { $0.id == entry.id })
        #expect(failed.state == "failed")
        #expect(failed.recipientResults.first?.code == 550)
        #expect(failed.lastError?.contains("550") == true)
        let text = try kontakt.run("outbox").stdout
        #expect(text.contains("#\(entry.id!)") && text.contains("failed") && text.contains("550"))
        let conversation = try #require(try store.read { tx in try tx.conversation(id: conversationId) })
        #expect(conversation.status == .open)
        let events = try store.read { tx in try tx.events(ofConversation: conversationId).map(\.kind) }
        #expect(events.contains("reply-failed") && events.contains("reopened"))
    }

    @Test func recipientsRefusedForNowAreRetriedAloneAndTheOthersGetOneCopy() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let resident = MailStack.uniqueAddress("invanare")
        let (conversationId, _) = try question(to: kontakt, from: resident)
        let entry = try queueReply(kontakt, conversationId: conversationId, body: "Svar till två.")
        // A second envelope recipient whom the stack's Postfix answers 450 (greylisting, a full mailbox).
        let deferredRecipient = "uppskjuten@kommun.example.se"
        let store = try Store(path: kontakt.storePath)
        try store.write { tx in
            try tx.scalar("UPDATE outbox SET recipients = '[\"\(resident)\",\"\(deferredRecipient)\"]' WHERE id = \(entry.id!)")
        }

        let first = try kontakt.run("send", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        var stored = try #require(try store.read { tx in try tx.outboxSummary(id: entry.id!) })
        #expect(stored.state == .deferred)
        #expect(stored.recipientList == [deferredRecipient], "only the recipient still owed is left")
        var results = RecipientResult.decodeList(stored.recipientResults)
        #expect(results.first { $0.address == resident }?.accepted == true)
        #expect(results.first { $0.address == deferredRecipient }?.code == 450)
        // Delivered to the resident: the conversation has its reply and counts as answered.
        #expect(try store.read { tx in try tx.conversation(id: conversationId) }?.status == .answered)
        #expect(try stack.waitForMessages(user: resident, count: 1).count == 1)

        // The retry goes to the deferred recipient alone: the resident still has one copy.
        #expect(try kontakt.run("retry", "\(entry.id!)").status == 0)
        let second = try kontakt.run("send", "--json")
        #expect(second.status == 0, "\(second.stderr)")
        stored = try #require(try store.read { tx in try tx.outboxSummary(id: entry.id!) })
        #expect(stored.state == .deferred)
        results = RecipientResult.decodeList(stored.recipientResults)
        #expect(results.first { $0.address == resident }?.accepted == true, "earlier results are kept")
        Thread.sleep(forTimeInterval: 1)
        #expect(try stack.messageCount(user: resident) == 1)
        let copies = try store.read { tx in try tx.messages(inConversation: conversationId) }.filter { $0.direction == .outbound }
        #expect(copies.count == 1)
    }

    @Test func hostileReplyToIsRefusedBeforeSMTP() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let resident = MailStack.uniqueAddress("cecilia", domain: "example.se")
        let victim = MailStack.uniqueAddress("offer", domain: "example.org")
        // A Reply-To that would smuggle a second RCPT into the envelope if copied verbatim.
        let (conversationId, _) = try question(to: kontakt, from: resident, extraHeaders: [
            "Reply-To: \"x\r\n RCPT TO:<\(victim)>\"@example.se",
        ])
        let store = try Store(path: kontakt.storePath)
        let stored = try store.read { tx in try tx.messages(inConversation: conversationId).first?.replyTo }
        // The composer skips the unsafe Reply-To and answers the sender.
        let reply = try queueReply(kontakt, conversationId: conversationId, body: "Svar.")
        #expect(reply.recipientList == [resident])
        // A row carrying a CR/LF address (as a careless caller might queue it) never reaches Postfix.
        let hostile = "\(resident)>\r\nRCPT TO:<\(victim)"
        let id = try store.write { tx in
            var e = OutboxRecord(kind: .reply, messageID: "hostile-\(UUID().uuidString)@kommun.example.se",
                                 envelopeFrom: kontakt.address, recipients: [hostile], subject: "SV: x", at: Date())
            e.raw = Data("From: <\(kontakt.address)>\r\nTo: <\(resident)>\r\nSubject: x\r\n\r\nx\r\n".utf8)
            e.conversationId = conversationId
            return try tx.enqueue(e).id!
        }
        let summary = try kontakt.json(Summary.self, "send")
        #expect(summary.sent == 1 && summary.failed == 1)
        let refused = try #require(try kontakt.json([Entry].self, "outbox").first { $0.id == id })
        #expect(refused.state == "failed" && refused.lastError?.hasPrefix("refused before SMTP") == true)
        _ = try stack.waitForMessages(user: resident, count: 1)
        Thread.sleep(forTimeInterval: 1)
        #expect(try stack.messageCount(user: resident) == 1)
        #expect(try stack.messageCount(user: victim) == 0, "the injected recipient got nothing")
        if let stored { #expect(!Address(address: stored).isValidForEnvelope || stored == resident) }
    }

    @Test func killDuringABatchOf200DeliversEachExactlyOnce() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let recipients = (0..<4).map { _ in MailStack.uniqueAddress("mottagare", domain: "foretag.example.se") }
        let store = try Store(path: kontakt.storePath)
        var expected: [String: String] = [:] // Message-ID → recipient
        try store.write { tx in
            for k in 0..<200 {
                let to = recipients[k % recipients.count]
                var m = OutgoingMessage(from: Address(name: "Kommundirektören", address: kontakt.address), to: [Address(address: to)],
                                        subject: "Inbjudan \(k)", text: "Välkommen till chefens dag! (\(k))",
                                        messageID: MessageBuilder.makeMessageID(domain: "kommun.example.se"), date: Date())
                m.extraHeaders = [Header(name: "X-Kontakt-Test", value: "\(k)")]
                expected[m.messageID] = to
                try Outbox.enqueue(m, kind: .campaign, in: tx, now: Date())
            }
        }
        // Start a batch and kill -9 it midway.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repo.binary)
        process.arguments = ["--config", kontakt.configPath, "send"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let sent = try store.read { tx in try tx.outboxEntries(states: [.sent]).count }
            if sent >= 40 { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let before = try store.read { tx in try tx.outboxEntries(states: [.sent]).count }
        #expect(before < 200, "the kill must land mid-batch")

        let rerun = try kontakt.json(Summary.self, "send")
        #expect(rerun.sent + before + rerun.unconfirmed >= 200 - 1)
        let states = try store.read { tx in try tx.outboxEntries(states: OutboxRecord.State.allCases).map(\.state) }
        #expect(states.allSatisfy { $0 == .sent }, "\(Dictionary(grouping: states, by: { $0 }).mapValues(\.count))")

        // A kill after the handover mark leaves its message "sent, unconfirmed" and never resent
        // (README "Crash safety"): the final dot may or may not have left. Repeated runs showed
        // both — so that one message may be missing, and only that one, and it is reported.
        let unconfirmed = Set(try store.read { tx in
            try tx.outboxEntries(states: [.sent]).filter { $0.handedOverAt != nil }.map(\.messageID)
        })
        #expect(unconfirmed.count <= 1, "only the message the kill interrupted can be unconfirmed")
        let certain = expected.filter { !unconfirmed.contains($0.key) }

        // Count what arrived, per Message-ID, in the recipients' mailboxes.
        var seen: [String: Int] = [:]
        for r in recipients {
            let messages = try stack.waitForMessages(user: r, count: certain.values.filter { $0 == r }.count, timeout: 60)
            for raw in messages {
                let id = try #require(try Message.parse(raw).messageID)
                seen[id, default: 0] += 1
            }
        }
        Thread.sleep(forTimeInterval: 2)
        let total = try recipients.map { try stack.messageCount(user: $0) }.reduce(0, +)
        #expect(total == 200 || (total == 199 && unconfirmed.count == 1), "every message delivered exactly once, got \(total)")
        #expect(Set(certain.keys).isSubset(of: Set(seen.keys)), "every message not left unconfirmed arrived")
        #expect(Set(seen.keys).isSubset(of: Set(expected.keys)))
        #expect(seen.values.allSatisfy { $0 == 1 }, "duplicates: \(seen.filter { $0.value > 1 }.count)")
    }
}

/// Postfix stopped in the middle: a suite of its own, because stopping the shared server would
/// break the protocol tests running beside it (scripts/test runs *OutageTests alone, first).
@Suite(.enabled(if: MailStack.available), .serialized)
struct SendingOutageTests {
    let stack = MailStack.shared!
    let helpers = SendingTests()

    @Test func postfixStoppedDefersAndTheRestartedServerGetsItOnce() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let resident = MailStack.uniqueAddress("bo", domain: "example.se")
        let (conversationId, _) = try helpers.question(to: kontakt, from: resident)
        let entry = try helpers.queueReply(kontakt, conversationId: conversationId, body: "Svar medan Postfix är nere.")
        try stack.control("stop", "postfix")
        let down: ProcessResult
        do {
            defer { try? stack.control("start", "postfix") }
            down = try kontakt.run("send")
        }
        #expect(down.status == 75, "a run that cannot reach the server exits 75: \(down.stderr)")
        #expect(down.stderr.split(separator: "\n").count == 1, "one line on stderr: \(down.stderr)")
        let listed = try kontakt.json([SendingTests.Entry].self, "outbox")
        #expect(listed.map(\.id) == [entry.id!])
        #expect(listed.first?.state == "deferred" && listed.first?.lastError?.isEmpty == false)

        // Back up: not due yet (backoff), so the director retries it now.
        #expect(try kontakt.json(SendingTests.Summary.self, "send").sent == 0)
        #expect(try kontakt.run("retry", "\(entry.id!)").status == 0)
        #expect(try kontakt.json(SendingTests.Summary.self, "send").sent == 1)
        _ = try stack.waitForMessages(user: resident, count: 1)
        #expect(try kontakt.json(SendingTests.Summary.self, "send").sent == 0)
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try stack.messageCount(user: resident) == 1, "sent exactly once")
        #expect(try kontakt.json([SendingTests.Entry].self, "outbox").isEmpty)
    }
}
