import Foundation
@testable import KontaktCore
import Logging
import MailMessage
import Routing
@testable import SMTP
import Store
import Testing

@Suite("CSV reader")
struct CSVTableTests {
    @Test func quotedFieldsHoldSeparatorsQuotesAndLineBreaksAndKeepTheirStartLine() throws {
        let text = "name,email,roll\r\n\"Ek, Anna\",anna@kommun.example.se,\"Rektor, \"\"Vallaskolan\"\"\"\r\n"
            + "Per,per@kommun.example.se,\"två\nrader\"\r\nOla,ola@kommun.example.se,x\r\n"
        let table = try CSVTable.parse(text)
        #expect(table.separator == ",")
        #expect(table.header == ["name", "email", "roll"])
        #expect(table.records.map(\.line) == [2, 3, 5], "a record spanning two lines starts on 3; the next is on 5")
        #expect(table.records[0].fields == ["Ek, Anna", "anna@kommun.example.se", "Rektor, \"Vallaskolan\""])
        #expect(table.records[1].fields[2] == "två\nrader")
    }

    @Test func semicolonFilesFromSwedishExcelAreDetectedFromTheHeader() throws {
        // A comma inside a quoted header name must not tip the decision.
        let table = try CSVTable.parse("\u{FEFF}namn;email;\"enhet, ort\"\nÅsa Öberg;asa@kommun.example.se;Hemtjänsten, Norr\n")
        #expect(table.separator == ";")
        #expect(table.header == ["namn", "email", "enhet, ort"], "the BOM is not part of the first name")
        #expect(table.records[0].fields == ["Åsa Öberg", "asa@kommun.example.se", "Hemtjänsten, Norr"])
    }

    @Test func bomBytesAndWindows1252AreRead() throws {
        let utf8 = try CSVTable.parse(Data([0xEF, 0xBB, 0xBF]) + Data("name,email\nÅke,a@b.se\n".utf8))
        #expect(utf8.header == ["name", "email"] && utf8.records[0].fields[0] == "Åke" && utf8.warnings.isEmpty)
        let cp1252 = try CSVTable.parse(Data([0x6E, 0x61, 0x6D, 0x65, 0x3B, 0x65, 0x0A, 0xC5, 0x6B, 0x65, 0x3B, 0x78, 0x0A]))
        #expect(cp1252.records[0].fields[0] == "Åke")
        #expect(cp1252.warnings.count == 1)
    }

    @Test func anUnclosedQuoteIsAnErrorOnTheLineItOpened() {
        #expect(throws: CSVTable.SyntaxError(line: 3, message: "a quoted field opened here is never closed (a \" is missing)")) {
            try CSVTable.parse("name,email\na,a@b.se\n\"b,b@b.se\nc,c@b.se\n")
        }
    }

    @Test func blankLinesAreSkippedButLineNumbersCount() throws {
        let table = try CSVTable.parse("name,email\n\na,a@b.se\r\n\r\nb,b@b.se")
        #expect(table.records.map(\.line) == [3, 5])
    }
}

@Suite("Recipient list")
struct RecipientListTests {
    func list(_ text: String) throws -> RecipientList {
        RecipientList.parse(try CSVTable.parse(text), file: "chefer.csv")
    }

    @Test func everyBadRowIsReportedWithItsLine() throws {
        let l = try list("""
            Name ; EMAIL ;enkat_lank
            Anna Ek;anna.ek@kommun.example.se;https://e/1
            Per;per@@kommun.example.se;https://e/2
            Dubbel;ANNA.EK@kommun.example.se;https://e/3
            ;utan.namn@kommun.example.se;https://e/4
            Ola;ola@kommun.example.se;https://e/5;extra
            Eva;eva@kommun.example.se;https://e/6;;
            Lo;"lo@kommun.example.se
            bcc: x@evil.example";https://e/7
            Kim;kim@localhost;https://e/9
            """)
        #expect(l.columns == ["name", "email", "enkat_lank"])
        #expect(l.recipients.map(\.line) == [2, 7], "trailing empty fields (Excel) are forgiven")
        #expect(l.problems.map(\.line) == [3, 4, 5, 6, 8, 10])
        #expect(l.problems[1].message.contains("already on line 2"), "duplicates ignore case")
        #expect(l.problems[2].message.contains("name column is empty"))
        #expect(l.problems[3].message.contains("4 fields"))
        #expect(l.recipients[0].variables == ["enkat_lank": "https://e/1"])
    }

    @Test func missingColumnsAreNamed() throws {
        let l = try list("namn,epost\nA,a@b.se\n")
        #expect(l.problems.count == 2)
        #expect(l.problems.allSatisfy { $0.line == 1 })
        #expect(l.problems[0].message.contains("\"email\""))
        #expect(l.recipients.isEmpty)
    }
}

