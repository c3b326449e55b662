import Foundation
import Store
import Testing

/// Issue 2: the pipe end to end — a Swedish message sent over SMTP arrives intact in
/// Kontakt's store through IMAP; `kontakt check` passes and names the failing step.
@Suite(.enabled(if: MailStack.available), .serialized)
struct FoundationTests {
    let stack = MailStack.shared!

    @Test func swedishMessageTravelsThroughPostfixAndIMAPIntoTheQueue() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let subject = "Fråga om presentationen – Chefens dag, åäö ÅÄÖ é"
        let body = "Hej!\n\nKan ni skicka bilderna från seminariet ”Värdet vi skapar tillsammans”? Tack på förhand.\n\nMed vänlig hälsning\nÅsa Öberg"
        try kontakt.receive(testMessage(from: "asa.oberg@example.se", to: kontakt.address, subject: subject, body: body),
                            from: "asa.oberg@example.se")

        let poll = try kontakt.run("poll", "--json")
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(poll.stdout.contains("\"stored\" : 1"), "\(poll.stdout)")

        let store = try Store(path: kontakt.storePath)
        let rows = try store.read { tx in try tx.queue(statuses: [.open]) }
        #expect(rows.count == 1)
        let conversation = try #require(rows.first?.conversation)
        #expect(conversation.subject == subject)
        #expect(conversation.contactAddress == "asa.oberg@example.se")
        let messages = try store.read { tx in try tx.messages(inConversation: conversation.id!) }
        #expect(messages.count == 1)
        #expect(messages.first?.text.contains("”Värdet vi skapar tillsammans”") == true)
        #expect(messages.first?.text.contains("Åsa Öberg") == true)

        // The queue's JSON carries the same subject, byte for byte.
        struct Item: Decodable { var id: Int64; var subject: String; var from: String; var messages: Int }
        let items = try kontakt.json([Item].self, "queue")
        #expect(items.map(\.subject) == [subject])
        #expect(items.first?.messages == 1)

        // After-fetch: moved out of INBOX into the processed folder, nothing deleted.
        #expect(try stack.messageCount(user: kontakt.address) == 0)
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Kontakt/Behandlat") == 1)
    }

    @Test func checkPassesAgainstTheStack() throws {
        let kontakt = try KontaktInstance(stack: stack)
        // A mailbox exists once something was delivered to it.
        try kontakt.receive(testMessage(from: "a@example.se", to: kontakt.address, subject: "hej", body: "hej"), from: "a@example.se")
        let result = try kontakt.run("check")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        for step in ["imap dns", "imap tcp", "imap tls", "imap auth", "imap mailbox", "smtp auth"] {
            #expect(result.stdout.contains("ok   \(step)"), "missing \(step) in:\n\(result.stdout)")
        }
        // The servers' certificates (the stack makes them valid for 30 days) with their expiry.
        let certificateLines = result.stdout.split(separator: "\n").filter { $0.contains("certificate") }
        #expect(certificateLines.count == 2 && certificateLines.allSatisfy { $0.contains("valid until") && $0.contains("days)") },
                "\(result.stdout)")
    }

    @Test func checkNamesAuthenticationForAWrongPassword() throws {
        let kontakt = try KontaktInstance(stack: stack, password: "not-the-password")
        let result = try kontakt.run("check")
        #expect(result.status != 0)
        #expect(result.stdout.contains("FAIL imap auth"), "\(result.stdout)")
        #expect(result.stderr.contains("imap auth failed"))
        #expect(!result.stdout.contains("not-the-password") && !result.stderr.contains("not-the-password"),
                "a password must never be printed")
    }

    @Test func checkNamesTheCertificateWhenTheCAIsNotTrusted() throws {
        let kontakt = try KontaktInstance(stack: stack, caFile: .some(nil))
        let result = try kontakt.run("check")
        #expect(result.status != 0)
        #expect(result.stdout.contains("FAIL imap certificate"), "\(result.stdout)")
        #expect(result.stdout.contains("ca_file"), "the fix should be named: \(result.stdout)")
    }

    @Test func pollExitsTempFailWhenTheServerIsUnreachable() throws {
        let kontakt = try KontaktInstance(stack: stack, imapPort: 1)
        let result = try kontakt.run("poll")
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line on stderr: \(result.stderr)")
    }
}
