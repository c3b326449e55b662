import Foundation
import Testing
import GRDB
import Synchronization
@testable import Store

@Suite struct StoreTests {
    func temporaryPath() -> String {
        let dir = NSTemporaryDirectory() + "kontakt-store-" + UUID().uuidString.prefix(8)
        return dir + "/sub/kontakt.sqlite"
    }

    @Test func filesAreOwnerOnly() throws {
        let path = temporaryPath()
        let store = try Store(path: path)
        try store.write { tx in _ = try tx.mailbox(named: "INBOX") }
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            let mode = try FileManager.default.attributesOfItem(atPath: path + suffix)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600, "\(suffix) has mode \(String(mode?.intValue ?? 0, radix: 8))")
        }
        let dirMode = try FileManager.default.attributesOfItem(atPath: (path as NSString).deletingLastPathComponent)[.posixPermissions] as? NSNumber
        #expect(dirMode?.intValue == 0o700)
    }

    @Test func migrationsAreRecordedAndIdempotent() throws {
        let path = temporaryPath()
        _ = try Store(path: path)
        let again = try Store(path: path)
        #expect(try again.appliedMigrations().first == "1 mail, conversations, outbox, campaigns")
    }

    /// A cron poll and the director's `kontakt queue` may open a new store at the same moment;
    /// both must find it migrated once, neither may fail on a table the other just created.
    @Test func storesOpenedAtOnceAreMigratedOnce() throws {
        let openers = 6
        for _ in 0..<8 {
            let path = temporaryPath()
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: openers) { _ in
                do { _ = try Store(path: path) } catch { failures.withLock { $0.append("\(error)") } }
            }
            #expect(failures.withLock { $0 } == [])
            let store = try Store(path: path)
            #expect(try store.appliedMigrations().count == Migrations.migrator(raw: store.raw).migrations.count)
        }
    }

    /// The rows a poll writes are inserted with hand-written column lists (`HandInsertedRecord`):
    /// every column of the table is in them, and every field comes back as it went in.
    @Test func handInsertedRowsNameEveryColumnAndReadBackWhole() throws {
        let store = try Store()
        func columns(_ table: String) throws -> Set<String> {
            try store.read { tx in Set(try String.fetchAll(tx.db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table])) }
        }
        /// The columns GRDB would write for `record` (every optional set, so none is left out).
        func fields<R: Encodable>(_ record: R) throws -> Set<String> {
            let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any]
            return Set(object?.keys.map { $0 } ?? [])
        }
        let when = Date(timeIntervalSince1970: 1_796_000_000.25)
        var message = MessageRecord(direction: .outbound, contentHash: "c0ffee", size: 4321, receivedAt: when, state: .robot)
        let box = try store.write { tx in try tx.mailbox(named: "INBOX") }
        message.mailboxId = box.id; message.uidValidity = 7; message.uid = 42; message.messageID = "<a@b.se>"
        message.subject = "Ämne"; message.fromAddress = "a@b.se"; message.fromName = "Åsa"; message.toAddresses = "[\"c@d.se\"]"
        message.ccAddresses = "[\"e@f.se\"]"; message.replyTo = "g@h.se"; message.sentAt = when.addingTimeInterval(-60)
        message.inReplyTo = "<x@y.se>"; message.referencesList = "<w@y.se> <x@y.se>"; message.text = "Hej"; message.newText = "Hej!"
        message.robotKind = "autoReply"; message.robotDetail = "Auto-Submitted"; message.defects = "[\"d\"]"; message.isBacklog = true
        var everyField = message
        everyField.id = 1; everyField.conversationId = 1; everyField.rawKey = 1; everyField.outboxId = 1
        var everyAction = ServerActionRecord(mailboxName: "INBOX", uidValidity: 7, uid: 42, action: .move, target: "Klart", createdAt: when)
        everyAction.id = 1; everyAction.lastError = "e"
        var everyAttachment = AttachmentRecord(messageId: 1, position: 0, filename: "a.pdf", contentType: "application/pdf", size: 9)
        everyAttachment.id = 1
        var everyConversation = ConversationRecord(subject: "Fråga", normalizedSubject: "fråga", topic: "material", confidence: 0.75,
                                                   contactAddress: "a@b.se", at: when)
        everyConversation.id = 1; everyConversation.contactName = "Åsa"; everyConversation.weakMatch = "w"
        everyConversation.firstAnsweredAt = when.addingTimeInterval(60); everyConversation.closedAt = when.addingTimeInterval(120)
        everyConversation.status = .closed; everyConversation.isRobot = true; everyConversation.language = "en"
        everyConversation.topicSource = "director"; everyConversation.senderKind = "business"
        everyConversation.snoozedUntil = when.addingTimeInterval(86_400)
        var everyEvent = EventRecord(at: when, conversationId: 1, actor: "poller", kind: "reopened", detail: "d")
        everyEvent.id = 1
        #expect(try fields(everyConversation) == Set(ConversationRecord.insertColumns + ["id"]))
        #expect(try fields(everyEvent) == Set(EventRecord.insertColumns + ["id"]))
        #expect(try columns("conversation").isSuperset(of: ConversationRecord.insertColumns))
        #expect(try columns("event").isSuperset(of: EventRecord.insertColumns))
        var conversation = everyConversation
        conversation.id = nil
        let storedConversation = try store.write { tx in try tx.insert(conversation) }
        let fetchedConversation = try #require(try store.read { tx in try tx.conversation(id: storedConversation.id!) })
        let sorted = JSONEncoder()
        sorted.outputFormatting = .sortedKeys
        #expect(try sorted.encode(fetchedConversation) == sorted.encode(storedConversation))
        var event = everyEvent
        event.id = nil
        event.conversationId = storedConversation.id
        try store.write { tx in try tx.record(event) }
        let events = try store.read { tx in try EventRecord.fetchAll(tx.db) }
        #expect(events.count == 1 && events[0].at == when && events[0].kind == "reopened" && events[0].detail == "d"
                && events[0].conversationId == storedConversation.id && events[0].id != nil)
        #expect(try fields(everyField) == Set(MessageRecord.insertColumns + ["id"]))
        #expect(try fields(everyAttachment) == Set(AttachmentRecord.insertColumns + ["id"]))
        #expect(try fields(everyAction) == Set(ServerActionRecord.insertColumns + ["id"]))
        #expect(try columns("message").isSuperset(of: MessageRecord.insertColumns))
        #expect(try columns("attachment").isSuperset(of: AttachmentRecord.insertColumns))
        #expect(try columns("serverAction").isSuperset(of: ServerActionRecord.insertColumns))
        let stored = try store.write { tx in
            try tx.insert(message, raw: Array("Subject: Ämne\r\n\r\nHej\r\n".utf8),
                          attachments: [AttachmentRecord(messageId: 0, position: 0, filename: "a.pdf", contentType: "application/pdf", size: 9)])
        }
        let fetched = try #require(try store.read { tx in try tx.message(id: stored.id!) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(fetched) == encoder.encode(stored))
        #expect(fetched.rawKey != nil && fetched.isBacklog && fetched.state == .robot && fetched.sentAt == message.sentAt)
        let attachments = try store.read { tx in try tx.attachments(ofMessage: stored.id!) }
        #expect(attachments.map(\.filename) == ["a.pdf"] && attachments.map(\.size) == [9] && attachments[0].messageId == stored.id)

        // A server action owed twice is recorded once.
        let action = ServerActionRecord(mailboxName: "INBOX", uidValidity: 7, uid: 42, action: .move, target: "Klart", createdAt: when)
        try store.write { tx in try tx.addServerAction(action); try tx.addServerAction(action) }
        let pending = try store.read { tx in try tx.pendingServerActions(mailbox: "INBOX") }
        #expect(pending.count == 1)
        #expect(pending.first.map { ($0.uid, $0.action, $0.target, $0.createdAt, $0.attempts) } ?? (0, .flag, nil, .distantPast, -1)
                == (42, .move, "Klart", when, 0))
    }

    @Test func theSameServerMessageCannotBeStoredTwice() throws {
        let store = try Store()
        try store.write { tx in
            let box = try tx.mailbox(named: "INBOX")
            var record = MessageRecord(direction: .inbound, contentHash: "h", size: 1, receivedAt: Date(), state: .accepted)
            record.mailboxId = box.id
            record.uidValidity = 7
            record.uid = 1
            try tx.insert(record)
            #expect(throws: (any Error).self) { try tx.insert(record) }
            #expect(try tx.hasMessage(mailboxId: box.id!, uidValidity: 7, uid: 1))
            #expect(try !tx.hasMessage(mailboxId: box.id!, uidValidity: 8, uid: 1))
        }
    }

    @Test func duplicatesAreFoundByContentOrMessageIDAndSize() throws {
        let store = try Store()
        try store.write { tx in
            var record = MessageRecord(direction: .inbound, contentHash: "abc", size: 10, receivedAt: Date(), state: .accepted)
            record.messageID = "m1@example.se"
            let stored = try tx.insert(record)
            #expect(try tx.duplicateMessageId(messageID: nil, contentHash: "abc", size: 99) == stored.id)
            #expect(try tx.duplicateMessageId(messageID: "m1@example.se", contentHash: "zzz", size: 10) == stored.id)
            #expect(try tx.duplicateMessageId(messageID: "m1@example.se", contentHash: "zzz", size: 11) == nil)
        }
    }

    @Test func searchFoldsDiacriticsAndMatchesPrefixes() throws {
        let store = try Store()
        try store.write { tx in
            for (subject, text) in [("Fråga om materialet", "Var finns bilderna?"), ("Snöröjning", "Storgatan är inte plogad")] {
                var record = MessageRecord(direction: .inbound, contentHash: subject, size: 1, receivedAt: Date(), state: .accepted)
                record.subject = subject
                record.text = text
                try tx.insert(record)
            }
        }
        let hits = try store.read { tx in try tx.search("frag") }
        #expect(hits.map(\.subject) == ["Fråga om materialet"])
        #expect(try store.read { tx in try tx.search("snorojning") }.count == 1)
        #expect(try store.read { tx in try tx.search("\"; DROP TABLE message; --") }.isEmpty)
    }

    /// Field terms narrow a search by the message's conversation, sender and date; alone they
    /// list messages, newest first. Robots stay out either way.
    @Test func searchIsNarrowedByConversationSenderAndDate() throws {
        let store = try Store()
        let day: TimeInterval = 86_400
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        try store.write { tx in
            let rows: [(String, String, String, ConversationRecord.Status, String, Double, MessageRecord.State)] = [
                ("Länken till utvärderingen", "anna@example.se", "utvardering", .open, "resident", 0, .accepted),
                ("Utvärderingen, länken igen", "per@foretag.example.se", "utvardering", .answered, "business", 1, .accepted),
                ("Länken till materialet", "anna@example.se", "material", .open, "resident", 2, .accepted),
                ("Frånvaro: länken", "anna@example.se", "utvardering", .open, "resident", 3, .robot),
            ]
            for (subject, from, topic, status, kind, offset, state) in rows {
                var c = ConversationRecord(subject: subject, normalizedSubject: subject.lowercased(), topic: topic, confidence: 1,
                                           contactAddress: from, at: start)
                c.status = status
                c.senderKind = kind
                c = try tx.insert(c)
                var m = MessageRecord(direction: .inbound, contentHash: subject, size: 1, receivedAt: start.addingTimeInterval(offset * day),
                                      state: state)
                m.subject = subject
                m.fromAddress = from
                m.text = subject
                m.newText = subject
                m.conversationId = c.id
                try tx.insert(m)
            }
        }
        func subjects(_ words: String, _ filter: SearchFilter) throws -> [String] {
            try store.read { tx in try tx.search(words, filter: filter) }.map(\.subject)
        }
        #expect(try subjects("lanken", SearchFilter(topic: "utvardering", status: .open)) == ["Länken till utvärderingen"])
        #expect(try subjects("lanken", SearchFilter(senderKind: "business")) == ["Utvärderingen, länken igen"])
        #expect(try subjects("", SearchFilter(from: "ANNA@")) == ["Länken till materialet", "Länken till utvärderingen"],
                "no words: newest first, robots left out")
        #expect(try subjects("", SearchFilter(after: start.addingTimeInterval(day), before: start.addingTimeInterval(2 * day)))
                == ["Utvärderingen, länken igen"])
        #expect(try subjects("", SearchFilter()).isEmpty, "neither words nor terms: nothing")
    }

    @Test func anOutboxMessageIDCanBeQueuedOnlyOnce() throws {
        let store = try Store()
        try store.write { tx in
            let entry = OutboxRecord(kind: .reply, messageID: "x@kommun.example.se", envelopeFrom: "k@example.se",
                                     recipients: ["a@example.se"], subject: "SV: x", at: Date())
            try tx.enqueue(entry)
            #expect(throws: (any Error).self) { try tx.enqueue(entry) }
        }
    }
}

