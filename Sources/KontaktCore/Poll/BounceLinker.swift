import Foundation
import Routing
import Store

/// Connects a bounce to the message of ours it bounces.
///
/// The returned message's Message-ID is the key: every message Kontakt sends has a unique
/// one recorded in the outbox, so the match does not depend on how a foreign server words
/// its bounce. A bounced reply reopens its conversation with the reason; a bounced campaign
/// message marks that recipient `bounced`.
enum BounceLinker {
    static func link(_ report: BounceReport, bounceMessageId: Int64, in tx: StoreTransaction, at now: Date) throws {
        guard let original = report.originalMessageID, let outbox = try tx.outbox(messageID: original) else { return }
        let reason = report.recipients.map { r in
            [r.address, r.status, r.diagnostic].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        }.joined(separator: "; ")
        // A delay warning ("Action: delayed", 4.x.x) is not a bounce: the server is still trying.
        if outbox.campaignId != nil, report.isPermanent, let id = outbox.id {
            try tx.markCampaignRecipientBounced(outboxId: id, detail: reason.isEmpty ? "bounced" : reason, at: now)
        }
        if let conversationId = outbox.conversationId, var conversation = try tx.conversation(id: conversationId) {
            try tx.record(EventRecord(at: now, conversationId: conversationId, actor: "poller", kind: "bounced",
                                      detail: "reply \(outbox.id ?? 0) bounced: \(reason)"))
            if conversation.status != .open {
                conversation.status = .open
                try tx.update(conversation)
            }
        }
    }
}
