import Foundation
import GRDB

/// What one purge removed (or, in a dry run, would remove).
public struct PurgeCounts: Sendable, Codable, Equatable {
    public var conversations = 0
    public var messages = 0
    public var attachments = 0
    public var notes = 0
    public var events = 0
    public var corrections = 0
    public var outboxEntries = 0
    /// Auto-replies, bounces and list mail outside any conversation, older than the cutoff.
    public var robotMessages = 0
    /// Closed conversations past the cutoff left alone because something is still to be sent.
    public var skippedWithPendingOutbox = 0

    public init() {}

    public static func + (a: PurgeCounts, b: PurgeCounts) -> PurgeCounts {
        var s = a
        s.conversations += b.conversations
        s.messages += b.messages
        s.attachments += b.attachments
        s.notes += b.notes
        s.events += b.events
        s.corrections += b.corrections
        s.outboxEntries += b.outboxEntries
        s.robotMessages += b.robotMessages
        s.skippedWithPendingOutbox += b.skippedWithPendingOutbox
        return s
    }
}

extension StoreTransaction {
    /// Closed, not yet purged conversations whose closing (or, lacking that, last activity)
    /// is older than `cutoff`, and how many of them still have mail waiting to leave.
    public func purgeCandidates(closedBefore cutoff: Date) throws -> (ids: [Int64], pending: [Int64]) {
        let rows = try Row.fetchAll(db, sql: """
            SELECT c.id,
                   EXISTS (SELECT 1 FROM outbox o WHERE o.conversationId = c.id
                           AND o.state IN ('queued', 'sending', 'deferred')) AS pending
            FROM conversation c
            WHERE c.status = 'closed' AND c.purgedAt IS NULL AND COALESCE(c.closedAt, c.lastActivityAt) < ?
            ORDER BY c.id
            """, arguments: [cutoff])
        var ids: [Int64] = [], pending: [Int64] = []
        for row in rows {
            if row["pending"] as Bool { pending.append(row["id"]) } else { ids.append(row["id"]) }
        }
        return (ids, pending)
    }

    /// Robot messages (auto-replies, bounces, list mail) in no conversation, older than `cutoff`:
    /// nobody works them, yet they carry addresses and text.
    public func unthreadedRobotMessages(receivedBefore cutoff: Date) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT id FROM message WHERE conversationId IS NULL AND state = 'robot' AND purgedAt IS NULL AND receivedAt < ?
            ORDER BY id
            """, arguments: [cutoff])
    }

    /// What purging these conversations and messages would touch, without changing anything.
    public func purgeCounts(conversations ids: [Int64], robotMessages: [Int64]) throws -> PurgeCounts {
        var counts = PurgeCounts()
        counts.conversations = ids.count
        counts.robotMessages = robotMessages.count
        guard !ids.isEmpty || !robotMessages.isEmpty else { return counts }
        let list = ids.sqlList
        let robots = robotMessages.sqlList
        func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
        counts.messages = try count("SELECT COUNT(*) FROM message WHERE conversationId IN (\(list))")
        counts.attachments = try count("""
            SELECT COUNT(*) FROM attachment WHERE messageId IN
                (SELECT id FROM message WHERE conversationId IN (\(list))) OR messageId IN (\(robots.isEmpty ? "NULL" : robots))
            """)
        counts.notes = try count("SELECT COUNT(*) FROM note WHERE conversationId IN (\(list))")
        counts.events = try count("SELECT COUNT(*) FROM event WHERE conversationId IN (\(list))")
        counts.corrections = try count("SELECT COUNT(*) FROM correction WHERE conversationId IN (\(list))")
        counts.outboxEntries = try count("SELECT COUNT(*) FROM outbox WHERE conversationId IN (\(list))")
        return counts
    }

    /// Removes the personal data of one closed conversation and keeps its anonymous shape.
    ///
    /// Kept: topic, topic source, sender kind, language, status and the created / first-answered /
    /// closed dates (what `stats` counts), the message rows' direction, state, size and dates,
    /// the events' kinds and times. Removed: raw bytes, texts, subjects, addresses, names,
    /// Message-IDs, attachment metadata, notes, corrections made from its text, the search
    /// index rows, and the outbox copies of what we sent.
    public func purgeConversation(id: Int64, at now: Date) throws {
        let messageIds = try Int64.fetchAll(db, sql: "SELECT id FROM message WHERE conversationId = ?", arguments: [id])
        try anonymiseMessages(messageIds, at: now)
        try db.execute(sql: """
            UPDATE conversation SET subject = '', normalizedSubject = '', contactAddress = '', contactName = NULL,
                weakMatch = NULL, purgedAt = ? WHERE id = ?
            """, arguments: [now, id])
        try db.execute(sql: "DELETE FROM conversationParticipant WHERE conversationId = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM note WHERE conversationId = ?", arguments: [id])
        // Event details quote bounce diagnostics and addresses; the kind and time are the audit trail.
        try db.execute(sql: "UPDATE event SET detail = '' WHERE conversationId = ?", arguments: [id])
        // A correction is the inquiry's own text with the director's label: personal data.
        try db.execute(sql: "DELETE FROM correction WHERE conversationId = ?", arguments: [id])
        try db.execute(sql: """
            UPDATE outbox SET raw = NULL, spec = NULL, recipients = '[]', subject = '', lastError = NULL,
                recipientResults = '[]' WHERE conversationId = ?
            """, arguments: [id])
    }

    /// Blanks every personal field of these messages, drops their attachment metadata and
    /// search rows, and stamps them purged. Direction, state, size and dates stay.
    public func anonymiseMessages(_ ids: [Int64], at now: Date) throws {
        guard !ids.isEmpty else { return }
        for chunk in ids.chunks(of: 500) {
            let list = chunk.sqlList
            try db.execute(sql: """
                UPDATE message SET subject = '', fromAddress = '', fromName = NULL, toAddresses = '[]',
                    ccAddresses = '[]', replyTo = NULL, messageID = NULL, inReplyTo = NULL, referencesList = '',
                    text = '', newText = '', robotDetail = NULL, defects = '[]', purgedAt = ?
                WHERE id IN (\(list))
                """, arguments: [now])
            try db.execute(sql: "DELETE FROM attachment WHERE messageId IN (\(list))")
            try db.execute(sql: "DELETE FROM messageSearch WHERE rowid IN (\(list))")
        }
        try dropRaw(ofMessages: ids)
    }
}
