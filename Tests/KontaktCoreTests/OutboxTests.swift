import Curl
import Foundation
@testable import KontaktCore
import Logging
import MailMessage
@testable import SMTP
import Store
import Testing

/// A scripted SMTP server: reads each upload to the end (as libcurl would, which fires the
/// handover), records what it was given, and answers from a script.
final class ScriptedTransport: OutboxTransport {
    enum Answer {
        case accept
        case refuse(SMTPError)
        /// Accept some recipients, refuse the others with this code.
        case partial(refuse: Set<String>, code: Int)
        /// Take the whole message, then lose the connection before answering.
        case dropAfterData
    }

    var answers: [Answer]
    var sent: [(envelope: SMTPEnvelope, bytes: [UInt8])] = []
    var peakChunk = 0

    init(_ answers: [Answer]) { self.answers = answers }

    func send(_ envelope: SMTPEnvelope, message: any UploadSource) throws(SMTPError) -> SMTPSendResult {
        let answer = answers.isEmpty ? .accept : answers.removeFirst()
        // Refusals happen before DATA (connect, login, RCPT), so the body is never read.
        if case .refuse(let error) = answer { throw error }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n: Int
            do { n = try buffer.withUnsafeMutableBytes { try message.read(into: $0) } } catch {
                throw SMTPError(kind: .other, message: "upload failed: \(error)")
            }
            if n == 0 { break }
            peakChunk = max(peakChunk, n)
            bytes += buffer[0..<n]
        }
        switch answer {
        case .accept:
            sent.append((envelope, bytes))
            return SMTPSendResult(recipients: envelope.recipients.map { SMTPRecipientResult(address: $0, code: 250, reply: "250 2.1.5 Ok") },
                                  finalReply: "250 2.0.0 Ok: queued as TEST")
        case .refuse(let error):
            throw error
        case .dropAfterData:
            throw SMTPError(kind: .unreachable, message: "SMTP: Failure when receiving data from the peer (curl 56)")
        case .partial(let refused, let code):
            sent.append((envelope, bytes))
            return SMTPSendResult(recipients: envelope.recipients.map {
                refused.contains($0) ? SMTPRecipientResult(address: $0, code: code, reply: "\(code) 5.1.1 no such user")
                    : SMTPRecipientResult(address: $0, code: 250, reply: "250 2.1.5 Ok")
            }, finalReply: "250 2.0.0 Ok")
        }
    }
}

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    var now = Date(timeIntervalSince1970: 1_790_000_000)
}

struct OutboxFixture {
    let store: Store
    let transport: ScriptedTransport
    let clock = TestClock()
    let directory: String
    let outbox: Outbox
    let conversationId: Int64

    init(_ answers: [ScriptedTransport.Answer] = [], maxAgeHours: Double = 48) throws {
        store = try Store()
        transport = ScriptedTransport(answers)
        directory = NSTemporaryDirectory() + "kontakt-outbox-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var settings = Outbox.Settings(policy: RetryPolicy(maximumAge: maxAgeHours * 3600), spoolDirectory: directory + "/spool",
                                       lockPath: directory + "/send.lock")
        settings.messagesPerMinute = nil
        let t = transport
        let outbox = Outbox(store: store, settings: settings, logger: Logger(label: "test")) { t }
        let clock = self.clock
        outbox.clock = { clock.now }
        outbox.pause = { clock.now.addTimeInterval($0) }
        self.outbox = outbox
        let at = clock.now
        conversationId = try store.write { tx in
            var c = ConversationRecord(subject: "Fråga om parkering", normalizedSubject: "fråga om parkering", topic: "ovrigt",
                                       confidence: 0.9, contactAddress: "invanare@example.se", at: at)
            c = try tx.insert(c)
            return c.id!
        }
    }

    func message(to: String = "invanare@example.se", subject: String = "SV: Fråga om parkering [Kontakt #1]") -> OutgoingMessage {
        var m = OutgoingMessage(from: Address(name: "Kommundirektören", address: "direktor@kommun.example.se"),
                                to: [Address(address: to)], subject: subject, text: "Hej!\nSvar på din fråga.\n",
                                messageID: MessageBuilder.makeMessageID(domain: "kommun.example.se"), date: clock.now)
        m.inReplyTo = "fraga-1@example.se"
        m.references = ["fraga-1@example.se"]
        return m
    }

    @discardableResult
    func enqueueReply(to: String = "invanare@example.se") throws -> Int64 {
        let m = message(to: to)
        let at = clock.now
        return try store.write { tx in
            try Outbox.enqueue(m, kind: .reply, conversationId: conversationId, in: tx, now: at).id!
        }
    }

    func entry(_ id: Int64) throws -> OutboxRecord {
        try #require(try store.read { tx in try tx.outbox(id: id) })
    }

    func conversation() throws -> ConversationRecord {
        try #require(try store.read { tx in try tx.conversation(id: conversationId) })
    }
}

