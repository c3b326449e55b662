import Foundation
import KontaktCore
import MailMessage
import Store
import Testing

/// Issue 9: running unattended — status, retention, GDPR export and erasure, backfill — against
/// stores filled by real polls through Postfix and Dovecot.
@Suite(.enabled(if: MailStack.available))
struct OperationsTests {
    let stack = MailStack.shared!

    // MARK: - status

    @Test func statusIsHealthyAfterAPollAndFailsWhenTheServerGoesAway() throws {
        let kontakt = try KontaktInstance(stack: stack)
        try kontakt.receive(inquiry(from: "hanna.ek@example.se", subject: "Fråga om Chefens dag", body: "När börjar dagen?"),
                            from: "hanna.ek@example.se")
        #expect(try kontakt.run("poll").status == 0)

        let healthy = try kontakt.run("status")
        #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")
        #expect(healthy.stdout.contains("open conversations:   1"), "\(healthy.stdout)")
        #expect(!healthy.stdout.contains("PROBLEM"))
        let report = try kontakt.json(HealthReport.self, "status")
        #expect(report.problems.isEmpty)
        #expect(report.lastSuccessfulPollAt != nil)
        #expect(report.openConversations == 1)
        #expect(report.oldestWaitingConversationId != nil)
        #expect(report.caCertificate != nil, "the stack's CA file is parsed")
        #expect((report.caCertificate?.daysLeft(now: Date()) ?? -1) > 0)
        // The poll kept the IMAP server certificate's expiry (the stack's is valid 30 days).
        let serverExpiry = try #require(report.imapCertificateExpiresAt)
        #expect(serverExpiry.timeIntervalSinceNow > 20 * 86400 && serverExpiry.timeIntervalSinceNow < 31 * 86400)
        #expect(healthy.stdout.contains("IMAP certificate:     valid until"), "\(healthy.stdout)")
        #expect(try kontakt.run("status", "--quiet").stdout.isEmpty, "--quiet prints nothing when healthy")

        // The server goes away and the last good poll is now too old (limit 0 minutes).
        var config = try String(contentsOfFile: kontakt.configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: "127.0.0.1:\(stack.imapPort)/", with: "127.0.0.1:1/")
        config += "\n[health]\nmax_poll_age_minutes = 0\n"
        try config.write(toFile: kontakt.configPath, atomically: true, encoding: .utf8)
        #expect(try kontakt.run("poll").status == 75)
        let sick = try kontakt.run("status", "--quiet")
        #expect(sick.status == 1)
        let lines = sick.stdout.split(separator: "\n")
        #expect(lines.count == 1, "one line per problem: \(sick.stdout)")
        #expect(lines.first?.hasPrefix("PROBLEM: no successful poll for") == true, "\(sick.stdout)")
        #expect(lines.first?.contains("last error") == true)
    }

    @Test func statusFailsWhenNoPollEverSucceeded() throws {
        let kontakt = try KontaktInstance(stack: stack, imapPort: 1)
        #expect(try kontakt.run("poll").status == 75)
        let result = try kontakt.run("status")
        #expect(result.status == 1)
        #expect(result.stdout.contains("PROBLEM: no successful poll yet; last error:"), "\(result.stdout)")
        #expect(result.stdout.contains("last successful poll: never"))
    }