/// Raw messages live in their own file (`RawMessageFile`): committed before any row refers to
/// them, swept when a crash left them unreferenced.
@Suite struct RawMessageFileTests {
    func temporaryPath() -> String {
        NSTemporaryDirectory() + "kontakt-raw-" + UUID().uuidString.prefix(8) + "/kontakt.sqlite"
    }

    func record(hash: String = "h") -> MessageRecord {
        MessageRecord(direction: .inbound, contentHash: hash, size: 5, receivedAt: Date(), state: .accepted)
    }

    @Test func bytesGoToTheRawFileBesideTheStore() throws {
        let path = temporaryPath()
        let store = try Store(path: path)
        #expect(store.rawPath.hasSuffix("/kontakt.raw.sqlite"))
        let bytes = Array("Subject: hej\r\n\r\nhej\r\n".utf8)
        let stored = try store.write { tx in try tx.insert(record(), raw: bytes) }
        #expect(stored.rawKey != nil)
        #expect(try store.read { tx in try tx.raw(of: stored) } == Data(bytes))
        #expect(try store.rawMessageCount() == 1)
        let mode = try FileManager.default.attributesOfItem(atPath: store.rawPath)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        // The store's own file holds no raw bytes any more.
        let columns = try store.read { tx in try tx.scalar("SELECT COUNT(*) FROM pragma_table_info('message') WHERE name = 'raw'") }
        #expect(columns == 0)
    }