extension Outbox.Settings {
    init(policy: RetryPolicy, spoolDirectory: String, lockPath: String) {
        self.init(config: try! KontaktConfig.parse("""
            [imap]
            url = "imaps://imap.example.se/INBOX"
            username = "u"
            [identity]
            address = "direktor@kommun.example.se"
            """, file: "/tmp/kontakt.toml"))
        self.policy = policy
        self.spoolDirectory = spoolDirectory
        self.lockPath = lockPath
    }
}

@Suite("Outbox state machine")
struct OutboxTests {
    @Test func aQuestionThatArrivedWhileTheReplyWaitedKeepsTheConversationOpen() throws {
        let f = try OutboxFixture()
        _ = try f.enqueueReply()
        f.clock.now += 60
        try f.store.write { tx in
            var m = MessageRecord(direction: .inbound, contentHash: "later", size: 10, receivedAt: f.clock.now, state: .accepted)
            m.conversationId = f.conversationId
            try tx.insert(m)
        }
        f.clock.now += 60
        #expect(try f.outbox.sendDue().sent == 1)
        #expect(try f.conversation().status == .open, "the new question must stay in the queue")
    }

    @Test func sentReplyIsRecordedInTheThreadAndAnswersTheConversation() throws {
        let f = try OutboxFixture()
        let id = try f.enqueueReply()
        let summary = try f.outbox.sendDue()
        #expect(summary.sent == 1 && summary.exitError == nil)
        let e = try f.entry(id)
        #expect(e.state == .sent && e.sentAt == f.clock.now && e.attempts == 1 && e.handedOverAt == nil)
        let results = RecipientResult.decodeList(e.recipientResults)
        #expect(results.map(\.address) == ["invanare@example.se"] && results.allSatisfy(\.accepted))
        let c = try f.conversation()
        #expect(c.status == .answered && c.firstAnsweredAt == f.clock.now)
        let messages = try f.store.read { tx in try tx.messages(inConversation: f.conversationId) }
        #expect(messages.count == 1)
        #expect(messages.first?.direction == .outbound && messages.first?.outboxId == id)
        #expect(messages.first?.text.contains("Svar på din fråga") == true)
        // Sent once: a second run has nothing to do.
        #expect(try f.outbox.sendDue().sent == 0)
        #expect(f.transport.sent.count == 1)
        #expect(CRLFNormalizer.isCRLFOnly(f.transport.sent[0].bytes))
    }

    @Test func permanentRefusalFailsAndReopensTheThread() throws {
        var error = SMTPError(kind: .permanentRejection, message: "every recipient was refused", replyCode: 550)
        error.recipients = [SMTPRecipientResult(address: "avvisad@kommun.example.se", code: 550, reply: "550 5.1.1 User unknown")]
        let f = try OutboxFixture([.refuse(error)])
        try f.store.write { tx in
            var c = try tx.conversation(id: f.conversationId)!
            c.status = .answered
            try tx.update(c)
        }
        let id = try f.enqueueReply(to: "avvisad@kommun.example.se")
        let summary = try f.outbox.sendDue()
        #expect(summary.failed == 1 && summary.exitError == nil)
        let e = try f.entry(id)
        #expect(e.state == .failed)
        #expect(e.lastError?.contains("550 5.1.1 User unknown") == true)
        #expect(RecipientResult.decodeList(e.recipientResults).first?.code == 550)
        #expect(try f.conversation().status == .open)
        let kinds = try f.store.read { tx in try tx.events(ofConversation: f.conversationId).map(\.kind) }
        #expect(kinds.contains("reply-failed") && kinds.contains("reopened"))
        let listed = try f.outbox.entries()
        #expect(listed.map(\.id) == [id] && listed[0].state == "failed")
    }

