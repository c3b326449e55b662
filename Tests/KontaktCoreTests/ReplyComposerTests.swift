import Foundation
import MailMessage
import Routing
import Store
import Testing
@testable import KontaktCore

@Suite struct ReplyComposerTests {
    func conversation(language: String = "sv") -> ConversationRecord {
        var c = ConversationRecord(subject: "Fråga om materialet", normalizedSubject: "fråga om materialet", topic: "material",
                                   confidence: 0.9, contactAddress: "anna@example.se", at: Date())
        c.id = 42
        c.contactName = "Anna Ek"
        c.language = language
        return c
    }

    func inbound(replyTo: String? = nil) -> MessageRecord {
        var m = MessageRecord(direction: .inbound, contentHash: "h", size: 1, receivedAt: Date(), state: .accepted)
        m.messageID = "q2@example.se"
        m.referencesList = "q1@example.se"
        m.fromAddress = "anna@example.se"
        m.replyTo = replyTo
        return m
    }

    @Test func repliesAreThreadedAndTagged() throws {
        let composer = ReplyComposer(config: try Fixtures.config(), catalog: .default)
        let draft = try composer.compose(conversation: conversation(), lastInbound: inbound(), history: [], body: "Hej Anna!",
                                         automatic: false, now: Date())
        #expect(draft.message.subject == "SV: [Kontakt #42] Fråga om materialet")
        #expect(draft.message.inReplyTo == "q2@example.se")
        #expect(draft.message.references == ["q1@example.se", "q2@example.se"])
        #expect(draft.recipient == "anna@example.se")
        #expect(draft.envelopeFrom == "kontakt@kommun.example.se")
        #expect(draft.message.extraHeaders.contains { $0.name == "X-Loop" })
        #expect(!draft.message.extraHeaders.contains { $0.name == "Auto-Submitted" })
        let raw = String(decoding: try MessageBuilder.build(draft.message), as: UTF8.self)
        #expect(raw.contains("In-Reply-To: <q2@example.se>"))
    }

    @Test func automaticMailIsMarkedAndUsesTheNullSender() throws {
        let composer = ReplyComposer(config: try Fixtures.config(), catalog: .default)
        let draft = try composer.compose(conversation: conversation(language: "en"), lastInbound: inbound(), history: [],
                                         body: "Thanks", automatic: true, now: Date())
        #expect(draft.envelopeFrom == "")
        #expect(draft.message.extraHeaders.contains { $0.name == "Auto-Submitted" && $0.value == "auto-replied" })
        #expect(draft.message.subject.hasPrefix("Re: "))
    }

    @Test func aHostileReplyToNeverBecomesTheRecipient() throws {
        let composer = ReplyComposer(config: try Fixtures.config(), catalog: .default)
        let draft = try composer.compose(conversation: conversation(),
                                         lastInbound: inbound(replyTo: "evil@example.com\r\nRCPT TO:<victim@example.org>"),
                                         history: [], body: "x", automatic: false, now: Date())
        #expect(draft.recipient == "anna@example.se", "a Reply-To with CR/LF is skipped for the sender's address")
        var c = conversation()
        c.contactAddress = "bad\naddress@example.se"
        var m = inbound(replyTo: "also\rbad@example.se")
        m.fromAddress = "x\n@example.se"
        #expect(throws: KontaktError.self) {
            try composer.compose(conversation: c, lastInbound: m, history: [], body: "x", automatic: false, now: Date())
        }
    }
}