    @Test func statusReportsAFailedSendAndAQuarantinedMessage() throws {
        let kontakt = try KontaktInstance(stack: stack)
        // MIME nested 40 deep (the parser stops at 32): Postfix passes it on, the poller quarantines it.
        var malformed = "From: okand@example.se\r\nTo: \(kontakt.address)\r\nSubject: djup\r\nMessage-ID: <\(UUID())@test>\r\nMIME-Version: 1.0\r\n"
        for depth in 0..<40 {
            malformed += "Content-Type: multipart/mixed; boundary=\"b\(depth)\"\r\n\r\n--b\(depth)\r\n"
        }
        malformed += "Content-Type: text/plain\r\n\r\ninnerst\r\n"
        for depth in (0..<40).reversed() { malformed += "--b\(depth)--\r\n" }
        try kontakt.receive(Array(malformed.utf8), from: "okand@example.se")
        #expect(try kontakt.run("poll").status == 0)
        do {
            let store = try Store(path: kontakt.storePath)
            try store.write { tx in
                var entry = OutboxRecord(kind: .reply, messageID: "<failed-\(UUID())@kommun.example.se>", envelopeFrom: kontakt.address,
                                         recipients: ["avvisad@kommun.example.se"], subject: "Svar", at: Date())
                entry.state = .failed
                entry.lastError = "550 5.1.1 recipient rejected"
                try tx.enqueue(entry)
            }
        }
        let result = try kontakt.run("status")
        #expect(result.status == 1)
        let problems = result.stdout.split(separator: "\n").filter { $0.hasPrefix("PROBLEM: ") }
        #expect(problems.count == 2, "\(result.stdout)")
        #expect(problems.contains { $0.contains("1 outgoing message failed") })
        #expect(problems.contains { $0.contains("1 quarantined message") })
        #expect(result.stdout.contains("outbox:               0 queued, 0 deferred, 1 failed"))

        let json = try kontakt.run("status", "--json")
        #expect(json.status == 1)
        let report = try decoder.decode(HealthReport.self, from: Data(json.stdout.utf8))
        #expect(report.quarantined == 1 && report.outbox.failed == 1 && report.problems.count == 2)
    }

    // MARK: - import

