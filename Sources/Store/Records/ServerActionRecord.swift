import Foundation
import GRDB

/// An after-fetch action owed to the IMAP server (move or flag), recorded in the same
/// transaction as the message it follows. If the process dies before the server has done
/// it, the next poll finds the record and does it then: the message is never stored twice
/// and never left unacknowledged.
public struct ServerActionRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "serverAction"
    public enum Action: String, Codable, Sendable { case move, flag }

    public var id: Int64?
    public var mailboxName: String
    public var uidValidity: Int64
    public var uid: Int64
    public var action: Action
    public var target: String?
    public var createdAt: Date
    public var attempts: Int = 0
    public var lastError: String?

    public init(mailboxName: String, uidValidity: Int64, uid: Int64, action: Action, target: String?, createdAt: Date) {
        self.mailboxName = mailboxName
        self.uidValidity = uidValidity
        self.uid = uid
        self.action = action
        self.target = target
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One run of `kontakt poll`, for `status` and health checks.
public struct PollRunRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "pollRun"
    public var id: Int64?
    public var startedAt: Date
    public var finishedAt: Date?
    public var ok: Bool = false
    public var fetched = 0
    public var stored = 0
    public var duplicates = 0
    public var quarantined = 0
    public var oversize = 0
    public var robots = 0
    /// New messages the run's budget left for the next poll.
    public var remaining = 0
    public var error: String?

    public init(startedAt: Date) { self.startedAt = startedAt }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
