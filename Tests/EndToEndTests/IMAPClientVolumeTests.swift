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

/// libcurl's URL fetch is `UID FETCH n BODY[]`, which sets `\Seen`: the client fetches in a
/// mailbox re-opened read-only instead, and re-opens it writable for the after-fetch actions.
@Suite(.enabled(if: MailStack.available))
struct IMAPClientFlagTests {
    let stack = MailStack.shared!

    @Test func fetchingLeavesFlagsAloneAndTheActionsStillChangeTheMailbox() throws {
        let user = MailStack.uniqueAddress()
        // Delivered, not APPENDed: libcurl's APPEND always adds \Seen.
        for i in 0..<3 {
            try stack.deliver(testMessage(from: "person@example.se", to: user, subject: "Nummer \(i)", body: "Hej \(i)"),
                              from: "person@example.se", to: [user])
        }
        _ = try stack.waitForMessages(user: user, count: 3)
        let imap = try stack.imap(user: user)
        let inbox = MailboxName("INBOX"), done = MailboxName("Kontakt/Behandlat")
        try imap.createMailboxIfMissing(done)
        let status = try imap.status(inbox)
        #expect(try imap.unseenCount(inbox) == 3)
        let uids = try imap.uids(in: inbox, from: 1, below: status.uidNext)
        let sizes = try imap.sizes(in: inbox, uids: uids)
        for uid in uids {
            let body = try imap.fetch(uid: uid, in: inbox, uidValidity: status.uidValidity)
            #expect(String(decoding: body, as: UTF8.self).contains("Hej "))
            #expect(body.count == sizes[uid], "the body is the literal RFC822.SIZE announced")
            // The expected size only sizes the buffer: a wrong one changes nothing.
            for expected in [1, body.count, 40 * 1024 * 1024] {
                #expect(try imap.fetch(uid: uid, in: inbox, uidValidity: status.uidValidity, expectedSize: expected) == body)
            }
        }
        #expect(try imap.unseenCount(inbox) == 3, "fetching sets no \\Seen")
        // The read-only mailbox is re-opened writable for STORE …
        try imap.addFlags("\\Seen", uids: [uids[0]], in: inbox)
        #expect(try imap.unseenCount(inbox) == 2)
        // … and read-only again for the next fetch, then writable for MOVE.
        _ = try imap.fetch(uid: uids[1], in: inbox, uidValidity: status.uidValidity)
        #expect(try imap.unseenCount(inbox) == 2)
        try imap.move(uids: [uids[1]], from: inbox, to: done)
        #expect(try imap.status(inbox).messages == 2)
        #expect(try imap.status(done).messages == 1)
        // A header-only fetch (oversize messages) leaves the flags alone too.
        _ = try imap.fetch(uid: uids[2], in: inbox, uidValidity: status.uidValidity, section: "HEADER")
        #expect(try imap.unseenCount(inbox) == 1)
    }
}