/// A campaign setup on an in-memory store with a scripted SMTP server.
struct CampaignFixture {
    let directory: String
    let store: Store
    let config: KontaktConfig
    let campaigns: Campaigns
    let transport: ScriptedTransport
    let sender: CampaignSender
    let clock = TestClock()

    init(_ answers: [ScriptedTransport.Answer] = [], smtp: String = "") throws {
        directory = NSTemporaryDirectory() + "kontakt-campaign-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory + "/templates", withIntermediateDirectories: true)
        for name in ["materialutskick.sv.mustache", "utvarderingsenkat.sv.mustache"] {
            try FileManager.default.copyItem(atPath: Fixtures.repo + "/templates/" + name, toPath: directory + "/templates/" + name)
        }
        config = try KontaktConfig.parse("""
            [imap]
            url = "imaps://imap.example.se/INBOX"
            username = "kontakt@kommun.example.se"
            \(smtp.isEmpty ? "" : "[smtp]\nurl = \"smtp://smtp.example.se\"\n" + smtp)
            [identity]
            address = "kontakt@kommun.example.se"
            name = "Kommundirektören"
            signature = "Med vänliga hälsningar\\nKommundirektören"
            [routing]
            training_dir = "\(Fixtures.repo)/etc/training"
            topics_file = "\(Fixtures.repo)/etc/topics.toml"
            [templates]
            dir = "\(directory)/templates"
            """, file: directory + "/kontakt.toml")
        store = try Store()
        campaigns = Campaigns(config: config, store: store, logger: Logger(label: "test"))
        transport = ScriptedTransport(answers)
        var settings = Outbox.Settings(policy: RetryPolicy(maximumAge: 48 * 3600), spoolDirectory: directory + "/spool",
                                       lockPath: directory + "/send.lock")
        settings.messagesPerMinute = nil
        let t = transport
        let outbox = Outbox(store: store, settings: settings, logger: Logger(label: "test")) { t }
        let clock = self.clock
        outbox.clock = { clock.now }
        outbox.pause = { clock.now.addTimeInterval($0) }
        campaigns.clock = { clock.now }
        sender = CampaignSender(campaigns: campaigns, outbox: outbox)
        sender.clock = { clock.now }
        sender.pause = { clock.now.addTimeInterval($0) }
    }

    func file(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func attachment(_ name: String = "material.pdf", size: Int = 3000) throws -> String {
        let path = directory + "/" + name
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `count` managers at kommun.example.se.
    func managers(_ count: Int, extra: [String] = []) throws -> String {
        var lines = ["name,email,roll,enkat_lank"]
        for i in 1...count { lines.append("Chef \(i),chef\(i)@kommun.example.se,\"Enhetschef, Hemtjänsten\",https://enkat.example.se/\(i)") }
        return try file("chefer.csv", (lines + extra).joined(separator: "\r\n") + "\r\n")
    }

    func recipients(_ name: String) throws -> [CampaignRecipientRecord] {
        try store.read { tx in try tx.campaignRecipients(campaignId: try tx.campaign(named: name)!.id!) }
    }
}

@Suite("Campaigns")
struct CampaignTests {
    @Test func invalidInputIsReportedInFullAndNothingIsStored() throws {
        let f = try CampaignFixture()
        let csv = try f.file("bad.csv", "name,email,enkat_lank\nA,a@kommun.example.se,\nB,b@kommun\nC,c@kommun.example.se,https://e/3\n")
        try "Subject: Hej {{name}}\n\n{{halsning}} {{enkat_lank}}\n{{signature}}\n"
            .write(toFile: f.directory + "/templates/trasig.sv.mustache", atomically: true, encoding: .utf8)
        let error = try #require(throws: CampaignInvalid.self) {
            try f.campaigns.create(.init(name: "x", recipientsFile: csv, template: "trasig", attachments: [f.directory + "/saknas.pdf"], topic: "material"))
        }
        let text = error.problems.map(\.description)
        #expect(text.contains { $0.hasSuffix("bad.csv:3: \"b@kommun\" is not a valid e-mail address") })
        #expect(text.contains { $0.hasSuffix("trasig.sv.mustache:3: unknown variable {{halsning}}: the list has no such column (columns: name, email, enkat_lank; also sender_address, sender_name, signature)") })
        #expect(text.contains { $0.hasSuffix("bad.csv:2: the enkat_lank column is empty, and the template uses {{enkat_lank}}") })
        #expect(text.contains { $0.contains("saknas.pdf: the attachment does not exist") })
        #expect(error.problems.count == 4)
        #expect(try f.store.read { tx in try tx.campaigns() }.isEmpty)
    }

    @Test func createRecordsFingerprintsTokensAndWarnsAboutSizeAndLimits() throws {
        let f = try CampaignFixture(smtp: "messages_per_minute = 30\nmessages_per_day = 150")
        let pdf = try f.attachment(size: 2000)
        let created = try f.campaigns.create(.init(name: "material", recipientsFile: try f.managers(200), template: "materialutskick",
                                                   attachments: [pdf], topic: "material"))
        #expect(created.recipients == 200 && created.totalAttachmentBytes == 400_000)
        #expect(created.subject == "Materialet från Chefens dag")
        #expect(created.warnings.count == 3)
        #expect(created.warnings.contains { $0.contains("messages_per_day is 150") && $0.contains("2 days") })
        #expect(created.warnings.contains { $0.contains("about 7 minutes") })
        let a = try #require(created.attachments.first)
        #expect(a.size == 2000 && a.sha256.count == 64 && a.contentType == "application/pdf")
        let rows = try f.recipients("material")
        #expect(rows.count == 200 && Set(rows.map(\.token)).count == 200)
        #expect(rows.allSatisfy { $0.state == .queued && $0.outboxId == nil })
        #expect(throws: CampaignInvalid.self) {
            try f.campaigns.create(.init(name: "material", recipientsFile: try f.managers(1), template: "materialutskick"))
        }
    }

