import Foundation
import GRDB

/// One message waiting to leave, leaving, or gone: the outbox's ledger row.
///
/// States: `queued → sending → sent`, or `deferred` (retried with backoff), or `failed`;
/// `cancelled` by hand. `messageID` is unique, so the same message cannot be queued twice.
public struct OutboxRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "outbox"
    public enum Kind: String, Codable, Sendable { case reply, receipt, campaign }
    public enum State: String, Codable, Sendable, CaseIterable { case queued, sending, sent, deferred, failed, cancelled }

    public var id: Int64?
    public var kind: Kind
    public var conversationId: Int64?
    public var campaignId: Int64?
    public var messageID: String
    public var envelopeFrom: String
    /// JSON array of envelope recipients.
    public var recipients: String
    public var subject: String
    /// The complete message, when it was built at queue time.
    public var raw: Data?
    /// How to build the message at send time (JSON), when it is built then (campaigns with large attachments).
    public var spec: String?
    public var state: State = .queued
    public var attempts: Int = 0
    public var nextAttemptAt: Date
    public var createdAt: Date
    public var sentAt: Date?
    public var lastError: String?
    /// JSON array of per-recipient replies.
    public var recipientResults: String = "[]"
    public var createdBy: String = "director"
    /// When the final dot went to the server (see Migration3Send). Cleared when the server confirms;
    /// on a `sent` entry it therefore means "recorded as sent without the server's 250".
    public var handedOverAt: Date?
    /// When the current run of deferrals began; nil unless deferred.
    public var deferredSince: Date?

    public init(kind: Kind, messageID: String, envelopeFrom: String, recipients: [String], subject: String, at: Date) {
        self.kind = kind
        self.messageID = messageID
        self.envelopeFrom = envelopeFrom
        self.recipients = MessageRecord.encodeList(recipients)
        self.subject = subject
        nextAttemptAt = at
        createdAt = at
    }

    public var recipientList: [String] { (try? JSONDecoder().decode([String].self, from: Data(recipients.utf8))) ?? [] }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A bulk mailing (the seminar material, the evaluation request).
public struct CampaignRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "campaign"
    public var id: Int64?
    public var name: String
    public var template: String
    public var subject: String
    public var topic: String?
    /// JSON array of {path, sha256, size}.
    public var attachments: String
    public var createdAt: Date

    public init(name: String, template: String, subject: String, topic: String?, attachments: String, createdAt: Date) {
        self.name = name
        self.template = template
        self.subject = subject
        self.topic = topic
        self.attachments = attachments
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One recipient of a campaign and what happened to their copy.
public struct CampaignRecipientRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "campaignRecipient"
    public enum State: String, Codable, Sendable, CaseIterable { case queued, sent, deferred, failed, bounced }

    public var id: Int64?
    public var campaignId: Int64
    public var email: String
    public var name: String
    /// JSON object of the CSV's other columns.
    public var variables: String
    /// Line in the CSV, for error messages.
    public var line: Int
    /// Unique per recipient; part of the Message-ID and envelope sender so a bounce finds its recipient.
    public var token: String
    public var state: State = .queued
    public var detail: String?
    public var outboxId: Int64?
    public var updatedAt: Date

    public init(campaignId: Int64, email: String, name: String, variables: String, line: Int, token: String, at: Date) {
        self.campaignId = campaignId
        self.email = email
        self.name = name
        self.variables = variables
        self.line = line
        self.token = token
        updatedAt = at
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