    @Test func allRecipientsRefusedIsJudgedByTheirRepliesNotByCurlsSendError() throws {
        // What libcurl 7.88 really reports: CURLE_SEND_ERROR, then the 221 to its QUIT.
        var error = SMTPError(kind: .unreachable, message: "SMTP: RCPT failed: 550 (curl 55); server said: 221 2.0.0 Bye")
        error.recipients = [SMTPRecipientResult(address: "avvisad@kommun.example.se", code: 550, reply: "550 5.1.1 rejected")]
        var temporary = error
        temporary.recipients = [SMTPRecipientResult(address: "uppskjuten@kommun.example.se", code: 450, reply: "450 4.2.0 later")]
        let f = try OutboxFixture([.refuse(error), .refuse(temporary)])
        let refused = try f.enqueueReply(to: "avvisad@kommun.example.se")
        let later = try f.enqueueReply(to: "uppskjuten@kommun.example.se")
        let summary = try f.outbox.sendDue()
        #expect(summary.exitError == nil, "a refused recipient does not stop the run")
        #expect(try f.entry(refused).state == .failed)
        #expect(try f.entry(later).state == .deferred)
    }

    @Test func temporaryRefusalBacksOffThenGivesUp() throws {
        let temp = SMTPError(kind: .temporaryRejection, message: "450 try later", replyCode: 450)
        let f = try OutboxFixture([.refuse(temp), .refuse(temp), .refuse(temp)], maxAgeHours: 1)
        let id = try f.enqueueReply()
        let start = f.clock.now
        #expect(try f.outbox.sendDue().deferred == 1)
        var e = try f.entry(id)
        #expect(e.state == .deferred && e.nextAttemptAt == start.addingTimeInterval(60) && e.deferredSince == start)
        // Not due yet: nothing happens.
        #expect(try f.outbox.sendDue().items.isEmpty)
        f.clock.now = start.addingTimeInterval(61)
        #expect(try f.outbox.sendDue().deferred == 1)
        e = try f.entry(id)
        #expect(e.nextAttemptAt == f.clock.now.addingTimeInterval(120) && e.attempts == 2 && e.deferredSince == start)
        f.clock.now = start.addingTimeInterval(3601)
        #expect(try f.outbox.sendDue().failed == 1)
        e = try f.entry(id)
        #expect(e.state == .failed && e.lastError?.contains("gave up after 1 hours") == true)
        #expect(f.transport.sent.isEmpty)
    }

    @Test func unreachableServerDefersOneAndStopsTheBatch() throws {
        let down = SMTPError(kind: .unreachable, message: "SMTP: Couldn't connect to server (curl 7)")
        let f = try OutboxFixture([.refuse(down)])
        let first = try f.enqueueReply()
        let second = try f.enqueueReply()
        let summary = try f.outbox.sendDue()
        #expect(summary.deferred == 1 && summary.sent == 0)
        #expect(summary.exitError?.exitCode == 75)
        #expect(try f.entry(first).state == .deferred)
        #expect(try f.entry(second).state == .queued)
        // The server is back and the director retries: sent once each.
        _ = try f.outbox.retry(id: first)
        #expect(try f.outbox.sendDue().sent == 2)
        #expect(f.transport.sent.count == 2)
    }

    @Test func authenticationFailureLeavesTheMessageQueuedAndExitsOne() throws {
        let f = try OutboxFixture([.refuse(SMTPError(kind: .authentication, message: "SMTP: Login denied (curl 67)"))])
        let id = try f.enqueueReply()
        let summary = try f.outbox.sendDue()
        #expect(summary.exitError?.exitCode == 1)
        let e = try f.entry(id)
        #expect(e.state == .queued && e.attempts == 0 && e.lastError?.contains("password") == true)
    }

