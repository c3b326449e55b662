import Foundation
import Store
import Testing

/// Issue 6: the director's queue driven through the real binary against a store filled by a
/// real poll (Postfix → Dovecot → `kontakt poll` → the command under test).
@Suite(.enabled(if: MailStack.available))
struct QueueTests {
    let stack = MailStack.shared!

    struct QueueItem: Decodable {
        var id: Int64
        var topic: String
        var topic_title: String
        var status: String
        var subject: String
        var from: String
        var messages: Int
        var attachments: Int
        var last_at: Date
    }

    struct Thread: Decodable {
        struct Item: Decodable {
            struct Attachment: Decodable { var filename: String?; var content_type: String; var size: Int }
            var direction: String
            var from: String
            var to: [String]
            var subject: String
            var date: Date
            var text: String
            var attachments: [Attachment]
            var state: String?
        }
        struct Note: Decodable { var text: String }
        struct Event: Decodable { var actor: String; var kind: String; var detail: String }
        var id: Int64
        var topic: String
        var status: String
        var subject: String
        var messages: [Item]
        var notes: [Note]
        var events: [Event]
    }

    func resident(_ name: String = "boende") -> String { MailStack.uniqueAddress(name, domain: "example.se") }

    // MARK: - queue, show, note, close, reopen

    @Test func queueAndShowPrintTheThreadAsJSON() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let asa = resident("asa")
        let raw = QueueSupport.messageWithAttachments(
            from: asa, to: kontakt.address, subject: "Bilderna från seminariet",
            body: "Hej!\n\nKan ni skicka bilderna från seminariet om styrning?\n\n> citerad gammal text\n> mer citat\n\nÅsa",
            attachments: [(disposition: "filename=\"anteckningar.txt\"", data: Array("mina anteckningar".utf8))])
        try kontakt.receiveAndPoll([(raw, asa)])

        let items = try kontakt.json([QueueItem].self, "queue")
        let item = try #require(items.first)
        #expect(items.count == 1)
        #expect(item.subject == "Bilderna från seminariet")
        #expect(item.from == asa)
        #expect(item.messages == 1 && item.attachments == 1)
        #expect(item.status == "open")
        #expect(!item.topic_title.isEmpty)

        let thread = try kontakt.json(Thread.self, "show", "\(item.id)")
        #expect(thread.id == item.id)
        let message = try #require(thread.messages.first)
        #expect(message.direction == "in")
        #expect(message.from == asa)
        #expect(message.to == [kontakt.address])
        #expect(message.text.contains("bilderna från seminariet om styrning"))
        #expect(!message.text.contains("citerad gammal text"), "quotes are folded away: \(message.text)")
        #expect(message.attachments.map(\.filename) == ["anteckningar.txt"])
        #expect(message.attachments.first?.size == 17)

        // note, close and reopen are recorded with the actor; the note is never in the outbox.
        let env = ["USER": "chefen"]
        #expect(try kontakt.run(["note", "#\(item.id)", "Ringde", "upp"], environment: env).status == 0)
        #expect(try kontakt.run(["close", "\(item.id)"], environment: env).status == 0)
        #expect(try kontakt.json([QueueItem].self, "queue").isEmpty)
        #expect(try kontakt.run(["reopen", "\(item.id)"], environment: env).status == 0)
        let after = try kontakt.json(Thread.self, "show", "\(item.id)")
        #expect(after.notes.map(\.text) == ["Ringde upp"])
        #expect(after.status == "open")
        let mine = after.events.filter { $0.actor == "chefen" }.map(\.kind)
        #expect(mine == ["note", "closed", "reopened"])
        #expect(try kontakt.store().read { tx in try tx.outboxEntries(conversationId: item.id) }.isEmpty)

