import Foundation
import MailMessage
import Store

/// Putting messages in the outbox: the one door, for replies, receipts and campaigns.
extension Outbox {
    /// Queues a message to be built at send time from `spec` (file attachments are read then,
    /// after their SHA-256 is checked against the one recorded now). For campaigns and any
    /// message with large attachments. Make the spec outside the transaction —
    /// `OutgoingSpec(message:)` hashes the files.
    ///
    /// - Parameter recipients: the envelope; by default every To and Cc address.
    /// - Parameter envelopeFrom: "" for the null sender (automatic mail); by default the From address.
    @discardableResult
    public static func enqueue(_ spec: OutgoingSpec, kind: OutboxRecord.Kind, envelopeFrom: String? = nil,
                               recipients: [String]? = nil, conversationId: Int64? = nil, campaignId: Int64? = nil,
                               createdBy: String = "director", in tx: StoreTransaction, now: Date) throws -> OutboxRecord {
        let envelope = recipients ?? (spec.to + spec.cc).map(\.address)
        var entry = OutboxRecord(kind: kind, messageID: spec.messageID, envelopeFrom: envelopeFrom ?? spec.from.address,
                                 recipients: envelope, subject: spec.subject, at: now)
        entry.spec = spec.json()
        entry.conversationId = conversationId
        entry.campaignId = campaignId
        entry.createdBy = createdBy
        _ = try PreparedMessage.envelope(for: entry)
        return try tx.enqueue(entry)
    }

    /// Queues a message with its bytes built now (replies and receipts: small, and fixed at the
    /// moment the director approved them).
    @discardableResult
    public static func enqueue(_ message: OutgoingMessage, kind: OutboxRecord.Kind, envelopeFrom: String? = nil,
                               recipients: [String]? = nil, conversationId: Int64? = nil, campaignId: Int64? = nil,
                               createdBy: String = "director", in tx: StoreTransaction, now: Date) throws -> OutboxRecord {
        let raw: [UInt8]
        do { raw = try MessageBuilder.build(message) } catch {
            throw OutboxError.invalidMessage("cannot build the message: \(error)")
        }
        let envelope = recipients ?? (message.to + message.cc).map(\.address)
        var entry = OutboxRecord(kind: kind, messageID: message.messageID, envelopeFrom: envelopeFrom ?? message.from.address,
                                 recipients: envelope, subject: message.subject, at: now)
        entry.raw = Data(raw)
        entry.conversationId = conversationId
        entry.campaignId = campaignId
        entry.createdBy = createdBy
        _ = try PreparedMessage.envelope(for: entry)
        return try tx.enqueue(entry)
    }
}
