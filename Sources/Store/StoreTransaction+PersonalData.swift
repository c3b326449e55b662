import Foundation
import GRDB
import MailMessage

/// Where one person's address appears in the store: what an access request exports and what
/// `forget` erases.
public struct AddressFootprint: Sendable, Equatable {
    /// Conversations the person started (they are the contact).
    public var contactConversations: [Int64] = []
    /// Conversations they took part in (a second sender, a copy) without being the contact.
    public var participantConversations: [Int64] = []
    /// Messages from, to, copied to or answering to the address, in any conversation or none.
    public var messages: [Int64] = []
    /// Outbox entries addressed to them.
    public var outboxEntries: [Int64] = []
    /// Their rows in campaign recipient lists.
    public var campaignRecipients: [Int64] = []

    public var isEmpty: Bool {
        contactConversations.isEmpty && participantConversations.isEmpty && messages.isEmpty
            && outboxEntries.isEmpty && campaignRecipients.isEmpty
    }
}

/// What `forget` erased.
public struct ForgetCounts: Sendable, Codable, Equatable {
    public var conversations = 0
    public var messages = 0
    public var outboxEntries = 0
    public var campaignRecipients = 0
    public var notes = 0
    public var events = 0
    public var corrections = 0
    /// Rows of other people's data that mentioned the address, with the address replaced.
    public var redactedRows = 0
    public init() {}
}

extension StoreTransaction {
    /// The text that replaces a forgotten address inside other people's messages and notes.
    /// A syntactically valid address, so a redacted raw message still parses (`replay`).
    public static let redactedAddress = "raderad@raderad.invalid"

    /// Finds every row tied to `address` (compared case-insensitively).
    public func footprint(of address: String) throws -> AddressFootprint {
        let a = address.lowercased()
        let quoted = "\"\(a)\""
        var f = AddressFootprint()
        f.contactConversations = try Int64.fetchAll(db, sql: """
            SELECT id FROM conversation WHERE lower(contactAddress) = ? ORDER BY id
            """, arguments: [a])
        f.participantConversations = try Int64.fetchAll(db, sql: """
            SELECT DISTINCT p.conversationId FROM conversationParticipant p JOIN conversation c ON c.id = p.conversationId
            WHERE lower(p.address) = ? AND lower(c.contactAddress) != ? ORDER BY p.conversationId
            """, arguments: [a, a])
        f.messages = try Int64.fetchAll(db, sql: """
            SELECT id FROM message
            WHERE lower(fromAddress) = ? OR lower(COALESCE(replyTo, '')) = ?
               OR instr(lower(toAddresses), ?) > 0 OR instr(lower(ccAddresses), ?) > 0
            ORDER BY receivedAt, id
            """, arguments: [a, a, quoted, quoted])
        f.outboxEntries = try Int64.fetchAll(db, sql: """
            SELECT id FROM outbox WHERE instr(lower(recipients), ?) > 0 ORDER BY id
            """, arguments: [quoted])
        f.campaignRecipients = try Int64.fetchAll(db, sql: """
            SELECT id FROM campaignRecipient WHERE lower(email) = ? ORDER BY id
            """, arguments: [a])
        return f
    }

    public func messages(ids: [Int64]) throws -> [MessageRecord] {
        try MessageRecord.filter(keys: ids).order(Column("receivedAt"), Column("id")).fetchAll(db)
    }

    public func outboxEntries(ids: [Int64]) throws -> [OutboxRecord] {
        try OutboxRecord.filter(keys: ids).order(Column("createdAt"), Column("id")).fetchAll(db)
    }

    public func campaignRecipients(ids: [Int64]) throws -> [(recipient: CampaignRecipientRecord, campaign: String)] {
        try CampaignRecipientRecord.filter(keys: ids).order(Column("id")).fetchAll(db).map { r in
            (r, try String.fetchOne(db, sql: "SELECT name FROM campaign WHERE id = ?", arguments: [r.campaignId]) ?? "")
        }
    }

    public func corrections(ofConversation id: Int64) throws -> [CorrectionRecord] {
        try CorrectionRecord.filter(Column("conversationId") == id).order(Column("id")).fetchAll(db)
    }