    @Test func hostileRecipientIsRefusedBeforeSMTP() throws {
        let f = try OutboxFixture()
        let hostile = "evil@example.se>\r\nRCPT TO:<victim@example.se"
        // The enqueue door refuses it ...
        #expect(throws: (any Error).self) { try f.enqueueReply(to: hostile) }
        // ... and a row that got in some other way never reaches the transport.
        let at = f.clock.now
        let id = try f.store.write { tx in
            var entry = OutboxRecord(kind: .reply, messageID: "x1@kommun.example.se", envelopeFrom: "direktor@kommun.example.se",
                                     recipients: [hostile], subject: "SV: x", at: at)
            entry.raw = Data("Subject: x\r\n\r\nbody\r\n".utf8)
            entry.conversationId = f.conversationId
            return try tx.enqueue(entry).id!
        }
        let summary = try f.outbox.sendDue()
        #expect(summary.failed == 1)
        let e = try f.entry(id)
        #expect(e.state == .failed && e.lastError?.hasPrefix("refused before SMTP") == true)
        #expect(e.lastError?.contains("line break") == true)
        #expect(f.transport.sent.isEmpty)
    }

    @Test func partialAcceptanceRecordsWhoFailedAndWhy() throws {
        let f = try OutboxFixture([.partial(refuse: ["avvisad@kommun.example.se"], code: 550)])
        var m = f.message()
        m.cc = [Address(address: "avvisad@kommun.example.se")]
        let at = f.clock.now
        let id = try f.store.write { tx in try Outbox.enqueue(m, kind: .reply, conversationId: f.conversationId, in: tx, now: at).id! }
        #expect(try f.outbox.sendDue().sent == 1)
        let e = try f.entry(id)
        let results = RecipientResult.decodeList(e.recipientResults)
        #expect(results.count == 2)
        #expect(results.first(where: { $0.address == "avvisad@kommun.example.se" })?.accepted == false)
        #expect(e.lastError?.contains("1 of 2 recipients refused") == true)
    }

    @Test func interruptedBeforeHandoverIsSentAgain() throws {
        let f = try OutboxFixture()
        let id = try f.enqueueReply()
        // A run claimed it and died mid-DATA.
        _ = try f.store.write { tx in try tx.claimOutboxEntry(id: id, at: f.clock.now) }
        let summary = try f.outbox.sendDue()
        #expect(summary.requeuedAfterInterruption == 1 && summary.sent == 1)
        #expect(f.transport.sent.count == 1)
        #expect(try f.entry(id).state == .sent)
    }

    @Test func interruptedAfterHandoverIsRecordedUnconfirmedNotResent() throws {
        let f = try OutboxFixture()
        let id = try f.enqueueReply()
        try f.store.write { tx in
            _ = try tx.claimOutboxEntry(id: id, at: f.clock.now)
            try tx.markOutboxHandedOver(id: id, at: f.clock.now)
        }
        let summary = try f.outbox.sendDue()
        #expect(summary.unconfirmed == 1 && summary.sent == 0)
        #expect(f.transport.sent.isEmpty)
        let listed = try f.outbox.entries()
        #expect(listed.count == 1 && listed[0].unconfirmed && listed[0].state == "sent")
        #expect(try f.conversation().status == .answered)
        // The director decides it did not arrive: retry sends it, and then it is confirmed.
        _ = try f.outbox.retry(id: id)
        #expect(try f.outbox.sendDue().sent == 1)
        #expect(try f.entry(id).handedOverAt == nil)
        #expect(try f.outbox.entries().isEmpty)
        // The thread has the reply once.
        let out = try f.store.read { tx in try tx.messages(inConversation: f.conversationId).filter { $0.direction == .outbound } }
        #expect(out.count == 1)
    }

    @Test func connectionLostAfterTheFinalDotIsUnconfirmedNotResent() throws {
        let f = try OutboxFixture([.dropAfterData])
        let id = try f.enqueueReply()
        let summary = try f.outbox.sendDue()
        #expect(summary.unconfirmed == 1 && summary.deferred == 0)
        #expect(try f.outbox.entries().first?.unconfirmed == true)
        #expect(try f.outbox.sendDue().sent == 0)
        #expect(try f.entry(id).state == .sent)
    }

