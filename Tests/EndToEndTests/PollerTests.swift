import Foundation
import KontaktCore
import Store
import Testing

/// Issue 4: the poller never loses or duplicates a message, against the real Dovecot.
@Suite(.enabled(if: MailStack.available))
struct PollerTests {
    let stack = MailStack.shared!

    func messages(_ count: Int, to address: String, tag: String = UUID().uuidString.prefix(6).lowercased()) -> [[UInt8]] {
        (0..<count).map { i in
            // Mixed sizes: mostly small, every 50th with a 200 KB base64 attachment.
            let big = i % 50 == 0 ? "\n\n" + String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n", count: 5_500) : ""
            return testMessage(from: "person\(i % 37)@example.se", to: address, subject: "Fråga \(tag) nummer \(i)",
                               body: "Hej! Fråga nummer \(i) om materialet från Chefens dag.\(big)",
                               messageID: "\(tag).\(i)@test.example.se")
        }
    }

    func storedCount(_ kontakt: KontaktInstance) throws -> Int {
        try Store(path: kontakt.storePath).read { tx in try tx.messageCount() }
    }

    @Test func aThousandMessagesInOnePollEachStoredOnce() throws {
        // Rounds of after-fetch actions during the poll too, not only at its end (the default).
        let kontakt = try KontaktInstance(stack: stack, imapOverrides: ["batch_size = 100"])
        try stack.append(messages(1000, to: kontakt.address), user: kontakt.address)
        let result = try kontakt.run("poll", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"stored\" : 1000"), "\(result.stdout)")
        #expect(try storedCount(kontakt) == 1000)
        #expect(try stack.messageCount(user: kontakt.address) == 0)
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Kontakt/Behandlat") == 1000)
        // A second poll finds nothing new.
        let again = try kontakt.run("poll", "--json")
        #expect(again.stdout.contains("\"fetched\" : 0"), "\(again.stdout)")
    }

    /// A first run with `[store] path` in a folder that does not exist yet creates the folder
    /// (owner-only) instead of failing on the lock file that lives beside the store.
    @Test func theFirstPollAndImportCreateTheStoreFolder() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let config = try String(contentsOfFile: kontakt.configPath, encoding: .utf8)
        let folder = kontakt.directory + "/var/lib/kontakt"
        try config.replacingOccurrences(of: "path = \"\(kontakt.storePath)\"", with: "path = \"\(folder)/kontakt.sqlite\"")
            .write(toFile: kontakt.configPath, atomically: true, encoding: .utf8)
        try stack.append(messages(3, to: kontakt.address), user: kontakt.address)
        let result = try kontakt.run("poll", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Store(path: folder + "/kontakt.sqlite").read { tx in try tx.messageCount() } == 3)
        let mode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o700)

        let eml = kontakt.directory + "/fråga.eml"
        try Data(messages(1, to: kontakt.address, tag: "import")[0]).write(to: URL(fileURLWithPath: eml))
        try config.replacingOccurrences(of: "path = \"\(kontakt.storePath)\"", with: "path = \"\(folder)-import/kontakt.sqlite\"")
            .write(toFile: kontakt.configPath, atomically: true, encoding: .utf8)
        let imported = try kontakt.run("import", eml)
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    @Test func killedAtRandomPointsThenRerunStoresEachMessageExactlyOnce() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let total = 300
        try stack.append(messages(total, to: kontakt.address), user: kontakt.address)
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<12 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Repo.binary)
            process.arguments = ["--config", kontakt.configPath, "poll"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double(UInt64.random(in: 20...400, using: &generator)) / 1000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL); kills += 1 }
            process.waitUntilExit()
        }
        let final = try kontakt.run("poll")
        #expect(final.status == 0, "\(final.stderr)")
        #expect(kills > 0, "the test must actually interrupt polls")
        #expect(try storedCount(kontakt) == total)
        let distinct = try Store(path: kontakt.storePath).read { tx in
            try tx.scalar("SELECT COUNT(DISTINCT messageID) FROM message")
        }
        #expect(distinct == Int64(total))
        // Every row has its bytes, the very bytes it was parsed from; what killed runs had
        // committed to the raw file without a row is swept once it is older than the grace.
        let store = try Store(path: kontakt.storePath)
        let rows = try store.read { tx in try tx.messages(inState: .accepted, limit: total + 1) }
        #expect(rows.count == total)
        for row in rows {
            let bytes = try #require(try store.read { tx in try tx.raw(of: row) }, "message \(row.id!) has no bytes")
            #expect(Ingestor.contentHash([UInt8](bytes)) == row.contentHash)
        }
        try store.sweepUnreferencedRaw(now: Date().addingTimeInterval(3600))
        #expect(try store.rawMessageCount() == total)
        #expect(try stack.messageCount(user: kontakt.address) == 0, "every stored message was moved")
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Kontakt/Behandlat") == total)
    }

    /// Fetching sets no flags (IMAPClient.fetch); the after-fetch action marks the messages read,
    /// in sets of UIDs, whether they stay (leave) or go (move).
    @Test func theAfterFetchActionMarksMessagesReadInBothModes() throws {
        for mode in ["move", "leave"] {
            let kontakt = try KontaktInstance(stack: stack, imapOverrides: ["after_fetch = \"\(mode)\""])
            // Delivered through Postfix, so they arrive unread (libcurl's APPEND adds \Seen).
            for raw in messages(3, to: kontakt.address) { try kontakt.receive(raw, from: "person@example.se") }
            _ = try stack.waitForMessages(user: kontakt.address, count: 3)
            #expect(try stack.unseenCount(user: kontakt.address) == 3)
            let result = try kontakt.run("poll", "--json")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try storedCount(kontakt) == 3)
            let folder = mode == "move" ? "Kontakt/Behandlat" : "INBOX"
            #expect(try stack.messageCount(user: kontakt.address, mailbox: folder) == 3, "\(mode)")
            #expect(try stack.unseenCount(user: kontakt.address, mailbox: folder) == 0, "\(mode): marked read")
        }
    }

    @Test func uidValidityChangeResynchronisesWithoutDuplicates() throws {
        let folder = "Kontakt-In"
        let kontakt = try KontaktInstance(stack: stack, imapOverrides: ["folders = [\"\(folder)\"]", "after_fetch = \"leave\""])
        let batch = messages(3, to: kontakt.address)
        try stack.append(batch, user: kontakt.address, mailbox: folder)
        #expect(try kontakt.run("poll").status == 0)
        #expect(try storedCount(kontakt) == 3)
        // Recreate the folder: a new UIDVALIDITY, the same three messages plus one new one.
        try stack.deleteMailbox(folder, user: kontakt.address)
        try stack.append(batch + messages(1, to: kontakt.address), user: kontakt.address, mailbox: folder)
        let result = try kontakt.run("poll", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"duplicates\" : 3"), "\(result.stdout)")
        #expect(result.stdout.contains("\"stored\" : 1"), "\(result.stdout)")
        #expect(try storedCount(kontakt) == 4)
        #expect(try Store(path: kontakt.storePath).rawMessageCount() == 4, "no bytes are written for the duplicates")
    }

    @Test func oversizeMessageIsRecordedWithHeadersAndLeftOnTheServer() throws {
        let kontakt = try KontaktInstance(stack: stack, imapOverrides: ["max_message_size = 50000"])
        let big = testMessage(from: "stor@example.se", to: kontakt.address, subject: "Stor bilaga",
                              body: String(repeating: "0123456789abcdef\n", count: 8000))
        try stack.append([messages(2, to: kontakt.address)[1], big], user: kontakt.address)
        let result = try kontakt.run("poll", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"oversize\" : 1"), "\(result.stdout)")
        let oversize = try Store(path: kontakt.storePath).read { tx in try tx.messages(inState: .oversize) }
        #expect(oversize.count == 1)
        #expect(oversize.first?.subject == "Stor bilaga")
        #expect(oversize.first?.size ?? 0 > 50000)
        #expect(try stack.messageCount(user: kontakt.address) == 1, "the oversize message stays in INBOX")
    }

    @Test func malformedMessageIsQuarantinedAndThePollGoesOn() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let garbage: [UInt8] = Array("\u{1}\u{2}binary garbage without any header\r\n\r\n".utf8) + [0, 0xFF, 0xFE, 0x0A]
        let good = messages(2, to: kontakt.address)
        try stack.append([good[0], garbage, good[1]], user: kontakt.address)
        let result = try kontakt.run("poll", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"quarantined\" : 1"), "\(result.stdout)")
        #expect(result.stdout.contains("\"stored\" : 3"), "\(result.stdout)")
        struct Item: Decodable { var id: Int64; var defects: [String] }
        let items = try kontakt.json([Item].self, "queue", "--quarantine")
        #expect(items.count == 1)
        #expect(items.first?.defects.isEmpty == false)
        struct Conversation: Decodable { var id: Int64 }
        #expect(try kontakt.json([Conversation].self, "queue").count == 2)
    }

    @Test func twoPollsAtOnceOneWaitsOutWithTempFail() throws {
        let kontakt = try KontaktInstance(stack: stack)
        try stack.append(messages(200, to: kontakt.address), user: kontakt.address)
        let first = Process(), second = Process()
        let secondErr = Pipe()
        for p in [first, second] {
            p.executableURL = URL(fileURLWithPath: Repo.binary)
            p.arguments = ["--config", kontakt.configPath, "poll"]
        }
        second.standardError = secondErr
        try first.run()
        Thread.sleep(forTimeInterval: 0.15)
        try second.run()
        second.waitUntilExit()
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(second.terminationStatus == 75)
        let line = String(decoding: secondErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(line.contains("another kontakt run"), "\(line)")
        #expect(try storedCount(kontakt) == 200)
    }

    @Test func serverWithoutMoveGetsCopyStoreAndUIDExpunge() throws {
        let kontakt = try KontaktInstance(stack: stack, imapPort: stack.imapNoMovePort)
        try stack.append(messages(5, to: kontakt.address), user: kontakt.address)
        let result = try kontakt.run("poll")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try storedCount(kontakt) == 5)
        #expect(try stack.messageCount(user: kontakt.address) == 0)
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Kontakt/Behandlat") == 5)
    }

    @Test func firstPollImportsExistingMailAsBacklogWithoutReceipts() throws {
        let kontakt = try KontaktInstance(stack: stack, acknowledge: true)
        try stack.append(messages(3, to: kontakt.address), user: kontakt.address)
        let result = try kontakt.run("poll", "--json")
        #expect(result.stdout.contains("\"acknowledged\" : 0"), "\(result.stdout)")
        let backlog = try Store(path: kontakt.storePath).read { tx in try tx.scalar("SELECT COUNT(*) FROM message WHERE isBacklog = 1") }
        #expect(backlog == 3)
        // Mail arriving after the first poll is new and gets a receipt.
        try stack.append(messages(1, to: kontakt.address), user: kontakt.address)
        let second = try kontakt.run("poll", "--json")
        #expect(second.stdout.contains("\"acknowledged\" : 1"), "\(second.stdout)")
    }

    /// An instance polling INBOX and "Webbformulär", which hold `inbox` and `form` new messages.
    func twoFolders(inbox: Int, form: Int, _ overrides: String...) throws -> KontaktInstance {
        let kontakt = try KontaktInstance(stack: stack, imapOverrides: ["folders = [\"INBOX\", \"Webbformulär\"]"] + overrides)
        try stack.append(messages(inbox, to: kontakt.address), user: kontakt.address)
        try stack.append(messages(form, to: kontakt.address), user: kontakt.address, mailbox: "Webbformulär")
        return kontakt
    }

    /// `kontakt poll --json`'s summary as numbers.
    func summary(_ result: ProcessResult) throws -> [String: Int] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try #require(object).compactMapValues { $0 as? Int }
    }

    @Test func aMessageBudgetLeavesTheRestForTheNextPoll() throws {
        let kontakt = try KontaktInstance(stack: stack)
        try stack.append(messages(25, to: kontakt.address), user: kontakt.address)
        let first = try kontakt.run("poll", "--json", "--max-messages", "10")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try summary(first)["stored"] == 10)
        #expect(try summary(first)["remaining"] == 15)
        #expect(try stack.messageCount(user: kontakt.address) == 15, "only what was stored is moved")
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Kontakt/Behandlat") == 10)
        let status = try kontakt.run("status").stdout
        #expect(status.contains("import under way:     15 new messages left for the next poll"), "\(status)")
        let verbose = try kontakt.run("poll", "--max-messages", "10", "--verbose")
        #expect(verbose.stdout.contains("stored 10,") && verbose.stdout.contains("5 left for the next poll"), "\(verbose.stdout)")
        let last = try summary(try kontakt.run("poll", "--json"))
        #expect(last["stored"] == 5 && last["remaining"] == 0)
        #expect(!(try kontakt.run("status").stdout.contains("import under way")))
        #expect(try storedCount(kontakt) == 25)
        let distinct = try Store(path: kontakt.storePath).read { tx in try tx.scalar("SELECT COUNT(DISTINCT messageID) FROM message") }
        #expect(distinct == 25)
        #expect(try kontakt.run("poll", "--max-messages", "0").status != 0, "a budget of nothing is refused")
    }

    /// The deadline is checked after each commit group: a poll past it still stores one group
    /// per folder, so a long import always advances without starving the folders after it, and
    /// the polls after it finish the folder.
    @Test func aTimeBudgetStoresAGroupPerPollUntilTheFolderIsDone() throws {
        let kontakt = try twoFolders(inbox: 300, form: 2, "max_seconds_per_poll = 0")
        let first = try summary(try kontakt.run("poll", "--json"))
        let stored = try #require(first["stored"])
        #expect(stored > 2 && stored < 302, "\(first)")
        #expect(first["remaining"] == 302 - stored)
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Webbformulär") == 0, "the second folder is not starved")
        var polls = 1
        var remaining = try #require(first["remaining"])
        while remaining > 0, polls < 10 {
            remaining = try #require(try summary(try kontakt.run("poll", "--json"))["remaining"])
            polls += 1
        }
        #expect(remaining == 0)
        #expect(try storedCount(kontakt) == 302)
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Kontakt/Behandlat") == 302)
    }

    /// Mail that was in the folder at the first poll is backlog even when a budget spreads its
    /// import over several polls; mail arriving after that first poll is not.
    @Test func aBacklogImportedOverSeveralPollsGetsNoReceipts() throws {
        let kontakt = try KontaktInstance(stack: stack, acknowledge: true)
        try stack.append(messages(5, to: kontakt.address), user: kontakt.address)
        for _ in 0..<2 {
            let partial = try summary(try kontakt.run("poll", "--json", "--max-messages", "2"))
            #expect(partial["stored"] == 2 && partial["acknowledged"] == 0, "\(partial)")
        }
        try stack.append(messages(1, to: kontakt.address), user: kontakt.address)
        let rest = try summary(try kontakt.run("poll", "--json"))
        #expect(rest["stored"] == 2 && rest["acknowledged"] == 1, "only the new message gets a receipt: \(rest)")
        let backlog = try Store(path: kontakt.storePath).read { tx in try tx.scalar("SELECT COUNT(*) FROM message WHERE isBacklog = 1") }
        #expect(backlog == 5)
    }

    @Test func aMessageBudgetIsSharedByTheFolders() throws {
        let kontakt = try twoFolders(inbox: 2, form: 3, "max_messages_per_poll = 3")
        let first = try summary(try kontakt.run("poll", "--json"))
        #expect(first["stored"] == 3 && first["remaining"] == 2, "\(first)")
        #expect(try stack.messageCount(user: kontakt.address) == 0)
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Webbformulär") == 2)
        let second = try summary(try kontakt.run("poll", "--json"))
        #expect(second["stored"] == 2 && second["remaining"] == 0, "\(second)")
    }

    /// `[hooks] after_poll` hears of new mail, with counts only, and only when there is some; a
    /// failing hook is one line on stderr, never a failed poll.
    @Test func theAfterPollHookHearsOfNewMailOnly() throws {
        let seen = NSTemporaryDirectory() + "kontakt-hook-" + UUID().uuidString.prefix(8) + ".json"
        defer { try? FileManager.default.removeItem(atPath: seen) }
        let kontakt = try KontaktInstance(stack: stack, extra: "\n[hooks]\nafter_poll = \"cat > '\(seen)'; test $KONTAKT_OPENED -gt 0\"\n")
        try stack.append(messages(2, to: kontakt.address), user: kontakt.address)
        let first = try kontakt.run("poll")
        #expect(first.status == 0 && first.stdout.isEmpty && first.stderr.isEmpty, "\(first.stderr)")
        let told = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: seen))) as? [String: Any])
        #expect(told["stored"] as? Int == 2 && told["opened"] as? Int == 2)
        #expect(!(String(decoding: try Data(contentsOf: URL(fileURLWithPath: seen)), as: UTF8.self).contains("@")), "counts, no addresses")

        try FileManager.default.removeItem(atPath: seen)
        #expect(try kontakt.run("poll").status == 0)
        #expect(!FileManager.default.fileExists(atPath: seen), "nothing new, no hook")

        // A reply to a stored message opens nothing: the hook's own test fails, the poll does not.
        let answered = try #require(messagesIDs(kontakt).first)
        try stack.append([testMessage(from: "person0@example.se", to: kontakt.address, subject: "SV: Fråga", body: "Tack!",
                                      extraHeaders: ["In-Reply-To: <\(answered)>"])], user: kontakt.address)
        let failing = try kontakt.run("poll")
        #expect(failing.status == 0)
        #expect(failing.stderr.contains("[hooks] after_poll exited with status 1"), "\(failing.stderr)")
    }

    func messagesIDs(_ kontakt: KontaktInstance) throws -> [String] {
        try Store(path: kontakt.storePath).read { tx in try tx.messages(inState: .accepted) }.compactMap(\.messageID)
    }

    @Test func severalFoldersKeepIndependentState() throws {
        let kontakt = try twoFolders(inbox: 2, form: 3)
        #expect(try kontakt.run("poll").status == 0)
        #expect(try storedCount(kontakt) == 5)
        try stack.append(messages(1, to: kontakt.address), user: kontakt.address, mailbox: "Webbformulär")
        let again = try kontakt.run("poll", "--json")
        #expect(again.stdout.contains("\"stored\" : 1"), "\(again.stdout)")
        let boxes = try Store(path: kontakt.storePath).read { tx in try tx.scalar("SELECT COUNT(*) FROM mailbox") }
        #expect(boxes == 2)
        #expect(try stack.messageCount(user: kontakt.address, mailbox: "Webbformulär") == 0)
    }
}
