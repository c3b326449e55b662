import Foundation
import GRDB

extension StoreTransaction {
    /// The outbox entry that sent the message with this Message-ID.
    public func outbox(messageID: String) throws -> OutboxRecord? {
        try OutboxRecord.filter(Column("messageID") == messageID).fetchOne(db)
    }

    public func outbox(id: Int64) throws -> OutboxRecord? {
        try OutboxRecord.fetchOne(db, key: id)
    }

    /// The topic of the campaign whose message one of these Message-IDs names, if any:
    /// answers to the evaluation request belong to `utvardering`, not to the classifier's guess.
    public func campaignTopic(answeringAny messageIDs: [String]) throws -> String? {
        guard !messageIDs.isEmpty else { return nil }
        let placeholders = Array(repeating: "?", count: messageIDs.count).joined(separator: ",")
        return try String.fetchOne(db, sql: """
            SELECT c.topic FROM outbox o JOIN campaign c ON c.id = o.campaignId
            WHERE o.messageID IN (\(placeholders)) AND c.topic IS NOT NULL LIMIT 1
            """, arguments: StatementArguments(messageIDs))
    }

    /// Marks the campaign recipient of an outbox entry as bounced, with the reason.
    public func markCampaignRecipientBounced(outboxId: Int64, detail: String, at: Date) throws {
        try db.execute(sql: """
            UPDATE campaignRecipient SET state = 'bounced', detail = ?, updatedAt = ? WHERE outboxId = ?
            """, arguments: [detail, at, outboxId])
    }
}

extension StoreTransaction {
    /// Puts a message in the outbox. The unique Message-ID makes a second enqueue of the same
    /// message fail instead of sending it twice.
    @discardableResult
    public func enqueue(_ entry: OutboxRecord) throws -> OutboxRecord {
        var e = entry
        try e.insert(db)
        return e
    }

    /// When we last sent (or queued) an automatic receipt to this address.
    public func lastReceipt(to address: String) throws -> Date? {
        try Date.fetchOne(db, sql: """
            SELECT MAX(createdAt) FROM outbox WHERE kind = 'receipt' AND state != 'cancelled' AND recipients = ?
            """, arguments: [MessageRecord.encodeList([address])])
    }

    public func outboxEntries(conversationId: Int64) throws -> [OutboxRecord] {
        try OutboxRecord.filter(Column("conversationId") == conversationId).order(Column("createdAt")).fetchAll(db)
    }
}