        let missing = try kontakt.run("show", "999")
        #expect(missing.status == 1)
        #expect(missing.stderr.split(separator: "\n").count == 1 && missing.stderr.contains("does not exist"))
    }

    @Test func robotsStayOutOfTheQueueAndAreListedApart() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let away = resident("franvaro")
        let autoReply = testMessage(from: away, to: kontakt.address, subject: "Frånvaromeddelande: Chefens dag",
                                    body: "Jag är på semester till och med 30 november.",
                                    extraHeaders: ["Auto-Submitted: auto-replied"])
        let human = resident()
        try kontakt.receiveAndPoll([(autoReply, away),
                                    (testMessage(from: human, to: kontakt.address, subject: "Fråga", body: "När börjar dagen?"), human)])
        struct Robot: Decodable { var id: Int64; var kind: String; var from: String; var subject: String }
        let robots = try kontakt.json([Robot].self, "queue", "--robots")
        #expect(robots.map(\.from) == [away])
        #expect(robots.first?.kind == "auto-reply")
        #expect(try kontakt.json([QueueItem].self, "queue").map(\.from) == [human])
    }

    // MARK: - reply

    @Test func replyThroughTheEditorQueuesAThreadedReply() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let sender = resident()
        let messageID = "fraga-\(UUID().uuidString)@example.se"
        try kontakt.receiveAndPoll([(testMessage(from: sender, to: kontakt.address, subject: "Var ligger lokalen?",
                                                 body: "Hej, var ligger lokalen för Chefens dag?", messageID: messageID), sender)])
        let id = try #require(try kontakt.json([QueueItem].self, "queue").first?.id)

        // An editor that leaves the draft unchanged (like :q! in vi) queues nothing.
        let unchanged = try kontakt.run(["reply", "\(id)"], environment: ["EDITOR": try QueueSupport.editorScript(in: kontakt.directory, text: nil)])
        #expect(unchanged.status == 1)
        #expect(unchanged.stderr.contains("not changed"), "\(unchanged.stderr)")
        // An emptied draft queues nothing either.
        let emptied = try kontakt.run(["reply", "\(id)"], environment: ["EDITOR": try QueueSupport.editorScript(in: kontakt.directory, text: "")])
        #expect(emptied.status == 1 && emptied.stderr.contains("empty"), "\(emptied.stderr)")

        // --dry-run prints the exact message and queues nothing.
        let editor = try QueueSupport.editorScript(in: kontakt.directory, text: "Hej!\n\nLokalen är Stadshusets aula, plan 2.\n\nKommundirektören")
        let dry = try kontakt.run(["reply", "\(id)", "--dry-run"], environment: ["EDITOR": editor])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("In-Reply-To: <\(messageID)>"), "\(dry.stdout)")
        #expect(dry.stdout.contains("[Kontakt #\(id)]"))
        #expect(try kontakt.store().read { tx in try tx.outboxEntries(conversationId: id) }.isEmpty)

        let result = try kontakt.run(["reply", "\(id)"], environment: ["EDITOR": editor, "USER": "chefen"])
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try kontakt.store().read { tx in try tx.outboxEntries(conversationId: id) }
        let entry = try #require(entries.first { $0.kind == .reply })
        #expect(entries.filter { $0.kind == .reply }.count == 1)
        #expect(entry.state == .queued)
        #expect(entry.recipientList == [sender])
        #expect(entry.createdBy == "chefen")
        let raw = String(decoding: try #require(entry.raw), as: UTF8.self)
        #expect(raw.contains("In-Reply-To: <\(messageID)>"))
        #expect(raw.contains("References: <\(messageID)>"))
        #expect(raw.contains("Stadshusets aula"))
        let thread = try kontakt.json(Thread.self, "show", "\(id)")
        #expect(thread.status == "answered")
        #expect(thread.messages.map(\.direction) == ["in", "out"])
        #expect(thread.messages.last?.state == "queued")
        #expect(thread.events.contains { $0.kind == "reply-queued" && $0.actor == "chefen" })
        // Answered threads leave the queue.
        #expect(try kontakt.json([QueueItem].self, "queue").isEmpty)

        struct Stats: Decodable {
            struct FirstAnswer: Decodable { var answered: Int; var median_seconds: Double?; var p90_seconds: Double? }
            var total: Int; var answered: Int; var first_answer: FirstAnswer
        }
        let stats = try kontakt.json(Stats.self, "stats")
        #expect(stats.total == 1 && stats.answered == 1)
        #expect(stats.first_answer.answered == 1)
        #expect(stats.first_answer.median_seconds != nil)
    }

    @Test func replyWithMessageAddsSignatureAndAttachment() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let sender = resident()
        try kontakt.receiveAndPoll([(testMessage(from: sender, to: kontakt.address, subject: "Material", body: "Kan jag få bilderna?"), sender)])
        let id = try #require(try kontakt.json([QueueItem].self, "queue").first?.id)
        let file = kontakt.directory + "/bilder.pdf"
        try Data("%PDF-1.4 test".utf8).write(to: URL(fileURLWithPath: file))
        let result = try kontakt.run("reply", "\(id)", "-m", "Här kommer bilderna.", "--attach", file)
        #expect(result.status == 0, "\(result.stderr)")
        let entry = try #require(try kontakt.store().read { tx in try tx.outboxEntries(conversationId: id) }.first { $0.kind == .reply })
        let raw = String(decoding: try #require(entry.raw), as: UTF8.self)
        #expect(raw.contains("bilder.pdf"))
        #expect(raw.contains("application/pdf"))
        let missing = try kontakt.run("reply", "\(id)", "-m", "x", "--attach", kontakt.directory + "/finns-inte.pdf")
        #expect(missing.status == 1 && missing.stderr.contains("cannot read the attachment"))
    }

    @Test func brokenTemplatesAreRefusedWithFileAndLineBeforeAnythingIsQueued() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let folder = try kontakt.useOwnTemplates()
        try "Hej {{recipient_name}}!\n\nTack.\n{{mottagarens_skonummer}}\n".write(toFile: folder + "/trasig.sv.mustache", atomically: true, encoding: .utf8)
        try "Hej!\n\n{{#question}}\nTack\n".write(toFile: folder + "/oavslutad.sv.mustache", atomically: true, encoding: .utf8)
        let a = resident(), b = resident()
        try kontakt.receiveAndPoll([(testMessage(from: a, to: kontakt.address, subject: "Fråga ett", body: "Om programmet"), a),
                                    (testMessage(from: b, to: kontakt.address, subject: "Fråga två", body: "Om lokalen"), b)])
        let items = try kontakt.json([QueueItem].self, "queue")
        let id = try #require(items.first?.id)

        let unknown = try kontakt.run("reply", "\(id)", "--template", "trasig", "--as-is")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("trasig.sv.mustache:4"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("mottagarens_skonummer"))
        #expect(unknown.stderr.split(separator: "\n").count == 1)

        let syntax = try kontakt.run("reply", "\(id)", "--template", "oavslutad", "--as-is")
        #expect(syntax.status == 1)
        #expect(syntax.stderr.contains("oavslutad.sv.mustache:"), "\(syntax.stderr)")

        // The bulk form refuses before queuing any of them.
        try kontakt.run("route", "\(items[0].id)", "ovrigt")
        try kontakt.run("route", "\(items[1].id)", "ovrigt")
        let bulk = try kontakt.run("reply", "--topic", "ovrigt", "--template", "trasig", "--yes")
        #expect(bulk.status == 1 && bulk.stderr.contains("trasig.sv.mustache:4"), "\(bulk.stderr)")
        let queued = try kontakt.store().read { tx in try items.flatMap { try tx.outboxEntries(conversationId: $0.id) } }
        #expect(queued.filter { $0.kind == .reply }.isEmpty)
    }

    @Test func bulkReplyAsksFirstAndQueuesOneReplyPerOpenThread() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let senders = [resident(), resident(), resident()]
        try kontakt.receiveAndPoll(senders.enumerated().map { index, s in
            (testMessage(from: s, to: kontakt.address, subject: "Bilder \(index)", body: "Kan jag få presentationen?"), s)
        })
        let items = try kontakt.json([QueueItem].self, "queue")
        #expect(items.count == 3)
        for item in items { try kontakt.run("route", "\(item.id)", "material") }
        try kontakt.run("close", "\(items[2].id)")

        let refused = try kontakt.run("reply", "--topic", "material", "--template", "material")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--yes"), "\(refused.stderr)")
        #expect(try kontakt.store().read { tx in try tx.outboxEntries(conversationId: items[0].id) }.isEmpty)

        let done = try kontakt.run("reply", "--topic", "material", "--template", "material", "--yes")
        #expect(done.status == 0, "\(done.stderr)")
        let store = try kontakt.store()
        for (index, item) in items.enumerated() {
            let replies = try store.read { tx in try tx.outboxEntries(conversationId: item.id) }.filter { $0.kind == .reply }
            #expect(replies.count == (index < 2 ? 1 : 0), "closed threads get nothing")
            if let reply = replies.first {
                #expect(reply.recipientList == [senders[index]])
                #expect(String(decoding: reply.raw ?? Data(), as: UTF8.self).contains("[Kontakt #\(item.id)]"))
            }
        }
    }

    // MARK: - answer under a pseudo-terminal

    @Test func answerWorksThroughTheQueueWithSingleKeys() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let senders = [resident("ett"), resident("tva"), resident("tre"), resident("fyra")]
        try kontakt.receiveAndPoll(senders.enumerated().map { index, s in
            (testMessage(from: s, to: kontakt.address, subject: "Ärende \(index)", body: "Hej, en fråga om Chefens dag nummer \(index)."), s)
        })
        // One topic, so the order is the arrival order.
        let items = try kontakt.json([QueueItem].self, "queue")
        for item in items { try kontakt.run("route", "\(item.id)", "chefens-dag") }
        let ordered = try kontakt.json([QueueItem].self, "queue").map(\.id)
        #expect(ordered.count == 4)

        // 1st: reply with the proposal; 2nd: route to material, then close; 3rd: skip; 4th: rest
        // three days; then done.
        let result = try QueueSupport.runInPseudoTerminal(kontakt, ["answer"], steps: [
            "key:r", "key:t", "line:Ämne=material", "key:c", "key:s", "key:v", "line:dagar=3",
        ], environment: ["USER": "chefen"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Klart: 1 svar köade, 1 stängda, 1 flyttade, 1 överhoppade, 1 vilande"), "\(result.stdout)")
        #expect(try kontakt.json([QueueItem].self, "queue", "--snoozed").map(\.id) == [ordered[3]])

        let first = try kontakt.json(Thread.self, "show", "\(ordered[0])")
        #expect(first.status == "answered")
        #expect(first.messages.last?.direction == "out")
        let second = try kontakt.json(Thread.self, "show", "\(ordered[1])")
        #expect(second.status == "closed")
        #expect(second.topic == "material")
        #expect(second.events.contains { $0.kind == "routed" && $0.actor == "chefen" })
        let third = try kontakt.json(Thread.self, "show", "\(ordered[2])")
        #expect(third.status == "open")
        #expect(third.messages.count == 1)

        // Without a terminal it refuses in one line.
        let piped = try kontakt.run("answer")
        #expect(piped.status == 1 && piped.stderr.contains("needs a terminal"))
    }

    // MARK: - attachments

    @Test func savedAttachmentsStayInTheFolderAndNeverOverwrite() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let sender = resident()
        let long = String(repeating: "långt-namn-", count: 28) + ".pdf" // over 300 characters
        let raw = QueueSupport.messageWithAttachments(
            from: sender, to: kontakt.address, subject: "Filer", body: "Se bifogat.",
            attachments: [
                (disposition: "filename=\"../../etc/passwd\"", data: Array("root:x:0:0".utf8)),
                (disposition: "filename=\"mapp/under/fil.txt\"", data: Array("snedstreck".utf8)),
                (disposition: "filename*=utf-8''nul%00tecken.txt", data: Array("nul".utf8)),
                (disposition: "filename*=utf-8''\(long.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-")))!)", data: Array("lång".utf8)),
                (disposition: "filename=\"befintlig.txt\"", data: Array("ny".utf8)),
                (disposition: "filename=\"befintlig.txt\"", data: Array("nyare".utf8)),
                (disposition: "filename=\"..\"", data: Array("prickar".utf8)),
            ])
        try kontakt.receiveAndPoll([(raw, sender)])
        let id = try #require(try kontakt.json([QueueItem].self, "queue").first?.id)

        let folder = kontakt.directory + "/ut/bilagor"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "gammal".write(toFile: folder + "/befintlig.txt", atomically: true, encoding: .utf8)

        struct Saved: Decodable { var path: String; var original_name: String?; var size: Int }
        let saved = try kontakt.json([Saved].self, "show", "\(id)", "--save-attachments", folder)
        #expect(saved.count == 7)
        for file in saved {
            #expect((file.path as NSString).deletingLastPathComponent == folder, "outside the folder: \(file.path)")
            let name = (file.path as NSString).lastPathComponent
            #expect(!name.hasPrefix("."), "hidden or dot name: \(name)")
            #expect(!name.contains("/") && !name.contains("\u{0}"))
            #expect(name.utf8.count <= 255)
            #expect(FileManager.default.fileExists(atPath: file.path))
        }
        #expect(!FileManager.default.fileExists(atPath: kontakt.directory + "/etc/passwd"))
        #expect(!FileManager.default.fileExists(atPath: kontakt.directory + "/ut/etc/passwd"))
        #expect(try String(contentsOfFile: folder + "/befintlig.txt", encoding: .utf8) == "gammal", "an existing file is never overwritten")
        #expect(try String(contentsOfFile: folder + "/befintlig (2).txt", encoding: .utf8) == "ny")
        #expect(try String(contentsOfFile: folder + "/befintlig (3).txt", encoding: .utf8) == "nyare")
        let longSaved = try #require(saved.first { $0.original_name?.hasPrefix("långt-namn") == true })
        #expect(longSaved.path.hasSuffix(".pdf"))
        let passwd = try #require(saved.first { $0.original_name == "../../etc/passwd" })
        #expect(try String(contentsOfFile: passwd.path, encoding: .utf8) == "root:x:0:0")
    }

    // MARK: - merge and split

    /// The director's two mends, through the binary: `merge` joins two conversations of one
    /// person, `split` takes the last message back out into a conversation of its own.
    @Test func mergeThenSplitFromTheCommandLine() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let sender = resident()
        try kontakt.receiveAndPoll([
            (testMessage(from: sender, to: kontakt.address, subject: "Presentationen", body: "Var finns presentationen från inledningen?"), sender),
            (testMessage(from: sender, to: kontakt.address, subject: "Utvärderingen", body: "Länken till utvärderingen fungerar inte."), sender),
        ])
        let ids = try kontakt.json([QueueItem].self, "queue").map(\.id).sorted()
        try #require(ids.count == 2)
        let merged = try kontakt.run(["merge", "\(ids[1])", "\(ids[0])"], environment: ["USER": "chefen"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(try kontakt.json([QueueItem].self, "queue").map(\.id) == [ids[0]])
        let gone = try kontakt.run("show", "\(ids[1])")
        #expect(gone.status == 1 && gone.stderr.contains("merged into #\(ids[0])"), "\(gone.stderr)")
        let shown = try kontakt.run("show", "\(ids[0])").stdout
        #expect(shown.contains("Presentationen") && shown.contains("Utvärderingen") && shown.contains("· meddelande "), "\(shown)")
        #expect(shown.contains("chefen  merged"), "\(shown)")

        let split = try kontakt.run("split", "\(ids[0])")
        #expect(split.status == 0, "\(split.stderr)")
        let queue = try kontakt.json([QueueItem].self, "queue")
        #expect(queue.count == 2 && !queue.map(\.id).contains(ids[1]), "a new id, never the merged one: \(queue.map(\.id))")
        #expect(try kontakt.run("split", "\(queue.map(\.id).max()!)").status == 1, "a conversation of one message cannot be split")
    }

    @Test func aSnoozedConversationRestsOutOfTheQueueUntilReopened() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let sender = resident()
        try kontakt.receiveAndPoll([(testMessage(from: sender, to: kontakt.address, subject: "Materialet",
                                                 body: "När kommer materialet från seminarierna?"), sender)])
        let id = try #require(try kontakt.json([QueueItem].self, "queue").first?.id)
        #expect(try kontakt.run("snooze", "\(id)").status != 0, "a date or a number of days is required")
        #expect(try kontakt.run("snooze", "\(id)", "--until", "7 december").status != 0)
        let snoozed = try kontakt.run(["snooze", "\(id)", "--days", "3"], environment: ["USER": "chefen"])
        #expect(snoozed.status == 0 && snoozed.stdout.contains("vilar till"), "\(snoozed.stdout)\(snoozed.stderr)")
        #expect(try kontakt.json([QueueItem].self, "queue").isEmpty)
        #expect(try kontakt.run("queue").stdout.contains("1 vilar till senare"))
        struct Resting: Decodable { var id: Int64; var snoozed_until: Date? }
        let resting = try kontakt.json([Resting].self, "queue", "--snoozed")
        #expect(resting.map(\.id) == [id] && resting.first?.snoozed_until != nil)
        #expect(try kontakt.run("show", "\(id)").stdout.contains("vilar till"))
        #expect(try kontakt.run("reopen", "\(id)").status == 0)
        #expect(try kontakt.json([QueueItem].self, "queue").map(\.id) == [id])
    }

    // MARK: - route retrains, search, classify, inspect

    @Test func routeRecordsACorrectionThatClassifySeesAtOnce() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let sender = resident()
        let raw = testMessage(from: sender, to: kontakt.address, subject: "Zorblax kvittrar",
                              body: "Zorblax kvittrar frekvent i glimmerhallen, trumflöjt och zorblax igen.")
        let file = kontakt.directory + "/zorblax.eml"
        try Data(raw).write(to: URL(fileURLWithPath: file))
        struct Classified: Decodable { var topic: String; var best_guess: String; var confidence: Double; var terms: [Term] }
        struct Term: Decodable { var term: String; var weight: Double }
        let before = try kontakt.json(Classified.self, "classify", file)
        #expect(before.best_guess != "utvardering")

        try kontakt.receiveAndPoll([(raw, sender)])
        let id = try #require(try kontakt.json([QueueItem].self, "queue").first?.id)
        let unknown = try kontakt.run("route", "\(id)", "parkering")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("chefens-dag") && unknown.stderr.contains("utvardering"), "lists the topics: \(unknown.stderr)")

        let routed = try kontakt.run(["route", "\(id)", "utvardering"], environment: ["USER": "chefen"])
        #expect(routed.status == 0, "\(routed.stderr)")
        let corrections = try kontakt.store().read { tx in try tx.corrections() }
        #expect(corrections.map(\.label) == ["utvardering"])
        #expect(corrections.first?.text.contains("glimmerhallen") == true)

        let after = try kontakt.json(Classified.self, "classify", file)
        #expect(after.best_guess == "utvardering")
        #expect(after.confidence > before.confidence)
        #expect(after.terms.contains { $0.term.hasPrefix("zorblax") })
        let item = try #require(try kontakt.json([QueueItem].self, "queue").first)
        #expect(item.topic == "utvardering")
    }

    @Test func searchFindsFragaWhenTypedWithoutAccents() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let a = resident(), b = resident()
        try kontakt.receiveAndPoll([
            (testMessage(from: a, to: kontakt.address, subject: "Fråga om parkeringen", body: "Finns det parkering vid stadshuset?"), a),
            (testMessage(from: b, to: kontakt.address, subject: "Lunch", body: "Serveras lunch under dagen?"), b),
        ])
        struct Hit: Decodable { var conversation: Int64?; var subject: String; var from: String; var snippet: String }
        let hits = try kontakt.json([Hit].self, "search", "frag")
        #expect(hits.map(\.from) == [a])
        #expect(hits.first?.subject == "Fråga om parkeringen")
        #expect(try kontakt.json([Hit].self, "search", "LUNCH").map(\.from) == [b])
        #expect(try kontakt.json([Hit].self, "search", "xyzzy").isEmpty)
        // Field terms, with or without words; a mistake in one says what would do.
        let id = try #require(hits.first?.conversation)
        try kontakt.run("close", "\(id)")
        #expect(try kontakt.json([Hit].self, "search", "status:closed").map(\.from) == [a])
        #expect(try kontakt.json([Hit].self, "search", "frag", "status:open").isEmpty)
        #expect(try kontakt.json([Hit].self, "search", "from:\(b.uppercased())").map(\.from) == [b])
        let wrong = try kontakt.run("search", "lunch", "status:pending")
        #expect(wrong.status == 1 && wrong.stderr.contains("open, answered or closed"), "\(wrong.stderr)")
    }

    @Test func inspectShowsWhatTheParserSees() throws {
        let kontakt = try KontaktInstance(stack: stack)
        let file = kontakt.directory + "/fraga.eml"
        try Data(testMessage(from: "asa@example.se", to: kontakt.address, subject: "Fråga om lokalen",
                             body: "Var är det?\n\n> gammalt citat")).write(to: URL(fileURLWithPath: file))
        struct Summary: Decodable { var subject: String?; var new_text: String; var text: String }
        let summary = try kontakt.json(Summary.self, "inspect", file)
        #expect(summary.subject == "Fråga om lokalen")
        #expect(summary.text.contains("gammalt citat"))
        #expect(!summary.new_text.contains("gammalt citat"))
    }

    @Test func classifyEvaluatesTheHeldOutSetThroughTheFullParser() throws {
        let kontakt = try KontaktInstance(stack: stack)
        struct Score: Decodable { var label: String; var f1: Double; var support: Int }
        struct Point: Decodable { var threshold: Double; var macro_f1: Double; var unsorted_share: Double }
        struct Result: Decodable {
            var count: Int; var threshold: Double; var accuracy: Double; var macro_f1: Double
            var unsorted_share: Double; var labels: [Score]; var sweep: [Point]
        }
        let heldOut = Repo.root + "/Tests/RoutingTests/HeldOut"
        let result = try kontakt.json(Result.self, "classify", "--evaluate", heldOut, "--threshold", "0.25")
        #expect(result.count == 88)
        #expect(result.threshold == 0.25)
        #expect(result.macro_f1 >= 0.90, "macro-F1 \(result.macro_f1)")
        #expect(result.unsorted_share < 0.10)
        #expect(result.labels.filter { $0.label != "osorterad" }.allSatisfy { $0.support == 11 })
        // The best guess alone (threshold 0) is what the routing module's own test measures.
        #expect((result.sweep.first { $0.threshold == 0 }?.macro_f1 ?? 0) >= 0.90)
        let bad = try kontakt.run("classify", "--evaluate", kontakt.directory)
        #expect(bad.status == 1 && bad.stderr.contains("labels.tsv"))
    }
}