    /// Erases everything tied to `address`, then replaces the address wherever it is still
    /// mentioned (someone else's message that copied or quoted it, a note, a bounce detail).
    ///
    /// Conversations the person started go whole: their messages in and out, notes, events,
    /// corrections made from their text and outbox entries. In other conversations only the
    /// messages from or to them go. Auto-replies and bounces that mention them are deleted
    /// rather than redacted: they exist only because of that person.
    ///
    /// The caller must then run `Store.compact()`, so that the freed pages and the search
    /// index's old segments leave the file too.
    public func forget(address: String) throws -> ForgetCounts {
        let a = address.lowercased()
        let f = try footprint(of: a)
        var counts = ForgetCounts()
        let contact = f.contactConversations
        if !contact.isEmpty {
            let list = contact.sqlList
            counts.notes = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM note WHERE conversationId IN (\(list))") ?? 0
            counts.events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE conversationId IN (\(list))") ?? 0
            let inThreads = try Int64.fetchAll(db, sql: "SELECT id FROM message WHERE conversationId IN (\(list))")
            counts.messages += try deleteMessages(inThreads)
            counts.corrections = try deleting("DELETE FROM correction WHERE conversationId IN (\(list))")
            counts.outboxEntries += try deleting("DELETE FROM outbox WHERE conversationId IN (\(list))")
            // Participants, notes and events go with the conversation (ON DELETE CASCADE).
            try db.execute(sql: "DELETE FROM conversation WHERE id IN (\(list))")
            counts.conversations = contact.count
        }
        // Conversations of other people that held only messages from or to this person are now
        // empty shells that still name the person's subject: they go too.
        let touched = try f.messages.isEmpty ? [] : Int64.fetchAll(db, sql: """
            SELECT DISTINCT conversationId FROM message WHERE conversationId IS NOT NULL AND id IN (\(f.messages.sqlList))
            """)
        counts.messages += try deleteMessages(f.messages)
        for id in touched {
            let left = try Int.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) FROM message WHERE conversationId = ?1) + (SELECT COUNT(*) FROM outbox WHERE conversationId = ?1)
                """, arguments: [id]) ?? 0
            if left == 0 {
                try db.execute(sql: "DELETE FROM correction WHERE conversationId = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM conversation WHERE id = ?", arguments: [id])
                counts.conversations += 1
            }
        }
        try db.execute(sql: "DELETE FROM conversationParticipant WHERE lower(address) = ?", arguments: [a])
        if !f.outboxEntries.isEmpty {
            counts.outboxEntries += try deleting("DELETE FROM outbox WHERE id IN (\(f.outboxEntries.sqlList))")
        }
        if !f.campaignRecipients.isEmpty {
            counts.campaignRecipients = try deleting("DELETE FROM campaignRecipient WHERE id IN (\(f.campaignRecipients.sqlList))")
        }
        counts.redactedRows = try redactMentions(of: a)
        return counts
    }

    /// Deletes messages (attachments cascade), their raw bytes and search rows; returns how many existed.
    private func deleteMessages(_ ids: [Int64]) throws -> Int {
        try dropRaw(ofMessages: ids)
        var deleted = 0
        for chunk in ids.chunks(of: 500) {
            let list = chunk.sqlList
            try db.execute(sql: "DELETE FROM messageSearch WHERE rowid IN (\(list))")
            deleted += try deleting("DELETE FROM message WHERE id IN (\(list))")
        }
        return deleted
    }

    private func deleting(_ sql: String) throws -> Int {
        try db.execute(sql: sql)
        return db.changesCount
    }

    /// The columns that can hold an address in free text, table by table.
    private static let mentionColumns: [(table: String, columns: [String])] = [
        ("message", ["subject", "fromName", "toAddresses", "ccAddresses", "replyTo", "messageID", "inReplyTo",
                     "referencesList", "text", "newText", "robotDetail", "defects"]),
        ("conversation", ["subject", "normalizedSubject", "contactName", "weakMatch"]),
        ("attachment", ["filename"]),
        ("note", ["text"]),
        ("event", ["detail"]),
        ("correction", ["text"]),
        ("outbox", ["raw", "spec", "subject", "recipients", "lastError", "recipientResults"]),
        ("campaignRecipient", ["name", "variables", "detail"]),
        ("keyValue", ["value"]),
        ("pollRun", ["error"]),
        ("serverAction", ["lastError"]),
    ]

    /// Replaces `address` (any letter case) in every remaining free-text column and raw
    /// message; robot messages that mention it are deleted. Returns the number of rows changed.
    private func redactMentions(of address: String) throws -> Int {
        var changed = 0
        let needle = Array(address.lowercased().utf8)
        let replacement = Array(StoreTransaction.redactedAddress.utf8)
        var redactedMessages = Set<Int64>()
        for (table, columns) in StoreTransaction.mentionColumns {
            let condition = columns.map { "instr(lower(CAST(\($0) AS TEXT)), :a) > 0" }.joined(separator: " OR ")
            let rows = try Row.fetchAll(db, sql: "SELECT rowid AS _rowid, * FROM \(table) WHERE \(condition)",
                                        arguments: ["a": address.lowercased()])
            for row in rows {
                let rowid: Int64 = row["_rowid"]
                if table == "message", (row["state"] as String?) == "robot" {
                    changed += try deleteMessages([rowid])
                    continue
                }
                var assignments: [String] = []
                var arguments: [DatabaseValueConvertible?] = []
                for column in columns {
                    let value: DatabaseValue = row[column]
                    switch value.storage {
                        case .blob(let data):
                            let bytes = [UInt8](data)
                            let redacted = RawRedaction.replacingASCII(needle, with: replacement, in: bytes)
                            if redacted != bytes { assignments.append("\(column) = ?"); arguments.append(Data(redacted)) }
                        case .string(let text):
                            let redacted = RawRedaction.replacingASCII(needle, with: replacement, in: Array(text.utf8))
                            if redacted != Array(text.utf8) {
                                assignments.append("\(column) = ?")
                                arguments.append(String(decoding: redacted, as: UTF8.self))
                            }
                        default: break
                    }
                }
                guard !assignments.isEmpty else { continue }
                arguments.append(rowid)
                try db.execute(sql: "UPDATE \(table) SET \(assignments.joined(separator: ", ")) WHERE rowid = ?",
                               arguments: StatementArguments(arguments))
                if table == "message", let message = try MessageRecord.fetchOne(db, key: rowid) {
                    try db.execute(sql: "DELETE FROM messageSearch WHERE rowid = ?", arguments: [rowid])
                    try indexForSearch(message)
                    redactedMessages.insert(rowid)
                }
                changed += 1
            }
        }
        // Raw messages, in the raw file. Every stored one is read, not only those whose bytes
        // mention the address: inside a base64 or quoted-printable part, or an encoded word, the
        // address cannot be found by searching the stored bytes (`RawRedaction`).
        let stored = try Row.fetchAll(db, sql: "SELECT id, state, rawKey FROM message WHERE rawKey IS NOT NULL")
        let referenced = Set(stored.map { $0["rawKey"] as Int64 })
        // Bytes no message refers to (a crash's leftover not yet swept) that mention the address:
        // nothing to keep. Read one by one like the rest, not found by a search of the whole
        // file, which would read every stored message a second time.
        for key in try raw.keys() where !referenced.contains(key) {
            guard let bytes = try raw.bytes(key: key).map({ [UInt8]($0) }) else { continue }
            if RawRedaction.containsASCII(needle, in: bytes) { try raw.delete(keys: [key]) }
        }
        for row in stored {
            let key: Int64 = row["rawKey"]
            let id: Int64 = row["id"]
            guard let bytes = try raw.bytes(key: key).map({ [UInt8]($0) }) else { continue }
            let redacted = RawRedaction.redacting(address, with: StoreTransaction.redactedAddress, in: bytes)
            guard redacted != bytes else { continue }
            if (row["state"] as String?) == "robot" {
                changed += try deleteMessages([id])
                continue
            }
            try raw.replace(key: key, with: redacted)
            if redactedMessages.insert(id).inserted { changed += 1 }
        }
        return changed
    }
}
