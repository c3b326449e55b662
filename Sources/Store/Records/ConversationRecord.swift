import Foundation
import GRDB

/// A conversation (a thread of messages with one person), the unit the director works.
public struct ConversationRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "conversation"

    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Waiting for us.
        case open
        /// We replied; a new inbound message reopens it.
        case answered
        case closed
    }

    public var id: Int64?
    public var subject: String
    public var normalizedSubject: String
    public var topic: String
    public var confidence: Double
    /// Who chose the topic: the classifier, the director (route), a campaign, or robot detection.
    public var topicSource: String = "classifier"
    public var status: Status = .open
    public var senderKind: String = "resident"
    public var contactAddress: String
    public var contactName: String?
    /// "sv" or "en": the language of the first inquiry, for template choice.
    public var language: String = "sv"
    /// Set when the last message joined on weak evidence (subject only, or a stranger's tag):
    /// the director should confirm.
    public var weakMatch: String?
    public var isRobot: Bool = false
    public var createdAt: Date
    public var lastActivityAt: Date
    public var firstAnsweredAt: Date?
    public var closedAt: Date?
    /// An open conversation resting until then (`kontakt snooze`): out of the queue until the
    /// date comes or the sender writes again.
    public var snoozedUntil: Date?

    /// Whether it rests at `now` (`StoreTransaction.awakeSQL` is the same test in SQL).
    public func isResting(at now: Date) -> Bool { snoozedUntil.map { $0 > now } ?? false }

    public init(subject: String, normalizedSubject: String, topic: String, confidence: Double, contactAddress: String, at: Date) {
        self.subject = subject
        self.normalizedSubject = normalizedSubject
        self.topic = topic
        self.confidence = confidence
        self.contactAddress = contactAddress
        createdAt = at
        lastActivityAt = at
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Something that happened to a conversation, with who did it: the audit trail.
public struct EventRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var at: Date
    public var conversationId: Int64?
    public var actor: String
    public var kind: String
    public var detail: String

    public init(at: Date, conversationId: Int64?, actor: String, kind: String, detail: String = "") {
        self.at = at
        self.conversationId = conversationId
        self.actor = actor
        self.kind = kind
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An internal note on a conversation; never sent.
public struct NoteRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "note"
    public var id: Int64?
    public var conversationId: Int64
    public var at: Date
    public var text: String

    public init(conversationId: Int64, at: Date, text: String) {
        self.conversationId = conversationId
        self.at = at
        self.text = text
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A topic correction by the director, kept as a training example for the classifier.
public struct CorrectionRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "correction"
    public var id: Int64?
    public var at: Date
    public var conversationId: Int64?
    public var text: String
    public var label: String

    public init(at: Date, conversationId: Int64?, text: String, label: String) {
        self.at = at
        self.conversationId = conversationId
        self.text = text
        self.label = label
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
