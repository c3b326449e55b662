import Foundation
import IMAP
import Testing

/// The IMAP client's commands whose responses grow with the number of messages.
@Suite(.enabled(if: MailStack.available))
struct IMAPClientVolumeTests {
    let stack = MailStack.shared!

    @Test func movingFourHundredMessagesAtOnceStaysUnderLibcurlsResponseLimit() throws {
        let user = MailStack.uniqueAddress()
        let messages = (0..<400).map { i in
            testMessage(from: "person@example.se", to: user, subject: "Nummer \(i)", body: "Hej \(i)")
        }
        try stack.append(messages, user: user)
        let imap = try stack.imap(user: user)
        let inbox = MailboxName("INBOX"), done = MailboxName("Kontakt/Behandlat")
        try imap.createMailboxIfMissing(done)
        let status = try imap.status(inbox)
        let uids = try imap.uids(in: inbox, from: 1, below: status.uidNext)
        #expect(uids.count == 400)
        // One call: 400 "* n EXPUNGE" lines would exceed libcurl 7.88's 300 KB header limit.
        try imap.move(uids: uids, from: inbox, to: done)
        #expect(try stack.messageCount(user: user) == 0)
        #expect(try stack.messageCount(user: user, mailbox: "Kontakt/Behandlat") == 400)
    }
}
