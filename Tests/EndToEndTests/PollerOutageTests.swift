import Foundation
import Store
import Testing

/// Dovecot stopped in the middle of a poll: the run exits 75, nothing stored is lost, and the
/// next run completes. A suite of its own (scripts/test runs *OutageTests alone), because
/// stopping the shared Dovecot would break the protocol tests running beside it.
@Suite(.enabled(if: MailStack.available), .serialized)
struct PollerOutageTests {
    let stack = MailStack.shared!

    @Test func dovecotStoppedMidRunThenTheNextRunCompletes() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let total = 700
        // 200 KB each, 140 MB in all: more than the poller holds at once (a 64 MB fetch window
        // plus a 32 MB commit group), so the fetch is still under way when the outage comes.
        let filler = "\n\n" + String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n", count: 5_500)
        let messages = (0..<total).map { i in
            testMessage(from: "person\(i)@example.se", to: kontakt.address, subject: "Fråga \(i)",
                        body: "Hej! Fråga \(i) om Chefens dag.\(filler)", messageID: "outage.\(i).\(UUID().uuidString)@test.example.se")
        }
        try stack.append(messages, user: kontakt.address)

        let poll = Process()
        poll.executableURL = URL(fileURLWithPath: Repo.binary)
        poll.arguments = ["--config", kontakt.configPath, "poll"]
        let stderr = Pipe()
        poll.standardError = stderr
        try poll.run()
        // Stop Dovecot once the poll has stored something but before it could finish.
        let store = try Store(path: kontakt.storePath)
        let deadline = Date().addingTimeInterval(20)
        while (try store.read { tx in try tx.messageCount() }) < 20, Date() < deadline, poll.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
        }
        // Freeze the poll while the server goes away, so the outage surely lands mid-run.
        kill(poll.processIdentifier, SIGSTOP)
        try stack.control("stop", "dovecot")
        kill(poll.processIdentifier, SIGCONT)
        var status: Int32 = -1
        do {
            defer { try? stack.control("start", "dovecot") }
            poll.waitUntilExit()
            status = poll.terminationStatus
        }
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let storedDuringOutage = try store.read { tx in try tx.messageCount() }
        #expect(status == 75, "an unreachable server is a temporary failure: \(message)")
        #expect(message.split(separator: "\n").count == 1, "one line on stderr: \(message)")
        #expect(storedDuringOutage > 0 && storedDuringOutage < total, "the outage hit mid-run (\(storedDuringOutage))")

        let again = try kontakt.run("poll")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try store.read { tx in try tx.messageCount() } == total)
        let distinct = try store.read { tx in try tx.scalar("SELECT COUNT(DISTINCT messageID) FROM message") }
        #expect(distinct == Int64(total))
        #expect(try stack.messageCount(user: kontakt.address) == 0)
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Kontakt/Behandlat") == total)
    }
}
