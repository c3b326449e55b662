import Foundation
import GRDB

/// Per-folder poll state: the UIDVALIDITY seen and the highest UID already stored.
public struct MailboxRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "mailbox"
    public var id: Int64?
    public var name: String
    public var uidValidity: Int64?
    public var highestUID: Int64
    public var lastPollAt: Date?
    /// The folder's UIDNEXT at its first poll, when it already held mail: every message below
    /// it is backlog (stored, never acknowledged), however many polls the import takes. Nil
    /// when the folder was empty then, and after a UIDVALIDITY change.
    public var backlogBelowUID: Int64?

    public init(name: String) {
        self.name = name
        highestUID = 0
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
