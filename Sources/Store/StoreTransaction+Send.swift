import Foundation
import GRDB

/// The outbox's state transitions. Each is one small UPDATE guarded by the state it leaves, so
/// two senders (cron's `send` and `reply --send`) can never both claim an entry, and the commit
/// that records a delivery stays as short as SQLite allows.
extension StoreTransaction {
    /// Every column but the raw bytes: listings must not pull megabytes of BLOB per row.
    private static let outboxListColumns = """
        id, kind, conversationId, campaignId, messageID, envelopeFrom, recipients, subject, NULL AS raw, spec,
        state, attempts, nextAttemptAt, createdAt, sentAt, lastError, recipientResults, createdBy,
        handedOverAt, deferredSince
        """

    /// Ids of entries that may be sent now (queued or deferred and due), oldest due first.
    public func dueOutboxIds(at now: Date, limit: Int = 10_000) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT id FROM outbox WHERE state IN ('queued', 'deferred') AND nextAttemptAt <= ?
            ORDER BY nextAttemptAt, id LIMIT ?
            """, arguments: [now, limit])
    }

    /// Entries in these states, without their raw bytes, oldest first.
    public func outboxEntries(states: [OutboxRecord.State]) throws -> [OutboxRecord] {
        guard !states.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: states.count).joined(separator: ",")
        return try OutboxRecord.fetchAll(db, sql: """
            SELECT \(Self.outboxListColumns) FROM outbox WHERE state IN (\(placeholders)) ORDER BY id
            """, arguments: StatementArguments(states.map(\.rawValue)))
    }

    /// One entry without its raw bytes.
    public func outboxSummary(id: Int64) throws -> OutboxRecord? {
        try OutboxRecord.fetchOne(db, sql: "SELECT \(Self.outboxListColumns) FROM outbox WHERE id = ?", arguments: [id])
    }

    /// Moves a queued or deferred entry to `sending` and counts the attempt. Returns the entry
    /// (with its bytes) when this call claimed it, nil when it was in another state.
    public func claimOutboxEntry(id: Int64, at now: Date) throws -> OutboxRecord? {
        try db.execute(sql: """
            UPDATE outbox SET state = 'sending', attempts = attempts + 1, handedOverAt = NULL
            WHERE id = ? AND state IN ('queued', 'deferred')
            """, arguments: [id])
        guard db.changesCount == 1 else { return nil }
        return try OutboxRecord.fetchOne(db, key: id)
    }

    /// Records that the end of the message is going to the server now. The only write inside a
    /// transfer, and deliberately tiny.
    public func markOutboxHandedOver(id: Int64, at now: Date) throws {
        try db.execute(sql: "UPDATE outbox SET handedOverAt = ? WHERE id = ? AND state = 'sending'", arguments: [now, id])
    }

    /// Entries a previous run left in `sending` (it died): the caller must hold the send lock.
    public func interruptedOutboxEntries() throws -> [OutboxRecord] {
        try OutboxRecord.filter(Column("state") == OutboxRecord.State.sending.rawValue).order(Column("id")).fetchAll(db)
    }

    /// `sending → sent`. This UPDATE is the commit that closes a delivery, so it touches one
    /// row and no BLOB. `confirmed: false` keeps `handedOverAt`, which then marks the entry as
    /// recorded without the server's 250 (a run died after the final dot).
    public func markOutboxSent(id: Int64, at now: Date, recipientResults: String, note: String?, confirmed: Bool) throws {
        try db.execute(sql: """
            UPDATE outbox SET state = 'sent', sentAt = ?, recipientResults = ?, lastError = ?, deferredSince = NULL,
                handedOverAt = CASE WHEN ? THEN NULL ELSE handedOverAt END
            WHERE id = ? AND state = 'sending'
            """, arguments: [now, recipientResults, note, confirmed, id])
    }

    /// `sending → deferred` until `nextAttemptAt`.
    public func markOutboxDeferred(id: Int64, error: String, recipientResults: String, nextAttemptAt: Date, deferredSince: Date) throws {
        try db.execute(sql: """
            UPDATE outbox SET state = 'deferred', lastError = ?, recipientResults = ?, nextAttemptAt = ?,
                deferredSince = ?, handedOverAt = NULL
            WHERE id = ? AND state = 'sending'
            """, arguments: [error, recipientResults, nextAttemptAt, deferredSince, id])
    }

    /// `sending → deferred` after the server accepted the message for some recipients and refused
    /// others temporarily (4xx): only those are left in `recipients`, so the next attempt can
    /// never reach an accepted recipient twice.
    public func markOutboxPartlyDelivered(id: Int64, remainingRecipients: [String], error: String, recipientResults: String,
                                          nextAttemptAt: Date, deferredSince: Date) throws {
        let remaining = String(decoding: try JSONEncoder().encode(remainingRecipients), as: UTF8.self)
        try db.execute(sql: """
            UPDATE outbox SET state = 'deferred', recipients = ?, lastError = ?, recipientResults = ?, nextAttemptAt = ?,
                deferredSince = ?, handedOverAt = NULL
            WHERE id = ? AND state = 'sending'
            """, arguments: [remaining, error, recipientResults, nextAttemptAt, deferredSince, id])
    }

    /// `sending → failed`: retrying will not help without a change.
    public func markOutboxFailed(id: Int64, error: String, recipientResults: String) throws {
        try db.execute(sql: """
            UPDATE outbox SET state = 'failed', lastError = ?, recipientResults = ?, handedOverAt = NULL
            WHERE id = ? AND state = 'sending'
            """, arguments: [error, recipientResults, id])
    }

    /// `sending → queued`, due at once: the attempt did not reach the message itself (the server
    /// refused our login, or a run died before the end of the data). `countAttempt: false` undoes
    /// the claim's attempt count.
    public func requeueOutboxEntry(id: Int64, note: String, at now: Date, countAttempt: Bool) throws {
        try db.execute(sql: """
            UPDATE outbox SET state = 'queued', lastError = ?, nextAttemptAt = MIN(nextAttemptAt, ?), handedOverAt = NULL,
                attempts = CASE WHEN ? THEN attempts ELSE MAX(attempts - 1, 0) END
            WHERE id = ? AND state = 'sending'
            """, arguments: [note, now, countAttempt, id])
    }

    /// Makes a deferred, failed, cancelled or unconfirmed-sent entry due now with a fresh retry
    /// allowance. Returns false when the entry is in none of those states.
    public func retryOutboxEntry(id: Int64, at now: Date) throws -> Bool {
        try db.execute(sql: """
            UPDATE outbox SET state = 'queued', nextAttemptAt = ?, deferredSince = NULL, handedOverAt = NULL
            WHERE id = ? AND (state IN ('deferred', 'failed', 'cancelled') OR (state = 'sent' AND handedOverAt IS NOT NULL))
            """, arguments: [now, id])
        return db.changesCount == 1
    }

    /// `queued | deferred | failed → cancelled`. Returns false in any other state.
    public func cancelOutboxEntry(id: Int64) throws -> Bool {
        try db.execute(sql: "UPDATE outbox SET state = 'cancelled' WHERE id = ? AND state IN ('queued', 'deferred', 'failed')",
                       arguments: [id])
        return db.changesCount == 1
    }

    /// True when the outbound copy of this entry is already in the thread.
    public func hasOutboundMessage(outboxId: Int64) throws -> Bool {
        try Int64.fetchOne(db, sql: "SELECT 1 FROM message WHERE outboxId = ? AND direction = 'out' LIMIT 1",
                           arguments: [outboxId]) != nil
    }

    /// How many messages left since `since` (for `[smtp] messages_per_day`).
    public func sentOutboxCount(since: Date) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND sentAt >= ?", arguments: [since]) ?? 0
    }
}