    @Test func sendGivesEachRecipientOnePersonalMessageAndASecondRunSendsNothing() throws {
        let f = try CampaignFixture()
        let pdf = try f.attachment()
        _ = try f.campaigns.create(.init(name: "enkat", recipientsFile: try f.managers(5), template: "utvarderingsenkat",
                                         attachments: [pdf], topic: "utvardering"))
        var progress: [Int] = []
        let report = try f.sender.send(name: "enkat", progress: { progress.append($0.done) })
        #expect(report.sent == 5 && report.exitError == nil)
        #expect(progress == [1, 2, 3, 4, 5])
        #expect(f.transport.sent.count == 5)
        let rows = try f.recipients("enkat")
        for (k, sent) in f.transport.sent.enumerated() {
            #expect(sent.envelope.recipients == ["chef\(k + 1)@kommun.example.se"], "one recipient per message, never Bcc")
            let message = try Message.parse(sent.bytes)
            #expect(message.messageID == "c.\(rows[k].token)@kommun.example.se")
            #expect(message.text.contains("Hej Chef \(k + 1)!"))
            #expect(message.text.contains("https://enkat.example.se/\(k + 1)"))
            #expect(message.attachments.first?.data == [UInt8](try Data(contentsOf: URL(fileURLWithPath: pdf))))
        }
        #expect(rows.allSatisfy { $0.state == .sent && $0.detail == "accepted: 250 2.1.5 Ok" })
        let again = try f.sender.send(name: "enkat")
        #expect(again.sent == 0 && f.transport.sent.count == 5)
        let status = try f.campaigns.status(name: "enkat")
        #expect(status.total == 5 && status.sent == 5 && status.queued == 0)
    }

    @Test func refusalsFailOrDeferThemAndRetryQueuesThemAgain() throws {
        let refused = SMTPError(kind: .permanentRejection, message: "every recipient was refused", replyCode: 550)
        let later = SMTPError(kind: .temporaryRejection, message: "every recipient was refused", replyCode: 450)
        let f = try CampaignFixture([.accept, .refuse(refused), .refuse(later), .accept])
        _ = try f.campaigns.create(.init(name: "m", recipientsFile: try f.managers(4), template: "materialutskick"))
        let report = try f.sender.send(name: "m")
        #expect(report.sent == 2 && report.failed == 1 && report.deferred == 1)
        guard case .failed(let text) = report.exitError else { Issue.record("a failed recipient must fail the command"); return }
        #expect(text.contains("campaign retry m"))
        let status = try f.campaigns.status(name: "m")
        #expect(status.recipients.map(\.state) == ["sent", "failed", "deferred", "sent"])
        #expect(status.recipients[1].detail?.contains("every recipient was refused") == true)
        #expect(try f.campaigns.retry(name: "m").requeued == 2)
        let second = try f.sender.send(name: "m")
        #expect(second.sent == 2 && second.exitError == nil)
        #expect(f.transport.sent.count == 4)
    }

    @Test func aChangedAttachmentStopsTheSendBeforeAnythingGoes() throws {
        let f = try CampaignFixture()
        let pdf = try f.attachment()
        _ = try f.campaigns.create(.init(name: "m", recipientsFile: try f.managers(3), template: "materialutskick", attachments: [pdf]))
        _ = try f.attachment(size: 3001)
        #expect(throws: KontaktError.self) { try f.sender.send(name: "m") }
        #expect(f.transport.sent.isEmpty)
        #expect(try f.recipients("m").allSatisfy { $0.outboxId == nil })
    }

