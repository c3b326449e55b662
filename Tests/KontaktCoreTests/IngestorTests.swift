import Foundation
import MailMessage
import Routing
import Store
import Testing
@testable import KontaktCore

@Suite struct IngestorTests {
    let config: KontaktConfig
    let store: Store
    let ingestor: Ingestor

    init() throws {
        config = try Fixtures.config()
        store = try Store()
        ingestor = Ingestor(router: try Router(config: config, corrections: []), config: config)
    }

    func ingest(_ raw: [UInt8], backlog: Bool = false) throws -> IngestOutcome {
        try store.write { tx in try ingestor.ingest(raw, origin: InboundOrigin(isBacklog: backlog, receivedAt: Date()), in: tx) }
    }

    @Test func aReplyJoinsItsConversationByReferenceAndReopensIt() throws {
        let first = try ingest(Fixtures.message(subject: "Fråga om materialet", body: "Var finns bilderna från seminariet?",
                                                messageID: "q1@example.se"))
        guard case .accepted(_, let conversationId, true) = first else { Issue.record("\(first)"); return }
        try store.write { tx in
            var c = try tx.conversation(id: conversationId)!
            c.status = .answered
            try tx.update(c)
        }
        let reply = try ingest(Fixtures.message(subject: "SV: Fråga om materialet", body: "Tack! En sak till.",
                                                messageID: "q2@example.se", inReplyTo: "q1@example.se"))
        #expect(reply == .accepted(messageId: 2, conversationId: conversationId, newConversation: false))
        let c = try store.read { tx in try tx.conversation(id: conversationId) }!
        #expect(c.status == .open, "a new inbound message reopens the conversation")
        #expect(c.weakMatch == nil)
        let events = try store.read { tx in try tx.events(ofConversation: conversationId) }.map(\.kind)
        #expect(events == ["opened", "reopened"])
    }