    @Test func importCommitsInGroupsAndKeepsEveryMessagesBytes() throws {
        let kontakt = try KontaktInstance(stack: stack)
        // 70 messages: three commit groups of at most 32.
        let messages = (0..<70).map { i in
            inquiry(from: "person\(i)@example.se", subject: "Fråga \(i)", body: "Fråga nummer \(i) om Chefens dag.")
        }
        var mbox: [UInt8] = []
        for raw in messages { mbox += Mbox.entry(raw, sender: "someone@example.se", date: Date(timeIntervalSince1970: 1_790_000_000)) }
        let path = kontakt.directory + "/many.mbox"
        try Data(mbox).write(to: URL(fileURLWithPath: path))
        let summary = try kontakt.json(ImportSummary.self, "import", path)
        #expect(summary.messages == 70 && summary.stored == 70 && summary.duplicates == 0)
        let store = try Store(path: kontakt.storePath)
        #expect(try store.rawMessageCount() == 70)
        let stored = try store.read { tx in try tx.messages(inState: .accepted) }
        #expect(stored.count == 70)
        let bytes = try Set(stored.map { row in try #require(try store.read { tx in try tx.raw(of: row) }) })
        #expect(bytes == Set(messages.map { Data($0) }), "each row has its own message's bytes")
    }

    @Test func importStoresAnMboxOnceAndNeverAcknowledges() throws {
        let kontakt = try KontaktInstance(stack: stack, acknowledge: true)
        let first = inquiry(from: "per.berg@example.se", subject: "Parkering vid Chefens dag", body: "Finns det parkering?\nFrom the car park.",
                            messageID: "<import-1-\(UUID())@example.se>")
        let second = inquiry(from: "lisa.nord@example.com", subject: "Material från seminariet", body: "Kan jag få bilderna?")
        let third = inquiry(from: "ola.ek@foretag.example.se", subject: "Utvärdering", body: "Bra dag, tack!")
        let date = Date(timeIntervalSince1970: 1_790_000_000)
        var mbox: [UInt8] = []
        for raw in [first, second, third, first] { mbox += Mbox.entry(raw, sender: "someone@example.se", date: date) }
        let path = kontakt.directory + "/old.mbox"
        try Data(mbox).write(to: URL(fileURLWithPath: path))

        let once = try kontakt.json(ImportSummary.self, "import", path)
        #expect(once.messages == 4)
        #expect(once.stored == 3)
        #expect(once.duplicates == 1)
        #expect(once.quarantined == 0)
        #expect(try Store(path: kontakt.storePath).rawMessageCount() == 3, "the duplicate wrote no bytes")
        let twice = try kontakt.json(ImportSummary.self, "import", path)
        #expect(twice.stored == 0)
        #expect(twice.duplicates == 4)
        #expect(try Store(path: kontakt.storePath).rawMessageCount() == 3)

        // A Maildir holding the first message again (LF line ends, as files on disk have) and one new one.
        let maildir = kontakt.directory + "/Maildir"
        for sub in ["cur", "new", "tmp"] { try FileManager.default.createDirectory(atPath: maildir + "/" + sub, withIntermediateDirectories: true) }
        let lf = String(decoding: first, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        try lf.write(toFile: maildir + "/cur/1790000000.M1P1.host:2,S", atomically: true, encoding: .utf8)
        try String(decoding: inquiry(from: "eva.lund@example.org", subject: "Anmälan", body: "Jag vill anmäla mig."), as: UTF8.self)
            .write(toFile: maildir + "/new/1790000100.M2P1.host", atomically: true, encoding: .utf8)
        // And an entry that cannot be read as a message: it is named, the rest is imported.
        try FileManager.default.createDirectory(atPath: maildir + "/new/1790000200.M3P1.host", withIntermediateDirectories: true)
        let result = try kontakt.run("import", maildir, "--json")
        #expect(result.status == 1)
        #expect(result.stderr.contains("1790000200.M3P1.host") && result.stderr.contains("the rest was imported"), "\(result.stderr)")
        let fromMaildir = try JSONDecoder().decode(ImportSummary.self, from: Data(result.stdout.utf8))
        #expect(fromMaildir.messages == 2)
        #expect(fromMaildir.stored == 1)
        #expect(fromMaildir.duplicates == 1)

        let store = try Store(path: kontakt.storePath)
        let rows = try store.read { tx in try tx.queue(statuses: [.open]) }
        #expect(rows.count == 4)
        #expect(Set(rows.map(\.conversation.contactAddress)) == ["per.berg@example.se", "lisa.nord@example.com", "ola.ek@foretag.example.se", "eva.lund@example.org"])
        #expect(try store.read { tx in try tx.scalar("SELECT COUNT(*) FROM message WHERE isBacklog = 0") } == 0)
        #expect(try store.read { tx in try tx.scalar("SELECT COUNT(*) FROM outbox") } == 0, "imported mail is never acknowledged")
        // The mbox's From-line date is the message's delivery time, and the body's "From " line came back unquoted.
        let per = try #require(rows.first { $0.conversation.contactAddress == "per.berg@example.se" })
        let messages = try store.read { tx in try tx.messages(inConversation: per.conversation.id!) }
        #expect(messages.first?.receivedAt == date)
        #expect(try store.read { tx in try tx.raw(of: messages[0]) }.map { [UInt8]($0) } == first)
    }

    // MARK: - export

    @Test func exportWritesAnMboxThatParsesBackWithTheAttachment() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let person = MailStack.uniqueAddress("karin", domain: "example.se")
        try kontakt.receive(withAttachment(from: person, subject: "Ansökan till seminariet", body: "Här är min anmälan, se bilaga."),
                            from: person)
        try kontakt.receive(inquiry(from: person, subject: "Kost", body: "Jag är vegetarian."), from: person)
        try kontakt.receive(inquiry(from: "annan@example.com", subject: "Annat", body: "Inget med Karin."), from: "annan@example.com")
        #expect(try kontakt.run("poll").status == 0)
        do {
            let store = try Store(path: kontakt.storePath)
            try store.write { tx in
                let c = try #require(try tx.queue(statuses: [.open]).first { $0.conversation.contactAddress == person })
                try tx.insert(NoteRecord(conversationId: c.conversation.id!, at: Date(), text: "Ringde henne om kosten."))
                var reply = OutboxRecord(kind: .reply, messageID: "<svar-\(UUID())@kommun.example.se>", envelopeFrom: kontakt.address,
                                         recipients: [person], subject: "Re: Kost", at: Date())
                reply.conversationId = c.conversation.id
                reply.raw = Data(inquiry(from: kontakt.address, to: person, subject: "Re: Kost", body: "Vi ordnar vegetarisk mat.",
                                         messageID: reply.messageID))
                reply.state = .sent
                reply.sentAt = Date()
                try tx.enqueue(reply)
            }
        }
        let output = kontakt.directory + "/export"
        let summary = try kontakt.json(ExportSummary.self, "export", "--address", person.uppercased(), "--output", output)
        #expect(summary.conversations.count == 2)
        #expect(summary.messages.count == 2)
        #expect(summary.outbox.count == 1)
        #expect(summary.mboxMessages == 3)
        #expect(summary.conversations.flatMap(\.notes).map(\.text) == ["Ringde henne om kosten."])
        #expect(summary.messages.flatMap(\.attachments).map(\.filename) == ["anmalan.txt"])
        let attributes = try FileManager.default.attributesOfItem(atPath: summary.mboxPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let entries = Mbox.read([UInt8](try Data(contentsOf: URL(fileURLWithPath: summary.mboxPath))))
        #expect(entries.count == 3)
        let parsed = try entries.map { try Message.parse($0.raw) }
        #expect(parsed.contains { $0.text.contains("Jag är vegetarian.") })
        #expect(parsed.contains { $0.text.contains("Vi ordnar vegetarisk mat.") })
        let withAttachment = try #require(parsed.first { !$0.attachments.isEmpty })
        #expect(withAttachment.attachments.first?.filename == "anmalan.txt")
        // The file's hash and size in the summary are those of the file in the mbox.
        let file = try #require(summary.messages.flatMap(\.attachments).first)
        #expect(file.sha256 == withAttachment.attachments.first?.sha256 && file.size == withAttachment.attachments.first?.size)
        #expect(!parsed.contains { $0.text.contains("Inget med Karin") }, "someone else's mail is not exported")

        let thread = try kontakt.json(ExportSummary.self, "export", "--thread", "\(summary.conversations[0].id)", "--output", output)
        #expect(Mbox.read([UInt8](try Data(contentsOf: URL(fileURLWithPath: thread.mboxPath)))).count == thread.mboxMessages)
        #expect(thread.mboxMessages >= 1)
        #expect(try kontakt.run("export", "--thread", "999999").status == 1)
    }

    // MARK: - forget

    @Test func forgetLeavesNothingOfTheAddressInTheDatabaseFile() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let person = MailStack.uniqueAddress("glomd", domain: "example.se")
        let other = MailStack.uniqueAddress("kvar", domain: "example.com")
        try kontakt.receive(withAttachment(from: person, subject: "Min fråga om seminariet", body: "Hej, jag heter Greta Glömsk."),
                            from: person)
        try kontakt.receive(inquiry(from: person, subject: "Re: Min fråga om seminariet", body: "En sak till."), from: person)
        try kontakt.receive(inquiry(from: other, subject: "Tips", body: "Prata med \(person) om lokalen, hon vet."), from: other)
        try kontakt.receive(inquiry(from: other, cc: person, subject: "Lokalen", body: "Kopia till henne."), from: other)
        #expect(try kontakt.run("poll").status == 0)
        do {
            let store = try Store(path: kontakt.storePath)
            try store.write { tx in
                let rows = try tx.queue(statuses: [.open])
                let theirs = try #require(rows.first { $0.conversation.contactAddress == person })
                let id = theirs.conversation.id!
                try tx.insert(NoteRecord(conversationId: id, at: Date(), text: "Svara \(person) före fredag."))
                try tx.record(EventRecord(at: Date(), conversationId: id, actor: "director", kind: "note", detail: "about \(person)"))
                try tx.insert(CorrectionRecord(at: Date(), conversationId: id, text: "Min fråga om seminariet", label: "chefens-dag"))
                var reply = OutboxRecord(kind: .reply, messageID: "<svar-\(UUID())@kommun.example.se>", envelopeFrom: kontakt.address,
                                         recipients: [person], subject: "Re: Min fråga", at: Date())
                reply.conversationId = id
                reply.raw = Data(inquiry(from: kontakt.address, to: person, subject: "Re: Min fråga", body: "Svar till dig."))
                reply.state = .failed
                reply.lastError = "550 <\(person)>: unknown"
                try tx.enqueue(reply)
                // The campaign API is the sending feature's; plain SQL through the test escape hatch.
                let campaignId = try #require(try tx.scalar("""
                    INSERT INTO campaign(name, template, subject, topic, createdAt)
                    VALUES ('material-\(UUID())', 'materialutskick', 'Material', 'material', '2026-11-20 10:00:00') RETURNING id
                    """))
                _ = try tx.scalar("""
                    INSERT INTO campaignRecipient(campaignId, email, name, variables, line, token, updatedAt)
                    VALUES (\(campaignId), '\(person)', 'Greta Glömsk', '{"kontor":"Väst"}', 2, '\(UUID())', '2026-11-20 10:00:00')
                    RETURNING id
                    """)
                try tx.setValue("last recipient \(person.uppercased())", forKey: "test.mention")
            }
        }
        #expect(fileMentions(person, in: kontakt.directory), "the address is in the store before forget")

        let refused = try kontakt.run("forget", "--address", person)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--yes"), "\(refused.stderr)")
        #expect(fileMentions(person, in: kontakt.directory), "a refused forget erases nothing")

        let counts = try kontakt.json(ForgetCounts.self, "forget", "--address", person.uppercased(), "--yes")
        #expect(counts.conversations == 2, "the one they started, and the one left empty by removing the copy to them")
        #expect(counts.messages == 3, "two from them, one copied to them")
        #expect(counts.outboxEntries == 1)
        #expect(counts.campaignRecipients == 1)
        #expect(counts.notes == 1)
        #expect(counts.corrections == 1)
        #expect(counts.redactedRows >= 2, "the other person's message and the key-value mention")

        #expect(!fileMentions(person, in: kontakt.directory), "no trace of the address in any file of the store's folder")
        let wal = (try? FileManager.default.attributesOfItem(atPath: kontakt.storePath + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0, "the WAL is checkpointed and truncated")

        let store = try Store(path: kontakt.storePath)
        let rows = try store.read { tx in try tx.queue(statuses: [.open, .answered, .closed]) }
        #expect(rows.map(\.conversation.contactAddress) == [other])
        let remaining = try store.read { tx in try tx.messages(inConversation: rows[0].conversation.id!) }
        #expect(remaining.count == 1)
        #expect(remaining.first?.text.contains("Prata med raderad@raderad.invalid om lokalen") == true)
        #expect(try store.read { tx in try tx.search("lokalen") }.count == 1, "the redacted message is still searchable")
        #expect(try store.read { tx in try tx.search("Glömsk") }.isEmpty)
        #expect(try kontakt.run("forget", "--address", person, "--yes").status == 0, "forgetting twice is harmless")
    }

    /// An address that only an encoding hides — a B-encoded Subject, a base64 text part, a
    /// quoted-printable line broken inside it — is erased from the raw message too, and the
    /// message still parses.
    @Test func forgetRedactsTheAddressWhereOnlyAnEncodingHidesIt() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let person = MailStack.uniqueAddress("dold", domain: "example.se")
        let other = MailStack.uniqueAddress("kvar", domain: "example.com")
        try kontakt.receive(inquiry(from: person, subject: "Min fråga", body: "Hej."), from: person)
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString(options: .lineLength76Characters) }
        let split = person.index(person.startIndex, offsetBy: 3)
        let raw = [
            "From: Kvar <\(other)>",
            "To: \(kontakt.address)",
            "Subject: =?utf-8?B?\(base64("Om \(person.uppercased())"))?=",
            "Message-ID: <encoded-\(UUID())@example.com>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"alt\"",
            "",
            "--alt",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64("Prata med \(person) om lokalen, hon vet."),
            "--alt",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "<p>Prata med \(person[..<split])=",
            "\(person[split...]) om lokalen.</p>",
            "--alt--",
            "",
        ].joined(separator: "\r\n")
        try kontakt.receive(Array(raw.utf8), from: other)
        #expect(try kontakt.run("poll").status == 0)

        let counts = try kontakt.json(ForgetCounts.self, "forget", "--address", person, "--yes")
        #expect(counts.messages == 1)
        #expect(!fileMentions(person, in: kontakt.directory))

        let store = try Store(path: kontakt.storePath)
        let rows = try store.read { tx in try tx.queue(statuses: [.open, .answered, .closed]) }
        #expect(rows.map(\.conversation.contactAddress) == [other])
        let message = try #require(try store.read { tx in try tx.messages(inConversation: rows[0].conversation.id!) }.first)
        let bytes = try #require(try store.read { tx in try tx.raw(of: message) })
        let parsed = try Message.parse([UInt8](bytes))
        #expect(parsed.subject == "Om raderad@raderad.invalid")
        #expect(parsed.text.contains("Prata med raderad@raderad.invalid om lokalen, hon vet."))
        let html = try #require(parsed.root.parts.last?.body)
        #expect(String(decoding: html, as: UTF8.self) == "<p>Prata med raderad@raderad.invalid om lokalen.</p>")
        let everything = ([parsed.subject ?? "", parsed.text] + parsed.root.parts.map { String(decoding: $0.body, as: UTF8.self) })
            .joined(separator: "\n").lowercased()
        #expect(!everything.contains(person.lowercased()))
    }

    // MARK: - purge

    @Test func purgeAnonymisesClosedConversationsPastTheRetention() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let old = MailStack.uniqueAddress("gammal", domain: "example.se")
        let recent = MailStack.uniqueAddress("ny", domain: "example.org")
        try kontakt.receive(withAttachment(from: old, subject: "Fakturafråga från förra året", body: "Kvittot för Utvecklingsresan."),
                            from: old)
        try kontakt.receive(inquiry(from: recent, subject: "Ny fråga", body: "Frukostmötet i vår?"), from: recent)
        #expect(try kontakt.run("poll").status == 0)
        let longAgo = Date().addingTimeInterval(-400 * 86400)
        let oldId: Int64
        let senderKind: String
        do {
            let store = try Store(path: kontakt.storePath)
            (oldId, senderKind) = try store.write { tx in
                var c = try #require(try tx.queue(statuses: [.open]).first { $0.conversation.contactAddress == old }).conversation
                c.status = .closed
                c.firstAnsweredAt = longAgo.addingTimeInterval(3600)
                c.closedAt = longAgo.addingTimeInterval(7200)
                try tx.update(c)
                try tx.insert(NoteRecord(conversationId: c.id!, at: longAgo, text: "Fakturan skickad."))
                return (c.id!, c.senderKind)
            }
        }

        let dry = try kontakt.json(PurgeSummary.self, "purge", "--dry-run")
        #expect(dry.dryRun)
        #expect(dry.retention == "365d", "the default comes from [retention] days")
        #expect(dry.removed.conversations == 1)
        #expect(dry.removed.messages == 1)
        #expect(dry.removed.attachments == 1)
        #expect(dry.removed.notes == 1)
        #expect(fileMentions(old, in: kontakt.directory), "a dry run changes nothing")
        #expect(try kontakt.json(PurgeSummary.self, "purge", "--older-than", "2y").removed.conversations == 0)

        let purged = try kontakt.json(PurgeSummary.self, "purge", "--older-than", "12m")
        #expect(purged.removed.conversations == 1)
        #expect(!fileMentions(old, in: kontakt.directory))

        let store = try Store(path: kontakt.storePath)
        let c = try #require(try store.read { tx in try tx.conversation(id: oldId) })
        #expect(c.subject.isEmpty && c.contactAddress.isEmpty && c.contactName == nil)
        #expect(c.status == .closed && !c.topic.isEmpty && c.senderKind == senderKind)
        #expect(c.closedAt != nil && c.firstAnsweredAt != nil, "the dates statistics need stay")
        let messages = try store.read { tx in try tx.messages(inConversation: oldId) }
        #expect(messages.count == 1, "the anonymous message row stays for counts")
        #expect(messages.allSatisfy { $0.rawKey == nil && $0.text.isEmpty && $0.fromAddress.isEmpty && $0.subject.isEmpty })
        #expect(try store.read { tx in try tx.attachments(ofMessage: messages[0].id!) }.isEmpty)
        #expect(try store.read { tx in try tx.notes(ofConversation: oldId) }.isEmpty)
        #expect(try store.read { tx in try tx.search("Utvecklingsresan") }.isEmpty)
        #expect(try store.read { tx in try tx.search("Frukostmötet") }.count == 1, "open conversations are untouched")
        #expect(try kontakt.json(PurgeSummary.self, "purge", "--older-than", "12m").removed.conversations == 0, "purging twice finds nothing new")
        #expect(try kontakt.run("purge", "--older-than", "12 months").status == 1)
    }

    // MARK: - helpers

    var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }

    /// True when any file in `directory` holds `address` as typed, lowercased or uppercased.
    func fileMentions(_ address: String, in directory: String) -> Bool {
        let needles = Set([address, address.lowercased(), address.uppercased()]).map { Data($0.utf8) }
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String]) ?? []
        for file in files where !file.hasPrefix("export") {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
            if needles.contains(where: { data.range(of: $0) != nil }) { return true }
        }
        return false
    }

    func inquiry(from: String, to: String? = nil, cc: String? = nil, subject: String, body: String, messageID: String? = nil) -> [UInt8] {
        var lines = [
            "From: \(from)",
            "To: \(to ?? "kontakt@kommun.example.se")",
            "Subject: =?utf-8?B?\(Data(subject.utf8).base64EncodedString())?=",
            "Date: Mon, 23 Nov 2026 10:00:00 +0100",
            "Message-ID: \(messageID ?? "<\(UUID().uuidString)@test.example.se>")",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        if let cc { lines.append("Cc: \(cc)") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n").utf8)
    }

    func withAttachment(from: String, subject: String, body: String) -> [UInt8] {
        let boundary = "b-\(UUID().uuidString)"
        let text = """
            From: Greta Glömsk <\(from)>\r
            To: kontakt@kommun.example.se\r
            Subject: =?utf-8?B?\(Data(subject.utf8).base64EncodedString())?=\r
            Date: Mon, 23 Nov 2026 09:00:00 +0100\r
            Message-ID: <\(UUID().uuidString)@test.example.se>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="\(boundary)"\r
            \r
            --\(boundary)\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(body)\r
            --\(boundary)\r
            Content-Type: text/plain; name="anmalan.txt"\r
            Content-Disposition: attachment; filename="anmalan.txt"\r
            Content-Transfer-Encoding: base64\r
            \r
            \(Data("Anmälan: \(from)\n".utf8).base64EncodedString())\r
            --\(boundary)--\r

            """
        return Array(text.utf8)
    }
}
