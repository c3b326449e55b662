import Foundation
import Testing
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