    @Test func handoverIsCommittedBeforeTheTransportFinishes() throws {
        final class Peek: OutboxTransport {
            let store: Store
            var handedOverSeen = false
            init(store: Store) { self.store = store }
            func send(_ envelope: SMTPEnvelope, message: any UploadSource) throws(SMTPError) -> SMTPSendResult {
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                while (try? buffer.withUnsafeMutableBytes { try message.read(into: $0) }) ?? 0 > 0 {}
                handedOverSeen = (try? store.read { tx in try tx.interruptedOutboxEntries().first?.handedOverAt }) != nil
                return SMTPSendResult(recipients: [], finalReply: "250 ok")
            }
        }
        let f = try OutboxFixture()
        let peek = Peek(store: f.store)
        let outbox = Outbox(store: f.store, settings: f.outbox.settings, logger: Logger(label: "t")) { peek }
        let id = try f.enqueueReply()
        _ = try outbox.sendDue()
        #expect(peek.handedOverSeen)
        #expect(try f.entry(id).state == .sent)
    }

    @Test func cancelAndRetryFollowTheStateRules() throws {
        let f = try OutboxFixture()
        let id = try f.enqueueReply()
        #expect(try f.outbox.cancel(id: id).state == "cancelled")
        #expect(try f.outbox.sendDue().sent == 0)
        #expect(try f.outbox.retry(id: id).state == "queued")
        #expect(try f.outbox.sendDue().sent == 1)
        #expect(throws: KontaktError.self) { try f.outbox.retry(id: id) }
        #expect(throws: KontaktError.self) { try f.outbox.cancel(id: id) }
        #expect(throws: KontaktError.self) { try f.outbox.cancel(id: 999) }
    }

    @Test func sentCopyGoesToTheSentFolderAndItsFailureIsOnlyNoted() throws {
        final class Copier: SentFolderCopier {
            var copies: [[UInt8]] = []
            var fail = false
            func copy(_ message: any UploadSource) throws {
                if fail { throw SMTPError(kind: .other, message: "APPEND refused") }
                var bytes = [UInt8](repeating: 0, count: Int(message.size))
                _ = try bytes.withUnsafeMutableBytes { try message.read(into: $0) }
                copies.append(bytes)
            }
        }
        let f = try OutboxFixture()
        let copier = Copier()
        let outbox = Outbox(store: f.store, settings: f.outbox.settings, logger: Logger(label: "t"), sentFolder: copier) { f.transport }
        try f.enqueueReply()
        #expect(try outbox.sendDue().sent == 1)
        #expect(copier.copies == [f.transport.sent[0].bytes])
        copier.fail = true
        let second = try f.enqueueReply()
        let summary = try outbox.sendDue()
        #expect(summary.sent == 1 && summary.sentCopiesFailed == 1)
        #expect(try f.entry(second).state == .sent)
        let kinds = try f.store.read { tx in try tx.events(ofConversation: f.conversationId).map(\.kind) }
        #expect(kinds.contains("sent-copy-failed"))
    }

    @Test func dailyLimitStopsTheBatchQuietly() throws {
        let f = try OutboxFixture()
        var settings = f.outbox.settings
        settings.messagesPerDay = 2
        let outbox = Outbox(store: f.store, settings: settings, logger: Logger(label: "t")) { f.transport }
        for _ in 0..<3 { try f.enqueueReply() }
        let summary = try outbox.sendDue()
        #expect(summary.sent == 2 && summary.exitError == nil)
        #expect(try f.outbox.entries().map(\.state) == ["queued"])
    }

    @Test func ratePacingSleepsBetweenMessages() throws {
        let f = try OutboxFixture()
        var settings = f.outbox.settings
        settings.messagesPerMinute = 30
        let clock = f.clock
        var pauses: [TimeInterval] = []
        let outbox = Outbox(store: f.store, settings: settings, logger: Logger(label: "t")) { f.transport }
        outbox.clock = { clock.now }
        outbox.pause = { pauses.append($0); clock.now.addTimeInterval($0) }
        for _ in 0..<3 { try f.enqueueReply() }
        #expect(try outbox.sendDue().sent == 3)
        #expect(pauses.count == 2 && pauses.allSatisfy { abs($0 - 2) < 0.001 })
    }
}

