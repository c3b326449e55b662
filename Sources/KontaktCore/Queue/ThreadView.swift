import Foundation
import MailMessage
import Routing
import Store

/// One conversation as the director reads it: every message in and out, oldest first, with
/// the internal notes and the audit trail. `kontakt show` prints it; `--json` encodes it.
///
/// Outgoing messages come from the outbox (a reply is visible from the moment it is queued,
/// with its state), unless a stored message row already stands for that outbox entry.
public struct ThreadView: Codable, Sendable {
    public struct AttachmentInfo: Codable, Sendable {
        public var filename: String?
        public var contentType: String
        public var size: Int
        enum CodingKeys: String, CodingKey { case filename, contentType = "content_type", size }
    }

    public struct Item: Codable, Sendable {
        /// The message id in the store (inbound) or the outbox id (outbound, when only queued/sent).
        public var id: Int64
        public var direction: String
        public var from: String
        public var fromName: String?
        public var to: [String]
        public var subject: String
        public var date: Date
        /// The new text: quoted history folded away.
        public var text: String
        public var fullText: String
        public var attachments: [AttachmentInfo]
        /// Outbound only: the outbox state (queued, sending, sent, deferred, failed, cancelled).
        public var state: String?
        /// Inbound robots and oversize messages say so here.
        public var kind: String?
        enum CodingKeys: String, CodingKey {
            case id, direction, from, to, subject, date, text, attachments, state, kind
            case fromName = "from_name", fullText = "full_text"
        }
    }

    public struct NoteInfo: Codable, Sendable {
        public var at: Date
        public var text: String
    }

    public struct EventInfo: Codable, Sendable {
        public var at: Date
        public var actor: String
        public var kind: String
        public var detail: String
    }

    public var id: Int64
    public var topic: String
    public var topicTitle: String
    public var topicSource: String
    public var confidence: Double
    public var status: String
    public var subject: String
    public var from: String
    public var name: String?
    public var senderKind: String
    public var language: String
    public var weakMatch: String?
    public var createdAt: Date
    public var lastActivityAt: Date
    public var firstAnsweredAt: Date?
    public var closedAt: Date?
    /// Resting until then (`kontakt snooze`).
    public var snoozedUntil: Date?
    public var messages: [Item]
    public var notes: [NoteInfo]
    public var events: [EventInfo]

    enum CodingKeys: String, CodingKey {
        case id, topic, confidence, status, subject, from, name, language, messages, notes, events
        case topicTitle = "topic_title", topicSource = "topic_source", senderKind = "sender_kind"
        case weakMatch = "weak_match", createdAt = "created_at", lastActivityAt = "last_activity_at"
        case firstAnsweredAt = "first_answered_at", closedAt = "closed_at", snoozedUntil = "snoozed_until"
    }

    /// Reads conversation `id` with everything that belongs to it.
    public static func load(id: Int64, from store: Store, catalog: TopicCatalog) throws -> ThreadView {
        try store.read { tx in
            guard let c = try tx.conversation(id: id) else { throw DirectorDesk.missing(id, in: tx) }
            let messages = try tx.messages(inConversation: id)
            let attachments = try tx.attachments(ofConversation: id)
            var items: [Item] = messages.map { m in
                Item(id: m.id ?? 0, direction: m.direction.rawValue, from: m.fromAddress, fromName: m.fromName,
                     to: m.toList, subject: m.subject, date: m.sentAt ?? m.receivedAt, text: m.newText, fullText: m.text,
                     attachments: (attachments[m.id ?? 0] ?? []).map {
                         AttachmentInfo(filename: $0.filename, contentType: $0.contentType, size: $0.size)
                     },
                     state: nil, kind: m.state == .accepted ? nil : m.state.rawValue)
            }
            let represented = Set(messages.compactMap(\.outboxId))
            for entry in try tx.outboxEntries(conversationId: id) where !represented.contains(entry.id ?? -1) {
                items.append(outboundItem(entry))
            }
            items.sort { ($0.date, $0.direction) < ($1.date, $1.direction) }
            return ThreadView(
                id: id, topic: c.topic, topicTitle: catalog.title(for: c.topic), topicSource: c.topicSource,
                confidence: c.confidence, status: c.status.rawValue, subject: c.subject, from: c.contactAddress,
                name: c.contactName, senderKind: c.senderKind, language: c.language, weakMatch: c.weakMatch,
                createdAt: c.createdAt, lastActivityAt: c.lastActivityAt, firstAnsweredAt: c.firstAnsweredAt,
                closedAt: c.closedAt, snoozedUntil: c.snoozedUntil, messages: items,
                notes: try tx.notes(ofConversation: id).map { NoteInfo(at: $0.at, text: $0.text) },
                events: try tx.events(ofConversation: id).map {
                    EventInfo(at: $0.at, actor: $0.actor, kind: $0.kind, detail: $0.detail)
                })
        }
    }

    /// An outbox entry as a message of the thread, its text read back from the bytes we built.
    static func outboundItem(_ entry: OutboxRecord) -> Item {
        let parsed = entry.raw.flatMap { try? Message.parse([UInt8]($0), options: .lenient) }
        return Item(id: entry.id ?? 0, direction: "out", from: entry.envelopeFrom.isEmpty
                    ? (parsed?.from.first?.address ?? "") : entry.envelopeFrom,
                    fromName: parsed?.from.first?.name, to: entry.recipientList, subject: entry.subject,
                    date: entry.sentAt ?? entry.createdAt, text: parsed?.newText ?? "", fullText: parsed?.text ?? "",
                    attachments: (parsed?.attachments ?? []).map {
                        AttachmentInfo(filename: $0.filename, contentType: $0.contentType, size: $0.size)
                    },
                    state: entry.state.rawValue, kind: entry.kind.rawValue)
    }
}
