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

    static func missing(_ id: Int64) -> KontaktError {
        .notFound("conversation \(id) does not exist — see `kontakt queue --all` for the ids")
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
            throw KontaktError.invalid("unknown topic \"\(topic)\" — choose one of: \(router.catalog.ids.joined(separator: ", "))")
        }
        let now = clock()
        let actor = self.actor
        let learnt: String? = try store.write { tx in
            guard var c = try tx.conversation(id: id) else { throw DirectorDesk.missing(id) }
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

    private func setStatus(_ id: Int64, to status: ConversationRecord.Status, event: String) throws -> Outcome {
        let now = clock()
        let actor = self.actor
        return try store.write { tx in
            guard var c = try tx.conversation(id: id) else { throw DirectorDesk.missing(id) }
            if c.status == status { return .unchanged("conversation \(id) is already \(status.rawValue)") }
            c.status = status
            c.closedAt = status == .closed ? now : nil
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
            guard try tx.conversation(id: id) != nil else { throw DirectorDesk.missing(id) }
            try tx.insert(NoteRecord(conversationId: id, at: now, text: trimmed))
            try tx.record(EventRecord(at: now, conversationId: id, actor: actor, kind: "note"))
        }
    }
}
