import Foundation
import MailMessage
import Store

extension Outbox {
    /// Composes a director's reply to `conversationId` (threaded on its latest inbound message,
    /// tagged subject, From display name, Reply-To if configured) and queues it with its bytes.
    /// The small core entry point `reply` builds on; `reply --send` then calls `send(ids:)`.
    @discardableResult
    public static func queueReply(config: KontaktConfig, store: Store, conversationId: Int64, body: String,
                                  attachments: [OutgoingAttachment] = [], now: Date = Date()) throws -> OutboxRecord {
        let catalog = try Router.loadCatalog(config.routing.topicsFile)
        let composer = ReplyComposer(config: config, catalog: catalog)
        return try store.write { tx in
            guard let conversation = try tx.conversation(id: conversationId) else {
                throw KontaktError.notFound("conversation \(conversationId) does not exist; see `kontakt queue`")
            }
            let messages = try tx.messages(inConversation: conversationId)
            let lastInbound = messages.last { $0.direction == .inbound }
            let draft = try composer.compose(conversation: conversation, lastInbound: lastInbound,
                                             history: messages.compactMap(\.messageID), body: body, automatic: false,
                                             attachments: attachments, now: now)
            let entry = try composer.enqueue(draft, kind: .reply, conversationId: conversationId, createdBy: "director", in: tx, now: now)
            try tx.record(EventRecord(at: now, conversationId: conversationId, actor: "director", kind: "reply-queued",
                                      detail: "outbox \(entry.id ?? 0)"))
            return entry
        }
    }
}