    @Test func aStrangerUsingAThreadTagIsJoinedOnlyAsAWeakMatch() throws {
        guard case .accepted(_, let id, _) = try ingest(Fixtures.message(subject: "Utvärderingen", body: "Länken fungerar inte.")) else {
            Issue.record("not accepted"); return
        }
        let outcome = try ingest(Fixtures.message(from: "okand@example.com", name: "Okänd",
                                                  subject: "SV: [Kontakt #\(id)] Utvärderingen", body: "Hej, jag har också en fråga."))
        guard case .accepted(_, let joined, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(joined == id)
        #expect(try store.read { tx in try tx.conversation(id: id) }?.weakMatch != nil)
    }

    @Test func outOfOfficeRepliesAreStoredAsRobotsOutsideTheQueue() throws {
        let outcome = try ingest(Fixtures.message(subject: "Automatiskt svar: Materialet", body: "Jag är ledig till och med måndag.",
                                                  headers: ["Auto-Submitted: auto-replied"]))
        guard case .robot(_, let kind) = outcome else { Issue.record("\(outcome)"); return }
        #expect(kind == TopicCatalog.autoReply)
        #expect(try store.read { tx in try tx.queue(statuses: [.open]) }.isEmpty)
    }

    @Test func aMessageWithoutSenderIsQuarantinedNotLost() throws {
        let raw = Array("Subject: ingen avsändare\r\n\r\nhej\r\n".utf8)
        guard case .quarantined(let id, let reasons) = try ingest(raw) else { Issue.record("not quarantined"); return }
        #expect(reasons.contains("no sender address"))
        #expect(try store.read { tx in try tx.message(id: id).flatMap { try tx.raw(of: $0) } } == Data(raw), "the raw bytes are kept for replay")
    }

    @Test func theSameBytesTwiceAreADuplicate() throws {
        let raw = Fixtures.message(subject: "Hej", body: "En fråga om chefens dag.")
        _ = try ingest(raw)
        guard case .duplicate = try ingest(raw) else { Issue.record("expected a duplicate"); return }
    }

    /// A reply's routing is left until ingest shows it opens a conversation: then it is routed
    /// as any new message would be.
    @Test func aReplyToAMessageNeverStoredIsRoutedWhenItOpensAConversation() throws {
        let subject = "SV: Material från chefens dag"
        let raw = Fixtures.message(subject: subject, body: "Hej! Var finns bilderna från seminariet om värdet vi skapar tillsammans?"
                                    + "\r\n\r\nMvh\r\nOlle\r\nBygg & Måleri AB",
                                   messageID: "r1@example.se", inReplyTo: "aldrig-sedd@kommun.example.se")
        let prepared = ingestor.prepare(raw)
        #expect(prepared.opening == nil, "not worked out ahead for a reply")
        guard case .accepted(_, let id, true) = try ingest(raw) else { Issue.record("the reply opens a conversation"); return }
        let conversation = try #require(try store.read { tx in try tx.conversation(id: id) })
        let expected = ingestor.opening(forStored: prepared.record, normalizedSubject: SubjectNormalizer.normalize(subject))
        #expect(conversation.topic == expected.classification.topic)
        #expect(conversation.topic == "material")
        #expect(conversation.senderKind == expected.senderKind.rawValue)
        #expect(conversation.senderKind == "business", "the signature below the closing formula is read here too")
        #expect(conversation.language == "sv")
    }

    /// Organisational cues stand in the signature, which the new text leaves out: the sender kind
    /// reads both.
    @Test func aCompanySignatureBelowTheClosingMakesTheSenderABusiness() throws {
        func kind(_ body: String) throws -> String? {
            // A sender of its own each time, so that each message opens a conversation.
            let raw = Fixtures.message(from: "karin.\(UUID().uuidString.prefix(6))@bostadsbolaget.example.se",
                                       subject: "Synpunkter efter seminariet", body: body)
            guard case .accepted(_, let id, true) = try ingest(raw) else { return nil }
            return try store.read { tx in try tx.conversation(id: id) }?.senderKind
        }
        let question = "Hej,\r\n\r\nHär kommer mina synpunkter på seminariet om värdet vi skapar tillsammans.\r\n\r\n"
        #expect(try kind(question + "Vänliga hälsningar\r\nKarin Holm\r\nBostadsbolaget i kommunen AB\r\n") == "business")
        #expect(try kind(question + "Vänliga hälsningar\r\nKarin\r\n-- \r\nOrg.nr 556000-1111\r\n") == "business")
        #expect(try kind(question + "Vänliga hälsningar\r\nKarin Holm\r\n") == "resident")
    }

    /// A large message without Message-ID: only its content fingerprint can recognise it.
    func largeMessageWithoutID(date: String = "Mon, 23 Nov 2026 10:00:00 +0100") -> [UInt8] {
        let body = String(repeating: "Bifogar underlaget från seminariet om värdet vi skapar tillsammans.\r\n", count: 1_500)
        return Array("From: Anna Ek <anna@example.se>\r\nTo: kontakt@kommun.example.se\r\nSubject: Underlag\r\nDate: \(date)\r\n\r\n\(body)".utf8)
    }

    @Test func aLargeMessageWithoutMessageIDIsRecognisedByItsFingerprint() throws {
        let raw = largeMessageWithoutID()
        #expect(raw.count > 2 * Digest.fingerprintEdge)
        guard case .accepted = try ingest(raw) else { Issue.record("the first copy is stored"); return }
        guard case .duplicate = try ingest(raw) else { Issue.record("expected a duplicate"); return }
        // Another delivery differs in its first lines (its date here), so it is no duplicate.
        guard case .accepted = try ingest(largeMessageWithoutID(date: "Mon, 23 Nov 2026 10:05:00 +0100")) else {
            Issue.record("a different message taken for a duplicate"); return
        }
    }

    /// Rows stored before fingerprints hold the SHA-256 of the whole message.
    @Test func aRowHashedWholeBeforeFingerprintsStillFindsItsCopy() throws {
        let raw = largeMessageWithoutID()
        try store.write { tx in
            let legacy = MessageRecord(direction: .inbound, contentHash: Digest.sha256Hex(raw), size: raw.count,
                                       receivedAt: Date(), state: .accepted)
            try tx.insert(legacy, raw: raw)
        }
        guard case .duplicate = try ingest(raw) else { Issue.record("expected a duplicate of the legacy row"); return }
    }

    @Test func swedishInquiryIsClassifiedAndItsLanguageNoted() throws {
        guard case .accepted(_, let id, _) = try ingest(Fixtures.message(
            subject: "Har inte fått materialet",
            body: "Hej, jag var på Chefens dag men har inte fått presentationerna och bilderna från seminarierna. Kan ni skicka dem?"))
        else { Issue.record("not accepted"); return }
        let c = try store.read { tx in try tx.conversation(id: id) }!
        #expect(c.topic == "material", "confidence \(c.confidence)")
        #expect(c.language == "sv")
        #expect(c.senderKind == "resident")
    }

    @Test func colleaguesAreRecognisedByDomain() throws {
        guard case .accepted(_, let id, _) = try ingest(Fixtures.message(from: "per@kommun.example.se", subject: "Fråga",
                                                                          body: "Hej, en fråga om dagen.")) else {
            Issue.record("not accepted"); return
        }
        #expect(try store.read { tx in try tx.conversation(id: id) }?.senderKind == "colleague")
    }
}
