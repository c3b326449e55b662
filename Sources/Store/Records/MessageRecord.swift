import Foundation
import GRDB

/// One stored message, inbound or outbound, with the fields the queue shows; its raw bytes are
/// in the raw file under `rawKey` (`StoreTransaction.raw(of:)`).
///
/// The raw bytes are the truth; every other column is derived from them by the parser and
/// can be derived again (`kontakt replay`) after a parser fix.
public struct MessageRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "message"

    public enum Direction: String, Codable, Sendable { case inbound = "in", outbound = "out" }
    public enum State: String, Codable, Sendable {
        /// Parsed and threaded.
        case accepted
        /// Could not be parsed well enough; kept raw with its defects until `kontakt replay`.
        case quarantined
        /// Larger than the configured limit: headers kept, body not fetched.
        case oversize
        /// An auto-reply, bounce or list mail: stored, never in the queue as a question.
        case robot
    }

    public var id: Int64?
    public var direction: Direction
    public var conversationId: Int64?
    public var mailboxId: Int64?
    public var uidValidity: Int64?
    public var uid: Int64?
    public var messageID: String?
    public var contentHash: String
    /// Where the raw bytes are (`RawMessageFile`); nil once purged.
    public var rawKey: Int64?
    public var size: Int
    public var subject: String = ""
    public var fromAddress: String = ""
    public var fromName: String?
    /// JSON array of addresses.
    public var toAddresses: String = "[]"
    public var ccAddresses: String = "[]"
    public var replyTo: String?
    public var sentAt: Date?
    public var receivedAt: Date
    public var inReplyTo: String?
    /// Message-IDs separated by spaces, oldest first.
    public var referencesList: String = ""
    public var text: String = ""
    public var newText: String = ""
    public var state: State
    public var robotKind: String?
    public var robotDetail: String?
    /// JSON array of defect descriptions.
    public var defects: String = "[]"
    public var isBacklog: Bool = false
    public var outboxId: Int64?

    public init(direction: Direction, contentHash: String, size: Int, receivedAt: Date, state: State) {
        self.direction = direction
        self.contentHash = contentHash
        self.size = size
        self.receivedAt = receivedAt
        self.state = state
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var toList: [String] { (try? JSONDecoder().decode([String].self, from: Data(toAddresses.utf8))) ?? [] }
    public var ccList: [String] { (try? JSONDecoder().decode([String].self, from: Data(ccAddresses.utf8))) ?? [] }
    public var defectList: [String] { (try? JSONDecoder().decode([String].self, from: Data(defects.utf8))) ?? [] }

    public static func encodeList(_ list: [String]) -> String {
        // Most lists (Cc, defects) are empty: no encoder for those, a visible saving per message.
        guard !list.isEmpty else { return "[]" }
        return (try? String(decoding: JSONEncoder().encode(list), as: UTF8.self)) ?? "[]"
    }
}

/// What the store knows of one attachment; its bytes stay inside the raw message.
public struct AttachmentRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "attachment"
    public var id: Int64?
    public var messageId: Int64
    public var position: Int
    public var filename: String?
    public var contentType: String
    /// Decoded size in bytes.
    public var size: Int

    public init(messageId: Int64, position: Int, filename: String?, contentType: String, size: Int) {
        self.messageId = messageId
        self.position = position
        self.filename = filename
        self.contentType = contentType
        self.size = size
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
