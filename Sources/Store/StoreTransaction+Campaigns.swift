import Foundation
import GRDB

/// Campaigns and their recipients. A recipient's copy is an outbox entry; the link
/// (`campaignRecipient.outboxId`) is set in the same transaction that queues the entry, so a
/// run killed at any point leaves each recipient either without an entry (queue it) or with
/// exactly one (send or resolve it) — never with two.
extension StoreTransaction {
    public func campaign(named name: String) throws -> CampaignRecord? {
        try CampaignRecord.filter(Column("name") == name).fetchOne(db)
    }

    public func campaigns() throws -> [CampaignRecord] {
        try CampaignRecord.order(Column("createdAt"), Column("id")).fetchAll(db)
    }

    /// Stores a campaign and all its recipients at once: a list is either wholly there or not at all.
    public func insertCampaign(_ campaign: CampaignRecord, recipients: [CampaignRecipientRecord]) throws -> CampaignRecord {
        var c = campaign
        try c.insert(db)
        for var r in recipients {
            r.campaignId = c.id!
            try r.insert(db)
        }
        return c
    }

    /// Recipients in list order.
    public func campaignRecipients(campaignId: Int64) throws -> [CampaignRecipientRecord] {
        try CampaignRecipientRecord.filter(Column("campaignId") == campaignId).order(Column("line"), Column("id")).fetchAll(db)
    }

    /// Recipients of a campaign per state, for every campaign: `[campaignId: [state: count]]`.
    public func campaignRecipientCounts() throws -> [Int64: [String: Int]] {
        var result: [Int64: [String: Int]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT campaignId, state, COUNT(*) AS n FROM campaignRecipient GROUP BY campaignId, state") {
            result[row["campaignId"], default: [:]][row["state"]] = row["n"]
        }
        return result
    }

    /// The campaign's outbox entries, without their bytes.
    public func campaignOutboxEntries(campaignId: Int64) throws -> [OutboxRecord] {
        try OutboxRecord.fetchAll(db, sql: """
            SELECT id, kind, conversationId, campaignId, messageID, envelopeFrom, recipients, subject, NULL AS raw, NULL AS spec,
                state, attempts, nextAttemptAt, createdAt, sentAt, lastError, recipientResults, createdBy,
                handedOverAt, deferredSince
            FROM outbox WHERE campaignId = ? ORDER BY id
            """, arguments: [campaignId])
    }

    /// Links a recipient to the outbox entry just queued for them. False when the recipient
    /// already had one (the caller must then roll back, or a second copy would be queued).
    public func linkCampaignRecipient(id: Int64, outboxId: Int64, at now: Date) throws -> Bool {
        try db.execute(sql: """
            UPDATE campaignRecipient SET outboxId = ?, state = 'queued', updatedAt = ? WHERE id = ? AND outboxId IS NULL
            """, arguments: [outboxId, now, id])
        return db.changesCount == 1
    }

    /// Records what the outbox says happened to a recipient's copy. A bounce (which arrives
    /// later, by mail) is final and never overwritten by the earlier "sent".
    public func updateCampaignRecipient(id: Int64, state: CampaignRecipientRecord.State, detail: String?, at now: Date) throws {
        try db.execute(sql: """
            UPDATE campaignRecipient SET state = ?, detail = ?, updatedAt = ? WHERE id = ? AND state != 'bounced'
            """, arguments: [state.rawValue, detail, now, id])
    }
}
