import Foundation
import Routing
import Store

/// What the director does to a conversation by hand — route, close, reopen, note — each
/// recorded as an event with the time and who did it, in the same transaction as the change,
/// so the audit trail can never disagree with the state.
public struct DirectorDesk {
    public let store: Store
    public private(set) var router: Router
    /// Who is acting: `$USER`, else "director".
    public var actor: String
    public var clock: @Sendable () -> Date = { Date() }

    public init(store: Store, router: Router, actor: String = DirectorDesk.currentActor()) {
        self.store = store
        self.router = router
        self.actor = actor
    }

    /// `$USER` when set, else "director": the name the audit trail records.
    public static func currentActor(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let user = environment["USER"]?.trimmingCharacters(in: .whitespaces), !user.isEmpty { return user }
        return "director"
    }

    static func missing(_ id: Int64, in tx: StoreTransaction) -> KontaktError {
        if let target = try? tx.mergedTarget(of: id) {
            return .notFound("conversation \(id) was merged into #\(target) — use \(target)")
        }
        return .notFound("conversation \(id) does not exist — see `kontakt queue --all` for the ids")
    }

    /// Merges conversation `source` into `target`: every message, note, reply and event of
    /// `source` moves over, and `source`'s id becomes an alias (its `[Kontakt #N]` tag still
    /// threads into `target`). What RT, Zammad and FreeScout call merging tickets: the same
    /// person wrote twice under different subjects, or a reply arrived without anything that
    /// ties it to its conversation.
    ///
    /// `target` waits for an answer if either did; it keeps its topic, which the director
    /// chose or the classifier gave it.
    public func merge(_ source: Int64, into target: Int64) throws {
        guard source != target else { throw KontaktError.invalid("a conversation cannot be merged into itself") }
        let now = clock()
        let actor = self.actor
        try store.write { tx in
            guard let from = try tx.conversation(id: source) else { throw DirectorDesk.missing(source, in: tx) }
            guard var into = try tx.conversation(id: target) else { throw DirectorDesk.missing(target, in: tx) }
            try tx.merge(conversation: source, into: target)
            let statuses = [from.status, into.status]
            into.status = statuses.contains(.open) ? .open : statuses.contains(.answered) ? .answered : .closed
            into.closedAt = into.status == .closed ? [from.closedAt, into.closedAt].compactMap { $0 }.max() : nil
            into.createdAt = min(from.createdAt, into.createdAt)
            into.lastActivityAt = max(from.lastActivityAt, into.lastActivityAt)
            into.firstAnsweredAt = [from.firstAnsweredAt, into.firstAnsweredAt].compactMap { $0 }.min()
            try tx.update(into)
            try tx.record(EventRecord(at: now, conversationId: target, actor: actor, kind: "merged",
                                      detail: "#\(source) \"\(from.subject)\" merged into this conversation"))
        }
    }

    /// Moves one received message out of conversation `id` into a conversation of its own,
    /// routed as if it had arrived alone; returns the new conversation's id. The message is
    /// `message`, or by default the last one received: the one a weak match (`?` in the queue)
    /// added. What Zammad calls splitting: a stranger's `[Kontakt #42]` does not have to stay
    /// in someone else's conversation.
    public func split(_ id: Int64, message messageId: Int64? = nil) throws -> Int64 {
        let now = clock()
        let actor = self.actor
        let ingestor = Ingestor(router: router, config: router.config)
        return try store.write { tx in
            guard var old = try tx.conversation(id: id) else { throw DirectorDesk.missing(id, in: tx) }
            let messages = try tx.messages(inConversation: id)
            let chosen = messageId.map { wanted in messages.first { $0.id == wanted } }
                ?? messages.last { $0.direction == .inbound }
            guard let moving = chosen, let movingId = moving.id else {
                throw KontaktError.notFound("message \(messageId ?? 0) is not in conversation \(id) — `kontakt show \(id)` numbers its received messages")
            }
            guard moving.direction == .inbound else {
                throw KontaktError.invalid("message \(movingId) is one we sent; only a received message can be split off")
            }
            let rest = messages.filter { $0.id != movingId }
            guard !rest.isEmpty else {
                throw KontaktError.invalid("message \(movingId) is the only message of conversation \(id); nothing to split it from")
            }
            let opening = ingestor.opening(forStored: moving, normalizedSubject: SubjectNormalizer.normalize(moving.subject))
            let fresh = try tx.insert(Ingestor.conversation(openedBy: moving, opening: opening, campaignTopic: nil))
            let freshId = fresh.id!
            try tx.move(message: movingId, toConversation: freshId)
            try tx.addParticipant(moving.fromAddress, toConversation: freshId)
            if !rest.contains(where: { $0.fromAddress.lowercased() == moving.fromAddress.lowercased() }) {
                try tx.removeParticipant(moving.fromAddress, fromConversation: id)
            }
            // The message that reopened an answered conversation has gone: answered again when
            // our last reply is newer than what is left of theirs.
            let lastIn = rest.last { $0.direction == .inbound }?.receivedAt
            let lastOut = rest.last { $0.direction == .outbound }?.receivedAt
            if old.status == .open, let lastOut, lastIn.map({ lastOut >= $0 }) ?? true { old.status = .answered }
            old.weakMatch = nil
            old.lastActivityAt = rest.map(\.receivedAt).max() ?? old.lastActivityAt
            try tx.update(old)
            try tx.record(EventRecord(at: now, conversationId: id, actor: actor, kind: "split",
                                      detail: "message \(movingId) moved to #\(freshId)"))
            try tx.record(EventRecord(at: now, conversationId: freshId, actor: actor, kind: "split",
                                      detail: "message \(movingId) split from #\(id); topic \(fresh.topic) (\(Int(fresh.confidence * 100))%)"))
            return freshId
        }
    }

