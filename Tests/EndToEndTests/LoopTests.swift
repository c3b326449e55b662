import Foundation
import Store
import Testing

/// Issue 5: two Kontakt installations that acknowledge each other exchange at most one
/// message each way — over the real Postfix and Dovecot, through `poll` and `send`.
@Suite(.enabled(if: MailStack.available))
struct LoopTests {
    let stack = MailStack.shared!

    @Test func twoInstallationsAcknowledgingEachOtherStopAfterOneReceiptEachWay() throws {
        let a = try KontaktInstance(stack: stack, acknowledge: true)
        let b = try KontaktInstance(stack: stack, acknowledge: true)
        // First polls on empty mailboxes, so later mail is not backlog.
        for k in [a, b] { #expect(try k.run("poll").status == 0) }

        // Each director writes to the other's contact address.
        try a.receive(testMessage(from: b.address, to: a.address, subject: "Fråga från B", body: "Hej A, en fråga om dagen."),
                      from: b.address)
        try b.receive(testMessage(from: a.address, to: b.address, subject: "Fråga från A", body: "Hej B, en fråga om dagen."),
                      from: a.address)

        for _ in 0..<4 {
            for k in [a, b] {
                let poll = try k.run("poll")
                #expect(poll.status == 0, "\(poll.stderr)")
                let send = try k.run("send")
                #expect(send.status == 0, "\(send.stderr)")
            }
            Thread.sleep(forTimeInterval: 0.5)  // let Postfix deliver what was just sent
        }
        for k in [a, b] {
            let store = try Store(path: k.storePath)
            let receipts = try store.read { tx in try tx.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'receipt'") }
            #expect(receipts == 1, "exactly one receipt each way")
            let robots = try store.read { tx in try tx.scalar("SELECT COUNT(*) FROM message WHERE state = 'robot'") }
            #expect(robots == 1, "the other side's receipt is recognised as automatic")
            let total = try stack.messageCount(user: k.address) + stack.messageCount(user: k.address, mailbox: "Kontakt/Behandlat")
            #expect(total == 2, "the question and one receipt, nothing more")
        }
    }

    @Test func aReceiptIsNeverSentTwiceToTheSameSenderWithinADay() throws {
        let k = try KontaktInstance(stack: stack, acknowledge: true)
        #expect(try k.run("poll").status == 0)
        for i in 0..<3 {
            try k.receive(testMessage(from: "ivrig@example.se", to: k.address, subject: "Fråga \(i) om seminariet",
                                      body: "Hej, fråga nummer \(i)."), from: "ivrig@example.se")
        }
        #expect(try k.run("poll").status == 0)
        let receipts = try Store(path: k.storePath).read { tx in try tx.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'receipt'") }
        #expect(receipts == 1)
    }
}