@Suite("Outbox specs: messages built at send time")
struct OutgoingSpecTests {
    func attachmentFile(_ f: OutboxFixture, size: Int) throws -> String {
        let path = f.directory + "/slides-\(size).pdf"
        var bytes = Array("%PDF-1.7\n".utf8)
        var rng = SystemRandomNumberGenerator()
        while bytes.count < size { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func specRoundTripsAndStreamsTheAttachmentByteIdentical() throws {
        let f = try OutboxFixture()
        let path = try attachmentFile(f, size: 3 * 1024 * 1024 + 17)
        var m = f.message()
        m.attachments = [OutgoingAttachment(filename: "Bilder från chefens dag.pdf", contentType: "application/pdf", source: .file(path: path))]
        let spec = try OutgoingSpec(message: m)
        #expect(try OutgoingSpec.decode(spec.json()) == spec)
        #expect(spec.attachments.first?.size == Int64(3 * 1024 * 1024 + 17))
        let at = f.clock.now
        let id = try f.store.write { tx in try Outbox.enqueue(spec, kind: .campaign, in: tx, now: at).id! }
        #expect(try f.outbox.sendDue().sent == 1)
        let sent = try #require(f.transport.sent.first).bytes
        #expect(CRLFNormalizer.isCRLFOnly(sent))
        let parsed = try Message.parse(sent)
        #expect(parsed.attachments.count == 1)
        #expect(parsed.attachments.first?.data == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        // Streamed: libcurl-sized reads, never the whole message at once; the spool is gone.
        #expect(f.transport.peakChunk <= 64 * 1024)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: f.directory + "/spool"))?.isEmpty ?? true)
        #expect(try f.entry(id).raw == nil)
    }

    @Test func changedAttachmentFailsBeforeSending() throws {
        let f = try OutboxFixture()
        let path = try attachmentFile(f, size: 1000)
        var m = f.message()
        m.attachments = [OutgoingAttachment(filename: "a.pdf", contentType: "application/pdf", source: .file(path: path))]
        let spec = try OutgoingSpec(message: m)
        let at = f.clock.now
        let id = try f.store.write { tx in try Outbox.enqueue(spec, kind: .campaign, in: tx, now: at).id! }
        _ = try attachmentFile(f, size: 1000) // same size, new random bytes
        #expect(try f.outbox.sendDue().failed == 1)
        #expect(try f.entry(id).lastError?.contains("changed after the message was queued") == true)
        #expect(f.transport.sent.isEmpty)
    }

    @Test func inMemoryAttachmentsAreRefusedInASpec() throws {
        let f = try OutboxFixture()
        var m = f.message()
        m.attachments = [OutgoingAttachment(filename: "a.txt", contentType: "text/plain", source: .bytes([1, 2, 3]))]
        #expect(throws: OutboxError.self) { try OutgoingSpec(message: m) }
    }
}

@Suite("CRLF normalisation")
struct CRLFNormalizerTests {
    @Test func bareLineEndsBecomeCRLFAcrossChunkBoundaries() {
        let input = Array("a\nb\r\nc\rd\r".utf8)
        for split in 0...input.count {
            var n = CRLFNormalizer()
            var out = input[..<split].withUnsafeBytes { n.normalize($0) }
            out += input[split...].withUnsafeBytes { n.normalize($0) }
            out += n.finish()
            #expect(String(decoding: out, as: UTF8.self) == "a\r\nb\r\nc\r\nd\r\n", "split at \(split)")
        }
        #expect(CRLFNormalizer.isCRLFOnly(Array("x\r\ny\r\n".utf8)))
        #expect(!CRLFNormalizer.isCRLFOnly(Array("x\ny\r\n".utf8)))
        #expect(!CRLFNormalizer.isCRLFOnly(Array("x\r".utf8)))
    }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test func delaysDoubleAndCap() {
        let p = RetryPolicy()
        #expect((1...8).map { p.delay(afterAttempt: $0) } == [60, 120, 240, 480, 960, 1920, 3600, 3600])
        let t0 = Date(timeIntervalSince1970: 0)
        #expect(p.nextAttempt(afterAttempt: 1, deferredSince: t0, now: t0.addingTimeInterval(47 * 3600)) != nil)
        #expect(p.nextAttempt(afterAttempt: 1, deferredSince: t0, now: t0.addingTimeInterval(48 * 3600)) == nil)
    }
}