    #if os(Linux)
    /// A poll's archived mail does not stay in the page cache (`releaseCachedPages`): without
    /// the drop every page just written is still resident.
    @Test func committedBytesLeaveThePageCache() throws {
        let store = try Store(path: temporaryPath())
        let blob = (0..<256 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        _ = try store.storeRaw(Array(repeating: blob, count: 64))
        let fd = open(store.rawPath, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var info = stat()
        try #require(fstat(fd, &info) == 0)
        let size = Int(info.st_size)
        #expect(size > 16 * 1024 * 1024)
        let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
        try #require(map != MAP_FAILED)
        defer { munmap(map, size) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var residency = [UInt8](repeating: 0, count: (size + pageSize - 1) / pageSize)
        try #require(mincore(map, size, &residency) == 0)
        let resident = residency.filter { $0 & 1 == 1 }.count
        #expect(resident * 10 < residency.count, "\(resident) of \(residency.count) pages still cached")
    }
    #endif

    @Test func bytesNobodyRefersToAreSweptOnlyAfterTheGrace() throws {
        let store = try Store(path: temporaryPath())
        let now = Date()
        let keys = try store.storeRaw([Array("a".utf8), Array("b".utf8)], at: now)
        var referenced = record()
        referenced.rawKey = keys[0]
        let row = try store.write { tx in try tx.insert(referenced) }
        // Within the grace the unreferenced row may belong to a transaction still running.
        #expect(try store.sweepUnreferencedRaw(now: now.addingTimeInterval(60)) == 0)
        #expect(try store.sweepUnreferencedRaw(now: now.addingTimeInterval(RawMessageFile.sweepGrace + 1)) == 1)
        #expect(try store.rawMessageCount() == 1)
        #expect(try store.read { tx in try tx.raw(of: row) } == Data("a".utf8))
        // A transaction that names swept bytes is refused rather than storing a message without them.
        var orphan = record(hash: "o")
        orphan.rawKey = keys[1]
        #expect(throws: StoreError.self) { try store.write { tx in try tx.insert(orphan) } }
        // So is a commit group confirmed at once when one of its keys is gone: nothing of it is stored.
        let fresh = try store.storeRaw([Array("d".utf8)], at: now)[0]
        #expect(throws: StoreError.self) { try store.write { tx in try tx.confirmRaw([keys[0], fresh, keys[1]]) } }
        var confirmed = record(hash: "d")
        confirmed.rawKey = fresh
        let inserted = try store.write { tx in
            try tx.confirmRaw([keys[0], fresh])
            return try tx.insert(confirmed)
        }
        #expect(try store.read { tx in try tx.raw(of: inserted) } == Data("d".utf8))
        // Keys are never reused, so a stale key can never show other bytes.
        #expect(try store.storeRaw([Array("c".utf8)])[0] > keys[1])
    }

    /// `forget` in the raw file: a stored message's mention is replaced, bytes nobody refers to
    /// that mention the address (any case) go, and other leftovers stay for the sweep.
    @Test func forgetRedactsStoredBytesAndDropsLeftoversThatMentionTheAddress() throws {
        let store = try Store(path: temporaryPath())
        let keys = try store.storeRaw([Array("To: Greta@Example.se\r\n\r\nhej\r\n".utf8),
                                       Array("leftover for GRETA@example.SE".utf8),
                                       Array("leftover for someone else".utf8)])
        var kept = record()
        kept.rawKey = keys[0]
        let row = try store.write { tx in try tx.insert(kept) }
        _ = try store.write { tx in try tx.forget(address: "greta@example.se") }
        #expect(try store.read { tx in try tx.raw(of: row) } == Data("To: raderad@raderad.invalid\r\n\r\nhej\r\n".utf8))
        #expect(try store.rawMessageCount() == 2, "the leftover that mentions the address is gone, the other stays")
        #expect(try store.sweepUnreferencedRaw(now: Date().addingTimeInterval(RawMessageFile.sweepGrace + 1)) == 1)
    }

    @Test func purgeDeletesTheBytes() throws {
        let store = try Store(path: temporaryPath())
        let stored = try store.write { tx in try tx.insert(record(), raw: Array("x".utf8)) }
        try store.write { tx in try tx.anonymiseMessages([stored.id!], at: Date()) }
        #expect(try store.rawMessageCount() == 0)
        #expect(try store.read { tx in try tx.message(id: stored.id!) }?.rawKey == nil)
    }

    @Test func migrationMovesBytesOutOfAnOlderStore() throws {
        let path = temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let blob = Data("Subject: gammal\r\n\r\nfrån förr\r\n".utf8)
        do {
            // A store as the first three migrations left it, with a message's bytes inline.
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator(raw: try RawMessageFile()).migrate(queue, upTo: "3 send: handover and deferral times")
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO message(direction, contentHash, raw, size, receivedAt, state)
                    VALUES ('in', 'h', ?, ?, '2026-11-20 10:00:00', 'accepted')
                    """, arguments: [blob, blob.count])
                // And an attachment row from when the store kept each file's hash.
                try db.execute(sql: """
                    INSERT INTO attachment(messageId, position, filename, contentType, size, sha256)
                    VALUES (1, 0, 'program.pdf', 'application/pdf', 1234, 'ab12')
                    """)
                // And a folder polled long ago: its backlog is stored, so it has no boundary.
                try db.execute(sql: "INSERT INTO mailbox(name, uidValidity, highestUID) VALUES ('INBOX', 7, 42)")
            }
        }
        let store = try Store(path: path)
        let message = try #require(try store.read { tx in try tx.messages(inState: .accepted).first })
        #expect(try store.read { tx in try tx.raw(of: message) } == blob)
        let attachments = try store.read { tx in try tx.attachments(ofMessage: message.id!) }
        #expect(attachments.map(\.filename) == ["program.pdf"] && attachments.map(\.size) == [1234])
        let box = try store.write { tx in try tx.mailbox(named: "INBOX") }
        #expect(box.highestUID == 42 && box.uidValidity == 7 && box.backlogBelowUID == nil)
        #expect(try store.appliedMigrations().last == "8 snoozed conversations")
    }
}
