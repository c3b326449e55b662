import Foundation
import GRDB

extension StoreTransaction {
    /// Human conversations opened at or after `since` (all when nil), oldest first: what `kontakt stats` counts.
    public func conversations(createdSince since: Date?) throws -> [ConversationRecord] {
        var request = ConversationRecord.filter(Column("isRobot") == false)
        if let since { request = request.filter(Column("createdAt") >= since) }
        return try request.order(Column("createdAt"), Column("id")).fetchAll(db)
    }

    /// Auto-replies, bounces, loops and list mail, newest first (`kontakt queue --robots`).
    public func robotMessages(limit: Int = 500) throws -> [MessageRecord] {
        try MessageRecord.filter(Column("state") == MessageRecord.State.robot.rawValue)
            .order(Column("receivedAt").desc, Column("id").desc).limit(limit).fetchAll(db)
    }

    /// Attachment rows of every message in a conversation, keyed by message id.
    public func attachments(ofConversation id: Int64) throws -> [Int64: [AttachmentRecord]] {
        let rows = try AttachmentRecord.fetchAll(db, sql: """
            SELECT a.* FROM attachment a JOIN message m ON m.id = a.messageId
            WHERE m.conversationId = ? ORDER BY a.messageId, a.position
            """, arguments: [id])
        return Dictionary(grouping: rows, by: \.messageId)
    }
}
