import Foundation
import GRDB

/// The facts `kontakt status` reports, read in one snapshot so the numbers agree with each other.
public struct HealthFacts: Sendable {
    public var lastPoll: PollRunRecord?
    public var lastSuccessfulPoll: PollRunRecord?
    /// When the outbox last delivered something (the newest `sent` row), or what the sender
    /// recorded under `send.lastSuccessAt`, whichever is newer.
    public var lastSentAt: Date?
    public var openConversations: Int
    /// The open (non-robot) conversation that has waited longest for us, and since when.
    public var oldestWaitingConversationId: Int64?
    public var oldestWaitingSince: Date?
    public var outboxCounts: [OutboxRecord.State: Int]
    public var oldestDeferredAt: Date?
    public var quarantined: Int
    public var oversize: Int
    public var campaignBacklogs: [CampaignBacklog]
    public var failingServerActions: [ServerActionRecord]
    /// When the IMAP server's certificate expires, as the last poll that made a TLS handshake saw it.
    public var imapCertificateNotAfter: Date?

    public init(lastPoll: PollRunRecord? = nil, lastSuccessfulPoll: PollRunRecord? = nil, lastSentAt: Date? = nil,
                openConversations: Int = 0, oldestWaitingConversationId: Int64? = nil, oldestWaitingSince: Date? = nil,
                outboxCounts: [OutboxRecord.State: Int] = [:], oldestDeferredAt: Date? = nil, quarantined: Int = 0,
                oversize: Int = 0, campaignBacklogs: [CampaignBacklog] = [], failingServerActions: [ServerActionRecord] = []) {
        self.lastPoll = lastPoll
        self.lastSuccessfulPoll = lastSuccessfulPoll
        self.lastSentAt = lastSentAt
        self.openConversations = openConversations
        self.oldestWaitingConversationId = oldestWaitingConversationId
        self.oldestWaitingSince = oldestWaitingSince
        self.outboxCounts = outboxCounts
        self.oldestDeferredAt = oldestDeferredAt
        self.quarantined = quarantined
        self.oversize = oversize
        self.campaignBacklogs = campaignBacklogs
        self.failingServerActions = failingServerActions
    }
}

/// A campaign that still has recipients to reach.
public struct CampaignBacklog: Sendable, Codable {
    public var name: String
    public var queued: Int
    public var deferred: Int
    public var failed: Int
}

extension StoreTransaction {
    /// The key a sender may write after a successful `kontakt send` run (ISO 8601), so that a
    /// run that had nothing to send still counts as "the SMTP side works".
    public static let lastSendKey = "send.lastSuccessAt"
    /// The IMAP server certificate's expiry (ISO 8601), recorded by the poller.
    public static let imapCertificateKey = "imap.certificateNotAfter"

    /// Everything `status` needs; `serverActionFailureThreshold` is how many failed attempts
    /// make an after-fetch action "keep failing".
    public func healthFacts(serverActionFailureThreshold: Int = 3, now: Date = Date()) throws -> HealthFacts {
        var sent = try Date.fetchOne(db, sql: "SELECT MAX(sentAt) FROM outbox WHERE state = 'sent'")
        if let text = try value(forKey: StoreTransaction.lastSendKey),
           let recorded = ISO8601DateFormatter().date(from: text) {
            sent = max(sent ?? recorded, recorded)
        }
        let open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversation WHERE status = 'open' AND isRobot = 0") ?? 0
        let oldest = try Row.fetchOne(db, sql: """
            SELECT c.id, COALESCE((SELECT MAX(m.receivedAt) FROM message m
                                   WHERE m.conversationId = c.id AND m.direction = 'in'), c.createdAt) AS waitingSince
            FROM conversation c WHERE c.status = 'open' AND c.isRobot = 0
                AND \(StoreTransaction.awakeSQL)
            ORDER BY waitingSince, c.id LIMIT 1
            """, arguments: [now])
        var counts: [OutboxRecord.State: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
            if let state = OutboxRecord.State(rawValue: row["state"]) { counts[state] = row["n"] }
        }
        let oldestDeferred = try Date.fetchOne(db, sql: "SELECT MIN(createdAt) FROM outbox WHERE state = 'deferred'")
        let campaigns = try Row.fetchAll(db, sql: """
            SELECT c.name,
                   SUM(r.state = 'queued') AS queued, SUM(r.state = 'deferred') AS deferred, SUM(r.state = 'failed') AS failed
            FROM campaign c JOIN campaignRecipient r ON r.campaignId = c.id
            GROUP BY c.id HAVING SUM(r.state IN ('queued', 'deferred')) > 0
            ORDER BY c.createdAt, c.id
            """).map { row in
            CampaignBacklog(name: row["name"], queued: row["queued"] ?? 0, deferred: row["deferred"] ?? 0, failed: row["failed"] ?? 0)
        }
        let failing = try ServerActionRecord.filter(Column("attempts") >= serverActionFailureThreshold)
            .order(Column("attempts").desc, Column("id")).fetchAll(db)
        var facts = HealthFacts(
            lastPoll: try lastPoll(), lastSuccessfulPoll: try lastSuccessfulPoll(), lastSentAt: sent,
            openConversations: open,
            oldestWaitingConversationId: oldest?["id"], oldestWaitingSince: oldest?["waitingSince"],
            outboxCounts: counts, oldestDeferredAt: oldestDeferred,
            quarantined: try messageCount(state: .quarantined), oversize: try messageCount(state: .oversize),
            campaignBacklogs: campaigns, failingServerActions: failing)
        facts.imapCertificateNotAfter = try value(forKey: StoreTransaction.imapCertificateKey)
            .flatMap { ISO8601DateFormatter().date(from: $0) }
        return facts
    }
}
