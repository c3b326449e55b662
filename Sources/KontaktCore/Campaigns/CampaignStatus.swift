import Foundation
import Store

/// `kontakt campaign status NAME`: totals and every recipient's state with the server's answer
/// or the bounce reason.
public struct CampaignStatus: Codable, Sendable {
    public struct Recipient: Codable, Sendable {
        public var line: Int
        public var email: String
        public var name: String
        /// queued, sent, deferred, failed or bounced.
        public var state: String
        /// The server's answer, our reason, or the bounce's reason.
        public var detail: String?
        public var outboxId: Int64?
        /// Attempts the outbox made (0 before the first).
        public var attempts: Int
        public var updatedAt: Date
    }

    public var name: String
    public var template: String
    public var subject: String
    public var topic: String?
    public var createdAt: Date
    public var attachments: [CampaignAttachment]
    public var total: Int
    public var queued: Int
    public var sent: Int
    public var deferred: Int
    public var failed: Int
    public var bounced: Int
    /// Sent, but recorded without the server's final answer (a run died in that instant).
    public var unconfirmed: Int
    public var recipients: [Recipient]

    init(_ c: CampaignRecord, recipients rows: [CampaignRecipientRecord], entries: [OutboxRecord]) {
        let byId = Dictionary(uniqueKeysWithValues: entries.map { ($0.id!, $0) })
        name = c.name
        template = c.template
        subject = c.subject
        topic = c.topic
        createdAt = c.createdAt
        attachments = CampaignAttachment.decodeList(c.attachments)
        recipients = rows.map { r in
            Recipient(line: r.line, email: r.email, name: r.name, state: r.state.rawValue, detail: r.detail, outboxId: r.outboxId,
                      attempts: r.outboxId.flatMap { byId[$0]?.attempts } ?? 0, updatedAt: r.updatedAt)
        }
        total = rows.count
        func count(_ s: CampaignRecipientRecord.State) -> Int { rows.filter { $0.state == s }.count }
        queued = count(.queued)
        sent = count(.sent)
        deferred = count(.deferred)
        failed = count(.failed)
        bounced = count(.bounced)
        unconfirmed = rows.filter { r in r.state == .sent && r.outboxId.flatMap { byId[$0]?.handedOverAt } != nil }.count
    }
}

/// One line of `kontakt campaign list`.
public struct CampaignSummary: Codable, Sendable {
    public var name: String
    public var template: String
    public var subject: String
    public var topic: String?
    public var createdAt: Date
    public var total: Int
    public var queued: Int
    public var sent: Int
    public var deferred: Int
    public var failed: Int
    public var bounced: Int

    init(_ c: CampaignRecord, counts: [String: Int]) {
        name = c.name
        template = c.template
        subject = c.subject
        topic = c.topic
        createdAt = c.createdAt
        queued = counts["queued"] ?? 0
        sent = counts["sent"] ?? 0
        deferred = counts["deferred"] ?? 0
        failed = counts["failed"] ?? 0
        bounced = counts["bounced"] ?? 0
        total = queued + sent + deferred + failed + bounced
    }
}

/// What `kontakt campaign retry NAME` did.
public struct CampaignRetryResult: Codable, Sendable {
    public var name: String
    public var requeued = 0
}
