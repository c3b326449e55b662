import Foundation
import MailMessage
import Store

/// The thread's copy of a message we sent: a `message` row with direction `out`, so `show`
/// lists the reply between the questions, search finds it, and an answer that quotes its
/// Message-ID threads back into the same conversation.
enum OutboundRecord {
    /// The row for `entry`, derived from its bytes (parsed) or its spec (already structured).
    /// Large spec-built messages keep no raw copy: their bytes were never in memory, and the
    /// spec in the outbox row rebuilds them.
    static func make(for entry: OutboxRecord, contentHash: String?, size: Int64?, at now: Date) -> MessageRecord {
        var record = MessageRecord(direction: .outbound, contentHash: contentHash ?? "", size: Int(size ?? 0),
                                   receivedAt: now, state: .accepted)
        record.conversationId = entry.conversationId
        record.messageID = entry.messageID
        record.subject = entry.subject
        record.sentAt = now
        record.outboxId = entry.id
        record.toAddresses = entry.recipients
        if let raw = entry.raw {
            let bytes = [UInt8](raw)
            record.size = bytes.count
            if record.contentHash.isEmpty { record.contentHash = Ingestor.contentHash(bytes) }
            if let message = try? Message.parse(bytes) {
                record.fromAddress = message.from.first?.address ?? ""
                record.fromName = message.from.first?.name
                record.toAddresses = MessageRecord.encodeList(message.to.map(\.address))
                record.ccAddresses = MessageRecord.encodeList(message.cc.map(\.address))
                record.replyTo = message.replyTo.first?.address
                record.inReplyTo = message.inReplyTo.first
                record.referencesList = message.references.joined(separator: " ")
                record.text = message.text
                record.newText = message.newText
                if let subject = message.subject { record.subject = subject }
            }
        } else if let json = entry.spec, let spec = try? OutgoingSpec.decode(json) {
            record.fromAddress = spec.from.address
            record.fromName = spec.from.name
            record.toAddresses = MessageRecord.encodeList(spec.to.map(\.address))
            record.ccAddresses = MessageRecord.encodeList(spec.cc.map(\.address))
            record.replyTo = spec.replyTo.first?.address
            record.inReplyTo = spec.inReplyTo
            record.referencesList = spec.references.joined(separator: " ")
            record.text = spec.text
            record.newText = spec.text
            record.subject = spec.subject
            if record.contentHash.isEmpty { record.contentHash = Ingestor.contentHash(Array(json.utf8)) }
        }
        return record
    }
}