    /// What happened, for the CLI's one line.
    public enum Outcome: Sendable, Equatable {
        case changed
        case unchanged(String)
    }

    /// Moves a conversation to `topic` and teaches the classifier: the first inbound message's
    /// subject and new text become a correction labelled `topic`, which every later
    /// `Router(config:store:)` (poll, classify) trains on. The in-process router learns at once.
    @discardableResult
    public mutating func route(_ id: Int64, to topic: String) throws -> Outcome {
        guard router.catalog.ids.contains(topic) else {
            throw KontaktError.unknownTopic(topic, choices: router.catalog.ids)
        }
        let now = clock()
        let actor = self.actor
        let learnt: String? = try store.write { tx in
            guard var c = try tx.conversation(id: id) else { throw DirectorDesk.missing(id, in: tx) }
            let firstInbound = try tx.messages(inConversation: id).first { $0.direction == .inbound }
            let text = [firstInbound?.subject ?? c.subject, firstInbound?.newText ?? ""]
                .filter { !$0.isEmpty }.joined(separator: "\n")
            let previous = c.topic
            c.topic = topic
            c.topicSource = "director"
            c.confidence = 1
            c.weakMatch = nil
            try tx.update(c)
            if !text.isEmpty {
                try tx.insert(CorrectionRecord(at: now, conversationId: id, text: text, label: topic))
            }
            try tx.record(EventRecord(at: now, conversationId: id, actor: actor, kind: "routed",
                                      detail: "\(previous) → \(topic)"))
            return text.isEmpty ? nil : text
        }
        if let learnt { router.learn(text: learnt, label: topic) }
        return .changed
    }

    /// Closes a conversation: it leaves the queue until the sender writes again.
    @discardableResult
    public func close(_ id: Int64) throws -> Outcome {
        try setStatus(id, to: .closed, event: "closed")
    }

    /// Puts a conversation back in the queue.
    @discardableResult
    public func reopen(_ id: Int64) throws -> Outcome {
        try setStatus(id, to: .open, event: "reopened")
    }

    /// Lets an open conversation rest until `date`: it leaves the queue and comes back by
    /// itself then, or as soon as the sender writes again, or on `reopen`. For "waiting for
    /// the material to be ready": RT's stalled, FreeScout's pending, Zammad's pending reminder.
    @discardableResult
    public func snooze(_ id: Int64, until date: Date) throws -> Outcome {
        let now = clock()
        guard date > now else { throw KontaktError.invalid("the date has passed — give a day after today") }
        let actor = self.actor
        return try store.write { tx in
            guard var c = try tx.conversation(id: id) else { throw DirectorDesk.missing(id, in: tx) }
            guard c.status == .open else {
                return .unchanged("conversation \(id) is \(c.status.rawValue), not waiting; only an open conversation can rest")
            }
            c.snoozedUntil = date
            try tx.update(c)
            try tx.record(EventRecord(at: now, conversationId: id, actor: actor, kind: "snoozed",
                                      detail: "until \(ISO8601DateFormatter().string(from: date))"))
            return .changed
        }
    }

    private func setStatus(_ id: Int64, to status: ConversationRecord.Status, event: String) throws -> Outcome {
        let now = clock()
        let actor = self.actor
        return try store.write { tx in
            guard var c = try tx.conversation(id: id) else { throw DirectorDesk.missing(id, in: tx) }
            if c.status == status {
                // Reopening a resting conversation wakes it.
                guard status == .open, c.isResting(at: now) else {
                    return .unchanged("conversation \(id) is already \(status.rawValue)")
                }
                c.snoozedUntil = nil
                try tx.update(c)
                try tx.record(EventRecord(at: now, conversationId: id, actor: actor, kind: "woken"))
                return .changed
            }
            c.status = status
            c.closedAt = status == .closed ? now : nil
            c.snoozedUntil = nil
            try tx.update(c)
            try tx.record(EventRecord(at: now, conversationId: id, actor: actor, kind: event))
            return .changed
        }
    }

    /// An internal note: stored with the conversation, shown by `show`, never sent.
    public func note(_ id: Int64, text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw KontaktError.invalid("the note is empty — write the text after the id") }
        let now = clock()
        let actor = self.actor
        try store.write { tx in
            guard try tx.conversation(id: id) != nil else { throw DirectorDesk.missing(id, in: tx) }
            try tx.insert(NoteRecord(conversationId: id, at: now, text: trimmed))
            try tx.record(EventRecord(at: now, conversationId: id, actor: actor, kind: "note"))
        }
    }
}
