import Foundation
import MailMessage
import Store
import Testing

/// The director's whole round trip: a question comes in, `reply --send` answers it at once,
/// the answer arrives threaded in the resident's mailbox, and the resident's reply to it lands
/// back in the same conversation.
@Suite(.enabled(if: MailStack.available))
struct ReplySendTests {
    let stack = MailStack.shared!

    @Test func replySendDeliversAThreadedAnswerAndTheAnswerToItComesBack() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let resident = MailStack.uniqueAddress("boende", domain: "example.se")
        try kontakt.receive(testMessage(from: resident, to: kontakt.address, subject: "Var hittar jag materialet?",
                                        body: "Hej! Jag hittar inte bilderna från seminariet.", messageID: "fraga-1@example.se"),
                            from: resident)
        #expect(try kontakt.run("poll").status == 0)
        struct Item: Decodable { var id: Int64 }
        let id = try #require(try kontakt.json([Item].self, "queue").first?.id)

        let reply = try kontakt.run("reply", "\(id)", "-m", "Hej! Bilderna kommer här, med vänlig hälsning.", "--send")
        #expect(reply.status == 0, "\(reply.stdout)\n\(reply.stderr)")

        let delivered = try stack.waitForMessages(user: resident, count: 1)
        let answer = try Message.parse(delivered[0])
        #expect(answer.inReplyTo == ["fraga-1@example.se"])
        #expect(answer.references.contains("fraga-1@example.se"))
        #expect(answer.subject?.contains("[Kontakt #\(id)]") == true)
        #expect(answer.subject?.hasPrefix("SV: ") == true)
        #expect(answer.text.contains("Bilderna kommer här"))
        #expect(answer.from.first?.address == kontakt.address)

        // The resident answers the answer, with a changed subject: References still carry it home.
        let back = testMessage(from: resident, to: kontakt.address, subject: "Tack!", body: "Tack så mycket!",
                               extraHeaders: ["In-Reply-To: <\(answer.messageID!)>", "References: <fraga-1@example.se> <\(answer.messageID!)>"])
        try kontakt.receive(back, from: resident)
        #expect(try kontakt.run("poll").status == 0)
        let store = try Store(path: kontakt.storePath)
        let messages = try store.read { tx in try tx.messages(inConversation: id) }
        #expect(messages.filter { $0.direction == .inbound }.count == 2)
        #expect(try store.read { tx in try tx.conversation(id: id) }?.status == .open, "the answer reopens the conversation")
    }

    @Test func aSentReplyIsCopiedToTheSentFolder() throws {
        let kontakt = try KontaktInstance(stack: stack, smtpOverrides: ["sent_folder = \"Skickat\""])
        let resident = MailStack.uniqueAddress("boende", domain: "example.se")
        try kontakt.receive(testMessage(from: resident, to: kontakt.address, subject: "Parkering vid Chefens dag",
                                        body: "Hej! Finns det parkering vid lokalen?"), from: resident)
        #expect(try kontakt.run("poll").status == 0)
        struct Item: Decodable { var id: Int64 }
        let id = try #require(try kontakt.json([Item].self, "queue").first?.id)
        let reply = try kontakt.run("reply", "\(id)", "-m", "Hej! Ja, bakom stadshuset.", "--send")
        #expect(reply.status == 0, "\(reply.stderr)")
        let copies = try stack.waitForMessages(user: kontakt.address, mailbox: "Skickat", count: 1)
        let copy = try Message.parse(copies[0])
        let delivered = try Message.parse(try stack.waitForMessages(user: resident, count: 1)[0])
        #expect(copy.messageID == delivered.messageID, "the Sent folder holds the very message that was sent")
        #expect(copy.text.contains("bakom stadshuset"))
    }
}