    @Test func aRunKilledMidSendResendsOnlyWhatTheServerCannotHaveAndSkipsNobody() throws {
        let f = try CampaignFixture()
        _ = try f.campaigns.create(.init(name: "m", recipientsFile: try f.managers(6), template: "materialutskick"))
        // Stop after two, as Ctrl-C would.
        var asked = 0
        let first = try f.sender.send(name: "m", shouldStop: { asked += 1; return asked > 2 })
        #expect(first.sent == 2 && first.interrupted)
        // Then simulate a kill -9 in two places: #3 queued and claimed but not handed over,
        // #4 claimed and handed over (the final dot went) but no answer recorded.
        let rows = try f.recipients("m")
        let at = f.clock.now
        try f.store.write { tx in
            for (index, handedOver) in [(2, false), (3, true)] {
                let spec = try CampaignMessage.spec(template: try TemplateLibrary(directory: f.config.templatesDirectory).template(named: "materialutskick"),
                                                    campaign: try tx.campaign(named: "m")!, recipient: rows[index], attachments: [],
                                                    values: f.campaigns.values(for: rows[index].name, email: rows[index].email, variables: [:]),
                                                    identity: f.config.identity, now: at)
                let entry = try Outbox.enqueue(spec, kind: .campaign, recipients: [rows[index].email], campaignId: rows[index].campaignId, in: tx, now: at)
                #expect(try tx.linkCampaignRecipient(id: rows[index].id!, outboxId: entry.id!, at: at))
                #expect(try tx.linkCampaignRecipient(id: rows[index].id!, outboxId: entry.id!, at: at) == false, "a recipient is linked once")
                _ = try tx.claimOutboxEntry(id: entry.id!, at: at)
                if handedOver { try tx.markOutboxHandedOver(id: entry.id!, at: at) }
            }
        }
        let second = try f.sender.send(name: "m")
        #expect(second.requeuedAfterInterruption == 1 && second.unconfirmed == 1)
        #expect(second.sent == 3, "#3 again, #5 and #6")
        let status = try f.campaigns.status(name: "m")
        #expect(status.sent == 6 && status.unconfirmed == 1)
        let delivered = f.transport.sent.map { $0.envelope.recipients[0] }
        #expect(delivered.count == 5 && Set(delivered).count == 5, "#4 was handed over before the kill: not sent again")
        #expect(!delivered.contains("chef4@kommun.example.se"))
    }

    @Test func aBounceMarksTheRecipientAndLaterReconcilingKeepsIt() throws {
        let f = try CampaignFixture()
        _ = try f.campaigns.create(.init(name: "m", recipientsFile: try f.managers(2), template: "materialutskick"))
        _ = try f.sender.send(name: "m")
        let row = try f.recipients("m")[1]
        let report = BounceReport(recipients: [BouncedRecipient(address: row.email, action: "failed", status: "5.1.1", diagnostic: "User unknown")],
                                  originalMessageID: "c.\(row.token)@kommun.example.se", isPermanent: true)
        try f.store.write { tx in try BounceLinker.link(report, bounceMessageId: 1, in: tx, at: f.clock.now) }
        let status = try f.campaigns.status(name: "m")
        #expect(status.bounced == 1 && status.sent == 1)
        #expect(status.recipients[1].state == "bounced" && status.recipients[1].detail?.contains("5.1.1 User unknown") == true)
        #expect(try f.campaigns.retry(name: "m").requeued == 0, "bounced addresses are not retried")
        let delay = BounceReport(recipients: [BouncedRecipient(address: "chef1@kommun.example.se", action: "delayed", status: "4.4.1")],
                                 originalMessageID: "c.\(try f.recipients("m")[0].token)@kommun.example.se", isPermanent: false)
        try f.store.write { tx in try BounceLinker.link(delay, bounceMessageId: 2, in: tx, at: f.clock.now) }
        #expect(try f.campaigns.status(name: "m").recipients[0].state == "sent", "a delay warning is not a bounce")
    }

    @Test func paceFollowsTheRateAndTheProviderLimit() throws {
        #expect(CampaignSender.effectiveRate(requested: 120, configured: 30) == 30)
        #expect(CampaignSender.effectiveRate(requested: 10, configured: 30) == 10)
        #expect(CampaignSender.effectiveRate(requested: nil, configured: nil) == nil)
        let f = try CampaignFixture(smtp: "messages_per_day = 3")
        _ = try f.campaigns.create(.init(name: "m", recipientsFile: try f.managers(5), template: "materialutskick"))
        let start = f.clock.now
        let report = try f.sender.send(name: "m", perMinute: 12)
        #expect(report.sent == 3)
        #expect(report.stop?.reason.contains("messages_per_day") == true)
        #expect(f.clock.now.timeIntervalSince(start) >= 10, "two pauses of 5 s at 12 per minute")
        guard case .temporary = report.exitError else { Issue.record("the daily limit is temporary"); return }
    }
}
